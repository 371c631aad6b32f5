// The audit trail in words.
import { formatShortDayTime } from '../format/time.js'
import { derivedFromWords } from '../tracing/format.js'
import { scopeWords } from '../reveals/format.js'
import { intlLocale, t } from '../i18n.js'

// The actions a filter can choose (keep in step with audit.models.AuditEntry.Action).
const ACTION_CODES = [
  'trace',
  'trace_reopened',
  'trace_exported',
  'contacts_revealed',
  'trace_refused',
  'person_id_changed',
  'case_opened',
  'contact_notified',
  'cluster_opened',
  'follow_ups_exported',
  'reveal_requested',
  'reveal_approved',
  'reveal_refused',
  'trace_revealed',
  'break_glass',
  'break_glass_reviewed',
  'decommission_requested',
  'decommission_approved',
  'decommissioned',
]

/** The actions a filter can choose, in the language in use: [{value, label}]. */
export const auditActions = () => ACTION_CODES.map((value) => ({ value, label: t(`audit.actions.${value}`) }))

/** An entry's action in words: the server's label, else ours, else the code. */
export function actionWords(entry) {
  if (!entry) return ''
  if (entry.action_label) return entry.action_label
  if (ACTION_CODES.includes(entry.action)) return t(`audit.actions.${entry.action}`).toLocaleLowerCase(intlLocale())
  return String(entry.action ?? '').replace(/_/g, ' ')
}

const POLICIES = ['encounter', 'daily']
const count = (key, n) => t(`audit.details.${key}`, { n }, n)

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
    let text = t('audit.details.period', { from: formatShortDayTime(w.from), to: formatShortDayTime(w.to) })
    if (w.derived_from && w.derived_from !== 'explicit') text += ` ${t('audit.details.derivedFrom', { from: derivedFromWords(w.derived_from, rules) })}`
    if (w.clamped_to_retention) text += t('audit.details.clamped')
    lines.push(text)
  }
  if (rest.policy) {
    lines.push(
      t('audit.details.policy', {
        policy: POLICIES.includes(rest.policy) ? t(`audit.policies.${rest.policy}`) : rest.policy,
      }),
    )
    delete rest.policy
  }
  if (typeof rest.contacts === 'number') {
    let text = count('contacts', rest.contacts)
    if (typeof rest.close_contacts === 'number') text += `, ${count('closeContacts', rest.close_contacts)}`
    lines.push(text)
    delete rest.contacts
    delete rest.close_contacts
  }
  if (typeof rest.named === 'number') {
    // Since the four-eyes reveal, an entry with a scope counts every contact it named.
    lines.push(count(rest.scope ? 'named' : 'namedOther', rest.named))
    delete rest.named
  }
  if (rest.scope) {
    lines.push(t('audit.details.scope', { scope: scopeWords(rest.scope) }))
    delete rest.scope
  }
  if (Array.isArray(rest.disclosed)) {
    lines.push(t('audit.details.disclosed', { names: rest.disclosed.join(', ') }))
    delete rest.disclosed
  }
  if (rest.trace !== undefined && rest.trace !== null) {
    lines.push(t('audit.details.trace', { trace: rest.trace }))
    delete rest.trace
  }
  if (rest.reveal !== undefined && rest.reveal !== null) {
    lines.push(t('audit.details.reveal', { reveal: rest.reveal }))
    delete rest.reveal
  }
  if (rest.approval) {
    lines.push(t(rest.approval === 'break-glass' ? 'audit.details.breakGlass' : 'audit.details.noApproval'))
    delete rest.approval
  }
  if (rest.outcome) {
    // A break-glass review: its outcome, and who named the contacts (`by`).
    lines.push(t(rest.outcome === 'escalated' ? 'audit.details.escalated' : 'audit.details.reviewed'))
    delete rest.outcome
    if (rest.by) {
      lines.push(t('audit.details.breakGlassBy', { by: rest.by }))
      delete rest.by
    }
  }
  if (rest.request !== undefined && rest.request !== null) {
    lines.push(t('audit.details.request', { request: rest.request }))
    delete rest.request
  }
  if (rest.erased && typeof rest.erased === 'object') {
    const counts = Object.values(rest.erased).filter((n) => typeof n === 'number' && n > 0)
    const total = counts.reduce((a, b) => a + b, 0)
    lines.push(
      t('audit.details.erased', { rows: count('rows', total), tables: count('tables', counts.length) }),
    )
    delete rest.erased
  }
  for (const [key, value] of Object.entries(rest)) {
    const text = value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)
    lines.push(`${key.replace(/_/g, ' ')}: ${text}`)
  }
  return lines
}
