//! The `.xls` guard: Excel 97–2003 workbooks are a BIFF8 `Workbook` stream inside a compound
//! file (CFB, [MS-CFB]).
//!
//! calamine (0.38) follows the compound file's sector chains without a loop check (a chain
//! that points back at itself grows memory without end), indexes the FAT with whatever a
//! chain says, reserves a sheet's declared `DIMENSIONS` up front, parses every sheet a
//! `BOUNDSHEET` record names (the same sheet a thousand times, if told so), clones a shared
//! string into every cell that references it, and expands each sheet into a dense grid from
//! its first to its last cell. So before calamine sees the file: walk the header, the FAT,
//! the directory and the mini stream with every chain checked for loops and bounds, find the
//! workbook stream, then walk its records and add up what calamine will hold.
use super::{SpreadsheetError, XlsxLimits};

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Sector ids from here up are markers (free, end of chain, FAT, DIFAT), not sectors.
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
/// Entries in the header's own DIFAT array.
const HEADER_DIFAT_ENTRIES: usize = 109;
/// Streams shorter than this live in the mini stream, in 64-byte sectors.
const MINI_STREAM_CUTOFF: u64 = 4096;
const MINI_SECTOR: usize = 64;
/// Sheets (BOUNDSHEET records) in one workbook: a member list needs two.
const MAX_SHEETS: usize = 64;
/// Formula text calamine writes out for every formula and defined name (we never read it,
/// calamine cannot be told not to): 100,000 formulas of a member list (=ROW()-1, =MID(…))
/// take ~40 MB; a name of 255 characters referenced token after token would take gigabytes.
const MAX_FORMULA_TEXT: u64 = 128 * 1024 * 1024;

/// Checks an `.xls` whose first bytes are the compound-file signature.
pub(super) fn inspect(bytes: &[u8], limits: &XlsxLimits) -> Result<(), SpreadsheetError> {
    let file = Compound::open(bytes)?;
    // A password-protected .xlsx is a compound file holding the encrypted package.
    if file.has("EncryptionInfo") || file.has("EncryptedPackage") {
        return Err(SpreadsheetError::Encrypted);
    }
    // Word, PowerPoint or an Outlook message: a compound file without a workbook stream.
    let stream = match file.stream("Workbook")? {
        Some(stream) => stream,
        None => file.stream("Book")?.ok_or(SpreadsheetError::NotXlsx)?,
    };
    check_workbook(&stream, limits)
}

struct Entry {
    name: String,
    start: u32,
    size: u64,
}

struct Compound<'a> {
    bytes: &'a [u8],
    sector_size: usize,
    /// Sectors present in the file after the header.
    sectors: usize,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
    entries: Vec<Entry>,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

fn words(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
}

const CORRUPT: SpreadsheetError = SpreadsheetError::CorruptFile;

impl<'a> Compound<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, SpreadsheetError> {
        let header = bytes.get(..512).ok_or(CORRUPT)?;
        let version = u16_at(header, 26).ok_or(CORRUPT)?;
        let sector_size = match u16_at(header, 30) {
            Some(9) => 512,
            Some(12) => 4096,
            _ => return Err(CORRUPT),
        };
        if u16_at(header, 32) != Some(6) || bytes.len() < sector_size {
            return Err(CORRUPT);
        }
        let sectors = (bytes.len() - sector_size).div_ceil(sector_size);
        let mut file = Compound {
            bytes,
            sector_size,
            sectors,
            fat: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
            entries: Vec::new(),
        };
        // The FAT's own sectors: the header's DIFAT array, then the DIFAT chain, whose
        // sectors end with the next one's id (as calamine reads them).
        let mut fat_sectors: Vec<u32> = words(&header[76..76 + 4 * HEADER_DIFAT_ENTRIES]).collect();
        let mut next = u32_at(header, 68).ok_or(CORRUPT)?;
        let mut hops = 0;
        while next < MAX_REGULAR_SECTOR {
            hops += 1;
            if hops > sectors {
                return Err(CORRUPT);
            }
            fat_sectors.extend(words(file.sector(next)?));
            next = fat_sectors.pop().ok_or(CORRUPT)?;
        }
        fat_sectors.retain(|&id| id < 0xFFFF_FFFC);
        // More FAT sectors than sectors can only be the same ones listed again and again.
        if fat_sectors.len() > sectors {
            return Err(CORRUPT);
        }
        for id in fat_sectors {
            let sector = file.sector(id)?;
            file.fat.extend(words(sector));
        }
        let directory = file.read_chain(u32_at(header, 48).ok_or(CORRUPT)?, u64::MAX)?;
        file.entries = directory
            .chunks_exact(128)
            .map(|raw| Entry {
                name: String::from_utf16_lossy(
                    &raw[..64]
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .take_while(|&c| c != 0)
                        .collect::<Vec<_>>(),
                ),
                start: u32_at(raw, 116).unwrap_or(END_OF_CHAIN),
                size: if sector_size == 512 {
                    u32_at(raw, 120).map_or(0, u64::from)
                } else {
                    u64_at(raw, 120).unwrap_or(0)
                },
            })
            .collect();
        let (root_start, root_size) = file.entries.first().map(|r| (r.start, r.size)).ok_or(CORRUPT)?;
        if version != 3 && root_start == END_OF_CHAIN {
            return Err(CORRUPT);
        }
        let mini_fat_sectors = u32_at(header, 64).ok_or(CORRUPT)? as usize;
        if mini_fat_sectors > 0 {
            file.mini_stream = file.read_chain(root_start, root_size)?;
            let mini_fat_bytes = (mini_fat_sectors as u64).saturating_mul(sector_size as u64);
            let mini_fat = file.read_chain(u32_at(header, 60).ok_or(CORRUPT)?, mini_fat_bytes)?;
            file.mini_fat = words(&mini_fat).collect();
        }
        Ok(file)
    }

    /// Sector `id`: the last one may be cut short by the end of the file.
    fn sector(&self, id: u32) -> Result<&'a [u8], SpreadsheetError> {
        let id = id as usize;
        if id >= self.sectors {
            return Err(CORRUPT);
        }
        let start = (id + 1) * self.sector_size;
        Ok(&self.bytes[start..(start + self.sector_size).min(self.bytes.len())])
    }

    /// The sector ids of the chain from `start`, refusing a loop, an id beyond the table
    /// or the file, and a marker where a sector should be.
    fn chain(start: u32, table: &[u32], units: usize) -> Result<Vec<u32>, SpreadsheetError> {
        let mut seen = vec![false; table.len().min(units)];
        let mut ids = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN {
            let index = id as usize;
            match seen.get_mut(index) {
                Some(visited) if !*visited => *visited = true,
                _ => return Err(CORRUPT),
            }
            ids.push(id);
            id = table[index];
        }
        Ok(ids)
    }

    /// Up to `size` bytes of the regular-sector chain from `start`.
    fn read_chain(&self, start: u32, size: u64) -> Result<Vec<u8>, SpreadsheetError> {
        let mut out = Vec::new();
        for id in Self::chain(start, &self.fat, self.sectors)? {
            if out.len() as u64 >= size {
                break;
            }
            out.extend_from_slice(self.sector(id)?);
        }
        out.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        Ok(out)
    }

    fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The stream named `name` (the first entry so named, as calamine picks it).
    fn stream(&self, name: &str) -> Result<Option<Vec<u8>>, SpreadsheetError> {
        let Some(entry) = self.entries.iter().find(|e| e.name.eq_ignore_ascii_case(name)) else {
            return Ok(None);
        };
        if entry.size > self.bytes.len() as u64 {
            return Err(CORRUPT);
        }
        if entry.size >= MINI_STREAM_CUTOFF {
            return self.read_chain(entry.start, entry.size).map(Some);
        }
        let units = self.mini_stream.len() / MINI_SECTOR;
        let mut out = Vec::new();
        for id in Self::chain(entry.start, &self.mini_fat, units)? {
            let at = id as usize * MINI_SECTOR;
            out.extend_from_slice(&self.mini_stream[at..at + MINI_SECTOR]);
        }
        out.truncate(entry.size as usize);
        Ok(Some(out))
    }
}

/// One BIFF record with the data of the CONTINUE records after it (as calamine joins them).
struct Record<'s> {
    typ: u16,
    data: &'s [u8],
    continued: Vec<&'s [u8]>,
}

fn records(mut stream: &[u8]) -> impl Iterator<Item = Result<Record<'_>, SpreadsheetError>> {
    std::iter::from_fn(move || {
        if stream.is_empty() {
            return None;
        }
        let (typ, len) = match (u16_at(stream, 0), u16_at(stream, 2)) {
            (Some(typ), Some(len)) if stream.len() >= 4 + len as usize => (typ, len as usize),
            _ => {
                stream = &[];
                return Some(Err(CORRUPT));
            }
        };
        let data = &stream[4..4 + len];
        stream = &stream[4 + len..];
        let mut continued = Vec::new();
        while let (Some(0x003C), Some(len)) = (u16_at(stream, 0), u16_at(stream, 2)) {
            let Some(part) = stream.get(4..4 + len as usize) else {
                stream = &[];
                return Some(Err(CORRUPT));
            };
            continued.push(part);
            stream = &stream[4 + len as usize..];
        }
        Some(Ok(Record { typ, data, continued }))
    })
}

/// What calamine will hold for one sheet: the cells it reserves and collects, and the dense
/// grids of values and of formulas.
#[derive(Default)]
struct SheetCost {
    reserved: u64,
    collected: u64,
    values: Bounds,
    formulas: Bounds,
    text_bytes: u64,
    /// Bytes of formula records, which calamine turns into formula text.
    formula_bytes: u64,
}

#[derive(Default)]
struct Bounds(Option<(u32, u32, u32, u32)>);

impl Bounds {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn cells(&self) -> u64 {
        self.0
            .map_or(0, |(r0, r1, c0, c1)| u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1))
    }
}

impl SheetCost {
    fn cells(&self) -> u64 {
        self.reserved + self.collected + self.values.cells() + self.formulas.cells()
    }
}

fn check_workbook(stream: &[u8], limits: &XlsxLimits) -> Result<(), SpreadsheetError> {
    let mut sheets = Vec::new();
    let mut strings: Vec<u64> = Vec::new();
    // The longest sheet name and defined name (in characters), which formula tokens expand to.
    let (mut longest_sheet, mut longest_name) = (0u64, 0u64);
    let mut name_formulas = 0u64;
    for record in records(stream) {
        let record = record?;
        let data = record.data;
        match record.typ {
            0x002F if u16_at(data, 0).is_some_and(|v| v != 0) => return Err(SpreadsheetError::Encrypted),
            0x0085 => {
                sheets.push(u32_at(data, 0).ok_or(CORRUPT)? as usize);
                longest_sheet = longest_sheet.max(u64::from(data.get(6).copied().unwrap_or(0)));
            }
            0x0018 => {
                longest_name = longest_name.max(u64::from(data.get(3).copied().unwrap_or(0)));
                name_formulas += data.len() as u64;
            }
            0x00FC => strings = string_lengths(&record),
            0x000A => break,
            _ => {}
        }
    }
    if sheets.len() > MAX_SHEETS {
        return Err(SpreadsheetError::ContentTooLarge);
    }
    // Text a byte of formula tokens can become: a 1-9 byte operand or function token writes at
    // most ~8 bytes a byte; a 7-byte 3-D reference writes its sheet's name; a 5-byte name
    // token, the name (three UTF-8 bytes a character at most).
    let per_byte = 8u64
        .max((3 * longest_sheet + 12).div_ceil(7))
        .max((3 * longest_name).div_ceil(5));
    let (mut cells, mut text) = (0u64, 0u64);
    let mut formula_text = name_formulas.saturating_mul(per_byte);
    for at in sheets {
        let sheet = stream.get(at..).ok_or(CORRUPT)?;
        let cost = sheet_cost(sheet, &strings)?;
        cells = cells.saturating_add(cost.cells());
        text = text.saturating_add(cost.text_bytes);
        formula_text = formula_text.saturating_add(cost.formula_bytes.saturating_mul(per_byte));
        if cells > limits.max_cells || text > limits.max_text_bytes as u64 || formula_text > MAX_FORMULA_TEXT {
            return Err(SpreadsheetError::ContentTooLarge);
        }
    }
    Ok(())
}

/// Walks one sheet's substream as calamine does (embedded charts skipped).
fn sheet_cost(sheet: &[u8], strings: &[u64]) -> Result<SheetCost, SpreadsheetError> {
    let mut cost = SheetCost::default();
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut formula_at = (0u32, 0u32);
    for record in records(sheet) {
        let record = record?;
        let data = record.data;
        if depth > 0 {
            match record.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let at = || Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
        match record.typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 => cost.reserved = cost.reserved.saturating_add(declared_dimensions(data)?),
            // NUMBER, LABEL, RSTRING, BOOLERR, RK: one cell each.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E => {
                let (row, col) = at().ok_or(CORRUPT)?;
                cost.values.add(row, col);
                cost.collected += 1;
                if matches!(record.typ, 0x0204 | 0x00D6) {
                    // Inline text: at most three UTF-8 bytes per byte of the record.
                    cost.text_bytes += 3 * data.len() as u64;
                }
            }
            0x00FD => {
                let (row, col) = at().ok_or(CORRUPT)?;
                let index = u32_at(data, 6).ok_or(CORRUPT)? as usize;
                cost.values.add(row, col);
                cost.collected += 1;
                cost.text_bytes = cost.text_bytes.saturating_add(strings.get(index).copied().unwrap_or(0));
            }
            // MULRK: a run of cells in one row.
            0x00BD => {
                let (row, first) = at().ok_or(CORRUPT)?;
                let last = data.len().checked_sub(2).and_then(|i| u16_at(data, i)).ok_or(CORRUPT)?;
                let last = u32::from(last);
                if last < first {
                    return Err(CORRUPT);
                }
                cost.values.add(row, first);
                cost.values.add(row, last);
                cost.collected += u64::from(last - first + 1);
            }
            // FORMULA: its cached value, and the formula text in a grid of its own.
            0x0006 => {
                formula_at = at().ok_or(CORRUPT)?;
                cost.values.add(formula_at.0, formula_at.1);
                cost.formulas.add(formula_at.0, formula_at.1);
                cost.collected += 2;
                // The token bytes, and room for the message of a formula it cannot read.
                cost.formula_bytes += data.len() as u64 + 12;
            }
            // STRING: the text a formula before it evaluated to.
            0x0207 => {
                cost.values.add(formula_at.0, formula_at.1);
                cost.collected += 1;
                cost.text_bytes += 3 * (data.len() + record.continued.iter().map(|c| c.len()).sum::<usize>()) as u64;
            }
            0x000A => break,
            _ => {}
        }
    }
    Ok(cost)
}

/// The cells calamine reserves for a `DIMENSIONS` record; a range that ends before it
/// starts would wrap around to billions there.
fn declared_dimensions(data: &[u8]) -> Result<u64, SpreadsheetError> {
    let (first_row, last_row, mut first_col, last_col) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0).ok_or(CORRUPT)?),
            u32::from(u16_at(data, 2).ok_or(CORRUPT)?),
            u32::from(u16_at(data, 4).ok_or(CORRUPT)?),
            u32::from(u16_at(data, 6).ok_or(CORRUPT)?),
        ),
        14 | 16 => (
            u32_at(data, 0).ok_or(CORRUPT)?,
            u32_at(data, 4).ok_or(CORRUPT)?,
            u32::from(u16_at(data, 8).ok_or(CORRUPT)?),
            u32::from(u16_at(data, 10).ok_or(CORRUPT)?),
        ),
        _ => return Err(CORRUPT),
    };
    if first_col > 0xFF || last_col < first_col {
        first_col = 0;
    }
    if last_row < 1 || last_col < 1 {
        return Ok(1);
    }
    if last_row - 1 < first_row {
        return Err(SpreadsheetError::ContentTooLarge);
    }
    Ok(u64::from(last_row - first_row) * u64::from(last_col - first_col))
}

/// The UTF-8 size (at most three bytes a character) of each string in the shared string
/// table, read as calamine reads it: character runs may cross into a CONTINUE record, which
/// then starts with its own flags byte.
fn string_lengths(record: &Record<'_>) -> Vec<u64> {
    let mut parts = std::iter::once(record.data.get(8..).unwrap_or(&[])).chain(record.continued.iter().copied());
    let mut part = parts.next().unwrap_or(&[]);
    let mut lengths = Vec::new();
    loop {
        if part.is_empty() {
            match parts.next() {
                Some(next) => part = next,
                None => return lengths,
            }
            continue;
        }
        let (Some(chars), Some(&flags)) = (u16_at(part, 0), part.get(2)) else {
            return lengths;
        };
        part = &part[3..];
        let mut wide = flags & 0x1 != 0;
        let runs = if flags & 0x8 != 0 {
            let n = u16_at(part, 0).unwrap_or(0);
            part = part.get(2..).unwrap_or(&[]);
            usize::from(n) * 4
        } else {
            0
        };
        let extension = if flags & 0x4 != 0 {
            let n = u32_at(part, 0).unwrap_or(0);
            part = part.get(4..).unwrap_or(&[]);
            n as usize
        } else {
            0
        };
        let mut left = usize::from(chars);
        while left > 0 {
            if part.is_empty() {
                let Some(next) = parts.next() else { break };
                let Some((&flag, rest)) = next.split_first() else { break };
                wide = flag & 0x1 != 0;
                part = rest;
                continue;
            }
            let width = if wide { 2 } else { 1 };
            let take = left.min(part.len() / width).max(1);
            part = part.get(take * width..).unwrap_or(&[]);
            left -= take;
        }
        lengths.push(3 * u64::from(chars));
        // Formatting runs and the phonetic extension may also cross into the next part.
        let mut skip = runs + extension;
        while skip > 0 {
            if part.is_empty() {
                let Some(next) = parts.next() else { break };
                part = next;
                continue;
            }
            let take = skip.min(part.len());
            part = &part[take..];
            skip -= take;
        }
    }
}
