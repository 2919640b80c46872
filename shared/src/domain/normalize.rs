//! The clean-up every parser applies first: spreadsheet and form input arrives with stray
//! spaces and full-width characters typed through a Chinese input method.

use std::borrow::Cow;

/// Trims, removes every whitespace character inside (space, tab, NBSP, U+3000, newlines, and
/// the invisible zero-width characters pasted from web pages), and turns full-width ASCII
/// (U+FF01..U+FF5E) into ASCII.
pub fn normalize_token(s: &str) -> String {
    normalized(s).into_owned()
}

/// [`normalize_token`] without a copy when `s` is already normal, as most cells are: for
/// parsers that only look at the token.
pub fn normalized(s: &str) -> Cow<'_, str> {
    let clean = |c: char| !c.is_whitespace() && !is_invisible(c) && to_half_width(c) == c;
    if s.bytes().all(|b| b.is_ascii_graphic()) || s.chars().all(clean) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter(|&c| !c.is_whitespace() && !is_invisible(c))
            .map(to_half_width)
            .collect(),
    )
}

/// Zero-width characters are not `White_Space` in Unicode but are just as invisible to a clerk.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn to_half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_token;

    #[test]
    fn trims_and_removes_inner_whitespace_of_every_kind() {
        assert_eq!(
            normalize_token("  4101 02\t1985\u{00A0}0101\u{3000}1234\n"),
            "410102198501011234"
        );
        assert_eq!(normalize_token("\r\n"), "");
    }

    #[test]
    fn full_width_ascii_becomes_ascii() {
        assert_eq!(normalize_token("４１０１０２ｘ"), "410102x");
        assert_eq!(normalize_token("ＡＢＣ＠ｑｑ．ｃｏｍ"), "ABC@qq.com");
        assert_eq!(normalize_token("！～"), "!~");
    }

    #[test]
    fn zero_width_characters_are_dropped() {
        assert_eq!(normalize_token("\u{FEFF}138\u{200B}0013\u{200D}8000"), "13800138000");
    }

    #[test]
    fn other_text_is_kept() {
        assert_eq!(normalize_token("居民身份证"), "居民身份证");
        assert_eq!(normalize_token("0371-67882633转801"), "0371-67882633转801");
    }
}
