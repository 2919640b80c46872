// 确认书打印 (issue 4 contract; endpoints land with the certificate branch).
import { get, post } from './http'
import type { CertificateRow, Page, PrintResult } from './types'

/** Accepts either a bare array or a `{ items, total }` page. */
export async function list(): Promise<Page<CertificateRow>> {
  const r = await get<CertificateRow[] | Page<CertificateRow>>('/api/certificates')
  return Array.isArray(r) ? { items: r, total: r.length } : r
}
export const print = (number: string) => post<PrintResult>(`/api/certificates/${number}/print`)
