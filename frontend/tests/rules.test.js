// The service's rules and role words come from /api/me, and from there
// only: the frontend keeps no copy, and an answer without them is an error.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeMe, meWithRules, mountApp, mountPage, ROLE_DESCRIPTIONS, SERVICE_RULES, waitFor } from './helpers.js'
import { medicMe, myTraces, NOW, privacyMe, traceResult } from './tracingData.js'
import { myData, personMe as myDataMe } from './myData.js'
import { deviceStatus } from './registrationData.js'
import { normalizeMe, rolesSentence } from '../src/session.js'
import { MalformedAnswer, normalizeRoleDescriptions, normalizeRules, RULE_NAMES, rulesProblems } from '../src/rules.js'
import { derivedFromWords, plannedWindow } from '../src/tracing/format.js'
import { detailLines } from '../src/audit/format.js'
import { keepRecent } from '../src/locationrisk/parse.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.useRealTimers()
})

const SERVER_RULES = {
  retention_days: 21,
  close_contact_minutes: 20,
  default_policy: 'daily',
  policies: ['encounter', 'daily'],
  symptom_onset_days_before: 2,
  positive_test_days_before: 5,
  reauth_minutes: 30,
  zones_retention_days: 10,
  follow_up_days: 14,
  min_count: 3,
  follow_up_statuses: [{ value: 'open_one', label: 'open one', open: true }],
}

describe('normalizeMe: rules and role descriptions', () => {
  it('carries the server values', () => {
    const descriptions = { registration: 'front desk', medical: 'doctors' }
    const me = normalizeMe({
      username: 'a',
      rules: SERVER_RULES,
      role_descriptions: descriptions,
      time_zone: 'Europe/Zurich',
    })
    expect(me.rules).toEqual(SERVER_RULES)
    expect(me.role_descriptions).toEqual(descriptions)
  })

  it('keeps no copy: an answer without rules or role descriptions is refused', () => {
    expect(() => normalizeMe({ username: 'a' })).toThrow(MalformedAnswer)
    expect(() => normalizeMe(null)).toThrow(/rules are missing; role_descriptions are missing/)
    const { rules, ...withoutRules } = makeMe()
    expect(rules).toBeTruthy()
    expect(() => normalizeMe(withoutRules)).toThrow(/rules are missing/)
    const { role_descriptions: words, ...withoutWords } = makeMe()
    expect(words).toBeTruthy()
    expect(() => normalizeMe(withoutWords)).toThrow(/role_descriptions are missing/)
  })

  it('says which rule is missing or malformed, one by one', () => {
    expect(rulesProblems(SERVICE_RULES)).toEqual([])
    expect(
      rulesProblems({
        retention_days: 30,
        close_contact_minutes: 'many',
        symptom_onset_days_before: 0,
        positive_test_days_before: -1,
        reauth_minutes: 60,
        policies: ['encounter', 'daily'],
        default_policy: 'weekly',
      }),
    ).toEqual([
      'rules.close_contact_minutes is not a whole number of at least 1',
      'rules.positive_test_days_before is not a whole number of at least 0',
      'rules.zones_retention_days is missing',
      'rules.follow_up_days is missing',
      'rules.min_count is missing',
      'rules.default_policy is not one of rules.policies',
      'rules.follow_up_statuses is not a list of statuses',
    ])
    expect(rulesProblems({ ...SERVICE_RULES, policies: [] })).toEqual(['rules.policies is not a list of policies'])
    expect(rulesProblems({ ...SERVICE_RULES, retention_days: 1.5 })).toEqual([
      'rules.retention_days is not a whole number of at least 1',
    ])
    expect(() => normalizeRules({ ...SERVICE_RULES, reauth_minutes: 0 })).toThrow(
      /rules\.reauth_minutes is not a whole number of at least 1/,
    )
    // Zero days before is a rule the server may set.
    expect(normalizeRules({ ...SERVICE_RULES, symptom_onset_days_before: 0 }).symptom_onset_days_before).toBe(0)
  })

  it('keeps exactly the rules the server sent, frozen', () => {
    const rules = normalizeRules({ ...SERVICE_RULES, extra: 'ignored' })
    expect(Object.keys(rules).sort()).toEqual([...RULE_NAMES].sort())
    expect(rules).toEqual(SERVICE_RULES)
    expect(Object.isFrozen(rules)).toBe(true)
    expect(Object.isFrozen(rules.policies)).toBe(true)
  })

  it('refuses role descriptions that are not texts', () => {
    expect(normalizeRoleDescriptions(ROLE_DESCRIPTIONS)).toEqual(ROLE_DESCRIPTIONS)
    expect(normalizeRoleDescriptions({})).toEqual({})
    expect(() => normalizeRoleDescriptions({ medical: '' })).toThrow(/role_descriptions\.medical is not a text/)
    expect(() => normalizeRoleDescriptions(['medical'])).toThrow(/role_descriptions are missing/)
  })

  it('the shell says what is wrong with a malformed answer, and offers to try again', async () => {
    const r = await mountApp('/', { ...makeMe(), rules: { ...SERVICE_RULES, retention_days: 'two weeks' } })
    wrapper = r.wrapper
    expect(wrapper.find('h1').text()).toBe('The portal could not start')
    expect(wrapper.text()).toContain('rules.retention_days is not a whole number of at least 1')
    expect(wrapper.find('button').text()).toBe('Try again')
    expect(wrapper.find('nav').exists()).toBe(false)
  })
})

describe('role words from the server', () => {
  it('rolesSentence uses the descriptions given, else the role\'s name', () => {
    expect(rolesSentence(['registration'], { registration: 'front desk' })).toBe('Your role: front desk.')
    expect(rolesSentence(['privacy', 'assets'], { privacy: 'DPO' })).toBe('Your roles: DPO and assets.')
    expect(rolesSentence(['privacy'])).toBe('Your role: privacy.')
  })

  it('the home page says the roles in the words of /api/me', async () => {
    const r = await mountApp('/', makeMe({ role_descriptions: { registration: 'front desk' } }))
    wrapper = r.wrapper
    expect(wrapper.find('main .roles').text()).toBe('Your role: front desk.')
  })
})

describe('pure functions take the rules as a parameter', () => {
  it('plannedWindow and derivedFromWords', () => {
    const now = new Date('2025-11-20T10:00:00+01:00')
    const onset = plannedWindow({ kind: 'symptom_onset', onset: '2025-11-18T10:00' }, now, SERVER_RULES)
    expect(onset.start).toEqual(new Date('2025-11-16T10:00:00+01:00'))
    const old = plannedWindow({ kind: 'explicit', from: '2025-10-25T10:00' }, now, SERVER_RULES)
    expect(old.clamped).toBe(true)
    expect(old.start).toEqual(new Date('2025-10-30T10:00:00+01:00')) // 21 days back
    expect(derivedFromWords('positive_test', SERVER_RULES)).toBe('5 days before the positive test')
    expect(derivedFromWords('positive_test', SERVICE_RULES)).toBe('7 days before the positive test')
    expect(derivedFromWords('symptom_onset', { ...SERVER_RULES, symptom_onset_days_before: 1 })).toBe(
      '1 day before the symptom onset',
    )
    expect(detailLines({ window: { from: '2025-11-13T09:31:00+01:00', to: '2025-11-20T09:31:00+01:00', derived_from: 'symptom_onset' } }, SERVER_RULES)).toEqual([
      'Period: 13 Nov 2025, 09:31 to 20 Nov 2025, 09:31 (from 2 days before the symptom onset)',
    ])
  })

  it('keepRecent keeps the days it is given', () => {
    const now = 100 * 86400
    const points = [{ time: now - 12 * 86400 }, { time: now - 3600 }]
    expect(keepRecent(points, now, 14)).toHaveLength(2)
    expect(keepRecent(points, now, 10)).toHaveLength(1)
  })
})

describe('pages use the rules of /api/me', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    vi.setSystemTime(NOW)
  })

  it('TRACKING: periods, policies, threshold and retention', async () => {
    const r = await mountPage('/tracking/', { 'GET /api/tracing/traces': myTraces }, { ...medicMe(), rules: SERVER_RULES })
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Tracking'))
    const labels = wrapper.findAll('input[name="tracking-window"]').map((i) => i.element.parentElement.textContent.trim())
    expect(labels.slice(0, 2)).toEqual([
      'Symptom onset (from 2 days before the symptoms began)',
      'Positive test, no symptoms (from 5 days before the test)',
    ])
    const policies = wrapper.findAll('input[name="tracking-policy"]').map((i) => i.element.parentElement.textContent.trim())
    expect(policies).toEqual([
      'One encounter longer than 20 minutes (CERN)',
      '20 minutes or more in one day (Swiss/ECDC)',
    ])
    expect(wrapper.find('#tracking-policy-daily').element.checked).toBe(true) // the server's default

    await wrapper.find('#tracking-window-explicit').setValue()
    await wrapper.find('#tracking-from').setValue('2025-10-01T08:00')
    await waitFor(() =>
      expect(wrapper.find('#tracking-window-preview').text()).toContain('Encounters are kept for 21 days only'),
    )
  })

  it('LOCATION RISK: the days kept', async () => {
    const page = { slug: 'location-risk', title: 'Location risk', path: '/location-risk/', help: 'Check.' }
    const me = meWithRules(makeMe({ pages: [page] }), { zones_retention_days: 10 })
    const r = await mountPage('/location-risk/', {}, me)
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Location risk'))
    expect(wrapper.find('.location-load').text()).toContain('Only the last 10 days count')
  })

  it('AUDIT: the days before in the details', async () => {
    const entry = {
      id: 1,
      at: '2025-11-20T09:31:00+01:00',
      actor: 'medic',
      action: 'trace',
      action_label: 'traced close contacts',
      person_id: '820001',
      case_reference: 'C-1',
      reason: 'r',
      details: { window: { from: '2025-11-13T09:31:00+01:00', to: '2025-11-20T09:31:00+01:00', derived_from: 'positive_test' } },
    }
    const r = await mountPage('/audit/', { 'GET /api/audit/entries': [entry], 'GET /api/stats/purges': { records: [] } }, {
      ...privacyMe(),
      rules: SERVER_RULES,
    })
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.audit-details').text()).toContain('from 5 days before the positive test'))
  })
})

// Setting ENCOUNTER_RETENTION_DAYS=21 (or another team's name) on the server
// changes what the pages say, with nothing to change here.
describe('pages say the retention days and the teams they are given', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    vi.setSystemTime(NOW)
  })

  it('TRACKING: a trace cut at a 21-day retention says 21, and the audit notice names the team', async () => {
    const cut = traceResult({
      id: 41,
      case_reference: 'C-2025-011',
      window: { from: '2025-10-30T10:00:00+01:00', to: '2025-11-20T10:00:00+01:00', derived_from: 'explicit', clamped_to_retention: true },
    })
    const me = { ...meWithRules(medicMe(), { retention_days: 21 }), role_descriptions: { ...ROLE_DESCRIPTIONS, privacy: 'DPO' } }
    const r = await mountPage('/tracking/', { 'GET /api/tracing/traces': myTraces, 'GET /api/tracing/traces/41': cut }, me)
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.findAll('.recent-traces tbody tr')).toHaveLength(1))
    expect(wrapper.find('.audit-notice').text()).toContain('The DPO reviews it.')
    await wrapper.find('.recent-traces tbody tr button').trigger('click')
    await waitFor(() => expect(wrapper.find('.trace-clamped').exists()).toBe(true))
    expect(wrapper.find('.trace-clamped').text()).toContain('The start was moved up to the 21-day retention')
    expect(wrapper.text()).not.toMatch(/\b14-day\b/)
  })

  it('TRACKING: the days before and the retention in the form', async () => {
    const me = meWithRules(medicMe(), { retention_days: 21, symptom_onset_days_before: 4 })
    const r = await mountPage('/tracking/', { 'GET /api/tracing/traces': myTraces }, me)
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Tracking'))
    await wrapper.find('#tracking-window-symptom_onset').setValue()
    expect(wrapper.find('#tracking-onset-hint').text()).toBe('The trace starts 4 days before and ends now.')
    await wrapper.find('#tracking-onset').setValue('2025-10-20T08:00')
    await waitFor(() => expect(wrapper.find('#tracking-window-preview').text()).toContain('Encounters are kept for 21 days only'))
  })

  it('MY DATA: without the retention in the answer, the chart spans the 21 days of /api/me', async () => {
    const { retention_days: _, ...answer } = myData()
    const r = await mountPage('/my-data/', { 'GET /api/selfservice/data': answer }, meWithRules(myDataMe(), { retention_days: 21 }))
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('.my-encounters .time-series-chart').exists()).toBe(true))
    const rows = wrapper.findAll('.my-encounters .time-series-chart tbody tr')
    expect(rows).toHaveLength(22) // 30 October to 20 November: 21 days back from today, and today
    expect(rows[0].text()).toContain('Thu 30 Oct 2025')
  })

  it('FOUND: the team a broken device goes to, in the words of /api/me', async () => {
    const me = makeMe({
      pages: [{ slug: 'found', title: 'Found', path: '/found/', help: 'Scan.' }],
      role_descriptions: { ...ROLE_DESCRIPTIONS, assets: 'repair shop' },
    })
    const r = await mountPage('/found/', { 'GET /api/registration/devices/P-4004': deviceStatus('P-4004', 'broken') }, me)
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('#found-device').exists()).toBe(true))
    await wrapper.find('#found-device').setValue('P-4004')
    await wrapper.find('#found-device').element.form.requestSubmit()
    await waitFor(() => expect(wrapper.find('.found-result').exists()).toBe(true))
    expect(wrapper.find('.found-result').text()).toContain('It is marked broken: hand it to the repair shop for repair.')
  })
})

describe('normalizeMe: the organisation’s time zone', () => {
  it('refuses an answer without a zone it knows, and otherwise shows times on that clock', async () => {
    const { timeZone, setTimeZone } = await import('../src/format/time.js')
    const me = (time_zone) => ({ username: 'a', rules: SERVER_RULES, role_descriptions: {}, time_zone })
    expect(() => normalizeMe(me(undefined))).toThrow(/time_zone is missing/)
    expect(() => normalizeMe(me('Mars/Olympus'))).toThrow(/not a time zone this browser knows/)
    try {
      expect(normalizeMe(me('Asia/Tokyo')).time_zone).toBe('Asia/Tokyo')
      expect(timeZone()).toBe('Asia/Tokyo')
    } finally {
      setTimeZone('Europe/Zurich')
    }
  })
})
