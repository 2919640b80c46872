// 到账确认 (finance): invoiced applications; confirming issues the certificate.
import { get, post, qs } from './http'
import type { Page, PaymentConfirmed, PaymentForm, PaymentQueueItem } from './types'

export const list = (page: number, page_size: number) => get<Page<PaymentQueueItem>>(`/api/staff/payments${qs({ page, page_size })}`)
export const confirm = (id: string, body: PaymentForm) =>
  post<PaymentConfirmed>(`/api/staff/applications/${id}/payment`, body)
