//! End-to-end tests: HTTP in, stored items, S3 objects and SMS texts out.
mod auth;
mod catalogue;
mod certificates;
mod contract;
mod duties;
mod enrollment;
mod idempotency;
mod import;
mod journey;
mod notifier;
mod reference;
mod registration;
mod reminders;
mod renewal;
mod review;
mod review_invoice;
mod signed_copy;
