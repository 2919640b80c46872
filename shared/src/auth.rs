//! Accounts, sessions and the extractors that authorise every request.
//!
//! Sessions are random tokens; only their SHA-256 is stored, with a TTL, so a table dump
//! yields no usable session and logout or a password change revokes them at once.
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::{self, Item, key, s};
use crate::error::{ApiError, ApiResult, OrInternal};
use crate::password;
use crate::reference;
use crate::state::AppState;
use crate::time;

pub const SESSION_COOKIE: &str = "sid";
const SESSION_SECONDS: i64 = 8 * 3600;
const MAX_FAILED_LOGINS: u32 = 5;
const LOCK_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 单位端
    Unit,
    /// 经办机构
    Staff,
}

/// What a staff account may do; each review level is its own permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// 注册审核 and contact-person changes
    RegistrationReview,
    /// 初审
    ReviewL1,
    /// 复审
    ReviewL2,
    /// 终审
    ReviewL3,
    /// 财务 到账确认
    Finance,
    /// Staff accounts, catalogue
    Admin,
}

/// One login: a unit's account or a staff member's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub role: Role,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<String>,
    /// The unit's 所属机构, or the staff member's node of the agency tree.
    pub agency_code: String,
    #[serde(default)]
    pub permissions: Vec<Permission>,
    pub password_hash: String,
    pub must_change_password: bool,
    #[serde(default)]
    pub failed_logins: u32,
    #[serde(default)]
    pub locked_until: i64,
    pub created_at: String,
}

pub fn account_key(login: &str) -> Item {
    key(format!("ACCOUNT#{login}"), "ACCOUNT")
}

impl Account {
    /// The item to store, with the staff list index on staff accounts.
    pub fn to_item(&self) -> anyhow::Result<Item> {
        let mut item = db::to_item(self)?;
        item.extend(account_key(&self.login));
        if self.role == Role::Staff {
            let path = reference::path(&self.agency_code).unwrap_or_default();
            item.insert("gsi1pk".into(), s("STAFF"));
            item.insert("gsi1sk".into(), s(format!("{path}{}", self.login)));
        }
        Ok(item)
    }

    /// A Put that fails if the login exists: for use inside a transaction.
    pub fn put_new(&self, table: &str) -> anyhow::Result<TransactWriteItem> {
        db::put_new(table, self.to_item()?)
    }
}

pub async fn load_account(state: &AppState, login: &str) -> ApiResult<Option<Account>> {
    db::get_as(state, account_key(login), "get account").await
}

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
        let out = state
            .db
            .query()
            .table_name(&*state.table)
            .index_name("gsi1")
            .key_condition_expression("gsi1pk = :p")
            .expression_attribute_values(":p", s(format!("SESSIONS#{login}")))
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
}

fn not_signed_in() -> ApiError {
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

/// Signs in: the account, a fresh session token. Failures count towards the lockout.
pub async fn sign_in(state: &AppState, login: &str, password: &str) -> ApiResult<(Account, String)> {
    let wrong = || ApiError::unauthorized("LOGIN_FAILED", "账号或密码错误");
    let Some(account) = load_account(state, login).await? else {
        password::verify_dummy(password);
        return Err(wrong());
    };
    let now = time::now().timestamp();
    if account.locked_until > now {
        let minutes = (account.locked_until - now + 59) / 60;
        return Err(ApiError::new(
            StatusCode::LOCKED,
            "ACCOUNT_LOCKED",
            format!("密码连续输错{MAX_FAILED_LOGINS}次，账号已锁定，请{minutes}分钟后再试"),
        ));
    }
    if !password::verify(&account.password_hash, password) {
        record_failed_login(state, login, now).await?;
        return Err(wrong());
    }
    if account.failed_logins > 0 {
        state
            .db
            .update_item()
            .table_name(&*state.table)
            .set_key(Some(account_key(login)))
            .update_expression("SET failed_logins = :z")
            .expression_attribute_values(":z", db::n(0))
            .send()
            .await
            .or_internal("reset failed logins")?;
    }
    let token = open_session(state, &account).await?;
    Ok((account, token))
}

async fn record_failed_login(state: &AppState, login: &str, now: i64) -> ApiResult<()> {
    let out = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(account_key(login)))
        .update_expression("ADD failed_logins :one")
        .expression_attribute_values(":one", db::n(1))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await
        .or_internal("count failed login")?;
    let failed = out
        .attributes()
        .and_then(|a| a.get("failed_logins"))
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if failed >= MAX_FAILED_LOGINS {
        state
            .db
            .update_item()
            .table_name(&*state.table)
            .set_key(Some(account_key(login)))
            .update_expression("SET locked_until = :until, failed_logins = :z")
            .expression_attribute_values(":until", db::n(now + LOCK_SECONDS))
            .expression_attribute_values(":z", db::n(0))
            .send()
            .await
            .or_internal("lock account")?;
    }
    Ok(())
}

/// Changes the password, ends every session of the account and opens a new one.
pub async fn change_password(state: &AppState, session: &Session, current: &str, new: &str) -> ApiResult<String> {
    let account = load_account(state, &session.login).await?.ok_or_else(not_signed_in)?;
    if !password::verify(&account.password_hash, current) {
        return Err(ApiError::bad_request("CURRENT_PASSWORD_WRONG", "原密码不正确"));
    }
    password::check_new(new).map_err(|r| ApiError::from_reason(&r))?;
    if current == new {
        return Err(ApiError::bad_request("PASSWORD_UNCHANGED", "新密码不能与原密码相同"));
    }
    let hash = password::hash(new).or_internal("hash password")?;
    state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(account_key(&session.login)))
        .update_expression("SET password_hash = :h, must_change_password = :f")
        .condition_expression("password_hash = :old")
        .expression_attribute_values(":h", s(hash))
        .expression_attribute_values(":f", AttributeValue::Bool(false))
        .expression_attribute_values(":old", s(account.password_hash.clone()))
        .send()
        .await
        .map_err(|e| {
            if db::is_condition_failed(&e) {
                ApiError::conflict("PASSWORD_CHANGED_ELSEWHERE", "密码刚被修改，请重新登录")
            } else {
                ApiError::internal(anyhow::Error::new(e).context("update password"))
            }
        })?;
    close_all_sessions(state, &session.login).await?;
    let updated = Account {
        must_change_password: false,
        ..account
    };
    open_session(state, &updated).await
}

/// What the browser needs to know about who is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub role: Role,
    pub display_name: String,
    pub unit_id: Option<String>,
    pub agency_code: String,
    pub agency_name: String,
    pub permissions: Vec<Permission>,
    pub must_change_password: bool,
}

impl From<&Account> for Me {
    fn from(a: &Account) -> Self {
        Self {
            login: a.login.clone(),
            role: a.role,
            display_name: a.display_name.clone(),
            unit_id: a.unit_id.clone(),
            agency_code: a.agency_code.clone(),
            agency_name: reference::full_name(&a.agency_code).unwrap_or_default(),
            permissions: a.permissions.clone(),
            must_change_password: a.must_change_password,
        }
    }
}

pub async fn me(state: &AppState, login: &str) -> ApiResult<Me> {
    let account = load_account(state, login).await?.ok_or_else(not_signed_in)?;
    Ok(Me::from(&account))
}

/// Unit accounts are credit codes (typed in any case); staff logins are lower-case.
pub fn normalize_login(raw: &str) -> String {
    match crate::domain::CreditCode::parse(raw) {
        Ok(code) => code.as_str().to_owned(),
        Err(_) => raw.trim().to_lowercase(),
    }
}
