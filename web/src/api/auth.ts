import { get, post } from './http'
import type { Me } from './types'

export const login = (login: string, password: string) => post<Me>('/api/auth/login', { login, password })
export const logout = () => post<void>('/api/auth/logout')
export const me = () => get<Me>('/api/auth/me')
export const changePassword = (current_password: string, new_password: string) =>
  post<Me>('/api/auth/password', { current_password, new_password })
