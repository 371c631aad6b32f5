// Dates and times of appointments, in words.
//
// Appointment times are shown as the wall-clock time of the desk, which is
// the time in the ISO string the server sends ("2025-11-24T09:15:00+01:00"
// is 09:15 on Tuesday 24 November), whatever the browser's time zone: a
// person goes to the desk at the time printed on the desk's clock. The
// sentences are English, so the dates are too ("Tuesday 24 November").

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = [
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

const pad = (n) => String(n).padStart(2, '0')
const ISO_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/

/** {year, month (1-12), day, hour, minute} as written in an ISO date or timestamp; null if not one. */
export function wallClock(iso) {
  const m = ISO_PARTS.exec(String(iso ?? ''))
  if (!m) return null
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
  }
}

/** "2025-11-24" for a timestamp or date. */
export function dayKey(iso) {
  const w = wallClock(iso)
  return w ? `${w.year}-${pad(w.month)}-${pad(w.day)}` : ''
}

/** "09:15" */
export function formatTime(iso) {
  const w = wallClock(iso)
  return w ? `${pad(w.hour)}:${pad(w.minute)}` : ''
}

/** "09:15–09:30" */
export function formatTimeRange(startIso, endIso) {
  const end = formatTime(endIso)
  return end ? `${formatTime(startIso)}–${end}` : formatTime(startIso)
}

function weekdayOf(w) {
  return WEEKDAYS[new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()]
}

/**
 * "Tuesday 24 November"; the year is added when it is not `thisYear`
 * (default: the current year), or always with {year: true}.
 */
export function formatDay(iso, { year, thisYear = new Date().getFullYear() } = {}) {
  const w = wallClock(iso)
  if (!w) return ''
  const text = `${weekdayOf(w)} ${w.day} ${MONTHS[w.month - 1]}`
  return year === true || (year !== false && w.year !== thisYear) ? `${text} ${w.year}` : text
}

/** "Tuesday 24 November, 09:15" */
export function formatDayTime(iso, options) {
  return iso ? `${formatDay(iso, options)}, ${formatTime(iso)}` : ''
}

/** "24 November 2025" */
export function formatDate(iso) {
  const w = wallClock(iso)
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
export function formatShortDate(iso) {
  const w = wallClock(iso)
  return w ? `${w.day} ${MONTHS[w.month - 1].slice(0, 3)}` : ''
}

/** The browser's today as "YYYY-MM-DD". */
export function todayKey(now = new Date()) {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}

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
  return free === 1 ? '1 place left' : `${free} places left`
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
  return where ? `${formatDayTime(booking.starts_at)} at ${where}` : formatDayTime(booking.starts_at)
}
