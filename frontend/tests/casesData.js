// Answers of /api/cases/ used by the CASES and FOLLOW-UPS tests (shapes of cases/apis.py).
// The tests run with the clock at Thursday 20 November 2025, 10:00.
import { makeMe } from './helpers.js'
import { traceResult } from './tracingData.js'

export const NOW = new Date('2025-11-20T10:00:00')

export const casesPage = {
  slug: 'cases',
  title: 'Cases',
  path: '/cases/',
  help: 'Open and keep cases: their dates, notes, traces, follow-ups and chain; clusters and figures.',
  help_url: '/help/cases/',
  needs_recent_sign_in: true,
}

export const followUpsPage = {
  slug: 'follow-ups',
  title: 'Follow-ups',
  path: '/follow-ups/',
  help: 'Your close contacts to follow up, most urgent first: tell them by e-mail until when to stay at home, and record what happened.',
  help_url: '/help/follow-ups/',
  needs_recent_sign_in: true,
}

export const medicMe = () =>
  makeMe({ username: 'medic', display_name: 'Maya Medic', roles: ['medical'], pages: [casesPage, followUpsPage] })

export function aCase(overrides = {}) {
  return {
    id: 12,
    reference: 'C-2025-12',
    person_id: '820001',
    name: 'Tina Tracey',
    department: 'Laboratory',
    symptom_onset: '2025-11-18',
    positive_test: null,
    status: 'open',
    notes: 'Works nights.',
    created_at: '2025-11-19T08:00:00+01:00',
    created_by: 'medic',
    closed_at: null,
    source_follow_up_id: null,
    follow_ups: 2,
    open_follow_ups: 1,
    ...overrides,
  }
}

export const caseList = [
  aCase(),
  aCase({ id: 11, reference: 'C-2025-11', person_id: '820005', name: 'Ola Other', department: 'Finance', symptom_onset: null, positive_test: '2025-11-17', follow_ups: 0, open_follow_ups: 0 }),
]

export function aFollowUp(overrides = {}) {
  return {
    id: 5,
    person_id: '820002',
    name: 'Carl Close',
    department: 'Physics',
    email: 'carl.close@example.org',
    case_id: 12,
    case_reference: 'C-2025-12',
    degree: 1,
    status: 'to_contact',
    status_label: 'to contact',
    last_exposure: '2025-11-18T14:25:00+01:00',
    end_date: '2025-11-28',
    days_left: 8,
    end_explained: 'Last contact ended Tue 18 Nov 2025, 14:25; 10 days after that day: until the end of Fri 28 Nov 2025.',
    assigned_to: 'medic',
    version: 3,
    notified_at: null,
    notify_failed: false,
    told_until: null,
    tell_again: false,
    closed_at: null,
    close_reason: '',
    ...overrides,
  }
}

export const worklist = [
  aFollowUp(),
  aFollowUp({ id: 6, person_id: '820004', name: 'Fay Failed', email: 'fay@example.org', status: 'to_contact', days_left: 9, end_date: '2025-11-29', version: 1, notify_failed: true }),
  aFollowUp({ id: 7, person_id: '820006', name: 'Nina Notified', email: 'nina@example.org', status: 'notified', status_label: 'notified', days_left: 2, end_date: '2025-11-22', version: 2, notified_at: '2025-11-13T09:00:00+01:00' }),
]

export function caseDetail(overrides = {}) {
  return {
    ...aCase(),
    traces: [
      {
        id: 1,
        trace_id: 42,
        degree: 1,
        follow_up_id: null,
        traced_person_id: '820001',
        created_at: '2025-11-19T08:05:00+01:00',
        author: 'medic',
        policy: 'encounter',
        window_from: '2025-11-15T00:00:00+01:00',
        window_to: '2025-11-19T08:05:00+01:00',
        close_contacts: 1,
      },
    ],
    follow_up_list: [aFollowUp()],
    ...overrides,
  }
}

/** Out of time order on purpose in `edges`; `nodes` in the server's time order. */
export const chain = {
  root: 'case-12',
  nodes: [
    { id: 'case-12', kind: 'case', record: 12, reference: 'C-2025-12', person_id: '820001', name: 'Tina Tracey', status: 'open', at: '2025-11-17T08:00:00+01:00' },
    { id: 'follow-up-8', kind: 'follow_up', record: 8, reference: 'C-2025-12', person_id: '820007', name: 'Early Eve', status: 'released', at: '2025-11-17T11:00:00+01:00', level: 1 },
    { id: 'follow-up-5', kind: 'follow_up', record: 5, reference: 'C-2025-12', person_id: '820002', name: 'Carl Close', status: 'became_case', at: '2025-11-18T14:25:00+01:00', level: 1 },
    { id: 'follow-up-9', kind: 'follow_up', record: 9, reference: 'C-2025-12', person_id: '820008', name: 'Second Sid', status: 'to_contact', at: '2025-11-19T10:00:00+01:00', level: 2 },
    { id: 'case-13', kind: 'case', record: 13, reference: 'C-2025-13', person_id: '820002', name: 'Carl Close', status: 'open', at: '2025-11-19T12:00:00+01:00' },
  ],
  edges: [
    { from: 'case-12', to: 'follow-up-5', at: '2025-11-18T14:25:00+01:00' },
    { from: 'follow-up-5', to: 'case-13', at: '2025-11-19T12:00:00+01:00' },
    { from: 'follow-up-5', to: 'follow-up-9', at: '2025-11-19T10:00:00+01:00' },
    { from: 'case-12', to: 'follow-up-8', at: '2025-11-17T11:00:00+01:00' },
  ],
}

export const figures = {
  open_cases: 12,
  follow_ups_by_status: {
    to_contact: 7,
    notified: '< 5',
    in_quarantine: 9,
    became_case: '< 5',
    released: 21,
    lost: '< 5',
  },
  notified_within_24h_percent: null,
  notified_within_24h_of: '< 5',
  lost_to_follow_up: '< 5',
  mean_contacts_per_case: 3.4,
  traced_cases: 8,
  min_count: 5,
  zone: 'Europe/Zurich',
}

export const clusters = {
  clusters: [{ key: 'k7f3a', size: 3, first_contact: '2025-11-14', last_contact: '2025-11-18' }],
  open_cases: 12,
}

export const clusterOpened = {
  key: 'k7f3a',
  size: 3,
  first_contact: '2025-11-14',
  last_contact: '2025-11-18',
  cases: [
    { id: 12, reference: 'C-2025-12', person_id: '820001', name: 'Tina Tracey' },
    { id: 11, reference: 'C-2025-11', person_id: '820005', name: 'Ola Other' },
    { id: 14, reference: 'C-2025-14', person_id: '820010', name: 'Pat Third' },
  ],
  links: [{ case_a: 'C-2025-11', case_b: 'C-2025-12', day: '2025-11-16', longest_minutes: 22.5 }],
}

/** The answer of a case's (or a follow-up's) trace: a trace result with the follow-ups it touched. */
export function caseTraceResult(overrides = {}) {
  return {
    ...traceResult({ case_reference: 'C-2025-12', reason: 'Positive PCR test', id: 43 }),
    case_id: 12,
    follow_ups: [aFollowUp()],
    ...overrides,
  }
}

export function followUpDetail(overrides = {}) {
  return {
    ...aFollowUp(),
    events: [
      { at: '2025-11-19T08:05:00+01:00', actor: 'medic', kind: 'opened', kind_label: 'opened by a trace', from_status: '', to_status: 'to_contact', old_end_date: null, new_end_date: '2025-11-27', note: '' },
      { at: '2025-11-19T16:00:00+01:00', actor: 'medic', kind: 're_exposed', kind_label: 'exposed again', from_status: '', to_status: '', old_end_date: '2025-11-27', new_end_date: '2025-11-28', note: 'Later contact found by C-2025-11.' },
    ],
    notifications: [
      { id: 1, at: '2025-11-19T09:00:00+01:00', sent_by: 'medic', to_email: 'carl.close@example.org', until: '2025-11-27', sent: false, error: 'Mail server refused the message.' },
    ],
    exposures: [
      { case_id: 12, case_reference: 'C-2025-12', degree: 1, last_exposure: '2025-11-18T14:25:00+01:00' },
      { case_id: 11, case_reference: 'C-2025-11', degree: 1, last_exposure: '2025-11-17T10:00:00+01:00' },
    ],
    became_case_id: null,
    ...overrides,
  }
}
