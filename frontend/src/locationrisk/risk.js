// Stage 2 of the exposure formula, in the browser (docs/location-exposure.md):
//
//   E = 2·E_max / (1 + e^(−G)) − E_max,   G = Σᵢ γ̄ᵢ · xᵢ · Erᵢ
//
// i runs over the returned zone-periods holding the person's own points: xᵢ
// their number, γ̄ᵢ their mean accuracy, Erᵢ the zone's rating / 100.

import { centreKey, zoneOf } from './grid.js'
import { t } from '../i18n.js'

export const E_MAX = 100

export function sigmoidRating(value, maximum = E_MAX) {
  if (value > 700) return maximum
  return (2 * maximum) / (1 + Math.exp(-value)) - maximum
}

/** E in percent from [{gamma, count, rating (percent)}]. */
export function exposureRisk(regions) {
  const g = regions.reduce((sum, r) => sum + r.gamma * r.count * (r.rating / 100), 0)
  return { G: g, E: sigmoidRating(g, E_MAX) }
}

/** zone centre key -> {centreLat, centreLong, exposures: [{start, end, exposure}]} from answers. */
export function zoneIndex(answers) {
  const zones = new Map()
  for (const answer of answers) {
    for (const zone of answer?.zones ?? []) {
      const key = centreKey(zone.centreLat, zone.centreLong)
      if (!zones.has(key)) {
        zones.set(key, { centreLat: zone.centreLat, centreLong: zone.centreLong, exposures: [] })
      }
      const known = zones.get(key).exposures
      for (const e of zone.exposures ?? []) {
        if (!known.some((k) => k.start === e.start && k.end === e.end)) known.push(e)
      }
    }
  }
  return zones
}

/**
 * Match the person's own points to the returned zone-periods and compute the
 * risk. Returns { G, E, regions: [{key, centreLat, centreLong, start, end,
 * rating, count, gamma, term}], matched, zones: [{key, row, column, rating}] }.
 */
export function computeRisk(points, answers) {
  const zones = zoneIndex(answers)
  const regions = new Map()
  let matched = 0
  const ownZones = new Map()
  for (const p of points) {
    const cell = zoneOf(p.lat, p.long)
    const key = centreKey(cell.centreLat, cell.centreLong)
    if (!ownZones.has(key)) ownZones.set(key, { ...cell, rating: 0 })
    const zone = zones.get(key)
    if (!zone) continue
    const period = zone.exposures.find((e) => e.start <= p.time && p.time < e.end)
    if (!period) continue
    matched++
    const id = `${key}@${period.start}`
    if (!regions.has(id)) {
      regions.set(id, {
        key,
        centreLat: zone.centreLat,
        centreLong: zone.centreLong,
        start: period.start,
        end: period.end,
        rating: period.exposure,
        count: 0,
        accuracySum: 0,
      })
    }
    const r = regions.get(id)
    r.count++
    r.accuracySum += p.accuracy
    const own = ownZones.get(key)
    own.rating = Math.max(own.rating, period.exposure)
  }
  const list = [...regions.values()]
    .map((r) => {
      const gamma = r.accuracySum / r.count
      return { ...r, gamma, term: gamma * r.count * (r.rating / 100) }
    })
    .sort((a, b) => a.start - b.start)
  const { G, E } = exposureRisk(list.map((r) => ({ gamma: r.gamma, count: r.count, rating: r.rating })))
  return { G, E, regions: list, matched, zones: [...ownZones.values()] }
}

/** The level of a score or a rating in percent: 0 (none) to 4 (high); the page's colours. */
export function riskLevel(E) {
  if (E <= 0) return 0
  if (E < 5) return 1
  if (E < 25) return 2
  if (E < 60) return 3
  return 4
}

// The words of each level, in the language in use (locationrisk.levels.* and .advice.*).
const LEVEL_KEYS = ['none', 'veryLow', 'low', 'medium', 'high']

/** Words for a risk in percent. */
export function riskWords(E) {
  return t(`locationrisk.levels.${LEVEL_KEYS[riskLevel(E)]}`)
}

/**
 * What the score means and what to do, in plain words. `medical` is the medical team's name
 * in the server's words (/api/me), so the page never names a team itself.
 */
export function riskAdvice(E, medical) {
  return t(`locationrisk.advice.${LEVEL_KEYS[riskLevel(E)]}`, { medical })
}
