//! 参保人员名单下载: the application's members with whole ID numbers, every cell as text.
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use super::cell::iso;
use super::error::SpreadsheetError;
use super::failed_rows::neutralise;
use super::template::text_format;
use crate::domain::Occupation;
use crate::domain::{Gender, Mobile, PersonId};

pub const EXPORT_FILE_NAME: &str = "参保人员名单.xlsx";
pub const EXPORT_HEADER: [&str; 10] = [
    "序号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "年龄",
    "手机号码",
    "职业类别",
    "导入批次",
];
const WIDTHS: [f64; 10] = [8.0, 12.0, 20.0, 22.0, 6.0, 12.0, 6.0, 14.0, 10.0, 16.0];

/// One line of the list; `age` as of the date the caller chose (e.g. the effective date).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportMember {
    pub name: String,
    pub id: PersonId,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub age: u32,
    pub mobile: Option<Mobile>,
    pub occupation: Occupation,
    /// 导入批次, as the batch list shows it.
    pub batch: String,
}

/// Streams rows to a temporary file (constant-memory mode): any number of members.
pub fn members_xlsx(rows: impl Iterator<Item = ExportMember>) -> Result<Vec<u8>, SpreadsheetError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("参保人员名单")?;
    let header = Format::new().set_bold().set_border(FormatBorder::Thin);
    let text = text_format();
    for (col, (title, width)) in EXPORT_HEADER.iter().zip(WIDTHS).enumerate() {
        sheet.set_column_width(col as u16, width)?;
        sheet.write_string_with_format(0, col as u16, *title, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (index, member) in rows.enumerate() {
        let row = u32::try_from(index + 1).map_err(|_| SpreadsheetError::Write {
            detail: "too many rows".into(),
        })?;
        sheet.write_number(row, 0, (index + 1) as f64)?;
        let texts = [
            (1, neutralise(&member.name).into_owned()),
            (2, member.id.id_type().label().to_owned()),
            (3, member.id.as_str().to_owned()),
            (4, member.gender.label().to_owned()),
            (5, iso(member.birth_date)),
            (
                7,
                member
                    .mobile
                    .as_ref()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            (8, member.occupation.label().to_owned()),
            (9, neutralise(&member.batch).into_owned()),
        ];
        for (col, value) in texts {
            sheet.write_string_with_format(row, col, value, &text)?;
        }
        sheet.write_number(row, 6, f64::from(member.age))?;
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::domain::IdType;
    use crate::spreadsheet::test_support::id;

    #[test]
    fn whole_ids_as_text_and_numbers_where_they_are_numbers() {
        let number = id("41020219850315123");
        let member = |name: &str, batch: &str| ExportMember {
            name: name.into(),
            id: PersonId::parse(IdType::ResidentIdCard, &number).unwrap(),
            gender: Gender::Male,
            birth_date: NaiveDate::from_ymd_opt(1985, 3, 15).unwrap(),
            age: 39,
            mobile: Mobile::parse("13800138000").ok(),
            occupation: Occupation::HighRisk,
            batch: batch.into(),
        };
        let bytes = members_xlsx([member("张三", "第1批"), member("李四", "=1+1")].into_iter()).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("参保人员名单").unwrap();
        let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(header, EXPORT_HEADER);
        let row: Vec<&Data> = range.rows().nth(1).unwrap().iter().collect();
        assert_eq!(row[0], &Data::Float(1.0));
        assert_eq!(row[3], &Data::String(number.clone()));
        assert_eq!(row[5], &Data::String("1985-03-15".into()));
        assert_eq!(row[6], &Data::Float(39.0));
        assert_eq!(row[7], &Data::String("13800138000".into()));
        assert_eq!(row[8], &Data::String("高危职业".into()));
        let second: Vec<&Data> = range.rows().nth(2).unwrap().iter().collect();
        assert_eq!(second[9], &Data::String("'=1+1".into()));
    }

    #[test]
    fn an_empty_list_is_a_header() {
        let bytes = members_xlsx(std::iter::empty()).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.worksheet_range("参保人员名单").unwrap().height(), 1);
    }
}
