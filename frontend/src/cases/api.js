// Contact follow-up's API (/api/cases/), one function per call: cases, their
// traces and chain, follow-ups, e-mails to contacts, clusters and figures.
// Only the medical service may call it. Every function returns the parsed
// JSON or throws ApiError (see ../api.js). Opening a case, tracing, sending
// an e-mail and opening a cluster are recorded in the audit trail by the server.
import { apiFetch } from '../api.js'

const BASE = '/api/cases'
const enc = encodeURIComponent

/** `?a=1&b=x` of the filters that are set ('' when none). */
function query(filters = {}) {
  const parts = Object.entries(filters)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

// --- Cases ----------------------------------------------------------------------

/** Cases, newest first; filters: status (open|closed), q, mine (true). */
export const listCases = (filters = {}, { signal } = {}) => apiFetch(`${BASE}${query(filters)}`, { signal })

/** Open a case (audited): {person_id, symptom_onset?, positive_test?, notes?}. */
export const openCase = (body) => apiFetch(BASE, { method: 'POST', body })

/** One case: its dates, notes, traces and follow-ups. */
export const getCase = (caseId) => apiFetch(`${BASE}/${enc(caseId)}`)

/** Change a case's notes, dates or status. Returns the case again. */
export const changeCase = (caseId, body) => apiFetch(`${BASE}/${enc(caseId)}`, { method: 'PATCH', body })

/** Trace the case's index person (audited): {reason, policy?}. A trace result, with case_id and follow_ups. */
export const traceCase = (caseId, body) => apiFetch(`${BASE}/${enc(caseId)}/traces`, { method: 'POST', body })

/** The chain: {root, nodes (in time order), edges}. */
export const getChain = (caseId) => apiFetch(`${BASE}/${enc(caseId)}/chain`)

/** The supervisor's figures; small counts come as "< N" strings. */
export const getFigures = () => apiFetch(`${BASE}/figures`)

// --- Clusters -----------------------------------------------------------------------

/** Clusters among the open cases, without names: {clusters: [{key, size, first_contact, last_contact}], open_cases}. */
export const getClusters = () => apiFetch(`${BASE}/clusters`)

/** Open a cluster (audited, with a reason): its cases, their index people and links. */
export const openCluster = (key, reason) =>
  apiFetch(`${BASE}/clusters/${enc(key)}/open`, { method: 'POST', body: { reason } })

// --- Follow-ups -----------------------------------------------------------------

/** The worklist, most urgent first (the server's order); filters: mine (default true), status, case. */
export const listFollowUps = (filters = {}) => apiFetch(`${BASE}/follow-ups${query(filters)}`)

/** The worklist as CSV, with the same filters. */
export const followUpsExportUrl = (filters = {}) => `${BASE}/follow-ups/export.csv${query(filters)}`

/** One follow-up: its end date explained, history, e-mails and exposures. */
export const getFollowUp = (id) => apiFetch(`${BASE}/follow-ups/${enc(id)}`)

/** Change one follow-up's status; 409 when someone changed it since `version`. */
export const setFollowUpStatus = (id, body) =>
  apiFetch(`${BASE}/follow-ups/${enc(id)}/status`, { method: 'POST', body })

/** Change several: {items: [{id, version}], status, note} -> [{id, done, error}]. */
export const setFollowUpsStatus = (body) => apiFetch(`${BASE}/follow-ups/status`, { method: 'POST', body })

/** The e-mails as they would leave (nothing sent): [{id, to_email, subject, body}]. */
export const previewNotifications = (ids) =>
  apiFetch(`${BASE}/follow-ups/notify/preview`, { method: 'POST', body: { ids } })

/** Send the e-mails (each audited): [{id, done, error}]. */
export const sendNotifications = (ids) => apiFetch(`${BASE}/follow-ups/notify`, { method: 'POST', body: { ids } })

/** Second degree: trace this contact in turn (audited): {reason, policy?}. */
export const traceFollowUp = (id, body) =>
  apiFetch(`${BASE}/follow-ups/${enc(id)}/trace`, { method: 'POST', body })
