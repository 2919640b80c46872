//! 失败人员名单下载: the failed rows as the clerk typed them, plus a 失败原因 column, laid
//! out as the template (marker sheet included) so the corrected file imports on its own.
use rust_xlsxwriter::{Color, Format, Workbook};

use super::cell::FORMULA_TRIGGERS;
use super::error::SpreadsheetError;
use super::members::SheetRow;
use super::template::{DATA_SHEET, TEMPLATE_ROWS, add_drop_downs, add_marker_sheet, lay_out_member_sheet, text_format};
use super::validate::RowFailure;

pub const FAILED_ROWS_FILE_NAME: &str = "失败人员名单.xlsx";
pub const REASON_HEADER: &str = "失败原因";

/// Rows in the order given; every cell written as text. Streams rows to a temporary file
/// (constant-memory mode), so 50,000 failures cost little memory.
pub fn failed_rows_xlsx(failures: &[(SheetRow, RowFailure)]) -> Result<Vec<u8>, SpreadsheetError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(DATA_SHEET)?;
    lay_out_member_sheet(sheet, &[(REASON_HEADER, 60.0)])?;
    add_drop_downs(sheet, TEMPLATE_ROWS)?;
    let text = text_format();
    let reason = Format::new().set_font_color(Color::Red);
    for (index, (row, failure)) in failures.iter().enumerate() {
        let excel_row = u32::try_from(index + 1).map_err(|_| SpreadsheetError::Write {
            detail: "too many rows".into(),
        })?;
        for (col, cell) in row.cells.iter().enumerate() {
            if !cell.text.is_empty() {
                sheet.write_string_with_format(excel_row, col as u16, neutralise(&cell.text), &text)?;
            }
        }
        sheet.write_string_with_format(excel_row, row.cells.len() as u16, failure.message(), &reason)?;
    }
    add_marker_sheet(&mut workbook)?;
    Ok(workbook.save_to_buffer()?)
}

/// Text a spreadsheet could run as a formula gets a leading apostrophe (removed on import).
pub(crate) fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_TRIGGERS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_get_an_apostrophe() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+8613800138000"), "'+8613800138000");
        assert_eq!(neutralise("-"), "'-");
        assert_eq!(neutralise("@x"), "'@x");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("张三"), "张三");
    }

    #[test]
    fn reasons_follow_the_template_columns() {
        use std::io::Cursor;

        use calamine::{Data, Reader, Xlsx};

        use crate::spreadsheet::cell::Cell;

        let mut row = SheetRow {
            row: 7,
            ..SheetRow::default()
        };
        row.cells[0] = Cell::text("5");
        row.cells[1] = Cell::text("=张三");
        row.cells[3] = Cell::text("410202198503151000");
        let failure = RowFailure {
            row: 7,
            reasons: vec![
                ("NAME_INVALID", "姓名有误".into()),
                ("ID_CHECKSUM", "校验位不正确".into()),
            ],
        };
        let bytes = failed_rows_xlsx(&[(row, failure)]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let sheets: Vec<String> = book.sheet_names();
        assert_eq!(sheets, [DATA_SHEET, crate::spreadsheet::MARKER_SHEET]);
        let range = book.worksheet_range(DATA_SHEET).unwrap();
        let cells: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(Data::to_string).collect()).collect();
        assert_eq!(cells[0][9], REASON_HEADER);
        assert_eq!(cells[1][..4], ["5", "'=张三", "", "410202198503151000"]);
        assert_eq!(cells[1][9], "姓名有误；校验位不正确");
        assert_eq!(failed_rows_xlsx(&[]).map(|b| b.len() > 1000), Ok(true));
    }
}
