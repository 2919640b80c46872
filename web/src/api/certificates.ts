// 确认书打印: the unit's certificates; a print answers with a presigned link to the PDF.
import { get, post, qs } from './http'
import type { Application, CertificateRow, CursorPage, PrintResult } from './types'

export const list = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<CertificateRow>>(`/api/certificates${qs({ cursor, page_size })}`)
export const print = (number: string) => post<PrintResult>(`/api/certificates/${encodeURIComponent(number)}/print`)
/** 一键续保: a renewal draft of the certificate (last year's list copied in the background, like
 *  an import). One key per intent: a double click or a retry after a lost answer makes one draft. */
export const renew = (number: string, intentKey?: string) =>
  post<Application>(`/api/certificates/${encodeURIComponent(number)}/renewal`, {}, intentKey)
