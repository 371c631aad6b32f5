// STATISTICS: the small-count rule ("< 5" stays "< 5" in every table and
// tooltip, and never breaks a chart), the CSV download, every week shown.
// Chart.js is replaced by a recorder (happy-dom has no canvas to draw on).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mountPage, reply, waitFor } from './helpers.js'
import { dailyStats, NOW, policyWhatIf, statsMe } from './statsData.js'
import { everyWeek, formatCount, mondayOf, normaliseDaily, smallCountRule } from '../src/stats/format.js'
import { charts } from './chartMock.js'

vi.mock('chart.js', () => import('./chartMock.js'))

let wrapper
beforeEach(() => {
  charts.length = 0
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
  vi.restoreAllMocks()
})

const DAILY = 'GET /api/stats/daily'
const WHAT_IF = 'GET /api/stats/policy-what-if'

async function open(answer = dailyStats(), whatIf = policyWhatIf()) {
  const r = await mountPage('/stats/', { [DAILY]: answer, [WHAT_IF]: whatIf }, statsMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Statistics'))
  await waitFor(() => expect(wrapper.find('main [role="status"]').exists()).toBe(false))
  return r
}

const cells = (tr) => tr.findAll('th, td').map((c) => c.text().replace(/\s+/g, ' ').trim())
const table = (prefix) => wrapper.find(`#${prefix}-table table`)
const row = (prefix, label) => table(prefix).findAll('tbody tr').find((tr) => tr.find('th').text() === label)

describe('STATISTICS: without a canvas, every chart is its table', () => {
  it('shows the help, the small-count rule and the CSV link, asking the API once', async () => {
    const r = await open()
    expect(wrapper.find('main p.help').text()).toBe(
      'Active proximeters, encounters and hand-outs per closed day; traces per week; close contacts under each rule. No small counts.',
    )
    expect(r.fetchMock.calls('GET', '/api/stats/daily')).toHaveLength(1)
    expect(wrapper.find('.stats-rule').text()).toContain(
      'Counts from 1 to 4 are shown as “< 5”; where a total would give one away, another figure is “hidden” too',
    )
    const csv = wrapper.findAll('a').find((a) => a.text() === 'Download CSV')
    expect(csv.attributes('href')).toBe('/api/stats/daily.csv')
    expect(csv.attributes('download')).toBeDefined()
    expect(wrapper.find('.stats-period').text()).toContain('14 days, 7 Nov 2025 to 20 Nov 2025')
  })

  it('shows "< 5" as it is in the tables, next to the real numbers', async () => {
    await open()
    expect(table('stats-activity').findAll('thead th').map((th) => th.text())).toEqual([
      'Day',
      'Active proximeters',
      'Encounters',
    ])
    expect(table('stats-activity').findAll('tbody tr')).toHaveLength(14)
    expect(cells(row('stats-activity', 'Tue 18 Nov 2025'))).toEqual([
      'Tue 18 Nov 2025',
      '6',
      '12',
    ])
    const quiet = row('stats-activity', 'Wed 19 Nov 2025')
    expect(cells(quiet)).toEqual(['Wed 19 Nov 2025', '< 5', '< 5'])
    expect(quiet.findAll('td.small-count')).toHaveLength(2)
    expect(cells(row('stats-activity', 'Fri 7 Nov 2025'))).toEqual(['Fri 7 Nov 2025', '0', '0'])

    expect(cells(row('stats-close', 'Tue 18 Nov 2025'))).toEqual(['Tue 18 Nov 2025', '< 5'])
    expect(cells(row('stats-handouts', 'Wed 19 Nov 2025'))).toEqual(['Wed 19 Nov 2025', '< 5'])
    expect(wrapper.text()).not.toContain('In total')
  })

  it('shows every closed week of traces, 0 where there was none, "< 5" as it is', async () => {
    await open()
    const rows = table('stats-traces').findAll('tbody tr').map(cells)
    expect(rows[0]).toEqual(['Week of Mon 22 Sep 2025', '0'])
    expect(rows.find((r) => r[0] === 'Week of Mon 13 Oct 2025')).toEqual([
      'Week of Mon 13 Oct 2025',
      '6',
    ])
    // the week under way (17 November) is not invented as a 0
    expect(rows[rows.length - 1]).toEqual(['Week of Mon 10 Nov 2025', '< 5'])
    expect(rows).toHaveLength(8)
  })

  it('shows the policy what-if with its figures as the server sent them', async () => {
    const r = await open()
    expect(r.fetchMock.calls('GET', '/api/stats/policy-what-if')).toHaveLength(1)
    const section = wrapper.find('.stats-what-if')
    expect(section.find('h2').text()).toBe('Close contacts under each rule')
    expect(section.find('.what-if-per-encounter').text()).toBe('hidden')
    expect(section.find('.what-if-daily').text()).toBe('8')
    expect(section.find('.what-if-daily-only').text()).toBe('< 5')
    expect(section.text()).toContain('13 days')
    expect(section.text()).toContain('threshold 15 minutes')
    expect(section.text()).toContain('would give a small count away')
  })

  it('says nothing of hidden figures when none is hidden', async () => {
    await open(dailyStats(), policyWhatIf({ per_encounter: 6, daily: 11, daily_only: 5 }))
    const section = wrapper.find('.stats-what-if')
    await waitFor(() => expect(section.find('.what-if-per-encounter').text()).toBe('6'))
    expect(section.text()).not.toContain('would give a small count away')
  })

  it('keeps the charts when the what-if fails, and says so', async () => {
    await open(dailyStats(), reply(500, { detail: 'Counting failed.' }))
    expect(table('stats-activity').findAll('tbody tr')).toHaveLength(14)
    await waitFor(() => expect(wrapper.find('.stats-what-if .form-error').text()).toBe('Counting failed.'))
  })

  it('says so when the statistics cannot be loaded, and tries again', async () => {
    let calls = 0
    const r = await mountPage(
      '/stats/',
      { [DAILY]: () => (++calls === 1 ? reply(500, { detail: 'Database away.' }) : dailyStats()) },
      statsMe(),
    )
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.form-error').text()).toBe('Database away.'))
    expect(wrapper.findAll('a').find((a) => a.text() === 'Download CSV')).toBeTruthy()
    await wrapper.findAll('button').find((b) => b.text() === 'Try again').trigger('click')
    await waitFor(() => expect(table('stats-activity').exists()).toBe(true))
  })
})

describe('STATISTICS: drawn charts', () => {
  it('draws "< 5" as a hatched bar at 4, never as a string, and the tooltip says "< 5"', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ({ fake: '2d' }))
    await open()
    await waitFor(() => expect(charts).toHaveLength(4))
    for (const chart of charts)
      for (const set of chart.config.data.datasets)
        for (const value of set.data) expect(typeof value).toBe('number')

    const activity = charts[0].config
    expect(activity.data.labels[11]).toBe('18 Nov')
    const [active, encounters] = activity.data.datasets
    expect(active.data.slice(11)).toEqual([6, 4, 0])
    expect(encounters.data.slice(11)).toEqual([12, 4, 0])
    expect(active.stack).not.toBe(encounters.stack) // side by side, not on top of each other
    // the small count looks different from a real 4
    expect(active.backgroundColor[12]).not.toBe(active.backgroundColor[11])
    expect(active.borderWidth[12]).toBeGreaterThan(0)

    const label = activity.options.plugins.tooltip.callbacks.label
    expect(label({ datasetIndex: 0, dataIndex: 12, dataset: active })).toBe(
      'Active proximeters: < 5 (not shown exactly)',
    )
    expect(label({ datasetIndex: 1, dataIndex: 11, dataset: encounters })).toBe('Encounters: 12')

    // each chart with a small count says what the hatching means
    expect(wrapper.findAll('.chart-note')).toHaveLength(4)
    expect(wrapper.find('.chart-note').text()).toContain('a count from 1 to 4, shown as “< 5”')
    // the table is one click away, with the same "< 5"
    expect(wrapper.find('#stats-activity-table').exists()).toBe(false)
    await wrapper.find('.stats-section .chart-toggle button').trigger('click')
    await waitFor(() => expect(table('stats-activity').exists()).toBe(true))
    expect(cells(row('stats-activity', 'Wed 19 Nov 2025'))).toEqual([
      'Wed 19 Nov 2025',
      '< 5',
      '< 5',
    ])
  })
})

describe('statistics format', () => {
  it('keeps small counts as strings and everything else as numbers', () => {
    const d = normaliseDaily({
      min_count: 5,
      days: [
        { date: '2025-11-02', encounters: '<5', active_proximeters: null },
        { date: '2025-11-01', encounters: 7, active_proximeters: '8' },
      ],
    })
    expect(d.days.map((x) => x.date)).toEqual(['2025-11-01', '2025-11-02'])
    expect(d.days[1].encounters).toBe('< 5')
    expect(d.days[0].active_proximeters).toBe(8)
    expect(d.days[1].active_proximeters).toBe(0)
    expect(d.traces_per_week).toEqual([])
    expect(formatCount(12345)).toBe('12,345')
    expect(formatCount('< 5')).toBe('< 5')
  })

  it('finds the threshold in the strings when min_count is missing', () => {
    expect(normaliseDaily({ days: [{ date: '2025-11-01', encounters: '< 10' }] }).min_count).toBe(10)
    expect(smallCountRule(5)).toBe(
      'counts from 1 to 4 are shown as “< 5”; where a total would give one away, another figure is “hidden” too',
    )
    expect(smallCountRule(null)).toMatch(/not shown exactly/)
  })

  it('fills the weeks from Monday to Monday', () => {
    expect(mondayOf('2025-11-20')).toBe('2025-11-17')
    expect(mondayOf('2025-11-17')).toBe('2025-11-17')
    expect(mondayOf('2025-11-23')).toBe('2025-11-17')
    expect(everyWeek([{ week: '2025-11-03', traces: 5 }], '2025-10-29', '2025-11-20')).toEqual([
      { week: '2025-10-27', traces: 0 },
      { week: '2025-11-03', traces: 5 },
      { week: '2025-11-10', traces: 0 },
      { week: '2025-11-17', traces: 0 },
    ])
  })
})
