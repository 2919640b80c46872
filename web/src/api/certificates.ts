// 确认书打印: the unit's certificates; a print answers with a presigned link to the PDF.
import { get, post } from './http'
import type { CertificateRow, PrintResult } from './types'

export const list = () => get<CertificateRow[]>('/api/certificates')
export const print = (number: string) => post<PrintResult>(`/api/certificates/${encodeURIComponent(number)}/print`)
