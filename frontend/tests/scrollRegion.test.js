import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { defineComponent, h, withDirectives } from 'vue'
import { vScrollRegion } from '../src/scrollRegion.js'

let wrapper
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

// happy-dom lays nothing out: give the box the widths a browser would measure.
function mountWrap({ scrollWidth, clientWidth, table = { 'aria-label': 'Who held it' } }) {
  const Wrap = defineComponent({
    render: () => withDirectives(h('div', { class: 'table-wrap' }, [h('table', table)]), [[vScrollRegion]]),
  })
  const original = Object.getOwnPropertyDescriptors(HTMLElement.prototype)
  Object.defineProperty(HTMLElement.prototype, 'scrollWidth', { configurable: true, get: () => scrollWidth })
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => clientWidth })
  try {
    wrapper = mount(Wrap, { attachTo: document.body })
  } finally {
    for (const key of ['scrollWidth', 'clientWidth']) {
      if (original[key]) Object.defineProperty(HTMLElement.prototype, key, original[key])
      else delete HTMLElement.prototype[key]
    }
  }
  return wrapper.find('.table-wrap')
}

describe('v-scroll-region', () => {
  it('makes a box that scrolls sideways a named region reached by Tab', () => {
    const box = mountWrap({ scrollWidth: 700, clientWidth: 358 })
    expect(box.attributes('tabindex')).toBe('0')
    expect(box.attributes('role')).toBe('region')
    expect(box.attributes('aria-label')).toBe('Who held it (table, scrolls sideways)')
  })

  it('leaves a box whose table fits as it is: no extra Tab stop', () => {
    const box = mountWrap({ scrollWidth: 358, clientWidth: 358 })
    expect(box.attributes('tabindex')).toBeUndefined()
    expect(box.attributes('role')).toBeUndefined()
    expect(box.attributes('aria-label')).toBeUndefined()
  })

  it('names the region after the heading that labels the table', () => {
    const heading = document.createElement('h3')
    heading.id = 'held-heading'
    heading.textContent = 'State changes'
    document.body.append(heading)
    const box = mountWrap({ scrollWidth: 700, clientWidth: 358, table: { 'aria-labelledby': 'held-heading' } })
    expect(box.attributes('aria-label')).toBe('State changes (table, scrolls sideways)')
  })
})
