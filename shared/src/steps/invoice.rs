//! 开票录入 (unit): after 终审 the unit enters one or more invoice entries
//! (会费来源, 抬头, 税号, 交款人邮箱, items) that together cover 应交保费 exactly, then submits
//! them (→ `invoiced`, 待到账). 补贴金额 and 赠险金额 are set at 终审 (the review step).
//!
//! The application item keeps `invoiced_fen`, the sum of its entries, changed in the same
//! transaction as each entry and conditional on the result staying within 应交保费: two
//! concurrent entries can never exceed it. Conditions cannot do arithmetic, so the bound is
//! passed precomputed (`invoiced_fen <= due − amount`).
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::{Email, Fen, Occupation, TaxId};
use crate::platform::db::{self, key, n, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::http::whole_number;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::Role;
use crate::records::application::{self, Application, ApplicationStatus, FeeSummary, app_key, app_pk};
pub use crate::records::invoice_entry::{FeeSource, InvoiceEntry, InvoiceItem};
use crate::records::invoice_entry::{entries, entry_key};
use crate::records::payment_account;
use crate::records::session::UnitUser;
use crate::records::trail;
use crate::records::transition::Transition;

/// 批次号 = "S" + yyyymmdd (Beijing) + a 10-digit sequence of that day. The sequence is
/// BATCH_SEQ_BASE + n for the day's n-th number (from 1), so it always has 10 digits like
/// the manual's S202411141000014460; numbers of failed entries are not reused (gaps).
pub const BATCH_SEQ_BASE: u64 = 1_000_000_000;
pub const TITLE_MAX_CHARS: usize = 100;
pub const ITEMS_MAX: usize = 20;

// ---------------------------------------------------------------------------------------------
// Fees

// ---------------------------------------------------------------------------------------------
// Entries

/// One item as the form sends it; numbers may come as numbers or digit strings.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct InvoiceItemForm {
    /// 保障活动 code (the application's activity)
    pub activity_code: String,
    /// general (一般职业) or high_risk (高危职业)
    pub occupation: String,
    /// 人数 (≥ 1)
    #[schema(value_type = u64)]
    pub count: Value,
    /// 人均单价 in fen (≥ 1)
    #[schema(value_type = u64)]
    pub unit_price_fen: Value,
    /// 总金额 in fen; must equal 人数 × 人均单价
    #[schema(value_type = u64)]
    pub amount_fen: Value,
}

/// 新增开票信息 / 详情修改.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct InvoiceEntryForm {
    /// 会费来源: union_funds (工会经费), administrative_funds (行政经费), member_paid (会员自付)
    pub source: String,
    /// 抬头 (required)
    pub title: String,
    /// 税号: 15, 18 or 20 letters or digits; may be empty
    pub tax_id: String,
    /// 交款人邮箱 (required)
    pub payer_email: String,
    pub items: Vec<InvoiceItemForm>,
}

/// What a valid form holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEntry {
    pub source: FeeSource,
    pub title: String,
    pub tax_id: Option<TaxId>,
    pub payer_email: Email,
    pub items: Vec<InvoiceItem>,
    pub amount: Fen,
}

impl InvoiceEntryForm {
    /// Every rule at once, against the application's activity; each bad field is reported.
    pub fn parse(&self, app: &Application) -> ApiResult<ParsedEntry> {
        let mut check = FieldCheck::new();
        let source = FeeSource::parse(&self.source);
        if source.is_none() {
            check.push(
                "source",
                "SOURCE_INVALID",
                "请选择会费来源（工会经费、行政经费或会员自付）",
            );
        }
        let title: String = self.title.trim().chars().filter(|c| !c.is_control()).collect();
        if title.is_empty() {
            check.push("title", "TITLE_REQUIRED", "请填写发票抬头");
        } else if title.chars().count() > TITLE_MAX_CHARS {
            check.push(
                "title",
                "TITLE_TOO_LONG",
                format!("发票抬头不能超过{TITLE_MAX_CHARS}个字"),
            );
        }
        let tax_id = if self.tax_id.trim().is_empty() {
            None
        } else {
            check.take("tax_id", TaxId::parse(&self.tax_id))
        };
        let email = check.take("payer_email", Email::parse(&self.payer_email));
        if self.items.is_empty() {
            check.push(
                "items",
                "ITEMS_REQUIRED",
                "请至少添加一个开票项目（勾选保障活动后点击【选择项目】）",
            );
        } else if self.items.len() > ITEMS_MAX {
            check.push("items", "TOO_MANY_ITEMS", format!("一条开票信息最多{ITEMS_MAX}个项目"));
        }
        let mut items = Vec::new();
        let mut total = Some(Fen::ZERO);
        for (i, form) in self.items.iter().take(ITEMS_MAX).enumerate() {
            let row = i + 1;
            match form.parse(app, row, i, &mut check) {
                Some(item) => {
                    total = total.and_then(|t| t.checked_add(Fen::new(item.amount_fen)));
                    items.push(item);
                }
                None => total = None,
            }
        }
        if check.is_clean() && total.is_none() {
            check.push("items", "AMOUNT_TOO_LARGE", "开票金额过大，请核对");
        }
        check.finish()?;
        Ok(ParsedEntry {
            source: checked(source)?,
            title,
            tax_id,
            payer_email: checked(email)?,
            items,
            amount: checked(total)?,
        })
    }
}

impl InvoiceItemForm {
    fn parse(&self, app: &Application, row: usize, index: usize, check: &mut FieldCheck) -> Option<InvoiceItem> {
        let field = |name: &str| format!("items[{index}].{name}");
        let mut ok = true;
        if self.activity_code.trim() != app.activity_code {
            check.push(
                &field("activity_code"),
                "ACTIVITY_INVALID",
                format!("第{row}项：请选择本申请的保障活动（{}）", app.activity_name),
            );
            ok = false;
        }
        let occupation = Occupation::parse(&self.occupation);
        if occupation.is_none() {
            check.push(
                &field("occupation"),
                "OCCUPATION_INVALID",
                format!("第{row}项：请选择职业（一般职业或高危职业）"),
            );
        }
        let mut positive = |name: &str, code: &'static str, label: &str, value: &Value| match whole_number(value) {
            Ok(Some(v)) if v > 0 => Some(v),
            _ => {
                check.push(&field(name), code, format!("第{row}项：{label}"));
                None
            }
        };
        let count = positive("count", "COUNT_INVALID", "人数应为正整数", &self.count);
        let price = positive(
            "unit_price_fen",
            "UNIT_PRICE_INVALID",
            "人均单价应大于0（以分为单位的整数）",
            &self.unit_price_fen,
        );
        let amount = match whole_number(&self.amount_fen) {
            Ok(Some(v)) => Some(v),
            _ => {
                check.push(
                    &field("amount_fen"),
                    "AMOUNT_INVALID",
                    format!("第{row}项：请填写总金额（以分为单位的整数）"),
                );
                None
            }
        };
        let (Some(count), Some(price), Some(amount), Some(occupation), true) = (count, price, amount, occupation, ok)
        else {
            return None;
        };
        match count.checked_mul(price) {
            Some(expected) if expected == amount => Some(InvoiceItem {
                activity_code: app.activity_code.clone(),
                activity_name: app.activity_name.clone(),
                occupation,
                occupation_label: occupation.label().to_owned(),
                count,
                unit_price_fen: price,
                amount_fen: amount,
            }),
            Some(expected) => {
                check.push(
                    &field("amount_fen"),
                    "AMOUNT_MISMATCH",
                    format!(
                        "第{row}项：总金额（{}元）应等于人数×人均单价（{count}×{}元={}元）",
                        Fen::new(amount),
                        Fen::new(price),
                        Fen::new(expected)
                    ),
                );
                None
            }
            None => {
                check.push(
                    &field("amount_fen"),
                    "AMOUNT_TOO_LARGE",
                    format!("第{row}项：金额过大，请核对"),
                );
                None
            }
        }
    }
}

/// "S" + yyyymmdd + the 10-digit sequence.
pub fn batch_number(day: &str, seq: u64) -> String {
    format!("S{day}{}", BATCH_SEQ_BASE + seq)
}

/// The next 批次号 of the Beijing day: an atomic ADD on that day's counter item.
async fn next_batch_number(state: &AppState, now: DateTime<Utc>) -> ApiResult<String> {
    let day = now.with_timezone(&time::BEIJING).format("%Y%m%d").to_string();
    let out = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(key("COUNTER#invoice_batch", day.clone())))
        .update_expression("ADD seq :one")
        .expression_attribute_values(":one", n(1))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .or_internal("next batch number")?;
    let seq: u64 = db::number(out.attributes.as_ref(), "seq")
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("batch counter without seq")))?;
    Ok(batch_number(&day, seq))
}

// ---------------------------------------------------------------------------------------------
// The page

/// 剩余开票金额 of one activity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceActivity {
    /// 序号
    pub seq: u32,
    pub activity_code: String,
    /// 保障活动
    pub activity_name: String,
    /// 标准 (会费标准 per share), fen
    pub fee_per_share_fen: u64,
    /// 份数
    pub shares: u32,
    /// 人数
    pub insured_count: u32,
    /// 高危职业人数
    pub high_risk_count: u32,
    /// 剩余开票金额, fen
    pub remaining_fen: u64,
}

/// 开票录入 page of one application.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    pub application_id: String,
    /// 申请书号
    pub number: String,
    pub status: ApplicationStatus,
    pub status_label: String,
    /// 总保费, 补贴金额, 赠险金额, 应交保费
    pub fees: FeeSummary,
    pub activities: Vec<InvoiceActivity>,
    /// Entries, oldest first.
    pub entries: Vec<InvoiceEntry>,
    /// Sum of the entries, fen
    pub invoiced_fen: u64,
    /// 剩余开票金额 of the whole application, fen
    pub remaining_fen: u64,
    /// Whether the unit submitted the invoice data (nothing changes after that).
    pub submitted: bool,
    pub invoiced_at: Option<String>,
    /// 缴费说明, from 终审 until the money is confirmed
    pub payment: Option<PaymentInstructions>,
}

/// 缴费说明: where to transfer, how much, what to write in the remark, and by when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentInstructions {
    /// The office's account; absent until the province admin configures it
    pub payee: Option<Payee>,
    /// 应交保费, fen
    pub amount_due_fen: u64,
    /// 批次号 of the entries: the transfer's remark names them
    pub batch_numbers: Vec<String>,
    /// 到账确认 by this day (YYYY-MM-DD)
    pub deadline: String,
}

/// 收款账户 as a unit sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Payee {
    /// 户名
    pub account_name: String,
    /// 开户行
    pub bank: String,
    /// 账号
    pub account_number: String,
}

fn not_open() -> ApiError {
    ApiError::conflict("INVOICE_NOT_OPEN", "参保申请终审通过后才能录入开票信息，请等待审核")
}

fn already_submitted() -> ApiError {
    ApiError::conflict(
        "INVOICE_SUBMITTED",
        "开票信息已提交，不能再修改；如有疑问请联系所属经办机构",
    )
}

/// Refuses changes unless the application waits for invoice data.
fn require_open(app: &Application) -> ApiResult<()> {
    match app.status {
        ApplicationStatus::Approved => Ok(()),
        ApplicationStatus::Invoiced | ApplicationStatus::Paid => Err(already_submitted()),
        _ => Err(not_open()),
    }
}

fn remaining(app: &Application) -> ApiResult<Fen> {
    Ok(app.due()?.checked_sub(Fen::new(app.invoiced_fen)).unwrap_or(Fen::ZERO))
}

fn exceeds(amount: Fen, remaining: Fen) -> ApiError {
    ApiError::refused(
        "INVOICE_EXCEEDS_REMAINING",
        format!("开票金额（{amount}元）超过剩余开票金额（{remaining}元），请核对"),
    )
}

async fn load_entry(state: &AppState, app_id: &str, entry_id: &str) -> ApiResult<InvoiceEntry> {
    let not_found = || ApiError::not_found("INVOICE_ENTRY_NOT_FOUND", "未找到该开票信息，可能已被删除，请刷新");
    if uuid::Uuid::parse_str(entry_id).is_err() {
        return Err(not_found());
    }
    db::get_as(state, entry_key(app_id, entry_id), "get invoice entry")
        .await?
        .ok_or_else(not_found)
}

/// The unit's own application, once invoice data may exist (终审 passed).
async fn load_invoiceable(state: &AppState, unit: &UnitUser, id: &str) -> ApiResult<Application> {
    let app = application::load_for_unit(state, unit, id).await?;
    match app.status {
        ApplicationStatus::Approved | ApplicationStatus::Invoiced | ApplicationStatus::Paid => Ok(app),
        _ => Err(not_open()),
    }
}

/// 开票录入 page: fees, remaining amount per activity, the entries, whether submitted.
pub async fn view(state: &AppState, unit: &UnitUser, id: &str) -> ApiResult<InvoiceView> {
    let app = load_invoiceable(state, unit, id).await?;
    view_of(state, app).await
}

async fn view_of(state: &AppState, app: Application) -> ApiResult<InvoiceView> {
    let remaining = remaining(&app)?.value();
    let entries = entries(state, &app.id).await?;
    let payment = match app.status {
        ApplicationStatus::Approved | ApplicationStatus::Invoiced => Some(PaymentInstructions {
            payee: payment_account::load(state, payment_account::OFFICE_CODE)
                .await?
                .map(|a| Payee {
                    account_name: a.account_name,
                    bank: a.bank,
                    account_number: a.account_number,
                }),
            amount_due_fen: app.due()?.value(),
            batch_numbers: entries.iter().map(|e| e.batch_no.clone()).collect(),
            deadline: payment_account::deadline(time::today_beijing()).to_string(),
        }),
        _ => None,
    };
    Ok(InvoiceView {
        application_id: app.id.clone(),
        number: app.number.clone(),
        status: app.status,
        status_label: app.status.label().to_owned(),
        fees: FeeSummary::of(&app)?,
        activities: vec![InvoiceActivity {
            seq: 1,
            activity_code: app.activity_code.clone(),
            activity_name: app.activity_name.clone(),
            fee_per_share_fen: app.fee_per_share_fen,
            shares: app.shares,
            insured_count: app.insured_count(),
            high_risk_count: app.high_risk_count,
            remaining_fen: remaining,
        }],
        entries,
        invoiced_fen: app.invoiced_fen,
        remaining_fen: remaining,
        submitted: app.invoiced_at.is_some(),
        invoiced_at: app.invoiced_at,
        payment,
    })
}

/// Why an entry change did not commit, as of now.
async fn entry_refusal(state: &AppState, app_id: &str, amount: Fen) -> ApiError {
    match application::load(state, app_id).await {
        Ok(Some(now)) => {
            if let Err(e) = require_open(&now) {
                e
            } else {
                match remaining(&now) {
                    Ok(left) if amount > left => exceeds(amount, left),
                    Ok(_) => ApiError::conflict("CHANGED_MEANWHILE", "开票信息或费用刚被修改，请刷新后重新录入"),
                    Err(e) => e,
                }
            }
        }
        Ok(None) => ApiError::not_found("NOT_FOUND", "未找到该参保申请"),
        Err(e) => e,
    }
}

fn item_of(entry: &InvoiceEntry, app_id: &str) -> anyhow::Result<db::Item> {
    entry.to_item(app_id)
}

/// The application-side half of an entry change: move `invoiced_fen` by `delta`, holding only
/// while the application waits for invoice data, its fees are those the amounts were checked
/// against, and the new sum stays within 应交保费 (`invoiced_fen <= limit` before the move).
fn counter_update(table: &str, app: &Application, delta: i128, limit: Option<u64>) -> ApiResult<TransactWriteItem> {
    let (fees, fee_values) = application::fees_unchanged(app);
    let mut condition = format!("#st = :approved AND {fees}");
    let mut values: Vec<(&str, AttributeValue)> = vec![
        (":approved", s(ApplicationStatus::Approved.as_str())),
        (":delta", n(delta)),
        (":zero", n(0)),
    ];
    values.extend(fee_values);
    if let Some(limit) = limit {
        condition.push_str(" AND (attribute_not_exists(invoiced_fen) OR invoiced_fen <= :limit)");
        values.push((":limit", n(limit)));
    }
    db::update_if(
        table,
        app_key(&app.id),
        "SET invoiced_fen = if_not_exists(invoiced_fen, :zero) + :delta",
        Some(&condition),
        &[("#st", "status")],
        &values,
    )
    .or_internal("build invoice counter")
}

/// One entry change, committed as one transaction: the invoiced counter moved by `delta`
/// (within `limit`), the entry's own write, and the trail line.
struct EntryChange {
    delta: i128,
    limit: Option<u64>,
    write: TransactWriteItem,
    action: &'static str,
    summary: String,
    /// The amount asked for, named in the refusal if the change is cancelled.
    asked: Fen,
}

async fn commit(state: &AppState, unit: &UnitUser, app: &Application, change: EntryChange) -> ApiResult<()> {
    let table = &*state.table;
    let items = vec![
        counter_update(table, app, change.delta, change.limit)?,
        change.write,
        trail::record(
            table,
            &app_pk(&app.id),
            &unit.login,
            Some(Role::Unit),
            change.action,
            &change.summary,
        )
        .or_internal("build trail")?,
    ];
    if let Err(err) = db::transact(state, items).await {
        err.cancelled()?;
        return Err(entry_refusal(state, &app.id, change.asked).await);
    }
    Ok(())
}

/// 新增开票信息 (保存).
pub async fn add_entry(
    state: &AppState,
    unit: &UnitUser,
    id: &str,
    form: &InvoiceEntryForm,
) -> ApiResult<InvoiceEntry> {
    let app = application::load_for_unit(state, unit, id).await?;
    require_open(&app)?;
    let parsed = form.parse(&app)?;
    let left = remaining(&app)?;
    if parsed.amount > left {
        return Err(exceeds(parsed.amount, left));
    }
    let now = time::now();
    let batch_no = next_batch_number(state, now).await?;
    let entry = entry_from(parsed, uuid::Uuid::new_v4().to_string(), batch_no, time::stamp(now));
    let change = EntryChange {
        delta: i128::from(entry.amount_fen),
        limit: Some(app.due()?.value().saturating_sub(entry.amount_fen)),
        write: db::put_new(&state.table, item_of(&entry, &app.id).or_internal("encode entry")?)
            .or_internal("build entry")?,
        action: "invoice_entry_added",
        summary: format!(
            "新增开票信息：批次号{}，{}，开票金额{}元",
            entry.batch_no,
            entry.source_label,
            Fen::new(entry.amount_fen)
        ),
        asked: Fen::new(entry.amount_fen),
    };
    commit(state, unit, &app, change).await?;
    Ok(entry)
}

/// 详情/修改: replaces an entry's fields and items; its batch number stays.
pub async fn update_entry(
    state: &AppState,
    unit: &UnitUser,
    id: &str,
    entry_id: &str,
    form: &InvoiceEntryForm,
) -> ApiResult<InvoiceEntry> {
    let app = application::load_for_unit(state, unit, id).await?;
    require_open(&app)?;
    let old = load_entry(state, &app.id, entry_id).await?;
    let parsed = form.parse(&app)?;
    // This entry's own amount is available again for its new amount.
    let left = remaining(&app)?
        .checked_add(Fen::new(old.amount_fen))
        .unwrap_or(Fen::ZERO);
    if parsed.amount > left {
        return Err(exceeds(parsed.amount, left));
    }
    let entry = InvoiceEntry {
        updated_at: time::stamp(time::now()),
        ..entry_from(
            parsed,
            old.entry_id.clone(),
            old.batch_no.clone(),
            old.created_at.clone(),
        )
    };
    let limit = app
        .due()?
        .value()
        .saturating_add(old.amount_fen)
        .saturating_sub(entry.amount_fen);
    let change = EntryChange {
        delta: i128::from(entry.amount_fen) - i128::from(old.amount_fen),
        limit: Some(limit),
        // The counter moves by old → new only if the entry still holds the old amount.
        write: db::put_if(
            &state.table,
            item_of(&entry, &app.id).or_internal("encode entry")?,
            Some("amount_fen = :old"),
            &[(":old", n(old.amount_fen))],
        )
        .or_internal("build entry")?,
        action: "invoice_entry_updated",
        summary: format!(
            "修改开票信息：批次号{}，开票金额{}元→{}元",
            entry.batch_no,
            Fen::new(old.amount_fen),
            Fen::new(entry.amount_fen)
        ),
        asked: Fen::new(entry.amount_fen),
    };
    commit(state, unit, &app, change).await?;
    Ok(entry)
}

/// 删除 an entry before submission; its amount becomes invoiceable again.
pub async fn delete_entry(state: &AppState, unit: &UnitUser, id: &str, entry_id: &str) -> ApiResult<()> {
    let app = application::load_for_unit(state, unit, id).await?;
    require_open(&app)?;
    let old = load_entry(state, &app.id, entry_id).await?;
    let change = EntryChange {
        delta: -i128::from(old.amount_fen),
        limit: None,
        write: db::delete_if(
            &state.table,
            entry_key(&app.id, &old.entry_id),
            Some("amount_fen = :old"),
            &[(":old", n(old.amount_fen))],
        )
        .or_internal("build delete")?,
        action: "invoice_entry_deleted",
        summary: format!(
            "删除开票信息：批次号{}，开票金额{}元",
            old.batch_no,
            Fen::new(old.amount_fen)
        ),
        asked: Fen::ZERO,
    };
    commit(state, unit, &app, change).await
}

/// 提交: when the entries cover 应交保费 exactly → invoiced (待到账), once.
pub async fn submit(state: &AppState, unit: &UnitUser, id: &str) -> ApiResult<InvoiceView> {
    let app = application::load_for_unit(state, unit, id).await?;
    require_open(&app)?;
    let due = app.due()?;
    let invoiced = Fen::new(app.invoiced_fen);
    if invoiced != due {
        let message = match invoiced.checked_sub(due) {
            Some(over) => format!("开票金额合计（{invoiced}元）超过应交保费（{due}元）{over}元，请修改开票信息"),
            None => format!(
                "开票金额合计（{invoiced}元）尚未达到应交保费（{due}元），还差{}元，请继续新增开票信息",
                due.checked_sub(invoiced).unwrap_or(Fen::ZERO)
            ),
        };
        return Err(ApiError::refused("INVOICE_NOT_COVERED", message));
    }
    let now = time::now();
    let (fees, fee_values) = application::fees_unchanged(&app);
    let invoiced_status = ApplicationStatus::Invoiced;
    // A zero 应交保费 (all subsidised) has no entries and maybe no counter yet.
    let covered = if due == Fen::ZERO {
        "attribute_not_exists(invoiced_fen) OR invoiced_fen = :due"
    } else {
        "invoiced_fen = :due"
    };
    let items = Transition::new(&app, ApplicationStatus::Approved, invoiced_status)
        .by(
            &unit.login,
            Some(Role::Unit),
            "invoice_submitted",
            format!("提交开票信息，开票金额合计{invoiced}元"),
        )
        .set("invoiced_at", s(time::stamp(now)))
        .guard(covered, vec![(":due", n(due.value()))])
        .guard(fees, fee_values)
        .items(&state.table)
        .or_internal("build invoice submit")?;
    if let Err(err) = db::transact(state, items).await {
        err.cancelled()?;
        return Err(entry_refusal(state, &app.id, Fen::ZERO).await);
    }
    tracing::info!(application = %app.id, "invoice data submitted");
    view_of(
        state,
        Application {
            status: invoiced_status,
            invoiced_at: Some(time::stamp(now)),
            ..app
        },
    )
    .await
}

fn entry_from(parsed: ParsedEntry, entry_id: String, batch_no: String, created_at: String) -> InvoiceEntry {
    InvoiceEntry {
        entry_id,
        batch_no,
        source: parsed.source,
        source_label: parsed.source.label().to_owned(),
        title: parsed.title,
        tax_id: parsed.tax_id.map(String::from).unwrap_or_default(),
        payer_email: parsed.payer_email.to_string(),
        items: parsed.items,
        amount_fen: parsed.amount.value(),
        updated_at: created_at.clone(),
        created_at,
        e_invoice: None,
        paid_application: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::application::due_after;
    use serde_json::json;

    fn app() -> Application {
        serde_json::from_value(json!({
            "id": "a", "number": "SQ1", "unit_id": "u", "unit_name": "单位", "agency_code": "411103",
            "status": "approved", "activity_code": "ZYYL", "activity_kind": "住院医疗",
            "activity_name": "在职职工住院医疗互助保障活动", "fee_per_share_fen": 8000,
            "sub_category_code": "ZYYL-01", "sub_category_name": "细类", "shares": 1, "min_age": 16,
            "max_age_male": 60, "max_age_female": 55, "term_months": 12, "employees": 5,
            "female_employees": 2, "remarks": "", "named_count": 3, "unnamed_count": 0,
            "high_risk_count": 0, "expiring_count": 0, "batch_seq": 1,
            "created_at": "2025-02-18T02:49:08.000Z", "submitted_at": "2025-02-18T03:00:00.000Z"
        }))
        .unwrap()
    }

    fn form(items: Value) -> InvoiceEntryForm {
        serde_json::from_value(json!({
            "source": "工会经费", "title": "省职工发展中心", "tax_id": "91410100ma44abcd1x",
            "payer_email": "pay@qq.com", "items": items
        }))
        .unwrap()
    }

    fn codes(err: ApiError) -> Vec<(String, &'static str)> {
        err.fields.into_iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn a_good_entry_parses_and_sums_its_items() {
        let parsed = form(json!([
            { "activity_code": "ZYYL", "occupation": "general", "count": 2, "unit_price_fen": 8000, "amount_fen": 16000 },
            { "activity_code": "ZYYL", "occupation": "高危职业", "count": "1", "unit_price_fen": 5000, "amount_fen": "5000" }
        ]))
        .parse(&app())
        .unwrap();
        assert_eq!(parsed.amount, Fen::new(21000));
        assert_eq!(parsed.source, FeeSource::UnionFunds);
        assert_eq!(parsed.tax_id.unwrap().as_str(), "91410100MA44ABCD1X");
        assert_eq!(parsed.items[1].occupation, Occupation::HighRisk);
    }

    #[test]
    fn every_bad_field_is_reported_with_its_place() {
        let mut f = form(json!([
            { "activity_code": "OTHER", "occupation": "x", "count": 0, "unit_price_fen": -1, "amount_fen": 1 },
            { "activity_code": "ZYYL", "occupation": "general", "count": 3, "unit_price_fen": 8000, "amount_fen": 8000 }
        ]));
        f.source = "财政".into();
        f.title = " ".into();
        f.tax_id = "123".into();
        f.payer_email = "not-mail".into();
        assert_eq!(
            codes(f.parse(&app()).unwrap_err()),
            vec![
                ("source".to_owned(), "SOURCE_INVALID"),
                ("title".to_owned(), "TITLE_REQUIRED"),
                ("tax_id".to_owned(), "TAX_ID_INVALID"),
                ("payer_email".to_owned(), "EMAIL_INVALID"),
                ("items[0].activity_code".to_owned(), "ACTIVITY_INVALID"),
                ("items[0].occupation".to_owned(), "OCCUPATION_INVALID"),
                ("items[0].count".to_owned(), "COUNT_INVALID"),
                ("items[0].unit_price_fen".to_owned(), "UNIT_PRICE_INVALID"),
                ("items[1].amount_fen".to_owned(), "AMOUNT_MISMATCH"),
            ]
        );
        assert_eq!(
            codes(form(json!([])).parse(&app()).unwrap_err()),
            vec![("items".to_owned(), "ITEMS_REQUIRED")]
        );
    }

    #[test]
    fn tax_id_may_be_left_empty() {
        let mut f = form(json!([
            { "activity_code": "ZYYL", "occupation": "general", "count": 1, "unit_price_fen": 1, "amount_fen": 1 }
        ]));
        f.tax_id = "  ".into();
        assert_eq!(f.parse(&app()).unwrap().tax_id, None);
    }

    #[test]
    fn huge_amounts_do_not_overflow() {
        let f = form(json!([
            { "activity_code": "ZYYL", "occupation": "general", "count": u64::MAX, "unit_price_fen": 2, "amount_fen": 1 }
        ]));
        assert_eq!(
            codes(f.parse(&app()).unwrap_err()),
            vec![("items[0].amount_fen".to_owned(), "AMOUNT_TOO_LARGE")]
        );
    }

    #[test]
    fn batch_numbers_look_like_the_manual() {
        assert_eq!(batch_number("20241114", 14460), "S202411141000014460");
        assert_eq!(batch_number("20250101", 1), "S202501011000000001");
        assert_eq!(batch_number("20250101", 1).len(), 19);
    }

    #[test]
    fn adjustments_cannot_exceed_the_total() {
        assert_eq!(due_after(Fen::new(24000), 4000, 2000).unwrap(), Fen::new(18000));
        assert_eq!(due_after(Fen::new(24000), 24000, 0).unwrap(), Fen::ZERO);
        assert_eq!(
            due_after(Fen::new(24000), 20000, 4001).unwrap_err().code,
            "ADJUSTMENT_TOO_LARGE"
        );
        assert_eq!(
            due_after(Fen::new(1), u64::MAX, 1).unwrap_err().code,
            "ADJUSTMENT_TOO_LARGE"
        );
    }

    #[test]
    fn sources_parse_from_code_or_label() {
        assert_eq!(FeeSource::parse("member_paid"), Some(FeeSource::MemberPaid));
        assert_eq!(FeeSource::parse(" 行政经费 "), Some(FeeSource::AdministrativeFunds));
        assert_eq!(FeeSource::parse(""), None);
    }
}
