//! 获取短信验证码 for registering: a code to the mobile the form will name.
use crate::domain::Mobile;
use crate::platform::error::ApiResult;
use crate::platform::http::ClientAddress;
use crate::platform::state::AppState;
use crate::records::sms_code::{self, CodeSent};

pub async fn send_for_registration(state: &AppState, mobile: &Mobile, source: &ClientAddress) -> ApiResult<CodeSent> {
    sms_code::send(
        state,
        sms_code::CodePurpose::Register,
        mobile.as_str(),
        Some(mobile),
        source,
    )
    .await
}
