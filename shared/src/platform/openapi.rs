//! The OpenAPI document as the API's contract: who must be signed in, and every error answer
//! an operation can give, in the one error shape (`ErrorBody`). Handlers declare the answers of
//! their own rules (404, 409, 422, …); what the platform answers around every handler —
//! malformed input, a body that is not JSON, no session, a repeated `Idempotency-Key` — is
//! added here once, so no operation can forget it. `make test` runs schemathesis against the
//! result, signed in as a unit and as staff.
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder, Type};
use utoipa::{PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::platform::error::{ErrorBody, FieldError};
use crate::platform::http::SESSION_COOKIE;
use crate::platform::idempotency;

/// The security scheme's name: the session cookie set by `POST /api/auth/login`.
pub const SESSION_SCHEME: &str = "session";

/// The platform's error answers, as named responses of the document (name, description).
type Answer = (&'static str, &'static str);
const MALFORMED: Answer = (
    "Malformed",
    "请求格式不正确：参数、网址中的编号或 JSON 内容不符合本文档 (BAD_PATH, BAD_QUERY, BAD_REQUEST_BODY, IDEMPOTENCY_KEY_INVALID)",
);
const NOT_SIGNED_IN: Answer = ("NotSignedIn", "未登录或登录已过期 (NOT_SIGNED_IN, SESSION_EXPIRED)");
const FORBIDDEN: Answer = ("Forbidden", "当前账号无权进行此操作");
const NOT_FOUND: Answer = ("NotFound", "网址所指的记录不存在，或不属于当前账号");
const IN_PROGRESS: Answer = (
    "InProgress",
    "同一操作正在处理或与当前状态冲突 (REQUEST_IN_PROGRESS, …)",
);
const NOT_JSON: Answer = ("NotJson", "请求内容不是 JSON (NOT_JSON)");
const REFUSED: Answer = (
    "Refused",
    "格式正确但不符合业务规则（校验位、状态、期限……）：见 code、message 与 fields",
);
const ANSWERS: [Answer; 7] = [
    MALFORMED,
    NOT_SIGNED_IN,
    FORBIDDEN,
    NOT_FOUND,
    IN_PROGRESS,
    NOT_JSON,
    REFUSED,
];

/// Marks every operation of `router` as needing a signed-in session: without one it answers
/// 401, and 403 when the session's role or permissions do not allow the operation.
pub fn signed_in<S: Clone + Send + Sync + 'static>(mut router: OpenApiRouter<S>) -> OpenApiRouter<S> {
    for item in router.get_openapi_mut().paths.paths.values_mut() {
        for operation in operations(item) {
            operation.security = Some(vec![SecurityRequirement::new(SESSION_SCHEME, Vec::<String>::new())]);
            answer(operation, "401", NOT_SIGNED_IN);
            answer(operation, "403", FORBIDDEN);
        }
    }
    router
}

/// Completes the whole document: the session cookie scheme, the error schema, and on every
/// operation the platform's own answers.
pub fn complete(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        SESSION_SCHEME.to_owned(),
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            SESSION_COOKIE,
            "登录后的会话 (HttpOnly cookie set by POST /api/auth/login)",
        ))),
    );
    for (name, schema) in [
        (ErrorBody::name(), ErrorBody::schema()),
        (FieldError::name(), FieldError::schema()),
    ] {
        components.schemas.entry(name.into_owned()).or_insert(schema);
    }
    for (name, description) in ANSWERS {
        components
            .responses
            .insert(name.to_owned(), error_response(description));
    }
    for item in doc.paths.paths.values_mut() {
        let is_post = item.post.is_some();
        for operation in operations(item) {
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let names_a_resource = parameters.iter().any(|p| p.parameter_in == ParameterIn::Path);
            let has_body = operation.request_body.is_some();
            if !parameters.is_empty() || has_body {
                answer(operation, "400", MALFORMED);
            }
            if names_a_resource {
                answer(operation, "404", NOT_FOUND);
            }
            if has_body {
                answer(operation, "422", REFUSED);
            }
            if let Some(body) = operation.request_body.as_mut() {
                require_body(body);
                answer(operation, "415", NOT_JSON);
            }
            every_error_has_the_error_body(operation);
        }
        if is_post && let Some(operation) = item.post.as_mut() {
            declare_idempotency_key(operation);
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                    .build(),
            )
            .build(),
    )
}

/// Adds the error answer `status` unless the handler already describes it.
fn answer(operation: &mut Operation, status: &str, (name, _): Answer) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
}

/// A 4xx declared without a body still answers with `ErrorBody`.
fn every_error_has_the_error_body(operation: &mut Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        if !status.starts_with('4') {
            continue;
        }
        if let RefOr::T(response) = response
            && response.content.is_empty()
        {
            let description = response.description.clone();
            *response = match error_response(&description) {
                RefOr::T(filled) => filled,
                RefOr::Ref(_) => continue,
            };
        }
    }
}

/// A body the handler reads is required: an empty one is refused like a malformed one.
fn require_body(body: &mut RequestBody) {
    body.required = Some(Required::True);
}

/// `Idempotency-Key` (防重复提交) on every creating request: a repeat gets the first answer;
/// a repeat while the first still runs is 409, a key reused for another request is 422.
fn declare_idempotency_key(operation: &mut Operation) {
    let parameter: Parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some("一次操作一个键 (8–64 characters: letters, digits, - and _)"))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(idempotency::KEY_PATTERN))
                .min_length(Some(8))
                .max_length(Some(64)),
        ))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(parameter);
    answer(operation, "400", MALFORMED);
    answer(operation, "409", IN_PROGRESS);
    answer(operation, "422", REFUSED);
}
