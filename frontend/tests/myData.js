// Answers of /api/selfservice/ used by the MY DATA tests.
// The tests run with the clock at Thursday 20 November 2025, 10:00.
import { makeMe } from './helpers.js'

export const NOW = new Date('2025-11-20T10:00:00')

export const myDataPage = {
  slug: 'my-data',
  title: 'My data',
  path: '/my-data/',
  help: 'See the data the service keeps about you: your encounters, devices and appointments.',
}

export const personMe = () =>
  makeMe({ username: 'bob', display_name: 'Bob Brown', roles: [], pages: [myDataPage] })

/** Everything, as GET /api/selfservice/data answers it; `overrides` replace keys. */
export function myData(overrides = {}) {
  return {
    person: { person_id: '810002', name: 'Bob Brown', email: 'bob@example.org', department: 'Physics' },
    retention_days: 14,
    close_contact_minutes: 15,
    days: [
      {
        date: '2025-11-19',
        total_seconds: 1350,
        encounters: [
          { start: '2025-11-19T10:00:00+01:00', seconds: 1230, close_contact_length: true },
          { start: '2025-11-19T13:30:00+01:00', seconds: 120, close_contact_length: false },
        ],
      },
      {
        date: '2025-11-17',
        total_seconds: 300,
        encounters: [{ start: '2025-11-17T16:45:00+01:00', seconds: 300, close_contact_length: false }],
      },
    ],
    devices: [
      { device_id: 'P-0102', from: '2025-11-10T09:00:00+01:00', to: null, end_reason: '' },
      {
        device_id: 'P-0077',
        from: '2025-10-01T08:30:00+02:00',
        to: '2025-11-10T09:00:00+01:00',
        end_reason: 'swapped for another device',
      },
    ],
    appointments: [
      { campaign: 'Recall of batch 7', starts_at: '2025-11-24T09:15:00+01:00', location: 'Main desk', status: 'booked' },
    ],
    lost_reports: [
      {
        device_id: 'P-0050',
        lost_at: '2025-09-02T12:00:00+02:00',
        reported_at: '2025-09-03T08:00:00+02:00',
        found_at: null,
      },
    ],
    notifications: [],
    consulted_on: ['2025-11-18', '2025-11-12'],
    ...overrides,
  }
}

/** A person with nothing kept yet (and consultations switched off). */
export function emptyData() {
  const data = myData({ days: [], devices: [], appointments: [], lost_reports: [] })
  delete data.consulted_on
  return data
}
