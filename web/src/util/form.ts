// One form's refusals as the manual shows them: each field's error under the field, anything
// else (a rule across fields, a conflict) in one line above the buttons.
import { reactive, ref } from 'vue'
import { ApiError, messageOf } from '../api/http'

export function useFormErrors() {
  const errors = reactive<Record<string, string>>({})
  const formError = ref('')

  function clear() {
    for (const k of Object.keys(errors)) delete errors[k]
    formError.value = ''
  }

  /** An API refusal: per-field messages go to their fields, any other to the form. */
  function show(e: unknown) {
    if (e instanceof ApiError && e.fields.length) Object.assign(errors, e.fieldMap())
    else formError.value = messageOf(e)
  }

  /** True when a client-side check has put a message on some field. */
  const hasErrors = () => Object.keys(errors).length > 0

  return { errors, formError, clear, show, hasErrors }
}
