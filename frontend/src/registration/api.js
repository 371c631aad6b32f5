// The registration desk's API (/api/registration/), one function per call.
// Every function returns the parsed JSON or throws ApiError (see ../api.js).
import { apiFetch } from '../api.js'
import { t } from '../i18n.js'

const BASE = '/api/registration'
const enc = encodeURIComponent

/** Type-ahead: people whose name, person ID, email or department match `q`. */
export function searchPeople(q, { signal, limit = 10 } = {}) {
  return apiFetch(`${BASE}/people?q=${enc(q)}&limit=${limit}`, { signal })
}

/** A person, their current device and every device they held. */
export function getPerson(personId, { signal } = {}) {
  return apiFetch(`${BASE}/people/${enc(personId)}`, { signal })
}

/** A device: state, holder, last holder, next actions and history. */
export function getDevice(deviceId, { signal } = {}) {
  return apiFetch(`${BASE}/devices/${enc(deviceId)}`, { signal })
}

const post = (op, body) => apiFetch(`${BASE}/${op}`, { method: 'POST', body })

// Each operation answers {message, ...device status}.
export const assignDevice = (deviceId, personId) =>
  post('assign', { device_id: deviceId, person_id: personId })
export const relinquishDevice = (deviceId, reason, personId) =>
  post('relinquish', { device_id: deviceId, reason, person_id: personId })
export const swapDevice = (oldDeviceId, newDeviceId, reason) =>
  post('swap', { old_device_id: oldDeviceId, new_device_id: newDeviceId, reason })
// With `personId` (reported from the person's card), refused unless they hold it.
export const reportLost = (deviceId, lostAt, personId) =>
  post('lost', {
    device_id: deviceId,
    ...(lostAt ? { lost_at: lostAt } : {}),
    ...(personId ? { person_id: personId } : {}),
  })
export const markFound = (deviceId) => post('found', { device_id: deviceId })
export const returnToHolder = (deviceId) => post('return', { device_id: deviceId })
export const restockDevice = (deviceId) => post('restock', { device_id: deviceId })

// A reason's label is read when shown, in the language in use.
const reason = (value, key) => ({
  value,
  get label() {
    return t(key)
  },
})

/** Why a device comes back (relinquish), in the desk's words. */
export const RELINQUISH_REASONS = [
  reason('relinquished', 'registration.reason.givenBack'),
  reason('broken', 'registration.reason.broken'),
  reason('person_left', 'registration.reason.personLeft'),
]

/** Why a device is swapped for another. */
export const SWAP_REASONS = [
  reason('swapped', 'registration.reason.recall'),
  reason('broken', 'registration.reason.broken'),
]
