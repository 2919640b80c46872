// 参保录入 (the unit's wizard) and 人员清单 (member import): served today.
import { del, get, post, put, qs } from './http'
import type {
  Attention,
  ImportProgress,
  Application,
  ApplicationDetail,
  ApplicationSummary,
  AttachmentKind,
  AttachmentView,
  DownloadLink,
  CursorPage,
  ImportBatch,
  MemberEdit,
  MemberQuery,
  MemberView,
  OccupationClass,
  RenewalDiff,
  SelfCheck,
  TrailEntry,
  UnnamedEntry,
  UploadTicket,
} from './types'

const base = (id: string) => `/api/applications/${id}`

/** The unit's applications, newest first; `invoice`: only those past 终审 (开票录入). */
export const list = (cursor: string | undefined, page_size: number, stage?: 'invoice') =>
  get<CursorPage<ApplicationSummary>>(`/api/applications${qs({ cursor, page_size, stage })}`)
export const create = (activity_code: string, sub_category_code: string, shares: number, intentKey?: string) =>
  post<Application>('/api/applications', { activity_code, sub_category_code, shares }, intentKey)
export const detail = (id: string) => get<ApplicationDetail>(base(id))
export const edit = (id: string, body: { employees: number | null; female_employees: number | null; remarks: string }) =>
  put<ApplicationDetail>(base(id), body)
export const submit = (id: string) => post<ApplicationSummary>(`${base(id)}/submit`)
export const trail = (id: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<TrailEntry>>(`${base(id)}/trail${qs({ cursor, page_size })}`)
export const selfCheck = (id: string, cursor?: string) => get<SelfCheck>(`${base(id)}/self-check${qs({ cursor })}`)

export const attachments = (id: string) => get<AttachmentView[]>(`${base(id)}/attachments`)
export const attachmentTicket = (id: string, kind: AttachmentKind, file_name: string, content_type: string, size: number) =>
  post<UploadTicket>(`${base(id)}/attachment-uploads`, { kind, file_name, content_type, size })
/** The staged upload is the intent: attaching it again (a double click, a retry) attaches once. */
export const attach = (id: string, kind: AttachmentKind, file_name: string, upload_id: string) =>
  post<AttachmentView>(`${base(id)}/attachments`, { kind, file_name, upload_id }, `attach-${upload_id}`)
export const attachmentLink = (id: string, attachmentId: string) =>
  get<{ url: string; file_name: string }>(`${base(id)}/attachments/${attachmentId}`)
export const removeAttachment = (id: string, attachmentId: string) => del(`${base(id)}/attachments/${attachmentId}`)

export const importTicket = (id: string, size: number) => post<UploadTicket>(`${base(id)}/import-uploads`, { size })
/** The staged file is the intent: importing it again (a double click, a retry) imports once. */
export const runImport = (id: string, upload_id: string, file_name: string) =>
  post<ImportProgress>(`${base(id)}/imports`, { upload_id, file_name }, `import-${upload_id}`)
/** The latest import of the application: 处理中 with its progress, then 完成 or 失败. */
export const importProgress = (id: string) => get<ImportProgress | undefined>(`${base(id)}/imports/current`)
export const batches = (id: string, cursor: string | undefined, page_size: number) =>
  get<CursorPage<ImportBatch>>(`${base(id)}/imports${qs({ cursor, page_size })}`)
export const failedRows = (id: string, batchNo: number) => get<DownloadLink>(`${base(id)}/imports/${batchNo}/failed-rows`)
export const members = (id: string, query: MemberQuery) =>
  get<CursorPage<MemberView>>(`${base(id)}/members${qs({ ...query, expiring: query.expiring || undefined })}`)
export const membersExportUrl = (id: string) => `${base(id)}/members/export`
export const editMember = (
  id: string,
  memberId: string,
  body: MemberEdit,
) => put<MemberView>(`${base(id)}/members/${memberId}`, body)
export const removeMember = (id: string, memberId: string) => del(`${base(id)}/members/${memberId}`)
/** 续保对比: this renewal's list against the renewed certificate's (404 NOT_A_RENEWAL otherwise). */
export const renewalDiff = (id: string) => get<RenewalDiff>(`${base(id)}/renewal`)

export const unnamed = (id: string) => get<UnnamedEntry[]>(`${base(id)}/unnamed`)
export const addUnnamed = (id: string, count: number, occupation: OccupationClass, intentKey?: string) =>
  post<UnnamedEntry>(`${base(id)}/unnamed`, { count, occupation }, intentKey)
export const removeUnnamed = (id: string, entryId: string) => del(`${base(id)}/unnamed/${entryId}`)

/** The unit's menu badges: drafts returned by a reviewer, not yet submitted again. */
export const attention = () => get<Attention>('/api/unit/attention')
