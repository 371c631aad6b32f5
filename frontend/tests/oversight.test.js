import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mountPage, reply, waitFor } from './helpers.js'
import { auditEntries, NOW, privacyMe } from './tracingData.js'
import { anomaliesQuery } from '../src/oversight/api.js'
import { alertWhen, usualWords } from '../src/oversight/format.js'

let wrapper
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
})

const ENTRIES = '/api/audit/entries'
const ANOMALIES = '/api/oversight/anomalies'

const RULES = [
  ['traces_per_day', 'many traces in a day'],
  ['exports_per_day', 'many exports in a day'],
  ['unusual_hour', 'traces or reveals at an unusual hour'],
  ['outside_working_hours', 'identities shown outside working hours'],
  ['break_glass', 'break-glass reveal'],
  ['rate_limit', 'refused by the hourly limit'],
]

function report(alerts = [], overrides = {}) {
  return {
    since: '2025-11-14',
    until: '2025-11-20',
    baseline_days: 28,
    working_hours: 'Mon, Tue, Wed, Thu, Fri, 07:00-19:00',
    per_rule: RULES.map(([rule, label]) => ({ rule, label, count: alerts.filter((a) => a.rule === rule).length })),
    alerts,
    ...overrides,
  }
}

const busyDay = {
  rule: 'traces_per_day',
  label: 'many traces in a day',
  actor: 'medic',
  day: '2025-11-19',
  hour: null,
  observed: 20,
  usual_user: 3,
  usual_role: 3.5,
  limit_user: 6,
  limit_role: 6.5,
  sentence: 'medic ran 20 traces on Wed 2025-11-19: their usual is 3 a day.',
}
const lateNight = {
  rule: 'outside_working_hours',
  label: 'identities shown outside working hours',
  actor: 'medic-2',
  day: '2025-11-18',
  hour: 23,
  observed: 2,
  usual_user: 0,
  usual_role: 4,
  limit_user: null,
  limit_role: null,
  sentence: 'medic-2 showed identities 2 times on Tue 18 Nov 2025, 23:00 – 24:00, outside working hours.',
}

async function open(path = '/audit/', answer = report([busyDay, lateNight]), me = privacyMe()) {
  const r = await mountPage(path, { [`GET ${ENTRIES}`]: auditEntries, [`GET ${ANOMALIES}`]: answer }, me)
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Audit'))
  return r
}

const rows = () => wrapper.findAll('.unusual-table tbody tr')

describe('AUDIT: unusual activity', () => {
  it('explains itself and lists each alert with both usual patterns', async () => {
    const r = await open()
    await waitFor(() => expect(rows()).toHaveLength(2))
    expect(wrapper.find('#unusual-heading').text()).toBe('Unusual activity')
    const help = wrapper.find('.unusual-help').text()
    expect(help).toContain("far above their own usual and the medical service's (over the previous 28 days)")
    expect(help).toContain('outside working hours (Mon, Tue, Wed, Thu, Fri, 07:00-19:00)')
    expect(help).toContain('never the person traced')
    expect(r.fetchMock.calls('GET', ANOMALIES).map((c) => c.url)).toEqual([ANOMALIES])
    expect(wrapper.find('.unusual-summary').text()).toBe(
      '2 alerts from 14 Nov 2025 to 20 Nov 2025: many traces in a day 1, identities shown outside working hours 1.',
    )
    const head = wrapper.findAll('.unusual-table thead th').map((th) => th.text())
    expect(head).toEqual(['When', 'Who', 'What', 'Count', 'Their usual', "Service's usual", 'In words'])
    const [busy, late] = rows().map((row) => row.findAll('td').map((c) => c.text()))
    expect(busy).toEqual([
      'Wed 19 Nov 2025',
      'medic',
      'many traces in a day',
      '20',
      '3 a day',
      '3.5 a day',
      busyDay.sentence,
    ])
    expect(late.slice(0, 6)).toEqual([
      'Tue 18 Nov 2025, 23:00 – 24:00',
      'medic-2',
      'identities shown outside working hours',
      '2',
      '0 before',
      '4 before',
    ])
    // Who opens that account's entries of that day.
    const link = rows()[0].find('a')
    expect(link.attributes('href')).toBe('/audit/?actor=medic&since=2025-11-19&until=2025-11-19')
  })

  it('asks for the days of the filters, again when they change', async () => {
    const r = await open('/audit/?since=2025-11-01&until=2025-11-10&actor=medic')
    await waitFor(() => expect(r.fetchMock.calls('GET', ANOMALIES)).toHaveLength(1))
    expect(r.fetchMock.calls('GET', ANOMALIES)[0].url).toBe(`${ANOMALIES}?since=2025-11-01&until=2025-11-10`)
    await r.router.push('/audit/?since=2025-11-05')
    await waitFor(() => expect(r.fetchMock.calls('GET', ANOMALIES)).toHaveLength(2))
    expect(r.fetchMock.calls('GET', ANOMALIES)[1].url).toBe(`${ANOMALIES}?since=2025-11-05`)
  })

  it('says when nothing is unusual', async () => {
    await open('/audit/', report([]))
    await waitFor(() => expect(wrapper.find('.unusual-summary').text()).toBe('Nothing unusual from 14 Nov 2025 to 20 Nov 2025.'))
    expect(wrapper.find('.unusual-table').exists()).toBe(false)
  })

  it("shows the server's refusal and keeps the audit trail", async () => {
    await open('/audit/?since=2025-01-01', reply(400, { detail: 'Ask for at most 92 days at a time.', code: 'period_too_long' }))
    await waitFor(() =>
      expect(wrapper.find('.unusual-activity .form-error').text()).toContain(
        'The unusual activity could not be loaded: Ask for at most 92 days at a time.',
      ),
    )
    expect(wrapper.find('.unusual-activity [role="alert"]').exists()).toBe(false)
    await waitFor(() => expect(wrapper.findAll('.audit-table tbody tr')).toHaveLength(2))
  })

  it('does not ask without the privacy role', async () => {
    const r = await open('/audit/', report([busyDay]), { ...privacyMe(), roles: ['medical'] })
    await waitFor(() => expect(wrapper.findAll('.audit-table tbody tr')).toHaveLength(2))
    expect(r.fetchMock.calls('GET', ANOMALIES)).toHaveLength(0)
    expect(wrapper.find('.unusual-activity').exists()).toBe(false)
  })
})

describe('unusual activity helpers', () => {
  it('writes only the days given', () => {
    expect(anomaliesQuery({})).toBe('')
    expect(anomaliesQuery({ since: ' 2025-11-01 ', until: '' })).toBe('?since=2025-11-01')
    expect(anomaliesQuery({ since: '2025-11-01', until: '2025-11-02' })).toBe('?since=2025-11-01&until=2025-11-02')
  })

  it('says each usual in the unit of its rule, and when there is none yet', () => {
    expect(usualWords({ rule: 'exports_per_day', usual_user: 1.25 }, 'user')).toBe('1.3 a day')
    expect(usualWords({ rule: 'unusual_hour', usual_role: 0 }, 'role')).toBe('0 % in that hour')
    expect(usualWords({ rule: 'traces_per_day', usual_user: null }, 'user')).toBe('not known yet')
    expect(usualWords({ rule: 'rate_limit', usual_user: 3 }, 'user')).toBe('3 before')
  })

  it('names the hour of an hourly alert, midnight included', () => {
    expect(alertWhen({ day: '2025-11-18', hour: 0 })).toBe('Tue 18 Nov 2025, 00:00 – 01:00')
    expect(alertWhen({ day: '2025-11-18', hour: null })).toBe('Tue 18 Nov 2025')
  })
})
