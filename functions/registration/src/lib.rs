//! 单位注册 (public): SMS code, image uploads, the registration form; and, signed in, 单位信息:
//! the unit's details and its own correction of them (in force once its agency approves).
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::domain::Mobile;
use shared::platform::error::{ApiError, ErrorBody};
use shared::platform::http::{ApiJson, ClientAddress};
use shared::platform::openapi::signed_in;
use shared::platform::uploads::{self, UploadTicket};
use shared::records::session::UnitUser;
use shared::records::sms_code::CodePurpose;
use shared::records::sms_code::CodeSent;
use shared::records::unit::UnitDetailsForm;
use shared::steps::registration::{self, RegistrationForm, Submitted};
use shared::steps::sms_code;
use shared::steps::unit_details::{self, UnitProfile};
use shared::{ApiResult, AppState};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_code))
        .routes(routes!(upload_ticket))
        .routes(routes!(register))
        .merge(signed_in(OpenApiRouter::new().routes(routes!(profile, change_details))))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

#[derive(Debug, Deserialize, ToSchema)]
struct CodeRequest {
    mobile: String,
    /// Only `register` here: the other codes are asked for where they are used.
    #[schema(value_type = String, pattern = "^register$")]
    purpose: CodePurpose,
}

/// 发送验证码
#[utoipa::path(post, path = "/api/sms-codes", tag = "registration", request_body = CodeRequest,
    responses((status = 200, body = CodeSent), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn send_code(
    State(state): State<AppState>,
    source: ClientAddress,
    ApiJson(req): ApiJson<CodeRequest>,
) -> ApiResult<Json<CodeSent>> {
    if req.purpose != CodePurpose::Register {
        return Err(ApiError::refused(
            "CODE_PURPOSE",
            "此处只能获取注册验证码；账号解锁请在登录页点击“短信解锁”",
        ));
    }
    let mobile = Mobile::parse(&req.mobile).map_err(|e| ApiError::from_reason(&e))?;
    Ok(Json(sms_code::send_for_registration(&state, &mobile, &source).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
struct UploadRequest {
    /// image/jpeg or image/png
    #[schema(pattern = "^image/(jpeg|png)$")]
    content_type: String,
    /// Size in bytes (at most 2 MB), checked here for quick feedback and again after the upload.
    #[schema(minimum = 1, maximum = 2097152)]
    size: u64,
}

/// 证件图片上传: a presigned PUT for one image (≤ 2 MB, JPG/PNG).
#[utoipa::path(post, path = "/api/registration-uploads", tag = "registration", request_body = UploadRequest,
    responses((status = 200, body = UploadTicket), (status = 400, body = ErrorBody)))]
async fn upload_ticket(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<UploadRequest>,
) -> ApiResult<Json<UploadTicket>> {
    if !matches!(req.content_type.as_str(), "image/jpeg" | "image/png") {
        return Err(ApiError::refused("FILE_TYPE", "只能上传JPG或PNG图片"));
    }
    if req.size > registration::IMAGE_MAX_BYTES {
        return Err(ApiError::refused(
            "FILE_TOO_LARGE",
            format!("图片大小不能超过2MB（当前{}）", uploads::human_size(req.size)),
        ));
    }
    let ticket = uploads::ticket(&state, registration::UPLOAD_AREA, &req.content_type, req.size).await?;
    Ok(Json(ticket))
}

/// 注册
#[utoipa::path(post, path = "/api/registrations", tag = "registration", request_body = RegistrationForm,
    responses((status = 201, body = Submitted), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<RegistrationForm>,
) -> ApiResult<(StatusCode, Json<Submitted>)> {
    Ok((StatusCode::CREATED, Json(registration::register(&state, form).await?)))
}

/// 单位信息: the unit's details in force, and its correction waiting for the agency
#[utoipa::path(get, path = "/api/unit/profile", tag = "registration",
    responses((status = 200, body = UnitProfile), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn profile(State(state): State<AppState>, unit: UnitUser) -> ApiResult<Json<UnitProfile>> {
    Ok(Json(unit_details::profile(&state, &unit).await?))
}

/// 单位信息变更: the correction goes to the agency; the old details stay in force until approved
#[utoipa::path(put, path = "/api/unit/profile", tag = "registration", request_body = UnitDetailsForm,
    responses((status = 200, body = UnitProfile), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn change_details(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiJson(form): ApiJson<UnitDetailsForm>,
) -> ApiResult<Json<UnitProfile>> {
    Ok(Json(unit_details::request(&state, &unit, &form).await?))
}
