// 到账确认 (finance): invoiced applications; confirming issues the certificate.
import { get, post, put, qs } from './http'
import type {
  CursorPage,
  EInvoiceFile,
  EInvoiceRow,
  EInvoiceStatus,
  EInvoiceTicket,
  InvoiceEntry,
  LineState,
  LineView,
  PaymentConfirmed,
  PaymentForm,
  PaymentQueueItem,
  StatementView,
  UploadTicket,
} from './types'

export const list = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<PaymentQueueItem>>(`/api/staff/payments${qs({ cursor, page_size })}`)
export const confirm = (id: string, body: PaymentForm) =>
  post<PaymentConfirmed>(`/api/staff/applications/${id}/payment`, body)
/** The application's invoice entries (批次号, 抬头, 税号, amount), to match the transfer against. */
export const entries = (id: string) => get<InvoiceEntry[]>(`/api/staff/applications/${id}/invoice-entries`)

// 电子发票 (finance, after 到账确认): each entry's PDF, filed by 批次号 and mailed to 交款人邮箱.
export const eInvoices = (status: EInvoiceStatus, cursor: string | undefined, page_size: number) =>
  get<CursorPage<EInvoiceRow>>(`/api/staff/e-invoices${qs({ status, cursor, page_size })}`)
/** Step 1 for one file or many: each file's 批次号 and entry with a presigned PUT, or why not. */
export const eInvoiceTickets = (files: EInvoiceFile[]) =>
  post<{ files: EInvoiceTicket[] }>('/api/staff/e-invoice-uploads', { files })
/** Step 2: file the uploaded PDF with its entry (a correction names the version it replaces). */
export const fileEInvoice = (batchNo: string, upload_id: string, replaces_version: number | null) =>
  put<EInvoiceRow>(`/api/staff/e-invoices/${batchNo}`, { upload_id, replaces_version })
export const resendEInvoice = (batchNo: string, version: number, mails: number) =>
  post<EInvoiceRow>(`/api/staff/e-invoices/${batchNo}/resend`, { version, mails })
export const eInvoiceLink = (batchNo: string) => get<{ url: string }>(`/api/staff/e-invoices/${batchNo}/file`)

// 银行对账 (finance): the bank's statement, each credit line proposed the application it pays.
/** Step 1: where to PUT the statement file. */
export const statementTicket = (content_type: string, size: number) =>
  post<UploadTicket>('/api/staff/bank-statement-uploads', { content_type, size })
/** Step 2: read and match the uploaded statement. */
export const importStatement = (upload_id: string, file_name: string) =>
  post<StatementView>('/api/staff/bank-statements', { upload_id, file_name })
export const statements = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<StatementView>>(`/api/staff/bank-statements${qs({ cursor, page_size })}`)
export const statementLines = (id: string, state: LineState, cursor: string | undefined, page_size: number) =>
  get<CursorPage<LineView>>(`/api/staff/bank-statements/${id}/lines${qs({ state, cursor, page_size })}`)
/** 确认到账 of a proposed line: the same 到账确认, with the line's date, amount and bank number. */
export const confirmLine = (id: string, line: number) =>
  post<PaymentConfirmed>(`/api/staff/bank-statements/${id}/lines/${line}/confirm`, {})
