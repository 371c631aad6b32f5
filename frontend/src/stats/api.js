// Statistics, transparency numbers and the purge log (/api/stats/).
//
// Counts that could point at someone are not numbers: a count from 1 to
// min_count - 1 comes as the string "< 5" (the small-count rule), and a
// figure beside a total that would give it away as "hidden".
import { apiFetch } from '../api.js'

const BASE = '/api/stats'

/**
 * Per closed day over the retention (medical, privacy, registration):
 * {min_count, days: [{date, active_proximeters, encounters,
 * close_contact_length_encounters, devices_handed_out}],
 * traces_per_week: [{week, traces}] (every closed week)}.
 */
export function getDailyStats({ signal } = {}) {
  return apiFetch(`${BASE}/daily`, { signal })
}

/**
 * The policy what-if of the whole service (same roles): {first_day, last_day,
 * days, threshold_minutes, min_count, per_encounter, daily, daily_only}.
 */
export function getPolicyWhatIf({ signal } = {}) {
  return apiFetch(`${BASE}/policy-what-if`, { signal })
}

/** The same days as a CSV download: a plain link. */
export const STATS_CSV_URL = `${BASE}/daily.csv`

/**
 * For everyone: {traces_per_month: [{month, traces}], purges_last_30_days,
 * rows_removed_last_30_days, last_purge, devices_in_service, retention_days,
 * break_glass_unreviewed (urgent reveals the data-protection office has not reviewed yet)}.
 */
export function getTransparency({ signal } = {}) {
  return apiFetch(`${BASE}/transparency`, { signal })
}

/**
 * The data-protection office's purge log: {overdue, overdue_after_hours,
 * records: [{at, removed: {table: rows}, oldest_remaining}]}, newest first.
 */
export function getPurgeLog({ signal } = {}) {
  return apiFetch(`${BASE}/purges`, { signal })
}
