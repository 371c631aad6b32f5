import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, pressEnter, reply, sleep, typeInto, waitFor } from './helpers.js'
import { adamsSearch, alice, anna, deviceStatus, personStatus } from './registrationData.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

const SEARCH = 'GET /api/registration/people'

async function open(path, routes) {
  const r = await mountPage(path, routes)
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Registration'))
  return r
}

const finderInput = () => wrapper.find('#registration-person')
const options = () => wrapper.findAll('[role="option"]')

describe('REGISTRATION: finding a person', () => {
  it('shows the page title and its help, and puts the cursor in the finder', async () => {
    await open('/registration/', {})
    expect(wrapper.find('main p.help').text()).toBe(
      'Give a device to a person, take one back, or swap a broken or recalled one.',
    )
    expect(wrapper.find('main').text()).not.toContain('This page is not built yet.')
    await waitFor(() => expect(document.activeElement).toBe(finderInput().element))
    expect(finderInput().attributes('role')).toBe('combobox')
    expect(wrapper.find('label[for="registration-person"]').text()).toBe('Find a person')
  })

  it('type-ahead: waits for 2 characters, debounces, and lists people so namesakes can be told apart', async () => {
    const r = await open('/registration/', { [SEARCH]: adamsSearch })
    await typeInto(finderInput(), 'A')
    await sleep(300)
    expect(r.fetchMock.calls('GET', '/api/registration/people')).toHaveLength(0)

    await typeInto(finderInput(), 'Ad')
    await typeInto(finderInput(), 'Ada')
    await waitFor(() => expect(options()).toHaveLength(3))
    const searches = r.fetchMock.calls('GET', '/api/registration/people')
    expect(searches).toHaveLength(1) // debounced: one request for the last text
    expect(searches[0].url).toBe('/api/registration/people?q=Ada&limit=10')

    const [first, second, third] = options().map((o) => o.text())
    expect(first).toContain('Alice Adams')
    expect(first).toContain('810001')
    expect(first).toContain('HSE')
    expect(first).toContain('no device')
    expect(second).toContain('Anna Adams')
    expect(second).toContain('810003')
    expect(second).toContain('Laboratory')
    expect(second).toContain('holds P-2002')
    expect(third).toContain('Arthur Adams')
    expect(third).toContain('left the organisation')
    expect(options()[2].attributes('aria-disabled')).toBe('true')
    expect(options()[2].classes()).toContain('is-inactive')
    expect(finderInput().attributes('aria-expanded')).toBe('true')
  })

  it('a person who left the organisation cannot be chosen', async () => {
    const r = await open('/registration/', { [SEARCH]: adamsSearch })
    await typeInto(finderInput(), 'Adams')
    await waitFor(() => expect(options()).toHaveLength(3))
    await options()[2].trigger('click')
    await flushPromises()
    expect(r.router.currentRoute.value.query.person).toBeUndefined()
    expect(wrapper.find('.finder-panel').text()).toContain('left the organisation and cannot be chosen')
  })

  it('arrow keys and Enter choose a person, whose status is then loaded', async () => {
    const r = await open('/registration/', {
      [SEARCH]: adamsSearch,
      'GET /api/registration/people/810003': personStatus(anna, 'P-2002'),
    })
    await typeInto(finderInput(), 'Adams')
    await waitFor(() => expect(options()).toHaveLength(3))
    await finderInput().trigger('keydown', { key: 'ArrowDown' })
    await finderInput().trigger('keydown', { key: 'ArrowDown' })
    expect(finderInput().attributes('aria-activedescendant')).toBe(options()[1].attributes('id'))
    expect(options()[1].attributes('aria-selected')).toBe('true')
    await finderInput().trigger('keydown', { key: 'Enter' })
    await waitFor(() => expect(wrapper.find('.desk-person').exists()).toBe(true))
    expect(r.router.currentRoute.value.query.person).toBe('810003')
    const card = wrapper.find('.desk-person')
    expect(card.find('h2').text()).toBe('Anna Adams')
    expect(card.text()).toContain('Holds device P-2002')
    expect(card.text()).toContain('since')
    // the list closed and the finder is empty
    expect(options()).toHaveLength(0)
    expect(finderInput().element.value).toBe('')
  })

  it('clicking a result chooses it', async () => {
    const r = await open('/registration/', {
      [SEARCH]: adamsSearch,
      'GET /api/registration/people/810001': personStatus(alice),
    })
    await typeInto(finderInput(), 'Adams')
    await waitFor(() => expect(options()).toHaveLength(3))
    await options()[0].trigger('click')
    await waitFor(() => expect(wrapper.find('.desk-person h2').text()).toBe('Alice Adams'))
    expect(r.router.currentRoute.value.query).toEqual({ person: '810001' })
  })

  it('a scanned person ID + Enter chooses that person', async () => {
    const r = await open('/registration/', {
      'GET /api/registration/people?q=810001&limit=10': [{ ...alice, current_device_id: null }],
      'GET /api/registration/people/810001': personStatus(alice),
    })
    await typeInto(finderInput(), '810001')
    await pressEnter(finderInput()) // before the debounce: searches at once
    await waitFor(() => expect(wrapper.find('.desk-person h2').text()).toBe('Alice Adams'))
    expect(r.router.currentRoute.value.query.person).toBe('810001')
  })
})

describe('REGISTRATION: handing out a device', () => {
  it('?person= preselects the person and readies the device field', async () => {
    const r = await open('/registration/?person=810001', {
      'GET /api/registration/people/810001': personStatus(alice),
    })
    await waitFor(() => expect(wrapper.find('.desk-person h2').text()).toBe('Alice Adams'))
    expect(r.fetchMock.calls('GET', '/api/registration/people/810001')).toHaveLength(1)
    expect(wrapper.find('.desk-person').text()).toContain('Holds no device.')
    const field = wrapper.find('#assign-device')
    expect(wrapper.find('label[for="assign-device"]').text()).toBe('Device ID')
    await waitFor(() => expect(document.activeElement).toBe(field.element))
  })

  it('Enter in the device field hands it out, shows the message, refreshes and is ready for the next person', async () => {
    let held = null
    const r = await open('/registration/?person=810001', {
      'GET /api/registration/people/810001': () => personStatus(alice, held),
      'POST /api/registration/assign': (url, init, body) => {
        held = body.device_id
        return deviceStatus(body.device_id, 'assigned', {
          holder: alice,
          message: `Device ${body.device_id} is now held by Alice Adams (810001).`,
        })
      },
    })
    const field = await waitFor(() => {
      const f = wrapper.find('#assign-device')
      expect(f.exists()).toBe(true)
      return f
    })
    await typeInto(field, 'P-1001')
    await pressEnter(field)
    await waitFor(() => expect(wrapper.find('[role="status"] .success-banner').exists()).toBe(true))

    const posts = r.fetchMock.calls('POST', '/api/registration/assign')
    expect(posts).toHaveLength(1)
    expect(posts[0].body).toEqual({ device_id: 'P-1001', person_id: '810001' })
    expect(posts[0].init.headers['Content-Type']).toBe('application/json')
    expect(wrapper.find('[role="status"]').text()).toContain(
      'Device P-1001 is now held by Alice Adams (810001).',
    )
    // status reloaded from the server
    expect(r.fetchMock.calls('GET', '/api/registration/people/810001')).toHaveLength(2)
    expect(wrapper.find('.desk-person').text()).toContain('Holds device P-1001')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    // ready for the next person
    await waitFor(() => expect(document.activeElement).toBe(finderInput().element))
  })

  it('an API error (409) appears inline with role="alert", and the status is reloaded', async () => {
    const detail =
      'Device P-1001 is held by Alice Adams (810001) since 2 December: take it back first (find Alice Adams, then Take back), or use another device.'
    const r = await open('/registration/?person=810001', {
      'GET /api/registration/people/810001': personStatus(alice),
      'POST /api/registration/assign': reply(409, { detail, code: 'refused_transition' }),
    })
    const field = await waitFor(() => {
      const f = wrapper.find('#assign-device')
      expect(f.exists()).toBe(true)
      return f
    })
    await typeInto(field, 'P-1001')
    await pressEnter(field)
    const alert = await waitFor(() => {
      const a = wrapper.find('form [role="alert"]')
      expect(a.exists()).toBe(true)
      return a
    })
    expect(alert.text()).toBe(detail)
    expect(wrapper.find('.success-banner').exists()).toBe(false)
    expect(r.fetchMock.calls('GET', '/api/registration/people/810001')).toHaveLength(2)
    // the field is described by the error and still holds the scan, selected for a rescan
    const input = wrapper.find('#assign-device')
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(input.attributes('aria-describedby')).toContain('assign-error')
    expect(input.element.value).toBe('P-1001')
    await waitFor(() => expect(document.activeElement).toBe(input.element))
  })

  it('an empty device field is not sent', async () => {
    const r = await open('/registration/?person=810001', {
      'GET /api/registration/people/810001': personStatus(alice),
    })
    const field = await waitFor(() => {
      const f = wrapper.find('#assign-device')
      expect(f.exists()).toBe(true)
      return f
    })
    await pressEnter(field)
    expect(wrapper.find('[role="alert"]').text()).toContain('Scan the device')
    expect(r.fetchMock.calls('POST')).toHaveLength(0)
  })
})

describe('REGISTRATION: taking back and swapping', () => {
  it('takes a device back with the chosen reason', async () => {
    let held = 'P-2002'
    const r = await open('/registration/?person=810003', {
      'GET /api/registration/people/810003': () => personStatus(anna, held),
      'POST /api/registration/relinquish': (url, init, body) => {
        held = null
        return deviceStatus(body.device_id, 'broken', {
          message: `Anna Adams gave back device ${body.device_id}.`,
        })
      },
    })
    const field = await waitFor(() => {
      const f = wrapper.find('#takeback-device')
      expect(f.exists()).toBe(true)
      return f
    })
    // prefilled with the held device: Enter (or scanning that device) confirms
    expect(field.element.value).toBe('P-2002')
    await waitFor(() => expect(document.activeElement).toBe(field.element))
    const reasons = wrapper.findAll('input[name="takeback-reason"]')
    expect(reasons.map((x) => x.element.value)).toEqual(['relinquished', 'broken', 'person_left'])
    await reasons[1].setValue(true)
    await pressEnter(field)
    await waitFor(() => expect(wrapper.find('.success-banner').text()).toContain('Anna Adams gave back device P-2002.'))
    expect(r.fetchMock.calls('POST', '/api/registration/relinquish')[0].body).toEqual({
      device_id: 'P-2002',
      reason: 'broken',
      person_id: '810003',
    })
    // now holds nothing: the device field is ready for a new device
    const assign = await waitFor(() => {
      const f = wrapper.find('#assign-device')
      expect(f.exists()).toBe(true)
      return f
    })
    await waitFor(() => expect(document.activeElement).toBe(assign.element))
  })

  it('sends the scanned device with the person: the server matches the ID and refuses another', async () => {
    // The server matches IDs (any case, spaces around) and knows who holds what:
    // the page does not compare IDs itself.
    const detail =
      'Device P-9999 is held by Bart Baker (820002) since 2 December, not by person 810003: check the device in hand. Nothing was changed.'
    const r = await open('/registration/?person=810003', {
      'GET /api/registration/people/810003': personStatus(anna, 'P-2002'),
      'POST /api/registration/relinquish': reply(409, { detail, code: 'held_by_someone_else' }),
    })
    const field = await waitFor(() => {
      const f = wrapper.find('#takeback-device')
      expect(f.exists()).toBe(true)
      return f
    })
    await typeInto(field, 'P-9999')
    await pressEnter(field)
    await waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe(detail))
    const [call] = r.fetchMock.calls('POST')
    expect(call.body).toEqual({ device_id: 'P-9999', reason: 'relinquished', person_id: '810003' })
  })

  it('?swap=1 opens the swap: scan the new device + Enter swaps it', async () => {
    let held = 'P-2002'
    const r = await open('/registration/?person=810003&swap=1', {
      'GET /api/registration/people/810003': () => personStatus(anna, held),
      'POST /api/registration/swap': (url, init, body) => {
        held = body.new_device_id
        return deviceStatus(body.new_device_id, 'assigned', {
          holder: anna,
          message: `Anna Adams gave back device ${body.old_device_id} and now holds device ${body.new_device_id}.`,
        })
      },
    })
    const field = await waitFor(() => {
      const f = wrapper.find('#swap-device')
      expect(f.exists()).toBe(true)
      return f
    })
    await waitFor(() => expect(document.activeElement).toBe(field.element))
    const reasons = wrapper.findAll('input[name="swap-reason"]')
    expect(reasons.map((x) => x.element.value)).toEqual(['swapped', 'broken'])
    expect(reasons[0].element.checked).toBe(true)
    await typeInto(field, 'P-3003')
    await pressEnter(field)
    await waitFor(() =>
      expect(wrapper.find('[role="status"]').text()).toContain(
        'Anna Adams gave back device P-2002 and now holds device P-3003.',
      ),
    )
    expect(r.fetchMock.calls('POST', '/api/registration/swap')[0].body).toEqual({
      old_device_id: 'P-2002',
      new_device_id: 'P-3003',
      reason: 'swapped',
    })
    expect(wrapper.find('.desk-person').text()).toContain('Holds device P-3003')
    expect(wrapper.find('#swap-device').element.value).toBe('')
  })

  it('someone who left the organisation can give a device back, but gets no new one', async () => {
    const left = { ...anna, active: false }
    await open('/registration/?person=810003', {
      'GET /api/registration/people/810003': personStatus(left, 'P-2002'),
    })
    await waitFor(() => expect(wrapper.find('#takeback-device').exists()).toBe(true))
    expect(wrapper.find('.desk-person').text()).toContain('Left the organisation')
    expect(wrapper.find('#swap-device').exists()).toBe(false)
    const checked = wrapper.findAll('input[name="takeback-reason"]').find((x) => x.element.checked)
    expect(checked.element.value).toBe('person_left')
  })

  it('an unknown ?person= shows the server’s message', async () => {
    await open('/registration/?person=999999', {
      'GET /api/registration/people/999999': reply(404, { detail: 'There is no person 999999.', code: 'unknown_person' }),
    })
    await waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('There is no person 999999.'))
    expect(wrapper.find('.desk-person').exists()).toBe(false)
  })
})
