// 首页统计 (staff): the figures of an agency and each agency below it, this year against last.
import { get, qs } from './http'
import type { CursorPage, Dashboard, NotRenewedRow } from './types'

export const dashboard = (agency?: string, year?: number) =>
  get<Dashboard>(`/api/staff/dashboard${qs({ agency, year })}`)

/** 未续保单位: units insured the year before and not yet in `year`, agency by agency. */
export const notRenewed = (agency: string | undefined, year: number, cursor: string | undefined, page_size: number) =>
  get<CursorPage<NotRenewedRow>>(`/api/staff/not-renewed${qs({ agency, year, cursor, page_size })}`)
