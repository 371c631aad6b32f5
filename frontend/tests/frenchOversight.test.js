// The oversight pages in French (setLocale('fr') before mounting): Statistics,
// Transparency, Approvals and Audit (with its break-glass reveals, unusual activity,
// purge log and end of service), the chart, the panel that names a trace's contacts
// and the words of their format.js modules.
// Numbers follow the language: French grouping (a narrow no-break space) and a
// decimal comma.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { ref } from 'vue'
import { apiStub, makeMe, mountPage, waitFor } from './helpers.js'
import { dailyStats, policyWhatIf, privacyMe as statsPrivacyMe, purgeLog, statsMe, personMe, transparency } from './statsData.js'
import { aReveal, auditEntries, NOW, revealState } from './tracingData.js'
import { setLocale } from '../src/i18n.js'
import { ME_KEY } from '../src/session.js'
import { caseWords, namedMessage, reviewWords, scopeWords, statusWords } from '../src/reveals/format.js'
import { detailLines } from '../src/audit/format.js'
import { usualWords } from '../src/oversight/format.js'
import { formatCount, hoursWords, keptRow, longWeek, smallCountRule } from '../src/stats/format.js'
import RevealPanel from '../src/components/RevealPanel.vue'
import TimeSeriesChart from '../src/components/TimeSeriesChart.vue'
import { SERVICE_RULES } from './helpers.js'
import { charts } from './chartMock.js'

vi.mock('chart.js', () => import('./chartMock.js'))

let wrapper
beforeEach(() => {
  charts.length = 0
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(NOW)
  setLocale('fr')
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/** The person, in French (as /api/me says once the account chose it). */
const inFrench = (me) => ({ ...me, language: 'fr' })
const text = (selector) => wrapper.find(selector).text().replace(/\s+/g, ' ').trim()

describe('the format modules in French', () => {
  it('writes reveals, audit details and usual patterns in French', () => {
    expect(scopeWords('close')).toBe('les contacts étroits')
    expect(statusWords('waiting')).toBe('en attente d’approbation')
    expect(reviewWords({ outcome: 'escalated', by: 'dpo' })).toBe('signalé par dpo')
    expect(caseWords(aReveal({ degree: 2 }))).toBe('Cas C-2025-017 (second degré)')
    expect(namedMessage({ revealed: 'all', follow_ups: [{}, {}] }, aReveal({ status: 'not_needed' }))).toBe(
      'Les noms de tous les contacts sont révélés. C’est inscrit dans le journal d’audit avec votre motif. 2 suivis ouverts ou déplacés.',
    )
    expect(detailLines({ trace: 42, contacts: 1, close_contacts: 0, approval: 'break-glass' }, SERVICE_RULES)).toEqual([
      '1 contact, 0 contact étroit',
      'Traçage n° 42',
      'Sans approbation (accès d’urgence)',
    ])
    expect(usualWords({ rule: 'exports_per_day', usual_user: 1.25 }, 'user')).toBe('1,3 par jour')
  })

  it('writes counts, spans and the small-count rule in French', () => {
    expect(formatCount(12345)).toMatch(/^12\s345$/)
    expect(formatCount('hidden')).toBe('masqué')
    expect(formatCount('< 5')).toBe('< 5')
    expect(hoursWords(1)).toBe('1 heure')
    expect(hoursWords(49)).toBe('2 jours 1 heure')
    expect(smallCountRule(5)).toMatch(/^les nombres de 1 à 4 sont affichés « < 5 »/)
    expect(keptRow({ kind: 'x', status: 'overdue', limit_hours: 24 }).statusWords).toBe('En retard')
    expect(longWeek('2025-11-17')).toBe('Semaine du lun. 17 nov. 2025')
  })
})

describe('STATISTICS in French', () => {
  it('shows the rule, the charts and their numbers in French', async () => {
    wrapper = (
      await mountPage(
        '/stats/',
        { 'GET /api/stats/daily': dailyStats(), 'GET /api/stats/policy-what-if': policyWhatIf({ daily: 1234 }) },
        inFrench(statsMe()),
      )
    ).wrapper
    await waitFor(() => expect(wrapper.find('.stats-what-if-figures').exists()).toBe(true))
    expect(text('.stats-rule-title')).toBe('Pas de petits nombres')
    expect(text('.stats-rule-text')).toMatch(/^Les nombres de 1 à 4 sont affichés « < 5 »/)
    expect(wrapper.findAll('a').some((a) => a.text() === 'Télécharger en CSV')).toBe(true)
    expect(text('#stats-activity-heading')).toBe('Appareils actifs et rencontres par jour')
    expect(text('.stats-period')).toContain('14 jours')
    expect(text('.stats-what-if-period')).toContain('seuil de 15 minutes')
    expect(text('.what-if-daily')).toMatch(/^1\s234$/)
    expect(text('.what-if-per-encounter')).toBe('masqué')
    const table = wrapper.find('#stats-activity-table table')
    expect(table.findAll('thead th').map((th) => th.text())).toEqual(['Jour', 'Appareils actifs', 'Rencontres'])
  })
})

describe('TRANSPARENCY in French', () => {
  it('shows the facts with French numbers', async () => {
    wrapper = (
      await mountPage('/transparency/', { 'GET /api/stats/transparency': transparency() }, inFrench(personMe()))
    ).wrapper
    await waitFor(() => expect(wrapper.find('.fact-rows').exists()).toBe(true))
    expect(text('#transparency-data-heading')).toBe('Données conservées et supprimées')
    expect(text('.fact-rows')).toMatch(/^12\s345$/)
    expect(text('.transparency-intro')).toContain('Uniquement des chiffres')
    expect(text('#transparency-traces-heading')).toBe('Traçages par mois')
    expect(text('.transparency-privacy')).toBe('Comment vos données sont traitées')
    const head = wrapper.findAll('#transparency-traces-table thead th').map((th) => th.text())
    expect(head).toEqual(['Mois', 'Traçages'])
  })
})

describe('the chart in French', () => {
  it('writes axis ticks, tooltips and table numbers with a decimal comma and French grouping', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function () {
      return { canvas: this, createPattern: () => null }
    })
    wrapper = mount(TimeSeriesChart, {
      props: {
        title: 'Rencontres',
        labels: ['18 nov.', '19 nov.'],
        datasets: [{ label: 'Rencontres', type: 'bar', data: [12345, 2.5] }],
        idPrefix: 'fr-chart',
      },
      attachTo: document.body,
    })
    await flushPromises()
    const { options } = charts[0].config
    expect(options.scales.left.ticks.callback(12345)).toMatch(/^12\s345$/)
    expect(options.plugins.tooltip.callbacks.label({ datasetIndex: 0, dataIndex: 1 })).toBe('Rencontres : 2,5')
    expect(wrapper.find('.chart-toggle button').text()).toBe('Afficher en tableau')
    await wrapper.find('.chart-toggle button').trigger('click')
    await flushPromises()
    const rows = wrapper.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((c) => c.text()))
    expect(rows[0][1]).toMatch(/^12\s345$/)
    expect(rows[1]).toEqual(['19 nov.', '2,5'])
    expect(wrapper.find('thead th').text()).toBe('Date')
  })
})

const approvalsPage = {
  slug: 'approvals',
  title: 'Approbations',
  path: '/approvals/',
  help: '',
}

describe('APPROVALS in French', () => {
  it('lists the requests and opens one in French', async () => {
    const me = inFrench(makeMe({ username: 'medic-2', display_name: 'Max', roles: ['medical'], pages: [approvalsPage] }))
    wrapper = (
      await mountPage(
        '/approvals/',
        {
          'GET /api/reveals': [aReveal()],
          'GET /api/reveals/mine': [aReveal({ id: 9, status: 'refused', decided_by: 'medic-3', decided_at: '2025-11-19T10:00:00+01:00', comment: 'Non.' })],
        },
        me,
      )
    ).wrapper
    await waitFor(() => expect(wrapper.find('.approvals-table').exists()).toBe(true))
    expect(text('#approvals-waiting-heading')).toBe('En attente d’une deuxième personne')
    expect(wrapper.findAll('.approvals-table thead th').map((th) => th.text())).toEqual([
      'Demandée le',
      'Par',
      'Cas',
      'À nommer',
      'Motif',
      'Ouvrir',
    ])
    expect(text('.approvals-table tbody tr')).toContain('Cas C-2025-017')
    expect(text('.approvals-table tbody tr')).toContain('les contacts étroits')
    await waitFor(() => expect(wrapper.find('.approvals-mine-table').exists()).toBe(true))
    expect(text('.approvals-mine-table .reveal-status-badge')).toBe('refusée')
    // a date in French, the decision's comment in guillemets
    expect(text('.approvals-decision')).toMatch(/^medic-3, .*19 nov\..* : « Non\. »$/)
  })
})

describe('AUDIT in French', () => {
  it('shows the filters, the entries, the break-glass reveals and the purge log in French', async () => {
    wrapper = (
      await mountPage(
        '/audit/',
        {
          'GET /api/audit/entries': auditEntries,
          'GET /api/retention/decommission': [],
          'GET /api/stats/purges': purgeLog({ records: [{ at: '2025-11-20T03:00:00+01:00', removed: { encounters: 1500 }, oldest_remaining: null }] }),
          'GET /api/reveals/break-glass': [aReveal({ status: 'break_glass', urgent: true })],
          'GET /api/oversight/anomalies': { since: '2025-11-14', until: '2025-11-20', baseline_days: 28, per_rule: [], alerts: [] },
        },
        inFrench(statsPrivacyMe()),
      )
    ).wrapper
    await waitFor(() => expect(wrapper.find('.purge-table').exists()).toBe(true))
    await waitFor(() => expect(wrapper.find('.break-glass-item').exists()).toBe(true))
    expect(wrapper.find('label[for="audit-actor"]').text()).toBe('Qui')
    expect(wrapper.find('#audit-action option').text()).toBe('Toutes les actions')
    expect(wrapper.find('.audit-filters').attributes('aria-label')).toBe('Filtrer le journal d’audit')
    expect(text('.audit-summary')).toMatch(/entrées?.*les? plus récentes? en premier\.$/)
    expect(text('#break-glass-heading')).toBe('Accès d’urgence')
    expect(text('.break-glass-summary')).toBe('1 accès d’urgence, 1 pas encore examiné.')
    expect(text('#purge-log-heading')).toBe('Journal des purges')
    expect(text('.purge-table tbody td.number')).toMatch(/^1\s500$/)
    expect(text('#unusual-heading')).toBe('Activité inhabituelle')
    await waitFor(() => expect(wrapper.find('.unusual-summary').exists()).toBe(true))
    expect(text('.unusual-summary')).toMatch(/^Rien d’inhabituel du /)
    expect(text('#end-of-service-heading')).toBe('Fin du service')
    expect(text('.end-of-service-ask label')).toBe('Pourquoi le service prend fin')
  })
})

describe('naming the contacts in French (RevealPanel)', () => {
  it('asks whom to name and says that a second person must approve, in French', async () => {
    apiStub({
      'GET /api/tracing/traces/42/reveal': revealState({
        latest: aReveal({ status: 'refused', decided_by: 'medic-2', decided_at: '2025-11-19T10:00:00+01:00', comment: 'Pas encore.' }),
      }),
    })
    const me = ref(inFrench(makeMe({ roles: ['medical'], role_descriptions: { medical: 'service médical', privacy: 'bureau de la protection des données' } })))
    wrapper = mount(RevealPanel, { props: { traceId: 42 }, global: { provide: { [ME_KEY]: me } }, attachTo: document.body })
    await waitFor(() => expect(wrapper.find('.reveal-form').exists()).toBe(true))
    expect(text('h3')).toBe('Révéler les noms des contacts')
    expect(text('.reveal-refused p')).toMatch(/^Refusée par medic-2 le .*19 nov\..* : « Pas encore\. »\.$/)
    expect(text('legend')).toBe('Qui nommer')
    expect(wrapper.findAll('.choice').map((c) => c.text().replace(/\s+/g, ' ').trim())).toEqual([
      'Nommer les contacts étroits (demande l’approbation d’une deuxième personne)',
      'Nommer tous les contacts (demande l’approbation d’une deuxième personne)',
      'Urgent : les nommer tout de suite sans approbation (accès d’urgence)',
    ])
    expect(text('.reveal-why p')).toBe('Une deuxième personne (service médical) doit l’approuver avant que quiconque soit nommé :')
    expect(text('button[type="submit"]')).toBe('Demander l’approbation')
  })
})
