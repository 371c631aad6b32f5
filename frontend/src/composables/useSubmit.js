// Send a form to the API: a submitting flag, the errors next to their fields,
// a general error and a success message.
//
//   const trace = useSubmit((body) => runTrace(body), {
//     fields: ['person', 'reason'],
//     fieldMap: { person_id: 'person' },      // the API's name -> the form's
//     success: (answer) => answer.message,
//   })
//
//   <form @submit.prevent="trace.submit(body())">
//     <FormError :message="trace.fieldErrors.reason" />
//     <FormError :message="trace.error.value" />
//     <button :disabled="trace.submitting.value">Send</button>
//   <SuccessMessage :message="trace.message.value" />
//
// The API's errors (see api.js ApiError) carry DRF's body in `data`:
// {"detail": "…"} or {"field": ["…"], "non_field_errors": ["…"]}. With
// `fields`, each message of a known field goes next to that field and the
// others together into `error`; without `fields`, `error` is the error's
// message (DRF's body in one sentence). `detailField(data)` may put a
// `detail` next to a field (e.g. by its `code`).
//
// `submit(...args)` calls `action(...args)` and resolves to true when it
// succeeded, false when it failed, and undefined when it did not run because
// a submission was already on its way. `message` and `error` are plain refs:
// a page may set them itself (e.g. a check made before asking the server),
// or share one `message` between several forms (option `message`).
import { reactive, ref, shallowRef } from 'vue'
import { describeFailure } from './useLoad.js'

/** The messages of one DRF error value ("…", ["…", "…"]) as one sentence. */
export function messagesOf(value) {
  return []
    .concat(value)
    .filter((m) => typeof m === 'string' && m)
    .join(' ')
}

/**
 * DRF's error body split by field: {fields: {form field: text}, rest: [texts], detail}.
 * `fieldMap` maps the API's names to the form's; without one, the API's names
 * that `fields` lists are the form's. Whatever belongs to no field goes to
 * `rest`; a `detail` string is returned alone.
 */
export function splitApiErrors(data, { fields = [], fieldMap = {} } = {}) {
  const out = { fields: {}, rest: [], detail: '' }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return out
  const mapped = Object.keys(fieldMap).length > 0
  if (typeof data.detail === 'string') {
    out.detail = data.detail
    return out
  }
  for (const [key, value] of Object.entries(data)) {
    const text = messagesOf(value)
    if (!text) continue
    const field = mapped ? (fieldMap[key] ?? null) : fields.includes(key) ? key : null
    if (field) out.fields[field] = text
    else out.rest.push(text)
  }
  return out
}

/**
 * @param {(...args: any[]) => Promise<any>} action
 * @param {{
 *   fields?: string[],
 *   fieldMap?: Record<string, string>,
 *   detailField?: (data: object) => string | null,
 *   success?: string | ((answer: any) => string),
 *   errorText?: string | ((err: any) => string),
 *   message?: import('vue').Ref<string>,
 * }} [options]
 */
export function useSubmit(action, options = {}) {
  const { fields = [], fieldMap = {}, detailField = null, success = null, errorText = '' } = options

  const submitting = ref(false)
  const error = ref('')
  const failure = shallowRef(null)
  const message = options.message ?? ref('')
  const fieldErrors = reactive(Object.fromEntries(fields.map((f) => [f, ''])))

  const hasFieldErrors = () => fields.some((f) => fieldErrors[f])
  /** The first field (in the order of `fields`) with an error, or null. */
  const firstFieldError = () => fields.find((f) => fieldErrors[f]) ?? null

  function clearErrors() {
    for (const f of fields) fieldErrors[f] = ''
    error.value = ''
    failure.value = null
  }

  /** Show a failure: next to its fields when it names them, else as the general error. */
  function showError(err) {
    failure.value = err ?? null
    if (fields.length) {
      const data = err?.data
      const split = splitApiErrors(data, { fields, fieldMap })
      if (split.detail) {
        const field = detailField ? detailField(data) : null
        if (field && field in fieldErrors) fieldErrors[field] = split.detail
        else error.value = split.detail
        return
      }
      for (const [field, text] of Object.entries(split.fields)) fieldErrors[field] = text
      if (split.rest.length) error.value = split.rest.join(' ')
      if (Object.keys(split.fields).length || split.rest.length) return
    }
    error.value = describeFailure(err, errorText)
  }

  async function submit(...args) {
    if (submitting.value) return undefined
    submitting.value = true
    clearErrors()
    message.value = ''
    try {
      const answer = await action(...args)
      if (success) message.value = typeof success === 'function' ? success(answer) || '' : success
      return true
    } catch (err) {
      showError(err)
      return false
    } finally {
      submitting.value = false
    }
  }

  return {
    submitting,
    fieldErrors,
    error,
    failure,
    message,
    submit,
    clearErrors,
    showError,
    hasFieldErrors,
    firstFieldError,
  }
}
