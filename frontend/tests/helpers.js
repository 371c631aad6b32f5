import { vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { flushPromises, mount } from '@vue/test-utils'
import App from '../src/App.vue'
import { createPortalRouter } from '../src/router.js'

// --- A /api/me answer ---------------------------------------------------------

/**
 * The service's rules as the server sends them in /api/me (frontend/apis.py
 * service_rules, with the settings' defaults). The frontend holds no copy:
 * every test that mounts the app gives them here.
 */
export const SERVICE_RULES = Object.freeze({
  retention_days: 14,
  close_contact_minutes: 15,
  default_policy: 'encounter',
  policies: ['encounter', 'daily'],
  symptom_onset_days_before: 3,
  positive_test_days_before: 7,
  reauth_minutes: 60,
  zones_retention_days: 14,
  follow_up_days: 10,
  min_count: 5,
  follow_up_statuses: [
    { value: 'to_contact', label: 'to contact', open: true },
    { value: 'notified', label: 'notified', open: true },
    { value: 'in_quarantine', label: 'in quarantine', open: true },
    { value: 'became_case', label: 'became a case', open: false },
    { value: 'released', label: 'released', open: false },
    { value: 'lost', label: 'lost to follow-up', open: false },
  ],
})

/** The roles in words, as /api/me sends them (core/roles.py ROLE_DESCRIPTIONS). */
export const ROLE_DESCRIPTIONS = Object.freeze({
  registration: 'registration desk',
  medical: 'medical service',
  assets: 'asset team',
  privacy: 'data-protection office',
})

/** The service's rules with some changed, e.g. rulesWith({retention_days: 21}). */
export const rulesWith = (changes = {}) => ({ ...SERVICE_RULES, ...changes })

/** `me` (an /api/me answer) with some of its rules changed. */
export const meWithRules = (me, changes) => ({ ...me, rules: rulesWith(changes) })

export function makeMe(overrides = {}) {
  return {
    username: 'desk',
    display_name: 'Dana Desk',
    email: 'desk@example.org',
    roles: ['registration'],
    is_staff: false,
    pages: [
      {
        slug: 'registration',
        title: 'Registration',
        path: '/registration/',
        help: 'Assign a device to a person, take one back, or swap it.',
      },
      {
        slug: 'my-data',
        title: 'My data',
        path: '/my-data/',
        help: 'See the data the portal holds about you.',
      },
    ],
    links: { logout: '/accounts/logout/', admin: null, privacy: '/privacy/' },
    rules: rulesWith(),
    role_descriptions: { ...ROLE_DESCRIPTIONS },
    time_zone: 'Europe/Zurich',
    ...overrides,
  }
}

export function jsonResponse(data, status = 200) {
  return new Response(data === null ? null : JSON.stringify(data), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

/** Stub global fetch so /api/me answers `me` (or the given status). */
export function stubMe(me, status = 200) {
  const fetchMock = vi.fn(async () => jsonResponse(me, status))
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

/** Mount the whole app at `path` with /api/me answering `me`. */
export async function mountApp(path = '/', me = makeMe(), status = 200) {
  const fetchMock = stubMe(me, status)
  const router = createPortalRouter(createMemoryHistory('/'))
  router.push(path)
  await router.isReady()
  const wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router, fetchMock }
}

export function setCookie(value) {
  // Clear known cookies first, then set the wanted ones.
  for (const part of document.cookie.split(';')) {
    const name = part.split('=')[0].trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
  for (const c of [].concat(value)) document.cookie = `${c}; path=/`
}

// --- Pages that talk to the API ---------------------------------------------

/** An answer for apiStub: `reply(409, {detail: '...'})`. */
export function reply(status, body) {
  return { __reply: true, status, body }
}

/**
 * Stub global fetch with answers by "METHOD /path?query" (tried first) or
 * "METHOD /path". A value is the JSON body (200), a reply(...), or a function
 * (url, init, body) returning either. /api/me answers `me`. Anything else
 * answers 404. Returns the mock; `calls(method, path)` lists the requests.
 */
export function apiStub(routes = {}, me = makeMe()) {
  const fetchMock = vi.fn(async (url, init = {}) => {
    const method = (init.method || 'GET').toUpperCase()
    const path = String(url).split('?')[0]
    const body = init.body ? JSON.parse(init.body) : undefined
    if (method === 'GET' && path === '/api/me') return jsonResponse(me)
    const key = [`${method} ${url}`, `${method} ${path}`].find((k) => k in routes)
    if (!key) return jsonResponse({ detail: `Not mocked: ${method} ${url}` }, 404)
    let answer = routes[key]
    if (typeof answer === 'function') answer = await answer(String(url), init, body)
    if (answer && answer.__reply) return jsonResponse(answer.body, answer.status)
    return jsonResponse(answer)
  })
  fetchMock.calls = (method, path) =>
    fetchMock.mock.calls
      .filter(([url, init = {}]) => {
        const m = (init.method || 'GET').toUpperCase()
        const u = String(url)
        return m === method && (path === undefined || u === path || u.split('?')[0] === path)
      })
      .map(([url, init = {}]) => ({ url: String(url), body: init.body ? JSON.parse(init.body) : undefined, init }))
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

/** /api/me for a registration desk clerk: the three desk pages. */
export function deskMe() {
  return makeMe({
    pages: [
      {
        slug: 'registration',
        title: 'Registration',
        path: '/registration/',
        help: 'Give a device to a person, take one back, or swap a broken or recalled one.',
      },
      {
        slug: 'status',
        title: 'Status',
        path: '/status/',
        help: 'Look up a device or a person: who holds what now, its state and its history.',
      },
      {
        slug: 'found',
        title: 'Found',
        path: '/found/',
        help: 'Scan a found device to see whom to return it to, or record a device reported lost.',
      },
    ],
  })
}

/** Mount the whole app at `path` with the API answering `routes`. */
export async function mountPage(path, routes = {}, me = deskMe()) {
  const fetchMock = apiStub(routes, me)
  const router = createPortalRouter(createMemoryHistory('/'))
  router.push(path)
  await router.isReady()
  const wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router, fetchMock }
}

/** Retry `check` (which throws or returns false) until it passes or time runs out. */
export async function waitFor(check, { timeout = 2000, interval = 10 } = {}) {
  const end = Date.now() + timeout
  let lastError
  for (;;) {
    await flushPromises()
    try {
      const result = await check()
      if (result !== false) return result
      lastError = new Error('waitFor: the check returned false')
    } catch (err) {
      lastError = err
    }
    if (Date.now() > end) throw lastError
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
}

/** Wait for real time to pass (e.g. the type-ahead's debounce). */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Press Enter in a field as a barcode scanner does. Like a browser, Enter in
 * a text field submits its form unless a keydown handler prevented it
 * (happy-dom does not do this implicit submission itself).
 */
export async function pressEnter(wrapperOrElement) {
  const el = wrapperOrElement.element ?? wrapperOrElement
  const event = new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true })
  el.dispatchEvent(event)
  if (!event.defaultPrevented && el.form) el.form.requestSubmit()
  await flushPromises()
}

/** Type into a field the way a person or a scanner does (sets value, fires input). */
export async function typeInto(wrapper, text) {
  await wrapper.setValue(text)
  await flushPromises()
}
