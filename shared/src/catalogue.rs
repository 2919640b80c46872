//! The activity catalogue (保障活动), stored so the office can change fees and age limits.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, key, s};
use crate::error::{ApiResult, OrInternal};
use crate::reference;
use crate::state::AppState;

const CATALOGUE_PK: &str = "CATALOGUE";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubCategory {
    pub code: String,
    pub name: String,
}

/// 保障活动
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub code: String,
    /// 保障活动类型, e.g. 住院医疗
    pub kind: String,
    pub name: String,
    /// 会费标准 per share, in fen
    pub fee_per_share_fen: u64,
    pub max_shares: u32,
    /// 细类
    pub sub_categories: Vec<SubCategory>,
    pub min_age: u32,
    pub max_age_male: u32,
    pub max_age_female: u32,
    pub term_months: u32,
    pub active: bool,
}

fn activity_key(code: &str) -> db::Item {
    key(CATALOGUE_PK, format!("ACTIVITY#{code}"))
}

/// Writes the seed activities that are not there yet; never overwrites the office's edits.
pub async fn seed(state: &AppState) -> ApiResult<usize> {
    let mut written = 0;
    for seed in reference::activity_seeds() {
        let activity = Activity {
            code: seed.code.to_owned(),
            kind: seed.kind.to_owned(),
            name: seed.name.to_owned(),
            fee_per_share_fen: seed.fee_per_share_fen,
            max_shares: seed.max_shares,
            sub_categories: seed
                .sub_categories
                .iter()
                .map(|c| SubCategory {
                    code: c.code.to_owned(),
                    name: c.name.to_owned(),
                })
                .collect(),
            min_age: seed.min_age,
            max_age_male: seed.max_age_male,
            max_age_female: seed.max_age_female,
            term_months: seed.term_months,
            active: true,
        };
        let mut item = db::to_item(&activity).or_internal("encode activity")?;
        item.extend(activity_key(&activity.code));
        let result = state
            .db
            .put_item()
            .table_name(&*state.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => written += 1,
            Err(e) if db::is_condition_failed(&e) => {}
            Err(e) => {
                return Err(crate::error::ApiError::internal(
                    anyhow::Error::new(e).context("seed activity"),
                ));
            }
        }
    }
    Ok(written)
}

pub async fn list(state: &AppState) -> ApiResult<Vec<Activity>> {
    let out = state
        .db
        .query()
        .table_name(&*state.table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :a)")
        .expression_attribute_values(":pk", s(CATALOGUE_PK))
        .expression_attribute_values(":a", s("ACTIVITY#"))
        .send()
        .await
        .or_internal("query catalogue")?;
    out.items()
        .iter()
        .map(|i| db::from_item(i.clone()).or_internal("decode activity"))
        .collect()
}
