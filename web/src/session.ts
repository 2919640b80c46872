// Who is signed in. The session cookie is HttpOnly, so the browser keeps a hint in
// sessionStorage to know whether asking /api/auth/me makes sense (no 401 on the login page).
import { reactive } from 'vue'
import * as auth from './api/auth'
import type { Me, Permission } from './api/types'

const HINT = 'cwmia-signed-in'

export const session = reactive<{ me: Me | null; loaded: boolean }>({ me: null, loaded: false })

export async function loadSession(): Promise<Me | null> {
  if (session.loaded) return session.me
  if (sessionStorage.getItem(HINT)) {
    try {
      session.me = await auth.me()
    } catch {
      session.me = null
      sessionStorage.removeItem(HINT)
    }
  }
  session.loaded = true
  return session.me
}

export function setSignedIn(me: Me) {
  session.me = me
  session.loaded = true
  sessionStorage.setItem(HINT, '1')
}

export function clearSession() {
  session.me = null
  session.loaded = true
  sessionStorage.removeItem(HINT)
}

export function can(p: Permission): boolean {
  return !!session.me?.permissions.includes(p)
}

/** Where a signed-in person starts. */
export function homeOf(me: Me): string {
  if (me.must_change_password) return '/password'
  if (me.role === 'unit') return '/unit/applications'
  // Every staff member starts from the figures of their jurisdiction (首页统计).
  return '/staff/dashboard'
}
