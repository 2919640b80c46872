//! The `.ods` guard: an OpenDocument spreadsheet is a zip (already checked entry by entry)
//! whose `content.xml` holds every sheet.
//!
//! calamine (0.38) parses all of `content.xml` when it opens the file, copying a cell
//! `table:number-columns-repeated` times (up to 16,384) and a row `table:number-rows-repeated`
//! times, and expands `<text:s text:c="…"/>` into that many spaces, checking its own cap of
//! 100 million cells only after the copies are made. So `content.xml` is inflated through a
//! hard cap and walked as calamine walks it, adding up the cells and the text it will hold.
use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{SpreadsheetError, XlsxLimits};

/// calamine's own caps on a sheet's rows and columns.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

const CORRUPT: SpreadsheetError = SpreadsheetError::CorruptFile;

/// Checks `content.xml` (`entry`, at most `limits.max_entry_uncompressed` bytes inflated).
pub(super) fn scan_content(entry: impl Read, limits: &XlsxLimits) -> Result<(), SpreadsheetError> {
    let cap = limits.max_entry_uncompressed;
    let mut xml = Vec::new();
    entry
        .take(cap.saturating_add(1))
        .read_to_end(&mut xml)
        .map_err(|_| CORRUPT)?;
    if xml.len() as u64 > cap {
        return Err(SpreadsheetError::ContentTooLarge);
    }
    let mut reader = Reader::from_reader(xml.as_slice());
    reader.config_mut().expand_empty_elements = true;
    let mut total = Cost::default();
    loop {
        match reader.read_event().map_err(|_| CORRUPT)? {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                let table = table_cost(&mut reader)?;
                total.cells = total.cells.saturating_add(table.cells);
                total.text = total.text.saturating_add(table.text);
                if total.cells > limits.max_cells || total.text > limits.max_text_bytes as u64 {
                    return Err(SpreadsheetError::ContentTooLarge);
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Cost {
    cells: u64,
    text: u64,
}

fn repeats(e: &BytesStart<'_>, name: &str) -> Result<u64, SpreadsheetError> {
    match e.try_get_attribute(name).map_err(|_| CORRUPT)? {
        Some(attr) => attr.value.trim().parse::<u64>().map_err(|_| CORRUPT),
        None => Ok(1),
    }
}

/// One `<table:table>`: the cells calamine copies while reading (values and formulas, side
/// by side), then the dense grid it builds from the first to the last non-empty row.
fn table_cost(reader: &mut Reader<&[u8]>) -> Result<Cost, SpreadsheetError> {
    let mut cost = Cost::default();
    let mut rows: u64 = 0;
    // Rows (with their repeats) before the first non-empty one, and through the last.
    let mut before_first: Option<u64> = None;
    let mut through_last: u64 = 0;
    let mut widest: u64 = 0;
    let mut any_formula = false;
    loop {
        match reader.read_event().map_err(|_| CORRUPT)? {
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                let repeat = repeats(&e, "table:number-rows-repeated")?.min(MAX_ROWS.saturating_sub(rows));
                let row = row_cost(reader)?;
                if row.cells > 0 {
                    before_first.get_or_insert(rows);
                    through_last = rows + repeat;
                    widest = widest.max(row.cells);
                }
                any_formula |= row.formula;
                rows += repeat;
                cost.cells = cost.cells.saturating_add(2 * row.cells);
                cost.text = cost
                    .text
                    .saturating_add(row.text.saturating_mul(repeat.saturating_add(1)));
            }
            Event::End(e) if e.name().as_ref() == "table:table" => break,
            Event::Eof => return Err(CORRUPT),
            _ => {}
        }
    }
    if let Some(first) = before_first {
        let grid = (through_last - first).saturating_mul(widest);
        cost.cells = cost.cells.saturating_add(if any_formula { 2 * grid } else { grid });
    }
    Ok(cost)
}

#[derive(Default)]
struct RowCost {
    /// Cells calamine pushes for the row: up to and including its last non-empty cell.
    cells: u64,
    text: u64,
    formula: bool,
}

fn row_cost(reader: &mut Reader<&[u8]>) -> Result<RowCost, SpreadsheetError> {
    let mut row = RowCost::default();
    let mut pending_empty: u64 = 0;
    loop {
        match reader.read_event().map_err(|_| CORRUPT)? {
            Event::Start(e) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => {
                let repeat = repeats(&e, "table:number-columns-repeated")?;
                let cell = cell_value(reader, &e)?;
                let room = MAX_COLUMNS.saturating_sub(row.cells);
                if cell.filled {
                    row.cells += pending_empty.min(room);
                    pending_empty = 0;
                    let repeat = repeat.min(MAX_COLUMNS.saturating_sub(row.cells));
                    row.cells += repeat;
                    row.text = row.text.saturating_add(cell.text.saturating_mul(repeat));
                    row.formula |= cell.formula;
                } else {
                    pending_empty = repeat.min(room);
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => return Ok(row),
            Event::Eof => return Err(CORRUPT),
            _ => {}
        }
    }
}

struct CellValue {
    filled: bool,
    formula: bool,
    text: u64,
}

/// Reads one cell to its end tag, as calamine's `get_datatype` decides what it holds.
fn cell_value(reader: &mut Reader<&[u8]>, e: &BytesStart<'_>) -> Result<CellValue, SpreadsheetError> {
    let mut cell = CellValue {
        filled: false,
        formula: false,
        text: 0,
    };
    let (mut value_set, mut is_string) = (false, false);
    for attr in e.attributes() {
        let attr = attr.map_err(|_| CORRUPT)?;
        match attr.key.as_ref() {
            "office:value" | "office:boolean-value" => value_set = true,
            "office:string-value" | "office:date-value" | "office:time-value" => {
                value_set = true;
                cell.text = cell.text.saturating_add(attr.value.len() as u64);
            }
            "office:value-type" => is_string |= attr.value.as_ref() == "string",
            "table:formula" => {
                cell.formula = true;
                cell.text = cell.text.saturating_add(attr.value.len() as u64);
            }
            _ => {}
        }
    }
    // The content is the value only for a string without `office:string-value`; either
    // way, calamine reads to the cell's end tag.
    let string_in_content = is_string && !value_set;
    cell.filled = value_set || cell.formula || string_in_content;
    let name = e.name().as_ref().to_owned();
    let mut depth = 0usize;
    loop {
        match reader.read_event().map_err(|_| CORRUPT)? {
            Event::Start(inner) => {
                depth += 1;
                if string_in_content {
                    cell.text = cell.text.saturating_add(match inner.name().as_ref() {
                        // `<text:s text:c="n"/>`: n spaces.
                        "text:s" => repeats(&inner, "text:c")?,
                        _ => 1,
                    });
                }
            }
            Event::End(end) if depth == 0 && end.name().as_ref() == name => return Ok(cell),
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) if string_in_content => cell.text = cell.text.saturating_add(t.len() as u64),
            Event::GeneralRef(_) if string_in_content => cell.text = cell.text.saturating_add(4),
            Event::Eof => return Err(CORRUPT),
            _ => {}
        }
    }
}
