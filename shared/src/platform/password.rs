//! Password hashing (Argon2id), generated passwords and the password rule.
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;

use crate::platform::error::{Refusal, refuse};

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

pub fn verify(stored_hash: &str, password: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Verifies against a fixed hash so unknown accounts take as long as known ones.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("dummy-password-0").unwrap_or_default());
    let _ = verify(&DUMMY, password);
}

/// A random password for SMS delivery: no look-alike characters (0/O, 1/l/I), letters and digits.
pub fn generate() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut rng = rand::rng();
    let mut chars: Vec<u8> = (0..12)
        .map(|i| {
            let set = if i % 3 == 2 { DIGITS } else { LETTERS };
            set[rng.random_range(0..set.len())]
        })
        .collect();
    // Position of digits should not be predictable.
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.random_range(0..=i));
    }
    String::from_utf8(chars).unwrap_or_default()
}

/// The passwords most often found in leaked lists (8+ characters, lower case): see
/// infra/passwords/README.md.
static COMMON: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

/// 密码规则: 12–64 characters with a letter and a digit; not a common password (nor one with
/// digits or symbols appended); not containing the account's login or the person's mobile.
pub fn check_new(password: &str, login: &str, mobile: Option<&str>) -> Result<(), Refusal> {
    let len = password.chars().count();
    if !(12..=64).contains(&len) {
        return refuse("PASSWORD_WEAK", "新密码长度应为12到64位");
    }
    let letter = password.chars().any(|c| c.is_ascii_alphabetic());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if !letter || !digit {
        return refuse("PASSWORD_WEAK", "新密码须同时包含字母和数字");
    }
    let lower = password.to_lowercase();
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if COMMON.contains(lower.as_str()) || (core.len() >= 8 && COMMON.contains(core)) {
        return refuse("PASSWORD_COMMON", "新密码过于常见，容易被猜中，请换一个不常见的密码");
    }
    let login = login.trim().to_lowercase();
    if login.len() >= 4 && lower.contains(&login) {
        return refuse("PASSWORD_CONTAINS_LOGIN", "新密码不能包含账号");
    }
    if mobile.is_some_and(|m| !m.is_empty() && password.contains(m)) {
        return refuse("PASSWORD_CONTAINS_MOBILE", "新密码不能包含手机号");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("Secret123").unwrap();
        let b = hash("Secret123").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify(&a, "Secret123"));
        assert!(!verify(&a, "Secret124"));
        assert!(!verify("garbage", "Secret123"));
    }

    #[test]
    fn generated_passwords_pass_the_rule() {
        for _ in 0..200 {
            let p = generate();
            assert_eq!(p.len(), 12);
            check_new(&p, "zhang.san", Some("13812345678")).unwrap();
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        let check = |p: &str| check_new(p, "li.ming", Some("13812345678")).map_err(|r| r.code);
        assert_eq!(check("short1"), Err("PASSWORD_WEAK"));
        assert_eq!(check("abcd1234"), Err("PASSWORD_WEAK"));
        assert_eq!(check("onlylettersxyz"), Err("PASSWORD_WEAK"));
        assert_eq!(check("123456789012"), Err("PASSWORD_WEAK"));
        // Common, and common with a year or symbols after it, in any case.
        assert_eq!(check("1qaz2wsx3edc"), Err("PASSWORD_COMMON"));
        assert_eq!(check("Password2025!"), Err("PASSWORD_COMMON"));
        assert_eq!(check("Qwertyuiop123"), Err("PASSWORD_COMMON"));
        assert_eq!(check("Li.Ming2025abc"), Err("PASSWORD_CONTAINS_LOGIN"));
        assert_eq!(check("ab13812345678"), Err("PASSWORD_CONTAINS_MOBILE"));
        assert_eq!(check("Danwei2025@hn"), Ok(()));
        assert_eq!(check("huanghe-7ren-qiao"), Ok(()));
    }
}
