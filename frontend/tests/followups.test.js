import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { meWithRules, mountPage, reply, waitFor } from './helpers.js'
import { aFollowUp, caseTraceResult, followUpDetail, medicMe, NOW, worklist } from './casesData.js'

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

const BASE = '/api/cases/follow-ups'

async function open(path = '/follow-ups/', routes = {}) {
  const r = await mountPage(path, { [`GET ${BASE}`]: worklist, [`GET ${BASE}/5`]: followUpDetail(), ...routes }, medicMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Follow-ups'))
  return r
}

const text = (w) => w.text().replace(/\s+/g, ' ').trim()
const rows = () => wrapper.findAll('.worklist tbody tr')
async function openList(routes) {
  const r = await open('/follow-ups/', routes)
  await waitFor(() => expect(rows()).toHaveLength(3))
  return r
}
async function select(...ids) {
  for (const id of ids) await wrapper.find(`#worklist-${id}`).setValue(true)
}

describe('FOLLOW-UPS: the statuses are the server’s', () => {
  it('lists the statuses and their words from /api/me, keeping no copy', async () => {
    const statuses = [
      { value: 'to_contact', label: 'to call', open: true },
      { value: 'isolating', label: 'isolating at home', open: true },
      { value: 'released', label: 'released', open: false },
    ]
    const me = meWithRules(medicMe(), { follow_up_statuses: statuses })
    const r = await mountPage('/follow-ups/', { [`GET ${BASE}`]: worklist }, me)
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.findAll('.worklist tbody tr')).toHaveLength(3))
    const options = wrapper.findAll('#follow-ups-status option').map((o) => o.text())
    expect(options).toEqual(['open (to call, isolating at home)', 'to call', 'isolating at home', 'released'])
  })
})

describe('FOLLOW-UPS: the worklist', () => {
  it('shows my open follow-ups in the server’s order, with days left, status and e-mail badge', async () => {
    const r = await openList()
    expect(wrapper.find('main p.help').text()).toBe(
      'Your close contacts to follow up, most urgent first: tell them by e-mail until when to stay at home, and record what happened.',
    )
    expect(r.fetchMock.calls('GET', BASE).map((c) => c.url)).toEqual(['/api/cases/follow-ups?mine=true'])
    // The server's order, not sorted again (Nina ends sooner but is notified already).
    expect(rows().map((tr) => tr.find('.worklist-name a').text())).toEqual(['Carl Close', 'Fay Failed', 'Nina Notified'])
    expect(text(rows()[0])).toContain('8 days left')
    expect(text(rows()[0])).toContain('to contact')
    expect(text(rows()[0])).toContain('not yet')
    expect(rows()[1].find('.notify-failed').text()).toBe('failed')
    expect(rows()[2].find('.notify-sent').text()).toBe('notified')
    expect(rows()[0].find('.worklist-name a').attributes('href')).toBe('/follow-ups/?id=5')
    expect(rows()[0].findAll('a')[1].attributes('href')).toBe('/cases/?case=12')
  })

  it('filters by status and owner, and the CSV link follows the filters', async () => {
    const r = await openList()
    expect(wrapper.find('.export-link').attributes('href')).toBe('/api/cases/follow-ups/export.csv?mine=true')
    await wrapper.find('#follow-ups-status').setValue('lost')
    await flushPromises()
    await wrapper.find('#follow-ups-mine').setValue(false)
    await waitFor(() => expect(r.fetchMock.calls('GET', BASE)).toHaveLength(3))
    expect(r.fetchMock.calls('GET', BASE).map((c) => c.url)).toEqual([
      '/api/cases/follow-ups?mine=true',
      '/api/cases/follow-ups?mine=true&status=lost',
      '/api/cases/follow-ups?mine=false&status=lost',
    ])
    expect(wrapper.find('.export-link').attributes('href')).toBe(
      '/api/cases/follow-ups/export.csv?mine=false&status=lost',
    )
  })

  it('changes the status of the selected rows together, and says which one someone else changed', async () => {
    const refused = 'Nora Nurse changed this follow-up at 09:40 (now: notified). Reload it and try again.'
    const r = await openList({
      [`POST ${BASE}/status`]: [
        { id: 5, done: true, error: '' },
        { id: 6, done: false, error: refused },
      ],
    })
    expect(wrapper.find('.bulk-status button').attributes('disabled')).toBeDefined()
    await select(5, 6)
    await wrapper.find('#bulk-status').setValue('in_quarantine')
    await wrapper.find('#bulk-note').setValue(' Called ')
    await wrapper.find('form.bulk-status').trigger('submit')
    await waitFor(() => expect(wrapper.find('.bulk-failures').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', `${BASE}/status`)[0].body).toEqual({
      items: [
        { id: 5, version: 3 },
        { id: 6, version: 1 },
      ],
      status: 'in_quarantine',
      note: 'Called',
    })
    expect(wrapper.find('.success-banner').text()).toContain('1 follow-up changed to “in quarantine”.')
    expect(wrapper.find('.bulk-failures p').text()).toBe('1 follow-up was not changed:')
    expect(wrapper.findAll('.bulk-failures li').map(text)).toEqual([`Fay Failed: ${refused}`])
    expect(wrapper.find('.bulk-failures a').attributes('href')).toBe('/follow-ups/?id=6')
    // The list is read again; "Reload" reads it once more.
    await waitFor(() => expect(r.fetchMock.calls('GET', BASE)).toHaveLength(2))
    await wrapper.find('.bulk-failures button').trigger('click')
    await waitFor(() => expect(r.fetchMock.calls('GET', BASE)).toHaveLength(3))
  })

  it('selects all rows at once', async () => {
    await openList()
    await wrapper.find('#worklist-all').setValue(true)
    expect(wrapper.findAll('.worklist tbody input:checked')).toHaveLength(3)
    expect(wrapper.find('#worklist-actions-heading').text()).toContain('(3)')
    await wrapper.find('#worklist-all').setValue(false)
    expect(wrapper.findAll('.worklist tbody input:checked')).toHaveLength(0)
  })

  it('previews the e-mails first, and sends only when asked', async () => {
    const r = await openList({
      [`POST ${BASE}/notify/preview`]: [
        { id: 5, to_email: 'carl.close@example.org', subject: 'Stay at home until 28 November', body: 'Dear Carl Close,\nstay at home until the end of Fri 28 Nov 2025.' },
        { id: 7, to_email: 'nina@example.org', subject: 'Stay at home until 22 November', body: 'Dear Nina Notified,\n…' },
      ],
      [`POST ${BASE}/notify`]: [
        { id: 5, done: true, error: '' },
        { id: 7, done: false, error: 'Mail server refused the message.' },
      ],
    })
    await select(5, 7)
    await wrapper.find('.preview-button').trigger('click')
    await waitFor(() => expect(wrapper.findAll('.email-preview')).toHaveLength(2))
    expect(r.fetchMock.calls('POST', `${BASE}/notify/preview`)[0].body).toEqual({ ids: [5, 7] })
    expect(r.fetchMock.calls('POST', `${BASE}/notify`)).toHaveLength(0)
    const first = wrapper.find('.email-preview')
    expect(text(first)).toContain('To: carl.close@example.org')
    expect(text(first)).toContain('Subject: Stay at home until 28 November')
    expect(first.find('.email-body').text()).toContain('until the end of Fri 28 Nov 2025')
    expect(wrapper.find('.notify-preview').text()).toContain('Nothing has been sent yet.')

    await wrapper.find('.send-button').trigger('click')
    await waitFor(() => expect(wrapper.find('.notify-preview').exists()).toBe(false))
    expect(r.fetchMock.calls('POST', `${BASE}/notify`)[0].body).toEqual({ ids: [5, 7] })
    expect(wrapper.find('.success-banner').text()).toContain('1 e-mail sent (recorded in the audit trail).')
    expect(text(wrapper.find('.bulk-failures'))).toContain('Nina Notified: Mail server refused the message.')
  })
})

describe('FOLLOW-UPS: a follow-up’s record', () => {
  async function openRecord(routes) {
    const r = await open('/follow-ups/?id=5', routes)
    await waitFor(() => expect(wrapper.find('#follow-up-heading').exists()).toBe(true))
    return r
  }

  it('shows the end date explained, the history, the e-mails and the exposures', async () => {
    await openRecord()
    expect(wrapper.find('#follow-up-heading').text()).toBe('Carl Close')
    const facts = text(wrapper.find('.follow-up-facts'))
    expect(facts).toContain('28 Nov 2025 (8 days left)')
    expect(wrapper.find('.end-explained').text()).toBe(
      'Last contact ended Tue 18 Nov 2025, 14:25; 10 days after that day: until the end of Fri 28 Nov 2025.',
    )
    const history = wrapper.findAll('.follow-up-history tbody tr')
    expect(history).toHaveLength(2)
    expect(text(history[1])).toContain('exposed again')
    expect(text(history[1])).toContain('End moved from 27 Nov 2025 to 28 Nov 2025.')
    expect(text(wrapper.find('.follow-up-notifications'))).toContain('failed: Mail server refused the message.')
    const exposures = wrapper.findAll('.follow-up-exposures a')
    expect(exposures.map((a) => a.attributes('href'))).toEqual(['/cases/?case=12', '/cases/?case=11'])
  })

  it('changes the status with the version seen', async () => {
    const r = await openRecord({
      [`POST ${BASE}/5/status`]: followUpDetail({ status: 'notified', status_label: 'notified', version: 4 }),
    })
    const buttons = wrapper.findAll('.follow-up-status-change button[data-status]')
    expect(buttons.map((b) => b.text())).toEqual(['Notified', 'In quarantine', 'Became a case', 'Released', 'Lost to follow-up'])
    await wrapper.find('#status-note').setValue('Phoned')
    await buttons[0].trigger('click')
    await waitFor(() => expect(wrapper.find('.success-banner').text()).toContain('Status changed to “notified”.'))
    expect(r.fetchMock.calls('POST', `${BASE}/5/status`)[0].body).toEqual({ status: 'notified', version: 3, note: 'Phoned' })
  })

  it('a change someone else made first: says so and offers to reload', async () => {
    const detail = 'Nora Nurse changed this follow-up at 09:40 (now: notified). Reload it and try again.'
    const r = await openRecord({ [`POST ${BASE}/5/status`]: reply(409, { detail, code: 'changed' }) })
    await wrapper.find('button[data-status="in_quarantine"]').trigger('click')
    await waitFor(() => expect(wrapper.find('.status-conflict').exists()).toBe(true))
    expect(wrapper.find('.status-conflict p').text()).toBe(detail)
    expect(r.fetchMock.calls('GET', `${BASE}/5`)).toHaveLength(1)
    await wrapper.find('.status-conflict button').trigger('click')
    await waitFor(() => expect(r.fetchMock.calls('GET', `${BASE}/5`)).toHaveLength(2))
    expect(wrapper.find('.status-conflict').exists()).toBe(false)
  })

  it('a closed follow-up offers no status change', async () => {
    await openRecord({
      [`GET ${BASE}/5`]: followUpDetail({ status: 'became_case', status_label: 'became a case', became_case_id: 13 }),
    })
    expect(wrapper.find('.follow-up-status-change').exists()).toBe(false)
    expect(wrapper.find('.follow-up-facts a[href="/cases/?case=13"]').text()).toBe('their own case')
  })

  it('traces the contact in turn (second degree) with a mandatory reason', async () => {
    const answer = caseTraceResult({ id: 44, follow_ups: [aFollowUp({ id: 9, name: 'Second Sid', degree: 2 })] })
    const r = await openRecord({ [`POST ${BASE}/5/trace`]: answer })
    expect(wrapper.find('#follow-up-trace-heading').text()).toBe('Trace this contact (second degree)')
    await wrapper.find('form.case-trace-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('#follow-up-trace-reason-error').text()).toBe('Give the reason for this trace.')
    await wrapper.find('#follow-up-trace-reason').setValue('Contact now has symptoms')
    await wrapper.find('form.case-trace-form').trigger('submit')
    await waitFor(() => expect(wrapper.find('.trace-result').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', `${BASE}/5/trace`)[0].body).toEqual({
      reason: 'Contact now has symptoms',
      policy: 'encounter',
    })
    expect(wrapper.find('.traced-follow-ups a').attributes('href')).toBe('/follow-ups/?id=9')
  })
})

describe('FOLLOW-UPS: an end date that moved after the e-mail', () => {
  it('says to tell the contact again, with the date the e-mail stated', async () => {
    const moved = worklist.map((f, n) => (n === 2 ? { ...f, told_until: '2025-11-20', tell_again: true } : f))
    const r = await mountPage('/follow-ups/', { [`GET ${BASE}`]: moved }, medicMe())
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.findAll('.worklist tbody tr')).toHaveLength(3))
    const row = wrapper.findAll('.worklist tbody tr')[2]
    expect(row.find('.tell-again').text()).toBe('end moved: tell again')
    expect(wrapper.findAll('.tell-again')).toHaveLength(1)
  })
})
