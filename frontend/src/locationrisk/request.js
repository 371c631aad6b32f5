// Building the exposure requests: the 0.01° AREAS the person's points fall in,
// over whole hours, hidden among DECOY copies of the same history. A point is
// never sent: only area centres (on the grid) and hour-aligned times.
//
// Why copies: a decoy that does not look like a life gives itself away. Home
// and workplace repeat every day, errands cluster around home, every area
// starts and ends on a whole hour. A decoy history is the person's own
// history moved, as a whole, to another home drawn from where wearers live
// (the server's decoy model): the same days, hours, edges and repeats, the
// same distances between places. Places everyone shares (the organisation's
// sites) stay where they are. The server sees K + 1 histories alike in all
// but their place, and one request with no session behind it
// (docs/location-exposure.md, "Decoys"; frontend/tests/locationrisk.test.js
// measures what a classifier that knows all this can tell).

import { AREA_SIZE_E7, SMALL_SQUARE_SPEC_ID, areaOf, squareCentre } from './grid.js'
import { DAY_SECONDS } from './parse.js'
import { wallClock } from '../format/time.js'

export const HOUR = 3600
export const MINUTE_PERIOD = 60
export const MAX_AREAS = 200 // the server's ZONES_MAX_AREAS
export const DEFAULT_HISTORIES = 4 // the server's ZONES_DECOY_HISTORIES
const KM_PER_DEGREE = 111.2
const NIGHT_HOURS = 6 // a night is 00:00 to 06:00 on the organisation's clock
// Without a map of where wearers live: move the copies 3 to 15 km away.
const NEAR_KM = [3, 15]

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

/**
 * The span a request may ask for, in whole hours: from the first whole hour
 * inside the retention (`keepDays`: /api/me `rules.zones_retention_days`) to
 * the last whole hour before now (the hour under way is left out: an area
 * ending at the very second of the request would say so).
 */
export function requestWindow(nowSeconds, keepDays) {
  const earliest = Math.ceil((nowSeconds - keepDays * DAY_SECONDS + 300) / HOUR) * HOUR
  return { earliest, latest: Math.floor(nowSeconds / HOUR) * HOUR }
}

function cellArea(row, column, start, end, extra = {}) {
  const [lat, long] = squareCentre(row, column, AREA_SIZE_E7)
  return { lat, long, start, end, row, column, key: `${row}:${column}`, ...extra }
}

/**
 * The real areas: one per 0.01° cell and run of consecutive hours holding
 * points ({lat, long} = the cell's centre, start/end on whole hours, inside
 * the request window).
 */
export function realAreas(points, nowSeconds, keepDays) {
  const { earliest, latest } = requestWindow(nowSeconds, keepDays)
  const cells = new Map() // key -> {cell, hours:Set}
  for (const p of points) {
    const cell = areaOf(p.lat, p.long)
    if (!cells.has(cell.key)) cells.set(cell.key, { cell, hours: new Set() })
    cells.get(cell.key).hours.add(Math.floor(p.time / HOUR) * HOUR)
  }
  const areas = []
  for (const { cell, hours } of cells.values()) {
    let runStart = null
    let runEnd = null
    const flush = () => {
      const start = Math.max(runStart, earliest)
      const end = Math.min(runEnd, latest)
      if (end > start) areas.push(cellArea(cell.row, cell.column, start, end))
    }
    for (const h of [...hours].sort((a, b) => a - b)) {
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

/** The history's home: the cell with the most night hours, else the most hours. */
export function anchorOf(areas) {
  const night = new Map()
  const all = new Map()
  for (const a of areas) {
    for (let h = a.start; h < a.end; h += HOUR) {
      all.set(a.key, (all.get(a.key) ?? 0) + 1)
      // Night on the organisation's clock (format/time.js), not the browser's.
      if (wallClock(new Date(h * 1000)).hour < NIGHT_HOURS) night.set(a.key, (night.get(a.key) ?? 0) + 1)
    }
  }
  const counts = night.size ? night : all
  let best = null
  for (const a of areas) {
    if (best === null || counts.get(a.key) > (counts.get(best.key) ?? 0)) best = a
  }
  return best
}

function weightedPick(cells, random) {
  const total = cells.reduce((sum, c) => sum + c.weight, 0)
  let left = random() * total
  for (const c of cells) {
    left -= c.weight
    if (left < 0) return c
  }
  return cells[cells.length - 1]
}

/** Where a copy's home goes: drawn from where wearers live, else 3 to 15 km away. */
function decoyHome(anchor, model, random) {
  if (model.home_cells?.length) {
    const picked = weightedPick(model.home_cells, random)
    return areaOf(picked.lat, picked.long)
  }
  const km = NEAR_KM[0] + random() * (NEAR_KM[1] - NEAR_KM[0])
  const angle = random() * 2 * Math.PI
  const lat = anchor.lat + (km * Math.cos(angle)) / KM_PER_DEGREE
  const long = anchor.long + (km * Math.sin(angle)) / (KM_PER_DEGREE * Math.cos((anchor.lat * Math.PI) / 180))
  return areaOf(lat, long)
}

/**
 * `count` decoy copies of the history `real`: every area not at a shared place
 * moved by the vector that takes the history's home to another home, times
 * untouched. Returns the decoy areas, each marked `decoy` (a mark that never
 * leaves the browser).
 */
export function decoyHistories(real, count, model = {}, random = cryptoRandom) {
  const shared = new Set((model.shared_places ?? []).map((p) => areaOf(p.lat, p.long).key))
  const personal = real.filter((a) => !shared.has(a.key))
  const anchor = anchorOf(personal)
  if (!anchor) return []
  const decoys = []
  for (let copy = 0; copy < count; copy++) {
    let home = decoyHome(anchor, model, random)
    for (let tries = 0; home.key === anchor.key && tries < 20; tries++) {
      home = decoyHome(anchor, model, random)
    }
    const rows = home.row - anchor.row
    const columns = home.column - anchor.column
    for (const a of personal) {
      decoys.push(cellArea(a.row + rows, a.column + columns, a.start, a.end, { decoy: copy + 1 }))
    }
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
 * The request bodies for `points` (already those of the last `keepDays` days,
 * the server's retention): the real areas and the decoy copies, shuffled
 * together, at most MAX_AREAS a body.
 * Returns { bodies, real, decoys } (real/decoys only stay in the browser).
 */
export function buildRequests(points, nowSeconds, { keepDays, model = {}, random = cryptoRandom }) {
  const real = realAreas(points, nowSeconds, keepDays)
  const decoys = decoyHistories(real, model.histories ?? DEFAULT_HISTORIES, model, random)
  const all = shuffle([...real, ...decoys], random)
  const limit = model.max_areas ?? MAX_AREAS
  const bodies = []
  for (let i = 0; i < all.length; i += limit) bodies.push(body(all.slice(i, i + limit)))
  return { bodies, real, decoys }
}
