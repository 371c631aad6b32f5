// The four-eyes reveal in words: what a request asks, where it stands, and its review.
// Whether a request needs approval, and why, is the server's (`needs_approval`, `because`):
// nothing here decides it.

/** What a request names: "the close contacts" or "every contact". */
export function scopeWords(scope) {
  if (scope === 'close') return 'the close contacts'
  if (scope === 'all') return 'every contact'
  return String(scope ?? '')
}

/** The choice of what to name, as the medic reads it: "Name the close contacts". */
export const scopeChoice = (scope) => `Name ${scopeWords(scope)}`

const STATUS_WORDS = {
  waiting: 'waiting for approval',
  approved: 'approved',
  refused: 'refused',
  not_needed: 'named (no approval needed)',
  break_glass: 'named urgently (break-glass)',
}

/** A request's status in words: "waiting for approval", "refused", ... */
export function statusWords(status) {
  return STATUS_WORDS[status] ?? String(status ?? '').replace(/_/g, ' ')
}

/** The statuses in which the names are shown. */
export const isNamedStatus = (status) => ['approved', 'not_needed', 'break_glass'].includes(status)

/** A break-glass reveal's review in words: "not reviewed yet", "reviewed by dpo", "escalated by dpo". */
export function reviewWords(review) {
  if (!review) return 'not reviewed yet'
  const what = review.outcome === 'escalated' ? 'escalated' : 'reviewed'
  return review.by ? `${what} by ${review.by}` : what
}

/** "Case C-2025-017" or "Case C-2025-017 (second degree)". */
export function caseWords(reveal) {
  if (!reveal) return ''
  const text = `Case ${reveal.case_reference}`
  return reveal.degree > 1 ? `${text} (second degree)` : text
}

/**
 * What to say once the names are shown: how they came to be shown, and the follow-ups
 * the naming opened (`answer.follow_ups`, when the answer carries them). `roleWords`:
 * the teams in the server's words (session.js useRoleWords).
 */
export function namedMessage(answer, reveal, roleWords = (role) => role) {
  const who = answer?.revealed === 'all' ? 'Every contact is named' : 'The close contacts are named'
  let text
  if (reveal?.status === 'break_glass')
    text = `${who} (break-glass). This was recorded in the audit trail; the ${roleWords('privacy')} reviews it.`
  else if (reveal?.status === 'approved')
    text = `${who}: ${reveal.decided_by || 'a second person'} approved your request.`
  else text = `${who}. This was recorded in the audit trail with your reason.`
  const opened = answer?.follow_ups?.length ?? 0
  if (opened) text += ` ${opened === 1 ? '1 follow-up' : `${opened} follow-ups`} opened or moved.`
  return text
}
