// The service's rules and the words for its roles, as the server says them
// in /api/me (`rules` and `role_descriptions`: frontend/apis.py service_rules,
// core/roles.py ROLE_DESCRIPTIONS).
//
// The frontend keeps no copy of them: the server always sends them, and an
// answer without them (or with one malformed) is an error the shell shows
// (see session.js normalizeMe), never a reason to guess. Pages read them from
// `me` (useRules in session.js); pure functions take them as a parameter.

import { t } from './i18n.js'

/** An /api/me answer the portal cannot work with; `problems` says what is wrong. */
export class MalformedAnswer extends Error {
  constructor(problems) {
    // The problems themselves name the answer's fields: they are for whoever the person tells.
    super(t('common.incompleteAnswer', { problems: problems.join('; ') }))
    this.name = 'MalformedAnswer'
    this.problems = problems
  }
}

// The rules that are whole numbers, with the least each may be: a retention
// or a threshold of at least 1, a number of days before of at least 0.
const WHOLE_NUMBERS = {
  retention_days: 1,
  close_contact_minutes: 1,
  symptom_onset_days_before: 0,
  positive_test_days_before: 0,
  reauth_minutes: 1,
  zones_retention_days: 1,
  follow_up_days: 1,
  min_count: 1,
}

/** The names of the rules /api/me must carry. */
export const RULE_NAMES = Object.freeze([
  ...Object.keys(WHOLE_NUMBERS),
  'policies',
  'default_policy',
  'follow_up_statuses',
])

const isObject = (value) => Boolean(value) && typeof value === 'object' && !Array.isArray(value)

/** What is wrong with `rules` of an /api/me answer, in words ([] when nothing). */
export function rulesProblems(data) {
  if (!isObject(data)) return ['rules are missing']
  const problems = []
  for (const [key, least] of Object.entries(WHOLE_NUMBERS)) {
    const value = data[key]
    if (value === undefined || value === null) problems.push(`rules.${key} is missing`)
    else if (!Number.isInteger(value) || value < least) problems.push(`rules.${key} is not a whole number of at least ${least}`)
  }
  const policies = data.policies
  if (!Array.isArray(policies) || !policies.length || !policies.every((p) => typeof p === 'string' && p)) {
    problems.push('rules.policies is not a list of policies')
  } else if (!policies.includes(data.default_policy)) {
    problems.push('rules.default_policy is not one of rules.policies')
  }
  const statuses = data.follow_up_statuses
  const isStatus = (s) => isObject(s) && typeof s.value === 'string' && s.value && typeof s.label === 'string' && typeof s.open === 'boolean'
  if (!Array.isArray(statuses) || !statuses.length || !statuses.every(isStatus)) {
    problems.push('rules.follow_up_statuses is not a list of statuses')
  }
  return problems
}

/** The rules of an /api/me answer, as sent (a frozen copy); throws MalformedAnswer if any is missing or malformed. */
export function normalizeRules(data) {
  const problems = rulesProblems(data)
  if (problems.length) throw new MalformedAnswer(problems)
  const rules = Object.fromEntries(Object.keys(WHOLE_NUMBERS).map((key) => [key, data[key]]))
  rules.policies = Object.freeze([...data.policies])
  rules.default_policy = data.default_policy
  rules.follow_up_statuses = Object.freeze(
    data.follow_up_statuses.map(({ value, label, open }) => Object.freeze({ value, label, open })),
  )
  return Object.freeze(rules)
}

/** What is wrong with `role_descriptions` of an /api/me answer ([] when nothing). */
export function roleDescriptionsProblems(data) {
  if (!isObject(data)) return ['role_descriptions are missing']
  return Object.entries(data)
    .filter(([, words]) => typeof words !== 'string' || !words.trim())
    .map(([role]) => `role_descriptions.${role} is not a text`)
}

/** The roles in words, {role: words}, as sent; throws MalformedAnswer if they are missing or malformed. */
export function normalizeRoleDescriptions(data) {
  const problems = roleDescriptionsProblems(data)
  if (problems.length) throw new MalformedAnswer(problems)
  return Object.freeze({ ...data })
}
