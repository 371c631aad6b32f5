// TimeSeriesChart: Chart.js itself is replaced by a recorder (happy-dom has
// no canvas to draw on); the table view is real.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'

const charts = vi.hoisted(() => [])
const registered = vi.hoisted(() => [])

vi.mock('chart.js', () => {
  class Chart {
    constructor(context, config) {
      this.context = context
      this.config = config
      this.data = config.data
      this.options = config.options
      this.updates = 0
      this.destroyed = false
      charts.push(this)
    }
    update() {
      this.updates += 1
    }
    destroy() {
      this.destroyed = true
    }
    static register(...items) {
      registered.push(...items)
    }
  }
  const part = (name) => ({ id: name })
  return {
    Chart,
    BarController: part('bar'),
    BarElement: part('barElement'),
    CategoryScale: part('category'),
    Legend: part('legend'),
    LinearScale: part('linear'),
    LineController: part('line'),
    LineElement: part('lineElement'),
    PointElement: part('point'),
    Tooltip: part('tooltip'),
  }
})

const { default: TimeSeriesChart } = await import('../src/components/TimeSeriesChart.vue')

const PROPS = {
  title: 'Devices handed out',
  description: 'Bars per day, lines in total.',
  labels: ['18 Nov', '19 Nov', '20 Nov'],
  tableLabels: ['18 Nov 2025', '19 Nov 2025', '20 Nov 2025'],
  datasets: [
    { label: 'Main desk: per day', type: 'bar', data: [4, 0, 5], color: 0 },
    { label: 'Main desk: in total', type: 'line', data: [4, 4, 9], color: 0, axis: 'right' },
    { label: 'Lab desk: per day', type: 'bar', data: [0, 2, 1], color: 1 },
  ],
  leftAxis: 'Per day',
  rightAxis: 'In total',
  idPrefix: 'test-chart',
}

let wrapper
beforeEach(() => {
  charts.length = 0
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

function withCanvas() {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ({ fake: '2d' }))
}

describe('TimeSeriesChart', () => {
  it('draws on a canvas: stacked bars on the left axis, lines on the right, only the parts it uses', async () => {
    withCanvas()
    wrapper = mount(TimeSeriesChart, { props: PROPS, attachTo: document.body })
    await flushPromises()
    const canvas = wrapper.find('canvas')
    expect(canvas.exists()).toBe(true)
    expect(canvas.attributes('role')).toBe('img')
    expect(canvas.attributes('aria-label')).toBe('Devices handed out')
    expect(canvas.attributes('aria-describedby')).toBe('test-chart-description')
    expect(wrapper.find('#test-chart-description').text()).toBe('Bars per day, lines in total.')

    expect(charts).toHaveLength(1)
    const { config } = charts[0]
    expect(charts[0].context).toEqual({ fake: '2d' })
    expect(config.type).toBe('bar')
    expect(config.data.labels).toEqual(['18 Nov', '19 Nov', '20 Nov'])
    const sets = config.data.datasets
    expect(sets.map((d) => [d.type, d.label, d.yAxisID, d.stack])).toEqual([
      ['bar', 'Main desk: per day', 'left', 'bars'],
      ['line', 'Main desk: in total', 'right', undefined],
      ['bar', 'Lab desk: per day', 'left', 'bars'],
    ])
    expect(sets[0].data).toEqual([4, 0, 5])
    expect(sets[1].borderColor).toBe(sets[0].borderColor) // a location keeps its colour
    expect(sets[2].borderColor).not.toBe(sets[0].borderColor)
    expect(config.options.scales.left).toMatchObject({ stacked: true, beginAtZero: true, title: { text: 'Per day' } })
    expect(config.options.scales.right).toMatchObject({ position: 'right', display: true, title: { text: 'In total' } })
    expect(config.options.maintainAspectRatio).toBe(false)
    expect(registered.map((r) => r.id).sort()).toEqual(
      ['bar', 'barElement', 'category', 'legend', 'line', 'lineElement', 'linear', 'point', 'tooltip'].sort(),
    )
    // the table is offered, not shown
    expect(wrapper.find('table').exists()).toBe(false)
    expect(wrapper.find('.chart-toggle button').text()).toBe('Show as table')
  })

  it('"Show as table" shows the same numbers, and back', async () => {
    withCanvas()
    wrapper = mount(TimeSeriesChart, { props: PROPS, attachTo: document.body })
    await flushPromises()
    const toggle = wrapper.find('.chart-toggle button')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    await flushPromises()
    const table = wrapper.find('#test-chart-table table')
    expect(table.find('caption').text()).toBe('Devices handed out')
    expect(table.findAll('thead th').map((th) => th.text())).toEqual([
      'Date',
      'Main desk: per day',
      'Main desk: in total',
      'Lab desk: per day',
    ])
    const rows = table.findAll('tbody tr').map((tr) => [tr.find('th').text(), ...tr.findAll('td').map((td) => td.text())])
    expect(rows).toEqual([
      ['18 Nov 2025', '4', '4', '0'],
      ['19 Nov 2025', '0', '4', '2'],
      ['20 Nov 2025', '5', '9', '1'],
    ])
    expect(toggle.text()).toBe('Show as chart')
    expect(toggle.attributes('aria-expanded')).toBe('true')
    expect(wrapper.find('.chart-box').element.style.display).toBe('none')
    expect(document.activeElement).toBe(toggle.element)

    await toggle.trigger('click')
    expect(wrapper.find('table').exists()).toBe(false)
    expect(wrapper.find('.chart-box').element.style.display).toBe('')
  })

  it('follows new numbers, and lets go of the chart when it goes', async () => {
    withCanvas()
    wrapper = mount(TimeSeriesChart, { props: PROPS, attachTo: document.body })
    await flushPromises()
    await wrapper.setProps({ datasets: [{ label: 'All: per day', type: 'bar', data: [1, 2, 3] }] })
    await flushPromises()
    const chart = charts[0]
    expect(chart.updates).toBe(1)
    expect(chart.data.datasets.map((d) => d.label)).toEqual(['All: per day'])
    expect(chart.options.scales.right.display).toBe(false)
    wrapper.unmount()
    wrapper = undefined
    expect(chart.destroyed).toBe(true)
  })

  it('without a canvas to draw on, shows the table straight away', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null)
    wrapper = mount(TimeSeriesChart, { props: PROPS, attachTo: document.body })
    await flushPromises()
    expect(charts).toHaveLength(0)
    expect(wrapper.find('.chart-toggle').exists()).toBe(false)
    expect(wrapper.findAll('tbody tr')).toHaveLength(3)
  })
})

describe('TimeSeriesChart: small counts ("< 5")', () => {
  const SMALL = {
    title: 'Encounters per day',
    labels: ['18 Nov', '19 Nov', '20 Nov'],
    datasets: [
      { label: 'Encounters', type: 'bar', data: [12, '< 5', 0], color: 0 },
      { label: 'Active', type: 'line', data: ['< 5', 6, 0], color: 1 },
    ],
    idPrefix: 'small',
  }

  it('draws them as numbers: a hatched bar or a hollow point at 4, and says so under the chart', async () => {
    withCanvas()
    wrapper = mount(TimeSeriesChart, { props: SMALL, attachTo: document.body })
    await flushPromises()
    const [bars, line] = charts[0].config.data.datasets
    expect(bars.data).toEqual([12, 4, 0])
    expect(line.data).toEqual([4, 6, 0])
    // the small count's bar is drawn differently from the others (a pattern, or a lighter colour)
    expect(bars.backgroundColor).toHaveLength(3)
    expect(bars.backgroundColor[1]).not.toBe(bars.backgroundColor[0])
    expect(bars.backgroundColor[2]).toBe(bars.backgroundColor[0])
    expect(bars.borderWidth).toEqual([0, 1.5, 0])
    expect(line.pointRadius).toEqual([4, 0, 0])
    expect(line.pointBackgroundColor[0]).toBe('#ffffff')
    const label = charts[0].config.options.plugins.tooltip.callbacks.label
    expect(label({ datasetIndex: 0, dataIndex: 1 })).toBe('Encounters: < 5 (not shown exactly)')
    expect(label({ datasetIndex: 0, dataIndex: 0 })).toBe('Encounters: 12')
    expect(wrapper.find('.chart-note').text()).toBe(
      'Hatched bar or hollow point: a count from 1 to 4, shown as “< 5”. The exact number is not shown, so it is drawn at 4.',
    )
  })

  it('shows them as "< 5" in the table', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null)
    wrapper = mount(TimeSeriesChart, { props: SMALL, attachTo: document.body })
    await flushPromises()
    const rows = wrapper.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((c) => c.text()))
    expect(rows).toEqual([
      ['18 Nov', '12', '< 5'],
      ['19 Nov', '< 5', '6'],
      ['20 Nov', '0', '0'],
    ])
    expect(wrapper.findAll('td.small-count')).toHaveLength(2)
    expect(wrapper.find('.chart-note').exists()).toBe(false) // no chart, no hatching to explain
  })

  it('has no note and plain colours without small counts', async () => {
    withCanvas()
    wrapper = mount(TimeSeriesChart, { props: PROPS, attachTo: document.body })
    await flushPromises()
    expect(typeof charts[0].config.data.datasets[0].backgroundColor).toBe('string')
    expect(wrapper.find('.chart-note').exists()).toBe(false)
  })
})

describe('TimeSeriesChart: table="always"', () => {
  it('shows the chart and the table under it, without a toggle', async () => {
    withCanvas()
    wrapper = mount(TimeSeriesChart, { props: { ...PROPS, table: 'always' }, attachTo: document.body })
    await flushPromises()
    expect(charts).toHaveLength(1)
    expect(wrapper.find('.chart-box').element.style.display).toBe('')
    expect(wrapper.findAll('#test-chart-table tbody tr')).toHaveLength(3)
    expect(wrapper.find('.chart-toggle').exists()).toBe(false)
  })

  it('without a canvas, shows the table alone', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null)
    wrapper = mount(TimeSeriesChart, { props: { ...PROPS, table: 'always' }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.find('.chart-box').element.style.display).toBe('none')
    expect(wrapper.findAll('#test-chart-table tbody tr')).toHaveLength(3)
  })
})
