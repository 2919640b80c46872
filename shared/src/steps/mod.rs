//! One workflow step a file, named like `functions/<step>`. A step never imports another
//! step: what two steps share is a record's or a domain rule.
pub mod admin;
pub mod attachments;
pub mod auth;
#[cfg(feature = "xlsx")]
pub mod bank_statement;
#[cfg(feature = "pdf")]
pub mod certificate;
pub mod contact_change;
pub mod dashboard;
pub mod e_invoice;
pub mod enrollment;
pub mod export;
pub mod invoice;
#[cfg(feature = "xlsx")]
pub mod member_import;
pub mod payment;
pub mod reference;
pub mod registration;
pub mod registration_review;
pub mod reminders;
pub mod review;
pub mod search;
pub mod signed_copy;
pub mod sms_code;
pub mod unit_details;
pub mod unit_registry;
