//! 参保录入 (unit side): the wizard around one application — ① create the draft, ③ review the
//! base info and activity table, enter 在职职工人数 and 参保说明, read the 参保自核信息, and
//! submit for 初审. Attachments are in `attachments`; members come from the member import.
//!
//! A unit only ever sees its own applications (`application::load_for_unit` answers 404
//! otherwise). Every change is a conditional write that holds only while the application is a
//! draft, committed together with its 操作轨迹 entry.
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::db::{self, OnCancel, key, n, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, FieldError, OrInternal};
use crate::platform::http::whole_number;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::Role;
use crate::records::application::{self, Application, ApplicationStatus, app_key, app_pk};
use crate::records::application_detail::{ApplicationDetail, detail_of};
use crate::records::attachment::{self, AttachmentKind, attachment_sk};
use crate::records::self_check::{self, SelfCheck, check_dates, self_check_of};
use crate::records::session::UnitUser;
use crate::records::trail::{self, TrailEntry};
use crate::records::transition::Transition;

/// 参保说明
pub const REMARKS_MAX_CHARS: usize = 500;
/// A bound on 在职职工人数 that no real unit reaches.
pub const EMPLOYEES_MAX: u64 = 10_000_000;

// ---------------------------------------------------------------------------------------------
// ① 保障活动录入

/// ① 保障活动录入: activity, sub-category, shares.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewApplication {
    /// 保障活动 code from the catalogue (`/api/reference/activities`)
    pub activity_code: String,
    /// 细类 code of that activity
    pub sub_category_code: String,
    /// 份数 (1 … the activity's maximum)
    #[schema(value_type = u32)]
    pub shares: Value,
}

fn shares_invalid() -> ApiError {
    ApiError::refused("SHARES_INVALID", "请填写份数（正整数）")
}

/// A new draft for the caller's unit.
pub async fn create(state: &AppState, unit: &UnitUser, req: &NewApplication) -> ApiResult<Application> {
    let shares = match whole_number(&req.shares) {
        // Zero and too many go to the catalogue check, which names the allowed range.
        Ok(Some(v)) => u32::try_from(v).unwrap_or(u32::MAX),
        Ok(None) | Err(()) => return Err(shares_invalid()),
    };
    let app = application::create_draft(
        state,
        unit,
        req.activity_code.trim(),
        req.sub_category_code.trim(),
        shares,
    )
    .await?;
    tracing::info!(application = %app.id, activity = %app.activity_code, "application created");
    Ok(app)
}

// ---------------------------------------------------------------------------------------------
// Lists and the ③ summary

/// One row of the unit's application list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationSummary {
    pub id: String,
    /// 申请书号
    pub number: String,
    /// 保障活动名称
    pub activity_name: String,
    /// 份数
    pub shares: u32,
    pub status: ApplicationStatus,
    /// 草稿 / 已退回（待修改） / 待初审 / …
    pub status_label: String,
    /// 退回原因 of a draft that a reviewer returned, to read in the list
    pub returned_reason: Option<String>,
    /// 参保人数 (named + 无名单)
    pub insured_count: u32,
    /// 会费, fen
    pub fee_fen: u64,
    /// RFC 3339, UTC
    pub created_at: String,
    pub submitted_at: Option<String>,
    /// 续保: the certificate this application renews (shown as a 续保 tag)
    pub renews_certificate: Option<String>,
}

/// What waits for the unit's attention: the menu's badges.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attention {
    /// Drafts a reviewer returned (已退回（待修改）) and not yet submitted again
    pub returned_drafts: u32,
}

/// The unit's badges, counted from the returned drafts' own index partition (a few items).
pub async fn attention(state: &AppState, unit: &UnitUser) -> ApiResult<Attention> {
    let counted = state
        .db
        .query()
        .table_name(&*state.table)
        .index_name("gsi3")
        .key_condition_expression("gsi3pk = :p")
        .expression_attribute_values(":p", s(application::returned_index_key(&unit.unit_id)))
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .or_internal("count returned drafts")?;
    Ok(Attention {
        returned_drafts: u32::try_from(counted.count()).unwrap_or(0),
    })
}

/// A draft back from review reads apart from a fresh one.
pub const RETURNED_LABEL: &str = "已退回（待修改）";

impl ApplicationSummary {
    pub fn of(app: &Application) -> ApiResult<Self> {
        let returned = app
            .returned_reason
            .clone()
            .filter(|_| app.status == ApplicationStatus::Draft);
        Ok(Self {
            id: app.id.clone(),
            number: app.number.clone(),
            activity_name: app.activity_name.clone(),
            shares: app.shares,
            status: app.status,
            status_label: if returned.is_some() {
                RETURNED_LABEL.to_owned()
            } else {
                app.status.label().to_owned()
            },
            returned_reason: returned,
            insured_count: app.insured_count(),
            fee_fen: app.fee()?.value(),
            created_at: app.created_at.clone(),
            submitted_at: app.submitted_at.clone(),
            renews_certificate: app.renews.as_ref().map(|r| r.certificate_number.clone()),
        })
    }
}

/// Applications a unit's list shows unless asked otherwise, and at most.
pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 100;

/// Which of a unit's applications a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListStage {
    /// 开票录入: past 终审 (待开票, 待到账, 已出确认书)
    Invoice,
}

/// `?stage=&cursor=&page_size=` of the unit's application list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationListQuery {
    /// invoice: only applications past 终审 (开票录入); absent: all
    #[param(inline)]
    pub stage: Option<ListStage>,
    /// `next` of the page before (absent: the first page)
    #[param(max_length = 1024)]
    pub cursor: Option<String>,
    /// 10 by default, at most 100 (a larger size is taken as the maximum)
    #[serde(default, deserialize_with = "crate::platform::paging::page_size")]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<u32>,
}

/// The caller's applications, newest first (index gsi2: `UNITAPPS#<unit_id>`), a page at a
/// time; `stage` keeps those of one stage of the workflow.
pub async fn list(
    state: &AppState,
    unit: &UnitUser,
    query: &ApplicationListQuery,
) -> ApiResult<CursorPage<ApplicationSummary>> {
    let at = &PageAt::new(
        query.cursor.as_deref(),
        query.page_size,
        PAGE_SIZE_DEFAULT,
        PAGE_SIZE_MAX,
    )?;
    let mut list = application::of_unit(&unit.unit_id);
    if query.stage == Some(ListStage::Invoice) {
        let past_final_review = [
            ApplicationStatus::Approved,
            ApplicationStatus::Invoiced,
            ApplicationStatus::Paid,
        ];
        list = list
            .filtered(
                "#st IN (:s0, :s1, :s2)",
                &[
                    (":s0", s(past_final_review[0].as_str())),
                    (":s1", s(past_final_review[1].as_str())),
                    (":s2", s(past_final_review[2].as_str())),
                ],
            )
            .named(&[("#st", "status")]);
    }
    let (apps, next) = list.read_page_as::<Application>(state, at).await?;
    let rows = apps
        .iter()
        // The index is per unit by construction; the check keeps it so if that changes.
        .filter(|app| app.unit_id == unit.unit_id)
        .map(ApplicationSummary::of)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(at.page(rows, None, next))
}

/// ③ summary of the caller's own application.
pub async fn detail(state: &AppState, unit: &UnitUser, id: &str) -> ApiResult<ApplicationDetail> {
    let app = application::load_for_unit(state, unit, id).await?;
    detail_of(state, app).await
}

// ---------------------------------------------------------------------------------------------
// 在职职工人数, 在职女职工人数, 参保说明

/// The editable fields of a draft. PUT replaces all three: a missing or null count clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ApplicationEdit {
    /// 在职职工人数 (≥ 1), or null
    #[schema(value_type = Option<u32>)]
    pub employees: Value,
    /// 在职女职工人数 (0 … 在职职工人数), or null
    #[schema(value_type = Option<u32>)]
    pub female_employees: Value,
    /// 参保说明 (≤ 500 characters)
    pub remarks: String,
}

/// What a valid edit holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEdit {
    pub employees: Option<u32>,
    pub female_employees: Option<u32>,
    pub remarks: String,
}

impl ApplicationEdit {
    /// Every rule at once: each bad field is reported.
    pub fn parse(&self) -> ApiResult<ParsedEdit> {
        let mut check = FieldCheck::new();
        let count =
            |check: &mut FieldCheck, field: &str, code: &'static str, label: &str, value: &Value| match whole_number(
                value,
            ) {
                Ok(Some(v)) if v > EMPLOYEES_MAX => {
                    check.push(field, code, format!("{label}不能超过{EMPLOYEES_MAX}，请核对"));
                    Err(())
                }
                Ok(v) => Ok(v.and_then(|v| u32::try_from(v).ok())),
                Err(()) => {
                    check.push(field, code, format!("{label}应填写不小于0的整数（如120）"));
                    Err(())
                }
            };
        let employees = count(
            &mut check,
            "employees",
            "EMPLOYEES_INVALID",
            "在职职工人数",
            &self.employees,
        );
        if employees == Ok(Some(0)) {
            check.push("employees", "EMPLOYEES_INVALID", "在职职工人数至少为1");
        }
        let female = count(
            &mut check,
            "female_employees",
            "FEMALE_EMPLOYEES_INVALID",
            "在职女职工人数",
            &self.female_employees,
        );
        match (employees, female) {
            (Ok(Some(total)), Ok(Some(women))) if women > total => check.push(
                "female_employees",
                "FEMALE_EXCEEDS_TOTAL",
                format!("在职女职工人数（{women}）不能大于在职职工人数（{total}）"),
            ),
            (Ok(None), Ok(Some(_))) => check.push(
                "employees",
                "EMPLOYEES_REQUIRED",
                "已填写在职女职工人数，请同时填写在职职工人数",
            ),
            _ => {}
        }
        let remarks: String = self
            .remarks
            .trim()
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        let remarks_len = remarks.chars().count();
        if remarks_len > REMARKS_MAX_CHARS {
            check.push(
                "remarks",
                "REMARKS_TOO_LONG",
                format!("参保说明不能超过{REMARKS_MAX_CHARS}字（当前{remarks_len}字）"),
            );
        }
        check.finish()?;
        Ok(ParsedEdit {
            employees: employees.ok().flatten(),
            female_employees: female.ok().flatten(),
            remarks,
        })
    }
}

fn count_value(value: Option<u32>) -> AttributeValue {
    value.map(n).unwrap_or(AttributeValue::Null(true))
}

fn count_text(value: Option<u32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "未填".to_owned())
}

/// Saves 在职职工人数, 在职女职工人数 and 参保说明 of a draft.
pub async fn update(
    state: &AppState,
    unit: &UnitUser,
    id: &str,
    edit: &ApplicationEdit,
) -> ApiResult<ApplicationDetail> {
    let app = application::load_draft(state, unit, id).await?;
    let parsed = edit.parse()?;
    let table = &*state.table;
    let items = vec![
        db::update_if(
            table,
            app_key(&app.id),
            "SET employees = :e, female_employees = :f, remarks = :r",
            Some("#st = :draft"),
            &[("#st", "status")],
            &[
                (":e", count_value(parsed.employees)),
                (":f", count_value(parsed.female_employees)),
                (":r", s(parsed.remarks.clone())),
                (":draft", s(ApplicationStatus::Draft.as_str())),
            ],
        )
        .or_internal("build update")?,
        trail::record(
            table,
            &app_pk(&app.id),
            &unit.login,
            Some(Role::Unit),
            "application_updated",
            &format!(
                "修改参保信息：在职职工人数{}，在职女职工人数{}，参保说明{}字",
                count_text(parsed.employees),
                count_text(parsed.female_employees),
                parsed.remarks.chars().count()
            ),
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items).await.on_cancel(|_| application::locked())?;
    let updated = Application {
        employees: parsed.employees,
        female_employees: parsed.female_employees,
        remarks: parsed.remarks,
        ..app
    };
    detail_of(state, updated).await
}

// ---------------------------------------------------------------------------------------------
// 参保自核信息

/// 参保自核信息 of the caller's own application.
pub async fn self_check_for_unit(
    state: &AppState,
    unit: &UnitUser,
    id: &str,
    request: &PageAt,
) -> ApiResult<SelfCheck> {
    let app = application::load_for_unit(state, unit, id).await?;
    self_check_of(state, &app, request).await
}

// ---------------------------------------------------------------------------------------------
// 提交 (完成)

/// Why a draft cannot be submitted yet, every reason at once; empty when it can.
pub fn submit_problems(app: &Application, over_age_count: u32, proof: bool) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let mut push = |field: &str, code: &'static str, message: &str| {
        problems.push(FieldError {
            field: field.to_owned(),
            code,
            message: message.to_owned(),
        });
    };
    if app.insured_count() == 0 {
        if app.expiring_count == 0 {
            push(
                "members",
                "NO_MEMBERS",
                "还没有参保人员，请在【人员清单维护】导入人员清单或【新增无名单】后再提交",
            );
        } else {
            push(
                "members",
                "NO_MEMBERS",
                "名单中的人员均为未到期参保人员，本次没有需要参保的人员，请核对人员清单",
            );
        }
    }
    if app.employees.is_none() || app.female_employees.is_none() {
        push(
            "employees",
            "EMPLOYEES_REQUIRED",
            "请在【人员清单维护】填写在职职工人数和在职女职工人数",
        );
    }
    if over_age_count > 0 && !proof {
        push(
            "attachments",
            "OVERAGE_PROOF_REQUIRED",
            "有超龄人员，请在【附件信息】-【超龄证明】处上传加盖单位公章的超龄证明",
        );
    }
    problems
}

fn changed_meanwhile() -> ApiError {
    ApiError::conflict(
        "CHANGED_MEANWHILE",
        "人员清单或参保信息刚有变动（或正在导入），请刷新核对后重新提交",
    )
}

/// 完成: draft → submitted (待初审), once. The transition holds only if the application is
/// still the draft that was checked (same counts, no import running) and the 超龄证明 that
/// satisfied the check still exists.
pub async fn submit(state: &AppState, unit: &UnitUser, id: &str) -> ApiResult<ApplicationSummary> {
    let app = application::load_draft(state, unit, id).await?;
    let attachments = attachment::list(state, &app.id).await?;
    let proof = attachments.iter().find(|a| a.kind == AttachmentKind::OverageProof);
    let (_, effective) = check_dates();
    let (over, _) = self_check::counts(state, &app, effective).await?;
    let problems = submit_problems(&app, over, proof.is_some());
    if let Some(first) = problems.first() {
        let mut err = ApiError::refused(first.code, first.message.clone());
        err.fields = problems;
        return Err(err);
    }
    let fee = app.fee()?;
    let (Some(employees), Some(female)) = (app.employees, app.female_employees) else {
        return Err(ApiError::internal(anyhow::anyhow!("employees checked but missing")));
    };

    let now = time::now();
    let table = &*state.table;
    let mut items = Transition::new(&app, ApplicationStatus::Draft, ApplicationStatus::Submitted)
        .by(&unit.login, Some(Role::Unit), "application_submitted", "提交参保申请")
        .set("submitted_at", s(time::stamp(now)))
        .set("over_age_count", n(over))
        .remove("returned_reason")
        .remove("gsi3pk")
        .remove("gsi3sk")
        // Still the draft that was checked: same counts, no import running.
        .guard(
            "named_count = :nc AND unnamed_count = :uc AND batch_seq = :bs \
             AND employees = :emp AND female_employees = :fem \
             AND (attribute_not_exists(import_lease_until) OR import_lease_until < :epoch)",
            vec![
                (":nc", n(app.named_count)),
                (":uc", n(app.unnamed_count)),
                (":bs", n(app.batch_seq)),
                (":emp", n(employees)),
                (":fem", n(female)),
                (":epoch", n(now.timestamp())),
            ],
        )
        .items(table)
        .or_internal("build submit")?;
    let proof_index = items.len();
    if over > 0
        && let Some(proof) = proof
    {
        items.push(proof_still_there(table, &app.id, &proof.attachment_id).or_internal("build proof check")?);
    }
    if let Err(err) = db::transact(state, items).await {
        let cancelled = err.cancelled()?;
        let now_status = application::load(state, &app.id).await?.map(|a| a.status);
        return Err(if now_status != Some(ApplicationStatus::Draft) {
            application::locked()
        } else if cancelled.failed_at(proof_index) {
            ApiError::refused(
                "OVERAGE_PROOF_REQUIRED",
                "有超龄人员，请在【附件信息】-【超龄证明】处上传加盖单位公章的超龄证明",
            )
        } else {
            changed_meanwhile()
        });
    }
    tracing::info!(application = %app.id, insured = app.insured_count(), fee = fee.value(), "application submitted");
    let submitted = Application {
        status: ApplicationStatus::Submitted,
        submitted_at: Some(time::stamp(now)),
        returned_reason: None,
        ..app
    };
    ApplicationSummary::of(&submitted)
}

fn proof_still_there(table: &str, app_id: &str, attachment_id: &str) -> anyhow::Result<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key(app_pk(app_id), attachment_sk(attachment_id))))
        .condition_expression("attribute_exists(pk)")
        .build()?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

// ---------------------------------------------------------------------------------------------
// 操作轨迹

/// 操作轨迹 of the caller's own application, a page of it, newest first.
pub async fn trail_for_unit(
    state: &AppState,
    unit: &UnitUser,
    id: &str,
    at: &PageAt,
) -> ApiResult<CursorPage<TrailEntry>> {
    let app = application::load_for_unit(state, unit, id).await?;
    trail::page(state, &app_pk(&app.id), at).await
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;
    use crate::domain::{Gender, IdType, Occupation, PersonId};
    use crate::records::application_detail::{beijing_date, insured_rate};
    use crate::records::members::{self, Member};
    use crate::records::self_check::over_age;

    fn app() -> Application {
        Application {
            id: "a".into(),
            number: "SQ20250218000001".into(),
            unit_id: "u".into(),
            unit_name: "测试单位".into(),
            agency_code: "411103".into(),
            status: ApplicationStatus::Draft,
            activity_code: "ZYYL".into(),
            activity_kind: "住院医疗".into(),
            activity_name: "在职职工住院医疗互助保障活动".into(),
            fee_per_share_fen: 8000,
            sub_category_code: "ZYYL-01".into(),
            sub_category_name: "在职职工住院医疗（会费80元）".into(),
            shares: 1,
            min_age: 16,
            max_age_male: 60,
            max_age_female: 55,
            term_months: 12,
            employees: None,
            female_employees: None,
            remarks: String::new(),
            named_count: 0,
            unnamed_count: 0,
            high_risk_count: 0,
            expiring_count: 0,
            over_age_count: 0,
            renewed_count: 0,
            batch_seq: 0,
            created_at: "2025-02-18T02:49:08.000Z".into(),
            submitted_at: None,
            subsidy_fen: 0,
            gift_fen: 0,
            approved_at: None,
            invoiced_at: None,
            paid_at: None,
            certificate_number: None,
            l1_reviewer: None,
            l2_reviewer: None,
            l3_reviewer: None,
            returned_reason: None,
            invoiced_fen: 0,
            l1_persons: Vec::new(),
            l2_persons: Vec::new(),
            l3_persons: Vec::new(),
            finance_persons: Vec::new(),
            zero_due_reason: None,
            renews: None,
            observation_days: 90,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn member(name: &str, id: &str, gender: Gender, born: NaiveDate, row: u32) -> Member {
        Member {
            member_id: members::member_id(id),
            name: name.into(),
            id: PersonId::parse(IdType::ResidentIdCard, id).expect("a valid ID"),
            gender,
            birth_date: born,
            mobile: None,
            occupation: Occupation::General,
            remark: String::new(),
            batch_no: 1,
            row,
            covered_until: None,
            renewed: false,
        }
    }

    #[test]
    fn rates_read_like_the_manual() {
        assert_eq!(insured_rate(1, Some(1)).as_deref(), Some("100%"));
        assert_eq!(insured_rate(7, Some(8)).as_deref(), Some("87.5%"));
        assert_eq!(insured_rate(1, Some(3)).as_deref(), Some("33.33%"));
        assert_eq!(insured_rate(2, Some(3)).as_deref(), Some("66.67%"));
        assert_eq!(insured_rate(0, Some(5)).as_deref(), Some("0%"));
        assert_eq!(insured_rate(3, Some(2)).as_deref(), Some("150%"));
        assert_eq!(insured_rate(1, Some(40)).as_deref(), Some("2.5%"));
        assert_eq!(insured_rate(1, None), None);
        assert_eq!(insured_rate(1, Some(0)), None);
        assert_eq!(insured_rate(u32::MAX, Some(1)).as_deref(), Some("429496729500%"));
    }

    #[test]
    fn applied_on_is_the_beijing_date() {
        assert_eq!(beijing_date("2025-02-18T02:49:08.000Z"), "2025-02-18");
        assert_eq!(beijing_date("2025-02-18T16:30:00.000Z"), "2025-02-19");
        assert_eq!(beijing_date("garbage"), "");
    }

    #[test]
    fn whole_numbers_come_as_numbers_or_digit_strings() {
        assert_eq!(whole_number(&json!(12)), Ok(Some(12)));
        assert_eq!(whole_number(&json!(" 12 ")), Ok(Some(12)));
        assert_eq!(whole_number(&json!(null)), Ok(None));
        assert_eq!(whole_number(&json!("")), Ok(None));
        for bad in [
            json!(-1),
            json!(1.5),
            json!("1.5"),
            json!("十"),
            json!(true),
            json!([1]),
        ] {
            assert_eq!(whole_number(&bad), Err(()), "{bad}");
        }
    }

    fn edit(employees: Value, female: Value, remarks: &str) -> ApplicationEdit {
        ApplicationEdit {
            employees,
            female_employees: female,
            remarks: remarks.into(),
        }
    }

    fn codes(err: ApiError) -> Vec<(String, &'static str)> {
        err.fields.into_iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn every_bad_field_of_an_edit_is_reported() {
        let err = edit(json!(10), json!(11), &"字".repeat(501)).parse().unwrap_err();
        assert_eq!(err.code, "INVALID_FIELDS");
        assert_eq!(
            codes(err),
            vec![
                ("female_employees".to_owned(), "FEMALE_EXCEEDS_TOTAL"),
                ("remarks".to_owned(), "REMARKS_TOO_LONG")
            ]
        );
        let err = edit(json!(0), json!(-1), "").parse().unwrap_err();
        assert_eq!(
            codes(err),
            vec![
                ("employees".to_owned(), "EMPLOYEES_INVALID"),
                ("female_employees".to_owned(), "FEMALE_EMPLOYEES_INVALID"),
            ]
        );
        let err = edit(json!(null), json!(3), "").parse().unwrap_err();
        assert_eq!(codes(err), vec![("employees".to_owned(), "EMPLOYEES_REQUIRED")]);
        let err = edit(json!(EMPLOYEES_MAX + 1), json!("x"), "").parse().unwrap_err();
        assert_eq!(
            codes(err),
            vec![
                ("employees".to_owned(), "EMPLOYEES_INVALID"),
                ("female_employees".to_owned(), "FEMALE_EMPLOYEES_INVALID"),
            ]
        );
    }

    #[test]
    fn good_edits_parse() {
        let ok = edit(json!(10), json!("10"), &format!(" {} ", "字".repeat(500)))
            .parse()
            .unwrap();
        assert_eq!(ok.employees, Some(10));
        assert_eq!(ok.female_employees, Some(10));
        assert_eq!(ok.remarks.chars().count(), 500);
        let cleared = edit(json!(null), json!(null), "").parse().unwrap();
        assert_eq!((cleared.employees, cleared.female_employees), (None, None));
        let text = edit(json!(5), json!(0), "第一行\n第二行\u{7}").parse().unwrap();
        assert_eq!(text.remarks, "第一行\n第二行");
    }

    #[test]
    fn cleared_counts_round_trip_through_the_item() {
        let mut item = app().to_item().unwrap();
        item.insert("employees".into(), count_value(None));
        item.insert("female_employees".into(), count_value(Some(3)));
        let back: Application = db::from_item(item).unwrap();
        assert_eq!((back.employees, back.female_employees), (None, Some(3)));
    }

    #[test]
    fn over_age_is_taken_on_the_effective_date_per_gender() {
        let app = app();
        let effective = date(2025, 3, 1);
        let members = vec![
            member("李小红", "410102201001011234", Gender::Female, date(2010, 1, 1), 1),
            member("张三丰", "410100196001011238", Gender::Male, date(1960, 1, 1), 2),
            member("王芳", "410102196903011221", Gender::Female, date(1969, 3, 1), 3),
            member("赵敏", "410102196903021227", Gender::Female, date(1969, 3, 2), 4),
            member("钱多", "410102196503011230", Gender::Male, date(1965, 3, 1), 5),
        ];
        // 张三丰 65 > 60; 王芳 turns 56 on the effective date (> 55); 赵敏 is still 55.
        let names: Vec<&str> = over_age(&app, &members, effective)
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, vec!["张三丰", "王芳"]);
    }

    #[test]
    fn submit_reports_every_missing_piece() {
        let mut app = app();
        let codes = |problems: Vec<FieldError>| problems.into_iter().map(|p| p.code).collect::<Vec<_>>();
        assert_eq!(
            codes(submit_problems(&app, 0, false)),
            vec!["NO_MEMBERS", "EMPLOYEES_REQUIRED"]
        );
        app.unnamed_count = 3;
        app.employees = Some(5);
        assert_eq!(codes(submit_problems(&app, 0, false)), vec!["EMPLOYEES_REQUIRED"]);
        app.female_employees = Some(0);
        assert!(submit_problems(&app, 0, false).is_empty());
        assert_eq!(codes(submit_problems(&app, 1, false)), vec!["OVERAGE_PROOF_REQUIRED"]);
        assert!(submit_problems(&app, 1, true).is_empty());
    }
}
