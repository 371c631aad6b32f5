// Chart.js for the page tests: a chart records what it was given (config, data, options) in
// `charts` instead of drawing. A test file mocks it with
//   vi.mock('chart.js', () => import('./chartMock.js'))
// and reads (and empties) `charts`.
export const charts = []

export class Chart {
  constructor(context, config) {
    this.config = config
    this.data = config.data
    this.options = config.options
    charts.push(this)
  }
  update() {}
  destroy() {}
  static register() {}
}

const part = (id) => ({ id })
export const BarController = part('bar')
export const BarElement = part('barElement')
export const CategoryScale = part('category')
export const Legend = part('legend')
export const LinearScale = part('linear')
export const LineController = part('line')
export const LineElement = part('lineElement')
export const PointElement = part('point')
export const Tooltip = part('tooltip')
