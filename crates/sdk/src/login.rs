//! The messaging login, as the engine remembers it: who logged in, the latest login token
//! (from `login` or `updateLoginToken`) and the business server set with `setServerParams`.
//! That is what a reconnect needs to log in again as before. Pure data; knows nothing of
//! connections or time.

use chorus_proto::{LoginParams, Request, ServerParams};

/// A login to messaging outside rooms.
#[derive(Debug, Clone)]
pub(crate) struct LoginSession {
    params: LoginParams,
    server: Option<ServerParams>,
}

impl LoginSession {
    /// The login a successful `login` with `params` started.
    pub(crate) fn logged_in(params: LoginParams) -> Self {
        LoginSession {
            params,
            server: None,
        }
    }

    /// Who is logged in.
    pub(crate) fn user_id(&self) -> &str {
        &self.params.user_id
    }

    /// The login that puts this one back after a reconnect: same user, latest token.
    pub(crate) fn relogin_params(&self) -> LoginParams {
        self.params.clone()
    }

    /// A new login token, accepted by the server (or to be used on the next re-login).
    pub(crate) fn set_token(&mut self, token: String) {
        self.params.token = token;
    }

    /// The business server is set (or, with `None`, no longer set).
    pub(crate) fn set_server(&mut self, server: Option<ServerParams>) {
        self.server = server;
    }

    /// What to set again on the server once logged in again: the business server, if set.
    pub(crate) fn restore_requests(&self) -> Vec<Request> {
        self.server
            .clone()
            .map(Request::SetServerParams)
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relogin_carries_the_latest_token_and_restores_the_business_server() {
        let mut login = LoginSession::logged_in(LoginParams {
            token: "t1".into(),
            user_id: "alice".into(),
        });
        assert!(login.restore_requests().is_empty());
        login.set_token("t2".into());
        let params = ServerParams {
            signature: "sig".into(),
            url: "http://biz".into(),
        };
        login.set_server(Some(params.clone()));
        let again = login.relogin_params();
        assert_eq!(
            (again.token.as_str(), again.user_id.as_str()),
            ("t2", "alice")
        );
        assert_eq!(login.user_id(), "alice");
        assert_eq!(
            login.restore_requests(),
            vec![Request::SetServerParams(params)]
        );
    }
}
