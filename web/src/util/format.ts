/** Integer fen → yuan with two decimals ("80.00"). */
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || Number.isNaN(fen)) return '—'
  const neg = fen < 0
  const abs = Math.abs(Math.trunc(fen))
  const s = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
  return neg ? `-${s}` : s
}

/** A yuan amount typed by a person ("80", "80.5") → integer fen, or null if not a number. */
export function toFen(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null
  const s = String(value).trim()
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null
  const [int, frac = ''] = s.split('.')
  return Number(int) * 100 + Number(frac.padEnd(2, '0'))
}

/** RFC 3339 (UTC) → "2025-02-18 10:49:08" in Beijing time; other strings pass through. */
export function dateTime(value: string | null | undefined): string {
  if (!value) return ''
  if (!/T/.test(value)) return value
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const bj = new Date(d.getTime() + 8 * 3600 * 1000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${bj.getUTCFullYear()}-${p(bj.getUTCMonth() + 1)}-${p(bj.getUTCDate())} ${p(bj.getUTCHours())}:${p(bj.getUTCMinutes())}:${p(bj.getUTCSeconds())}`
}

/** Masks a mobile number for display (138****5678); already-masked values stay as they are. */
export function maskMobile(m: string | null | undefined): string {
  if (!m) return ''
  return /^\d{11}$/.test(m) ? `${m.slice(0, 3)}****${m.slice(7)}` : m
}

/** Masks a name for display (王*明, 李*). */
export function maskName(n: string | null | undefined): string {
  if (!n) return ''
  if (n.includes('*')) return n
  const c = [...n]
  if (c.length <= 1) return n
  if (c.length === 2) return `${c[0]}*`
  return `${c[0]}${'*'.repeat(c.length - 2)}${c[c.length - 1]}`
}

export const OCCUPATION_LABEL: Record<string, string> = { general: '一般职业', high_risk: '高危职业' }

export const PERMISSION_LABEL: Record<string, string> = {
  registration_review: '注册审核',
  review_l1: '初审',
  review_l2: '复审',
  review_l3: '终审',
  finance: '财务到账确认',
  admin: '系统管理',
}

export const LEVEL_LABEL: Record<number, string> = { 1: '初审', 2: '复审', 3: '终审' }

export function fileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} B`
}

/** Table column for row numbers on server-paged tables. */
export function seq(page: number, size: number, index: number): number {
  return (page - 1) * size + index + 1
}

/** 是/否 for a yes-no answer; 未填写 where it was never asked (records from before the question). */
export function yesNo(value: boolean | null | undefined): string {
  if (value === true) return '是'
  if (value === false) return '否'
  return '未填写'
}

/** An application's states in workflow order, each with the label the screens show. */
export const APPLICATION_STATES: [string, string][] = [
  ['draft', '草稿'],
  ['submitted', '待初审'],
  ['l1_approved', '待复审'],
  ['l2_approved', '待终审'],
  ['approved', '待开票'],
  ['invoiced', '待到账'],
  ['paid', '已出确认书'],
]
