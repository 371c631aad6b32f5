import { describe, expect, it } from 'vitest'
import { PAGE_SLUGS, pageComponent, pageComponents } from '../src/pages/index.js'
import { createRoutes } from '../src/router.js'
import { rolesSentence } from '../src/session.js'
import { ROLE_DESCRIPTIONS } from './helpers.js'

describe('page map', () => {
  it('has a route with a trailing slash for every slug', () => {
    const paths = createRoutes().map((r) => r.path)
    for (const slug of PAGE_SLUGS) expect(paths).toContain(`/${slug}/`)
    expect(PAGE_SLUGS).toEqual([
      'registration',
      'status',
      'found',
      'desk',
      'appointments',
      'tracking',
      'cases',
      'follow-ups',
      'approvals',
      'risk-models',
      'audit',
      'stats',
      'stock',
      'inventory',
      'my-data',
      'location-risk',
      'transparency',
    ])
  })

  it('renders every page with its own component', () => {
    const components = PAGE_SLUGS.map(pageComponent)
    for (const component of components) expect(component).toBeTruthy()
    expect(new Set(components).size).toBe(PAGE_SLUGS.length)
    expect(Object.keys(pageComponents)).toEqual(PAGE_SLUGS)
    expect(pageComponent('no-such-page')).toBe(null)
    expect(pageComponent('constructor')).toBe(null)
  })
})

describe('roles in words', () => {
  it('reads naturally', () => {
    expect(rolesSentence([], ROLE_DESCRIPTIONS)).toMatch(/no staff roles/)
    expect(rolesSentence(['registration'], ROLE_DESCRIPTIONS)).toBe('Your role: registration desk.')
    expect(rolesSentence(['medical', 'privacy', 'registration'], ROLE_DESCRIPTIONS)).toBe(
      'Your roles: medical service, data-protection office, and registration desk.',
    )
    // A role the server does not describe: its name in words.
    expect(rolesSentence(['data_protection'], ROLE_DESCRIPTIONS)).toBe('Your role: data protection.')
  })
})
