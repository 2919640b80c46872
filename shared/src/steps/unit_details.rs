//! 单位信息变更: a unit corrects its own details (name, nature, union, region, address,
//! 涉密单位); the old values stay in force until a registration reviewer of its agency subtree
//! approves, and both are written to the unit's trail. One correction waits at a time.
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::mask_name;
use crate::platform::cursor::{CursorPage, IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db::{self, OnCancel, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::sms::{self, SmsText};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Permission, Role};
use crate::records::application::queue_sk;
use crate::records::session::{StaffUser, UnitUser};
use crate::records::trail::{self, clean_reason};
use crate::records::unit::{
    DETAILS_QUEUE, DetailsRefusal, PendingDetails, Unit, UnitDetails, UnitDetailsForm, load_unit, unit_for_staff,
    unit_key, unit_pk,
};

/// One field as it is and as the unit asks it to be.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldChange {
    /// 单位名称, 单位性质, …
    pub label: String,
    pub before: String,
    pub after: String,
}

fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "是",
        Some(false) => "否",
        None => "未填写",
    }
    .to_owned()
}

/// The fields `asked` changes in `unit`, in the form's order.
pub fn changes(unit: &Unit, asked: &UnitDetails) -> Vec<FieldChange> {
    [
        ("单位名称", unit.unit_name.clone(), asked.unit_name.clone()),
        ("单位性质", unit.unit_nature.clone(), asked.unit_nature.clone()),
        ("单位工会", unit.union_name.clone(), asked.union_name.clone()),
        ("省-市-区/县", unit.region_name.clone(), asked.region_name.clone()),
        ("单位地址", unit.address.clone(), asked.address.clone()),
        ("涉密单位", yes_no(unit.classified), yes_no(Some(asked.classified))),
    ]
    .into_iter()
    .filter(|(_, before, after)| before != after)
    .map(|(label, before, after)| FieldChange {
        label: label.to_owned(),
        before,
        after,
    })
    .collect()
}

fn described(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|c| format!("{}「{}」→「{}」", c.label, c.before, c.after))
        .collect::<Vec<_>>()
        .join("；")
}

/// What 单位信息 shows the unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitProfile {
    pub unit_name: String,
    pub unit_nature: String,
    pub unit_code: String,
    pub union_name: String,
    pub union_credit_code: String,
    /// 所属机构 (full path)
    pub agency_name: String,
    pub region_code: String,
    pub region_name: String,
    pub address: String,
    /// 涉密单位; absent if never answered
    pub classified: Option<bool>,
    /// 联系人 (masked; changed through the agency)
    pub contact_name: String,
    pub contact_mobile: String,
    /// The correction waiting for the agency, field by field
    pub pending: Option<Vec<FieldChange>>,
    pub pending_since: Option<String>,
    /// Why the last correction was refused
    pub refused: Option<DetailsRefusal>,
}

impl UnitProfile {
    fn of(unit: &Unit) -> Self {
        Self {
            unit_name: unit.unit_name.clone(),
            unit_nature: unit.unit_nature.clone(),
            unit_code: unit.unit_code.to_string(),
            union_name: unit.union_name.clone(),
            union_credit_code: unit.union_credit_code.to_string(),
            agency_name: unit.agency_name.clone(),
            region_code: unit.region_code.clone(),
            region_name: unit.region_name.clone(),
            address: unit.address.clone(),
            classified: unit.classified,
            contact_name: mask_name(&unit.contact.name),
            contact_mobile: unit.contact.mobile.masked(),
            pending: unit.pending_details.as_ref().map(|p| changes(unit, &p.details)),
            pending_since: unit.pending_details.as_ref().map(|p| p.requested_at.clone()),
            refused: unit.details_refused.clone(),
        }
    }
}

async fn own_unit(state: &AppState, unit: &UnitUser) -> ApiResult<Unit> {
    load_unit(state, &unit.unit_id)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到单位信息"))
}

pub async fn profile(state: &AppState, unit: &UnitUser) -> ApiResult<UnitProfile> {
    Ok(UnitProfile::of(&own_unit(state, unit).await?))
}

fn already_pending() -> ApiError {
    ApiError::conflict(
        "DETAILS_CHANGE_PENDING",
        "已有一项单位信息变更正在等待经办机构审核，请审核完成后再提交",
    )
}

/// 申请变更: checked like the registration form; refused when nothing changes.
pub async fn request(state: &AppState, unit: &UnitUser, form: &UnitDetailsForm) -> ApiResult<UnitProfile> {
    let mut check = FieldCheck::new();
    let asked = form.parse(&mut check);
    check.finish()?;
    let asked = checked(asked)?;
    let current = own_unit(state, unit).await?;
    if current.pending_details.is_some() {
        return Err(already_pending());
    }
    let diff = changes(&current, &asked);
    if diff.is_empty() {
        return Err(ApiError::refused("NOTHING_CHANGED", "单位信息没有修改，无需提交"));
    }
    let pending = PendingDetails {
        details: asked,
        requested_by: unit.login.clone(),
        requested_at: time::stamp(time::now()),
    };
    let table = &*state.table;
    let items = vec![
        db::update_if(
            table,
            unit_key(&current.id),
            "SET pending_details = :p, gsi3pk = :q, gsi3sk = :sk REMOVE details_refused",
            Some("attribute_exists(pk) AND attribute_not_exists(pending_details)"),
            &[],
            &[
                (
                    ":p",
                    AttributeValue::M(db::to_item(&pending).or_internal("encode pending details")?),
                ),
                (":q", s(DETAILS_QUEUE)),
                (
                    ":sk",
                    s(queue_sk(&current.agency_code, &pending.requested_at, &current.id)),
                ),
            ],
        )
        .or_internal("build pending details")?,
        trail::record(
            table,
            &unit_pk(&current.id),
            &unit.login,
            Some(Role::Unit),
            "details_change_requested",
            &format!("申请变更单位信息：{}", described(&diff)),
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items).await.on_cancel(|_| already_pending())?;
    Ok(UnitProfile::of(&Unit {
        pending_details: Some(pending),
        details_refused: None,
        ..current
    }))
}

/// One row of 单位信息变更审核.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetailsChangeRow {
    pub unit_id: String,
    pub unit_name: String,
    pub unit_code: String,
    pub agency_name: String,
    pub requested_at: String,
    pub changes: Vec<FieldChange>,
}

/// The corrections waiting in the staff member's subtree, agency by agency, oldest first.
pub async fn list_for_staff(
    state: &AppState,
    staff: &StaffUser,
    at: &PageAt,
) -> ApiResult<CursorPage<DetailsChangeRow>> {
    staff.require(Permission::RegistrationReview)?;
    let (units, next) = IndexList::new(vec![Segment::new(
        IndexName::Gsi3,
        DETAILS_QUEUE,
        SortRange::BeginsWith(staff.subtree_prefix()),
    )])
    .read_page_as::<Unit>(state, at)
    .await?;
    let rows = units
        .iter()
        .filter_map(|unit| {
            // The index lags the table a little: a decided one is no longer listed.
            let pending = unit.pending_details.as_ref()?;
            Some(DetailsChangeRow {
                unit_id: unit.id.clone(),
                unit_name: unit.unit_name.clone(),
                unit_code: unit.unit_code.to_string(),
                agency_name: unit.agency_name.clone(),
                requested_at: pending.requested_at.clone(),
                changes: changes(unit, &pending.details),
            })
        })
        .collect();
    Ok(at.page(rows, None, next))
}

fn decided_elsewhere() -> ApiError {
    ApiError::conflict("DETAILS_CHANGE_GONE", "该变更申请已被处理或已更新，请刷新列表后再操作")
}

/// The decision of a registration reviewer on the correction they saw (`requested_at`).
pub enum Decision {
    Approve,
    Reject(String),
}

pub async fn decide(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    requested_at: &str,
    decision: Decision,
) -> ApiResult<()> {
    staff.require(Permission::RegistrationReview)?;
    let decision = match decision {
        Decision::Reject(reason) => Decision::Reject(clean_reason(&reason)?),
        approve => approve,
    };
    let unit = unit_for_staff(state, staff, id).await?;
    let Some(pending) = unit.pending_details.clone().filter(|p| p.requested_at == requested_at) else {
        return Err(decided_elsewhere());
    };
    let diff = described(&changes(&unit, &pending.details));
    let now = time::stamp(time::now());
    let table = &*state.table;
    let seen = [(":seen", s(requested_at))];
    let (update, action, summary, text) = match &decision {
        Decision::Approve => {
            let d = &pending.details;
            let values = [
                (":name", s(d.unit_name.clone())),
                (":nature", s(d.unit_nature.clone())),
                (":union", s(d.union_name.clone())),
                (":region", s(d.region_code.clone())),
                (":region_name", s(d.region_name.clone())),
                (":address", s(d.address.clone())),
                (":classified", AttributeValue::Bool(d.classified)),
                seen[0].clone(),
            ];
            (
                db::update_if(
                    table,
                    unit_key(id),
                    "SET unit_name = :name, unit_nature = :nature, union_name = :union, region_code = :region, \
                     region_name = :region_name, address = :address, classified = :classified \
                     REMOVE pending_details, gsi3pk, gsi3sk",
                    Some("pending_details.requested_at = :seen"),
                    &[],
                    &values,
                ),
                "details_changed",
                format!("审核通过单位信息变更：{diff}"),
                SmsText::DetailsChangeApproved,
            )
        }
        Decision::Reject(reason) => {
            let refusal = DetailsRefusal {
                reason: reason.clone(),
                refused_at: now.clone(),
            };
            (
                db::update_if(
                    table,
                    unit_key(id),
                    "SET details_refused = :r REMOVE pending_details, gsi3pk, gsi3sk",
                    Some("pending_details.requested_at = :seen"),
                    &[],
                    &[
                        (
                            ":r",
                            AttributeValue::M(db::to_item(&refusal).or_internal("encode refusal")?),
                        ),
                        seen[0].clone(),
                    ],
                ),
                "details_change_rejected",
                format!("驳回单位信息变更（{diff}），原因：{reason}"),
                SmsText::DetailsChangeRejected { reason: reason.clone() },
            )
        }
    };
    let items = vec![
        update.or_internal("build details decision")?,
        trail::record(table, &unit_pk(id), &staff.login, Some(Role::Staff), action, &summary)
            .or_internal("build trail")?,
        sms::enqueue(
            table,
            &format!("details:{id}:{requested_at}"),
            &unit.contact.mobile,
            &text,
        )
        .or_internal("build sms")?,
    ];
    db::transact(state, items).await.on_cancel(|_| decided_elsewhere())?;
    tracing::info!(unit = %id, action, "unit details decided");
    Ok(())
}
