//! 业务查询 (staff): every application of the caller's subtree, in every state, found by unit
//! name or code, 申请书号, 确认书号, activity, state and dates, a page at a time (the criteria
//! and the index ranges they read: `records::application_search`).
use serde::Deserialize;
use utoipa::IntoParams;

use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::error::ApiResult;
use crate::platform::paging;
use crate::platform::state::AppState;
use crate::records::application::Application;
use crate::records::application_search::ApplicationCriteria;
pub use crate::records::application_search::SearchRow;
use crate::records::session::StaffUser;
use crate::reference;

pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// An agency within the caller's jurisdiction (default: the caller's own)
    #[param(max_length = 12)]
    pub agency: Option<String>,
    /// Year of creation (default: every year, newest first)
    pub year: Option<i32>,
    /// One state: draft, submitted, l1_approved, l2_approved, approved, invoiced, paid
    #[param(max_length = 20)]
    pub status: Option<String>,
    /// 保障活动 code
    #[param(max_length = 40)]
    pub activity: Option<String>,
    /// Part of the unit's name, its 统一社会信用代码, a 申请书号 or a 确认书号
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Created on or after this day (YYYY-MM-DD, Beijing)
    #[param(max_length = 10)]
    pub from: Option<String>,
    /// Created on or before this day (YYYY-MM-DD, Beijing)
    #[param(max_length = 10)]
    pub to: Option<String>,
    /// `next` of the page before (absent: the first page)
    #[param(max_length = 1024)]
    pub cursor: Option<String>,
    /// 1 … 100 (default 20) (a larger size is taken as the maximum)
    #[serde(default, deserialize_with = "paging::page_size")]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<u32>,
}

impl SearchQuery {
    pub fn criteria(&self) -> ApplicationCriteria {
        ApplicationCriteria {
            agency: self.agency.clone(),
            year: self.year,
            status: self.status.clone(),
            activity: self.activity.clone(),
            q: self.q.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// One page of the applications of `query` in the caller's jurisdiction.
pub async fn search(state: &AppState, staff: &StaffUser, query: &SearchQuery) -> ApiResult<CursorPage<SearchRow>> {
    let at = PageAt::new(
        query.cursor.as_deref(),
        query.page_size,
        PAGE_SIZE_DEFAULT,
        PAGE_SIZE_MAX,
    )?;
    let found = query.criteria().check(state, staff).await?;
    let Some(list) = found.list else {
        return Ok(at.page(Vec::new(), None, None));
    };
    let (apps, next) = list.read_page_as::<Application>(state, &at).await?;
    let rows = apps
        .iter()
        // The index range is the subtree by construction; the check keeps it so.
        .filter(|app| reference::is_within(&app.agency_code, &found.agency))
        .map(SearchRow::of)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(at.page(rows, None, next))
}
