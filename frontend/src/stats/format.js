// Numbers, days, weeks and months of the statistics and transparency pages.
//
// A count is a number, the string "< 5" when it is too small to show (the
// small-count rule), or "hidden" when a total beside it would give a small
// count away (secondary suppression). Such a string is shown as it is, in
// tables and tooltips; a chart draws it as a hatched bar (see TimeSeriesChart).
import {
  addDays,
  addMonths,
  formatDay,
  formatMonth,
  formatShortDate,
  formatShortMonth,
  localMonthKey,
  mondayOf,
  monthKey,
} from '../format/time.js'
import { intlLocale, t } from '../i18n.js'

export { mondayOf, monthKey } from '../format/time.js'

const list = (value) => (Array.isArray(value) ? value : [])

const SMALL = /^\s*<\s*(\d+)\s*$/

/** True for a count the server does not show exactly ("< 5"). */
export function isSmallCount(value) {
  return typeof value === 'string' && SMALL.test(value)
}

/** The server's word for a figure hidden in second place. */
export const HIDDEN = 'hidden'

/** A count as the server sent it: a number, "< 5", "hidden", or 0 when missing. */
export function count(value) {
  if (isSmallCount(value)) return `< ${SMALL.exec(value)[1]}`
  if (value === HIDDEN) return HIDDEN
  const n = typeof value === 'number' ? value : Number(value)
  return value !== null && value !== '' && Number.isFinite(n) ? n : 0
}

/** A number in the language in use: "1,234" in English, "1 234" in French; "2.5" / "2,5". */
export function formatNumber(n, options) {
  return new Intl.NumberFormat(intlLocale(), options).format(n)
}

/** "1,234" for a number, "< 5" as it is, "hidden" in the language in use. */
export function formatCount(value) {
  const c = count(value)
  if (c === HIDDEN) return t('stats.hidden')
  return typeof c === 'number' ? formatNumber(c) : c
}

/** The threshold of the small-count rule: `min_count`, or the N of the first "< N" seen. */
export function smallCountLimit(minCount, ...values) {
  const n = Number(minCount)
  if (Number.isInteger(n) && n > 1) return n
  for (const value of values.flat(Infinity)) {
    const m = typeof value === 'string' ? SMALL.exec(value) : null
    if (m) return Number(m[1])
  }
  return null
}

/** "counts from 1 to 4 are shown as “< 5”; where a total would give one away, another figure is “hidden”" */
export function smallCountRule(limit) {
  if (!limit) return t('stats.rule.unknown')
  return t('stats.rule.limit', { most: limit - 1, limit }, limit - 1)
}

/** The /api/stats/daily answer with every list present, oldest day first. */
export function normaliseDaily(data) {
  const d = data && typeof data === 'object' && !Array.isArray(data) ? data : {}
  const days = list(d.days)
    .filter((day) => day && typeof day.date === 'string')
    .map((day) => ({
      date: day.date,
      active_proximeters: count(day.active_proximeters),
      encounters: count(day.encounters),
      close_contact_length_encounters: count(day.close_contact_length_encounters),
      devices_handed_out: count(day.devices_handed_out),
    }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
  const weeks = list(d.traces_per_week)
    .filter((w) => w && typeof w.week === 'string')
    .map((w) => ({ week: w.week.slice(0, 10), traces: count(w.traces) }))
  const limit = smallCountLimit(
    d.min_count,
    days.map((day) => Object.values(day)),
    weeks.map((w) => w.traces),
  )
  return { min_count: limit, days, traces_per_week: weeks }
}

/**
 * Traces per week, a row for every week (0 where the server lists none)
 * from the week of `first` to the week of `last` (and any week the server
 * lists outside them): [{week: "YYYY-MM-DD" (a Monday), traces}].
 */
export function everyWeek(weeks, first, last) {
  const byWeek = new Map(weeks.map((w) => [mondayOf(w.week), w.traces]))
  const keys = [...byWeek.keys()]
  let from = first ? mondayOf(first) : keys[0]
  let to = last ? mondayOf(last) : keys[keys.length - 1]
  for (const key of keys) {
    if (!from || key < from) from = key
    if (!to || key > to) to = key
  }
  const out = []
  for (let key = from; key && key <= to && out.length < 60; key = addDays(key, 7)) {
    out.push({ week: key, traces: byWeek.get(key) ?? 0 })
  }
  return out
}

/** The /api/stats/policy-what-if answer, or null when it is not one. */
export function normaliseWhatIf(data) {
  const d = data && typeof data === 'object' && !Array.isArray(data) ? data : null
  if (!d || typeof d.first_day !== 'string' || typeof d.last_day !== 'string') return null
  return {
    first_day: d.first_day,
    last_day: d.last_day,
    days: Number(d.days) || 0,
    threshold_minutes: Number(d.threshold_minutes) || null,
    per_encounter: count(d.per_encounter),
    daily: count(d.daily),
    daily_only: count(d.daily_only),
  }
}

/**
 * Traces per month, a row for every month of the last `span` months up to
 * `now`'s month (0 where the server lists none): [{month: "YYYY-MM", traces}].
 */
export function everyMonth(months, now = new Date(), span = 12) {
  const byMonth = new Map()
  for (const m of list(months)) {
    const key = monthKey(m?.month)
    if (key) byMonth.set(key, count(m.traces))
  }
  let to = localMonthKey(now)
  let from = addMonths(to, 1 - Math.max(1, span))
  for (const key of byMonth.keys()) {
    if (key < from) from = key
    if (key > to) to = key
  }
  const out = []
  for (let key = from; key <= to && out.length < 120; key = addMonths(key, 1)) {
    out.push({ month: key, traces: byMonth.get(key) ?? 0 })
  }
  return out
}

/** "Nov 2025" (a chart's axis). */
export const shortMonth = (key) => formatShortMonth(key)

/** "November 2025" */
export const longMonth = (key) => formatMonth(key)

/** "24 Nov" */
export const shortDay = (key) => formatShortDate(key)

/** "Monday 24 November" (with the year when it is not this year) */
export const longDay = (key) => formatDay(key)

/** "24 Nov" for the week's Monday (the axis), "Week of Monday 24 November" (the table). */
export const shortWeek = (key) => formatShortDate(key)
export const longWeek = (key) => t('stats.weekOf', { day: formatDay(key) })

/** "encounters", "trace results", "dead letters" for a table's name in the purge log. */
export function tableWords(name) {
  return String(name).replace(/[_-]+/g, ' ').trim()
}

/**
 * What one purge removed: {total, parts: ["120 encounters", "3 inbox"]}
 * (the tables it removed nothing from are left out, largest first).
 */
export function removedSummary(removed) {
  const entries = Object.entries(removed && typeof removed === 'object' ? removed : {})
    .map(([name, n]) => [name, Number(n) || 0])
  const total = entries.reduce((sum, [, n]) => sum + n, 0)
  const parts = entries
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name, n]) => `${tableWords(name)}: ${formatNumber(n)}`)
  return { total, parts }
}

/**
 * A span of whole hours in words: "24 hours", "14 days", "20 days 5 hours"
 * (under two days in hours; null or nonsense: null).
 */
export function hoursWords(hours) {
  const h = Number(hours)
  if (hours === null || hours === undefined || !Number.isFinite(h) || h < 0) return null
  const n = Math.floor(h)
  if (n < 48) return t('transparency.hours', { n }, n)
  const days = Math.floor(n / 24)
  const rest = n % 24
  return rest
    ? t('transparency.daysHours', { days: t('transparency.days', { n: days }, days), hours: t('transparency.hours', { n: rest }, rest) })
    : t('transparency.days', { n: days }, days)
}

/** The words and the badge of a kind's status on "What is kept, and for how long". */
export const KEPT_STATUS = {
  within_limit: { words: () => t('transparency.status.within_limit'), mark: '✓' },
  overdue: { words: () => t('transparency.status.overdue'), mark: '!' },
  none_kept: { words: () => t('transparency.status.none_kept'), mark: '✓' },
  no_limit: { words: () => t('transparency.status.no_limit'), mark: '' },
  not_written: { words: () => t('transparency.status.not_written'), mark: '✓' },
}

/** One row of the table: what the server says of a kind, in words. */
export function keptRow(kind) {
  const status = KEPT_STATUS[kind?.status] ? kind.status : null
  const limit = hoursWords(kind?.limit_hours)
  let keptFor
  if (kind?.status === 'not_written') keptFor = t('transparency.status.not_written')
  else if (!limit) keptFor = t('transparency.noTimeLimit')
  else keptFor = kind.measured_from ? t('transparency.after', { limit, from: kind.measured_from }) : limit
  let oldest
  if (kind?.status === 'not_written') oldest = '—'
  else if (kind?.status === 'none_kept' || kind?.oldest_age_hours === null) oldest = t('transparency.status.none_kept')
  else oldest = hoursWords(kind?.oldest_age_hours) ?? '—'
  const removed = kind?.removed_by_last_purge
  return {
    key: String(kind?.kind ?? ''),
    label: String(kind?.label ?? kind?.kind ?? ''),
    description: String(kind?.description ?? ''),
    keptFor,
    oldest,
    status,
    statusWords: status ? KEPT_STATUS[status].words() : '—',
    mark: status ? KEPT_STATUS[status].mark : '',
    removed: removed === null || removed === undefined ? '—' : formatCount(removed),
    thisHostOnly: kind?.this_host_only === true,
  }
}
