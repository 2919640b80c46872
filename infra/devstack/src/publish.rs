//! Puts the built front end (web/dist) into the stack's web bucket, behind CloudFront.
//!
//! Vite names every asset by its content hash, so assets are cached for a year; index.html
//! is `no-cache`, so CloudFront and browsers revalidate it and a deploy shows at once without
//! an invalidation. Assets go up before index.html: no moment serves a page whose assets are
//! missing. Old assets stay (a few hundred KB), so a page loaded before the deploy keeps working.
use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "no-cache";

/// The Content-Type a browser needs for a file of the build.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Hashed build output under assets/ never changes; anything else may.
pub fn cache_control(key: &str) -> &'static str {
    if key.starts_with("assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// Every file under `dir` with its object key ("assets/x.js"), index.html last.
pub fn plan(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).with_context(|| format!("read {}", current.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let key = path
                    .strip_prefix(dir)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push((key, path));
            }
        }
    }
    if !files.iter().any(|(key, _)| key == "index.html") {
        anyhow::bail!("{} has no index.html: run `make web` first", dir.display());
    }
    files.sort_by(|(a, _), (b, _)| (a == "index.html", a).cmp(&(b == "index.html", b)));
    Ok(files)
}

/// Uploads the build in `dir` to `bucket`; returns how many files went up.
pub async fn publish(s3: &aws_sdk_s3::Client, bucket: &str, dir: &Path) -> anyhow::Result<usize> {
    let files = plan(dir)?;
    for (key, path) in &files {
        let body = ByteStream::from_path(path)
            .await
            .with_context(|| format!("read {}", path.display()))?;
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(body)
            .content_type(content_type(path))
            .cache_control(cache_control(key))
            .send()
            .await
            .with_context(|| format!("upload {key}"))?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_goes_last_and_only_assets_are_immutable() {
        let dir = std::env::temp_dir().join(format!("publish-plan-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        for name in [
            "index.html",
            "favicon.ico",
            "assets/index-ab12.js",
            "assets/index-cd34.css",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let keys: Vec<String> = plan(&dir).unwrap().into_iter().map(|(k, _)| k).collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            keys,
            [
                "assets/index-ab12.js",
                "assets/index-cd34.css",
                "favicon.ico",
                "index.html"
            ]
        );
        assert_eq!(cache_control("assets/index-ab12.js"), IMMUTABLE);
        assert_eq!(cache_control("index.html"), REVALIDATE);
        assert_eq!(content_type(Path::new("a/b.css")), "text/css; charset=utf-8");
    }

    #[test]
    fn a_build_without_index_is_refused() {
        let dir = std::env::temp_dir().join(format!("publish-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let refused = plan(&dir).is_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(refused);
    }
}
