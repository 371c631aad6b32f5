// The frontend's words are all in the catalogues, in both languages (make lint).
//
// 1. Catalogues (src/locales/<language>/<namespace>.json): the same namespaces and keys in
//    English and French, the same {placeholders}, no empty message, every message compiles,
//    and no French message that is the English one copied (three words or more).
// 2. Keys: every t('ns.key') / keypath="ns.key" written in the code is in the catalogues.
// 3. Unmarked words: template text and the attributes a person reads (title, placeholder,
//    aria-label, alt, label) outside t(); strings in scripts that read as prose (a capital
//    and a space, a sentence's end, or words around a ${...}). A line (or, in a template,
//    the element after a comment) that says `i18n-ignore` is left out: for prose that no
//    person reads (a developer's error).
//
// Exit code 1 with one line per problem: file:line: what.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { babelParse, parse as parseSfc } from '@vue/compiler-sfc'
import { baseCompile } from '@intlify/message-compiler'

// The frontend folder (a test points it at a tree of its own).
const ROOT = process.env.I18N_CHECK_ROOT || fileURLToPath(new URL('..', import.meta.url))
const SRC = join(ROOT, 'src')
const LOCALES = join(SRC, 'locales')
const LANGUAGES = ['en', 'fr']
const READ_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'aria-description', 'aria-valuetext', 'aria-roledescription', 'summary'])
const problems = []
const problem = (file, line, text) => problems.push(`${relative(ROOT, file)}:${line}: ${text}`)

// --- Catalogues -----------------------------------------------------------------------

function flatten(object, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (value && typeof value === 'object') flatten(value, path, out)
    else out[path] = value
  }
  return out
}

const placeholders = (message) => [...new Set([...String(message).matchAll(/\{\s*([A-Za-z0-9_]+)\s*\}/g)].map((m) => m[1]))].sort().join(',')
const words = (message) => String(message).replace(/\{[^}]*\}/g, ' ').match(/\p{L}{2,}/gu) ?? []

const catalogues = {}
for (const language of LANGUAGES) {
  catalogues[language] = {}
  for (const name of readdirSync(join(LOCALES, language)).filter((n) => n.endsWith('.json'))) {
    const file = join(LOCALES, language, name)
    try {
      catalogues[language][name.slice(0, -5)] = flatten(JSON.parse(readFileSync(file, 'utf8')))
    } catch (err) {
      problem(file, 1, `not JSON: ${err.message}`)
    }
  }
}

const known = new Set()
const namespaces = new Set(LANGUAGES.flatMap((l) => Object.keys(catalogues[l])))
for (const namespace of namespaces) {
  const [en, fr] = LANGUAGES.map((l) => catalogues[l][namespace])
  for (const [language, messages] of [['en', en], ['fr', fr]]) {
    if (!messages) problem(join(LOCALES, language, `${namespace}.json`), 1, `missing: the other language has "${namespace}"`)
  }
  if (!en || !fr) continue
  const file = (language) => join(LOCALES, language, `${namespace}.json`)
  for (const key of new Set([...Object.keys(en), ...Object.keys(fr)])) {
    known.add(`${namespace}.${key}`)
    if (!(key in en)) problem(file('en'), 1, `"${key}" is in French only`)
    if (!(key in fr)) problem(file('fr'), 1, `"${key}" has no French`)
    if (!(key in en) || !(key in fr)) continue
    for (const [language, message] of [['en', en[key]], ['fr', fr[key]]]) {
      if (typeof message !== 'string' || !message.trim()) problem(file(language), 1, `"${key}" is empty`)
      else {
        const compiled = { errors: [] }
        baseCompile(message, { onError: (e) => compiled.errors.push(e.message) })
        if (compiled.errors.length) problem(file(language), 1, `"${key}" does not compile: ${compiled.errors[0]}`)
      }
    }
    if (placeholders(en[key]) !== placeholders(fr[key])) {
      problem(file('fr'), 1, `"${key}": placeholders {${placeholders(fr[key])}} differ from English {${placeholders(en[key])}}`)
    }
    if (en[key] === fr[key] && words(en[key]).length >= 3) problem(file('fr'), 1, `"${key}" is the English text, not translated`)
  }
}

// --- Sources ----------------------------------------------------------------------------

function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (path !== LOCALES) sources(path, out)
    } else if (/\.(vue|js)$/.test(name) && !/\.test\.js$/.test(name)) out.push(path)
  }
  return out
}

// Prose: a capital then a small letter and a space ("Try again"), a sentence's end with words
// before it ("could not be loaded."), or two words in a template literal around ${...}.
const CAPITALISED = /^[\s“"'«(]*\p{Lu}\p{Ll}+[\s,’'][^]*\p{L}/u
const SENTENCE = /\p{L}{2,}\s\p{L}{2,}[^]*[.!?…:]\s*$/u
const TWO_WORDS = /\p{L}{3,}\s+\p{L}{2,}/u
const NOT_PROSE = /^(?:[a-z-]+:|\/|#|\.|\[|@|https?:)|\b(?:import|from|function)\b|=>|[{};<>=]|^[a-z]+(?:-[a-z]+)+(?:\s+[a-z]+(?:-[a-z]+)*)*$/

function isProse(text, { template = false } = {}) {
  const s = String(text).trim()
  if (s.length < 4 || NOT_PROSE.test(s)) return false
  if (CAPITALISED.test(s) || SENTENCE.test(s)) return true
  return template && TWO_WORDS.test(s)
}

function ignoredLines(code) {
  const lines = new Set()
  code.split('\n').forEach((line, index) => {
    if (line.includes('i18n-ignore')) lines.add(index + 1)
  })
  return lines
}

function walk(node, visit, parent = null, key = null) {
  if (!node || typeof node.type !== 'string') return
  if (visit(node, parent, key) === false) return
  for (const [name, value] of Object.entries(node)) {
    if (name === 'loc' || name === 'leadingComments' || name === 'trailingComments') continue
    if (Array.isArray(value)) value.forEach((child) => walk(child, visit, node, name))
    else if (value && typeof value.type === 'string') walk(value, visit, node, name)
  }
}

const TRANSLATE_CALLS = new Set(['t', '$t', 'tc', 'te', 'tm', 'd', 'n'])
const calleeName = (callee) => (callee?.type === 'Identifier' ? callee.name : callee?.type === 'MemberExpression' ? callee.property?.name : '')

function checkScript(file, code, lineOffset) {
  let ast
  try {
    ast = babelParse(code, { sourceType: 'module', plugins: ['jsx'] })
  } catch (err) {
    problem(file, lineOffset + 1, `script does not parse: ${err.message}`)
    return
  }
  const ignored = ignoredLines(code)
  walk(ast.program, (node, parent, key) => {
    if (node.type === 'ImportDeclaration' || node.type === 'ExportAllDeclaration') return false
    if (node.type === 'CallExpression') {
      const name = calleeName(node.callee)
      const object = node.callee?.object?.name
      if (object === 'console' || ['querySelector', 'querySelectorAll', 'closest', 'matches', 'getAttribute', 'setAttribute', 'removeAttribute', 'addEventListener', 'removeEventListener', 'dispatchEvent', 'createElement', 'getElementById', 'defineEmits', 'defineProps', 'inject', 'provide'].includes(name)) return false
      if (TRANSLATE_CALLS.has(name)) {
        const [first] = node.arguments
        if (first?.type === 'StringLiteral') usedKey(file, lineOffset + first.loc.start.line, first.value)
        return
      }
    }
    const line = lineOffset + (node.loc?.start.line ?? 0)
    if (ignored.has(node.loc?.start.line)) return
    if (node.type === 'StringLiteral') {
      if ((parent?.type === 'ObjectProperty' || parent?.type === 'ObjectMethod') && key === 'key') return
      if (parent?.type === 'BinaryExpression' && ['===', '!==', '==', '!='].includes(parent.operator)) return
      if (isProse(node.value)) problem(file, line, `unmarked words: ${JSON.stringify(node.value.slice(0, 60))}`)
    } else if (node.type === 'TemplateLiteral') {
      if (parent?.type === 'TaggedTemplateExpression') return
      const text = node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' {} ')
      if (isProse(text, { template: node.expressions.length > 0 })) {
        problem(file, line, `unmarked words: \`${text.slice(0, 60)}\``)
      }
    }
  })
}

function usedKey(file, line, key) {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+$/.test(key)) return
  if (!known.has(key)) problem(file, line, `"${key}" is in no catalogue`)
}

// Code and a cited title are written as they are, in every language.
const VERBATIM = new Set(['code', 'cite', 'kbd', 'samp', 'pre'])
// Template text is words for a reader when it has a word of four letters or more, or two
// words: a unit ("min", "dB") or a symbol ("ES ≥") alone is not.
function isTemplateWords(text) {
  const found = String(text).match(/\p{L}{2,}/gu) ?? []
  return found.length >= 2 || found.some((word) => word.length >= 4)
}

const NODE = { ELEMENT: 1, TEXT: 2, COMMENT: 3, INTERPOLATION: 5, ATTRIBUTE: 6, DIRECTIVE: 7 }

function checkTemplate(file, root) {
  const visit = (children) => {
    let skipNext = false
    for (const child of children ?? []) {
      if (child.type === NODE.COMMENT) {
        if (child.content.includes('i18n-ignore')) skipNext = true
        continue
      }
      if (skipNext && child.type !== NODE.TEXT) {
        skipNext = false
        continue
      }
      const line = child.loc?.start.line ?? 0
      if (child.type === NODE.TEXT && isTemplateWords(child.content)) {
        problem(file, line, `unmarked text: ${JSON.stringify(child.content.trim().slice(0, 60))}`)
      }
      if (child.type === NODE.ELEMENT) {
        for (const prop of child.props ?? []) {
          if (prop.type === NODE.ATTRIBUTE && READ_ATTRIBUTES.has(prop.name) && prop.value && /\p{L}{2,}/u.test(prop.value.content)) {
            problem(file, prop.loc.start.line, `unmarked ${prop.name}: ${JSON.stringify(prop.value.content.slice(0, 60))}`)
          }
          if (prop.type === NODE.ATTRIBUTE && prop.name === 'keypath' && prop.value) usedKey(file, prop.loc.start.line, prop.value.content)
          if (prop.type === NODE.DIRECTIVE && prop.exp?.content) checkExpression(file, prop.exp.content, prop.exp.loc.start.line, READ_ATTRIBUTES.has(prop.arg?.content))
        }
        if (!VERBATIM.has(child.tag)) visit(child.children)
      }
      if (child.type === NODE.INTERPOLATION && child.content?.content) checkExpression(file, child.content.content, line, true)
    }
  }
  visit(root.children)
}

// An expression in the template ({{ ... }}, :title="..."): keys it names, and prose it holds.
function checkExpression(file, expression, line, shown) {
  let ast
  try {
    ast = babelParse(`(${expression})`, { sourceType: 'module' })
  } catch {
    return // v-for="x in list", v-slot patterns: no words a person reads
  }
  walk(ast.program, (node, parent, key) => {
    if (node.type === 'CallExpression' && TRANSLATE_CALLS.has(calleeName(node.callee))) {
      const [first] = node.arguments
      if (first?.type === 'StringLiteral') usedKey(file, line, first.value)
      return
    }
    if (!shown) return
    if (node.type === 'StringLiteral' && !(parent?.type === 'BinaryExpression' && ['===', '!==', '==', '!='].includes(parent.operator)) && key !== 'key') {
      if (isProse(node.value) || (/\p{L}{3,}\s\p{L}{2,}/u.test(node.value) && !NOT_PROSE.test(node.value))) {
        problem(file, line, `unmarked words: ${JSON.stringify(node.value.slice(0, 60))}`)
      }
    }
    if (node.type === 'TemplateLiteral') {
      const text = node.quasis.map((q) => q.value.cooked ?? '').join(' {} ')
      if (isProse(text, { template: true })) problem(file, line, `unmarked words: \`${text.slice(0, 60)}\``)
    }
  })
}

for (const file of sources(SRC)) {
  const code = readFileSync(file, 'utf8')
  if (file.endsWith('.vue')) {
    const { descriptor, errors } = parseSfc(code, { filename: file })
    if (errors.length) problem(file, 1, `does not parse: ${errors[0].message}`)
    if (descriptor.template?.ast) checkTemplate(file, descriptor.template.ast)
    for (const block of [descriptor.script, descriptor.scriptSetup].filter(Boolean)) {
      checkScript(file, block.content, block.loc.start.line - 1)
    }
  } else {
    checkScript(file, code, 0)
  }
}

if (problems.length) {
  console.error(problems.join('\n'))
  console.error(`\n${problems.length} problem(s): every word a person reads comes from src/locales, in English and French (docs/i18n.md).`)
  process.exit(1)
}
console.log(`i18n: ${namespaces.size} namespaces, ${known.size} messages in English and French; no unmarked words.`)
