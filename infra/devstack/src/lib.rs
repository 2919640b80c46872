//! The local stack without Docker: DynamoDB Local and moto on loopback, the table and bucket
//! created from `template.yaml`, seed data, and one router hosting every function.
pub mod app;
pub mod resources;
pub mod stack;

use std::path::PathBuf;

/// The repository root (this crate lives in `infra/devstack`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
