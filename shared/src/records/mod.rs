//! One stored entity a file: its struct, keys, load/save and guarded writes. Records import
//! platform and the pure folders, never steps.
pub mod account;
pub mod application;
pub mod application_detail;
pub mod application_search;
pub mod attachment;
pub mod bank_statement;
pub mod catalogue;
pub mod certificate;
pub mod coverage;
pub mod export;
pub mod import_job;
pub mod invoice_entry;
pub mod job_state;
pub mod login_guard;
pub mod members;
pub mod overview;
pub mod payment_account;
pub mod self_check;
pub mod session;
pub mod sms_code;
pub mod tally;
pub mod trail;
pub mod transition;
pub mod unit;
pub mod unit_registry;
pub mod unnamed;
