// Types of the API's JSON, taken from the contract: schema.d.ts is openapi-typescript's reading
// of functions/reference/openapi.json (`npm run api-types` writes it, `make test` checks it is
// current), so a field the API renames or drops fails the type check here.
import type { components } from './schema'

type Schemas = components['schemas']

export type Role = Schemas['Role']
export type Permission = Schemas['Permission']
export type Me = Schemas['Me']
export type Office = Schemas['Office']
export type AddressBookEntry = Schemas['AddressBookEntry']
export type SubCategory = Schemas['SubCategory']
export type Activity = Schemas['Activity']
export type ActivityForm = Schemas['ActivityForm']
export type UploadTicket = Schemas['UploadTicket']
export type ReturnStatus = Schemas['ReturnStatus']
export type SignedCopyView = Schemas['SignedCopyView']
export type ReturnRow = Schemas['ReturnRow']
export type Attention = Schemas['Attention']
export type EInvoiceStatus = Schemas['EInvoiceStatus']
export type EInvoiceRow = Schemas['EInvoiceRow']
export type EInvoiceTicket = Schemas['EInvoiceTicket']
export type EInvoiceFile = Schemas['EInvoiceFile']
export type RegistrationForm = Schemas['RegistrationForm']
export type RegistrationStatus = Schemas['RegistrationStatus']
export type RegistrationSummary = Schemas['RegistrationSummary']
export type PendingContactSummary = Schemas['PendingContactSummary']
export type PendingContact = Schemas['PendingContact']
export type TrailEntry = Schemas['TrailEntry']
export type Contact = Schemas['Contact']
export type ContactForm = Schemas['ContactForm']
export type UnitDetailsForm = Schemas['UnitDetailsForm']
export type Submitted = Schemas['Submitted']
export type PaymentAccount = Schemas['PaymentAccount']
export type PaymentAccountForm = Schemas['PaymentAccountForm']
export type UnitProfile = Schemas['UnitProfile']
export type DetailsChangeRow = Schemas['DetailsChangeRow']
export type RegistrationDetail = Schemas['RegistrationDetail']
export type Decision = Schemas['Decision']
export type StaffView = Schemas['StaffView']
export type NewStaff = Schemas['NewStaff']
export type StaffCreated = Schemas['StaffCreated']
export type ApplicationStatus = Schemas['ApplicationStatus']
export type ApplicationSummary = Schemas['ApplicationSummary']
export type Application = Schemas['Application']
export type BaseInfo = Schemas['BaseInfo']
export type ActivityRow = Schemas['ActivityRow']
export type ApplicationDetail = Schemas['ApplicationDetail']
export type ImportBatch = Schemas['ImportBatch']
export type ImportProgress = Schemas['ImportProgress']
export type JobState = Schemas['JobState']
export type OccupationClass = Schemas['OccupationClass']
export type MemberView = Schemas['MemberView']
/** 人员修改: absent fields stay as they are. */
export type MemberEdit = Partial<Schemas['MemberEdit']>
export type UnnamedEntry = Schemas['UnnamedEntry']
export type DownloadLink = Schemas['DownloadLink']
export type AttachmentKind = Schemas['AttachmentKind']
export type AttachmentView = Schemas['AttachmentView']
export type SelfCheckFinding = Schemas['SelfCheckFinding']
export type SelfCheck = Schemas['SelfCheck']
export type ReviewRow = Schemas['ReviewRow']
export type FeeSummary = Schemas['FeeSummary']
export type StaffAttachment = Schemas['StaffAttachment']
export type Reviewers = Schemas['Reviewers']
export type StaffApplicationView = Schemas['StaffApplicationView']
export type ReviewDecision = Schemas['ReviewDecision']
export type FeeSource = Schemas['FeeSource']
export type InvoiceItem = Schemas['InvoiceItem']
export type InvoiceEntry = Schemas['InvoiceEntry']
export type InvoiceActivity = Schemas['InvoiceActivity']
export type InvoiceView = Schemas['InvoiceView']
export type InvoiceItemForm = Schemas['InvoiceItemForm']
export type InvoiceEntryForm = Schemas['InvoiceEntryForm']
export type PaymentQueueItem = Schemas['PaymentQueueItem']
export type PaymentForm = Schemas['PaymentForm']
export type PaymentConfirmed = Schemas['PaymentConfirmed']
export type StatementView = Schemas['StatementView']
export type LineView = Schemas['LineView']
export type LineState = Schemas['LineState']
export type PrintStatus = Schemas['PrintStatus']

/** A node of either tree picker (所属机构, 省-市-区/县): what the picker reads of both. */
export interface TreeNode {
  code: string
  name: string
  selectable?: boolean
  children: TreeNode[]
}
export type AgencyTreeNode = Schemas['AgencyTreeNode']
export type RegionTreeNode = Schemas['RegionTreeNode']

/** One page of a list read a page at a time (CursorPage<T>): 上一页/下一页 with `next`. */
export type CursorPage<T> = Omit<Schemas['CursorPage_MemberView'], 'items'> & { items: T[] }
/** Which members a list asks for: a page after `cursor`, 未到期 only, or a search. */
export interface MemberQuery {
  cursor?: string
  page_size?: number
  expiring?: boolean
  q?: string
}

/** One row of 确认书打印. */
export type CertificateRow = Schemas['CertificateView']
export type PrintResult = Schemas['PrintedCertificate']
/** 续保 column of a certificate row: its window today, and the renewal once made. */
export type CertificateRenewal = Schemas['CertificateRenewal']
export type RenewalWindow = Schemas['RenewalWindow']
/** The certificate a renewal continues (ApplicationDetail.renews). */
export type RenewalOf = Schemas['RenewalOf']
/** 续保对比 of a renewal's list against last year's. */
export type RenewalDiff = Schemas['RenewalDiff']
/** 参保记录查询: one person's coverages by ID number (number and names masked). */
export type CoverageLookup = Schemas['CoverageLookup']
export type CoverageRow = Schemas['CoverageRow']
export type Dashboard = Schemas['Dashboard']
export type Tally = Schemas['Tally']
export type Fees = Schemas['Fees']
export type SearchRow = Schemas['SearchRow']
export type NotRenewedRow = Schemas['NotRenewedRow']
export type UnitFile = Schemas['UnitFile']
export type UnitCertificateRow = Schemas['UnitCertificateRow']
/** 导出: one export of the caller's (its download link once 完成). */
export type ExportView = Schemas['ExportView']
export type ExportRequest = Schemas['ExportRequest']
