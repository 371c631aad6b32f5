// Answers of /api/tracing/ and /api/audit/ used by the TRACKING and AUDIT tests.
// The tests run with the clock at Friday 20 November 2025, 10:00.
import { makeMe } from './helpers.js'

export const NOW = new Date('2025-11-20T10:00:00')

export const trackingPage = {
  slug: 'tracking',
  title: 'Tracking',
  path: '/tracking/',
  help: 'Find the close contacts of a person in their infectious period. Every trace is audited.',
}

export const auditPage = {
  slug: 'audit',
  title: 'Audit',
  path: '/audit/',
  help: 'Who traced whom, when and why: every trace, reopening and export of the medical service.',
}

export const medicMe = () =>
  makeMe({ username: 'medic', display_name: 'Maya Medic', roles: ['medical'], pages: [trackingPage] })

export const privacyMe = () =>
  makeMe({ username: 'dpo', display_name: 'Dora Privacy', roles: ['privacy'], pages: [auditPage] })

export const tinaSearch = [
  { person_id: '820001', name: 'Tina Tracey', department: 'Laboratory', active: true },
  { person_id: '820009', name: 'Tim Tracey', department: 'Finance', active: false },
]

// Not a close contact: the server does not name him (until every contact is named).
const sam = {
  ref: 'c-5a5a5a5a5a',
  kind: 'person',
  named: false,
  person_id: null,
  name: null,
  department: null,
  email: null,
  device_id: null,
  close_contact: false,
  total_seconds: 300,
  longest_seconds: 300,
  seconds_per_day: { '2025-11-19': 300 },
  encounters: [{ start: '2025-11-19T11:00:00+01:00', seconds: 300, cut_start: false, cut_end: false }],
  probability: 0.0344,
}

/** Sam, once every contact is named. */
export const samNamed = {
  ...sam,
  named: true,
  person_id: '820003',
  name: 'Sam Short',
  department: 'Finance',
  email: 'sam.short@example.org',
}

const carl = {
  ref: 'c-ca11ca11ca',
  kind: 'person',
  named: true,
  person_id: '820002',
  name: 'Carl Close',
  department: 'Physics',
  email: 'carl.close@example.org',
  device_id: null,
  close_contact: true,
  total_seconds: 1500,
  longest_seconds: 1200,
  seconds_per_day: { '2025-11-17': 300, '2025-11-18': 1200 },
  encounters: [
    { start: '2025-11-17T09:00:00+01:00', seconds: 300, cut_start: false, cut_end: false },
    { start: '2025-11-18T14:05:00+01:00', seconds: 1200, cut_start: false, cut_end: false },
  ],
  probability: 0.1606,
}

const nobody = {
  ref: 'c-0000700007',
  kind: 'no_holder',
  named: false,
  person_id: null,
  name: 'Nobody held device P-0007 then (now in stock)',
  department: null,
  email: null,
  device_id: 'P-0007',
  close_contact: false,
  total_seconds: 90,
  longest_seconds: 90,
  seconds_per_day: { '2025-11-19': 90 },
  encounters: [{ start: '2025-11-19T16:00:00+01:00', seconds: 90, cut_start: false, cut_end: false }],
  probability: 0.0105,
}

/**
 * A trace's answer once its close contacts are named (`revealed: "close"`); the contacts
 * deliberately not in the server's order.
 */
export function traceResult(overrides = {}) {
  // Carl, nobody's device and Sam ("Contact 1") in that order on the page.
  return {
    window: {
      from: '2025-11-13T10:00:00+01:00',
      to: '2025-11-20T10:00:00+01:00',
      derived_from: 'positive_test',
      clamped_to_retention: false,
      counts: 'overlap',
    },
    policy: 'encounter',
    threshold_minutes: 15,
    revealed: 'close',
    devices: [{ device_id: 'P-0101', from: '2025-11-13T10:00:00+01:00', to: '2025-11-20T10:00:00+01:00' }],
    contacts: [sam, nobody, carl],
    // (the page sorts them)
    person: { person_id: '820001', name: 'Tina Tracey', department: 'Laboratory' },
    case_reference: 'C-2025-017',
    reason: 'Positive PCR test',
    id: 42,
    ...overrides,
  }
}

export const myTraces = [
  {
    id: 41,
    created_at: '2025-11-19T16:20:00+01:00',
    person_id: '820005',
    case_reference: 'C-2025-011',
    contacts: 2,
    close_contacts: 0,
  },
]

export const auditEntries = [
  {
    id: 3,
    at: '2025-11-20T09:40:00+01:00',
    actor: 'medic',
    action: 'trace_exported',
    action_label: 'exported a trace',
    person_id: '820001',
    case_reference: 'C-2025-017',
    reason: '',
    details: { trace: 42 },
  },
  {
    id: 2,
    at: '2025-11-20T09:31:00+01:00',
    actor: 'medic',
    action: 'trace',
    action_label: 'traced close contacts',
    person_id: '820001',
    case_reference: 'C-2025-017',
    reason: 'Positive PCR test',
    details: {
      window: {
        from: '2025-11-13T09:31:00+01:00',
        to: '2025-11-20T09:31:00+01:00',
        derived_from: 'positive_test',
        clamped_to_retention: false,
      },
      policy: 'encounter',
      contacts: 3,
      close_contacts: 1,
    },
  },
]

/** Carl, as a trace names him before anyone is revealed: a number, no name. */
export const carlUnnamed = {
  ...carl,
  named: false,
  person_id: null,
  name: null,
  department: null,
  email: null,
}

/** A trace's answer as it is run: nobody named. */
export function pseudonymousTraceResult(overrides = {}) {
  const result = traceResult({ revealed: 'none', ...overrides })
  result.contacts = result.contacts.map((c) => (c.ref === carl.ref ? carlUnnamed : c))
  return result
}

/** A request to name contacts (a Reveal of /api/reveals), waiting by default. */
export function aReveal(overrides = {}) {
  return {
    id: 7,
    trace_id: 42,
    case_id: 12,
    case_reference: 'C-2025-017',
    degree: 1,
    traced_person_id: '820001',
    scope: 'close',
    reason: 'Positive PCR test: the contacts must stay at home',
    urgent: false,
    status: 'waiting',
    because: ["Every reveal needs a second person's approval (the service's setting)."],
    requested_by: 'medic',
    requested_at: '2025-11-20T09:45:00+01:00',
    decided_by: '',
    decided_at: null,
    comment: '',
    policy: 'encounter',
    window_from: '2025-11-13T10:00:00+01:00',
    window_to: '2025-11-20T10:00:00+01:00',
    close_contacts: 1,
    review: null,
    ...overrides,
  }
}

/** GET /api/tracing/traces/<id>/reveal: nobody named, both scopes need approval. */
export function revealState(overrides = {}) {
  return {
    revealed: 'none',
    approver_role: 'medical',
    needs_approval: { close: true, all: true },
    because: {
      close: ['Case C-2025-017 is not confirmed by a positive test.'],
      all: ['It names contacts who are not close contacts.', 'Case C-2025-017 is not confirmed by a positive test.'],
    },
    latest: null,
    ...overrides,
  }
}
