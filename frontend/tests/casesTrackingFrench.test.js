// CASES, FOLLOW-UPS, TRACKING and a trace's result in French: the words come from the
// catalogues (src/locales/fr/{cases,followups,tracking,tracing}.json), the numbers and
// dates in French forms (decimal comma, "13,1 %", "28 nov. 2025"). Data from the server
// (names, page titles, status words) stays as the server sent it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, typeInto, waitFor } from './helpers.js'
import {
  caseDetail,
  caseList,
  chain,
  clusters,
  figures,
  followUpDetail,
  medicMe as caseMedicMe,
  NOW,
  worklist,
} from './casesData.js'
import { medicMe as traceMedicMe, myTraces, tinaSearch, traceResult } from './tracingData.js'
import { setLocale } from '../src/i18n.js'
import { formatMinutes, formatProbability, policyLabel } from '../src/tracing/format.js'
import { daysLeftWords } from '../src/cases/format.js'

let wrapper
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(NOW)
  setLocale('fr')
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
})

const text = (w) => w.text().replace(/\s+/g, ' ').trim()
// The person chose French (/api/me `language`), should the session set the language from it.
const inFrench = (me) => ({ ...me, language: 'fr' })

describe('the words of cases and traces, in French', () => {
  it('says days left, minutes, probabilities and the rules in French', () => {
    expect(daysLeftWords(0)).toBe('dernier jour')
    expect(daysLeftWords(1)).toBe('1 jour restant')
    expect(daysLeftWords(8)).toBe('8 jours restants')
    expect(daysLeftWords(-2)).toBe('terminé il y a 2 jours')
    expect(formatMinutes(90)).toBe('1,5 min')
    expect(formatProbability(0.1306)).toBe('13,1%') // Swiss French: no space before %
    expect(policyLabel('encounter', 15)).toBe('Une rencontre de plus de 15 minutes (CERN)')
    setLocale('en')
    expect(formatMinutes(90)).toBe('1.5 min')
    expect(formatProbability(0.1306)).toBe('13.1%')
  })
})

describe('CASES in French', () => {
  const routes = {
    'GET /api/cases': caseList,
    'GET /api/cases/figures': figures,
    'GET /api/cases/clusters': clusters,
    'GET /api/cases/12': caseDetail(),
    'GET /api/cases/12/chain': chain,
    'GET /api/tracing/people': tinaSearch,
  }

  it('shows the list, the clusters and the figures in French', async () => {
    const r = await mountPage('/cases/', routes, inFrench(caseMedicMe()))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.findAll('.cases-table tbody tr')).toHaveLength(2), { timeout: 8000 })
    expect(wrapper.find('#cases-list-heading').text()).toBe('Cas')
    expect(wrapper.find('label[for="cases-q"]').text()).toBe('Rechercher')
    expect(wrapper.find('#cases-q').attributes('placeholder')).toBe('Référence, nom ou numéro de personne')
    const first = text(wrapper.find('.cases-table tbody tr'))
    expect(first).toContain('ouvert')
    expect(first).toContain('18 nov. 2025')
    expect(first).toContain('1 sur 2')
    expect(wrapper.find('#case-open-heading').text()).toBe('Ouvrir un cas')
    await waitFor(() => expect(wrapper.find('.figures-list').exists()).toBe(true))
    expect(wrapper.find('#figures-heading').text()).toBe('Chiffres')
    expect(wrapper.find('.figure-mean').text()).toBe('3,4')
    expect(wrapper.find('.figure-notified').text()).toBe(
      'non affiché : trop peu de suivis, ou trop peu à temps ou en retard',
    )
    expect(wrapper.find('.figures').text()).toContain('Les nombres inférieurs à 5 s’affichent « < 5 »')
    expect(wrapper.find('.clusters-summary').text()).toBe('1 foyer parmi 12 cas ouverts.')
  })

  it('shows a case’s record and its trace form in French', async () => {
    const r = await mountPage('/cases/?case=12', routes, inFrench(caseMedicMe()))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('#case-record-heading').exists()).toBe(true), { timeout: 8000 })
    expect(text(wrapper.find('.case-facts'))).toContain('Numéro de personne 820001')
    expect(wrapper.find('#case-edit-heading').text()).toBe('Dates et notes')
    expect(text(wrapper.find('.case-traces tbody tr'))).toContain('le cas')
    const followUp = text(wrapper.find('.case-follow-ups tbody tr'))
    expect(followUp).toContain('28 nov. 2025')
    expect(followUp).toContain('8 jours restants')
    expect(wrapper.find('#case-trace-heading').text()).toBe('Tracer ce cas')
    await wrapper.find('.case-trace-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('#case-trace-reason-error').text()).toBe('Indiquez le motif de ce traçage.')
    expect(wrapper.find('#case-chain-heading').text()).toBe('Chaîne')
  })
})

describe('FOLLOW-UPS in French', () => {
  const routes = { 'GET /api/cases/follow-ups': worklist, 'GET /api/cases/follow-ups/5': followUpDetail() }

  it('shows the worklist in French', async () => {
    const r = await mountPage('/follow-ups/', routes, inFrench(caseMedicMe()))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.findAll('.worklist tbody tr')).toHaveLength(3), { timeout: 8000 })
    const rows = wrapper.findAll('.worklist tbody tr')
    expect(text(rows[0])).toContain('8 jours restants')
    expect(text(rows[0])).toContain('pas encore')
    expect(text(rows[0])).toContain('28 nov. 2025')
    expect(rows[1].find('.notify-failed').text()).toBe('échec')
    expect(rows[2].find('.notify-sent').text()).toBe('informé')
    expect(wrapper.find('.export-link').text()).toBe('Télécharger en CSV')
    expect(wrapper.find('#worklist-all').attributes('aria-label')).toBe('Sélectionner tous les suivis')
    expect(wrapper.find('.preview-button').text()).toBe('Aperçu des e-mails')
  })

  it('shows a follow-up’s record in French', async () => {
    const r = await mountPage('/follow-ups/?id=5', routes, inFrench(caseMedicMe()))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('#follow-up-heading').exists()).toBe(true), { timeout: 8000 })
    const facts = text(wrapper.find('.follow-up-facts'))
    expect(facts).toContain('Numéro de personne')
    expect(facts).toContain('28 nov. 2025 (8 jours restants)')
    expect(wrapper.find('#history-heading').text()).toBe('Historique')
    expect(text(wrapper.find('.follow-up-history'))).toContain('Fin déplacée du 27 nov. 2025 au 28 nov. 2025.')
    expect(text(wrapper.find('.follow-up-notifications'))).toContain('échec : Mail server refused the message.')
    expect(wrapper.find('#follow-up-trace-heading').text()).toBe('Tracer ce contact (second degré)')
  })
})

describe('TRACKING and a trace’s result in French', () => {
  const routes = {
    'GET /api/tracing/people': tinaSearch,
    'GET /api/tracing/traces': myTraces,
    'POST /api/tracing/traces': traceResult(),
    'GET /api/tracing/traces/42/reveal': { revealed: 'close', approver_role: 'privacy', needs_approval: { close: false, all: true }, because: { close: [], all: [] }, latest: null },
  }

  async function open() {
    const r = await mountPage('/tracking/', routes, inFrench(traceMedicMe()))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('#trace-form-heading').exists()).toBe(true), { timeout: 8000 })
    return r
  }

  it('shows the form, its checks and the period in French', async () => {
    await open()
    expect(wrapper.find('#trace-form-heading').text()).toBe('Nouveau traçage')
    expect(wrapper.find('label[for="tracking-person"]').text()).toBe('Personne à tracer')
    expect(wrapper.find('#tracking-window-symptom_onset').element.parentElement.textContent).toContain(
      'Début des symptômes',
    )
    await wrapper.find('form.trace-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('#tracking-person-error').text()).toBe('Choisissez la personne à tracer.')
    expect(wrapper.find('#tracking-reason-error').text()).toBe('Indiquez le motif de ce traçage.')
    await wrapper.find('#tracking-window-positive_test').setValue()
    await wrapper.find('#tracking-test').setValue('2025-11-20T08:00')
    expect(text(wrapper.find('#tracking-window-preview'))).toBe(
      'Le traçage couvrira la période du jeu. 13 nov. 2025 à 8 h 00 jusqu’à maintenant.',
    )
    await waitFor(() => expect(wrapper.find('#recent-traces-heading').text()).toBe('Mes traçages récents'))
  })

  it('runs a trace and shows its result in French, with French numbers and dates', async () => {
    await open()
    await typeInto(wrapper.find('#tracking-person'), 'trac')
    await waitFor(() => expect(wrapper.findAll('[role="option"]')).toHaveLength(2))
    await wrapper.findAll('[role="option"]')[0].trigger('click')
    await wrapper.find('#tracking-window-positive_test').setValue()
    await wrapper.find('#tracking-test').setValue('2025-11-20T08:00')
    await wrapper.find('#tracking-case').setValue('C-2025-017')
    await wrapper.find('#tracking-reason').setValue('Test PCR positif')
    await wrapper.find('form.trace-form').trigger('submit')
    await flushPromises()
    await waitFor(() => expect(wrapper.find('.trace-result').exists()).toBe(true))
    expect(wrapper.find('.success-banner').text()).toContain(
      'Traçage effectué et inscrit au journal d’audit : 3 contacts, 1 contact étroit.',
    )
    const result = wrapper.find('.trace-result')
    expect(result.find('h2').text()).toBe('Cas C-2025-017')
    const facts = text(result.find('.trace-facts'))
    expect(facts).toContain('Personne tracée')
    expect(facts).toContain('(depuis 7 jours avant le test positif)')
    expect(facts).toContain('du jeu. 13 nov. 2025 à 10 h 00 au jeu. 20 nov. 2025 à 10 h 00')
    expect(facts).toContain('Une rencontre de plus de 15 minutes (CERN)')
    expect(text(result.find('.trace-summary'))).toBe('3 contacts, 1 contact étroit.')
    expect(result.find('.contacts-table thead').text()).toContain('Probabilité d’infection (modèle)')
    const rows = result.findAll('.contact-row')
    expect(rows[0].find('.close-badge').text()).toBe('Contact étroit')
    expect(rows[1].find('th').text()).toBe('Contact 1 (non nommé)')
    expect(rows[2].findAll('td')[0].text()).toBe('1,5 min')
    expect(rows[0].find('button').text()).toBe('▸ Afficher 2 rencontres avec Carl Close')
    expect(result.find('.trace-actions a').text()).toBe('Télécharger en CSV')
    expect(result.find('#trace-timeline-heading').text()).toBe('Chronologie')
  })
})
