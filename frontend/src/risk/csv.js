// RSSI samples from a CSV file: a header `contact,time,rssi` (any order of
// the three columns), then one sample a line: the other phone's temporary
// ID, the time in seconds and the RSSI in dBm. Blank lines are skipped. The column
// names are the file's format (never translated); the messages are in the language in use.
import { intlLocale, t } from '../i18n.js'

export const CSV_COLUMNS = ['contact', 'time', 'rssi']
export const RSSI_MIN_DBM = -150
export const RSSI_MAX_DBM = 20
export const MAX_SAMPLES = 200_000

/** A number as the reader writes it ("−150", "200,000"; "200’000" in French). */
const number = (n) => new Intl.NumberFormat(intlLocale()).format(n)

/**
 * Parse the text of a CSV file.
 * @returns {{samples: {contact: string, time: number, rssi: number}[], errors: {line: number, message: string}[]}}
 * Line numbers count from 1, the header being line 1.
 */
export function parseRssiCsv(text) {
  const samples = []
  const errors = []
  const lines = String(text ?? '')
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
  let header = null
  lines.forEach((raw, index) => {
    const line = index + 1
    if (!raw.trim()) return
    const cells = raw.split(',').map((c) => c.trim())
    if (!header) {
      const names = cells.map((c) => c.toLowerCase().replace(/^"|"$/g, ''))
      const missing = CSV_COLUMNS.filter((c) => !names.includes(c))
      if (missing.length) {
        errors.push({
          line,
          message: t('riskmodels.csv.header', { missing: missing.join(', ') }),
        })
        header = false
      } else {
        header = Object.fromEntries(CSV_COLUMNS.map((c) => [c, names.indexOf(c)]))
        header.width = names.length
      }
      return
    }
    if (header === false) return
    if (cells.length !== header.width) {
      errors.push({ line, message: t('riskmodels.csv.width', { width: header.width, found: cells.length }) })
      return
    }
    const contact = cells[header.contact].replace(/^"|"$/g, '')
    const time = Number(cells[header.time])
    const rssi = Number(cells[header.rssi])
    if (!contact) errors.push({ line, message: t('riskmodels.csv.contactEmpty') })
    else if (contact.length > 64) errors.push({ line, message: t('riskmodels.csv.contactLong') })
    else if (cells[header.time] === '' || !Number.isFinite(time))
      errors.push({ line, message: t('riskmodels.csv.time', { value: cells[header.time] }) })
    else if (cells[header.rssi] === '' || !Number.isFinite(rssi))
      errors.push({ line, message: t('riskmodels.csv.rssi', { value: cells[header.rssi] }) })
    else if (rssi < RSSI_MIN_DBM || rssi > RSSI_MAX_DBM)
      errors.push({
        line,
        message: t('riskmodels.csv.rssiRange', { rssi: number(rssi), min: number(RSSI_MIN_DBM), max: number(RSSI_MAX_DBM) }),
      })
    else samples.push({ contact, time, rssi })
  })
  if (header === null) errors.push({ line: 1, message: t('riskmodels.csv.empty') })
  else if (header && !samples.length && !errors.length)
    errors.push({ line: lines.length, message: t('riskmodels.csv.noSample') })
  if (samples.length > MAX_SAMPLES)
    errors.push({ line: lines.length, message: t('riskmodels.csv.tooMany', { n: number(MAX_SAMPLES) }) })
  return { samples, errors }
}
