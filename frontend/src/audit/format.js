// The audit trail in words.
import { formatShortDayTime } from '../format/time.js'
import { derivedFromWords, plural } from '../tracing/format.js'
import { scopeWords } from '../reveals/format.js'

/** The actions a filter can choose (keep in step with audit.models.AuditEntry.Action). */
export const AUDIT_ACTIONS = [
  { value: 'trace', label: 'Traced close contacts' },
  { value: 'trace_reopened', label: 'Reopened a trace' },
  { value: 'trace_exported', label: 'Exported a trace (CSV)' },
  { value: 'contacts_revealed', label: 'Named contacts who are not close contacts' },
  { value: 'trace_refused', label: 'Was refused a trace (hourly limit)' },
  { value: 'person_id_changed', label: "An account's person number changed" },
  { value: 'case_opened', label: 'Opened a case' },
  { value: 'contact_notified', label: 'Notified a close contact' },
  { value: 'cluster_opened', label: 'Opened a cluster of cases' },
  { value: 'follow_ups_exported', label: 'Exported follow-ups (CSV)' },
  { value: 'reveal_requested', label: 'Asked a second person to approve naming contacts' },
  { value: 'reveal_approved', label: "Approved naming a trace's contacts" },
  { value: 'reveal_refused', label: "Refused naming a trace's contacts" },
  { value: 'trace_revealed', label: "Named a trace's close contacts" },
  { value: 'break_glass', label: 'Named contacts urgently, without approval (break-glass)' },
  { value: 'break_glass_reviewed', label: 'Reviewed a break-glass reveal' },
  { value: 'decommission_requested', label: 'Asked to end the service' },
  { value: 'decommission_approved', label: 'Approved ending the service' },
  { value: 'decommissioned', label: "Erased the service's personal data (end of service)" },
]

/** An entry's action in words: the server's label, else ours, else the code. */
export function actionWords(entry) {
  if (!entry) return ''
  if (entry.action_label) return entry.action_label
  const known = AUDIT_ACTIONS.find((a) => a.value === entry.action)
  return known ? known.label.toLowerCase() : String(entry.action ?? '').replace(/_/g, ' ')
}

const POLICY_WORDS = {
  encounter: 'one long encounter (CERN)',
  daily: 'minutes cumulated in one day (Swiss/ECDC)',
}

/**
 * An entry's details as short lines (`rules`: the service's, from /api/me), e.g.
 * ["Period: 11 Nov, 10:00 to 18 Nov, 10:00 (from 7 days before the positive test)",
 *  "Close contact: one long encounter (CERN)", "3 contacts, 1 close contact"].
 */
export function detailLines(details, rules) {
  if (!details || typeof details !== 'object') return []
  const lines = []
  const rest = { ...details }
  const w = rest.window
  if (w && typeof w === 'object') {
    delete rest.window
    let text = `Period: ${formatShortDayTime(w.from)} to ${formatShortDayTime(w.to)}`
    if (w.derived_from && w.derived_from !== 'explicit') text += ` (from ${derivedFromWords(w.derived_from, rules)})`
    if (w.clamped_to_retention) text += ', start limited by the retention'
    lines.push(text)
  }
  if (rest.policy) {
    lines.push(`Close contact: ${POLICY_WORDS[rest.policy] ?? rest.policy}`)
    delete rest.policy
  }
  if (typeof rest.contacts === 'number') {
    let text = plural(rest.contacts, 'contact')
    if (typeof rest.close_contacts === 'number') text += `, ${plural(rest.close_contacts, 'close contact')}`
    lines.push(text)
    delete rest.contacts
    delete rest.close_contacts
  }
  if (typeof rest.named === 'number') {
    // Since the four-eyes reveal, an entry with a scope counts every contact it named.
    lines.push(`Named ${plural(rest.named, rest.scope ? 'contact' : 'other contact')}`)
    delete rest.named
  }
  if (rest.scope) {
    lines.push(`Scope: ${scopeWords(rest.scope)}`)
    delete rest.scope
  }
  if (Array.isArray(rest.disclosed)) {
    lines.push(`People shown by name: ${rest.disclosed.join(', ')}`)
    delete rest.disclosed
  }
  if (rest.trace !== undefined && rest.trace !== null) {
    lines.push(`Trace no. ${rest.trace}`)
    delete rest.trace
  }
  if (rest.reveal !== undefined && rest.reveal !== null) {
    lines.push(`Request no. ${rest.reveal} to name contacts`)
    delete rest.reveal
  }
  if (rest.approval) {
    lines.push(rest.approval === 'break-glass' ? 'Without approval (break-glass)' : 'No approval needed')
    delete rest.approval
  }
  if (rest.outcome) {
    // A break-glass review: its outcome, and who named the contacts (`by`).
    lines.push(`Review: ${rest.outcome === 'escalated' ? 'escalated' : 'reviewed'}`)
    delete rest.outcome
    if (rest.by) {
      lines.push(`Break-glass by ${rest.by}`)
      delete rest.by
    }
  }
  if (rest.request !== undefined && rest.request !== null) {
    lines.push(`End-of-service request no. ${rest.request}`)
    delete rest.request
  }
  if (rest.erased && typeof rest.erased === 'object') {
    const counts = Object.values(rest.erased).filter((n) => typeof n === 'number' && n > 0)
    const total = counts.reduce((a, b) => a + b, 0)
    lines.push(`Erased ${plural(total, 'row')} from ${plural(counts.length, 'table')}`)
    delete rest.erased
  }
  for (const [key, value] of Object.entries(rest)) {
    const text = value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)
    lines.push(`${key.replace(/_/g, ' ')}: ${text}`)
  }
  return lines
}
