// 开票录入: entries (one 抬头 each, with a 批次号) until they cover 应交保费, then 提交.
import { del, get, post, put } from './http'
import type { InvoiceEntry, InvoiceEntryForm, InvoiceView } from './types'

const base = (id: string) => `/api/applications/${id}/invoice`

export const view = (id: string) => get<InvoiceView>(base(id))
export const addEntry = (id: string, entry: InvoiceEntryForm, intentKey?: string) =>
  post<InvoiceEntry>(`${base(id)}/entries`, entry, intentKey)
export const updateEntry = (id: string, entryId: string, entry: InvoiceEntryForm) =>
  put<InvoiceEntry>(`${base(id)}/entries/${entryId}`, entry)
export const removeEntry = (id: string, entryId: string) => del(`${base(id)}/entries/${entryId}`)
export const submit = (id: string) => post<InvoiceView>(`${base(id)}/submit`)
/** 电子发票 of one entry (after 到账确认, once finance has uploaded it): a download link. */
export const eInvoiceLink = (id: string, entryId: string) =>
  get<{ url: string }>(`${base(id)}/entries/${entryId}/e-invoice`)
