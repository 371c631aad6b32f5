// Reading a location history FILE in the browser: GPX tracks or JSON points.
//
//   parseHistory(text)  -> { points: [{lat, long, time, accuracy}], errors: ['Line 12: …'] }
//
// GPX: every <trkpt lat=".." lon=".."><time>ISO</time></trkpt> (also <wpt>,
// <rtept>); JSON: a list of {lat, long, time, accuracy} or the service's own
// {"coords": [...]}. `time` is Unix seconds or an ISO date; `accuracy` is a
// confidence from 0 to 1 (1 when absent). Nothing here touches the network.

export const MAX_ERRORS = 10

function lineAt(text, index) {
  let line = 1
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

function attribute(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*(["'])([^"']*)\\1`).exec(tag)
  return m ? m[2] : null
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

function checkPoint({ lat, long, time, accuracy }, where, errors) {
  const problems = []
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) problems.push('the latitude must be a number from −90 to 90')
  if (!Number.isFinite(long) || long < -180 || long > 180) problems.push('the longitude must be a number from −180 to 180')
  if (!Number.isFinite(time)) problems.push('the time is missing or not a date')
  if (!Number.isFinite(accuracy) || accuracy < 0 || accuracy > 1) problems.push('the accuracy must be from 0 to 1')
  if (problems.length) {
    errors.push(`${where}: ${problems.join('; ')}`)
    return null
  }
  return { lat, long, time, accuracy }
}

export function parseGpx(text) {
  const points = []
  const errors = []
  const re = /<(trkpt|rtept|wpt)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1\s*>)/g
  let m
  let seen = 0
  while ((m = re.exec(text))) {
    seen++
    const where = `Line ${lineAt(text, m.index)}`
    const tag = m[2]
    const body = m[4] ?? ''
    const timeText = /<time>\s*([^<]*?)\s*<\/time>/.exec(body)?.[1] ?? ''
    const accText = /<(?:accuracy|confidence)>\s*([^<]*?)\s*<\/(?:accuracy|confidence)>/.exec(body)?.[1]
    const point = checkPoint(
      {
        lat: toNumber(attribute(tag, 'lat')),
        long: toNumber(attribute(tag, 'lon')),
        time: timeText ? toUnixSeconds(timeText) : NaN,
        accuracy: accText === undefined ? 1 : toNumber(accText),
      },
      where,
      errors,
    )
    if (point) points.push(point)
  }
  if (!seen && !errors.length) errors.push('Line 1: no track points (<trkpt lat=".." lon="..">) in this GPX file')
  return { points, errors }
}

export function parseJsonHistory(text) {
  let data
  try {
    data = JSON.parse(text)
  } catch (err) {
    const pos = /position (\d+)/.exec(err.message)?.[1]
    const line = pos === undefined ? /line (\d+)/.exec(err.message)?.[1] ?? 1 : lineAt(text, Number(pos))
    return { points: [], errors: [`Line ${line}: this is not valid JSON (${err.message})`] }
  }
  const list = Array.isArray(data) ? data : Array.isArray(data?.coords) ? data.coords : null
  if (!list) {
    return { points: [], errors: ['The JSON must be a list of points or {"coords": [...]}'] }
  }
  const points = []
  const errors = []
  list.forEach((entry, n) => {
    const where = `Entry ${n + 1}`
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      errors.push(`${where}: not an object {lat, long, time, accuracy}`)
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
  if (!list.length) errors.push('The list holds no points')
  return { points, errors }
}

/** GPX when the text starts with `<`, JSON otherwise. Errors are capped at MAX_ERRORS (+ a count). */
export function parseHistory(text) {
  const trimmed = (text ?? '').replace(/^\uFEFF/, '').trimStart()
  const result = trimmed.startsWith('<') ? parseGpx(text) : parseJsonHistory(text)
  if (result.errors.length > MAX_ERRORS) {
    const more = result.errors.length - MAX_ERRORS
    result.errors = [...result.errors.slice(0, MAX_ERRORS), `… and ${more} more`]
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
