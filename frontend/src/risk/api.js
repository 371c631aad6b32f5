// The published risk models' calculators (/api/risk/, medical role).
//
//   DP-3T/SwissCovid: minutes per attenuation bucket per day -> exposure score per day
//   and the notification decision.
//   Inria RR-9345: RSSI samples -> per-window scores -> contact scores -> risk, and the
//   aggregated infection probability over contacts.
import { apiFetch } from '../api.js'
import { t } from '../i18n.js'

const BASE = '/api/risk'

/**
 * {buckets: [{day: 'YYYY-MM-DD', minutes: [B1, B2, B3]}], today?} ->
 * {parameters, days: [{day, buckets_min, score_min}], notify}
 */
export function scoreDp3t(body) {
  return apiFetch(`${BASE}/dp3t`, { method: 'POST', body })
}

/**
 * {samples: [{contact, time, rssi}], g_tx_db, g_rx_db, exact} ->
 * {contacts: [{contact, windows, cumulative, mean, softmax, theta, risk}], filtered_out}
 */
export function scoreRssi(body) {
  return apiFetch(`${BASE}/rssi`, { method: 'POST', body })
}

/** {scores, minutes?, r0?} -> {probability, r0} */
export function aggregateRisk(body) {
  return apiFetch(`${BASE}/aggregate`, { method: 'POST', body })
}

/**
 * DRF's field errors, nested or not, as short sentences:
 * {buckets: [{}, {minutes: ['…']}]} -> ['buckets, row 2, minutes: …'].
 */
export function fieldErrors(data, path = []) {
  if (typeof data === 'string') return [path.length ? `${path.join(', ')}: ${data}` : data]
  if (Array.isArray(data)) {
    if (data.every((d) => typeof d === 'string')) return fieldErrors(data.join(' '), path)
    return data.flatMap((d, i) => fieldErrors(d, [...path, t('riskmodels.row', { n: i + 1 })]))
  }
  if (data && typeof data === 'object') {
    return Object.entries(data).flatMap(([key, value]) =>
      fieldErrors(value, key === 'non_field_errors' || key === 'detail' ? path : [...path, key]),
    )
  }
  return []
}

/** An error of these calls in words. */
export function riskErrorMessage(err) {
  if (err?.status === 400 && err.data && typeof err.data === 'object') {
    const parts = fieldErrors(err.data)
    if (parts.length) return parts.join(' ')
  }
  return err?.message || t('riskmodels.calculationFailed')
}
