//! 参考数据: what the public forms offer — the agency tree, offices, the address book, unit
//! natures and certificate types, regions and the activity catalogue.
use serde_json::{Value, json};

use crate::platform::error::ApiResult;
use crate::platform::state::AppState;
use crate::records::catalogue::{self, Activity};
use crate::reference;

/// 所属机构 tree (河南省办事处 and below); `selectable` marks nodes a unit may pick.
pub fn agencies() -> Value {
    json!(reference::tree())
}

/// 办事处 list; only 河南省办事处 is served.
pub fn offices() -> Value {
    let list: Vec<Value> = reference::offices()
        .iter()
        .map(|o| json!({ "code": o.code, "name": o.name, "served": o.served }))
        .collect();
    json!(list)
}

/// 经办机构通讯录
pub fn address_book() -> Value {
    json!(reference::address_book())
}

/// 单位性质
pub fn unit_natures() -> Value {
    json!(reference::UNIT_NATURES)
}

/// 单位证件类型
pub fn certificate_types() -> Value {
    json!(reference::UNIT_CERTIFICATE_TYPES)
}

/// 省-市-区/县 (河南省)
pub fn regions() -> Value {
    json!(reference::region_tree())
}

/// 保障活动 catalogue (fees in fen, age limits, 细类)
pub async fn activities(state: &AppState) -> ApiResult<Vec<Activity>> {
    catalogue::list(state).await
}
