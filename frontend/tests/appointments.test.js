import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mountPage, reply, waitFor } from './helpers.js'
import {
  booking,
  distribution,
  labDesk,
  mainDesk,
  NOW,
  personMe,
  recall,
  slot,
} from './appointmentsData.js'
import {
  addDays,
  formatDateRange,
  formatDay,
  formatDayTime,
  groupByDay,
  isDateKey,
  placesLeft,
} from '../src/appointments/format.js'

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

const CAMPAIGNS = 'GET /api/appointments/mine/campaigns'
const BOOKINGS = 'GET /api/appointments/mine/bookings'
const slotsUrl = (campaign, location) =>
  `GET /api/appointments/mine/campaigns/${campaign}/slots?location=${location}`

async function open(routes) {
  const r = await mountPage('/appointments/', routes, personMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Appointments'))
  await waitFor(() => expect(wrapper.find('[role="status"].muted').exists()).toBe(false))
  return r
}

const dayHeadings = () => wrapper.findAll('.slot-day-heading').map((h) => h.text())
const timeButtons = () => wrapper.findAll('.slot-button')
const buttonByText = (text) => wrapper.findAll('button').find((b) => b.text().startsWith(text))
const statusText = () => wrapper.findAll('.success-banner').map((b) => b.text()).join(' ')

const LAB_SLOTS = [
  slot(21, '2025-11-24T09:00', 2, labDesk),
  slot(22, '2025-11-24T09:15', 1, labDesk),
  slot(23, '2025-11-25T14:30', 4, labDesk),
]

describe('APPOINTMENTS: booking a time', () => {
  it('shows the help, the campaign, and asks where before showing times', async () => {
    const r = await open({ [CAMPAIGNS]: [distribution], [BOOKINGS]: [] })
    expect(wrapper.find('main p.help').text()).toBe(
      'Book, move or cancel a time to pick up or swap your device.',
    )
    const block = wrapper.find('.campaign-block')
    expect(block.find('h2').text()).toBe('Autumn hand-out')
    expect(block.text()).toContain('Pick up your device: 24 Nov 2025 to 28 Nov 2025')
    const radios = block.findAll('input[type="radio"]')
    expect(radios).toHaveLength(2)
    expect(block.find('legend').text()).toBe('Where do you want to go?')
    expect(block.text()).toContain('Choose a location to see its free times.')
    expect(r.fetchMock.calls('GET').filter((c) => c.url.includes('/slots'))).toHaveLength(0)
    expect(wrapper.find('.my-history').text()).toContain('You have no appointments yet.')
  })

  it('location → free times by day → book → confirmation, then shows the appointment', async () => {
    let booked = null
    const r = await open({
      [CAMPAIGNS]: () => [{ ...distribution, booking: booked }],
      [BOOKINGS]: () => (booked ? [booked] : []),
      [slotsUrl(5, 2)]: LAB_SLOTS,
      'POST /api/appointments/mine/bookings': (url, init, body) => {
        booked = booking(90, LAB_SLOTS.find((s) => s.id === body.slot_id))
        return reply(201, booked)
      },
    })
    const lab = wrapper.findAll('input[type="radio"]').find((i) => i.element.value === '2')
    await lab.setValue(true)
    // The first day with free times is chosen; only its times are listed.
    await waitFor(() => expect(timeButtons()).toHaveLength(2))
    expect(r.fetchMock.calls('GET', '/api/appointments/mine/campaigns/5/slots')[0].url).toBe(
      '/api/appointments/mine/campaigns/5/slots?location=2',
    )
    expect(wrapper.find('.picker-heading').text()).toBe('Choose a time at Lab desk')
    expect(dayHeadings()).toEqual(['Mon 24 Nov 2025'])
    expect(timeButtons().map((b) => b.attributes('aria-label'))).toEqual([
      '09:00, 2 places left',
      '09:15, 1 place left',
    ])
    // The calendar marks the days with free times; choosing one lists its times only.
    const days = () => wrapper.findAll('.day-button')
    expect(days()).toHaveLength(2)
    expect(wrapper.find('.day-calendar caption').text()).toBe('November 2025')
    await days()[1].trigger('click')
    await waitFor(() => expect(dayHeadings()).toEqual(['Tue 25 Nov 2025']))
    expect(timeButtons().map((b) => b.text())).toEqual(['14:30, 4 places left'])
    await days()[0].trigger('click')
    await waitFor(() => expect(timeButtons()).toHaveLength(2))
    const dayGroup = wrapper.findAll('.slot-day')[0]
    expect(dayGroup.attributes('aria-labelledby')).toBe(dayGroup.find('.slot-day-heading').attributes('id'))

    await timeButtons()[1].trigger('click')
    expect(timeButtons()[1].attributes('aria-pressed')).toBe('true')
    expect(timeButtons()[0].attributes('aria-pressed')).toBe('false')
    expect(wrapper.find('.slot-confirm').text()).toContain('Mon 24 Nov 2025, 09:15 – 09:30 at Lab desk')
    await buttonByText('Book this time').trigger('click')

    await waitFor(() =>
      expect(statusText()).toContain(
        'Booked: Mon 24 Nov 2025, 09:15 at Lab desk. A confirmation with a calendar entry was emailed to you.',
      ),
    )
    expect(r.fetchMock.calls('POST', '/api/appointments/mine/bookings')[0].body).toEqual({ slot_id: 22 })
    // the page reloads what the server says: the appointment, prominently, and in the history
    await waitFor(() => expect(wrapper.find('.booking-card').exists()).toBe(true))
    const card = wrapper.find('.booking-card')
    expect(card.text()).toContain('Your appointment')
    expect(card.text()).toContain('Mon 24 Nov 2025, 09:15 – 09:30')
    expect(card.text()).toContain('at Lab desk, Building C, room 12')
    expect(wrapper.find('.slot-picker').exists()).toBe(false)
    const rows = wrapper.findAll('.my-history tbody tr')
    expect(rows).toHaveLength(1)
    expect(rows[0].text()).toContain('Mon 24 Nov 2025, 09:15 – 09:30')
    expect(rows[0].text()).toContain('Lab desk')
    expect(rows[0].text()).toContain('booked')
  })

  it('a campaign with one location preselects it and shows its times at once', async () => {
    await open({
      [CAMPAIGNS]: [{ ...distribution, locations: [mainDesk] }],
      [BOOKINGS]: [],
      [slotsUrl(5, 1)]: [slot(11, '2025-11-24T09:15', 3)],
    })
    expect(wrapper.find('.picker-location').text()).toBe('At Main desk, Building A, ground floor.')
    expect(wrapper.find('input[type="radio"]').exists()).toBe(false)
    await waitFor(() => expect(timeButtons()).toHaveLength(1))
    expect(dayHeadings()).toEqual(['Mon 24 Nov 2025'])
  })

  it('the calendar names the months it spans and the first day of a month', async () => {
    await open({
      [CAMPAIGNS]: [{ ...distribution, locations: [mainDesk] }],
      [BOOKINGS]: [],
      [slotsUrl(5, 1)]: [slot(11, '2025-12-30T09:15', 3), slot(12, '2026-01-02T10:00', 1)],
    })
    await waitFor(() => expect(timeButtons()).toHaveLength(1))
    expect(wrapper.find('.day-calendar caption').text()).toBe('December 2025 – January 2026')
    const cells = wrapper.findAll('.day-calendar td').map((c) => c.text())
    expect(cells).toEqual(['29', '30', '31', '1 Jan', '2', '3', '4'])
  })

  it('a time that filled up meanwhile: says so next to the times and loads them again', async () => {
    let slotCalls = 0
    const r = await open({
      [CAMPAIGNS]: [{ ...distribution, locations: [mainDesk] }],
      [BOOKINGS]: [],
      [slotsUrl(5, 1)]: () => {
        slotCalls += 1
        return slotCalls === 1
          ? [slot(11, '2025-11-24T09:15', 1), slot(12, '2025-11-24T09:30', 2)]
          : [slot(12, '2025-11-24T09:30', 2)]
      },
      'POST /api/appointments/mine/bookings': reply(409, {
        detail: 'That time is fully booked; choose another.',
        code: 'slot_full',
      }),
    })
    await waitFor(() => expect(timeButtons()).toHaveLength(2))
    await timeButtons()[0].trigger('click')
    await buttonByText('Book this time').trigger('click')
    const alert = await waitFor(() => {
      const a = wrapper.find('.slot-picker [role="alert"]')
      expect(a.exists()).toBe(true)
      return a
    })
    expect(alert.text()).toBe('That time is fully booked; choose another.')
    await waitFor(() => expect(timeButtons()).toHaveLength(1))
    expect(slotCalls).toBe(2)
    expect(timeButtons()[0].text()).toBe('09:30, 2 places left')
    expect(wrapper.find('.slot-confirm').exists()).toBe(false) // the full time is no longer chosen
    expect(statusText()).toBe('')
    expect(r.fetchMock.calls('POST')).toHaveLength(1)
    // the heading above the message gets the focus, so the person reads on from there
    expect(document.activeElement).toBe(wrapper.find('.picker-heading').element)
  })

  it('a recall says plainly that the device is swapped and to bring it', async () => {
    await open({
      [CAMPAIGNS]: [recall],
      [BOOKINGS]: [],
      [slotsUrl(7, 1)]: [slot(31, '2025-11-24T10:00', 2)],
    })
    const block = wrapper.find('.campaign-block')
    expect(block.find('h2').text()).toContain('Battery recall')
    expect(block.find('.kind-recall').text()).toBe('Recall')
    expect(block.text()).toContain('Swap your device: 24 Nov 2025 to 25 Nov 2025')
    expect(block.find('.recall-note').text()).toBe(
      'Your device is recalled: at the desk it will be swapped for a new one. Bring your device with you.',
    )
  })

  it('says nothing is open when there is no campaign', async () => {
    await open({ [CAMPAIGNS]: [], [BOOKINGS]: [] })
    expect(wrapper.find('main').text()).toContain('There is nothing to book at the moment.')
  })

  it('an account not linked to a person: the message, plainly, and nothing to book', async () => {
    const detail =
      "Your account is not linked to a person of the organisation's directory, so appointments cannot be booked for you. Contact the registration service."
    await open({
      [CAMPAIGNS]: reply(403, { detail, code: 'no_person' }),
      [BOOKINGS]: reply(403, { detail, code: 'no_person' }),
    })
    const notice = wrapper.find('.not-linked')
    expect(notice.text()).toBe(detail)
    expect(notice.classes()).toContain('notice')
    expect(wrapper.find('.campaign-block').exists()).toBe(false)
    expect(wrapper.find('.my-history').exists()).toBe(false)
    // the page stays: no "session ended" screen
    expect(wrapper.find('main h1').text()).toBe('Appointments')
  })
})

describe('APPOINTMENTS: my appointment', () => {
  const mine = slot(11, '2025-11-24T09:15', 1)
  const later = slot(14, '2025-11-25T11:00', 3)

  function routes(state) {
    return {
      [CAMPAIGNS]: () => [{ ...distribution, booking: state.booking }],
      [BOOKINGS]: () => state.history,
      [slotsUrl(5, 1)]: [mine, slot(12, '2025-11-24T09:30', 2), later],
      'POST /api/appointments/mine/bookings/90/reschedule': (url, init, body) => {
        const to = [later].find((s) => s.id === body.slot_id)
        state.booking = booking(90, to)
        state.history = [state.booking]
        return state.booking
      },
      'POST /api/appointments/mine/bookings/90/cancel': () => {
        const cancelled = { ...state.booking, status: 'cancelled', status_label: 'cancelled' }
        state.booking = null
        state.history = [cancelled]
        return cancelled
      },
    }
  }

  it('shows it prominently, with Move and Cancel', async () => {
    const b = booking(90, mine)
    await open(routes({ booking: b, history: [b] }))
    const card = wrapper.find('.booking-card')
    expect(card.find('.booking-when').text()).toBe('Mon 24 Nov 2025, 09:15 – 09:30')
    expect(card.find('.booking-where').text()).toBe('at Main desk, Building A, ground floor')
    expect(card.findAll('button').map((x) => x.text())).toEqual(['Move', 'Cancel'])
    expect(wrapper.find('.slot-picker').exists()).toBe(false)
  })

  it('Move: choose another time the same way; the current one is shown but not offered', async () => {
    const b = booking(90, mine)
    const r = await open(routes({ booking: b, history: [b] }))
    await buttonByText('Move').trigger('click')
    await waitFor(() => expect(dayHeadings()).toEqual(['Mon 24 Nov 2025']))
    const current = timeButtons()[0]
    expect(current.text()).toBe('09:15, your time now')
    expect(current.attributes('disabled')).toBeDefined()
    await wrapper.findAll('.day-button')[1].trigger('click')
    await waitFor(() => expect(dayHeadings()).toEqual(['Tue 25 Nov 2025']))
    await timeButtons()[0].trigger('click')
    await buttonByText('Move to this time').trigger('click')
    await waitFor(() =>
      expect(statusText()).toContain('Moved: your appointment is now on Tue 25 Nov 2025, 11:00 at Main desk.'),
    )
    expect(r.fetchMock.calls('POST', '/api/appointments/mine/bookings/90/reschedule')[0].body).toEqual({
      slot_id: 14,
    })
    await waitFor(() =>
      expect(wrapper.find('.booking-when').text()).toBe('Tue 25 Nov 2025, 11:00 – 11:15'),
    )
    expect(wrapper.find('.slot-picker').exists()).toBe(false)
  })

  it('Move can be given up: the appointment stays', async () => {
    const b = booking(90, mine)
    const r = await open(routes({ booking: b, history: [b] }))
    await buttonByText('Move').trigger('click')
    await waitFor(() => expect(dayHeadings()).toEqual(['Mon 24 Nov 2025']))
    await buttonByText('Keep the current time').trigger('click')
    expect(wrapper.find('.slot-picker').exists()).toBe(false)
    expect(r.fetchMock.calls('POST')).toHaveLength(0)
  })

  it('Cancel asks first; "No, keep it" changes nothing; "Yes" cancels', async () => {
    const b = booking(90, mine)
    const r = await open(routes({ booking: b, history: [b] }))
    await buttonByText('Cancel').trigger('click')
    const question = wrapper.find('.confirm-box')
    expect(question.text()).toContain('Cancel your appointment on Mon 24 Nov 2025, 09:15 at Main desk?')
    await waitFor(() => expect(document.activeElement.textContent.trim()).toBe('No, keep it'))
    await buttonByText('No, keep it').trigger('click')
    expect(wrapper.find('.confirm-box').exists()).toBe(false)
    expect(r.fetchMock.calls('POST')).toHaveLength(0)

    await buttonByText('Cancel').trigger('click')
    await buttonByText('Yes, cancel the appointment').trigger('click')
    await waitFor(() =>
      expect(statusText()).toContain(
        'Cancelled your appointment on Mon 24 Nov 2025, 09:15 at Main desk. A cancellation was emailed to you.',
      ),
    )
    expect(r.fetchMock.calls('POST', '/api/appointments/mine/bookings/90/cancel')).toHaveLength(1)
    // booking again is offered, and the history says cancelled
    await waitFor(() => expect(wrapper.find('.booking-card').exists()).toBe(false))
    expect(wrapper.find('.slot-picker').exists()).toBe(true)
    expect(wrapper.find('.my-history tbody').text()).toContain('cancelled')
  })

  it('a checked-in appointment cannot be moved or cancelled', async () => {
    const b = booking(90, mine, { status: 'checked_in' })
    await open(routes({ booking: b, history: [b] }))
    const card = wrapper.find('.booking-card')
    expect(card.text()).toContain('checked in')
    expect(card.findAll('button')).toHaveLength(0)
  })

  it('the history lists every appointment with its status in words', async () => {
    const history = [
      booking(92, later),
      booking(91, mine, { status: 'no_show' }),
      booking(90, slot(9, '2025-11-10T08:00', 1), { status: 'cancelled' }),
    ]
    await open(routes({ booking: history[0], history }))
    const rows = wrapper.findAll('.my-history tbody tr').map((row) => row.findAll('td').map((td) => td.text()))
    expect(rows).toEqual([
      ['Tue 25 Nov 2025, 11:00 – 11:15', 'Main desk', 'Autumn hand-out', 'booked'],
      ['Mon 24 Nov 2025, 09:15 – 09:30', 'Main desk', 'Autumn hand-out', 'did not come'],
      ['Mon 10 Nov 2025, 08:00 – 08:15', 'Main desk', 'Autumn hand-out', 'cancelled'],
    ])
  })
})

describe('appointment times in words', () => {
  it('shows an ISO time on the organisation’s clock, whatever its offset', () => {
    expect(formatDayTime('2025-11-24T09:15:00+01:00')).toBe('Mon 24 Nov 2025, 09:15')
    expect(formatDayTime('2025-11-24T23:45:00-05:00')).toBe('Tue 25 Nov 2025, 05:45')
    expect(formatDay('2026-01-05T09:00:00+01:00')).toBe('Mon 5 Jan 2026') // another year
    expect(formatDay('2025-11-24', { year: true })).toBe('Mon 24 Nov 2025')
  })

  it('date ranges, days and places', () => {
    expect(formatDateRange('2025-11-24', '2025-11-24')).toBe('24 Nov 2025')
    expect(formatDateRange('2025-11-24', '2025-11-28')).toBe('24 Nov 2025 to 28 Nov 2025')
    expect(formatDateRange('2025-11-30', '2025-12-02')).toBe('30 Nov 2025 to 2 Dec 2025')
    expect(formatDateRange('2025-12-30', '2026-01-02')).toBe('30 Dec 2025 to 2 Jan 2026')
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01')
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28')
    expect(isDateKey('2025-02-29')).toBe(false)
    expect(isDateKey('2024-02-29')).toBe(true)
    expect(placesLeft(1)).toBe('1 place left')
    expect(placesLeft(3)).toBe('3 places left')
    const groups = groupByDay([slot(1, '2025-11-24T09:00'), slot(2, '2025-11-24T09:15'), slot(3, '2025-11-25T09:00')])
    expect(groups.map((g) => [g.day, g.label, g.slots.length])).toEqual([
      ['2025-11-24', 'Mon 24 Nov 2025', 2],
      ['2025-11-25', 'Tue 25 Nov 2025', 1],
    ])
  })
})
