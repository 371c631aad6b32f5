import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { makeMe, mountApp, setCookie, waitFor } from './helpers.js'
import { normalizeMe } from '../src/session.js'
import { navGroups } from '../src/nav.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

const navLinks = (w) => w.find('nav[aria-label="Main"]').findAll('a')

describe('start-up', () => {
  it('asks /api/me same-origin for JSON', async () => {
    const r = await mountApp('/')
    wrapper = r.wrapper
    expect(r.fetchMock).toHaveBeenCalledTimes(1)
    const [url, init] = r.fetchMock.mock.calls[0]
    expect(url).toBe('/api/me')
    expect(init.method).toBe('GET')
    expect(init.credentials).toBe('same-origin')
    expect(init.headers.Accept).toBe('application/json')
  })

  it('shows a "Sign in again" link when /api/me answers 401', async () => {
    const r = await mountApp('/registration/', { detail: 'Authentication credentials were not provided.' }, 401)
    wrapper = r.wrapper
    const link = wrapper.findAll('a').find((a) => a.text() === 'Sign in again')
    expect(link).toBeTruthy()
    expect(link.attributes('href')).toMatch(/^\/accounts\/login\/\?next=/)
    expect(wrapper.find('nav').exists()).toBe(false)
  })

  it('shows a "Sign in again" link when /api/me answers 403', async () => {
    const r = await mountApp('/', { detail: 'Forbidden' }, 403)
    wrapper = r.wrapper
    expect(wrapper.text()).toContain('Sign in again')
  })

  it('shows an error with a retry button on a server error', async () => {
    const r = await mountApp('/', { detail: 'Server exploded.' }, 500)
    wrapper = r.wrapper
    expect(wrapper.text()).toContain('Server exploded.')
    expect(wrapper.find('button').text()).toBe('Try again')
  })
})

describe('navigation', () => {
  it('shows exactly the pages from /api/me and no others', async () => {
    const r = await mountApp('/')
    wrapper = r.wrapper
    const links = navLinks(wrapper)
    expect(links.map((a) => a.text())).toEqual(['Registration', 'My data'])
    expect(links.map((a) => a.attributes('href'))).toEqual(['/registration/', '/my-data/'])
    for (const other of ['Status', 'Found', 'Appointments', 'Tracking', 'Administration']) {
      expect(wrapper.find('nav').text()).not.toContain(other)
    }
  })

  it('keeps the server order and shows every page it lists', async () => {
    const me = makeMe({
      roles: ['medical'],
      pages: [
        { slug: 'tracking', title: 'Tracking', path: '/tracking/', help: 'Trace.' },
        { slug: 'appointments', title: 'Appointments', path: '/appointments/', help: 'Book.' },
        { slug: 'status', title: 'Status', path: '/status/', help: 'Status.' },
      ],
    })
    const r = await mountApp('/', me)
    wrapper = r.wrapper
    expect(navLinks(wrapper).map((a) => a.text())).toEqual(['Tracking', 'Appointments', 'Status'])
  })

  it('shows no admin link when links.admin is null', async () => {
    const r = await mountApp('/')
    wrapper = r.wrapper
    expect(wrapper.text()).not.toContain('Administration')
  })

  it('shows an Administration link when links.admin is set', async () => {
    const me = makeMe({ links: { logout: '/accounts/logout/', admin: '/admin/', privacy: '/privacy/' } })
    const r = await mountApp('/', me)
    wrapper = r.wrapper
    const links = navLinks(wrapper)
    expect(links.map((a) => a.text())).toEqual(['Registration', 'My data', 'Administration'])
    const admin = links[2]
    expect(admin.attributes('href')).toBe('/admin/')
    // a plain link to the server, not a router link
    expect(admin.classes()).not.toContain('router-link-active')
  })

  it('navigates to a page through the nav link', async () => {
    const r = await mountApp('/')
    wrapper = r.wrapper
    await navLinks(wrapper)[1].trigger('click')
    await flushPromises()
    expect(r.router.currentRoute.value.path).toBe('/my-data/')
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('My data'))
    expect(navLinks(wrapper)[1].attributes('aria-current')).toBe('page')
  })

  it('shows the product name, display name and privacy link', async () => {
    const r = await mountApp('/')
    wrapper = r.wrapper
    expect(wrapper.find('header').text()).toContain('Proximeter Portal')
    expect(wrapper.find('header').text()).toContain('Dana Desk')
    const privacy = wrapper.find('footer').findAll('a').find((a) => a.text() === 'How your data is handled')
    expect(privacy.attributes('href')).toBe('/privacy/')
  })
})

describe('home page', () => {
  it('says who is signed in, the roles in words, and lists the pages with help', async () => {
    const r = await mountApp('/')
    wrapper = r.wrapper
    const main = wrapper.find('main')
    expect(main.text()).toContain('Signed in as Dana Desk')
    expect(main.find('.roles').text()).toBe('Your role: registration desk.')
    const items = main.findAll('.page-list li')
    expect(items).toHaveLength(2)
    expect(items[0].text()).toContain('Registration')
    expect(items[0].text()).toContain('Assign a device to a person, take one back, or swap it.')
  })
})

describe('page routes', () => {
  it('a page shows its title and its help, in the page and in the footer', async () => {
    const r = await mountApp('/my-data/')
    wrapper = r.wrapper
    const main = wrapper.find('main')
    await waitFor(() => expect(main.find('h1').text()).toBe('My data'))
    expect(main.find('p.help').text()).toBe('See the data the portal holds about you.')
    // footer carries the page's help too
    expect(wrapper.find('footer').text()).toContain('See the data the portal holds about you.')
  })

  it('the my-data route renders the MY DATA page, not the placeholder', async () => {
    const r = await mountApp('/my-data/')
    wrapper = r.wrapper
    await waitFor(() => expect(wrapper.find('main h1').text()).toBe('My data'))
    expect(wrapper.find('main').text()).not.toContain('This page is not built yet.')
    expect(wrapper.find('.page-my-data').exists()).toBe(true)
  })

  it('a page not in `pages` shows the no-access message and no placeholder', async () => {
    const r = await mountApp('/tracking/')
    wrapper = r.wrapper
    const main = wrapper.find('main')
    expect(main.text()).toContain('You do not have access to this page.')
    expect(main.text()).not.toContain('This page is not built yet.')
    expect(main.find('p.help').exists()).toBe(false)
    expect(main.text()).not.toContain('Tracking')
  })

  it('an unknown path shows "Page not found"', async () => {
    const r = await mountApp('/no/such/page/')
    wrapper = r.wrapper
    expect(wrapper.find('main h1').text()).toBe('Page not found')
    expect(wrapper.find('main').text()).not.toContain('This page is not built yet.')
  })
})

describe('sign out', () => {
  it('is a POST form to links.logout carrying the csrftoken cookie', async () => {
    setCookie(['sessionid=xyz', 'csrftoken=tok3n-ABC'])
    const me = makeMe({ links: { logout: '/oidc/logout/', admin: null, privacy: '/privacy/' } })
    const r = await mountApp('/', me)
    wrapper = r.wrapper
    const form = wrapper.find('form.signout-form')
    expect(form.attributes('method')).toBe('post')
    expect(form.attributes('action')).toBe('/oidc/logout/')
    const input = form.find('input[name="csrfmiddlewaretoken"]')
    expect(input.attributes('type')).toBe('hidden')
    expect(input.element.value).toBe('tok3n-ABC')
    expect(form.find('button[type="submit"]').text()).toBe('Sign out')
  })

  it('reads the cookie again just before submitting', async () => {
    setCookie('csrftoken=old')
    const r = await mountApp('/')
    wrapper = r.wrapper
    setCookie('csrftoken=new')
    const form = wrapper.find('form.signout-form')
    form.element.addEventListener('submit', (e) => e.preventDefault()) // keep happy-dom on the page
    await form.trigger('submit')
    expect(form.find('input[name="csrfmiddlewaretoken"]').element.value).toBe('new')
  })
})

describe('help', () => {
  const helpMe = () =>
    makeMe({
      pages: [
        { slug: 'registration', title: 'Registration', path: '/registration/', help: 'Give.', help_url: '/help/registration/' },
        { slug: 'my-data', title: 'My data', path: '/my-data/', help: 'See.', help_url: '/help/my-data/' },
        { slug: 'transparency', title: 'Transparency', path: '/transparency/', help: 'Numbers.', help_url: '/help/transparency/' },
      ],
      links: { logout: '/accounts/logout/', admin: null, privacy: '/privacy/', help: '/help/' },
    })
  const helpLink = (w) => w.find('header a.help-link')

  it('links every page to its own section of the user guide, as a plain link in the header', async () => {
    const r = await mountApp('/registration/', helpMe())
    wrapper = r.wrapper
    const link = helpLink(wrapper)
    expect(link.attributes('href')).toBe('/help/registration/')
    expect(link.text().replace(/\s+/g, ' ')).toBe('Help with the Registration page')
    expect(link.find('.visually-hidden').text()).toBe('with the Registration page')
    expect(link.classes()).not.toContain('router-link-active') // a server page, not a route

    for (const [path, href] of [
      ['/my-data/', '/help/my-data/'],
      ['/transparency/', '/help/transparency/'],
    ]) {
      await r.router.push(path)
      await flushPromises()
      expect(helpLink(wrapper).attributes('href')).toBe(href)
    }
  })

  it('links the start page, a page not found and a page without access to the guide itself', async () => {
    const r = await mountApp('/', helpMe())
    wrapper = r.wrapper
    expect(helpLink(wrapper).attributes('href')).toBe('/help/')
    expect(helpLink(wrapper).text().replace(/\s+/g, ' ')).toBe('Help with the portal')
    await r.router.push('/no/such/page/')
    await flushPromises()
    expect(helpLink(wrapper).attributes('href')).toBe('/help/')
    await r.router.push('/tracking/')
    await flushPromises()
    expect(helpLink(wrapper).attributes('href')).toBe('/help/')
  })

  it('falls back to the guide when /api/me names no help links', async () => {
    expect(normalizeMe(makeMe({ links: {} })).links.help).toBe('/help/')
    expect(normalizeMe(makeMe({ links: { help: '/guide/' } })).links.help).toBe('/guide/')
    const r = await mountApp('/registration/') // pages without help_url, links without help
    wrapper = r.wrapper
    expect(helpLink(wrapper).attributes('href')).toBe('/help/')
  })
})

describe('grouped navigation and the menu', () => {
  const page = (slug, title, group) => ({ slug, title, group, path: `/${slug}/`, help: `${title}.` })
  const groupedMe = () =>
    makeMe({
      pages: [
        page('registration', 'Registration', 'Desk'),
        page('status', 'Status', 'Desk'),
        page('stats', 'Statistics', 'Oversight'),
        page('my-data', 'My data', 'For me'),
      ],
    })
  const groupButton = (w, name) => w.findAll('button.group-toggle').find((b) => b.text() === name)
  const menuButton = (w) => w.find('button.menu-toggle')

  it('gathers the pages by the group the server gives, in the order groups first appear', () => {
    const groups = navGroups([
      page('a', 'A', 'Desk'),
      page('b', 'B', 'For me'),
      page('c', 'C', 'Desk'),
    ])
    expect(groups.map((g) => [g.name, g.pages.map((p) => p.slug)])).toEqual([
      ['Desk', ['a', 'c']],
      ['For me', ['b']],
    ])
    // An older server's pages without a group: one unnamed group, nothing lost.
    expect(navGroups([{ slug: 'x' }, { slug: 'y' }])).toEqual([{ name: '', label: '', pages: [{ slug: 'x' }, { slug: 'y' }] }])
  })

  it('names a group in the reader\'s language and keys it by the server\'s name', async () => {
    const groups = navGroups([{ ...page('a', 'Enregistrement', 'Desk'), group_label: 'Guichet' }])
    expect(groups.map((g) => [g.name, g.label])).toEqual([['Desk', 'Guichet']])
    const me = groupedMe()
    me.pages = me.pages.map((p) => ({ ...p, group_label: { Desk: 'Guichet', Oversight: 'Contrôle', 'For me': 'Pour moi' }[p.group] }))
    const r = await mountApp('/', me)
    wrapper = r.wrapper
    expect(wrapper.findAll('button.group-toggle').map((b) => b.text())).toEqual(['Guichet', 'Contrôle', 'Pour moi'])
    expect(wrapper.find('#nav-group-desk').attributes('aria-label')).toBe('Guichet')
  })

  it('shows one button per group, closed, each controlling its list of pages', async () => {
    const r = await mountApp('/', groupedMe())
    wrapper = r.wrapper
    const buttons = wrapper.findAll('button.group-toggle')
    expect(buttons.map((b) => b.text())).toEqual(['Desk', 'Oversight', 'For me'])
    for (const button of buttons) {
      expect(button.attributes('aria-expanded')).toBe('false')
      const list = wrapper.find(`#${button.attributes('aria-controls')}`)
      expect(list.exists()).toBe(true)
      expect(list.attributes('aria-label')).toBe(button.text())
    }
    expect(wrapper.find('#nav-group-desk').findAll('a').map((a) => a.text())).toEqual(['Registration', 'Status'])
    // Every link is in the navigation, whichever group is open.
    expect(navLinks(wrapper).map((a) => a.text())).toEqual(['Registration', 'Status', 'Statistics', 'My data'])
  })

  it('opens one group at a time; Escape closes it and puts the cursor back on its button', async () => {
    const r = await mountApp('/', groupedMe())
    wrapper = r.wrapper
    await groupButton(wrapper, 'Desk').trigger('click')
    expect(groupButton(wrapper, 'Desk').attributes('aria-expanded')).toBe('true')
    expect(wrapper.find('#nav-group-desk').element.closest('.nav-group').classList).toContain('is-open')
    await groupButton(wrapper, 'Oversight').trigger('click')
    expect(groupButton(wrapper, 'Desk').attributes('aria-expanded')).toBe('false')
    expect(groupButton(wrapper, 'Oversight').attributes('aria-expanded')).toBe('true')
    wrapper.find('#nav-group-oversight a').element.focus()
    await wrapper.find('header').trigger('keydown', { key: 'Escape' })
    expect(groupButton(wrapper, 'Oversight').attributes('aria-expanded')).toBe('false')
    expect(document.activeElement).toBe(groupButton(wrapper, 'Oversight').element)
  })

  it('closes an open group on a click outside the navigation, and after a navigation', async () => {
    const r = await mountApp('/', groupedMe())
    wrapper = r.wrapper
    await groupButton(wrapper, 'Desk').trigger('click')
    document.querySelector('main').click()
    await flushPromises()
    expect(groupButton(wrapper, 'Desk').attributes('aria-expanded')).toBe('false')

    await groupButton(wrapper, 'Desk').trigger('click')
    await r.router.push('/status/')
    await flushPromises()
    expect(groupButton(wrapper, 'Desk').attributes('aria-expanded')).toBe('false')
    // The group of the page shown is marked, so a closed group still says where one is.
    expect(groupButton(wrapper, 'Desk').element.closest('.nav-group').classList).toContain('is-current')
    expect(groupButton(wrapper, 'For me').element.closest('.nav-group').classList).not.toContain('is-current')
  })

  it('the Menu button opens and closes the whole menu; Escape closes it onto the button', async () => {
    const r = await mountApp('/', groupedMe())
    wrapper = r.wrapper
    const menu = menuButton(wrapper)
    expect(menu.text()).toBe('Menu')
    expect(menu.attributes('aria-controls')).toBe('site-menu')
    expect(menu.attributes('aria-expanded')).toBe('false')
    expect(wrapper.find('#site-menu').classes()).not.toContain('is-open')
    await menu.trigger('click')
    expect(menu.attributes('aria-expanded')).toBe('true')
    expect(wrapper.find('#site-menu').classes()).toContain('is-open')
    // The menu holds the navigation, the help link and the account.
    expect(wrapper.find('#site-menu nav[aria-label="Main"]').exists()).toBe(true)
    expect(wrapper.find('#site-menu a.help-link').exists()).toBe(true)
    expect(wrapper.find('#site-menu form.signout-form').exists()).toBe(true)
    wrapper.find('#site-menu a').element.focus()
    await wrapper.find('header').trigger('keydown', { key: 'Escape' })
    expect(menu.attributes('aria-expanded')).toBe('false')
    expect(document.activeElement).toBe(menu.element)

    await menu.trigger('click')
    await r.router.push('/my-data/')
    await flushPromises()
    expect(menu.attributes('aria-expanded')).toBe('false') // closed once a page is chosen
  })

  it('shows a single group as plain links, without group buttons', async () => {
    const me = makeMe({ pages: [page('my-data', 'My data', 'For me'), page('stats', 'Statistics', 'For me')] })
    const r = await mountApp('/', me)
    wrapper = r.wrapper
    expect(wrapper.findAll('button.group-toggle')).toHaveLength(0)
    expect(wrapper.find('.nav-groups').classes()).toContain('nav-flat')
    expect(navLinks(wrapper).map((a) => a.text())).toEqual(['My data', 'Statistics'])
  })
})

describe('home page groups', () => {
  it('lists the pages under the same groups as the menu', async () => {
    const me = makeMe({
      pages: [
        { slug: 'registration', title: 'Registration', group: 'Desk', path: '/registration/', help: 'Give.' },
        { slug: 'my-data', title: 'My data', group: 'For me', path: '/my-data/', help: 'See.' },
      ],
    })
    const r = await mountApp('/', me)
    wrapper = r.wrapper
    const main = wrapper.find('main')
    expect(main.findAll('h3.page-group').map((h) => h.text())).toEqual(['Desk', 'For me'])
    expect(main.findAll('.page-list').map((ul) => ul.findAll('a').map((a) => a.text()))).toEqual([
      ['Registration'],
      ['My data'],
    ])
  })
})

describe('choosing the page one is on', () => {
  it('closes the group and the menu although no navigation follows', async () => {
    const me = makeMe({
      pages: [
        { slug: 'registration', title: 'Registration', group: 'Desk', path: '/registration/', help: 'Give.' },
        { slug: 'my-data', title: 'My data', group: 'For me', path: '/my-data/', help: 'See.' },
      ],
    })
    const r = await mountApp('/registration/', me)
    wrapper = r.wrapper
    await wrapper.find('button.menu-toggle').trigger('click')
    const desk = wrapper.findAll('button.group-toggle').find((b) => b.text() === 'Desk')
    await desk.trigger('click')
    await wrapper.find('#nav-group-desk a').trigger('click')
    await flushPromises()
    expect(desk.attributes('aria-expanded')).toBe('false')
    expect(wrapper.find('button.menu-toggle').attributes('aria-expanded')).toBe('false')
  })
})
