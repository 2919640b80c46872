//! 联络邮箱 and 交款人邮箱: the syntax mail servers accept, without quoted local parts.
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::normalize::normalize_token;

const LOCAL_SYMBOLS: &str = ".!#$%&'*+/=?^_`{|}~-";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("请填写电子邮箱（如 name@example.com）")]
    Empty,
    #[error("电子邮箱应包含一个“@”，格式如 name@example.com，请核对")]
    At,
    #[error("电子邮箱过长（最多254个字符），请核对")]
    TooLong,
    #[error(
        "电子邮箱“@”前的用户名不正确：最多64个字符，只能用字母、数字和 . _ - + 等符号，且点号不能在开头、结尾或连用，请核对"
    )]
    Local,
    #[error("电子邮箱“@”后的域名不正确，应类似 qq.com、163.com 或 example.com.cn，请核对")]
    Domain,
}

impl EmailError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty | Self::At | Self::TooLong | Self::Local | Self::Domain => "EMAIL_INVALID",
        }
    }
}

/// 电子邮箱; the domain is stored lower-case, the local part as typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        // A Chinese input method types "。" for "." as often as "＠" for "@".
        let token = normalize_token(raw).replace('。', ".");
        if token.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = match token.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailError::At),
        };
        if token.len() > 254 {
            return Err(EmailError::TooLong);
        }
        if !valid_local(local) {
            return Err(EmailError::Local);
        }
        let domain = domain.to_ascii_lowercase();
        if !valid_domain(&domain) {
            return Err(EmailError::Domain);
        }
        Ok(Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "ab***@qq.com": the first two characters of the user name, then a fixed run of stars.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let kept: String = local.chars().take(2).collect();
        format!("{kept}***@{domain}")
    }
}

fn valid_local(local: &str) -> bool {
    (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SYMBOLS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()));
    labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Email::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_addresses_and_lowercases_the_domain() {
        for (raw, stored) in [
            ("zhangsan@qq.com", "zhangsan@qq.com"),
            (" ZhangSan@QQ.COM ", "ZhangSan@qq.com"),
            ("hn.ghj-01@henan.gov.cn", "hn.ghj-01@henan.gov.cn"),
            ("a+tag@mail-server.example.org", "a+tag@mail-server.example.org"),
            ("ｌｉｘｉｎ＠１６３．ｃｏｍ", "lixin@163.com"),
            ("lixin@163。com", "lixin@163.com"),
            ("o'brien!#$%&*/=?^_`{|}~@x.io", "o'brien!#$%&*/=?^_`{|}~@x.io"),
        ] {
            assert_eq!(Email::parse(raw).unwrap().as_str(), stored, "{raw}");
        }
    }

    #[test]
    fn refuses_broken_addresses() {
        for (raw, why) in [
            ("", EmailError::Empty),
            ("not-an-email", EmailError::At),
            ("a@b@qq.com", EmailError::At),
            ("@qq.com", EmailError::Local),
            (".a@qq.com", EmailError::Local),
            ("a.@qq.com", EmailError::Local),
            ("a..b@qq.com", EmailError::Local),
            ("张三@qq.com", EmailError::Local),
            ("a,b@qq.com", EmailError::Local),
            ("123456@qq", EmailError::Domain),
            ("a@qq.c", EmailError::Domain),
            ("a@qq.c0m", EmailError::Domain),
            ("a@-qq.com", EmailError::Domain),
            ("a@qq-.com", EmailError::Domain),
            ("a@qq..com", EmailError::Domain),
            ("a@qq.com.", EmailError::Domain),
            ("a@q_q.com", EmailError::Domain),
            ("a@qq,com", EmailError::Domain),
        ] {
            let err = Email::parse(raw).unwrap_err();
            assert_eq!(err, why, "{raw}");
            assert_eq!(err.code(), "EMAIL_INVALID");
        }
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@qq.com")).is_ok());
        assert_eq!(
            Email::parse(&format!("a{local64}@qq.com")).unwrap_err(),
            EmailError::Local
        );
        let label63 = "b".repeat(63);
        assert!(Email::parse(&format!("a@{label63}.com")).is_ok());
        assert_eq!(
            Email::parse(&format!("a@b{label63}.com")).unwrap_err(),
            EmailError::Domain
        );
        let long_domain = [label63.as_str(); 4].join(".");
        let too_long = format!("{local64}@{long_domain}.com");
        assert_eq!(Email::parse(&too_long).unwrap_err(), EmailError::TooLong);
    }

    #[test]
    fn masked_and_serialized() {
        let e = Email::parse("abcdef@QQ.com").unwrap();
        assert_eq!(e.masked(), "ab***@qq.com");
        assert_eq!(Email::parse("a@qq.com").unwrap().masked(), "a***@qq.com");
        assert_eq!(e.to_string(), "abcdef@qq.com");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, "\"abcdef@qq.com\"");
        assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), e);
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }
}
