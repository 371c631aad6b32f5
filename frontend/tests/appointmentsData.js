// Answers of /api/appointments/ used by the APPOINTMENTS and DESK DAY tests.
// The tests run with the clock at Friday 20 November 2025, 10:00.
import { deskMe, makeMe } from './helpers.js'

export const NOW = new Date('2025-11-20T10:00:00')

export const mainDesk = { id: 1, name: 'Main desk', address: 'Building A, ground floor' }
export const labDesk = { id: 2, name: 'Lab desk', address: 'Building C, room 12' }

/** A free time: slot(11, '2025-11-24T09:15', 2) */
export function slot(id, start, free = 2, location = mainDesk, minutes = 15) {
  const [day, time] = start.split('T')
  const [h, m] = time.split(':').map(Number)
  const end = h * 60 + m + minutes
  const pad = (n) => String(n).padStart(2, '0')
  return {
    id,
    starts_at: `${day}T${time}:00+01:00`,
    ends_at: `${day}T${pad(Math.floor(end / 60))}:${pad(end % 60)}:00+01:00`,
    location,
    free,
  }
}

export function booking(id, s, { status = 'booked', campaign = distribution, label } = {}) {
  const labels = { booked: 'booked', checked_in: 'checked in', no_show: 'did not come', cancelled: 'cancelled' }
  return {
    id,
    campaign: { id: campaign.id, name: campaign.name, kind: campaign.kind },
    status,
    status_label: label ?? labels[status],
    starts_at: s.starts_at,
    ends_at: s.ends_at,
    location: s.location,
    slot_id: s.id,
  }
}

export const distribution = {
  id: 5,
  name: 'Autumn hand-out',
  kind: 'distribution',
  kind_label: 'distribution of devices',
  starts_on: '2025-11-24',
  ends_on: '2025-11-28',
  locations: [mainDesk, labDesk],
  booking: null,
}

export const recall = {
  id: 7,
  name: 'Battery recall',
  kind: 'recall',
  kind_label: 'recall: swap a device',
  starts_on: '2025-11-24',
  ends_on: '2025-11-25',
  locations: [mainDesk],
  booking: null,
}

/** /api/me for a person without a role (Bob). */
export function personMe() {
  return makeMe({
    username: 'bob',
    display_name: 'Bob Brown',
    email: 'bob@example.org',
    roles: [],
    pages: [
      {
        slug: 'appointments',
        title: 'Appointments',
        path: '/appointments/',
        help: 'Book, move or cancel a time to pick up or swap your device.',
      },
    ],
  })
}

/** /api/me for the desk, with DESK DAY. */
export function deskDayMe() {
  const me = deskMe()
  me.pages.push({
    slug: 'desk',
    title: 'Desk day',
    path: '/desk/',
    help: "Today's appointments at your desk: check people in, mark no-shows, follow hand-outs.",
  })
  return me
}

export const bob = { person_id: '810002', name: 'Bob Brown', department: 'Finance' }
export const carla = { person_id: '810005', name: 'Carla Clark', department: 'Laboratory' }
export const dave = { person_id: '810007', name: 'Dave Dunn', department: '' }

/** A booking as the desk sees it. */
export function deskBooking(id, person, s, { status = 'booked', campaign = distribution } = {}) {
  const url = `/registration/?person=${person.person_id}`
  return {
    ...booking(id, s, { status, campaign }),
    person,
    registration_url: campaign.kind === 'recall' ? `${url}&swap=1` : url,
  }
}

export const locations = [
  { ...mainDesk, active: true, opening_hours: [] },
  { ...labDesk, active: true, opening_hours: [] },
]

export const campaignOverview = [
  {
    id: 7,
    name: 'Battery recall',
    kind: 'recall',
    starts_on: '2025-11-24',
    ends_on: '2025-11-25',
    active: true,
    locations: [mainDesk],
    slots: 64,
    bookings: 3,
    progress: { invited: 10, swapped: 4, booked: 3, not_booked: 3 },
  },
  {
    id: 5,
    name: 'Autumn hand-out',
    kind: 'distribution',
    starts_on: '2025-11-24',
    ends_on: '2025-11-28',
    active: true,
    locations: [mainDesk, labDesk],
    slots: 320,
    bookings: 41,
  },
]

export const handouts = {
  dates: ['2025-11-18', '2025-11-19', '2025-11-20'],
  series: [
    { location: 'Lab desk', daily: [0, 2, 1], cumulative: [0, 2, 3] },
    { location: 'Main desk', daily: [4, 0, 5], cumulative: [4, 4, 9] },
  ],
}
