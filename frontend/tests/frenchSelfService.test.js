// MY DATA, APPOINTMENTS, LOCATION RISK and RISK MODELS in French: each page mounted after
// setLocale('fr') says its words from the French catalogues and writes numbers the French
// way (decimal comma). Dates come from format/time.js, tested on their own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeMe, mountPage, waitFor } from './helpers.js'
import { myData, NOW, personMe as myDataMe } from './myData.js'
import { distribution, labDesk, personMe as bookingMe, slot } from './appointmentsData.js'
import { setLocale } from '../src/i18n.js'
import { parseHistory } from '../src/locationrisk/parse.js'
import { riskAdvice, riskWords } from '../src/locationrisk/risk.js'
import { zoneOf } from '../src/locationrisk/grid.js'
import { parseRssiCsv } from '../src/risk/csv.js'
import { placesLeft, shortMonthName, shortWeekdayNames } from '../src/appointments/format.js'

vi.mock('chart.js', () => import('./chartMock.js'))

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
})

const french = (me) => ({ ...me, language: 'fr' })
const squash = (text) => text.replace(/\s+/g, ' ').trim()

describe('MY DATA in French', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    vi.setSystemTime(NOW)
  })

  it('says what is kept in French, with minutes written with a decimal comma', async () => {
    setLocale('fr')
    const r = await mountPage('/my-data/', { 'GET /api/selfservice/data': myData() }, french(myDataMe()))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.my-encounters').exists()).toBe(true))
    expect(wrapper.find('#my-encounters-heading').text()).toBe('Mes rencontres')
    expect(wrapper.find('.my-summary').text()).toBe(
      '3 rencontres sur les 14 derniers jours, dont 1 de plus de 15 minutes.',
    )
    const day = wrapper.findAll('.my-day')[0]
    expect(day.find('.my-day-total').text()).toBe('2 rencontres, 22,5 min au total')
    expect(day.find('summary .long-badge').text()).toBe('1 rencontre de plus de 15 minutes')
    expect(day.findAll('tbody tr')[0].text()).toContain('20,5 min')
    expect(wrapper.find('.my-data-intro').text()).toContain('Les rencontres sont effacées après 14 jours.')
    expect(wrapper.find('.my-data-intro strong').text()).toBe('rencontre')
    expect(wrapper.find('#my-devices-heading').text()).toBe('Mes appareils')
    expect(wrapper.find('.my-devices .still').text()).toBe('maintenant')
    expect(wrapper.find('.my-lost').text()).toContain('non retrouvé')
    expect(wrapper.find('.my-details dt').text()).toBe('Nom')
    const link = wrapper.findAll('a').find((a) => a.attributes('href') === '/api/selfservice/export')
    expect(link.text()).toBe('Télécharger toutes mes données')
  })
})

describe('APPOINTMENTS in French', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    vi.setSystemTime(NOW)
  })

  it('asks where, then offers the times with the places left and a French calendar', async () => {
    setLocale('fr')
    const slots = [slot(21, '2025-11-24T09:00', 2, labDesk), slot(22, '2025-11-24T09:15', 1, labDesk)]
    const r = await mountPage(
      '/appointments/',
      {
        'GET /api/appointments/mine/campaigns': [distribution],
        'GET /api/appointments/mine/bookings': [],
        'GET /api/appointments/mine/campaigns/5/slots?location=2': slots,
      },
      french(bookingMe()),
    )
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.campaign-block').exists()).toBe(true))
    const block = wrapper.find('.campaign-block')
    expect(block.find('legend').text()).toBe('Où souhaitez-vous aller ?')
    expect(block.text()).toContain('Retirer votre appareil :')
    expect(block.text()).toContain('Choisissez un lieu pour voir ses créneaux libres.')
    expect(wrapper.find('.my-history').text()).toContain('Vous n’avez pas encore de rendez-vous.')

    const lab = wrapper.findAll('input[type="radio"]').find((i) => i.element.value === '2')
    await lab.setValue(true)
    await waitFor(() => expect(wrapper.findAll('.slot-button')).toHaveLength(2))
    expect(wrapper.find('.picker-heading').text()).toBe('Choisissez un créneau à Lab desk')
    expect(wrapper.findAll('.slot-button').map((b) => b.attributes('aria-label'))).toEqual([
      '9 h 00, 2 places restantes',
      '9 h 15, 1 place restante',
    ])
    expect(wrapper.findAll('.day-calendar thead th').map((th) => th.text())).toEqual([
      'lun.',
      'mar.',
      'mer.',
      'jeu.',
      'ven.',
      'sam.',
      'dim.',
    ])
    expect(wrapper.find('.day-calendar').attributes('aria-label')).toBe('Jours avec des créneaux libres')
    await wrapper.findAll('.slot-button')[1].trigger('click')
    await waitFor(() => expect(wrapper.find('.slot-confirm button').text()).toBe('Réserver ce créneau'))
    expect(wrapper.find('.slot-confirm').text()).toContain('à Lab desk')
  })

  it('words of the calendar and of the places left follow the language', () => {
    setLocale('fr')
    expect(placesLeft(0)).toBe('0 place restante')
    expect(placesLeft(3)).toBe('3 places restantes')
    expect(shortMonthName(12)).toBe('déc.')
    setLocale('en')
    expect(placesLeft(1)).toBe('1 place left')
    expect(shortMonthName(9)).toBe('Sep')
    expect(shortWeekdayNames()).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])
  })
})

describe('LOCATION RISK in French', () => {
  const hour = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3 * 3600
  const at = (lat, long, minutes) =>
    `<trkpt lat="${lat}" lon="${long}"><time>${new Date((hour + minutes * 60) * 1000).toISOString()}</time></trkpt>`
  const gpx = `<gpx>${at(47.37012, 8.54023, 5)}${at(47.37013, 8.54021, 10)}${at(47.37011, 8.54024, 15)}${at(47.4, 8.6, 40)}</gpx>`
  const zone = zoneOf(47.37012, 8.54023)
  const exposure = () => ({
    geoZoneSpecId: 4,
    latRange: 0.0001,
    longRange: 0.0001,
    zones: [
      {
        centreLat: zone.centreLat,
        centreLong: zone.centreLong,
        exposures: [{ start: hour, end: hour + 3600, exposure: 54.34 }],
      },
    ],
  })

  it('reads the file, checks the risk and says it in French with a decimal comma', async () => {
    setLocale('fr')
    const page = { slug: 'location-risk', title: 'Risque lié aux lieux', path: '/location-risk/', help: '' }
    const me = french(makeMe({ pages: [page] }))
    const r = await mountPage(
      '/location-risk/',
      { 'GET /api/zones/decoy-model': {}, 'POST /api/zones/exposure': exposure },
      me,
    )
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.file-picker').exists()).toBe(true))
    expect(wrapper.find('#location-load-heading').text()).toBe('1. Choisissez votre historique de localisation')
    expect(wrapper.find('.file-picker-name').text()).toBe('Aucun fichier choisi pour l’instant')
    const input = wrapper.find('.file-picker input[type=file]')
    const file = new File([gpx], 'ma-balade.gpx', { type: 'application/gpx+xml' })
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await waitFor(() => expect(wrapper.find('.file-picker-name').text()).toBe('Fichier choisi : ma-balade.gpx'))
    await waitFor(() =>
      expect(squash(wrapper.find('.location-summary').text())).toContain('Points lus dans ma-balade.gpx : 4 points'),
    )
    await wrapper.find('button.primary').trigger('click')
    await waitFor(() => expect(wrapper.find('.location-risk-words').exists()).toBe(true))
    expect(wrapper.find('.location-risk-words').text()).toBe('Élevée')
    expect(wrapper.find('.location-risk-value').text()).toBe('67,2')
    expect(squash(wrapper.find('.location-risk-score').text())).toBe('Score de 67,2 sur 100')
    expect(wrapper.find('.location-explain').text()).toContain('3 de vos points se trouvaient dans 1 endroit')
    const moment = squash(wrapper.find('.location-moments li').text())
    expect(moment).toContain('où l’exposition était moyenne')
    expect(moment).toMatch(/47,370\d\d° N, 8,540\d\d° E/)
    expect(moment).toContain('Cela représente 100 % de votre score.')
  })

  it('says what is wrong with a file in French', () => {
    setLocale('fr')
    const text = '<gpx><trkpt lat="95" lon="8"><time>2025-01-01T00:00:00Z</time></trkpt></gpx>'
    expect(parseHistory(text).errors).toEqual(['Ligne 1 : la latitude doit être un nombre de −90 à 90'])
    expect(parseHistory('[\n{"lat": 1,,}]').errors[0]).toMatch(/^Ligne 2 : ce fichier n’est pas du JSON valide/)
    expect(riskWords(0)).toBe('Aucun contact trouvé')
    expect(riskAdvice(70, 'service médical')).toContain('contacter le service médical aujourd’hui')
  })
})

describe('RISK MODELS in French', () => {
  const riskPage = { slug: 'risk-models', title: 'Modèles de risque', path: '/risk-models/', help: '' }
  const medicMe = () => french(makeMe({ username: 'medic', roles: ['medical'], pages: [riskPage] }))

  it('explains the models and their parameters in French, numbers with a decimal comma', async () => {
    setLocale('fr')
    const r = await mountPage('/risk-models/', {}, medicMe())
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('#dp3t-heading').exists()).toBe(true))
    expect(wrapper.find('#dp3t-heading').text()).toBe('Score d’exposition DP-3T / SwissCovid')
    const params = wrapper.find('.risk-params')
    expect(params.findAll('dt')[1].text()).toBe('Poids w1, w2, w3')
    expect(params.findAll('dd')[1].text()).toBe('1 ; 0,5 ; 0')
    expect(params.findAll('dd')[4].text()).toBe('10 jours, aujourd’hui compris')
    expect(wrapper.find('.dp3t-input th').text()).toBe('Jour')
    expect(wrapper.findAll('button').some((b) => b.text() === 'Ajouter un jour')).toBe(true)
    expect(wrapper.find('#rssi-heading').text()).toBe('Inria RR-9345 : RSSI → risque')
    expect(wrapper.find('#rssi-file-hint code').text()).toBe('contact,time,rssi')
  })

  it('reads a CSV with its errors in French', () => {
    setLocale('fr')
    const { errors } = parseRssiCsv('contact,time,rssi\na,1,50\n,2,-60')
    expect(errors.map((e) => e.message)).toEqual([
      // the minus sign as Intl writes it in French
      `Le RSSI 50 dBm est hors de la plage ${(-150).toLocaleString('fr-CH')} à 20 dBm.`,
      'Le contact est vide.',
    ])
    expect(parseRssiCsv('a,b\n').errors[0].message).toBe(
      'La première ligne doit être l’en-tête « contact,time,rssi » ; il manque : contact, time, rssi.',
    )
  })
})
