//! Reference data for the forms (public, cacheable) and the API's OpenAPI document.
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use shared::records::catalogue::Activity;
use shared::steps::reference::{self, AddressBookEntry, AgencyTreeNode, Office, RegionTreeNode};
use shared::{ApiResult, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The API description, generated from every function's routes (`make openapi`); a test
/// keeps this file equal to what the code generates.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agencies))
        .routes(routes!(offices))
        .routes(routes!(address_book))
        .routes(routes!(unit_natures))
        .routes(routes!(certificate_types))
        .routes(routes!(regions))
        .routes(routes!(activities))
        .routes(routes!(openapi))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

fn cached<T: Serialize>(body: T) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(body))
}

/// 所属机构 tree (河南省办事处 and below); `selectable` marks nodes a unit may pick.
#[utoipa::path(get, path = "/api/reference/agencies", tag = "reference", responses((status = 200, body = AgencyTreeNode)))]
async fn agencies() -> impl IntoResponse {
    cached(reference::agencies())
}

/// 办事处 list; only 河南省办事处 is served.
#[utoipa::path(get, path = "/api/reference/offices", tag = "reference", responses((status = 200, body = Vec<Office>)))]
async fn offices() -> impl IntoResponse {
    cached(reference::offices())
}

/// 经办机构通讯录
#[utoipa::path(get, path = "/api/reference/address-book", tag = "reference", responses((status = 200, body = Vec<AddressBookEntry>)))]
async fn address_book() -> impl IntoResponse {
    cached(reference::address_book())
}

/// 单位性质
#[utoipa::path(get, path = "/api/reference/unit-natures", tag = "reference", responses((status = 200, body = Vec<String>)))]
async fn unit_natures() -> impl IntoResponse {
    cached(reference::unit_natures())
}

/// 单位证件类型
#[utoipa::path(get, path = "/api/reference/certificate-types", tag = "reference", responses((status = 200, body = Vec<String>)))]
async fn certificate_types() -> impl IntoResponse {
    cached(reference::certificate_types())
}

/// 省-市-区/县 (河南省)
#[utoipa::path(get, path = "/api/reference/regions", tag = "reference", responses((status = 200, body = RegionTreeNode)))]
async fn regions() -> impl IntoResponse {
    cached(reference::regions())
}

/// 保障活动 catalogue (fees in fen, age limits, 细类)
#[utoipa::path(get, path = "/api/reference/activities", tag = "reference", responses((status = 200, body = Vec<Activity>)))]
async fn activities(State(state): State<AppState>) -> ApiResult<Json<Vec<Activity>>> {
    Ok(Json(reference::activities(&state).await?))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "reference", responses((status = 200, body = Object)))]
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
