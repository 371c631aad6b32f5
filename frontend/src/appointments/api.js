// The appointments API (/api/appointments/), one function per call.
// Every function returns the parsed JSON or throws ApiError (see ../api.js);
// a refusal carries the server's sentence as its message and `data.code`.
import { apiFetch } from '../api.js'

const BASE = '/api/appointments'
const enc = encodeURIComponent
const post = (path, body) => apiFetch(`${BASE}/${path}`, { method: 'POST', body })

// --- The signed-in person, about themselves ------------------------------------

/** Campaigns open to me, each with its locations and my active `booking` (or null). */
export const getMyCampaigns = () => apiFetch(`${BASE}/mine/campaigns`)

/** Free times of a campaign (at one location when given), in time order. */
export function getFreeSlots(campaignId, locationId, { signal } = {}) {
  const query = locationId ? `?location=${enc(locationId)}` : ''
  return apiFetch(`${BASE}/mine/campaigns/${enc(campaignId)}/slots${query}`, { signal })
}

/** All my appointments, newest first, whatever their status. */
export const getMyBookings = () => apiFetch(`${BASE}/mine/bookings`)

export const bookSlot = (slotId) => post('mine/bookings', { slot_id: slotId })
export const rescheduleBooking = (bookingId, slotId) =>
  post(`mine/bookings/${enc(bookingId)}/reschedule`, { slot_id: slotId })
export const cancelBooking = (bookingId) => post(`mine/bookings/${enc(bookingId)}/cancel`)

// --- The registration desk -----------------------------------------------------

/** Every location with its opening hours (active or not). */
export const getLocations = () => apiFetch(`${BASE}/locations`)

/** The day's bookings at a location: {location, date, bookings: [...]}. */
export function getDeskDay(locationId, date, { signal } = {}) {
  return apiFetch(`${BASE}/desk?location=${enc(locationId)}&date=${enc(date)}`, { signal })
}

export const checkIn = (bookingId) => post(`desk/bookings/${enc(bookingId)}/check-in`)
export const markNoShow = (bookingId) => post(`desk/bookings/${enc(bookingId)}/no-show`)

/** Every campaign with its slot and booking counts, and a recall's progress. */
export const getCampaigns = () => apiFetch(`${BASE}/campaigns`)

/** Devices handed out per day and cumulative, per location: {dates, series}. */
export const getHandouts = (days = 60) => apiFetch(`${BASE}/handouts?days=${enc(days)}`)

/** Tell me when a time frees up on this full day ("YYYY-MM-DD"). */
export const joinWaitlist = (campaignId, day) => post(`mine/campaigns/${enc(campaignId)}/waitlist`, { day })
