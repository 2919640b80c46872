// 经办机构: registration review, contact change, staff accounts (served today).
import { get, post, put, qs } from './http'
import type {
  Activity,
  ActivityForm,
  Contact,
  ContactForm,
  Decision,
  PaymentAccount,
  PaymentAccountForm,
  DetailsChangeRow,
  NewStaff,
  CursorPage,
  PendingContact,
  Permission,
  RegistrationDetail,
  RegistrationStatus,
  RegistrationSummary,
  StaffCreated,
  StaffView,
  TrailEntry,
} from './types'

export const registrations = (status: RegistrationStatus, cursor: string | undefined, page_size: number, q = '') =>
  get<CursorPage<RegistrationSummary>>(`/api/staff/registrations${qs({ status, q, cursor, page_size })}`)
export const registration = (id: string) => get<RegistrationDetail>(`/api/staff/registrations/${id}`)
export const registrationTrail = (id: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<TrailEntry>>(`/api/staff/registrations/${id}/trail${qs({ cursor, page_size })}`)
export const approveRegistration = (id: string) => post<Decision>(`/api/staff/registrations/${id}/approve`)
export const rejectRegistration = (id: string, reason: string) =>
  post<Decision>(`/api/staff/registrations/${id}/reject`, { reason })
// 更换联系人: the new mobile's code, the request (told to the current contact), a second
// reviewer's approval or rejection.
export const sendContactCode = (unitId: string, mobile: string) =>
  post<{ resend_after: number; valid_for: number }>(`/api/staff/units/${unitId}/contact-codes`, { mobile })
export const requestContactChange = (unitId: string, form: ContactForm, sms_code: string) =>
  put<PendingContact>(`/api/staff/units/${unitId}/contact`, { ...form, sms_code })
export const approveContactChange = (unitId: string) => post<Contact>(`/api/staff/units/${unitId}/contact/approve`)
export const rejectContactChange = (unitId: string, reason: string) =>
  post<void>(`/api/staff/units/${unitId}/contact/reject`, { reason })

export const staffList = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<StaffView>>(`/api/admin/staff${qs({ cursor, page_size })}`)
export const createStaff = (form: NewStaff, intentKey?: string) =>
  post<StaffCreated>('/api/admin/staff', form, intentKey)
const account = (login: string) => `/api/admin/staff/${encodeURIComponent(login)}`
export const setPermissions = (login: string, permissions: Permission[]) =>
  put<StaffView>(`${account(login)}/permissions`, { permissions })
export const disableStaff = (login: string) => post<StaffView>(`${account(login)}/disable`)
export const enableStaff = (login: string) => post<StaffView>(`${account(login)}/enable`)
export const resetPassword = (login: string) => post<StaffView>(`${account(login)}/password-reset`)
export const staffHistory = (login: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<TrailEntry>>(`${account(login)}/history${qs({ cursor, page_size })}`)

// 保障活动目录 (province office admins); a change applies to new applications only.
export const createActivity = (form: ActivityForm) => post<Activity>('/api/admin/activities', form)
export const updateActivity = (code: string, form: ActivityForm) =>
  put<Activity>(`/api/admin/activities/${encodeURIComponent(code)}`, form)
export const activityHistory = (code: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<TrailEntry>>(`/api/admin/activities/${encodeURIComponent(code)}/history${qs({ cursor, page_size })}`)

// 单位信息变更审核: a unit's own correction of its details, approved or rejected (SMS either way).
export const detailsChanges = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<DetailsChangeRow>>(`/api/staff/unit-details-changes${qs({ cursor, page_size })}`)
export const approveDetails = (unitId: string, requested_at: string) =>
  post<void>(`/api/staff/units/${unitId}/details/approve`, { requested_at })
export const rejectDetails = (unitId: string, requested_at: string, reason: string) =>
  post<void>(`/api/staff/units/${unitId}/details/reject`, { requested_at, reason })

// 收款账户: the office's bank account shown to units in 缴费说明 (province admins).
export const paymentAccount = () => get<PaymentAccount | null>('/api/admin/payment-account')
export const setPaymentAccount = (form: PaymentAccountForm) => put<PaymentAccount>('/api/admin/payment-account', form)
