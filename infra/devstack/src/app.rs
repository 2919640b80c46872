//! Every function's router on one origin, as API Gateway composes them in AWS, plus the
//! local-only SMS viewer.
use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde_json::Value;
use shared::AppState;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// (binary name, routes with their OpenAPI description) of each HTTP function.
pub fn functions() -> Vec<(&'static str, OpenApiRouter<AppState>)> {
    vec![
        ("reference", reference::api()),
        ("registration", registration::api()),
        ("registration_review", registration_review::api()),
        ("auth", auth::api()),
        ("admin", admin::api()),
        ("member_import", member_import::api()),
        ("enrollment", enrollment::api()),
        ("payment", payment::api()),
        ("certificate", certificate::api()),
        ("review", review::api()),
        ("invoice", invoice::api()),
    ]
}

/// The routers exactly as each Lambda serves them, merged.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .merge(reference::router(state.clone()))
        .merge(registration::router(state.clone()))
        .merge(registration_review::router(state.clone()))
        .merge(auth::router(state.clone()))
        .merge(admin::router(state.clone()))
        .merge(member_import::router(state.clone()))
        .merge(enrollment::router(state.clone()))
        .merge(payment::router(state.clone()))
        .merge(certificate::router(state.clone()))
        .merge(review::router(state.clone()))
        .merge(invoice::router(state))
}

/// The whole API's OpenAPI document.
pub fn openapi() -> OpenApi {
    let mut doc = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("中国职工保险互助会河南省办事处 参保业务系统 API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "JSON over HTTP. Errors: { code, message (Chinese), fields? } with a 4xx status.",
                ))
                .build(),
        )
        .build();
    for (_, api) in functions() {
        let (_, part) = api.split_for_parts();
        doc.merge(part);
    }
    shared::platform::openapi::complete(&mut doc);
    doc
}

/// The OpenAPI document as committed in `functions/reference/openapi.json`.
pub fn openapi_json() -> anyhow::Result<String> {
    Ok(openapi().to_pretty_json()? + "\n")
}

/// (binary, METHOD, path) of every route the routers serve.
pub fn router_routes() -> anyhow::Result<Vec<(String, String, String)>> {
    let mut routes = Vec::new();
    for (binary, api) in functions() {
        let (_, doc) = api.split_for_parts();
        let json: Value = serde_json::to_value(&doc)?;
        for (path, item) in json.get("paths").and_then(Value::as_object).into_iter().flatten() {
            for method in ["get", "post", "put", "delete", "patch"] {
                if item.get(method).is_some() {
                    routes.push((binary.to_owned(), method.to_uppercase(), path.clone()));
                }
            }
        }
    }
    routes.sort();
    Ok(routes)
}

/// Local only: the SMS the SNS emulator received and the mail its SES accepted, newest first,
/// with each mail's attachments (never in the template).
pub fn dev_routes(moto_url: String) -> axum::Router {
    axum::Router::new()
        .route("/dev/sms", get(sms))
        .route("/dev/mail", get(mail))
        .route("/dev/mail/{id}/attachments/{index}", get(mail_attachment))
        .with_state(moto_url)
}

/// Local stack only, for the browser journey's second year: moves a certificate's end of
/// cover (as if issued a year ago), so 续保 can be shown without switching any clock. Never
/// part of a Lambda.
pub fn fixture_routes(state: AppState) -> axum::Router {
    axum::Router::new()
        .route(
            "/dev/certificates/{number}/end",
            axum::routing::post(move_certificate_end),
        )
        .with_state(state)
}

#[derive(serde::Deserialize)]
struct NewEnd {
    end_date: chrono::NaiveDate,
}

async fn move_certificate_end(
    State(state): State<AppState>,
    axum::extract::Path(number): axum::extract::Path<String>,
    Json(body): Json<NewEnd>,
) -> Result<axum::http::StatusCode, (axum::http::StatusCode, String)> {
    use shared::platform::db::s;
    use shared::records::certificate::{cert_key, ending_sk};
    state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(cert_key(&number)))
        .update_expression("SET end_date = :end, gsi1sk = :ending")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":end", s(body.end_date.to_string()))
        .expression_attribute_values(":ending", s(ending_sk(body.end_date, &number)))
        .send()
        .await
        .map_err(|e| (axum::http::StatusCode::NOT_FOUND, format!("{e:?}")))?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn sms(State(moto_url): State<String>) -> Result<Json<Value>, (axum::http::StatusCode, String)> {
    let list = received_sms(&moto_url)
        .await
        .map_err(|e| (axum::http::StatusCode::BAD_GATEWAY, format!("{e:#}")))?;
    Ok(Json(Value::Array(list.into_iter().rev().collect())))
}

/// Every SMS moto has received, oldest first: `{ phone_number, message, message_id }`.
/// moto builds data.json from live dictionaries and can fail while other requests write;
/// a few retries ride over that.
pub async fn received_sms(moto_url: &str) -> anyhow::Result<Vec<Value>> {
    let mut last_error = None;
    for _ in 0..5 {
        match fetch_sms(moto_url).await {
            Ok(list) => return Ok(list),
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("no attempt made")))
}

async fn fetch_sms(moto_url: &str) -> anyhow::Result<Vec<Value>> {
    fetch_moto(moto_url, "/sns/SMS").await
}

/// One list of moto's state dump (e.g. "/sns/SMS").
async fn fetch_moto(moto_url: &str, pointer: &str) -> anyhow::Result<Vec<Value>> {
    let data: Value = reqwest::get(format!("{moto_url}/moto-api/data.json"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(data
        .pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// One mail as SES received it, decoded by an independent MIME parser (mail-parser).
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub attachments: Vec<MailAttachment>,
}

#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Every mail moto's SES has accepted, oldest first.
pub async fn received_mail(moto_url: &str) -> anyhow::Result<Vec<ReceivedMail>> {
    let mut last_error = None;
    for _ in 0..5 {
        match fetch_moto(moto_url, "/ses/RawMessage").await {
            Ok(list) => return Ok(list.iter().filter_map(parse_mail).collect()),
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("no attempt made")))
}

fn parse_mail(raw: &Value) -> Option<ReceivedMail> {
    use mail_parser::MimeHeaders;
    let data = raw.get("raw_data")?.as_str()?;
    let message = mail_parser::MessageParser::default().parse(data.as_bytes())?;
    let addresses = |list: Option<&mail_parser::Address>| -> Vec<String> {
        list.map(|a| a.iter().filter_map(|x| x.address().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    Some(ReceivedMail {
        id: raw.get("id")?.as_str()?.to_owned(),
        from: addresses(message.from()).join(", "),
        to: addresses(message.to()),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        attachments: message
            .attachments()
            .map(|part| MailAttachment {
                name: part.attachment_name().unwrap_or_default().to_owned(),
                content_type: part
                    .content_type()
                    .map(|c| match c.subtype() {
                        Some(sub) => format!("{}/{sub}", c.ctype()),
                        None => c.ctype().to_owned(),
                    })
                    .unwrap_or_default(),
                bytes: part.contents().to_vec(),
            })
            .collect(),
    })
}

async fn mail(State(moto_url): State<String>) -> Result<Json<Value>, (axum::http::StatusCode, String)> {
    let list = received_mail(&moto_url)
        .await
        .map_err(|e| (axum::http::StatusCode::BAD_GATEWAY, format!("{e:#}")))?;
    let shown = list
        .iter()
        .rev()
        .map(|m| {
            serde_json::json!({
                "id": m.id,
                "from": m.from,
                "to": m.to,
                "subject": m.subject,
                "text": m.text,
                "attachments": m.attachments.iter().enumerate().map(|(i, a)| serde_json::json!({
                    "name": a.name,
                    "content_type": a.content_type,
                    "size": a.bytes.len(),
                    "href": format!("/dev/mail/{}/attachments/{i}", m.id),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(Value::Array(shown)))
}

async fn mail_attachment(
    State(moto_url): State<String>,
    axum::extract::Path((id, index)): axum::extract::Path<(String, usize)>,
) -> Result<axum::response::Response, (axum::http::StatusCode, String)> {
    use axum::response::IntoResponse;
    let list = received_mail(&moto_url)
        .await
        .map_err(|e| (axum::http::StatusCode::BAD_GATEWAY, format!("{e:#}")))?;
    let file = list
        .into_iter()
        .find(|m| m.id == id)
        .and_then(|m| m.attachments.into_iter().nth(index))
        .ok_or((axum::http::StatusCode::NOT_FOUND, "no such attachment".to_owned()))?;
    let disposition = shared::platform::http::content_disposition("inline", "attachment", &file.name);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, file.content_type),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}

/// The built browser front end (`web/dist`): files as they are, any other path that is not
/// under `/api` or `/dev` answered with `index.html` (the Vue router's history mode), as
/// CloudFront does in AWS.
pub fn web_routes(dist: &std::path::Path) -> axum::Router {
    let index = dist.join("index.html");
    let serve = tower_http::services::ServeDir::new(dist)
        .append_index_html_on_directories(true)
        .fallback(tower_http::services::ServeFile::new(index));
    axum::Router::new()
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .fallback_service(serve)
}

/// An unknown API path stays a JSON 404 (never the SPA's index.html).
async fn api_not_found() -> (axum::http::StatusCode, Json<Value>) {
    (
        axum::http::StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "code": "NOT_FOUND", "message": "接口不存在" })),
    )
}

/// Seeds the catalogue and, if absent, the first admin; returns the admin password if created.
pub async fn seed(state: &AppState) -> anyhow::Result<Option<String>> {
    shared::records::catalogue::seed(state)
        .await
        .map_err(|e| anyhow::anyhow!("seed catalogue: {}", e.message))?;
    // DEV_ADMIN_PASSWORD lets the browser test sign in as the admin; otherwise a random one.
    let password = std::env::var("DEV_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(shared::platform::password::generate);
    let permissions = vec![
        shared::records::account::Permission::Admin,
        shared::records::account::Permission::RegistrationReview,
    ];
    match shared::steps::admin::insert(state, "admin", "系统管理员", "HN", permissions, &password, true).await {
        Ok(()) => Ok(Some(password)),
        Err(e) if e.code == "LOGIN_TAKEN" => Ok(None),
        Err(e) => Err(anyhow::anyhow!("seed admin: {}", e.message)),
    }
}
