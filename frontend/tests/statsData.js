// Answers of /api/stats/ used by the STATISTICS, TRANSPARENCY and AUDIT tests.
// The tests run with the clock at Thursday 20 November 2025, 10:00.
import { makeMe } from './helpers.js'
import { auditPage } from './tracingData.js'

export const NOW = new Date('2025-11-20T10:00:00')

export const statsPage = {
  slug: 'stats',
  title: 'Statistics',
  path: '/stats/',
  help: 'Active proximeters, encounters and hand-outs per closed day; traces per week; close contacts under each rule. No small counts.',
  help_url: '/help/stats/',
}

export const transparencyPage = {
  slug: 'transparency',
  title: 'Transparency',
  path: '/transparency/',
  help: 'What the service did, in numbers only: traces per month, devices in service, and what is kept for how long.',
  help_url: '/help/transparency/',
}

const LINKS = { logout: '/accounts/logout/', admin: null, privacy: '/privacy/', help: '/help/' }

export const statsMe = () =>
  makeMe({
    username: 'medic',
    display_name: 'Maya Medic',
    roles: ['medical'],
    pages: [statsPage, transparencyPage],
    links: LINKS,
  })

export const personMe = () =>
  makeMe({ username: 'charlie', display_name: 'Charlie', roles: [], pages: [transparencyPage], links: LINKS })

export const privacyMe = () =>
  makeMe({
    username: 'dpo',
    display_name: 'Dora Privacy',
    roles: ['privacy'],
    pages: [{ ...auditPage, help_url: '/help/audit/' }, statsPage, transparencyPage],
    links: LINKS,
  })

const pad = (n) => String(n).padStart(2, '0')

/** The 14 days up to 20 November 2025: a busy 18 November, a quiet 19 November, nothing on the others. */
export function dailyStats() {
  const days = []
  for (let d = 7; d <= 20; d++) {
    const date = `2025-11-${pad(d)}`
    days.push({
      date,
      active_proximeters: 0,
      encounters: 0,
      close_contact_length_encounters: 0,
      devices_handed_out: 0,
    })
  }
  Object.assign(days.find((x) => x.date === '2025-11-18'), {
    active_proximeters: 6,
    encounters: 12,
    close_contact_length_encounters: '< 5',
    devices_handed_out: 7,
  })
  Object.assign(days.find((x) => x.date === '2025-11-19'), {
    active_proximeters: '< 5',
    encounters: '< 5',
    close_contact_length_encounters: 0,
    devices_handed_out: '< 5',
  })
  return {
    min_count: 5,
    days,
    // Every closed week, 0 included; the week of 17 November is under way.
    traces_per_week: ['09-22', '09-29', '10-06', '10-13', '10-20', '10-27', '11-03', '11-10'].map((d) => ({
      week: `2025-${d}`,
      traces: d === '10-13' ? 6 : d === '11-10' ? '< 5' : 0,
    })),
  }
}

/** The what-if of the 13 days before 20 November: 2 pairs close only per day, so 6 is hidden. */
export function policyWhatIf(overrides = {}) {
  return {
    first_day: '2025-11-07',
    last_day: '2025-11-19',
    days: 13,
    threshold_minutes: 15,
    min_count: 5,
    per_encounter: 'hidden',
    daily: 8,
    daily_only: '< 5',
    ...overrides,
  }
}

export function transparency() {
  return {
    // Every closed month, 0 included; November 2025 is under way.
    traces_per_month: ['2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05',
      '2025-06', '2025-07', '2025-08', '2025-09', '2025-10'].map((month) => ({
      month,
      traces: month === '2025-09' ? 7 : month === '2025-10' ? '< 5' : 0,
    })),
    purges_last_30_days: 30,
    rows_removed_last_30_days: 12345,
    last_purge: '2025-11-20T03:00:00+01:00',
    devices_in_service: 42,
    retention_days: 14,
    kept: kept(),
  }
}

const kind = (key, label, fields) => ({
  kind: key,
  label,
  description: `What ${label.toLowerCase()} are.`,
  setting: '',
  limit_hours: null,
  measured_from: '',
  oldest_age_hours: null,
  status: 'none_kept',
  this_host_only: false,
  removed_by_last_purge: null,
  ...fields,
})

// /api/stats/transparency `kept`: one kind of each status.
export function kept() {
  return {
    tolerance_hours: 25,
    last_purge_at: '2025-11-20T03:15:00+01:00',
    kinds: [
      kind('encounters', 'Encounters', {
        setting: 'ENCOUNTER_RETENTION_DAYS',
        limit_hours: 336,
        measured_from: 'the start of the encounter',
        oldest_age_hours: 341,
        status: 'within_limit',
        removed_by_last_purge: 12000,
      }),
      kind('dead_letters', 'Messages that could not be stored', {
        setting: 'DEAD_LETTER_RETENTION_HOURS',
        limit_hours: 72,
        measured_from: 'the hour the message was set aside',
        oldest_age_hours: 120,
        status: 'overdue',
        removed_by_last_purge: 0,
      }),
      kind('spool_files', 'Messages kept on disk while the database was down', {
        limit_hours: 336,
        measured_from: 'when the file was written',
        this_host_only: true,
        removed_by_last_purge: 3,
      }),
      kind('cases', 'Cases and follow-ups', {
        limit_hours: 720,
        measured_from: 'when the case was closed',
        oldest_age_hours: 30,
        status: 'within_limit',
        removed_by_last_purge: '< 5',
      }),
      kind('audit_trail', 'Audit trail', { oldest_age_hours: 9000, status: 'no_limit' }),
      kind('log_files', 'Log files', { status: 'not_written' }),
    ],
  }
}

export function purgeLog({ overdue = false, records, first_purge_due_by = null } = {}) {
  return {
    overdue,
    overdue_after_hours: 36,
    first_purge_due_by,
    records: records ?? [
      {
        at: '2025-11-20T03:00:00+01:00',
        removed: { encounters: 120, inbox: 3, dead_letters: 0, trace_results: 1 },
        oldest_remaining: '2025-11-06T03:05:00+01:00',
      },
      {
        at: '2025-11-19T03:00:00+01:00',
        removed: { encounters: 0, inbox: 0, dead_letters: 0, trace_results: 0 },
        oldest_remaining: null,
      },
    ],
  }
}
