import { post } from './http'
import type { RegistrationForm, Submitted, UploadTicket } from './types'

export const sendCode = (mobile: string) =>
  post<{ resend_after: number; valid_for: number }>('/api/sms-codes', { mobile, purpose: 'register' })
export const uploadTicket = (content_type: string, size: number) =>
  post<UploadTicket>('/api/registration-uploads', { content_type, size })
export const register = (form: RegistrationForm, intentKey?: string) =>
  post<Submitted>('/api/registrations', form, intentKey)
