//! 初审 / 复审 / 终审 (staff): the review queue of each level in a reviewer's subtree, the full
//! application view, and the decisions — approve to the next level, or return (退回) to the
//! unit with a reason.
//!
//! A decision is one transaction: the transition, conditional on the status the reviewer saw
//! and on the reviewer not having decided another level of this submission; its 操作轨迹
//! entry; and the SMS outbox entry when the unit is told. So of concurrent decisions exactly
//! one commits, and a notice exists iff its decision does.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{CoverStanding, Fen, Mobile, mask_id_number, mask_name};
use crate::platform::cursor::{self, CursorPage, PageAt};
use crate::platform::db::{self, n, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::metrics::{self, Event};
use crate::platform::sms::SmsText;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads;
use crate::records::account::{Permission, Role, account_pk};
use crate::records::application::{self, Application, ApplicationStatus, Duty, FeeSummary, app_pk};
use crate::records::application_detail::{self, ApplicationDetail};
use crate::records::attachment::{self, AttachmentView};
use crate::records::coverage;
use crate::records::members::{self, MemberFilter, MemberView};
use crate::records::self_check::{self, SelfCheck};
use crate::records::session::StaffUser;
use crate::records::trail::{self, REASON_MAX_CHARS, TrailEntry, clean_reason};
use crate::records::transition::{Transition, Workflow};
use crate::records::unit;
use crate::records::unnamed::{self, UnnamedEntry};
use crate::reference;

const DOWNLOAD_SECONDS: u64 = 300;
/// Who may open an application: any reviewer, and finance.
pub const READERS: [Permission; 4] = [
    Permission::ReviewL1,
    Permission::ReviewL2,
    Permission::ReviewL3,
    Permission::Finance,
];

/// 审核级别
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewLevel {
    /// 初审
    L1,
    /// 复审
    L2,
    /// 终审
    L3,
}

pub const LEVELS: [ReviewLevel; 3] = [ReviewLevel::L1, ReviewLevel::L2, ReviewLevel::L3];

impl ReviewLevel {
    fn metric(self) -> metrics::Level {
        match self {
            Self::L1 => metrics::Level::First,
            Self::L2 => metrics::Level::Second,
            Self::L3 => metrics::Level::Final,
        }
    }

    /// 1, 2 or 3 as the API sends it.
    pub fn parse(raw: Option<u64>) -> ApiResult<Self> {
        match raw {
            Some(1) => Ok(Self::L1),
            Some(2) => Ok(Self::L2),
            Some(3) => Ok(Self::L3),
            _ => Err(ApiError::refused(
                "LEVEL_INVALID",
                "审核级别应为1（初审）、2（复审）或3（终审）",
            )),
        }
    }

    pub fn number(self) -> u8 {
        match self {
            Self::L1 => 1,
            Self::L2 => 2,
            Self::L3 => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::L1 => "初审",
            Self::L2 => "复审",
            Self::L3 => "终审",
        }
    }

    pub fn permission(self) -> Permission {
        match self {
            Self::L1 => Permission::ReviewL1,
            Self::L2 => Permission::ReviewL2,
            Self::L3 => Permission::ReviewL3,
        }
    }

    /// The status an application waits in for this level.
    pub fn pending(self) -> ApplicationStatus {
        match self {
            Self::L1 => ApplicationStatus::Submitted,
            Self::L2 => ApplicationStatus::L1Approved,
            Self::L3 => ApplicationStatus::L2Approved,
        }
    }

    /// The status after this level approves.
    pub fn approved(self) -> ApplicationStatus {
        match self {
            Self::L1 => ApplicationStatus::L1Approved,
            Self::L2 => ApplicationStatus::L2Approved,
            Self::L3 => ApplicationStatus::Approved,
        }
    }

    /// The application attribute naming who decided this level.
    pub fn reviewer_attr(self) -> &'static str {
        match self {
            Self::L1 => "l1_reviewer",
            Self::L2 => "l2_reviewer",
            Self::L3 => "l3_reviewer",
        }
    }

    /// The duty this level is on the application.
    pub fn duty(self) -> Duty {
        match self {
            Self::L1 => Duty::L1,
            Self::L2 => Duty::L2,
            Self::L3 => Duty::L3,
        }
    }
}

/// The other duty (a review level or 到账确认) that `person` ever held on `app`.
pub fn acted_on_other_level(app: &Application, level: ReviewLevel, person: &str) -> Option<Duty> {
    app.duty_conflict(level.duty(), person)
}

/// Why `person` may not decide `level` of `app` now, if anything.
pub fn decision_refused(app: &Application, level: ReviewLevel, person: &str) -> Option<ApiError> {
    if app.status != level.pending() {
        return Some(already_decided(app.status));
    }
    acted_on_other_level(app, level, person).map(reviewer_already_acted)
}

fn already_decided(now: ApplicationStatus) -> ApiError {
    ApiError::conflict(
        "APPLICATION_ALREADY_DECIDED",
        format!("该申请已被处理（当前状态：{}），请刷新列表后查看", now.label()),
    )
}

fn reviewer_already_acted(duty: Duty) -> ApiError {
    ApiError::conflict(
        "REVIEWER_ALREADY_ACTED",
        format!(
            "您已对该申请进行过{}（含退回），初审、复审、终审和到账确认须由不同人员办理，请由其他审核人员处理",
            duty.label()
        ),
    )
}

fn changed_meanwhile() -> ApiError {
    ApiError::conflict(
        "CHANGED_MEANWHILE",
        "该申请刚被其他人员处理或修改了费用，请刷新后重新审核",
    )
}

// ---------------------------------------------------------------------------------------------
// Queues

pub use crate::records::application::ReviewRow;

pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 100;

/// One page of the queue of `level` in the caller's subtree (index gsi1: `APPQ#<status>`,
/// agency path): agency by agency, oldest first within each, read a page at a time. No total:
/// none is kept per queue and subtree.
pub async fn queue(
    state: &AppState,
    staff: &StaffUser,
    level: ReviewLevel,
    at: &PageAt,
) -> ApiResult<CursorPage<ReviewRow>> {
    staff.require(level.permission())?;
    let list = cursor::subtree_queue(level.pending().queue(), &staff.subtree_prefix());
    let (mut apps, next) = list.read_page_as::<Application>(state, at).await?;
    // The index lags the table a little; a row is listed only if it still waits here.
    apps.retain(|app| app.status == level.pending() && reference::is_within(&app.agency_code, &staff.agency_code));
    let rows = apps.iter().map(ReviewRow::of).collect::<ApiResult<Vec<_>>>()?;
    Ok(at.page(rows, None, next))
}

// ---------------------------------------------------------------------------------------------
// The full view

/// An attachment with a short-lived download link.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAttachment {
    #[serde(flatten)]
    pub attachment: AttachmentView,
    /// Presigned GET, valid for `expires_in` seconds.
    pub url: String,
    pub expires_in: u64,
}

/// Who decided each level since the last submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reviewers {
    pub l1: Option<String>,
    pub l2: Option<String>,
    pub l3: Option<String>,
}

/// What a reviewer reads before deciding.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffApplicationView {
    /// Base info and the activity table, as the unit saw them when submitting.
    pub application: ApplicationDetail,
    pub unit_id: String,
    /// 总保费, 补贴金额, 赠险金额, 应交保费
    pub fees: FeeSummary,
    /// 参保自核信息
    pub self_check: SelfCheck,
    /// 附件信息
    pub attachments: Vec<StaffAttachment>,
    /// 无名单: the head counts without names, which the reviewer approves with the named ones
    pub unnamed: Vec<UnnamedEntry>,
    pub reviewers: Reviewers,
}

/// 操作轨迹 of an application in the caller's jurisdiction, a page of it, newest first.
pub async fn trail(state: &AppState, staff: &StaffUser, id: &str, at: &PageAt) -> ApiResult<CursorPage<TrailEntry>> {
    staff.require_any(&READERS)?;
    let app = application::load_for_staff(state, staff, id).await?;
    trail::page(state, &app_pk(&app.id), at).await
}

/// 审核详情 of an application in the caller's jurisdiction.
pub async fn view(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<StaffApplicationView> {
    staff.require_any(&READERS)?;
    let app = application::load_for_staff(state, staff, id).await?;
    let attachments = attachment::list(state, &app.id).await?;
    if !attachments.is_empty() {
        let summary = format!("查看参保申请及附件（{}个，含下载链接）", attachments.len());
        trail::record_read(
            state,
            &app_pk(&app.id),
            &staff.login,
            Role::Staff,
            "attachments_viewed",
            &summary,
        )
        .await?;
    }
    let mut links = Vec::new();
    for a in attachments {
        links.push(StaffAttachment {
            url: uploads::download_url(state, &a.key, DOWNLOAD_SECONDS).await?,
            expires_in: DOWNLOAD_SECONDS,
            attachment: a.view(),
        });
    }
    Ok(StaffApplicationView {
        unit_id: app.unit_id.clone(),
        fees: FeeSummary::of(&app)?,
        self_check: self_check::self_check_of(state, &app, &PageAt::first(self_check::PAGE_SIZE_DEFAULT)).await?,
        attachments: links,
        unnamed: unnamed::list(state, &app.id).await?,
        reviewers: Reviewers {
            l1: app.l1_reviewer.clone(),
            l2: app.l2_reviewer.clone(),
            l3: app.l3_reviewer.clone(),
        },
        application: application_detail::detail_of(state, app).await?,
    })
}

/// 人员详情 for a reviewer: a page of members, names, IDs and phones masked.
pub async fn members_page(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    filter: &MemberFilter,
    request: &PageAt,
) -> ApiResult<CursorPage<MemberView>> {
    staff.require_any(&READERS)?;
    let app = application::load_for_staff(state, staff, id).await?;
    members::page_of(state, &app, filter, request, time::today_beijing()).await
}

/// 参保自核信息 for a reviewer, one page of findings (the full view carries the first).
pub async fn self_check_page(state: &AppState, staff: &StaffUser, id: &str, request: &PageAt) -> ApiResult<SelfCheck> {
    staff.require_any(&READERS)?;
    let app = application::load_for_staff(state, staff, id).await?;
    self_check::self_check_of(state, &app, request).await
}

// ---------------------------------------------------------------------------------------------
// Decisions

/// 审核通过. 终审 may set 补贴金额 and 赠险金额 (fen) at the same time.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ApproveRequest {
    /// 1 初审, 2 复审, 3 终审
    pub level: Option<u64>,
    /// 终审 only: 补贴金额 in fen (default: unchanged)
    pub subsidy_fen: Option<u64>,
    /// 终审 only: 赠险金额 in fen (default: unchanged)
    pub gift_fen: Option<u64>,
    /// 终审 only, required when 补贴 and 赠险 leave 应交保费 at 0.00 元: why (≤ 200 characters)
    pub zero_due_reason: Option<String>,
}

/// The reason a 0.00 元 application carries to the payment queue.
fn clean_zero_due_reason(raw: Option<&str>) -> ApiResult<String> {
    let reason: String = raw
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let len = reason.chars().count();
    if len == 0 {
        return Err(ApiError::refused(
            "ZERO_DUE_REASON_REQUIRED",
            "补贴金额与赠险金额合计等于总保费，应交保费为0元：请填写原因（如政策全额补贴的文件名称）",
        ));
    }
    if len > REASON_MAX_CHARS {
        return Err(ApiError::refused(
            "REASON_TOO_LONG",
            format!("原因不能超过{REASON_MAX_CHARS}字（当前{len}字）"),
        ));
    }
    Ok(reason)
}

/// 退回 with a reason the unit reads (SMS and the application).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReturnRequest {
    /// 1 初审, 2 复审, 3 终审
    pub level: Option<u64>,
    /// 退回原因 (required, ≤ 200 characters)
    pub reason: String,
}

/// The outcome of a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDecision {
    pub id: String,
    pub level: u8,
    pub status: ApplicationStatus,
    pub status_label: String,
    /// 应交保费 after the decision, fen
    pub due_fen: u64,
}

/// The whole condition of a decision at `level`, as its transition writes it: still waiting
/// at `level`, and `:me` held no other duty on the application.
pub fn decision_condition(level: ReviewLevel) -> String {
    format!("#st = :expected AND ({})", level.duty().condition())
}

/// After a cancelled decision: the reason as of now.
async fn refusal_now(state: &AppState, id: &str, level: ReviewLevel, login: &str) -> ApiError {
    match application::load(state, id).await {
        Ok(Some(now)) => decision_refused(&now, level, login).unwrap_or_else(changed_meanwhile),
        Ok(None) => ApiError::not_found("NOT_FOUND", "未找到该参保申请"),
        Err(e) => e,
    }
}

async fn contact_mobile(state: &AppState, unit_id: &str) -> ApiResult<Mobile> {
    let unit = unit::load_unit(state, unit_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application without its unit")))?;
    Ok(unit.contact.mobile)
}

/// 审核通过 at `level`: to the next status; 终审 also sends the amount due by SMS, once per
/// submission (the outbox event is keyed by the submission time).
pub async fn approve(state: &AppState, staff: &StaffUser, id: &str, req: &ApproveRequest) -> ApiResult<ReviewDecision> {
    let level = ReviewLevel::parse(req.level)?;
    staff.require(level.permission())?;
    let app = application::load_for_staff(state, staff, id).await?;
    if let Some(refusal) = decision_refused(&app, level, &staff.person) {
        return Err(refusal);
    }
    let adjusting = req.subsidy_fen.is_some() || req.gift_fen.is_some();
    if adjusting && level != ReviewLevel::L3 {
        return Err(ApiError::refused(
            "ADJUSTMENT_ONLY_AT_FINAL",
            "补贴金额和赠险金额只能在终审时设置",
        ));
    }
    let subsidy = req.subsidy_fen.unwrap_or(app.subsidy_fen);
    let gift = req.gift_fen.unwrap_or(app.gift_fen);
    let due = application::due_after(app.fee()?, subsidy, gift)?;
    let next = level.approved();
    let now = time::now();
    let table = &*state.table;

    let zero_due_reason = if level == ReviewLevel::L3 && due == Fen::ZERO {
        Some(clean_zero_due_reason(req.zero_due_reason.as_deref())?)
    } else {
        None
    };
    let mut transition = Transition::new(&app, level.pending(), next)
        .set(level.reviewer_attr(), s(staff.login.clone()))
        .duty(level.duty(), &staff.person);
    let action = format!("review_l{}_approved", level.number());
    if level == ReviewLevel::L3 {
        // The SMS states the amount due: it must be computed from the stored adjustments.
        let (fees, fee_values) = application::fees_unchanged(&app);
        let mut summary = format!(
            "终审通过，应交保费{}元（总保费{}元，补贴金额{}元，赠险金额{}元），已短信通知单位",
            due,
            app.fee()?,
            Fen::new(subsidy),
            Fen::new(gift)
        );
        if let Some(reason) = &zero_due_reason {
            summary.push_str(&format!("；应交保费为0元的原因：{reason}"));
            transition = transition.set("zero_due_reason", s(reason.clone()));
        }
        let event = format!(
            "approved:{}:{}",
            app.id,
            app.submitted_at.as_deref().unwrap_or_default()
        );
        let text = SmsText::Approved {
            amount_yuan: due.to_string(),
        };
        transition = transition
            .by(&staff.login, Some(Role::Staff), &action, summary)
            .guard(fees, fee_values)
            .set("approved_at", s(time::stamp(now)))
            .set("subsidy_fen", n(subsidy))
            .set("gift_fen", n(gift))
            .falls_due(&app, due)
            .notify(event, &contact_mobile(state, &app.unit_id).await?, text);
    } else {
        transition = transition.by(
            &staff.login,
            Some(Role::Staff),
            &action,
            format!("{}通过", level.label()),
        );
    }
    let items = transition.items(table).or_internal("build approve")?;
    if let Err(err) = db::transact(state, items).await {
        err.cancelled()?;
        return Err(refusal_now(state, &app.id, level, &staff.person).await);
    }
    tracing::info!(application = %app.id, level = level.number(), "application approved");
    metrics::count(Event::Approved(level.metric()), 1);
    Ok(ReviewDecision {
        id: app.id,
        level: level.number(),
        status: next,
        status_label: next.label().to_owned(),
        due_fen: due.value(),
    })
}

/// 退回 at `level`: back to draft for the unit to fix and submit again; the reason goes to
/// the application and by SMS to the contact. Decisions of this submission are cleared, so
/// the next submission is reviewed afresh.
pub async fn return_application(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    req: &ReturnRequest,
) -> ApiResult<ReviewDecision> {
    let level = ReviewLevel::parse(req.level)?;
    let reason = clean_reason(&req.reason)?;
    staff.require(level.permission())?;
    let app = application::load_for_staff(state, staff, id).await?;
    if let Some(refusal) = decision_refused(&app, level, &staff.person) {
        return Err(refusal);
    }
    let mobile = contact_mobile(state, &app.unit_id).await?;
    let table = &*state.table;
    let draft = ApplicationStatus::Draft;
    let event = format!(
        "returned:{}:{}",
        app.id,
        app.submitted_at.as_deref().unwrap_or_default()
    );
    let items = Transition::new(&app, level.pending(), draft)
        .by(
            &staff.login,
            Some(Role::Staff),
            &format!("review_l{}_returned", level.number()),
            format!("{}退回：{reason}", level.label()),
        )
        .set("returned_reason", s(reason.clone()))
        .set("returned_at", s(time::stamp(time::now())))
        // The unit's 参保录入 badge counts returned drafts.
        .set("gsi3pk", s(application::returned_index_key(&app.unit_id)))
        .set("gsi3sk", s(&app.id))
        .remove("l1_reviewer")
        .remove("l2_reviewer")
        .remove("l3_reviewer")
        .duty(level.duty(), &staff.person)
        .notify(event, &mobile, SmsText::ApplicationReturned { reason })
        .items(table)
        .or_internal("build return")?;
    if let Err(err) = db::transact(state, items).await {
        err.cancelled()?;
        return Err(refusal_now(state, &app.id, level, &staff.person).await);
    }
    tracing::info!(application = %app.id, level = level.number(), "application returned");
    metrics::count(Event::Returned(level.metric()), 1);
    Ok(ReviewDecision {
        due_fen: app.due()?.value(),
        id: app.id,
        level: level.number(),
        status: draft,
        status_label: draft.label().to_owned(),
    })
}

// ---------------------------------------------------------------------------------------------
// 参保记录查询

/// Longest ID number any 证件类型 has (passports and permits included), after trimming.
const ID_NUMBER_MAX: usize = 30;
const ID_NUMBER_MIN: usize = 6;

/// One coverage of the person, as 参保记录查询 lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageRow {
    /// 姓名 (masked)
    pub member_name: String,
    /// 参保单位
    pub unit_name: String,
    /// 所属机构
    pub agency_name: String,
    /// 保障活动名称
    pub activity_name: String,
    /// 确认书号
    pub certificate_number: String,
    /// 保障期间: first and last covered day (YYYY-MM-DD)
    pub effective_date: String,
    pub end_date: String,
    /// 续保 / 新参; absent on certificates issued before standings were kept
    pub standing: Option<String>,
    /// 观察期至 (YYYY-MM-DD) of a 新参 with an observation period
    pub observation_until: Option<String>,
    /// 未生效 / 保障中 / 已到期, on today's Beijing date
    pub status: String,
}

/// 参保记录查询: the coverages of one person within the caller's jurisdiction, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageLookup {
    /// The number asked for (masked)
    pub id_number: String,
    pub coverages: Vec<CoverageRow>,
}

/// 参保记录查询 by ID number: every certificate that covered the person, in the caller's
/// jurisdiction only. Each lookup is recorded in the caller's account trail (who, when, which
/// number masked, how many found), since it reads whole personal data by its key.
pub async fn coverage_lookup(state: &AppState, staff: &StaffUser, raw: &str) -> ApiResult<CoverageLookup> {
    staff.require_any(&READERS)?;
    let id_number: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if id_number.is_empty() {
        return Err(ApiError::refused("ID_NUMBER_REQUIRED", "请输入需要查询的证件号码"));
    }
    let length = id_number.chars().count();
    if !(ID_NUMBER_MIN..=ID_NUMBER_MAX).contains(&length) || !id_number.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::refused(
            "ID_NUMBER_FORMAT",
            "证件号码格式不正确，请输入完整的证件号码（6至30位字母或数字）",
        ));
    }
    let today = time::today_beijing();
    let coverages: Vec<CoverageRow> = coverage::records_of(state, &id_number)
        .await?
        .into_iter()
        .filter(|r| reference::is_within(&r.agency_code, &staff.agency_code))
        .map(|r| {
            let status = if today < r.effective_date {
                "未生效"
            } else if today > r.end_date {
                "已到期"
            } else {
                "保障中"
            };
            let observation_until = match r.standing {
                Some(CoverStanding::New { observation_until }) => observation_until.map(|d| d.to_string()),
                _ => None,
            };
            CoverageRow {
                member_name: mask_name(&r.name),
                unit_name: r.unit_name,
                agency_name: reference::full_name(&r.agency_code).unwrap_or_default(),
                activity_name: r.activity_name,
                certificate_number: r.certificate_number,
                effective_date: r.effective_date.to_string(),
                end_date: r.end_date.to_string(),
                standing: r.standing.map(|s| s.label().to_owned()),
                observation_until,
                status: status.to_owned(),
            }
        })
        .collect();
    let masked = mask_id_number(&id_number);
    trail::record_read(
        state,
        &account_pk(&staff.login),
        &staff.login,
        Role::Staff,
        "coverage_looked_up",
        &format!("参保记录查询：证件号码{masked}，查到{}条", coverages.len()),
    )
    .await?;
    Ok(CoverageLookup {
        id_number: masked,
        coverages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(status: ApplicationStatus) -> Application {
        serde_json::from_value(serde_json::json!({
            "id": "a", "number": "SQ1", "unit_id": "u", "unit_name": "单位", "agency_code": "411103",
            "status": status, "activity_code": "ZYYL", "activity_kind": "住院医疗",
            "activity_name": "在职职工住院医疗互助保障活动", "fee_per_share_fen": 8000,
            "sub_category_code": "ZYYL-01", "sub_category_name": "细类", "shares": 1, "min_age": 16,
            "max_age_male": 60, "max_age_female": 55, "term_months": 12, "employees": 5,
            "female_employees": 2, "remarks": "", "named_count": 3, "unnamed_count": 0,
            "high_risk_count": 0, "expiring_count": 0, "batch_seq": 1,
            "created_at": "2025-02-18T02:49:08.000Z", "submitted_at": "2025-02-18T03:00:00.000Z"
        }))
        .unwrap()
    }

    #[test]
    fn every_application_transition_carries_its_tally_change_and_paid_its_amount() {
        let tally_of = |items: &[aws_sdk_dynamodb::types::TransactWriteItem]| {
            let update = items.last().and_then(|i| i.update()).expect("tally update last");
            (update.key().get("pk").cloned(), update.update_expression().to_owned())
        };
        let a = app(ApplicationStatus::Submitted);
        let items = Transition::new(&a, ApplicationStatus::Submitted, ApplicationStatus::L1Approved)
            .by("zhang", Some(Role::Staff), "review_l1_approved", "初审通过")
            .items("t")
            .expect("items");
        assert_eq!(items.len(), 3, "update, trail, tally");
        assert_eq!(
            tally_of(&items),
            (Some(s("TALLY#411103")), "ADD #a0 :v0, #a1 :v1".to_owned())
        );
        let paid = || {
            Transition::new(&a, ApplicationStatus::Invoiced, ApplicationStatus::Paid).by(
                "wang",
                Some(Role::Staff),
                "payment_confirmed",
                "到账确认",
            )
        };
        assert!(paid().items("t").is_err(), "到账确认 without its amount is refused");
        let on = chrono::NaiveDate::from_ymd_opt(2025, 3, 2).expect("day");
        let items = paid().received(&a, Fen::new(8000), on).items("t").expect("items");
        let update = items.last().and_then(|i| i.update()).expect("tally update last");
        let names = update.expression_attribute_names().expect("names");
        assert!(names.values().any(|attr| attr == "received_fen_202503"), "{names:?}");
        let l3 = Transition::new(&a, ApplicationStatus::L2Approved, ApplicationStatus::Approved).by(
            "li",
            Some(Role::Staff),
            "review_l3_approved",
            "终审通过",
        );
        assert!(
            l3.items("t").is_err(),
            "终审 without the amount it makes due is refused"
        );
    }

    #[test]
    fn levels_come_as_one_two_three() {
        assert_eq!(ReviewLevel::parse(Some(1)).unwrap(), ReviewLevel::L1);
        assert_eq!(
            ReviewLevel::parse(Some(3)).unwrap().pending(),
            ApplicationStatus::L2Approved
        );
        for bad in [None, Some(0), Some(4)] {
            assert_eq!(ReviewLevel::parse(bad).unwrap_err().code, "LEVEL_INVALID");
        }
    }

    #[test]
    fn a_person_holds_one_duty_of_an_application_returns_included() {
        let mut a = app(ApplicationStatus::L1Approved);
        // A return cleared who decided this submission, never who acted on the application.
        a.l1_persons = vec!["zhang".into()];
        assert_eq!(
            decision_refused(&a, ReviewLevel::L2, "zhang").map(|e| e.code),
            Some("REVIEWER_ALREADY_ACTED")
        );
        assert!(decision_refused(&a, ReviewLevel::L2, "li").is_none());
        // The wrong level: the application does not wait there.
        assert_eq!(
            decision_refused(&a, ReviewLevel::L1, "li").map(|e| e.code),
            Some("APPLICATION_ALREADY_DECIDED")
        );
        a.status = ApplicationStatus::L2Approved;
        a.l2_persons = vec!["li".into()];
        assert_eq!(acted_on_other_level(&a, ReviewLevel::L3, "li"), Some(Duty::L2));
        assert_eq!(acted_on_other_level(&a, ReviewLevel::L3, "zhang"), Some(Duty::L1));
        assert!(decision_refused(&a, ReviewLevel::L3, "wang").is_none());
        a.finance_persons = vec!["wang".into()];
        assert_eq!(acted_on_other_level(&a, ReviewLevel::L3, "wang"), Some(Duty::Finance));
    }

    #[test]
    fn the_condition_guards_the_other_duties() {
        let c = decision_condition(ReviewLevel::L2);
        let written = Transition::new(
            &app(ApplicationStatus::L1Approved),
            ReviewLevel::L2.pending(),
            ReviewLevel::L2.approved(),
        )
        .duty(ReviewLevel::L2.duty(), "li")
        .condition_expression();
        assert_eq!(c, written, "the decision's write is guarded by this very condition");
        assert!(c.starts_with("#st = :expected"));
        for other in ["l1_persons", "l3_persons", "finance_persons"] {
            assert!(c.contains(&format!("NOT contains({other}, :me)")), "{c}");
        }
        assert!(!c.contains("l2_persons"));
    }

    #[test]
    fn reasons_are_required_and_short() {
        assert_eq!(clean_reason("  ").unwrap_err().code, "REASON_REQUIRED");
        assert_eq!(clean_reason(&"字".repeat(201)).unwrap_err().code, "REASON_TOO_LONG");
        assert_eq!(clean_reason(" 缺少超龄证明\u{7} ").unwrap(), "缺少超龄证明");
        assert_eq!(clean_reason(&"字".repeat(200)).unwrap().chars().count(), 200);
    }
}
