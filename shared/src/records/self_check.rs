//! 参保自核信息: members outside the activity's age limits, over-age first (over-age members
//! need the 超龄证明 attachment), then 居民身份证 numbers whose address code never existed.
//!
//! Findings are not computed by reading every member: a member is written with its gender and
//! birth date as keys of an index (gsi3), and "older than L on E" is a range of it: born on or
//! before (E.year − L − 1, E.month, E.day), as chrono's `years_since` compares month and day. So
//! a page of findings reads that page, and the counts cost the findings, not the members.
use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Gender, mask_name};
use crate::platform::cursor::{IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db;
use crate::platform::error::{ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::Application;
use crate::records::attachment::{self, AttachmentKind};
use crate::records::members::{ADDRESS_FLAG, Member, ages_pk, committed_filter, flags_pk};

/// 自核规则
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelfCheckRule {
    /// 超龄: older than the activity's limit for the gender
    OverAge,
    /// 未满最低年龄
    UnderAge,
    /// 证件号码地址码不存在: a 居民身份证 whose first six digits no edition of GB/T 2260 held
    AddressCodeUnknown,
}

impl SelfCheckRule {
    pub fn label(self) -> &'static str {
        match self {
            Self::OverAge => "超龄",
            Self::UnderAge => "未满最低年龄",
            Self::AddressCodeUnknown => "证件号码地址码不存在",
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
    /// The age limit the member is outside of (none for an address code).
    pub age_limit: Option<u32>,
    /// 自核日期 (yyyy-mm-dd, Beijing)
    pub checked_on: String,
    /// 自核状态: 待处理 / 已上传证明
    pub status: String,
}

/// 参保自核信息 of one application: the counts, and one page of findings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelfCheck {
    /// One page: over-age members first (men, then women, oldest first), then under-age ones.
    pub findings: Vec<SelfCheckFinding>,
    /// Findings before this page (序号 of the first is offset + 1)
    pub offset: u32,
    pub page_size: u32,
    /// `cursor` of the next page of findings; absent on the last page
    pub next: Option<String>,
    pub over_age_count: u32,
    pub under_age_count: u32,
    /// 证件号码地址码不存在
    pub address_unknown_count: u32,
    /// 高危职业人数
    pub high_risk_count: u32,
    /// Whether a 超龄证明 is attached.
    pub overage_proof_uploaded: bool,
    /// Ages are taken on this date: the day after the check (planned 生效日期).
    pub effective_date: String,
    /// 自核日期
    pub checked_on: String,
}

pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 200;

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

/// The birth-date sort key just above every member born on (E.year − years, E.month, E.day):
/// those at or below it are at least `years` old on E. The day need not exist (29 February of a
/// common year): text order is the (year, month, day) order `years_since` uses.
fn born_by(effective: NaiveDate, years: u32) -> String {
    let year = effective.year() - i32::try_from(years).unwrap_or(i32::MAX / 2);
    format!("{year:04}-{:02}-{:02}$", effective.month(), effective.day())
}

/// The index ranges of one rule (a segment per gender for the age rules), each with the age
/// limit it checks.
fn rule_segments(app: &Application, rule: SelfCheckRule, effective: NaiveDate) -> Vec<(Segment, Option<u32>)> {
    match rule {
        SelfCheckRule::AddressCodeUnknown => vec![(
            Segment::new(
                IndexName::Gsi5,
                flags_pk(&app.id),
                SortRange::BeginsWith(ADDRESS_FLAG.to_owned()),
            ),
            None,
        )],
        // No one is younger than 0.
        SelfCheckRule::UnderAge if app.min_age == 0 => Vec::new(),
        SelfCheckRule::OverAge | SelfCheckRule::UnderAge => [Gender::Male, Gender::Female]
            .into_iter()
            .map(|gender| {
                let pk = ages_pk(&app.id, gender);
                if rule == SelfCheckRule::OverAge {
                    let limit = age_limit(app, gender);
                    let range = SortRange::Below(born_by(effective, limit.saturating_add(1)));
                    (Segment::new(IndexName::Gsi3, pk, range), Some(limit))
                } else {
                    let range = SortRange::Above(born_by(effective, app.min_age));
                    (Segment::new(IndexName::Gsi3, pk, range), Some(app.min_age))
                }
            })
            .collect(),
    }
}

/// The findings of `rules` as one list, with each segment's rule and limit.
fn findings_list(
    app: &Application,
    rules: &[SelfCheckRule],
    effective: NaiveDate,
) -> (IndexList, Vec<(SelfCheckRule, Option<u32>)>) {
    let mut segments = Vec::new();
    let mut meaning = Vec::new();
    for &rule in rules {
        for (segment, limit) in rule_segments(app, rule, effective) {
            segments.push(segment);
            meaning.push((rule, limit));
        }
    }
    let (expression, values) = committed_filter(app);
    (IndexList::new(segments).filtered(expression, &values), meaning)
}

/// How many committed members are over-age and under-age on `effective`.
pub async fn counts(state: &AppState, app: &Application, effective: NaiveDate) -> ApiResult<(u32, u32)> {
    let (over, _) = findings_list(app, &[SelfCheckRule::OverAge], effective);
    let (under, _) = findings_list(app, &[SelfCheckRule::UnderAge], effective);
    Ok((over.count(state).await?, under.count(state).await?))
}

/// How many committed members hold a 居民身份证 whose address code never existed.
pub async fn address_unknown_count(state: &AppState, app: &Application) -> ApiResult<u32> {
    let (list, _) = findings_list(app, &[SelfCheckRule::AddressCodeUnknown], check_dates().1);
    list.count(state).await
}

/// Every rule, in the order the findings list them.
const RULES: [SelfCheckRule; 3] = [
    SelfCheckRule::OverAge,
    SelfCheckRule::UnderAge,
    SelfCheckRule::AddressCodeUnknown,
];

/// (today, planned effective date = tomorrow), Beijing.
pub fn check_dates() -> (NaiveDate, NaiveDate) {
    let today = time::today_beijing();
    (today, today.checked_add_days(Days::new(1)).unwrap_or(today))
}

/// 参保自核信息 of any application (callers check who may read it), one page of findings.
pub async fn self_check_of(state: &AppState, app: &Application, request: &PageAt) -> ApiResult<SelfCheck> {
    let proof = attachment::list(state, &app.id)
        .await?
        .iter()
        .any(|a| a.kind == AttachmentKind::OverageProof);
    let (today, effective) = check_dates();
    let (list, meaning) = findings_list(app, &RULES, effective);
    let (items, next) = list.read_page(state, request).await?;
    let checked_on = today.to_string();
    let mut findings = Vec::with_capacity(items.len());
    for ((segment, item), seq) in items.into_iter().zip(request.offset().saturating_add(1)..) {
        let member: Member = db::from_item(item).or_internal("decode member")?;
        let Some(&(rule, limit)) = meaning.get(segment) else {
            continue;
        };
        findings.push(SelfCheckFinding {
            seq,
            number: app.number.clone(),
            activity_name: app.activity_name.clone(),
            rule_code: rule,
            rule: rule.label().to_owned(),
            member_id: member.member_id.clone(),
            member_name: mask_name(&member.name),
            id_number: member.id.masked(),
            gender: member.gender.label().to_owned(),
            age: member.age_on(effective),
            age_limit: limit,
            checked_on: checked_on.clone(),
            status: if rule == SelfCheckRule::OverAge && proof {
                STATUS_PROOF_UPLOADED
            } else {
                STATUS_PENDING
            }
            .to_owned(),
        });
    }
    let (over_age_count, under_age_count) = counts(state, app, effective).await?;
    let address_unknown_count = address_unknown_count(state, app).await?;
    Ok(SelfCheck {
        findings,
        offset: request.offset(),
        page_size: request.size,
        next,
        over_age_count,
        under_age_count,
        address_unknown_count,
        high_risk_count: app.high_risk_count,
        overage_proof_uploaded: proof,
        effective_date: effective.to_string(),
        checked_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
    }

    /// The key range and the age rule agree for every birth date of six years around the
    /// limits, on ordinary days and on the days around 29 February.
    #[test]
    fn the_birth_date_ranges_are_the_age_rule() {
        let effectives = [
            date(2025, 3, 1),
            date(2024, 2, 29),
            date(2025, 2, 28),
            date(2026, 12, 31),
            date(2027, 1, 1),
        ];
        for effective in effectives {
            for years in [16u32, 60, 61, 66] {
                let bound = born_by(effective, years);
                let mut birth = date(effective.year() - years as i32 - 3, 1, 1);
                let last = date(effective.year() - years as i32 + 3, 12, 31);
                while birth <= last {
                    let key = format!("{birth}#000001#0000001");
                    let old_enough = effective.years_since(birth).unwrap_or(0) >= years;
                    assert_eq!(key < bound, old_enough, "born {birth}, {years} years on {effective}");
                    birth = birth.succ_opt().expect("next day");
                }
            }
        }
    }
}
