// TRANSPARENCY: numbers only, for everyone. Happy-dom cannot draw, so the
// chart of traces per month is its table (which is shown under the chart anyway).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mountPage, reply, waitFor } from './helpers.js'
import { NOW, personMe, transparency } from './statsData.js'
import { everyMonth, longMonth, shortMonth } from '../src/stats/format.js'

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

const TRANSPARENCY = 'GET /api/stats/transparency'

async function open(answer = transparency()) {
  const r = await mountPage('/transparency/', { [TRANSPARENCY]: answer }, personMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Transparency'))
  await waitFor(() => expect(wrapper.find('main [role="status"]').exists()).toBe(false))
  return r
}

const cells = (tr) => tr.findAll('th, td').map((c) => c.text().replace(/\s+/g, ' ').trim())
const fact = (name) => {
  const card = wrapper.findAll('.fact-card').find((c) => c.find('dt').text() === name)
  return card.find('.fact-number').text()
}

describe('TRANSPARENCY: what the service did, in numbers only', () => {
  it('shows the help, the numbers and the privacy link', async () => {
    const r = await open()
    expect(wrapper.find('main p.help').text()).toBe(
      'What the service did, in numbers only: traces per month, data purged, devices in service.',
    )
    expect(r.fetchMock.calls('GET', '/api/stats/transparency')).toHaveLength(1)
    expect(fact('Encounters are kept for')).toBe('14 days')
    expect(fact('Purges in the last 30 days')).toBe('30')
    expect(fact('Rows deleted in the last 30 days')).toBe('12,345')
    expect(fact('Devices in service')).toBe('42')
    const last = wrapper.find('.fact-last-purge time')
    expect(last.attributes('datetime')).toBe('2025-11-20T03:00:00+01:00')
    expect(last.text()).not.toBe('')
    const privacy = wrapper.find('main').findAll('a').find((a) => a.text() === 'How your data is handled')
    expect(privacy.attributes('href')).toBe('/privacy/')
  })

  it('shows traces per closed month, 0 where there was none, "< 5" as it is', async () => {
    await open()
    const table = wrapper.find('#transparency-traces-table table')
    expect(table.findAll('thead th').map((th) => th.text())).toEqual(['Month', 'Traces'])
    const rows = table.findAll('tbody tr').map(cells)
    expect(rows).toHaveLength(12)
    expect(rows[0]).toEqual(['November 2024', '0'])
    expect(rows).toContainEqual(['September 2025', '7'])
    // the month under way (November 2025) is not invented as a 0
    expect(rows[11]).toEqual(['October 2025', '< 5'])
    expect(wrapper.find('.transparency-intro').text()).toContain('A count from 1 to 4 is shown as “< 5”')
  })

  it('says so when there was no purge and nobody holds a device', async () => {
    await open({
      ...transparency(),
      purges_last_30_days: 0,
      rows_removed_last_30_days: 0,
      last_purge: null,
      devices_in_service: '< 5',
      traces_per_month: [],
    })
    expect(fact('Purges in the last 30 days')).toBe('0')
    expect(fact('Last purge')).toBe('None in the last 30 days')
    expect(fact('Devices in service')).toBe('< 5')
    expect(wrapper.find('.transparency-traces').text()).toContain('There was no trace in these months.')
  })

  it('says so when the numbers cannot be loaded', async () => {
    await open(reply(503, { detail: 'Try again in a minute.' }))
    expect(wrapper.find('.form-error').text()).toBe('Try again in a minute.')
    expect(wrapper.findAll('a').find((a) => a.text() === 'How your data is handled')).toBeTruthy()
  })
})

describe('months', () => {
  it('names and fills them', () => {
    expect(shortMonth('2025-01')).toBe('Jan 2025')
    expect(longMonth('2025-12')).toBe('December 2025')
    const months = everyMonth([{ month: '2024-10', traces: 9 }], new Date('2025-02-10T12:00:00'), 3)
    expect(months.map((m) => m.month)).toEqual(['2024-10', '2024-11', '2024-12', '2025-01', '2025-02'])
    expect(months[0].traces).toBe(9)
  })
})
