// Four eyes before anyone is named: the Approvals page (a second person approves or refuses
// naming a trace's contacts, without seeing them), the break-glass reveals on the Audit page,
// and their count on the Transparency page. Naming from a trace: tracking.test.js.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { makeMe, mountPage, reply, waitFor } from './helpers.js'
import { aReveal, auditEntries, auditPage, NOW } from './tracingData.js'
import { personMe, transparency } from './statsData.js'
import { caseWords, namedMessage, reviewWords, scopeWords, statusWords } from '../src/reveals/format.js'
import { contactLabel, isUnnamed } from '../src/tracing/format.js'
import { detailLines } from '../src/audit/format.js'
import { SERVICE_RULES } from './helpers.js'

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

const approvalsPage = {
  slug: 'approvals',
  title: 'Approvals',
  path: '/approvals/',
  help: "Approve or refuse another person's request to name the contacts of a trace.",
}
const secondMedicMe = (roles = ['medical']) =>
  makeMe({ username: 'medic-2', display_name: 'Max Medic', roles, pages: [approvalsPage] })

const REVEALS = '/api/reveals'

/** GET /api/reveals/<id>: the request, the case, and the trace without names. */
function revealDetail(overrides = {}) {
  return {
    ...aReveal(),
    case: {
      reference: 'C-2025-017',
      person_id: '820001',
      name: 'Tina Tracey',
      symptom_onset: null,
      positive_test: '2025-11-20',
      status: 'open',
    },
    pseudonymous: {
      window: { from: '2025-11-13T10:00:00+01:00', to: '2025-11-20T10:00:00+01:00', derived_from: 'positive_test' },
      policy: 'encounter',
      threshold_minutes: 15,
      contacts: [
        { ref: 'c-5a5a5a5a5a', kind: 'person', close_contact: false, total_seconds: 300, longest_seconds: 300, seconds_per_day: { '2025-11-19': 300 } },
        { ref: 'c-0000700007', kind: 'no_holder', close_contact: false, total_seconds: 90, longest_seconds: 90, seconds_per_day: { '2025-11-19': 90 } },
        { ref: 'c-ca11ca11ca', kind: 'person', close_contact: true, total_seconds: 1500, longest_seconds: 1200, seconds_per_day: { '2025-11-17': 300, '2025-11-18': 1200 } },
      ],
    },
    ...overrides,
  }
}

describe('APPROVALS: the requests of others', () => {
  async function open(path = '/approvals/', routes = {}, me = secondMedicMe()) {
    const r = await mountPage(
      path,
      { [`GET ${REVEALS}`]: [aReveal()], [`GET ${REVEALS}/mine`]: [], [`GET ${REVEALS}/7`]: revealDetail(), ...routes },
      me,
    )
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Approvals'))
    return r
  }
  const comment = () => wrapper.find('#approval-comment')
  const button = (name) => wrapper.findAll('.approval-decision button').find((b) => b.text() === name)

  it('lists the waiting requests of others, and my own requests apart', async () => {
    const r = await open('/approvals/', {
      [`GET ${REVEALS}/mine`]: [
        aReveal({ id: 9, requested_by: 'medic-2', status: 'refused', decided_by: 'medic', decided_at: '2025-11-20T09:50:00+01:00', comment: 'Not yet.' }),
      ],
    })
    await waitFor(() => expect(wrapper.findAll('.approvals-table tbody tr')).toHaveLength(1))
    const row = wrapper.find('.approvals-table tbody tr')
    expect(row.text()).toContain('medic')
    expect(row.text()).toContain('Case C-2025-017')
    expect(row.text()).toContain('the close contacts')
    expect(row.find('a').attributes('href')).toBe('/approvals/?id=7')
    await waitFor(() => expect(wrapper.findAll('.approvals-mine-table tbody tr')).toHaveLength(1))
    const mine = wrapper.find('.approvals-mine-table tbody tr')
    expect(mine.find('.reveal-status-badge').text()).toBe('refused')
    expect(mine.text()).toContain('“Not yet.”')
    expect(r.fetchMock.calls('GET', `${REVEALS}/mine`)).toHaveLength(1)
  })

  it('says when nothing waits, and leaves "My requests" out for the data-protection office', async () => {
    const r = await open('/approvals/', { [`GET ${REVEALS}`]: [] }, secondMedicMe(['privacy']))
    await waitFor(() => expect(wrapper.find('.approvals-none').exists()).toBe(true))
    expect(wrapper.find('.approvals-none').text()).toBe('No request waits for approval.')
    expect(wrapper.find('.approvals-mine').exists()).toBe(false)
    expect(r.fetchMock.calls('GET', `${REVEALS}/mine`)).toHaveLength(0)
  })

  it('opens a request: the case, the reason, the period, the rule, why, and the trace without names', async () => {
    await open('/approvals/?id=7')
    await waitFor(() => expect(wrapper.find('#approval-heading').text()).toBe('Case C-2025-017'))
    expect(document.activeElement).toBe(wrapper.find('#approval-heading').element)
    const facts = wrapper.find('.approval-facts').text()
    expect(facts).toContain('Positive PCR test: the contacts must stay at home')
    expect(facts).toContain('the close contacts (1 close contact)')
    expect(facts).toContain('Thu 13 Nov 2025, 10:00 to Thu 20 Nov 2025, 10:00')
    expect(facts).toContain('One encounter longer than 15 minutes (CERN)')
    expect(facts).toContain("Every reveal needs a second person's approval")
    expect(facts).toContain('Tina Tracey')

    const table = wrapper.find('.pseudonymous-table')
    const rows = table.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((c) => c.text().replace(/\s+/g, ' ').trim()))
    expect(rows).toEqual([
      ['Contact 1 (not named) Close contact', 'c-ca11ca11ca', '25 min', '20 min', '17 Nov 2025: 5 min18 Nov 2025: 20 min'],
      ['Contact 2 (not named)', 'c-5a5a5a5a5a', '5 min', '5 min', '19 Nov 2025: 5 min'],
      ['A device nobody held', 'c-0000700007', '1.5 min', '1.5 min', '19 Nov 2025: 1.5 min'],
    ])
    expect(wrapper.find('.pseudonymous-summary').text()).toContain('1 close contact of 3 contacts.')
  })

  it('approves with a comment, then goes back to the list with a message', async () => {
    let waiting = [aReveal()]
    const r = await open('/approvals/?id=7', {
      [`GET ${REVEALS}`]: () => waiting,
      [`POST ${REVEALS}/7/decide`]: () => {
        waiting = []
        return aReveal({ status: 'approved', decided_by: 'medic-2' })
      },
    })
    await waitFor(() => expect(button('Approve')).toBeTruthy())
    await comment().setValue('The reason is sound.')
    await button('Approve').trigger('click')
    await flushPromises()
    expect(r.fetchMock.calls('POST', `${REVEALS}/7/decide`)[0].body).toEqual({ approve: true, comment: 'The reason is sound.' })
    await waitFor(() => expect(wrapper.find('.approvals-none').exists()).toBe(true))
    expect(wrapper.find('.success-banner').text()).toContain(
      'Approved: medic can now see the names of the close contacts (case C-2025-017), and gets an e-mail.',
    )
  })

  it('refuses only with a comment', async () => {
    const r = await open('/approvals/?id=7', { [`POST ${REVEALS}/7/decide`]: aReveal({ status: 'refused' }) })
    await waitFor(() => expect(button('Refuse')).toBeTruthy())
    await button('Refuse').trigger('click')
    await flushPromises()
    expect(wrapper.find('#approval-comment-error').text()).toBe('Say why you refuse: the person who asked reads your comment.')
    expect(comment().attributes('aria-invalid')).toBe('true')
    expect(r.fetchMock.calls('POST', `${REVEALS}/7/decide`)).toHaveLength(0)
    await comment().setValue('Wait for the PCR result.')
    await button('Refuse').trigger('click')
    await flushPromises()
    expect(r.fetchMock.calls('POST', `${REVEALS}/7/decide`)[0].body).toEqual({ approve: false, comment: 'Wait for the PCR result.' })
    await waitFor(() => expect(wrapper.find('.success-banner').text()).toContain('Refused: medic gets an e-mail with your comment.'))
  })

  it("shows the server's refusal of one's own request", async () => {
    await open('/approvals/?id=7', {
      [`POST ${REVEALS}/7/decide`]: reply(403, { detail: 'You asked for this reveal: a second person must decide it.', code: 'own_request' }),
    })
    await waitFor(() => expect(button('Approve')).toBeTruthy())
    await button('Approve').trigger('click')
    await waitFor(() =>
      expect(wrapper.find('.approval-request .form-error').text()).toBe('You asked for this reveal: a second person must decide it.'),
    )
  })

  it('when someone decided first, says so and shows the decision', async () => {
    let detail = revealDetail()
    await open('/approvals/?id=7', {
      [`GET ${REVEALS}/7`]: () => detail,
      [`POST ${REVEALS}/7/decide`]: () => {
        detail = revealDetail({ status: 'approved', decided_by: 'medic-3', decided_at: '2025-11-20T09:58:00+01:00' })
        return reply(409, { detail: 'medic-3 already decided this request (approved).', code: 'decided' })
      },
    })
    await waitFor(() => expect(button('Approve')).toBeTruthy())
    await button('Approve').trigger('click')
    await waitFor(() => expect(wrapper.find('.approval-decision').exists()).toBe(false))
    expect(wrapper.find('.approval-request .form-error').text()).toBe('medic-3 already decided this request (approved).')
    expect(wrapper.find('.approval-facts').text()).toContain('by medic-3')
  })
})

describe('AUDIT: break-glass reveals', () => {
  const BREAK_GLASS = `${REVEALS}/break-glass`
  const privacyMe = () => makeMe({ username: 'dpo', display_name: 'Dora Privacy', roles: ['privacy'], pages: [auditPage] })
  const glass = (overrides = {}) => aReveal({ status: 'break_glass', urgent: true, reason: 'Carl works on the neonatal ward tonight', ...overrides })

  async function open(routes = {}, count = 2) {
    const r = await mountPage(
      '/audit/',
      {
        'GET /api/audit/entries': auditEntries,
        'GET /api/retention/decommission': [],
        'GET /api/stats/purges': { overdue: false, overdue_after_hours: 36, records: [] },
        [`GET ${BREAK_GLASS}`]: [glass(), glass({ id: 3, case_reference: 'C-2025-009', review: { outcome: 'escalated', by: 'dpo', at: '2025-11-19T10:00:00+01:00', comment: 'Asked the head of service.' } })],
        ...routes,
      },
      privacyMe(),
    )
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.findAll('.break-glass-item')).toHaveLength(count))
    return r
  }
  const items = () => wrapper.findAll('.break-glass-item')

  it('lists them, the unreviewed first and flagged', async () => {
    await open()
    expect(wrapper.find('#break-glass-heading').text()).toBe('Break-glass reveals')
    expect(wrapper.find('.break-glass-summary').text()).toBe('2 break-glass reveals, 1 not reviewed yet.')
    const [open_, done] = items()
    expect(open_.classes()).toContain('is-unreviewed')
    expect(open_.find('.break-glass-flag').text()).toBe('Not reviewed')
    expect(open_.text()).toContain('Case C-2025-017: medic named the close contacts')
    expect(open_.text()).toContain('neonatal ward')
    expect(done.classes()).not.toContain('is-unreviewed')
    expect(done.find('.break-glass-review').text()).toContain('escalated by dpo')
    expect(done.find('form').exists()).toBe(false)
  })

  it('marks one reviewed with a comment', async () => {
    let list = [glass()]
    const r = await open(
      {
        [`GET ${BREAK_GLASS}`]: () => list,
        [`POST ${REVEALS}/7/review`]: () => {
          list = [glass({ review: { outcome: 'reviewed', by: 'dpo', at: '2025-11-20T10:00:00+01:00', comment: 'Justified.' } })]
          return list[0]
        },
      },
      1,
    )
    await wrapper.find('#break-glass-7-comment').setValue('Justified.')
    await items()[0].findAll('button').find((b) => b.text().startsWith('Reviewed')).trigger('click')
    await waitFor(() => expect(items()[0].classes()).not.toContain('is-unreviewed'))
    expect(items()[0].find('.break-glass-review').text()).toContain('reviewed by dpo')
    expect(wrapper.find('.break-glass-message').text()).toBe('Case C-2025-017: marked reviewed.')
    expect(r.fetchMock.calls('POST', `${REVEALS}/7/review`)[0].body).toEqual({ outcome: 'reviewed', comment: 'Justified.' })
  })

  it("shows the server's refusal next to the reveal", async () => {
    await open({
      [`POST ${REVEALS}/7/review`]: reply(409, { detail: 'dpo-2 already reviewed it (reviewed).', code: 'reviewed' }),
    })
    await items()[0].findAll('button').find((b) => b.text().startsWith('Escalate')).trigger('click')
    await waitFor(() => expect(wrapper.find('#break-glass-7-comment-error').text()).toBe('dpo-2 already reviewed it (reviewed).'))
  })
})

describe('TRANSPARENCY: urgent reveals not yet reviewed', () => {
  it('shows how many, and nothing for a server that does not say', async () => {
    let r = await mountPage('/transparency/', { 'GET /api/stats/transparency': { ...transparency(), break_glass_unreviewed: 2 } }, personMe())
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.fact-break-glass').exists()).toBe(true))
    expect(wrapper.find('.fact-break-glass').text()).toBe('2')
    expect(wrapper.find('.transparency-reveals dt').text()).toBe('Urgent reveals not yet reviewed by the data-protection office')
    wrapper.unmount()
    document.body.innerHTML = ''

    r = await mountPage('/transparency/', { 'GET /api/stats/transparency': transparency() }, personMe())
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.fact-card').exists()).toBe(true))
    expect(wrapper.find('.fact-break-glass').exists()).toBe(false)
  })
})

describe('reveals/format', () => {
  it('says what a request names, where it stands and how it was reviewed', () => {
    expect(scopeWords('close')).toBe('the close contacts')
    expect(scopeWords('all')).toBe('every contact')
    expect(statusWords('waiting')).toBe('waiting for approval')
    expect(statusWords('break_glass')).toBe('named urgently (break-glass)')
    expect(statusWords('something_new')).toBe('something new')
    expect(reviewWords(null)).toBe('not reviewed yet')
    expect(reviewWords({ outcome: 'escalated', by: 'dpo' })).toBe('escalated by dpo')
    expect(caseWords(aReveal({ degree: 2 }))).toBe('Case C-2025-017 (second degree)')
  })

  it('says how the names came to be shown, and the follow-ups opened', () => {
    const words = (role) => ({ privacy: 'privacy team' })[role]
    expect(namedMessage({ revealed: 'all', follow_ups: [{}, {}] }, aReveal({ status: 'not_needed' }), words)).toBe(
      'Every contact is named. This was recorded in the audit trail with your reason. 2 follow-ups opened or moved.',
    )
    expect(namedMessage({ revealed: 'close' }, aReveal({ status: 'break_glass' }), words)).toBe(
      'The close contacts are named (break-glass). This was recorded in the audit trail; the privacy team reviews it.',
    )
  })

  it('names nobody who is not named, even without a `named` field', () => {
    expect(isUnnamed({ kind: 'person', ref: 'c-1' })).toBe(true)
    expect(isUnnamed({ kind: 'person', named: true, name: 'Carl Close' })).toBe(false)
    expect(contactLabel({ kind: 'person', ref: 'c-1' }, 3)).toBe('Contact 3 (not named)')
    expect(contactLabel({ kind: 'no_holder' })).toBe('A device nobody held')
    expect(contactLabel({ kind: 'unknown' })).toBe('Unknown tag')
  })
})

describe('the audit trail of reveals, in words', () => {
  it('says what each step of a reveal did', () => {
    expect(detailLines({ trace: 42, reveal: 7, scope: 'close' }, SERVICE_RULES)).toEqual([
      'Scope: the close contacts',
      'Trace no. 42',
      'Request no. 7 to name contacts',
    ])
    expect(detailLines({ reveal: 7, approval: 'break-glass', trace: 42, scope: 'close', named: 1 }, SERVICE_RULES)).toEqual([
      'Named 1 contact',
      'Scope: the close contacts',
      'Trace no. 42',
      'Request no. 7 to name contacts',
      'Without approval (break-glass)',
    ])
    expect(detailLines({ reveal: 7, requested_by: 'medic' }, SERVICE_RULES)).toEqual(['Request no. 7 to name contacts', 'requested by: medic'])
    expect(detailLines({ reveal: 7, outcome: 'escalated', by: 'medic' }, SERVICE_RULES)).toEqual([
      'Request no. 7 to name contacts',
      'Review: escalated',
      'Break-glass by medic',
    ])
    // An entry from before the four-eyes reveal keeps its words.
    expect(detailLines({ named: 2 }, SERVICE_RULES)).toEqual(['Named 2 other contacts'])
  })
})
