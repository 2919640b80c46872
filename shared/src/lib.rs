//! The library every function uses: domain types and rules, storage, SMS and HTTP glue.
pub mod application;
pub mod attachments;
pub mod auth;
pub mod catalogue;
pub mod certificate;
pub mod coverage;
pub mod db;
#[cfg(feature = "pdf")]
pub mod documents;
pub mod domain;
pub mod enrollment;
pub mod error;
pub mod http;
#[cfg(feature = "xlsx")]
pub mod import;
pub mod invoice;
pub mod members;
pub mod paging;
pub mod password;
pub mod payment;
pub mod reference;
pub mod registration;
pub mod review;
pub mod sms;
pub mod sms_code;
#[cfg(feature = "xlsx")]
pub mod spreadsheet;
pub mod staff;
pub mod state;
pub mod telemetry;
pub mod time;
pub mod trail;
pub mod uploads;

pub use error::{ApiError, ApiResult};
pub use state::AppState;
