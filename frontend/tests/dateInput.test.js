import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import DateInput from '../src/components/DateInput.vue'
import DateTimeInput from '../src/components/DateTimeInput.vue'
import { parseTime } from '../src/format/time.js'

function mountField(props = {}) {
  const model = ref(props.modelValue ?? '')
  const changes = []
  const wrapper = mount(DateInput, {
    attachTo: document.body,
    props: {
      id: 'day',
      ...props,
      modelValue: model.value,
      'onUpdate:modelValue': (value) => {
        model.value = value
        wrapper.setProps({ modelValue: value })
      },
      onChange: (value) => changes.push(value),
    },
  })
  return { wrapper, model, changes, field: wrapper.find('#day') }
}

describe('DateInput: a day in day-month-year order, ISO for the API', () => {
  it('shows the ISO day of its model as 4 Dec 2026, never in the browser’s order', () => {
    const { field } = mountField({ modelValue: '2026-12-04' })
    expect(field.attributes('type')).toBe('text')
    expect(field.element.value).toBe('4 Dec 2026')
    expect(field.attributes('aria-describedby')).toBe('day-format')
  })

  it.each([
    ['4 Dec 2026', '2026-12-04'],
    ['04.12.2026', '2026-12-04'],
    ['4/12/2026', '2026-12-04'],
    ['2026-12-04', '2026-12-04'],
    ['Fri 4 December 2026', '2026-12-04'],
  ])('reads %j as %s and writes it back the portal’s way', async (typed, iso) => {
    const { field, model, changes } = mountField()
    await field.setValue(typed) // an input event, then a change event
    expect(model.value).toBe(iso)
    expect(changes.at(-1)).toBe(iso)
    expect(field.element.value).toBe('4 Dec 2026')
    expect(field.attributes('aria-invalid')).toBeUndefined()
    expect(field.element.validity.valid).toBe(true)
  })

  it('refuses what is not a day: the field is invalid, says why, and the model keeps its day', async () => {
    const { wrapper, field, model } = mountField({ modelValue: '2026-12-04' })
    for (const typed of ['31.02.2026', '12/31/2026', 'tomorrow', '<img src=x onerror=alert(1)>']) {
      await field.setValue(typed)
      expect(model.value).toBe('2026-12-04')
      expect(field.attributes('aria-invalid')).toBe('true')
      expect(field.element.validationMessage).toMatch(/is not a day/)
      expect(wrapper.find('.date-input-problem').text()).toContain('4 Dec 2026 or 04.12.2026')
      expect(wrapper.find('.date-input-problem').element.innerHTML).not.toContain('<img')
    }
  })

  it('empties the model when the text is cleared; a required field then says so', async () => {
    const { field, model } = mountField({ modelValue: '2026-12-04', required: true })
    await field.setValue('')
    expect(model.value).toBe('')
    expect(field.element.validationMessage).toBe('Type a day, e.g. 4 Dec 2026.')
  })

  it('keeps to min and max', async () => {
    const { field } = mountField({ min: '2026-12-01', max: '2026-12-31' })
    await field.setValue('30.11.2026')
    expect(field.element.validationMessage).toBe('Choose 1 Dec 2026 or later.')
    await field.setValue('1.1.2027')
    expect(field.element.validationMessage).toBe('Choose 31 Dec 2026 or earlier.')
    await field.setValue('15.12.2026')
    expect(field.element.validationMessage).toBe('')
  })

  it('follows a day set from outside, and takes a day from the calendar', async () => {
    const { wrapper, field, model, changes } = mountField({ modelValue: '2026-12-04' })
    await wrapper.setProps({ modelValue: '2027-01-01' })
    await nextTick()
    expect(field.element.value).toBe('1 Jan 2027')
    const picker = wrapper.find('input[type="date"]')
    expect(picker.attributes('tabindex')).toBe('-1')
    expect(picker.attributes('aria-hidden')).toBe('true')
    await picker.setValue('2027-03-28')
    expect(model.value).toBe('2027-03-28')
    expect(changes.at(-1)).toBe('2027-03-28')
    expect(field.element.value).toBe('28 Mar 2027')
    expect(wrapper.find('button').attributes('aria-label')).toBe('Choose on a calendar')
  })
})

describe('DateTimeInput: a day and a 24-hour time, the value a date-time field gives', () => {
  function mountBoth(props = {}) {
    const model = ref(props.modelValue ?? '')
    const wrapper = mount(DateTimeInput, {
      attachTo: document.body,
      props: {
        id: 'at',
        ...props,
        modelValue: model.value,
        'onUpdate:modelValue': (value) => {
          model.value = value
          wrapper.setProps({ modelValue: value })
        },
      },
    })
    return { wrapper, model, day: wrapper.find('#at'), time: wrapper.find('#at-time') }
  }

  it('joins the day and the time; either missing gives no value', async () => {
    const { day, time, model } = mountBoth()
    await day.setValue('4 Dec 2026')
    expect(model.value).toBe('')
    await time.setValue('1451')
    expect(model.value).toBe('2026-12-04T14:51')
    await time.setValue('2:51 PM')
    expect(model.value).toBe('')
    expect(time.attributes('aria-invalid')).toBe('true')
    expect(time.element.validationMessage).toMatch(/24-hour/)
  })

  it('takes a whole ISO date-time typed or pasted into the day field', async () => {
    const { day, time, model } = mountBoth()
    await day.setValue('2026-03-29T02:30')
    expect(model.value).toBe('2026-03-29T02:30')
    expect(day.element.value).toBe('29 Mar 2026')
    expect(time.element.value).toBe('02:30')
  })

  it('shows a value set from outside, and keeps to max', async () => {
    const { wrapper, day, time } = mountBoth({ modelValue: '2026-12-04T14:51', max: '2026-12-04T15:00' })
    expect(day.element.value).toBe('4 Dec 2026')
    expect(time.element.value).toBe('14:51')
    await time.setValue('15:01')
    expect(time.element.validationMessage).toBe('Choose 4 Dec 2026, 15:00 or earlier.')
    await wrapper.setProps({ modelValue: '' })
    await nextTick()
    expect(day.element.value).toBe('')
    expect(time.element.value).toBe('')
  })

  it.each([
    ['14:51', '14:51'],
    ['14.51', '14:51'],
    ['9:05', '09:05'],
    ['0000', '00:00'],
    ['23:59', '23:59'],
    ['24:00', ''],
    ['12:60', ''],
    ['2:51 PM', ''],
    ['14:51:30', ''],
    ['', ''],
  ])('parseTime(%j) is %j', (typed, time) => {
    expect(parseTime(typed)).toBe(time)
  })
})
