//! The activity catalogue (保障活动), stored so the office can change fees and age limits.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Fen;
use crate::domain::renewal::{self, RenewalTerms};
use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::db::{self, OnCancel, key, n, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal};
use crate::platform::state::AppState;
use crate::records::account::{Permission, Role};
use crate::records::session::StaffUser;
use crate::records::trail::{self, TrailEntry};
use crate::reference;

const CATALOGUE_PK: &str = "CATALOGUE";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubCategory {
    pub code: String,
    pub name: String,
}

/// 保障活动
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub code: String,
    /// 保障活动类型, e.g. 住院医疗
    pub kind: String,
    pub name: String,
    /// 会费标准 per share, in fen
    pub fee_per_share_fen: u64,
    pub max_shares: u32,
    /// 细类
    pub sub_categories: Vec<SubCategory>,
    pub min_age: u32,
    pub max_age_male: u32,
    pub max_age_female: u32,
    pub term_months: u32,
    /// 续保开放: a certificate may be renewed from this many days before its end …
    #[serde(default = "opens_default")]
    pub renewal_opens_days_before: u32,
    /// … to this many days after it.
    #[serde(default = "closes_default")]
    pub renewal_closes_days_after: u32,
    /// 观察期 of a 新参 member, in days from the start of cover.
    #[serde(default = "observation_default")]
    pub observation_days: u32,
    pub active: bool,
    /// Counts the office's edits; an edit names the revision it started from, so two admins
    /// editing at once cannot overwrite each other unnoticed.
    #[serde(default)]
    pub revision: u64,
}

fn opens_default() -> u32 {
    renewal::DEFAULT_OPENS_DAYS_BEFORE
}

fn closes_default() -> u32 {
    renewal::DEFAULT_CLOSES_DAYS_AFTER
}

fn observation_default() -> u32 {
    renewal::DEFAULT_OBSERVATION_DAYS
}

impl Activity {
    /// The renewal rules; an item stored with values out of bounds (by hand) falls back to the
    /// defaults rather than opening an unbounded window.
    pub fn renewal_terms(&self) -> RenewalTerms {
        RenewalTerms::parse(
            self.renewal_opens_days_before,
            self.renewal_closes_days_after,
            self.observation_days,
        )
        .unwrap_or_default()
    }
}

fn activity_key(code: &str) -> db::Item {
    key(CATALOGUE_PK, format!("ACTIVITY#{code}"))
}

/// Writes the seed activities that are not there yet; never overwrites the office's edits.
pub async fn seed(state: &AppState) -> ApiResult<usize> {
    let mut written = 0;
    for seed in reference::activity_seeds() {
        let activity = Activity {
            code: seed.code.to_owned(),
            kind: seed.kind.to_owned(),
            name: seed.name.to_owned(),
            fee_per_share_fen: seed.fee_per_share_fen,
            max_shares: seed.max_shares,
            sub_categories: seed
                .sub_categories
                .iter()
                .map(|c| SubCategory {
                    code: c.code.to_owned(),
                    name: c.name.to_owned(),
                })
                .collect(),
            min_age: seed.min_age,
            max_age_male: seed.max_age_male,
            max_age_female: seed.max_age_female,
            term_months: seed.term_months,
            renewal_opens_days_before: renewal::DEFAULT_OPENS_DAYS_BEFORE,
            renewal_closes_days_after: renewal::DEFAULT_CLOSES_DAYS_AFTER,
            observation_days: renewal::DEFAULT_OBSERVATION_DAYS,
            active: true,
            revision: 0,
        };
        let mut item = db::to_item(&activity).or_internal("encode activity")?;
        item.extend(activity_key(&activity.code));
        let result = state
            .db
            .put_item()
            .table_name(&*state.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => written += 1,
            Err(e) if db::is_condition_failed(&e) => {}
            Err(e) => {
                return Err(crate::platform::error::ApiError::internal(
                    anyhow::Error::new(e).context("seed activity"),
                ));
            }
        }
    }
    Ok(written)
}

pub async fn list(state: &AppState) -> ApiResult<Vec<Activity>> {
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :a)")
        .expression_attribute_values(":pk", s(CATALOGUE_PK))
        .expression_attribute_values(":a", s("ACTIVITY#"));
    db::query_as(query, "query catalogue").await
}

/// One activity, read consistently (an edit must see the latest revision).
pub async fn get(state: &AppState, code: &str) -> ApiResult<Option<Activity>> {
    db::get_as(state, activity_key(code), "get activity").await
}

/// 保障活动维护: what an admin submits to add an activity or change one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityForm {
    /// Only read when adding; an activity's code never changes.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub fee_per_share_fen: u64,
    #[serde(default)]
    pub max_shares: u32,
    #[serde(default)]
    pub sub_categories: Vec<SubCategory>,
    #[serde(default)]
    pub min_age: u32,
    #[serde(default)]
    pub max_age_male: u32,
    #[serde(default)]
    pub max_age_female: u32,
    #[serde(default)]
    pub term_months: u32,
    /// Defaults: 30 days before the end, 15 after, 90 days of observation.
    #[serde(default = "opens_default")]
    pub renewal_opens_days_before: u32,
    #[serde(default = "closes_default")]
    pub renewal_closes_days_after: u32,
    #[serde(default = "observation_default")]
    pub observation_days: u32,
    #[serde(default = "enabled")]
    pub active: bool,
    /// The revision the admin started from (ignored when adding).
    #[serde(default)]
    pub revision: u64,
}

fn enabled() -> bool {
    true
}

const MAX_FEE_FEN: u64 = 10_000_000;
const MAX_AGE: u32 = 100;
const MAX_SUB_CATEGORIES: usize = 20;

fn code_ok(code: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn text(check: &mut FieldCheck, field: &str, raw: &str, max: usize, what: &str) -> String {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > max {
        check.push(field, "REQUIRED", format!("请填写{what}（{max}字以内）"));
    }
    value.to_owned()
}

/// Every rule of an activity, each refusal next to its field; `code` is the activity's code.
fn parse(form: ActivityForm, code: &str) -> ApiResult<Activity> {
    let mut check = FieldCheck::new();
    if !code_ok(code, 2, 16) {
        check.push(
            "code",
            "ACTIVITY_CODE_FORMAT",
            "活动编码为2到16位大写字母、数字或 -，以字母开头",
        );
    }
    let kind = text(&mut check, "kind", &form.kind, 20, "保障活动类型");
    let name = text(&mut check, "name", &form.name, 50, "保障活动名称");
    if !(1..=MAX_FEE_FEN).contains(&form.fee_per_share_fen) {
        check.push(
            "fee_per_share_fen",
            "FEE_INVALID",
            "会费标准应在0.01元到100000.00元之间",
        );
    }
    if !(1..=100).contains(&form.max_shares) {
        check.push("max_shares", "SHARES_INVALID", "最多份数应为1到100之间的整数");
    }
    if form.sub_categories.is_empty() || form.sub_categories.len() > MAX_SUB_CATEGORIES {
        check.push("sub_categories", "SUB_CATEGORIES_COUNT", "请填写1到20个细类");
    }
    let mut sub_categories: Vec<SubCategory> = Vec::with_capacity(form.sub_categories.len());
    for (i, sub) in form.sub_categories.iter().enumerate() {
        let sub_code = sub.code.trim();
        if !code_ok(sub_code, 2, 24) {
            check.push(
                &format!("sub_categories[{i}].code"),
                "SUB_CATEGORY_CODE_FORMAT",
                format!("第{}个细类：编码为2到24位大写字母、数字或 -，以字母开头", i + 1),
            );
        } else if sub_categories.iter().any(|c| c.code == sub_code) {
            check.push(
                &format!("sub_categories[{i}].code"),
                "SUB_CATEGORY_CODE_DUPLICATE",
                format!("第{}个细类：编码{sub_code}重复", i + 1),
            );
        }
        let sub_name = sub.name.trim();
        if sub_name.is_empty() || sub_name.chars().count() > 50 {
            check.push(
                &format!("sub_categories[{i}].name"),
                "REQUIRED",
                format!("第{}个细类：请填写名称（50字以内）", i + 1),
            );
        }
        sub_categories.push(SubCategory {
            code: sub_code.to_owned(),
            name: sub_name.to_owned(),
        });
    }
    for (field, max, who) in [
        ("max_age_male", form.max_age_male, "男性"),
        ("max_age_female", form.max_age_female, "女性"),
    ] {
        if max > MAX_AGE || max <= form.min_age {
            check.push(
                field,
                "AGE_LIMIT_INVALID",
                format!("{who}最大年龄应大于最小年龄且不超过{MAX_AGE}周岁"),
            );
        }
    }
    if !(1..=60).contains(&form.term_months) {
        check.push("term_months", "TERM_INVALID", "保障期限应为1到60个月");
    }
    if let Err(errors) = RenewalTerms::parse(
        form.renewal_opens_days_before,
        form.renewal_closes_days_after,
        form.observation_days,
    ) {
        for e in errors {
            check.push(e.field(), e.code(), e.message());
        }
    }
    check.finish()?;
    Ok(Activity {
        code: code.to_owned(),
        kind,
        name,
        fee_per_share_fen: form.fee_per_share_fen,
        max_shares: form.max_shares,
        sub_categories,
        min_age: form.min_age,
        max_age_male: form.max_age_male,
        max_age_female: form.max_age_female,
        term_months: form.term_months,
        renewal_opens_days_before: form.renewal_opens_days_before,
        renewal_closes_days_after: form.renewal_closes_days_after,
        observation_days: form.observation_days,
        active: form.active,
        revision: form.revision,
    })
}

/// The catalogue is province-wide, so only the province office's admins maintain it.
fn require_catalogue_admin(staff: &StaffUser) -> ApiResult<()> {
    staff.require(Permission::Admin)?;
    if staff.agency_code != reference::ROOT_AGENCY_CODE {
        return Err(ApiError::forbidden(
            "CATALOGUE_ROOT_ONLY",
            "保障活动目录由省办事处管理员维护",
        ));
    }
    Ok(())
}

fn trail_pk(code: &str) -> String {
    format!("ACTIVITY#{code}")
}

/// Adds an activity; its code must be new.
pub async fn create(state: &AppState, staff: &StaffUser, form: ActivityForm) -> ApiResult<Activity> {
    require_catalogue_admin(staff)?;
    let code = form.code.trim().to_owned();
    let mut activity = parse(form, &code)?;
    activity.revision = 1;
    let mut item = db::to_item(&activity).or_internal("encode activity")?;
    item.extend(activity_key(&code));
    let summary = format!(
        "新增保障活动：{}，会费标准{}元/份",
        activity.name,
        Fen::new(activity.fee_per_share_fen)
    );
    let items = vec![
        db::put_new(&state.table, item).or_internal("activity put")?,
        trail::record(
            &state.table,
            &trail_pk(&code),
            &staff.login,
            Some(Role::Staff),
            "activity_created",
            &summary,
        )
        .or_internal("trail")?,
    ];
    db::transact(state, items).await.on_cancel(|c| {
        if c.failed_at(0) {
            ApiError::conflict("ACTIVITY_CODE_TAKEN", format!("活动编码{code}已存在"))
        } else {
            ApiError::conflict("CATALOGUE_BUSY", "保存未成功，请重试")
        }
    })?;
    tracing::info!(by = %staff.login, activity = %code, "activity created");
    Ok(activity)
}

/// Changes an activity, only if nobody changed it since `form.revision`. Applications keep the
/// fee and limits they were created with; a change applies to new applications only.
pub async fn update(state: &AppState, staff: &StaffUser, code: &str, form: ActivityForm) -> ApiResult<Activity> {
    require_catalogue_admin(staff)?;
    let Some(current) = get(state, code).await? else {
        return Err(not_found());
    };
    let expected = form.revision;
    let mut activity = parse(form, code)?;
    let changes = describe_changes(&current, &activity);
    if changes.is_empty() {
        return Ok(current);
    }
    activity.revision = expected + 1;
    let mut item = db::to_item(&activity).or_internal("encode activity")?;
    item.extend(activity_key(code));
    // Seeded items written before revisions existed have none: they count as revision 0.
    let guard = if expected == 0 {
        "attribute_exists(pk) AND (attribute_not_exists(revision) OR revision = :r)"
    } else {
        "attribute_exists(pk) AND revision = :r"
    };
    let summary = format!("修改保障活动：{}", changes.join("；"));
    let items = vec![
        db::put_if(&state.table, item, Some(guard), &[(":r", n(expected))]).or_internal("activity put")?,
        trail::record(
            &state.table,
            &trail_pk(code),
            &staff.login,
            Some(Role::Staff),
            "activity_updated",
            &summary,
        )
        .or_internal("trail")?,
    ];
    db::transact(state, items)
        .await
        .on_cancel(|_| ApiError::conflict("CATALOGUE_STALE", "该保障活动已被他人修改，请刷新后重新编辑"))?;
    tracing::info!(by = %staff.login, activity = %code, "activity updated");
    Ok(activity)
}

/// The activity's change history, a page of it, newest first.
pub async fn history(
    state: &AppState,
    staff: &StaffUser,
    code: &str,
    at: &PageAt,
) -> ApiResult<CursorPage<TrailEntry>> {
    require_catalogue_admin(staff)?;
    if get(state, code).await?.is_none() {
        return Err(not_found());
    }
    trail::page(state, &trail_pk(code), at).await
}

fn not_found() -> ApiError {
    ApiError::not_found("ACTIVITY_NOT_FOUND", "未找到该保障活动，请刷新后重试")
}

/// What an edit changes, in words a reviewer of the history understands.
fn describe_changes(before: &Activity, after: &Activity) -> Vec<String> {
    let mut changes = Vec::new();
    let mut field = |label: &str, old: String, new: String| {
        if old != new {
            changes.push(format!("{label} {old}→{new}"));
        }
    };
    field("类型", before.kind.clone(), after.kind.clone());
    field("名称", before.name.clone(), after.name.clone());
    field(
        "会费标准",
        format!("{}元", Fen::new(before.fee_per_share_fen)),
        format!("{}元", Fen::new(after.fee_per_share_fen)),
    );
    field("最多份数", before.max_shares.to_string(), after.max_shares.to_string());
    field("最小年龄", before.min_age.to_string(), after.min_age.to_string());
    field(
        "男性最大年龄",
        before.max_age_male.to_string(),
        after.max_age_male.to_string(),
    );
    field(
        "女性最大年龄",
        before.max_age_female.to_string(),
        after.max_age_female.to_string(),
    );
    field(
        "保障期限(月)",
        before.term_months.to_string(),
        after.term_months.to_string(),
    );
    field(
        "续保开放(到期前天数)",
        before.renewal_opens_days_before.to_string(),
        after.renewal_opens_days_before.to_string(),
    );
    field(
        "续保截止(到期后天数)",
        before.renewal_closes_days_after.to_string(),
        after.renewal_closes_days_after.to_string(),
    );
    field(
        "观察期(天)",
        before.observation_days.to_string(),
        after.observation_days.to_string(),
    );
    let subs = |a: &Activity| {
        a.sub_categories
            .iter()
            .map(|c| format!("{} {}", c.code, c.name))
            .collect::<Vec<_>>()
            .join("、")
    };
    field("细类", subs(before), subs(after));
    let state = |active: bool| if active { "启用" } else { "停用" }.to_owned();
    field("状态", state(before.active), state(after.active));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ActivityForm {
        serde_json::from_value(serde_json::json!({
            "code": "YWSH", "kind": "意外伤害", "name": "职工意外伤害互助保障活动",
            "fee_per_share_fen": 2000, "max_shares": 3,
            "sub_categories": [{ "code": "YWSH-01", "name": "意外伤害（会费20元）" }],
            "min_age": 16, "max_age_male": 65, "max_age_female": 60, "term_months": 12
        }))
        .unwrap()
    }

    fn refused_fields(form: ActivityForm, code: &str) -> Vec<String> {
        match parse(form, code) {
            Ok(_) => Vec::new(),
            Err(e) => e.fields.into_iter().map(|f| f.field).collect(),
        }
    }

    #[test]
    fn a_complete_form_is_an_active_activity() {
        let activity = parse(form(), "YWSH").unwrap();
        assert!(activity.active);
        assert_eq!(activity.sub_categories[0].code, "YWSH-01");
        assert_eq!(activity.renewal_terms(), RenewalTerms::default());
    }

    #[test]
    fn every_broken_field_is_named_at_once() {
        let mut f = form();
        f.fee_per_share_fen = 0;
        f.max_shares = 0;
        f.max_age_female = 10;
        f.term_months = 0;
        f.observation_days = 400;
        f.name = "  ".into();
        f.sub_categories.push(SubCategory {
            code: "YWSH-01".into(),
            name: "重复".into(),
        });
        assert_eq!(
            refused_fields(f, "ywsh"),
            [
                "code",
                "name",
                "fee_per_share_fen",
                "max_shares",
                "sub_categories[1].code",
                "max_age_female",
                "term_months",
                "observation_days"
            ]
        );
    }

    #[test]
    fn changes_read_as_before_and_after() {
        let before = parse(form(), "YWSH").unwrap();
        let mut f = form();
        f.fee_per_share_fen = 2500;
        f.active = false;
        let after = parse(f, "YWSH").unwrap();
        assert_eq!(
            describe_changes(&before, &after),
            ["会费标准 20.00元→25.00元", "状态 启用→停用"]
        );
        assert!(describe_changes(&before, &before).is_empty());
    }
}
