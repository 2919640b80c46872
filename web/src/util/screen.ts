// The width below which screens are laid out for a phone: one-column forms, the menu folded
// away behind a button (style.css holds the same width).
import { onBeforeUnmount, ref } from 'vue'

export const PHONE_QUERY = '(max-width: 767px)'

/** True while the window is phone-width; follows rotation and resizing. */
export function useNarrow() {
  const query = window.matchMedia(PHONE_QUERY)
  const narrow = ref(query.matches)
  const follow = (e: MediaQueryListEvent) => (narrow.value = e.matches)
  query.addEventListener('change', follow)
  onBeforeUnmount(() => query.removeEventListener('change', follow))
  return narrow
}
