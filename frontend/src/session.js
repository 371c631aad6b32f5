import { apiFetch } from './api.js'

/** Injection key for the signed-in person (a ref holding the /api/me answer). */
export const ME_KEY = Symbol('me')

/** Product name shown in the header and the browser tab. */
export const PRODUCT_NAME = 'Proximeter Portal'

/** Fill in missing fields so the layout never trips over a partial answer. */
export function normalizeMe(data) {
  const me = data && typeof data === 'object' ? data : {}
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
      privacy: links.privacy || null,
      help: links.help || '/help/',
    },
  }
}

/** GET /api/me. Throws ApiError (status 401/403 when the session has ended). */
export async function loadMe() {
  return normalizeMe(await apiFetch('/api/me'))
}

// Roles in plain words for the welcome page; keep in step with
// accounts/roles.py ROLE_DESCRIPTIONS. Unknown roles fall back to their name
// with dashes/underscores turned into spaces.
const ROLE_WORDS = {
  registration: 'registration desk',
  medical: 'medical service',
  assets: 'asset team',
  privacy: 'data-protection office',
}

export function roleInWords(role) {
  return ROLE_WORDS[role] ?? String(role).replace(/[_-]+/g, ' ').trim()
}

export function rolesSentence(roles) {
  const words = [...new Set((roles ?? []).map(roleInWords).filter(Boolean))]
  if (!words.length) return 'You have no staff roles: you can see and manage your own data.'
  const list = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' }).format(words)
  return words.length === 1 ? `Your role: ${list}.` : `Your roles: ${list}.`
}
