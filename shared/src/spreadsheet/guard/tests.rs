use super::*;
use crate::spreadsheet::members::read_member_rows;
use crate::spreadsheet::template::member_template;
use crate::spreadsheet::test_support::{declare_size, entries, id, row, with_entry, workbook, zip_of};

fn code(bytes: &[u8]) -> &'static str {
    match read_member_rows(bytes, &XlsxLimits::default()) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

fn valid_file() -> Vec<u8> {
    let ids = id("41020219850315123");
    workbook(&[Some(row("1", "张三", &ids))], true)
}

#[test]
fn a_valid_file_and_the_template_pass() {
    assert_eq!(inspect(&valid_file(), &XlsxLimits::default()), Ok(Format::Xlsx));
    assert_eq!(
        inspect(&member_template().unwrap(), &XlsxLimits::default()),
        Ok(Format::Xlsx)
    );
}

#[test]
fn files_that_are_not_xlsx_say_what_they_are() {
    let limits = XlsxLimits::default();
    assert_eq!(inspect(b"", &limits), Err(SpreadsheetError::EmptyFile));
    assert_eq!(
        inspect(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", &limits),
        Err(SpreadsheetError::Pdf)
    );
    let csv = "序号,姓名,证件类型,证件号码\n1,张三,居民身份证,410202198503151238\n";
    assert_eq!(inspect(csv.as_bytes(), &limits), Err(SpreadsheetError::Text));
    let gbk_csv = b"\xD0\xF2\xBA\xC5,\xD0\xD5\xC3\xFB\r\n1,\xD5\xC5\xC8\xFD\r\n";
    assert_eq!(inspect(gbk_csv, &limits), Err(SpreadsheetError::Text));
    assert_eq!(inspect(b"\xFF\xFEs\x00", &limits), Err(SpreadsheetError::Text));
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.resize(4096, 0);
    assert_eq!(inspect(&cfb, &limits), Err(SpreadsheetError::CorruptFile));
    assert_eq!(
        inspect(&[0x89, b'P', b'N', b'G', 0, 0, 0, 0x0D], &limits),
        Err(SpreadsheetError::NotXlsx)
    );
    let pdf = SpreadsheetError::Pdf;
    assert_eq!(pdf.code(), "NOT_XLSX");
    assert!(pdf.to_string().starts_with("文件是PDF，不是Excel表格"));
    assert_eq!(SpreadsheetError::Encrypted.code(), "FILE_ENCRYPTED");
}

#[test]
fn other_zip_documents_are_not_workbooks() {
    let limits = XlsxLimits::default();
    let ods = zip_of(&[
        (
            "mimetype".into(),
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        ("content.xml".into(), b"<office:document-content/>".to_vec()),
    ]);
    // An OpenDocument spreadsheet is read (format_tests); this one has no body at all.
    assert_eq!(inspect(&ods, &limits), Ok(Format::Ods));
    assert_eq!(code(&ods), "CORRUPT_FILE");
    let docx = zip_of(&[
        ("[Content_Types].xml".into(), b"<Types/>".to_vec()),
        ("word/document.xml".into(), b"<w:document/>".to_vec()),
    ]);
    assert_eq!(inspect(&docx, &limits), Err(SpreadsheetError::NotXlsx));
}

#[test]
fn too_big_a_file_is_refused_before_anything_else() {
    let limits = XlsxLimits::default();
    let mut big = valid_file();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let err = inspect(&big, &limits).unwrap_err();
    assert_eq!(err.code(), "FILE_TOO_LARGE");
    assert_eq!(err.to_string(), "文件超过5MB，请删除多余内容或分批导入");
}

#[test]
fn truncated_files_are_corrupt() {
    let file = valid_file();
    for keep in [file.len() / 2, file.len() - 10, 100] {
        assert_eq!(code(&file[..keep]), "CORRUPT_FILE", "kept {keep} bytes");
    }
    // Bytes flipped inside the compressed worksheet: the directory is fine, the data is not.
    let name = b"xl/worksheets/sheet1.xml";
    let at = file.windows(name.len()).position(|w| w == name).unwrap() + name.len();
    let mut flipped = file.clone();
    for b in &mut flipped[at + 8..at + 40] {
        *b ^= 0x5A;
    }
    assert_eq!(code(&flipped), "CORRUPT_FILE");
}

#[test]
fn forged_unique_count_is_refused_before_calamine_reserves_it() {
    // calamine would `reserve(4_000_000_000)` strings: ~96 GB, an abort.
    let forged = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| {
        xml.replacen("uniqueCount=\"", "uniqueCount=\"400000000", 1)
    });
    assert_eq!(code(&forged), "TOO_MANY_STRINGS");
    let garbage = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| {
        xml.replacen("uniqueCount=\"", "uniqueCount=\"x", 1)
    });
    assert_eq!(code(&garbage), "CORRUPT_FILE");
    let count = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| {
        xml.replacen(" count=\"", " count=\"99999999999", 1)
    });
    assert_eq!(code(&count), "TOO_MANY_STRINGS");
}

#[test]
fn too_many_actual_strings_are_refused_even_without_counts() {
    let si: String = (0..50).map(|i| format!("<si><t>s{i}</t></si>")).collect();
    let file = with_entry(&valid_file(), "xl/sharedStrings.xml", |_| format!("<sst>{si}</sst>"));
    let limits = XlsxLimits {
        max_shared_strings: 40,
        ..XlsxLimits::default()
    };
    assert_eq!(
        inspect(&file, &limits),
        Err(SpreadsheetError::TooManyStrings { max: 40 })
    );
}

#[test]
fn one_huge_shared_string_is_refused() {
    let file = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| {
        xml.replacen("<t>", &format!("<t>{}", "长".repeat(40_000)), 1)
    });
    assert_eq!(code(&file), "CELL_TOO_LONG");
    // Phonetic runs are not part of the value; entities count as one character each.
    let ok = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| {
        xml.replacen("<t>", &format!("<t>{}", "&amp;".repeat(30_000)), 1)
    });
    assert_eq!(inspect(&ok, &XlsxLimits::default()), Ok(Format::Xlsx));
}

#[test]
fn broken_shared_strings_xml_is_corrupt() {
    let file = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| xml.replace("</t>", "</x>"));
    assert_ne!(code(&file), "OK");
    let file = with_entry(&valid_file(), "xl/sharedStrings.xml", |_| "<sst><si><t>\u{0}".into());
    assert_eq!(code(&file), "CORRUPT_FILE");
}

#[test]
fn a_declared_gigabyte_is_refused_from_the_directory() {
    let file = declare_size(valid_file(), "xl/sharedStrings.xml", 1_100_000_000);
    assert_eq!(code(&file), "CONTENT_TOO_LARGE");
}

#[test]
fn a_deflate_bomb_is_refused_by_its_ratio() {
    // 16 MiB of one byte deflates to ~16 KB: a ratio near 1000.
    let mut all = entries(&valid_file());
    let sst = all.iter_mut().find(|(n, _)| n == "xl/sharedStrings.xml").unwrap();
    let mut bomb = b"<sst><si><t>".to_vec();
    bomb.resize(16 * 1024 * 1024, b'a');
    bomb.extend_from_slice(b"</t></si></sst>");
    sst.1 = bomb;
    assert_eq!(code(&zip_of(&all)), "CONTENT_TOO_LARGE");
}

#[test]
fn an_entry_that_inflates_past_its_declared_size_is_stopped() {
    let mut all = entries(&valid_file());
    let sst = all.iter_mut().find(|(n, _)| n == "xl/sharedStrings.xml").unwrap();
    let mut big = b"<sst>".to_vec();
    for i in 0..200_000 {
        big.extend_from_slice(format!("<si><t>{i}</t></si>").as_bytes());
    }
    big.extend_from_slice(b"</sst>");
    sst.1 = big;
    // Declares 2 KB; the take() cap (and zip's own check) stop the inflation.
    let liar = declare_size(zip_of(&all), "xl/sharedStrings.xml", 2048);
    let limits = XlsxLimits {
        max_shared_strings_bytes: 1024 * 1024,
        ..XlsxLimits::default()
    };
    assert!(inspect(&liar, &limits).is_err());
    assert_ne!(code(&liar), "OK");
}

#[test]
fn too_many_entries_or_too_much_in_total() {
    let mut all = entries(&valid_file());
    for i in 0..20 {
        all.push((format!("xl/media/pad{i}.bin"), vec![i as u8; 10]));
    }
    let file = zip_of(&all);
    let few = XlsxLimits {
        max_entries: 10,
        ..XlsxLimits::default()
    };
    assert_eq!(inspect(&file, &few), Err(SpreadsheetError::ContentTooLarge));
    let small_total = XlsxLimits {
        max_total_uncompressed: 1000,
        ..XlsxLimits::default()
    };
    assert_eq!(inspect(&file, &small_total), Err(SpreadsheetError::ContentTooLarge));
}

#[test]
fn a_cell_at_xfd1048576_does_not_allocate_the_grid() {
    // calamine's worksheet_range would size a 1048576 × 16384 grid from this.
    let far = with_entry(&valid_file(), "xl/worksheets/sheet1.xml", |xml| {
        set_dimension(xml, "A1:XFD1048576").replace(
            "</sheetData>",
            "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
        )
    });
    assert!(
        String::from_utf8_lossy(
            &entries(&far)[..]
                .iter()
                .find(|e| e.0.ends_with("sheet1.xml"))
                .unwrap()
                .1
        )
        .contains("XFD1048576")
    );
    assert_eq!(code(&far), "TOO_MANY_COLUMNS");
    // A far dimension alone is ignored; rows are capped while reading.
    let dim_only = with_entry(&valid_file(), "xl/worksheets/sheet1.xml", |xml| {
        set_dimension(xml, "A1:XFD1048576")
    });
    assert_eq!(code(&dim_only), "OK");
    // A far row within the columns is one more (failing) data row.
    let far_row = with_entry(&valid_file(), "xl/worksheets/sheet1.xml", |xml| {
        xml.replace(
            "</sheetData>",
            "<row r=\"1048576\"><c r=\"B1048576\" t=\"inlineStr\"><is><t>李四</t></is></c></row></sheetData>",
        )
    });
    let rows = read_member_rows(&far_row, &XlsxLimits::default()).unwrap();
    assert_eq!(rows.last().map(|r| r.row), Some(1_048_576));
}

#[test]
fn malformed_cell_references_are_a_refusal_not_a_crash() {
    for reference in ["AAAAAAAAAAAAAAAA1", "A99999999999", "1A", "A0"] {
        let file = with_entry(&valid_file(), "xl/worksheets/sheet1.xml", |xml| {
            xml.replace(
                "</sheetData>",
                &format!("<row><c r=\"{reference}\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>"),
            )
        });
        // Whatever calamine makes of it, the answer is a value, never a panic.
        let _ = read_member_rows(&file, &XlsxLimits::default());
    }
}

#[test]
fn rows_beyond_the_cap_stop_the_read() {
    let ids = id("41020219850315123");
    let rows: Vec<_> = (0..12).map(|_| Some(row("1", "张三", &ids))).collect();
    let file = workbook(&rows, true);
    let limits = XlsxLimits {
        max_rows: 10,
        ..XlsxLimits::default()
    };
    let err = read_member_rows(&file, &limits).unwrap_err();
    assert_eq!(err, SpreadsheetError::TooManyRows { max: 10 });
    assert_eq!(err.to_string(), "人员数据超过10行，请分批导入");
    let limits = XlsxLimits {
        max_rows: 12,
        ..XlsxLimits::default()
    };
    assert_eq!(read_member_rows(&file, &limits).unwrap().len(), 12);
}

#[test]
fn inline_strings_longer_than_a_cell_are_refused() {
    let long = "长".repeat(40_000);
    let file = with_entry(&valid_file(), "xl/worksheets/sheet1.xml", |xml| {
        xml.replace(
            "</sheetData>",
            &format!("<row r=\"9\"><c r=\"I9\" t=\"inlineStr\"><is><t>{long}</t></is></c></row></sheetData>"),
        )
    });
    assert_eq!(code(&file), "CELL_TOO_LONG");
}

/// `xml` with its `<dimension ref=…>` set to `range`.
fn set_dimension(xml: String, range: &str) -> String {
    let start = xml.find("<dimension ref=\"").expect("dimension") + "<dimension ref=\"".len();
    let end = start + xml[start..].find('"').expect("closing quote");
    format!("{}{range}{}", &xml[..start], &xml[end..])
}

#[test]
fn one_long_string_in_every_cell_does_not_multiply() {
    // 30,000 characters (90 KB) referenced by 9 cells of 200 rows: 160 MB if copied.
    let file = valid_file();
    let sst = String::from_utf8(
        entries(&file)
            .into_iter()
            .find(|e| e.0 == "xl/sharedStrings.xml")
            .unwrap()
            .1,
    )
    .unwrap();
    let index = sst.matches("<si>").count();
    let long = "长".repeat(30_000);
    let file = with_entry(&file, "xl/sharedStrings.xml", |xml| {
        xml.replace("</sst>", &format!("<si><t>{long}</t></si></sst>"))
    });
    let rows: String = (3..203)
        .map(|r| {
            let cells: String = "ABCDEFGHI"
                .chars()
                .map(|c| format!("<c r=\"{c}{r}\" t=\"s\"><v>{index}</v></c>"))
                .collect();
            format!("<row r=\"{r}\">{cells}</row>")
        })
        .collect();
    let file = with_entry(&file, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace("</sheetData>", &format!("{rows}</sheetData>"))
    });
    assert_eq!(code(&file), "CONTENT_TOO_LARGE");
    // The same cell repeated has the same cost.
    let repeated = format!(
        "<row r=\"3\">{}</row>",
        format!("<c r=\"B3\" t=\"s\"><v>{index}</v></c>").repeat(2_000)
    );
    let file = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| {
        xml.replace("</sst>", &format!("<si><t>{long}</t></si></sst>"))
    });
    let file = with_entry(&file, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace("</sheetData>", &format!("{repeated}</sheetData>"))
    });
    assert_eq!(code(&file), "CONTENT_TOO_LARGE");
}

#[test]
fn the_quick_path_hands_anything_unusual_to_the_exact_parse() {
    let limits = XlsxLimits {
        max_shared_strings: 40,
        ..XlsxLimits::default()
    };
    // Prefixed string tags are counted by the exact parse, not missed by the byte search.
    let si: String = (0..50).map(|i| format!("<x:si><x:t>s{i}</x:t></x:si>")).collect();
    let prefixed = with_entry(&valid_file(), "xl/sharedStrings.xml", |_| {
        format!("<sst xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{si}</sst>")
    });
    assert_eq!(
        inspect(&prefixed, &limits),
        Err(SpreadsheetError::TooManyStrings { max: 40 })
    );
    // A long string in CDATA is measured, not skipped.
    let cdata = with_entry(&valid_file(), "xl/sharedStrings.xml", |xml| {
        xml.replacen("<t>", &format!("<t><![CDATA[{}]]>", "长".repeat(40_000)), 1)
    });
    assert_eq!(code(&cdata), "CELL_TOO_LONG");
}
