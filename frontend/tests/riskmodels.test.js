// RISK MODELS: the DP-3T calculator's request and answer, the RSSI CSV
// parser, the RSSI request, per-contact scores and the aggregated probability.
// Chart.js is replaced by a recorder (happy-dom has no canvas to draw on).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeMe, mountPage, reply, waitFor } from './helpers.js'
import { parseRssiCsv } from '../src/risk/csv.js'
import { RSSI_EXAMPLE_CSV } from '../src/risk/examples.js'
import { fieldErrors } from '../src/risk/api.js'
import { charts } from './chartMock.js'

vi.mock('chart.js', () => import('./chartMock.js'))

const riskPage = {
  slug: 'risk-models',
  title: 'Risk models',
  path: '/risk-models/',
  help: 'The published models that turn Bluetooth signal data into a risk, with a calculator.',
  help_url: '/help/risk-models/',
}
const medicMe = () =>
  makeMe({ username: 'medic', display_name: 'Maya Medic', roles: ['medical'], pages: [riskPage] })

const PARAMETERS = {
  t1_db: 50,
  t2_db: 55,
  weights: [1, 0.5, 0],
  bucket_cap_min: 30,
  threshold_min: 15,
  lookback_days: 10,
}

let wrapper
beforeEach(() => {
  charts.length = 0
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.restoreAllMocks()
})

async function open(routes) {
  const r = await mountPage('/risk-models/', routes, medicMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Risk models'))
  await waitFor(() => expect(wrapper.find('#dp3t-heading').exists()).toBe(true))
  return r
}

const button = (text) => wrapper.findAll('button').find((b) => b.text() === text)
const cells = (tr) => tr.findAll('th, td').map((c) => c.text().replace(/\s+/g, ' ').trim())

describe('RISK MODELS: DP-3T calculator', () => {
  it('sends the bucket minutes per day and shows the scores and the decision', async () => {
    const r = await open({
      'POST /api/risk/dp3t': (url, init, body) => ({
        parameters: PARAMETERS,
        days: body.buckets.map((b) => ({
          day: b.day,
          buckets_min: b.minutes.map((m) => Math.min(m, 30)),
          score_min: Math.min(b.minutes[0], 30) + 0.5 * Math.min(b.minutes[1], 30),
        })),
        notify: true,
      }),
    })
    expect(wrapper.text()).toContain('ES = w1·B1 + w2·B2 + w3·B3')
    const row = wrapper.findAll('.dp3t-input tbody tr')[0]
    await row.find('input[type="text"]').setValue('18.11.2025') // typed day first
    const numbers = row.findAll('input[type="number"]')
    await numbers[0].setValue('10')
    await numbers[1].setValue('12')
    await numbers[2].setValue('')
    await button('Add a day').trigger('click')
    const rows = wrapper.findAll('.dp3t-input tbody tr')
    expect(rows).toHaveLength(2)
    expect(rows[1].find('input[type="text"]').element.value).toBe('19 Nov 2025')
    const second = rows[1].findAll('input[type="number"]')
    await second[0].setValue('40')
    await second[1].setValue('0')
    await second[2].setValue('3')
    await wrapper.find('#dp3t-today').setValue('2025-11-20')
    await wrapper.find('.dp3t-input').element.closest('form').requestSubmit()
    await waitFor(() => expect(wrapper.find('.dp3t-result').exists()).toBe(true))

    expect(r.fetchMock.calls('POST', '/api/risk/dp3t')[0].body).toEqual({
      buckets: [
        { day: '2025-11-18', minutes: [10, 12, 0] },
        { day: '2025-11-19', minutes: [40, 0, 3] },
      ],
      today: '2025-11-20',
    })
    const scoreRows = wrapper.findAll('.dp3t-scores tbody tr').map(cells)
    expect(scoreRows).toEqual([
      ['2025-11-18', '10', '12', '0', '16 ≥ 15'],
      ['2025-11-19', '30', '0', '3', '30 ≥ 15'],
    ])
    expect(wrapper.find('.risk-decision').text()).toContain('Notify')
    expect(wrapper.find('.risk-params').text()).toContain('10 days, today included')
    // the chart (its table here: no canvas): ES bars and the 15-minute threshold line
    const chart = wrapper.find('#dp3t-chart-table table')
    expect(cells(chart.find('thead tr'))).toEqual([
      'Day',
      'Exposure score (min)',
      'Notification threshold (15 min)',
    ])
    expect(chart.findAll('tbody tr').map(cells)).toEqual([
      ['2025-11-18', '16', '15'],
      ['2025-11-19', '30', '15'],
    ])
  })

  it('loads the example, says when nobody is notified, and removes a day', async () => {
    const r = await open({
      'POST /api/risk/dp3t': (url, init, body) => ({
        parameters: PARAMETERS,
        days: body.buckets.map((b) => ({ day: b.day, buckets_min: b.minutes, score_min: 5 })),
        notify: false,
      }),
    })
    await button('Load an example').trigger('click')
    expect(wrapper.findAll('.dp3t-input tbody tr')).toHaveLength(3)
    await wrapper.findAll('.dp3t-input tbody tr')[0].find('button[aria-label="Remove row 1"]').trigger('click')
    expect(wrapper.findAll('.dp3t-input tbody tr')).toHaveLength(2)
    await button('Compute the exposure score').element.click()
    await waitFor(() => expect(wrapper.find('.risk-decision').exists()).toBe(true))
    const body = r.fetchMock.calls('POST', '/api/risk/dp3t')[0].body
    expect(body.buckets.map((b) => b.minutes)).toEqual([
      [10, 12, 5],
      [2, 6, 30],
    ])
    expect(body.today).toBeUndefined()
    expect(wrapper.find('.risk-decision').text()).toMatch(/^No notification/)
  })

  it('refuses negative minutes without asking the server and shows a server error', async () => {
    const r = await open({
      'POST /api/risk/dp3t': reply(400, { buckets: [{ minutes: ['Ensure this value is greater than or equal to 0.'] }] }),
    })
    const row = wrapper.findAll('.dp3t-input tbody tr')[0]
    await row.findAll('input[type="number"]')[0].setValue('-3')
    await button('Compute the exposure score').element.click()
    await waitFor(() => expect(wrapper.find('#dp3t-error').text()).toContain('Row 1'))
    expect(r.fetchMock.calls('POST', '/api/risk/dp3t')).toHaveLength(0)
    await row.findAll('input[type="number"]')[0].setValue('3')
    await button('Compute the exposure score').element.click()
    await waitFor(() =>
      expect(wrapper.find('#dp3t-error').text()).toBe(
        'buckets, row 1, minutes: Ensure this value is greater than or equal to 0.',
      ),
    )
  })
})

describe('RISK MODELS: the RSSI CSV', () => {
  it('reads a good file (CRLF, blank lines, columns in any order)', () => {
    const { samples, errors } = parseRssiCsv('time,contact,rssi\r\n0,a,-60\r\n\r\n10, b ,-72.5\r\n')
    expect(errors).toEqual([])
    expect(samples).toEqual([
      { contact: 'a', time: 0, rssi: -60 },
      { contact: 'b', time: 10, rssi: -72.5 },
    ])
  })

  it('reports a bad line with its number', () => {
    const { samples, errors } = parseRssiCsv('contact,time,rssi\na,0,-60\na,ten,-61\na,20\n\na,30,50\n')
    expect(samples).toHaveLength(1)
    expect(errors).toEqual([
      { line: 3, message: 'The time “ten” is not a number of seconds.' },
      { line: 4, message: 'Expected 3 values separated by commas, found 2.' },
      { line: 6, message: 'The RSSI 50 dBm is outside -150 to 20 dBm.' },
    ])
  })

  it('needs the header', () => {
    expect(parseRssiCsv('a,0,-60\n').errors[0]).toMatchObject({ line: 1 })
    expect(parseRssiCsv('').errors[0].message).toBe('The file is empty.')
  })

  it('the built-in example parses', () => {
    const { samples, errors } = parseRssiCsv(RSSI_EXAMPLE_CSV)
    expect(errors).toEqual([])
    expect(new Set(samples.map((s) => s.contact)).size).toBe(4)
  })

  it('flattens nested DRF errors', () => {
    expect(fieldErrors({ samples: [{}, { rssi: ['Too big.'] }], g_tx_db: ['A number is required.'] })).toEqual([
      'samples, row 2, rssi: Too big.',
      'g_tx_db: A number is required.',
    ])
  })
})

const CONTACTS = [
  {
    contact: 'alpha',
    windows: [
      { start: 100, samples: 12, mean_dbm: -62, score: 0.9 },
      { start: 160, samples: 12, mean_dbm: -60, score: 1 },
      { start: 220, samples: 6, mean_dbm: -65, score: 0.6667 },
    ],
    cumulative: 2.5667,
    mean: 0.8556,
    softmax: 0.9123,
    theta: { mean: 0.8556, duration_min: 3, nonnull: 3 },
    risk: 'high',
  },
  {
    contact: 'beta',
    windows: [
      { start: 220, samples: 6, mean_dbm: -84, score: 0 },
      { start: 280, samples: 6, mean_dbm: -85, score: 0 },
    ],
    cumulative: 0,
    mean: 0,
    softmax: 0,
    theta: { mean: 0, duration_min: 0, nonnull: 0 },
    risk: 'negligible',
  },
]

describe('RISK MODELS: RSSI calculator and aggregation', () => {
  it('sends the parsed samples, gains and score, then aggregates the cumulative scores', async () => {
    const r = await open({
      'POST /api/risk/rssi': { contacts: CONTACTS, filtered_out: 1 },
      'POST /api/risk/aggregate': { probability: 0.017806, r0: 0.007 },
    })
    expect(wrapper.text()).toContain('P*(d_max) = −80 dBm')
    await wrapper.find('#rssi-csv').setValue('contact,time,rssi\nalpha,100,-62\nbeta,220,-84\n')
    await wrapper.find('#rssi-gtx').setValue('-2.5')
    await wrapper.find('#rssi-grx').setValue('3')
    await wrapper.findAll('input[name="rssi-exact"]')[1].setValue(true)
    await button('Compute the contact scores').element.click()
    await waitFor(() => expect(wrapper.find('.probability-value').exists()).toBe(true))

    expect(r.fetchMock.calls('POST', '/api/risk/rssi')[0].body).toEqual({
      samples: [
        { contact: 'alpha', time: 100, rssi: -62 },
        { contact: 'beta', time: 220, rssi: -84 },
      ],
      g_tx_db: -2.5,
      g_rx_db: 3,
      exact: true,
    })
    expect(r.fetchMock.calls('POST', '/api/risk/aggregate')[0].body).toEqual({ scores: [2.5667, 0] })

    const rows = wrapper.findAll('.rssi-contacts tbody tr').map(cells)
    expect(rows).toEqual([
      ['alpha', '3', '2.57', '0.856', '0.912', '3', 'High risk'],
      ['beta', '2', '0', '0', '0', '0', 'Negligible risk'],
    ])
    expect(wrapper.find('.rssi-summary').text()).toContain('1 shorter than 2 minutes left out')
    expect(wrapper.find('.rssi-summary').text()).toContain('exact (49)')
    expect(wrapper.find('.probability-value').text()).toBe('1.8 %')
    expect(wrapper.find('.risk-probability').text()).toContain('r0 = 0.007')

    // window scores over time: one line per contact, minutes from the first window
    const chart = wrapper.find('#rssi-chart-table table')
    expect(cells(chart.find('thead tr'))).toEqual(['Minute', 'alpha', 'beta'])
    expect(chart.findAll('tbody tr').map(cells)).toEqual([
      ['0 min', '0.9', '0'],
      ['1 min', '1', '0'],
      ['2 min', '0.6667', '0'],
      ['3 min', '0', '0'],
    ])
  })

  it('shows CSV errors with line numbers and sends nothing', async () => {
    const r = await open({})
    await wrapper.find('#rssi-csv').setValue('contact,time,rssi\nalpha,100,-62\nalpha,x,-60\n')
    await button('Compute the contact scores').element.click()
    await waitFor(() => expect(wrapper.find('#rssi-csv-errors').exists()).toBe(true))
    expect(wrapper.find('#rssi-csv-errors').text()).toContain('Line 3: The time “x” is not a number of seconds.')
    expect(wrapper.find('#rssi-csv').attributes('aria-invalid')).toBe('true')
    expect(wrapper.find('#rssi-error').text()).toContain('Nothing was sent')
    expect(r.fetchMock.calls('POST')).toHaveLength(0)
  })

  it('loads the example into the text area', async () => {
    await open({})
    await button('Load an example').trigger('click') // the DP-3T one comes first
    const rssiExample = wrapper.findAll('button').filter((b) => b.text() === 'Load an example')[1]
    await rssiExample.trigger('click')
    expect(wrapper.find('#rssi-csv').element.value).toBe(RSSI_EXAMPLE_CSV)
  })
})
