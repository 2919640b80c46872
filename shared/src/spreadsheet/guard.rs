//! The checks an upload passes before calamine sees it.
//!
//! calamine trusts what a file declares: a forged `uniqueCount` makes it reserve that many
//! strings (an allocation failure aborts the process), and it inflates whatever the zip
//! directory lists. So: cap the file size, tell PDFs, CSVs and encrypted files apart with a
//! reason, read the zip directory and cap each entry's declared size and compression ratio,
//! and stream `sharedStrings.xml` through a hard byte cap, counting the strings and their
//! lengths. Rows and columns are capped later, while reading cells. `.xls` and `.ods`, which
//! calamine reads whole when it opens them, have guards of their own ([`xls`], [`ods`]).
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::error::SpreadsheetError;

mod ods;
mod xls;

/// The kinds of workbook the import reads, told apart by content (never by file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML, Excel 2007 and later, WPS.
    Xlsx,
    /// Excel 97–2003 (BIFF8 in a compound file), still many offices' default.
    Xls,
    /// OpenDocument, LibreOffice and OpenOffice.
    Ods,
}

const MIB: u64 = 1024 * 1024;
/// Entries smaller than this may have any compression ratio: they cannot hurt.
const RATIO_FLOOR: u64 = MIB;

/// Caps on an upload; [`XlsxLimits::default`] is what the import endpoint uses. Together they
/// keep reading any file under ~200 MB of memory and a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsxLimits {
    /// Size of the uploaded file.
    pub max_file_bytes: u64,
    /// Entries in the zip directory (a real workbook has a few dozen).
    pub max_entries: usize,
    /// Declared uncompressed size of any one entry (worksheets are streamed, so may be big).
    pub max_entry_uncompressed: u64,
    /// Declared uncompressed size of the parts calamine parses whole into memory on opening
    /// (workbook.xml, styles.xml, relationships, theme): 64 MiB of number formats costs it
    /// over 200 MB.
    pub max_part_uncompressed: u64,
    /// sharedStrings.xml, held whole by calamine; also the hard cap when we inflate it.
    pub max_shared_strings_bytes: u64,
    /// Declared uncompressed size of all entries together.
    pub max_total_uncompressed: u64,
    /// Uncompressed ÷ compressed, for entries over 1 MiB (deflate bombs reach ~1000).
    pub max_ratio: u64,
    /// `<si>` entries in sharedStrings.xml, and its `uniqueCount` attribute.
    pub max_shared_strings: u64,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Bytes of cell text read from the template's columns: one long shared string
    /// referenced by every cell must not multiply into gigabytes.
    pub max_text_bytes: usize,
    /// Data rows below the header.
    pub max_rows: u32,
    /// Columns that may hold anything at all.
    pub max_cols: u32,
    /// Cells calamine holds at once for an `.xls` or `.ods`, which it reads whole, each sheet
    /// as a grid from its first to its last cell: 50,000 rows of 60 columns, under ~200 MB
    /// at the peak (`shared/tests/hostile_memory.rs`).
    pub max_cells: u64,
}

impl Default for XlsxLimits {
    fn default() -> Self {
        XlsxLimits {
            max_file_bytes: 5 * MIB,
            max_entries: 1_000,
            max_entry_uncompressed: 64 * MIB,
            max_part_uncompressed: 8 * MIB,
            max_shared_strings_bytes: 32 * MIB,
            max_total_uncompressed: 200 * MIB,
            max_ratio: 200,
            max_shared_strings: 600_000,
            max_cell_chars: 32_767,
            max_text_bytes: 32 * MIB as usize,
            max_rows: 50_000,
            max_cols: 64,
            max_cells: 3_000_000,
        }
    }
}

impl XlsxLimits {
    /// The cap on one entry's declared uncompressed size, by what reads it. zip refuses to
    /// inflate an entry past its declared size, so this bounds what calamine reads too.
    fn entry_cap(&self, lowercase_name: &str) -> u64 {
        let n = lowercase_name;
        if n.ends_with("sharedstrings.xml") {
            self.max_shared_strings_bytes
        } else if n == "mimetype"
            || n.ends_with(".rels")
            || n.ends_with("workbook.xml")
            || n.ends_with("styles.xml")
            || n.contains("theme/")
        {
            self.max_part_uncompressed
        } else {
            self.max_entry_uncompressed
        }
    }
}

/// Refuses anything that is not a plain, reasonably sized `.xlsx`, `.xls` or `.ods`, with a
/// reason a clerk can act on, and says which it is. Bounded in time and memory by `limits`
/// whatever the input.
pub fn inspect(bytes: &[u8], limits: &XlsxLimits) -> Result<Format, SpreadsheetError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(SpreadsheetError::FileTooLarge {
            max_mib: limits.max_file_bytes.div_ceil(MIB),
        });
    }
    if sniff(bytes)? == Format::Xls {
        xls::inspect(bytes, limits)?;
        return Ok(Format::Xls);
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| SpreadsheetError::CorruptFile)?;
    if zip.len() > limits.max_entries {
        return Err(SpreadsheetError::ContentTooLarge);
    }
    let names = check_directory(&mut zip, limits)?;
    let format = check_package(&names)?;
    for (index, name) in names.iter().enumerate() {
        if format == Format::Xlsx && name.ends_with("sharedstrings.xml") {
            let entry = zip.by_index(index).map_err(|_| SpreadsheetError::CorruptFile)?;
            let declared = entry.size();
            scan_shared_strings(entry, declared, limits)?;
        }
        if format == Format::Ods && name == "mimetype" {
            // A text document or a presentation is an OpenDocument zip too.
            let mut kind = Vec::new();
            let entry = zip.by_index(index).map_err(|_| SpreadsheetError::CorruptFile)?;
            entry
                .take(64)
                .read_to_end(&mut kind)
                .map_err(|_| SpreadsheetError::CorruptFile)?;
            if kind.trim_ascii() != b"application/vnd.oasis.opendocument.spreadsheet" {
                return Err(SpreadsheetError::NotXlsx);
            }
        }
        if format == Format::Ods && name == "content.xml" {
            let entry = zip.by_index(index).map_err(|_| SpreadsheetError::CorruptFile)?;
            ods::scan_content(entry, limits)?;
        }
    }
    Ok(format)
}

/// What the first bytes say: a zip (told apart later), a compound file (`.xls`, or an
/// encrypted `.xlsx`), or something that is no workbook at all.
fn sniff(bytes: &[u8]) -> Result<Format, SpreadsheetError> {
    const CFB: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.is_empty() {
        return Err(SpreadsheetError::EmptyFile);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(Format::Xlsx);
    }
    if bytes.starts_with(&CFB) {
        return Ok(Format::Xls);
    }
    let head = &bytes[..bytes.len().min(8 * 1024)];
    // PDF readers accept junk before the marker, so search the first kilobyte.
    if head[..head.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
        return Err(SpreadsheetError::Pdf);
    }
    if looks_like_text(head) {
        return Err(SpreadsheetError::Text);
    }
    Err(SpreadsheetError::NotXlsx)
}

/// CSV, TSV and the HTML "xls" some systems export: UTF-16 with a BOM, or bytes without
/// control characters (UTF-8 and GBK alike).
fn looks_like_text(head: &[u8]) -> bool {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    head.iter()
        .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C) || b == 0x1A)
}

/// Caps each entry's declared sizes and ratio; returns the names, lowercased, by index.
fn check_directory(zip: &mut ZipArchive<Cursor<&[u8]>>, limits: &XlsxLimits) -> Result<Vec<String>, SpreadsheetError> {
    let mut names = Vec::with_capacity(zip.len());
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(|_| SpreadsheetError::CorruptFile)?;
        if entry.encrypted() {
            return Err(SpreadsheetError::Encrypted);
        }
        let name = entry
            .name()
            .map_err(|_| SpreadsheetError::CorruptFile)?
            .to_ascii_lowercase();
        let size = entry.size();
        total = total.saturating_add(size);
        let bomb = size > RATIO_FLOOR && size / entry.compressed_size().max(1) > limits.max_ratio;
        if size > limits.entry_cap(&name) || total > limits.max_total_uncompressed || bomb {
            return Err(SpreadsheetError::ContentTooLarge);
        }
        names.push(name);
    }
    Ok(names)
}

/// Which workbook a zip is, or why it is none: an .xlsb, a Word file…
fn check_package(names: &[String]) -> Result<Format, SpreadsheetError> {
    let has = |wanted: &str| names.iter().any(|n| n == wanted);
    if has("[content_types].xml") && names.iter().any(|n| n.ends_with("workbook.xml")) {
        return Ok(Format::Xlsx);
    }
    if has("mimetype") && has("content.xml") {
        return Ok(Format::Ods);
    }
    if names.iter().any(|n| n.ends_with("workbook.bin")) {
        return Err(SpreadsheetError::OtherSpreadsheet {
            format: "Excel二进制工作簿（.xlsb）",
        });
    }
    Err(SpreadsheetError::NotXlsx)
}

/// Inflates sharedStrings.xml through a hard cap (never trusting the declared size) and
/// refuses forged counts, too many strings, or one string longer than a cell can hold.
///
/// Inflated whole before the scan (calamine holds it whole anyway; `declared`, already
/// capped, only sizes the buffer): parsing a slice borrows each event instead of copying it.
fn scan_shared_strings(entry: impl Read, declared: u64, limits: &XlsxLimits) -> Result<(), SpreadsheetError> {
    let cap = limits.max_shared_strings_bytes;
    let mut xml = Vec::with_capacity(usize::try_from(declared.min(cap)).unwrap_or(0));
    entry
        .take(cap.saturating_add(1))
        .read_to_end(&mut xml)
        .map_err(|_| SpreadsheetError::CorruptFile)?;
    if xml.len() as u64 > cap {
        return Err(SpreadsheetError::ContentTooLarge);
    }
    if plainly_within_limits(&xml, limits)? {
        return Ok(());
    }
    let mut reader = Reader::from_reader(xml.as_slice());
    let too_many = SpreadsheetError::TooManyStrings {
        max: limits.max_shared_strings,
    };
    let too_long = SpreadsheetError::CellTooLong {
        max: limits.max_cell_chars,
    };
    let mut strings: u64 = 0;
    let mut chars: usize = 0;
    // Depth inside <t> (outside phonetic runs, which calamine skips).
    let mut in_text = false;
    let mut in_phonetic = false;
    loop {
        match reader.read_event().map_err(|_| SpreadsheetError::CorruptFile)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sst" => {
                check_count_attributes(&e, limits)?;
            }
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => {
                    strings += 1;
                    chars = 0;
                    if strings > limits.max_shared_strings {
                        return Err(too_many);
                    }
                }
                "rPh" => in_phonetic = true,
                "t" => in_text = !in_phonetic,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => {
                strings += 1;
                if strings > limits.max_shared_strings {
                    return Err(too_many);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "rPh" => in_phonetic = false,
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => chars = chars.saturating_add(t.chars().count()),
            Event::CData(t) if in_text => chars = chars.saturating_add(t.chars().count()),
            Event::GeneralRef(_) if in_text => chars = chars.saturating_add(1),
            Event::Eof => return Ok(()),
            _ => {}
        }
        if chars > limits.max_cell_chars {
            return Err(too_long);
        }
    }
}

/// The common case at a fraction of a full parse (a 50,000-row file's strings in a few
/// milliseconds instead of ~30): the `<sst>` tag's counts checked, then every `<si>` found
/// with a byte search. Markup cannot hold a literal `<`, so the tags found are the strings;
/// if there are few enough of them and none spans more bytes than a cell may hold
/// characters, no string can be too long. Anything else (a namespace prefix, CDATA, a long
/// string) answers `false`, and the exact parse decides.
fn plainly_within_limits(xml: &[u8], limits: &XlsxLimits) -> Result<bool, SpreadsheetError> {
    // CDATA may hold a literal `<si`; a prefixed `<x:si>` would not be found.
    if [&b"<![CDATA["[..], b":si>", b":si "]
        .iter()
        .any(|n| memchr::memmem::find(xml, n).is_some())
    {
        return Ok(false);
    }
    let mut reader = Reader::from_reader(xml);
    loop {
        match reader.read_event().map_err(|_| SpreadsheetError::CorruptFile)? {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "sst" => {
                check_count_attributes(&e, limits)?;
                break;
            }
            Event::Decl(_) | Event::Comment(_) | Event::Text(_) | Event::PI(_) | Event::DocType(_) => {}
            _ => return Ok(false),
        }
    }
    let mut strings: u64 = 0;
    let mut previous = None;
    for at in memchr::memmem::find_iter(xml, b"<si").chain(std::iter::once(xml.len())) {
        if at < xml.len() && !matches!(xml.get(at + 3), Some(b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n')) {
            continue;
        }
        if let Some(start) = previous
            && at - start > limits.max_cell_chars
        {
            return Ok(false);
        }
        previous = Some(at);
        strings += 1;
    }
    // The end of the text was counted as a string above.
    Ok(strings - 1 <= limits.max_shared_strings)
}

fn check_count_attributes(sst: &BytesStart<'_>, limits: &XlsxLimits) -> Result<(), SpreadsheetError> {
    for attr in sst.attributes().flatten() {
        // calamine reserves `uniqueCount` strings up front. `count` (references from cells)
        // is unused, but more than the cells we would read is forged.
        let max = match attr.key.local_name().as_ref() {
            "uniqueCount" => limits.max_shared_strings,
            "count" => u64::from(limits.max_rows + 1) * u64::from(limits.max_cols),
            _ => continue,
        };
        match attr.value.trim().parse::<u64>() {
            Ok(n) if n <= max => {}
            Ok(_) => {
                return Err(SpreadsheetError::TooManyStrings {
                    max: limits.max_shared_strings,
                });
            }
            Err(_) => return Err(SpreadsheetError::CorruptFile),
        }
    }
    Ok(())
}

#[cfg(test)]
mod format_tests;
#[cfg(test)]
mod tests;
