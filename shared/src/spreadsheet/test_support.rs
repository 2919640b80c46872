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
    let all = template_sheets(rows);
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

/// A sheet: its name, whether it is hidden, its rows from row 1 (`None` leaves a blank row).
pub type SheetSpec<'a, 'r> = (&'a str, bool, &'a [Option<Vec<In<'r>>>]);

/// The sheets [`workbook`] writes: header and `rows` on 人员信息, the hidden marker sheet.
fn template_sheets<'r>(rows: &[Option<Vec<In<'r>>>]) -> Vec<Option<Vec<In<'r>>>> {
    let header: Vec<In<'_>> = HEADER.iter().map(|h| In::Text(h)).collect();
    let mut all = vec![Some(header)];
    all.extend(rows.iter().cloned());
    all
}

/// The same workbook as [`workbook`], saved as Excel 97–2003 (`.xls`).
pub fn xls_workbook(rows: &[Option<Vec<In<'_>>>], marker: bool) -> Vec<u8> {
    let data = template_sheets(rows);
    let version = [Some(vec![In::Text(TEMPLATE_VERSION)])];
    let mut sheets: Vec<SheetSpec<'_, '_>> = vec![(DATA_SHEET, false, &data)];
    if marker {
        sheets.push((MARKER_SHEET, true, &version));
    }
    compound_file("Workbook", &biff8_workbook(&sheets))
}

/// The same workbook as [`workbook`], saved as OpenDocument (`.ods`), with the trailing
/// blank rows and columns LibreOffice writes.
pub fn ods_workbook(rows: &[Option<Vec<In<'_>>>], marker: bool) -> Vec<u8> {
    let data = template_sheets(rows);
    let version = [Some(vec![In::Text(TEMPLATE_VERSION)])];
    let mut sheets: Vec<SheetSpec<'_, '_>> = vec![(DATA_SHEET, false, &data)];
    if marker {
        sheets.push((MARKER_SHEET, true, &version));
    }
    ods_file(&content_xml(&sheets))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `content.xml` of an OpenDocument spreadsheet holding `sheets`.
pub fn content_xml(sheets: &[SheetSpec<'_, '_>]) -> String {
    let mut xml = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" "#,
        r#"xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" "#,
        r#"xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" "#,
        r#"xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">"#,
        r#"<office:automatic-styles><style:style style:name="ta1" style:family="table">"#,
        r#"<style:table-properties table:display="true"/></style:style>"#,
        r#"<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/>"#,
        r#"</style:style></office:automatic-styles><office:body><office:spreadsheet>"#,
    ));
    for (name, hidden, rows) in sheets {
        let style = if *hidden { "ta2" } else { "ta1" };
        xml += &format!(
            r#"<table:table table:name="{}" table:style-name="{style}">"#,
            xml_escape(name)
        );
        for row in rows.iter() {
            xml += "<table:table-row>";
            for cell in row.iter().flatten() {
                xml += &match *cell {
                    In::Text(s) => format!(
                        r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                        xml_escape(s)
                    ),
                    In::Number(n) => format!(r#"<table:table-cell office:value-type="float" office:value="{n}"/>"#),
                    In::Date(serial) => {
                        let date = super::serial_to_date(serial).expect("a date serial");
                        format!(r#"<table:table-cell office:value-type="date" office:date-value="{date}"/>"#)
                    }
                    In::Blank => "<table:table-cell/>".to_owned(),
                };
            }
            xml += r#"<table:table-cell table:number-columns-repeated="1015"/></table:table-row>"#;
        }
        xml += r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        xml += "</table:table>";
    }
    xml += "</office:spreadsheet></office:body></office:document-content>";
    xml
}

/// An `.ods` zip around `content` (the `mimetype` entry first and stored, as the format asks).
pub fn ods_file(content: &str) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    w.start_file("content.xml", deflated).unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.start_file("META-INF/manifest.xml", deflated).unwrap();
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    w.finish().unwrap().into_inner()
}

/// One BIFF8 record.
pub fn biff_record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + data.len());
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&u16::try_from(data.len()).expect("a record under 64 KiB").to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn bof(kind: u16) -> Vec<u8> {
    let mut data = Vec::new();
    for v in [0x0600u16, kind, 0x0DBB, 0x07CC] {
        data.extend_from_slice(&v.to_le_bytes());
    }
    data.extend_from_slice(&[0, 0, 0, 0, 6, 0, 0, 0]);
    biff_record(0x0809, &data)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The `Workbook` stream of an Excel 97–2003 file holding `sheets`, as Excel writes it:
/// globals (XF 0 general, XF 1 a date format; the shared strings), then each sheet with its
/// DIMENSIONS and LABELSST / NUMBER cells.
pub fn biff8_workbook(sheets: &[SheetSpec<'_, '_>]) -> Vec<u8> {
    let mut strings: Vec<String> = Vec::new();
    let mut index_of = |s: &str| match strings.iter().position(|x| x == s) {
        Some(i) => i as u32,
        None => {
            strings.push(s.to_owned());
            (strings.len() - 1) as u32
        }
    };
    let mut bodies = Vec::new();
    for (_, _, rows) in sheets {
        let mut cells = Vec::new();
        let (mut last_row, mut last_col) = (0u32, 0u16);
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().flatten().enumerate() {
                let (r16, c16) = (r as u16, c as u16);
                let mut data = Vec::new();
                data.extend_from_slice(&r16.to_le_bytes());
                data.extend_from_slice(&c16.to_le_bytes());
                match *cell {
                    In::Text(s) => {
                        data.extend_from_slice(&0u16.to_le_bytes());
                        data.extend_from_slice(&index_of(s).to_le_bytes());
                        cells.extend(biff_record(0x00FD, &data));
                    }
                    In::Number(n) | In::Date(n) => {
                        let xf: u16 = if matches!(cell, In::Date(_)) { 1 } else { 0 };
                        data.extend_from_slice(&xf.to_le_bytes());
                        data.extend_from_slice(&n.to_le_bytes());
                        cells.extend(biff_record(0x0203, &data));
                    }
                    In::Blank => continue,
                }
                last_row = last_row.max(r as u32 + 1);
                last_col = last_col.max(c as u16 + 1);
            }
        }
        let mut body = bof(0x0010);
        let mut dims = Vec::new();
        dims.extend_from_slice(&0u32.to_le_bytes());
        dims.extend_from_slice(&last_row.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        dims.extend_from_slice(&last_col.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        body.extend(biff_record(0x0200, &dims));
        body.extend(cells);
        body.extend(biff_record(0x000A, &[]));
        bodies.push(body);
    }
    let mut sst = Vec::new();
    sst.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    sst.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    for s in &strings {
        sst.extend_from_slice(&(s.encode_utf16().count() as u16).to_le_bytes());
        sst.push(1);
        sst.extend(utf16(s));
    }
    let xf = |format: u16| {
        let mut data = vec![0u8; 20];
        data[2..4].copy_from_slice(&format.to_le_bytes());
        biff_record(0x00E0, &data)
    };
    // BOUNDSHEET records carry each sheet's offset: lay the globals out once to know them.
    let globals = |offsets: &[u32]| {
        let mut g = bof(0x0005);
        g.extend(biff_record(0x0042, &1200u16.to_le_bytes()));
        g.extend(xf(0));
        g.extend(xf(14));
        for ((name, hidden, _), at) in sheets.iter().zip(offsets) {
            let mut data = Vec::new();
            data.extend_from_slice(&at.to_le_bytes());
            data.push(u8::from(*hidden));
            data.push(0);
            data.push(name.encode_utf16().count() as u8);
            data.push(1);
            data.extend(utf16(name));
            g.extend(biff_record(0x0085, &data));
        }
        g.extend(biff_record(0x00FC, &sst));
        g.extend(biff_record(0x000A, &[]));
        g
    };
    let start = globals(&vec![0; sheets.len()]).len() as u32;
    let mut offsets = Vec::new();
    let mut at = start;
    for body in &bodies {
        offsets.push(at);
        at += body.len() as u32;
    }
    let mut stream = globals(&offsets);
    for body in bodies {
        stream.extend(body);
    }
    stream
}

/// A version 3 compound file (512-byte sectors) holding one stream, `name`, padded to 4 KiB
/// so it lives in regular sectors: FAT sectors first, then the directory, then the stream.
pub fn compound_file(name: &str, stream: &[u8]) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    let mut stream = stream.to_vec();
    stream.resize(stream.len().max(4096), 0);
    let stream_sectors = stream.len().div_ceil(512) as u32;
    let mut fat_sectors = 1u32;
    while fat_sectors * 128 < fat_sectors + 1 + stream_sectors {
        fat_sectors += 1;
    }
    assert!(fat_sectors <= 109, "a test file under ~7 MB");
    let dir = fat_sectors;
    let first = dir + 1;
    let mut fat = vec![FREE; (fat_sectors * 128) as usize];
    for s in 0..fat_sectors {
        fat[s as usize] = 0xFFFF_FFFD;
    }
    fat[dir as usize] = END;
    for s in 0..stream_sectors {
        fat[(first + s) as usize] = if s + 1 == stream_sectors { END } else { first + s + 1 };
    }
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    header[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    header[26..28].copy_from_slice(&3u16.to_le_bytes());
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    header[30..32].copy_from_slice(&9u16.to_le_bytes());
    header[32..34].copy_from_slice(&6u16.to_le_bytes());
    header[44..48].copy_from_slice(&fat_sectors.to_le_bytes());
    header[48..52].copy_from_slice(&dir.to_le_bytes());
    header[56..60].copy_from_slice(&4096u32.to_le_bytes());
    header[60..64].copy_from_slice(&END.to_le_bytes());
    header[68..72].copy_from_slice(&END.to_le_bytes());
    for i in 0..109u32 {
        let id = if i < fat_sectors { i } else { FREE };
        header[76 + 4 * i as usize..80 + 4 * i as usize].copy_from_slice(&id.to_le_bytes());
    }
    let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let name16 = utf16(name);
        e[..name16.len()].copy_from_slice(&name16);
        e[64..66].copy_from_slice(&((name16.len() + 2) as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1;
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&FREE.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut directory = entry("Root Entry", 5, 1, END, 0);
    directory.extend(entry(name, 2, FREE, first, stream.len() as u32));
    directory.resize(512, 0);
    let mut file = header;
    file.extend(fat.iter().flat_map(|id| id.to_le_bytes()));
    file.extend(directory);
    file.extend(&stream);
    file.resize(512 * (1 + (first + stream_sectors) as usize), 0);
    file
}

/// An `.xls` of one sheet holding `sheet_records` (raw records), with `globals_extra` in
/// the globals and the sheet named by `boundsheets` BOUNDSHEET records.
pub fn xls_with(globals_extra: &[u8], sheet_records: &[u8], boundsheets: usize) -> Vec<u8> {
    let mut bof = Vec::new();
    for v in [0x0600u16, 0x0005, 0x0DBB, 0x07CC] {
        bof.extend_from_slice(&v.to_le_bytes());
    }
    bof.extend_from_slice(&[0, 0, 0, 0, 6, 0, 0, 0]);
    let mut sheet_bof = bof.clone();
    sheet_bof[2..4].copy_from_slice(&0x0010u16.to_le_bytes());
    let boundsheet = |at: u32| {
        let mut d = at.to_le_bytes().to_vec();
        d.extend_from_slice(&[0, 0, 1, 0, b'S']);
        biff_record(0x0085, &d)
    };
    let globals_len = biff_record(0x0809, &bof).len()
        + globals_extra.len()
        + boundsheets * boundsheet(0).len()
        + biff_record(0x000A, &[]).len();
    let mut stream = biff_record(0x0809, &bof);
    stream.extend_from_slice(globals_extra);
    for _ in 0..boundsheets {
        stream.extend(boundsheet(globals_len as u32));
    }
    stream.extend(biff_record(0x000A, &[]));
    stream.extend(biff_record(0x0809, &sheet_bof));
    stream.extend_from_slice(sheet_records);
    stream.extend(biff_record(0x000A, &[]));
    compound_file("Workbook", &stream)
}

/// A NUMBER record (1.0) at a cell.
pub fn number_at(row: u16, col: u16) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&1.0f64.to_le_bytes());
    biff_record(0x0203, &d)
}

/// A BIFF8 DIMENSIONS record.
pub fn dimensions(first_row: u32, last_row: u32, first_col: u16, last_col: u16) -> Vec<u8> {
    let mut d = first_row.to_le_bytes().to_vec();
    d.extend_from_slice(&last_row.to_le_bytes());
    d.extend_from_slice(&first_col.to_le_bytes());
    d.extend_from_slice(&last_col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    biff_record(0x0200, &d)
}

/// An `.ods` whose 人员信息 sheet is the template header, then `rows_xml` as written.
pub fn ods_rows(rows_xml: &str) -> Vec<u8> {
    let header: String = super::template::HEADER
        .iter()
        .map(|h| format!(r#"<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>"#))
        .collect();
    ods_file(&format!(
        r#"<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="人员信息"><table:table-row>{header}</table:table-row>{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"#
    ))
}
