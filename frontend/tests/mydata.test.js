import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, reply, waitFor } from './helpers.js'
import { emptyData, myData, NOW, personMe } from './myData.js'
import { minutesPerDay, normaliseMyData, windowDays } from '../src/selfservice/format.js'
import { nowForInput } from '../src/format/time.js'

let wrapper
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(NOW) // Thu 20 Nov 2025, 10:00
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
})

const DATA = 'GET /api/selfservice/data'

async function open(answer = myData()) {
  const r = await mountPage('/my-data/', { [DATA]: answer }, personMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('My data'))
  await waitFor(() => expect(wrapper.find('main [role="status"]').exists()).toBe(false))
  return r
}

const main = () => wrapper.find('main')
const section = (name) => wrapper.find(`.my-${name}`)
const cells = (tr) => tr.findAll('th, td').map((c) => c.text().replace(/\s+/g, ' ').trim())

describe('MY DATA: what is kept, and why', () => {
  it('shows the help, a plain intro with the retention and the privacy link, asking the API once', async () => {
    const r = await open()
    expect(main().find('p.help').text()).toBe(
      'See the data the service keeps about you: your encounters, devices and appointments.',
    )
    expect(r.fetchMock.calls('GET', '/api/selfservice/data')).toHaveLength(1)
    const intro = wrapper.find('.my-data-intro')
    expect(intro.text()).toContain('never where you were, and never whom you met')
    expect(intro.text()).toContain('Encounters are deleted after 14 days.')
    const privacy = intro.findAll('a').find((a) => a.text() === 'How your data is handled')
    expect(privacy.attributes('href')).toBe('/privacy/')
  })

  it('offers the whole export as one plain download link', async () => {
    await open()
    const link = main()
      .findAll('a')
      .find((a) => a.text() === 'Download all my data')
    expect(link.attributes('href')).toBe('/api/selfservice/export')
    expect(link.attributes('download')).toBeDefined()
    expect(wrapper.find('#my-data-download-hint').text()).toContain('JSON and as a CSV')
  })

  it("shows the directory's details about the person", async () => {
    await open()
    const facts = section('details').findAll('dd').map((dd) => dd.text())
    expect(facts).toEqual(['Bob Brown', '810002', 'Physics', 'bob@example.org'])
  })
})

describe('MY DATA: encounters', () => {
  it('groups them by day, newest first, each day with its total and its encounters', async () => {
    await open()
    expect(section('summary').text()).toBe('3 encounters in the last 14 days, 1 of them longer than 15 minutes.')
    const days = wrapper.findAll('.my-day')
    expect(days).toHaveLength(2)
    expect(days[0].find('summary .my-day-date time').text()).toBe('Wed 19 Nov 2025')
    expect(days[0].find('summary').text().replace(/\s+/g, ' ')).toBe(
      'Wed 19 Nov 2025: 2 encounters, 22.5 min in total, 1 encounter longer than 15 minutes',
    )
    expect(days[0].find('summary time').attributes('datetime')).toBe('2025-11-19')
    expect(days[0].find('.my-day-total').text()).toBe('2 encounters, 22.5 min in total')
    expect(days[1].find('.my-day-date time').text()).toBe('Mon 17 Nov 2025')
    expect(days[1].find('.my-day-total').text()).toBe('1 encounter, 5 min in total')
    // the newest day is open, the others can be opened
    expect(days[0].attributes('open')).toBeDefined()
    expect(days[1].attributes('open')).toBeUndefined()

    const rows = days[0].findAll('tbody tr')
    expect(rows.map(cells)).toEqual([
      ['10:00', '20.5 min longer than 15 minutes'],
      ['13:30', '2 min'],
    ])
    expect(rows[0].find('time').attributes('datetime')).toBe('2025-11-19T10:00:00+01:00')
    expect(days[0].find('caption').text()).toBe('Encounters on Wed 19 Nov 2025')
    expect(days[1].findAll('tbody tr').map(cells)).toEqual([['16:45', '5 min']])
  })

  it('marks the encounters the server flags as close-contact length, and only those', async () => {
    await open()
    const [first, second] = wrapper.findAll('.my-day')
    expect(first.find('summary .long-badge').text()).toBe('1 encounter longer than 15 minutes')
    expect(second.find('.long-badge').exists()).toBe(false)
    const rows = first.findAll('tbody tr')
    expect(rows[0].classes()).toContain('is-long')
    expect(rows[0].find('.long-badge').text()).toBe('longer than 15 minutes')
    expect(rows[1].find('.long-badge').exists()).toBe(false)

    // The threshold is the server's setting.
    wrapper.unmount()
    await open(myData({ close_contact_minutes: 20 }))
    expect(wrapper.find('.my-day tbody tr .long-badge').text()).toBe('longer than 20 minutes')
  })

  it('says once that the other person is never shown and that a meeting is counted once', async () => {
    await open()
    const text = section('explain').text()
    expect(text).toContain('The other person is never shown')
    expect(text).toContain('counted once')
    expect(main().text().match(/never shown/g)).toHaveLength(1)
  })

  it('charts the minutes per day over the retention window, 0 on days without encounters, with a table', async () => {
    await open()
    // happy-dom cannot draw: the chart is its table
    const chart = section('encounters').find('.time-series-chart')
    expect(chart.find('canvas').attributes('aria-label')).toBe('Minutes in encounters per day')
    expect(chart.find('#my-data-chart-description').text()).toBe(
      'Minutes in encounters on each day from 6 Nov 2025 to 20 Nov 2025; days without encounters show 0.',
    )
    expect(chart.findAll('thead th').map((th) => th.text())).toEqual(['Day', 'Minutes in encounters'])
    const rows = chart.findAll('tbody tr').map(cells)
    expect(rows).toHaveLength(15) // 6 to 20 November: the 14 days back from today, and today
    expect(rows[0]).toEqual(['Thu 6 Nov 2025', '0'])
    expect(rows[11]).toEqual(['Mon 17 Nov 2025', '5'])
    expect(rows[12]).toEqual(['Tue 18 Nov 2025', '0'])
    expect(rows[13]).toEqual(['Wed 19 Nov 2025', '22.5'])
    expect(rows[14]).toEqual(['Thu 20 Nov 2025', '0'])
  })

  it('with no encounters, says so and still charts the window at 0', async () => {
    await open(emptyData())
    expect(section('summary').text()).toBe('No encounters in the last 14 days.')
    expect(wrapper.find('.my-day').exists()).toBe(false)
    const values = section('encounters')
      .findAll('tbody tr td')
      .map((td) => td.text())
    expect(values).toHaveLength(15)
    expect(values.every((v) => v === '0')).toBe(true)
  })
})

describe('MY DATA: devices, appointments, lost reports', () => {
  it('lists each device with its holding period and why it ended', async () => {
    await open()
    const rows = section('devices').findAll('tbody tr').map(cells)
    expect(section('devices').findAll('thead th').map((th) => th.text())).toEqual([
      'Device',
      'From',
      'To',
      'Why it ended',
    ])
    expect(rows).toEqual([
      ['P-0102', 'Mon 10 Nov 2025, 09:00', 'now', 'you still hold it'],
      ['P-0077', 'Wed 1 Oct 2025, 08:30', 'Mon 10 Nov 2025, 09:00', 'swapped for another device'],
    ])
  })

  const HELD = { device_id: 'P-0102', from: '2025-11-10T09:00:00+01:00', to: null, end_reason: '' }

  it('reports the device I hold lost or broken, and only that one, then shows the answer', async () => {
    let reported = false
    const r = await mountPage(
      '/my-data/',
      {
        [DATA]: () =>
          reported
            ? myData({ devices: [{ ...HELD, to: '2025-11-20T10:00:00+01:00', end_reason: 'broken' }] })
            : myData(),
        'POST /api/selfservice/device-lost': () => {
          reported = true
          return {
            message: 'Your device P-0102 is recorded as broken. Come to the registration desk for a new one.',
            device_id: 'P-0102',
            ended_at: '2025-11-20T10:00:00+01:00',
          }
        },
      },
      personMe(),
    )
    wrapper = r.wrapper
    const form = await waitFor(() => {
      const f = wrapper.find('.report-lost-form')
      expect(f.exists()).toBe(true)
      return f
    })
    expect(form.find('h3').text()).toBe('Lost or broken? Report device P-0102')
    // the time may not be before I was given the device (on the organisation's clock)
    expect(form.find('input[type="date"]').attributes('min')).toBe(
      nowForInput(new Date('2025-11-10T09:00:00+01:00')).slice(0, 10),
    )
    await form.find('input[value="broken"]').setValue(true)
    await form.trigger('submit')
    await flushPromises()
    const [call] = r.fetchMock.calls('POST')
    expect(call.body).toEqual({ device_id: 'P-0102', what: 'broken' })
    await waitFor(() => expect(wrapper.find('.success-banner').text()).toContain('recorded as broken'))
    expect(wrapper.find('.report-lost-form').exists()).toBe(false) // I hold no device now
  })

  it('lists the appointments and the lost reports', async () => {
    await open()
    expect(section('appointments').findAll('tbody tr').map(cells)).toEqual([
      ['Mon 24 Nov 2025, 09:15', 'Main desk', 'Recall of batch 7', 'booked'],
    ])
    expect(section('lost').findAll('tbody tr').map(cells)).toEqual([
      ['P-0050', 'Tue 2 Sep 2025, 12:00', 'Wed 3 Sep 2025, 08:00', 'not found'],
    ])
  })

  it('says "none" for each empty list', async () => {
    await open(emptyData())
    expect(section('devices').find('table').exists()).toBe(false)
    expect(section('devices').text()).toContain('None: you have not held a device.')
    expect(section('appointments').find('table').exists()).toBe(false)
    expect(section('appointments').find('p').text()).toBe('None.')
    expect(section('lost').find('table').exists()).toBe(false)
    expect(section('lost').find('p').text()).toBe('None.')
  })
})

describe('MY DATA: told to stay at home', () => {
  it('says when the medical service notified me and until when, and nothing else about it', async () => {
    await open(
      myData({ notifications: [{ notified_at: '2025-11-19T09:12:00+01:00', until: '2025-11-28' }] }),
    )
    const notices = wrapper.findAll('.my-notified')
    expect(notices).toHaveLength(1)
    expect(notices[0].text().replace(/\s+/g, ' ')).toBe(
      'You were notified by the medical service on 19 Nov 2025 to stay at home until the end of 28 Nov 2025.',
    )
  })

  it('says nothing when there was no notification', async () => {
    await open()
    expect(wrapper.find('.my-notified').exists()).toBe(false)
    expect(main().text()).not.toContain('stay at home')
  })
})

describe('MY DATA: consultations by the medical service', () => {
  it('shows the dates (and only the dates) when the service gives them', async () => {
    await open()
    const notice = wrapper.find('.my-consulted')
    expect(notice.text()).toContain('The medical service consulted your data on: 18 Nov 2025, 12 Nov 2025.')
    expect(notice.findAll('time').map((t) => t.attributes('datetime'))).toEqual(['2025-11-18', '2025-11-12'])
    // Also when a trace named them as a contact: said, but never whose trace or why.
    expect(notice.text()).toContain('named you as a close contact of someone')
  })

  it('shows nothing when the service does not give them, or there are none', async () => {
    await open(emptyData())
    expect(wrapper.find('.my-consulted').exists()).toBe(false)
    expect(main().text()).not.toContain('consulted your data')
    wrapper.unmount()
    await open(myData({ consulted_on: [] }))
    expect(wrapper.find('.my-consulted').exists()).toBe(false)
  })
})

describe('MY DATA: when it cannot be shown', () => {
  it('shows the "not linked" answer plainly, and nothing else', async () => {
    const detail =
      "Your account is not linked to a person of the organisation's directory. Contact the registration service."
    await open(reply(403, { detail, code: 'no_person' }))
    expect(wrapper.find('.not-linked').text()).toBe(detail)
    expect(wrapper.find('.my-day').exists()).toBe(false)
    expect(main().text()).not.toContain('Download all my data')
    expect(main().find('p.help').exists()).toBe(true)
  })

  it('shows another failure with a way to try again', async () => {
    let calls = 0
    const r = await open(() => (++calls === 1 ? reply(500, { detail: 'The server failed.' }) : myData()))
    expect(wrapper.find('.form-error').text()).toBe('The server failed.')
    await main()
      .findAll('button')
      .find((b) => b.text() === 'Try again')
      .trigger('click')
    await waitFor(() => expect(wrapper.findAll('.my-day')).toHaveLength(2))
    expect(r.fetchMock.calls('GET', '/api/selfservice/data')).toHaveLength(2)
  })
})

describe('MY DATA helpers', () => {
  it('lists the days of the window, oldest first, and the minutes of each', () => {
    const days = normaliseMyData(myData()).days
    const keys = windowDays(days, 2, NOW)
    expect(keys).toEqual(['2025-11-17', '2025-11-18', '2025-11-19', '2025-11-20'])
    expect(minutesPerDay(keys, days)).toEqual([5, 0, 22.5, 0])
  })

  it('copes with a missing or odd answer', () => {
    const data = normaliseMyData({ username: 'x' })
    expect(data.days).toEqual([])
    expect(data.devices).toEqual([])
    expect(data.consulted_on).toBeNull()
    expect(normaliseMyData(null).lost_reports).toEqual([])
  })
})
