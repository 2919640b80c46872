//! 参考数据: what the public forms offer — the agency tree, offices, the address book, unit
//! natures and certificate types, regions and the activity catalogue.
use crate::platform::error::ApiResult;
use crate::platform::state::AppState;
use crate::records::catalogue::{self, Activity};
use crate::reference;
pub use crate::reference::{AddressBookEntry, AgencyTreeNode, Office, RegionTreeNode};

/// 所属机构 tree (河南省办事处 and below); `selectable` marks nodes a unit may pick.
pub fn agencies() -> AgencyTreeNode {
    reference::tree()
}

/// 办事处 list; only 河南省办事处 is served.
pub fn offices() -> &'static [Office] {
    reference::offices()
}

/// 经办机构通讯录
pub fn address_book() -> Vec<AddressBookEntry> {
    reference::address_book()
}

/// 单位性质
pub fn unit_natures() -> &'static [&'static str] {
    reference::UNIT_NATURES
}

/// 单位证件类型
pub fn certificate_types() -> &'static [&'static str] {
    reference::UNIT_CERTIFICATE_TYPES
}

/// 省-市-区/县 (河南省)
pub fn regions() -> RegionTreeNode {
    reference::region_tree()
}

/// 保障活动 catalogue (fees in fen, age limits, 细类)
pub async fn activities(state: &AppState) -> ApiResult<Vec<Activity>> {
    catalogue::list(state).await
}
