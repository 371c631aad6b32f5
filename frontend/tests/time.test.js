import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addDays,
  addMonths,
  dayKey,
  dayRange,
  formatDate,
  formatDateLong,
  formatDateRange,
  formatDateTime,
  formatDay,
  formatDayTime,
  formatMonth,
  formatPeriod,
  formatShortDate,
  formatShortMonth,
  formatTime,
  formatTimeRange,
  formatWhen,
  fromUnixSeconds,
  isDateKey,
  localDayKey,
  localInputToIso,
  localMonthKey,
  mondayOf,
  nowForInput,
  parseDay,
  parseLocalInput,
  setTimeZone,
  timeZone,
  toLocalIso,
  wallClock,
  weekdayName,
} from '../src/format/time.js'
import * as appointments from '../src/appointments/format.js'
import * as registration from '../src/registration/format.js'
import * as tracing from '../src/tracing/format.js'

// The organisation is in Zurich (tests/setup.js, as /api/me says); the browser
// is in New York for the whole file, so that any use of the browser's clock shows.
const browserZone = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'America/New_York'
  setTimeZone('Europe/Zurich')
})
afterAll(() => {
  if (browserZone === undefined) delete process.env.TZ
  else process.env.TZ = browserZone
})

const AT = '2025-11-18T14:05:00+01:00' // a Tuesday

// --- An independent reference: Zurich's rule written out by hand -------------
// Central European Time (UTC+1); summer time (UTC+2) from 01:00 UTC on the last
// Sunday of March to 01:00 UTC on the last Sunday of October (EU rule since 1996).
const lastSunday = (year, month) => {
  const last = new Date(Date.UTC(year, month, 0)) // the last day of `month` (1-12)
  return Date.UTC(year, month - 1, last.getUTCDate() - last.getUTCDay(), 1)
}
const zurichOffsetHours = (ms) => {
  const year = new Date(ms).getUTCFullYear()
  return ms >= lastSunday(year, 3) && ms < lastSunday(year, 10) ? 2 : 1
}
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const two = (n) => String(n).padStart(2, '0')
function referenceDayTime(ms) {
  const local = new Date(ms + zurichOffsetHours(ms) * 3_600_000) // read with getUTC*
  const date = `${local.getUTCDate()} ${MON[local.getUTCMonth()]} ${local.getUTCFullYear()}`
  return `${DAY[local.getUTCDay()]} ${date}, ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`
}

describe('format/time: the organisation’s clock, never the browser’s', () => {
  it('runs in a browser whose clock is not the organisation’s', () => {
    expect(new Date(2025, 0, 15, 12).getTimezoneOffset()).toBe(300) // New York, EST
    expect(timeZone()).toBe('Europe/Zurich')
  })

  // Written by hand from the calendar: 30 Mar 2025 and 29 Mar 2026 (spring), 26 Oct 2025
  // and 25 Oct 2026 (autumn) are the last Sundays; midnight and the year's end.
  const TABLE = [
    ['2025-03-30T00:59:59Z', 'Sun 30 Mar 2025, 01:59'], // a second before the clocks go forward
    ['2025-03-30T01:00:00Z', 'Sun 30 Mar 2025, 03:00'],
    ['2026-03-29T00:30:00Z', 'Sun 29 Mar 2026, 01:30'],
    ['2026-03-29T01:30:00Z', 'Sun 29 Mar 2026, 03:30'],
    ['2025-10-26T00:30:00Z', 'Sun 26 Oct 2025, 02:30'], // 02:30 happens twice
    ['2025-10-26T01:30:00Z', 'Sun 26 Oct 2025, 02:30'],
    ['2026-10-25T00:59:00Z', 'Sun 25 Oct 2026, 02:59'],
    ['2026-10-25T01:00:00Z', 'Sun 25 Oct 2026, 02:00'],
    ['2025-11-23T23:00:00Z', 'Mon 24 Nov 2025, 00:00'], // midnight starts a day
    ['2025-11-23T22:59:59Z', 'Sun 23 Nov 2025, 23:59'], // cut, not rounded
    ['2025-12-31T23:00:00Z', 'Thu 1 Jan 2026, 00:00'], // the year's end
    ['2025-12-31T22:59:00Z', 'Wed 31 Dec 2025, 23:59'],
    ['2026-07-01T22:00:00Z', 'Thu 2 Jul 2026, 00:00'], // summer midnight
    ['2026-12-04T13:51:45Z', 'Fri 4 Dec 2026, 14:51'],
    ['2026-12-04T14:51:00+01:00', 'Fri 4 Dec 2026, 14:51'],
    ['2026-12-04T08:51:00-05:00', 'Fri 4 Dec 2026, 14:51'], // another offset, the same instant
  ]
  it.each(TABLE)('%s is %s', (iso, words) => {
    expect(formatDayTime(iso)).toBe(words)
    expect(formatDayTime(new Date(iso))).toBe(words)
    expect(referenceDayTime(Date.parse(iso))).toBe(words) // the reference agrees with the table
  })

  it('agrees with the reference over instants spread across 2024-2027, DST edges included', () => {
    let seed = 20261204
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const from = Date.UTC(2024, 0, 1)
    const span = Date.UTC(2028, 0, 1) - from
    const instants = Array.from({ length: 3000 }, () => from + Math.floor(random() * span))
    for (const year of [2024, 2025, 2026, 2027]) {
      for (const edge of [lastSunday(year, 3), lastSunday(year, 10)]) {
        for (const delta of [-3_600_001, -60_000, -1, 0, 1, 59_999, 3_600_000]) instants.push(edge + delta)
      }
    }
    const wrong = instants.filter((ms) => formatDayTime(new Date(ms)) !== referenceDayTime(ms))
    expect(wrong.map((ms) => new Date(ms).toISOString())).toEqual([])
  })

  it('writes the one family: date, weekday, running text, time, date and time, periods', () => {
    expect(formatDate(AT)).toBe('18 Nov 2025')
    expect(formatDay(AT)).toBe('Tue 18 Nov 2025')
    expect(formatDay(AT, { year: false })).toBe('Tue 18 Nov')
    expect(formatDateLong(AT)).toBe('18 November 2025')
    expect(formatTime(AT)).toBe('14:05')
    expect(formatDateTime(AT)).toBe('18 Nov 2025, 14:05')
    expect(formatWhen('2025-11-18T14:05:59+01:00')).toBe('18 Nov 2025, 14:05')
    expect(formatPeriod(AT, '2025-11-18T15:06:00+01:00')).toBe('18 Nov 2025, 14:05 – 15:06')
    expect(formatPeriod('2025-11-18T23:50:00+01:00', '2025-11-19T00:10:00+01:00')).toBe(
      '18 Nov 2025, 23:50 – 19 Nov 2025, 00:10',
    )
    expect(formatPeriod(AT, null)).toBe('18 Nov 2025, 14:05')
    expect(formatTimeRange('2025-11-24T09:15:00+01:00', '2025-11-24T09:30:00+01:00')).toBe('09:15 – 09:30')
    expect(weekdayName(AT)).toBe('Tuesday')
    expect(formatShortDate(AT)).toBe('18 Nov')
    expect(formatDateRange('2025-11-24', '2025-11-24')).toBe('24 Nov 2025')
    expect(formatDateRange('2025-12-30', '2026-01-02')).toBe('30 Dec 2025 to 2 Jan 2026')
    expect(formatShortMonth('2025-11')).toBe('Nov 2025')
    expect(formatMonth('2025-11')).toBe('November 2025')
    expect(formatDateTime('')).toBe('')
    expect(formatWhen(null)).toBe('')
    expect(wallClock('not a date')).toBe(null)
    expect(wallClock(new Date('invalid'))).toBe(null)
  })

  it('reads a day ("YYYY-MM-DD") and a wall-clock value without offset as written', () => {
    expect(formatDay('2025-03-30')).toBe('Sun 30 Mar 2025')
    expect(wallClock('2025-11-24')).toEqual({ year: 2025, month: 11, day: 24, hour: 0, minute: 0 })
    expect(formatDateTime('2025-03-30T02:30')).toBe('30 Mar 2025, 02:30')
  })

  it('moves days and months, and lists the days of a period', () => {
    expect(addDays('2025-11-30', 1)).toBe('2025-12-01')
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28')
    expect(addDays('2025-03-30', 1)).toBe('2025-03-31') // the short day is one day
    expect(isDateKey('2025-02-29')).toBe(false)
    expect(isDateKey('2024-02-29')).toBe(true)
    expect(mondayOf('2025-11-23')).toBe('2025-11-17')
    expect(addMonths('2025-12', 1)).toBe('2026-01')
    expect(addMonths('2025-01', -1)).toBe('2024-12')
    expect(dayRange('2025-10-25T22:00:00+02:00', '2025-10-27T01:00:00+01:00')).toEqual([
      '2025-10-25',
      '2025-10-26',
      '2025-10-27',
    ])
    expect(dayRange('', '2025-11-30')).toEqual([])
  })

  it('takes today, this month and "now" from the organisation’s clock', () => {
    // 23:30 on 31 Dec in New York is already 05:30 on 1 Jan in Zurich.
    const nyEvening = new Date('2025-12-31T23:30:00-05:00')
    expect(localDayKey(nyEvening)).toBe('2026-01-01')
    expect(localDayKey(nyEvening, -1)).toBe('2025-12-31')
    expect(localMonthKey(nyEvening)).toBe('2026-01')
    expect(dayKey(nyEvening)).toBe('2026-01-01')
    expect(nowForInput(nyEvening)).toBe('2026-01-01T05:30')
    expect(toLocalIso(nyEvening)).toBe('2026-01-01T05:30:00+01:00')
    expect(toLocalIso(new Date('invalid'))).toBe('')
  })

  it('turns a time chosen on the organisation’s clock into the right instant across DST', () => {
    expect(localInputToIso('2025-03-30T01:59')).toBe('2025-03-30T01:59:00+01:00')
    expect(localInputToIso('2025-03-30T03:00')).toBe('2025-03-30T03:00:00+02:00')
    // A time the clock skips is read as the hour after; one it shows twice, as the first (as zoneinfo).
    expect(localInputToIso('2025-03-30T02:30')).toBe('2025-03-30T03:30:00+02:00')
    expect(localInputToIso('2025-10-26T02:30')).toBe('2025-10-26T02:30:00+02:00')
    expect(localInputToIso('2025-10-26T03:00')).toBe('2025-10-26T03:00:00+01:00')
    expect(parseLocalInput('2025-10-26T02:30').toISOString()).toBe('2025-10-26T00:30:00.000Z')
    expect(localInputToIso('2025-12-31T23:59')).toBe('2025-12-31T23:59:00+01:00')
    expect(localInputToIso('2026-01-01T00:00')).toBe('2026-01-01T00:00:00+01:00')
    expect(localInputToIso('2025-02-30T10:00')).toBe('')
    expect(localInputToIso('2025-03-05T24:00')).toBe('')
    expect(localInputToIso('')).toBe('')
    // Every whole hour of the long and the short day comes back as it was chosen.
    for (const day of ['2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25']) {
      for (let h = 0; h < 24; h++) {
        const chosen = `${day}T${two(h)}:15`
        const back = nowForInput(parseLocalInput(chosen))
        expect(back === chosen || (h === 2 && day.endsWith('-03-30')) || (h === 2 && day.endsWith('-03-29'))).toBe(true)
      }
    }
  })

  it('shows Unix seconds (location history) on the organisation’s clock', () => {
    const unix = (iso) => Date.parse(iso) / 1000
    expect(formatDateTime(fromUnixSeconds(unix('2025-03-30T01:00:00Z')))).toBe('30 Mar 2025, 03:00')
    expect(formatShortDate(fromUnixSeconds(unix('2025-10-26T23:00:00Z')))).toBe('27 Oct') // midnight CET
  })

  it('is the one implementation the area modules use', () => {
    expect(appointments.formatDay).toBe(formatDay)
    expect(appointments.formatTime).toBe(formatTime)
    expect(registration.localInputToIso).toBe(localInputToIso)
    expect(tracing.toLocalIso).toBe(toLocalIso)
    expect(tracing.formatShortMoment('2025-11-14T12:41:00+01:00')).toBe('14 Nov 2025, 12:41')
    expect(tracing.formatMoment(new Date('invalid'))).toBe('')
  })
})

describe('parseDay: a day typed in the family’s order', () => {
  const TABLE = [
    ['4 Dec 2026', '2026-12-04'],
    ['4 December 2026', '2026-12-04'],
    ['Fri 4 Dec 2026', '2026-12-04'],
    ['04.12.2026', '2026-12-04'],
    ['4.12.2026', '2026-12-04'],
    ['4/12/2026', '2026-12-04'], // day first, always
    ['2026-12-04', '2026-12-04'],
    ['  04 dec. 2026 ', '2026-12-04'],
    ['29.02.2024', '2024-02-29'],
    ['31 Dec 2025', '2025-12-31'],
    ['1 Jan 2026', '2026-01-01'],
    ['29.02.2026', ''], // not a day
    ['31 Apr 2026', ''],
    ['13/13/2026', ''],
    ['12/04', ''],
    ['4 Ju 2026', ''], // "Ju" is June or July
    ['tomorrow', ''],
    ['', ''],
    [null, ''],
    ['2026-12-04T10:00', ''],
    ['<script>', ''],
  ]
  it.each(TABLE)('%j is %j', (typed, key) => {
    expect(parseDay(typed)).toBe(key)
  })

  it('reads back every day it writes', () => {
    for (let day = '2025-12-25'; day <= '2026-01-07'; day = addDays(day, 1)) {
      expect(parseDay(formatDate(day))).toBe(day)
      expect(parseDay(formatDay(day))).toBe(day)
      expect(parseDay(formatDateLong(day))).toBe(day)
    }
  })
})

describe('one place formats dates and times', () => {
  it('no other module asks the browser’s clock or locale for a date or a time', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs')
    const { join, relative } = await import('node:path')
    const root = join(__dirname, '..', 'src')
    const files = []
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else if (/\.(js|vue)$/.test(name)) files.push(path)
      }
    }
    walk(root)
    const adHoc =
      /toLocale(Date|Time)String|toLocaleString\((?!'en)|Intl\.DateTimeFormat|\.get(Hours|Minutes|Date|Day|Month|FullYear)\(\)|getTimezoneOffset|type="(date|datetime-local|time)"/
    const offenders = files
      .filter((path) => !path.endsWith(join('format', 'time.js')) && !path.endsWith('DateInput.vue'))
      .filter((path) => adHoc.test(readFileSync(path, 'utf8')))
      .map((path) => relative(root, path))
    expect(offenders).toEqual([])
  })
})
