// Building the exposure requests: the 0.01° AREAS the person's points fall in,
// over whole hours, mixed with at least as many DECOY areas, shuffled. A point
// is never sent: only area centres (on the grid) and hour-aligned times.

import { areaOf, SMALL_SQUARE_SPEC_ID, squareCentre, AREA_SIZE_E7, squareIndices } from './grid.js'
import { DAY_SECONDS, KEEP_DAYS } from './parse.js'

export const HOUR = 3600
export const MINUTE_PERIOD = 60
export const MAX_AREAS = 200 // the server's ZONES_MAX_AREAS
export const MAX_REAL_PER_REQUEST = 90 // the rest of a request is decoys

/** A random number in [0, 1): the browser's crypto when there is one. */
export function cryptoRandom() {
  const c = globalThis.crypto
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0] / 2 ** 32
  return Math.random()
}

export function shuffle(list, random = cryptoRandom) {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/** The span a request may ask for: inside the retention, not in the future. */
export function requestWindow(nowSeconds) {
  return { earliest: nowSeconds - KEEP_DAYS * DAY_SECONDS + 300, latest: nowSeconds }
}

/**
 * The real areas: one per 0.01° cell and run of consecutive hours holding
 * points ({lat, long} = the cell's centre, start/end on whole hours, clamped
 * to the request window).
 */
export function realAreas(points, nowSeconds) {
  const { earliest, latest } = requestWindow(nowSeconds)
  const cells = new Map() // key -> {cell, hours:Set}
  for (const p of points) {
    const cell = areaOf(p.lat, p.long)
    if (!cells.has(cell.key)) cells.set(cell.key, { cell, hours: new Set() })
    cells.get(cell.key).hours.add(Math.floor(p.time / HOUR) * HOUR)
  }
  const areas = []
  for (const { cell, hours } of cells.values()) {
    const sorted = [...hours].sort((a, b) => a - b)
    let runStart = null
    let runEnd = null
    const flush = () => {
      const start = Math.max(runStart, earliest)
      const end = Math.min(runEnd, latest)
      if (end > start) {
        areas.push({ lat: cell.centreLat, long: cell.centreLong, start, end, key: cell.key })
      }
    }
    for (const h of sorted) {
      if (runEnd === h) runEnd = h + HOUR
      else {
        if (runStart !== null) flush()
        runStart = h
        runEnd = h + HOUR
      }
    }
    if (runStart !== null) flush()
  }
  return areas
}

function randomBetween(random, low, high) {
  return low + random() * (high - low)
}

/** Decoy areas: grid centres near the real ones or anywhere inhabited, at random hours. */
export function decoyAreas(real, count, nowSeconds, random = cryptoRandom) {
  const { earliest, latest } = requestWindow(nowSeconds)
  const taken = new Set(real.map((a) => a.key))
  const lengths = real.length ? real.map((a) => a.end - a.start) : [HOUR]
  const decoys = []
  let guard = 0
  while (decoys.length < count && guard++ < count * 50) {
    let lat
    let long
    const near = real.length && random() < 0.5
    if (near) {
      const base = real[Math.floor(random() * real.length)]
      const sign = () => (random() < 0.5 ? -1 : 1)
      lat = base.lat + sign() * randomBetween(random, 0.02, 0.5)
      long = base.long + sign() * randomBetween(random, 0.02, 0.5)
    } else {
      lat = randomBetween(random, -50, 65)
      long = randomBetween(random, -179.9, 179.9)
    }
    lat = Math.max(-89.9, Math.min(89.9, lat))
    long = Math.max(-179.9, Math.min(179.9, long))
    const [row, column] = squareIndices(lat, long, AREA_SIZE_E7)
    const key = `${row}:${column}`
    if (taken.has(key)) continue
    taken.add(key)
    const [centreLat, centreLong] = squareCentre(row, column, AREA_SIZE_E7)
    const length = Math.min(lengths[Math.floor(random() * lengths.length)], latest - earliest - HOUR)
    const firstHour = Math.ceil(earliest / HOUR) * HOUR
    const hours = Math.max(1, Math.floor((latest - length - firstHour) / HOUR))
    const start = firstHour + Math.floor(random() * hours) * HOUR
    const end = Math.min(start + length, latest)
    if (end <= start) continue
    decoys.push({ lat: centreLat, long: centreLong, start, end, key, decoy: true })
  }
  return decoys
}

function body(areas) {
  return {
    returnDataFormatting: {
      geoZoneSpecId: SMALL_SQUARE_SPEC_ID,
      exposureThreshold: 0,
      minutePeriod: MINUTE_PERIOD,
    },
    areaRequests: areas.map(({ lat, long, start, end }) => ({ lat, long, start, end })),
  }
}

/**
 * The request bodies for `points` (already the last 14 days): real areas in
 * groups of at most 90, each group with at least as many decoys, shuffled.
 * Returns { bodies, real, decoys } (real/decoys only stay in the browser).
 */
export function buildRequests(points, nowSeconds, random = cryptoRandom) {
  const real = realAreas(points, nowSeconds)
  const groups = []
  const shuffledReal = shuffle(real, random)
  for (let i = 0; i < shuffledReal.length; i += MAX_REAL_PER_REQUEST) {
    groups.push(shuffledReal.slice(i, i + MAX_REAL_PER_REQUEST))
  }
  const allDecoys = []
  const bodies = groups.map((group) => {
    const room = MAX_AREAS - group.length
    const extra = Math.floor(random() * (Math.floor(group.length / 2) + 3))
    const count = Math.min(room, Math.max(group.length, 3) + extra)
    const decoys = decoyAreas(group, count, nowSeconds, random)
    allDecoys.push(...decoys)
    return body(shuffle([...group, ...decoys], random))
  })
  return { bodies, real, decoys: allDecoys }
}
