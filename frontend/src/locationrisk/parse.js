// Reading a location history FILE in the browser: GPX tracks or JSON points.
//
//   parseHistory(text)  -> { points: [{lat, long, time, accuracy}], errors: ['Line 12: …'] }
//
// GPX: every <trkpt lat=".." lon=".."><time>ISO</time></trkpt> (also <wpt>,
// <rtept>); JSON: a list of {lat, long, time, accuracy} or the service's own
// {"coords": [...]}. `time` is Unix seconds or an ISO date; `accuracy` is a
// confidence from 0 to 1 (1 when absent). Nothing here touches the network.
// The errors are sentences for the person, in the language in use (locationrisk.parse.*).
import { t } from '../i18n.js'

export const MAX_ERRORS = 10

// The largest file read: two weeks of a point every second is about 1.2 million points, some
// 150 MB of GPX; a day of phone history (17,000 points) is about 2 MB. Larger files are
// refused before they are read, so that a wrong file cannot freeze the page.
export const MAX_FILE_BYTES = 200 * 1024 * 1024

function lineAt(text, index) {
  let line = 1
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

function toNumber(value) {
  if (value === null || value === undefined || value === '') return NaN
  if (typeof value === 'number') return value
  if (typeof value !== 'string' || !/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(value)) return NaN
  return Number(value)
}

/** Unix seconds from a number of seconds (or milliseconds) or an ISO date; NaN otherwise. */
export function toUnixSeconds(value) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return NaN
    return Math.floor(value > 1e11 ? value / 1000 : value)
  }
  if (typeof value !== 'string' || !value.trim()) return NaN
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return toUnixSeconds(Number(value))
  const ms = Date.parse(value.trim())
  return Number.isNaN(ms) ? NaN : Math.floor(ms / 1000)
}

/** `where` is a function giving "Line 12" (called only for a point with a problem). */
function checkPoint({ lat, long, time, accuracy }, where, errors) {
  const problems = []
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) problems.push(t('locationrisk.parse.latitude'))
  if (!Number.isFinite(long) || long < -180 || long > 180) problems.push(t('locationrisk.parse.longitude'))
  if (!Number.isFinite(time)) problems.push(t('locationrisk.parse.time'))
  if (!Number.isFinite(accuracy) || accuracy < 0 || accuracy > 1) problems.push(t('locationrisk.parse.accuracy'))
  if (problems.length) {
    const joined = problems.join(t('locationrisk.parse.problemSeparator'))
    errors.push(t('locationrisk.parse.problems', { where: where(), problems: joined }))
    return null
  }
  return { lat, long, time, accuracy }
}

const POINT_NAMES = new Set(['trkpt', 'rtept', 'wpt'])

/**
 * The line of each point's start tag, in document order, in one pass over the text (the
 * parser gives elements no line). Comments and CDATA are skipped, as the parser skips
 * them; the caller uses the lines only if it finds as many points.
 */
function pointLines(text) {
  const lines = []
  const re = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<(?:[\w.-]+:)?(?:trkpt|rtept|wpt)[\s/>]/g
  let line = 1
  let from = 0
  let m
  while ((m = re.exec(text))) {
    for (let i = from; i < m.index; i++) if (text.charCodeAt(i) === 10) line++
    from = m.index
    if (m[0][1] !== '!') lines.push(line)
  }
  return lines
}

// GPX nests a point four levels deep (gpx, trk, trkseg, trkpt); a file nested far deeper
// is no GPX file, and is refused rather than walked.
const MAX_DEPTH = 256

/**
 * The point elements in document order, by one walk over the elements without recursion
 * (a deeply nested file cannot exhaust the stack); null when nested beyond MAX_DEPTH.
 */
function pointElements(doc) {
  const found = []
  let element = doc.documentElement
  let depth = 0
  while (element) {
    if (POINT_NAMES.has(element.localName)) found.push(element)
    // A point's children (time, ele, …) hold no points: not walked into.
    const down = POINT_NAMES.has(element.localName) ? null : element.firstElementChild
    if (down) {
      if (++depth > MAX_DEPTH) return null
      element = down
      continue
    }
    while (element && !element.nextElementSibling) {
      element = element.parentElement
      depth--
    }
    element = element ? element.nextElementSibling : null
  }
  return found
}

/** The text of an element's first child named `names` (any namespace), or undefined. */
function childText(element, names) {
  for (let child = element.firstElementChild; child; child = child.nextElementSibling) {
    if (names.includes(child.localName)) return child.textContent.trim()
  }
  return undefined
}

/** The parser's own words for a malformed file, first line only and short. */
function parserMessage(doc) {
  // Browsers put <parsererror> first in the root element (Chromium, WebKit) or make it the
  // root (Firefox); looked for there only, so that no search descends a deep tree.
  const root = doc.documentElement
  let error = root?.localName === 'parsererror' ? root : null
  for (let child = root?.firstElementChild; child && !error; child = child.nextElementSibling) {
    if (child.localName === 'parsererror') error = child
  }
  if (!root) return t('locationrisk.parse.emptyOrNotXml')
  if (!error) return null
  const detail = (error.textContent || '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^This page contains the following errors|^Below is a rendering/i.test(l))[0]
  return (detail || t('locationrisk.parse.notWellFormed')).slice(0, 200)
}

/**
 * GPX with the browser's own XML parser and one pass over its elements: 17,000 points
 * take well under a second (the regular expressions before took minutes for 32,000).
 */
export function parseGpx(text) {
  // GPX never needs a document type: refusing one here stops entity expansion ("billion
  // laughs") and external entities before any parser sees them.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    return {
      points: [],
      errors: [t('locationrisk.parse.doctype')],
    }
  }
  let doc
  try {
    doc = new DOMParser().parseFromString(text, 'application/xml')
  } catch (err) {
    const detail = String(err.message || err).slice(0, 200)
    return { points: [], errors: [t('locationrisk.parse.notGpx', { detail })] }
  }
  const broken = parserMessage(doc)
  if (broken) {
    return { points: [], errors: [t('locationrisk.parse.damaged', { detail: broken })] }
  }

  const found = pointElements(doc)
  if (!found) return { points: [], errors: [t('locationrisk.parse.tooDeep', { n: MAX_DEPTH })] }
  const lines = pointLines(text)
  const where =
    lines.length === found.length
      ? (n) => () => t('locationrisk.parse.line', { n: lines[n] })
      : (n) => () => t('locationrisk.parse.point', { n: n + 1 })
  const points = []
  const errors = []
  found.forEach((element, n) => {
    const timeText = childText(element, ['time'])
    const accText = childText(element, ['accuracy', 'confidence'])
    const point = checkPoint(
      {
        lat: toNumber(element.getAttribute('lat')),
        long: toNumber(element.getAttribute('lon')),
        time: timeText ? toUnixSeconds(timeText) : NaN,
        accuracy: accText === undefined ? 1 : toNumber(accText),
      },
      where(n),
      errors,
    )
    if (point) points.push(point)
  })
  if (!found.length) errors.push(t('locationrisk.parse.noTrackPoints'))
  return { points, errors }
}

export function parseJsonHistory(text) {
  let data
  try {
    data = JSON.parse(text)
  } catch (err) {
    const pos = /position (\d+)/.exec(err.message)?.[1]
    const line = pos === undefined ? /line (\d+)/.exec(err.message)?.[1] ?? 1 : lineAt(text, Number(pos))
    return { points: [], errors: [t('locationrisk.parse.notJson', { n: line })] }
  }
  const list = Array.isArray(data) ? data : Array.isArray(data?.coords) ? data.coords : null
  if (!list) {
    return { points: [], errors: [t('locationrisk.parse.noList')] }
  }
  const points = []
  const errors = []
  list.forEach((entry, n) => {
    const where = () => t('locationrisk.parse.entry', { n: n + 1 })
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      errors.push(t('locationrisk.parse.notAPoint', { where: where() }))
      return
    }
    const point = checkPoint(
      {
        lat: toNumber(entry.lat ?? entry.latitude),
        long: toNumber(entry.long ?? entry.lng ?? entry.lon ?? entry.longitude),
        time: toUnixSeconds(entry.time ?? entry.timestamp),
        accuracy: entry.accuracy === undefined || entry.accuracy === null ? 1 : toNumber(entry.accuracy),
      },
      where,
      errors,
    )
    if (point) points.push(point)
  })
  if (!list.length) errors.push(t('locationrisk.parse.noPoints'))
  return { points, errors }
}

/** The refusal of a file over MAX_FILE_BYTES, in megabytes. */
export function tooLarge(bytes) {
  const mb = (n) => Math.ceil(n / (1024 * 1024))
  return t('locationrisk.parse.tooLarge', { size: mb(bytes), max: mb(MAX_FILE_BYTES) })
}

/** GPX when the text starts with `<`, JSON otherwise. Errors are capped at MAX_ERRORS (+ a count). */
export function parseHistory(text) {
  if ((text ?? '').length > MAX_FILE_BYTES) {
    return { points: [], errors: [tooLarge(text.length)] }
  }
  const trimmed = (text ?? '').replace(/^\uFEFF/, '').trimStart()
  const result = trimmed.startsWith('<') ? parseGpx(text) : parseJsonHistory(text)
  if (result.errors.length > MAX_ERRORS) {
    const more = result.errors.length - MAX_ERRORS
    result.errors = [...result.errors.slice(0, MAX_ERRORS), t('locationrisk.parse.more', { n: more })]
  }
  result.points.sort((a, b) => a.time - b.time)
  return result
}

export const DAY_SECONDS = 86400

/**
 * The points of the last `days` days (a little less, so every request stays in
 * the retention): `days` is as long as the server keeps donated locations,
 * /api/me `rules.zones_retention_days`.
 */
export function keepRecent(points, nowSeconds, days) {
  const earliest = nowSeconds - days * DAY_SECONDS + 600
  return points.filter((p) => p.time >= earliest && p.time <= nowSeconds)
}
