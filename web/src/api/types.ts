// Types of the API's JSON, written from functions/reference/openapi.json (served at
// /api/openapi.json). Review / invoice / payment / certificate shapes follow the issue-4
// contract and may be adjusted when those endpoints land.

export type Role = 'unit' | 'staff'
export type Permission = 'registration_review' | 'review_l1' | 'review_l2' | 'review_l3' | 'finance' | 'admin'

export interface Me {
  login: string
  role: Role
  display_name: string
  agency_code: string
  agency_name: string
  permissions: Permission[]
  must_change_password: boolean
  unit_id?: string | null
}

export interface TreeNode {
  code: string
  name: string
  selectable?: boolean
  phone?: string | null
  email?: string | null
  children: TreeNode[]
}

export interface Office {
  code: string
  name: string
  served: boolean
}

export interface AddressBookEntry {
  agency_code: string
  name: string
  phone: string | null
  email: string | null
}

export interface SubCategory {
  code: string
  name: string
}

export interface Activity {
  code: string
  kind: string
  name: string
  fee_per_share_fen: number
  max_shares: number
  sub_categories: SubCategory[]
  min_age: number
  max_age_male: number
  max_age_female: number
  term_months: number
  active: boolean
}

export interface UploadTicket {
  upload_id: string
  url: string
  method: string
  content_type: string
  max_bytes: number
  expires_in: number
}

export interface RegistrationForm {
  office_code: string
  agency_code: string
  unit_name: string
  unit_nature: string
  certificate_type: string
  certificate_valid_until: string
  unit_code: string
  union_name: string
  union_credit_code: string
  region_code: string
  address: string
  contact_name: string
  contact_position: string
  office_phone_area: string
  office_phone_number: string
  mobile: string
  email: string
  unit_license_upload: string
  union_certificate_upload: string
  sms_code: string
}

export type RegistrationStatus = 'pending' | 'approved' | 'rejected'

export interface RegistrationSummary {
  id: string
  status: RegistrationStatus
  unit_name: string
  unit_code: string
  agency_name: string
  contact_name: string
  contact_mobile: string
  submitted_at: string
}

export interface RegistrationPage {
  items: RegistrationSummary[]
  next_cursor?: string | null
}

export interface TrailEntry {
  at: string
  actor: string
  role: string
  action: string
  summary: string
}

export interface Contact {
  name: string
  position: string
  office_phone: string
  mobile: string
  email: string
}

export interface ContactForm {
  contact_name: string
  contact_position: string
  office_phone_area: string
  office_phone_number: string
  mobile: string
  email: string
}

export interface RegistrationDetail {
  id: string
  status: RegistrationStatus
  office_code: string
  agency_code: string
  agency_name: string
  unit_name: string
  unit_nature: string
  certificate_type: string
  certificate_valid_until?: string | null
  unit_code: string
  union_name: string
  union_credit_code: string
  region_code: string
  region_name: string
  address: string
  contact: Contact
  submitted_at: string
  account?: string | null
  decided_at?: string | null
  decided_by?: string | null
  reject_reason?: string | null
  unit_license_url: string
  union_certificate_url: string
  trail: TrailEntry[]
}

export interface Decision {
  id: string
  status: RegistrationStatus
  account?: string | null
}

export interface StaffView {
  login: string
  display_name: string
  agency_code: string
  agency_name: string
  permissions: Permission[]
  created_at: string
}

export interface NewStaff {
  login: string
  display_name: string
  agency_code: string
  permissions: Permission[]
}

export interface StaffCreated {
  login: string
  initial_password: string
}

export type ApplicationStatus = 'draft' | 'submitted' | 'l1_approved' | 'l2_approved' | 'approved' | 'invoiced' | 'paid'

export interface ApplicationSummary {
  id: string
  number: string
  activity_name: string
  shares: number
  status: ApplicationStatus
  status_label: string
  insured_count: number
  fee_fen: number
  created_at: string
  submitted_at?: string | null
}

export interface Application {
  id: string
  number: string
  unit_id: string
  unit_name: string
  status: ApplicationStatus
  activity_code: string
  activity_name: string
  sub_category_code: string
  sub_category_name: string
  shares: number
  remarks: string
  named_count: number
  unnamed_count: number
  created_at: string
}

export interface BaseInfo {
  agency_name: string
  unit_name: string
  unit_nature: string
  union_name: string
  region_name: string
  address: string
  contact_name: string
  office_phone: string
  mobile: string
  employees?: number | null
  female_employees?: number | null
  applied_on: string
}

export interface ActivityRow {
  seq: number
  activity_kind: string
  activity_name: string
  sub_category_name: string
  fee_per_share_fen: number
  shares: number
  insured_count: number
  insured_rate?: string | null
  high_risk_count: number
  expiring_count: number
  fee_fen: number
}

export interface ApplicationDetail {
  id: string
  number: string
  status: ApplicationStatus
  status_label: string
  activity_code: string
  sub_category_code: string
  base: BaseInfo
  activities: ActivityRow[]
  named_count: number
  unnamed_count: number
  remarks: string
  created_at: string
  submitted_at?: string | null
}

export interface ImportBatch {
  batch_no: number
  file_name: string
  total: number
  success: number
  failed: number
  expiring: number
  imported_at: string
}

export type OccupationClass = 'general' | 'high_risk'

export interface MemberView {
  member_id: string
  name: string
  id_type: string
  id_number: string
  gender: string
  birth_date: string
  age: number
  occupation: OccupationClass
  mobile?: string | null
  remark: string
  batch_no: number
  row: number
  covered_until?: string | null
}

export interface MemberPage {
  items: MemberView[]
  total: number
}

export interface UnnamedEntry {
  entry_id: string
  count: number
  occupation: OccupationClass
  created_at: string
}

export interface DownloadLink {
  url: string
  file_name: string
}

export type AttachmentKind = 'overage_proof' | 'other'

export interface AttachmentView {
  attachment_id: string
  kind: AttachmentKind
  kind_label: string
  file_name: string
  file_type: string
  size: number
  created_at: string
}

export interface SelfCheckFinding {
  seq: number
  number: string
  activity_name: string
  rule_code: 'over_age' | 'under_age'
  rule: string
  member_id: string
  member_name: string
  id_number: string
  gender: string
  age: number
  age_limit: number
  checked_on: string
  status: string
}

export interface SelfCheck {
  findings: SelfCheckFinding[]
  over_age_count: number
  under_age_count: number
  high_risk_count: number
  overage_proof_uploaded: boolean
  effective_date: string
  checked_on: string
}

export interface Page<T> {
  items: T[]
  total: number
}

// ---- issue 4 (review, invoice, payment, certificates): contract shapes, not yet served ----

/** One row of a review queue or the payment list. */
export interface ApplicationQueueItem {
  id: string
  number: string
  unit_name: string
  agency_name?: string
  activity_name: string
  insured_count: number
  fee_fen: number
  due_fen?: number
  status: ApplicationStatus
  status_label: string
  submitted_at?: string | null
  invoiced_at?: string | null
}

/** The full view a reviewer sees. */
export interface StaffApplicationView extends ApplicationDetail {
  unit_name?: string
  subsidy_fen?: number
  gift_fen?: number
  total_fen?: number
  due_fen?: number
  self_check?: SelfCheck
  attachments?: AttachmentView[]
  trail?: TrailEntry[]
}

export type FeeSource = '工会经费' | '行政经费' | '会员自付'

export interface InvoiceItem {
  activity_code: string
  occupation: string
  count: number
  unit_price_fen: number
  amount_fen: number
}

export interface InvoiceEntry {
  entry_id: string
  batch_no: string
  source: FeeSource
  title: string
  tax_id: string
  payer_email: string
  items: InvoiceItem[]
  total_fen: number
}

export interface InvoiceRemaining {
  activity_code: string
  activity_name: string
  occupation?: string
  fee_per_share_fen: number
  shares?: number
  count: number
  remaining_fen: number
}

export interface InvoiceView {
  application_id?: string
  total_fen: number
  subsidy_fen: number
  gift_fen: number
  due_fen: number
  remaining: InvoiceRemaining[]
  entries: InvoiceEntry[]
  submitted: boolean
}

export interface NewInvoiceEntry {
  source: FeeSource | ''
  title: string
  tax_id: string
  payer_email: string
  items: InvoiceItem[]
}

export interface CertificateRow {
  number: string
  application_id?: string
  activity_name: string
  print_status: string
  effective_date: string
  policy_date: string
  fee_fen: number
  print_count: number
}

export interface PrintResult {
  number: string
  print_count: number
  status: string
  url: string
}
