// 确认书打印: the unit's certificates; a print answers with a presigned link to the PDF.
import { get, post, put, qs } from './http'
import type {
  Application,
  CertificateRow,
  CursorPage,
  PrintResult,
  ReturnRow,
  ReturnStatus,
  SignedCopyView,
  UploadTicket,
} from './types'

export const list = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<CertificateRow>>(`/api/certificates${qs({ cursor, page_size })}`)
export const print = (number: string) => post<PrintResult>(`/api/certificates/${encodeURIComponent(number)}/print`)
/** 一键续保: a renewal draft of the certificate (last year's list copied in the background, like
 *  an import). One key per intent: a double click or a retry after a lost answer makes one draft. */
export const renew = (number: string, intentKey?: string) =>
  post<Application>(`/api/certificates/${encodeURIComponent(number)}/renewal`, {}, intentKey)

const one = (number: string) => `/api/certificates/${encodeURIComponent(number)}`
const staffOne = (number: string) => `/api/staff/certificates/${encodeURIComponent(number)}`

/** 确认书回传: the signed, stamped scan (PDF ≤ 10 MB) goes straight to storage, then is submitted. */
export const scanTicket = (number: string, size: number) =>
  post<UploadTicket>(`${one(number)}/signed-copy-uploads`, { content_type: 'application/pdf', size })
export const submitScan = (number: string, upload_id: string) => put<SignedCopyView>(`${one(number)}/signed-copy`, { upload_id })
export const scanLink = (number: string) => get<{ url: string }>(`${one(number)}/signed-copy`)

/** The agency's 确认书回传 list in one 回传状态. */
export const returns = (status: ReturnStatus, cursor: string | undefined, page_size: number) =>
  get<CursorPage<ReturnRow>>(`/api/staff/certificates${qs({ return_status: status, cursor, page_size })}`)
export const staffScanLink = (number: string) => get<{ url: string }>(`${staffOne(number)}/signed-copy`)
export const archiveScan = (number: string, uploaded_at: string) =>
  post<ReturnRow>(`${staffOne(number)}/signed-copy/archive`, { uploaded_at })
export const refuseScan = (number: string, uploaded_at: string, reason: string) =>
  post<ReturnRow>(`${staffOne(number)}/signed-copy/refuse`, { uploaded_at, reason })
