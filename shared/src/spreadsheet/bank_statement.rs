//! 银行对账单: the month's statement as banks export it (xlsx, xls or CSV in UTF-8 or GBK), read
//! into its credit lines — date, payer, amount, remark and the bank's own reference where the
//! bank gives one. Banks name their columns differently; the header row is found by its words.
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Reader, Xls, Xlsx};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cell::{Cell, CellKind, serial_to_date};
use super::guard::{Format, XlsxLimits, inspect};

/// Lines one statement may hold: a province's month of transfers, read and matched in one
/// request well within its time (see `steps::bank_statement`).
pub const MAX_LINES: usize = 3_000;
/// Rows searched for the header (banks put the account and period above it).
const HEADER_SEARCH_ROWS: usize = 30;

/// One credit (收入) line of the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// The row in the file, as the clerk sees it (1-based)
    pub row: u32,
    pub date: NaiveDate,
    /// 对方户名: who paid
    pub payer: String,
    pub amount_fen: u64,
    /// 摘要 / 附言 / 用途: where units write the 批次号
    pub remark: String,
    /// The bank's 流水号 / 凭证号, where the statement has that column
    pub bank_reference: String,
}

/// A statement that could not be read, in words a clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("无法识别对账单格式：请上传银行导出的Excel（.xlsx、.xls）或CSV文件")]
    Format,
    #[error("对账单已损坏或设置了密码，无法读取；请从网银重新导出后再导入")]
    Unreadable,
    #[error("未找到对账单的表头：需要“交易日期”“对方户名”“金额（或贷方金额、收入金额）”等列，请上传网银导出的原始明细")]
    Columns,
    #[error("对账单中没有收入（贷方）记录")]
    NoCredits,
    #[error("对账单超过{max}条收入记录，请按日期分开导出后分批导入")]
    TooManyLines { max: usize },
}

impl StatementError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format => "STATEMENT_FORMAT",
            Self::Unreadable => "STATEMENT_UNREADABLE",
            Self::Columns => "STATEMENT_COLUMNS",
            Self::NoCredits => "STATEMENT_EMPTY",
            Self::TooManyLines { .. } => "STATEMENT_TOO_LONG",
        }
    }
}

/// What the statement held: its credit lines, and the rows below the header that were not
/// lines (a total, a blank, an unreadable date or amount), named for the clerk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    pub lines: Vec<StatementLine>,
    pub skipped: Vec<(u32, &'static str)>,
}

/// Reads a statement file.
pub fn read_statement(bytes: &[u8]) -> Result<Statement, StatementError> {
    let rows = match inspect(bytes, &XlsxLimits::default()) {
        Ok(format) => catch_unwind(AssertUnwindSafe(|| workbook_rows(bytes, format)))
            .unwrap_or(Err(StatementError::Unreadable))?,
        Err(_) if looks_like_text(bytes) => csv_rows(&decode_text(bytes)),
        Err(_) => return Err(StatementError::Format),
    };
    lines_of(&rows)
}

/// The first sheet's rows as cells.
fn workbook_rows(bytes: &[u8], format: Format) -> Result<Vec<Vec<Cell>>, StatementError> {
    fn first_sheet<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(
        mut book: R,
        is_1904: bool,
    ) -> Result<Vec<Vec<Cell>>, StatementError> {
        let range = book
            .worksheet_range_at(0)
            .ok_or(StatementError::Columns)?
            .map_err(|_| StatementError::Unreadable)?;
        Ok(range
            .rows()
            .map(|row| row.iter().map(|value| cell_of(value, is_1904)).collect())
            .collect())
    }
    match format {
        Format::Xlsx => {
            let book = Xlsx::new(Cursor::new(bytes)).map_err(|_| StatementError::Unreadable)?;
            let is_1904 = book.has_1904_epoch();
            first_sheet(book, is_1904)
        }
        Format::Xls => {
            let book = Xls::new(Cursor::new(bytes)).map_err(|_| StatementError::Unreadable)?;
            let is_1904 = book.has_1904_epoch();
            first_sheet(book, is_1904)
        }
        Format::Ods => Err(StatementError::Format),
    }
}

fn cell_of(value: &calamine::Data, is_1904: bool) -> Cell {
    use calamine::{Data, DataRef};
    let data = match value {
        Data::Empty => DataRef::Empty,
        Data::String(s) => DataRef::String(s.clone()),
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(dt) => DataRef::DateTime(*dt),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
    };
    Cell::from_data(&data, is_1904)
}

fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty() && !bytes.iter().take(4096).any(|b| *b == 0)
}

/// UTF-8 (with or without its mark) as it is; anything else is taken as GBK, what Chinese
/// banks' CSV exports and Excel's "CSV" save in.
fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

/// CSV as RFC 4180 (quotes, doubled quotes, commas and newlines inside quotes); banks also
/// put a tab or an `="…"` around numbers to keep Excel from rounding them.
fn csv_rows(text: &str) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let end_field = |field: &mut String, row: &mut Vec<Cell>| {
        let value = field.trim().trim_start_matches('=').trim_matches('"').trim().to_owned();
        row.push(Cell::text(value));
        field.clear();
    };
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.trim().is_empty() || field.trim() == "=" => quoted = true,
            (',', false) => end_field(&mut field, &mut row),
            ('\n', false) => {
                end_field(&mut field, &mut row);
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        end_field(&mut field, &mut row);
        rows.push(row);
    }
    rows
}

/// Where each needed column is.
#[derive(Debug, Default)]
struct Columns {
    date: usize,
    payer: usize,
    /// One amount column (negative for debits), or the 贷方 / 收入 column
    credit: usize,
    remark: Option<usize>,
    reference: Option<usize>,
}

fn header_of(cells: &[Cell]) -> Option<Columns> {
    let names: Vec<String> = cells
        .iter()
        .map(|c| c.text.chars().filter(|ch| !ch.is_whitespace()).collect())
        .collect();
    let find = |words: &[&str], avoid: &[&str]| {
        names
            .iter()
            .position(|n| words.iter().any(|w| n.contains(w)) && !avoid.iter().any(|a| n.contains(a)))
    };
    let date = find(&["交易日期", "记账日期", "入账日期", "交易时间", "日期"], &[])?;
    let payer = find(
        &[
            "对方户名",
            "对方账户名称",
            "对方名称",
            "付款人名称",
            "付款人",
            "付款方",
            "汇款人",
            "对方单位",
        ],
        &["账号", "开户行", "银行"],
    )?;
    let credit = find(&["贷方金额", "贷方发生额", "收入金额", "收入"], &[])
        .or_else(|| find(&["交易金额", "发生额", "金额"], &["余额", "借方", "支出"]))?;
    Some(Columns {
        date,
        payer,
        credit,
        remark: find(&["摘要", "附言", "用途", "备注", "附加信息"], &[]),
        reference: find(&["流水号", "凭证号", "交易参考号", "业务编号"], &[]),
    })
}

fn lines_of(rows: &[Vec<Cell>]) -> Result<Statement, StatementError> {
    let (header_at, columns) = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find_map(|(i, cells)| header_of(cells).map(|c| (i, c)))
        .ok_or(StatementError::Columns)?;
    let mut statement = Statement::default();
    for (index, cells) in rows.iter().enumerate().skip(header_at + 1) {
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let text = |col: usize| cells.get(col).map(|c| c.text.trim().to_owned()).unwrap_or_default();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        let Some(amount) = cells.get(columns.credit).and_then(amount_fen) else {
            statement.skipped.push((row, "金额无法识别"));
            continue;
        };
        if amount <= 0 {
            continue; // a debit (支出) or an empty credit column: not a payment received
        }
        let Some(date) = cells.get(columns.date).and_then(date_of) else {
            statement.skipped.push((row, "日期无法识别（如合计行）"));
            continue;
        };
        let payer = text(columns.payer);
        if payer.is_empty() {
            statement.skipped.push((row, "对方户名为空"));
            continue;
        }
        if statement.lines.len() == MAX_LINES {
            return Err(StatementError::TooManyLines { max: MAX_LINES });
        }
        statement.lines.push(StatementLine {
            row,
            date,
            payer,
            amount_fen: u64::try_from(amount).unwrap_or(0),
            remark: columns.remark.map(text).unwrap_or_default(),
            bank_reference: columns.reference.map(text).unwrap_or_default(),
        });
    }
    if statement.lines.is_empty() {
        return Err(StatementError::NoCredits);
    }
    Ok(statement)
}

/// An amount in fen: a number cell, or text such as "8,000.00", "¥8000", "+8000.00 元".
fn amount_fen(cell: &Cell) -> Option<i64> {
    let yuan = match cell.kind {
        CellKind::Int(i) => return i.checked_mul(100),
        CellKind::Float(f) => f,
        CellKind::Text => {
            let cleaned: String = cell
                .text
                .chars()
                .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | '元' | '+' | ' ' | '\u{3000}'))
                .collect();
            if cleaned.is_empty() {
                return Some(0);
            }
            cleaned.parse::<f64>().ok()?
        }
        CellKind::Empty => return Some(0),
        _ => return None,
    };
    let fen = (yuan * 100.0).round();
    (fen.is_finite() && fen.abs() < 1e15).then_some(fen as i64)
}

/// A date: a date cell, or text 2026-03-05, 2026/3/5, 20260305, 2026年3月5日 (a time after it
/// is ignored).
fn date_of(cell: &Cell) -> Option<NaiveDate> {
    if let CellKind::DateSerial(serial) | CellKind::Float(serial) = cell.kind {
        return serial_to_date(serial);
    }
    let text = cell.text.trim();
    let day = text.split([' ', 'T']).next().unwrap_or(text);
    let day = day.replace(['年', '月', '/', '.'], "-").replace('日', "");
    NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&day, "%Y%m%d"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_gbk_csv_with_the_account_above_its_header_reads_its_credits_only() {
        let text = "账号:41050100000000000001,,,,,\n\
                    交易日期,交易时间,对方户名,借方金额,贷方金额,余额,摘要,交易流水号\n\
                    2026-03-05,10:01:02,漯河市郾城区应急管理局工会委员会,,\"8,000.00\",18000.00,S202603051000000001 会费,HX001\n\
                    2026/03/06,11:00:00,某某公司,500.00,,17500.00,手续费,HX002\n\
                    20260307,09:00:00,开封市龙亭区人民医院,,\"￥12,345.67\",29845.67,会费,HX003\n\
                    合计,,,500.00,20345.67,,,\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let statement = read_statement(&bytes).expect("read");
        assert_eq!(statement.lines.len(), 2, "{statement:?}");
        let first = &statement.lines[0];
        assert_eq!(first.row, 3);
        assert_eq!(first.date, day(2026, 3, 5));
        assert_eq!(first.payer, "漯河市郾城区应急管理局工会委员会");
        assert_eq!(first.amount_fen, 800_000);
        assert_eq!(first.remark, "S202603051000000001 会费");
        assert_eq!(first.bank_reference, "HX001");
        assert_eq!(statement.lines[1].amount_fen, 1_234_567);
        assert_eq!(statement.lines[1].date, day(2026, 3, 7));
        assert_eq!(statement.skipped, vec![(6, "日期无法识别（如合计行）")]);
    }

    #[test]
    fn one_signed_amount_column_in_utf8_with_a_mark() {
        let text = "\u{FEFF}日期,付款人名称,交易金额,附言\r\n2026年3月5日,甲单位,8000,批次S202603051000000001\r\n2026年3月6日,乙单位,-100,退款\r\n";
        let statement = read_statement(text.as_bytes()).expect("read");
        assert_eq!(statement.lines.len(), 1);
        assert_eq!(statement.lines[0].payer, "甲单位");
        assert_eq!(statement.lines[0].amount_fen, 800_000);
        assert_eq!(statement.lines[0].bank_reference, "");
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        assert_eq!(read_statement(b"a,b,c\n1,2,3\n"), Err(StatementError::Columns));
        assert_eq!(
            read_statement("交易日期,对方户名,贷方金额\n2026-03-05,甲,\n".as_bytes()),
            Err(StatementError::NoCredits)
        );
        assert_eq!(read_statement(b"%PDF-1.7\x00\x01"), Err(StatementError::Format));
        let mut many = String::from("交易日期,对方户名,贷方金额\n");
        for _ in 0..=MAX_LINES {
            many.push_str("2026-03-05,甲,1.00\n");
        }
        assert_eq!(
            read_statement(many.as_bytes()),
            Err(StatementError::TooManyLines { max: MAX_LINES })
        );
    }

    #[cfg(feature = "test-support")]
    #[test]
    fn an_xlsx_statement_reads_date_cells_and_number_amounts() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for (col, name) in ["记账日期", "对方户名", "贷方发生额", "用途"].iter().enumerate() {
            sheet.write_string(1, col as u16, *name).expect("header");
        }
        sheet.write_string(0, 0, "中国工商银行 对公账户明细").expect("title");
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 3, 5).expect("date");
        sheet
            .write_datetime_with_format(2, 0, &date, &date_format)
            .expect("date");
        sheet.write_string(2, 1, "甲单位").expect("payer");
        sheet.write_number(2, 2, 8000.5).expect("amount");
        sheet.write_string(2, 3, "会费").expect("remark");
        let bytes = book.save_to_buffer().expect("save");
        let statement = read_statement(&bytes).expect("read");
        assert_eq!(
            statement.lines,
            vec![StatementLine {
                row: 3,
                date: day(2026, 3, 5),
                payer: "甲单位".into(),
                amount_fen: 800_050,
                remark: "会费".into(),
                bank_reference: String::new(),
            }]
        );
    }
}
