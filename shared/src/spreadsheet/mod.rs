//! Spreadsheets of members: the template units download (参保人信息模板-通用.xlsx), the
//! import of a filled-in file (人员清单导入), the failed rows with reasons, and the list of
//! members (参保人员名单下载).
//!
//! Uploads are hostile until proven otherwise: [`inspect`] runs before calamine sees a byte.
mod bank_statement;
mod cell;
mod error;
mod export;
mod failed_rows;
mod guard;
mod members;
mod report;
mod template;
mod validate;

/// File builders for tests, here and in the end-to-end suite (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use bank_statement::{MAX_LINES as STATEMENT_MAX_LINES, Statement, StatementError, StatementLine, read_statement};
pub use cell::{Cell, CellKind, serial_to_date};
pub use error::SpreadsheetError;
pub use export::{EXPORT_FILE_NAME, EXPORT_HEADER, ExportMember, members_xlsx};
pub use failed_rows::{FAILED_ROWS_FILE_NAME, REASON_HEADER, failed_rows_xlsx};
pub use guard::{XlsxLimits, inspect};
pub use members::{ImportOutcome, SheetRow, import_members, read_member_rows, validate_rows};
pub use report::{ReportCell, ReportSheet, report_xlsx};
pub use template::{
    DATA_SHEET, HEADER, MARKER_SHEET, TEMPLATE_FILE_NAME, TEMPLATE_ROWS, TEMPLATE_VERSION, member_template,
};
pub use validate::{
    FieldProblem, Identity, ImportContext, MAX_NAME_CHARS, MAX_REMARK_CHARS, MemberDraft, RowFailure, check_identity,
    member_name, validate_row,
};
