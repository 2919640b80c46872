//! What any step needs and no step owns: clients, storage helpers, HTTP glue, errors, paging,
//! time, logging, uploads, the SMS and mail outbox and its sender, password hashing.
pub mod cursor;
pub mod db;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod mail;
pub mod metrics;
pub mod openapi;
#[cfg(feature = "notifier")]
pub mod outbox;
pub mod paging;
pub mod password;
pub mod sms;
pub mod state;
pub mod telemetry;
#[cfg(feature = "notifier")]
pub mod tencent_sms;
pub mod time;
pub mod uploads;
