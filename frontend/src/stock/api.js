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
