//! The library every function uses, in layers: `platform` (what any step needs and no step
//! owns) → `records` (one stored entity a file, with its keys and guarded writes) → `steps`
//! (one workflow step a file, named like `functions/<step>`). Beside them the pure folders —
//! `domain`, `reference`, `spreadsheet`, `documents` — import none of the three. A step never
//! imports another step; `tests/architecture.rs` enforces these edges.
#[cfg(feature = "pdf")]
pub mod documents;
pub mod domain;
pub mod platform;
pub mod records;
pub mod reference;
#[cfg(feature = "xlsx")]
pub mod spreadsheet;
pub mod steps;

pub use platform::error::{ApiError, ApiResult};
pub use platform::state::AppState;
