//! Lists read whole (a subtree's queue, a status partition) and paged here, so the pager can
//! show "共 N 条" and jump to any page.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `?page=&page_size=` of every paged list.
#[derive(Debug, Default, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From 1 (default 1)
    #[serde(default, deserialize_with = "page_number")]
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Rows per page; each list has its own default and maximum, and a larger size is taken
    /// as that maximum
    #[serde(default, deserialize_with = "page_size")]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<u32>,
}

/// The largest page number and page size a query may name (as documented above).
pub const MAX_PAGE: u32 = 1_000_000;
pub const MAX_PAGE_SIZE: u32 = 1_000;

fn in_range<'de, D: serde::Deserializer<'de>>(d: D, max: u32, what: &str) -> Result<Option<u32>, D::Error> {
    let value = Option::<u32>::deserialize(d)?;
    match value {
        Some(n) if n == 0 || n > max => Err(serde::de::Error::custom(format!("{what}应为1到{max}"))),
        _ => Ok(value),
    }
}

/// `page` of a query: 1 … `MAX_PAGE`.
pub fn page_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    in_range(d, MAX_PAGE, "页码")
}

/// `page_size` of a query: 1 … `MAX_PAGE_SIZE`.
pub fn page_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    in_range(d, MAX_PAGE_SIZE, "每页条数")
}

/// One page of a list, with the total the pager shows as "共 N 条".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Items in the whole list (every page)
    pub total: u32,
    /// From 1
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            page_size: self.page_size,
        }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, E>>()?,
            total: self.total,
            page: self.page,
            page_size: self.page_size,
        })
    }
}

/// A requested page: 1-based number and a size within the list's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn new(query: PageQuery, default_size: u32, max_size: u32) -> Self {
        Self {
            page: query.page.unwrap_or(1).max(1),
            size: query.page_size.unwrap_or(default_size).clamp(1, max_size),
        }
    }

    /// This page of `items`, with how many items there are in all.
    pub fn cut<T>(self, items: Vec<T>) -> Page<T> {
        let total = u32::try_from(items.len()).unwrap_or(u32::MAX);
        let skip = ((self.page - 1) as usize).saturating_mul(self.size as usize);
        Page {
            items: items.into_iter().skip(skip).take(self.size as usize).collect(),
            total,
            page: self.page,
            page_size: self.size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(page: Option<u32>, page_size: Option<u32>) -> PageQuery {
        PageQuery { page, page_size }
    }

    #[test]
    fn pages_are_bounded_and_cut_with_the_total() {
        let request = PageRequest::new(query(Some(0), Some(500)), 10, 100);
        assert_eq!(request, PageRequest { page: 1, size: 100 });
        let page = PageRequest::new(query(Some(2), Some(2)), 10, 100).cut(vec![1, 2, 3, 4, 5]);
        assert_eq!(
            (page.items, page.total, page.page, page.page_size),
            (vec![3, 4], 5, 2, 2)
        );
        let page = PageRequest::new(query(Some(9), None), 2, 100).cut(vec![1, 2, 3]);
        assert_eq!((page.items, page.total), (vec![], 3));
    }

    #[test]
    fn mapping_keeps_the_position() {
        let page = PageRequest::new(query(Some(2), Some(1)), 10, 100).cut(vec!["1", "x"]);
        assert!(page.clone().try_map(|s| s.parse::<u8>()).is_err());
        let mapped = page.map(|s| s.len());
        assert_eq!((mapped.items, mapped.total, mapped.page), (vec![1], 2, 2));
    }
}
