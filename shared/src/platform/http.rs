//! HTTP glue shared by every router: JSON bodies with Chinese errors, request logging.
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::platform::error::ApiError;
use crate::platform::idempotency;
use crate::platform::state::AppState;

/// `Json<T>` whose rejections are our error shape in Chinese.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) if !value.is_object() => {
                Err(ApiError::malformed("BAD_REQUEST_BODY", "请求内容应为 JSON 对象（{…}）"))
            }
            Ok(axum::Json(mut value)) => {
                whole_numbers_as_integers(&mut value);
                serde_json::from_value(value)
                    .map(Self)
                    .map_err(|e| ApiError::malformed("BAD_REQUEST_BODY", format!("请求内容的字段不正确：{e}")))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "NOT_JSON",
                "请求格式应为 JSON（Content-Type: application/json）",
            )),
            Err(_) => Err(ApiError::malformed("BAD_REQUEST_BODY", "请求内容不是有效的 JSON")),
        }
    }
}

/// JSON has one kind of number: `2.0` is the integer 2 (as JSON Schema counts it), so a whole
/// number written with a fraction is read as an integer rather than refused.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|f| number.is_f64() && f.fract() == 0.0) {
                // Within ±2^53 a float holds whole numbers exactly.
                if float.abs() <= 9_007_199_254_740_992.0 {
                    *value = Value::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// `Path<T>` whose rejections are our error shape in Chinese.
pub struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(e) => Err(ApiError::malformed(
                "BAD_PATH",
                format!("网址中的编号不正确：{}", e.body_text()),
            )),
        }
    }
}

/// `Query<T>` whose rejections are our error shape in Chinese.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(e) => Err(ApiError::malformed(
                "BAD_QUERY",
                format!("查询条件不正确：{}", e.body_text()),
            )),
        }
    }
}

/// The viewer's address, for limits per source (sign-in guesses, SMS codes). In AWS the
/// CloudFront viewer-request function writes `x-viewer-address` over anything the browser sent
/// (in the China regions, without CloudFront Functions, CloudFront's own
/// `CloudFront-Viewer-Address`: the template names the header in `VIEWER_ADDRESS_HEADER`),
/// and `through_cloudfront_only` refuses requests that bypassed CloudFront, so the value is
/// CloudFront's word. Locally (no CloudFront) every request counts as one source, `local`,
/// unless a test names the machine it plays. Never logged: an address is personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(String);

pub const VIEWER_ADDRESS_HEADER: &str = "x-viewer-address";

/// The session cookie's name (the session itself is a record; its cookie is HTTP).
pub const SESSION_COOKIE: &str = "sid";

impl ClientAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn from_headers(headers: &axum::http::HeaderMap) -> Self {
        let name = std::env::var("VIEWER_ADDRESS_HEADER").unwrap_or_else(|_| VIEWER_ADDRESS_HEADER.to_owned());
        let with_port = name.eq_ignore_ascii_case(CLOUDFRONT_VIEWER_ADDRESS_HEADER);
        let address = headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| viewer_ip(v, with_port));
        Self(address.map_or_else(|| "local".to_owned(), |ip| ip.to_string()))
    }
}

/// CloudFront's own header: the viewer's address and port, `198.51.100.10:46532` or
/// `2001:db8::1:46532` (the port always after the last colon).
pub const CLOUDFRONT_VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

fn viewer_ip(value: &str, with_port: bool) -> Option<std::net::IpAddr> {
    let value = value.trim();
    if !with_port {
        return value.parse().ok();
    }
    let (ip, port) = value.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_headers(&parts.headers))
    }
}

/// Logs one JSON line per request: route template (never concrete ids or query strings,
/// which may carry personal data), status and latency.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let request_id = request
        .headers()
        .get("x-amzn-requestid")
        .or_else(|| request.headers().get("x-request-id"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", %method, %route, %request_id);
    let response = {
        let _entered = span.enter();
        drop(_entered);
        tracing::Instrument::instrument(next.run(request), span.clone()).await
    };
    let _entered = span.enter();
    tracing::info!(
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "done"
    );
    response
}

/// The header CloudFront adds on its way to the API (`ORIGIN_VERIFY` in the environment): when
/// set, a request that did not come through CloudFront (the execute-api URL called directly,
/// bypassing its TLS policy and headers) is refused.
const ORIGIN_VERIFY_HEADER: &str = "x-origin-verify";

static ORIGIN_VERIFY: std::sync::LazyLock<Option<String>> =
    std::sync::LazyLock::new(|| std::env::var("ORIGIN_VERIFY").ok().filter(|v| !v.is_empty()));

/// Refuses requests that bypassed CloudFront, when `ORIGIN_VERIFY` is configured.
pub async fn through_cloudfront_only(request: Request, next: Next) -> Response {
    if let Some(expected) = ORIGIN_VERIFY.as_deref() {
        let given = request
            .headers()
            .get(ORIGIN_VERIFY_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        // Compared without stopping at the first difference: timing does not leak the secret.
        let same = given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0;
        if !same {
            return axum::response::IntoResponse::into_response(ApiError::forbidden(
                "DIRECT_ACCESS_REFUSED",
                "请通过系统网址访问",
            ));
        }
    }
    next.run(request).await
}

/// Security headers on every API answer: nothing of it may be framed, sniffed, run as a page or
/// kept by a shared cache (unless the route says how to cache it).
pub async fn security_headers(request: Request, next: Next) -> Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Adds what every function's router needs around its routes: only through CloudFront (when
/// configured), security headers, repeated creating requests answered once
/// (`Idempotency-Key`), and one log line per request.
pub fn finish(router: axum::Router<AppState>, state: AppState) -> axum::Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(through_cloudfront_only))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// `Content-Disposition` with the file name in RFC 5987 form, so a Chinese name survives
/// every browser; `ascii_fallback` is for clients that read only `filename=`.
/// `kind` is `attachment` (save) or `inline` (open in the browser).
pub fn content_disposition(kind: &str, ascii_fallback: &str, file_name: &str) -> String {
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{encoded}")
}

/// A whole number from JSON as forms send it: a number or a string of digits; null or an
/// empty string is "not set". Negative, fractional or other values are refused.
#[allow(clippy::result_unit_err)] // the caller words the refusal for its own field
pub fn whole_number(value: &serde_json::Value) -> Result<Option<u64>, ()> {
    match value {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(num) => num.as_u64().map(Some).ok_or(()),
        serde_json::Value::String(text) => {
            let text = text.trim();
            if text.is_empty() {
                Ok(None)
            } else if text.bytes().all(|b| b.is_ascii_digit()) {
                text.parse::<u64>().map(Some).map_err(|_| ())
            } else {
                Err(())
            }
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_written_with_a_fraction_are_integers() {
        let mut value = serde_json::json!({ "a": 1.0, "b": [2.5, -3.0, 7], "c": "4.0", "d": 1e300 });
        whole_numbers_as_integers(&mut value);
        assert_eq!(
            value,
            serde_json::json!({ "a": 1, "b": [2.5, -3, 7], "c": "4.0", "d": 1e300 })
        );
        assert!(value["a"].is_i64());
    }

    #[test]
    fn viewer_address_is_an_ip_or_local() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(ClientAddress::from_headers(&headers).as_str(), "local");
        headers.insert(VIEWER_ADDRESS_HEADER, "203.0.113.9".parse().expect("header"));
        assert_eq!(ClientAddress::from_headers(&headers).as_str(), "203.0.113.9");
        headers.insert(VIEWER_ADDRESS_HEADER, "2001:db8::1".parse().expect("header"));
        assert_eq!(ClientAddress::from_headers(&headers).as_str(), "2001:db8::1");
        headers.insert(VIEWER_ADDRESS_HEADER, "evil#key".parse().expect("header"));
        assert_eq!(ClientAddress::from_headers(&headers).as_str(), "local");
    }

    #[test]
    fn cloudfront_viewer_address_drops_the_port() {
        let ip = |v: &str| viewer_ip(v, true).map(|ip| ip.to_string());
        assert_eq!(ip("198.51.100.10:46532").as_deref(), Some("198.51.100.10"));
        // A four-digit port would read as a hextet of a longer address: the port always goes.
        assert_eq!(ip("2001:db8::1:4653").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip("2001:db8::1:46532").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip("198.51.100.10"), None);
        assert_eq!(ip("198.51.100.10:99999"), None);
        assert_eq!(
            viewer_ip("2001:db8::1:4653", false).map(|ip| ip.to_string()).as_deref(),
            Some("2001:db8::1:4653")
        );
    }

    #[test]
    fn chinese_file_names_are_percent_encoded() {
        assert_eq!(
            super::content_disposition("attachment", "proof.pdf", "超龄 证明.pdf"),
            "attachment; filename=\"proof.pdf\"; filename*=UTF-8''%E8%B6%85%E9%BE%84%20%E8%AF%81%E6%98%8E.pdf"
        );
    }
}
