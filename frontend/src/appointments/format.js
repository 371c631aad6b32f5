// Dates and times of appointments, in words.
//
// Appointment times are shown on the organisation's clock (the desk's), whatever
// the browser's time zone ("2025-11-24T09:15:00+01:00" is Mon 24 Nov 2025,
// 09:15): a person goes to the desk at the time on the desk's clock. The
// formatting itself lives in ../format/time.js; the names stay here for the
// pages and components that import them from this module.
import { dayKey, dayName, formatDay, formatDayTime, monthName } from '../format/time.js'
import { t } from '../i18n.js'

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

// The calendar's words, in the language in use. For the lead to move to format/time.js
// (the one module that may ask Intl for dates: tests/time.test.js); until then the short
// names are in the appointments catalogue (appointments.calendar.*).

/** The short names of the weekdays, Monday first: ['Mon', …] / ['lun.', …]. */
export function shortWeekdayNames() {
  return [1, 2, 3, 4, 5, 6, 0].map((index) => dayName(index, { abbreviated: true }))
}

/** The short name of month `month` (1 to 12): "Dec" / "déc.". */
export function shortMonthName(month) {
  return monthName(month - 1, { abbreviated: true })
}
