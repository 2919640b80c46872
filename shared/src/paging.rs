//! Lists read whole (a subtree's queue, a status partition) and paged here, so the pager can
//! show "共 N 条" and jump to any page.

/// A requested page: 1-based number and a size within the list's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn new(page: Option<u32>, size: Option<u32>, default_size: u32, max_size: u32) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            size: size.unwrap_or(default_size).clamp(1, max_size),
        }
    }

    /// This page of `items`, and how many items there are in all.
    pub fn cut<T>(self, items: Vec<T>) -> (Vec<T>, u32) {
        let total = u32::try_from(items.len()).unwrap_or(u32::MAX);
        let skip = ((self.page - 1) as usize).saturating_mul(self.size as usize);
        (items.into_iter().skip(skip).take(self.size as usize).collect(), total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded_and_cut_with_the_total() {
        let request = PageRequest::new(Some(0), Some(500), 10, 100);
        assert_eq!(request, PageRequest { page: 1, size: 100 });
        let (items, total) = PageRequest::new(Some(2), Some(2), 10, 100).cut(vec![1, 2, 3, 4, 5]);
        assert_eq!((items, total), (vec![3, 4], 5));
        let (items, total) = PageRequest::new(Some(9), None, 2, 100).cut(vec![1, 2, 3]);
        assert_eq!((items, total), (vec![], 3));
    }
}
