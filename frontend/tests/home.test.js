import { afterEach, describe, expect, it } from 'vitest'
import { makeMe, mountPage, waitFor } from './helpers.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

const STOCK_PAGE = { slug: 'stock', title: 'Stock', path: '/stock/', help: 'Devices per state.', group: 'assets' }
const assetsMe = (overrides = {}) =>
  makeMe({
    username: 'assets',
    display_name: 'Arno Assets',
    roles: ['assets'],
    is_staff: true,
    pages: [STOCK_PAGE],
    links: {
      logout: '/accounts/logout/',
      admin: '/admin/',
      admin_sections: ['Devices', 'Device imports'],
      privacy: '/privacy/',
    },
    ...overrides,
  })
const stock = (inStock, threshold) => ({
  total: 120,
  in_stock: inStock,
  low_stock_threshold: threshold,
  low_stock: inStock < threshold,
  by_state: [
    { state: 'in_stock', label: 'in stock', count: inStock },
    { state: 'assigned', label: 'assigned', count: 120 - inStock },
  ],
  by_batch: [],
  this_month: { since: '2026-12-01', lost: 0, broken: 0 },
})

describe('Start page', () => {
  it('the asset team starts from the stock and the administration', async () => {
    ;({ wrapper } = await mountPage('/', { 'GET /api/assets/stock': stock(12, 50) }, assetsMe()))
    await waitFor(() => expect(wrapper.find('.home-stock [role="alert"]').exists()).toBe(true))
    const home = wrapper.find('.home-stock')
    expect(home.text()).toContain('Stock is low: 12 devices in stock, fewer than 50.')
    expect(home.text()).toMatch(/108\s*assigned/)
    expect(home.find('a').attributes('href')).toBe('/stock/')
    const admin = wrapper.find('.home-admin')
    expect(admin.find('a').attributes('href')).toBe('/admin/')
    expect(admin.text()).toContain('Open the administration: Devices, Device imports.')
  })

  it('enough stock: the count, no warning', async () => {
    ;({ wrapper } = await mountPage('/', { 'GET /api/assets/stock': stock(80, 50) }, assetsMe()))
    await waitFor(() => expect(wrapper.find('.home-stock .stock-line').exists()).toBe(true))
    expect(wrapper.find('.home-stock').text()).toContain('80 devices in stock')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('no stock page, no administration: neither is shown, the stock is not asked for', async () => {
    let r
    ;({ wrapper, ...r } = await mountPage('/', {}, makeMe()))
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Welcome'))
    expect(wrapper.find('.home-stock').exists()).toBe(false)
    expect(wrapper.find('.home-admin').exists()).toBe(false)
    expect(r.fetchMock.calls('GET').some((c) => c.url.includes('/api/assets/stock'))).toBe(false)
  })
})
