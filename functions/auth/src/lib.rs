//! Login, logout, password change and the current session, for units and staff.
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse};
use serde::Deserialize;
use shared::platform::error::{ApiError, ErrorBody};
use shared::platform::http::{ApiJson, ClientAddress};
use shared::platform::openapi::signed_in;
use shared::records::account::normalize_login;
use shared::records::session::{self, Session};
use shared::records::sms_code::CodeSent;
use shared::steps::auth::{self, Me};
use shared::{ApiResult, AppState};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(unlock_code))
        .routes(routes!(unlock))
        .routes(routes!(reset_code))
        .routes(routes!(reset_password))
        .merge(signed_in(
            OpenApiRouter::new()
                .routes(routes!(logout))
                .routes(routes!(change_password))
                .routes(routes!(me)),
        ))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct LoginRequest {
    /// 账号: the unit code for units, the login name for staff
    #[schema(pattern = r"\S")]
    login: String,
    password: String,
}

/// 登录
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 423, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    source: ClientAddress,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let login = required_login(&req.login)?;
    let (account, token) = auth::sign_in(&state, &login, &req.password, &source).await?;
    Ok((
        AppendHeaders([(header::SET_COOKIE, session::session_cookie(&token))]),
        Json(Me::from(&account)),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct UnlockCodeRequest {
    /// 账号: the unit code for units, the login name for staff
    #[schema(pattern = r"\S")]
    login: String,
}

/// 短信解锁, step 1: a code to the mobile on record for the account (the answer is the same
/// whether or not the account exists).
#[utoipa::path(post, path = "/api/auth/unlock-codes", tag = "auth", request_body = UnlockCodeRequest,
    responses((status = 200, body = CodeSent), (status = 400, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn unlock_code(
    State(state): State<AppState>,
    source: ClientAddress,
    ApiJson(req): ApiJson<UnlockCodeRequest>,
) -> ApiResult<Json<CodeSent>> {
    let login = required_login(&req.login)?;
    Ok(Json(auth::send_unlock_code(&state, &login, &source).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct UnlockRequest {
    #[schema(pattern = r"\S")]
    login: String,
    /// 6-digit SMS code
    code: String,
}

/// 短信解锁, step 2: the code lifts the account's lock.
#[utoipa::path(post, path = "/api/auth/unlock", tag = "auth", request_body = UnlockRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody)))]
async fn unlock(
    State(state): State<AppState>,
    source: ClientAddress,
    ApiJson(req): ApiJson<UnlockRequest>,
) -> ApiResult<StatusCode> {
    let login = required_login(&req.login)?;
    auth::unlock(&state, &login, &req.code, &source).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 忘记密码, step 1: a code to the mobile on record for the account (the answer is the same
/// whether or not the account exists).
#[utoipa::path(post, path = "/api/auth/password-reset-codes", tag = "auth", request_body = UnlockCodeRequest,
    responses((status = 200, body = CodeSent), (status = 400, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn reset_code(
    State(state): State<AppState>,
    source: ClientAddress,
    ApiJson(req): ApiJson<UnlockCodeRequest>,
) -> ApiResult<Json<CodeSent>> {
    let login = required_login(&req.login)?;
    Ok(Json(auth::send_reset_code(&state, &login, &source).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct PasswordReset {
    #[schema(pattern = r"\S")]
    login: String,
    /// 6-digit SMS code
    code: String,
    new_password: String,
}

/// 忘记密码, step 2: the code sets a new password, lifts any lock and ends every session; the
/// holder then signs in with it.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "auth", request_body = PasswordReset,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    source: ClientAddress,
    ApiJson(req): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    let login = required_login(&req.login)?;
    auth::reset_password(&state, &login, &req.code, &req.new_password, &source).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn required_login(raw: &str) -> ApiResult<String> {
    let login = normalize_login(raw);
    if login.is_empty() {
        return Err(ApiError::refused("LOGIN_REQUIRED", "请输入账号"));
    }
    Ok(login)
}

/// 退出登录
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, session: Session) -> ApiResult<impl IntoResponse> {
    session::close_session(&state, &session.token).await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, session::expired_cookie())]),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// 修改密码 (forced at first login). Ends every other session.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 200, body = Me), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    session: Session,
    ApiJson(req): ApiJson<PasswordChange>,
) -> ApiResult<impl IntoResponse> {
    let token = auth::change_password(&state, &session, &req.current_password, &req.new_password).await?;
    let me = auth::me(&state, &session.login).await?;
    Ok((
        AppendHeaders([(header::SET_COOKIE, session::session_cookie(&token))]),
        Json(me),
    ))
}

/// 当前登录信息
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, session: Session) -> ApiResult<Json<Me>> {
    Ok(Json(auth::me(&state, &session.login).await?))
}
