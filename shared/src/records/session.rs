//! Sessions and the extractors that authorise every request.
//!
//! Sessions are random tokens; only their SHA-256 is stored, with a TTL, so a table dump
//! yields no usable session and logout or a password change revokes them at once.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::platform::db::{self, Index, Item, key, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Account, Permission, Role};
use crate::reference;

pub use crate::platform::http::SESSION_COOKIE;
const SESSION_SECONDS: i64 = 8 * 3600;

/// The stored session, as the extractors see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionItem {
    login: String,
    role: Role,
    #[serde(default)]
    unit_id: Option<String>,
    agency_code: String,
    #[serde(default)]
    permissions: Vec<Permission>,
    must_change_password: bool,
    /// Epoch seconds; also the table's TTL attribute.
    expires_at: i64,
    /// The person behind a staff account (see `account::person_key`); sessions opened before
    /// it was stored fall back to the login.
    #[serde(default)]
    person: Option<String>,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn session_key(hash: &str) -> Item {
    key(format!("SESSION#{hash}"), "SESSION")
}

/// A new session for `account`; returns the token for the cookie.
pub async fn open_session(state: &AppState, account: &Account) -> ApiResult<String> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let hash = token_hash(&token);
    let now = time::now();
    let session = SessionItem {
        login: account.login.clone(),
        role: account.role,
        unit_id: account.unit_id.clone(),
        agency_code: account.agency_code.clone(),
        permissions: account.permissions.clone(),
        must_change_password: account.must_change_password,
        expires_at: now.timestamp() + SESSION_SECONDS,
        person: Some(account.person()),
    };
    let mut item = db::to_item(&session).or_internal("encode session")?;
    item.extend(session_key(&hash));
    item.insert("gsi1pk".into(), s(format!("SESSIONS#{}", account.login)));
    item.insert("gsi1sk".into(), s(time::stamp(now)));
    state
        .db
        .put_item()
        .table_name(&*state.table)
        .set_item(Some(item))
        .send()
        .await
        .or_internal("put session")?;
    Ok(token)
}

/// Ends every session of `login` (password change, account changes).
pub async fn close_all_sessions(state: &AppState, login: &str) -> ApiResult<()> {
    let mut start = None;
    loop {
        let out = db::index_query(state, Index::Gsi1(&format!("SESSIONS#{login}"), None))
            .set_exclusive_start_key(start)
            .send()
            .await
            .or_internal("query sessions")?;
        for item in out.items() {
            let (Some(pk), Some(sk)) = (item.get("pk"), item.get("sk")) else {
                continue;
            };
            state
                .db
                .delete_item()
                .table_name(&*state.table)
                .key("pk", pk.clone())
                .key("sk", sk.clone())
                .send()
                .await
                .or_internal("delete session")?;
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(());
        }
    }
}

pub async fn close_session(state: &AppState, token: &str) -> ApiResult<()> {
    state
        .db
        .delete_item()
        .table_name(&*state.table)
        .set_key(Some(session_key(&token_hash(token))))
        .send()
        .await
        .or_internal("delete session")?;
    Ok(())
}

/// `Set-Cookie` for a new session: HttpOnly (no script access), Secure, SameSite=Strict
/// (no cross-site sends, so no CSRF on cookie-authenticated POSTs).
pub fn session_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("sid=; Path=/"))
}

pub fn expired_cookie() -> HeaderValue {
    HeaderValue::from_static("sid=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
}

fn token_from(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Any signed-in caller, including one who must still change the password.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub login: String,
    pub role: Role,
    pub unit_id: Option<String>,
    pub agency_code: String,
    pub permissions: Vec<Permission>,
    pub must_change_password: bool,
    pub person: Option<String>,
}

pub fn not_signed_in() -> ApiError {
    ApiError::unauthorized("NOT_SIGNED_IN", "请先登录")
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = token_from(parts).ok_or_else(not_signed_in)?;
        let out = state
            .db
            .get_item()
            .table_name(&*state.table)
            .set_key(Some(session_key(&token_hash(&token))))
            .send()
            .await
            .or_internal("get session")?;
        let item: SessionItem = out
            .item
            .map(db::from_item)
            .transpose()
            .or_internal("decode session")?
            .ok_or_else(not_signed_in)?;
        // TTL deletion is lazy: an expired item may still be there.
        if item.expires_at <= time::now().timestamp() {
            return Err(ApiError::unauthorized("SESSION_EXPIRED", "登录已过期，请重新登录"));
        }
        Ok(Self {
            token,
            login: item.login,
            role: item.role,
            unit_id: item.unit_id,
            agency_code: item.agency_code,
            permissions: item.permissions,
            must_change_password: item.must_change_password,
            person: item.person,
        })
    }
}

fn password_change_required() -> ApiError {
    ApiError::forbidden("PASSWORD_CHANGE_REQUIRED", "首次登录请先修改密码")
}

/// A unit contact, signed in with a changed password. Sees only its own unit's data.
#[derive(Debug, Clone)]
pub struct UnitUser {
    pub login: String,
    pub unit_id: String,
    pub agency_code: String,
}

impl FromRequestParts<AppState> for UnitUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        if session.must_change_password {
            return Err(password_change_required());
        }
        match (session.role, session.unit_id) {
            (Role::Unit, Some(unit_id)) => Ok(Self {
                login: session.login,
                unit_id,
                agency_code: session.agency_code,
            }),
            _ => Err(ApiError::forbidden("UNIT_ONLY", "该功能仅限单位端使用")),
        }
    }
}

/// A staff member, signed in with a changed password, acting within their agency subtree.
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub login: String,
    /// Who acts, for the duty rules: one person whichever account they use.
    pub person: String,
    pub agency_code: String,
    pub permissions: Vec<Permission>,
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        if session.must_change_password {
            return Err(password_change_required());
        }
        if session.role != Role::Staff {
            return Err(ApiError::forbidden("STAFF_ONLY", "该功能仅限经办机构工作人员使用"));
        }
        Ok(Self {
            person: session.person.unwrap_or_else(|| session.login.clone()),
            login: session.login,
            agency_code: session.agency_code,
            permissions: session.permissions,
        })
    }
}

impl StaffUser {
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        self.require_any(&[permission])
    }

    /// Any one of `permissions` (e.g. reading an application: any reviewer or finance).
    pub fn require_any(&self, permissions: &[Permission]) -> ApiResult<()> {
        if permissions.iter().any(|p| self.permissions.contains(p)) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "PERMISSION_DENIED",
                "您没有该操作的权限，请联系管理员",
            ))
        }
    }

    /// Units under another node are invisible: answer as if they did not exist.
    pub fn require_jurisdiction(&self, agency_code: &str) -> ApiResult<()> {
        if reference::is_within(agency_code, &self.agency_code) {
            Ok(())
        } else {
            Err(ApiError::not_found("NOT_FOUND", "未找到该记录，或不在您的管辖范围内"))
        }
    }

    /// Prefix of `gsi1sk` values in this staff member's subtree.
    pub fn subtree_prefix(&self) -> String {
        reference::path(&self.agency_code).unwrap_or_else(|| "-".to_owned())
    }
}
