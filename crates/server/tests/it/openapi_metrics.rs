//! OpenAPI metrics: requests are labelled with a known action's name only once their
//! signature verifies, everything else as `other`, so no caller can add label values or put
//! text into the exposition; and `/metrics` can be served on an address of its own.

use std::collections::BTreeSet;

use crate::common::*;
use serde_json::json;

const KNOWN: [&str; 11] = [
    "KickUser",
    "DismissRoom",
    "BanRoomUser",
    "UpdateBanRoomUserRule",
    "BanUserStream",
    "UnbanUserStream",
    "GetRoomOnlineUsers",
    "SendUnicast",
    "SendRoomUnicast",
    "BatchSendRoomUnicast",
    "SendBroadcast",
];

/// An `Action` value that would add a series and a line of its own if it reached the
/// exposition unescaped.
const INJECTION: &str = "x\"} 1\nchorus_injected_total 99\n# ";

async fn metrics_at(base: &str) -> (u16, String) {
    let response = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("server answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a text body"))
}

/// The `action` label values of `chorus_api_requests_total`.
fn action_labels(metrics: &str) -> BTreeSet<String> {
    metrics
        .lines()
        .filter_map(|line| line.strip_prefix("chorus_api_requests_total{action=\""))
        .map(|rest| rest.split('"').next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn only_known_signed_actions_become_label_values() {
    let server = TestServer::with(|config| {
        config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let http = reqwest::Client::new();

    // Unsigned, with made-up actions: refused before any label is chosen.
    for action in ["LaunchRocket", INJECTION] {
        let response = http
            .post(server.url())
            .query(&[("Action", action), ("Version", "2020-12-01")])
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);
    }
    // Signed with a configured key, but naming no known action.
    let encoded: String = form_urlencoded::byte_serialize(INJECTION.as_bytes()).collect();
    for action in ["LaunchRocket", encoded.as_str()] {
        let (status, envelope) = server.api(action, json!({})).await;
        assert_eq!(status, 404, "{envelope}");
    }
    // Signed, known.
    let (status, envelope) = server
        .api(
            "GetRoomOnlineUsers",
            json!({"AppId": APP_ID, "RoomId": "counted"}),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");

    let metrics_addr = server.server.metrics_addr().expect("a metrics listener");
    let (status, metrics) = metrics_at(&format!("http://{metrics_addr}")).await;
    assert_eq!(status, 200);
    assert!(!metrics.contains("chorus_injected_total"), "{metrics}");
    assert!(!metrics.contains("LaunchRocket"), "{metrics}");
    let labels = action_labels(&metrics);
    assert!(
        labels
            .iter()
            .all(|l| l == "other" || KNOWN.contains(&l.as_str())),
        "{labels:?}"
    );
    assert!(
        metrics.contains(
            "chorus_api_requests_total{action=\"GetRoomOnlineUsers\",outcome=\"ok\"} 1\n"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "chorus_api_requests_total{action=\"other\",outcome=\"MissingAuthenticationToken\"} 2\n"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "chorus_api_requests_total{action=\"other\",outcome=\"InvalidActionOrVersion\"} 2\n"
        ),
        "{metrics}"
    );
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
}

#[tokio::test]
async fn a_metrics_listener_takes_metrics_off_the_main_port() {
    let server = TestServer::with(|config| {
        config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let (status, _) = metrics_at(&server.url()).await;
    assert_eq!(status, 404, "the main port no longer serves /metrics");
    let metrics_addr = server.server.metrics_addr().expect("a metrics listener");
    let (status, metrics) = metrics_at(&format!("http://{metrics_addr}")).await;
    assert_eq!(status, 200);
    assert!(metrics.contains("chorus_rooms "), "{metrics}");

    // Without one, the main port serves it as before.
    let plain = TestServer::start().await;
    assert_eq!(plain.server.metrics_addr(), None);
    let (status, metrics) = metrics_at(&plain.url()).await;
    assert_eq!(status, 200);
    assert!(metrics.contains("chorus_rooms "), "{metrics}");
}

#[test]
fn in_dev_mode_the_metrics_listener_stays_on_loopback() {
    let config = chorus_server::Config {
        metrics_listen: Some("0.0.0.0:9100".parse().unwrap()),
        ..chorus_server::Config::default()
    };
    assert!(matches!(
        config.validate(),
        Err(chorus_server::ConfigError::DevModeNotLoopback(addr)) if addr.port() == 9100
    ));
}
