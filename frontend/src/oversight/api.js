// Unusual activity of staff accounts (/api/oversight/), for the data-protection office.
import { apiFetch } from '../api.js'

/** "?since=2026-11-12&until=2026-11-18" from the days given ('' when neither is). */
export function anomaliesQuery({ since = '', until = '' } = {}) {
  const params = new URLSearchParams()
  if (typeof since === 'string' && since.trim()) params.set('since', since.trim())
  if (typeof until === 'string' && until.trim()) params.set('until', until.trim())
  const text = params.toString()
  return text ? `?${text}` : ''
}

/**
 * Alerts of the local days since..until (without days: the last 7 to today):
 * {since, until, baseline_days, working_hours, per_rule: [{rule, label, count}],
 *  alerts: [{rule, label, actor, day, hour, observed, usual_user, usual_role, limit_user, limit_role, sentence}]}.
 */
export function getAnomalies(days = {}, { signal } = {}) {
  return apiFetch(`/api/oversight/anomalies${anomaliesQuery(days)}`, { signal })
}
