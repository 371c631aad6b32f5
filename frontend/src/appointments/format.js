// Dates and times of appointments, in words.
//
// Appointment times are shown on the organisation's clock (the desk's), whatever
// the browser's time zone ("2025-11-24T09:15:00+01:00" is Mon 24 Nov 2025,
// 09:15): a person goes to the desk at the time on the desk's clock. The
// formatting itself lives in ../format/time.js; the names stay here for the
// pages and components that import them from this module.
import { dayKey, formatDay, formatDayTime, MONTHS, timeZone } from '../format/time.js'
import { intlLocale, locale, t } from '../i18n.js'

export {
  addDays,
  dayKey,
  formatDate,
  formatDateRange,
  formatDay,
  formatDayTime,
  formatShortDate,
  formatTime,
  formatTimeRange,
  isDateKey,
  todayKey,
  wallClock,
} from '../format/time.js'

/** Slots grouped by day, in order: [{day: "2025-11-24", label: "Tuesday 24 November", slots}]. */
export function groupByDay(slots, options) {
  const groups = []
  const byDay = new Map()
  for (const slot of slots ?? []) {
    const key = dayKey(slot.starts_at)
    let group = byDay.get(key)
    if (!group) {
      group = { day: key, label: formatDay(slot.starts_at, options), slots: [] }
      byDay.set(key, group)
      groups.push(group)
    }
    group.slots.push(slot)
  }
  return groups
}

/** "1 place left", "3 places left" */
export function placesLeft(free) {
  return t('appointments.placesLeft', { n: free }, free)
}

/** A booking's status in words (the server's label, else the code). */
export function bookingStatus(booking) {
  if (!booking) return ''
  return booking.status_label || String(booking.status ?? '').replace(/_/g, ' ')
}

/** "Tuesday 24 November, 09:15 at Main desk" */
export function bookingWhenWhere(booking) {
  if (!booking) return ''
  const where = booking.location?.name
  const when = formatDayTime(booking.starts_at)
  return where ? t('appointments.whenAt', { when, where }) : when
}

// The calendar's words. For the lead to move to format/time.js: they follow the language
// (English as before; other languages from Intl on the organisation's clock).
const ENGLISH_WEEKDAYS_SHORT = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

/** The short names of the weekdays, Monday first: ['Mon', …] / ['lun.', …]. */
export function shortWeekdayNames() {
  if (locale() === 'en') return ENGLISH_WEEKDAYS_SHORT
  const format = new Intl.DateTimeFormat(intlLocale(), { timeZone: timeZone(), weekday: 'short' })
  // 1 to 7 December 2025 at noon UTC: a Monday to a Sunday in every zone.
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(Date.UTC(2025, 11, 1 + i, 12))))
}

/** The short name of month `month` (1 to 12): "Dec" / "déc.". */
export function shortMonthName(month) {
  if (locale() === 'en') return MONTHS[month - 1].slice(0, 3)
  const format = new Intl.DateTimeFormat(intlLocale(), { timeZone: timeZone(), month: 'short' })
  return format.format(new Date(Date.UTC(2025, month - 1, 15, 12)))
}
