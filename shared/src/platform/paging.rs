//! The page size every list takes (`?page_size=`); lists themselves are read a page at a time
//! from the table (see [`crate::platform::cursor`]).

use serde::Deserialize;

/// The largest page size a query may name (each list then takes its own maximum).
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// `page_size` of a query: 1 … `MAX_PAGE_SIZE`.
pub fn page_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let value = Option::<u32>::deserialize(d)?;
    match value {
        Some(n) if n == 0 || n > MAX_PAGE_SIZE => {
            Err(serde::de::Error::custom(format!("每页条数应为1到{MAX_PAGE_SIZE}")))
        }
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct Query {
        #[serde(default, deserialize_with = "super::page_size")]
        page_size: Option<u32>,
    }

    #[test]
    fn a_page_size_is_one_to_the_maximum() {
        let parse = |json: &str| serde_json::from_str::<Query>(json).map(|q| q.page_size);
        assert_eq!(parse("{}").ok(), Some(None));
        assert_eq!(parse(r#"{"page_size":1000}"#).ok(), Some(Some(1000)));
        assert!(parse(r#"{"page_size":0}"#).is_err());
        assert!(parse(r#"{"page_size":1001}"#).is_err());
    }
}
