//! The one embedded CJK font: parsed once, measured by us, subset by printpdf per document.

use std::sync::LazyLock;

use printpdf::ParsedFont;

use super::DocumentError;

/// Noto Sans SC Regular subset to GBK + CJK Ext-A + ASCII + common punctuation
/// (OFL-1.1; `infra/fonts/make-subset.sh` rebuilds it, `infra/fonts/OFL.txt` is its licence).
static FONT_FILE: &[u8] = include_bytes!("../../../infra/fonts/NotoSansSC-Regular-GBK.otf");

/// The parsed face plus what the layout needs, precomputed.
///
/// Glyph look-ups are the hot path (every character is checked, measured, and later
/// encoded by printpdf), and the font parser's cmap look-up scans the format-4 segments
/// one by one (354 of them in our subset, CJK at the end). So the BMP cmap and the advance
/// widths are read once, here, into flat tables.
pub(crate) struct Face {
    parsed: ParsedFont,
    /// Glyph id per BMP code point (0 = no glyph).
    bmp_glyph: Vec<u16>,
    /// Advance width per glyph id, in em.
    advance_em: Vec<f32>,
}

static FACE: LazyLock<Face> = LazyLock::new(|| {
    // The font is compiled into the binary (`include_bytes!`), so parsing it cannot depend
    // on input or environment: it either always works or never does, and the tests in this
    // module parse it. A failure here is a build defect, hence `expect` rather than an error
    // every caller would have to carry.
    #[allow(clippy::expect_used)]
    let parsed = ParsedFont::from_bytes(FONT_FILE, 0, &mut Vec::new())
        .expect("the embedded font infra/fonts/NotoSansSC-Regular-GBK.otf must parse");
    #[allow(clippy::expect_used)]
    let tables =
        sfnt::Tables::read(FONT_FILE).expect("the embedded font must have head, hhea, hmtx and a format-4 cmap");
    Face {
        parsed,
        bmp_glyph: tables.bmp_glyph,
        advance_em: tables.advance_em,
    }
});

/// The shared face (parsed on first use).
pub(crate) fn face() -> &'static Face {
    &FACE
}

impl Face {
    pub(crate) fn parsed(&self) -> &ParsedFont {
        &self.parsed
    }

    /// Glyph id of `ch`, `None` when the font has no real glyph for it (gid 0 is .notdef).
    pub(crate) fn glyph(&self, ch: char) -> Option<u16> {
        let gid = match self.bmp_glyph.get(ch as usize) {
            Some(&gid) => gid,
            // Beyond the BMP (the subset maps nothing there): ask the parser.
            None => self.parsed.lookup_glyph_index(u32::from(ch)).unwrap_or(0),
        };
        (gid != 0).then_some(gid)
    }

    /// Advance width of `ch` in em (0 for a character the font lacks; callers check first).
    pub(crate) fn advance(&self, ch: char) -> f32 {
        self.glyph(ch)
            .and_then(|gid| self.advance_em.get(usize::from(gid)).copied())
            .unwrap_or(0.0)
    }

    /// Width of `text` set at `size` points, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

/// Just enough of the OpenType format to read the BMP cmap and the advance widths.
mod sfnt {
    pub(super) struct Tables {
        pub(super) bmp_glyph: Vec<u16>,
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

    /// Glyph ids of U+0000..U+FFFF from the Unicode BMP format-4 subtable.
    fn cmap_format4(cmap: &[u8]) -> Option<Vec<u16>> {
        let count = usize::from(u16_at(cmap, 2)?);
        let sub = (0..count).find_map(|i| {
            let rec = 4 + 8 * i;
            let platform = u16_at(cmap, rec)?;
            let encoding = u16_at(cmap, rec + 2)?;
            let offset = u32_at(cmap, rec + 4)? as usize;
            let unicode_bmp = (platform == 3 && encoding == 1) || platform == 0;
            (unicode_bmp && u16_at(cmap, offset)? == 4).then(|| cmap.get(offset..))?
        })?;
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
            let bmp_glyph = cmap_format4(table(font, b"cmap")?)?;
            Some(Tables { bmp_glyph, advance_em })
        }
    }
}

/// Characters of `text` the embedded font cannot draw, each once, in order of appearance.
///
/// Control characters count as missing: they have no glyph either.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let face = face();
    let mut missing: Vec<char> = Vec::new();
    for ch in text.chars() {
        if ch.is_ascii_graphic() || ch == ' ' {
            continue;
        }
        if face.glyph(ch).is_none() && !missing.contains(&ch) {
            missing.push(ch);
        }
    }
    missing
}

/// Fails with [`DocumentError::MissingGlyph`] on the first character of `text` the font
/// cannot draw.
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
    fn reports_each_missing_character_once_in_order() {
        assert_eq!(missing_glyphs("张𠀀三😀𠀀"), vec!['𠀀', '😀']);
        assert_eq!(missing_glyphs("a\u{7}b"), vec!['\u{7}']);
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
        let f = face();
        // Ideographs are one em wide in Noto Sans CJK; Latin is narrower.
        assert!((f.width("中国", 10.0) - 20.0).abs() < 0.01);
        let w = f.width("1", 10.0);
        assert!(w > 3.0 && w < 7.0, "digit width {w}");
    }

    #[test]
    fn our_tables_agree_with_the_font_parser() {
        let f = face();
        // Every BMP code point: same glyph as printpdf will encode, same advance it writes.
        for cp in 0u32..=0xFFFF {
            let Some(ch) = char::from_u32(cp) else {
                continue;
            };
            let theirs = f.parsed.lookup_glyph_index(cp).filter(|&g| g != 0);
            assert_eq!(f.glyph(ch), theirs, "U+{cp:04X}");
            if let Some(gid) = theirs {
                let em =
                    f32::from(f.parsed.get_horizontal_advance(gid)) / f32::from(f.parsed.pdf_font_metrics.units_per_em);
                assert!((f.advance(ch) - em).abs() < 1e-6, "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn single_line_flattens_breaks() {
        assert_eq!(single_line(" 郑州市\r\n金水区\t1号 "), "郑州市  金水区 1号");
    }
}
