//! 开票信息: an application's invoice entries (one per 抬头, each with its 批次号), stored as
//! `APP#<id>` / `INVOICE#<entry>`. Written by the unit's 开票录入; read by finance to match a
//! transfer at 到账确认; after it, each entry carries finance's 电子发票, found by its 批次号.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::Occupation;
use crate::platform::db::{self, key, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::{self, app_pk};

/// 会费来源
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeeSource {
    /// 工会经费
    UnionFunds,
    /// 行政经费
    AdministrativeFunds,
    /// 会员自付
    MemberPaid,
}

impl FeeSource {
    pub const ALL: [FeeSource; 3] = [Self::UnionFunds, Self::AdministrativeFunds, Self::MemberPaid];

    pub fn code(self) -> &'static str {
        match self {
            Self::UnionFunds => "union_funds",
            Self::AdministrativeFunds => "administrative_funds",
            Self::MemberPaid => "member_paid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::UnionFunds => "工会经费",
            Self::AdministrativeFunds => "行政经费",
            Self::MemberPaid => "会员自付",
        }
    }

    /// The code or the label the drop-down shows.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|f| f.code() == raw || f.label() == raw)
    }
}

/// One line of an invoice entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceItem {
    /// 保障活动
    pub activity_code: String,
    pub activity_name: String,
    /// 职业
    pub occupation: Occupation,
    /// 一般职业 / 高危职业
    pub occupation_label: String,
    /// 人数
    pub count: u64,
    /// 人均单价, fen
    pub unit_price_fen: u64,
    /// 总金额 = 人数 × 人均单价, fen
    pub amount_fen: u64,
}

/// 开票信息: one title (抬头) with its items and batch number.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvoiceEntry {
    pub entry_id: String,
    /// 批次号, e.g. S202411141000014460
    pub batch_no: String,
    /// 会费来源
    pub source: FeeSource,
    pub source_label: String,
    /// 抬头
    pub title: String,
    /// 税号 (empty when the payer has none)
    pub tax_id: String,
    /// 交款人邮箱: the electronic invoice goes there
    pub payer_email: String,
    pub items: Vec<InvoiceItem>,
    /// 开票总金额, fen
    pub amount_fen: u64,
    pub created_at: String,
    pub updated_at: String,
    /// 电子发票, once finance has uploaded it (after 到账确认)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_invoice: Option<EInvoice>,
    /// The paid application the entry belongs to, copied at 到账确认 for finance's 电子发票 list
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_application: Option<PaidApplication>,
}

/// 电子发票 of one entry, as finance uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EInvoice {
    /// 1 for the first file; each corrected file finance puts in its place counts on
    pub version: u32,
    /// The PDF in the bucket
    pub key: String,
    pub size: u64,
    pub uploaded_at: String,
    pub uploaded_by: String,
    /// Mails queued with this file to 交款人邮箱: 1 at upload, one more per 重新发送
    pub mails: u32,
    pub last_mailed_at: String,
}

/// What finance's list shows of the application an entry belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaidApplication {
    pub application_id: String,
    /// 申请书号
    pub application_number: String,
    pub unit_name: String,
    pub agency_code: String,
    pub paid_at: String,
}

/// 电子发票 state of a paid application's entry: the two lists of finance's 电子发票 page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EInvoiceStatus {
    /// 待上传
    Pending,
    /// 已发送
    Sent,
}

impl EInvoiceStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待上传",
            Self::Sent => "已发送",
        }
    }

    /// The gsi3 partition of the entries in this state.
    pub fn queue(self) -> &'static str {
        match self {
            Self::Pending => "EINVOICE#pending",
            Self::Sent => "EINVOICE#sent",
        }
    }
}

impl InvoiceEntry {
    pub fn e_invoice_status(&self) -> EInvoiceStatus {
        if self.e_invoice.is_some() {
            EInvoiceStatus::Sent
        } else {
            EInvoiceStatus::Pending
        }
    }

    /// The stored item: the entry under its application, findable by its 批次号 (gsi2) and by
    /// its 抬头 (gsi5), which is who pays it, as a bank statement names the payer.
    pub fn to_item(&self, app_id: &str) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(entry_key(app_id, &self.entry_id));
        item.insert("gsi2pk".into(), s(batch_index_key(&self.batch_no)));
        item.insert("gsi2sk".into(), s(BATCH_INDEX_SK));
        item.insert("gsi5pk".into(), s(payer_index_key(&self.title)));
        item.insert("gsi5sk".into(), s(format!("{app_id}#{}", self.entry_id)));
        Ok(item)
    }
}

pub const BATCH_INDEX_SK: &str = "INVOICE";

/// The gsi5 partition of the entries whose 抬头 is `name` (spaces and full-width forms aside,
/// as banks print names either way).
pub fn payer_index_key(name: &str) -> String {
    format!("PAYER#{}", crate::domain::normalize_token(name))
}

/// Gives an application's entries written before the 抬头 index their keys (the upgrade's
/// recount runs it for every application waiting for payment); answers how many it indexed.
pub async fn index_payers(state: &AppState, app_id: &str) -> ApiResult<usize> {
    let mut indexed = 0;
    for entry in entries(state, app_id).await? {
        let updated = state
            .db
            .update_item()
            .table_name(&*state.table)
            .set_key(Some(entry_key(app_id, &entry.entry_id)))
            .update_expression("SET gsi5pk = :pk, gsi5sk = :sk")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(gsi5pk)")
            .expression_attribute_values(":pk", s(payer_index_key(&entry.title)))
            .expression_attribute_values(":sk", s(format!("{app_id}#{}", entry.entry_id)))
            .send()
            .await;
        match updated {
            Ok(_) => indexed += 1,
            Err(e) if db::is_condition_failed(&e) => {}
            Err(e) => return Err(ApiError::internal(anyhow::Error::new(e).context("index payer"))),
        }
    }
    Ok(indexed)
}

/// The applications with an entry whose 抬头 is `name` (at most `limit`), oldest entry first.
pub async fn applications_paid_by(state: &AppState, name: &str, limit: i32) -> ApiResult<Vec<String>> {
    let found = state
        .db
        .query()
        .table_name(&*state.table)
        .index_name("gsi5")
        .key_condition_expression("gsi5pk = :p")
        .expression_attribute_values(":p", s(payer_index_key(name)))
        .limit(limit)
        .send()
        .await
        .or_internal("query payer")?;
    let mut ids: Vec<String> = found
        .items()
        .iter()
        .map(|item| application::app_id_of(item, "payer index item"))
        .collect::<ApiResult<_>>()?;
    ids.dedup();
    Ok(ids)
}

/// The gsi2 partition that holds the entry with this 批次号 (numbers are unique: a counter).
pub fn batch_index_key(batch_no: &str) -> String {
    format!("BATCHNO#{batch_no}")
}

/// The entry with this 批次号 and its application's id, if any.
pub async fn find_by_batch(state: &AppState, batch_no: &str) -> ApiResult<Option<(String, InvoiceEntry)>> {
    let key = batch_index_key(batch_no);
    let found = db::index_query(state, db::Index::Gsi2(&key))
        .limit(1)
        .send()
        .await
        .or_internal("query batch number")?;
    let Some(item) = found.items().first() else {
        return Ok(None);
    };
    let app_id = application::app_id_of(item, "batch index item")?;
    // The index lags the table: read the entry itself.
    let entry = db::get_item(state, entry_key(&app_id, &item_entry_id(item)?), "get invoice entry").await?;
    match entry {
        Some(entry) => Ok(Some((
            app_id,
            db::from_item(entry).or_internal("decode invoice entry")?,
        ))),
        None => Ok(None),
    }
}

fn item_entry_id(item: &db::Item) -> ApiResult<String> {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .and_then(|sk| sk.strip_prefix("INVOICE#"))
        .map(str::to_owned)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("batch index item without its entry")))
}

/// At 到账确认: each entry of the paid application goes into finance's 待上传 list with what the
/// list shows. Idempotent (a repeat writes the same), and an entry whose invoice is already
/// uploaded keeps its place.
pub async fn open_for_e_invoice(state: &AppState, app: &crate::records::application::Application) -> ApiResult<()> {
    let paid_at = app.paid_at.clone().unwrap_or_else(|| time::stamp(time::now()));
    let paid = PaidApplication {
        application_id: app.id.clone(),
        application_number: app.number.clone(),
        unit_name: app.unit_name.clone(),
        agency_code: app.agency_code.clone(),
        paid_at: paid_at.clone(),
    };
    for entry in entries(state, &app.id).await? {
        let updated = state
            .db
            .update_item()
            .table_name(&*state.table)
            .set_key(Some(entry_key(&app.id, &entry.entry_id)))
            .update_expression("SET paid_application = :paid, gsi3pk = :queue, gsi3sk = :sk")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(e_invoice)")
            .expression_attribute_values(
                ":paid",
                AttributeValue::M(db::to_item(&paid).or_internal("encode paid application")?),
            )
            .expression_attribute_values(":queue", s(EInvoiceStatus::Pending.queue()))
            .expression_attribute_values(
                ":sk",
                s(crate::records::application::queue_sk(
                    &app.agency_code,
                    &paid_at,
                    &entry.batch_no,
                )),
            )
            .send()
            .await;
        match updated {
            Ok(_) => {}
            Err(e) if db::is_condition_failed(&e) => {}
            Err(e) => {
                return Err(ApiError::internal(
                    anyhow::Error::new(e).context("open entry for e-invoice"),
                ));
            }
        }
    }
    Ok(())
}

pub fn entry_key(app_id: &str, entry_id: &str) -> db::Item {
    key(app_pk(app_id), format!("INVOICE#{entry_id}"))
}

/// An application's invoice entries, oldest first.
pub async fn entries(state: &AppState, app_id: &str) -> ApiResult<Vec<InvoiceEntry>> {
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :i)")
        .expression_attribute_values(":pk", s(app_pk(app_id)))
        .expression_attribute_values(":i", s("INVOICE#"))
        .consistent_read(true);
    let mut found: Vec<InvoiceEntry> = db::query_as(query, "query invoice entries").await?;
    found.sort_by(|a, b| (&a.created_at, &a.batch_no).cmp(&(&b.created_at, &b.batch_no)));
    Ok(found)
}
