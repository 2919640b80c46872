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
    let mut chars: Vec<u8> = (0..10)
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

/// 密码规则: 8–64 characters with at least one letter and one digit.
pub fn check_new(password: &str) -> Result<(), Refusal> {
    let len = password.chars().count();
    if !(8..=64).contains(&len) {
        return refuse("PASSWORD_WEAK", "新密码长度应为8到64位");
    }
    let letter = password.chars().any(|c| c.is_ascii_alphabetic());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if !letter || !digit {
        return refuse("PASSWORD_WEAK", "新密码须同时包含字母和数字");
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
            assert_eq!(p.len(), 10);
            check_new(&p).unwrap();
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(check_new("short1").unwrap_err().code, "PASSWORD_WEAK");
        assert!(check_new("onlyletters").is_err());
        assert!(check_new("1234567890").is_err());
        assert!(check_new("abcd1234").is_ok());
    }
}
