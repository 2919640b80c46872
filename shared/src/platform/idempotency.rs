//! 防重复提交: a request that creates something may carry an `Idempotency-Key` (the browser
//! makes one per intent: one per opened form, kept through retries and double clicks). The
//! first request with a key runs; its answer is kept for a day, and a repeat gets that same
//! answer instead of a second effect. A repeat while the first still runs is refused (409), a
//! key reused for another request too (422). Keys are scoped by the caller's session, so one
//! user cannot replay another's answers.
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::platform::db::{self, Item, key, n, s};
use crate::platform::error::ApiError;
use crate::platform::state::AppState;
use crate::platform::time;

pub const HEADER: &str = "idempotency-key";
/// What `valid` accepts, for the API description.
pub const KEY_PATTERN: &str = "^[A-Za-z0-9_-]{8,64}$";
const KEEP_SECONDS: i64 = 86_400;
/// Request bodies are small JSON (files go to S3 directly); Lambda takes 6 MB at most.
const MAX_BODY: usize = 6 * 1024 * 1024;
/// An answer larger than this is not kept (DynamoDB items hold 400 KB).
const MAX_KEPT: usize = 300 * 1024;

fn valid(key: &str) -> bool {
    (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Who the key belongs to: the session (hashed), or the anonymous caller.
fn scope(headers: &HeaderMap) -> String {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(";");
    let session = cookie
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::platform::http::SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default();
    hex::encode(&Sha256::digest(format!("idem|{session}").as_bytes())[..16])
}

fn item_key(scope: &str, idempotency_key: &str) -> Item {
    key(format!("IDEM#{scope}#{idempotency_key}"), "IDEM")
}

/// The middleware: see the module comment.
pub async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    // A key of other than visible ASCII is refused like any malformed key, not ignored.
    let raw = raw.to_str().unwrap_or_default().to_owned();
    if !valid(&raw) {
        return ApiError::malformed(
            "IDEMPOTENCY_KEY_INVALID",
            "请求标识（Idempotency-Key）应为8到64位字母、数字、-或_",
        )
        .into_response();
    }
    let scope = scope(request.headers());
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiError::malformed("BODY_TOO_LARGE", "请求内容过大").into_response();
    };
    let fingerprint = hex::encode(Sha256::digest(
        [parts.method.as_str().as_bytes(), parts.uri.path().as_bytes(), &bytes].concat(),
    ));
    let key = item_key(&scope, &raw);
    match claim(&state, &key, &fingerprint).await {
        Ok(None) => {}
        Ok(Some(answer)) => return answer,
        Err(err) => return err.into_response(),
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    keep(&state, key, response).await
}

/// Claims the key; Some(answer) when it was used before.
async fn claim(state: &AppState, key: &Item, fingerprint: &str) -> Result<Option<Response>, ApiError> {
    let now = time::now().timestamp();
    let mut item = key.clone();
    item.insert("fingerprint".into(), s(fingerprint));
    item.insert("state".into(), s("running"));
    item.insert("expires_at".into(), n(now + KEEP_SECONDS));
    let put = state
        .db
        .put_item()
        .table_name(&*state.table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
        .expression_attribute_values(":now", n(now))
        .send()
        .await;
    match put {
        Ok(_) => Ok(None),
        Err(e) if db::is_condition_failed(&e) => {
            let stored = db::get_as::<Kept>(state, key.clone(), "get idempotency key").await?;
            Ok(Some(match stored {
                Some(kept) if kept.fingerprint != fingerprint => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "IDEMPOTENCY_KEY_REUSED",
                    "该请求标识已用于另一项提交，请刷新页面后重试",
                )
                .into_response(),
                Some(kept) if kept.state == "done" => kept.replay(),
                _ => ApiError::conflict("REQUEST_IN_PROGRESS", "该操作正在处理，请勿重复提交，稍候刷新查看结果")
                    .into_response(),
            }))
        }
        Err(e) => Err(ApiError::internal(
            anyhow::Error::new(e).context("claim idempotency key"),
        )),
    }
}

#[derive(serde::Deserialize)]
struct Kept {
    fingerprint: String,
    state: String,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    body: String,
}

impl Kept {
    fn replay(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = (status, self.body).into_response();
        if let Some(ct) = self.content_type.and_then(|ct| HeaderValue::from_str(&ct).ok()) {
            response.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        response
            .headers_mut()
            .insert("idempotent-replay", HeaderValue::from_static("true"));
        response
    }
}

/// Keeps a finished JSON answer (not a server error: that one may be retried) and returns it.
/// An answer that cannot be kept frees the key, so a repeat runs again rather than hanging.
async fn keep(state: &AppState, key: Item, response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            release(state, key).await;
            return ApiError::internal(anyhow::anyhow!("read response: {e}")).into_response();
        }
    };
    if status.is_server_error() || !json || bytes.len() > MAX_KEPT {
        release(state, key).await;
        return Response::from_parts(parts, Body::from(bytes));
    }
    let kept = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(key))
        .update_expression("SET #state = :done, #status = :status, body = :body, content_type = :ct")
        .expression_attribute_names("#state", "state")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":done", s("done"))
        .expression_attribute_values(":status", n(status.as_u16()))
        .expression_attribute_values(":body", s(String::from_utf8_lossy(&bytes)))
        .expression_attribute_values(":ct", s("application/json"))
        .send()
        .await;
    if let Err(e) = kept {
        tracing::warn!(error = %e, "idempotency answer not kept");
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn release(state: &AppState, key: Item) {
    if let Err(e) = state
        .db
        .delete_item()
        .table_name(&*state.table)
        .set_key(Some(key))
        .send()
        .await
    {
        tracing::warn!(error = %e, "idempotency key not released");
    }
}
