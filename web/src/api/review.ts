// 初审 / 复审 / 终审: the review queue, the reviewer's view, 通过 / 退回, 费用调整.
import { get, post, put, qs } from './http'
import type { FeeSummary, MemberView, Page, ReviewDecision, ReviewRow, StaffApplicationView } from './types'

export type Level = 1 | 2 | 3

export const queue = (level: Level, page: number, page_size: number) =>
  get<Page<ReviewRow>>(`/api/staff/reviews${qs({ level, page, page_size })}`)
export const application = (id: string) => get<StaffApplicationView>(`/api/staff/applications/${id}`)
export const members = (id: string, page: number, page_size = 10) =>
  get<Page<MemberView>>(`/api/staff/applications/${id}/members${qs({ page, page_size })}`)
/** 通过; 终审 may set 补贴金额 and 赠险金额 at the same time (other levels must leave them out). */
export const approve = (id: string, level: Level, subsidy_fen?: number, gift_fen?: number) =>
  post<ReviewDecision>(`/api/staff/applications/${id}/approve`, { level, subsidy_fen, gift_fen })
export const returnToUnit = (id: string, level: Level, reason: string) =>
  post<ReviewDecision>(`/api/staff/applications/${id}/return`, { level, reason })
export const adjustFees = (id: string, subsidy_fen: number, gift_fen: number) =>
  put<FeeSummary>(`/api/staff/applications/${id}/fee-adjustments`, { subsidy_fen, gift_fen })
