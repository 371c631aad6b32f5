import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mountPage, reply, waitFor } from './helpers.js'
import { auditEntries, NOW } from './tracingData.js'
import { privacyMe, purgeLog } from './statsData.js'
import { caseList, clusters, figures, medicMe } from './casesData.js'
import { detailLines } from '../src/audit/format.js'
import { erasedSummary } from '../src/retention/api.js'

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

const LIST = '/api/retention/decommission'
const request = (changes = {}) => ({
  id: 7,
  status: 'asked',
  reason: 'The pandemic is under control.',
  requested_by: 'dpo-2',
  requested_at: '2025-11-20T09:00:00+01:00',
  approved_by: '',
  approved_at: null,
  carried_out_at: null,
  may_approve: true,
  command: 'python manage.py decommission --request 7',
  erased: {},
  ...changes,
})

async function open(routes) {
  const r = await mountPage(
    '/audit/',
    { 'GET /api/audit/entries': auditEntries, 'GET /api/stats/purges': purgeLog(), ...routes },
    privacyMe(),
  )
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('#end-of-service-heading').exists()).toBe(true))
  return r
}

describe('AUDIT: the end of service', () => {
  it('explains itself and lets the privacy officer ask, with a reason', async () => {
    let asked = []
    const r = await open({
      [`GET ${LIST}`]: () => asked,
      [`POST ${LIST}`]: (url, init, body) => {
        asked = [request({ reason: body.reason, requested_by: 'dpo', may_approve: false })]
        return reply(201, asked[0])
      },
    })
    expect(wrapper.find('.end-of-service-help').text()).toContain('The audit trail stays')
    await wrapper.find('.end-of-service-ask').trigger('submit')
    expect(wrapper.find('#end-of-service-reason-error').text()).toContain('Say why the service ends')
    expect(r.fetchMock.calls('POST', LIST)).toHaveLength(0)

    await wrapper.find('#end-of-service-reason').setValue('  Board decision 12  ')
    await wrapper.find('.end-of-service-ask').trigger('submit')
    await waitFor(() => expect(wrapper.find('.end-of-service-request').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', LIST)[0].body).toEqual({ reason: 'Board decision 12' })
    expect(wrapper.find('.end-of-service-request').text()).toContain('You asked for it')
    expect(wrapper.find('.end-of-service-ask').exists()).toBe(false)
  })

  it('lets a second person approve, then shows the command to run', async () => {
    let current = request()
    const r = await open({
      [`GET ${LIST}`]: () => [current],
      [`POST ${LIST}/7/approve`]: () => {
        current = request({ status: 'approved', approved_by: 'dpo', approved_at: NOW, may_approve: false })
        return current
      },
    })
    const button = wrapper.find('.end-of-service-request button')
    expect(button.text()).toBe('Approve ending the service')
    await button.trigger('click')
    await waitFor(() => expect(wrapper.find('.command').exists()).toBe(true))
    expect(r.fetchMock.calls('POST', `${LIST}/7/approve`)).toHaveLength(1)
    expect(wrapper.find('.command').text()).toBe('python manage.py decommission --request 7')
    expect(wrapper.text()).toContain('Approved. An operator may now run the command shown.')
  })

  it('says why an approval was refused', async () => {
    await open({
      [`GET ${LIST}`]: [request()],
      [`POST ${LIST}/7/approve`]: reply(409, { detail: 'Already approved by medic-2.', code: 'approved' }),
    })
    await wrapper.find('.end-of-service-request button').trigger('click')
    await waitFor(() => expect(wrapper.find('.end-of-service-request').text()).toContain('Already approved by medic-2.'))
  })

  it('shows what the end of service erased once carried out', async () => {
    await open({
      [`GET ${LIST}`]: [
        request({
          status: 'carried_out',
          approved_by: 'medic-2',
          carried_out_at: NOW,
          may_approve: false,
          erased: { 'encounters.tracing_encounter': 1200, 'associations.registration_person': 30, 'files.ingestion_spool': 0 },
        }),
      ],
    })
    const done = wrapper.find('.end-of-service-done').text()
    expect(done).toContain('The service ended')
    expect(done).toContain('1,230 rows erased from 2 tables')
    expect(wrapper.find('.end-of-service-ask').exists()).toBe(true) // nothing open: may ask again
  })
})

describe('AUDIT: end-of-service entries in words', () => {
  it('names the request and sums what was erased', () => {
    expect(detailLines({ request: 7, erased: { a: 2, b: 1, c: 0 }, approved_by: 'medic-2' })).toEqual([
      'End-of-service request no. 7',
      'Erased 3 rows from 2 tables',
      'approved by: medic-2',
    ])
    expect(erasedSummary(null)).toEqual({ total: 0, tables: 0 })
  })
})

describe('CASES: a request to end the service waits for a medic', () => {
  async function openCases(answer, extra = {}) {
    const r = await mountPage(
      '/cases/',
      {
        'GET /api/cases': caseList,
        'GET /api/cases/figures': figures,
        'GET /api/cases/clusters': clusters,
        [`GET ${LIST}`]: answer,
        ...extra,
      },
      medicMe(),
    )
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Cases'))
    await waitFor(() => expect(r.fetchMock.calls('GET', LIST)).toHaveLength(1))
    return r
  }

  it('shows nothing when no request waits for this medic, nor when the list cannot be read', async () => {
    await openCases([request({ may_approve: false })])
    expect(wrapper.find('.end-of-service').exists()).toBe(false)
    wrapper.unmount()
    await openCases(reply(403, { detail: 'Only the privacy or medical role may do this.' }))
    expect(wrapper.find('.end-of-service').exists()).toBe(false)
  })

  it('lets the medic approve, and says so afterwards; never offers to ask', async () => {
    let current = request()
    const r = await openCases(() => [current], {
      [`POST ${LIST}/7/approve`]: () => {
        current = request({ status: 'approved', approved_by: 'medic', may_approve: false })
        return current
      },
    })
    await waitFor(() => expect(wrapper.find('.end-of-service-request').exists()).toBe(true))
    expect(wrapper.find('.end-of-service-ask').exists()).toBe(false)
    expect(wrapper.find('.end-of-service-request').text()).toContain('The pandemic is under control.')
    await wrapper.find('.end-of-service-request button').trigger('click')
    await waitFor(() => expect(wrapper.text()).toContain('Approved. An operator may now run the command shown.'))
    expect(r.fetchMock.calls('POST', `${LIST}/7/approve`)).toHaveLength(1)
  })
})
