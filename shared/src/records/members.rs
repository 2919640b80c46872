//! 参保人: the named members of an application, one item each under the application's
//! partition (`MEMBER#<hash of the ID>`), so the same ID can be stored only once and URLs
//! never carry an ID number.
use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{Gender, IdType, Mobile, Occupation, PersonId, mask_name};

use crate::platform::cursor::{CursorPage, IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db::{self, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::records::application::{Application, app_pk};

/// One named member.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredMember", into = "StoredMember")]
pub struct Member {
    pub member_id: String,
    pub name: String,
    /// 证件类型 and 证件号码, checked together.
    pub id: PersonId,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub mobile: Option<Mobile>,
    pub occupation: Occupation,
    pub remark: String,
    /// 导入批次 number and the row in that file.
    pub batch_no: u32,
    pub row: u32,
    /// 未到期: still covered by an earlier certificate of the same activity, until this date.
    pub covered_until: Option<NaiveDate>,
    /// In a renewal: covered by the certificate being renewed when imported (renewed and
    /// charged, and 续保 when paid in time).
    pub renewed: bool,
}

/// A member as the table holds it: flat attributes. `id_type` is written as the type's code
/// (`resident_id_card`); items written before the types held its Chinese label (居民身份证),
/// and both read.
#[derive(Serialize, Deserialize)]
struct StoredMember {
    member_id: String,
    name: String,
    id_type: String,
    id_number: String,
    gender: Gender,
    birth_date: NaiveDate,
    mobile: Option<Mobile>,
    occupation: Occupation,
    remark: String,
    batch_no: u32,
    row: u32,
    covered_until: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    renewed: bool,
}

impl TryFrom<StoredMember> for Member {
    type Error = String;

    fn try_from(stored: StoredMember) -> Result<Self, Self::Error> {
        let id_type = IdType::from_code(&stored.id_type)
            .or_else(|| IdType::parse(&stored.id_type).ok())
            .ok_or_else(|| format!("stored member {}: unknown id_type", stored.member_id))?;
        let id = PersonId::parse(id_type, &stored.id_number)
            .map_err(|e| format!("stored member {}: {}", stored.member_id, e.code()))?;
        Ok(Member {
            member_id: stored.member_id,
            name: stored.name,
            id,
            gender: stored.gender,
            birth_date: stored.birth_date,
            mobile: stored.mobile,
            occupation: stored.occupation,
            remark: stored.remark,
            batch_no: stored.batch_no,
            row: stored.row,
            covered_until: stored.covered_until,
            renewed: stored.renewed,
        })
    }
}

impl From<Member> for StoredMember {
    fn from(member: Member) -> Self {
        StoredMember {
            member_id: member.member_id,
            name: member.name,
            id_type: member.id.id_type().code().to_owned(),
            id_number: member.id.as_str().to_owned(),
            gender: member.gender,
            birth_date: member.birth_date,
            mobile: member.mobile,
            occupation: member.occupation,
            remark: member.remark,
            batch_no: member.batch_no,
            row: member.row,
            covered_until: member.covered_until,
            renewed: member.renewed,
        }
    }
}

/// A member as lists show it: personal data masked, no birth date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub member_id: String,
    pub name: String,
    pub id_type: String,
    /// e.g. 410***********1238
    pub id_number: String,
    pub gender: String,
    /// Age today; never the birth date next to a masked ID (together they rebuild the ID).
    pub age: u32,
    pub mobile: Option<String>,
    pub occupation: Occupation,
    pub remark: String,
    pub batch_no: u32,
    pub row: u32,
    pub covered_until: Option<String>,
}

impl Member {
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        date.years_since(self.birth_date).unwrap_or(0)
    }

    pub fn view(&self, today: NaiveDate) -> MemberView {
        MemberView {
            member_id: self.member_id.clone(),
            name: mask_name(&self.name),
            id_type: self.id.id_type().label().to_owned(),
            id_number: self.id.masked(),
            gender: self.gender.label().to_owned(),
            age: self.age_on(today),
            mobile: self.mobile.as_ref().map(Mobile::masked),
            occupation: self.occupation,
            remark: self.remark.clone(),
            batch_no: self.batch_no,
            row: self.row,
            covered_until: self.covered_until.map(|d| d.to_string()),
        }
    }

    /// The member's item with the index keys it is listed by (written with every put, so an
    /// edit moves it in the name index): gsi1 = the list in import order, 未到期 members in a
    /// partition of their own; gsi2 = by name (按姓名查询); gsi3 = by gender and birth date (the
    /// age checks of 参保自核 are ranges of it); gsi4 = by the ID's last four characters (the
    /// part a masked list shows, so a clerk finds the row the paper names); gsi5 (sparse) =
    /// members whose ID 参保自核 lists (an address code that never existed).
    pub fn to_item(&self, app_id: &str) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(db::key(app_pk(app_id), member_sk(&self.member_id)));
        let order = order_key(self.batch_no, self.row);
        let listed = if self.covered_until.is_some() {
            expiring_pk(app_id)
        } else {
            charged_pk(app_id)
        };
        for (name, value) in [
            ("gsi1pk", listed),
            ("gsi1sk", order.clone()),
            ("gsi2pk", names_pk(app_id)),
            ("gsi2sk", format!("{}#{order}", self.name)),
            ("gsi3pk", ages_pk(app_id, self.gender)),
            ("gsi3sk", format!("{}#{order}", self.birth_date)),
            ("gsi4pk", tails_pk(app_id)),
            ("gsi4sk", format!("{}#{order}", id_tail(self.id.as_str()))),
        ] {
            item.insert(name.to_owned(), s(value));
        }
        // gsi5, sparse: only members 参保自核 lists for their ID itself.
        if self.id.address_code_unknown() {
            item.insert("gsi5pk".to_owned(), s(flags_pk(app_id)));
            item.insert("gsi5sk".to_owned(), s(format!("{ADDRESS_FLAG}{order}")));
        }
        item.insert(KEYS_VERSION_ATTRIBUTE.to_owned(), db::n(KEYS_VERSION));
        Ok(item)
    }
}

/// Sort key of import order: batch, then row in that batch's file, fixed-width so that text
/// order is number order.
fn order_key(batch_no: u32, row: u32) -> String {
    format!("{batch_no:06}#{row:07}")
}

/// Which index keys a member item carries: raised whenever [`Member::to_item`] writes a new
/// one, so the backfill (`steps::reminders`) rewrites the members written before it — a sparse
/// key cannot be told missing from absent by its own attribute.
pub const KEYS_VERSION: u32 = 1;
pub const KEYS_VERSION_ATTRIBUTE: &str = "keys_version";

/// Sort keys below this one belong to committed imports (`batch_no <= batch_seq`).
fn committed_bound(app: &Application) -> String {
    format!("{:06}", app.batch_seq.saturating_add(1))
}

fn charged_pk(app_id: &str) -> String {
    format!("MEMBERS#{app_id}")
}

fn expiring_pk(app_id: &str) -> String {
    format!("MEMBERS#{app_id}#EXPIRING")
}

fn names_pk(app_id: &str) -> String {
    format!("MEMBERNAMES#{app_id}")
}

/// Partition of the members 参保自核 lists for their ID (see [`crate::records::self_check`]).
pub fn flags_pk(app_id: &str) -> String {
    format!("MEMBERFLAGS#{app_id}")
}

/// Sort-key prefix of a member whose 居民身份证 address code never existed.
pub const ADDRESS_FLAG: &str = "ADDRESS#";

fn tails_pk(app_id: &str) -> String {
    format!("MEMBERTAILS#{app_id}")
}

/// The last four characters of an ID number (what the masked lists show).
fn id_tail(number: &str) -> String {
    let skip = number.chars().count().saturating_sub(ID_TAIL_CHARS);
    number.chars().skip(skip).collect()
}

/// Partition of one gender's members by birth date (see [`crate::records::self_check`]).
pub fn ages_pk(app_id: &str, gender: Gender) -> String {
    let gender = match gender {
        Gender::Male => "male",
        Gender::Female => "female",
    };
    format!("MEMBERAGES#{app_id}#{gender}")
}

/// Keeps the members of committed imports only, where a key range cannot (indexes not ordered
/// by batch first).
pub fn committed_filter(app: &Application) -> (&'static str, [(&'static str, AttributeValue); 1]) {
    ("batch_no <= :committed", [(":committed", db::n(app.batch_seq))])
}

pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 200;
/// Longest search text: a name or a whole ID number.
pub const MAX_SEARCH_CHARS: usize = 50;
/// A search of this many letters and digits is an ID's end (no ID number is this short).
pub const ID_TAIL_CHARS: usize = 4;

/// `?cursor=&page_size=&expiring=&q=` of the member lists (the unit's and the reviewers').
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// `next` of the page before (absent: the first page)
    #[param(max_length = 1024)]
    pub cursor: Option<String>,
    /// 1 … 200 (default 20) (a larger size is taken as the maximum)
    #[serde(default, deserialize_with = "crate::platform::paging::page_size")]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<u32>,
    /// Only 未到期 members (未到期人员清单)
    pub expiring: Option<bool>,
    /// 按姓名或证件号码查询: a name's beginning, a whole ID number, or its last 4 characters
    #[param(max_length = 50)]
    pub q: Option<String>,
}

impl MemberQuery {
    pub fn parse(&self) -> ApiResult<(MemberFilter, PageAt)> {
        let filter = MemberFilter::from_query(self.q.as_deref(), self.expiring.unwrap_or(false))?;
        let at = PageAt::new(self.cursor.as_deref(), self.page_size, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)?;
        Ok((filter, at))
    }
}

/// Which members a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberFilter {
    /// Everyone: those charged this time in import order, then the 未到期 ones.
    All,
    /// 未到期人员清单
    Expiring,
    /// Names beginning with this text.
    NamePrefix(String),
    /// The one person with this whole ID number.
    IdNumber(String),
    /// ID numbers ending in these 4 characters (as the masked lists show them).
    IdTail(String),
}

impl MemberFilter {
    /// From the list's query: a search text with a digit is an ID number (names have none) —
    /// its last 4 characters when that short, as no ID is —, any other text a name prefix;
    /// none lists everyone (or the 未到期 ones).
    pub fn from_query(search: Option<&str>, expiring: bool) -> ApiResult<Self> {
        let search = search.map(str::trim).unwrap_or_default();
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(ApiError::malformed(
                "SEARCH_TOO_LONG",
                format!("查询内容不能超过{MAX_SEARCH_CHARS}个字，请输入姓名或完整的证件号码"),
            ));
        }
        Ok(if search.is_empty() {
            if expiring { Self::Expiring } else { Self::All }
        } else if search.chars().any(|c| c.is_ascii_digit()) {
            let number = search
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase();
            if number.chars().count() == ID_TAIL_CHARS && number.chars().all(|c| c.is_ascii_alphanumeric()) {
                Self::IdTail(number)
            } else {
                Self::IdNumber(number)
            }
        } else {
            Self::NamePrefix(search.to_owned())
        })
    }
}

/// One page of an application's members as lists show them, masked, read from the indexes:
/// the page and one more item, whatever the application's size.
pub async fn page_of(
    state: &AppState,
    app: &Application,
    filter: &MemberFilter,
    request: &PageAt,
    today: NaiveDate,
) -> ApiResult<CursorPage<MemberView>> {
    let committed = || SortRange::Below(committed_bound(app));
    let (list, total) = match filter {
        MemberFilter::IdNumber(number) => {
            let found = db::get_as::<Member>(
                state,
                db::key(app_pk(&app.id), member_sk(&member_id(number))),
                "get member",
            )
            .await?
            .filter(|m| m.committed_in(app));
            let items = found.iter().map(|m| m.view(today)).collect();
            return Ok(CursorPage::whole(items, request.size));
        }
        MemberFilter::All => (
            IndexList::new(vec![
                Segment::new(IndexName::Gsi1, charged_pk(&app.id), committed()),
                Segment::new(IndexName::Gsi1, expiring_pk(&app.id), committed()),
            ]),
            Some(app.named_count.saturating_add(app.expiring_count)),
        ),
        MemberFilter::Expiring => (
            IndexList::new(vec![Segment::new(IndexName::Gsi1, expiring_pk(&app.id), committed())]),
            Some(app.expiring_count),
        ),
        MemberFilter::NamePrefix(prefix) => {
            let (expression, values) = committed_filter(app);
            (
                IndexList::new(vec![Segment::new(
                    IndexName::Gsi2,
                    names_pk(&app.id),
                    SortRange::BeginsWith(prefix.clone()),
                )])
                .filtered(expression, &values),
                None,
            )
        }
        MemberFilter::IdTail(tail) => {
            let (expression, values) = committed_filter(app);
            (
                IndexList::new(vec![Segment::new(
                    IndexName::Gsi4,
                    tails_pk(&app.id),
                    SortRange::BeginsWith(format!("{tail}#")),
                )])
                .filtered(expression, &values),
                None,
            )
        }
    };
    let (items, next) = list.read_page(state, request).await?;
    let members = items
        .into_iter()
        .map(|(_, item)| db::from_item::<Member>(item).or_internal("decode member"))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(request.page(members.iter().map(|m| m.view(today)).collect(), total, next))
}

/// Opaque, stable id of a person within an application: the same ID number always maps to
/// the same item, and the URL carries no personal data.
pub fn member_id(id_number: &str) -> String {
    hex::encode(&Sha256::digest(id_number.as_bytes())[..10])
}

pub fn member_sk(member_id: &str) -> String {
    format!("MEMBER#{member_id}")
}

/// The named members of `app`: those of its committed imports. An import writes its members
/// before it commits its batch (`batch_seq`); until then, or for good if it died in between,
/// they are not the application's: never counted, listed, printed or covered, and the next
/// import clears them.
pub async fn all(state: &AppState, app: &Application) -> ApiResult<Vec<Member>> {
    let mut members = stored(state, &app.id).await?;
    members.retain(|m| m.committed_in(app));
    Ok(members)
}

impl Member {
    /// True when the import that wrote this member committed.
    pub fn committed_in(&self, app: &Application) -> bool {
        self.batch_no <= app.batch_seq
    }
}

/// Which of `id_numbers` are named members of `app` (committed ones): for a renewal, who was
/// covered by the certificate it renews. Reads one item per ID, whatever the list's size.
pub async fn present(
    state: &AppState,
    app: &Application,
    id_numbers: impl Iterator<Item = &str>,
) -> ApiResult<HashSet<String>> {
    let keys = id_numbers
        .map(|id| db::key(app_pk(&app.id), member_sk(&member_id(id))))
        .collect();
    let mut found = HashSet::new();
    for item in db::batch_get(state, keys).await? {
        let member = db::from_item::<Member>(item).or_internal("decode member")?;
        if member.committed_in(app) {
            found.insert(member.id.as_str().to_owned());
        }
    }
    Ok(found)
}

/// Every member item under the application, committed or not.
pub async fn stored(state: &AppState, app_id: &str) -> ApiResult<Vec<Member>> {
    db::query_as(
        state
            .db
            .query()
            .table_name(&*state.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :m)")
            .expression_attribute_values(":pk", s(app_pk(app_id)))
            .expression_attribute_values(":m", s("MEMBER#")),
        "query members",
    )
    .await
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::platform::db::{Item, n, s};

    /// A member item exactly as the table held it before the record was typed: the ID type as
    /// its Chinese label, the mobile as a plain string.
    fn old_shape() -> Item {
        Item::from([
            ("pk".to_owned(), s("APP#a")),
            ("sk".to_owned(), s("MEMBER#x")),
            ("member_id".to_owned(), s("x")),
            ("name".to_owned(), s("张三")),
            ("id_type".to_owned(), s("居民身份证")),
            ("id_number".to_owned(), s("410202198503151238")),
            ("gender".to_owned(), s("male")),
            ("birth_date".to_owned(), s("1985-03-15")),
            ("mobile".to_owned(), s("13812345678")),
            ("occupation".to_owned(), s("high_risk")),
            ("remark".to_owned(), s("")),
            ("batch_no".to_owned(), n(2)),
            ("row".to_owned(), n(7)),
            ("covered_until".to_owned(), AttributeValue::Null(true)),
        ])
    }

    #[test]
    fn an_item_in_the_old_shape_reads_as_a_typed_member() {
        let member: Member = db::from_item(old_shape()).expect("old item reads");
        assert_eq!(member.id.id_type(), IdType::ResidentIdCard);
        assert_eq!(member.id.as_str(), "410202198503151238");
        assert_eq!(member.mobile.as_ref().map(Mobile::as_str), Some("13812345678"));
        assert_eq!(member.occupation, Occupation::HighRisk);
        assert_eq!((member.batch_no, member.row), (2, 7));
    }

    #[test]
    fn a_member_is_written_with_the_type_code_and_reads_back_the_same() {
        let member: Member = db::from_item(old_shape()).expect("old item reads");
        let item = member.to_item("a").expect("encode");
        assert_eq!(item.get("id_type"), Some(&s("resident_id_card")));
        assert_eq!(item.get("id_number"), Some(&s("410202198503151238")));
        let again: Member = db::from_item(item).expect("new item reads");
        assert_eq!(again.id, member.id);
        assert_eq!(again.mobile, member.mobile);
    }

    #[test]
    fn a_search_reads_as_a_name_a_whole_id_or_the_last_four_characters() {
        let read = |q: &str| MemberFilter::from_query(Some(q), false).expect("a search");
        assert_eq!(read(" 张 "), MemberFilter::NamePrefix("张".into()));
        assert_eq!(read("123x"), MemberFilter::IdTail("123X".into()));
        assert_eq!(read("12 3X"), MemberFilter::IdTail("123X".into()));
        // Five characters are a passport number, never an ID's end.
        assert_eq!(read("E1234"), MemberFilter::IdNumber("E1234".into()));
        assert_eq!(read("123"), MemberFilter::IdNumber("123".into()));
        assert_eq!(
            read("410202198503151238"),
            MemberFilter::IdNumber("410202198503151238".into())
        );
        assert_eq!(
            MemberFilter::from_query(Some(""), true).ok(),
            Some(MemberFilter::Expiring)
        );
    }

    #[test]
    fn a_member_is_indexed_by_the_last_four_characters_of_its_id() {
        let member: Member = db::from_item(old_shape()).expect("old item reads");
        let item = member.to_item("a").expect("encode");
        assert_eq!(item.get("gsi4pk"), Some(&s("MEMBERTAILS#a")));
        assert_eq!(item.get("gsi4sk"), Some(&s("1238#000002#0000007")));
        assert_eq!(item.get(KEYS_VERSION_ATTRIBUTE), Some(&n(KEYS_VERSION)));
        // A real address code (410202, 龙亭区): not among 参保自核's ID findings.
        assert!(!item.contains_key("gsi5pk"));
    }

    #[test]
    fn a_member_whose_address_code_never_existed_is_indexed_for_the_self_check() {
        let body = "41029919850315123";
        let check = crate::domain::ResidentId::check_char(body).expect("17 digits");
        let mut stored = old_shape();
        stored.insert("id_number".to_owned(), s(format!("{body}{check}")));
        let member: Member = db::from_item(stored).expect("reads: the code is not a parse error");
        let item = member.to_item("a").expect("encode");
        assert_eq!(item.get("gsi5pk"), Some(&s("MEMBERFLAGS#a")));
        assert_eq!(item.get("gsi5sk"), Some(&s("ADDRESS#000002#0000007")));
    }

    #[test]
    fn a_stored_number_that_no_longer_parses_is_an_error_not_a_member() {
        let mut item = old_shape();
        item.insert("id_number".to_owned(), s("410202198503151239"));
        assert!(db::from_item::<Member>(item).is_err());
        let mut item = old_shape();
        item.insert("id_type".to_owned(), s("驾驶证"));
        assert!(db::from_item::<Member>(item).is_err());
    }
}
