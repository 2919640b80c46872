//! Administration: staff accounts bound to a node of the agency tree, and the activity
//! catalogue (保障活动目录) and the office's 收款账户, maintained by the province office.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::platform::cursor::{CursorPage, CursorQuery};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::records::account::Permission;
use shared::records::catalogue::{self, Activity, ActivityForm};
use shared::records::payment_account::{PaymentAccount, PaymentAccountForm};
use shared::records::session::StaffUser;
use shared::records::trail::{self, TrailEntry};
use shared::steps::admin::{self, NewStaff, PermissionsChange, StaffCreated, StaffView};
use shared::{ApiResult, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    signed_in(
        OpenApiRouter::new()
            .routes(routes!(list_staff, create_staff))
            .routes(routes!(set_permissions))
            .routes(routes!(disable_staff))
            .routes(routes!(enable_staff))
            .routes(routes!(reset_password))
            .routes(routes!(staff_history))
            .routes(routes!(create_activity))
            .routes(routes!(update_activity))
            .routes(routes!(activity_history))
            .routes(routes!(payment_account, set_payment_account)),
    )
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

/// 工作人员列表 (own subtree), server-paged: 10 a page by default, at most 100
#[utoipa::path(get, path = "/api/admin/staff", tag = "admin", params(CursorQuery),
    responses((status = 200, body = CursorPage<StaffView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_staff(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<StaffView>>> {
    let at = page.at(admin::PAGE_SIZE_DEFAULT, admin::PAGE_SIZE_MAX)?;
    Ok(Json(admin::list(&state, &admin, &at).await?))
}

/// 新增工作人员账号
#[utoipa::path(post, path = "/api/admin/staff", tag = "admin", request_body = NewStaff,
    responses((status = 201, body = StaffCreated), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_staff(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiJson(form): ApiJson<NewStaff>,
) -> ApiResult<(StatusCode, Json<StaffCreated>)> {
    Ok((StatusCode::CREATED, Json(admin::create(&state, &admin, form).await?)))
}

/// 修改权限: takes effect at once (the account's sessions end); never one's own account
#[utoipa::path(put, path = "/api/admin/staff/{login}/permissions", tag = "admin", request_body = PermissionsChange,
    params(("login" = String, Path, description = "登录名")),
    responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_permissions(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiPath(login): ApiPath<String>,
    ApiJson(change): ApiJson<PermissionsChange>,
) -> ApiResult<Json<StaffView>> {
    Ok(Json(admin::set_permissions(&state, &admin, &login, change).await?))
}

/// 停用账号: its sessions end at once; its mobile is free for another account
#[utoipa::path(post, path = "/api/admin/staff/{login}/disable", tag = "admin",
    params(("login" = String, Path, description = "登录名")),
    responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn disable_staff(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiPath(login): ApiPath<String>,
) -> ApiResult<Json<StaffView>> {
    Ok(Json(admin::set_disabled(&state, &admin, &login, true).await?))
}

/// 启用账号 (refused while another account in use holds its mobile)
#[utoipa::path(post, path = "/api/admin/staff/{login}/enable", tag = "admin",
    params(("login" = String, Path, description = "登录名")),
    responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn enable_staff(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiPath(login): ApiPath<String>,
) -> ApiResult<Json<StaffView>> {
    Ok(Json(admin::set_disabled(&state, &admin, &login, false).await?))
}

/// 重置密码: a new password goes by SMS to the person's own mobile, never to the admin
#[utoipa::path(post, path = "/api/admin/staff/{login}/password-reset", tag = "admin",
    params(("login" = String, Path, description = "登录名")),
    responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiPath(login): ApiPath<String>,
) -> ApiResult<Json<StaffView>> {
    Ok(Json(admin::reset_password(&state, &admin, &login).await?))
}

/// 账号修改记录: every admin action on the account, who and when
#[utoipa::path(get, path = "/api/admin/staff/{login}/history", tag = "admin",
    params(("login" = String, Path, description = "登录名"), CursorQuery),
    responses((status = 200, body = CursorPage<TrailEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn staff_history(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiPath(login): ApiPath<String>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<TrailEntry>>> {
    let at = page.at(trail::PAGE_SIZE_DEFAULT, trail::PAGE_SIZE_MAX)?;
    Ok(Json(admin::history(&state, &admin, &login, &at).await?))
}

/// 新增保障活动
#[utoipa::path(post, path = "/api/admin/activities", tag = "admin", request_body = ActivityForm,
    responses((status = 201, body = Activity), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_activity(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiJson(form): ApiJson<ActivityForm>,
) -> ApiResult<(StatusCode, Json<Activity>)> {
    Ok((
        StatusCode::CREATED,
        Json(catalogue::create(&state, &admin, form).await?),
    ))
}

/// 修改保障活动 (会费标准, 细类, 年龄限制, 启用/停用); applies to new applications only
#[utoipa::path(put, path = "/api/admin/activities/{code}", tag = "admin", request_body = ActivityForm,
    params(("code" = String, Path, description = "活动编码")),
    responses((status = 200, body = Activity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_activity(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(form): ApiJson<ActivityForm>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(catalogue::update(&state, &admin, &code, form).await?))
}

/// 保障活动修改记录
#[utoipa::path(get, path = "/api/admin/activities/{code}/history", tag = "admin",
    params(("code" = String, Path, description = "活动编码"), CursorQuery),
    responses((status = 200, body = CursorPage<TrailEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn activity_history(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiPath(code): ApiPath<String>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<TrailEntry>>> {
    let at = page.at(trail::PAGE_SIZE_DEFAULT, trail::PAGE_SIZE_MAX)?;
    Ok(Json(catalogue::history(&state, &admin, &code, &at).await?))
}

/// 收款账户: the office's bank account shown in every 缴费说明 (absent until set)
#[utoipa::path(get, path = "/api/admin/payment-account", tag = "admin",
    responses((status = 200, body = Option<PaymentAccount>), (status = 403, body = ErrorBody)))]
async fn payment_account(State(state): State<AppState>, admin: StaffUser) -> ApiResult<Json<Option<PaymentAccount>>> {
    admin.require(Permission::Admin)?;
    Ok(Json(
        shared::records::payment_account::load(&state, shared::records::payment_account::OFFICE_CODE).await?,
    ))
}

/// 设置收款账户 (province office admins)
#[utoipa::path(put, path = "/api/admin/payment-account", tag = "admin", request_body = PaymentAccountForm,
    responses((status = 200, body = PaymentAccount), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_payment_account(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiJson(form): ApiJson<PaymentAccountForm>,
) -> ApiResult<Json<PaymentAccount>> {
    Ok(Json(
        shared::records::payment_account::set(&state, &admin, &form).await?,
    ))
}
