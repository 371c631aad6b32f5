// Dates and times in French (format/time.js), against an independent reference: the
// browser's own Intl in French for the words, and the same instants across the
// organisation's clock changes, midnight and year ends. The implementation uses its own
// tables and never Intl's French, so the two can disagree.
import { describe, expect, it } from 'vitest'
import {
  formatDate,
  formatDateLong,
  formatDateRange,
  formatDateTime,
  formatDay,
  formatMonth,
  formatPeriod,
  formatShortDate,
  formatTime,
  parseDay,
  parseTime,
  weekdayName,
  zoneWords,
} from '../src/format/time.js'
import { setLocale } from '../src/i18n.js'

const ZONE = 'Europe/Zurich'

/** The reference: Intl's French parts of an instant in Zurich. */
function reference(ms) {
  const parts = {}
  const format = new Intl.DateTimeFormat('fr-FR', {
    timeZone: ZONE,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    hourCycle: 'h23',
  })
  for (const p of format.formatToParts(new Date(ms))) parts[p.type] = p.value
  const long = new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, month: 'long' }).format(ms)
  const day = parts.day === '1' ? '1er' : String(Number(parts.day))
  const hour = String(Number(parts.hour))
  return {
    date: `${day} ${parts.month} ${parts.year}`,
    long: `${day} ${long} ${parts.year}`,
    day: `${parts.weekday} ${day} ${parts.month} ${parts.year}`,
    time: `${hour} h ${parts.minute}`,
  }
}

// Instants around the clock changes of 2025-2027 (last Sundays of March and October),
// midnight and the year's end, plus 1,500 spread over three years.
function instants() {
  const out = []
  const edges = [
    '2026-03-29T00:30:00Z',
    '2026-03-29T01:00:00Z',
    '2026-10-25T00:59:00Z',
    '2026-10-25T01:00:00Z',
    '2025-12-31T22:59:00Z',
    '2025-12-31T23:00:00Z',
    '2026-11-30T23:00:00Z',
  ]
  for (const edge of edges) {
    const ms = Date.parse(edge)
    for (let m = -90; m <= 90; m += 7) out.push(ms + m * 60_000)
  }
  const start = Date.parse('2025-01-01T00:00:00Z')
  for (let i = 0; i < 1500; i++) out.push(start + i * 62_831_853)
  return out
}

describe('French dates and times', () => {
  it('agree with an independent French reference on 1,500+ instants', () => {
    setLocale('fr')
    for (const ms of instants()) {
      const iso = new Date(ms).toISOString()
      const want = reference(ms)
      expect(formatDate(iso), iso).toBe(want.date)
      expect(formatDateLong(iso), iso).toBe(want.long)
      expect(formatDay(iso), iso).toBe(want.day)
      expect(formatTime(iso), iso).toBe(want.time)
      expect(formatDateTime(iso), iso).toBe(`${want.date} à ${want.time}`)
    }
  }, 30_000)

  it('writes the family in French and reads it back', () => {
    setLocale('fr')
    const at = '2026-12-04T13:51:59Z'
    expect(formatDateTime(at)).toBe('4 déc. 2026 à 14 h 51')
    expect(formatDay('2026-12-04')).toBe('ven. 4 déc. 2026')
    expect(formatDateLong('2026-12-01')).toBe('1er décembre 2026')
    expect(formatShortDate('2026-12-04')).toBe('4 déc.')
    expect(formatMonth('2026-02')).toBe('février 2026')
    expect(weekdayName('2026-12-04')).toBe('vendredi')
    expect(formatPeriod(at, '2026-12-04T14:06:00Z')).toBe('4 déc. 2026 à 14 h 51 – 15 h 06')
    expect(formatDateRange('2026-12-01', '2026-12-04')).toBe('du 1er déc. 2026 au 4 déc. 2026')
    expect(formatDateRange('2026-12-04', '2026-12-04')).toBe('le 4 déc. 2026')
    expect(zoneWords()).toBe('fuseau horaire Europe/Zurich')
    for (const typed of ['4 déc. 2026', '4 décembre 2026', 'ven. 4 déc. 2026', '4 decembre 2026']) {
      expect(parseDay(typed), typed).toBe('2026-12-04')
    }
    expect(parseDay('1er février 2026')).toBe('2026-02-01')
    expect(parseDay('15 aout 2026')).toBe('2026-08-15')
    expect(parseTime('14 h 51')).toBe('14:51')
  })

  it('every French date written reads back as the same day', () => {
    setLocale('fr')
    for (let i = 0; i < 800; i++) {
      const day = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)
      expect(parseDay(formatDate(day)), day).toBe(day)
      expect(parseDay(formatDay(day)), day).toBe(day)
      expect(parseDay(formatDateLong(day)), day).toBe(day)
    }
  })

  it('stays English in English', () => {
    setLocale('en')
    expect(formatDateTime('2026-12-04T13:51:00Z')).toBe('4 Dec 2026, 14:51')
    expect(formatDateLong('2026-12-01')).toBe('1 December 2026')
  })
})
