import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, reply, waitFor } from './helpers.js'
import {
  bob,
  campaignOverview,
  carla,
  dave,
  deskBooking,
  deskDayMe,
  handouts,
  labDesk,
  locations,
  NOW,
  recall,
  slot,
} from './appointmentsData.js'

let wrapper
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(NOW) // Thu 20 Nov 2025
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
})

const TODAY = [
  deskBooking(41, bob, slot(11, '2025-11-20T09:15', 1)),
  deskBooking(42, carla, slot(12, '2025-11-20T09:30', 1), { campaign: recall }),
  deskBooking(43, dave, slot(13, '2025-11-20T10:00', 1), { status: 'checked_in' }),
]

function dayAnswer(bookings, date = '2025-11-20', location = locations[0]) {
  return { location: { id: location.id, name: location.name, address: location.address }, date, bookings }
}

function baseRoutes(extra = {}) {
  return {
    'GET /api/appointments/locations': locations,
    'GET /api/appointments/campaigns': campaignOverview,
    'GET /api/appointments/handouts': handouts,
    'GET /api/appointments/desk': (url) => {
      const q = new URL(url, 'http://x').searchParams
      return dayAnswer(q.get('date') === '2025-11-20' && q.get('location') === '1' ? TODAY : [], q.get('date'))
    },
    ...extra,
  }
}

async function open(path = '/desk/', routes = baseRoutes()) {
  const r = await mountPage(path, routes, deskDayMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Desk day'))
  return r
}

const rows = () => wrapper.findAll('.desk-table tbody tr')
const cells = (row) => [row.find('th'), ...row.findAll('td')].map((c) => c.text())
const deskCalls = (r) => r.fetchMock.calls('GET', '/api/appointments/desk').map((c) => c.url)

describe('DESK DAY: the day at a location', () => {
  it('starts today at the first location, and writes both into the URL', async () => {
    const r = await open()
    expect(wrapper.find('main p.help').text()).toBe(
      "Today's appointments at your desk: check people in, mark no-shows, follow hand-outs.",
    )
    await waitFor(() => expect(rows()).toHaveLength(3))
    expect(r.router.currentRoute.value.query).toEqual({ location: '1', date: '2025-11-20' })
    expect(deskCalls(r)).toEqual(['/api/appointments/desk?location=1&date=2025-11-20'])
    expect(wrapper.find('#desk-location').element.value).toBe('1')
    expect(wrapper.find('label[for="desk-location"]').text()).toBe('Location')
    expect(wrapper.find('#desk-date').element.value).toBe('20 Nov 2025')
    expect(wrapper.find('#desk-day-heading').text()).toBe('Today, Thu 20 Nov 2025 at Main desk')
  })

  it('lists the bookings in time order: time, name, ID, department, campaign (recall marked), status', async () => {
    await open('/desk/?location=1&date=2025-11-20')
    await waitFor(() => expect(rows()).toHaveLength(3))
    const [first, second, third] = rows()
    expect(first.find('td').text()).toBe('09:15 – 09:30')
    expect(first.find('th').text()).toBe('Bob Brown')
    expect(first.text()).toContain('810002')
    expect(first.text()).toContain('Finance')
    expect(first.text()).toContain('Autumn hand-out')
    expect(first.find('.booking-status').text()).toBe('booked')
    expect(first.findAll('button').map((b) => b.text())).toEqual(['Check in Bob Brown', 'No-show: Bob Brown'])

    expect(second.find('th').text()).toBe('Carla Clark')
    expect(second.find('.kind-recall').text()).toBe('Recall: swap')
    expect(first.find('.kind-recall').exists()).toBe(false)

    expect(third.find('th').text()).toBe('Dave Dunn')
    expect(third.text()).toContain('—') // no department
    expect(third.find('.booking-status').text()).toBe('checked in')
    expect(third.findAll('button')).toHaveLength(0)
    const link = third.find('a')
    expect(link.attributes('href')).toBe('/registration/?person=810007')
    expect(link.text()).toBe('Registration for Dave Dunn')

    expect(wrapper.find('.desk-summary').text()).toBe(
      '3 appointments: 2 expected, 1 checked in, 0 did not come.',
    )
  })

  it('Check in leads to REGISTRATION with the person chosen', async () => {
    const r = await open('/desk/?location=1&date=2025-11-20', baseRoutes({
      'POST /api/appointments/desk/bookings/41/check-in': { ...TODAY[0], status: 'checked_in', status_label: 'checked in' },
    }))
    await waitFor(() => expect(rows()).toHaveLength(3))
    await rows()[0].findAll('button')[0].trigger('click')
    await waitFor(() => expect(r.router.currentRoute.value.fullPath).toBe('/registration/?person=810002'))
    expect(r.fetchMock.calls('POST', '/api/appointments/desk/bookings/41/check-in')).toHaveLength(1)
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Registration'))
  })

  it('checking in for a recall leads to the swap form', async () => {
    const r = await open('/desk/?location=1&date=2025-11-20', baseRoutes({
      'POST /api/appointments/desk/bookings/42/check-in': { ...TODAY[1], status: 'checked_in' },
    }))
    await waitFor(() => expect(rows()).toHaveLength(3))
    await rows()[1].findAll('button')[0].trigger('click')
    await waitFor(() =>
      expect(r.router.currentRoute.value.fullPath).toBe('/registration/?person=810005&swap=1'),
    )
  })

  it('a refused check-in shows the reason and reloads the day', async () => {
    const r = await open('/desk/?location=1&date=2025-11-20', baseRoutes({
      'POST /api/appointments/desk/bookings/41/check-in': reply(409, { detail: 'This appointment was cancelled.' }),
    }))
    await waitFor(() => expect(rows()).toHaveLength(3))
    await rows()[0].findAll('button')[0].trigger('click')
    await waitFor(() => expect(wrapper.find('.desk-day [role="alert"]').text()).toBe('This appointment was cancelled.'))
    expect(r.router.currentRoute.value.path).toBe('/desk/')
    expect(deskCalls(r)).toHaveLength(2)
  })

  it('No-show marks the person and reloads the list', async () => {
    let marked = false
    const r = await open('/desk/?location=1&date=2025-11-20', baseRoutes({
      'GET /api/appointments/desk': () =>
        dayAnswer(marked ? [{ ...TODAY[0], status: 'no_show', status_label: 'did not come' }, ...TODAY.slice(1)] : TODAY),
      'POST /api/appointments/desk/bookings/41/no-show': () => {
        marked = true
        return { ...TODAY[0], status: 'no_show', status_label: 'did not come' }
      },
    }))
    await waitFor(() => expect(rows()).toHaveLength(3))
    await rows()[0].findAll('button')[1].trigger('click')
    await waitFor(() =>
      expect(wrapper.find('.success-banner').text()).toContain('Bob Brown (810002) did not come: marked as a no-show.'),
    )
    expect(r.fetchMock.calls('POST', '/api/appointments/desk/bookings/41/no-show')).toHaveLength(1)
    await waitFor(() => expect(rows()[0].find('.booking-status').text()).toBe('did not come'))
    expect(deskCalls(r)).toHaveLength(2)
    // a no-show by mistake can still be checked in; no second no-show button
    expect(rows()[0].findAll('button').map((b) => b.text())).toEqual(['Check in Bob Brown'])
    expect(r.router.currentRoute.value.path).toBe('/desk/')
  })

  it('previous and next day, and another location, change the URL and the list', async () => {
    const r = await open('/desk/?location=1&date=2025-11-20')
    await waitFor(() => expect(rows()).toHaveLength(3))
    const dayButton = (text) => wrapper.findAll('.day-buttons button').find((b) => b.text() === text)
    expect(dayButton('Today').attributes('disabled')).toBeDefined()

    await dayButton('Next day ›').trigger('click')
    await waitFor(() => expect(r.router.currentRoute.value.query.date).toBe('2025-11-21'))
    await waitFor(() => expect(wrapper.find('.desk-day').text()).toContain('No appointments on this day.'))
    expect(wrapper.find('#desk-day-heading').text()).toBe('Fri 21 Nov 2025 at Main desk')

    await dayButton('‹ Previous day').trigger('click')
    await dayButton('‹ Previous day').trigger('click')
    await waitFor(() => expect(r.router.currentRoute.value.query.date).toBe('2025-11-19'))

    await wrapper.find('#desk-location').setValue(String(labDesk.id))
    await waitFor(() => expect(r.router.currentRoute.value.query).toEqual({ location: '2', date: '2025-11-19' }))
    await flushPromises()
    expect(deskCalls(r).at(-1)).toBe('/api/appointments/desk?location=2&date=2025-11-19')
    expect(wrapper.find('#desk-day-heading').text()).toBe('Wed 19 Nov 2025 at Lab desk')

    await wrapper.find('#desk-date').setValue('2025-12-01')
    await wrapper.find('#desk-date').trigger('change')
    await waitFor(() => expect(r.router.currentRoute.value.query.date).toBe('2025-12-01'))
    await dayButton('Today').trigger('click')
    await waitFor(() => expect(r.router.currentRoute.value.query.date).toBe('2025-11-20'))
  })

  it('keeps the location and day from the URL', async () => {
    const r = await open('/desk/?location=2&date=2025-11-24')
    await waitFor(() => expect(deskCalls(r)).toEqual(['/api/appointments/desk?location=2&date=2025-11-24']))
    expect(wrapper.find('#desk-location').element.value).toBe('2')
    expect(wrapper.find('#desk-day-heading').text()).toBe('Mon 24 Nov 2025 at Lab desk')
  })
})

describe('DESK DAY: campaigns and hand-outs', () => {
  it('shows each campaign with its dates and counts, and a recall’s progress', async () => {
    await open()
    const cards = await waitFor(() => {
      const c = wrapper.findAll('.campaign-card')
      expect(c).toHaveLength(2)
      return c
    })
    const [recallCard, handOut] = cards
    expect(recallCard.find('h3').text()).toBe('Battery recall Recall')
    expect(recallCard.text()).toContain('24 Nov 2025 to 25 Nov 2025')
    const numbers = Object.fromEntries(
      recallCard.findAll('.progress-number').map((n) => [n.find('dt').text(), n.find('dd').text()]),
    )
    expect(numbers).toEqual({
      Invited: '10',
      Swapped: '4 (40%)',
      Booked: '3 (30%)',
      'Not yet booked': '3 (30%)',
    })
    expect(recallCard.find('.progress-summary').text()).toBe('4 of 10 invited devices swapped')
    const bar = recallCard.find('.progress-bar')
    expect(bar.attributes('aria-hidden')).toBe('true')
    expect(bar.findAll('.progress-part').map((p) => p.element.style.flexGrow)).toEqual(['4', '3', '3'])

    expect(handOut.find('h3').text()).toBe('Autumn hand-out')
    expect(handOut.text()).toContain('Main desk, Lab desk')
    expect(handOut.find('.campaign-counts').text()).toContain('320')
    expect(handOut.find('.campaign-counts').text()).toContain('41')
    expect(handOut.find('.recall-progress').exists()).toBe(false)
  })

  it('the hand-out chart’s numbers, as a table', async () => {
    const r = await open()
    await waitFor(() => expect(wrapper.find('.desk-handouts table').exists()).toBe(true))
    expect(r.fetchMock.calls('GET', '/api/appointments/handouts')[0].url).toBe('/api/appointments/handouts?days=60')
    const section = wrapper.find('.desk-handouts')
    expect(section.text()).toContain('12 in total')
    expect(section.find('canvas').attributes('role')).toBe('img')
    expect(section.find('canvas').attributes('aria-label')).toBe('Devices handed out')
    const headings = section.findAll('thead th').map((th) => th.text())
    expect(headings).toEqual([
      'Date',
      'Lab desk: per day',
      'Lab desk: in total',
      'Main desk: per day',
      'Main desk: in total',
    ])
    const body = section.findAll('tbody tr').map((tr) => [tr.find('th').text(), ...tr.findAll('td').map((td) => td.text())])
    expect(body).toEqual([
      ['18 Nov 2025', '0', '0', '4', '4'],
      ['19 Nov 2025', '2', '2', '0', '4'],
      ['20 Nov 2025', '1', '3', '5', '9'],
    ])
  })

  it('says so when nothing was handed out', async () => {
    await open('/desk/', baseRoutes({ 'GET /api/appointments/handouts': { dates: ['2025-11-20'], series: [] } }))
    await waitFor(() => expect(wrapper.find('.desk-handouts').text()).toContain('No devices were handed out in the last 60 days.'))
    expect(wrapper.find('.desk-handouts canvas').exists()).toBe(false)
  })
})
