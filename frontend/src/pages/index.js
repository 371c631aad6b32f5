// The one place that says which component renders which page.
//
// Every page starts as the placeholder. When a page is built, add its own
// component file next to this one (e.g. RegistrationPage.vue) and point its
// slug at it below, for example:
//
//   registration: lazyPage(() => import('./RegistrationPage.vue')),
//
// Nothing else (layout, router, navigation) needs to change. Page components
// receive two props: `page` (its entry from /api/me `pages`: slug, title,
// path, help, help_url, built) and `me` (the whole /api/me answer).
import { defineAsyncComponent } from 'vue'
import PlaceholderPage from './PlaceholderPage.vue'
import PageLoadError from '../components/PageLoadError.vue'

/** A page whose code is downloaded when first opened. */
function lazyPage(loader) {
  return defineAsyncComponent({ loader, errorComponent: PageLoadError })
}

/** Every page the portal knows, with its URL (the server decides who sees which). */
export const PAGE_SLUGS = [
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

/** slug -> component; a slug missing here renders the placeholder. */
export const pageComponents = {
  registration: lazyPage(() => import('./RegistrationPage.vue')),
  status: lazyPage(() => import('./StatusPage.vue')),
  found: lazyPage(() => import('./FoundPage.vue')),
  desk: lazyPage(() => import('./DeskPage.vue')),
  appointments: lazyPage(() => import('./AppointmentsPage.vue')),
  tracking: lazyPage(() => import('./TrackingPage.vue')),
  'risk-models': lazyPage(() => import('./RiskModelsPage.vue')),
  audit: lazyPage(() => import('./AuditPage.vue')),
  stats: lazyPage(() => import('./StatsPage.vue')),
  'my-data': lazyPage(() => import('./MyDataPage.vue')),
  'location-risk': lazyPage(() => import('./LocationRiskPage.vue')),
  transparency: lazyPage(() => import('./TransparencyPage.vue')),
}

export function pagePath(slug) {
  return `/${slug}/`
}

export function pageComponent(slug) {
  return pageComponents[slug] ?? PlaceholderPage
}

export { PlaceholderPage }
