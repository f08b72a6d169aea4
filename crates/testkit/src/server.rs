//! A real Chorus server on loopback for a test: ephemeral ports, the test app, and whatever
//! else a test changes.

use chorus_server::{AppCredentials, Config, RunningServer};

use crate::app::{APP_ID, APP_KEY};

/// A server config that listens on loopback on ephemeral ports (signalling and media) and
/// knows the test app.
pub fn config() -> Config {
    Config {
        listen: "127.0.0.1:0".parse().expect("a socket address"),
        rtc_port: 0,
        apps: vec![AppCredentials {
            id: APP_ID.into(),
            key: APP_KEY.into(),
            ..AppCredentials::default()
        }],
        ..Config::default()
    }
}

/// Starts a server on [`config`] changed by `tweak`, on the caller's runtime.
pub async fn start_server(tweak: impl FnOnce(&mut Config)) -> RunningServer {
    let mut config = config();
    tweak(&mut config);
    chorus_server::start(config)
        .await
        .expect("the test server starts")
}
