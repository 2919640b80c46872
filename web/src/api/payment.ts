// 到账确认 (issue 4 contract; endpoints land with the payment branch).
import { get, post, qs } from './http'
import type { ApplicationQueueItem, Page } from './types'

export const list = (page: number, page_size: number) =>
  get<Page<ApplicationQueueItem>>(`/api/staff/payments${qs({ page, page_size })}`)
export const confirm = (id: string, body: { received_on: string; amount_fen: number; reference: string }) =>
  post<unknown>(`/api/staff/applications/${id}/payment`, body)
