//! 附件信息: files a unit attaches to its enrollment application — the 超龄证明 (required
//! when a member is over age) and 其他. The bytes live in S3 under the unit's prefix; the
//! table holds one item per file under the application's partition (`ATTACH#<id>`).
//!
//! Uploads go browser → S3 by presigned PUT into `uploads/attachments/<app_id>/`; adding the
//! attachment checks the real size and type (magic bytes), claims the file, and records it
//! with its trail entry in one transaction that holds only while the application is a draft.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::db::{self, OnCancel};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, Refusal, checked, refuse};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads::{self, FileKind, UploadTicket};
use crate::records::account::Role;
use crate::records::application::{self, app_pk, draft_guard};
use crate::records::attachment::{Attachment, AttachmentKind, AttachmentView, attachment_key, list, load, not_found};
use crate::records::session::UnitUser;
use crate::records::trail;

/// 10 MB per file.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Files per application; enough for any real case, a bound on storage and listing.
pub const MAX_PER_APPLICATION: usize = 20;
const FILE_NAME_MAX_CHARS: usize = 100;
const ALLOWED: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];
const ALLOWED_CONTENT_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];
const DOWNLOAD_SECONDS: u64 = 300;

/// A short-lived link to download one attachment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentLink {
    /// Presigned GET, valid for `expires_in` seconds.
    pub url: String,
    pub file_name: String,
    pub expires_in: u64,
}

/// 上传附件 step 1: what the browser is about to upload.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttachmentUploadRequest {
    /// overage_proof (超龄证明) or other (其他)
    pub kind: String,
    /// application/pdf, image/jpeg or image/png
    pub content_type: String,
    /// Size in bytes, checked here for quick feedback and again after the upload.
    pub size: u64,
    pub file_name: String,
}

/// 上传附件 step 2: the uploaded file, to attach.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewAttachment {
    /// From the upload ticket.
    pub upload_id: String,
    /// overage_proof (超龄证明) or other (其他)
    pub kind: String,
    pub file_name: String,
}

fn upload_area(app_id: &str) -> String {
    format!("attachments/{app_id}")
}

fn object_key(unit_id: &str, app_id: &str, attachment_id: &str, kind: FileKind) -> String {
    format!(
        "units/{unit_id}/applications/{app_id}/attachments/{attachment_id}.{}",
        kind.extension()
    )
}

/// The name as shown in the list: the last path component (browsers send
/// `C:\fakepath\x.pdf`), without control, direction-override or reserved characters.
pub fn clean_file_name(raw: &str) -> Result<String, Refusal> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')
                && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        return refuse("FILE_NAME_REQUIRED", "请填写文件名称");
    }
    let count = cleaned.chars().count();
    if count > FILE_NAME_MAX_CHARS {
        return refuse(
            "FILE_NAME_TOO_LONG",
            format!("文件名称不能超过{FILE_NAME_MAX_CHARS}个字（当前{count}个字），请改短后重新上传"),
        );
    }
    Ok(cleaned.to_owned())
}

fn too_many() -> ApiError {
    ApiError::refused(
        "ATTACHMENTS_LIMIT",
        format!("每份申请最多上传{MAX_PER_APPLICATION}个附件，请先删除不需要的附件"),
    )
}

/// 附件列表 of the caller's own application.
pub async fn list_for_unit(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<Vec<AttachmentView>> {
    application::load_for_unit(state, unit, app_id).await?;
    Ok(list(state, app_id).await?.iter().map(Attachment::view).collect())
}

/// 上传 step 1: a presigned PUT for one file (≤ 10 MB; PDF, JPG or PNG), drafts only.
pub async fn upload_ticket(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    req: &AttachmentUploadRequest,
) -> ApiResult<UploadTicket> {
    application::load_draft(state, unit, app_id).await?;
    let mut check = FieldCheck::new();
    check.take("kind", AttachmentKind::parse(&req.kind));
    let content_type = req.content_type.trim().to_ascii_lowercase();
    if !ALLOWED_CONTENT_TYPES.contains(&content_type.as_str()) {
        check.push("content_type", "FILE_TYPE", "只能上传PDF文件或JPG、PNG图片");
    }
    if req.size == 0 {
        check.push("size", "FILE_EMPTY", "文件是空的，请重新选择");
    } else if req.size > MAX_BYTES {
        check.push(
            "size",
            "FILE_TOO_LARGE",
            format!("附件大小不能超过10MB（当前{}）", uploads::human_size(req.size)),
        );
    }
    check.take("file_name", clean_file_name(&req.file_name));
    check.finish()?;
    if list(state, app_id).await?.len() >= MAX_PER_APPLICATION {
        return Err(too_many());
    }
    uploads::ticket(state, &upload_area(app_id), &content_type, req.size).await
}

/// 上传 step 2: checks what arrived, files it under the unit's prefix and records it.
pub async fn add(state: &AppState, unit: &UnitUser, app_id: &str, req: &NewAttachment) -> ApiResult<AttachmentView> {
    let app = application::load_draft(state, unit, app_id).await?;
    let mut check = FieldCheck::new();
    let kind = check.take("kind", AttachmentKind::parse(&req.kind));
    let file_name = check.take("file_name", clean_file_name(&req.file_name));
    let upload_id = req.upload_id.trim();
    let inspected = uploads::inspect(state, &upload_area(&app.id), upload_id, MAX_BYTES, &ALLOWED).await?;
    let inspected = check.take("upload_id", inspected);
    check.finish()?;
    let (kind, file_name, inspected) = (checked(kind)?, checked(file_name)?, checked(inspected)?);
    if list(state, &app.id).await?.len() >= MAX_PER_APPLICATION {
        return Err(too_many());
    }

    let attachment_id = uuid::Uuid::new_v4().to_string();
    let object = object_key(&unit.unit_id, &app.id, &attachment_id, inspected.kind);
    uploads::claim(state, &upload_area(&app.id), upload_id, &inspected.version, &object).await?;
    let attachment = Attachment {
        attachment_id: attachment_id.clone(),
        kind,
        file_name,
        key: object.clone(),
        size: inspected.size,
        file_type: inspected.kind.extension().to_owned(),
        created_at: time::stamp(time::now()),
        uploaded_by: unit.login.clone(),
    };
    let table = &*state.table;
    let mut item = db::to_item(&attachment).or_internal("encode attachment")?;
    item.extend(attachment_key(&app.id, &attachment_id));
    let items = vec![
        draft_guard(table, &app.id).or_internal("build draft check")?,
        db::put_new(table, item).or_internal("build attachment")?,
        trail::record(
            table,
            &app_pk(&app.id),
            &unit.login,
            Some(Role::Unit),
            "attachment_added",
            &format!("上传附件【{}】《{}》", kind.label(), attachment.file_name),
        )
        .or_internal("build trail")?,
    ];
    if let Err(err) = db::transact(state, items).await {
        uploads::discard(state, std::slice::from_ref(&object)).await;
        return Err(err.refusal(|_| application::locked()));
    }
    tracing::info!(application = %app.id, attachment = %attachment_id, kind = kind.label(), "attachment added");
    Ok(attachment.view())
}

/// 下载: a short-lived link; allowed at any status (the unit keeps read access).
pub async fn download(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    attachment_id: &str,
) -> ApiResult<AttachmentLink> {
    application::load_for_unit(state, unit, app_id).await?;
    let attachment = load(state, app_id, attachment_id).await?;
    let summary = format!("下载附件：{}（{}）", attachment.file_name, attachment.kind.label());
    trail::record_read(
        state,
        &app_pk(app_id),
        &unit.login,
        Role::Unit,
        "attachment_downloaded",
        &summary,
    )
    .await?;
    Ok(AttachmentLink {
        url: uploads::download_url(state, &attachment.key, DOWNLOAD_SECONDS).await?,
        file_name: attachment.file_name,
        expires_in: DOWNLOAD_SECONDS,
    })
}

/// 删除: drafts only; the item and its trail entry commit together, then the object goes.
pub async fn remove(state: &AppState, unit: &UnitUser, app_id: &str, attachment_id: &str) -> ApiResult<()> {
    let app = application::load_draft(state, unit, app_id).await?;
    let attachment = load(state, &app.id, attachment_id).await?;
    let table = &*state.table;
    let items = vec![
        draft_guard(table, &app.id).or_internal("build draft check")?,
        db::delete_if(
            table,
            attachment_key(&app.id, attachment_id),
            Some("attribute_exists(pk)"),
            &[],
        )
        .or_internal("build delete")?,
        trail::record(
            table,
            &app_pk(&app.id),
            &unit.login,
            Some(Role::Unit),
            "attachment_removed",
            &format!("删除附件【{}】《{}》", attachment.kind.label(), attachment.file_name),
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items).await.on_cancel(|c| {
        if c.failed_at(0) {
            application::locked()
        } else {
            not_found()
        }
    })?;
    uploads::discard(state, std::slice::from_ref(&attachment.key)).await;
    tracing::info!(application = %app.id, attachment = %attachment_id, "attachment removed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_the_last_component_and_lose_reserved_characters() {
        assert_eq!(
            clean_file_name("C:\\fakepath\\超龄证明.pdf").ok().as_deref(),
            Some("超龄证明.pdf")
        );
        assert_eq!(clean_file_name("../../etc/passwd").ok().as_deref(), Some("passwd"));
        assert_eq!(clean_file_name(" a<b>:c\"|?*.png ").ok().as_deref(), Some("abc.png"));
        assert_eq!(
            clean_file_name("证明\u{202E}fdp.exe").ok().as_deref(),
            Some("证明fdp.exe")
        );
        assert_eq!(clean_file_name("a\nb\tc.pdf").ok().as_deref(), Some("abc.pdf"));
    }

    #[test]
    fn empty_or_long_names_are_refused() {
        for raw in ["", "   ", "dir/", "..", "???"] {
            assert_eq!(
                clean_file_name(raw).map_err(|r| r.code),
                Err("FILE_NAME_REQUIRED"),
                "{raw:?}"
            );
        }
        let hundred = "证".repeat(100);
        assert_eq!(clean_file_name(&hundred).ok(), Some(hundred.clone()));
        let long = "证".repeat(101);
        assert_eq!(clean_file_name(&long).map_err(|r| r.code), Err("FILE_NAME_TOO_LONG"));
    }

    #[test]
    fn kinds_parse_from_their_wire_names() {
        assert_eq!(
            AttachmentKind::parse("overage_proof").ok(),
            Some(AttachmentKind::OverageProof)
        );
        assert_eq!(AttachmentKind::parse(" other ").ok(), Some(AttachmentKind::Other));
        assert!(AttachmentKind::parse("photo").is_err());
        assert_eq!(AttachmentKind::OverageProof.label(), "超龄证明");
    }

    #[test]
    fn objects_live_under_the_units_prefix() {
        assert_eq!(
            object_key("u1", "a1", "x1", FileKind::Png),
            "units/u1/applications/a1/attachments/x1.png"
        );
    }
}
