// The four-eyes reveal's API (/api/reveals/): naming a trace's contacts needs a second
// person's approval, and every urgent (break-glass) reveal is reviewed afterwards by the
// data-protection office. Every function returns the parsed JSON or throws ApiError (see
// ../api.js); every decision and review is recorded in the audit trail by the server.
//
// A Reveal: {id, trace_id, case_id, case_reference, degree, traced_person_id, scope
// ("close"|"all"), reason, urgent, status ("waiting"|"approved"|"refused"|"not_needed"|
// "break_glass"), because: [sentence], requested_by, requested_at, decided_by, decided_at,
// comment, policy, window_from, window_to, close_contacts, review: null | {outcome, by, at,
// comment}}.
import { apiFetch } from '../api.js'

const BASE = '/api/reveals'
const enc = encodeURIComponent

/** The requests of other people that wait for a second person's approval: [Reveal]. */
export const listWaitingReveals = ({ signal } = {}) => apiFetch(BASE, { signal })

/** My own requests, newest first: [Reveal]. */
export const listMyReveals = ({ signal } = {}) => apiFetch(`${BASE}/mine`, { signal })

/**
 * One request, for its approver: the Reveal with `case` ({reference, person_id, name,
 * symptom_onset, positive_test, status}) and `pseudonymous` ({window, policy,
 * threshold_minutes, contacts: [{ref, kind, close_contact, total_seconds, longest_seconds,
 * seconds_per_day}]}). It never names a contact.
 */
export const getReveal = (id) => apiFetch(`${BASE}/${enc(id)}`)

/**
 * Approve or refuse a request: {approve, comment} (a comment is required to refuse).
 * Returns the Reveal. 403 (code "own_request") for the person who asked; 409 (code
 * "decided") when someone else decided first.
 */
export const decideReveal = (id, { approve, comment = '' }) =>
  apiFetch(`${BASE}/${enc(id)}/decide`, { method: 'POST', body: { approve, comment } })

/** Every break-glass reveal, unreviewed first (the data-protection office): [Reveal]. */
export const listBreakGlass = ({ signal } = {}) => apiFetch(`${BASE}/break-glass`, { signal })

/**
 * Review a break-glass reveal (the data-protection office): {outcome: "reviewed"|"escalated",
 * comment}. Returns the Reveal; 409 (code "reviewed") when it was already reviewed.
 */
export const reviewBreakGlass = (id, { outcome, comment = '' }) =>
  apiFetch(`${BASE}/${enc(id)}/review`, { method: 'POST', body: { outcome, comment } })
