// TRANSPARENCY: numbers only, for everyone. Happy-dom cannot draw, so the
// chart of traces per month is its table (which is shown under the chart anyway).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mountPage, reply, waitFor } from './helpers.js'
import { NOW, personMe, transparency } from './statsData.js'
import { everyMonth, hoursWords, keptRow, longMonth, shortMonth } from '../src/stats/format.js'

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
      'What the service did, in numbers only: traces per month, devices in service, and what is kept for how long.',
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

describe('What is kept, and for how long', () => {
  const rows = () => wrapper.findAll('.kept-table tbody tr')
  const row = (key) => wrapper.find(`.kept-table tbody tr.kept-${key}`)

  it('shows a row per kind with its limit, oldest item, a mark and what the last purge removed', async () => {
    await open()
    expect(wrapper.find('#transparency-kept-heading').text()).toBe('What is kept, and for how long')
    expect(wrapper.find('.kept-help').text()).toContain('it runs at most 25 hours apart')
    expect(wrapper.find('.kept-last-purge time').attributes('datetime')).toBe('2025-11-20T03:15:00+01:00')
    expect(rows()).toHaveLength(6)
    expect(cells(row('encounters')).slice(1)).toEqual([
      '14 days after the start of the encounter',
      '14 days 5 hours',
      '✓ Within the limit',
      '12,000',
    ])
    expect(row('encounters').find('th').text()).toContain('What encounters are.')
    expect(cells(row('dead_letters')).slice(1)).toEqual([
      '3 days after the hour the message was set aside',
      '5 days',
      '! Overdue',
      '0',
    ])
    expect(row('dead_letters').find('.badge').classes()).toContain('kept-overdue')
    expect(cells(row('spool_files'))[2]).toBe('None kept (on this web server)')
    expect(cells(row('cases'))[2]).toBe('30 hours')
    expect(cells(row('cases'))[4]).toBe('< 5')
    expect(cells(row('audit_trail')).slice(1)).toEqual([
      'No time limit',
      '375 days',
      'Kept without a time limit',
      '—',
    ])
    expect(cells(row('log_files')).slice(1)).toEqual(['Not written', '—', '✓ Not written', '—'])
  })

  it('says what is overdue above the table, and nothing when all is within its limit', async () => {
    await open()
    expect(wrapper.find('.kept-overdue-alert').text()).toContain(
      'Overdue: Messages that could not be stored.',
    )
    wrapper.unmount()
    const calm = transparency()
    calm.kept.kinds = calm.kept.kinds.filter((k) => k.status !== 'overdue')
    calm.kept.last_purge_at = null
    await open(calm)
    expect(wrapper.find('.kept-overdue-alert').exists()).toBe(false)
    expect(wrapper.find('.kept-last-purge').text()).toBe('Last purge: none yet')
  })

  it('leaves the section out for a server that does not send it', async () => {
    const older = transparency()
    delete older.kept
    await open(older)
    expect(wrapper.find('.transparency-kept').exists()).toBe(false)
    expect(fact('Encounters are kept for')).toBe('14 days')
  })

  it('puts hours into words, and refuses nonsense', () => {
    expect(hoursWords(0)).toBe('0 hours')
    expect(hoursWords(1)).toBe('1 hour')
    expect(hoursWords(47)).toBe('47 hours')
    expect(hoursWords(48)).toBe('2 days')
    expect(hoursWords(49)).toBe('2 days 1 hour')
    expect(hoursWords(null)).toBe(null)
    expect(hoursWords(-3)).toBe(null)
    expect(hoursWords('x')).toBe(null)
    expect(keptRow({ kind: 'x', status: 'made_up' }).statusWords).toBe('—')
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
