import { computed, inject } from 'vue'
import { apiFetch } from './api.js'
import { isTimeZone, setTimeZone } from './format/time.js'
import { intlLocale, setLocale, t } from './i18n.js'
import {
  MalformedAnswer,
  normalizeRoleDescriptions,
  normalizeRules,
  roleDescriptionsProblems,
  rulesProblems,
} from './rules.js'

/** Injection key for the signed-in person (a ref holding the /api/me answer). */
export const ME_KEY = Symbol('me')

/** Product name shown in the header and the browser tab. */
export const PRODUCT_NAME = 'Proximeter Portal' // i18n-ignore: a name, the same in every language

/**
 * The /api/me answer, with missing fields of the account filled in so the
 * layout never trips over a partial answer. The service's rules and the
 * roles in words are the server's alone: an answer without them (or with one
 * malformed) throws MalformedAnswer, which the shell shows as an error.
 */
export function normalizeMe(data) {
  const me = data && typeof data === 'object' ? data : {}
  const problems = [
    ...rulesProblems(me.rules),
    ...roleDescriptionsProblems(me.role_descriptions),
    ...timeZoneProblems(me.time_zone),
  ]
  if (problems.length) throw new MalformedAnswer(problems)
  // Every date and time is shown on the organisation's clock from here on
  // (format/time.js), never on the browser's.
  setTimeZone(me.time_zone)
  const links = me.links && typeof me.links === 'object' ? me.links : {}
  return {
    username: me.username ?? '',
    display_name: me.display_name || me.username || '',
    email: me.email ?? '',
    roles: Array.isArray(me.roles) ? me.roles : [],
    is_staff: Boolean(me.is_staff),
    pages: Array.isArray(me.pages) ? me.pages.filter((p) => p && p.slug) : [],
    links: {
      logout: links.logout || '/accounts/logout/',
      admin: links.admin || null,
      admin_sections: Array.isArray(links.admin_sections) ? links.admin_sections : [],
      privacy: links.privacy || null,
      help: links.help || '/help/',
    },
    // The service's rules (retention, close-contact threshold, ...) and the
    // roles in words, as the server sent them.
    rules: normalizeRules(me.rules),
    role_descriptions: normalizeRoleDescriptions(me.role_descriptions),
    time_zone: me.time_zone,
    // The language the person reads the portal in ('en' or 'fr'), what they chose on their
    // account ('' for their browser's), and the languages the portal speaks.
    language: setLocale(me.language),
    language_chosen: me.language_chosen ?? '',
    languages: Array.isArray(me.languages) ? me.languages : [],
  }
}

/** What is wrong with /api/me `time_zone` (the organisation's TIME_ZONE), in words. */
function timeZoneProblems(value) {
  if (typeof value !== 'string' || !value) return ['time_zone is missing']
  return isTimeZone(value) ? [] : [`time_zone ${JSON.stringify(value)} is not a time zone this browser knows`]
}

/** GET /api/me. Throws ApiError (status 401/403 when the session has ended). */
export async function loadMe() {
  return normalizeMe(await apiFetch('/api/me'))
}

/**
 * The service's rules from the signed-in person's /api/me (a computed ref),
 * for a page or component under App (which provides ME_KEY).
 */
export function useRules() {
  const me = inject(ME_KEY, null)
  if (!me) throw new Error('useRules() needs the signed-in person: use it in a component under App.') // i18n-ignore
  return computed(() => me.value.rules)
}

/**
 * The roles in words from the signed-in person's /api/me, as a computed
 * function (role => words), for a page that names a team in a sentence:
 * `The {{ roleWords('medical') }} reviews it.` Use it under App.
 */
export function useRoleWords() {
  const me = inject(ME_KEY, null)
  if (!me) throw new Error('useRoleWords() needs the signed-in person: use it in a component under App.') // i18n-ignore
  return computed(() => (role) => roleInWords(role, me.value.role_descriptions))
}

/**
 * A role in plain words for the welcome page: the server's `role_descriptions`
 * (/api/me, core/roles.py ROLE_DESCRIPTIONS). A role it does not describe is
 * shown by its name, with dashes/underscores turned into spaces.
 */
export function roleInWords(role, descriptions = {}) {
  const words = descriptions?.[role]
  return typeof words === 'string' && words ? words : String(role).replace(/[_-]+/g, ' ').trim()
}

/** "Your roles: registration desk and medical service." (`descriptions`: /api/me `role_descriptions`) */
export function rolesSentence(roles, descriptions = {}) {
  const words = [...new Set((roles ?? []).map((r) => roleInWords(r, descriptions)).filter(Boolean))]
  if (!words.length) return t('common.noRoles')
  const list = new Intl.ListFormat(intlLocale(), { style: 'long', type: 'conjunction' }).format(words)
  return words.length === 1 ? t('common.yourRole', { list }) : t('common.yourRoles', { list })
}
