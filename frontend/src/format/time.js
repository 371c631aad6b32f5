// Dates and times, in words: the one place that formats them.
//
// Every date and time is shown on the organisation's clock (the TIME_ZONE the
// server names in /api/me as `time_zone`), whatever the browser's zone: a
// printed trace, a booking and a CSV row then agree with the desk's clock and
// with each other. The conversion uses Intl.DateTimeFormat with that
// `timeZone`, never the browser's own clock.
//
// One family of formats for the whole portal (the server's core/dates.py
// writes the same for e-mails, CSV files and the admin):
//   date            4 Dec 2026          formatDate
//   with weekday    Fri 4 Dec 2026      formatDay
//   running text    4 December 2026     formatDateLong
//   time            14:51               formatTime (never seconds)
//   date and time   4 Dec 2026, 14:51   formatDateTime
//   a period        4 Dec 2026, 14:51 – 15:06 (same day), else both in full
//
// Values: an ISO timestamp with an offset or Z is an instant; "YYYY-MM-DD" is
// a calendar day (no zone); "YYYY-MM-DDTHH:MM" without an offset is a wall
// clock of the organisation (e.g. a date-time field's value); a Date is an
// instant. Minutes are cut, never rounded (14:51:59 is 14:51), as on the server.

import { locale } from '../i18n.js'

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
const short = (name) => name.slice(0, 3)

// French, as a French-speaking reader writes dates: "4 décembre 2026", "ven. 4 déc. 2026",
// "1er décembre", "14 h 51" (the server's core/dates.py writes the same).
export const WEEKDAYS_FR = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi']
const WEEKDAYS_FR_SHORT = ['dim.', 'lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.']
export const MONTHS_FR = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
]
const MONTHS_FR_SHORT = [
  'janv.',
  'févr.',
  'mars',
  'avr.',
  'mai',
  'juin',
  'juil.',
  'août',
  'sept.',
  'oct.',
  'nov.',
  'déc.',
]
const french = () => locale() === 'fr'

/** A month's name in the language in use (index 0-11): "December", "Dec"; "décembre", "déc.". */
export function monthName(index, { abbreviated = false } = {}) {
  if (french()) return (abbreviated ? MONTHS_FR_SHORT : MONTHS_FR)[index] ?? ''
  const name = MONTHS[index] ?? ''
  return abbreviated ? short(name) : name
}

/** A weekday's name in the language in use (0 Sunday-6): "Friday", "Fri"; "vendredi", "ven.". */
export function dayName(index, { abbreviated = false } = {}) {
  if (french()) return (abbreviated ? WEEKDAYS_FR_SHORT : WEEKDAYS_FR)[index] ?? ''
  const name = WEEKDAYS[index] ?? ''
  return abbreviated ? short(name) : name
}

/** "4" for the 4th; in French "1er" for the first of a month. */
const dayNumber = (day) => (french() && day === 1 ? '1er' : String(day))

/** "05" for 5 (the whole part of a number's size, two digits at least). */
export const pad = (n) => String(Math.abs(Math.trunc(n))).padStart(2, '0')

// --- The organisation's time zone -----------------------------------------------

let zone = 'UTC'
let partsFormat = null

/**
 * Use `timeZone` (an IANA name, /api/me `time_zone`) for every date and time
 * from now on. An unknown name is refused (RangeError), never silently replaced
 * by the browser's zone.
 */
export function setTimeZone(timeZone) {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  zone = format.resolvedOptions().timeZone
  partsFormat = format
}

/** True for an IANA zone name this browser knows ("Europe/Zurich"). */
export function isTimeZone(name) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return typeof name === 'string' && name !== ''
  } catch {
    return false
  }
}

/** The zone dates and times are shown in ("Europe/Zurich"). */
export const timeZone = () => zone

setTimeZone(zone)

const isValidDate = (value) => value instanceof Date && !Number.isNaN(value.getTime())

/** {year, month (1-12), day, hour, minute, second} of an instant (ms) on the organisation's clock. */
function zoneParts(ms) {
  const parts = {}
  for (const p of partsFormat.formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour % 24,
    minute: parts.minute,
    second: parts.second,
  }
}

/** The organisation's offset from UTC at instant `ms`, in ms. */
function offsetAt(ms) {
  const p = zoneParts(ms)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return asUtc - Math.floor(ms / 1000) * 1000
}

/**
 * The instant (ms) of a wall-clock time on the organisation's clock. A time
 * that happens twice (the hour the clocks go back) is the first one; a time that
 * does not exist (the hour the clocks go forward) is read with the offset before
 * the change, so 02:30 becomes 03:30: Python's zoneinfo does the same (fold=0).
 */
export function zonedToInstant({ year, month, day, hour = 0, minute = 0, second = 0 }) {
  const local = Date.UTC(year, month - 1, day, hour, minute, second)
  const before = offsetAt(local - 86_400_000)
  const after = offsetAt(local + 86_400_000)
  if (before === after) return local - before
  const first = local - before
  const second_ = local - after
  const firstFits = offsetAt(first) === before
  const secondFits = offsetAt(second_) === after
  if (firstFits || !secondFits) return first
  return second_
}

const ISO_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * {year, month (1-12), day, hour, minute} on the organisation's clock of an ISO
 * timestamp with offset or a Date (an instant), or as written for a day or a
 * wall-clock time without offset; null if it is none of these.
 */
export function wallClock(value) {
  if (value instanceof Date) {
    if (!isValidDate(value)) return null
    const { second, ...rest } = zoneParts(value.getTime()) // eslint-disable-line no-unused-vars
    return rest
  }
  const m = ISO_PARTS.exec(String(value ?? '').trim())
  if (!m) return null
  if (m[7]) {
    const date = new Date(String(value).trim())
    return isValidDate(date) ? wallClock(date) : null
  }
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
  }
}

// --- Keys ---------------------------------------------------------------------

const keyOf = (w) => `${w.year}-${pad(w.month)}-${pad(w.day)}`

/** "2025-11-24" for a timestamp (the organisation's day), a date or a Date. */
export function dayKey(value) {
  const w = wallClock(value)
  return w ? keyOf(w) : ''
}

/** The organisation's calendar day of `date` (default: now), moved by `days`, as "YYYY-MM-DD". */
export function localDayKey(date = new Date(), days = 0) {
  const key = dayKey(date)
  return days ? addDays(key, days) : key
}

/** The organisation's today as "YYYY-MM-DD". */
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

/** 0 (Sunday) to 6 (Saturday) for a timestamp or date; null if it is neither. */
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

/** The organisation's month of `date` (default: now) as "YYYY-MM". */
export const localMonthKey = (date = new Date()) => monthKey(dayKey(date))

/** "YYYY-MM" moved by `months` (negative: back). */
export function addMonths(key, months) {
  const [y, m] = String(key).split('-').map(Number)
  const index = y * 12 + (m - 1) + months
  return `${Math.floor(index / 12)}-${pad((index % 12) + 1)}`
}

// --- Words --------------------------------------------------------------------

/** "09:15"; in French "9 h 15" */
export function formatTime(value) {
  const w = wallClock(value)
  if (!w) return ''
  return french() ? `${w.hour} h ${pad(w.minute)}` : `${pad(w.hour)}:${pad(w.minute)}`
}

/** "09:15" whatever the language: the value a time field shows and reads back. */
export function formatTimeField(value) {
  const w = wallClock(value)
  return w ? `${pad(w.hour)}:${pad(w.minute)}` : ''
}

/** "09:15 – 09:30" (times of one day). */
export function formatTimeRange(start, end) {
  const until = formatTime(end)
  return until ? `${formatTime(start)} – ${until}` : formatTime(start)
}

/** "Tuesday" ("mardi") */
export function weekdayName(value) {
  const index = weekdayIndex(value)
  return index === null ? '' : dayName(index)
}

/** "24 Nov 2025" ("24 nov. 2025") */
export function formatDate(value) {
  const w = wallClock(value)
  return w ? `${dayNumber(w.day)} ${monthName(w.month - 1, { abbreviated: true })} ${w.year}` : ''
}

/** "24 November 2025" ("24 novembre 2025"): a day in running text. */
export function formatDateLong(value) {
  const w = wallClock(value)
  return w ? `${dayNumber(w.day)} ${monthName(w.month - 1)} ${w.year}` : ''
}

/** "Tue 24 Nov 2025"; "Tue 24 Nov" with {year: false} (where the year is said next to it). */
export function formatDay(value, { year = true } = {}) {
  const w = wallClock(value)
  if (!w) return ''
  const weekday = dayName(weekdayOf(w), { abbreviated: true })
  const text = `${weekday} ${dayNumber(w.day)} ${monthName(w.month - 1, { abbreviated: true })}`
  return year === false ? text : `${text} ${w.year}`
}

// Between a day and its time: "24 Nov 2025, 09:15"; "24 nov. 2025 à 9 h 15".
const dayAndTime = (day, time) => (french() ? `${day} à ${time}` : `${day}, ${time}`)

/** "24 Nov 2025, 09:15" ("24 nov. 2025 à 9 h 15") */
export function formatDateTime(value) {
  return wallClock(value) ? dayAndTime(formatDate(value), formatTime(value)) : ''
}

/** "Tue 24 Nov 2025, 09:15" ("mar. 24 nov. 2025 à 9 h 15") */
export function formatDayTime(value, options) {
  return wallClock(value) ? dayAndTime(formatDay(value, options), formatTime(value)) : ''
}

/** "24 Nov 2025, 09:15 – 09:30" on one day, else "24 Nov 2025, 23:50 – 25 Nov 2025, 00:10". */
export function formatPeriod(start, end) {
  if (!wallClock(end)) return formatDateTime(start)
  if (dayKey(start) === dayKey(end)) return `${formatDateTime(start)} – ${formatTime(end)}`
  return `${formatDateTime(start)} – ${formatDateTime(end)}`
}

/**
 * "24 Nov 2025", or "24 Nov 2025 to 28 Nov 2025" for several days (both in full). French
 * reads as a sentence's part either way: "le 24 nov. 2025", "du 24 nov. 2025 au 28 nov. 2025".
 */
export function formatDateRange(first, last) {
  if (!wallClock(first) || !wallClock(last)) return formatDate(first || last)
  if (dayKey(first) === dayKey(last)) return french() ? `le ${formatDate(first)}` : formatDate(first)
  return french()
    ? `du ${formatDate(first)} au ${formatDate(last)}`
    : `${formatDate(first)} to ${formatDate(last)}`
}

/** "24 Nov" ("24 nov."): a chart's axis, whose title or table says the year. */
export function formatShortDate(value) {
  const w = wallClock(value)
  return w ? `${dayNumber(w.day)} ${monthName(w.month - 1, { abbreviated: true })}` : ''
}

/** "14 Nov 2025, 12:41": the same as formatDateTime (kept for compact lines). */
export const formatShortDayTime = formatDateTime

/** "Nov 2025" for "2025-11" (a chart's axis). */
export function formatShortMonth(key) {
  const [y, m] = String(key).split('-').map(Number)
  return m ? `${monthName(m - 1, { abbreviated: true })} ${y}` : String(key)
}

/** "November 2025" ("novembre 2025") for "2025-11". */
export function formatMonth(key) {
  const [y, m] = String(key).split('-').map(Number)
  return m ? `${monthName(m - 1)} ${y}` : String(key)
}

/** An ISO timestamp as "5 Mar 2025, 10:30" on the organisation's clock ('' if empty). */
export function formatWhen(iso) {
  if (!iso) return ''
  return formatDateTime(iso) || String(iso)
}

/** "times in Europe/Zurich" ("fuseau horaire Europe/Zurich"): said once on a page with times. */
export const zoneWords = () => (french() ? `fuseau horaire ${zone}` : `times in ${zone}`)

// --- The organisation's clock and date-time fields --------------------------------

/** A Date as an ISO string with the organisation's offset ("2025-11-18T14:05:00+01:00"); '' if invalid. */
export function toLocalIso(date) {
  if (!isValidDate(date)) return ''
  const ms = date.getTime()
  const p = zoneParts(ms)
  const offset = Math.round(offsetAt(ms) / 60_000)
  const sign = offset >= 0 ? '+' : '-'
  return (
    `${keyOf(p)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` +
    `${sign}${pad(Math.abs(offset) / 60)}:${pad(Math.abs(offset) % 60)}`
  )
}

/**
 * A wall-clock value on the organisation's clock ("2025-03-05T10:30", as a
 * date-time field gives it) as a Date; null if empty or invalid. Right across
 * the changes to and from summer time (see zonedToInstant).
 */
export function parseLocalInput(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(value ?? '').trim())
  if (!m) return null
  const w = { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0) }
  if (!isDateKey(keyOf(w)) || w.hour > 23 || w.minute > 59 || w.second > 59) return null
  return new Date(zonedToInstant(w))
}

/**
 * A date-time field's value ("2025-03-05T10:30", the organisation's clock) as
 * an ISO string with the organisation's offset ("2025-03-05T10:30:00+01:00");
 * '' if empty or invalid.
 */
export function localInputToIso(value) {
  const date = parseLocalInput(value)
  return date ? toLocalIso(date) : ''
}

/** Now (or `now`) on the organisation's clock, as a date-time field's value (for `max`). */
export function nowForInput(now = new Date()) {
  const w = wallClock(now)
  return w ? `${keyOf(w)}T${pad(w.hour)}:${pad(w.minute)}` : ''
}

/** A Date of Unix seconds. */
export const fromUnixSeconds = (seconds) => new Date(seconds * 1000)

// --- Days and times typed by hand ----------------------------------------------------

/** "14:51" of a typed time ("14:51", "14.51", "1451", "9:05", "14 h 51", 24-hour); '' if not one. */
export function parseTime(text) {
  const m = /^(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))$/.exec(String(text ?? '').trim())
  if (!m) return ''
  const [hour, minute] = [Number(m[1]), Number(m[2])]
  return hour < 24 && minute < 60 ? `${pad(hour)}:${m[2]}` : ''
}

const MONTH_WORDS = MONTHS.map((m) => m.toLowerCase())
// French month names without accents, as a person may type them ("fevrier", "aout").
const bare = (word) => word.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
const MONTH_WORDS_FR = MONTHS_FR.map(bare)

/**
 * A day typed in the family's order as "YYYY-MM-DD", or '' when it is not a real
 * day: "4 Dec 2026", "4 December 2026", "Fri 4 Dec 2026", "04.12.2026",
 * "4/12/2026" (day first, always) and "2026-12-04" are read.
 */
export function parseDay(text) {
  const s = String(text ?? '')
    .trim()
    .toLowerCase()
    .replace(/^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+/, '')
    .replace(/^(lun|mar|mer|jeu|ven|sam|dim)[a-z]*\.?,?\s+/, '')
    .replace(/^(\d{1,2})er\b/, '$1')
  let y, m, d
  let match
  if ((match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s))) [, y, m, d] = match
  else if ((match = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(s))) [, d, m, y] = match
  else if ((match = /^(\d{1,2})\.?\s+([a-zà-ÿ]+)\.?,?\s+(\d{4})$/.exec(s))) {
    const word = bare(match[2])
    const find = (names) => names.findIndex((name) => name.startsWith(word))
    let index = word.length >= 3 ? find(MONTH_WORDS) : -1
    if (index < 0 && word.length >= 3) index = find(MONTH_WORDS_FR)
    if (index < 0) return ''
    ;[d, m, y] = [match[1], index + 1, match[3]]
  } else return ''
  const key = `${y}-${pad(m)}-${pad(d)}`
  return isDateKey(key) ? key : ''
}
