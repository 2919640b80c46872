// 初审 / 复审 / 终审 (issue 4 contract; endpoints land with the review branch).
import { get, post, put, qs } from './http'
import type { ApplicationQueueItem, MemberPage, Page, StaffApplicationView } from './types'

export type Level = 1 | 2 | 3

export const queue = (level: Level, page: number, page_size: number) =>
  get<Page<ApplicationQueueItem>>(`/api/staff/reviews${qs({ level, page, page_size })}`)
export const application = (id: string) => get<StaffApplicationView>(`/api/staff/applications/${id}`)
export const members = (id: string, page: number, page_size = 10) =>
  get<MemberPage>(`/api/staff/applications/${id}/members${qs({ page, page_size })}`)
export const approve = (id: string, level: Level, subsidy_fen?: number, gift_fen?: number) =>
  post<unknown>(`/api/staff/applications/${id}/approve`, { level, subsidy_fen, gift_fen })
export const returnToUnit = (id: string, level: Level, reason: string) =>
  post<unknown>(`/api/staff/applications/${id}/return`, { level, reason })
export const adjustFees = (id: string, subsidy_fen: number, gift_fen: number) =>
  put<unknown>(`/api/staff/applications/${id}/fee-adjustments`, { subsidy_fen, gift_fen })
