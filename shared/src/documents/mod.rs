//! Printable documents (PDF): the certificate (确认书) and the over-age employment proof
//! template (超龄人员在职证明).
//!
//! Pure functions: strings in, PDF bytes out. Callers format money, dates and capitals.
//!
//! Text is drawn with a chain of embedded CJK fonts (Noto Sans SC, then HanaMin A and B for
//! the rare ideographs of names, see `infra/fonts/`), which printpdf subsets again per
//! document, so a PDF carries only the glyphs and fonts it uses. printpdf draws a character
//! no font has as a blank, silently, so every string is checked with [`missing_glyphs`]
//! before anything is drawn and a [`DocumentError::MissingGlyph`] names the field instead.
//!
//! Layout (tables, wrapping, pagination, page numbers) is ours: see `layout`.

mod certificate;
mod font;
mod layout;
mod overage_template;

pub use certificate::{CertificateActivity, CertificateDoc, CertificateMember, render_certificate};
pub use font::missing_glyphs;
pub use overage_template::render_overage_template;

/// Why a document could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// A character in `field` has no glyph in any embedded font (e.g. an emoji or a CJK
    /// Extension G character); the document would print it as a blank.
    #[error("“{field}”中的字符“{ch}”无法打印，请改用常用汉字或联系经办机构")]
    MissingGlyph { field: &'static str, ch: char },
    /// The PDF could not be produced (a defect, not a data problem).
    #[error("生成PDF文件失败：{0}")]
    Render(String),
}

impl DocumentError {
    /// Stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::MissingGlyph { .. } => "FONT_MISSING_GLYPH",
            DocumentError::Render(_) => "PDF_RENDER",
        }
    }
}

#[cfg(test)]
mod test_support;
