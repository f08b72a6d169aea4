//! Who is calling: the shared [`Ctx`] and what the signing key may touch. Actions take a
//! [`Caller`] so that the one place that resolves an AppId (`input::app`) can check the key's
//! scope; it depends on `Ctx` only.

use std::ops::Deref;

use crate::ctx::Ctx;

/// The server's handles, and the apps the request's key is scoped to.
pub(super) struct Caller<'a> {
    ctx: &'a Ctx,
    /// None: every app.
    apps: Option<&'a [String]>,
}

impl<'a> Caller<'a> {
    /// The caller that signed with `access_key`.
    pub(super) fn new(ctx: &'a Ctx, access_key: &str) -> Self {
        let apps = ctx.config.api_scopes.get(access_key).map(Vec::as_slice);
        Caller { ctx, apps }
    }

    /// Whether the key may act on `app_id`.
    pub(super) fn may_use(&self, app_id: &str) -> bool {
        self.apps
            .is_none_or(|apps| apps.iter().any(|a| a == app_id))
    }
}

impl Deref for Caller<'_> {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        self.ctx
    }
}
