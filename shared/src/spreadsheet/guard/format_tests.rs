//! `.xls` and `.ods`: the same rows as `.xlsx`, and hostile files of both kinds refused.
use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::spreadsheet::members::{import_members, read_member_rows};
use crate::spreadsheet::template::{DATA_SHEET, HEADER};
use crate::spreadsheet::test_support::{
    In, SheetSpec, biff_record, biff8_workbook, compound_file, content_xml, dimensions, id, number_at, ods_file,
    ods_rows, ods_workbook, row, workbook, xls_with, xls_workbook,
};
use crate::spreadsheet::validate::ImportContext;

fn code(bytes: &[u8]) -> &'static str {
    match read_member_rows(bytes, &XlsxLimits::default()) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

/// A sheet as clerks fill it: text and numbers, a date typed as a date, blank rows, a
/// wrong check digit, a duplicate, a 备注.
fn rows_as_clerks_fill_them(ids: &[String; 3]) -> Vec<Option<Vec<In<'_>>>> {
    vec![
        Some(row("1", "张三", &ids[0])),
        None,
        Some(vec![
            In::Number(2.0),
            In::Text("李四"),
            In::Text("居民身份证"),
            In::Text(&ids[1]),
            In::Text("女"),
            In::Date(31_929.0),
            In::Number(13_800_138_000.0),
            In::Text("高危职业"),
            In::Text("车间 & 仓库 <夜班>"),
        ]),
        Some(row("3", "王五", "410202198503151230")),
        Some(row("4", "张三", &ids[0])),
        Some(vec![
            In::Blank,
            In::Text("赵六"),
            In::Text("居民身份证"),
            In::Text(&ids[2]),
        ]),
    ]
}

fn three_ids() -> [String; 3] {
    [
        id("41020219850315123"),
        id("41010519870601002"),
        id("41030319900101453"),
    ]
}

#[test]
fn the_same_sheet_reads_the_same_as_xlsx_xls_and_ods() {
    let ids = three_ids();
    let rows = rows_as_clerks_fill_them(&ids);
    let limits = XlsxLimits::default();
    let from_xlsx = read_member_rows(&workbook(&rows, true), &limits).unwrap();
    let xls = xls_workbook(&rows, true);
    let ods = ods_workbook(&rows, true);
    assert_eq!(inspect(&xls, &limits), Ok(Format::Xls));
    assert_eq!(inspect(&ods, &limits), Ok(Format::Ods));
    assert_eq!(read_member_rows(&xls, &limits).unwrap(), from_xlsx);
    assert_eq!(from_xlsx.len(), 5);
    assert_eq!(from_xlsx[1].row, 4, "the blank row keeps the clerk's row numbers");
    assert_eq!(from_xlsx[1].cells[8].text, "车间 & 仓库 <夜班>");

    // OpenDocument keeps dates as dates (no serial number): the text is the same.
    let from_ods = read_member_rows(&ods, &limits).unwrap();
    let texts = |rows: &[SheetRowLike]| -> Vec<Vec<String>> { rows.iter().map(|r| r.texts()).collect() };
    assert_eq!(texts(&wrap(&from_ods)), texts(&wrap(&from_xlsx)));

    let mut outcomes = [&workbook(&rows, true), &xls, &ods].map(|file| {
        let mut ctx = ImportContext::new(NaiveDate::from_ymd_opt(2025, 2, 18).unwrap());
        let outcome = import_members(file, &limits, &mut ctx).unwrap();
        let failures: Vec<(u32, Vec<&str>)> = outcome
            .failures
            .iter()
            .map(|(row, failure)| (row.row, failure.codes().collect()))
            .collect();
        let members: Vec<String> = outcome.members.iter().map(|m| format!("{m:?}")).collect();
        (outcome.total, members, failures)
    });
    assert_eq!(outcomes[0].0, 5, "{:?}", outcomes[0]);
    assert_eq!(outcomes[0].1.len(), 3, "张三, 李四, 赵六: {:?}", outcomes[0].2);
    assert_eq!(outcomes[0].2.len(), 2, "the wrong check digit and the duplicate");
    // The date cell: a serial in .xlsx and .xls, text in .ods; the member is the same.
    let [xlsx, xls, ods] = std::mem::take(&mut outcomes);
    assert_eq!(xls, xlsx);
    assert_eq!((ods.0, &ods.2), (xlsx.0, &xlsx.2));
}

/// Rows compared by their text only (the kind of a date cell differs by format).
struct SheetRowLike(u32, Vec<String>);
impl SheetRowLike {
    fn texts(&self) -> Vec<String> {
        let mut t = vec![self.0.to_string()];
        t.extend(self.1.iter().cloned());
        t
    }
}
fn wrap(rows: &[crate::spreadsheet::SheetRow]) -> Vec<SheetRowLike> {
    rows.iter()
        .map(|r| SheetRowLike(r.row, r.cells.iter().map(|c| c.text.clone()).collect()))
        .collect()
}

#[test]
fn the_template_checks_hold_for_xls_and_ods() {
    let ids = three_ids();
    let rows = [Some(row("1", "张三", &ids[0]))];
    let header: Vec<In<'_>> = HEADER.iter().map(|h| In::Text(h)).collect();
    let wrong_version = [Some(vec![In::Text("v0")])];
    let data = [Some(header), rows[0].clone()];
    let sheets: [SheetSpec<'_, '_>; 2] = [(DATA_SHEET, false, &data), ("_template", true, &wrong_version)];
    let sheets = &sheets[..];
    assert_eq!(
        code(&compound_file("Workbook", &biff8_workbook(sheets))),
        "WRONG_TEMPLATE"
    );
    assert_eq!(code(&ods_file(&content_xml(sheets))), "WRONG_TEMPLATE");
    assert_eq!(code(&xls_workbook(&[], true)), "NO_DATA_ROWS");
    assert_eq!(code(&ods_workbook(&[], true)), "NO_DATA_ROWS");
    assert_eq!(code(&xls_workbook(&rows, false)), "OK");
    assert_eq!(code(&ods_workbook(&rows, false)), "OK");
}

// ---- hostile .xls ----

fn small_xls() -> Vec<u8> {
    let ids = three_ids();
    xls_workbook(&[Some(row("1", "张三", &ids[0]))], true)
}

fn set_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn broken_compound_files_are_refused_not_followed() {
    let file = small_xls();
    assert_eq!(code(&file), "OK");
    // Cut short: the stream's sectors are missing.
    assert_eq!(code(&file[..file.len() / 2]), "CORRUPT_FILE");
    assert_eq!(code(&file[..600]), "CORRUPT_FILE");
    // The directory's chain points back at itself (calamine would read it forever).
    let mut looped = file.clone();
    set_u32(&mut looped, 512 + 4, 1);
    assert_eq!(code(&looped), "CORRUPT_FILE");
    // The stream's chain runs past the FAT.
    let mut beyond = file.clone();
    set_u32(&mut beyond, 512 + 4 * 2, 0x00FF_FFFF);
    assert_eq!(code(&beyond), "CORRUPT_FILE");
    // A stream declared larger than the whole file.
    let mut oversized = file.clone();
    set_u32(&mut oversized, 512 * 2 + 128 + 120, u32::MAX);
    assert_eq!(code(&oversized), "CORRUPT_FILE");
    // The header lists the first FAT sector 109 times (calamine would read them all).
    let mut repeated = file.clone();
    repeated[76..76 + 4 * 109].fill(0);
    assert_eq!(code(&repeated), "CORRUPT_FILE");
    // An unknown sector size.
    let mut shift = file.clone();
    shift[30] = 20;
    assert_eq!(code(&shift), "CORRUPT_FILE");
}

#[test]
fn what_calamine_would_expand_is_counted_first() {
    assert_eq!(code(&xls_with(&[], &number_at(0, 0), 1)), "WRONG_TEMPLATE");
    // Two cells far apart: a grid of 65,536 × 256.
    let far = [number_at(0, 0), number_at(65_535, 255)].concat();
    assert_eq!(code(&xls_with(&[], &far, 1)), "CONTENT_TOO_LARGE");
    // A declared size of a million rows by 256 columns, and one that ends before it starts.
    assert_eq!(
        code(&xls_with(&[], &dimensions(0, 1_000_000, 0, 256), 1)),
        "CONTENT_TOO_LARGE"
    );
    assert_eq!(
        code(&xls_with(&[], &dimensions(70_000, 5, 0, 9), 1)),
        "CONTENT_TOO_LARGE"
    );
    // The same sheet named a hundred times.
    assert_eq!(code(&xls_with(&[], &number_at(0, 0), 100)), "CONTENT_TOO_LARGE");
    // One 30,000-character string in 2,000 cells: 180 MB of copies.
    let mut sst = 1u32.to_le_bytes().to_vec();
    sst.extend_from_slice(&1u32.to_le_bytes());
    sst.extend_from_slice(&30_000u16.to_le_bytes());
    sst.push(0);
    let mut globals = biff_record(0x00FC, &[sst.clone(), vec![b'x'; 8_000]].concat());
    for part in 0..3 {
        let len = if part == 2 { 6_000 } else { 8_000 };
        globals.extend(biff_record(0x003C, &[vec![0u8], vec![b'x'; len - 1]].concat()));
    }
    let cells: Vec<u8> = (0..2_000u16)
        .flat_map(|r| {
            let mut d = r.to_le_bytes().to_vec();
            d.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
            biff_record(0x00FD, &d)
        })
        .collect();
    assert_eq!(code(&xls_with(&globals, &cells, 1)), "CONTENT_TOO_LARGE");
    // Embedded substreams nested ten thousand deep are skipped without recursion.
    let mut nested = Vec::new();
    let mut bof = vec![0u8; 16];
    bof[..2].copy_from_slice(&0x0600u16.to_le_bytes());
    for _ in 0..10_000 {
        nested.extend(biff_record(0x0809, &bof));
    }
    assert_eq!(code(&xls_with(&[], &nested, 1)), "NO_DATA_ROWS");
}

/// A FORMULA record at `row` whose tokens are `rgce`.
fn formula(row: u16, rgce: &[u8]) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&[0; 18]);
    d.extend_from_slice(&(rgce.len() as u16).to_le_bytes());
    d.extend_from_slice(rgce);
    biff_record(0x0006, &d)
}

#[test]
fn formula_text_calamine_would_write_out_is_bounded() {
    // Simple formulas (=1) are read as usual.
    let simple: Vec<u8> = (0..2_000).flat_map(|r| formula(r, &[0x1E, 1, 0])).collect();
    assert_eq!(code(&xls_with(&[], &simple, 1)), "WRONG_TEMPLATE");
    // A 255-character defined name, referenced by 8,000-byte runs of name tokens: every 5
    // bytes would become 255 characters.
    let mut name = vec![0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    name.extend(std::iter::repeat_n(b'n', 255));
    let tokens: Vec<u8> = std::iter::repeat_n([0x23, 1, 0, 0, 0], 1_600).flatten().collect();
    let bomb: Vec<u8> = (0..500).flat_map(|r| formula(r, &tokens)).collect();
    assert_eq!(
        code(&xls_with(&biff_record(0x0018, &name), &bomb, 1)),
        "CONTENT_TOO_LARGE"
    );
}

#[test]
fn encrypted_and_other_compound_files_say_what_they_are() {
    let filepass = biff_record(0x002F, &[1, 0, 1, 0, 1, 0]);
    let err = read_member_rows(&xls_with(&filepass, &number_at(0, 0), 1), &XlsxLimits::default()).unwrap_err();
    assert_eq!(err.code(), "FILE_ENCRYPTED");
    assert_eq!(
        err.to_string(),
        "文件设置了打开密码，无法读取；请在Excel或WPS中取消密码并保存后再导入"
    );
    assert_eq!(code(&compound_file("EncryptedPackage", &[0; 4096])), "FILE_ENCRYPTED");
    let word = read_member_rows(&compound_file("WordDocument", &[0; 4096]), &XlsxLimits::default()).unwrap_err();
    assert_eq!(word.code(), "NOT_XLSX");
    assert!(word.to_string().contains(".xls"));
}

// ---- hostile .ods ----

#[test]
fn what_an_ods_repeats_is_counted_before_calamine_copies_it() {
    let one = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>1</text:p></table:table-cell></table:table-row>"#;
    assert_eq!(code(&ods_rows(one)), "OK");
    // A filled cell 16,384 columns wide, in a row repeated a thousand times.
    let wide = r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
    assert_eq!(code(&ods_rows(wide)), "CONTENT_TOO_LARGE");
    // A filled row repeated a million times.
    let tall = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#;
    assert_eq!(code(&ods_rows(tall)), "CONTENT_TOO_LARGE");
    // Empty rows between two filled ones become a grid too.
    let gap = format!(
        r#"{one}<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="9"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="8"/><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#
    );
    assert_eq!(code(&ods_rows(&gap)), "CONTENT_TOO_LARGE");
    // A billion spaces in one cell.
    let spaces = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row>"#;
    assert_eq!(code(&ods_rows(spaces)), "CONTENT_TOO_LARGE");
    // Trailing blank rows and columns (as LibreOffice saves them) cost nothing.
    let trailing = format!(
        r#"{one}<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
    );
    assert_eq!(code(&ods_rows(&trailing)), "OK");
    // A repeat count that is no number.
    let nan = r#"<table:table-row table:number-rows-repeated="many"><table:table-cell/></table:table-row>"#;
    assert_eq!(code(&ods_rows(nan)), "CORRUPT_FILE");
}

#[test]
fn broken_and_bombed_ods_files_are_refused() {
    let ids = three_ids();
    let ods = ods_workbook(&[Some(row("1", "张三", &ids[0]))], true);
    assert_eq!(code(&ods), "OK");
    assert_eq!(code(&ods[..ods.len() / 2]), "CORRUPT_FILE");
    // content.xml cut off inside a table.
    let cut = ods_file(&content_xml(&[(DATA_SHEET, false, &[Some(row("1", "张三", &ids[0]))])])[..600]);
    assert_eq!(code(&cut), "CORRUPT_FILE");
    // 100 MB of one character deflated to ~100 KB: refused from the zip directory.
    let bomb = ods_file(&format!(
        "<office:document-content>{}</office:document-content>",
        " ".repeat(100 * 1024 * 1024)
    ));
    assert!(bomb.len() < 1024 * 1024);
    assert_eq!(code(&bomb), "CONTENT_TOO_LARGE");
    // A hundred thousand nested spans in a cell: read without recursion.
    let deep = format!(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>{}1{}</text:p></table:table-cell></table:table-row>"#,
        "<text:span>".repeat(100_000),
        "</text:span>".repeat(100_000)
    );
    assert_eq!(code(&ods_rows(&deep)), "OK");
    // A text document is an OpenDocument zip too.
    let mut odt = crate::spreadsheet::test_support::entries(&ods);
    odt[0].1 = b"application/vnd.oasis.opendocument.text".to_vec();
    assert_eq!(code(&crate::spreadsheet::test_support::zip_of(&odt)), "NOT_XLSX");
}

// ---- fuzzing: mutated files never panic and always answer ----

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for &(at, value) in edits {
        if !bytes.is_empty() {
            let at = at % bytes.len();
            bytes[at] = value;
        }
    }
    if let Some(cut) = cut {
        bytes.truncate(cut % (bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_xls_files_are_read_or_refused(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..12),
        cut in prop::option::weighted(0.2, any::<usize>()),
    ) {
        let file = mutate(small_xls(), &edits, cut);
        let _ = read_member_rows(&file, &XlsxLimits::default());
    }

    /// Mutations inside content.xml (the zip around it rebuilt, as a hostile sender would).
    #[test]
    fn mutated_ods_content_is_read_or_refused(
        edits in prop::collection::vec((any::<usize>(), prop::sample::select(b"<>/=\"0123456789 ablnrst:-9".to_vec())), 1..12),
        cut in prop::option::weighted(0.2, any::<usize>()),
    ) {
        let ids = three_ids();
        let rows = rows_as_clerks_fill_them(&ids);
        let content = content_xml(&[(DATA_SHEET, false, &rows)]).into_bytes();
        let content = mutate(content, &edits, cut);
        let file = ods_file(&String::from_utf8_lossy(&content));
        let _ = read_member_rows(&file, &XlsxLimits::default());
    }
}
