//! Files come straight from the browser to S3 through presigned PUTs (Lambda requests are
//! capped at 6 MB). The signature covers the declared size (Content-Length), so S3 takes
//! exactly that many bytes; our code then checks what actually arrived — size by HeadObject,
//! type by magic bytes — and claims exactly the version it checked (by ETag and version id)
//! under its owner's prefix, deleting the staged version for good.
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::error::{ApiResult, OrInternal, Refusal, refuse};
use crate::platform::state::AppState;

/// File types recognised by their first bytes, never by name or declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
    /// A zip container (xlsx, docx, …).
    Zip,
    /// OLE compound file: legacy .xls/.doc, or an encrypted OOXML workbook.
    Ole,
}

impl FileKind {
    pub fn sniff(head: &[u8]) -> Option<Self> {
        match head {
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [b'%', b'P', b'D', b'F', ..] => Some(Self::Pdf),
            [b'P', b'K', 0x03, 0x04, ..] => Some(Self::Zip),
            [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, ..] => Some(Self::Ole),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Jpeg => "JPG图片",
            Self::Png => "PNG图片",
            Self::Pdf => "PDF文件",
            Self::Zip => "压缩包/Office文件",
            Self::Ole => "旧版Office文件",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Pdf => "pdf",
            Self::Zip => "zip",
            Self::Ole => "bin",
        }
    }
}

/// A stored file for someone entitled to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Link {
    /// Presigned GET (10 minutes)
    pub url: String,
}

/// Where and how the browser uploads one file.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadTicket {
    /// Quote this id when submitting the form that uses the file.
    pub upload_id: String,
    /// Presigned URL: `PUT` the raw bytes here with the given `Content-Type`.
    pub url: String,
    pub method: &'static str,
    pub content_type: String,
    /// Exactly this many bytes: the signature covers `Content-Length`.
    pub max_bytes: u64,
    pub expires_in: u64,
}

const TICKET_SECONDS: u64 = 900;

fn staging_key(area: &str, upload_id: &str) -> String {
    format!("uploads/{area}/{upload_id}")
}

/// A presigned PUT of exactly `size` bytes (the caller has checked it against its limit) into
/// the staging area `uploads/{area}/`, which expires after a day.
pub async fn ticket(state: &AppState, area: &str, content_type: &str, size: u64) -> ApiResult<UploadTicket> {
    if size == 0 {
        return Err(crate::platform::error::ApiError::refused(
            "FILE_EMPTY",
            "文件是空的，请重新选择",
        ));
    }
    let length = i64::try_from(size).or_internal("upload size")?;
    let upload_id = uuid::Uuid::new_v4().to_string();
    let config = PresigningConfig::expires_in(Duration::from_secs(TICKET_SECONDS)).or_internal("presign config")?;
    let presigned = state
        .s3
        .put_object()
        .bucket(&*state.bucket)
        .key(staging_key(area, &upload_id))
        .content_type(content_type)
        .content_length(length)
        .presigned(config)
        .await
        .or_internal("presign upload")?;
    Ok(UploadTicket {
        upload_id,
        url: presigned.uri().to_owned(),
        method: "PUT",
        content_type: content_type.to_owned(),
        max_bytes: size,
        expires_in: TICKET_SECONDS,
    })
}

/// A presigned GET for showing a stored file to someone entitled to it.
pub async fn download_url(state: &AppState, key: &str, seconds: u64) -> ApiResult<String> {
    let config = PresigningConfig::expires_in(Duration::from_secs(seconds)).or_internal("presign config")?;
    let presigned = state
        .s3
        .get_object()
        .bucket(&*state.bucket)
        .key(key)
        .presigned(config)
        .await
        .or_internal("presign download")?;
    Ok(presigned.uri().to_owned())
}

/// A presigned GET that makes the browser open (`inline`) or save (`attachment`) the file
/// under `file_name` with `content_type`, whatever metadata the object has.
pub async fn download_url_as(
    state: &AppState,
    key: &str,
    seconds: u64,
    content_type: &str,
    disposition: &str,
    file_name: &str,
) -> ApiResult<String> {
    let config = PresigningConfig::expires_in(Duration::from_secs(seconds)).or_internal("presign config")?;
    let fallback = if file_name.is_ascii() && !file_name.contains('"') {
        file_name
    } else {
        "download"
    };
    let presigned = state
        .s3
        .get_object()
        .bucket(&*state.bucket)
        .key(key)
        .response_content_type(content_type)
        .response_content_disposition(crate::platform::http::content_disposition(
            disposition,
            fallback,
            file_name,
        ))
        .presigned(config)
        .await
        .or_internal("presign download")?;
    Ok(presigned.uri().to_owned())
}

/// What a staged upload turned out to be.
#[derive(Debug, Clone)]
pub struct Inspected {
    pub kind: FileKind,
    pub size: u64,
    /// The version that was checked: only it may be claimed.
    pub version: StagedVersion,
}

/// One version of a staged object: its ETag, and its version id when the bucket keeps versions.
#[derive(Debug, Clone)]
pub struct StagedVersion {
    pub etag: String,
    pub version_id: Option<String>,
}

/// The staged upload's size and version, once its id, existence and size pass.
async fn staged(
    state: &AppState,
    area: &str,
    upload_id: &str,
    max_bytes: u64,
) -> ApiResult<Result<(String, u64, StagedVersion), Refusal>> {
    if uuid::Uuid::parse_str(upload_id).is_err() {
        return Ok(refuse("UPLOAD_MISSING", "请先上传文件"));
    }
    let key = staging_key(area, upload_id);
    let head = state.s3.head_object().bucket(&*state.bucket).key(&key).send().await;
    let (size, version) = match head {
        Ok(h) => (
            u64::try_from(h.content_length().unwrap_or(0)).unwrap_or(0),
            StagedVersion {
                etag: h.e_tag().unwrap_or_default().to_owned(),
                version_id: h.version_id().map(str::to_owned),
            },
        ),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
            return Ok(refuse("UPLOAD_MISSING", "文件未上传成功或已过期，请重新上传"));
        }
        Err(e) => {
            return Err(crate::platform::error::ApiError::internal(
                anyhow::Error::new(e).context("head upload"),
            ));
        }
    };
    if size > max_bytes {
        return Ok(refuse(
            "FILE_TOO_LARGE",
            format!("文件大小不能超过{}（当前{}）", human_size(max_bytes), human_size(size)),
        ));
    }
    if size == 0 {
        return Ok(refuse("FILE_EMPTY", "文件是空的，请重新选择"));
    }
    Ok(Ok((key, size, version)))
}

/// The bytes of a staged upload (at most `max_bytes`) and the version they are, for a file
/// whose type only its reader can tell (a CSV has no signature).
pub async fn fetch_staged(
    state: &AppState,
    area: &str,
    upload_id: &str,
    max_bytes: u64,
) -> ApiResult<Result<(Vec<u8>, StagedVersion), Refusal>> {
    let (key, _, version) = match staged(state, area, upload_id, max_bytes).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let bytes = read_version(state, &key, &version, None).await?;
    Ok(Ok((bytes, version)))
}

/// The bytes (or a `bytes=…` range) of exactly the checked version of a staged object.
async fn read_version(state: &AppState, key: &str, version: &StagedVersion, range: Option<&str>) -> ApiResult<Vec<u8>> {
    Ok(state
        .s3
        .get_object()
        .bucket(&*state.bucket)
        .key(key)
        .if_match(&version.etag)
        .set_version_id(version.version_id.clone())
        .set_range(range.map(str::to_owned))
        .send()
        .await
        .or_internal("read upload")?
        .body
        .collect()
        .await
        .or_internal("read upload body")?
        .into_bytes()
        .to_vec())
}

/// Checks a staged upload's real size and type. Refusals name the problem in Chinese.
pub async fn inspect(
    state: &AppState,
    area: &str,
    upload_id: &str,
    max_bytes: u64,
    allowed: &[FileKind],
) -> ApiResult<Result<Inspected, Refusal>> {
    let (key, size, version) = match staged(state, area, upload_id, max_bytes).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let head = read_version(state, &key, &version, Some("bytes=0-15")).await?;
    let kind = FileKind::sniff(&head);
    match kind {
        Some(kind) if allowed.contains(&kind) => Ok(Ok(Inspected { kind, size, version })),
        found => {
            let wanted: Vec<&str> = allowed.iter().map(|k| k.label()).collect();
            let found = found.map(FileKind::label).unwrap_or("无法识别的文件");
            Ok(refuse(
                "FILE_TYPE",
                format!("只能上传{}，该文件实际是{}", wanted.join("或"), found),
            ))
        }
    }
}

/// Copies exactly the checked version of an upload to its final key (a file swapped in after
/// the check is refused: the ETag no longer matches), then deletes the staged version for good.
pub async fn claim(
    state: &AppState,
    area: &str,
    upload_id: &str,
    checked: &StagedVersion,
    dest_key: &str,
) -> ApiResult<()> {
    let staged = staging_key(area, upload_id);
    let source = match &checked.version_id {
        Some(version) => format!("{}/{staged}?versionId={version}", state.bucket),
        None => format!("{}/{staged}", state.bucket),
    };
    let copied = state
        .s3
        .copy_object()
        .bucket(&*state.bucket)
        .copy_source(source)
        .copy_source_if_match(&checked.etag)
        .key(dest_key)
        .send()
        .await;
    if let Err(e) = copied {
        if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) {
            return Err(crate::platform::error::ApiError::conflict(
                "UPLOAD_CHANGED",
                "文件在检查后被替换，请重新上传",
            ));
        }
        // Gone between the check and the copy: another request (a second click) claimed it.
        if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) {
            return Err(crate::platform::error::ApiError::conflict(
                "UPLOAD_ALREADY_USED",
                "该文件已被提交，请勿重复操作；请刷新后查看",
            ));
        }
        return Err(crate::platform::error::ApiError::internal(
            anyhow::Error::new(e).context("claim upload"),
        ));
    }
    remove_staged(state, &staged, checked.version_id.as_deref()).await;
    Ok(())
}

/// Deletes a staged object's version for good (a plain delete in a versioned bucket only hides
/// it). Best effort: the lifecycle removes what is left within a day.
pub async fn remove_staged(state: &AppState, staged_key: &str, version_id: Option<&str>) {
    let deleted = state
        .s3
        .delete_object()
        .bucket(&*state.bucket)
        .key(staged_key)
        .set_version_id(version_id.map(str::to_owned))
        .send()
        .await;
    if let Err(e) = deleted {
        tracing::warn!(error = %aws_sdk_s3::error::DisplayErrorContext(&e), "could not remove a staged upload");
    }
}

/// Best-effort removal of objects written for an action that then failed.
pub async fn discard(state: &AppState, keys: &[String]) {
    for key in keys {
        if let Err(e) = state.s3.delete_object().bucket(&*state.bucket).key(key).send().await {
            tracing::warn!(error = %aws_sdk_s3::error::DisplayErrorContext(&e), "could not discard object");
        }
    }
}

pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        let tenths = bytes * 10 / (1024 * 1024);
        format!("{}.{}MB", tenths / 10, tenths % 10)
    } else {
        format!("{}KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_bytes() {
        assert_eq!(FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"%PDF-1.7"), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"PK\x03\x04"), Some(FileKind::Zip));
        assert_eq!(FileKind::sniff(b"GIF89a"), None);
        assert_eq!(FileKind::sniff(b""), None);
    }

    #[test]
    fn sizes_read_like_the_limit() {
        assert_eq!(human_size(2 * 1024 * 1024), "2.0MB");
        assert_eq!(human_size(2 * 1024 * 1024 + 1), "2.0MB");
        assert_eq!(human_size(1500), "2KB");
    }
}
