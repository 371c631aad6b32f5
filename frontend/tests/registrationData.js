// Answers of /api/registration/ used by the desk page tests.

export const alice = {
  person_id: '810001',
  name: 'Alice Adams',
  given_name: 'Alice',
  family_name: 'Adams',
  department: 'HSE',
  email: 'alice.adams@example.org',
  active: true,
}
export const anna = {
  person_id: '810003',
  name: 'Anna Adams',
  given_name: 'Anna',
  family_name: 'Adams',
  department: 'Laboratory',
  email: 'anna.adams@example.org',
  active: true,
}
export const arthur = {
  person_id: '810009',
  name: 'Arthur Adams',
  given_name: 'Arthur',
  family_name: 'Adams',
  department: 'Workshop',
  email: '',
  active: false,
}

/** GET /people?q=Ad */
export const adamsSearch = [
  { ...alice, current_device_id: null },
  { ...anna, current_device_id: 'P-2002' },
  { ...arthur, current_device_id: null },
]

export function personStatus(person, device = null, heldSince = null) {
  return {
    person,
    device: device
      ? { device_id: device, state: 'assigned', state_label: 'assigned', firmware: '1.2.0' }
      : null,
    held_since: device ? (heldSince ?? '2025-03-05T10:30:00+01:00') : null,
    holdings: device
      ? [
          {
            device_id: device,
            started_at: heldSince ?? '2025-03-05T10:30:00+01:00',
            ended_at: null,
            end_reason: '',
            end_reason_label: '',
          },
        ]
      : [],
    lost_reports: [],
  }
}

const ACTIONS = {
  in_stock: ['assign', 'report_lost', 'mark_broken', 'retire'],
  assigned: ['relinquish', 'swap', 'report_lost', 'mark_broken'],
  lost: ['mark_found', 'retire'],
  found: ['return_to_holder', 'restock', 'mark_broken', 'retire'],
  broken: ['restock', 'retire'],
  retired: [],
}
const LABELS = { in_stock: 'in stock', assigned: 'assigned', lost: 'lost', found: 'found', broken: 'broken', retired: 'retired' }

/** GET /devices/<id> (and the status part of every operation's answer). */
export function deviceStatus(deviceId, state, { holder = null, lastHolder = holder, holdings = [], events = [], lostReports = [], message } = {}) {
  const actions = [...ACTIONS[state]]
  if (state === 'found' && !lastHolder) actions.splice(actions.indexOf('return_to_holder'), 1)
  return {
    ...(message ? { message } : {}),
    device: { device_id: deviceId, state, state_label: LABELS[state], firmware: '1.2.0', batch: 'B7' },
    holder,
    held_since: holder ? '2025-03-05T10:30:00+01:00' : null,
    last_holder: lastHolder,
    actions,
    holdings,
    events,
    lost_reports: lostReports,
  }
}
