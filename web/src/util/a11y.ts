// Accessibility mends for Element Plus widgets that a template cannot reach.
import type { Directive } from 'vue'

/**
 * `v-combobox` on the form item of an el-cascader: the cascader marks its input aria-expanded
 * without the combobox role that attribute belongs to, so screen readers (and axe) cannot
 * tell the field opens a list.
 */
export const vCombobox: Directive<HTMLElement> = {
  mounted(el) {
    el.querySelector('input')?.setAttribute('role', 'combobox')
  },
}
