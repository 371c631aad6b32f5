// Words, numbers and periods of TRACKING.
//
// Times are shown on the organisation's clock (see ../format/time.js), which
// is also the clock of the server's minutes per day.
import { dayRange, formatDayTime, formatShortDayTime, parseLocalInput, toLocalIso } from '../format/time.js'

export { toLocalIso } from '../format/time.js'

// The service's rules (retention, threshold, days before, policies) come
// from /api/me `rules` (see ../rules.js, ../session.js useRules): the
// functions here take them as a parameter and hold no value of their own.

const DAY_MS = 24 * 60 * 60 * 1000

/** How many days before the given date the infectious period starts: {symptom_onset, positive_test}. */
export function daysBefore(rules) {
  return {
    symptom_onset: rules.symptom_onset_days_before,
    positive_test: rules.positive_test_days_before,
  }
}

/** The ways to give the period to trace, as the medical service thinks of them (`rules`: /api/me). */
export function windowPresets(rules) {
  const days = daysBefore(rules)
  return [
    {
      value: 'symptom_onset',
      label: 'Symptom onset',
      explain: `from ${plural(days.symptom_onset, 'day')} before the symptoms began`,
      field: 'Date and time the symptoms began',
      daysBefore: days.symptom_onset,
    },
    {
      value: 'positive_test',
      label: 'Positive test, no symptoms',
      explain: `from ${plural(days.positive_test, 'day')} before the test`,
      field: 'Date and time of the positive test',
      daysBefore: days.positive_test,
    },
    {
      value: 'explicit',
      label: 'Explicit period',
      explain: 'a start and an end of your choice',
    },
  ]
}

/**
 * A close-contact policy in words, with the threshold in minutes (a trace's
 * own `threshold_minutes`, or /api/me `rules.close_contact_minutes`).
 */
export function policyLabel(policy, minutes) {
  if (policy === 'encounter') return `One encounter longer than ${minutes} minutes (CERN)`
  if (policy === 'daily') return `${minutes} minutes or more in one day (Swiss/ECDC)`
  return String(policy ?? '')
}

/** Why the window starts where it does, e.g. "7 days before the positive test" (`rules`: /api/me). */
export function derivedFromWords(derived, rules) {
  const days = daysBefore(rules)
  if (derived === 'symptom_onset') return `${plural(days.symptom_onset, 'day')} before the symptom onset`
  if (derived === 'positive_test') return `${plural(days.positive_test, 'day')} before the positive test`
  if (derived === 'explicit') return 'the period given'
  return derived ? String(derived).replace(/_/g, ' ') : ''
}

/**
 * The period a trace will cover, worked out as the server will:
 * {start, end (null: now), clamped (start moved up to the retention), empty}
 * as Dates; null until the chosen preset's date is given. `rules`: the
 * retention and the days before (from /api/me).
 */
export function plannedWindow({ kind, onset, test, from, to }, now, rules) {
  let start
  let end = null
  if (kind === 'symptom_onset' || kind === 'positive_test') {
    const given = parseLocalInput(kind === 'symptom_onset' ? onset : test)
    if (!given) return null
    start = new Date(given.getTime() - daysBefore(rules)[kind] * DAY_MS)
  } else if (kind === 'explicit') {
    start = parseLocalInput(from)
    if (!start) return null
    end = parseLocalInput(to)
  } else {
    return null
  }
  if (end && end.getTime() >= now.getTime()) end = null
  const floor = new Date(now.getTime() - rules.retention_days * DAY_MS)
  const clamped = start.getTime() < floor.getTime()
  if (clamped) start = floor
  const empty = start.getTime() >= (end ?? now).getTime()
  return { start, end, clamped, empty }
}

/** "Tue 18 Nov 2025, 14:05" for a Date or an ISO string, on the organisation's clock. */
export function formatMoment(value) {
  if (!value) return ''
  return formatDayTime(value instanceof Date ? toLocalIso(value) : value)
}

/** "14 Nov, 12:41" for an ISO string (a compact line, e.g. in the audit trail). */
export const formatShortMoment = (iso) => formatShortDayTime(iso)

/** Seconds as a number of minutes (one decimal), for charts. */
export const minutesOf = (seconds) => Math.round((Number(seconds) || 0) / 6) / 10

/** Seconds as minutes: "20 min", "2.5 min". */
export function formatMinutes(seconds) {
  return `${minutesOf(seconds)} min`
}

/** 0.1306 -> "13.1%" */
export function formatProbability(p) {
  const value = Number(p)
  if (!Number.isFinite(value)) return ''
  return `${(value * 100).toFixed(1)}%`
}

/** Close contacts first, then the longest total time (the server's order, kept if it changes). */
export function sortContacts(contacts) {
  return [...(contacts ?? [])].sort(
    (a, b) => Number(b.close_contact) - Number(a.close_contact) || b.total_seconds - a.total_seconds,
  )
}

/**
 * Whether a contact is a person the trace does not name: nobody until the names are revealed,
 * then the contacts the reveal did not cover. A person without `named: true` is not named
 * (an approver's pseudonymous contacts carry no `named` at all).
 */
export const isUnnamed = (contact) => contact?.kind === 'person' && contact.named !== true

/** Who a trace's result names (`revealed`: "none", "close" or "all"), in a sentence. */
export function revealedWords(revealed) {
  if (revealed === 'none') return 'Nobody is named yet.'
  if (revealed === 'close') return 'The close contacts are named; the other contacts are not.'
  if (revealed === 'all') return 'Every contact is named.'
  return ''
}

/** "1" for the first unnamed contact of a sorted list, "2" for the next, ... by reference. */
export function unnamedNumbers(contacts) {
  const numbers = {}
  for (const c of contacts ?? []) if (isUnnamed(c)) numbers[c.ref] = Object.keys(numbers).length + 1
  return numbers
}

/**
 * Who a contact is, in one line: "Bob Brown (810002)", the server's sentence for a device,
 * or "Contact 3 (not named)" for a person the trace does not name (`number` from unnamedNumbers).
 */
export function contactLabel(contact, number = null) {
  if (!contact) return ''
  if (isUnnamed(contact)) return number ? `Contact ${number} (not named)` : 'A contact (not named)'
  if (contact.kind === 'person') {
    const name = contact.name || 'Unknown person'
    return contact.person_id ? `${name} (${contact.person_id})` : name
  }
  if (contact.name) return contact.name
  if (contact.device_id) return `Device ${contact.device_id}`
  return contact.kind === 'no_holder' ? 'A device nobody held' : 'Unknown tag'
}

/** A short name for a chart legend: the person's name, "Contact 3", or "Device P-0007 (nobody)". */
export function contactShortLabel(contact, number = null) {
  if (!contact) return ''
  if (isUnnamed(contact)) return number ? `Contact ${number}` : 'A contact'
  if (contact.kind === 'person') return contact.name || contact.person_id || 'Unknown person'
  if (contact.kind === 'no_holder') return contact.device_id ? `Device ${contact.device_id} (nobody)` : 'A device nobody held'
  return 'Unknown tag'
}

/** Every day ("YYYY-MM-DD") from the day of `fromIso` to the day of `toIso`, at most `limit`. */
export const windowDays = (fromIso, toIso, limit = 60) => dayRange(fromIso, toIso, limit)

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
