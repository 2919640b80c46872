//! 确认书: the certificate issued with the payment confirmation (see `payment`), listed and
//! printed by its unit, and verifiable by anyone holding its number and verification code.
//!
//! Stored as one item `CERT#<number>` / `CERT`, with `gsi2` = `UNITCERTS#<unit>` so a unit
//! lists its own, and `gsi3` = `CERTRETURN#<回传状态>` sorted by agency path so an agency lists
//! its subtree's by 回传状态. Printed PDFs live in S3 under `certificates/<number>/<print-n>.pdf`,
//! signed scans under `certificates/<number>/signed/<uploaded-at>.pdf`.
use chrono::{Months, NaiveDate};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::renewal::RenewalWindow;
use crate::domain::{CoverStanding, Fen};
use crate::platform::cursor::{CursorPage, IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db::{self, key, s};
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::session::UnitUser;

/// 河南省办事处's office code in certificate numbers.
pub const OFFICE_CODE: &str = "1600";
/// The daily sequence is printed as 8 digits starting at 10000001 (sequence 1), as in the
/// manual's G16002024111410000694; leading zeros would read like a different format.
const SEQUENCE_BASE: u64 = 10_000_000;
/// Unambiguous characters only (no 0/O, 1/I/L): the code is typed from paper.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 8;

/// 打印状态
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrintStatus {
    /// 未打印
    NotPrinted,
    /// 已打印
    Printed,
}

impl PrintStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::NotPrinted => "未打印",
            Self::Printed => "已打印",
        }
    }
}

/// 回传状态 of the signed, stamped scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// 未回传
    NotReturned,
    /// 待确认
    Pending,
    /// 已退回
    Refused,
    /// 已归档
    Archived,
}

impl ReturnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotReturned => "not_returned",
            Self::Pending => "pending",
            Self::Refused => "refused",
            Self::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotReturned => "未回传",
            Self::Pending => "待确认",
            Self::Refused => "已退回",
            Self::Archived => "已归档",
        }
    }

    /// The agency's list of certificates in this state (index gsi3).
    pub fn queue(self) -> String {
        format!("CERTRETURN#{}", self.as_str())
    }
}

/// The unit's signed, stamped scan of its certificate and what its agency made of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedCopy {
    pub key: String,
    pub size: u64,
    pub uploaded_at: String,
    pub uploaded_by: String,
    #[serde(flatten)]
    pub review: ScanReview,
}

/// The agency's decision on a signed scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "review", rename_all = "snake_case")]
pub enum ScanReview {
    Pending,
    Refused { reason: String, by: String, at: String },
    Archived { by: String, at: String },
}

impl SignedCopy {
    pub fn status(&self) -> ReturnStatus {
        match self.review {
            ScanReview::Pending => ReturnStatus::Pending,
            ScanReview::Refused { .. } => ReturnStatus::Refused,
            ScanReview::Archived { .. } => ReturnStatus::Archived,
        }
    }
}

/// One issued certificate, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Certificate {
    /// 确认书号, e.g. G16002024111410000694
    pub number: String,
    pub application_id: String,
    /// 申请书号
    pub application_number: String,
    pub unit_id: String,
    pub unit_name: String,
    pub agency_code: String,
    pub activity_code: String,
    pub activity_name: String,
    /// 每人份数
    pub shares: u32,
    pub fee_per_share_fen: u64,
    /// 参保人数 (named and 无名单)
    pub insured_count: u32,
    /// 合计金额 = 会费标准 × 份数 × 参保人数
    pub fee_fen: u64,
    /// 应交保费 that was received (after subsidy and gift)
    pub paid_fen: u64,
    /// 保单日期: the confirmation day in Beijing
    pub policy_date: NaiveDate,
    /// 生效日期: the day after
    pub effective_date: NaiveDate,
    /// Last covered day
    pub end_date: NaiveDate,
    pub verification_code: String,
    pub print_status: PrintStatus,
    pub print_count: u32,
    pub received_on: NaiveDate,
    pub payment_reference: String,
    pub confirmed_by: String,
    pub issued_at: String,
    /// Every named member's coverage record has been written (see `payment`).
    #[serde(default)]
    pub coverage_recorded: bool,
    /// 续保: the certificate this one continues …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<String>,
    /// … and that one's last covered day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_end: Option<NaiveDate>,
    /// 观察期 of 新参 members in days; absent on certificates issued before the list printed
    /// observation periods (their members print 执行, as they did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation_days: Option<u32>,
    /// The signed scan returned by the unit, once uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_copy: Option<SignedCopy>,
}

/// Every certificate by the end of its cover (index gsi1), so the reminders read the few
/// ending near a day instead of all of them.
pub const ENDING_INDEX_KEY: &str = "CERTEND";

pub fn ending_sk(end: NaiveDate, number: &str) -> String {
    format!("{end}#{number}")
}

pub fn cert_key(number: &str) -> db::Item {
    key(format!("CERT#{number}"), "CERT")
}

/// The guard that lets a certificate be renewed once; it names the renewal's application.
pub fn renewal_key(number: &str) -> db::Item {
    key(format!("RENEWAL#{number}"), "RENEWAL")
}

impl Certificate {
    pub fn to_item(&self) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(cert_key(&self.number));
        item.insert("gsi2pk".into(), s(format!("UNITCERTS#{}", self.unit_id)));
        item.insert("gsi2sk".into(), s(format!("{}#{}", self.issued_at, self.number)));
        item.insert("gsi1pk".into(), s(ENDING_INDEX_KEY));
        item.insert("gsi1sk".into(), s(ending_sk(self.end_date, &self.number)));
        item.insert("gsi3pk".into(), s(self.return_status().queue()));
        item.insert("gsi3sk".into(), s(self.return_queue_sk()));
        Ok(item)
    }

    /// 回传状态
    pub fn return_status(&self) -> ReturnStatus {
        self.signed_copy
            .as_ref()
            .map_or(ReturnStatus::NotReturned, SignedCopy::status)
    }

    /// An agency reads its subtree's certificates, oldest issued first within each agency.
    pub fn return_queue_sk(&self) -> String {
        crate::records::application::queue_sk(&self.agency_code, &self.issued_at, &self.number)
    }

    /// A charged member's standing on this certificate (`renewed`: covered by the certificate
    /// it renews); None on certificates from before standings were kept.
    pub fn standing(&self, renewed: bool) -> Option<CoverStanding> {
        let observation_days = self.observation_days?;
        let renewed_end = self.renewed_end.filter(|_| renewed);
        Some(CoverStanding::of(
            renewed_end,
            self.received_on,
            self.effective_date,
            observation_days,
        ))
    }

    /// 保障期间 as printed: 2025年02月26日至2026年02月25日
    pub fn period(&self) -> String {
        format!(
            "{}至{}",
            self.effective_date.format("%Y年%m月%d日"),
            self.end_date.format("%Y年%m月%d日")
        )
    }
}

/// 确认书号: G + office code + yyyymmdd (Beijing) + the day's sequence as 8 digits.
pub fn number_for(day: NaiveDate, sequence: u64) -> String {
    format!("G{OFFICE_CODE}{}{}", day.format("%Y%m%d"), SEQUENCE_BASE + sequence)
}

/// (生效日期, last covered day): coverage starts the day after the policy date and lasts
/// `term_months`, i.e. it ends on the policy date's day `term_months` later (= start + term −
/// 1 day, except that a start on 29 February still gets a whole year).
pub fn coverage_period(policy_date: NaiveDate, term_months: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = policy_date.succ_opt()?;
    let end = policy_date.checked_add_months(Months::new(term_months))?;
    Some((start, end))
}

/// A fresh random verification code (8 characters, ~40 bits).
pub fn new_verification_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// As printed: `7KQ2-M9XD`.
pub fn display_code(code: &str) -> String {
    if code.len() == CODE_LEN {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

/// What a person types: spaces, hyphens and case do not matter.
fn normalize_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub async fn load(state: &AppState, number: &str) -> ApiResult<Option<Certificate>> {
    if number.is_empty() || number.len() > 32 || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    db::get_as(state, cert_key(number), "get certificate").await
}

fn not_found() -> ApiError {
    ApiError::not_found("NOT_FOUND", "未找到该确认书")
}

/// The caller's own certificate, or 404 as if another unit's did not exist.
pub async fn load_for_unit(state: &AppState, unit: &UnitUser, number: &str) -> ApiResult<Certificate> {
    match load(state, number).await? {
        Some(cert) if cert.unit_id == unit.unit_id => Ok(cert),
        _ => Err(not_found()),
    }
}

/// One row of 确认书打印.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    /// 确认书号
    pub number: String,
    pub application_id: String,
    /// 保障活动名称
    pub activity_name: String,
    /// 打印状态
    pub print_status: PrintStatus,
    /// 未打印 / 已打印
    pub print_status_label: String,
    /// 生效日期 (YYYY-MM-DD)
    pub effective_date: String,
    /// Last covered day (YYYY-MM-DD)
    pub end_date: String,
    /// 保单日期 (YYYY-MM-DD)
    pub policy_date: String,
    /// 保费 (合计金额) in fen
    pub fee_fen: u64,
    /// 应交保费 received, in fen
    pub paid_fen: u64,
    pub insured_count: u32,
    /// 打印次数
    pub print_count: u32,
    /// 续保自: the certificate this one continues
    pub renews: Option<String>,
    /// This certificate's own renewal (the 续保 button); filled by the unit's list.
    pub renewal: Option<CertificateRenewal>,
    /// 回传状态 of the signed scan
    #[serde(flatten)]
    pub signed_copy: SignedCopyView,
}

/// The 回传 part of a certificate row, for both sides.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignedCopyView {
    pub return_status: ReturnStatus,
    /// 未回传 / 待确认 / 已退回 / 已归档
    pub return_status_label: String,
    pub uploaded_at: Option<String>,
    /// Why the agency returned it (已退回 only)
    pub refuse_reason: Option<String>,
    /// When the agency archived or returned it
    pub decided_at: Option<String>,
}

impl SignedCopyView {
    pub fn of(cert: &Certificate) -> Self {
        let status = cert.return_status();
        let copy = cert.signed_copy.as_ref();
        let (refuse_reason, decided_at) = match copy.map(|c| &c.review) {
            Some(ScanReview::Refused { reason, at, .. }) => (Some(reason.clone()), Some(at.clone())),
            Some(ScanReview::Archived { at, .. }) => (None, Some(at.clone())),
            _ => (None, None),
        };
        Self {
            return_status: status,
            return_status_label: status.label().to_owned(),
            uploaded_at: copy.map(|c| c.uploaded_at.clone()),
            refuse_reason,
            decided_at,
        }
    }
}

/// 续保 of one certificate as the list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateRenewal {
    pub window: RenewalWindow,
    /// 未到续保时间 / 可续保 / 已过续保时间 / 已续保 / 活动已停止参保
    pub window_label: String,
    /// First day a renewal may be started (YYYY-MM-DD)
    pub opens_on: String,
    /// Last day (YYYY-MM-DD)
    pub closes_on: String,
    /// The renewal's application, once started
    pub application_id: Option<String>,
    /// 申请书号 of the renewal
    pub application_number: Option<String>,
}

impl From<&Certificate> for CertificateView {
    fn from(c: &Certificate) -> Self {
        Self {
            number: c.number.clone(),
            application_id: c.application_id.clone(),
            activity_name: c.activity_name.clone(),
            print_status: c.print_status,
            print_status_label: c.print_status.label().to_owned(),
            effective_date: c.effective_date.to_string(),
            end_date: c.end_date.to_string(),
            policy_date: c.policy_date.to_string(),
            fee_fen: c.fee_fen,
            paid_fen: c.paid_fen,
            insured_count: c.insured_count,
            print_count: c.print_count,
            renews: c.renews.clone(),
            renewal: None,
            signed_copy: SignedCopyView::of(c),
        }
    }
}

/// Certificates a page shows unless asked otherwise, and at most.
pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 100;

/// 确认书打印 list: the unit's certificates, newest first, a page at a time.
pub async fn list_for_unit(state: &AppState, unit: &UnitUser, at: &PageAt) -> ApiResult<CursorPage<Certificate>> {
    page_of_unit(state, &unit.unit_id, at).await
}

/// A page of a unit's certificates, newest first (index gsi2: `UNITCERTS#<unit_id>`).
pub async fn page_of_unit(state: &AppState, unit_id: &str, at: &PageAt) -> ApiResult<CursorPage<Certificate>> {
    let (certificates, next) = IndexList::new(vec![Segment::new(
        IndexName::Gsi2,
        format!("UNITCERTS#{unit_id}"),
        SortRange::All,
    )])
    .newest_first()
    .read_page_as::<Certificate>(state, at)
    .await?;
    Ok(at.page(certificates, None, next))
}

/// What the public verification shows: enough to tell a genuine certificate, no personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    pub number: String,
    pub unit_name: String,
    pub activity_name: String,
    /// 生效日期 (YYYY-MM-DD)
    pub effective_date: String,
    /// Last covered day (YYYY-MM-DD)
    pub end_date: String,
    /// 保障期间 as printed
    pub period: String,
    /// 参保人数
    pub insured_count: u32,
    /// 未生效 / 保障中 / 已到期 (on today's Beijing date)
    pub status: String,
}

/// 真伪核验: number and code must both match; a wrong number and a wrong code answer alike,
/// so the endpoint tells nobody which numbers exist.
pub async fn verify(state: &AppState, number: &str, code: &str) -> ApiResult<Verification> {
    let refused = || ApiError::not_found("CERTIFICATE_NOT_VERIFIED", "未查询到与该确认书号和验证码相符的确认书");
    let number = number.trim().to_ascii_uppercase();
    let cert = load(state, &number).await?.ok_or_else(refused)?;
    let given = normalize_code(code);
    if !constant_time_eq(given.as_bytes(), cert.verification_code.as_bytes()) {
        return Err(refused());
    }
    let today = time::today_beijing();
    let status = if today < cert.effective_date {
        "未生效"
    } else if today > cert.end_date {
        "已到期"
    } else {
        "保障中"
    };
    Ok(Verification {
        period: cert.period(),
        number: cert.number,
        unit_name: cert.unit_name,
        activity_name: cert.activity_name,
        effective_date: cert.effective_date.to_string(),
        end_date: cert.end_date.to_string(),
        insured_count: cert.insured_count,
        status: status.to_owned(),
    })
}

/// Compares without stopping at the first difference, so timing does not leak the code.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// "123444.00"
pub fn yuan(fen: u64) -> String {
    Fen::new(fen).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_manual() {
        let day = NaiveDate::from_ymd_opt(2024, 11, 14).expect("date");
        assert_eq!(number_for(day, 694), "G16002024111410000694");
        assert_eq!(number_for(day, 1), "G16002024111410000001");
    }

    #[test]
    fn coverage_starts_the_next_day_and_lasts_a_year() {
        let day = NaiveDate::from_ymd_opt(2025, 2, 25).expect("date");
        let (start, end) = coverage_period(day, 12).expect("period");
        assert_eq!(
            (start.to_string(), end.to_string()),
            ("2025-02-26".into(), "2026-02-25".into())
        );
        // A policy on 28 Feb of a leap year: 29 Feb 2024 → 28 Feb 2025.
        let leap = NaiveDate::from_ymd_opt(2024, 2, 28).expect("date");
        let (start, end) = coverage_period(leap, 12).expect("period");
        assert_eq!(
            (start.to_string(), end.to_string()),
            ("2024-02-29".into(), "2025-02-28".into())
        );
    }

    #[test]
    fn codes_are_unambiguous_and_typed_loosely() {
        for _ in 0..200 {
            let code = new_verification_code();
            assert_eq!(code.len(), CODE_LEN);
            assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
            assert_eq!(normalize_code(&display_code(&code).to_lowercase()), code);
        }
    }
}
