// Dates and times, in words: the one place that formats them.
//
// Times from the server ("2025-11-24T09:15:00+01:00") are shown as written,
// i.e. as the wall-clock time of the service (the desk's clock, the clock of
// the server's days and daily totals), whatever the browser's time zone: a
// person goes to the desk at the time printed on the desk's clock. A Date
// (e.g. "now", or a time the browser worked out) is shown on the browser's
// clock. The sentences are English, so the dates are too ("Tuesday 24
// November"); only formatWhen follows the browser's locale.
//
// Days are "YYYY-MM-DD" keys, months "YYYY-MM" keys.

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** "05" for 5 (the whole part of a number's size, two digits at least). */
export const pad = (n) => String(Math.abs(Math.trunc(n))).padStart(2, '0')

const ISO_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/

const isValidDate = (value) => value instanceof Date && !Number.isNaN(value.getTime())

/**
 * {year, month (1-12), day, hour, minute} as written in an ISO date or timestamp,
 * or of a Date on the browser's clock; null if it is neither.
 */
export function wallClock(value) {
  if (value instanceof Date) {
    if (!isValidDate(value)) return null
    return {
      year: value.getFullYear(),
      month: value.getMonth() + 1,
      day: value.getDate(),
      hour: value.getHours(),
      minute: value.getMinutes(),
    }
  }
  const m = ISO_PARTS.exec(String(value ?? ''))
  if (!m) return null
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
  }
}

// --- Keys ---------------------------------------------------------------------

/** "2025-11-24" for a timestamp, a date or a Date. */
export function dayKey(value) {
  const w = wallClock(value)
  return w ? `${w.year}-${pad(w.month)}-${pad(w.day)}` : ''
}

/** The browser's calendar day of `date`, moved by `days`, as "YYYY-MM-DD" (default: today). */
export function localDayKey(date = new Date(), days = 0) {
  const d = days ? new Date(date.getFullYear(), date.getMonth(), date.getDate() + days) : date
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** The browser's today as "YYYY-MM-DD". */
export const todayKey = (now = new Date()) => localDayKey(now)

/** "YYYY-MM-DD" moved by `days` (negative: back). */
export function addDays(key, days) {
  const w = wallClock(key)
  if (!w) return key
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days))
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

/** True for a real "YYYY-MM-DD" date. */
export function isDateKey(value) {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  return addDays(value, 0) === value
}

/** Every day from `first` to `last` ("YYYY-MM-DD", either a timestamp too), at most `limit`. */
export function dayRange(first, last, limit = Infinity) {
  const from = dayKey(first)
  const to = dayKey(last)
  const days = []
  if (!from || !to) return days
  for (let day = from; day <= to && days.length < limit; day = addDays(day, 1)) days.push(day)
  return days
}

const weekdayOf = (w) => new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()

/** 0 (Sunday) to 6 (Saturday) for a timestamp or date as written; null if it is neither. */
export function weekdayIndex(value) {
  const w = wallClock(value)
  return w ? weekdayOf(w) : null
}

/** The Monday of the week of a "YYYY-MM-DD" day. */
export function mondayOf(key) {
  const weekday = weekdayIndex(key)
  return weekday === null ? key : addDays(key, -((weekday + 6) % 7))
}

/** "2025-11" of a "YYYY-MM(-DD)" value; '' if not one. */
export function monthKey(value) {
  const m = /^(\d{4})-(\d{2})/.exec(String(value ?? ''))
  return m && Number(m[2]) >= 1 && Number(m[2]) <= 12 ? `${m[1]}-${m[2]}` : ''
}

/** The browser's month of `date` as "YYYY-MM". */
export const localMonthKey = (date = new Date()) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}`

/** "YYYY-MM" moved by `months` (negative: back). */
export function addMonths(key, months) {
  const [y, m] = String(key).split('-').map(Number)
  const index = y * 12 + (m - 1) + months
  return `${Math.floor(index / 12)}-${pad((index % 12) + 1)}`
}

// --- Words --------------------------------------------------------------------

/** "09:15" */
export function formatTime(value) {
  const w = wallClock(value)
  return w ? `${pad(w.hour)}:${pad(w.minute)}` : ''
}

/** "09:15–09:30" */
export function formatTimeRange(start, end) {
  const until = formatTime(end)
  return until ? `${formatTime(start)}–${until}` : formatTime(start)
}

/** "Tuesday" */
export function weekdayName(value) {
  const index = weekdayIndex(value)
  return index === null ? '' : WEEKDAYS[index]
}

/**
 * "Tuesday 24 November"; the year is added when it is not `thisYear`
 * (default: the current year), or always with {year: true}, never with {year: false}.
 */
export function formatDay(value, { year, thisYear = new Date().getFullYear() } = {}) {
  const w = wallClock(value)
  if (!w) return ''
  const text = `${WEEKDAYS[weekdayOf(w)]} ${w.day} ${MONTHS[w.month - 1]}`
  return year === true || (year !== false && w.year !== thisYear) ? `${text} ${w.year}` : text
}

/** "Tuesday 24 November, 09:15" */
export function formatDayTime(value, options) {
  return value ? `${formatDay(value, options)}, ${formatTime(value)}` : ''
}

/** "24 November 2025" */
export function formatDate(value) {
  const w = wallClock(value)
  return w ? `${w.day} ${MONTHS[w.month - 1]} ${w.year}` : ''
}

/** "24 November 2025", "24 to 28 November 2025", "30 November to 4 December 2025", ... */
export function formatDateRange(first, last) {
  const a = wallClock(first)
  const b = wallClock(last)
  if (!a || !b) return formatDate(first || last)
  if (dayKey(first) === dayKey(last)) return formatDate(first)
  if (a.year !== b.year) return `${formatDate(first)} to ${formatDate(last)}`
  if (a.month !== b.month) return `${a.day} ${MONTHS[a.month - 1]} to ${formatDate(last)}`
  return `${a.day} to ${formatDate(last)}`
}

/** "24 Nov" (a chart's axis). */
export function formatShortDate(value) {
  const w = wallClock(value)
  return w ? `${w.day} ${MONTHS[w.month - 1].slice(0, 3)}` : ''
}

/** "14 Nov, 12:41" (a compact line, e.g. in the audit trail). */
export function formatShortDayTime(value) {
  return value ? `${formatShortDate(value)}, ${formatTime(value)}` : ''
}

/** "Nov 2025" for "2025-11" (a chart's axis). */
export function formatShortMonth(key) {
  const [y, m] = String(key).split('-').map(Number)
  return m ? `${MONTHS[m - 1].slice(0, 3)} ${y}` : String(key)
}

/** "November 2025" for "2025-11". */
export function formatMonth(key) {
  const [y, m] = String(key).split('-').map(Number)
  return m ? `${MONTHS[m - 1]} ${y}` : String(key)
}

let localeFormat
/** An ISO timestamp (with offset) in the browser's locale and clock, e.g. "5 Mar 2025, 10:30". */
export function formatWhen(iso) {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return String(iso)
  // The browser's locale: date and time, no seconds.
  localeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  return localeFormat.format(date)
}

// --- The browser's clock and date-time fields ----------------------------------

/** A Date as an ISO string with the browser's offset ("2025-11-18T14:05:00+01:00"); '' if invalid. */
export function toLocalIso(date) {
  if (!isValidDate(date)) return ''
  const offset = -date.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  return (
    `${localDayKey(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  )
}

/**
 * The value of an <input type="datetime-local"> ("2025-03-05T10:30") as an ISO
 * string with the browser's offset ("2025-03-05T10:30:00+01:00"); '' if empty or invalid.
 */
export function localInputToIso(value) {
  if (!value) return ''
  return toLocalIso(new Date(value)) // a date-time without offset is local time
}

/** A datetime-local value ("2025-03-05T10:30") as a Date; null if empty or invalid. */
export function parseLocalInput(value) {
  if (!value) return null
  const date = new Date(value) // a datetime-local value is local time
  return Number.isNaN(date.getTime()) ? null : date
}

/** Now (or `now`), as a datetime-local value (for an input's `max`). */
export function nowForInput(now = new Date()) {
  return `${localDayKey(now)}T${pad(now.getHours())}:${pad(now.getMinutes())}`
}

/** A Date of Unix seconds. */
export const fromUnixSeconds = (seconds) => new Date(seconds * 1000)
