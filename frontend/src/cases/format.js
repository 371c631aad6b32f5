// Contact follow-up in words: statuses, days left, the figures as given.
import { formatDate } from '../format/time.js'
import { intlLocale, t } from '../i18n.js'

/** The words of a follow-up status code, from the server's `rules.follow_up_statuses`. */
export function statusWords(status, statuses) {
  return statuses.find((s) => s.value === status)?.label ?? String(status ?? '').replace(/_/g, ' ')
}

/** Whether a status is open (can still change), as the server's rules say. */
export const isOpenStatus = (status, statuses) => Boolean(statuses.find((s) => s.value === status)?.open)

/** A case's status in words ("open", "closed"), in the language in use. */
export function caseStatusWords(status) {
  if (status === 'open' || status === 'closed') return t(`cases.status.${status}`)
  return String(status ?? '')
}

/** A case's statuses (cases.models.Case.Status); the label is read in the language in use. */
export const CASE_STATUSES = ['open', 'closed'].map((value) => ({
  value,
  get label() {
    return caseStatusWords(value)
  },
}))

/** "last day", "3 days left", "ended 2 days ago" (0 is the last day). */
export function daysLeftWords(days) {
  if (typeof days !== 'number') return ''
  if (days === 0) return t('cases.daysLeft.last')
  if (days > 0) return t('cases.daysLeft.left', { n: days }, days)
  return t('cases.daysLeft.ended', { n: -days }, -days)
}

/** A date of a case ("2025-11-18" -> "18 November 2025"), or a dash. */
export const dateOrDash = (value) => (value ? formatDate(value) : '—')

/**
 * A figure as the server sent it: a number, or a "< 5" string when the count
 * is too small to show; null is not shown (too few to compute).
 */
export function figureText(value) {
  if (value === null || value === undefined) return t('cases.figures.notShown')
  if (typeof value === 'number') return new Intl.NumberFormat(intlLocale()).format(value)
  return String(value)
}

/** A chain node's record on its page: a case on Cases, a contact on Follow-ups. */
export function nodeLink(node) {
  return node.kind === 'case'
    ? { path: '/cases/', query: { case: String(node.record) } }
    : { path: '/follow-ups/', query: { id: String(node.record) } }
}

/** The one value of a route query parameter (a repeated one counts once). */
export const oneQuery = (value) => (Array.isArray(value) ? value[0] : value) ?? ''
