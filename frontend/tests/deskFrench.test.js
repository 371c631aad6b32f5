// The registration desk's pages and the asset team's stock pages in French
// (and the stock pages in English, which no other test mounts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLocale } from '../src/i18n.js'
import { formatDate, formatWhen } from '../src/format/time.js'
import { lostOutcome, personLabel, stateLabel } from '../src/registration/format.js'
import { RELINQUISH_REASONS } from '../src/registration/api.js'
import { deskMe, makeMe, mountPage, pressEnter, typeInto, waitFor } from './helpers.js'
import { alice, deviceStatus, personStatus } from './registrationData.js'
import { campaignOverview, deskBooking, deskDayMe, bob, handouts, locations, NOW, slot } from './appointmentsData.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

// The person's language, as /api/me gives it (the browser's would be English).
const french = (me) => ({ ...me, language: 'fr' })

async function open(path, routes, me = deskMe()) {
  setLocale('fr')
  const r = await mountPage(path, routes, french(me))
  wrapper = r.wrapper
  return r
}

const NBSP_GROUP = /1[\s\u202f\u00a0]234/ // French groups thousands with a (narrow) space

describe('registration words in French', () => {
  it('device states, outcomes, reasons and a person follow the language', () => {
    setLocale('fr')
    expect(stateLabel('in_stock')).toBe('en stock')
    expect(stateLabel('broken')).toBe('défectueux')
    expect(stateLabel('strange_state')).toBe('strange state')
    expect(lostOutcome({ outcome: 'returned' })).toBe('rendu à son porteur')
    expect(lostOutcome({ outcome: '', found_at: null })).toBe('toujours introuvable')
    expect(RELINQUISH_REASONS.map((r) => r.label)).toEqual(['Rendu', 'Défectueux', 'La personne a quitté l’organisation'])
    expect(personLabel(alice)).toBe('Alice Adams (810001)')
    setLocale('en')
    expect(stateLabel('in_stock')).toBe('in stock')
    expect(RELINQUISH_REASONS[0].label).toBe('Given back')
  })
})

describe('DESK DAY in French', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    vi.setSystemTime(NOW) // Thu 20 Nov 2025
  })
  afterEach(() => vi.useRealTimers())

  it('the day, the table and the summary', async () => {
    await open('/desk/', {
      'GET /api/appointments/locations': locations,
      'GET /api/appointments/campaigns': campaignOverview,
      'GET /api/appointments/handouts': handouts,
      'GET /api/appointments/desk': {
        location: locations[0],
        date: '2025-11-20',
        bookings: [deskBooking(41, bob, slot(11, '2025-11-20T09:15', 1))],
      },
    }, deskDayMe())
    await waitFor(() => expect(wrapper.find('.desk-table').exists()).toBe(true))
    expect(wrapper.find('label[for="desk-location"]').text()).toBe('Lieu')
    expect(wrapper.find('#desk-day-heading').text()).toBe('Aujourd’hui, jeu. 20 nov. 2025 à Main desk')
    expect(wrapper.find('.desk-summary').text()).toBe(
      '1 rendez-vous : 1 attendu(s), 0 présent(s), 0 absent(s).',
    )
    expect(wrapper.findAll('.desk-table thead th').map((th) => th.text()).slice(0, 3)).toEqual([
      'Horaire',
      'Nom',
      'Numéro de personne',
    ])
    expect(wrapper.find('.desk-table td').text()).toBe('9 h 15 – 9 h 30')
    expect(wrapper.find('.desk-table tbody button').text()).toBe('Accueillir Bob Brown')
    expect(wrapper.find('.desk-campaigns h2').text()).toBe('Campagnes')
    await waitFor(() => expect(wrapper.find('.desk-handouts table').exists()).toBe(true))
    expect(wrapper.find('.desk-handouts').text()).toContain('12 au total.')
    expect(wrapper.find('.desk-handouts canvas').attributes('aria-label')).toBe('Appareils remis')
  })
})

describe('REGISTRATION in French', () => {
  it('a person holding a device: the forms to take it back or swap it', async () => {
    const held = personStatus(alice, 'P-2002', '2025-03-05T10:30:00+01:00')
    await open('/registration/?person=810001', { 'GET /api/registration/people/810001': held })
    await waitFor(() => expect(wrapper.find('.desk-person h2').text()).toBe('Alice Adams'))
    expect(wrapper.find('label[for="registration-person"]').text()).toBe('Trouver une personne')
    const text = wrapper.find('.desk-person').text()
    expect(text).toContain('Porte l’appareil P-2002')
    expect(text).toContain(`depuis le ${formatWhen('2025-03-05T10:30:00+01:00')}`)
    expect(formatWhen('2025-03-05T10:30:00+01:00')).toBe('5 mars 2025 à 10 h 30')
    expect(text).toContain('Numéro de personne 810001')
    expect(wrapper.find('#takeback-heading').text()).toBe('Reprendre l’appareil P-2002')
    expect(wrapper.find('#swap-heading').text()).toBe('Échanger contre un autre appareil')
    expect(wrapper.find('label[for="swap-device"]').text()).toBe('Numéro du nouvel appareil')
    expect(wrapper.findAll('fieldset')[0].text()).toContain('La personne a quitté l’organisation')
    expect(wrapper.find('#desk-lost-heading').text()).toBe('Déclarer la perte de son appareil P-2002')
    expect(wrapper.find('label[for="desk-lost-at"]').text()).toBe('Quand ? (facultatif)')
  })

  it('a person without a device: hand one out; an empty scan is refused in French', async () => {
    await open('/registration/?person=810001', { 'GET /api/registration/people/810001': personStatus(alice) })
    await waitFor(() => expect(wrapper.find('#assign-heading').exists()).toBe(true))
    expect(wrapper.find('.desk-person').text()).toContain('Ne porte aucun appareil.')
    expect(wrapper.find('label[for="assign-device"]').text()).toBe('Numéro d’appareil')
    await pressEnter(wrapper.find('#assign-device'))
    await waitFor(() => expect(wrapper.find('#assign-error').text()).toBe('Scannez l’appareil ou tapez son numéro.'))
  })
})

describe('STATUS in French', () => {
  it('a device: state, holder since when, history', async () => {
    await open('/status/?device=P-1001', {
      'GET /api/registration/devices/P-1001': deviceStatus('P-1001', 'assigned', {
        holder: alice,
        holdings: [{ person: alice, started_at: '2025-03-05T10:30:00+01:00', ended_at: null, end_reason: '', end_reason_label: '' }],
        events: [{ at: '2025-03-05T10:30:00+01:00', actor: 'desk', from_state: 'in_stock', to_state: 'assigned', to_state_label: 'attribué', note: '' }],
      }),
    })
    await waitFor(() => expect(wrapper.find('#status-device-heading').text()).toBe('Appareil P-1001'))
    const main = wrapper.find('main')
    expect(wrapper.find('label[for="status-search"]').text()).toBe('Numéro d’appareil ou personne')
    expect(main.text()).toContain('Porté par Alice Adams (810001) depuis le 5 mars 2025 à 10 h 30.')
    expect(main.text()).toContain('toujours porté')
    expect(main.text()).toContain('en stock → attribué')
    expect(main.text()).toContain('Jamais déclaré perdu.')
  })

  it('an unknown ID is explained in French', async () => {
    await open('/status/', {}) // every look-up answers 404
    await waitFor(() => expect(wrapper.find('#status-search').exists()).toBe(true))
    await typeInto(wrapper.find('#status-search'), 'ZZ-9')
    await pressEnter(wrapper.find('#status-search'))
    await waitFor(() => expect(wrapper.find('[role="alert"]').text()).toContain('Aucun appareil ni aucune personne ne porte le numéro « ZZ-9 »'))
  })
})

describe('FOUND in French', () => {
  it('a lost device: what it means and what to do', async () => {
    await open('/found/', {
      'GET /api/registration/devices/P-1001': deviceStatus('P-1001', 'lost', {
        lastHolder: alice,
        lostReports: [{ lost_at: '2025-03-04T08:15:00+01:00', reported_at: '2025-03-04T09:00:00+01:00', reported_by: 'desk', holder: alice, found_at: null, outcome: '' }],
      }),
    })
    await waitFor(() => expect(wrapper.find('#found-device').exists()).toBe(true))
    expect(wrapper.find('#found-heading').text()).toBe('Un appareil a été retrouvé')
    expect(wrapper.find('#lost-heading').text()).toBe('Enregistrer un appareil perdu')
    await typeInto(wrapper.find('#found-device'), 'P-1001')
    await pressEnter(wrapper.find('#found-device'))
    await waitFor(() => expect(wrapper.find('.found-result').exists()).toBe(true))
    const result = wrapper.find('.found-result')
    expect(result.text()).toContain('L’appareil P-1001 est lost.') // the state's label is the server's
    expect(result.text()).toContain('Il a été déclaré perdu le 4 mars 2025 à 8 h 15.')
    expect(result.find('.holder-card').text()).toContain('Dernier porteur')
    expect(result.findAll('.action-buttons button').map((b) => b.text())).toEqual(['Marquer comme retrouvé'])
  })
})

const STOCK = {
  total: 1300,
  in_stock: 1234,
  low_stock_threshold: 50,
  low_stock: false,
  by_state: [
    { state: 'in_stock', label: 'en stock', count: 1234 },
    { state: 'assigned', label: 'attribué', count: 66 },
  ],
  by_batch: [{ batch: '', firmware: '2.1', total: 1300, states: { in_stock: 1234, assigned: 66 } }],
  this_month: { since: '2026-12-01', lost: 2, broken: 1 },
}
const assetsMe = (slug, title, path) => makeMe({ roles: ['assets'], pages: [{ slug, title, path, help: '' }] })

describe('STOCK', () => {
  it('in English: the counts and the tables', async () => {
    const r = await mountPage('/stock/', { 'GET /api/assets/stock': STOCK }, assetsMe('stock', 'Stock', '/stock/'))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.stock-batches').exists()).toBe(true))
    expect(wrapper.find('.stock-line').text()).toBe('1,234 devices in stock (the warning starts below 50).')
    expect(wrapper.find('.this-month').text()).toBe(`Since ${formatDate('2026-12-01')}: 2 reported lost, 1 marked broken.`)
    expect(wrapper.find('.stock-batches tbody td').text()).toBe('(none)')
    expect(wrapper.find('main').text()).toContain('1,300 devices in all.')
  })

  it('in French: words, dates and numbers', async () => {
    await open('/stock/', { 'GET /api/assets/stock': { ...STOCK, low_stock_threshold: 2000, low_stock: true } }, assetsMe('stock', 'Stock', '/stock/'))
    await waitFor(() => expect(wrapper.find('.stock-batches').exists()).toBe(true))
    const low = wrapper.find('.low-stock').text()
    expect(low).toMatch(/^Stock bas : 1.234 appareils en stock, moins de 2.000\./)
    expect(low).toMatch(NBSP_GROUP)
    expect(wrapper.find('#stock-month-heading').text()).toBe('Ce mois-ci')
    expect(wrapper.find('.this-month').text()).toBe('Depuis le 1er déc. 2026, pertes déclarées : 2 ; appareils défectueux : 1.')
    expect(wrapper.findAll('.stock-batches thead th').map((th) => th.text())).toEqual(['Lot', 'Micrologiciel', 'en stock', 'attribué', 'Tous'])
    expect(wrapper.find('.stock-batches tbody td').text()).toBe('(aucun)')
  })
})

describe('INVENTORY CHECK', () => {
  const CHECK = {
    id: 1,
    at: '2025-03-05T10:30:00+01:00',
    actor: 'assets',
    expected_count: 3,
    scanned_count: 2,
    missing: ['P-3'],
    unexpected: [{ device_id: 'X-9', reason: 'unknown' }],
  }

  async function scanAndFinish() {
    await waitFor(() => expect(wrapper.find('#inventory-scan').exists()).toBe(true))
    const field = wrapper.find('#inventory-scan')
    for (const id of ['P-1', 'X-9']) {
      await typeInto(field, id)
      await pressEnter(field)
    }
    await waitFor(() => expect(wrapper.findAll('.scan-list li')).toHaveLength(2))
    const text = wrapper.find('.scan-count').text()
    await wrapper.findAll('main button[type="button"]').at(-1).trigger('click') // Finish the check
    await waitFor(() => expect(wrapper.find('.inventory-result').exists()).toBe(true))
    return text
  }

  it('in English', async () => {
    const r = await mountPage('/inventory/', { 'POST /api/assets/inventory-checks': CHECK }, assetsMe('inventory', 'Inventory check', '/inventory/'))
    wrapper = r.wrapper
    expect(await scanAndFinish()).toBe('2 scanned so far.')
    const result = wrapper.find('.inventory-result').text()
    expect(result).toContain(`Recorded ${formatWhen(CHECK.at)}. 2 devices scanned; 3 in stock per the records.`)
    expect(result).toContain('Should be there, not scanned (1)')
    expect(result).toContain('X-9: unknown: no device has this ID')
  })

  it('in French', async () => {
    await open('/inventory/', { 'POST /api/assets/inventory-checks': CHECK }, assetsMe('inventory', 'Inventaire', '/inventory/'))
    expect(await scanAndFinish()).toBe('2 scannés jusqu’ici.')
    const result = wrapper.find('.inventory-result').text()
    expect(result).toContain('Enregistré le 5 mars 2025 à 10 h 30. 2 appareils scannés ; 3 en stock selon les registres.')
    expect(result).toContain('Devraient être là, non scannés (1)')
    expect(result).toContain('X-9 : inconnu : aucun appareil ne porte ce numéro')
    expect(wrapper.find('.inventory-result button').text()).toBe('Commencer un nouvel inventaire')
  })
})
