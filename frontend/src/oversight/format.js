// Unusual activity in words: when an alert happened, and the usual it is held against.
import { formatDay, pad } from '../format/time.js'
import { intlLocale, t } from '../i18n.js'

const PER_DAY_RULES = new Set(['traces_per_day', 'exports_per_day'])

/** "Wed 18 Nov 2026" or "Wed 18 Nov 2026, 23:00 – 24:00" (an hour, as a period). */
export function alertWhen(alert) {
  const day = formatDay(alert?.day, { year: true })
  if (alert?.hour === null || alert?.hour === undefined) return day
  const hour = Number(alert.hour)
  return t('audit.unusual.hourPeriod', { day, from: pad(hour), to: pad(hour + 1) })
}

// A whole number as it is, anything else with one decimal ("2.5", in French "2,5").
const number = (v) =>
  new Intl.NumberFormat(intlLocale(), {
    minimumFractionDigits: Number.isInteger(v) ? 0 : 1,
    maximumFractionDigits: Number.isInteger(v) ? 0 : 1,
    useGrouping: false,
  }).format(Number(v))

/** The usual of one side (the account's, or the service's) in words; 'not known yet' if none. */
export function usualWords(alert, side) {
  const value = alert?.[`usual_${side}`]
  if (value === null || value === undefined) return t('audit.unusual.notKnown')
  if (PER_DAY_RULES.has(alert.rule)) return t('audit.unusual.perDay', { n: number(value) })
  if (alert.rule === 'unusual_hour') return t('audit.unusual.inThatHour', { n: number(value) })
  return t('audit.unusual.before', { n: number(value) })
}

/** The rules that raised alerts, as "label: count", in the server's order. */
export function ruleCounts(perRule) {
  return (Array.isArray(perRule) ? perRule : []).filter((r) => r.count > 0)
}
