// The portal's two languages: English and French.
//
// Every word a person reads on a page comes from a message catalogue here:
// src/locales/<language>/<namespace>.json, one namespace per part of the portal
// (the file's name), with the same keys in both languages (`make lint` checks it:
// scripts/check_i18n.mjs). A component writes t('desk.takeBack') in its template or
// script; a plain module (a format.js) imports `t` from here.
//
// The language is the server's answer: /api/me says which one the person chose
// (remembered on their account), else the one their browser prefers (session.js calls
// setLocale). Messages the server writes (refusals, page titles and help) come in the
// same language, because the server picks it by the same rule.
import { createI18n } from 'vue-i18n'

export const LANGUAGES = Object.freeze([
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
])
export const DEFAULT_LANGUAGE = 'en'

// Vite puts the catalogue files here; a module loaded by plain Node (the server's tests read
// format functions that way) has none, and its words are the keys.
let files = {}
try {
  files = import.meta.glob('./locales/*/*.json', { eager: true, import: 'default' })
} catch {
  files = {}
}

/** { en: { desk: {...}, ... }, fr: {...} } from the catalogue files. */
export function catalogues(found = files) {
  const messages = Object.fromEntries(LANGUAGES.map(({ code }) => [code, {}]))
  for (const [path, content] of Object.entries(found)) {
    const [, language, namespace] = path.match(/\/locales\/([a-z]+)\/([A-Za-z0-9_-]+)\.json$/)
    messages[language][namespace] = content
  }
  return messages
}

function frenchPlural(choice, choicesLength) {
  const n = Math.abs(choice)
  if (choicesLength === 3) return n === 0 ? 0 : n < 2 ? 1 : 2
  return n < 2 ? 0 : 1
}

// Until /api/me answers: the language the server wrote the page in (<html lang>, its own
// choice by the same rule), so that the first request already asks in the reader's language.
function pageLanguage() {
  const lang = typeof document === 'undefined' ? '' : document.documentElement.lang
  return LANGUAGES.some(({ code }) => code === lang) ? lang : DEFAULT_LANGUAGE
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: pageLanguage(),
  fallbackLocale: DEFAULT_LANGUAGE,
  messages: catalogues(),
  // French counts 0 and 1 as singular ("0 contact", "1 contact", "2 contacts"); a message
  // with three forms is "none | one | many".
  pluralRules: { fr: frenchPlural },
  // A missing key is a defect the catalogue check finds; at run time the English text shows.
  missingWarn: false,
  fallbackWarn: false,
})

/** Translate outside a component (format.js modules): t('stats.encounters', { n: 3 }). */
export const t = (...args) => i18n.global.t(...args)

/** The language in use ('en' or 'fr'). */
export const locale = () => i18n.global.locale.value

/** Intl's locale for the language in use: 'fr-CH' (the organisation's French), 'en'. */
export const intlLocale = (language = locale()) => (language === 'fr' ? 'fr-CH' : 'en')

/** Use `language` from now on; an unknown one is English. */
export function setLocale(language) {
  const known = LANGUAGES.some(({ code }) => code === language) ? language : DEFAULT_LANGUAGE
  i18n.global.locale.value = known
  if (typeof document !== 'undefined') document.documentElement.lang = known
  return known
}
