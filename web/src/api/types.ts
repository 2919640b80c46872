// Types of the API's JSON, written from functions/reference/openapi.json (served at
// /api/openapi.json).

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
  revision: number
}

/** What an admin saves: an activity without its revision counter, plus the revision edited. */
export type ActivityForm = Activity

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
  /** A change of contact waiting for a second reviewer (masked). */
  pending_contact?: PendingContactSummary | null
}

export interface PendingContactSummary {
  contact_name: string
  contact_mobile: string
  requested_by: string
  requested_at: string
}

export interface PendingContact {
  contact: Contact
  requested_by: string
  requested_at: string
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
  pending_contact?: PendingContact | null
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
  /** 本人手机号, masked; empty for the seeded first admin */
  mobile: string
  agency_code: string
  agency_name: string
  permissions: Permission[]
  disabled: boolean
  created_at: string
}

export interface NewStaff {
  login: string
  display_name: string
  /** 本人手机号: the initial password goes there by SMS */
  mobile: string
  agency_code: string
  permissions: Permission[]
}

export interface StaffCreated {
  login: string
  /** where the initial password was sent, masked */
  mobile: string
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
  /** 退回原因 of the last return, until the unit submits again. */
  returned_reason?: string | null
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
  age: number
  occupation: OccupationClass
  mobile?: string | null
  remark: string
  batch_no: number
  row: number
  covered_until?: string | null
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

/** One page of a server-paged list (Page<T>); total is the pager's "共 N 条". */
export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

// ---- review, invoice, payment, certificates ----------------------------------------------

/** One row of a review queue (ReviewRow). */
export interface ReviewRow {
  id: string
  number: string
  unit_id: string
  unit_name: string
  agency_name: string
  activity_name: string
  shares: number
  insured_count: number
  fee_fen: number
  due_fen: number
  status: ApplicationStatus
  status_label: string
  submitted_at?: string | null
}

/** 总保费, 补贴金额, 赠险金额, 应交保费 (fen). */
export interface FeeSummary {
  activity_name: string
  total_fen: number
  subsidy_fen: number
  gift_fen: number
  due_fen: number
}

/** An attachment with a short-lived download link (staff side). */
export interface StaffAttachment extends AttachmentView {
  url: string
  expires_in: number
}

/** Who decided each level since the last submission (display names or logins). */
export interface Reviewers {
  l1?: string | null
  l2?: string | null
  l3?: string | null
}

/** What a reviewer reads before deciding. */
export interface StaffApplicationView {
  application: ApplicationDetail
  unit_id: string
  fees: FeeSummary
  self_check: SelfCheck
  attachments: StaffAttachment[]
  trail: TrailEntry[]
  reviewers: Reviewers
}

export interface ReviewDecision {
  id: string
  level: number
  status: ApplicationStatus
  status_label: string
  due_fen: number
}

/** 会费来源: the API takes the code or the label and answers with the code + label. */
export type FeeSource = 'union_funds' | 'administrative_funds' | 'member_paid'

export interface InvoiceItem {
  activity_code: string
  activity_name: string
  occupation: OccupationClass
  occupation_label: string
  count: number
  unit_price_fen: number
  amount_fen: number
}

export interface InvoiceEntry {
  entry_id: string
  batch_no: string
  source: FeeSource
  source_label: string
  title: string
  tax_id: string
  payer_email: string
  items: InvoiceItem[]
  amount_fen: number
  created_at: string
  updated_at: string
}

/** 剩余开票金额 of one activity. */
export interface InvoiceActivity {
  seq: number
  activity_code: string
  activity_name: string
  fee_per_share_fen: number
  shares: number
  insured_count: number
  high_risk_count: number
  remaining_fen: number
}

export interface InvoiceView {
  application_id: string
  number: string
  status: ApplicationStatus
  status_label: string
  fees: FeeSummary
  activities: InvoiceActivity[]
  entries: InvoiceEntry[]
  invoiced_fen: number
  remaining_fen: number
  submitted: boolean
  invoiced_at?: string | null
}

export interface InvoiceItemForm {
  activity_code: string
  occupation: OccupationClass
  count: number
  unit_price_fen: number
  amount_fen: number
}

export interface InvoiceEntryForm {
  source: FeeSource | ''
  title: string
  tax_id: string
  payer_email: string
  items: InvoiceItemForm[]
}

/** One application waiting for its money (待到账). */
export interface PaymentQueueItem {
  application_id: string
  application_number: string
  unit_name: string
  agency_code: string
  activity_name: string
  insured_count: number
  fee_fen: number
  subsidy_fen: number
  gift_fen: number
  due_fen: number
  invoiced_at?: string | null
  /** set when 应交保费 is 0.00 元: why, as 终审 recorded it */
  zero_due_reason?: string | null
}

export interface PaymentForm {
  received_on: string
  amount_fen: number
  reference: string
}

export interface PaymentConfirmed {
  application_id: string
  certificate_number: string
  status: ApplicationStatus
  received_on: string
  amount_fen: number
  reference: string
  insured_count: number
  coverage_recorded: boolean
  effective_date: string
  end_date: string
  policy_date: string
}

export type PrintStatus = 'not_printed' | 'printed'

/** One row of 确认书打印. */
export interface CertificateRow {
  number: string
  application_id: string
  activity_name: string
  insured_count: number
  fee_fen: number
  paid_fen: number
  print_status: PrintStatus
  print_status_label: string
  print_count: number
  effective_date: string
  end_date: string
  policy_date: string
}

export interface PrintResult {
  number: string
  print_count: number
  status: PrintStatus
  status_label: string
  url: string
}
