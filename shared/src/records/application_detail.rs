//! ③ 参保信息录入 as both sides read it: the unit's base info and the activity table.
use chrono::DateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::mask_name;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::{Application, ApplicationStatus, RenewalOf};
use crate::records::unit;
use crate::reference;

/// 基础信息 of the ③ step: the unit as registered, contact data masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BaseInfo {
    /// 所属机构, e.g. 中华全国总工会>中国职工保险互助会>河南省办事处>漯河市>郾城区
    pub agency_name: String,
    /// 单位名称
    pub unit_name: String,
    /// 单位性质
    pub unit_nature: String,
    /// 单位所属工会
    pub union_name: String,
    /// 省-市-区县
    pub region_name: String,
    /// 地址详情
    pub address: String,
    /// 涉密单位 (是/否); absent for units registered before it was asked
    pub classified: Option<bool>,
    /// 联系人 (masked)
    pub contact_name: String,
    /// 办公电话
    pub office_phone: String,
    /// 手机号 (masked)
    pub mobile: String,
    /// 在职职工人数
    pub employees: Option<u32>,
    /// 在职女职工人数
    pub female_employees: Option<u32>,
    /// 申请日期 (yyyy-mm-dd, Beijing)
    pub applied_on: String,
}

/// One row of the 参保活动信息 table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityRow {
    /// 序号
    pub seq: u32,
    /// 保障活动类型
    pub activity_kind: String,
    /// 保障活动名称
    pub activity_name: String,
    /// 细类
    pub sub_category_name: String,
    /// 会费标准 per share, fen
    pub fee_per_share_fen: u64,
    /// 份数
    pub shares: u32,
    /// 参保人数 (named, not 未到期, + 无名单)
    pub insured_count: u32,
    /// 参保率 = 参保人数 / 在职职工人数, e.g. "100%" or "87.5%"; null until 在职职工人数 is set
    pub insured_rate: Option<String>,
    /// 高危职业人数
    pub high_risk_count: u32,
    /// 未到期参保人数
    pub expiring_count: u32,
    /// 会费 = 会费标准 × 份数 × 参保人数, fen
    pub fee_fen: u64,
}

/// ③ 参保信息录入: everything the summary page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationDetail {
    pub id: String,
    /// 申请书号
    pub number: String,
    pub status: ApplicationStatus,
    pub status_label: String,
    pub activity_code: String,
    pub sub_category_code: String,
    /// 基础信息
    pub base: BaseInfo,
    /// 参保活动信息
    pub activities: Vec<ActivityRow>,
    /// Named members charged (not 未到期).
    pub named_count: u32,
    /// 无名单 head count
    pub unnamed_count: u32,
    /// 参保说明
    pub remarks: String,
    pub created_at: String,
    pub submitted_at: Option<String>,
    /// 退回原因 when a reviewer returned the application (until it is submitted again)
    pub returned_reason: Option<String>,
    /// 续保: the certificate this application renews
    pub renews: Option<RenewalOf>,
}

/// 参保率 as the manual prints it: a percentage with at most two decimals, trailing zeros
/// dropped ("100%", "87.5%", "33.33%"); None without a positive 在职职工人数.
pub fn insured_rate(insured: u32, employees: Option<u32>) -> Option<String> {
    let employees = u64::from(employees.filter(|e| *e > 0)?);
    // Hundredths of a percent, rounded half up.
    let hundredths = (u64::from(insured) * 10_000 * 2 + employees) / (employees * 2);
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    Some(match frac {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    })
}

/// The Beijing date of a stored RFC 3339 stamp.
pub fn beijing_date(stamp: &str) -> String {
    DateTime::parse_from_rfc3339(stamp)
        .map(|t| t.with_timezone(&time::BEIJING).date_naive().to_string())
        .unwrap_or_default()
}

/// The ③ summary of any application (callers check who may read it).
pub async fn detail_of(state: &AppState, app: Application) -> ApiResult<ApplicationDetail> {
    let unit = unit::load_unit(state, &app.unit_id)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到单位信息"))?;
    let mobile = unit.contact.mobile.masked();
    let base = BaseInfo {
        agency_name: reference::full_name(&app.agency_code).unwrap_or_else(|| unit.agency_name.clone()),
        unit_name: unit.unit_name,
        unit_nature: unit.unit_nature,
        union_name: unit.union_name,
        region_name: unit.region_name,
        address: unit.address,
        classified: unit.classified,
        contact_name: mask_name(&unit.contact.name),
        office_phone: unit.contact.office_phone.to_string(),
        mobile,
        employees: app.employees,
        female_employees: app.female_employees,
        applied_on: beijing_date(&app.created_at),
    };
    let row = ActivityRow {
        seq: 1,
        activity_kind: app.activity_kind.clone(),
        activity_name: app.activity_name.clone(),
        sub_category_name: app.sub_category_name.clone(),
        fee_per_share_fen: app.fee_per_share_fen,
        shares: app.shares,
        insured_count: app.insured_count(),
        insured_rate: insured_rate(app.insured_count(), app.employees),
        high_risk_count: app.high_risk_count,
        expiring_count: app.expiring_count,
        fee_fen: app.fee()?.value(),
    };
    Ok(ApplicationDetail {
        id: app.id,
        number: app.number,
        status: app.status,
        status_label: app.status.label().to_owned(),
        activity_code: app.activity_code,
        sub_category_code: app.sub_category_code,
        base,
        activities: vec![row],
        named_count: app.named_count,
        unnamed_count: app.unnamed_count,
        remarks: app.remarks,
        created_at: app.created_at,
        submitted_at: app.submitted_at,
        returned_reason: app.returned_reason,
        renews: app.renews,
    })
}
