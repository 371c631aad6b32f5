import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, reply, typeInto, waitFor } from './helpers.js'
import { tinaSearch } from './tracingData.js'
import {
  aCase,
  caseDetail,
  caseList,
  caseTraceResult,
  chain,
  clusterOpened,
  clusters,
  figures,
  medicMe,
  NOW,
} from './casesData.js'

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

const CASES = '/api/cases'

function routes(extra = {}) {
  return {
    [`GET ${CASES}`]: caseList,
    [`GET ${CASES}/figures`]: figures,
    [`GET ${CASES}/clusters`]: clusters,
    [`GET ${CASES}/12`]: caseDetail(),
    [`GET ${CASES}/12/chain`]: chain,
    'GET /api/tracing/people': tinaSearch,
    ...extra,
  }
}

async function open(path = '/cases/', extra = {}) {
  const r = await mountPage(path, routes(extra), medicMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Cases'))
  return r
}

const text = (w) => w.text().replace(/\s+/g, ' ').trim()
const caseRows = () => wrapper.findAll('.cases-table tbody tr')

async function openRecord() {
  const r = await open('/cases/?case=12')
  await waitFor(() => expect(wrapper.find('#case-record-heading').exists()).toBe(true))
  return r
}

describe('CASES: the list', () => {
  it('shows the help and the open cases, each linking to its record', async () => {
    const r = await open()
    expect(wrapper.find('main p.help').text()).toBe(
      'Open and keep cases: their dates, notes, traces, follow-ups and chain; clusters and figures.',
    )
    await waitFor(() => expect(caseRows()).toHaveLength(2))
    expect(r.fetchMock.calls('GET', CASES).map((c) => c.url)).toEqual(['/api/cases?status=open'])
    const first = caseRows()[0]
    expect(text(first)).toContain('C-2025-12')
    expect(text(first)).toContain('Tina Tracey 820001')
    expect(text(first)).toContain('18 Nov 2025')
    expect(text(first)).toContain('1 of 2')
    expect(first.find('a').attributes('href')).toBe('/cases/?case=12')
  })

  it('searches by text and filters by status', async () => {
    const r = await open()
    await waitFor(() => expect(caseRows()).toHaveLength(2))
    await wrapper.find('#cases-q').setValue(' Tina ')
    await wrapper.find('form.cases-filter').trigger('submit')
    await flushPromises()
    await wrapper.find('#cases-status').setValue('closed')
    await flushPromises()
    await wrapper.find('#cases-status').setValue('')
    await wrapper.find('#cases-mine').setValue(true)
    await waitFor(() => expect(r.fetchMock.calls('GET', CASES)).toHaveLength(5))
    expect(r.fetchMock.calls('GET', CASES).map((c) => c.url)).toEqual([
      '/api/cases?status=open',
      '/api/cases?status=open&q=Tina',
      '/api/cases?status=closed&q=Tina',
      '/api/cases?q=Tina',
      '/api/cases?q=Tina&mine=true',
    ])
  })

  it('says when no case matches', async () => {
    await open('/cases/', { [`GET ${CASES}`]: [] })
    await waitFor(() => expect(wrapper.find('.cases-none').text()).toBe('No case matches.'))
  })
})

describe('CASES: opening a case', () => {
  async function choosePerson() {
    await typeInto(wrapper.find('#case-open-person'), 'trac')
    await waitFor(() => expect(wrapper.findAll('[role="option"]')).toHaveLength(2))
    await wrapper.findAll('[role="option"]')[0].trigger('click')
    await waitFor(() => expect(wrapper.find('.case-person').text()).toContain('Tina Tracey'))
  }

  it('needs a person, then opens the case for them and shows its record', async () => {
    const r = await open('/cases/', { [`POST ${CASES}`]: aCase() })
    await wrapper.find('form.case-open-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('#case-open-person-error').text()).toBe('Choose the person who is a case.')
    expect(r.fetchMock.calls('POST', CASES)).toHaveLength(0)

    await choosePerson()
    expect(r.fetchMock.calls('GET', '/api/tracing/people')[0].url).toBe('/api/tracing/people?q=trac')
    await wrapper.find('#case-open-onset').setValue('2025-11-18')
    await wrapper.find('#case-open-notes').setValue('  Works nights. ')
    await wrapper.find('form.case-open-form').trigger('submit')
    await waitFor(() => expect(wrapper.find('#case-record-heading').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', CASES)[0].body).toEqual({
      person_id: '820001',
      symptom_onset: '2025-11-18',
      notes: 'Works nights.',
    })
    await waitFor(() =>
      expect(wrapper.find('.success-banner').text()).toContain(
        'Case C-2025-12 opened for Tina Tracey (recorded in the audit trail).',
      ),
    )
    expect(text(wrapper.find('#case-record-heading'))).toBe('C-2025-12: Tina Tracey')
  })

  it('shows the server’s refusal when the person already has an open case', async () => {
    const detail = 'Tina Tracey already has an open case, C-2025-12: add to it.'
    await open('/cases/', { [`POST ${CASES}`]: reply(409, { detail, code: 'case_open' }) })
    await choosePerson()
    await wrapper.find('form.case-open-form').trigger('submit')
    await waitFor(() => expect(wrapper.find('.case-open-form .form-error').text()).toBe(detail))
    expect(wrapper.find('#case-record-heading').exists()).toBe(false)
  })
})

describe('CASES: a case’s record', () => {
  it('shows its dates, notes, traces and follow-ups', async () => {
    await openRecord()
    expect(wrapper.find('#case-edit-onset').element.value).toBe('18 Nov 2025')
    expect(wrapper.find('#case-edit-notes').element.value).toBe('Works nights.')
    expect(text(wrapper.find('.case-traces tbody tr'))).toContain('the case')
    const followUp = wrapper.find('.case-follow-ups tbody tr')
    expect(text(followUp)).toContain('Carl Close')
    expect(text(followUp)).toContain('to contact')
    expect(text(followUp)).toContain('28 Nov 2025')
    expect(text(followUp)).toContain('8 days left')
    expect(followUp.find('a').attributes('href')).toBe('/follow-ups/?id=5')
  })

  it('saves the notes and dates with PATCH', async () => {
    const r = await open('/cases/?case=12', {
      [`PATCH ${CASES}/12`]: caseDetail({ notes: 'Called back.', positive_test: '2025-11-19' }),
    })
    await waitFor(() => expect(wrapper.find('#case-edit-notes').exists()).toBe(true))
    await wrapper.find('#case-edit-notes').setValue('Called back.')
    await wrapper.find('#case-edit-test').setValue('2025-11-19')
    await wrapper.find('form.case-edit').trigger('submit')
    await waitFor(() => expect(wrapper.find('.success-banner').text()).toContain('Case C-2025-12 saved.'))
    expect(r.fetchMock.calls('PATCH', `${CASES}/12`)[0].body).toEqual({
      notes: 'Called back.',
      status: 'open',
      symptom_onset: '2025-11-18',
      positive_test: '2025-11-19',
    })
  })

  it('traces the case with a mandatory reason, then shows the result and the follow-ups it opened', async () => {
    const r = await open('/cases/?case=12', { [`POST ${CASES}/12/traces`]: caseTraceResult() })
    await waitFor(() => expect(wrapper.find('form.case-trace-form').exists()).toBe(true))
    expect(wrapper.find('#case-trace-heading').text()).toBe('Trace this case')

    await wrapper.find('form.case-trace-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('#case-trace-reason-error').text()).toBe('Give the reason for this trace.')
    expect(r.fetchMock.calls('POST', `${CASES}/12/traces`)).toHaveLength(0)

    await wrapper.find('#case-trace-policy-daily').setValue()
    await wrapper.find('#case-trace-reason').setValue(' Positive PCR test ')
    await wrapper.find('form.case-trace-form').trigger('submit')
    await waitFor(() => expect(wrapper.find('.trace-result').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', `${CASES}/12/traces`)[0].body).toEqual({
      reason: 'Positive PCR test',
      policy: 'daily',
    })
    expect(wrapper.find('.case-trace [role="status"]').text()).toBe(
      'Trace done and recorded in the audit trail: 1 close contact, 1 follow-up opened or moved.',
    )
    const opened = wrapper.find('.traced-follow-ups li')
    expect(text(opened)).toContain('Carl Close')
    expect(opened.find('a').attributes('href')).toBe('/follow-ups/?id=5')
    expect(wrapper.find('#case-trace-result-heading').text()).toBe('Case C-2025-12')
    // The record and the chain are read again: the trace changed them.
    await waitFor(() => expect(r.fetchMock.calls('GET', `${CASES}/12`)).toHaveLength(2))
    expect(r.fetchMock.calls('GET', `${CASES}/12/chain`)).toHaveLength(2)
  })

  it('shows the server’s refusal of a trace next to the form', async () => {
    const detail = 'Case C-2025-12 is closed; reopen it to trace.'
    await open('/cases/?case=12', { [`POST ${CASES}/12/traces`]: reply(400, { detail, code: 'case_closed' }) })
    await waitFor(() => expect(wrapper.find('form.case-trace-form').exists()).toBe(true))
    await wrapper.find('#case-trace-reason').setValue('PCR')
    await wrapper.find('form.case-trace-form').trigger('submit')
    await waitFor(() => expect(wrapper.find('.case-trace-form .form-error').text()).toBe(detail))
  })

  it('a closed case offers no trace', async () => {
    await open('/cases/?case=12', { [`GET ${CASES}/12`]: caseDetail({ status: 'closed' }) })
    await waitFor(() => expect(wrapper.find('#case-record-heading').exists()).toBe(true))
    expect(wrapper.find('form.case-trace-form').exists()).toBe(false)
    expect(wrapper.text()).toContain('This case is closed')
  })
})

describe('CASES: a location donation code', () => {
  const CODE = 'POST /api/zones/donation-codes'
  const issued = {
    code: 'K7QX-M2PD-9T',
    expires_at: '2025-11-22T09:00:00Z',
    window_start: '2025-11-14T23:00:00Z',
    window_end: '2025-11-22T09:00:00Z',
  }

  it('gives a single-use code from the onset, read at the start of that day on the organisation’s clock', async () => {
    const r = await open('/cases/?case=12', { [CODE]: reply(201, issued) })
    await waitFor(() => expect(wrapper.find('.donation-code').exists()).toBe(true))
    const panel = () => wrapper.find('.donation-code')
    expect(panel().find('.issued').exists()).toBe(false)
    await panel().find('button').trigger('click')
    await waitFor(() => expect(panel().find('.code').text()).toBe('K7QX-M2PD-9T'))
    // 18 Nov 2025 00:00 in Zurich (UTC+1), whatever the browser's zone.
    expect(r.fetchMock.calls('POST', '/api/zones/donation-codes')[0].body).toEqual({
      symptom_onset: '2025-11-18T00:00:00+01:00',
    })
    expect(text(panel())).toContain('It works once, until 22 Nov 2025, 10:00')
    expect(text(panel())).toContain('15 Nov 2025, 00:00 – 22 Nov 2025, 10:00')
    expect(panel().find('button').text()).toBe('Give another code')
  })

  it('without an onset, the positive test; without either, it says what to give first', async () => {
    const r = await open('/cases/?case=12', {
      [`GET ${CASES}/12`]: caseDetail({ symptom_onset: null, positive_test: '2025-11-19' }),
      [CODE]: reply(201, issued),
    })
    await waitFor(() => expect(wrapper.find('.donation-code button').exists()).toBe(true))
    await wrapper.find('.donation-code button').trigger('click')
    await waitFor(() => expect(wrapper.find('.donation-code .code').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', '/api/zones/donation-codes')[0].body).toEqual({
      positive_test: '2025-11-19T00:00:00+01:00',
    })
    wrapper.unmount()
    await open('/cases/?case=12', {
      [`GET ${CASES}/12`]: caseDetail({ symptom_onset: null, positive_test: null }),
    })
    await waitFor(() => expect(wrapper.find('.donation-code').exists()).toBe(true))
    expect(wrapper.find('.donation-code button').exists()).toBe(false)
    expect(wrapper.find('.donation-code').text()).toContain('Give the case a symptom onset or a positive test date first.')
  })

  it('a refusal is shown beside the button; a closed case offers no code', async () => {
    await open('/cases/?case=12', { [CODE]: reply(403, { detail: 'You do not have permission to perform this action.' }) })
    await waitFor(() => expect(wrapper.find('.donation-code button').exists()).toBe(true))
    await wrapper.find('.donation-code button').trigger('click')
    await waitFor(() => expect(wrapper.find('.donation-code .form-error').exists()).toBe(true))
    expect(wrapper.find('.donation-code .code').exists()).toBe(false)
    wrapper.unmount()
    await open('/cases/?case=12', { [`GET ${CASES}/12`]: caseDetail({ status: 'closed' }) })
    await waitFor(() => expect(wrapper.find('#case-record-heading').exists()).toBe(true))
    expect(wrapper.find('.donation-code').exists()).toBe(false)
  })
})

describe('CASES: the chain', () => {
  it('renders the nodes as a tree in time order, each a link to its record', async () => {
    await openRecord()
    await waitFor(() => expect(wrapper.findAll('.chain-link')).toHaveLength(5))
    const links = wrapper.findAll('.chain-link')
    expect(links.map((a) => text(a))).toEqual([
      'Case C-2025-12: Tina Tracey (820001)',
      'Early Eve (820007)',
      'Carl Close (820002)',
      'Second Sid (820008)',
      'Case C-2025-13: Carl Close (820002)',
    ])
    expect(links.map((a) => a.attributes('href'))).toEqual([
      '/cases/?case=12',
      '/follow-ups/?id=8',
      '/follow-ups/?id=5',
      '/follow-ups/?id=9',
      '/cases/?case=13',
    ])
    // Two levels: Carl's contact and Carl's own case hang below Carl.
    const carl = links[2].element.closest('li')
    expect([...carl.querySelectorAll('.chain-link')].map((a) => a.textContent.trim())).toEqual([
      'Carl Close (820002)',
      'Second Sid (820008)',
      'Case C-2025-13: Carl Close (820002)',
    ])
    expect(links[0].attributes('aria-current')).toBe('true')
    expect(wrapper.find('.chain-children .chain-children .chain-meta').text()).toContain('level 2')
  })

  it('a node opens its record', async () => {
    const { router } = await open('/cases/?case=12', {
      [`GET ${CASES}/13`]: caseDetail({ id: 13, reference: 'C-2025-13', name: 'Carl Close', person_id: '820002' }),
      [`GET ${CASES}/13/chain`]: { ...chain, root: 'case-13' },
    })
    await waitFor(() => expect(wrapper.findAll('.chain-link')).toHaveLength(5))
    await wrapper.findAll('.chain-link')[4].trigger('click')
    await waitFor(() => expect(text(wrapper.find('#case-record-heading'))).toBe('C-2025-13: Carl Close'))
    expect(router.currentRoute.value.fullPath).toBe('/cases/?case=13')
  })
})

describe('CASES: clusters and figures', () => {
  it('shows the figures as the server gives them, "< 5" included', async () => {
    await open()
    await waitFor(() => expect(wrapper.find('.figures-list').exists()).toBe(true))
    expect(wrapper.find('.figure-open-cases').text()).toBe('12')
    expect(wrapper.find('.figure-status-notified').text()).toBe('< 5')
    expect(wrapper.find('.figure-status-to_contact').text()).toBe('7')
    expect(wrapper.find('.figure-lost').text()).toBe('< 5')
    expect(wrapper.find('.figure-notified').text()).toBe('not shown: too few follow-ups, or too few in time or late')
    expect(wrapper.find('.figure-mean').text()).toBe('3.4')
    expect(wrapper.find('.figures').text()).toContain('Counts below 5 show as “< 5”')
  })

  it('lists clusters without names and opens one with a mandatory reason', async () => {
    const r = await open('/cases/', { [`POST ${CASES}/clusters/k7f3a/open`]: clusterOpened })
    await waitFor(() => expect(wrapper.findAll('.clusters-table tbody tr')).toHaveLength(1))
    expect(wrapper.find('.clusters-summary').text()).toBe('1 cluster among 12 open cases.')
    const row = wrapper.find('.clusters-table tbody tr')
    expect(text(row)).toContain('k7f3a')
    expect(text(row)).toContain('14 Nov 2025')
    expect(text(row)).not.toContain('Tina')

    await row.find('button').trigger('click')
    await flushPromises()
    await wrapper.find('form.cluster-open').trigger('submit')
    await flushPromises()
    expect(wrapper.find('#cluster-reason-error').text()).toBe('Give the reason for opening this cluster.')
    expect(r.fetchMock.calls('POST', `${CASES}/clusters/k7f3a/open`)).toHaveLength(0)

    await wrapper.find('#cluster-reason').setValue('Three cases in one lab')
    await wrapper.find('form.cluster-open').trigger('submit')
    await waitFor(() => expect(wrapper.find('.cluster-opened').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', `${CASES}/clusters/k7f3a/open`)[0].body).toEqual({ reason: 'Three cases in one lab' })
    const cases = wrapper.findAll('.cluster-opened li a')
    expect(cases.map((a) => a.attributes('href'))).toEqual(['/cases/?case=12', '/cases/?case=11', '/cases/?case=14'])
    expect(wrapper.find('.cluster-links').text()).toContain('C-2025-11 and C-2025-12: close contact on 16 Nov 2025')
  })
})
