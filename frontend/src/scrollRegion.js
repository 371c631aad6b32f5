/**
 * v-scroll-region: a table's wrapper that scrolls sideways (on a phone) can be reached and
 * scrolled by keyboard, and a screen reader names it after its table.
 *
 * Only while it does scroll: then it takes tabindex="0", role="region" and a name; when the
 * table fits, it is a plain box again and no extra Tab stop. (WCAG 2.1.1; axe-core's rule
 * "scrollable-region-focusable".) Usage, in a component's <script setup>:
 *   import { vScrollRegion } from '../scrollRegion.js'
 *   <div v-scroll-region class="table-wrap"><table aria-label="...">...</table></div>
 */

import { t } from './i18n.js'

function tableName(el) {
  const table = el.querySelector('table')
  if (!table) return ''
  const label = table.getAttribute('aria-label')
  if (label) return label.trim()
  const ids = (table.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
  const labelled = ids.map((id) => document.getElementById(id)?.textContent.trim() ?? '').filter(Boolean)
  if (labelled.length) return labelled.join(' ')
  return table.caption?.textContent.trim() ?? ''
}

function update(el) {
  const scrolls = el.scrollWidth > el.clientWidth + 1
  if (scrolls) {
    el.setAttribute('tabindex', '0')
    el.setAttribute('role', 'region')
    const name = tableName(el)
    el.setAttribute('aria-label', name ? t('common.namedTableScrolls', { name }) : t('common.tableScrolls'))
  } else {
    el.removeAttribute('tabindex')
    el.removeAttribute('role')
    el.removeAttribute('aria-label')
  }
}

export const vScrollRegion = {
  mounted(el) {
    update(el)
    if (typeof ResizeObserver === 'undefined') return
    // The box or its table changing size (a narrower screen, rows arriving) may start or
    // stop the scrolling.
    el._scrollRegionObserver = new ResizeObserver(() => update(el))
    el._scrollRegionObserver.observe(el)
    if (el.firstElementChild) el._scrollRegionObserver.observe(el.firstElementChild)
  },
  updated(el) {
    update(el)
  },
  beforeUnmount(el) {
    el._scrollRegionObserver?.disconnect()
  },
}
