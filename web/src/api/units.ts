// 单位档案 (staff): the units of the caller's jurisdiction and each unit's file, a page at a time.
import { get, qs } from './http'
import type { CursorPage, RegistrationStatus, RegistrationSummary, SearchRow, UnitCertificateRow, UnitFile } from './types'

export interface UnitCriteria {
  agency?: string
  /** approved (default), pending or rejected */
  status?: RegistrationStatus
  /** Part of the unit's name, or the start of its 统一社会信用代码 */
  q?: string
}

export const units = (criteria: UnitCriteria, cursor: string | undefined, page_size: number) =>
  get<CursorPage<RegistrationSummary>>(`/api/staff/units${qs({ ...criteria, cursor, page_size })}`)

export const file = (id: string) => get<UnitFile>(`/api/staff/units/${id}`)

export const applications = (id: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<SearchRow>>(`/api/staff/units/${id}/applications${qs({ cursor, page_size })}`)

export const certificates = (id: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<UnitCertificateRow>>(`/api/staff/units/${id}/certificates${qs({ cursor, page_size })}`)
