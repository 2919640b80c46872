//! Masking personal data for lists and logs (names, ID numbers, phones).

/// "张三丰" → "张**"; a one-character name is fully masked.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let mut chars = name.chars();
    match (chars.next(), name.chars().count()) {
        (None, _) => String::new(),
        (Some(_), 1) => "*".to_owned(),
        (Some(first), n) => std::iter::once(first).chain(std::iter::repeat_n('*', n - 1)).collect(),
    }
}

/// The one rule for every kind of ID number (resident ID, passport, permits): the first 3 and
/// the last 4 characters, so two lists or two ID types never show different parts of a number.
pub fn mask_id_number(number: &str) -> String {
    mask_middle(number, 3, 4)
}

/// Keeps `keep_front` and `keep_back` characters and stars the rest, one star per character.
/// A value too short to keep both ends keeps only its first character, so it never shows whole.
pub fn mask_middle(s: &str, keep_front: usize, keep_back: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    let (front, back) = if n > keep_front + keep_back {
        (keep_front, keep_back)
    } else {
        (1, 0)
    };
    let mut out = String::with_capacity(s.len());
    out.extend(&chars[..front]);
    out.extend(std::iter::repeat_n('*', n - front - back));
    out.extend(&chars[n - back..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_surname_only() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name(" 欧阳娜娜 "), "欧***");
    }

    #[test]
    fn middle_is_starred_per_character() {
        assert_eq!(mask_middle("410102198501011238", 4, 4), "4101**********1238");
        assert_eq!(mask_middle("13812345678", 3, 4), "138****5678");
        assert_eq!(mask_middle("河南省郑州市", 1, 1), "河****市");
    }

    #[test]
    fn every_id_type_keeps_first_three_and_last_four() {
        assert_eq!(mask_id_number("410102198501011238"), "410***********1238");
        assert_eq!(mask_id_number("E12345678"), "E12**5678");
        assert_eq!(mask_id_number("HK1234"), "H*****");
    }

    #[test]
    fn too_short_keeps_only_the_first_character() {
        assert_eq!(mask_middle("1234", 2, 2), "1***");
        assert_eq!(mask_middle("12", 3, 4), "1*");
        assert_eq!(mask_middle("1", 3, 4), "1");
        assert_eq!(mask_middle("", 3, 4), "");
    }
}
