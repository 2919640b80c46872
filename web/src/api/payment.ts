// 到账确认 (finance): invoiced applications; confirming issues the certificate.
import { get, post, qs } from './http'
import type { CursorPage, PaymentConfirmed, PaymentForm, PaymentQueueItem } from './types'

export const list = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<PaymentQueueItem>>(`/api/staff/payments${qs({ cursor, page_size })}`)
export const confirm = (id: string, body: PaymentForm) =>
  post<PaymentConfirmed>(`/api/staff/applications/${id}/payment`, body)
