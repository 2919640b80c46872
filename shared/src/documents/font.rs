//! The embedded fonts, a chain tried character by character: Noto Sans SC (GBK, punctuation
//! and every ideograph it has), then HanaMin A and B for the rare ideographs of names it
//! lacks (Extensions B–F above all). Each is parsed on first use — a document of common
//! characters never loads the rare ones — measured by us, subset by printpdf per document.
//! `infra/fonts/make-subset.sh` prepares them and `coverage.txt`, what they print together.

use std::sync::LazyLock;

use printpdf::{FontId, ParsedFont};

use super::DocumentError;
pub use crate::reference::printable::missing_glyphs;
use crate::reference::printable::printable;

/// The chain's files, in the order they are tried (licences beside them in `infra/fonts/`).
static FILES: [(&str, &[u8]); 3] = [
    (
        "NotoSansSC-Regular-subset.otf",
        include_bytes!("../../../infra/fonts/NotoSansSC-Regular-subset.otf"),
    ),
    (
        "HanaMinA-names.ttf",
        include_bytes!("../../../infra/fonts/HanaMinA-names.ttf"),
    ),
    (
        "HanaMinB-names.ttf",
        include_bytes!("../../../infra/fonts/HanaMinB-names.ttf"),
    ),
];

/// One font of the chain, with what the layout needs precomputed.
///
/// Glyph look-ups are the hot path (every character is checked, measured, and later
/// encoded by printpdf), and the font parser's cmap look-up scans the segments one by one.
/// So the cmap and the advance widths are read once, here, into flat tables.
pub(crate) struct Face {
    parsed: ParsedFont,
    /// Glyph id per BMP code point (0 = no glyph).
    bmp_glyph: Vec<u16>,
    /// (code point, glyph id) beyond the BMP, sorted.
    supplementary: Vec<(u32, u16)>,
    /// Advance width per glyph id, in em.
    advance_em: Vec<f32>,
}

impl Face {
    fn load(index: usize) -> Face {
        let (name, bytes) = FILES[index];
        // The fonts are compiled into the binary (`include_bytes!`), so parsing them cannot
        // depend on input or environment: it either always works or never does, and the tests
        // in this module parse them. A failure is a build defect, hence a panic rather than
        // an error every caller would have to carry.
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
            .unwrap_or_else(|| panic!("the embedded font infra/fonts/{name} must parse"));
        let tables = sfnt::Tables::read(bytes)
            .unwrap_or_else(|| panic!("infra/fonts/{name} must have head, hhea, maxp, hmtx and a Unicode cmap"));
        Face {
            parsed,
            bmp_glyph: tables.bmp_glyph,
            supplementary: tables.supplementary,
            advance_em: tables.advance_em,
        }
    }

    pub(crate) fn parsed(&self) -> &ParsedFont {
        &self.parsed
    }

    /// Glyph id of `ch`, `None` when the font has no real glyph for it (gid 0 is .notdef).
    pub(crate) fn glyph(&self, ch: char) -> Option<u16> {
        let cp = u32::from(ch);
        let gid = match self.bmp_glyph.get(cp as usize) {
            Some(&gid) => gid,
            None => self
                .supplementary
                .binary_search_by_key(&cp, |&(c, _)| c)
                .map_or(0, |at| self.supplementary[at].1),
        };
        (gid != 0).then_some(gid)
    }

    fn advance_of(&self, gid: u16) -> f32 {
        self.advance_em.get(usize::from(gid)).copied().unwrap_or(0.0)
    }
}

static FACES: [LazyLock<Face>; 3] = [
    LazyLock::new(|| Face::load(0)),
    LazyLock::new(|| Face::load(1)),
    LazyLock::new(|| Face::load(2)),
];

/// How many fonts the chain has.
pub(crate) const FACE_COUNT: usize = 3;

/// The chain's font `index` (parsed on first use).
pub(crate) fn face(index: usize) -> &'static Face {
    &FACES[index.min(FACE_COUNT - 1)]
}

/// The name a document knows font `index` by: fixed, so pages can be drawn before the
/// document knows which fonts they use (`layout::save` registers those). printpdf prefixes
/// the subset's name with it, so it is the six capital letters PDF readers take for a
/// subset tag.
pub(crate) fn font_id(index: usize) -> FontId {
    const TAGS: [&str; FACE_COUNT] = ["NOTOSC", "HANAMA", "HANAMB"];
    FontId(TAGS[index.min(FACE_COUNT - 1)].to_owned())
}

/// The chain as the layout sees it: one set of metrics over all its fonts.
pub(crate) struct Fonts;

/// The chain.
pub(crate) fn fonts() -> &'static Fonts {
    &Fonts
}

impl Fonts {
    /// The font that draws `ch` and its glyph: the first of the chain that has it. A rare
    /// font is parsed only for a character the primary lacks and the chain prints.
    pub(crate) fn face_of(&self, ch: char) -> Option<(usize, u16)> {
        if let Some(gid) = face(0).glyph(ch) {
            return Some((0, gid));
        }
        if !printable(ch) {
            return None;
        }
        (1..FACE_COUNT).find_map(|index| face(index).glyph(ch).map(|gid| (index, gid)))
    }

    /// Advance width of `ch` in em (0 for a character no font has; callers check first).
    pub(crate) fn advance(&self, ch: char) -> f32 {
        self.face_of(ch).map_or(0.0, |(index, gid)| face(index).advance_of(gid))
    }

    /// Width of `text` set at `size` points, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// `text` cut into runs drawn by one font each (font index, run); a character no font
    /// has stays with the run before it.
    pub(crate) fn runs<'a>(&self, text: &'a str) -> Vec<(usize, &'a str)> {
        let mut runs: Vec<(usize, &'a str)> = Vec::new();
        let mut start = 0;
        let mut current = 0;
        for (at, ch) in text.char_indices() {
            let index = self.face_of(ch).map_or(current, |(index, _)| index);
            if index != current && at > start {
                runs.push((current, &text[start..at]));
                start = at;
            }
            current = index;
        }
        if start < text.len() {
            runs.push((current, &text[start..]));
        }
        runs
    }
}

/// Just enough of the OpenType format to read the BMP cmap and the advance widths.
mod sfnt {
    pub(super) struct Tables {
        pub(super) bmp_glyph: Vec<u16>,
        pub(super) supplementary: Vec<(u32, u16)>,
        pub(super) advance_em: Vec<f32>,
    }

    fn u16_at(b: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
    }

    fn u32_at(b: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes([
            *b.get(at)?,
            *b.get(at + 1)?,
            *b.get(at + 2)?,
            *b.get(at + 3)?,
        ]))
    }

    fn table<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
        let count = usize::from(u16_at(font, 4)?);
        (0..count).find_map(|i| {
            let rec = 12 + 16 * i;
            if font.get(rec..rec + 4)? != tag {
                return None;
            }
            let offset = u32_at(font, rec + 8)? as usize;
            let length = u32_at(font, rec + 12)? as usize;
            font.get(offset..offset.checked_add(length)?)
        })
    }

    /// The first Unicode cmap subtable of `format` (4: BMP, 12: every plane).
    fn subtable(cmap: &[u8], format: u16) -> Option<&[u8]> {
        let count = usize::from(u16_at(cmap, 2)?);
        (0..count).find_map(|i| {
            let rec = 4 + 8 * i;
            let platform = u16_at(cmap, rec)?;
            let encoding = u16_at(cmap, rec + 2)?;
            let offset = u32_at(cmap, rec + 4)? as usize;
            let unicode = (platform == 3 && matches!(encoding, 1 | 10)) || platform == 0;
            (unicode && u16_at(cmap, offset)? == format).then(|| cmap.get(offset..))?
        })
    }

    /// (code point, glyph id) beyond the BMP from the format-12 subtable, sorted.
    fn cmap_format12(cmap: &[u8]) -> Option<Vec<(u32, u16)>> {
        let Some(sub) = subtable(cmap, 12) else {
            return Some(Vec::new());
        };
        let groups = u32_at(sub, 12)? as usize;
        let mut mapped = Vec::new();
        for group in 0..groups {
            let at = 16 + 12 * group;
            let (start, end, first_gid) = (u32_at(sub, at)?, u32_at(sub, at + 4)?, u32_at(sub, at + 8)?);
            for cp in start.max(0x1_0000)..=end {
                let gid = u16::try_from(first_gid + (cp - start)).ok()?;
                mapped.push((cp, gid));
            }
        }
        mapped.sort_unstable();
        Some(mapped)
    }

    /// Glyph ids of U+0000..U+FFFF from the Unicode BMP format-4 subtable (none when the font
    /// has no such table: a font of supplementary characters only).
    fn cmap_format4(cmap: &[u8]) -> Option<Vec<u16>> {
        let Some(sub) = subtable(cmap, 4) else {
            return Some(vec![0u16; 0x1_0000]);
        };
        let seg_count = usize::from(u16_at(sub, 6)? / 2);
        let ends = 14;
        let starts = ends + 2 * seg_count + 2;
        let deltas = starts + 2 * seg_count;
        let range_offsets = deltas + 2 * seg_count;
        let mut glyphs = vec![0u16; 0x1_0000];
        for seg in 0..seg_count {
            let end = u16_at(sub, ends + 2 * seg)?;
            let start = u16_at(sub, starts + 2 * seg)?;
            let delta = u16_at(sub, deltas + 2 * seg)?;
            let range_offset_at = range_offsets + 2 * seg;
            let range_offset = usize::from(u16_at(sub, range_offset_at)?);
            if start > end {
                continue;
            }
            for ch in start..=end {
                let gid = if range_offset == 0 {
                    ch.wrapping_add(delta)
                } else {
                    let at = range_offset_at + range_offset + 2 * usize::from(ch - start);
                    match u16_at(sub, at)? {
                        0 => 0,
                        g => g.wrapping_add(delta),
                    }
                };
                glyphs[usize::from(ch)] = gid;
            }
        }
        Some(glyphs)
    }

    impl Tables {
        pub(super) fn read(font: &[u8]) -> Option<Tables> {
            let units_per_em = f32::from(u16_at(table(font, b"head")?, 18)?.max(1));
            let long_metrics = usize::from(u16_at(table(font, b"hhea")?, 34)?);
            let glyph_count = usize::from(u16_at(table(font, b"maxp")?, 4)?);
            let hmtx = table(font, b"hmtx")?;
            let mut advance_em = Vec::with_capacity(glyph_count);
            let mut last = 0u16;
            for gid in 0..glyph_count {
                if gid < long_metrics {
                    last = u16_at(hmtx, 4 * gid)?;
                }
                advance_em.push(f32::from(last) / units_per_em);
            }
            let cmap = table(font, b"cmap")?;
            let bmp_glyph = cmap_format4(cmap)?;
            let supplementary = cmap_format12(cmap)?;
            Some(Tables {
                bmp_glyph,
                supplementary,
                advance_em,
            })
        }
    }
}

/// Fails with [`DocumentError::MissingGlyph`] on the first character of `text` no font can
/// draw.
pub(crate) fn ensure_printable(field: &'static str, text: &str) -> Result<(), DocumentError> {
    match missing_glyphs(text).first() {
        Some(&ch) => Err(DocumentError::MissingGlyph { field, ch }),
        None => Ok(()),
    }
}

/// Caller text as printed on one line: line breaks and tabs become spaces, surrounding
/// whitespace goes. Other control characters stay, so that [`ensure_printable`] reports them.
pub(crate) fn single_line(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|c| if matches!(c, '\r' | '\n' | '\t') { ' ' } else { c })
        .collect();
    replaced.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_covers_gbk_names_and_punctuation() {
        // GB2312 lacks these name characters; GBK has them.
        assert!(missing_glyphs("喆堃玥珺昇祎").is_empty());
        assert!(missing_glyphs("《》「」（）：，。、；！？¥·—…“”‘’￥").is_empty());
        assert!(missing_glyphs("壹贰叁肆伍陆柒捌玖拾佰仟万亿元整").is_empty());
        assert!(missing_glyphs("abcXYZ 0123456789 -_/.:@()").is_empty());
        // CJK Extension A
        assert!(missing_glyphs("㐀䶵").is_empty());
    }

    #[test]
    fn rare_name_characters_have_a_font() {
        // Extension B (𠮷 in Noto itself, 𠀀 𪚥 from HanaMin A), C, D, E, F (HanaMin B), a
        // compatibility ideograph and its supplement.
        for ch in ['𠮷', '𠀀', '𪚥', '𪜀', '𫝀', '𫠠', '𬺰', '\u{2F800}', '\u{FA6D}', '鿕'] {
            assert!(printable(ch), "U+{:04X}", u32::from(ch));
            let (index, _) = fonts().face_of(ch).expect("a font of the chain");
            assert!(fonts().advance(ch) > 0.5, "U+{:04X} in font {index}", u32::from(ch));
        }
        assert_eq!(fonts().face_of('张').map(|(i, _)| i), Some(0));
        assert_eq!(fonts().face_of('𠀀').map(|(i, _)| i), Some(1));
        assert_eq!(fonts().face_of('𪜀').map(|(i, _)| i), Some(2));
    }

    #[test]
    fn reports_each_missing_character_once_in_order() {
        assert_eq!(missing_glyphs("张𠀀三😀😀"), vec!['😀']);
        assert_eq!(missing_glyphs("a\u{7}b"), vec!['\u{7}']);
        // Extension G has no font here.
        assert_eq!(missing_glyphs("王\u{30000}"), vec!['\u{30000}']);
    }

    #[test]
    fn ensure_printable_names_the_field() {
        let err = ensure_printable("会员姓名", "王😀").unwrap_err();
        assert_eq!(
            err,
            DocumentError::MissingGlyph {
                field: "会员姓名",
                ch: '😀'
            }
        );
        assert_eq!(err.code(), "FONT_MISSING_GLYPH");
        assert_eq!(
            err.to_string(),
            "“会员姓名”中的字符“😀”无法打印，请改用常用汉字或联系经办机构"
        );
    }

    #[test]
    fn widths_come_from_the_font() {
        let f = fonts();
        // Ideographs are one em wide in Noto Sans CJK; Latin is narrower.
        assert!((f.width("中国", 10.0) - 20.0).abs() < 0.01);
        let w = f.width("1", 10.0);
        assert!(w > 3.0 && w < 7.0, "digit width {w}");
    }

    #[test]
    fn text_is_cut_into_runs_per_font() {
        assert_eq!(fonts().runs("张三"), vec![(0, "张三")]);
        assert_eq!(fonts().runs("吉𠀀先生"), vec![(0, "吉"), (1, "𠀀"), (0, "先生")]);
        assert_eq!(fonts().runs("张𪜀𠀀"), vec![(0, "张"), (2, "𪜀"), (1, "𠀀")]);
        assert_eq!(fonts().runs(""), Vec::<(usize, &str)>::new());
    }

    /// coverage.txt is what the fonts map, exactly: a name the import accepts always prints,
    /// and nothing printable is refused.
    #[test]
    fn coverage_is_what_the_fonts_map() {
        let mut mapped: Vec<u32> = Vec::new();
        for index in 0..FACE_COUNT {
            let f = face(index);
            mapped.extend((0u32..0x1_0000).filter(|&cp| f.bmp_glyph[cp as usize] != 0));
            mapped.extend(f.supplementary.iter().filter(|&&(_, gid)| gid != 0).map(|&(cp, _)| cp));
        }
        mapped.sort_unstable();
        mapped.dedup();
        let covered: Vec<u32> = crate::reference::printable::COVERAGE
            .iter()
            .flat_map(|&(a, b)| a..=b)
            .collect();
        assert_eq!(covered.len(), mapped.len());
        assert!(
            covered == mapped,
            "infra/fonts/coverage.txt is stale: run make-subset.sh"
        );
    }

    #[test]
    fn our_tables_agree_with_the_font_parser() {
        for index in 0..FACE_COUNT {
            let f = face(index);
            // Every BMP code point and every mapped one beyond: same glyph as printpdf will
            // encode, same advance it writes.
            let beyond = f.supplementary.iter().map(|&(cp, _)| cp);
            for cp in (0u32..=0xFFFF).chain(beyond) {
                let Some(ch) = char::from_u32(cp) else {
                    continue;
                };
                let theirs = f.parsed.lookup_glyph_index(cp).filter(|&g| g != 0);
                assert_eq!(f.glyph(ch), theirs, "font {index} U+{cp:04X}");
                if let Some(gid) = theirs {
                    let em = f32::from(f.parsed.get_horizontal_advance(gid))
                        / f32::from(f.parsed.pdf_font_metrics.units_per_em);
                    assert!((f.advance_of(gid) - em).abs() < 1e-6, "font {index} U+{cp:04X}");
                }
            }
        }
    }

    #[test]
    fn single_line_flattens_breaks() {
        assert_eq!(single_line(" 郑州市\r\n金水区\t1号 "), "郑州市  金水区 1号");
    }
}
