// Unusual activity in words: when an alert happened, and the usual it is held against.
import { formatDay, pad } from '../format/time.js'

const PER_DAY_RULES = new Set(['traces_per_day', 'exports_per_day'])

/** "Wed 18 Nov 2026" or "Wed 18 Nov 2026, 23:00 – 24:00" (an hour, as a period). */
export function alertWhen(alert) {
  const day = formatDay(alert?.day, { year: true })
  if (alert?.hour === null || alert?.hour === undefined) return day
  const hour = Number(alert.hour)
  return `${day}, ${pad(hour)}:00 – ${pad(hour + 1)}:00`
}

const number = (v) => (Number.isInteger(v) ? String(v) : Number(v).toFixed(1))

/** The usual of one side (the account's, or the service's) in words; 'not known yet' if none. */
export function usualWords(alert, side) {
  const value = alert?.[`usual_${side}`]
  if (value === null || value === undefined) return 'not known yet'
  if (PER_DAY_RULES.has(alert.rule)) return `${number(value)} a day`
  if (alert.rule === 'unusual_hour') return `${number(value)} % in that hour`
  return `${number(value)} before`
}

/** The rules that raised alerts, as "label: count", in the server's order. */
export function ruleCounts(perRule) {
  return (Array.isArray(perRule) ? perRule : []).filter((r) => r.count > 0)
}
