//! 参保自核信息: members outside the activity's age limits, over-age first; over-age members
//! need the 超龄证明 attachment.
use chrono::{Days, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Gender, mask_name};
use crate::platform::error::ApiResult;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::Application;
use crate::records::attachment::{self, AttachmentKind};
use crate::records::members::{self, Member};

/// 自核规则
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelfCheckRule {
    /// 超龄: older than the activity's limit for the gender
    OverAge,
    /// 未满最低年龄
    UnderAge,
}

impl SelfCheckRule {
    pub fn label(self) -> &'static str {
        match self {
            Self::OverAge => "超龄",
            Self::UnderAge => "未满最低年龄",
        }
    }
}

pub const STATUS_PENDING: &str = "待处理";
pub const STATUS_PROOF_UPLOADED: &str = "已上传证明";

/// One row of 参保自核信息.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelfCheckFinding {
    /// 序号
    pub seq: u32,
    /// 申请书号
    pub number: String,
    /// 保障活动
    pub activity_name: String,
    pub rule_code: SelfCheckRule,
    /// 自核规则: 超龄 / 未满最低年龄
    pub rule: String,
    /// Opaque member id (for 人员详情/修改).
    pub member_id: String,
    /// 参保人 (masked)
    pub member_name: String,
    /// 参保人证件号 (masked)
    pub id_number: String,
    /// 性别
    pub gender: String,
    /// Age on the planned effective date.
    pub age: u32,
    /// The limit the member is outside of.
    pub age_limit: u32,
    /// 自核日期 (yyyy-mm-dd, Beijing)
    pub checked_on: String,
    /// 自核状态: 待处理 / 已上传证明
    pub status: String,
}

/// 参保自核信息 of one application.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelfCheck {
    /// Over-age members first, then under-age ones.
    pub findings: Vec<SelfCheckFinding>,
    pub over_age_count: u32,
    pub under_age_count: u32,
    /// 高危职业人数
    pub high_risk_count: u32,
    /// Whether a 超龄证明 is attached.
    pub overage_proof_uploaded: bool,
    /// Ages are taken on this date: the day after the check (planned 生效日期).
    pub effective_date: String,
    /// 自核日期
    pub checked_on: String,
}

fn age_limit(app: &Application, gender: Gender) -> u32 {
    match gender {
        Gender::Male => app.max_age_male,
        Gender::Female => app.max_age_female,
    }
}

/// Members older than the activity's limit on `effective`, in list order.
pub fn over_age<'a>(app: &Application, members: &'a [Member], effective: NaiveDate) -> Vec<&'a Member> {
    members
        .iter()
        .filter(|m| m.age_on(effective) > age_limit(app, m.gender))
        .collect()
}

/// The self-check as a pure function of the application, its members and the dates.
pub fn self_check(
    app: &Application,
    members: &[Member],
    proof_uploaded: bool,
    today: NaiveDate,
    effective: NaiveDate,
) -> SelfCheck {
    let mut sorted: Vec<&Member> = members.iter().collect();
    sorted.sort_by(|a, b| (a.batch_no, a.row, &a.member_id).cmp(&(b.batch_no, b.row, &b.member_id)));
    let mut flagged: Vec<(SelfCheckRule, &Member, u32)> = Vec::new();
    for m in &sorted {
        let limit = age_limit(app, m.gender);
        if m.age_on(effective) > limit {
            flagged.push((SelfCheckRule::OverAge, m, limit));
        }
    }
    for m in &sorted {
        if m.age_on(effective) < app.min_age {
            flagged.push((SelfCheckRule::UnderAge, m, app.min_age));
        }
    }
    let checked_on = today.to_string();
    let findings: Vec<SelfCheckFinding> = flagged
        .into_iter()
        .zip(1u32..)
        .map(|((rule, m, limit), seq)| SelfCheckFinding {
            seq,
            number: app.number.clone(),
            activity_name: app.activity_name.clone(),
            rule_code: rule,
            rule: rule.label().to_owned(),
            member_id: m.member_id.clone(),
            member_name: mask_name(&m.name),
            id_number: m.id.masked(),
            gender: m.gender.label().to_owned(),
            age: m.age_on(effective),
            age_limit: limit,
            checked_on: checked_on.clone(),
            status: if rule == SelfCheckRule::OverAge && proof_uploaded {
                STATUS_PROOF_UPLOADED
            } else {
                STATUS_PENDING
            }
            .to_owned(),
        })
        .collect();
    let over = findings
        .iter()
        .filter(|f| f.rule_code == SelfCheckRule::OverAge)
        .count();
    SelfCheck {
        over_age_count: u32::try_from(over).unwrap_or(u32::MAX),
        under_age_count: u32::try_from(findings.len() - over).unwrap_or(u32::MAX),
        findings,
        high_risk_count: app.high_risk_count,
        overage_proof_uploaded: proof_uploaded,
        effective_date: effective.to_string(),
        checked_on,
    }
}

/// (today, planned effective date = tomorrow), Beijing.
pub fn check_dates() -> (NaiveDate, NaiveDate) {
    let today = time::today_beijing();
    (today, today.checked_add_days(Days::new(1)).unwrap_or(today))
}

/// 参保自核信息 of any application (callers check who may read it).
pub async fn self_check_of(state: &AppState, app: &Application) -> ApiResult<SelfCheck> {
    let members = members::all(state, app).await?;
    let proof = attachment::list(state, &app.id)
        .await?
        .iter()
        .any(|a| a.kind == AttachmentKind::OverageProof);
    let (today, effective) = check_dates();
    Ok(self_check(app, &members, proof, today, effective))
}
