// Words, numbers and periods of TRACKING.
//
// Times from the server ("2025-11-18T14:05:00+01:00") are shown as written,
// i.e. on the service's clock (see ../appointments/format.js), which is also
// the clock of the server's minutes per day.
import { addDays, dayKey, formatDayTime, formatShortDate, formatTime } from '../appointments/format.js'
import { localInputToIso } from '../registration/format.js'

/** Encounters older than this are deleted; a trace never starts before (ENCOUNTER_RETENTION_DAYS). */
export const RETENTION_DAYS = 14

/** The close-contact threshold until the server says otherwise (TRACING_CLOSE_CONTACT_MINUTES). */
export const DEFAULT_THRESHOLD_MINUTES = 15

const DAY_MS = 24 * 60 * 60 * 1000

/** The ways to give the period to trace, as the medical service thinks of them. */
export const WINDOW_PRESETS = [
  {
    value: 'symptom_onset',
    label: 'Symptom onset',
    explain: 'from 3 days before the symptoms began',
    field: 'Date and time the symptoms began',
    daysBefore: 3,
  },
  {
    value: 'positive_test',
    label: 'Positive test, no symptoms',
    explain: 'from 7 days before the test',
    field: 'Date and time of the positive test',
    daysBefore: 7,
  },
  {
    value: 'explicit',
    label: 'Explicit period',
    explain: 'a start and an end of your choice',
  },
]

export const POLICIES = ['encounter', 'daily']

/** A close-contact policy in words, with the threshold in minutes. */
export function policyLabel(policy, threshold = DEFAULT_THRESHOLD_MINUTES) {
  const minutes = threshold ?? DEFAULT_THRESHOLD_MINUTES
  if (policy === 'encounter') return `One encounter longer than ${minutes} minutes (CERN)`
  if (policy === 'daily') return `${minutes} minutes or more in one day (Swiss/ECDC)`
  return String(policy ?? '')
}

/** Why the window starts where it does, e.g. "7 days before the positive test". */
export function derivedFromWords(derived) {
  if (derived === 'symptom_onset') return '3 days before the symptom onset'
  if (derived === 'positive_test') return '7 days before the positive test'
  if (derived === 'explicit') return 'the period given'
  return derived ? String(derived).replace(/_/g, ' ') : ''
}

/** A Date as an ISO string with the browser's offset ("2025-11-18T14:05:00+01:00"). */
export function toLocalIso(date) {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? localInputToIso(date) : ''
}

const parseInput = (value) => {
  if (!value) return null
  const date = new Date(value) // a datetime-local value is local time
  return Number.isNaN(date.getTime()) ? null : date
}

/**
 * The period a trace will cover, worked out as the server will:
 * {start, end (null: now), clamped (start moved up to the retention), empty}
 * as Dates; null until the chosen preset's date is given.
 */
export function plannedWindow({ kind, onset, test, from, to }, now = new Date()) {
  let start
  let end = null
  if (kind === 'symptom_onset' || kind === 'positive_test') {
    const given = parseInput(kind === 'symptom_onset' ? onset : test)
    if (!given) return null
    const preset = WINDOW_PRESETS.find((p) => p.value === kind)
    start = new Date(given.getTime() - preset.daysBefore * DAY_MS)
  } else if (kind === 'explicit') {
    start = parseInput(from)
    if (!start) return null
    end = parseInput(to)
  } else {
    return null
  }
  if (end && end.getTime() >= now.getTime()) end = null
  const floor = new Date(now.getTime() - RETENTION_DAYS * DAY_MS)
  const clamped = start.getTime() < floor.getTime()
  if (clamped) start = floor
  const empty = start.getTime() >= (end ?? now).getTime()
  return { start, end, clamped, empty }
}

/** "Tuesday 18 November, 14:05" for a Date (the browser's clock) or an ISO string. */
export function formatMoment(value) {
  if (!value) return ''
  return formatDayTime(value instanceof Date ? toLocalIso(value) : value)
}

/** "14 Nov, 12:41" for an ISO string (a compact line, e.g. in the audit trail). */
export function formatShortMoment(iso) {
  return iso ? `${formatShortDate(iso)}, ${formatTime(iso)}` : ''
}

/** Seconds as minutes: "20 min", "2.5 min". */
export function formatMinutes(seconds) {
  const minutes = Math.round((Number(seconds) || 0) / 6) / 10
  return `${minutes} min`
}

/** 0.1306 -> "13.1%" */
export function formatProbability(p) {
  const value = Number(p)
  if (!Number.isFinite(value)) return ''
  return `${(value * 100).toFixed(1)}%`
}

/** Seconds as a number of minutes (one decimal), for charts. */
export const minutesOf = (seconds) => Math.round((Number(seconds) || 0) / 6) / 10

/** Close contacts first, then the longest total time (the server's order, kept if it changes). */
export function sortContacts(contacts) {
  return [...(contacts ?? [])].sort(
    (a, b) => Number(b.close_contact) - Number(a.close_contact) || b.total_seconds - a.total_seconds,
  )
}

/** Whether a contact is a person the trace does not name (not a close contact). */
export const isUnnamed = (contact) => contact?.kind === 'person' && contact.named === false

/** "1" for the first unnamed contact of a sorted list, "2" for the next, ... by reference. */
export function unnamedNumbers(contacts) {
  const numbers = {}
  for (const c of contacts ?? []) if (isUnnamed(c)) numbers[c.ref] = Object.keys(numbers).length + 1
  return numbers
}

/**
 * Who a contact is, in one line: "Bob Brown (810002)", the server's sentence for a device,
 * or "Contact 3 (not named)" for a person who is not a close contact (`number` from unnamedNumbers).
 */
export function contactLabel(contact, number = null) {
  if (!contact) return ''
  if (isUnnamed(contact)) return number ? `Contact ${number} (not named)` : 'A contact (not named)'
  if (contact.kind === 'person') {
    const name = contact.name || 'Unknown person'
    return contact.person_id ? `${name} (${contact.person_id})` : name
  }
  return contact.name || (contact.device_id ? `Device ${contact.device_id}` : 'Unknown tag')
}

/** A short name for a chart legend: the person's name, "Contact 3", or "Device P-0007 (nobody)". */
export function contactShortLabel(contact, number = null) {
  if (!contact) return ''
  if (isUnnamed(contact)) return number ? `Contact ${number}` : 'A contact'
  if (contact.kind === 'person') return contact.name || contact.person_id || 'Unknown person'
  if (contact.kind === 'no_holder') return `Device ${contact.device_id} (nobody)`
  return 'Unknown tag'
}

/** Every day ("YYYY-MM-DD") from the day of `fromIso` to the day of `toIso`, at most `limit`. */
export function windowDays(fromIso, toIso, limit = 60) {
  const first = dayKey(fromIso)
  const last = dayKey(toIso)
  if (!first || !last) return []
  const days = []
  for (let day = first; day <= last && days.length < limit; day = addDays(day, 1)) days.push(day)
  return days
}

/** "1 contact", "3 contacts" */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * What the period cut off an encounter (or the hand-over of the traced person's device):
 * only the part inside is counted.
 */
export function cutWords(encounter) {
  if (encounter?.cut_start && encounter?.cut_end) return 'began earlier and went on later: only the part inside the period counts'
  if (encounter?.cut_start) return 'began earlier: only the part inside the period counts'
  if (encounter?.cut_end) return 'went on later: only the part inside the period counts'
  return ''
}
