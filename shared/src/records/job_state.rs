//! The state of a background job (an import, an export): 排队中 → 处理中 → 完成 / 失败.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 处理状态: queued and running both read 处理中 to the clerk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued | Self::Running => "处理中",
            Self::Done => "完成",
            Self::Failed => "失败",
        }
    }
}
