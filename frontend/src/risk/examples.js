// Small built-in examples for the calculators.
import { localDayKey } from '../format/time.js'

/** 'YYYY-MM-DD' of `date` plus `days` (local calendar). */
export const isoDay = (date = new Date(), days = 0) => localDayKey(date, days)

/**
 * Three days ending today: 5 min of exposure score, then 16 (≥ 15: notify), then 5.
 * Rows: {day, minutes: [B1 (near), B2 (medium), B3 (far)]}.
 */
export function dp3tExample(today = new Date()) {
  return [
    { day: isoDay(today, -2), minutes: [3, 4, 10] },
    { day: isoDay(today, -1), minutes: [10, 12, 5] },
    { day: isoDay(today, 0), minutes: [2, 6, 30] },
  ]
}

/** A deterministic wobble of ±`amp` dB (no random numbers: the example is always the same). */
const wobble = (i, amp) => Math.round(amp * Math.sin(i * 1.7) * Math.cos(i * 0.45))

function contactLines(contact, start, minutes, everySeconds, level, amp) {
  const lines = []
  for (let t = 0, i = 0; t <= minutes * 60; t += everySeconds, i++)
    lines.push(`${contact},${start + t},${level + wobble(i, amp)}`)
  return lines
}

/**
 * Four phones heard over a quarter of an hour (a sample every 10-20 s):
 * close-by for 10 minutes (high), a few metres away for 8 (medium), far for 6
 * (negligible), and one heard for a minute only (shorter than 2 min: filtered out).
 */
export const RSSI_EXAMPLE_CSV = [
  'contact,time,rssi',
  ...contactLines('colleague-desk', 0, 10, 10, -63, 4),
  ...contactLines('meeting-room', 120, 8, 15, -70, 4),
  ...contactLines('corridor', 300, 6, 20, -84, 3),
  ...contactLines('passer-by', 600, 1, 10, -58, 2),
].join('\n')
