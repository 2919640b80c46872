//! 登录: sign-in with lockout, password change, and who is signed in.
use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::db::{self, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::password;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Account, Permission, Role, account_key, load_account};
use crate::records::session::{Session, close_all_sessions, not_signed_in, open_session};
use crate::reference;

const MAX_FAILED_LOGINS: u32 = 5;
const LOCK_SECONDS: i64 = 15 * 60;

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
    // Told only to whoever holds the password: a stranger learns nothing from it.
    if account.disabled {
        return Err(ApiError::forbidden(
            "ACCOUNT_DISABLED",
            "该账号已停用，如需使用请联系本机构管理员",
        ));
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
