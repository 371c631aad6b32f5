// The GPX reader (src/locationrisk/parse.js) on a day of phone history and on hostile files.
//
// The reference is deliberately simple and independent of the reader: a regular expression
// over the generated text, which is written in one known layout. The time the reader takes
// is printed, not asserted (no timing assertions in tests); bench/gpx_reader.py measures it in Chromium.
import { describe, expect, it } from 'vitest'
import { MAX_FILE_BYTES, parseHistory } from '../src/locationrisk/parse.js'

function seeded(seed = 7) {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

/** A day of phone history: `n` points along a wandering path, some with an accuracy. */
export function dayOfHistory(n, seed = 7) {
  const random = seeded(seed)
  const start = Date.parse('2026-03-02T00:00:00Z')
  let lat = 46.2339
  let long = 6.0552
  const rows = []
  for (let k = 0; k < n; k++) {
    lat += (random() - 0.5) * 0.0004
    long += (random() - 0.5) * 0.0004
    const time = new Date(start + Math.floor((k * 86400) / n) * 1000).toISOString().replace('.000', '')
    const accuracy = k % 3 === 0 ? `<accuracy>${(0.5 + random() / 2).toFixed(3)}</accuracy>` : ''
    rows.push(
      `      <trkpt lat="${lat.toFixed(6)}" lon="${long.toFixed(6)}"><ele>${400 + (k % 50)}</ele>` +
        `<time>${time}</time>${accuracy}</trkpt>`,
    )
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<gpx version="1.1" creator="phone" xmlns="http://www.topografix.com/GPX/1/1">\n' +
    '  <trk><name>A day</name><trkseg>\n' +
    rows.join('\n') +
    '\n  </trkseg></trk>\n</gpx>\n'
  )
}

/** The reference: every point of the known layout, by regular expression. */
function reference(text) {
  const re =
    /<trkpt lat="([-\d.]+)" lon="([-\d.]+)"><ele>\d+<\/ele><time>([^<]+)<\/time>(?:<accuracy>([\d.]+)<\/accuracy>)?<\/trkpt>/g
  return [...text.matchAll(re)].map((m) => ({
    lat: Number(m[1]),
    long: Number(m[2]),
    time: Date.parse(m[3]) / 1000,
    accuracy: m[4] === undefined ? 1 : Number(m[4]),
  }))
}

describe('reading a day of phone history', () => {
  it('reads 17,000 points exactly as the reference does', () => {
    const text = dayOfHistory(17_000)
    const expected = reference(text)
    expect(expected).toHaveLength(17_000)
    const started = performance.now()
    const { points, errors } = parseHistory(text)
    const took = performance.now() - started
    console.log(`GPX reader: 17,000 points (${(text.length / 1e6).toFixed(1)} MB) in ${took.toFixed(0)} ms`)
    expect(errors).toEqual([])
    expect(points).toEqual(expected)
  })

  it('names the line of a bad point among many good ones', () => {
    const lines = dayOfHistory(500).split('\n')
    // Line 4 + 200 is the 201st point: a latitude out of range.
    lines[203] = lines[203].replace(/lat="[^"]+"/, 'lat="123.4"')
    const { points, errors } = parseHistory(lines.join('\n'))
    expect(points).toHaveLength(499)
    expect(errors).toEqual(['Line 204: the latitude must be a number from −90 to 90'])
  })

  it('counts points past comments that mention a track point', () => {
    const text = `<gpx>
<!-- <trkpt lat="1" lon="1"> an old point -->
<trk><desc>A walk <!-- <wpt lat="2" lon="2"/> --></desc><trkseg>
<trkpt lat="95" lon="8"><time>2026-03-02T10:00:00Z</time></trkpt>
</trkseg></trk></gpx>`
    expect(parseHistory(text).errors).toEqual(['Line 4: the latitude must be a number from −90 to 90'])
  })
})

describe('hostile files end with a clear message, never a hang', () => {
  const ok = '<trkpt lat="46.2" lon="6.1"><time>2026-03-02T10:00:00Z</time></trkpt>'

  it('refuses malformed XML and says so', () => {
    const { points, errors } = parseHistory(`<gpx><trk><trkseg>${ok}<trkpt lat="1" lon="2"></trkseg></gpx>`)
    expect(points).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^This file could not be read as GPX: it is damaged or cut off \(.+\)\.$/)
  })

  it('refuses entity expansion (a "billion laughs" bomb) before parsing', () => {
    const entities = ['<!ENTITY lol "lol">']
    for (let k = 1; k < 10; k++) entities.push(`<!ENTITY lol${k} "${`&lol${k - 1 || ''};`.repeat(10)}">`)
    const bomb = `<?xml version="1.0"?><!DOCTYPE gpx [${entities.join('')}]><gpx><name>&lol9;</name>${ok}</gpx>`
    const { points, errors } = parseHistory(bomb)
    expect(points).toEqual([])
    expect(errors).toEqual([
      'This file is not a plain GPX file (it declares a document type or entities), so it was not read.',
    ])
  })

  it('refuses an external entity the same way', () => {
    const xxe = `<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx><name>&x;</name>${ok}</gpx>`
    expect(parseHistory(xxe).errors[0]).toMatch(/declares a document type or entities/)
  })

  it('ends on a deeply nested file with an answer', () => {
    const depth = 20_000
    const text = `<gpx>${'<a>'.repeat(depth)}${ok}${'</a>'.repeat(depth)}</gpx>`
    const { points, errors } = parseHistory(text)
    // A browser's parser may refuse the depth (an error) or read it (the point): either
    // ends, with a point or a message.
    expect(points.length + errors.length).toBeGreaterThan(0)
    if (!points.length) expect(errors[0]).toMatch(/^This file could not be read as GPX/)
  })

  it('turns huge or odd numbers into a message for that point', () => {
    const text = `<gpx>
<trkpt lat="1e400" lon="6"><time>2026-03-02T10:00:00Z</time></trkpt>
<trkpt lat="${'9'.repeat(100_000)}" lon="6"><time>2026-03-02T10:00:00Z</time></trkpt>
<trkpt lat="46" lon="0x10"><time>2026-03-02T10:00:00Z</time></trkpt>
<trkpt lat="46" lon="6"><time>2026-03-02T10:00:00Z</time><accuracy>1e308</accuracy></trkpt>
<trkpt lat="46" lon="6"><time>+275760-09-13T00:00:01Z</time></trkpt>
${ok}
</gpx>`
    const { points, errors } = parseHistory(text)
    expect(points).toHaveLength(1)
    expect(errors).toEqual([
      'Line 2: the latitude must be a number from −90 to 90',
      'Line 3: the latitude must be a number from −90 to 90',
      'Line 4: the longitude must be a number from −180 to 180',
      'Line 5: the accuracy must be from 0 to 1',
      'Line 6: the time is missing or not a date',
    ])
  })

  it('names points without a time, and caps the list', () => {
    const many = Array.from({ length: 30 }, () => '<trkpt lat="46" lon="6"></trkpt>').join('\n')
    const { points, errors } = parseHistory(`<gpx>\n${many}\n</gpx>`)
    expect(points).toEqual([])
    expect(errors).toHaveLength(11)
    expect(errors[0]).toBe('Line 2: the time is missing or not a date')
    expect(errors[10]).toBe('… and 20 more')
  })

  it('says so when a GPX file holds no point, or the file is too large', () => {
    expect(parseHistory('<gpx><trk/></gpx>').errors).toEqual([
      'This GPX file holds no track points, so there is nothing to check.',
    ])
    const huge = { length: MAX_FILE_BYTES + 1 } // only its length is looked at
    expect(parseHistory(huge).errors[0]).toMatch(/^This file is 201 MB; files up to 200 MB can be read/)
  })
})
