use chrono::NaiveDate;

use super::*;
use crate::domain::Gender;
use crate::domain::Occupation;
use crate::spreadsheet::cell::CellKind;
use crate::spreadsheet::failed_rows::failed_rows_xlsx;
use crate::spreadsheet::template::member_template;
use crate::spreadsheet::test_support::{In, id, row, sheet_file, workbook};

fn ctx() -> ImportContext {
    ImportContext::new(NaiveDate::from_ymd_opt(2025, 2, 18).unwrap())
}

fn import(bytes: &[u8]) -> Result<ImportOutcome, SpreadsheetError> {
    import_members(bytes, &XlsxLimits::default(), &mut ctx())
}

fn reasons_of(outcome: &ImportOutcome, excel_row: u32) -> Vec<&'static str> {
    outcome
        .failures
        .iter()
        .find(|(r, _)| r.row == excel_row)
        .map(|(_, f)| f.codes().collect())
        .unwrap_or_default()
}

#[test]
fn the_downloaded_template_imports_as_no_data() {
    let template = member_template().unwrap();
    assert_eq!(import(&template).unwrap_err(), SpreadsheetError::NoDataRows);
    assert_eq!(SpreadsheetError::NoDataRows.to_string(), "表格中没有人员数据");
}

#[test]
fn an_empty_sheet_has_no_data() {
    let empty = sheet_file(DATA_SHEET, &[], None);
    assert_eq!(import(&empty).unwrap_err().code(), "NO_DATA_ROWS");
    let header_only = workbook(&[], true);
    assert_eq!(import(&header_only).unwrap_err().code(), "NO_DATA_ROWS");
    let header_and_blank_rows = workbook(&[None, Some(vec![In::Text("  "), In::Text("\t")]), None], true);
    assert_eq!(import(&header_and_blank_rows).unwrap_err().code(), "NO_DATA_ROWS");
}

#[test]
fn another_header_or_version_is_the_wrong_template() {
    let ids = id("41020219850315123");
    let data = Some(row("1", "张三", &ids));
    let other_header = sheet_file(
        DATA_SHEET,
        &[
            Some(vec![In::Text("序号"), In::Text("姓名"), In::Text("身份证号")]),
            data.clone(),
        ],
        None,
    );
    let err = import(&other_header).unwrap_err();
    assert_eq!(err.code(), "WRONG_TEMPLATE");
    assert_eq!(
        err.to_string(),
        "文件不是《参保人信息模板-通用》，请先下载最新模板再填写"
    );

    let header: Vec<In<'_>> = HEADER.iter().map(|h| In::Text(h)).collect();
    let old_version = sheet_file(
        DATA_SHEET,
        &[Some(header.clone()), data.clone()],
        Some("CWMIA-HN-MEMBERS-V0"),
    );
    assert_eq!(import(&old_version).unwrap_err().code(), "WRONG_TEMPLATE");

    // Copied into a fresh workbook: no marker, but the exact header. Accepted.
    let pasted = sheet_file("Sheet1", &[Some(header.clone()), data.clone()], None);
    assert_eq!(import(&pasted).unwrap().members.len(), 1);

    // A title row above the header is not the template's layout.
    let titled = sheet_file(
        DATA_SHEET,
        &[Some(vec![In::Text("参保人员名单")]), Some(header), data],
        None,
    );
    assert_eq!(import(&titled).unwrap_err().code(), "WRONG_TEMPLATE");
}

#[test]
fn header_cells_may_carry_stray_spaces_and_full_width_forms() {
    let ids = id("41020219850315123");
    let mut header: Vec<In<'_>> = HEADER.iter().map(|h| In::Text(h)).collect();
    header[1] = In::Text(" 姓 名 ");
    let file = sheet_file(DATA_SHEET, &[Some(header), Some(row("1", "张三", &ids))], None);
    assert_eq!(import(&file).unwrap().members.len(), 1);
}

#[test]
fn the_data_sheet_is_found_by_name_or_else_the_first_visible_one() {
    let ids = id("41020219850315123");
    let header: Vec<In<'_>> = HEADER.iter().map(|h| In::Text(h)).collect();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "随便写点什么").unwrap();
    let data = wb.add_worksheet();
    data.set_name(DATA_SHEET).unwrap();
    for (c, h) in HEADER.iter().enumerate() {
        data.write_string(0, c as u16, *h).unwrap();
    }
    data.write_string(1, 1, "张三").unwrap();
    data.write_string(1, 3, &ids).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert_eq!(import(&bytes).unwrap().members.len(), 1);

    let mut wb = rust_xlsxwriter::Workbook::new();
    let hidden = wb.add_worksheet();
    hidden.set_name("旧数据").unwrap();
    hidden.write_string(0, 0, "x").unwrap();
    hidden.set_hidden(true);
    let first_visible = wb.add_worksheet();
    first_visible.set_name("Sheet2").unwrap();
    for (c, h) in header.iter().enumerate() {
        if let In::Text(h) = h {
            first_visible.write_string(0, c as u16, *h).unwrap();
        }
    }
    first_visible.write_string(1, 1, "张三").unwrap();
    first_visible.write_string(1, 3, &ids).unwrap();
    first_visible.set_active(true);
    let bytes = wb.save_to_buffer().unwrap();
    assert_eq!(import(&bytes).unwrap().members.len(), 1);
}

#[test]
fn rows_in_every_shape_clerks_produce() {
    let valid = id("41020219850315123");
    let mut lower_x_body = 0;
    let lower_x = loop {
        let candidate = id(&format!("410202198503151{lower_x_body:02}"));
        if candidate.ends_with('X') {
            break candidate.to_lowercase();
        }
        lower_x_body += 1;
    };
    let full_width: String = id("11010519491231002")
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    let spaced = id("44030419900101001");
    let spaced = format!(" {} \t{} ", &spaced[..6], &spaced[6..]);
    let fifteen = "110105491231011";
    let feb30 = id("41020219850230123");
    let mismatch = id("32010219850316001");
    let dup = id("41020219700101002");
    let with_serial = id("32010219850315001");
    let rows = vec![
        Some(row("1", "张三", &valid)), // row 2
        Some(vec![
            In::Number(1.0),
            In::Text("李四"),
            In::Blank,
            In::Number(410202198503151238.0),
        ]), // row 3
        Some(row("3", "王五", &full_width)), // row 4
        Some(row("4", "赵六", &spaced)), // row 5
        None,                           // row 6
        Some(row("5", "孙七", &lower_x)), // row 7
        Some(row("6", "周八", fifteen)), // row 8
        Some(row("7", "吴九", &feb30)), // row 9
        None,                           // row 10
        None,                           // row 11
        Some(row("8", "郑十", &dup)),   // row 12
        Some(row("9", "郑十一", &dup)), // row 13
        Some(vec![In::Text("10"), In::Blank, In::Blank, In::Text(&valid)]), // row 14
        Some(vec![In::Text("11"), In::Text("钱二")]), // row 15
        Some(vec![
            In::Text("12"),
            In::Text("冯三"),
            In::Blank,
            In::Text(&with_serial),
            In::Text("男"),
            In::Date(31121.0),
            In::Number(13800138000.0),
            In::Text("高危职业"),
        ]), // row 16
        Some(vec![
            In::Text("13"),
            In::Text("陈四"),
            In::Text("居民身份证"),
            In::Text(&mismatch),
            In::Text("男"),
            In::Date(31121.0),
        ]), // row 17
    ];
    let file = workbook(&rows, true);
    let outcome = import(&file).unwrap();
    assert_eq!(outcome.total, 13);
    assert_eq!(outcome.members.len() + outcome.failures.len(), outcome.total);

    let member = |excel_row: u32| outcome.members.iter().find(|m| m.row == excel_row);
    let m = member(2).expect("row 2 valid");
    assert_eq!((m.name.as_str(), m.id.as_str()), ("张三", valid.as_str()));
    assert_eq!(m.gender, Gender::Male);
    assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1985, 3, 15).unwrap());

    // An ID stored as a number: refused, and its text is what Excel showed.
    assert_eq!(reasons_of(&outcome, 3), ["ID_STORED_AS_NUMBER"]);
    let (numeric, failure) = outcome.failures.iter().find(|(r, _)| r.row == 3).unwrap();
    assert_eq!(numeric.cells[3].text, "410202198503151000");
    assert!(matches!(numeric.cells[3].kind, CellKind::Float(_)));
    assert_eq!(
        failure.message(),
        "证件号码被Excel存成了数字，后几位已丢失，请将该列设为文本格式后重新录入"
    );

    assert_eq!(
        member(4).expect("full-width digits").id.as_str(),
        id("11010519491231002")
    );
    assert_eq!(member(5).expect("spaces and tabs").id.as_str(), id("44030419900101001"));
    assert_eq!(member(7).expect("lowercase x").id.as_str(), lower_x.to_uppercase());
    let upgraded = member(8).expect("15-digit ID");
    assert_eq!(upgraded.id.as_str().len(), 18);
    assert_eq!(upgraded.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
    assert_eq!(reasons_of(&outcome, 9), ["ID_BIRTH_DATE"]);
    assert!(member(12).is_some());
    assert_eq!(reasons_of(&outcome, 13), ["DUPLICATE_ID"]);
    let dup_message = &outcome.failures.iter().find(|(r, _)| r.row == 13).unwrap().1;
    assert_eq!(dup_message.message(), "证件号码与第12行重复");
    assert_eq!(reasons_of(&outcome, 14), ["NAME_REQUIRED", "DUPLICATE_ID"]);
    assert_eq!(reasons_of(&outcome, 15), ["ID_EMPTY"]);

    let serial = member(16).expect("date serial and numeric mobile");
    assert_eq!(serial.birth_date, NaiveDate::from_ymd_opt(1985, 3, 15).unwrap());
    assert_eq!(serial.mobile.as_ref().map(|m| m.as_str()), Some("13800138000"));
    assert_eq!(serial.occupation, Occupation::HighRisk);
    assert_eq!(reasons_of(&outcome, 17), ["BIRTH_DATE_MISMATCH"]);
    let (row17, _) = outcome.failures.iter().find(|(r, _)| r.row == 17).unwrap();
    assert_eq!(row17.cells[5].text, "1985-03-15");
    assert!(matches!(row17.cells[5].kind, CellKind::DateSerial(_)));
}

#[test]
fn blank_rows_are_skipped_but_row_numbers_kept() {
    let a = id("41020219850315123");
    let b = id("41020219850315131");
    let file = workbook(
        &[None, None, Some(row("1", "张三", &a)), None, Some(row("2", "李四", &b))],
        true,
    );
    let rows = read_member_rows(&file, &XlsxLimits::default()).unwrap();
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [4, 6]);
}

#[test]
fn extra_columns_after_the_template_are_ignored_up_to_the_cap() {
    let a = id("41020219850315123");
    let mut cells = row("1", "张三", &a);
    cells.resize(20, In::Blank);
    cells[19] = In::Text("部门：财务科");
    let file = workbook(&[Some(cells)], true);
    assert_eq!(import(&file).unwrap().members.len(), 1);
    let limits = XlsxLimits {
        max_cols: 10,
        ..XlsxLimits::default()
    };
    assert_eq!(
        import_members(&file, &limits, &mut ctx()).unwrap_err(),
        SpreadsheetError::TooManyColumns { max: 10 }
    );
}

#[test]
fn earlier_batches_are_duplicates_too() {
    let a = id("41020219850315123");
    let file = workbook(&[Some(row("1", "张三", &a))], true);
    let mut ctx = ctx();
    let first = import_members(&file, &XlsxLimits::default(), &mut ctx).unwrap();
    assert_eq!(first.members.len(), 1);
    ctx.commit_file("B3");
    let again = import_members(&file, &XlsxLimits::default(), &mut ctx).unwrap();
    assert_eq!(
        again.failures[0].1.message(),
        "证件号码已在批次 B3 第2行导入，同一申请中不能重复参保"
    );
}

#[test]
fn a_corrected_failed_rows_file_imports_on_its_own() {
    let good = id("41020219850315123");
    let fixable = id("41020219900101002");
    let rows = vec![
        Some(row("1", "张三", &good)),
        Some(vec![
            In::Text("2"),
            In::Text("李四"),
            In::Blank,
            In::Number(410202199001010020.0),
        ]),
        Some(vec![
            In::Text("3"),
            In::Text("=王五"),
            In::Blank,
            In::Text(&fixable),
            In::Blank,
            In::Blank,
            In::Text("+86 139 0000 0000"),
        ]),
    ];
    let mut ctx = ctx();
    let outcome = import_members(&workbook(&rows, true), &XlsxLimits::default(), &mut ctx).unwrap();
    assert_eq!((outcome.members.len(), outcome.failures.len()), (1, 2));
    ctx.commit_file("B1");

    // Downloaded as is and imported again: same rows, same texts, same reasons.
    let failed = failed_rows_xlsx(&outcome.failures).unwrap();
    let again = import_members(&failed, &XlsxLimits::default(), &mut ctx.clone()).unwrap();
    assert_eq!(again.total, 2);
    let texts = |o: &ImportOutcome| -> Vec<Vec<String>> {
        o.failures
            .iter()
            .map(|(r, _)| r.cells.iter().map(|c| c.text.clone()).collect())
            .collect()
    };
    assert_eq!(texts(&again), texts(&outcome));
    let codes = |o: &ImportOutcome| {
        o.failures
            .iter()
            .map(|(_, f)| f.codes().collect())
            .collect::<Vec<Vec<_>>>()
    };
    // Typed as a number, or text in the failed-rows file with its lost tail: one code for both.
    assert_eq!(codes(&outcome), [vec!["ID_STORED_AS_NUMBER"], vec!["NAME_INVALID"]]);
    assert_eq!(codes(&again), [vec!["ID_STORED_AS_NUMBER"], vec!["NAME_INVALID"]]);
    assert!(again.failures[0].1.message().contains("文本"));

    // The clerk fixes the cells in that file; only these rows come back, and pass.
    let corrected: Vec<_> = outcome
        .failures
        .iter()
        .map(|(r, f)| {
            let mut r = r.clone();
            if r.cells[3].is_number() {
                r.cells[3] = Cell::text(id("41020219900101001"));
            } else {
                r.cells[1] = Cell::text("王五");
            }
            (r, f.clone())
        })
        .collect();
    let fixed_file = failed_rows_xlsx(&corrected).unwrap();
    let fixed = import_members(&fixed_file, &XlsxLimits::default(), &mut ctx).unwrap();
    assert!(fixed.failures.is_empty(), "{:?}", fixed.failures);
    assert_eq!(fixed.members.len(), 2);
    assert_eq!(
        fixed.members[1].mobile.as_ref().map(|m| m.as_str()),
        Some("13900000000")
    );
}

/// More rows than one hand-off to the validating thread: the file's order and the IDs seen
/// carry across hand-offs, and a file refused part-way gives no outcome at all.
#[test]
fn rows_validated_beside_the_read_keep_the_file_order_across_hand_offs() {
    let n = 2 * ROWS_PER_HANDOFF + 300;
    let seqs: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let mut ids: Vec<String> = (0..n).map(|i| id(&format!("4102021985031{:04}", i))).collect();
    // The last row repeats the third: a duplicate two hand-offs apart.
    ids[n - 1] = ids[2].clone();
    let rows: Vec<_> = (0..n).map(|i| Some(row(&seqs[i], "张三", &ids[i]))).collect();
    let file = workbook(&rows, true);

    let outcome = import(&file).unwrap();
    assert_eq!(outcome.total, n);
    assert_eq!(outcome.members.len(), n - 1);
    let numbers: Vec<u32> = outcome.members.iter().map(|m| m.row).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "members in file order");
    let last_row = n as u32 + 1;
    assert_eq!(reasons_of(&outcome, last_row), ["DUPLICATE_ID"]);
    assert_eq!(outcome.failures[0].1.message(), "证件号码与第4行重复");

    let limits = XlsxLimits {
        max_rows: (n - 1) as u32,
        ..XlsxLimits::default()
    };
    let err = import_members(&file, &limits, &mut ctx()).unwrap_err();
    assert_eq!(err.code(), "TOO_MANY_ROWS");
}
