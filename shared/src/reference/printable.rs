//! What the certificate's font chain can draw, as code-point ranges from
//! `infra/fonts/coverage.txt` (written by `infra/fonts/make-subset.sh`). Small and free of the
//! fonts themselves, so that every function — the import and the unit form above all — can
//! refuse a character the certificate could not print, without carrying the PDF crates.

use std::sync::LazyLock;

static COVERAGE_TEXT: &str = include_str!("../../../infra/fonts/coverage.txt");

/// The ranges, sorted (the font module's test compares them with the fonts).
pub(crate) static COVERAGE: LazyLock<Vec<(u32, u32)>> = LazyLock::new(|| {
    COVERAGE_TEXT
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (a, b) = line.trim().split_once('-').unwrap_or((line.trim(), line.trim()));
            Some((u32::from_str_radix(a, 16).ok()?, u32::from_str_radix(b, 16).ok()?))
        })
        .collect()
});

/// Whether some font of the chain has a glyph for `ch`.
pub fn printable(ch: char) -> bool {
    let cp = u32::from(ch);
    let ranges = &*COVERAGE;
    let at = ranges.partition_point(|&(_, end)| end < cp);
    ranges.get(at).is_some_and(|&(start, _)| start <= cp)
}

/// Characters of `text` no font of the chain can draw, each once, in order of appearance.
///
/// Control characters count as missing: they have no glyph either.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let mut missing: Vec<char> = Vec::new();
    for ch in text.chars() {
        if ch.is_ascii_graphic() || ch == ' ' {
            continue;
        }
        if !printable(ch) && !missing.contains(&ch) {
            missing.push(ch);
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_name_characters_print_and_emoji_and_controls_do_not() {
        assert!(missing_glyphs("吉𠮷 喆堃玥珺昇祎 㐀䶵").is_empty());
        assert_eq!(missing_glyphs("张𠀀三😀😀"), vec!['😀']);
        assert_eq!(missing_glyphs("a\u{7}b"), vec!['\u{7}']);
    }
}
