import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { ApiError } from '../src/api.js'
import { useLoad } from '../src/composables/useLoad.js'
import { splitApiErrors, useSubmit } from '../src/composables/useSubmit.js'

/** A promise and the functions that settle it, so a test decides when an answer comes. */
function deferred() {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Mount a component that calls `setup()` and exposes what it returns. */
function withSetup(setup) {
  let result
  const wrapper = mount(
    defineComponent({
      setup() {
        result = setup()
        return () => h('div')
      },
    }),
  )
  return { result, wrapper }
}

describe('useLoad', () => {
  it('loads when the component is mounted: loading, then the data', async () => {
    const answer = deferred()
    const loader = vi.fn(() => answer.promise)
    const { result, wrapper } = withSetup(() => useLoad(loader))
    expect(result.loading.value).toBe(true)
    expect(result.data.value).toBe(null)
    expect(loader).toHaveBeenCalledTimes(1)
    answer.resolve({ n: 1 })
    await flushPromises()
    expect(result.loading.value).toBe(false)
    expect(result.data.value).toEqual({ n: 1 })
    expect(result.error.value).toBe('')
    expect(result.failure.value).toBe(null)
    wrapper.unmount()
  })

  it('does not load by itself with immediate: false, and passes reload arguments on', async () => {
    const loader = vi.fn(async (a, b) => a + b)
    const { result, wrapper } = withSetup(() => useLoad(loader, { immediate: false }))
    expect(result.loading.value).toBe(false)
    expect(loader).not.toHaveBeenCalled()
    await expect(result.reload(2, 3)).resolves.toBe(true)
    expect(loader).toHaveBeenCalledWith(2, 3)
    expect(result.data.value).toBe(5)
    wrapper.unmount()
  })

  it('transforms the answer', async () => {
    const load = useLoad(async () => [3, 1, 2], { immediate: false, transform: (list) => [...list].sort() })
    await load.reload()
    expect(load.data.value).toEqual([1, 2, 3])
  })

  it('shows an error in words, keeps what was thrown, and retries', async () => {
    let fail = true
    const loader = vi.fn(async () => {
      if (fail) throw new ApiError('Server exploded.', { status: 500 })
      return 'ok'
    })
    const load = useLoad(loader, { immediate: false })
    await expect(load.reload()).resolves.toBe(false)
    expect(load.error.value).toBe('Server exploded.')
    expect(load.failure.value.status).toBe(500)
    expect(load.data.value).toBe(null)
    expect(load.loading.value).toBe(false)

    fail = false
    const retry = load.reload()
    expect(load.error.value).toBe('') // cleared while trying again
    expect(load.loading.value).toBe(true)
    await expect(retry).resolves.toBe(true)
    expect(load.data.value).toBe('ok')
    expect(load.failure.value).toBe(null)
  })

  it('uses errorText when the error has no message, or a function of the error', async () => {
    const silent = useLoad(() => Promise.reject(new Error('')), { immediate: false, errorText: 'The numbers could not be loaded.' })
    await silent.reload()
    expect(silent.error.value).toBe('The numbers could not be loaded.')

    const worded = useLoad(() => Promise.reject(new ApiError('Nope.', { status: 503 })), {
      immediate: false,
      errorText: (err) => `The purge log could not be loaded: ${err.message}`,
    })
    await worded.reload()
    expect(worded.error.value).toBe('The purge log could not be loaded: Nope.')
  })

  it('forgets the data on an error, unless keepData', async () => {
    let fail = false
    const loader = async () => {
      if (fail) throw new Error('Gone.')
      return ['a']
    }
    const forget = useLoad(loader, { immediate: false, initial: [] })
    const keep = useLoad(loader, { immediate: false, keepData: true })
    await forget.reload()
    await keep.reload()
    fail = true
    await forget.reload()
    await keep.reload()
    expect(forget.data.value).toEqual([])
    expect(keep.data.value).toEqual(['a'])
    expect(keep.error.value).toBe('Gone.')
  })

  it('keeps the data while reloading', async () => {
    const answers = [deferred(), deferred()]
    let call = 0
    const load = useLoad(() => answers[call++].promise, { immediate: false })
    const first = load.reload()
    answers[0].resolve('first')
    await first
    load.reload()
    expect(load.loading.value).toBe(true)
    expect(load.data.value).toBe('first')
    answers[1].resolve('second')
    await flushPromises()
    expect(load.data.value).toBe('second')
  })

  it('reload twice: only the latest answer counts, whatever order they come in', async () => {
    const answers = { a: deferred(), b: deferred() }
    const load = useLoad((key) => answers[key].promise, { immediate: false })
    const first = load.reload('a')
    const second = load.reload('b')
    answers.b.resolve('B')
    await expect(second).resolves.toBe(true)
    expect(load.data.value).toBe('B')
    expect(load.loading.value).toBe(false)

    answers.a.resolve('A') // the stale answer arrives last
    await expect(first).resolves.toBe(undefined)
    expect(load.data.value).toBe('B')
    expect(load.loading.value).toBe(false)
  })

  it('a stale error does not replace a newer answer, nor stop the loading flag early', async () => {
    const answers = { a: deferred(), b: deferred() }
    const load = useLoad((key) => answers[key].promise, { immediate: false })
    const first = load.reload('a')
    const second = load.reload('b')
    answers.a.reject(new Error('Too late.'))
    await expect(first).resolves.toBe(undefined)
    expect(load.error.value).toBe('')
    expect(load.loading.value).toBe(true) // still waiting for the second
    answers.b.resolve('B')
    await second
    expect(load.data.value).toBe('B')
    expect(load.loading.value).toBe(false)
  })

  it('reset forgets everything and ignores the answer on its way', async () => {
    const answer = deferred()
    const load = useLoad(() => answer.promise, { immediate: false, initial: [] })
    const pending = load.reload()
    load.reset()
    expect(load.loading.value).toBe(false)
    answer.resolve(['late'])
    await expect(pending).resolves.toBe(undefined)
    expect(load.data.value).toEqual([])
  })

  it('ignores answers that come after the component is gone', async () => {
    const answer = deferred()
    const { result, wrapper } = withSetup(() => useLoad(() => answer.promise))
    await nextTick()
    wrapper.unmount()
    answer.resolve('late')
    await flushPromises()
    expect(result.data.value).toBe(null)
  })
})

describe('splitApiErrors', () => {
  it('puts the messages of known fields next to them, the rest together', () => {
    const data = { reason: ['Too short.', 'Say why.'], person_id: ['Unknown person.'], non_field_errors: ['No.'] }
    expect(splitApiErrors(data, { fields: ['reason'] })).toEqual({
      fields: { reason: 'Too short. Say why.' },
      rest: ['Unknown person.', 'No.'],
      detail: '',
    })
    expect(splitApiErrors(data, { fields: ['reason', 'person'], fieldMap: { person_id: 'person' } })).toEqual({
      fields: { person: 'Unknown person.' },
      rest: ['Too short. Say why.', 'No.'],
      detail: '',
    })
  })

  it('returns a detail alone, and nothing for a body that is not an object', () => {
    expect(splitApiErrors({ detail: 'Not allowed.', reason: ['x'] }, { fields: ['reason'] })).toEqual({
      fields: {},
      rest: [],
      detail: 'Not allowed.',
    })
    expect(splitApiErrors(null)).toEqual({ fields: {}, rest: [], detail: '' })
    expect(splitApiErrors(['a'])).toEqual({ fields: {}, rest: [], detail: '' })
  })
})

describe('useSubmit', () => {
  it('is submitting while the action runs, then shows the success message', async () => {
    const answer = deferred()
    const form = useSubmit(() => answer.promise, { success: (a) => a.message })
    const done = form.submit()
    expect(form.submitting.value).toBe(true)
    answer.resolve({ message: 'Saved.' })
    await expect(done).resolves.toBe(true)
    expect(form.submitting.value).toBe(false)
    expect(form.message.value).toBe('Saved.')
    expect(form.error.value).toBe('')
  })

  it('passes its arguments on, and does not run twice at once', async () => {
    const answer = deferred()
    const action = vi.fn(() => answer.promise)
    const form = useSubmit(action)
    const first = form.submit('a', 1)
    await expect(form.submit('b', 2)).resolves.toBe(undefined)
    expect(action).toHaveBeenCalledTimes(1)
    expect(action).toHaveBeenCalledWith('a', 1)
    answer.resolve()
    await expect(first).resolves.toBe(true)
  })

  it('without fields: the error is the message of what was thrown', async () => {
    const err = new ApiError('device_id: Unknown device.', { status: 400, data: { device_id: ['Unknown device.'] } })
    const form = useSubmit(() => Promise.reject(err))
    await expect(form.submit()).resolves.toBe(false)
    expect(form.error.value).toBe('device_id: Unknown device.')
    expect(form.failure.value).toBe(err)
    expect(form.submitting.value).toBe(false)
  })

  it('with fields: field errors next to their fields, the others as the general error', async () => {
    const data = { person_id: ['Unknown person.'], reason: ['Say why.'], other: ['Something else.'] }
    const form = useSubmit(() => Promise.reject(new ApiError('x', { status: 400, data })), {
      fields: ['person', 'reason'],
      fieldMap: { person_id: 'person', reason: 'reason' },
    })
    await form.submit()
    expect(form.fieldErrors).toEqual({ person: 'Unknown person.', reason: 'Say why.' })
    expect(form.error.value).toBe('Something else.')
    expect(form.hasFieldErrors()).toBe(true)
    expect(form.firstFieldError()).toBe('person')
  })

  it('a detail goes to the general error, or to a field by detailField', async () => {
    const refuse = (data) => () => Promise.reject(new ApiError(data.detail, { status: 400, data }))
    const options = { fields: ['window'], detailField: (d) => (d.code === 'window' ? 'window' : null) }
    const general = useSubmit(refuse({ detail: 'Too many traces.' }), options)
    await general.submit()
    expect(general.error.value).toBe('Too many traces.')
    expect(general.fieldErrors.window).toBe('')

    const field = useSubmit(refuse({ detail: 'The period is empty.', code: 'window' }), options)
    await field.submit()
    expect(field.fieldErrors.window).toBe('The period is empty.')
    expect(field.error.value).toBe('')
  })

  it('falls back to errorText when the body names nothing and there is no message', async () => {
    const form = useSubmit(() => Promise.reject(new ApiError('', { status: 500, data: {} })), {
      fields: ['reason'],
      errorText: 'The trace failed.',
    })
    await form.submit()
    expect(form.error.value).toBe('The trace failed.')
  })

  it('clears the last errors and message when submitted again', async () => {
    let fail = true
    const form = useSubmit(
      async () => {
        if (fail) throw new ApiError('x', { status: 400, data: { reason: ['Say why.'], other: ['No.'] } })
      },
      { fields: ['reason'], success: 'Done.' },
    )
    await form.submit()
    expect(form.fieldErrors.reason).toBe('Say why.')
    fail = false
    await form.submit()
    expect(form.fieldErrors.reason).toBe('')
    expect(form.error.value).toBe('')
    expect(form.message.value).toBe('Done.')
  })

  it('shares a message ref between forms', async () => {
    const message = ref('Earlier.')
    const a = useSubmit(async () => ({ message: 'Handed out.' }), { message, success: (x) => x.message })
    const b = useSubmit(async () => {}, { message })
    expect(a.message).toBe(message)
    await a.submit()
    expect(message.value).toBe('Handed out.')
    await b.submit() // starting another form clears the message
    expect(message.value).toBe('')
  })

  it('clearErrors and showError can be used for checks made before sending', () => {
    const form = useSubmit(async () => {}, { fields: ['reason'] })
    form.fieldErrors.reason = 'Give the reason.'
    form.error.value = 'Some answers are missing.'
    form.clearErrors()
    expect(form.fieldErrors.reason).toBe('')
    expect(form.error.value).toBe('')
    form.showError(new ApiError('x', { status: 400, data: { reason: ['Too short.'] } }))
    expect(form.fieldErrors.reason).toBe('Too short.')
  })
})
