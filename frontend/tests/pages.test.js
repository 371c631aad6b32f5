import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { PAGE_SLUGS, PlaceholderPage, pageComponent } from '../src/pages/index.js'
import { createRoutes } from '../src/router.js'
import { rolesSentence } from '../src/session.js'

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
      'risk-models',
      'audit',
      'stats',
      'my-data',
      'location-risk',
      'transparency',
    ])
  })

  it('renders the built pages with their own components, the others with the placeholder', () => {
    const built = [
      'registration',
      'status',
      'found',
      'desk',
      'appointments',
      'tracking',
      'risk-models',
      'audit',
      'stats',
      'my-data',
      'location-risk',
      'transparency',
    ]
    for (const slug of PAGE_SLUGS) {
      if (built.includes(slug)) expect(pageComponent(slug)).not.toBe(PlaceholderPage)
      else expect(pageComponent(slug)).toBe(PlaceholderPage)
    }
  })

  it('the placeholder shows title as h1, help and the not-built sentence', () => {
    const w = mount(PlaceholderPage, {
      props: { page: { slug: 'found', title: 'Found', path: '/found/', help: 'Record a found device.' } },
    })
    expect(w.find('h1').text()).toBe('Found')
    expect(w.find('p.help').text()).toBe('Record a found device.')
    expect(w.text()).toContain('This page is not built yet.')
  })
})

describe('roles in words', () => {
  it('reads naturally', () => {
    expect(rolesSentence([])).toMatch(/no staff roles/)
    expect(rolesSentence(['registration'])).toBe('Your role: registration desk.')
    expect(rolesSentence(['medical', 'privacy', 'registration'])).toBe(
      'Your roles: medical service, data-protection office, and registration desk.',
    )
    expect(rolesSentence(['data_protection'])).toBe('Your role: data protection.')
  })
})
