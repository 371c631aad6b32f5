// The audit trail's API (/api/audit/), for the data-protection office.
import { apiFetch } from '../api.js'

/** The filters the API understands, in the order they are written into a URL. */
export const AUDIT_FILTERS = ['actor', 'person_id', 'case_reference', 'action', 'since', 'until']

/** "?actor=alice&action=trace" from {actor: 'alice', action: 'trace', since: ''}; '' when none. */
export function auditQuery(filters = {}) {
  const params = new URLSearchParams()
  for (const key of AUDIT_FILTERS) {
    const value = typeof filters[key] === 'string' ? filters[key].trim() : ''
    if (value) params.set(key, value)
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** Audit entries, newest first (at most 200): [{id, at, actor, action, action_label, person_id, case_reference, reason, details}]. */
export function getAuditEntries(filters = {}, { signal } = {}) {
  return apiFetch(`/api/audit/entries${auditQuery(filters)}`, { signal })
}
