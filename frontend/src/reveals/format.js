// The four-eyes reveal in words: what a request asks, where it stands, and its review.
// Whether a request needs approval, and why, is the server's (`needs_approval`, `because`):
// nothing here decides it.
import { t } from '../i18n.js'

/** What a request names: "the close contacts" or "every contact". */
export function scopeWords(scope) {
  if (scope === 'close' || scope === 'all') return t(`reveals.scope.${scope}`)
  return String(scope ?? '')
}

/** The choice of what to name, as the medic reads it: "Name the close contacts". */
export const scopeChoice = (scope) =>
  scope === 'close' || scope === 'all'
    ? t(`reveals.scopeChoice.${scope}`)
    : t('reveals.scopeChoice.other', { scope: scopeWords(scope) })

const STATUSES = ['waiting', 'approved', 'refused', 'not_needed', 'break_glass']

/** A request's status in words: "waiting for approval", "refused", ... */
export function statusWords(status) {
  return STATUSES.includes(status) ? t(`reveals.status.${status}`) : String(status ?? '').replace(/_/g, ' ')
}

/** The statuses in which the names are shown. */
export const isNamedStatus = (status) => ['approved', 'not_needed', 'break_glass'].includes(status)

/** A break-glass reveal's review in words: "not reviewed yet", "reviewed by dpo", "escalated by dpo". */
export function reviewWords(review) {
  if (!review) return t('reveals.review.notYet')
  const what = review.outcome === 'escalated' ? 'escalated' : 'reviewed'
  return review.by ? t(`reveals.review.${what}By`, { by: review.by }) : t(`reveals.review.${what}`)
}

/** "Case C-2025-017" or "Case C-2025-017 (second degree)". */
export function caseWords(reveal) {
  if (!reveal) return ''
  const reference = reveal.case_reference
  return reveal.degree > 1 ? t('reveals.caseSecondDegree', { reference }) : t('reveals.case', { reference })
}

/**
 * What to say once the names are shown: how they came to be shown, and the follow-ups
 * the naming opened (`answer.follow_ups`, when the answer carries them). `roleWords`:
 * the teams in the server's words (session.js useRoleWords).
 */
export function namedMessage(answer, reveal, roleWords = (role) => role) {
  const who = answer?.revealed === 'all' ? 'all' : 'close'
  let text
  if (reveal?.status === 'break_glass')
    text = t(`reveals.named.${who}.breakGlass`, { privacy: roleWords('privacy') })
  else if (reveal?.status === 'approved')
    text = t(`reveals.named.${who}.approved`, { who: reveal.decided_by || t('reveals.named.aSecondPerson') })
  else text = t(`reveals.named.${who}.recorded`)
  const opened = answer?.follow_ups?.length ?? 0
  if (opened) text += ` ${t('reveals.named.followUps', { n: opened }, opened)}`
  return text
}
