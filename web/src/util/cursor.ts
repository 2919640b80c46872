// One list read a page at a time on the server (a 50,000-member application reads only the
// page shown): 上一页/下一页 walk the cursors the server gave, the rows are numbered from the
// page's offset, and "共 N 条" shows where the server keeps a total (a search has none).
import { type Ref, computed, ref } from 'vue'
import { messageOf } from '../api/http'

export interface CursorPageOf<T> {
  items: T[]
  total?: number | null
  offset: number
  next?: string | null
}

export function useCursorPaged<T>(fetchPage: (cursor: string | undefined, size: number) => Promise<CursorPageOf<T>>, size = 10) {
  const rows = ref([]) as Ref<T[]>
  const total = ref<number | null>(null)
  const offset = ref(0)
  const next = ref<string | null>(null)
  const loading = ref(false)
  const error = ref('')
  // The cursor of each page shown so far; the last is the current page (undefined: the first).
  const trail = ref<(string | undefined)[]>([undefined])

  async function load() {
    loading.value = true
    error.value = ''
    try {
      const r = await fetchPage(trail.value[trail.value.length - 1], size)
      rows.value = r.items
      total.value = r.total ?? null
      offset.value = r.offset
      next.value = r.next ?? null
    } catch (e) {
      rows.value = []
      next.value = null
      error.value = messageOf(e)
    } finally {
      loading.value = false
    }
  }

  /** Back to the first page, e.g. after a search or an edit that moved rows. */
  function reset() {
    trail.value = [undefined]
    return load()
  }

  function forward() {
    if (!next.value) return
    trail.value.push(next.value)
    return load()
  }

  function back() {
    if (trail.value.length < 2) return
    trail.value.pop()
    return load()
  }

  const hasPrev = computed(() => trail.value.length > 1)
  const hasNext = computed(() => next.value !== null)
  /** 序号 of the row at `index` on this page. */
  const seq = (index: number) => offset.value + index + 1
  /** Everything CursorPager shows and does: `<CursorPager v-bind="pager" />`. */
  const pager = computed(() => ({
    total: total.value,
    offset: offset.value,
    count: rows.value.length,
    hasPrev: hasPrev.value,
    hasNext: hasNext.value,
    loading: loading.value,
    onPrev: back,
    onNext: forward,
  }))

  return { rows, total, offset, loading, error, load, reset, forward, back, hasPrev, hasNext, seq, size, pager }
}
