import { createRouter, createWebHistory } from 'vue-router'
import { PAGE_SLUGS, pagePath } from './pages/index.js'
import HomeView from './views/HomeView.vue'
import PageRoute from './views/PageRoute.vue'
import NotFoundView from './views/NotFoundView.vue'

export function createRoutes() {
  return [
    { path: '/', name: 'home', component: HomeView },
    ...PAGE_SLUGS.map((slug) => ({
      path: pagePath(slug),
      name: slug,
      component: PageRoute,
      props: { slug },
      meta: { slug },
    })),
    { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView, meta: { notFound: true } },
  ]
}

/** The app's router; tests pass createMemoryHistory(). */
export function createPortalRouter(history = createWebHistory('/')) {
  return createRouter({
    history,
    routes: createRoutes(),
    scrollBehavior(to, from, saved) {
      return saved ?? { top: 0 }
    },
  })
}
