// Load something from the API, with a loading flag, an error and a retry.
//
//   const { data, loading, error, reload } = useLoad(() => getDailyStats(), {
//     transform: normaliseDaily,
//     errorText: 'The statistics could not be loaded.',
//   })
//
//   <p v-if="loading && !data" role="status">Loading…</p>
//   <LoadError v-else-if="error" :message="error" @retry="reload" />
//
// - `reload(...args)` calls `loader(...args)`. Only the answer of the latest
//   call is kept: when reload is called again before an earlier call has
//   answered, the earlier answer (or error) is ignored, whatever order the
//   answers come in.
// - While loading, `data` keeps what it holds (so a page can refresh without
//   flashing "Loading…"); on an error it becomes `initial` again, or keeps
//   its value with `keepData: true`.
// - `error` is the error in words ('' when there is none); `failure` is what
//   was thrown (an ApiError: `failure.value?.status`), null when there is none.
// - `reload()` resolves to true when its answer was shown, false when it
//   failed, and undefined when a later call (or reset) overtook it.
// - `reset()` forgets the data and the error and ignores any call on its way.
// - With `immediate` (the default) the first load starts when the component
//   is mounted (at once outside a component).
import { getCurrentInstance, getCurrentScope, onMounted, onScopeDispose, ref, shallowRef } from 'vue'
import { t } from '../i18n.js'

/** "Something went wrong." in the language in use. */
export const defaultErrorText = () => t('common.somethingWrong')

/** The words for a failure: `errorText` (a string or a function of the error), else its message. */
export function describeFailure(err, errorText) {
  if (typeof errorText === 'function') return errorText(err) || defaultErrorText()
  return err?.message || errorText || defaultErrorText()
}

/**
 * @param {(...args: any[]) => Promise<any>} loader
 * @param {{
 *   immediate?: boolean,
 *   initial?: any,
 *   transform?: (answer: any) => any,
 *   keepData?: boolean,
 *   errorText?: string | ((err: any) => string),
 * }} [options]
 */
export function useLoad(loader, options = {}) {
  const { immediate = true, initial = null, transform = null, keepData = false, errorText = '' } = options

  const data = shallowRef(initial)
  const loading = ref(Boolean(immediate))
  const error = ref('')
  const failure = shallowRef(null)

  let sequence = 0
  let disposed = false

  async function reload(...args) {
    const mine = ++sequence
    loading.value = true
    error.value = ''
    failure.value = null
    try {
      const answer = await loader(...args)
      if (mine !== sequence || disposed) return undefined
      data.value = transform ? transform(answer) : answer
      return true
    } catch (err) {
      if (mine !== sequence || disposed) return undefined
      if (!keepData) data.value = initial
      failure.value = err
      error.value = describeFailure(err, errorText)
      return false
    } finally {
      if (mine === sequence) loading.value = false
    }
  }

  function reset() {
    sequence++
    data.value = initial
    loading.value = false
    error.value = ''
    failure.value = null
  }

  if (getCurrentScope()) {
    onScopeDispose(() => {
      disposed = true
      sequence++
    })
  }

  if (immediate) {
    if (getCurrentInstance()) onMounted(() => reload())
    else reload()
  }

  return { data, loading, error, failure, reload, reset }
}
