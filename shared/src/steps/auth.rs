//! 登录: sign-in with lockout, password change, and who is signed in.
use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Mobile;
use crate::platform::db::OnCancel;
use crate::platform::db::{self, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::http::ClientAddress;
use crate::platform::password;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Account, Permission, Role, account_key, account_pk, load_account};
use crate::records::login_guard::{self, AfterFailure, Claim};
use crate::records::session::{Session, close_all_sessions, not_signed_in, open_session};
use crate::records::sms_code::{self, CodePurpose, CodeSent};
use crate::records::trail;
use crate::records::unit;
use crate::reference;

/// Who to call when locked out: the province office, whichever account it is (naming the
/// account's own agency would tell that the account exists).
fn help_line() -> String {
    let phone = reference::agency(reference::ROOT_AGENCY_CODE)
        .and_then(|a| a.phone)
        .unwrap_or_default();
    format!("如需帮助请致电河南省办事处 {phone}")
}

const UNLOCK_HINT: &str = "可点击“短信解锁”，用账号登记的手机接收验证码立即解锁";

fn locked(minutes: i64) -> ApiError {
    ApiError::new(
        StatusCode::LOCKED,
        "ACCOUNT_LOCKED",
        format!(
            "密码连续输错{}次，账号已锁定，请{minutes}分钟后再试，或{UNLOCK_HINT}；{}",
            login_guard::MAX_FAILURES,
            help_line()
        ),
    )
}

fn account_locked(minutes: i64) -> ApiError {
    ApiError::new(
        StatusCode::LOCKED,
        "ACCOUNT_LOCKED",
        format!(
            "该账号密码错误次数过多，已临时锁定，请{minutes}分钟后再试，或{UNLOCK_HINT}；{}",
            help_line()
        ),
    )
}

fn source_limited() -> ApiError {
    ApiError::too_many(
        "LOGIN_SOURCE_LIMIT",
        format!("您所在的网络登录失败次数过多，请一小时后再试；{}", help_line()),
    )
}

fn wrong(after: AfterFailure) -> ApiError {
    let message = match after {
        AfterFailure::Left(left) => format!("账号或密码错误，还可尝试{left}次"),
        AfterFailure::Locked => format!(
            "账号或密码错误。已连续输错{}次，账号已锁定，请{}分钟后再试，或{UNLOCK_HINT}；{}",
            login_guard::MAX_FAILURES,
            login_guard::LOCK_SECONDS / 60,
            help_line()
        ),
        AfterFailure::AccountLocked => format!(
            "账号或密码错误。该账号密码错误次数过多，已临时锁定{}分钟，{UNLOCK_HINT}；{}",
            login_guard::LOCK_SECONDS / 60,
            help_line()
        ),
    };
    ApiError::unauthorized("LOGIN_FAILED", message)
}

/// Signs in: the account, a fresh session token. Every attempt is claimed before the password
/// is checked, and unknown logins are counted and locked exactly like real ones.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    source: &ClientAddress,
) -> ApiResult<(Account, String)> {
    let now = time::now().timestamp();
    let claimed = match login_guard::claim(state, login, source, now).await? {
        Claim::Granted { attempt, overall } => (attempt, overall),
        Claim::Locked { minutes } => return Err(locked(minutes)),
        Claim::AccountLocked { minutes } => return Err(account_locked(minutes)),
        Claim::SourceLimited => return Err(source_limited()),
    };
    let account = load_account(state, login).await?;
    let right = match &account {
        Some(account) => password::verify(&account.password_hash, password),
        None => {
            password::verify_dummy(password);
            false
        }
    };
    let Some(account) = account.filter(|_| right) else {
        let after = login_guard::failed(state, login, source, claimed, now).await?;
        return Err(wrong(after));
    };
    login_guard::succeeded(state, login, source, now).await?;
    // Told only to whoever holds the password: a stranger learns nothing from it.
    if account.disabled {
        return Err(ApiError::forbidden(
            "ACCOUNT_DISABLED",
            "该账号已停用，如需使用请联系本机构管理员",
        ));
    }
    let token = open_session(state, &account).await?;
    Ok((account, token))
}

/// The mobile an account's codes and notices go to: the staff member's own, or the unit
/// contact's.
async fn mobile_on_record(state: &AppState, account: &Account) -> ApiResult<Option<Mobile>> {
    Ok(match (&account.mobile, &account.unit_id) {
        (Some(own), _) => Some(own.clone()),
        (None, Some(unit_id)) => unit::load_unit(state, unit_id).await?.map(|u| u.contact.mobile),
        (None, None) => None,
    })
}

/// 短信解锁, first step: a code to the mobile on record for `login`. The answer is the same
/// whether or not the login exists (the code of an unknown login is kept but never sent).
pub async fn send_unlock_code(state: &AppState, login: &str, source: &ClientAddress) -> ApiResult<CodeSent> {
    let to = match load_account(state, login).await? {
        Some(account) if !account.disabled => mobile_on_record(state, &account).await?,
        _ => None,
    };
    sms_code::send_for_unlock(state, login, to.as_ref(), source).await
}

/// 短信解锁: the right code lifts the lock on `login` (from everywhere and from this source),
/// consumed in the same transaction, and leaves a trail entry on the account.
pub async fn unlock(state: &AppState, login: &str, code: &str, source: &ClientAddress) -> ApiResult<()> {
    let consume = sms_code::verify(state, CodePurpose::Unlock, login, code).await?;
    let table = &*state.table;
    let mut items = vec![consume];
    items.extend(login_guard::unlock(table, login, source).or_internal("build unlock")?);
    if load_account(state, login).await?.is_some() {
        items.push(
            trail::record(
                table,
                &account_pk(login),
                login,
                None,
                "unlocked_by_sms",
                "通过短信验证码解除登录锁定",
            )
            .or_internal("build trail")?,
        );
    }
    db::transact(state, items)
        .await
        .on_cancel(|_| ApiError::conflict("CODE_USED", "验证码已被使用，请重新获取"))?;
    Ok(())
}

/// 忘记密码, first step: a code to the mobile on record for `login`, answered the same whether
/// or not the login exists (like 短信解锁).
pub async fn send_reset_code(state: &AppState, login: &str, source: &ClientAddress) -> ApiResult<CodeSent> {
    let to = match load_account(state, login).await? {
        Some(account) if !account.disabled => mobile_on_record(state, &account).await?,
        _ => None,
    };
    sms_code::send(state, CodePurpose::PasswordReset, login, to.as_ref(), source).await
}

/// 忘记密码: the right code sets a new password, lifts any login lock and ends every session of
/// the account, in one transaction with the code's consumption; the holder then signs in anew.
/// The new password is checked before the code, so a weak one costs no attempt.
pub async fn reset_password(
    state: &AppState,
    login: &str,
    code: &str,
    new: &str,
    source: &ClientAddress,
) -> ApiResult<()> {
    let account = load_account(state, login).await?.filter(|a| !a.disabled);
    let mobile = match &account {
        Some(account) => mobile_on_record(state, account).await?,
        None => None,
    };
    password::check_new(new, login, mobile.as_ref().map(Mobile::as_str)).map_err(|r| ApiError::from_reason(&r))?;
    let consume = sms_code::verify(state, CodePurpose::PasswordReset, login, code).await?;
    // No code is ever sent for an unknown or disabled login: a lucky guess reads as a wrong one.
    let Some(account) = account else {
        return Err(ApiError::refused("CODE_WRONG", "验证码不正确"));
    };
    let hash = password::hash(new).or_internal("hash password")?;
    let table = &*state.table;
    let mut items = vec![
        consume,
        db::update_if(
            table,
            account_key(login),
            "SET password_hash = :h, must_change_password = :f",
            Some("password_hash = :old"),
            &[],
            &[
                (":h", s(hash)),
                (":f", AttributeValue::Bool(false)),
                (":old", s(account.password_hash.clone())),
            ],
        )
        .or_internal("build password reset")?,
        trail::record(
            table,
            &account_pk(login),
            login,
            None,
            "password_reset_by_sms",
            "通过短信验证码重置密码",
        )
        .or_internal("build trail")?,
    ];
    items.extend(login_guard::unlock(table, login, source).or_internal("build unlock")?);
    db::transact(state, items).await.on_cancel(|cancelled| {
        if cancelled.failed_at(1) {
            ApiError::conflict("PASSWORD_CHANGED_ELSEWHERE", "密码刚被修改，请重新获取验证码")
        } else {
            ApiError::conflict("CODE_USED", "验证码已被使用，请重新获取")
        }
    })?;
    close_all_sessions(state, login).await
}

/// Changes the password, ends every session of the account and opens a new one.
pub async fn change_password(state: &AppState, session: &Session, current: &str, new: &str) -> ApiResult<String> {
    let account = load_account(state, &session.login).await?.ok_or_else(not_signed_in)?;
    if !password::verify(&account.password_hash, current) {
        return Err(ApiError::refused("CURRENT_PASSWORD_WRONG", "原密码不正确"));
    }
    // The mobile a password must not contain.
    let mobile = mobile_on_record(state, &account).await?;
    password::check_new(new, &account.login, mobile.as_ref().map(Mobile::as_str))
        .map_err(|r| ApiError::from_reason(&r))?;
    if current == new {
        return Err(ApiError::refused("PASSWORD_UNCHANGED", "新密码不能与原密码相同"));
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
