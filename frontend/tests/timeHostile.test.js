// Days and times typed by a hostile hand: what the DateInput and DateTimeInput fields read.
// Whatever is typed, the field gives a real day or time, or nothing (''), never a guess.
import { describe, expect, it } from 'vitest'
import { localInputToIso, parseDay, parseLocalInput, parseTime } from '../src/format/time.js'

describe('parseDay refuses what is not a day someone means', () => {
  it.each([
    ['0001-01-01', ''], // JavaScript reads years 0-99 as 1900-1999: never a wrong day
    ['01.01.0099', ''],
    ['29.02.1900', ''],
    ['\u0664.\u0661\u0662.\u0662\u0660\u0662\u0666', ''], // Arabic-Indic digits
    ['\uff14.12.2026', ''], // a fullwidth 4
    ['4 Dec 2026\u0000', ''],
    ['4 Dec 2026\n2026-12-05', ''],
    ['4 Dezember 2026', ''],
    ['4 Dec 20261', ''],
    ['-4.12.2026', ''],
    ['4..12.2026', ''],
    ['2026-12-04 ', '2026-12-04'],
    ['9999-12-31', '9999-12-31'], // a real day: the server says which years it takes
  ])('%j is %j', (typed, key) => {
    expect(parseDay(typed)).toBe(key)
  })

  it('reads a very long input without hanging and refuses it', () => {
    expect(parseDay('4 ' + 'a'.repeat(200_000) + ' 2026')).toBe('')
    expect(parseDay('Mon' + 'day'.repeat(100_000) + ' 4 Dec 2026')).toBe('2026-12-04')
    expect(parseDay(' '.repeat(100_000) + 'x')).toBe('')
  })

  it('refuses what is not text', () => {
    for (const value of [undefined, {}, [], ['4 Dec 2026', 'x'], 42, NaN]) {
      expect(parseDay(value)).toBe('')
    }
  })
})

describe('parseTime reads a 24-hour time and nothing else', () => {
  it.each([
    ['9:05', '09:05'],
    ['23:59', '23:59'],
    ['24:00', ''],
    ['12:60', ''],
    ['9:5', ''],
    ['-1:00', ''],
    ['\u0660\u0669:\u0663\u0660', ''],
    ['09:30\u0000', ''],
    ['09:30:00', ''],
    ['9:30 pm', ''],
    ['1e3', ''],
    [{}, ''],
  ])('%j is %j', (typed, time) => {
    expect(parseTime(typed)).toBe(time)
  })
})

describe('a date-time field never sends an impossible moment', () => {
  it.each(['2026-02-30T10:00', '2026-12-04T24:00', '2026-12-04T10:60', '0001-01-01T00:00', ''])(
    '%j is refused',
    (value) => {
      expect(parseLocalInput(value)).toBe(null)
      expect(localInputToIso(value)).toBe('')
    },
  )
})
