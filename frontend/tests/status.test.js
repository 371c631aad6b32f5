import { afterEach, describe, expect, it } from 'vitest'
import { mountPage, pressEnter, reply, typeInto, waitFor } from './helpers.js'
import { adamsSearch, alice, anna, deviceStatus, personStatus } from './registrationData.js'
import { formatWhen, localInputToIso, lostOutcome, stateLabel } from '../src/registration/format.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

async function open(path, routes) {
  const r = await mountPage(path, routes)
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('#status-search').exists()).toBe(true))
  return r
}

const HISTORY = {
  holder: alice,
  holdings: [
    {
      person: alice,
      started_at: '2025-03-05T10:30:00+01:00',
      ended_at: null,
      end_reason: '',
      end_reason_label: '',
    },
    {
      person: anna,
      started_at: '2025-01-10T09:00:00+01:00',
      ended_at: '2025-02-01T17:45:00+01:00',
      end_reason: 'broken',
      end_reason_label: 'broken',
    },
  ],
  events: [
    { at: '2025-03-05T10:30:00+01:00', actor: 'desk', from_state: 'in_stock', to_state: 'assigned', to_state_label: 'assigned', note: '' },
    { at: '2025-02-20T11:00:00+01:00', actor: 'tech', from_state: 'broken', to_state: 'in_stock', to_state_label: 'in stock', note: 'New battery' },
    { at: '2025-01-01T08:00:00+01:00', actor: 'import', from_state: '', to_state: 'in_stock', to_state_label: 'in stock', note: '' },
  ],
  lostReports: [
    {
      lost_at: '2024-12-01T08:15:00+01:00',
      reported_at: '2024-12-01T09:00:00+01:00',
      reported_by: 'desk',
      holder: null,
      found_at: '2024-12-03T10:00:00+01:00',
      outcome: 'restocked',
    },
  ],
}

describe('STATUS: a device', () => {
  it('?device= shows the state in words, the holder with "since" and the full history', async () => {
    const r = await open('/status/?device=P-1001', {
      'GET /api/registration/devices/P-1001': deviceStatus('P-1001', 'assigned', HISTORY),
    })
    await waitFor(() => expect(wrapper.find('#status-device-heading').text()).toBe('Device P-1001'))
    expect(r.fetchMock.calls('GET', '/api/registration/devices/P-1001')).toHaveLength(1)
    const main = wrapper.find('main')
    expect(main.find('p.help').text()).toContain('Look up a device or a person')
    expect(main.find('.state-badge').text()).toBe('assigned')
    expect(main.text()).toContain(`Held by Alice Adams (810001) since ${formatWhen('2025-03-05T10:30:00+01:00')}.`)

    const tables = main.findAll('table')
    expect(tables).toHaveLength(3)
    const holdingRows = tables[0].findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))
    expect(holdingRows[0][0]).toContain('Alice Adams')
    expect(holdingRows[0][2]).toBe('still held')
    expect(holdingRows[1]).toEqual([
      expect.stringContaining('Anna Adams'),
      formatWhen('2025-01-10T09:00:00+01:00'),
      formatWhen('2025-02-01T17:45:00+01:00'),
      'broken',
    ])
    const eventRows = tables[1].findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))
    expect(eventRows[0]).toEqual([formatWhen('2025-03-05T10:30:00+01:00'), 'desk', 'in stock → assigned', ''])
    expect(eventRows[1]).toEqual([formatWhen('2025-02-20T11:00:00+01:00'), 'tech', 'broken → in stock', 'New battery'])
    expect(eventRows[2][2]).toBe('in stock')
    const lostRow = tables[2].find('tbody tr').text()
    expect(lostRow).toContain('nobody (in stock)')
    expect(lostRow).toContain('put back in stock')
    // times carry their machine-readable value
    expect(main.find('time').attributes('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it('a scanned device ID + Enter looks the device up and puts it in the URL', async () => {
    const r = await open('/status/', {
      'GET /api/registration/devices/P-1001': deviceStatus('P-1001', 'in_stock', {}),
    })
    const field = wrapper.find('#status-search')
    await typeInto(field, 'P-1001')
    await pressEnter(field)
    await waitFor(() => expect(wrapper.find('#status-device-heading').exists()).toBe(true))
    expect(r.router.currentRoute.value.query).toEqual({ device: 'P-1001' })
    expect(wrapper.find('main').text()).toContain('Held by nobody.')
    expect(wrapper.find('.state-badge').text()).toBe('in stock')
    expect(field.element.value).toBe('')
    expect(r.fetchMock.calls('GET', '/api/registration/devices/P-1001')).toHaveLength(1)
  })

  it('a person ID + Enter: no such device, so the person is shown', async () => {
    const r = await open('/status/', {
      'GET /api/registration/devices/810001': reply(404, { detail: 'There is no device 810001.' }),
      'GET /api/registration/people/810001': personStatus(alice, 'P-1001'),
    })
    const field = wrapper.find('#status-search')
    await typeInto(field, '810001')
    await pressEnter(field)
    await waitFor(() => expect(wrapper.find('#status-person-heading').text()).toBe('Alice Adams'))
    expect(r.router.currentRoute.value.query).toEqual({ person: '810001' })
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('nothing matching says so inline', async () => {
    await open('/status/', {})
    const field = wrapper.find('#status-search')
    await typeInto(field, 'ZZ-9')
    await pressEnter(field)
    await waitFor(() => expect(wrapper.find('[role="alert"]').text()).toContain('There is no device and no person with the ID “ZZ-9”'))
  })
})

describe('STATUS: a person', () => {
  it('type-ahead, then the chosen person with their current device and history', async () => {
    const r = await open('/status/', {
      'GET /api/registration/people': adamsSearch,
      'GET /api/registration/people/810003': personStatus(anna, 'P-2002'),
    })
    await typeInto(wrapper.find('#status-search'), 'Adams')
    await waitFor(() => expect(wrapper.findAll('[role="option"]')).toHaveLength(3))
    // the status page may look up people who left, too
    expect(wrapper.findAll('[role="option"]')[2].attributes('aria-disabled')).toBeUndefined()
    await wrapper.findAll('[role="option"]')[1].trigger('click')
    await waitFor(() => expect(wrapper.find('#status-person-heading').text()).toBe('Anna Adams'))
    expect(r.router.currentRoute.value.query).toEqual({ person: '810003' })
    const main = wrapper.find('main')
    expect(main.text()).toContain('Holds device P-2002')
    expect(main.text()).toContain(`since ${formatWhen('2025-03-05T10:30:00+01:00')}`)
    expect(main.find('table tbody tr').text()).toContain('still held')
  })

  it('?person= loads the person', async () => {
    const r = await open('/status/?person=810001', {
      'GET /api/registration/people/810001': personStatus(alice),
    })
    await waitFor(() => expect(wrapper.find('#status-person-heading').text()).toBe('Alice Adams'))
    expect(r.fetchMock.calls('GET', '/api/registration/people/810001')).toHaveLength(1)
    expect(wrapper.find('main').text()).toContain('Holds no device.')
    expect(wrapper.find('main').text()).toContain('Alice Adams has never held a device.')
  })
})

describe('formatting', () => {
  it('times: date and time without seconds, on the organisation’s clock', () => {
    const text = formatWhen('2025-03-05T10:30:45+01:00')
    expect(text).toBe('5 Mar 2025, 10:30')
    expect(formatWhen('2025-03-05T09:30:59Z')).toBe('5 Mar 2025, 10:30') // cut, not rounded
    expect(formatWhen(null)).toBe('')
  })

  it('datetime-local values become ISO with the organisation’s offset', () => {
    expect(localInputToIso('2025-07-01T23:05')).toBe('2025-07-01T23:05:00+02:00')
    expect(localInputToIso('2025-01-01T23:05')).toBe('2025-01-01T23:05:00+01:00')
    expect(localInputToIso('')).toBe('')
    expect(localInputToIso('nonsense')).toBe('')
  })

  it('states and outcomes in words', () => {
    expect(stateLabel('in_stock')).toBe('in stock')
    expect(lostOutcome({ outcome: 'returned' })).toBe('returned to its holder')
    expect(lostOutcome({ outcome: '', found_at: null })).toBe('still missing')
  })
})
