// 业务查询 (staff): applications of the caller's jurisdiction in every state, a page at a time.
import { get, qs } from './http'
import type { CursorPage, SearchRow } from './types'

export interface SearchCriteria {
  agency?: string
  year?: number
  status?: string
  activity?: string
  /** Part of the unit's name, its 统一社会信用代码, a 申请书号 or a 确认书号 */
  q?: string
  from?: string
  to?: string
}

export const applications = (criteria: SearchCriteria, cursor: string | undefined, page_size: number) =>
  get<CursorPage<SearchRow>>(`/api/staff/search/applications${qs({ ...criteria, cursor, page_size })}`)
