// Words, numbers and days of MY DATA.
//
// Times from the server ("2025-11-18T14:05:00+01:00") are shown as written,
// i.e. on the service's clock (see ../format/time.js), which is also the
// clock of the server's days and daily totals.
import { addDays, dayKey, dayRange, formatDate, formatDay, formatShortDate, formatTime, todayKey } from '../format/time.js'
import { minutesOf } from '../tracing/format.js'
import { intlLocale, t } from '../i18n.js'

const list = (value) => (Array.isArray(value) ? value : [])
const count = (value) => (Number.isFinite(Number(value)) && value !== null ? Number(value) : null)

/** The /api/selfservice/data answer with every list present (empty when missing). */
export function normaliseMyData(data) {
  const d = data && typeof data === 'object' && !Array.isArray(data) ? data : {}
  const days = list(d.days)
    .filter((day) => day && typeof day.date === 'string')
    .map((day) => ({
      date: day.date,
      total_seconds: Number(day.total_seconds) || 0,
      encounters: list(day.encounters).map((e) => ({
        start: e.start,
        seconds: Number(e.seconds) || 0,
        close_contact_length: Boolean(e.close_contact_length),
      })),
    }))
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)) // newest first
  return {
    person: d.person && typeof d.person === 'object' ? d.person : null,
    retention_days: count(d.retention_days),
    close_contact_minutes: count(d.close_contact_minutes),
    days,
    devices: list(d.devices),
    appointments: list(d.appointments),
    lost_reports: list(d.lost_reports),
    // E-mails of the medical service to this person as a close contact: when, and until when.
    notifications: list(d.notifications).filter((n) => n && n.notified_at && n.until),
    // null: the service does not show consultations (the key is absent)
    consulted_on: Array.isArray(d.consulted_on) ? d.consulted_on.filter(Boolean) : null,
  }
}

/** A number in the language in use ("2.5", "2,5"), one decimal at most. */
export const formatNumber = (value, digits = 1) =>
  new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: digits }).format(value)

/** "20 min", "2.5 min" ("2,5 min" in French; encounters are recorded in steps of 30 seconds). */
export function formatMinutes(seconds) {
  return t('mydata.minutes', { n: formatNumber(minutesOf(seconds)) })
}

/** "3 encounters" */
export const encounterWords = (n) => t('mydata.encounters.count', { n: formatNumber(n, 0) }, n)

/** "2 encounters, 22 min in total" */
export function daySummary(day) {
  const n = day.encounters.length
  const total = t('mydata.dayTotal', { minutes: formatMinutes(day.total_seconds) })
  if (!n) return t('mydata.dayCarried', { total })
  return t('mydata.daySummary', { encounters: encounterWords(n), total })
}

/** How many of the day's encounters the server marks as long enough for a close contact. */
export const longOnes = (day) => day.encounters.filter((e) => e.close_contact_length).length

/** "longer than 15 minutes" (the server marks them; the threshold is its setting). */
export function longWords(minutes) {
  return minutes ? t('mydata.longerThan', { n: formatNumber(minutes, 0) }) : t('mydata.asLongAsClose')
}

/**
 * The days of the chart: every day of the retention window (`retentionDays`,
 * the server's) up to today (or the newest day with encounters, if the
 * server's day is ahead of the browser's), oldest first, as "YYYY-MM-DD".
 */
export function windowDays(days, retentionDays, now = new Date()) {
  const keys = new Set(days.map((d) => d.date))
  let last = todayKey(now)
  for (const key of keys) if (key > last) last = key
  const span = Math.max(0, Math.min(Number(retentionDays) || 0, 366))
  let first = addDays(last, -span)
  for (const key of keys) if (key < first) first = key
  return dayRange(first, last, 400)
}

/** Minutes in encounters on each of `keys` (0 on days without any). */
export function minutesPerDay(keys, days) {
  const byDay = new Map(days.map((d) => [d.date, d.total_seconds]))
  return keys.map((key) => minutesOf(byDay.get(key) ?? 0))
}

export const chartLabel = (key) => formatShortDate(key)
export const tableLabel = (key) => formatDay(key, { year: true })

/** "Tuesday 18 November" (the year when it is not this year). */
export const dayHeading = (key) => formatDay(key)

/** "09:15" on the service's clock. */
export const startTime = (iso) => formatTime(iso)

/** "18 November 2025" for a date or a timestamp. */
export const longDate = (iso) => formatDate(iso)

/** "YYYY-MM-DD" of a timestamp. */
export const dateOf = (iso) => dayKey(iso)
