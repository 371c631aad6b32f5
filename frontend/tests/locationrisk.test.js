import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import FilePicker from '../src/components/FilePicker.vue'
import { keepRecent, parseHistory } from '../src/locationrisk/parse.js'
import { areaOf, squareIndices, zoneOf, ZONE_SIZE_E7 } from '../src/locationrisk/grid.js'
import { buildRequests, realAreas, shuffle } from '../src/locationrisk/request.js'
import { computeRisk, exposureRisk } from '../src/locationrisk/risk.js'
import { makeMe, mountPage, ROLE_DESCRIPTIONS, SERVICE_RULES, waitFor } from './helpers.js'

const NOW = 1_760_000_000 // a fixed "now" (Unix seconds)
const KEEP = SERVICE_RULES.zones_retention_days // the days the server keeps donated locations

function seeded(seed = 42) {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

describe('parsing a location history', () => {
  it('reads GPX track points with their times', () => {
    const gpx = `<?xml version="1.0"?>
<gpx version="1.1"><trk><trkseg>
  <trkpt lat="47.370123" lon="8.540456"><time>2025-03-01T10:05:00Z</time></trkpt>
  <trkpt lon="8.5411" lat="-0.2911"><ele>400</ele><time>2025-03-01T10:10:00Z</time></trkpt>
</trkseg></trk></gpx>`
    const { points, errors } = parseHistory(gpx)
    expect(errors).toEqual([])
    expect(points).toEqual([
      { lat: 47.370123, long: 8.540456, time: Date.parse('2025-03-01T10:05:00Z') / 1000, accuracy: 1 },
      { lat: -0.2911, long: 8.5411, time: Date.parse('2025-03-01T10:10:00Z') / 1000, accuracy: 1 },
    ])
  })

  it('names the GPX line of a bad point', () => {
    const gpx = '<gpx>\n<trk><trkseg>\n<trkpt lat="47.1" lon="8.1"><time>2025-03-01T10:00:00Z</time></trkpt>\n<trkpt lat="95" lon="8.1"><time>soon</time></trkpt>\n</trkseg></trk></gpx>'
    const { points, errors } = parseHistory(gpx)
    expect(points).toHaveLength(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^Line 4: the latitude must be/)
    expect(errors[0]).toMatch(/time is missing or not a date/)
  })

  it('reads a JSON list and the {"coords": [...]} form, ISO or Unix times', () => {
    const list = parseHistory('[{"lat": 1.5, "long": 2.5, "time": 1586325456, "accuracy": 0.8}]')
    expect(list.points).toEqual([{ lat: 1.5, long: 2.5, time: 1586325456, accuracy: 0.8 }])
    const coords = parseHistory(
      '{"coords": [{"lat": 31.324112, "long": 21.53523, "time": "2020-04-08T05:57:36Z"}]}',
    )
    expect(coords.errors).toEqual([])
    expect(coords.points).toEqual([{ lat: 31.324112, long: 21.53523, time: 1586325456, accuracy: 1 }])
  })

  it('names the JSON entries that are wrong, and broken JSON', () => {
    const { points, errors } = parseHistory(
      '[{"lat": 1, "long": 2, "time": 10}, {"lat": 1, "long": 200, "time": 10}, 5, {"lat": 1, "long": 2, "time": 10, "accuracy": 2}]',
    )
    expect(points).toHaveLength(1)
    expect(errors).toEqual([
      'Entry 2: the longitude must be a number from −180 to 180',
      'Entry 3: not a point (a point has a latitude, a longitude and a time)',
      'Entry 4: the accuracy must be from 0 to 1',
    ])
    expect(parseHistory('[\n{"lat": 1,,}]').errors[0]).toMatch(/^Line 2: this file is not valid JSON/)
    expect(parseHistory('{"points": []}').errors[0]).toMatch(/holds no list of points/)
  })

  it('keeps the days it is told only (the server\'s zones_retention_days)', () => {
    const pts = [NOW - 15 * 86400, NOW - 13 * 86400, NOW - 60].map((time) => ({ lat: 0, long: 0, time, accuracy: 1 }))
    expect(keepRecent(pts, NOW, KEEP).map((p) => p.time)).toEqual([NOW - 13 * 86400, NOW - 60])
    expect(keepRecent(pts, NOW, 21).map((p) => p.time)).toEqual([NOW - 15 * 86400, NOW - 13 * 86400, NOW - 60])
  })
})

describe('the grid, as the server cuts it', () => {
  it('puts a point on a border in the square north and east of it', () => {
    expect(squareIndices(0.29, 0.29, 100_000)).toEqual([29, 29]) // 0.29/0.01 is 28.999… in floats
    expect(areaOf(0.29, 0.29).centreLat).toBeCloseTo(0.295, 12)
    expect(areaOf(0.2899999, 0.2899999).key).toBe('28:28')
  })

  it('floors negative coordinates downwards', () => {
    expect(squareIndices(-0.291, -0.291, 100_000)).toEqual([-30, -30])
    const a = areaOf(-0.291, -0.291)
    expect(a.centreLat).toBeCloseTo(-0.295, 12)
    expect(a.centreLong).toBeCloseTo(-0.295, 12)
    expect(areaOf(-0.29, -0.29).key).toBe('-29:-29') // on the border: north and east
  })

  it('matches the server centre of the worked example zone', () => {
    const z = zoneOf(47.37001, 8.54009)
    expect(z.centreLat).toBe((2 * 473700 + 1) * ZONE_SIZE_E7 / 2e7)
    expect(z.centreLat).toBeCloseTo(47.37005, 10)
    expect(z.centreLong).toBeCloseTo(8.54005, 10)
  })

  it('groups points into areas over whole hours', () => {
    const t = NOW - 5 * 3600 - 1234
    const pts = [
      { lat: 47.3701, long: 8.5401, time: t, accuracy: 1 },
      { lat: 47.3799, long: 8.5499, time: t + 600, accuracy: 1 }, // same 0.01° area
      { lat: 47.38, long: 8.5401, time: t + 1200, accuracy: 1 }, // north of the border
      { lat: 47.3701, long: 8.5401, time: t + 3 * 3600, accuracy: 1 }, // later, same area
    ]
    const areas = realAreas(pts, NOW, KEEP)
    expect(areas).toHaveLength(3)
    for (const a of areas) {
      expect(a.start % 3600).toBe(0)
      expect(a.end % 3600).toBe(0)
    }
    expect(new Set(areas.map((a) => a.key))).toEqual(new Set(['4737:854', '4738:854']))
  })
})

describe('the exposure request', () => {
  const points = []
  for (let i = 0; i < 40; i++) {
    points.push({
      lat: 47.37012 + i * 0.00037,
      long: 8.54021 - i * 0.00053,
      time: NOW - 3 * 86400 + i * 307,
      accuracy: 0.8,
    })
  }
  points.push({ lat: -33.52491, long: 18.42417, time: NOW - 86400 - 77, accuracy: 0.9 })

  it('mixes at least as many decoys in, shuffled', () => {
    const { bodies, real, decoys } = buildRequests(points, NOW, { keepDays: KEEP, random: seeded(7) })
    expect(bodies).toHaveLength(1)
    const sent = bodies[0].areaRequests
    expect(decoys.length).toBeGreaterThanOrEqual(real.length)
    expect(sent.length).toBe(real.length + decoys.length)
    expect(sent.length).toBeGreaterThan(real.length)
    expect(bodies[0].returnDataFormatting).toEqual({ geoZoneSpecId: 4, exposureThreshold: 0, minutePeriod: 60 })
    // Real areas are not simply first: the order is shuffled.
    const realKeys = new Set(real.map((a) => `${a.lat},${a.long},${a.start}`))
    const positions = sent.map((a, n) => (realKeys.has(`${a.lat},${a.long},${a.start}`) ? n : -1)).filter((n) => n >= 0)
    expect(positions).toHaveLength(real.length)
    expect(positions).not.toEqual(real.map((_, n) => n))
    // Every area lies inside the retention and not in the future.
    for (const a of sent) {
      expect(a.start).toBeGreaterThanOrEqual(NOW - KEEP * 86400)
      expect(a.end).toBeLessThanOrEqual(NOW)
      expect(a.end).toBeGreaterThan(a.start)
    }
    expect(shuffle([1, 2, 3, 4, 5, 6], seeded(3))).not.toEqual([1, 2, 3, 4, 5, 6])
  })

  it('never contains a point: only area centres and whole hours', () => {
    const { bodies } = buildRequests(points, NOW, { keepDays: KEEP, random: seeded(11) })
    const text = JSON.stringify(bodies)
    for (const p of points) {
      expect(text).not.toContain(String(p.lat))
      expect(text).not.toContain(String(p.long))
      expect(text).not.toContain(String(p.time))
    }
    for (const body of bodies) {
      expect(Object.keys(body).sort()).toEqual(['areaRequests', 'returnDataFormatting'])
      for (const a of body.areaRequests) {
        expect(Object.keys(a).sort()).toEqual(['end', 'lat', 'long', 'start'])
        const centre = areaOf(a.lat, a.long)
        expect(a.lat).toBe(centre.centreLat) // on the 0.01° grid
        expect(a.long).toBe(centre.centreLong)
        expect(a.start % 3600 === 0 || a.start > NOW - 14 * 86400).toBe(true)
        for (const p of points) {
          expect(a.lat).not.toBe(p.lat)
          expect(a.long).not.toBe(p.long)
          expect(a.start).not.toBe(p.time)
          expect(a.end).not.toBe(p.time)
        }
      }
    }
  })
})

describe('stage 2: the person’s risk', () => {
  it('follows the document’s worked examples', () => {
    // Two points (0.9) in a period rated 54.34 %, one in the next rated 3.58 %.
    const { G, E } = exposureRisk([
      { gamma: 0.9, count: 2, rating: 54.34 },
      { gamma: 0.9, count: 1, rating: 3.58 },
    ])
    expect(G).toBeCloseTo(1.01034, 5)
    expect(E).toBeCloseTo(46.62, 2)
    expect(exposureRisk([{ gamma: 1, count: 1, rating: 46.21 }]).E).toBeCloseTo(22.7, 1)
    expect(exposureRisk([]).E).toBe(0)
  })

  it('matches own points to returned zones and periods', () => {
    const start = 1_700_000_000
    const answer = {
      geoZoneSpecId: 4,
      latRange: 0.0001,
      longRange: 0.0001,
      zones: [
        {
          centreLat: 47.37005,
          centreLong: 8.54005,
          exposures: [
            { start, end: start + 600, exposure: 54.34 },
            { start: start + 600, end: start + 1200, exposure: 3.58 },
          ],
        },
        { centreLat: 10.00005, centreLong: 10.00005, exposures: [{ start, end: start + 600, exposure: 99 }] },
      ],
    }
    const own = [
      { lat: 47.37001, long: 8.54001, time: start + 10, accuracy: 0.9 },
      { lat: 47.37009, long: 8.54009, time: start + 599, accuracy: 0.9 },
      { lat: 47.37002, long: 8.54003, time: start + 600, accuracy: 0.9 },
      { lat: 47.37002, long: 8.54003, time: start + 5000, accuracy: 0.9 }, // no period
      { lat: 47.3702, long: 8.54003, time: start + 10, accuracy: 0.9 }, // another zone
    ]
    const r = computeRisk(own, [answer])
    expect(r.matched).toBe(3)
    expect(r.regions.map((x) => [x.count, x.rating])).toEqual([
      [2, 54.34],
      [1, 3.58],
    ])
    expect(r.G).toBeCloseTo(1.01034, 5)
    expect(r.E).toBeCloseTo(46.62, 2)
  })
})

describe('the page, as a person reads it', () => {
  // A person's walk: three points where someone who tested positive had been, one elsewhere.
  const hour = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3 * 3600
  const at = (lat, long, minutes) =>
    `<trkpt lat="${lat}" lon="${long}"><time>${new Date((hour + minutes * 60) * 1000).toISOString()}</time></trkpt>`
  const gpx = `<gpx>${at(47.37012, 8.54023, 5)}${at(47.37013, 8.54021, 10)}${at(47.37011, 8.54024, 15)}${at(47.4, 8.6, 40)}</gpx>`
  const zone = zoneOf(47.37012, 8.54023)
  const exposure = () => ({
    geoZoneSpecId: 4,
    latRange: 0.0001,
    longRange: 0.0001,
    zones: [
      { centreLat: zone.centreLat, centreLong: zone.centreLong, exposures: [{ start: hour, end: hour + 3600, exposure: 54.34 }] },
    ],
  })

  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    document.body.innerHTML = ''
  })

  it('says the level, what to do and the moment, in words, without the formula', async () => {
    const page = { slug: 'location-risk', title: 'Location risk', path: '/location-risk/', help: 'Check.' }
    const me = makeMe({ pages: [page], role_descriptions: { ...ROLE_DESCRIPTIONS, medical: 'health team' } })
    const r = await mountPage('/location-risk/', { 'GET /api/zones/decoy-model': {}, 'POST /api/zones/exposure': exposure }, me)
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('Location risk'))

    const input = wrapper.find('.file-picker input[type=file]')
    // The input is named by the picker's button.
    expect(wrapper.find(`label[for="${input.attributes('id')}"]`).text()).toBe('Choose your location history file')
    const file = new File([gpx], 'my-walk.gpx', { type: 'application/gpx+xml' })
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await waitFor(() => expect(wrapper.find('.file-picker-name').text()).toBe('Chosen: my-walk.gpx'))
    await waitFor(() => expect(wrapper.find('.location-summary').text()).toContain('4 points read from my-walk.gpx'))

    await wrapper.find('button.primary').trigger('click')
    await waitFor(() => expect(wrapper.find('.location-risk-words').exists()).toBe(true))
    // G = 3 · 1 · 0.5434 = 1.6302; E = 200 / (1 + e^−1.6302) − 100 = 67.2: "High".
    expect(wrapper.find('.location-risk-words').text()).toBe('High')
    expect(wrapper.find('.location-risk-value').text()).toBe('67.2')
    expect(wrapper.find('.location-advice').text()).toContain('contact the health team today')
    expect(wrapper.find('.location-explain').text()).toContain('3 of your points were in 1 spot')
    const moments = wrapper.findAll('.location-moments li')
    expect(moments).toHaveLength(1)
    expect(moments[0].text()).toContain('where the exposure was medium')
    expect(moments[0].text()).toContain('It makes up 100 % of your score.')
    const text = wrapper.find('main').text()
    for (const engineer of ['Contribution', 'G =', 'centreLat', 'exposure":', 'Zone-period', '{']) {
      expect(text).not.toContain(engineer)
    }
  })
})

describe('the file picker', () => {
  it('names the chosen or dropped file and hands it over', async () => {
    const picker = mount(FilePicker, { props: { label: 'Choose a file', accept: '.gpx' }, attachTo: document.body })
    const input = picker.find('input[type=file]')
    expect(input.attributes('accept')).toBe('.gpx')
    expect(picker.find('.file-picker-name').text()).toBe('No file chosen yet')
    // Named by its button, described by the chosen file's name.
    expect(picker.find(`label[for="${input.attributes('id')}"]`).text()).toBe('Choose a file')
    expect(input.attributes('aria-describedby')).toBe(picker.find('.file-picker-name').attributes('id'))

    const dropped = new File(['<gpx/>'], 'dropped.gpx')
    await picker.find('.file-picker').trigger('dragover')
    expect(picker.find('.file-picker').classes()).toContain('file-picker-dragging')
    await picker.find('.file-picker').trigger('drop', { dataTransfer: { files: [dropped] } })
    expect(picker.find('.file-picker').classes()).not.toContain('file-picker-dragging')
    expect(picker.find('.file-picker-name').text()).toBe('Chosen: dropped.gpx')
    expect(picker.emitted('file')).toEqual([[dropped]])
    picker.unmount()
  })
})
