// 参保记录查询 (review / finance staff): one person's coverages by the whole ID number.
// The server records every lookup (who, when, the number masked) and answers it masked.
import { get, qs } from './http'
import type { CoverageLookup } from './types'

export const lookup = (id_number: string) => get<CoverageLookup>(`/api/staff/coverage${qs({ id_number })}`)
