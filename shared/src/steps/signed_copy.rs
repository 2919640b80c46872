//! 确认书回传: the unit uploads the signed, stamped scan of its certificate (PDF); its agency
//! archives it (已归档) or returns it with a reason (已退回, SMS to the unit), and the unit may
//! then upload again. Each step is one conditional write, so two clicks or two staff never
//! decide one scan twice.
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::cursor::{CursorPage, IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db::{self, OnCancel, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::sms::{self, SmsText};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads::{self, FileKind, UploadTicket};
use crate::records::account::{Permission, Role};
use crate::records::application::app_pk;
pub use crate::records::certificate::SignedCopyView;
use crate::records::certificate::{self, Certificate, ReturnStatus, ScanReview, SignedCopy, cert_key, load_for_unit};
use crate::records::session::{StaffUser, UnitUser};
use crate::records::trail::{self, clean_reason};
use crate::records::unit;
use crate::reference;

pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
const PDF: &str = "application/pdf";
const LINK_SECONDS: u64 = 600;
/// Who archives or returns a scan: the agency's 初审 reviewers, who know the unit's file.
pub const DUTY: Permission = Permission::ReviewL1;
/// Who may list and open returned scans: reviewers of every level and finance.
const READERS: [Permission; 4] = [DUTY, Permission::ReviewL2, Permission::ReviewL3, Permission::Finance];

fn upload_area(number: &str) -> String {
    format!("signed/{number}")
}

fn not_open() -> ApiError {
    ApiError::conflict(
        "SIGNED_COPY_NOT_OPEN",
        "该确认书的签字盖章扫描件已回传，正在确认或已归档，无需重复上传",
    )
}

/// Upload is open before the first scan and after a return.
fn open_for_upload(cert: &Certificate) -> ApiResult<()> {
    match cert.return_status() {
        ReturnStatus::NotReturned | ReturnStatus::Refused => Ok(()),
        ReturnStatus::Pending | ReturnStatus::Archived => Err(not_open()),
    }
}

/// 回传 step 1: where the browser puts the PDF (checked again when it is submitted).
pub async fn ticket(
    state: &AppState,
    unit: &UnitUser,
    number: &str,
    content_type: &str,
    size: u64,
) -> ApiResult<UploadTicket> {
    open_for_upload(&load_for_unit(state, unit, number).await?)?;
    let mut check = FieldCheck::new();
    if content_type.trim().to_ascii_lowercase() != PDF {
        check.push("content_type", "FILE_TYPE", "请上传PDF格式的扫描件");
    }
    if size > MAX_BYTES {
        check.push(
            "size",
            "FILE_TOO_LARGE",
            format!("扫描件不能超过10MB（当前{}）", uploads::human_size(size)),
        );
    }
    check.finish()?;
    uploads::ticket(state, &upload_area(number), PDF, size).await
}

/// 回传 step 2: the checked PDF is filed and the certificate reads 待确认 in both lists.
pub async fn submit(state: &AppState, unit: &UnitUser, number: &str, upload_id: &str) -> ApiResult<SignedCopyView> {
    let cert = load_for_unit(state, unit, number).await?;
    open_for_upload(&cert)?;
    let mut check = FieldCheck::new();
    let inspected = uploads::inspect(
        state,
        &upload_area(number),
        upload_id.trim(),
        MAX_BYTES,
        &[FileKind::Pdf],
    )
    .await?;
    let inspected = check.take("upload_id", inspected);
    check.finish()?;
    let inspected = checked(inspected)?;
    let now = time::stamp(time::now());
    let key = format!("certificates/{number}/signed/{}.pdf", uuid::Uuid::new_v4());
    uploads::claim(state, &upload_area(number), upload_id.trim(), &inspected.version, &key).await?;
    let copy = SignedCopy {
        key: key.clone(),
        size: inspected.size,
        uploaded_at: now,
        uploaded_by: unit.login.clone(),
        review: ScanReview::Pending,
    };
    let table = &*state.table;
    let items = vec![
        db::update_if(
            table,
            cert_key(number),
            "SET #copy = :copy, gsi3pk = :queue",
            Some("attribute_exists(pk) AND (attribute_not_exists(#copy) OR #copy.#review = :refused)"),
            &[("#copy", "signed_copy"), ("#review", "review")],
            &[
                (
                    ":copy",
                    AttributeValue::M(db::to_item(&copy).or_internal("encode signed copy")?),
                ),
                (":queue", s(ReturnStatus::Pending.queue())),
                (":refused", s(ReturnStatus::Refused.as_str())),
            ],
        )
        .or_internal("build signed copy")?,
        trail::record(
            table,
            &app_pk(&cert.application_id),
            &unit.login,
            Some(Role::Unit),
            "signed_copy_uploaded",
            &format!("回传确认书{number}签字盖章扫描件"),
        )
        .or_internal("build trail")?,
    ];
    if let Err(err) = db::transact(state, items).await {
        uploads::discard(state, std::slice::from_ref(&key)).await;
        return Err(err.refusal(|_| not_open()));
    }
    tracing::info!(certificate = %number, "signed copy uploaded");
    Ok(SignedCopyView::of(&Certificate {
        signed_copy: Some(copy),
        ..cert
    }))
}

/// A link that opens the unit's own scan.
pub async fn link_for_unit(state: &AppState, unit: &UnitUser, number: &str) -> ApiResult<String> {
    let cert = load_for_unit(state, unit, number).await?;
    let copy = cert.signed_copy.as_ref().ok_or_else(no_copy)?;
    scan_link(state, copy, number).await
}

/// A short-lived link that opens the scan in the browser.
async fn scan_link(state: &AppState, copy: &SignedCopy, number: &str) -> ApiResult<String> {
    let file_name = format!("{number}-签字盖章.pdf");
    uploads::download_url_as(state, &copy.key, LINK_SECONDS, PDF, "inline", &file_name).await
}

fn no_copy() -> ApiError {
    ApiError::not_found("SIGNED_COPY_MISSING", "该确认书尚未回传签字盖章扫描件")
}

/// One row of the agency's 确认书回传 list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnRow {
    /// 确认书号
    pub number: String,
    pub application_number: String,
    pub unit_name: String,
    /// 所属机构 (full path)
    pub agency_name: String,
    pub activity_name: String,
    /// 保单日期 (YYYY-MM-DD)
    pub policy_date: String,
    #[serde(flatten)]
    pub signed_copy: SignedCopyView,
}

impl ReturnRow {
    fn of(cert: &Certificate) -> Self {
        Self {
            number: cert.number.clone(),
            application_number: cert.application_number.clone(),
            unit_name: cert.unit_name.clone(),
            agency_name: reference::full_name(&cert.agency_code).unwrap_or_default(),
            activity_name: cert.activity_name.clone(),
            policy_date: cert.policy_date.to_string(),
            signed_copy: SignedCopyView::of(cert),
        }
    }
}

/// 确认书回传: the certificates of the staff member's subtree in one 回传状态, agency by
/// agency and oldest issued first, a page at a time.
pub async fn list_for_staff(
    state: &AppState,
    staff: &StaffUser,
    status: ReturnStatus,
    at: &PageAt,
) -> ApiResult<CursorPage<ReturnRow>> {
    staff.require_any(&READERS)?;
    let (mut certs, next) = IndexList::new(vec![Segment::new(
        IndexName::Gsi3,
        status.queue(),
        SortRange::BeginsWith(staff.subtree_prefix()),
    )])
    .read_page_as::<Certificate>(state, at)
    .await?;
    // The index lags the table a little; a row is listed only if it still has the state.
    certs.retain(|c| c.return_status() == status);
    Ok(at.page(certs.iter().map(ReturnRow::of).collect(), None, next))
}

async fn load_for_staff(state: &AppState, staff: &StaffUser, number: &str) -> ApiResult<Certificate> {
    let not_found = || ApiError::not_found("NOT_FOUND", "未找到该确认书，或不在您的管辖范围内");
    let cert = certificate::load(state, number).await?.ok_or_else(not_found)?;
    staff.require_jurisdiction(&cert.agency_code)?;
    Ok(cert)
}

/// A link that opens a unit's scan for its agency; every opening is in the application's trail
/// (the scan carries the member list).
pub async fn link_for_staff(state: &AppState, staff: &StaffUser, number: &str) -> ApiResult<String> {
    staff.require_any(&READERS)?;
    let cert = load_for_staff(state, staff, number).await?;
    let copy = cert.signed_copy.as_ref().ok_or_else(no_copy)?;
    trail::record_read(
        state,
        &app_pk(&cert.application_id),
        &staff.login,
        Role::Staff,
        "signed_copy_viewed",
        &format!("查看确认书{number}签字盖章扫描件"),
    )
    .await?;
    scan_link(state, copy, number).await
}

/// 确认归档 or 退回 of the scan as the staff member saw it (`uploaded_at`): a newer upload or
/// another reviewer's decision in between refuses this one.
pub enum Decision {
    Archive,
    Refuse(String),
}

pub async fn decide(
    state: &AppState,
    staff: &StaffUser,
    number: &str,
    uploaded_at: &str,
    decision: Decision,
) -> ApiResult<ReturnRow> {
    staff.require(DUTY)?;
    let decision = match decision {
        Decision::Refuse(reason) => Decision::Refuse(clean_reason(&reason)?),
        archive => archive,
    };
    let cert = load_for_staff(state, staff, number).await?;
    let Some(copy) = cert.signed_copy.clone().filter(|c| c.uploaded_at == uploaded_at) else {
        return Err(decided_elsewhere());
    };
    if copy.status() != ReturnStatus::Pending {
        return Err(decided_elsewhere());
    }
    let at = time::stamp(time::now());
    let by = staff.login.clone();
    let (review, action, summary) = match &decision {
        Decision::Archive => (
            ScanReview::Archived { by, at },
            "signed_copy_archived",
            format!("确认书{number}签字盖章扫描件已确认归档"),
        ),
        Decision::Refuse(reason) => (
            ScanReview::Refused {
                reason: reason.clone(),
                by,
                at,
            },
            "signed_copy_refused",
            format!("退回确认书{number}签字盖章扫描件，原因：{reason}"),
        ),
    };
    let decided = SignedCopy { review, ..copy };
    let table = &*state.table;
    let mut items = vec![
        db::update_if(
            table,
            cert_key(number),
            "SET #copy = :copy, gsi3pk = :queue",
            Some("#copy.#review = :pending AND #copy.uploaded_at = :seen"),
            &[("#copy", "signed_copy"), ("#review", "review")],
            &[
                (
                    ":copy",
                    AttributeValue::M(db::to_item(&decided).or_internal("encode signed copy")?),
                ),
                (":queue", s(decided.status().queue())),
                (":pending", s(ReturnStatus::Pending.as_str())),
                (":seen", s(uploaded_at)),
            ],
        )
        .or_internal("build decision")?,
        trail::record(
            table,
            &app_pk(&cert.application_id),
            &staff.login,
            Some(Role::Staff),
            action,
            &summary,
        )
        .or_internal("build trail")?,
    ];
    if let Decision::Refuse(reason) = &decision {
        let unit = unit::load_unit(state, &cert.unit_id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("certificate {number} without its unit")))?;
        let text = SmsText::SignedCopyRefused {
            certificate_number: number.to_owned(),
            reason: reason.clone(),
        };
        let event = format!("signed-copy-refused:{number}:{uploaded_at}");
        items.push(sms::enqueue(table, &event, &unit.contact.mobile, &text).or_internal("build sms")?);
    }
    db::transact(state, items).await.on_cancel(|_| decided_elsewhere())?;
    tracing::info!(certificate = %number, action, "signed copy decided");
    Ok(ReturnRow::of(&Certificate {
        signed_copy: Some(decided),
        ..cert
    }))
}

fn decided_elsewhere() -> ApiError {
    ApiError::conflict(
        "SIGNED_COPY_CHANGED",
        "该扫描件已被处理或单位已重新上传，请刷新列表后再操作",
    )
}
