import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, pressEnter, reply, typeInto, waitFor } from './helpers.js'
import { alice, deviceStatus } from './registrationData.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

async function open(routes) {
  const r = await mountPage('/found/', routes)
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('#found-device').exists()).toBe(true))
  return r
}

const actionButtons = () => wrapper.findAll('.action-buttons button').map((b) => b.text())

async function scan(deviceId) {
  const field = wrapper.find('#found-device')
  await typeInto(field, deviceId)
  await pressEnter(field)
  await waitFor(() => expect(wrapper.find('.found-result, #found-scan-error').exists()).toBe(true))
}

const LOST_REPORT = {
  lost_at: '2025-03-04T08:15:00+01:00',
  reported_at: '2025-03-04T09:00:00+01:00',
  reported_by: 'desk',
  holder: alice,
  found_at: null,
  outcome: '',
}

describe('FOUND: a found device', () => {
  it('shows the help text and is ready for a scan', async () => {
    await open({})
    expect(wrapper.find('main h1').text()).toBe('Found')
    expect(wrapper.find('main p.help').text()).toContain('Scan a found device')
    await waitFor(() => expect(document.activeElement).toBe(wrapper.find('#found-device').element))
  })

  it('a lost device: shows its last holder and offers exactly what the API lists', async () => {
    const r = await open({
      'GET /api/registration/devices/P-1001': deviceStatus('P-1001', 'lost', {
        lastHolder: alice,
        lostReports: [LOST_REPORT],
      }),
    })
    await scan('P-1001')
    expect(r.fetchMock.calls('GET', '/api/registration/devices/P-1001')).toHaveLength(1)
    const result = wrapper.find('.found-result')
    expect(result.text()).toContain('Device P-1001 is lost')
    expect(result.text()).toContain('It was reported lost on')
    const card = result.find('.holder-card')
    expect(card.text()).toContain('Last holder')
    expect(card.text()).toContain('Alice Adams')
    expect(card.text()).toContain('810001')
    expect(card.text()).toContain('HSE')
    expect(card.find('a[href="mailto:alice.adams@example.org"]').exists()).toBe(true)
    // API actions: mark_found, retire -> this page offers Mark as found only
    expect(actionButtons()).toEqual(['Mark as found'])
  })

  it('mark found, then return to the holder: each step confirms and follows the API', async () => {
    const r = await open({
      'GET /api/registration/devices/P-1001': deviceStatus('P-1001', 'lost', { lastHolder: alice }),
      'POST /api/registration/found': deviceStatus('P-1001', 'found', {
        lastHolder: alice,
        message:
          'Device P-1001 is marked found. It belongs to Alice Adams (810001): return it, or put it back in stock.',
      }),
      'POST /api/registration/return': deviceStatus('P-1001', 'assigned', {
        holder: alice,
        message: 'Device P-1001 is back with Alice Adams.',
      }),
    })
    await scan('P-1001')
    await wrapper.findAll('.action-buttons button')[0].trigger('click')
    await waitFor(() => expect(wrapper.find('[role="status"]').text()).toContain('is marked found'))
    expect(r.fetchMock.calls('POST', '/api/registration/found')[0].body).toEqual({ device_id: 'P-1001' })
    // API actions now: return_to_holder, restock, mark_broken, retire
    expect(actionButtons()).toEqual(['Return to Alice Adams', 'Put back in stock'])

    await wrapper.findAll('.action-buttons button')[0].trigger('click')
    await waitFor(() =>
      expect(wrapper.find('[role="status"]').text()).toContain('Device P-1001 is back with Alice Adams.'),
    )
    expect(r.fetchMock.calls('POST', '/api/registration/return')[0].body).toEqual({ device_id: 'P-1001' })
    // nothing left to do with it: the result makes room for the next device
    expect(wrapper.find('.found-result').exists()).toBe(false)
    // cleared and ready for the next scan
    const field = wrapper.find('#found-device')
    expect(field.element.value).toBe('')
    await waitFor(() => expect(document.activeElement).toBe(field.element))
  })

  it('a found device nobody held can only be put back in stock', async () => {
    const r = await open({
      'GET /api/registration/devices/P-4004': deviceStatus('P-4004', 'found', { lastHolder: null }),
      'POST /api/registration/restock': deviceStatus('P-4004', 'in_stock', {
        message: 'Device P-4004 is back in stock.',
      }),
    })
    await scan('P-4004')
    expect(actionButtons()).toEqual(['Put back in stock'])
    expect(wrapper.find('.holder-card').exists()).toBe(false)
    await wrapper.find('.action-buttons button').trigger('click')
    await waitFor(() => expect(wrapper.find('.success-banner').text()).toContain('Device P-4004 is back in stock.'))
    expect(r.fetchMock.calls('POST', '/api/registration/restock')[0].body).toEqual({ device_id: 'P-4004' })
  })

  it('an assigned device: says plainly who holds it and that it goes back to them', async () => {
    await open({
      'GET /api/registration/devices/P-2002': deviceStatus('P-2002', 'assigned', { holder: alice }),
    })
    await scan('P-2002')
    const text = wrapper.find('.found-result').text()
    expect(text).toContain('It has not been reported lost: it is held by Alice Adams (810001)')
    expect(text).toContain('It should go back to them.')
    expect(wrapper.find('.holder-card').text()).toContain('alice.adams@example.org')
    expect(actionButtons()).toEqual([])
  })

  it('an action refused by the server shows inline and reloads the device', async () => {
    const detail = 'Nobody held device P-1001 when it was lost; put it back in stock.'
    const r = await open({
      'GET /api/registration/devices/P-1001': deviceStatus('P-1001', 'found', { lastHolder: alice }),
      'POST /api/registration/return': reply(409, { detail, code: 'no_last_holder' }),
    })
    await scan('P-1001')
    await wrapper.findAll('.action-buttons button')[0].trigger('click')
    await waitFor(() => expect(wrapper.find('.found-result [role="alert"]').text()).toBe(detail))
    expect(wrapper.find('.success-banner').exists()).toBe(false)
    expect(r.fetchMock.calls('GET', '/api/registration/devices/P-1001')).toHaveLength(2)
  })

  it('an unknown device shows the server’s message next to the field', async () => {
    await open({
      'GET /api/registration/devices/X-1': reply(404, { detail: 'There is no device X-1.', code: 'unknown_device' }),
    })
    await scan('X-1')
    expect(wrapper.find('#found-scan-error').text()).toBe('There is no device X-1.')
    expect(wrapper.find('#found-scan-error').attributes('role')).toBe('alert')
  })
})

describe('FOUND: record a lost device', () => {
  it('sends the device ID alone when no time is given', async () => {
    const r = await open({
      'POST /api/registration/lost': deviceStatus('P-1001', 'lost', {
        lastHolder: alice,
        message: 'Device P-1001 (held by Alice Adams) is recorded as lost.',
      }),
    })
    const field = wrapper.find('#lost-device')
    expect(wrapper.find('label[for="lost-device"]').text()).toBe('Device ID')
    await typeInto(field, 'P-1001')
    await pressEnter(field)
    await waitFor(() =>
      expect(wrapper.find('[role="status"] .success-banner').text()).toContain(
        'Device P-1001 (held by Alice Adams) is recorded as lost.',
      ),
    )
    expect(r.fetchMock.calls('POST', '/api/registration/lost')[0].body).toEqual({ device_id: 'P-1001' })
    expect(wrapper.find('#lost-device').element.value).toBe('')
  })

  it('sends "lost at" as ISO with the organisation’s offset', async () => {
    const r = await open({
      'POST /api/registration/lost': deviceStatus('P-1001', 'lost', { message: 'Device P-1001 is recorded as lost.' }),
    })
    expect(wrapper.find('label[for="lost-at"]').text()).toContain('Lost at')
    // Day first and a 24-hour time, whatever the browser's locale.
    expect(wrapper.find('#lost-at').attributes('type')).toBe('text')
    expect(wrapper.find('label[for="lost-at-time"]').text()).toBe('Time')
    await typeInto(wrapper.find('#lost-device'), 'P-1001')
    await typeInto(wrapper.find('#lost-at'), '4.3.2025')
    await typeInto(wrapper.find('#lost-at-time'), '8.15')
    await wrapper.find('#lost-device').element.form.requestSubmit()
    await waitFor(() => expect(r.fetchMock.calls('POST', '/api/registration/lost')).toHaveLength(1))
    const sent = r.fetchMock.calls('POST', '/api/registration/lost')[0].body
    expect(sent.device_id).toBe('P-1001')
    expect(sent.lost_at).toMatch(/^2025-03-04T08:15:00[+-]\d\d:\d\d$/)
    expect(sent.lost_at).toBe('2025-03-04T08:15:00+01:00') // the organisation's clock (Zurich)
  })

  it('a refusal appears inline', async () => {
    const detail =
      'Device P-1001 has been retired since 2 December: it cannot be reported lost. It is out of service for good: use another device.'
    await open({ 'POST /api/registration/lost': reply(409, { detail, code: 'refused_transition' }) })
    await typeInto(wrapper.find('#lost-device'), 'P-1001')
    await pressEnter(wrapper.find('#lost-device'))
    await flushPromises()
    await waitFor(() => expect(wrapper.find('#lost-error').text()).toBe(detail))
    expect(wrapper.find('#lost-error').attributes('role')).toBe('alert')
  })
})
