/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The Vue app is served through django-vite.
//  - `base` must equal Django's STATIC_URL ('/static/'), in dev and in build,
//    because django-vite builds dev-server URLs as STATIC_URL + path.
//  - The manifest is written as dist/manifest.json (not dist/.vite/manifest.json)
//    because collectstatic skips dot-folders.
//  - The only entry is src/main.js; templates load it with
//    {% vite_asset 'src/main.js' %}.
const DEV_HOST = '127.0.0.1'
const DEV_PORT = 5173

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/static/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: 'manifest.json',
    rollupOptions: {
      input: 'src/main.js',
    },
  },
  server: {
    host: DEV_HOST,
    port: DEV_PORT,
    strictPort: true,
    // Asset URLs in dev point back at the Vite server, not at Django (:8000).
    origin: `http://${DEV_HOST}:${DEV_PORT}`,
    // Django pages (any local port, e.g. :8000) load the dev modules cross-origin.
    cors: {
      origin: /^https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?$/,
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.js', 'src/**/*.test.js'],
    // The organisation's zone, as /api/me gives it (tests/settings: TIME_ZONE).
    setupFiles: ['tests/setup.js'],
    restoreMocks: true,
    unstubGlobals: true,
  },
})
