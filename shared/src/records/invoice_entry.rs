//! 开票信息: an application's invoice entries (one per 抬头, each with its 批次号), stored as
//! `APP#<id>` / `INVOICE#<entry>`. Written by the unit's 开票录入; read by finance to match a
//! transfer at 到账确认.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Occupation;
use crate::platform::db::{self, key, s};
use crate::platform::error::ApiResult;
use crate::platform::state::AppState;
use crate::records::application::app_pk;

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
