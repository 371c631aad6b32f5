import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, reply, waitFor } from './helpers.js'
import { auditEntries, NOW, privacyMe } from './tracingData.js'
import { privacyMe as statsPrivacyMe, purgeLog } from './statsData.js'
import { auditQuery } from '../src/audit/api.js'
import { detailLines } from '../src/audit/format.js'

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
// The end of service's section (its own tests: endOfService.test.js): nothing asked.
const NO_END = { 'GET /api/retention/decommission': [] }
// The break-glass reveals (their own tests: reveals.test.js): none.
const NO_BREAK_GLASS = { 'GET /api/reveals/break-glass': [] }

async function open(path = '/audit/', answer = auditEntries) {
  const r = await mountPage(path, { [`GET ${ENTRIES}`]: answer, ...NO_END, ...NO_BREAK_GLASS }, privacyMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Audit'))
  return r
}

const rows = () => wrapper.findAll('.audit-table tbody tr')
const urls = (r) => r.fetchMock.calls('GET', ENTRIES).map((c) => c.url)

describe('AUDIT: the audit trail', () => {
  it('shows the help and the newest entries, each in words', async () => {
    const r = await open()
    expect(wrapper.find('main p.help').text()).toBe(
      'Who traced whom, when and why: every trace, reopening and export of the medical service.',
    )
    await waitFor(() => expect(rows()).toHaveLength(2))
    expect(urls(r)).toEqual([ENTRIES])
    const head = wrapper.findAll('.audit-table thead th').map((th) => th.text())
    expect(head).toEqual(['Time', 'Who', 'Action', 'Person ID', 'Case reference', 'Reason', 'Details'])

    const [exported, traced] = rows().map((row) => row.findAll('td').map((c) => c.text()))
    expect(exported[1]).toBe('medic')
    expect(exported[2]).toBe('exported a trace')
    expect(exported[3]).toBe('820001')
    expect(exported[4]).toBe('C-2025-017')
    expect(exported[5]).toBe('—')
    expect(exported[6]).toBe('Trace no. 42')
    expect(traced[2]).toBe('traced close contacts')
    expect(traced[5]).toBe('Positive PCR test')
    const details = rows()[1].findAll('.audit-details li').map((li) => li.text())
    expect(details).toEqual([
      'Period: 13 Nov 2025, 09:31 to 20 Nov 2025, 09:31 (from 7 days before the positive test)',
      'Close contact: one long encounter (CERN)',
      '3 contacts, 1 close contact',
    ])
    expect(rows()[0].find('time').attributes('datetime')).toBe('2025-11-20T09:40:00+01:00')
    expect(wrapper.find('.audit-summary').text()).toBe('2 entries, newest first.')
  })

  it('builds the query from the filters and keeps it in the URL', async () => {
    const r = await open()
    await waitFor(() => expect(rows()).toHaveLength(2))
    await wrapper.find('#audit-actor').setValue('medic')
    await wrapper.find('#audit-person_id').setValue(' 820001 ')
    await wrapper.find('#audit-case_reference').setValue('C-2025')
    await wrapper.find('#audit-action').setValue('trace_exported')
    await wrapper.find('#audit-since').setValue('2025-11-01')
    await wrapper.find('#audit-until').setValue('2025-11-20')
    await wrapper.find('form.audit-filters').trigger('submit')
    await waitFor(() => expect(urls(r)).toHaveLength(2))
    expect(urls(r)[1]).toBe(
      `${ENTRIES}?actor=medic&person_id=820001&case_reference=C-2025&action=trace_exported&since=2025-11-01&until=2025-11-20`,
    )
    expect(r.router.currentRoute.value.query).toEqual({
      actor: 'medic',
      person_id: '820001',
      case_reference: 'C-2025',
      action: 'trace_exported',
      since: '2025-11-01',
      until: '2025-11-20',
    })
    const actions = wrapper.findAll('#audit-action option').map((o) => o.text())
    expect(actions).toEqual(['Any action', 'Traced close contacts', 'Reopened a trace', 'Exported a trace (CSV)', 'Named contacts who are not close contacts', 'Was refused a trace (hourly limit)', "An account's person number changed", 'Opened a case', 'Notified a close contact', 'Opened a cluster of cases', 'Exported follow-ups (CSV)', 'Asked a second person to approve naming contacts', "Approved naming a trace's contacts", "Refused naming a trace's contacts", "Named a trace's close contacts", 'Named contacts urgently, without approval (break-glass)', 'Reviewed a break-glass reveal', 'Asked to end the service', 'Approved ending the service', "Erased the service's personal data (end of service)"])
  })

  it('a linked view opens with its filters filled in and applied', async () => {
    const r = await open('/audit/?person_id=820001&action=trace', [auditEntries[1]])
    await waitFor(() => expect(rows()).toHaveLength(1))
    expect(urls(r)).toEqual([`${ENTRIES}?person_id=820001&action=trace`])
    expect(wrapper.find('#audit-person_id').element.value).toBe('820001')
    expect(wrapper.find('#audit-action').element.value).toBe('trace')
    expect(wrapper.find('.audit-summary').text()).toBe('1 entry matches, newest first.')

    // Who in the table narrows the view to that account's entries.
    const link = rows()[0].findAll('a').find((a) => a.text() === 'medic')
    expect(link.attributes('href')).toBe('/audit/?person_id=820001&action=trace&actor=medic')

    // Clear filters: back to everything.
    const clear = wrapper.findAll('button').find((b) => b.text() === 'Clear filters')
    await clear.trigger('click')
    await waitFor(() => expect(urls(r)).toHaveLength(2))
    expect(urls(r)[1]).toBe(ENTRIES)
    expect(wrapper.find('#audit-person_id').element.value).toBe('')
  })

  it('refuses a last day before the first, without asking the server', async () => {
    const r = await open()
    await waitFor(() => expect(rows()).toHaveLength(2))
    await wrapper.find('#audit-since').setValue('2025-11-20')
    await wrapper.find('#audit-until').setValue('2025-11-01')
    await wrapper.find('form.audit-filters').trigger('submit')
    await flushPromises()
    expect(wrapper.find('#audit-until-error').text()).toBe('The last day must not be before the first day.')
    expect(wrapper.find('#audit-until').attributes('aria-invalid')).toBe('true')
    expect(urls(r)).toHaveLength(1)
  })

  it("shows the server's refusal of a filter next to it", async () => {
    await open('/audit/?since=2025-13-01', reply(400, { since: ['Date has wrong format.'] }))
    await waitFor(() => expect(wrapper.find('#audit-since-error').text()).toBe('Date has wrong format.'))
    expect(wrapper.find('.audit-table').exists()).toBe(false)
  })

  it('says when nothing matches', async () => {
    await open('/audit/?actor=nobody', [])
    await waitFor(() => expect(wrapper.find('.audit-summary').text()).toBe('No entries match these filters.'))
  })
})

describe('audit helpers', () => {
  it('writes only the filters given, in a fixed order', () => {
    expect(auditQuery({})).toBe('')
    expect(auditQuery({ until: '2025-11-20', actor: ' medic ', person_id: '' })).toBe('?actor=medic&until=2025-11-20')
    expect(auditQuery({ case_reference: 'C 1&2' })).toBe('?case_reference=C+1%262')
  })

  it('says whom an entry showed by name, and how many other contacts were named', () => {
    expect(detailLines({ trace: 7, named: 2, disclosed: ['820001', '820003', '820004'] })).toEqual([
      'Named 2 other contacts',
      'People shown by name: 820001, 820003, 820004',
      'Trace no. 7',
    ])
  })

  it('keeps details it does not know', () => {
    expect(detailLines({ trace: 7, note: 'x' })).toEqual(['Trace no. 7', 'note: x'])
    expect(detailLines(null)).toEqual([])
  })
})

describe('AUDIT: the purge', () => {
  const PURGES = '/api/stats/purges'

  async function openWithPurges(answer, me = statsPrivacyMe()) {
    const r = await mountPage('/audit/', { [`GET ${ENTRIES}`]: auditEntries, [`GET ${PURGES}`]: answer, ...NO_END, ...NO_BREAK_GLASS }, me)
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Audit'))
    await waitFor(() => expect(wrapper.find('.purge-log [role="status"]').exists()).toBe(false))
    return r
  }

  const purgeRows = () => wrapper.findAll('.purge-table tbody tr')

  it('warns prominently when the purge is overdue', async () => {
    const r = await openWithPurges(purgeLog({ overdue: true }))
    expect(r.fetchMock.calls('GET', PURGES)).toHaveLength(1)
    const alert = wrapper.find('.purge-warning')
    expect(alert.attributes('role')).toBe('alert')
    expect(alert.find('.purge-warning-title').text()).toBe(
      'The purge has not run for more than 36 hours: expired encounters may still be stored. Tell the operators.',
    )
    expect(alert.text()).toContain('The last purge ran on')
    expect(alert.find('time').attributes('datetime')).toBe('2025-11-20T03:00:00+01:00')
    // at the top: right after the page's help, before the filters
    const main = wrapper.find('main .page-audit').element
    expect(main.children[2]).toBe(alert.element)
  })

  it('says when no purge was recorded since the install and the first was due', async () => {
    const due = '2025-11-21T15:00:00+01:00'
    await openWithPurges(purgeLog({ overdue: true, records: [], first_purge_due_by: due }))
    const alert = wrapper.find('.purge-warning')
    expect(alert.text()).toContain('No purge has been recorded since the portal was installed; the first was due by')
    expect(alert.find('time').attributes('datetime')).toBe(due)
    expect(wrapper.find('.purge-none').text()).toBe('No purge yet.')
  })

  it('on a fresh install, no warning: when the first purge is due', async () => {
    const due = '2025-11-21T15:00:00+01:00'
    await openWithPurges(purgeLog({ overdue: false, records: [], first_purge_due_by: due }))
    expect(wrapper.find('.purge-warning').exists()).toBe(false)
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    const none = wrapper.find('.purge-none')
    expect(none.text()).toMatch(/^No purge yet; the first is due by .+\.$/)
    expect(none.find('time').attributes('datetime')).toBe(due)
  })

  it('shows no warning when the purge ran in time, and the purge log', async () => {
    await openWithPurges(purgeLog({ overdue: false }))
    expect(wrapper.find('.purge-warning').exists()).toBe(false)
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(wrapper.find('#purge-log-heading').text()).toBe('Purge log')
    const head = wrapper.findAll('.purge-table thead th').map((th) => th.text())
    expect(head).toEqual(['Time', 'Rows deleted', 'Per table', 'Oldest encounter left'])
    expect(purgeRows()).toHaveLength(2)
    const [newest, empty] = purgeRows().map((tr) => tr.findAll('td'))
    expect(newest[0].find('time').attributes('datetime')).toBe('2025-11-20T03:00:00+01:00')
    expect(newest[1].text()).toBe('124')
    expect(newest[2].text()).toBe('encounters: 120, inbox: 3, trace results: 1')
    expect(newest[3].find('time').attributes('datetime')).toBe('2025-11-06T03:05:00+01:00')
    expect(empty[1].text()).toBe('0')
    expect(empty[2].text()).toBe('nothing')
    expect(empty[3].text()).toBe('none stored')
  })

  it('shows the newest week of runs, and all on demand', async () => {
    const records = Array.from({ length: 10 }, (_, i) => ({
      at: `2025-11-${String(20 - i).padStart(2, '0')}T03:00:00+01:00`,
      removed: { encounters: i },
      oldest_remaining: null,
    }))
    await openWithPurges(purgeLog({ records }))
    expect(purgeRows()).toHaveLength(7)
    const more = wrapper.find('.purge-log button')
    expect(more.text()).toBe('Show all 10 runs')
    await more.trigger('click')
    expect(purgeRows()).toHaveLength(10)
    expect(more.attributes('aria-expanded')).toBe('true')
  })

  it('keeps the audit trail when the purge log cannot be loaded', async () => {
    await openWithPurges(reply(500, { detail: 'Database away.' }))
    await waitFor(() => expect(rows()).toHaveLength(2))
    expect(wrapper.find('.purge-warning').exists()).toBe(false)
    expect(wrapper.find('.purge-log .form-error').text()).toBe('The purge log could not be loaded: Database away.')
  })

  it('does not ask for the purge log without the privacy role', async () => {
    const r = await openWithPurges(purgeLog({ overdue: true }), {
      ...statsPrivacyMe(),
      roles: ['medical'],
    })
    expect(r.fetchMock.calls('GET', PURGES)).toHaveLength(0)
    expect(wrapper.find('.purge-warning').exists()).toBe(false)
    expect(wrapper.find('.purge-log').exists()).toBe(false)
  })
})
