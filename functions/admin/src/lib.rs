//! Staff accounts: an admin creates accounts bound to a node of the agency tree.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::auth::StaffUser;
use shared::error::ErrorBody;
use shared::http::ApiJson;
use shared::staff::{self, NewStaff, StaffCreated, StaffView};
use shared::{ApiResult, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_staff, create_staff))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::http::finish(router.with_state(state))
}

/// 工作人员列表 (own subtree)
#[utoipa::path(get, path = "/api/admin/staff", tag = "admin",
    responses((status = 200, body = Vec<StaffView>), (status = 403, body = ErrorBody)))]
async fn list_staff(State(state): State<AppState>, admin: StaffUser) -> ApiResult<Json<Vec<StaffView>>> {
    Ok(Json(staff::list(&state, &admin).await?))
}

/// 新增工作人员账号
#[utoipa::path(post, path = "/api/admin/staff", tag = "admin", request_body = NewStaff,
    responses((status = 201, body = StaffCreated), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_staff(
    State(state): State<AppState>,
    admin: StaffUser,
    ApiJson(form): ApiJson<NewStaff>,
) -> ApiResult<(StatusCode, Json<StaffCreated>)> {
    Ok((StatusCode::CREATED, Json(staff::create(&state, &admin, form).await?)))
}
