//! Checks of an action's input shared by every action group: the app is hosted here, ids are
//! well formed, the parameters parse. Depends only on the configuration in `Ctx`.

use chorus_proto::{clip, clip_quoted, id_rule};
use serde::de::DeserializeOwned;

use super::failure::ApiFailure;
use crate::ctx::Ctx;

/// Checks that `app_id` is hosted here.
pub(super) fn app(ctx: &Ctx, app_id: &str) -> Result<(), ApiFailure> {
    if ctx.config.apps.contains(app_id) {
        Ok(())
    } else {
        Err(ApiFailure::invalid(format!(
            "AppId {:?} is not hosted by this server",
            clip(app_id)
        )))
    }
}

/// Checks a room or user id `value` of the parameter `field`.
pub(super) fn id(field: &str, value: &str) -> Result<(), ApiFailure> {
    if chorus_proto::is_valid_id(value) {
        Ok(())
    } else {
        Err(ApiFailure::invalid(format!(
            "{field} must be {}",
            id_rule()
        )))
    }
}

/// Parses an action's parameters: a POST's JSON body, or a GET's query made into one.
pub(super) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(bytes).map_err(|e| {
        let reason = clip_quoted(&e.to_string());
        ApiFailure::invalid(format!("bad request body: {reason}"))
    })
}
