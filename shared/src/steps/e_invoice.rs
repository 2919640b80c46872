//! 电子发票: after 到账确认 finance uploads each invoice entry's electronic invoice (PDF), one
//! by one or many at once (each file named by its 批次号); the system mails it to the entry's
//! 交款人邮箱 through the outbox (once per file, plus each deliberate 重新发送), and the unit
//! downloads it on its 开票录入 page. Each change is one conditional write naming the state it
//! was made on, so two clicks or two staff never file or send twice.
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Email, Fen};
use crate::platform::cursor::{CursorPage, IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db::{self, OnCancel, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::mail::{self, Attachment, MailText};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads::{self, FileKind, UploadTicket};
use crate::records::account::{Permission, Role};
use crate::records::application::{self, ApplicationStatus, app_pk};
use crate::records::invoice_entry::{self, EInvoice, EInvoiceStatus, InvoiceEntry, entry_key};
use crate::records::session::{StaffUser, UnitUser};
use crate::records::trail;
use crate::reference;

/// Who files and sends invoices: finance, within its jurisdiction.
pub const DUTY: Permission = Permission::Finance;
pub const MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Files in one 批量上传.
pub const MAX_FILES: usize = 200;
const PDF: &str = "application/pdf";
const LINK_SECONDS: u64 = 600;

/// The 批次号 a file name carries: "S" and 18 digits (S + yyyymmdd + a 10-digit sequence),
/// anywhere in the name, so "S202411141000014460.pdf" and "发票_S202411141000014460(1).pdf"
/// both name their entry.
pub fn batch_in_file_name(file_name: &str) -> Option<String> {
    let chars: Vec<char> = file_name.chars().collect();
    (0..chars.len()).find_map(|start| {
        let digits = chars.get(start + 1..start + 19)?;
        // A longer run of digits is not a batch number.
        let is_batch = matches!(chars.get(start), Some('S' | 's'))
            && digits.iter().all(char::is_ascii_digit)
            && !chars.get(start + 19).is_some_and(char::is_ascii_digit);
        is_batch.then(|| format!("S{}", digits.iter().collect::<String>()))
    })
}

fn upload_area(batch_no: &str) -> String {
    format!("einvoice/{batch_no}")
}

/// One file finance wants to upload.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct EInvoiceFile {
    /// The file's name as chosen (its 批次号 is read from it unless `batch_no` is given)
    pub file_name: String,
    pub size: u64,
    pub content_type: String,
    /// The entry the file is for (single upload from a row); absent: read from `file_name`
    pub batch_no: Option<String>,
    /// Put this file in place of the invoice already sent for the entry (a correction)
    pub replace: bool,
}

/// Why one file of a 批量上传 cannot go.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileRefusal {
    pub code: &'static str,
    pub message: String,
}

/// The answer for one file: where to put it, or why not.
#[derive(Debug, Serialize, ToSchema)]
pub struct EInvoiceTicket {
    pub file_name: String,
    /// 批次号 read from the name (or given)
    pub batch_no: Option<String>,
    /// The entry it will be filed with
    pub entry: Option<EInvoiceRow>,
    pub ticket: Option<UploadTicket>,
    pub refusal: Option<FileRefusal>,
}

/// One row of finance's 电子发票 list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EInvoiceRow {
    /// 批次号
    pub batch_no: String,
    pub application_id: String,
    /// 申请书号
    pub application_number: String,
    pub unit_name: String,
    /// 所属机构 (full path)
    pub agency_name: String,
    /// 抬头
    pub title: String,
    pub tax_id: String,
    /// 开票金额, fen
    pub amount_fen: u64,
    /// 交款人邮箱, masked
    pub payer_email: String,
    pub status: EInvoiceStatus,
    /// 待上传 / 已发送
    pub status_label: String,
    pub e_invoice: Option<EInvoice>,
}

impl EInvoiceRow {
    fn of(app_id: &str, entry: &InvoiceEntry) -> Self {
        let paid = entry.paid_application.as_ref();
        let status = entry.e_invoice_status();
        Self {
            batch_no: entry.batch_no.clone(),
            application_id: app_id.to_owned(),
            application_number: paid.map(|p| p.application_number.clone()).unwrap_or_default(),
            unit_name: paid.map(|p| p.unit_name.clone()).unwrap_or_default(),
            agency_name: paid
                .and_then(|p| reference::full_name(&p.agency_code))
                .unwrap_or_default(),
            title: entry.title.clone(),
            tax_id: entry.tax_id.clone(),
            amount_fen: entry.amount_fen,
            payer_email: Email::parse(&entry.payer_email).map(|e| e.masked()).unwrap_or_default(),
            status,
            status_label: status.label().to_owned(),
            e_invoice: entry.e_invoice.clone(),
        }
    }
}

fn refusal(code: &'static str, message: impl Into<String>) -> FileRefusal {
    FileRefusal {
        code,
        message: message.into(),
    }
}

fn unknown_batch(batch_no: &str) -> ApiError {
    ApiError::not_found(
        "BATCH_NOT_FOUND",
        format!("未找到批次号{batch_no}的开票信息，或不在您的管辖范围内，请核对文件名"),
    )
}

/// The entry with this 批次号, in the staff member's jurisdiction and paid; its app id.
async fn paid_entry(state: &AppState, staff: &StaffUser, batch_no: &str) -> ApiResult<(String, InvoiceEntry)> {
    let batch_no = batch_no.trim();
    let (app_id, entry) = invoice_entry::find_by_batch(state, batch_no)
        .await?
        .ok_or_else(|| unknown_batch(batch_no))?;
    let app = application::load(state, &app_id)
        .await?
        .ok_or_else(|| unknown_batch(batch_no))?;
    staff
        .require_jurisdiction(&app.agency_code)
        .map_err(|_| unknown_batch(batch_no))?;
    if app.status != ApplicationStatus::Paid || entry.paid_application.is_none() {
        return Err(ApiError::conflict(
            "NOT_PAID",
            format!(
                "批次号{batch_no}所属申请书{}尚未确认到账（{}），到账确认后才能上传电子发票",
                app.number,
                app.status.label()
            ),
        ));
    }
    Ok((app_id, entry))
}

/// 上传 step 1, for one file or many: each file's 批次号, its entry and where to put it, or
/// why it cannot go (answered per file: the others still go).
pub async fn tickets(state: &AppState, staff: &StaffUser, files: &[EInvoiceFile]) -> ApiResult<Vec<EInvoiceTicket>> {
    staff.require(DUTY)?;
    if files.is_empty() {
        return Err(ApiError::refused("NO_FILES", "请选择要上传的电子发票PDF文件"));
    }
    if files.len() > MAX_FILES {
        return Err(ApiError::refused(
            "TOO_MANY_FILES",
            format!("一次最多上传{MAX_FILES}个文件（当前{}个），请分批上传", files.len()),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut answers = Vec::with_capacity(files.len());
    for file in files {
        let batch_no = match &file.batch_no {
            Some(given) if !given.trim().is_empty() => Some(given.trim().to_owned()),
            _ => batch_in_file_name(&file.file_name),
        };
        let mut answer = EInvoiceTicket {
            file_name: file.file_name.clone(),
            batch_no: batch_no.clone(),
            entry: None,
            ticket: None,
            refusal: None,
        };
        answer.refusal = match batch_no {
            None => Some(refusal(
                "BATCH_NO_MISSING",
                "文件名中没有批次号（如S202411141000014460.pdf），请按批次号命名文件",
            )),
            Some(batch_no) if !seen.insert(batch_no.clone()) => Some(refusal(
                "BATCH_NO_REPEATED",
                format!("批次号{batch_no}在本次选择的文件中出现了多次，每个批次号只能上传一个文件"),
            )),
            Some(batch_no) => match ticket_for(state, staff, file, &batch_no).await {
                Ok((row, ticket)) => {
                    answer.entry = Some(row);
                    answer.ticket = Some(ticket);
                    None
                }
                Err(e) if e.status.is_client_error() => Some(refusal(e.code, e.message)),
                Err(e) => return Err(e),
            },
        };
        answers.push(answer);
    }
    Ok(answers)
}

async fn ticket_for(
    state: &AppState,
    staff: &StaffUser,
    file: &EInvoiceFile,
    batch_no: &str,
) -> ApiResult<(EInvoiceRow, UploadTicket)> {
    if file.content_type.trim().to_ascii_lowercase() != PDF && !file.file_name.to_ascii_lowercase().ends_with(".pdf") {
        return Err(ApiError::refused("FILE_TYPE", "电子发票须为PDF文件"));
    }
    if file.size > MAX_BYTES {
        return Err(ApiError::refused(
            "FILE_TOO_LARGE",
            format!(
                "电子发票不能超过{}（当前{}）",
                uploads::human_size(MAX_BYTES),
                uploads::human_size(file.size)
            ),
        ));
    }
    let (app_id, entry) = paid_entry(state, staff, batch_no).await?;
    if entry.e_invoice.is_some() && !file.replace {
        return Err(ApiError::conflict(
            "E_INVOICE_EXISTS",
            format!("批次号{batch_no}的电子发票已上传并发送；如需更正，请在该行选择\"替换\""),
        ));
    }
    let ticket = uploads::ticket(state, &upload_area(batch_no), PDF, file.size).await?;
    Ok((EInvoiceRow::of(&app_id, &entry), ticket))
}

/// 上传 step 2: the checked PDF is filed with its entry and mailed to 交款人邮箱.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct FileEInvoice {
    pub upload_id: String,
    /// The version of the invoice this file replaces (a correction); absent for the first
    pub replaces_version: Option<u32>,
}

pub async fn file(state: &AppState, staff: &StaffUser, batch_no: &str, form: &FileEInvoice) -> ApiResult<EInvoiceRow> {
    staff.require(DUTY)?;
    let (app_id, entry) = paid_entry(state, staff, batch_no).await?;
    let batch_no = entry.batch_no.clone();
    let current = entry.e_invoice.as_ref().map(|e| e.version);
    if current != form.replaces_version {
        return Err(changed_meanwhile(&batch_no));
    }
    let inspected = uploads::inspect(
        state,
        &upload_area(&batch_no),
        form.upload_id.trim(),
        MAX_BYTES,
        &[FileKind::Pdf],
    )
    .await?
    .map_err(|refusal| ApiError::from_reason(&refusal))?;
    let version = current.unwrap_or(0) + 1;
    // A name of this request's own: a concurrent filing of the same upload that loses discards
    // only its copy, never the winner's.
    let key = format!("e-invoices/{app_id}/{batch_no}/{}.pdf", uuid::Uuid::new_v4());
    uploads::claim(
        state,
        &upload_area(&batch_no),
        form.upload_id.trim(),
        &inspected.version,
        &key,
    )
    .await?;
    let now = time::stamp(time::now());
    let filed = EInvoice {
        version,
        key: key.clone(),
        size: inspected.size,
        uploaded_at: now.clone(),
        uploaded_by: staff.login.clone(),
        mails: 1,
        last_mailed_at: now,
    };
    let summary = match form.replaces_version {
        None => format!("上传批次号{batch_no}的电子发票，发送至交款人邮箱"),
        Some(old) => format!("更正批次号{batch_no}的电子发票（第{old}版→第{version}版），重新发送至交款人邮箱"),
    };
    let (condition, seen) = match form.replaces_version {
        None => ("attribute_not_exists(#inv)", None),
        Some(v) => ("#inv.version = :seen", Some(v)),
    };
    let mut values = vec![
        (
            ":inv",
            AttributeValue::M(db::to_item(&filed).or_internal("encode e-invoice")?),
        ),
        (":queue", s(EInvoiceStatus::Sent.queue())),
    ];
    if let Some(v) = seen {
        values.push((":seen", db::n(v)));
    }
    let entry = InvoiceEntry {
        e_invoice: Some(filed),
        ..entry
    };
    let items = vec![
        db::update_if(
            &state.table,
            entry_key(&app_id, &entry.entry_id),
            "SET #inv = :inv, gsi3pk = :queue",
            Some(condition),
            &[("#inv", "e_invoice")],
            &values,
        )
        .or_internal("build e-invoice")?,
        trail::record(
            &state.table,
            &app_pk(&app_id),
            &staff.login,
            Some(Role::Staff),
            "e_invoice_uploaded",
            &summary,
        )
        .or_internal("build trail")?,
        mail_for(&state.table, &entry, &key, version, 1)?,
    ];
    if let Err(err) = db::transact(state, items).await {
        uploads::discard(state, std::slice::from_ref(&key)).await;
        return Err(err.refusal(|_| changed_meanwhile(&batch_no)));
    }
    tracing::info!(batch = %batch_no, version, "e-invoice filed and queued for mail");
    Ok(EInvoiceRow::of(&app_id, &entry))
}

/// The outbox mail of one file: event `einvoice:<batch>:<version>:<mail>`, so each file is
/// mailed once per upload or 重新发送, however often a click or a retry repeats.
fn mail_for(
    table: &str,
    entry: &InvoiceEntry,
    key: &str,
    version: u32,
    mail_no: u32,
) -> ApiResult<aws_sdk_dynamodb::types::TransactWriteItem> {
    let to = Email::parse(&entry.payer_email)
        .map_err(|_| ApiError::internal(anyhow::anyhow!("stored payer e-mail does not parse")))?;
    let paid = entry.paid_application.as_ref();
    let text = MailText::EInvoice {
        unit_name: paid.map(|p| p.unit_name.clone()).unwrap_or_default(),
        application_number: paid.map(|p| p.application_number.clone()).unwrap_or_default(),
        batch_no: entry.batch_no.clone(),
        title: entry.title.clone(),
        amount_yuan: Fen::new(entry.amount_fen).to_string(),
    };
    let attachment = Attachment {
        key: key.to_owned(),
        file_name: attachment_name(&entry.batch_no),
        content_type: PDF.to_owned(),
    };
    let event = format!("einvoice:{}:{version}:{mail_no}", entry.batch_no);
    mail::enqueue(table, &event, &to, &text, Some(&attachment)).or_internal("build mail")
}

fn attachment_name(batch_no: &str) -> String {
    format!("{batch_no}.pdf")
}

fn changed_meanwhile(batch_no: &str) -> ApiError {
    ApiError::conflict(
        "E_INVOICE_CHANGED",
        format!("批次号{batch_no}的电子发票刚被其他人上传、更正或重新发送，请刷新列表后再操作"),
    )
}

/// 重新发送 of the invoice as the staff member saw it (`version`, `mails`): a second click
/// or a colleague's send in between is refused, not sent twice.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResendEInvoice {
    pub version: u32,
    /// `mails` as the list showed it
    pub mails: u32,
}

pub async fn resend(
    state: &AppState,
    staff: &StaffUser,
    batch_no: &str,
    form: &ResendEInvoice,
) -> ApiResult<EInvoiceRow> {
    staff.require(DUTY)?;
    let (app_id, entry) = paid_entry(state, staff, batch_no).await?;
    let Some(current) = entry.e_invoice.clone() else {
        return Err(ApiError::conflict(
            "E_INVOICE_MISSING",
            format!("批次号{}的电子发票尚未上传", entry.batch_no),
        ));
    };
    if (current.version, current.mails) != (form.version, form.mails) {
        return Err(changed_meanwhile(&entry.batch_no));
    }
    let now = time::stamp(time::now());
    let sent = EInvoice {
        mails: current.mails + 1,
        last_mailed_at: now,
        ..current.clone()
    };
    let items = vec![
        db::update_if(
            &state.table,
            entry_key(&app_id, &entry.entry_id),
            "SET #inv.mails = :mails, #inv.last_mailed_at = :at",
            Some("#inv.version = :version AND #inv.mails = :seen"),
            &[("#inv", "e_invoice")],
            &[
                (":mails", db::n(sent.mails)),
                (":at", s(&sent.last_mailed_at)),
                (":version", db::n(current.version)),
                (":seen", db::n(current.mails)),
            ],
        )
        .or_internal("build resend")?,
        trail::record(
            &state.table,
            &app_pk(&app_id),
            &staff.login,
            Some(Role::Staff),
            "e_invoice_resent",
            &format!("重新发送批次号{}的电子发票至交款人邮箱", entry.batch_no),
        )
        .or_internal("build trail")?,
        mail_for(&state.table, &entry, &current.key, current.version, sent.mails)?,
    ];
    db::transact(state, items)
        .await
        .on_cancel(|_| changed_meanwhile(&entry.batch_no))?;
    tracing::info!(batch = %entry.batch_no, mails = sent.mails, "e-invoice mail queued again");
    Ok(EInvoiceRow::of(
        &app_id,
        &InvoiceEntry {
            e_invoice: Some(sent),
            ..entry
        },
    ))
}

/// 电子发票 (finance): the paid entries of the subtree in one state, agency by agency and
/// oldest paid first, a page at a time.
pub async fn list(
    state: &AppState,
    staff: &StaffUser,
    status: EInvoiceStatus,
    at: &PageAt,
) -> ApiResult<CursorPage<EInvoiceRow>> {
    staff.require(DUTY)?;
    let (items, next) = IndexList::new(vec![Segment::new(
        IndexName::Gsi3,
        status.queue(),
        SortRange::BeginsWith(staff.subtree_prefix()),
    )])
    .read_page(state, at)
    .await?;
    let mut rows = Vec::with_capacity(items.len());
    for (_, item) in items {
        let app_id = item
            .get("pk")
            .and_then(|v| v.as_s().ok())
            .and_then(|pk| pk.strip_prefix("APP#"))
            .unwrap_or_default()
            .to_owned();
        let entry: InvoiceEntry = db::from_item(item).or_internal("decode invoice entry")?;
        // The index lags the table a little; a row is listed only if it still has the state.
        if entry.e_invoice_status() == status {
            rows.push(EInvoiceRow::of(&app_id, &entry));
        }
    }
    Ok(at.page(rows, None, next))
}

/// A link that opens an entry's invoice for finance.
pub async fn link_for_staff(state: &AppState, staff: &StaffUser, batch_no: &str) -> ApiResult<String> {
    staff.require(DUTY)?;
    let (_, entry) = paid_entry(state, staff, batch_no).await?;
    invoice_link(state, &entry).await
}

/// A link that downloads one of the unit's own invoices.
pub async fn link_for_unit(state: &AppState, unit: &UnitUser, app_id: &str, entry_id: &str) -> ApiResult<String> {
    let app = application::load_for_unit(state, unit, app_id).await?;
    let entry = db::get_item(state, entry_key(&app.id, entry_id), "get invoice entry")
        .await?
        .map(db::from_item::<InvoiceEntry>)
        .transpose()
        .or_internal("decode invoice entry")?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该开票信息"))?;
    invoice_link(state, &entry).await
}

async fn invoice_link(state: &AppState, entry: &InvoiceEntry) -> ApiResult<String> {
    let invoice = entry.e_invoice.as_ref().ok_or_else(|| {
        ApiError::not_found(
            "E_INVOICE_MISSING",
            format!("批次号{}的电子发票尚未开具，到账确认后由经办机构上传", entry.batch_no),
        )
    })?;
    let name = format!("电子发票-{}.pdf", entry.batch_no);
    uploads::download_url_as(state, &invoice.key, LINK_SECONDS, PDF, "attachment", &name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_numbers_are_read_from_file_names() {
        assert_eq!(
            batch_in_file_name("S202411141000014460.pdf").as_deref(),
            Some("S202411141000014460")
        );
        assert_eq!(
            batch_in_file_name("发票_s202411141000014460(1).PDF").as_deref(),
            Some("S202411141000014460")
        );
        assert_eq!(batch_in_file_name("发票.pdf"), None);
        assert_eq!(batch_in_file_name("S20241114100001446.pdf"), None);
        assert_eq!(batch_in_file_name("S2024111410000144601.pdf"), None);
    }
}
