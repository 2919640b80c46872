// 首页统计 (staff): the figures of an agency and each agency below it, this year against last.
import { get, qs } from './http'
import type { Dashboard } from './types'

export const dashboard = (agency?: string, year?: number) =>
  get<Dashboard>(`/api/staff/dashboard${qs({ agency, year })}`)
