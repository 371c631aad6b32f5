// The one place that says which component renders which page.
//
// Each slug of the server's page list (frontend/pages.py, /api/me `pages`)
// maps to its own component file next to this one, downloaded when the page
// is first opened. A new page: add its component here, e.g.
//
//   registration: lazyPage(() => import('./RegistrationPage.vue')),
//
// Nothing else (layout, router, navigation) needs to change. Page components
// receive two props: `page` (its entry from /api/me `pages`: slug, title,
// path, help, help_url, needs_recent_sign_in) and `me` (the whole /api/me
// answer, with the service's `rules` and `role_descriptions`).
import { defineAsyncComponent } from 'vue'
import PageLoadError from '../components/PageLoadError.vue'

/** A page whose code is downloaded when first opened. */
function lazyPage(loader) {
  return defineAsyncComponent({ loader, errorComponent: PageLoadError })
}

/** slug -> component, for every page the portal knows (the server decides who sees which). */
export const pageComponents = {
  registration: lazyPage(() => import('./RegistrationPage.vue')),
  status: lazyPage(() => import('./StatusPage.vue')),
  found: lazyPage(() => import('./FoundPage.vue')),
  desk: lazyPage(() => import('./DeskPage.vue')),
  appointments: lazyPage(() => import('./AppointmentsPage.vue')),
  tracking: lazyPage(() => import('./TrackingPage.vue')),
  cases: lazyPage(() => import('./CasesPage.vue')),
  'follow-ups': lazyPage(() => import('./FollowUpsPage.vue')),
  approvals: lazyPage(() => import('./ApprovalsPage.vue')),
  'risk-models': lazyPage(() => import('./RiskModelsPage.vue')),
  audit: lazyPage(() => import('./AuditPage.vue')),
  stats: lazyPage(() => import('./StatsPage.vue')),
  stock: lazyPage(() => import('./StockPage.vue')),
  inventory: lazyPage(() => import('./InventoryPage.vue')),
  'my-data': lazyPage(() => import('./MyDataPage.vue')),
  'location-risk': lazyPage(() => import('./LocationRiskPage.vue')),
  transparency: lazyPage(() => import('./TransparencyPage.vue')),
}

/** Every page the portal knows, in the order above, each with its URL. */
export const PAGE_SLUGS = Object.keys(pageComponents)

export function pagePath(slug) {
  return `/${slug}/`
}

/** The component of a page; null for a slug the portal does not know. */
export function pageComponent(slug) {
  return Object.hasOwn(pageComponents, slug) ? pageComponents[slug] : null
}
