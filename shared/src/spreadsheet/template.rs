//! 参保人信息模板-通用.xlsx, the file units download, fill in and import; and the layout the
//! failed-rows file shares with it so a corrected file imports the same way.
use rust_xlsxwriter::{Color, DataValidation, Format, FormatBorder, Workbook, Worksheet};

use super::error::SpreadsheetError;
use crate::domain::{IdType, Occupation};

/// The name the download is offered under.
pub const TEMPLATE_FILE_NAME: &str = "参保人信息模板-通用.xlsx";
/// The sheet the import reads (else the first visible sheet).
pub const DATA_SHEET: &str = "参保人员";
/// Hidden sheet whose A1 names the template version.
pub const MARKER_SHEET: &str = "_template";
pub const TEMPLATE_VERSION: &str = "CWMIA-HN-MEMBERS-V1";
/// Row 1 of [`DATA_SHEET`], exactly.
pub const HEADER: [&str; 9] = [
    "序号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "手机号码",
    "职业类别",
    "备注",
];
/// Rows the template prepares (text format, drop-downs): the most one import accepts.
pub const TEMPLATE_ROWS: u32 = 50_000;

pub(crate) const COL_NAME: usize = 1;
pub(crate) const COL_ID_TYPE: usize = 2;
pub(crate) const COL_ID: usize = 3;
pub(crate) const COL_GENDER: usize = 4;
pub(crate) const COL_BIRTH_DATE: usize = 5;
pub(crate) const COL_MOBILE: usize = 6;
pub(crate) const COL_OCCUPATION: usize = 7;
pub(crate) const COL_REMARK: usize = 8;

const WIDTHS: [f64; 9] = [6.0, 12.0, 20.0, 22.0, 6.0, 12.0, 14.0, 10.0, 24.0];

const INSTRUCTIONS: &[&str] = &[
    "《参保人信息模板-通用》填写说明",
    "",
    "1. 请在“参保人员”工作表中填写，每行一名参保人；不要修改、删除或移动第一行的表头，不要增删列。",
    "2. 证件号码、手机号码、出生日期三列已设为“文本”格式，请直接输入完整号码。若从其他表格粘贴，请使用“选择性粘贴—数值”或“匹配目标格式”；若号码显示为 4.10202E+17 之类的科学计数法，说明已被存成数字，后几位已经丢失，需要重新输入。",
    "3. 姓名：必填，可包含汉字、字母、间隔号“·”和空格，最多50个字。",
    "4. 证件类型：在下拉列表中选择（居民身份证、港澳居民居住证、台湾居民居住证、外国人永久居留身份证、护照）；不填视为居民身份证。",
    "5. 证件号码：必填。居民身份证为18位（最后一位可以是X）；15位旧号码会自动升级为18位。",
    "6. 性别、出生日期：居民身份证及居住证、永久居留身份证可不填，系统按证件号码识别；如填写，须与证件号码一致。证件类型为护照时，这两项必填。",
    "7. 出生日期格式：yyyy-mm-dd，例如 1985-03-15。",
    "8. 手机号码：选填，11位数字。",
    "9. 职业类别：在下拉列表中选择“一般职业”或“高危职业”；不填视为一般职业。",
    "10. 备注：选填，最多200个字。",
    "11. 同一证件号码在一次参保申请中只能出现一次。",
    "12. 每个文件最多50000名参保人员，文件不超过5MB；人数更多时请分多个文件导入。",
    "13. 导入后如有失败人员，可下载“失败人员名单”，按“失败原因”列修改后，仅导入修改后的名单即可（成功人员无需再次导入）。",
];

/// The template a unit downloads: header, text-formatted ID/date/phone columns, drop-downs,
/// instructions, and the hidden version marker the import checks.
pub fn member_template() -> Result<Vec<u8>, SpreadsheetError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    lay_out_member_sheet(sheet, &[])?;
    let data_rows = TEMPLATE_ROWS;
    add_drop_downs(sheet, data_rows)?;
    let id_hint = DataValidation::new()
        .allow_any_value()
        .set_input_title("证件号码")?
        .set_input_message("请输入完整证件号码（本列为文本格式）。")?;
    sheet.add_data_validation(1, COL_ID as u16, data_rows, COL_ID as u16, &id_hint)?;

    let help = workbook.add_worksheet();
    help.set_name("填写说明")?;
    help.set_column_width(0, 110)?;
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    for (row, line) in INSTRUCTIONS.iter().enumerate() {
        let format = if row == 0 { &title } else { &wrap };
        help.write_string_with_format(row as u32, 0, *line, format)?;
    }

    add_marker_sheet(&mut workbook)?;
    Ok(workbook.save_to_buffer()?)
}

/// Header row (plus `extra` columns after 备注), widths, text formats, frozen header.
pub(crate) fn lay_out_member_sheet(sheet: &mut Worksheet, extra: &[(&str, f64)]) -> Result<(), SpreadsheetError> {
    let text = text_format();
    for col in [COL_ID, COL_BIRTH_DATE, COL_MOBILE] {
        sheet.set_column_format(col as u16, &text)?;
    }
    let header = header_format();
    let headings = HEADER.into_iter().zip(WIDTHS).chain(extra.iter().copied());
    for (col, (title, width)) in headings.enumerate() {
        sheet.set_column_width(col as u16, width)?;
        sheet.write_string_with_format(0, col as u16, title, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Drop-down lists for 证件类型, 性别 and 职业类别 on data rows 2..=`rows`+1.
pub(crate) fn add_drop_downs(sheet: &mut Worksheet, rows: u32) -> Result<(), SpreadsheetError> {
    let lists: [(usize, &str, Vec<&str>); 3] = [
        (COL_ID_TYPE, "证件类型", IdType::ALL.iter().map(|t| t.label()).collect()),
        (COL_GENDER, "性别", vec!["男", "女"]),
        (
            COL_OCCUPATION,
            "职业类别",
            Occupation::ALL.iter().map(|o| o.label()).collect(),
        ),
    ];
    for (col, title, items) in lists {
        let validation = DataValidation::new()
            .allow_list_strings(&items)?
            .set_error_title(title)?
            .set_error_message(format!("请从下拉列表中选择：{}", items.join("、")))?;
        sheet.add_data_validation(1, col as u16, rows.max(1), col as u16, &validation)?;
    }
    Ok(())
}

pub(crate) fn add_marker_sheet(workbook: &mut Workbook) -> Result<(), SpreadsheetError> {
    let marker = workbook.add_worksheet();
    marker.set_name(MARKER_SHEET)?;
    marker.write_string(0, 0, TEMPLATE_VERSION)?;
    marker.set_hidden(true);
    Ok(())
}

/// Excel's built-in Text format (numFmtId 49, shown as “@”): what it types stays text.
pub(crate) fn text_format() -> Format {
    Format::new().set_num_format_index(49)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn template_has_header_text_columns_drop_downs_and_marker() {
        let bytes = member_template().unwrap();
        assert!(bytes.len() < 50_000, "{}", bytes.len());
        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(workbook.contains(r#"name="参保人员""#));
        assert!(workbook.contains(r#"name="填写说明""#));
        assert!(
            workbook.contains(r#"name="_template" sheetId="3" state="hidden""#),
            "{workbook}"
        );
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains(r#"sqref="C2:C50001""#), "{sheet}");
        assert!(sheet.contains("居民身份证,港澳居民居住证,台湾居民居住证,外国人永久居留身份证,护照"));
        assert!(sheet.contains(r#"sqref="E2:E50001""#));
        assert!(sheet.contains(r#"sqref="H2:H50001""#));
        assert!(sheet.contains("一般职业,高危职业"));
        // Text format (numFmtId 49, style 1) on the whole of 证件号码, 出生日期, 手机号码.
        let styles = part(&bytes, "xl/styles.xml");
        assert!(
            styles.contains(r#"<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#),
            "{styles}"
        );
        for col in [4, 6, 7] {
            assert!(
                sheet.contains(&format!(r#"<col min="{col}" max="{col}" width="#)),
                "{col}"
            );
        }
        assert_eq!(sheet.matches(r#"style="1""#).count(), 3);
        let strings = part(&bytes, "xl/sharedStrings.xml");
        for title in HEADER {
            assert!(strings.contains(title), "{title}");
        }
        assert!(strings.contains(TEMPLATE_VERSION));
        assert!(strings.contains("yyyy-mm-dd"));
        assert!(strings.contains("50000"));
    }
}
