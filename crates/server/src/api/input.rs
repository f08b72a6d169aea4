//! Checks of an action's input shared by every action group: the app is hosted here and in
//! the key's scope, ids are well formed, the parameters parse. Depends only on the
//! configuration in `Ctx`.

use chorus_proto::{clip, clip_quoted, id_rule};
use serde::de::DeserializeOwned;

use super::caller::Caller;
use super::failure::ApiFailure;

/// Checks that `app_id` is hosted here and that the caller's key may act on it.
pub(super) fn app(ctx: &Caller<'_>, app_id: &str) -> Result<(), ApiFailure> {
    if !ctx.config.apps.contains(app_id) {
        return Err(ApiFailure::invalid(format!(
            "AppId {:?} is not hosted by this server",
            clip(app_id)
        )));
    }
    if !ctx.may_use(app_id) {
        return Err(ApiFailure::denied(format!(
            "this access key may not act on AppId {:?}; the server's operator scopes keys to apps",
            clip(app_id)
        )));
    }
    Ok(())
}

/// Checks a room or user id `value` of the parameter `field`.
pub(crate) fn id(field: &str, value: &str) -> Result<(), ApiFailure> {
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
pub(crate) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(bytes).map_err(|e| {
        let reason = clip_quoted(&e.to_string());
        ApiFailure::invalid(format!("bad request body: {reason}"))
    })
}
