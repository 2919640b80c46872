// 经办机构: registration review, contact change, staff accounts (served today).
import { get, post, put, qs } from './http'
import type {
  Contact,
  ContactForm,
  Decision,
  NewStaff,
  RegistrationDetail,
  RegistrationPage,
  RegistrationStatus,
  StaffCreated,
  StaffView,
} from './types'

export const registrations = (status: RegistrationStatus, cursor?: string | null, limit = 10) =>
  get<RegistrationPage>(`/api/staff/registrations${qs({ status, cursor, limit })}`)
export const registration = (id: string) => get<RegistrationDetail>(`/api/staff/registrations/${id}`)
export const approveRegistration = (id: string) => post<Decision>(`/api/staff/registrations/${id}/approve`)
export const rejectRegistration = (id: string, reason: string) =>
  post<Decision>(`/api/staff/registrations/${id}/reject`, { reason })
export const changeContact = (unitId: string, form: ContactForm) => put<Contact>(`/api/staff/units/${unitId}/contact`, form)

export const staffList = () => get<StaffView[]>('/api/admin/staff')
export const createStaff = (form: NewStaff) => post<StaffCreated>('/api/admin/staff', form)
