//! 参保申请: one application of a unit for one activity, from draft through review to the
//! certificate. The status is a type; every transition is a conditional write.
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Fen;
use crate::platform::cursor::{IndexList, IndexName, Segment, SortRange};
use crate::platform::db::{self, OnCancel, key, n, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::catalogue;
use crate::records::session::{StaffUser, UnitUser};
use crate::records::tally::{self, TallyChange};
use crate::records::trail;
use crate::records::transition::{Transition, Workflow};
use crate::records::unit;
use crate::reference;
use chrono::NaiveDate;

/// The application's place in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// 草稿 (also after a return)
    Draft,
    /// 待初审
    Submitted,
    /// 待复审
    L1Approved,
    /// 待终审
    L2Approved,
    /// 待开票
    Approved,
    /// 待到账
    Invoiced,
    /// 已出确认书
    Paid,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 7] = [
        Self::Draft,
        Self::Submitted,
        Self::L1Approved,
        Self::L2Approved,
        Self::Approved,
        Self::Invoiced,
        Self::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::L1Approved => "l1_approved",
            Self::L2Approved => "l2_approved",
            Self::Approved => "approved",
            Self::Invoiced => "invoiced",
            Self::Paid => "paid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Submitted => "待初审",
            Self::L1Approved => "待复审",
            Self::L2Approved => "待终审",
            Self::Approved => "待开票",
            Self::Invoiced => "待到账",
            Self::Paid => "已出确认书",
        }
    }
}

impl Workflow for ApplicationStatus {
    type Record = Application;

    fn id(app: &Application) -> &str {
        &app.id
    }

    /// Every change moves the application between two counts of its agency's tally; 终审 and
    /// 到账确认 also add amounts the application does not hold yet, so their steps say them.
    fn counted(
        app: &Application,
        from: ApplicationStatus,
        to: ApplicationStatus,
    ) -> anyhow::Result<Option<TallyChange>> {
        match to {
            ApplicationStatus::Approved => {
                anyhow::bail!("终审 is counted with the amount it makes due: Transition::falls_due")
            }
            ApplicationStatus::Paid => anyhow::bail!("到账确认 is counted with its amount: Transition::received"),
            // The invoice entries must add up to 应交保费 (the step's guard).
            ApplicationStatus::Invoiced => {
                let due = app.due().map_err(|e| anyhow::anyhow!(e.message))?;
                Ok(Some(tally::invoiced(app, due.value(), time::today_beijing())))
            }
            _ => Ok(Some(tally::moved(app, from, to))),
        }
    }

    fn as_str(self) -> &'static str {
        ApplicationStatus::as_str(self)
    }

    /// The review and payment queues: `APPQ#<status>`, sorted by agency path.
    fn queue(self) -> String {
        format!("APPQ#{}", self.as_str())
    }

    fn key(id: &str) -> db::Item {
        app_key(id)
    }

    fn trail_pk(id: &str) -> String {
        app_pk(id)
    }
}

/// One application. Counts are kept on the item, updated in the same transaction as the
/// members they count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Application {
    pub id: String,
    /// 申请书号
    pub number: String,
    pub unit_id: String,
    pub unit_name: String,
    pub agency_code: String,
    pub status: ApplicationStatus,
    pub activity_code: String,
    /// 保障活动类型
    pub activity_kind: String,
    pub activity_name: String,
    /// 会费标准 per share, in fen (copied from the catalogue when the draft was made)
    pub fee_per_share_fen: u64,
    pub sub_category_code: String,
    pub sub_category_name: String,
    /// 份数
    pub shares: u32,
    pub min_age: u32,
    pub max_age_male: u32,
    pub max_age_female: u32,
    pub term_months: u32,
    /// 在职职工人数
    pub employees: Option<u32>,
    /// 在职女职工人数
    pub female_employees: Option<u32>,
    /// 参保说明 (≤ 500 characters)
    pub remarks: String,
    /// Named members to be charged (未到期 members excluded).
    pub named_count: u32,
    /// 无名单 head count
    pub unnamed_count: u32,
    /// 高危职业人数 (named and unnamed)
    pub high_risk_count: u32,
    /// 未到期参保人数: named members still covered by an earlier certificate.
    pub expiring_count: u32,
    /// 超龄 members the self-check found at the last submission (for the office's figures).
    #[serde(default)]
    pub over_age_count: u32,
    /// 续保 members: named members covered by the certificate this application renews (kept
    /// from last year's list); kept as members are written and removed.
    #[serde(default)]
    pub renewed_count: u32,
    /// Number of the last import batch.
    pub batch_seq: u32,
    pub created_at: String,
    pub submitted_at: Option<String>,
    /// 补贴金额 in fen, set by staff; zero unless they set it.
    #[serde(default)]
    pub subsidy_fen: u64,
    /// 赠险金额 in fen, set by staff; zero unless they set it.
    #[serde(default)]
    pub gift_fen: u64,
    /// 终审 passed (→ approved, 待开票).
    #[serde(default)]
    pub approved_at: Option<String>,
    /// Invoice data submitted (→ invoiced, 待到账).
    #[serde(default)]
    pub invoiced_at: Option<String>,
    /// 到账确认 (→ paid); the certificate's 保单日期 is this day in Beijing.
    #[serde(default)]
    pub paid_at: Option<String>,
    /// 确认书号, issued with the payment confirmation.
    #[serde(default)]
    pub certificate_number: Option<String>,
    /// Who decided 初审 since the last submission (cleared by a return). Absent, never null,
    /// so that conditions can test `attribute_not_exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1_reviewer: Option<String>,
    /// Who decided 复审 since the last submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l2_reviewer: Option<String>,
    /// Who decided 终审 since the last submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l3_reviewer: Option<String>,
    /// 退回原因 of the last return, shown to the unit; cleared when it submits again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_reason: Option<String>,
    /// Sum of the invoice entries in fen, changed in the same transaction as each entry.
    #[serde(default)]
    pub invoiced_fen: u64,
    /// Persons (see `account::person_key`) who ever acted in each duty on this application,
    /// returns included: a return clears the reviewers above but never these.
    #[serde(default, with = "serde_dynamo::string_set", skip_serializing_if = "Vec::is_empty")]
    #[schema(ignore)]
    pub l1_persons: Vec<String>,
    #[serde(default, with = "serde_dynamo::string_set", skip_serializing_if = "Vec::is_empty")]
    #[schema(ignore)]
    pub l2_persons: Vec<String>,
    #[serde(default, with = "serde_dynamo::string_set", skip_serializing_if = "Vec::is_empty")]
    #[schema(ignore)]
    pub l3_persons: Vec<String>,
    #[serde(default, with = "serde_dynamo::string_set", skip_serializing_if = "Vec::is_empty")]
    #[schema(ignore)]
    pub finance_persons: Vec<String>,
    /// Why 应交保费 is 0.00 元 (补贴 and 赠险 cover the whole fee), given at 终审.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub zero_due_reason: Option<String>,
    /// 续保: the certificate this application renews (一键续保); none for a first enrolment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<RenewalOf>,
    /// 观察期 of 新参 members in days (copied from the catalogue when the draft was made).
    #[serde(default = "default_observation_days")]
    pub observation_days: u32,
}

fn default_observation_days() -> u32 {
    crate::domain::renewal::DEFAULT_OBSERVATION_DAYS
}

/// The certificate a renewal continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RenewalOf {
    /// 上年确认书号
    pub certificate_number: String,
    /// Its application (whose members the renewal starts from)
    pub application_id: String,
    /// Last covered day of that certificate
    #[schema(value_type = String, format = Date)]
    pub end_date: chrono::NaiveDate,
}

/// 经办职责 on one application. 初审, 复审, 终审 and 到账确认 are four different people, and
/// whoever acted in one duty stays barred from the others, returns included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    L1,
    L2,
    L3,
    Finance,
}

impl Duty {
    pub const ALL: [Duty; 4] = [Duty::L1, Duty::L2, Duty::L3, Duty::Finance];

    pub fn label(self) -> &'static str {
        match self {
            Self::L1 => "初审",
            Self::L2 => "复审",
            Self::L3 => "终审",
            Self::Finance => "到账确认",
        }
    }

    /// The application attribute holding the persons who acted in this duty.
    pub fn attr(self) -> &'static str {
        match self {
            Self::L1 => "l1_persons",
            Self::L2 => "l2_persons",
            Self::L3 => "l3_persons",
            Self::Finance => "finance_persons",
        }
    }

    fn persons(self, app: &Application) -> &[String] {
        match self {
            Self::L1 => &app.l1_persons,
            Self::L2 => &app.l2_persons,
            Self::L3 => &app.l3_persons,
            Self::Finance => &app.finance_persons,
        }
    }

    /// "`:me` held none of the other duties": the part of a transition's condition that
    /// DynamoDB checks on the stored item, whatever was read before.
    pub fn condition(self) -> String {
        Duty::ALL
            .into_iter()
            .filter(|d| *d != self)
            .map(|d| format!("NOT contains({}, :me)", d.attr()))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

impl Transition<ApplicationStatus> {
    /// 终审 of `app`: `due` (after subsidy and gift) falls due today.
    pub fn falls_due(self, app: &Application, due: Fen) -> Self {
        self.counted_as(tally::approved(app, due.value(), time::today_beijing()))
    }

    /// 到账确认 of `app`: `amount` received on `on` joins the figures of that month.
    pub fn received(self, app: &Application, amount: Fen, on: NaiveDate) -> Self {
        self.counted_as(tally::paid(app, amount.value(), on))
    }

    /// `person` acts in `duty`: refused by the write itself if they hold another duty on the
    /// application, and recorded as holding this one.
    pub fn duty(self, duty: Duty, person: &str) -> Self {
        self.guard(duty.condition(), vec![(":me", s(person))])
            .add(duty.attr(), AttributeValue::Ss(vec![person.to_owned()]))
    }
}

/// One application as a line of a list: the review and payment queues, 业务查询.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewRow {
    pub id: String,
    /// 申请书号
    pub number: String,
    pub unit_id: String,
    /// 单位名称
    pub unit_name: String,
    /// 所属机构
    pub agency_name: String,
    /// 保障活动名称
    pub activity_name: String,
    /// 份数
    pub shares: u32,
    /// 参保人数
    pub insured_count: u32,
    /// 总保费, fen
    pub fee_fen: u64,
    /// 应交保费, fen
    pub due_fen: u64,
    pub status: ApplicationStatus,
    pub status_label: String,
    pub submitted_at: Option<String>,
    /// 续保: the certificate this application renews
    pub renews_certificate: Option<String>,
}

impl ReviewRow {
    pub fn of(app: &Application) -> ApiResult<Self> {
        Ok(Self {
            id: app.id.clone(),
            number: app.number.clone(),
            unit_id: app.unit_id.clone(),
            unit_name: app.unit_name.clone(),
            agency_name: reference::full_name(&app.agency_code).unwrap_or_default(),
            activity_name: app.activity_name.clone(),
            shares: app.shares,
            insured_count: app.insured_count(),
            fee_fen: app.fee()?.value(),
            due_fen: app.due()?.value(),
            status: app.status,
            status_label: app.status.label().to_owned(),
            submitted_at: app.submitted_at.clone(),
            renews_certificate: app.renews.as_ref().map(|r| r.certificate_number.clone()),
        })
    }
}

/// A unit's applications, newest first (index gsi2: `UNITAPPS#<unit_id>`).
pub fn of_unit(unit_id: &str) -> IndexList {
    IndexList::new(vec![Segment::new(
        IndexName::Gsi2,
        format!("UNITAPPS#{unit_id}"),
        SortRange::All,
    )])
    .newest_first()
}

/// The search index's partition (gsi4) of the applications created in `year` (Beijing).
pub fn search_pk(year: i32) -> String {
    format!("APPS#{year}")
}

pub fn app_pk(id: &str) -> String {
    format!("APP#{id}")
}

/// The application an item belongs to, from its partition key (`what` names the item in the
/// error: an item outside an application is a broken invariant, a 500).
pub fn app_id_of(item: &crate::platform::db::Item, what: &str) -> ApiResult<String> {
    item.get("pk")
        .and_then(|v| v.as_s().ok())
        .and_then(|pk| pk.strip_prefix("APP#"))
        .map(str::to_owned)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("{what} outside an application")))
}

pub fn app_key(id: &str) -> db::Item {
    key(app_pk(id), "APP")
}

/// The most people one application may list (named, 未到期 and 无名单 together). Henan's
/// largest employers have tens of thousands of workers; above this a unit splits its
/// enrolment by branch, and every count stays far from `u32`'s limit.
pub const MAX_LISTED: u32 = 200_000;

impl Application {
    /// The other duty `person` already holds on this application, if any.
    pub fn duty_conflict(&self, duty: Duty, person: &str) -> Option<Duty> {
        Duty::ALL
            .into_iter()
            .find(|d| *d != duty && d.persons(self).iter().any(|p| p == person))
    }

    /// 参保人数: named (not 未到期) plus 无名单.
    pub fn insured_count(&self) -> u32 {
        self.named_count.saturating_add(self.unnamed_count)
    }

    /// People the application lists (named, 未到期 included, and 无名单), against
    /// [`MAX_LISTED`].
    pub fn listed_count(&self) -> u32 {
        self.named_count
            .saturating_add(self.expiring_count)
            .saturating_add(self.unnamed_count)
    }

    /// How many more people may be added before [`MAX_LISTED`].
    pub fn listed_room(&self) -> u32 {
        MAX_LISTED.saturating_sub(self.listed_count())
    }

    /// Refuses adding `adding` people when that would pass [`MAX_LISTED`].
    pub fn ensure_room_for(&self, adding: u32) -> ApiResult<()> {
        let room = self.listed_room();
        if adding <= room {
            return Ok(());
        }
        Err(ApiError::refused(
            "APPLICATION_FULL",
            format!(
                "每份参保申请最多{MAX_LISTED}人，本申请已有{}人，还可增加{room}人，本次{adding}人超出上限；\
                 请减少人数，或将其余人员另建一份参保申请",
                self.listed_count()
            ),
        ))
    }

    /// 会费 = 会费标准 × 份数 × 参保人数, in fen.
    pub fn fee(&self) -> ApiResult<Fen> {
        Fen::new(self.fee_per_share_fen)
            .checked_mul(u64::from(self.shares))
            .and_then(|f| f.checked_mul(u64::from(self.insured_count())))
            .ok_or_else(|| ApiError::refused("AMOUNT_TOO_LARGE", "会费金额超出范围"))
    }

    /// 应交保费 = 总保费 − 补贴金额 − 赠险金额, in fen.
    pub fn due(&self) -> ApiResult<Fen> {
        due_after(self.fee()?, self.subsidy_fen, self.gift_fen)
    }

    pub fn to_item(&self) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(app_key(&self.id));
        item.insert("gsi1pk".into(), s(self.status.queue()));
        item.insert(
            "gsi1sk".into(),
            s(queue_sk(&self.agency_code, &self.created_at, &self.id)),
        );
        // 业务查询: every application of a year, by agency path (steps::search).
        item.insert("gsi4pk".into(), s(search_pk(tally::year_of(self))));
        item.insert(
            "gsi4sk".into(),
            s(queue_sk(&self.agency_code, &self.created_at, &self.id)),
        );
        item.insert("gsi2pk".into(), s(format!("UNITAPPS#{}", self.unit_id)));
        item.insert("gsi2sk".into(), s(format!("{}#{}", self.created_at, self.id)));
        if self.status == ApplicationStatus::Draft && self.returned_reason.is_some() {
            item.insert("gsi3pk".into(), s(returned_index_key(&self.unit_id)));
            item.insert("gsi3sk".into(), s(&self.id));
        }
        Ok(item)
    }

    /// Refuses changes once submitted.
    pub fn require_draft(&self) -> ApiResult<()> {
        if self.status == ApplicationStatus::Draft {
            Ok(())
        } else {
            Err(locked())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fees: 总保费, 补贴金额, 赠险金额, 应交保费

/// 总保费, 补贴金额, 赠险金额, 应交保费 (fen).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeeSummary {
    /// 保障活动名称
    pub activity_name: String,
    /// 总保费
    pub total_fen: u64,
    /// 补贴金额
    pub subsidy_fen: u64,
    /// 赠险金额
    pub gift_fen: u64,
    /// 应交保费 = 总保费 − 补贴金额 − 赠险金额
    pub due_fen: u64,
}

impl FeeSummary {
    pub fn of(app: &Application) -> ApiResult<Self> {
        Ok(Self {
            activity_name: app.activity_name.clone(),
            total_fen: app.fee()?.value(),
            subsidy_fen: app.subsidy_fen,
            gift_fen: app.gift_fen,
            due_fen: app.due()?.value(),
        })
    }
}

/// 应交保费 for a proposed 补贴金额 and 赠险金额; refused when they exceed 总保费.
pub fn due_after(total: Fen, subsidy: u64, gift: u64) -> ApiResult<Fen> {
    Fen::new(subsidy)
        .checked_add(Fen::new(gift))
        .and_then(|off| total.checked_sub(off))
        .ok_or_else(|| {
            ApiError::refused(
                "ADJUSTMENT_TOO_LARGE",
                format!("补贴金额与赠险金额之和不能超过总保费（{total}元），请核对"),
            )
        })
}

/// Review queues sort by agency path so a staff member reads only their subtree.
/// gsi3 of a draft a reviewer returned (已退回（待修改）) until it is submitted again: the unit's
/// menu badge counts this partition.
pub fn returned_index_key(unit_id: &str) -> String {
    format!("UNITRETURNED#{unit_id}")
}

pub fn queue_sk(agency_code: &str, created_at: &str, id: &str) -> String {
    format!("{}{created_at}#{id}", reference::path(agency_code).unwrap_or_default())
}

pub fn locked() -> ApiError {
    ApiError::conflict(
        "APPLICATION_LOCKED",
        "该申请已提交，不能再修改；如需修改请等待经办机构退回",
    )
}

fn not_found() -> ApiError {
    ApiError::not_found("NOT_FOUND", "未找到该参保申请")
}

pub async fn load(state: &AppState, id: &str) -> ApiResult<Option<Application>> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Ok(None);
    }
    db::get_as(state, app_key(id), "get application").await
}

/// The caller's own application, or 404 as if another unit's did not exist.
pub async fn load_for_unit(state: &AppState, unit: &UnitUser, id: &str) -> ApiResult<Application> {
    match load(state, id).await? {
        Some(app) if app.unit_id == unit.unit_id => Ok(app),
        _ => Err(not_found()),
    }
}

/// An application in the staff member's jurisdiction, or 404 as if it did not exist.
pub async fn load_for_staff(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<Application> {
    let app = load(state, id).await?.ok_or_else(not_found)?;
    staff.require_jurisdiction(&app.agency_code)?;
    Ok(app)
}

/// A condition (and its values) that holds while 补贴金额 and 赠险金额 are still those of
/// `app`, so an amount computed from them (应交保费) is still right when the write commits.
/// Items written before the fields existed lack them, which means zero.
pub fn fees_unchanged(app: &Application) -> (String, Vec<(&'static str, AttributeValue)>) {
    let part = |attr: &str, placeholder: &str, value: u64| {
        if value == 0 {
            format!("(attribute_not_exists({attr}) OR {attr} = {placeholder})")
        } else {
            format!("{attr} = {placeholder}")
        }
    };
    (
        format!(
            "{} AND {}",
            part("subsidy_fen", ":fees_sub", app.subsidy_fen),
            part("gift_fen", ":fees_gift", app.gift_fen)
        ),
        vec![(":fees_sub", n(app.subsidy_fen)), (":fees_gift", n(app.gift_fen))],
    )
}

/// A new draft's items: `item` (the application `app` as stored), put only if new, and one
/// more 草稿 in its agency's tally — the one way an application comes to exist.
pub fn put_new_draft(table: &str, app: &Application, item: db::Item) -> anyhow::Result<[TransactWriteItem; 2]> {
    Ok([db::put_new(table, item)?, tally::created(app).item(table)?])
}

/// The caller's own draft.
pub async fn load_draft(state: &AppState, unit: &UnitUser, id: &str) -> ApiResult<Application> {
    let app = load_for_unit(state, unit, id).await?;
    app.require_draft()?;
    Ok(app)
}

/// ① 保障活动录入: a new draft for an activity, sub-category and number of shares.
pub async fn create_draft(
    state: &AppState,
    unit: &UnitUser,
    activity_code: &str,
    sub_category_code: &str,
    shares: u32,
) -> ApiResult<Application> {
    let activities = catalogue::list(state).await?;
    let Some(activity) = activities.into_iter().find(|a| a.code == activity_code && a.active) else {
        return Err(ApiError::refused("ACTIVITY_UNKNOWN", "请选择保障活动"));
    };
    let app = new_draft(state, unit, &activity, sub_category_code, shares).await?;
    let table = &*state.table;
    let mut items = put_new_draft(table, &app, app.to_item().or_internal("encode application")?)
        .or_internal("build put")?
        .to_vec();
    items.extend([trail::record(
        table,
        &app_pk(&app.id),
        &unit.login,
        Some(crate::records::account::Role::Unit),
        "application_created",
        &format!("新建参保录入：{}，{}份", app.activity_name, shares),
    )
    .or_internal("build trail")?]);
    // A fresh id cannot collide: a cancellation here is a fault, not a refusal.
    db::transact(state, items)
        .await
        .on_cancel(|c| ApiError::internal(anyhow::anyhow!("create application cancelled: {c:?}")))?;
    Ok(app)
}

/// A new draft of `activity` for the caller's unit, not yet stored: the activity's fee and
/// limits are copied, so a later change of the catalogue applies to new drafts only.
pub async fn new_draft(
    state: &AppState,
    unit: &UnitUser,
    activity: &catalogue::Activity,
    sub_category_code: &str,
    shares: u32,
) -> ApiResult<Application> {
    let Some(sub) = activity.sub_categories.iter().find(|c| c.code == sub_category_code) else {
        return Err(ApiError::refused("SUB_CATEGORY_UNKNOWN", "请选择保障活动细类"));
    };
    if shares == 0 || shares > activity.max_shares {
        return Err(ApiError::refused(
            "SHARES_INVALID",
            format!("份数应为1到{}之间的整数", activity.max_shares),
        ));
    }
    let unit_record = unit::load_unit(state, &unit.unit_id)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到单位信息"))?;
    let now = time::now();
    let number = format!(
        "SQ{}{:06}",
        now.with_timezone(&time::BEIJING).format("%Y%m%d"),
        rand::random::<u32>() % 1_000_000
    );
    Ok(Application {
        id: uuid::Uuid::new_v4().to_string(),
        number,
        unit_id: unit.unit_id.clone(),
        unit_name: unit_record.unit_name,
        agency_code: unit_record.agency_code,
        status: ApplicationStatus::Draft,
        activity_code: activity.code.clone(),
        activity_kind: activity.kind.clone(),
        activity_name: activity.name.clone(),
        fee_per_share_fen: activity.fee_per_share_fen,
        sub_category_code: sub.code.clone(),
        sub_category_name: sub.name.clone(),
        shares,
        min_age: activity.min_age,
        max_age_male: activity.max_age_male,
        max_age_female: activity.max_age_female,
        term_months: activity.term_months,
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
        created_at: time::stamp(now),
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
        observation_days: activity.renewal_terms().observation_days(),
    })
}

/// A transaction part that holds only while the application is a draft.
pub fn draft_guard(table: &str, app_id: &str) -> anyhow::Result<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(app_key(app_id)))
        .condition_expression("#st = :draft")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":draft", s(ApplicationStatus::Draft.as_str()))
        .build()?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}
