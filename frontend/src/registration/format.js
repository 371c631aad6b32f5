// Words for the registration desk pages.

/** Device states in words (keep in step with assets.models.DeviceState). */
export const STATE_LABELS = {
  in_stock: 'in stock',
  assigned: 'assigned',
  lost: 'lost',
  found: 'found',
  broken: 'broken',
  in_repair: 'in repair',
  retired: 'retired',
}

export function stateLabel(state) {
  if (!state) return ''
  return STATE_LABELS[state] ?? String(state).replace(/_/g, ' ')
}

/** What happened to a device that was reported lost. */
export function lostOutcome(report) {
  if (!report) return ''
  if (report.outcome === 'returned') return 'returned to its holder'
  if (report.outcome === 'restocked') return 'put back in stock'
  if (report.found_at) return 'found, waiting at the desk'
  return 'still missing'
}

// Times: see ../format/time.js (re-exported for the pages that import them from here).
export { formatWhen, localInputToIso, nowForInput } from '../format/time.js'

/** "Alice Adams (810001)" */
export function personLabel(person) {
  if (!person) return ''
  return person.person_id ? `${person.name} (${person.person_id})` : person.name
}
