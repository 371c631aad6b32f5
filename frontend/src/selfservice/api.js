// MY DATA's API (/api/selfservice/): any signed-in person, only about
// themselves (the server takes the person from the sign-in, never from the
// request). Answers 403 with `detail` when the account is not linked to a
// person of the directory.
import { apiFetch } from '../api.js'

const BASE = '/api/selfservice'

/**
 * Everything the service keeps about me: {person, retention_days,
 * close_contact_minutes, days: [{date, total_seconds, encounters: [{start,
 * seconds, close_contact_length}]}], devices: [{device_id, from, to,
 * end_reason}], appointments: [{campaign, starts_at, location, status}],
 * lost_reports: [{device_id, lost_at, reported_at, found_at}], consulted_on?: [dates]}.
 */
export function getMyData({ signal } = {}) {
  return apiFetch(`${BASE}/data`, { signal })
}

/** The same data as one ZIP download (my-data.json and my-data.csv): a plain link. */
export const MY_DATA_EXPORT_URL = `${BASE}/export`

/**
 * I report the device I hold lost (or broken), now or at `at` (ISO, optional):
 * {message, device_id, ended_at}. Only my own current device.
 */
export const reportMyDeviceLost = (deviceId, at, what = 'lost') =>
  apiFetch(`${BASE}/device-lost`, {
    method: 'POST',
    body: { device_id: deviceId, what, ...(at ? { at } : {}) },
  })
