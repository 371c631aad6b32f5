// Words and times for the registration desk pages.

/** Device states in words (keep in step with assets.models.DeviceState). */
export const STATE_LABELS = {
  in_stock: 'in stock',
  assigned: 'assigned',
  lost: 'lost',
  found: 'found',
  broken: 'broken',
  retired: 'retired',
}

export function stateLabel(state) {
  if (!state) return ''
  return STATE_LABELS[state] ?? String(state).replace(/_/g, ' ')
}

/** What happened to a device that was reported lost. */
export function lostOutcome(report) {
  if (!report) return ''
  if (report.outcome === 'returned') return 'returned to its holder'
  if (report.outcome === 'restocked') return 'put back in stock'
  if (report.found_at) return 'found, waiting at the desk'
  return 'still missing'
}

let dateTimeFormat
function formatter() {
  // The browser's locale: date and time, no seconds.
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  return dateTimeFormat
}

/** An ISO timestamp (with offset) in the browser's locale, e.g. "5 Mar 2025, 10:30". */
export function formatWhen(iso) {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return String(iso)
  return formatter().format(date)
}

const pad = (n) => String(Math.abs(Math.trunc(n))).padStart(2, '0')

/**
 * The value of an <input type="datetime-local"> ("2025-03-05T10:30") as an ISO
 * string with the browser's offset ("2025-03-05T10:30:00+01:00"); '' if empty or invalid.
 */
export function localInputToIso(value) {
  if (!value) return ''
  const date = new Date(value) // a date-time without offset is local time
  if (Number.isNaN(date.getTime())) return ''
  const offset = -date.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  )
}

/** Now, as a datetime-local value (for the input's `max`). */
export function nowForInput(now = new Date()) {
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
    `T${pad(now.getHours())}:${pad(now.getMinutes())}`
  )
}

/** "Alice Adams (810001)" */
export function personLabel(person) {
  if (!person) return ''
  return person.person_id ? `${person.name} (${person.person_id})` : person.name
}
