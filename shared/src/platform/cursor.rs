//! Lists read from the table one page at a time: a Query with `Limit` on an index, continued
//! from an opaque cursor, so a page of a 50,000-member application reads that page and no more.
//! The browser moves with 上一页/下一页 (keeping the cursors it was given); the total, where
//! one is shown, comes from counters kept as items are written.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::platform::db::{Item, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;

/// Items a filtered list reads per query at least.
const FILTERED_READ: usize = 100;

/// One work queue of gsi1 (a status partition) within an agency's subtree: its sort keys start
/// with the agency path, so the queue reads agency by agency, oldest first within each.
pub fn subtree_queue(queue: impl Into<String>, subtree_prefix: &str) -> IndexList {
    IndexList::new(vec![Segment::new(
        IndexName::Gsi1,
        queue,
        SortRange::BeginsWith(subtree_prefix.to_owned()),
    )])
}

/// Longest cursor accepted: a position is a few keys, far below this.
pub const MAX_CURSOR_CHARS: usize = 1024;

/// One page of a list read a page at a time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CursorPage<T> {
    pub items: Vec<T>,
    /// Items in the whole list, from counters kept as items are written; absent where none is
    /// kept (a search)
    pub total: Option<u32>,
    /// Items before this page: 序号 of the first row is offset + 1
    pub offset: u32,
    pub page_size: u32,
    /// `cursor` of the next page; absent on the last page
    pub next: Option<String>,
}

impl<T> CursorPage<T> {
    /// A page that is the whole list (an exact lookup: zero or one item).
    pub fn whole(items: Vec<T>, page_size: u32) -> Self {
        Self {
            total: Some(u32::try_from(items.len()).unwrap_or(u32::MAX)),
            items,
            offset: 0,
            page_size,
            next: None,
        }
    }

    /// The same page with each item turned into another (a stored record into its view).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> CursorPage<U> {
        CursorPage {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            offset: self.offset,
            page_size: self.page_size,
            next: self.next,
        }
    }
}

/// The items of one partition of the table itself whose sort keys start with `prefix` (a
/// subject's trail, an application's batches).
pub fn table_prefix(pk: impl Into<String>, prefix: &str) -> IndexList {
    IndexList::new(vec![Segment::new(
        IndexName::Table,
        pk,
        SortRange::BeginsWith(prefix.to_owned()),
    )])
}

/// Which index a list reads: the table's own keys or a secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexName {
    Table,
    Gsi1,
    Gsi2,
    Gsi3,
    Gsi4,
    Gsi5,
}

impl IndexName {
    /// The secondary index's name; none for the table.
    fn index(self) -> Option<&'static str> {
        match self {
            Self::Table => None,
            Self::Gsi1 => Some("gsi1"),
            Self::Gsi2 => Some("gsi2"),
            Self::Gsi3 => Some("gsi3"),
            Self::Gsi4 => Some("gsi4"),
            Self::Gsi5 => Some("gsi5"),
        }
    }

    fn pk_name(self) -> String {
        self.index().map_or_else(|| "pk".to_owned(), |i| format!("{i}pk"))
    }

    fn sk_name(self) -> String {
        self.index().map_or_else(|| "sk".to_owned(), |i| format!("{i}sk"))
    }
}

/// The sort keys of a partition a segment reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortRange {
    All,
    BeginsWith(String),
    /// Sort keys strictly below this one
    Below(String),
    /// Sort keys strictly above this one
    Above(String),
}

/// One run of a list: a partition of an index and a range of its sort keys, read in order.
#[derive(Debug, Clone)]
pub struct Segment {
    pub index: IndexName,
    pub pk: String,
    pub range: SortRange,
}

impl Segment {
    pub fn new(index: IndexName, pk: impl Into<String>, range: SortRange) -> Self {
        Self {
            index,
            pk: pk.into(),
            range,
        }
    }
}

/// A filter expression with its values and the attribute names it spells with `#`.
#[derive(Debug, Clone)]
pub struct Filter {
    expression: String,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

/// A list: segments read one after the other, optionally filtered (a filter only drops items
/// a page would have shown; it never widens what is read).
#[derive(Debug, Clone)]
pub struct IndexList {
    pub segments: Vec<Segment>,
    pub filter: Option<Filter>,
    /// Sort keys read in descending order (newest first where they begin with a time)
    pub descending: bool,
}

impl IndexList {
    pub fn new(segments: Vec<Segment>) -> Self {
        Self {
            segments,
            filter: None,
            descending: false,
        }
    }

    /// Read each segment from its highest sort key down.
    pub fn newest_first(mut self) -> Self {
        self.descending = true;
        self
    }

    pub fn filtered(mut self, expression: &str, values: &[(&str, AttributeValue)]) -> Self {
        self.filter = Some(Filter {
            expression: expression.to_owned(),
            names: Vec::new(),
            values: values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        });
        self
    }

    /// Names the filter spells with `#` (`status` is a reserved word of DynamoDB's
    /// expressions); call after [`Self::filtered`].
    pub fn named(mut self, names: &[(&str, &str)]) -> Self {
        if let Some(filter) = &mut self.filter {
            filter
                .names
                .extend(names.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        }
        self
    }

    fn query(
        &self,
        state: &AppState,
        segment: &Segment,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let (pk, sk) = (segment.index.pk_name(), segment.index.sk_name());
        let mut query = state
            .db
            .query()
            .table_name(&*state.table)
            .set_index_name(segment.index.index().map(str::to_owned))
            .scan_index_forward(!self.descending)
            .expression_attribute_values(":seg_pk", s(&segment.pk));
        let condition = match &segment.range {
            SortRange::All => format!("{pk} = :seg_pk"),
            SortRange::BeginsWith(_) => format!("{pk} = :seg_pk AND begins_with({sk}, :seg_sk)"),
            SortRange::Below(_) => format!("{pk} = :seg_pk AND {sk} < :seg_sk"),
            SortRange::Above(_) => format!("{pk} = :seg_pk AND {sk} > :seg_sk"),
        };
        query = query.key_condition_expression(condition);
        if let SortRange::BeginsWith(v) | SortRange::Below(v) | SortRange::Above(v) = &segment.range {
            query = query.expression_attribute_values(":seg_sk", s(v));
        }
        if let Some(filter) = &self.filter {
            query = query.filter_expression(&filter.expression);
            for (k, v) in &filter.values {
                query = query.expression_attribute_values(k, v.clone());
            }
            for (k, v) in &filter.names {
                query = query.expression_attribute_names(k, v);
            }
        }
        query
    }

    /// The page `request` asks for: each item with the segment it came from, and the cursor of
    /// the next page. Reads the page plus one item (to know whether there is a next page) and
    /// the items the filter drops on the way.
    pub async fn read_page(
        &self,
        state: &AppState,
        request: &PageAt,
    ) -> ApiResult<(Vec<(usize, Item)>, Option<String>)> {
        let want = request.size as usize + 1;
        let mut got: Vec<(usize, Item)> = Vec::with_capacity(want);
        let (mut seg, mut start, mut from_client) = match &request.position {
            Some(p) => (p.segment, Some(p.start_key(self)?), true),
            None => (0, None, false),
        };
        while seg < self.segments.len() && got.len() < want {
            // A filter is applied after `Limit`: read a little ahead so that a selective one
            // (a search) takes a few queries, not one per shown row. Items read past the page
            // are not lost: the cursor is the last item shown.
            let ahead = if self.filter.is_some() { FILTERED_READ } else { 0 };
            let limit = i32::try_from((want - got.len()).max(ahead)).unwrap_or(i32::MAX);
            let out = self
                .query(state, &self.segments[seg])
                .limit(limit)
                .set_exclusive_start_key(start.take())
                .send()
                .await;
            let out = match out {
                Ok(out) => out,
                // A start key outside the segment's range: a cursor made up or from another list.
                Err(SdkError::ServiceError(e)) if from_client && e.err().code() == Some("ValidationException") => {
                    return Err(bad_cursor());
                }
                Err(e) => return Err(e).or_internal("query page"),
            };
            from_client = false;
            got.extend(out.items.unwrap_or_default().into_iter().map(|item| (seg, item)));
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => seg += 1,
            }
        }
        got.truncate(want);
        let next = if got.len() > request.size as usize {
            got.truncate(request.size as usize);
            match got.last() {
                Some((seg, last)) => {
                    Some(Position::after(self, *seg, last, request.offset().saturating_add(request.size))?.encode()?)
                }
                None => None,
            }
        } else {
            None
        };
        Ok((got, next))
    }

    /// [`Self::read_page`], each item decoded as a `T`.
    pub async fn read_page_as<T: DeserializeOwned>(
        &self,
        state: &AppState,
        request: &PageAt,
    ) -> ApiResult<(Vec<T>, Option<String>)> {
        let (items, next) = self.read_page(state, request).await?;
        let decoded = items
            .into_iter()
            .map(|(_, item)| crate::platform::db::from_item::<T>(item).or_internal("decode listed item"))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok((decoded, next))
    }

    /// How many items the list holds: counted by the table over the segments' key ranges, so
    /// the cost is the matching items, never the partition around them.
    pub async fn count(&self, state: &AppState) -> ApiResult<u32> {
        let mut total: u32 = 0;
        for segment in &self.segments {
            let mut start = None;
            loop {
                let out = self
                    .query(state, segment)
                    .select(Select::Count)
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await
                    .or_internal("count")?;
                total = total.saturating_add(u32::try_from(out.count).unwrap_or(0));
                match out.last_evaluated_key {
                    Some(key) => start = Some(key),
                    None => break,
                }
            }
        }
        Ok(total)
    }
}

/// 422, not 400: a cursor is opaque, so one of the right shape (a string) that is stale, made up
/// or from another list breaks a rule the schema cannot state.
fn bad_cursor() -> ApiError {
    ApiError::refused("CURSOR_INVALID", "翻页位置无效或已过期，请回到第一页重新查看")
}

/// Where a page starts: after the item with these keys in this segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    #[serde(rename = "s")]
    segment: usize,
    #[serde(rename = "o")]
    offset: u32,
    /// Table pk and sk and the index sort key of the last item shown (the sk again when the
    /// list reads the table); the partition is the segment's own, never taken from the cursor.
    #[serde(rename = "k")]
    keys: [String; 3],
}

impl Position {
    fn after(list: &IndexList, segment: usize, item: &Item, offset: u32) -> ApiResult<Self> {
        let index = list.segments.get(segment).map_or(IndexName::Table, |s| s.index);
        let text = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("listed item lacks {name}")))
        };
        Ok(Self {
            segment,
            offset,
            keys: [text("pk")?, text("sk")?, text(&index.sk_name())?],
        })
    }

    fn start_key(&self, list: &IndexList) -> ApiResult<Item> {
        let segment = list.segments.get(self.segment).ok_or_else(bad_cursor)?;
        let [pk, sk, index_sk] = self.keys.clone();
        Ok(match segment.index {
            IndexName::Table => Item::from([("pk".to_owned(), s(&segment.pk)), ("sk".to_owned(), s(sk))]),
            index => Item::from([
                ("pk".to_owned(), s(pk)),
                ("sk".to_owned(), s(sk)),
                (index.pk_name(), s(&segment.pk)),
                (index.sk_name(), s(index_sk)),
            ]),
        })
    }

    fn encode(&self) -> ApiResult<String> {
        let json = serde_json::to_vec(self).or_internal("encode cursor")?;
        Ok(URL_SAFE_NO_PAD.encode(json))
    }

    fn decode(cursor: &str) -> ApiResult<Self> {
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(bad_cursor());
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
        let position: Self = serde_json::from_slice(&bytes).map_err(|_| bad_cursor())?;
        if position.keys.iter().any(|k| k.is_empty() || k.len() > 400) {
            return Err(bad_cursor());
        }
        Ok(position)
    }
}

/// `?cursor=&page_size=` of every list read a page at a time.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CursorQuery {
    /// `next` of the page before (absent: the first page)
    #[param(max_length = 1024)]
    pub cursor: Option<String>,
    /// Rows per page; each list has its own default and maximum, and a larger size is taken
    /// as that maximum
    #[serde(default, deserialize_with = "crate::platform::paging::page_size")]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<u32>,
}

impl CursorQuery {
    pub fn at(&self, default_size: u32, max_size: u32) -> ApiResult<PageAt> {
        PageAt::new(self.cursor.as_deref(), self.page_size, default_size, max_size)
    }
}

/// A page asked for: its size and where it starts (absent: the first page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAt {
    pub size: u32,
    pub position: Option<Position>,
}

impl PageAt {
    /// From `?cursor=&page_size=`: the size within the list's bounds, the cursor decoded (a
    /// cursor that does not decode is refused with CURSOR_INVALID).
    pub fn new(cursor: Option<&str>, page_size: Option<u32>, default_size: u32, max_size: u32) -> ApiResult<Self> {
        let position = match cursor.map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(Position::decode(c)?),
        };
        Ok(Self {
            size: page_size.unwrap_or(default_size).clamp(1, max_size),
            position,
        })
    }

    /// The first page of `size` items.
    pub fn first(size: u32) -> Self {
        Self { size, position: None }
    }

    /// Items before this page.
    pub fn offset(&self) -> u32 {
        self.position.as_ref().map_or(0, |p| p.offset)
    }

    /// This page of a sorted list of keys an aggregate holds whole (no table read to page):
    /// the keys after the cursor's, and the next cursor. Keys are at most 400 bytes.
    pub fn page_of_sorted<'a>(&self, sorted: &'a [String]) -> ApiResult<(&'a [String], Option<String>)> {
        let start = match &self.position {
            None => 0,
            Some(p) => sorted.partition_point(|key| key.as_str() <= p.keys[0].as_str()),
        };
        let end = sorted.len().min(start + self.size as usize);
        let page = &sorted[start..end];
        let next = match page.last() {
            Some(last) if end < sorted.len() => Some(
                Position {
                    segment: 0,
                    offset: self.offset() + self.size,
                    keys: [last.clone(), last.clone(), last.clone()],
                }
                .encode()?,
            ),
            _ => None,
        };
        Ok((page, next))
    }

    /// The page of `items` (already read for this request) with its total and next cursor.
    pub fn page<T>(&self, items: Vec<T>, total: Option<u32>, next: Option<String>) -> CursorPage<T> {
        CursorPage {
            items,
            total,
            offset: self.offset(),
            page_size: self.size,
            next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sorted_list_is_paged_after_the_cursors_key() {
        let keys: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let first = PageAt::first(2);
        let (page, next) = first.page_of_sorted(&keys).expect("page");
        assert_eq!(page, ["a", "b"]);
        let second = PageAt::new(next.as_deref(), Some(2), 2, 2).expect("cursor");
        assert_eq!(second.offset(), 2);
        let (page, next) = second.page_of_sorted(&keys).expect("page");
        assert_eq!(page, ["c", "d"]);
        let third = PageAt::new(next.as_deref(), Some(2), 2, 2).expect("cursor");
        let (page, next) = third.page_of_sorted(&keys).expect("page");
        assert_eq!((page, next), (&["e".to_owned()][..], None));
    }

    #[test]
    fn a_cursor_reads_back_and_anything_else_is_refused() {
        let position = Position {
            segment: 1,
            offset: 40,
            keys: ["APP#a".into(), "MEMBER#b".into(), "000001#0000007".into()],
        };
        let encoded = position.encode().expect("encodes");
        let request = PageAt::new(Some(&encoded), Some(5000), 20, 200).expect("decodes");
        assert_eq!(request.position, Some(position));
        assert_eq!((request.size, request.offset()), (200, 40));
        for bad in [
            "x",
            "%%%",
            &"A".repeat(MAX_CURSOR_CHARS + 1),
            &URL_SAFE_NO_PAD.encode(b"{\"s\":0}"),
        ] {
            let err = PageAt::new(Some(bad), None, 20, 200).expect_err("refused");
            assert_eq!(err.code, "CURSOR_INVALID");
        }
        assert_eq!(
            PageAt::new(Some(" "), None, 20, 200)
                .expect("blank is the first page")
                .position,
            None
        );
    }

    #[test]
    fn the_start_key_takes_the_partition_from_the_list_not_the_cursor() {
        let list = IndexList::new(vec![
            Segment::new(IndexName::Gsi1, "MEMBERS#a", SortRange::All),
            Segment::new(IndexName::Gsi3, "MEMBERAGES#a#male", SortRange::Below("1960".into())),
        ]);
        let position = Position {
            segment: 1,
            offset: 0,
            keys: ["APP#a".into(), "MEMBER#b".into(), "1950-01-01#x".into()],
        };
        let key = position.start_key(&list).expect("in range");
        assert_eq!(key.get("gsi3pk"), Some(&s("MEMBERAGES#a#male")));
        assert_eq!(key.get("gsi3sk"), Some(&s("1950-01-01#x")));
        let beyond = Position { segment: 2, ..position };
        assert_eq!(
            beyond.start_key(&list).expect_err("no such segment").code,
            "CURSOR_INVALID"
        );
    }

    #[test]
    fn a_table_list_starts_from_the_table_keys_in_its_own_partition() {
        let list = table_prefix("APP#a", "TRAIL#");
        let position = Position {
            segment: 0,
            offset: 20,
            keys: ["APP#other".into(), "TRAIL#20250218#x".into(), "TRAIL#20250218#x".into()],
        };
        let key = position.start_key(&list).expect("in range");
        assert_eq!(key.len(), 2);
        assert_eq!(key.get("pk"), Some(&s("APP#a")));
        assert_eq!(key.get("sk"), Some(&s("TRAIL#20250218#x")));
    }
}
