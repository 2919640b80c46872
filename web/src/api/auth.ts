import { get, post } from './http'
import type { Me } from './types'

export const login = (login: string, password: string) => post<Me>('/api/auth/login', { login, password })
export const logout = () => post<void>('/api/auth/logout')
export const sendUnlockCode = (login: string) =>
  post<{ resend_after: number; valid_for: number }>('/api/auth/unlock-codes', { login })
export const unlock = (login: string, code: string) => post<void>('/api/auth/unlock', { login, code })
export const sendResetCode = (login: string) =>
  post<{ resend_after: number; valid_for: number }>('/api/auth/password-reset-codes', { login })
export const resetPassword = (login: string, code: string, new_password: string) =>
  post<void>('/api/auth/password-reset', { login, code, new_password })
export const me = () => get<Me>('/api/auth/me')
export const changePassword = (current_password: string, new_password: string) =>
  post<Me>('/api/auth/password', { current_password, new_password })
