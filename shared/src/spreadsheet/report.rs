//! Reports for the office (业务查询结果, 未续保单位, 首页统计): sheets of a header and rows,
//! texts as text (a 申请书号 never turns into a number), amounts in 元 with two decimals.
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use super::error::SpreadsheetError;
use super::failed_rows::neutralise;
use super::template::text_format;

/// One cell of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportCell {
    Text(String),
    Count(i64),
    /// An amount in fen, shown in 元
    Fen(i64),
    /// A ratio shown as a percentage (参保率)
    Percent(f64),
}

/// One sheet: its name, its column titles and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSheet {
    pub name: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<ReportCell>>,
}

/// The workbook of `sheets`, each streamed (constant-memory mode): any number of rows.
pub fn report_xlsx(sheets: &[ReportSheet]) -> Result<Vec<u8>, SpreadsheetError> {
    let mut workbook = Workbook::new();
    let header_format = Format::new().set_bold().set_border(FormatBorder::Thin);
    let text = text_format();
    let yuan = Format::new().set_num_format("#,##0.00");
    let percent = Format::new().set_num_format("0.00%");
    for sheet in sheets {
        let out = workbook.add_worksheet_with_constant_memory()?;
        out.set_name(&sheet.name)?;
        for (col, title) in sheet.header.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| too_large())?;
            out.set_column_width(col, (title.chars().count() as f64 * 2.2).max(10.0))?;
            out.write_string_with_format(0, col, *title, &header_format)?;
        }
        out.set_freeze_panes(1, 0)?;
        for (index, cells) in sheet.rows.iter().enumerate() {
            let row = u32::try_from(index + 1).map_err(|_| too_large())?;
            for (col, cell) in cells.iter().enumerate() {
                let col = u16::try_from(col).map_err(|_| too_large())?;
                match cell {
                    ReportCell::Text(value) => {
                        out.write_string_with_format(row, col, neutralise(value), &text)?;
                    }
                    ReportCell::Count(value) => {
                        out.write_number(row, col, *value as f64)?;
                    }
                    ReportCell::Fen(fen) => {
                        out.write_number_with_format(row, col, *fen as f64 / 100.0, &yuan)?;
                    }
                    ReportCell::Percent(ratio) => {
                        out.write_number_with_format(row, col, *ratio, &percent)?;
                    }
                }
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

fn too_large() -> SpreadsheetError {
    SpreadsheetError::Write {
        detail: "too many rows or columns".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;

    #[test]
    fn texts_stay_text_and_amounts_are_yuan() {
        let sheet = ReportSheet {
            name: "业务查询结果".into(),
            header: vec!["申请书号", "单位名称", "人数", "应交保费（元）", "参保率"],
            rows: vec![vec![
                ReportCell::Text("0012026".into()),
                ReportCell::Text("=HYPERLINK(\"x\")".into()),
                ReportCell::Count(3),
                ReportCell::Fen(12_345),
                ReportCell::Percent(0.5),
            ]],
        };
        let bytes = report_xlsx(&[sheet]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("业务查询结果").unwrap();
        let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(header, ["申请书号", "单位名称", "人数", "应交保费（元）", "参保率"]);
        let row: Vec<&Data> = range.rows().nth(1).unwrap().iter().collect();
        assert_eq!(row[0], &Data::String("0012026".into()));
        assert_eq!(row[1], &Data::String("'=HYPERLINK(\"x\")".into()));
        assert_eq!(row[2], &Data::Float(3.0));
        assert_eq!(row[3], &Data::Float(123.45));
        assert_eq!(row[4], &Data::Float(0.5));
    }
}
