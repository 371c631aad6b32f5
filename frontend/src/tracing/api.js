// TRACKING's API (/api/tracing/), one function per call. Only the medical
// service may call it. Every function returns the parsed JSON or throws
// ApiError (see ../api.js). Running, reopening and exporting a trace are
// recorded in the audit trail by the server.
import { apiFetch } from '../api.js'

const BASE = '/api/tracing'
const enc = encodeURIComponent

/** Type-ahead: people whose name, person ID or department match `q`. */
export function searchTracePeople(q, { signal } = {}) {
  return apiFetch(`${BASE}/people?q=${enc(q)}`, { signal })
}

/**
 * Run a trace (audited). `body`: person_id, policy, case_reference, reason and
 * exactly one of symptom_onset, positive_test or from (with an optional to).
 */
export function runTrace(body) {
  return apiFetch(`${BASE}/traces`, { method: 'POST', body })
}

/** My own past traces, newest first: [{id, created_at, person_id, case_reference, contacts, close_contacts}]. */
export const getMyTraces = () => apiFetch(`${BASE}/traces`)

/** Reopen one of my traces (audited): the same result as when it was run. */
export const reopenTrace = (traceId) => apiFetch(`${BASE}/traces/${enc(traceId)}`)

/** The CSV of one of my traces: a row per encounter (downloading it is audited). */
export const traceExportUrl = (traceId) => `${BASE}/traces/${enc(traceId)}/export.csv`

/**
 * Who may be named in one of my traces, and whether naming needs a second person's approval:
 * {revealed: "none"|"close"|"all", approver_role, needs_approval: {close, all},
 *  because: {close: [sentence], all: [sentence]}, latest: Reveal | null}.
 * The rules are the server's: the page shows its answer, it never works them out.
 */
export const getRevealState = (traceId) => apiFetch(`${BASE}/traces/${enc(traceId)}/reveal`)

/**
 * Ask to name the contacts of one of my traces (audited, with its own `reason`).
 * `scope`: "close" (the close contacts) or "all" (every contact); `urgent`: break-glass,
 * named at once without approval and reviewed afterwards by the data-protection office.
 * Answers {reveal, result, follow_ups}: `result` is the trace with the names when they are
 * shown at once (HTTP 200), null while the request waits for a second person (HTTP 202).
 * 409 (code "waiting") when a request for this trace already waits.
 */
export const requestReveal = (traceId, { scope, reason, urgent = false }) =>
  apiFetch(`${BASE}/traces/${enc(traceId)}/reveal`, { method: 'POST', body: { scope, reason, urgent } })

/**
 * One of my traces under the other rule, as counts only (nothing named, nothing audited):
 * {policy, other_policy, close_under_both, only_under_this, only_under_other, neither, contacts}.
 */
export const traceWhatIf = (traceId) => apiFetch(`${BASE}/traces/${enc(traceId)}/what-if`)
