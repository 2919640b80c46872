//! Builders for the files the tests feed the import: real workbooks written with
//! rust_xlsxwriter, and hostile ones assembled (or patched) by hand with the zip crate.
use std::io::{Cursor, Read, Write};

use rust_xlsxwriter::{Format, Workbook};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::template::{DATA_SHEET, HEADER, MARKER_SHEET, TEMPLATE_VERSION};
use crate::domain::ResidentId;

/// A cell as a clerk might have left it.
#[derive(Debug, Clone, Copy)]
pub enum In<'a> {
    Text(&'a str),
    Number(f64),
    /// A number with a date format (a date typed into a General cell).
    Date(f64),
    Blank,
}

/// An 18-character ID for `body` (17 digits) with its check character.
pub fn id(body: &str) -> String {
    format!("{body}{}", ResidentId::check_char(body).expect("17 digits"))
}

/// A valid row of template text: 序号, 姓名, ID…
pub fn row<'a>(seq: &'a str, name: &'a str, id: &'a str) -> Vec<In<'a>> {
    vec![In::Text(seq), In::Text(name), In::Text("居民身份证"), In::Text(id)]
}

/// A template-like workbook: header in row 1, `rows` from row 2 (`None` leaves a blank
/// row), with or without the hidden marker sheet.
pub fn workbook(rows: &[Option<Vec<In<'_>>>], marker: bool) -> Vec<u8> {
    let header: Vec<In<'_>> = HEADER.iter().map(|h| In::Text(h)).collect();
    let mut all = vec![Some(header)];
    all.extend(rows.iter().cloned());
    sheet_file(DATA_SHEET, &all, if marker { Some(TEMPLATE_VERSION) } else { None })
}

/// Any sheet: `rows` from row 1; the marker sheet with `marker` in A1 if given.
pub fn sheet_file(sheet_name: &str, rows: &[Option<Vec<In<'_>>>], marker: Option<&str>) -> Vec<u8> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name(sheet_name).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, cells) in rows.iter().enumerate() {
        let Some(cells) = cells else { continue };
        for (c, cell) in cells.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match *cell {
                In::Text(s) => {
                    sheet.write_string(r, c, s).unwrap();
                }
                In::Number(n) => {
                    sheet.write_number(r, c, n).unwrap();
                }
                In::Date(n) => {
                    sheet.write_number_with_format(r, c, n, &date).unwrap();
                }
                In::Blank => {}
            }
        }
    }
    if let Some(version) = marker {
        let m = wb.add_worksheet();
        m.set_name(MARKER_SHEET).unwrap();
        m.write_string(0, 0, version).unwrap();
        m.set_hidden(true);
    }
    wb.save_to_buffer().unwrap()
}

/// The entries of a zip, in order.
pub fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

/// A deflated zip of `entries`.
pub fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(false);
    for (name, data) in entries {
        w.start_file(name.as_str(), options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `bytes` with entry `name` replaced by `edit(old text)`.
pub fn with_entry(bytes: &[u8], name: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut all = entries(bytes);
    let entry = all.iter_mut().find(|(n, _)| n == name).expect("entry present");
    entry.1 = edit(String::from_utf8(entry.1.clone()).unwrap()).into_bytes();
    zip_of(&all)
}

/// Overwrites the uncompressed size entry `name` declares, in its local header and in the
/// central directory (the data stays as it is).
pub fn declare_size(mut bytes: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let mut patched = 0;
    // (signature, offset of the uncompressed size, offset of the name length, header length)
    for (sig, size_at, name_len_at, fixed) in [(0x04034b50u32, 22, 26, 30), (0x02014b50u32, 24, 28, 46)] {
        let mut i = 0;
        while i + fixed <= bytes.len() {
            let here = u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
            if here == sig {
                let n = u16::from_le_bytes(bytes[i + name_len_at..i + name_len_at + 2].try_into().unwrap()) as usize;
                if bytes.get(i + fixed..i + fixed + n) == Some(name.as_bytes()) {
                    bytes[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
                    patched += 1;
                }
            }
            i += 1;
        }
    }
    assert_eq!(patched, 2, "local header and central directory entry for {name}");
    bytes
}
