// Entry point loaded by Django through django-vite: {% vite_asset 'src/main.js' %}.
// Mounts on <div id="app"> in the Django template.
import './assets/main.css'
import { createApp } from 'vue'
import App from './App.vue'
import { createPortalRouter } from './router.js'
import { i18n } from './i18n.js'

export function mountPortal(selector = '#app') {
  const el = document.querySelector(selector)
  if (!el) return null
  const app = createApp(App)
  app.use(i18n)
  app.use(createPortalRouter())
  app.mount(el)
  return app
}

mountPortal()
