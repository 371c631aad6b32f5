// Small same-origin JSON helper for the portal's DRF API.
//
//   const devices = await apiFetch('/api/devices/')
//   await apiFetch('/api/assignments/', { method: 'POST', body: { device: 12 } })
//
// - Sends the session cookie (credentials: 'same-origin') and Accept: application/json.
// - Sends X-CSRFToken (value of Django's `csrftoken` cookie) on every request
//   that is not GET or HEAD.
// - On a non-2xx answer throws an ApiError whose message is the server's
//   `detail` (DRF's error format) and which carries `status` and `data`.

import { locale, t } from './i18n.js'

export const CSRF_COOKIE_NAME = 'csrftoken'
export const CSRF_HEADER_NAME = 'X-CSRFToken'
export const LOGIN_URL = '/accounts/login/'

const SAFE_METHODS = new Set(['GET', 'HEAD'])

/** Value of a cookie from document.cookie, or '' when it is not set. */
export function getCookie(name) {
  if (typeof document === 'undefined' || !document.cookie) return ''
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim()
      try {
        return decodeURIComponent(raw)
      } catch {
        return raw
      }
    }
  }
  return ''
}

/** Django's CSRF token, read from the `csrftoken` cookie ('' if missing). */
export function getCsrfToken() {
  return getCookie(CSRF_COOKIE_NAME)
}

/** Sign-in URL that brings the person back to `path` (default: the current page). */
export function loginUrl(path) {
  const next =
    path ?? (typeof window !== 'undefined' ? window.location.pathname + window.location.search : '/')
  return `${LOGIN_URL}?next=${encodeURIComponent(next)}`
}

export class ApiError extends Error {
  constructor(message, { status = 0, data = null } = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.data = data
  }

  /** True when the session has ended or the person may not do this. */
  get isAuthError() {
    return this.status === 401 || this.status === 403
  }
}

/** Turn DRF error JSON into one readable sentence. */
export function errorMessage(data, status) {
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    if (typeof data.detail === 'string' && data.detail) return data.detail
    // Validation errors: {"field": ["msg", ...], "non_field_errors": [...]}
    const parts = []
    for (const [field, value] of Object.entries(data)) {
      const msgs = (Array.isArray(value) ? value : [value]).filter(
        (m) => typeof m === 'string' && m,
      )
      if (!msgs.length) continue
      const text = msgs.join(' ')
      parts.push(field === 'non_field_errors' || field === 'detail' ? text : `${field}: ${text}`)
    }
    if (parts.length) return parts.join(' ')
  } else if (Array.isArray(data)) {
    const msgs = data.filter((m) => typeof m === 'string' && m)
    if (msgs.length) return msgs.join(' ')
  } else if (typeof data === 'string' && data.trim() && data.length < 300 && !data.includes('<')) {
    return data.trim()
  }
  return t('common.requestFailed', { status })
}

async function readBody(response) {
  if (response.status === 204 || response.status === 205) return null
  const text = await response.text()
  if (!text) return null
  const type = response.headers.get('content-type') || ''
  if (type.includes('json')) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

/**
 * Fetch `path` on this site and return the parsed JSON answer (null when empty).
 * @param {string} path  e.g. '/api/me'
 * `anonymous`: send no cookie and no CSRF token, so that the request is tied to no one
 * (the location-exposure request).
 * @param {{method?: string, body?: any, headers?: Record<string,string>, signal?: AbortSignal, anonymous?: boolean}} [options]
 */
export async function apiFetch(path, { method = 'GET', body, headers = {}, signal, anonymous = false } = {}) {
  const verb = String(method).toUpperCase()
  // The language the person reads the portal in: the server answers (refusals, page titles)
  // in it, also for a request sent without the session (anonymous).
  const sendHeaders = { Accept: 'application/json', 'Accept-Language': locale(), ...headers }
  const init = { method: verb, credentials: anonymous ? 'omit' : 'same-origin', headers: sendHeaders }
  if (signal) init.signal = signal

  if (body !== undefined) {
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      init.body = body // the browser sets the multipart Content-Type
    } else {
      sendHeaders['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
  }
  if (!SAFE_METHODS.has(verb) && !anonymous) {
    sendHeaders[CSRF_HEADER_NAME] = getCsrfToken()
  }

  let response
  try {
    response = await fetch(path, init)
  } catch (err) {
    if (err && err.name === 'AbortError') throw err
    throw new ApiError(t('common.unreachable'), {
      status: 0,
    })
  }

  const data = await readBody(response)
  if (!response.ok) {
    throw new ApiError(errorMessage(data, response.status), { status: response.status, data })
  }
  return data
}
