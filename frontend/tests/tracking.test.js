import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountPage, reply, SERVICE_RULES, typeInto, waitFor } from './helpers.js'
import {
  aReveal,
  medicMe,
  myTraces,
  NOW,
  pseudonymousTraceResult,
  revealState,
  samNamed,
  tinaSearch,
  traceResult,
} from './tracingData.js'
import { localInputToIso } from '../src/registration/format.js'
import { plannedWindow, policyLabel, toLocalIso } from '../src/tracing/format.js'

let wrapper
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(NOW) // Thu 20 Nov 2025, 10:00
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
})

const SEARCH = 'GET /api/tracing/people'
const TRACES = '/api/tracing/traces'

function routes(extra = {}) {
  return {
    [SEARCH]: tinaSearch,
    [`GET ${TRACES}`]: myTraces,
    [`POST ${TRACES}`]: traceResult(),
    [`GET ${TRACES}/42/reveal`]: revealState({ revealed: 'close' }),
    ...extra,
  }
}

async function open(extra = {}) {
  const r = await mountPage('/tracking/', routes(extra), medicMe())
  wrapper = r.wrapper
  await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Tracking'))
  return r
}

const options = () => wrapper.findAll('[role="option"]')
const form = () => wrapper.find('form.trace-form')
const errorOf = (id) => wrapper.find(`#${id}-error`)

async function choosePerson() {
  await typeInto(wrapper.find('#tracking-person'), 'trac')
  await waitFor(() => expect(options()).toHaveLength(2))
  await options()[0].trigger('click')
  await waitFor(() => expect(wrapper.find('.trace-person').text()).toContain('Tina Tracey'))
}

async function fill({ kind = 'positive_test', when = '2025-11-20T08:00', from, to, policy, caseRef = 'C-2025-017', reason = 'Positive PCR test' } = {}) {
  await wrapper.find(`#tracking-window-${kind}`).setValue()
  if (kind === 'symptom_onset') await wrapper.find('#tracking-onset').setValue(when)
  if (kind === 'positive_test') await wrapper.find('#tracking-test').setValue(when)
  if (kind === 'explicit') {
    await wrapper.find('#tracking-from').setValue(from)
    if (to !== undefined) await wrapper.find('#tracking-to').setValue(to)
  }
  if (policy) await wrapper.find(`#tracking-policy-${policy}`).setValue()
  await wrapper.find('#tracking-case').setValue(caseRef)
  await wrapper.find('#tracking-reason').setValue(reason)
}

async function submit() {
  await form().trigger('submit')
  await flushPromises()
}

async function runTrace(r, options) {
  await choosePerson()
  await fill(options)
  await submit()
  await waitFor(() => expect(wrapper.find('.trace-result').exists()).toBe(true))
  return r.fetchMock.calls('POST', TRACES)
}

describe('TRACKING: the form', () => {
  it('shows the help, the audit notice, and searches the tracing API as one types', async () => {
    const r = await open()
    expect(wrapper.find('main p.help').text()).toBe(
      'Find the close contacts of a person in their infectious period. Every trace is audited.',
    )
    expect(wrapper.find('.audit-notice').text()).toContain('Every trace is recorded in the audit trail')
    expect(wrapper.find('label[for="tracking-person"]').text()).toBe('Person to trace')
    await waitFor(() => expect(document.activeElement).toBe(wrapper.find('#tracking-person').element))

    await typeInto(wrapper.find('#tracking-person'), 'trac')
    await waitFor(() => expect(options()).toHaveLength(2))
    expect(r.fetchMock.calls('GET', '/api/tracing/people').map((c) => c.url)).toEqual([
      '/api/tracing/people?q=trac',
    ])
    expect(options()[0].text()).toContain('Tina Tracey')
    expect(options()[0].text()).toContain('820001')
    expect(options()[0].text()).toContain('Laboratory')
    expect(options()[0].text()).not.toContain('no device') // the tracing search does not say
    expect(options()[1].text()).toContain('left the organisation')
  })

  it('offers the three periods and the two policies in words', async () => {
    await open()
    const labels = wrapper.findAll('input[name="tracking-window"]').map((i) => i.element.parentElement.textContent.trim())
    expect(labels).toEqual([
      'Symptom onset (from 3 days before the symptoms began)',
      'Positive test, no symptoms (from 7 days before the test)',
      'Explicit period (a start and an end of your choice)',
    ])
    const policies = wrapper.findAll('input[name="tracking-policy"]').map((i) => i.element.parentElement.textContent.trim())
    expect(policies).toEqual([
      'One encounter longer than 15 minutes (CERN)',
      '15 minutes or more in one day (Swiss/ECDC)',
    ])
    expect(wrapper.find('#tracking-policy-encounter').element.checked).toBe(true)
  })

  it('requires a person, the date, a case reference and a reason before asking the server', async () => {
    const r = await open()
    await submit()
    expect(errorOf('tracking-person').text()).toBe('Choose the person to trace.')
    expect(errorOf('tracking-onset').text()).toBe('Give the date and time the symptoms began.')
    expect(errorOf('tracking-case').text()).toBe('Give the case reference.')
    expect(errorOf('tracking-reason').text()).toBe('Give the reason for this trace.')
    expect(wrapper.find('#tracking-case').attributes('aria-invalid')).toBe('true')
    expect(wrapper.find('#tracking-case').attributes('aria-describedby')).toContain('tracking-case-error')
    expect(r.fetchMock.calls('POST', TRACES)).toHaveLength(0)

    // Blanks do not count as an answer.
    await choosePerson()
    await fill({ caseRef: '   ', reason: '  ' })
    await submit()
    expect(errorOf('tracking-person').exists()).toBe(false)
    expect(errorOf('tracking-case').text()).toBe('Give the case reference.')
    expect(errorOf('tracking-reason').text()).toBe('Give the reason for this trace.')
    expect(r.fetchMock.calls('POST', TRACES)).toHaveLength(0)

    // Answering takes the message away.
    await wrapper.find('#tracking-case').setValue('C-1')
    expect(errorOf('tracking-case').exists()).toBe(false)
  })

  it('symptom onset: sends symptom_onset and the policy chosen', async () => {
    const r = await open()
    const [call] = await runTrace(r, { kind: 'symptom_onset', when: '2025-11-18T07:30', policy: 'daily' })
    expect(call.body).toEqual({
      person_id: '820001',
      symptom_onset: localInputToIso('2025-11-18T07:30'),
      policy: 'daily',
      case_reference: 'C-2025-017',
      reason: 'Positive PCR test',
    })
  })

  it('positive test: sends positive_test, with the CERN policy by default', async () => {
    const r = await open()
    const [call] = await runTrace(r, { kind: 'positive_test', when: '2025-11-20T08:00', caseRef: ' C-9 ' })
    expect(call.body).toEqual({
      person_id: '820001',
      positive_test: localInputToIso('2025-11-20T08:00'),
      policy: 'encounter',
      case_reference: 'C-9',
      reason: 'Positive PCR test',
    })
    expect(call.init.headers['Content-Type']).toBe('application/json')
  })

  it('explicit period: sends from and to, or from alone (up to now)', async () => {
    const r = await open()
    const [call] = await runTrace(r, { kind: 'explicit', from: '2025-11-15T08:00', to: '2025-11-17T18:00', policy: 'encounter' })
    expect(call.body).toEqual({
      person_id: '820001',
      from: localInputToIso('2025-11-15T08:00'),
      to: localInputToIso('2025-11-17T18:00'),
      policy: 'encounter',
      case_reference: 'C-2025-017',
      reason: 'Positive PCR test',
    })

    await wrapper.find('#tracking-to').setValue('')
    await submit()
    await waitFor(() => expect(r.fetchMock.calls('POST', TRACES)).toHaveLength(2))
    const second = r.fetchMock.calls('POST', TRACES)[1].body
    expect(second.from).toBe(localInputToIso('2025-11-15T08:00'))
    expect('to' in second).toBe(false)
  })

  it('explicit period: the end must be after the start', async () => {
    const r = await open()
    await choosePerson()
    await fill({ kind: 'explicit', from: '2025-11-17T08:00', to: '2025-11-16T08:00' })
    await submit()
    expect(errorOf('tracking-to').text()).toBe('The end must be after the start.')
    expect(r.fetchMock.calls('POST', TRACES)).toHaveLength(0)
  })

  it('shows the period before the trace is run, and says when the retention shortens it', async () => {
    await open()
    await wrapper.find('#tracking-window-positive_test').setValue()
    expect(wrapper.find('#tracking-window-preview').text()).toBe('The period appears here once its date is given.')
    await wrapper.find('#tracking-test').setValue('2025-11-20T08:00')
    expect(wrapper.find('#tracking-window-preview').text()).toBe(
      'The trace will cover Thu 13 Nov 2025, 08:00 to now.',
    )
    await wrapper.find('#tracking-window-symptom_onset').setValue()
    await wrapper.find('#tracking-onset').setValue('2025-11-01T08:00')
    expect(wrapper.find('#tracking-window-preview').text()).toContain(
      'Encounters are kept for 14 days only, so it starts there.',
    )
  })

  it("puts the server's field errors next to the fields", async () => {
    await open({
      [`POST ${TRACES}`]: reply(400, {
        case_reference: ['Ensure this field has no more than 100 characters.'],
        reason: ['This field may not be blank.'],
        start: ['Datetime has wrong format.'],
      }),
    })
    await choosePerson()
    await fill({ kind: 'explicit', from: '2025-11-15T08:00' })
    await submit()
    await waitFor(() =>
      expect(errorOf('tracking-case').text()).toBe('Ensure this field has no more than 100 characters.'),
    )
    expect(errorOf('tracking-reason').text()).toBe('This field may not be blank.')
    expect(errorOf('tracking-from').text()).toBe('Datetime has wrong format.')
    expect(wrapper.find('#tracking-reason').attributes('aria-invalid')).toBe('true')
    expect(wrapper.find('.trace-result').exists()).toBe(false)
  })

  it("puts the server's refusal of the period next to the period", async () => {
    await open({
      [`POST ${TRACES}`]: reply(400, {
        detail: 'Give exactly one of: a start (from), the symptom onset, or the positive test.',
        code: 'window',
      }),
    })
    await choosePerson()
    await fill()
    await submit()
    await waitFor(() =>
      expect(errorOf('tracking-window').text()).toBe(
        'Give exactly one of: a start (from), the symptom onset, or the positive test.',
      ),
    )
  })
})

describe('TRACKING: the result', () => {
  async function traced(answer = traceResult()) {
    const r = await open({ [`POST ${TRACES}`]: answer })
    await runTrace(r)
    return r
  }
  const rows = () => wrapper.findAll('.contact-row')

  it('says it was recorded, and shows whom, the period the server used, the policy and the devices', async () => {
    await traced()
    expect(wrapper.find('.success-banner').text()).toContain(
      'Trace done and recorded in the audit trail: 3 contacts, 1 close contact.',
    )
    const result = wrapper.find('.trace-result')
    expect(result.find('h2').text()).toBe('Case C-2025-017')
    const facts = result.find('.trace-facts').text()
    expect(facts).toContain('Tina Tracey (820001, Laboratory)')
    expect(facts).toContain(
      'Thu 13 Nov 2025, 10:00 to Thu 20 Nov 2025, 10:00 (from 7 days before the positive test)',
    )
    expect(facts).toContain('One encounter longer than 15 minutes (CERN)')
    expect(facts).toContain('P-0101')
    expect(result.find('.trace-clamped').exists()).toBe(false)
  })

  it('lists close contacts first, with minutes, days and the modelled probability', async () => {
    await traced()
    expect(rows()).toHaveLength(3)
    const [carl, sam, nobody] = rows()
    expect(carl.find('th').text()).toContain('Carl Close')
    expect(carl.find('.close-badge').text()).toBe('Close contact')
    const cells = carl.findAll('td').map((c) => c.text())
    expect(cells[0]).toBe('820002')
    expect(cells[1]).toBe('Physics')
    expect(cells[2]).toBe('25 min') // total
    expect(cells[3]).toBe('20 min') // longest
    expect(cells[4]).toBe('17 Nov 2025: 5 min18 Nov 2025: 20 min')
    expect(cells[5]).toBe('16.1%')
    expect(carl.find('a[href="mailto:carl.close@example.org"]').exists()).toBe(true)
    expect(wrapper.find('.contacts-table thead').text()).toContain('Infection probability (model)')

    // Not a close contact: counted, with minutes, and not named.
    expect(sam.find('th').text()).toBe('Contact 1 (not named)')
    expect(sam.find('.close-badge').exists()).toBe(false)
    expect(sam.findAll('td').map((c) => c.text()).slice(0, 3)).toEqual(['—', '—', '5 min'])
    expect(wrapper.find('.trace-result').text()).not.toContain('Sam')

    // A device nobody held: said plainly, across the person's columns.
    const who = nobody.find('th')
    expect(who.text()).toBe('Nobody held device P-0007 then (now in stock)')
    expect(who.attributes('colspan')).toBe('3')
    expect(nobody.findAll('td')[0].text()).toBe('1.5 min')
  })

  it('shows the encounters of a contact when asked', async () => {
    await traced()
    const encounterRows = wrapper.findAll('.encounter-row')
    expect(encounterRows.every((r) => !r.isVisible())).toBe(true)
    const button = rows()[0].find('button')
    expect(button.attributes('aria-expanded')).toBe('false')
    expect(button.text()).toBe('▸ Show 2 encounters with Carl Close')
    await button.trigger('click')
    expect(button.attributes('aria-expanded')).toBe('true')
    expect(wrapper.find(`#${button.attributes('aria-controls')}`).isVisible()).toBe(true)
    const lines = wrapper.findAll('.encounter-row')[0].findAll('tbody tr').map((tr) => tr.text())
    expect(lines).toEqual(['Mon 17 Nov 2025, 09:005 min', 'Tue 18 Nov 2025, 14:0520 min'])
    expect(wrapper.findAll('.encounter-row')[1].isVisible()).toBe(false)

    expect(button.text()).toBe('▾ Hide 2 encounters with Carl Close')
    await button.trigger('click')
    expect(wrapper.findAll('.encounter-row')[0].isVisible()).toBe(false)
  })

  it('says when an encounter is counted only in part, cut by the period', async () => {
    const answer = traceResult()
    const carl = answer.contacts.find((c) => c.ref === 'c-ca11ca11ca')
    carl.encounters = [{ ...carl.encounters[0], cut_start: true }, carl.encounters[1]]
    await traced(answer)
    await rows()[0].find('button').trigger('click')
    const lines = wrapper.findAll('.encounter-row')[0].findAll('tbody tr').map((tr) => tr.text())
    expect(lines[0]).toContain('(began earlier: only the part inside the period counts)')
    expect(lines[1]).not.toContain('began earlier')
  })

  it('links to the CSV export and offers a printed report', async () => {
    await traced()
    const link = wrapper.find('.trace-result a[download]')
    expect(link.attributes('href')).toBe('/api/tracing/traces/42/export.csv')
    expect(link.text()).toBe('Download CSV')
    const print = vi.fn()
    vi.stubGlobal('print', print)
    const button = wrapper.findAll('.trace-result button').find((b) => b.text() === 'Print report')
    await button.trigger('click')
    expect(print).toHaveBeenCalledTimes(1)
    expect(wrapper.find('.print-only').text()).toContain('by Maya Medic')
  })

  it("uses the server's threshold, and says when the period was cut at the retention", async () => {
    await traced(
      traceResult({
        policy: 'daily',
        threshold_minutes: 20,
        window: {
          from: '2025-11-06T10:00:00+01:00',
          to: '2025-11-20T10:00:00+01:00',
          derived_from: 'explicit',
          clamped_to_retention: true,
        },
      }),
    )
    const facts = wrapper.find('.trace-facts').text()
    expect(facts).toContain('20 minutes or more in one day (Swiss/ECDC)')
    expect(facts).toContain('(as given)')
    expect(wrapper.find('.trace-clamped').text()).toContain('14-day retention')
    expect(wrapper.find('#tracking-policy-encounter').element.parentElement.textContent).toContain(
      'One encounter longer than 20 minutes (CERN)',
    )
  })

  it('charts the minutes per day of each close contact, with a table view', async () => {
    await traced()
    const timeline = wrapper.find('.trace-timeline')
    expect(timeline.find('h3').text()).toBe('Timeline')
    // happy-dom cannot draw: the chart is its table
    const head = timeline.findAll('thead th').map((th) => th.text())
    expect(head).toEqual(['Date', 'Carl Close', 'Other contacts (2), together'])
    const body = timeline.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((c) => c.text()))
    expect(body).toHaveLength(8) // 13 to 20 November
    expect(body[0]).toEqual(['13 Nov 2025', '0', '0'])
    expect(body[4]).toEqual(['17 Nov 2025', '5', '0'])
    expect(body[5]).toEqual(['18 Nov 2025', '20', '0'])
    expect(body[6]).toEqual(['19 Nov 2025', '0', '6.5'])
  })
})

describe('TRACKING: my recent traces', () => {
  it('lists my traces and reopens one (which is audited)', async () => {
    const r = await open({ [`GET ${TRACES}/41`]: traceResult({ id: 41, case_reference: 'C-2025-011' }) })
    const section = wrapper.find('.recent-traces')
    expect(section.text()).toContain('Reopening one is recorded in the audit trail')
    await waitFor(() => expect(section.findAll('tbody tr')).toHaveLength(1))
    const row = section.find('tbody tr')
    expect(row.text()).toContain('C-2025-011')
    expect(row.text()).toContain('820005')
    await row.find('button').trigger('click')
    await waitFor(() => expect(wrapper.find('.trace-result h2').text()).toBe('Case C-2025-011'))
    expect(r.fetchMock.calls('GET', `${TRACES}/41`)).toHaveLength(1)
    expect(wrapper.find('.success-banner').text()).toContain(
      'Trace of case C-2025-011 reopened (recorded in the audit trail).',
    )
    expect(wrapper.find('.trace-result a[download]').attributes('href')).toBe('/api/tracing/traces/41/export.csv')
  })

  it('refreshes the list after a trace', async () => {
    const r = await open()
    await runTrace(r)
    await waitFor(() => expect(r.fetchMock.calls('GET', TRACES)).toHaveLength(2))
  })
})

describe('tracing/format', () => {
  const now = new Date('2025-11-20T10:00:00+01:00')
  it('works out the period as the server does', () => {
    const onset = plannedWindow({ kind: 'symptom_onset', onset: '2025-11-18T07:30' }, now, SERVICE_RULES)
    expect(toLocalIso(onset.start)).toBe(localInputToIso('2025-11-15T07:30'))
    expect(onset.end).toBe(null)
    expect(onset.clamped).toBe(false)
    const test = plannedWindow({ kind: 'positive_test', test: '2025-11-20T08:00' }, now, SERVICE_RULES)
    expect(toLocalIso(test.start)).toBe(localInputToIso('2025-11-13T08:00'))
    const old = plannedWindow({ kind: 'positive_test', test: '2025-11-01T08:00' }, now, SERVICE_RULES)
    expect(old.clamped).toBe(true)
    expect(toLocalIso(old.start)).toBe(localInputToIso('2025-11-06T10:00'))
    const gone = plannedWindow({ kind: 'explicit', from: '2025-10-01T08:00', to: '2025-10-02T08:00' }, now, SERVICE_RULES)
    expect(gone.empty).toBe(true)
    expect(plannedWindow({ kind: 'explicit', from: '' }, now, SERVICE_RULES)).toBe(null)
  })

  it('names the policies with the threshold', () => {
    expect(policyLabel('encounter', 15)).toBe('One encounter longer than 15 minutes (CERN)')
    expect(policyLabel('daily', 10)).toBe('10 minutes or more in one day (Swiss/ECDC)')
  })
})

describe('TRACKING: the case and the other rule', () => {
  it('says the case reference names a case, with a link to the cases', async () => {
    await open()
    const hint = wrapper.find('#tracking-case-hint')
    expect(hint.text()).toContain('It names a case')
    expect(hint.find('a').attributes('href')).toBe('/cases/')
  })

  it('compares the trace with the other rule on demand, as counts only', async () => {
    const r = await open({
      'GET /api/tracing/traces/42/what-if': {
        policy: 'encounter',
        other_policy: 'daily',
        close_under_both: 1,
        only_under_this: 0,
        only_under_other: 2,
        neither: 1,
        contacts: 4,
      },
    })
    await runTrace(r)
    expect(r.fetchMock.calls('GET', '/api/tracing/traces/42/what-if')).toHaveLength(0)
    const button = wrapper.findAll('.trace-what-if button').find((b) => b.text() === 'Compare with the other rule')
    await button.trigger('click')
    await waitFor(() => expect(wrapper.find('.what-if-counts').exists()).toBe(true))
    expect(r.fetchMock.calls('GET', '/api/tracing/traces/42/what-if')).toHaveLength(1)
    const counts = wrapper.find('.what-if-counts')
    expect(counts.find('.what-if-title').text().replace(/\s+/g, ' ')).toBe(
      'This trace used One encounter longer than 15 minutes (CERN). Under 15 minutes or more in one day (Swiss/ECDC), of 4 contacts:',
    )
    expect(counts.findAll('li').map((li) => li.text())).toEqual([
      '1 close contact under both rules',
      "0 close under this trace's rule only",
      '2 close under the other rule only',
      '1 close under neither',
    ])
  })
})

describe('TRACKING: naming the contacts (four eyes)', () => {
  const REVEAL = `${TRACES}/42/reveal`
  const rows = () => wrapper.findAll('.contact-row')
  const panel = () => wrapper.find('.reveal-panel')
  const reasonError = () => wrapper.find('#reveal-reason-error')

  async function traced(extra = {}, answer = pseudonymousTraceResult()) {
    const r = await open({ [`POST ${TRACES}`]: answer, [`GET ${REVEAL}`]: revealState(), ...extra })
    await runTrace(r)
    await waitFor(() => expect(panel().find('form').exists()).toBe(true))
    return r
  }
  async function ask(reason = 'Positive PCR test', { scope = 'close', urgent = false } = {}) {
    await panel().find(`#reveal-scope-${scope}`).setValue()
    await panel().find('#reveal-reason').setValue(reason)
    if (urgent) await panel().find('#reveal-urgent').setValue(true)
    await panel().find('form').trigger('submit')
    await flushPromises()
  }

  it('names nobody at first: every contact is a number, the close contact marked', async () => {
    await traced()
    expect(wrapper.find('.trace-revealed').text()).toBe('Nobody is named yet.')
    const [carl, sam] = rows()
    expect(carl.find('th').text()).toContain('Contact 1 (not named)')
    expect(carl.find('.close-badge').text()).toBe('Close contact')
    expect(carl.findAll('td').map((c) => c.text()).slice(0, 3)).toEqual(['—', '—', '25 min'])
    expect(sam.find('th').text()).toBe('Contact 2 (not named)')
    const text = wrapper.find('.trace-result').text()
    for (const hidden of ['Carl', '820002', 'Sam', 'carl.close@example.org']) expect(text).not.toContain(hidden)
    // The chart's legend names nobody either.
    expect(wrapper.findAll('.trace-timeline thead th').map((th) => th.text())).toContain('Contact 1')
  })

  it("shows whether naming needs approval, and why, in the server's words", async () => {
    const r = await traced()
    expect(r.fetchMock.calls('GET', REVEAL)).toHaveLength(1)
    const choices = panel().findAll('input[type="radio"]').map((i) => i.element.parentElement.textContent.replace(/\s+/g, ' ').trim())
    expect(choices).toEqual([
      'Name the close contacts (needs a second person’s approval)',
      'Name every contact (needs a second person’s approval)',
    ])
    expect(panel().find('.reveal-why').text()).toContain('A second person (medical service) must approve this')
    expect(panel().findAll('.reveal-because li').map((li) => li.text())).toEqual([
      'Case C-2025-017 is not confirmed by a positive test.',
    ])
    await panel().find('#reveal-scope-all').setValue()
    expect(panel().findAll('.reveal-because li')).toHaveLength(2)
    expect(panel().find('button[type="submit"]').text()).toBe('Ask for approval')
  })

  it('asks with a reason, then says it waits for a second person', async () => {
    const r = await traced({ [`POST ${REVEAL}`]: reply(202, { reveal: aReveal(), result: null, follow_ups: [] }) })
    await ask('')
    expect(reasonError().text()).toBe('Give the reason for naming them.')
    expect(r.fetchMock.calls('POST', REVEAL)).toHaveLength(0)

    await ask('Positive PCR test: the contacts must stay at home')
    const [call] = r.fetchMock.calls('POST', REVEAL)
    expect(call.body).toEqual({ scope: 'close', reason: 'Positive PCR test: the contacts must stay at home', urgent: false })
    await waitFor(() => expect(panel().find('.reveal-waiting').exists()).toBe(true))
    expect(panel().find('.reveal-waiting').text()).toContain(
      'Waiting for approval by a second person (medical service); you will get an e-mail.',
    )
    expect(panel().find('form').exists()).toBe(false)
    expect(panel().find('[role="status"]').text()).toContain('Your request is sent.')
    expect(rows()[0].find('th').text()).toContain('Contact 1 (not named)')
    // Checking again asks the server.
    const again = panel().findAll('button').find((b) => b.text() === 'Check again')
    await again.trigger('click')
    await flushPromises()
    expect(r.fetchMock.calls('GET', REVEAL)).toHaveLength(2)
  })

  it('names them at once when the server needs no approval, with the follow-ups opened', async () => {
    const named = traceResult({ revealed: 'close' })
    const follow = { id: 5, person_id: '820002', name: 'Carl Close', status: 'to_contact', status_label: 'to contact' }
    const r = await traced({
      [`GET ${REVEAL}`]: revealState({ needs_approval: { close: false, all: true }, because: { close: [], all: ['It names contacts who are not close contacts.'] } }),
      [`POST ${REVEAL}`]: { reveal: aReveal({ status: 'not_needed' }), result: named, follow_ups: [follow] },
    })
    expect(panel().find('.reveal-why').text()).toBe('No approval is needed: the names are shown as soon as you send.')
    expect(panel().find('#reveal-urgent').exists()).toBe(false)
    expect(panel().find('button[type="submit"]').text()).toBe('Name them now')
    await ask('Positive PCR test')
    await waitFor(() => expect(rows()[0].find('th').text()).toContain('Carl Close'))
    expect(r.fetchMock.calls('POST', REVEAL)[0].body.urgent).toBe(false)
    expect(wrapper.find('.success-banner').text()).toContain(
      'The close contacts are named. This was recorded in the audit trail with your reason. 1 follow-up opened or moved.',
    )
    expect(wrapper.find('.trace-revealed').text()).toBe('The close contacts are named; the other contacts are not.')
  })

  it("break-glass: warns that the office reviews it, and shows the server's refusal of the reason", async () => {
    const named = traceResult({ revealed: 'close' })
    let answer = reply(400, {
      detail: 'An urgent reveal without approval needs a reason of at least 20 characters: the data-protection office reviews it.',
      code: 'reason',
    })
    const r = await traced({ [`POST ${REVEAL}`]: () => answer })
    await panel().find('#reveal-urgent').setValue(true)
    const warning = panel().find('.reveal-warning')
    expect(warning.attributes('role')).toBe('alert')
    expect(warning.text()).toContain('The data-protection office reviews every break-glass reveal.')
    expect(panel().find('button[type="submit"]').text()).toBe('Name them now (break-glass)')

    await ask('Urgent', { urgent: true })
    expect(r.fetchMock.calls('POST', REVEAL)[0].body).toEqual({ scope: 'close', reason: 'Urgent', urgent: true })
    await waitFor(() => expect(reasonError().text()).toContain('at least 20 characters'))
    expect(panel().find('#reveal-reason').attributes('aria-invalid')).toBe('true')

    answer = { reveal: aReveal({ status: 'break_glass', urgent: true }), result: named, follow_ups: [] }
    await ask('Carl works on the neonatal ward tonight', { urgent: true })
    await waitFor(() => expect(rows()[0].find('th').text()).toContain('Carl Close'))
    expect(wrapper.find('.success-banner').text()).toContain(
      'The close contacts are named (break-glass). This was recorded in the audit trail; the data-protection office reviews it.',
    )
  })

  it('shows who refused, with the comment, and lets the medic ask again', async () => {
    await traced({
      [`GET ${REVEAL}`]: revealState({
        latest: aReveal({ status: 'refused', decided_by: 'medic-2', decided_at: '2025-11-20T09:55:00+01:00', comment: 'Wait for the PCR.' }),
      }),
    })
    const refused = panel().find('.reveal-refused')
    expect(refused.text()).toContain('Refused by medic-2')
    expect(refused.text()).toContain('“Wait for the PCR.”')
    expect(panel().find('form').exists()).toBe(true)
  })

  it('once approved, shows the names on demand by reopening the trace', async () => {
    const r = await traced({
      [`GET ${REVEAL}`]: revealState({
        revealed: 'close',
        latest: aReveal({ status: 'approved', decided_by: 'medic-2', decided_at: '2025-11-20T09:55:00+01:00' }),
      }),
      [`GET ${TRACES}/42`]: traceResult({ revealed: 'close' }),
    })
    const approved = panel().find('.reveal-approved')
    expect(approved.text()).toContain('Approved by medic-2')
    await approved.find('button').trigger('click')
    await waitFor(() => expect(rows()[0].find('th').text()).toContain('Carl Close'))
    expect(r.fetchMock.calls('GET', `${TRACES}/42`)).toHaveLength(1)
    expect(wrapper.find('.success-banner').text()).toContain('The close contacts are named: medic-2 approved your request.')
  })

  it('says so when a request already waits, and shows it', async () => {
    let state = revealState()
    const r = await traced({
      [`GET ${REVEAL}`]: () => state,
      [`POST ${REVEAL}`]: () => {
        state = revealState({ latest: aReveal({ requested_by: 'medic' }) })
        return reply(409, { detail: 'A request to name this trace\'s contacts already waits for approval.', code: 'waiting' })
      },
    })
    await ask('Positive PCR test')
    await waitFor(() => expect(panel().find('.reveal-waiting').exists()).toBe(true))
    expect(r.fetchMock.calls('GET', REVEAL)).toHaveLength(2)
  })

  it('offers nothing more to name once every contact is named', async () => {
    const all = traceResult({ revealed: 'all' })
    all.contacts = all.contacts.map((c) => (c.ref === samNamed.ref ? samNamed : c))
    const r = await open({ [`POST ${TRACES}`]: all })
    await runTrace(r)
    expect(wrapper.find('.trace-revealed').text()).toBe('Every contact is named.')
    expect(panel().exists()).toBe(false)
    expect(r.fetchMock.calls('GET', REVEAL)).toHaveLength(0)
  })

  it('after the close contacts, offers to name every contact', async () => {
    const r = await open()
    await runTrace(r)
    await waitFor(() => expect(panel().find('form').exists()).toBe(true))
    const choices = panel().findAll('input[type="radio"]').map((i) => i.element.value)
    expect(choices).toEqual(['all'])
    expect(wrapper.find('.trace-footnote').text()).toContain('1 contact not named.')
  })
})
