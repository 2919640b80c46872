//! One row of the template to a member, or to every reason it cannot be one.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::cell::{Cell, CellKind, DateProblem, general_number, iso, parse_date_cell};
use super::members::SheetRow;
use super::template::{
    COL_BIRTH_DATE, COL_GENDER, COL_ID, COL_ID_TYPE, COL_MOBILE, COL_NAME, COL_OCCUPATION, COL_REMARK, HEADER,
};
use crate::domain::{Gender, IdType, Mobile, Occupation, PersonId, normalized};

pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_REMARK_CHARS: usize = 200;

/// A valid row, ready to be stored as a member of the application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberDraft {
    /// Excel row number in the imported file.
    pub row: u32,
    pub name: String,
    pub id: PersonId,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub mobile: Option<Mobile>,
    pub occupation: Occupation,
    pub remark: String,
}

/// Every problem of one row: `(code, Chinese reason)` in column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowFailure {
    pub row: u32,
    pub reasons: Vec<(&'static str, String)>,
}

impl RowFailure {
    /// The 失败原因 cell: the reasons joined with "；".
    pub fn message(&self) -> String {
        self.reasons
            .iter()
            .map(|(_, reason)| reason.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.reasons.iter().map(|(code, _)| *code)
    }
}

/// What the rows of one file are checked against: the IDs already in the application and
/// those met earlier in this file.
#[derive(Debug, Clone)]
pub struct ImportContext {
    today: NaiveDate,
    earlier: HashMap<String, (String, u32)>,
    this_file: HashMap<String, u32>,
}

impl ImportContext {
    /// `today` bounds birth dates typed for passport holders.
    pub fn new(today: NaiveDate) -> ImportContext {
        ImportContext {
            today,
            earlier: HashMap::new(),
            this_file: HashMap::new(),
        }
    }

    /// An ID imported by an earlier batch of the application (`batch` as the batch list shows it).
    pub fn add_earlier(&mut self, id: &PersonId, batch: impl Into<String>, row: u32) {
        self.earlier.insert(id.as_str().to_owned(), (batch.into(), row));
    }

    /// Room for `rows` more IDs from this file, so the map does not regrow while validating.
    pub(crate) fn reserve(&mut self, rows: usize) {
        self.this_file.reserve(rows);
    }

    /// After this file's members are stored as `batch`, a next file checks against them too.
    pub fn commit_file(&mut self, batch: &str) {
        for (id, row) in self.this_file.drain() {
            self.earlier.insert(id, (batch.to_owned(), row));
        }
    }
}

type Reason = (&'static str, String);

/// Checks one row; the ID is remembered for the rest of the file only if the row is valid.
pub fn validate_row(row: &SheetRow, ctx: &mut ImportContext) -> Result<MemberDraft, RowFailure> {
    let cells = &row.cells;
    let mut reasons: Vec<Reason> = Vec::new();
    let name = keep(&mut reasons, check_name(&cells[COL_NAME]));
    let id = keep(&mut reasons, check_id(&cells[COL_ID_TYPE], &cells[COL_ID]));
    let gender = keep(&mut reasons, check_gender(&cells[COL_GENDER], id.as_ref())).flatten();
    let birth_date = keep(
        &mut reasons,
        check_birth_date(&cells[COL_BIRTH_DATE], id.as_ref(), ctx.today),
    )
    .flatten();
    let mobile = keep(&mut reasons, check_mobile(&cells[COL_MOBILE]));
    let occupation = keep(&mut reasons, check_occupation(&cells[COL_OCCUPATION]));
    let remark = keep(&mut reasons, check_remark(&cells[COL_REMARK]));
    if let Some(id) = &id {
        keep(&mut reasons, check_duplicate(id, ctx));
    }
    match (name, id, gender, birth_date, mobile, occupation, remark) {
        (Some(name), Some(id), Some(gender), Some(birth_date), Some(mobile), Some(occupation), Some(remark))
            if reasons.is_empty() =>
        {
            ctx.this_file.insert(id.as_str().to_owned(), row.row);
            Ok(MemberDraft {
                row: row.row,
                name,
                id,
                gender,
                birth_date,
                mobile,
                occupation,
                remark,
            })
        }
        _ => Err(RowFailure { row: row.row, reasons }),
    }
}

/// Who a member is: the ID, with the gender and birth date it carries or that were typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub id: PersonId,
    pub gender: Gender,
    pub birth_date: NaiveDate,
}

/// A refused field of a form: (field, code, Chinese reason).
pub type FieldProblem = (&'static str, &'static str, String);

/// A member's identity as typed on screen (证件类型, 证件号码, 性别, 出生日期; blank where not
/// typed), checked by the very rules of an import row: a correction in place is held to what
/// the import would have accepted. Every problem comes with its field (`id_number`, `gender`,
/// `birth_date`).
pub fn check_identity(
    id_type: &str,
    id_number: &str,
    gender: &str,
    birth_date: &str,
    today: NaiveDate,
) -> Result<Identity, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut field = |name: &'static str, reason: Reason| problems.push((name, reason.0, reason.1));
    let id = check_id(&Cell::text(id_type), &Cell::text(id_number))
        .map_err(|r| field("id_number", r))
        .ok();
    let gender = check_gender(&Cell::text(gender), id.as_ref())
        .map_err(|r| field("gender", r))
        .ok()
        .flatten();
    let birth_date = check_birth_date(&Cell::text(birth_date), id.as_ref(), today)
        .map_err(|r| field("birth_date", r))
        .ok()
        .flatten();
    match (id, gender, birth_date) {
        (Some(id), Some(gender), Some(birth_date)) if problems.is_empty() => Ok(Identity { id, gender, birth_date }),
        _ => Err(problems),
    }
}

fn keep<T>(reasons: &mut Vec<Reason>, result: Result<T, Reason>) -> Option<T> {
    result.map_err(|reason| reasons.push(reason)).ok()
}

/// A formula left an error value (#N/A…) where a value was expected.
fn formula_error(cell: &Cell, col: usize) -> Result<(), Reason> {
    if cell.kind == CellKind::Error {
        return Err((
            "CELL_FORMULA_ERROR",
            format!("{}为公式错误值{}，请填写实际内容", HEADER[col], cell.text),
        ));
    }
    Ok(())
}

/// Short enough to quote in a reason.
fn quoted(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > 20 {
        format!("{}…", text.chars().take(20).collect::<String>())
    } else {
        text.to_owned()
    }
}

fn check_name(cell: &Cell) -> Result<String, Reason> {
    formula_error(cell, COL_NAME)?;
    member_name(&cell.text)
}

/// A member's name as recorded, imported or edited: cleaned, 1–50 characters of the kinds a
/// name has, and every one printable on the certificate — a name accepted here can never
/// stop the certificate from printing after payment.
pub fn member_name(raw: &str) -> Result<String, Reason> {
    let name = clean_name(raw);
    if name.is_empty() {
        return Err(("NAME_REQUIRED", "请填写姓名".to_owned()));
    }
    let len = name.chars().count();
    if len > MAX_NAME_CHARS {
        return Err((
            "NAME_TOO_LONG",
            format!("姓名不能超过{MAX_NAME_CHARS}个字（当前{len}个字）"),
        ));
    }
    let first = name.chars().next();
    let bad = name
        .chars()
        .find(|&c| !(c.is_alphabetic() || c == '·' || c == ' ' || (matches!(c, '-' | '\'') && Some(c) != first)));
    if let Some(c) = bad {
        return Err((
            "NAME_INVALID",
            format!("姓名含有不允许的字符“{c}”，只能填写汉字、字母、间隔号“·”和空格"),
        ));
    }
    if let Some(&c) = crate::reference::printable::missing_glyphs(&name).first() {
        return Err((
            "NAME_UNPRINTABLE",
            format!(
                "姓名中的“{c}”（U+{:04X}）无法打印在确认书上，请核对是否录入有误，或改用身份证上的规范汉字",
                u32::from(c)
            ),
        ));
    }
    Ok(name)
}

/// Trims; folds full-width letters and the dots clerks type for “·”; collapses spaces, and
/// drops them from Chinese names padded for alignment (“张  三”).
fn clean_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        let c = match c {
            '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '•' | '・' | '‧' | '･' | '．' | '\u{2219}' => '·',
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => continue,
            c => c,
        };
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() && c != '·' && !out.ends_with('·') {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    if !out.chars().any(|c| c.is_ascii_alphabetic()) {
        out.retain(|c| c != ' ');
    }
    out
}

fn check_id(type_cell: &Cell, id_cell: &Cell) -> Result<PersonId, Reason> {
    formula_error(type_cell, COL_ID_TYPE)?;
    formula_error(id_cell, COL_ID)?;
    let id_type = if type_cell.is_blank() {
        IdType::ResidentIdCard
    } else {
        IdType::parse(&type_cell.text).map_err(|e| (e.code(), e.to_string()))?
    };
    let raw = match id_cell.kind {
        CellKind::Int(i) if i.unsigned_abs() < 1_000_000_000_000_000 => i.to_string(),
        CellKind::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => general_number(f),
        // Excel keeps 15 significant digits: an 18-digit number has lost its tail.
        CellKind::Int(_) | CellKind::Float(_) | CellKind::DateSerial(_) => {
            return Err((
                "ID_STORED_AS_NUMBER",
                "证件号码被Excel存成了数字，后几位已丢失，请将该列设为文本格式后重新录入".to_owned(),
            ));
        }
        _ => id_cell.text.clone(),
    };
    PersonId::parse(id_type, &raw).map_err(|e| (e.code(), e.to_string()))
}

/// `Ok(None)`: unknown because the ID failed (its own reason says enough).
fn check_gender(cell: &Cell, id: Option<&PersonId>) -> Result<Option<Gender>, Reason> {
    formula_error(cell, COL_GENDER)?;
    let typed = if cell.is_blank() {
        None
    } else {
        Some(Gender::parse(&cell.text).map_err(|e| (e.code(), e.to_string()))?)
    };
    match (id.map(|id| (id.id_type(), id.gender())), typed) {
        (Some((_, Some(derived))), Some(typed)) if typed != derived => Err((
            "GENDER_MISMATCH",
            format!("性别与证件号码不符（证件号码显示为{}）", derived.label()),
        )),
        (Some((_, Some(derived))), _) => Ok(Some(derived)),
        (_, Some(typed)) => Ok(Some(typed)),
        (Some((id_type, None)), None) => Err((
            "GENDER_REQUIRED",
            format!("证件类型为{}时请填写性别（男/女）", id_type.label()),
        )),
        (None, None) => Ok(None),
    }
}

/// `Ok(None)`: unknown because the ID failed.
fn check_birth_date(cell: &Cell, id: Option<&PersonId>, today: NaiveDate) -> Result<Option<NaiveDate>, Reason> {
    formula_error(cell, COL_BIRTH_DATE)?;
    let typed = if cell.is_blank() {
        None
    } else {
        let date = parse_date_cell(cell).map_err(|problem| match problem {
            DateProblem::NoSuchDate => (
                "BIRTH_DATE_INVALID",
                format!("出生日期“{}”不是有效日期，请核对", quoted(&cell.text)),
            ),
            DateProblem::Unreadable => (
                "BIRTH_DATE_INVALID",
                format!(
                    "出生日期“{}”无法识别，请按yyyy-mm-dd格式填写，例如1985-03-15",
                    quoted(&cell.text)
                ),
            ),
        })?;
        Some(date)
    };
    match (id.map(|id| (id.id_type(), id.birth_date())), typed) {
        (Some((_, Some(derived))), Some(typed)) if typed != derived => Err((
            "BIRTH_DATE_MISMATCH",
            format!("出生日期与证件号码不符（证件号码显示为{}）", iso(derived)),
        )),
        (Some((_, Some(derived))), _) => Ok(Some(derived)),
        (_, Some(typed)) if typed > today || typed.year() < 1900 => {
            Err(("BIRTH_DATE_INVALID", format!("出生日期{}不合理，请核对", iso(typed))))
        }
        (_, Some(typed)) => Ok(Some(typed)),
        (Some((id_type, None)), None) => Err((
            "BIRTH_DATE_REQUIRED",
            format!("证件类型为{}时请填写出生日期（格式yyyy-mm-dd）", id_type.label()),
        )),
        (None, None) => Ok(None),
    }
}

fn check_mobile(cell: &Cell) -> Result<Option<Mobile>, Reason> {
    formula_error(cell, COL_MOBILE)?;
    if cell.is_blank() {
        return Ok(None);
    }
    // A mobile number typed as a number keeps all 11 digits; its text is those digits.
    Mobile::parse(&cell.text)
        .map(Some)
        .map_err(|e| (e.code(), e.to_string()))
}

fn check_occupation(cell: &Cell) -> Result<Occupation, Reason> {
    formula_error(cell, COL_OCCUPATION)?;
    if normalized(&cell.text).is_empty() {
        return Ok(Occupation::General);
    }
    Occupation::parse(&cell.text).ok_or_else(|| {
        (
            "OCCUPATION_INVALID",
            format!("职业类别“{}”无法识别，请填写“一般职业”或“高危职业”", quoted(&cell.text)),
        )
    })
}

fn check_remark(cell: &Cell) -> Result<String, Reason> {
    formula_error(cell, COL_REMARK)?;
    let remark = cell.text.trim();
    let len = remark.chars().count();
    if len > MAX_REMARK_CHARS {
        return Err((
            "REMARK_TOO_LONG",
            format!("备注不能超过{MAX_REMARK_CHARS}个字（当前{len}个字）"),
        ));
    }
    Ok(remark.to_owned())
}

fn check_duplicate(id: &PersonId, ctx: &ImportContext) -> Result<(), Reason> {
    if let Some(row) = ctx.this_file.get(id.as_str()) {
        return Err(("DUPLICATE_ID", format!("证件号码与第{row}行重复")));
    }
    if let Some((batch, row)) = ctx.earlier.get(id.as_str()) {
        return Err((
            "DUPLICATE_ID",
            format!("证件号码已在批次 {batch} 第{row}行导入，同一申请中不能重复参保"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
