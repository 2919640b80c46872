// 导出 (staff): spreadsheets built in the background; the page polls one until it can offer it.
import { get, post } from './http'
import type { ExportRequest, ExportView } from './types'

export const request = (body: ExportRequest) => post<ExportView>('/api/staff/exports', body)
export const status = (id: string) => get<ExportView>(`/api/staff/exports/${encodeURIComponent(id)}`)
