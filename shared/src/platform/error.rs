//! The one error shape of the API: `{ "code": "ID_CHECKSUM", "message": "…", "fields": [...] }`.
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Something a domain parser refuses: a stable machine code and a Chinese message.
pub trait Reason: std::fmt::Display {
    fn code(&self) -> &'static str;
}

/// One refused form field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// An error a client can act on (4xx) or an internal failure (500, logged, never detailed).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `ID_CHECKSUM`.
    pub code: &'static str,
    /// What went wrong and what to do, in Chinese.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }
    /// A request that is not of the documented shape: malformed JSON or parameters (400).
    pub fn malformed(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// A request of the right shape that a rule refuses: a wrong check digit, a code that
    /// expired, a file of another type (422). The schema cannot say these; the message does.
    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    pub fn too_many(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
    }
    /// A parser's refusal of one value (422).
    pub fn from_reason(reason: &impl Reason) -> Self {
        Self::refused(reason.code(), reason.to_string())
    }
    /// Several refused fields at once (422), so a clerk fixes the whole form in one go.
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [only] => only.message.clone(),
            _ => format!("有{}项填写有误，请按提示修改", fields.len()),
        };
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "INVALID_FIELDS",
            message,
            fields,
        }
    }
    /// Unexpected failure: logged with its cause chain, answered without detail.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        tracing::error!(error = format!("{err:#}"), "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "系统繁忙，请稍后再试")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: self.message,
            fields: self.fields,
        };
        (self.status, Json(body)).into_response()
    }
}

/// `.or_internal("what we were doing")?` for storage and SDK calls.
pub trait OrInternal<T> {
    fn or_internal(self, context: &'static str) -> ApiResult<T>;
}

impl<T, E: Into<anyhow::Error>> OrInternal<T> for Result<T, E> {
    fn or_internal(self, context: &'static str) -> ApiResult<T> {
        self.map_err(|e| ApiError::internal(e.into().context(context)))
    }
}

/// Collects per-field parse results so every field error is reported at once.
#[derive(Default)]
pub struct FieldCheck {
    errors: Vec<FieldError>,
}

impl FieldCheck {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records the refusal under `field`.
    pub fn take<T, E: Reason>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(reason) => {
                self.push(field, reason.code(), reason.to_string());
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            code,
            message: message.into(),
        });
    }

    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// Err with every refused field, or Ok when all parsed.
    pub fn finish(self) -> ApiResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_fields(self.errors))
        }
    }
}

/// After `FieldCheck::finish` succeeded every `take` returned Some; this turns a logic slip
/// into a 500 instead of a panic.
pub fn checked<T>(value: Option<T>) -> ApiResult<T> {
    value.ok_or_else(|| ApiError::internal(anyhow::anyhow!("field parsed but missing")))
}

/// A plain refusal with a code, for rules that are not a parser.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Reason for Refusal {
    fn code(&self) -> &'static str {
        self.code
    }
}

pub fn refuse<T>(code: &'static str, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        code,
        message: message.into(),
    })
}

/// Every domain parser's error is a `Reason`.
macro_rules! reasons {
    ($($t:ty),* $(,)?) => {$(
        impl Reason for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }
        }
    )*};
}

reasons!(
    crate::domain::IdError,
    crate::domain::CreditCodeError,
    crate::domain::MobileError,
    crate::domain::OfficePhoneError,
    crate::domain::EmailError,
    crate::domain::MoneyError,
    crate::domain::GenderError,
    crate::domain::TaxIdError,
);
