//! Administration: staff accounts bound to a node of the agency tree, and the activity
//! catalogue (保障活动目录) maintained by the province office.
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use shared::platform::error::ErrorBody;
use shared::platform::http::ApiJson;
use shared::platform::paging::{Page, PageQuery};
use shared::records::catalogue::{self, Activity, ActivityForm};
use shared::records::session::StaffUser;
use shared::records::trail::TrailEntry;
use shared::steps::admin::{self, NewStaff, StaffCreated, StaffView};
use shared::{ApiResult, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(create_activity))
        .routes(routes!(update_activity))
        .routes(routes!(activity_history))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router.with_state(state))
}

/// 工作人员列表 (own subtree), server-paged: 10 a page by default, at most 100
#[utoipa::path(get, path = "/api/admin/staff", tag = "admin", params(PageQuery),
    responses((status = 200, body = Page<StaffView>), (status = 403, body = ErrorBody)))]
async fn list_staff(
    State(state): State<AppState>,
    admin: StaffUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<StaffView>>> {
    Ok(Json(admin::list(&state, &admin, page).await?))
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
    Path(code): Path<String>,
    ApiJson(form): ApiJson<ActivityForm>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(catalogue::update(&state, &admin, &code, form).await?))
}

/// 保障活动修改记录
#[utoipa::path(get, path = "/api/admin/activities/{code}/history", tag = "admin",
    params(("code" = String, Path, description = "活动编码")),
    responses((status = 200, body = Vec<TrailEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn activity_history(
    State(state): State<AppState>,
    admin: StaffUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<TrailEntry>>> {
    Ok(Json(catalogue::history(&state, &admin, &code).await?))
}
