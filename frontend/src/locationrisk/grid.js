// The backend's square grid (zones/grid.py), in whole units of 1e-7 degree so
// that a point exactly on a border falls in the square north and east of it.

export const E7 = 10_000_000
export const AREA_SIZE_E7 = 100_000 // 0.01°: an area request, and specification 1
export const ZONE_SIZE_E7 = 1_000 // 0.0001°: specification 4, the small zones
export const SMALL_SQUARE_SPEC_ID = 4

export function toE7(degrees) {
  return Math.round(degrees * E7)
}

/** Floor division on integers (negative values floor downwards). */
function floorDiv(a, b) {
  return Math.floor(a / b)
}

/** [row, column] of the square holding the point; borders belong north and east. */
export function squareIndices(lat, long, sizeE7) {
  const lat7 = toE7(lat)
  let long7 = toE7(long)
  if (long7 >= 180 * E7) long7 -= 360 * E7
  const row = Math.min(floorDiv(lat7, sizeE7), floorDiv(90 * E7, sizeE7) - 1)
  return [row, floorDiv(long7, sizeE7)]
}

/** Centre of a square, ((row + 0.5) × size, (column + 0.5) × size), as the server computes it. */
export function squareCentre(row, column, sizeE7) {
  return [((2 * row + 1) * sizeE7) / (2 * E7), ((2 * column + 1) * sizeE7) / (2 * E7)]
}

export function cellOf(lat, long, sizeE7) {
  const [row, column] = squareIndices(lat, long, sizeE7)
  const [centreLat, centreLong] = squareCentre(row, column, sizeE7)
  return { row, column, key: `${row}:${column}`, centreLat, centreLong }
}

/** The 0.01° area (its centre) a point falls in. */
export function areaOf(lat, long) {
  return cellOf(lat, long, AREA_SIZE_E7)
}

/** The small 0.0001° zone a point falls in. */
export function zoneOf(lat, long) {
  return cellOf(lat, long, ZONE_SIZE_E7)
}

/** A key that matches a returned zone's centre to a computed one (to 1e-7°). */
export function centreKey(lat, long) {
  return `${toE7(lat)}:${toE7(long)}`
}
