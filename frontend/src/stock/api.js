// The asset team's API (/api/assets/): the stock overview and inventory checks.
import { apiFetch } from '../api.js'

const BASE = '/api/assets'

/**
 * {total, in_stock, low_stock_threshold, low_stock, by_state: [{state, label, count}],
 * by_batch: [{batch, firmware, total, states: {state: count}}], this_month: {since, lost, broken}}.
 */
export function getStockOverview({ signal } = {}) {
  return apiFetch(`${BASE}/stock`, { signal })
}

/**
 * Compare the IDs scanned on the shelf with the stock and keep the check:
 * {id, at, actor, expected_count, scanned_count, missing: [device_id],
 * unexpected: [{device_id, reason}]} (reason: a state, or 'unknown').
 */
export function recordInventoryCheck(scanned) {
  return apiFetch(`${BASE}/inventory-checks`, { method: 'POST', body: { scanned } })
}

/** The latest checks, newest first (the same shape). */
export function getInventoryChecks({ signal } = {}) {
  return apiFetch(`${BASE}/inventory-checks`, { signal })
}
