import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, apiFetch, errorMessage, getCookie, loginUrl } from '../src/api.js'
import { jsonResponse, setCookie } from './helpers.js'

let fetchMock
beforeEach(() => {
  setCookie(['other=1', 'csrftoken=s3cr3t-token', 'x=y'])
  fetchMock = vi.fn(async () => jsonResponse({ ok: true }))
  vi.stubGlobal('fetch', fetchMock)
})
afterEach(() => setCookie([]))

const sentHeaders = (i = 0) => fetchMock.mock.calls[i][1].headers

describe('getCookie', () => {
  it('reads one cookie among several', () => {
    expect(getCookie('csrftoken')).toBe('s3cr3t-token')
    expect(getCookie('missing')).toBe('')
  })
})

describe('apiFetch', () => {
  it('sends X-CSRFToken from the cookie on POST, with a JSON body', async () => {
    const data = await apiFetch('/api/things/', { method: 'POST', body: { a: 1 } })
    expect(data).toEqual({ ok: true })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/things/')
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('same-origin')
    expect(init.body).toBe('{"a":1}')
    expect(sentHeaders()['X-CSRFToken']).toBe('s3cr3t-token')
    expect(sentHeaders()['Content-Type']).toBe('application/json')
    expect(sentHeaders().Accept).toBe('application/json')
  })

  it('sends X-CSRFToken on PUT, PATCH and DELETE too', async () => {
    for (const method of ['PUT', 'patch', 'DELETE']) await apiFetch('/api/x/', { method })
    for (let i = 0; i < 3; i++) expect(sentHeaders(i)['X-CSRFToken']).toBe('s3cr3t-token')
  })

  it('does not send X-CSRFToken on GET or HEAD', async () => {
    await apiFetch('/api/things/')
    await apiFetch('/api/things/', { method: 'HEAD' })
    expect(fetchMock.mock.calls[0][1].method).toBe('GET')
    expect(sentHeaders(0)).not.toHaveProperty('X-CSRFToken')
    expect(sentHeaders(1)).not.toHaveProperty('X-CSRFToken')
    expect(fetchMock.mock.calls[0][1].body).toBeUndefined()
  })

  it("throws with the server's detail and the status on a 400", async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse({ detail: 'This device is already assigned.' }, 400))
    const err = await apiFetch('/api/assign/', { method: 'POST', body: {} }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toBeInstanceOf(Error)
    expect(err.message).toBe('This device is already assigned.')
    expect(err.status).toBe(400)
    expect(err.data).toEqual({ detail: 'This device is already assigned.' })
  })

  it('turns DRF validation errors into a message', async () => {
    fetchMock.mockResolvedValueOnce(
      jsonResponse({ device: ['Unknown device.'], non_field_errors: ['Try again.'] }, 400),
    )
    await expect(apiFetch('/api/assign/', { method: 'POST', body: {} })).rejects.toThrow(
      'device: Unknown device. Try again.',
    )
  })

  it('gives a fallback message when the error body is not JSON', async () => {
    fetchMock.mockResolvedValueOnce(
      new Response('<html>oops</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
    )
    const err = await apiFetch('/api/x/').catch((e) => e)
    expect(err.status).toBe(502)
    expect(err.message).toBe('The request failed (HTTP 502).')
  })

  it('returns null for 204 No Content', async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }))
    expect(await apiFetch('/api/x/1/', { method: 'DELETE' })).toBeNull()
  })

  it('reports a network failure as status 0', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const err = await apiFetch('/api/x/').catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(0)
  })
})

describe('helpers', () => {
  it('loginUrl points back at the given path', () => {
    expect(loginUrl('/registration/?q=1')).toBe('/accounts/login/?next=%2Fregistration%2F%3Fq%3D1')
  })

  it('errorMessage prefers detail', () => {
    expect(errorMessage({ detail: 'Nope.' }, 403)).toBe('Nope.')
    expect(errorMessage(null, 500)).toBe('The request failed (HTTP 500).')
  })
})
