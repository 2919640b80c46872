// One server-paged list as the manual's tables show it ("共 N 条 < 1 > 前往 1 页"): the rows of
// the current page, the total, loading and the error to show above the table.
import { type Ref, ref } from 'vue'
import { messageOf } from '../api/http'

export interface PageOf<T> {
  items: T[]
  total: number
}

export function usePaged<T>(fetchPage: (page: number, size: number) => Promise<PageOf<T>>, size = 10) {
  const rows = ref([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const loading = ref(false)
  const error = ref('')

  async function load() {
    loading.value = true
    error.value = ''
    try {
      const r = await fetchPage(page.value, size)
      rows.value = r.items
      total.value = r.total
    } catch (e) {
      rows.value = []
      total.value = 0
      error.value = messageOf(e)
    } finally {
      loading.value = false
    }
  }

  /** Back to page 1, e.g. after the filter changed. */
  function reset() {
    page.value = 1
    return load()
  }

  /** 序号 of the row at `index` on this page. */
  const seq = (index: number) => (page.value - 1) * size + index + 1

  return { rows, total, page, size, loading, error, load, reset, seq }
}
