// 开票录入 (issue 4 contract; endpoints land with the invoice branch).
import { del, get, post, put } from './http'
import type { InvoiceEntry, InvoiceView, NewInvoiceEntry } from './types'

const base = (id: string) => `/api/applications/${id}/invoice`

export const view = (id: string) => get<InvoiceView>(base(id))
export const addEntry = (id: string, entry: NewInvoiceEntry) => post<InvoiceEntry>(`${base(id)}/entries`, entry)
export const updateEntry = (id: string, entryId: string, entry: NewInvoiceEntry) =>
  put<InvoiceEntry>(`${base(id)}/entries/${entryId}`, entry)
export const removeEntry = (id: string, entryId: string) => del(`${base(id)}/entries/${entryId}`)
export const submit = (id: string) => post<unknown>(`${base(id)}/submit`)
