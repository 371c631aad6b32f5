// Words for the registration desk pages (the `registration` catalogue, src/locales).
import { t } from '../i18n.js'

/** Device states (keep in step with assets.models.DeviceState); their words are registration.state.<state>. */
export const STATES = Object.freeze(['in_stock', 'assigned', 'lost', 'found', 'broken', 'in_repair', 'retired'])

/** A device state in words, in the language in use. */
export function stateLabel(state) {
  if (!state) return ''
  return STATES.includes(state) ? t(`registration.state.${state}`) : String(state).replace(/_/g, ' ')
}

/** What happened to a device that was reported lost. */
export function lostOutcome(report) {
  if (!report) return ''
  if (report.outcome === 'returned') return t('registration.outcome.returned')
  if (report.outcome === 'restocked') return t('registration.outcome.restocked')
  if (report.found_at) return t('registration.outcome.waiting')
  return t('registration.outcome.missing')
}

// Times: see ../format/time.js (re-exported for the pages that import them from here).
export { formatWhen, localInputToIso, nowForInput } from '../format/time.js'

/** "Alice Adams (810001)" */
export function personLabel(person) {
  if (!person) return ''
  return person.person_id ? t('registration.personLabel', { name: person.name, id: person.person_id }) : person.name
}
