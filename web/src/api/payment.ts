// 到账确认 (finance): invoiced applications; confirming issues the certificate.
import { get, post, qs } from './http'
import type { CursorPage, InvoiceEntry, PaymentConfirmed, PaymentForm, PaymentQueueItem } from './types'

export const list = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<PaymentQueueItem>>(`/api/staff/payments${qs({ cursor, page_size })}`)
export const confirm = (id: string, body: PaymentForm) =>
  post<PaymentConfirmed>(`/api/staff/applications/${id}/payment`, body)
/** The application's invoice entries (批次号, 抬头, 税号, amount), to match the transfer against. */
export const entries = (id: string) => get<InvoiceEntry[]>(`/api/staff/applications/${id}/invoice-entries`)
