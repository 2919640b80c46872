// 确认书打印: the unit's certificates; a print answers with a presigned link to the PDF.
import { get, post, qs } from './http'
import type { CertificateRow, CursorPage, PrintResult } from './types'

export const list = (cursor: string | undefined, page_size: number) =>
  get<CursorPage<CertificateRow>>(`/api/certificates${qs({ cursor, page_size })}`)
export const print = (number: string) => post<PrintResult>(`/api/certificates/${encodeURIComponent(number)}/print`)
