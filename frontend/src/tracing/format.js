// Words, numbers and periods of TRACKING.
//
// Times are shown on the organisation's clock (see ../format/time.js), which
// is also the clock of the server's minutes per day.
import { dayRange, formatDayTime, formatShortDayTime, parseLocalInput, toLocalIso } from '../format/time.js'
import { intlLocale, t } from '../i18n.js'

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
      label: t('tracing.presets.symptomOnset.label'),
      explain: t('tracing.presets.symptomOnset.explain', { n: days.symptom_onset }, days.symptom_onset),
      field: t('tracing.presets.symptomOnset.field'),
      daysBefore: days.symptom_onset,
    },
    {
      value: 'positive_test',
      label: t('tracing.presets.positiveTest.label'),
      explain: t('tracing.presets.positiveTest.explain', { n: days.positive_test }, days.positive_test),
      field: t('tracing.presets.positiveTest.field'),
      daysBefore: days.positive_test,
    },
    {
      value: 'explicit',
      label: t('tracing.presets.explicit.label'),
      explain: t('tracing.presets.explicit.explain'),
    },
  ]
}

/**
 * A close-contact policy in words, with the threshold in minutes (a trace's
 * own `threshold_minutes`, or /api/me `rules.close_contact_minutes`).
 */
export function policyLabel(policy, minutes) {
  if (policy === 'encounter') return t('tracing.policy.encounter', { minutes })
  if (policy === 'daily') return t('tracing.policy.daily', { minutes })
  return String(policy ?? '')
}

/** Why the window starts where it does, e.g. "7 days before the positive test" (`rules`: /api/me). */
export function derivedFromWords(derived, rules) {
  const days = daysBefore(rules)
  if (derived === 'symptom_onset') return t('tracing.derived.symptomOnset', { n: days.symptom_onset }, days.symptom_onset)
  if (derived === 'positive_test') return t('tracing.derived.positiveTest', { n: days.positive_test }, days.positive_test)
  if (derived === 'explicit') return t('tracing.derived.explicit')
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

/** A number in the language in use, at most one decimal: "2.5" (English), "2,5" (French). */
export const formatDecimal = (value) =>
  new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 1, useGrouping: false }).format(value)

/** Seconds as minutes: "20 min", "2.5 min" ("2,5 min" in French). */
export function formatMinutes(seconds) {
  return t('tracing.minutes', { value: formatDecimal(minutesOf(seconds)) })
}

/** 0.1306 -> "13.1%" ("13,1 %" in French) */
export function formatProbability(p) {
  const value = Number(p)
  if (!Number.isFinite(value)) return ''
  return new Intl.NumberFormat(intlLocale(), {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value)
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
  if (revealed === 'none') return t('tracing.revealed.none')
  if (revealed === 'close') return t('tracing.revealed.close')
  if (revealed === 'all') return t('tracing.revealed.all')
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
  if (isUnnamed(contact)) return number ? t('tracing.contact.numberedUnnamed', { number }) : t('tracing.contact.unnamed')
  if (contact.kind === 'person') {
    const name = contact.name || t('tracing.contact.unknownPerson')
    return contact.person_id ? `${name} (${contact.person_id})` : name
  }
  if (contact.name) return contact.name
  if (contact.device_id) return t('tracing.contact.device', { device: contact.device_id })
  return contact.kind === 'no_holder' ? t('tracing.contact.nobodyDevice') : t('tracing.contact.unknownTag')
}

/** A short name for a chart legend: the person's name, "Contact 3", or "Device P-0007 (nobody)". */
export function contactShortLabel(contact, number = null) {
  if (!contact) return ''
  if (isUnnamed(contact)) return number ? t('tracing.contact.numbered', { number }) : t('tracing.contact.aContact')
  if (contact.kind === 'person') return contact.name || contact.person_id || t('tracing.contact.unknownPerson')
  if (contact.kind === 'no_holder')
    return contact.device_id ? t('tracing.contact.deviceNobody', { device: contact.device_id }) : t('tracing.contact.nobodyDevice')
  return t('tracing.contact.unknownTag')
}

/** Every day ("YYYY-MM-DD") from the day of `fromIso` to the day of `toIso`, at most `limit`. */
export const windowDays = (fromIso, toIso, limit = 60) => dayRange(fromIso, toIso, limit)

/**
 * What the period cut off an encounter (or the hand-over of the traced person's device):
 * only the part inside is counted.
 */
export function cutWords(encounter) {
  if (encounter?.cut_start && encounter?.cut_end) return t('tracing.cut.both')
  if (encounter?.cut_start) return t('tracing.cut.start')
  if (encounter?.cut_end) return t('tracing.cut.end')
  return ''
}
