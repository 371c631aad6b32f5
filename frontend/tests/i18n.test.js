// src/i18n.js: the catalogues, the language in use and French plurals, against a simple
// reference of the French rule (0 and 1 are singular; a three-form message is none | one | many).
import { describe, expect, it } from 'vitest'
import { catalogues, i18n, intlLocale, locale, setLocale, t } from '../src/i18n.js'

describe('the catalogues and the language', () => {
  it('reads one namespace per file, for both languages', () => {
    const messages = catalogues({
      './locales/en/desk.json': { hello: 'Hello' },
      './locales/fr/desk.json': { hello: 'Bonjour' },
    })
    expect(messages).toEqual({ en: { desk: { hello: 'Hello' } }, fr: { desk: { hello: 'Bonjour' } } })
  })

  it('uses a known language, English otherwise, and says it on the page', () => {
    expect(setLocale('fr')).toBe('fr')
    expect(locale()).toBe('fr')
    expect(document.documentElement.lang).toBe('fr')
    expect(intlLocale()).toBe('fr-CH')
    for (const unknown of ['de', '', undefined, null, 'fr-CH', '<script>']) {
      expect(setLocale(unknown)).toBe('en')
    }
    expect(intlLocale()).toBe('en')
  })

  it('falls back to the English text for a key French lacks', () => {
    setLocale('fr')
    i18n.global.mergeLocaleMessage('en', { probe: { onlyEnglish: 'Only in English' } })
    expect(t('probe.onlyEnglish')).toBe('Only in English')
  })

  it('counts in French as a French reader does, on 0 to 2,000', () => {
    i18n.global.mergeLocaleMessage('fr', {
      probe: { two: '{n} contact | {n} contacts', three: 'aucun contact | {n} contact | {n} contacts' },
    })
    i18n.global.mergeLocaleMessage('en', {
      probe: { two: '{n} contact | {n} contacts', three: 'no contacts | {n} contact | {n} contacts' },
    })
    const french = (n) => (n < 2 ? `${n} contact` : `${n} contacts`)
    const frenchThree = (n) => (n === 0 ? 'aucun contact' : french(n))
    const english = (n) => (n === 1 ? '1 contact' : `${n} contacts`)
    for (let n = 0; n <= 2000; n++) {
      setLocale('fr')
      expect(t('probe.two', { n }, n)).toBe(french(n))
      expect(t('probe.three', { n }, n)).toBe(frenchThree(n))
      setLocale('en')
      expect(t('probe.two', { n }, n)).toBe(english(n))
    }
  })
})
