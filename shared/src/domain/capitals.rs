//! 大写金额 per the People's Bank of China's 《正确填写票据和结算凭证的基本规定》.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const SMALL_UNITS: [&str; 4] = ["仟", "佰", "拾", ""];
const WAN: u64 = 10_000;
const YI: u64 = 100_000_000;

/// 大写金额 for an amount in fen: 12344400 → "壹拾贰万叁仟肆佰肆拾肆元整".
///
/// Whole amounts end 元整; an amount ending in 角 takes no 整; a zero 元 digit before a
/// non-zero 角, and a zero 角 before a 分, are written 零; amounts under one yuan start at 角/分.
pub fn to_capitals(fen: u64) -> String {
    let (yuan, jiao, fen) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    let mut out = String::new();
    if yuan > 0 {
        out.push_str(&integer(yuan));
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
        (j, f) => {
            if yuan > 0 && yuan.is_multiple_of(10) {
                out.push('零');
            }
            out.push(DIGITS[j]);
            out.push('角');
            if f > 0 {
                out.push(DIGITS[f]);
                out.push('分');
            }
        }
    }
    out
}

/// A positive integer in capitals; above 亿 the count of 亿 is itself written recursively.
fn integer(n: u64) -> String {
    if n < YI {
        return below_yi(n);
    }
    let (high, low) = (n / YI, n % YI);
    let mut out = integer(high);
    out.push('亿');
    if low > 0 {
        // A gap of zeros below 亿 (e.g. 1 0000 3456) is read as one 零.
        if low < YI / 10 {
            out.push('零');
        }
        out.push_str(&below_yi(low));
    }
    out
}

/// 0 < n < 1 亿.
fn below_yi(n: u64) -> String {
    let (high, low) = (n / WAN, n % WAN);
    let mut out = String::new();
    if high > 0 {
        out.push_str(&group(high));
        out.push('万');
        if low > 0 && low < WAN / 10 {
            out.push('零');
        }
    }
    if low > 0 {
        out.push_str(&group(low));
    }
    out
}

/// 0 < n < 1 万: a run of inner zeros is one 零, trailing zeros are silent, and 10 is 壹拾.
fn group(n: u64) -> String {
    let digits = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let (mut started, mut zero_pending) = (false, false);
    for (d, unit) in digits.into_iter().zip(SMALL_UNITS) {
        if d == 0 {
            zero_pending = started;
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        out.push(DIGITS[d as usize]);
        out.push_str(unit);
        started = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn required_examples() {
        for (fen, text) in [
            (12_344_000, "壹拾贰万叁仟肆佰肆拾元整"),
            (100_450, "壹仟零肆元伍角"),
            (10_000_000, "壹拾万元整"),
            (1_640_902, "壹万陆仟肆佰零玖元零贰分"),
            (1000, "壹拾元整"),
            (12_344_400, "壹拾贰万叁仟肆佰肆拾肆元整"),
            (0, "零元整"),
            (50, "伍角"),
            (5, "伍分"),
            (105, "壹元零伍分"),
            (1050, "壹拾元零伍角"),
            (168_032, "壹仟陆佰捌拾元零叁角贰分"),
            (10_700_053, "壹拾万柒仟元零伍角叁分"),
            (32_504, "叁佰贰拾伍元零肆分"),
            (100_000_000_000, "壹拾亿元整"),
            (1_000_010_000, "壹仟万零壹佰元整"),
        ] {
            assert_eq!(to_capitals(fen), text, "{fen}");
        }
    }

    #[test]
    fn zeros_across_wan_and_yi() {
        assert_eq!(to_capitals(100_000_345_600), "壹拾亿零叁仟肆佰伍拾陆元整");
        assert_eq!(to_capitals(10_000_000_100), "壹亿零壹元整");
        assert_eq!(to_capitals(10_012_345_600), "壹亿零壹拾贰万叁仟肆佰伍拾陆元整");
        assert_eq!(to_capitals(100_000_000_000_000), "壹万亿元整");
        assert_eq!(to_capitals(10_000_000_000_000_000), "壹佰万亿元整");
        assert_eq!(to_capitals(1_000_000_000_000_000_000), "壹亿亿元整");
        assert_eq!(to_capitals(1_000_100), "壹万零壹元整");
        assert_eq!(to_capitals(1_001_000), "壹万零壹拾元整");
        assert_eq!(to_capitals(1_010_000), "壹万零壹佰元整");
        assert_eq!(to_capitals(1_100_000), "壹万壹仟元整");
        assert_eq!(to_capitals(55), "伍角伍分");
        assert_eq!(to_capitals(101), "壹元零壹分");
        assert_eq!(to_capitals(155), "壹元伍角伍分");
    }

    #[test]
    fn the_largest_amount_does_not_panic() {
        assert!(to_capitals(u64::MAX).ends_with("壹角伍分"));
    }

    /// The inverse, written independently of the formatter: reads what a clerk would read.
    fn parse_capitals(s: &str) -> Option<u64> {
        let (integer, fraction) = match s.split_once('元') {
            Some((i, f)) => (i, f),
            None => ("", s),
        };
        let mut total: u64 = 0; // everything already closed by 亿
        let mut wan: u64 = 0; // the part closed by 万 within the current 亿 section
        let mut group: u64 = 0; // the part closed by 拾佰仟 within the current 万 section
        let mut digit: u64 = 0;
        for c in integer.chars() {
            if let Some(d) = DIGITS.iter().position(|&x| x == c) {
                digit = d as u64;
                continue;
            }
            match c {
                '拾' => group += digit * 10,
                '佰' => group += digit * 100,
                '仟' => group += digit * 1000,
                '万' => wan += (group + digit) * WAN,
                '亿' => {
                    total = (total + wan + group + digit) * YI;
                    wan = 0;
                }
                _ => return None,
            }
            if c == '万' || c == '亿' {
                group = 0;
            }
            digit = 0;
        }
        let yuan = total + wan + group + digit;
        let mut fen = yuan * 100;
        let mut digit = 0;
        for c in fraction.chars() {
            if let Some(d) = DIGITS.iter().position(|&x| x == c) {
                digit = d as u64;
                continue;
            }
            match c {
                '角' => fen += digit * 10,
                '分' => fen += digit,
                '整' => {}
                _ => return None,
            }
            digit = 0;
        }
        Some(fen)
    }

    #[test]
    fn inverse_reads_the_examples() {
        assert_eq!(parse_capitals("壹仟万零壹佰元整"), Some(1_000_010_000));
        assert_eq!(parse_capitals("壹拾亿元整"), Some(100_000_000_000));
        assert_eq!(parse_capitals("伍角"), Some(50));
    }

    const ALLOWED: &str = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整";

    proptest! {
        #[test]
        fn round_trips(fen in 0u64..=1_000_000_000_000_000) {
            let text = to_capitals(fen);
            prop_assert_eq!(parse_capitals(&text), Some(fen), "{}", text);
        }

        #[test]
        fn round_trips_sparse_amounts(digits in proptest::collection::vec(prop_oneof![4 => Just(0u64), 1 => 1u64..10], 1..=16)) {
            // Mostly zeros: exercises the 零 rules far more than uniform amounts do.
            let fen = digits.iter().fold(0, |acc, d| acc * 10 + d);
            let text = to_capitals(fen);
            prop_assert_eq!(parse_capitals(&text), Some(fen), "{}", text);
        }

        #[test]
        fn uses_only_allowed_characters(fen in any::<u64>()) {
            let text = to_capitals(fen);
            prop_assert!(text.chars().all(|c| ALLOWED.contains(c)), "{}", text);
            prop_assert!(!text.contains("零零"), "{}", text);
            prop_assert!(!text.starts_with('零') || text == "零元整", "{}", text);
            let ends_ok = text.ends_with('整') || text.ends_with('角') || text.ends_with('分');
            prop_assert!(ends_ok, "{}", text);
        }
    }
}
