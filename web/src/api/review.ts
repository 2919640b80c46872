// 初审 / 复审 / 终审: the review queue, the reviewer's view, 通过 / 退回 (终审 sets 补贴 / 赠险).
import { get, post, qs } from './http'
import type {
  CursorPage,
  MemberQuery,
  MemberView,
  ReviewDecision,
  ReviewRow,
  SelfCheck,
  StaffApplicationView,
  TrailEntry,
} from './types'

export type Level = 1 | 2 | 3

export const queue = (level: Level, cursor: string | undefined, page_size: number) =>
  get<CursorPage<ReviewRow>>(`/api/staff/reviews${qs({ level, cursor, page_size })}`)
export const application = (id: string) => get<StaffApplicationView>(`/api/staff/applications/${id}`)
export const members = (id: string, query: MemberQuery) =>
  get<CursorPage<MemberView>>(`/api/staff/applications/${id}/members${qs({ ...query })}`)
export const trail = (id: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<TrailEntry>>(`/api/staff/applications/${id}/trail${qs({ cursor, page_size })}`)
export const selfCheck = (id: string, cursor?: string) =>
  get<SelfCheck>(`/api/staff/applications/${id}/self-check${qs({ cursor })}`)
/** 通过; 终审 may set 补贴金额 and 赠险金额 at the same time (other levels must leave them out),
 *  with the reason when they leave 应交保费 at 0.00 元. */
export const approve = (id: string, level: Level, subsidy_fen?: number, gift_fen?: number, zero_due_reason?: string) =>
  post<ReviewDecision>(`/api/staff/applications/${id}/approve`, { level, subsidy_fen, gift_fen, zero_due_reason })
export const returnToUnit = (id: string, level: Level, reason: string) =>
  post<ReviewDecision>(`/api/staff/applications/${id}/return`, { level, reason })
