//! 人员清单导入: reading a filled-in template into rows, then validating each row.
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Ods, OdsError, Reader, Sheet, SheetType, SheetVisible, Xls, XlsError, Xlsx, XlsxError};
use serde::{Deserialize, Serialize};

use super::cell::Cell;
use super::error::SpreadsheetError;
use super::guard::{Format, XlsxLimits, inspect};
use super::template::{DATA_SHEET, HEADER, MARKER_SHEET, TEMPLATE_VERSION};
use super::validate::{ImportContext, MemberDraft, RowFailure, validate_row};
use crate::domain::normalize_token;

/// One non-blank data row: its Excel row number (1-based, as the clerk sees it) and the
/// template's nine columns, 序号 … 备注.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SheetRow {
    pub row: u32,
    pub cells: [Cell; 9],
}

impl SheetRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// What one import produced: the valid members, the failed rows with their reasons, and
/// the number of non-blank data rows (总人数 = members + failures).
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub members: Vec<MemberDraft>,
    pub failures: Vec<(SheetRow, RowFailure)>,
    pub total: usize,
}

/// Rows handed from the reading thread to the validating one at a time: few enough hand-offs
/// to cost nothing, small enough that validation starts while calamine is still parsing.
const ROWS_PER_HANDOFF: usize = 1024;
/// Hand-offs the reader may run ahead of validation (the rows are kept either way).
const HANDOFFS_IN_FLIGHT: usize = 8;

/// Reads, checks and validates one uploaded file against what the application already holds.
///
/// calamine parses on this thread while a second one validates the rows already read, in file
/// order: the import then costs little more than calamine's own read (issue 12's goal). A file
/// refused part-way is refused whole; the validation done so far is dropped.
pub fn import_members(
    bytes: &[u8],
    limits: &XlsxLimits,
    ctx: &mut ImportContext,
) -> Result<ImportOutcome, SpreadsheetError> {
    std::thread::scope(|scope| {
        let (handoff, received) = std::sync::mpsc::sync_channel::<Vec<SheetRow>>(HANDOFFS_IN_FLIGHT);
        let validator = scope.spawn(move || {
            let mut outcome = ImportOutcome::default();
            for rows in received {
                outcome.validate(rows, ctx);
            }
            outcome
        });
        let mut pending = Vec::with_capacity(ROWS_PER_HANDOFF);
        let read = read_rows(bytes, limits, &mut |row| {
            pending.push(row);
            if pending.len() == ROWS_PER_HANDOFF {
                // A closed channel means the validator panicked: its join below says so.
                let _ = handoff.send(std::mem::replace(&mut pending, Vec::with_capacity(ROWS_PER_HANDOFF)));
            }
        });
        if read.is_ok() && !pending.is_empty() {
            let _ = handoff.send(pending);
        }
        drop(handoff);
        let outcome = validator
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.map(|()| outcome)
    })
}

/// Validates rows however they came (a file, or last year's list copied by 一键续保), each
/// against the ones before it and what the application already holds.
pub fn validate_rows(rows: Vec<SheetRow>, ctx: &mut ImportContext) -> ImportOutcome {
    let mut outcome = ImportOutcome {
        members: Vec::with_capacity(rows.len()),
        ..ImportOutcome::default()
    };
    outcome.validate(rows, ctx);
    outcome
}

impl ImportOutcome {
    /// Validates `rows`, which follow every row validated so far.
    fn validate(&mut self, rows: Vec<SheetRow>, ctx: &mut ImportContext) {
        self.total += rows.len();
        ctx.reserve(rows.len());
        for row in rows {
            match validate_row(&row, ctx) {
                Ok(member) => self.members.push(member),
                Err(failure) => self.failures.push((row, failure)),
            }
        }
    }
}

/// The data rows of an upload, after [`inspect`] and the template check; blank rows skipped.
pub fn read_member_rows(bytes: &[u8], limits: &XlsxLimits) -> Result<Vec<SheetRow>, SpreadsheetError> {
    let mut rows = Vec::new();
    read_rows(bytes, limits, &mut |row| rows.push(row))?;
    Ok(rows)
}

/// Hands each data row of an upload to `on_row` in file order, after [`inspect`] and the
/// template check; blank rows skipped. On an error some rows may have been handed already.
fn read_rows(bytes: &[u8], limits: &XlsxLimits, on_row: &mut dyn FnMut(SheetRow)) -> Result<(), SpreadsheetError> {
    let format = inspect(bytes, limits)?;
    // Checked input can still carry what calamine does not expect (a cell reference whose
    // column overflows a u32 panics in a debug build; a shared-string index past the table
    // of an .xls): a refusal, not a crash.
    catch_unwind(AssertUnwindSafe(|| match format {
        Format::Xlsx => read_xlsx(bytes, limits, on_row),
        Format::Xls => {
            let workbook = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
                XlsError::Password => SpreadsheetError::Encrypted,
                _ => SpreadsheetError::CorruptFile,
            })?;
            let is_1904 = workbook.has_1904_epoch();
            read_whole(workbook, is_1904, limits, on_row)
        }
        Format::Ods => {
            let workbook = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
                OdsError::Password => SpreadsheetError::Encrypted,
                _ => SpreadsheetError::CorruptFile,
            })?;
            read_whole(workbook, false, limits, on_row)
        }
    }))
    .unwrap_or(Err(SpreadsheetError::CorruptFile))
}

/// The template's version on the marker sheet, if the file has one, must be ours; the data
/// sheet is 人员信息, or else the first visible worksheet.
fn data_sheet(
    sheets: &[Sheet],
    marker: impl FnOnce(&str) -> Result<String, SpreadsheetError>,
) -> Result<String, SpreadsheetError> {
    if let Some(sheet) = sheets.iter().find(|s| s.name == MARKER_SHEET)
        && marker(&sheet.name)?.trim() != TEMPLATE_VERSION
    {
        return Err(SpreadsheetError::WrongTemplate);
    }
    let sheet = sheets
        .iter()
        .find(|s| normalize_token(&s.name) == DATA_SHEET)
        .or_else(|| {
            sheets
                .iter()
                .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible && s.name != MARKER_SHEET)
        })
        .ok_or(SpreadsheetError::WrongTemplate)?;
    Ok(sheet.name.clone())
}

/// `.xlsx`: cells streamed from the sheet, shared strings borrowed.
fn read_xlsx(bytes: &[u8], limits: &XlsxLimits, on_row: &mut dyn FnMut(SheetRow)) -> Result<(), SpreadsheetError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(from_calamine)?;
    let is_1904 = workbook.has_1904_epoch();
    let sheets = workbook.sheets_metadata().to_vec();
    let data_sheet = data_sheet(&sheets, |marker| first_cell_text(&mut workbook, marker))?;
    let mut reader = workbook.worksheet_cells_reader(&data_sheet).map_err(from_calamine)?;
    let mut rows = RowCollector::new(limits, on_row);
    while let Some(cell) = reader.next_cell().map_err(from_calamine)? {
        let (row, col) = cell.get_position();
        rows.push(row, col, cell.get_value(), is_1904)?;
    }
    rows.finish()
}

/// `.xls` and `.ods`: calamine has read every sheet when it opens them (their guards bound
/// that); the cells go through the same collector, row by row.
fn read_whole<RS, R>(
    mut workbook: R,
    is_1904: bool,
    limits: &XlsxLimits,
    on_row: &mut dyn FnMut(SheetRow),
) -> Result<(), SpreadsheetError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
{
    let sheets = workbook.sheets_metadata().to_vec();
    let data_sheet = data_sheet(&sheets, |marker| {
        let range = workbook
            .worksheet_range(marker)
            .map_err(|_| SpreadsheetError::CorruptFile)?;
        Ok(range
            .get_value((0, 0))
            .map(|value| Cell::from_data(&data_ref(value), false).text)
            .unwrap_or_default())
    })?;
    let range = workbook
        .worksheet_range(&data_sheet)
        .map_err(|_| SpreadsheetError::CorruptFile)?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = RowCollector::new(limits, on_row);
    for (row, col, value) in range.used_cells() {
        let (row, col) = (top.saturating_add(row as u32), left.saturating_add(col as u32));
        rows.push(row, col, &data_ref(value), is_1904)?;
    }
    rows.finish()
}

/// A whole-read cell as the collector takes a streamed one.
fn data_ref(value: &Data) -> DataRef<'_> {
    match value {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(dt) => DataRef::DateTime(*dt),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

fn first_cell_text<RS: std::io::Read + std::io::Seek>(
    workbook: &mut Xlsx<RS>,
    sheet: &str,
) -> Result<String, SpreadsheetError> {
    let mut reader = workbook.worksheet_cells_reader(sheet).map_err(from_calamine)?;
    match reader.next_cell().map_err(from_calamine)? {
        Some(cell) if cell.get_position() == (0, 0) => Ok(Cell::from_data(cell.get_value(), false).text),
        _ => Ok(String::new()),
    }
}

/// Bytes a cell's text will take (numbers and the like: a few).
fn text_len(value: &DataRef<'_>) -> usize {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
        DataRef::SharedString(s) => s.len(),
        _ => 24,
    }
}

fn from_calamine(e: XlsxError) -> SpreadsheetError {
    match e {
        XlsxError::Password => SpreadsheetError::Encrypted,
        _ => SpreadsheetError::CorruptFile,
    }
}

/// Gathers cells (which arrive in row order) into rows, checking the header and the caps.
struct RowCollector<'l> {
    limits: &'l XlsxLimits,
    current: Option<SheetRow>,
    header_seen: bool,
    on_row: &'l mut dyn FnMut(SheetRow),
    /// Data rows handed on so far.
    rows: u32,
    /// Cell text copied so far, counted before each copy.
    text_bytes: usize,
}

impl<'l> RowCollector<'l> {
    fn new(limits: &'l XlsxLimits, on_row: &'l mut dyn FnMut(SheetRow)) -> Self {
        RowCollector {
            limits,
            current: None,
            header_seen: false,
            on_row,
            rows: 0,
            text_bytes: 0,
        }
    }

    fn push(&mut self, row: u32, col: u32, value: &DataRef<'_>, is_1904: bool) -> Result<(), SpreadsheetError> {
        if matches!(value, DataRef::Empty) {
            return Ok(());
        }
        if col >= self.limits.max_cols {
            return Err(SpreadsheetError::TooManyColumns {
                max: self.limits.max_cols,
            });
        }
        // Columns after 备注 (a 失败原因 column, notes) are not ours to read: not even copied.
        let Some(slot) = usize::try_from(col).ok().filter(|&c| c < HEADER.len()) else {
            return Ok(());
        };
        let excel_row = row.saturating_add(1);
        match &self.current {
            Some(current) if current.row == excel_row => {}
            Some(current) if current.row > excel_row => return Err(SpreadsheetError::CorruptFile),
            _ => {
                self.flush()?;
                self.current = Some(SheetRow {
                    row: excel_row,
                    ..SheetRow::default()
                });
            }
        }
        // Counted before the copy: the same long shared string in cell after cell (or the
        // same cell repeated) must not cost gigabytes or minutes.
        self.text_bytes = self.text_bytes.saturating_add(text_len(value));
        if self.text_bytes > self.limits.max_text_bytes {
            return Err(SpreadsheetError::ContentTooLarge);
        }
        let cell = Cell::from_data(value, is_1904);
        if cell.text.len() > self.limits.max_cell_chars && cell.text.chars().count() > self.limits.max_cell_chars {
            return Err(SpreadsheetError::CellTooLong {
                max: self.limits.max_cell_chars,
            });
        }
        if let Some(current) = self.current.as_mut()
            && !cell.is_blank()
        {
            current.cells[slot] = cell;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SpreadsheetError> {
        let Some(row) = self.current.take() else {
            return Ok(());
        };
        if row.is_blank() {
            return Ok(());
        }
        if !self.header_seen {
            check_header(&row)?;
            self.header_seen = true;
            return Ok(());
        }
        if self.rows >= self.limits.max_rows {
            return Err(SpreadsheetError::TooManyRows {
                max: self.limits.max_rows,
            });
        }
        self.rows += 1;
        (self.on_row)(row);
        Ok(())
    }

    fn finish(mut self) -> Result<(), SpreadsheetError> {
        self.flush()?;
        if self.rows == 0 {
            return Err(SpreadsheetError::NoDataRows);
        }
        Ok(())
    }
}

/// The first non-blank row must be the template's header, whatever else the file says.
fn check_header(row: &SheetRow) -> Result<(), SpreadsheetError> {
    let matches = row
        .cells
        .iter()
        .zip(HEADER)
        .all(|(cell, title)| normalize_token(&cell.text) == title);
    if matches {
        Ok(())
    } else {
        Err(SpreadsheetError::WrongTemplate)
    }
}

#[cfg(test)]
mod tests;
