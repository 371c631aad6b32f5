// The end of the service (/api/retention/decommission): the privacy role asks, a second
// person (privacy or medical) approves, an operator runs `manage.py decommission`.
import { apiFetch } from '../api.js'

const BASE = '/api/retention/decommission'

/**
 * The requests, newest first: [{id, status ('asked' | 'approved' | 'carried_out'), reason,
 * requested_by, requested_at, approved_by, approved_at, carried_out_at, may_approve,
 * command, erased: {"<database>.<table>": rows}}].
 */
export function getDecommissions({ signal } = {}) {
  return apiFetch(BASE, { signal })
}

/** Ask to end the service (privacy role): {reason}. */
export function requestDecommission(reason) {
  return apiFetch(BASE, { method: 'POST', body: { reason } })
}

/** Approve a request asked by someone else. */
export function approveDecommission(id) {
  return apiFetch(`${BASE}/${encodeURIComponent(id)}/approve`, { method: 'POST' })
}

/** {total, tables}: the rows a run erased, summed over the tables it erased from. */
export function erasedSummary(erased) {
  const counts = Object.values(erased && typeof erased === 'object' ? erased : {}).filter(
    (n) => typeof n === 'number' && n > 0,
  )
  return { total: counts.reduce((a, b) => a + b, 0), tables: counts.length }
}
