// The medical service's side of location exposure (/api/zones/): donation codes.
import { apiFetch } from '../api.js'

/**
 * A single-use code for a person who tested positive to donate their places of the
 * infectious period: {code, expires_at, window_start, window_end}. The body gives the
 * case's symptom onset or positive test as an instant. The code names nobody and is
 * shown once (the server keeps only its keyed hash).
 */
export const issueDonationCode = (body) =>
  apiFetch('/api/zones/donation-codes', { method: 'POST', body })
