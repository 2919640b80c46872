//! 附件: a file a unit attaches to its application — the 超龄证明 (required when a member is
//! over age) or 其他. The bytes live in S3 under the unit's prefix; the table holds one item
//! per file under the application's partition (`ATTACH#<id>`).
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::db::{self, key, s};
use crate::platform::error::{ApiError, ApiResult, Refusal, refuse};
use crate::platform::state::AppState;
use crate::records::application::app_pk;

/// 附件类型
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// 超龄证明 (盖单位公章)
    OverageProof,
    /// 其他
    Other,
}

impl AttachmentKind {
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        match raw.trim() {
            "overage_proof" => Ok(Self::OverageProof),
            "other" => Ok(Self::Other),
            _ => refuse("ATTACHMENT_KIND_INVALID", "请选择附件类型：超龄证明或其他"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OverageProof => "超龄证明",
            Self::Other => "其他",
        }
    }
}

/// One attachment as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attachment {
    pub attachment_id: String,
    pub kind: AttachmentKind,
    pub file_name: String,
    /// Object key in the bucket.
    pub key: String,
    pub size: u64,
    /// pdf, jpg or png: what the bytes are, whatever the name says.
    pub file_type: String,
    pub created_at: String,
    pub uploaded_by: String,
}

/// An attachment as the 附件信息 table shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub attachment_id: String,
    pub kind: AttachmentKind,
    /// 附件类型: 超龄证明 / 其他
    pub kind_label: String,
    /// 文件名称
    pub file_name: String,
    /// pdf, jpg or png (from the file's bytes)
    pub file_type: String,
    pub size: u64,
    /// 创建时间 (RFC 3339, UTC)
    pub created_at: String,
}

impl Attachment {
    pub fn view(&self) -> AttachmentView {
        AttachmentView {
            attachment_id: self.attachment_id.clone(),
            kind: self.kind,
            kind_label: self.kind.label().to_owned(),
            file_name: self.file_name.clone(),
            file_type: self.file_type.clone(),
            size: self.size,
            created_at: self.created_at.clone(),
        }
    }
}

pub fn attachment_sk(attachment_id: &str) -> String {
    format!("ATTACH#{attachment_id}")
}

pub fn attachment_key(app_id: &str, attachment_id: &str) -> db::Item {
    key(app_pk(app_id), attachment_sk(attachment_id))
}

pub fn not_found() -> ApiError {
    ApiError::not_found("ATTACHMENT_NOT_FOUND", "未找到该附件，可能已被删除，请刷新后查看")
}

/// Every attachment of an application, oldest first.
pub async fn list(state: &AppState, app_id: &str) -> ApiResult<Vec<Attachment>> {
    let mut found: Vec<Attachment> = db::query_as(
        state
            .db
            .query()
            .table_name(&*state.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :a)")
            .expression_attribute_values(":pk", s(app_pk(app_id)))
            .expression_attribute_values(":a", s("ATTACH#"))
            .consistent_read(true),
        "query attachments",
    )
    .await?;
    found.sort_by(|a, b| (&a.created_at, &a.attachment_id).cmp(&(&b.created_at, &b.attachment_id)));
    Ok(found)
}

pub async fn load(state: &AppState, app_id: &str, attachment_id: &str) -> ApiResult<Attachment> {
    if uuid::Uuid::parse_str(attachment_id).is_err() {
        return Err(not_found());
    }
    db::get_as(state, attachment_key(app_id, attachment_id), "get attachment")
        .await?
        .ok_or_else(not_found)
}
