import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addDays,
  addMonths,
  dayRange,
  formatDate,
  formatDateRange,
  formatDay,
  formatDayTime,
  formatMonth,
  formatShortDate,
  formatShortDayTime,
  formatShortMonth,
  formatTime,
  formatTimeRange,
  fromUnixSeconds,
  isDateKey,
  localDayKey,
  localInputToIso,
  localMonthKey,
  mondayOf,
  nowForInput,
  parseLocalInput,
  toLocalIso,
  wallClock,
  weekdayName,
} from '../src/format/time.js'
import * as appointments from '../src/appointments/format.js'
import * as registration from '../src/registration/format.js'
import * as tracing from '../src/tracing/format.js'

const AT = '2025-11-18T14:05:00+01:00' // a Tuesday

describe('format/time: the wall clock of the ISO string', () => {
  it('reads the parts as written, whatever the browser time zone', () => {
    expect(wallClock(AT)).toEqual({ year: 2025, month: 11, day: 18, hour: 14, minute: 5 })
    expect(wallClock('2025-11-24')).toEqual({ year: 2025, month: 11, day: 24, hour: 0, minute: 0 })
    expect(wallClock('not a date')).toBe(null)
    expect(wallClock(new Date('invalid'))).toBe(null)
  })

  it('formats times, days and dates in English', () => {
    expect(formatTime(AT)).toBe('14:05')
    expect(formatTimeRange('2025-11-24T09:15:00+01:00', '2025-11-24T09:30:00+01:00')).toBe('09:15–09:30')
    expect(weekdayName(AT)).toBe('Tuesday')
    expect(formatDay(AT, { thisYear: 2025 })).toBe('Tuesday 18 November')
    expect(formatDay(AT, { thisYear: 2024 })).toBe('Tuesday 18 November 2025')
    expect(formatDay(AT, { year: true, thisYear: 2025 })).toBe('Tuesday 18 November 2025')
    expect(formatDayTime(AT, { thisYear: 2025 })).toBe('Tuesday 18 November, 14:05')
    expect(formatDate(AT)).toBe('18 November 2025')
    expect(formatShortDate(AT)).toBe('18 Nov')
    expect(formatShortDayTime('2025-11-14T12:41:00+01:00')).toBe('14 Nov, 12:41')
    expect(formatShortDayTime('')).toBe('')
    expect(formatDateRange('2025-11-24', '2025-11-28')).toBe('24 to 28 November 2025')
    expect(formatDateRange('2025-11-30', '2025-12-04')).toBe('30 November to 4 December 2025')
    expect(formatDateRange('2025-12-30', '2026-01-02')).toBe('30 December 2025 to 2 January 2026')
    expect(formatShortMonth('2025-11')).toBe('Nov 2025')
    expect(formatMonth('2025-11')).toBe('November 2025')
  })

  it('formats a Date on the browser clock', () => {
    const date = new Date(2025, 8, 3, 9, 5) // 3 September, local time
    expect(formatShortDayTime(date)).toBe('3 Sep, 09:05')
    expect(formatShortDate(date)).toBe('3 Sep')
    expect(formatTime(date)).toBe('09:05')
    expect(formatDayTime(date, { thisYear: 2025 })).toBe('Wednesday 3 September, 09:05')
  })

  it('moves days and months, and lists the days of a period', () => {
    expect(addDays('2025-11-30', 1)).toBe('2025-12-01')
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28')
    expect(isDateKey('2025-02-29')).toBe(false)
    expect(isDateKey('2024-02-29')).toBe(true)
    expect(mondayOf('2025-11-23')).toBe('2025-11-17') // a Sunday
    expect(addMonths('2025-12', 1)).toBe('2026-01')
    expect(addMonths('2025-01', -1)).toBe('2024-12')
    expect(addMonths('2025-11', -11)).toBe('2024-12')
    expect(dayRange('2025-11-29T10:00:00+01:00', '2025-12-01T08:00:00+01:00')).toEqual([
      '2025-11-29',
      '2025-11-30',
      '2025-12-01',
    ])
    expect(dayRange('2025-11-01', '2025-11-30', 3)).toHaveLength(3)
    expect(dayRange('', '2025-11-30')).toEqual([])
  })

  it('reads and writes the browser clock', () => {
    const date = new Date(2025, 2, 5, 10, 30, 15)
    expect(localDayKey(date)).toBe('2025-03-05')
    expect(localDayKey(date, -5)).toBe('2025-02-28')
    expect(localMonthKey(date)).toBe('2025-03')
    expect(nowForInput(date)).toBe('2025-03-05T10:30')
    expect(toLocalIso(date)).toMatch(/^2025-03-05T10:30:15[+-]\d{2}:\d{2}$/)
    expect(localInputToIso('2025-03-05T10:30')).toMatch(/^2025-03-05T10:30:00[+-]\d{2}:\d{2}$/)
    expect(localInputToIso('')).toBe('')
    expect(toLocalIso(new Date('invalid'))).toBe('')
  })

  it('is the one implementation the area modules use', () => {
    expect(appointments.formatDay).toBe(formatDay)
    expect(appointments.formatTime).toBe(formatTime)
    expect(registration.localInputToIso).toBe(localInputToIso)
    expect(tracing.toLocalIso).toBe(toLocalIso)
    expect(tracing.formatShortMoment('2025-11-14T12:41:00+01:00')).toBe('14 Nov, 12:41')
    expect(tracing.formatMoment(new Date('invalid'))).toBe('')
  })
})

// The service runs in Zurich: the browser's clock there has days of 23 and 25
// hours (30 March and 26 October 2025), and midnight starts a day, not ends one.
describe('format/time in Europe/Zurich: DST days and midnight', () => {
  const before = process.env.TZ
  beforeAll(() => {
    process.env.TZ = 'Europe/Zurich'
  })
  afterAll(() => {
    if (before === undefined) delete process.env.TZ
    else process.env.TZ = before
  })
  const unix = (iso) => Date.parse(iso) / 1000

  it('is on the Zurich clock in this block', () => {
    expect(new Date(2025, 0, 15, 12).getTimezoneOffset()).toBe(-60) // CET
    expect(new Date(2025, 6, 15, 12).getTimezoneOffset()).toBe(-120) // CEST
  })

  it('shows server times as written on the days the clocks change', () => {
    // Spring: 02:00 becomes 03:00; autumn: 03:00 becomes 02:00 (02:30 happens twice).
    expect(formatDayTime('2025-03-30T03:30:00+02:00', { thisYear: 2025 })).toBe('Sunday 30 March, 03:30')
    expect(formatDayTime('2025-03-30T01:59:00+01:00', { thisYear: 2025 })).toBe('Sunday 30 March, 01:59')
    expect(formatTime('2025-10-26T02:30:00+02:00')).toBe('02:30')
    expect(formatTime('2025-10-26T02:30:00+01:00')).toBe('02:30')
    expect(formatTimeRange('2025-10-26T02:45:00+02:00', '2025-10-26T02:15:00+01:00')).toBe('02:45–02:15')
    expect(formatDay('2025-10-26T23:59:00+01:00', { thisYear: 2025 })).toBe('Sunday 26 October')
  })

  it('counts the short and the long day as one day each', () => {
    expect(dayRange('2025-03-29', '2025-03-31')).toEqual(['2025-03-29', '2025-03-30', '2025-03-31'])
    expect(dayRange('2025-10-25T22:00:00+02:00', '2025-10-27T01:00:00+01:00')).toEqual([
      '2025-10-25',
      '2025-10-26',
      '2025-10-27',
    ])
    expect(addDays('2025-03-30', 1)).toBe('2025-03-31')
    expect(addDays('2025-10-27', -1)).toBe('2025-10-26')
    expect(mondayOf('2025-03-30')).toBe('2025-03-24')
    expect(localDayKey(new Date(2025, 2, 29, 23, 30), 1)).toBe('2025-03-30')
    expect(localDayKey(new Date(2025, 2, 30, 0, 30), 1)).toBe('2025-03-31')
    expect(localDayKey(new Date(2025, 9, 26, 23, 30), -1)).toBe('2025-10-25')
  })

  it('writes the browser clock with the offset of the moment', () => {
    expect(toLocalIso(new Date(2025, 2, 30, 1, 30))).toBe('2025-03-30T01:30:00+01:00')
    expect(toLocalIso(new Date(2025, 2, 30, 3, 30))).toBe('2025-03-30T03:30:00+02:00')
    expect(toLocalIso(new Date(Date.UTC(2025, 9, 26, 0, 30)))).toBe('2025-10-26T02:30:00+02:00')
    expect(toLocalIso(new Date(Date.UTC(2025, 9, 26, 1, 30)))).toBe('2025-10-26T02:30:00+01:00')
    // A time the clock skips is read as the hour after; one it shows twice, as the first.
    expect(localInputToIso('2025-03-30T02:30')).toBe('2025-03-30T03:30:00+02:00')
    expect(localInputToIso('2025-10-26T02:30')).toBe('2025-10-26T02:30:00+02:00')
    expect(parseLocalInput('2025-10-26T02:30').toISOString()).toBe('2025-10-26T00:30:00.000Z')
  })

  it('shows Unix seconds (location history) on the browser clock', () => {
    expect(formatShortDayTime(fromUnixSeconds(unix('2025-03-30T00:59:00Z')))).toBe('30 Mar, 01:59')
    expect(formatShortDayTime(fromUnixSeconds(unix('2025-03-30T01:00:00Z')))).toBe('30 Mar, 03:00')
    expect(formatShortDayTime(fromUnixSeconds(unix('2025-10-26T00:30:00Z')))).toBe('26 Oct, 02:30')
    expect(formatShortDayTime(fromUnixSeconds(unix('2025-10-26T01:30:00Z')))).toBe('26 Oct, 02:30')
    expect(formatShortDate(fromUnixSeconds(unix('2025-10-26T23:00:00Z')))).toBe('27 Oct') // midnight CET
  })

  it('puts midnight at the start of its day', () => {
    expect(formatTime('2025-11-24T00:00:00+01:00')).toBe('00:00')
    expect(formatDay('2025-11-24T00:00:00+01:00', { thisYear: 2025 })).toBe('Monday 24 November')
    expect(formatTimeRange('2025-11-23T23:45:00+01:00', '2025-11-24T00:00:00+01:00')).toBe('23:45–00:00')
    expect(formatDateRange('2025-11-23T00:00:00+01:00', '2025-11-23T23:59:00+01:00')).toBe('23 November 2025')
    expect(dayRange('2025-11-23T00:00:00+01:00', '2025-11-24T00:00:00+01:00')).toEqual(['2025-11-23', '2025-11-24'])
    const midnight = new Date(2025, 10, 24, 0, 0)
    expect(wallClock(midnight)).toEqual({ year: 2025, month: 11, day: 24, hour: 0, minute: 0 })
    expect(nowForInput(midnight)).toBe('2025-11-24T00:00')
    expect(toLocalIso(midnight)).toBe('2025-11-24T00:00:00+01:00')
    expect(localDayKey(midnight)).toBe('2025-11-24')
    expect(localDayKey(new Date(2025, 10, 23, 23, 59, 59))).toBe('2025-11-23')
    // The first of the month and of the year, at midnight.
    expect(localMonthKey(new Date(2026, 0, 1, 0, 0))).toBe('2026-01')
    expect(formatShortDayTime(new Date(2026, 0, 1, 0, 0))).toBe('1 Jan, 00:00')
    // New Year's midnight as written by the server, whatever the offset.
    expect(formatDate('2026-01-01T00:00:00-05:00')).toBe('1 January 2026')
  })
})
