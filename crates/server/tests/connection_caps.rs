//! Unauthenticated connections cannot exhaust the server: one that never joins (nor logs in)
//! is closed after the join deadline even while it answers pings.

mod common;

use std::time::Duration;

use common::raw::{join_frame, recv, send};
use common::*;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for the server to close a connection it should close.
const CLOSE_BOUND: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_connection_that_never_joins_is_closed_though_it_answers_pings() {
    let server = TestServer::with(|c| {
        c.join_timeout_ms = 600;
        c.ping_interval_ms = 100;
    })
    .await;
    let mut idle = common::raw::connect(&server).await;
    let mut joined = common::raw::connect(&server).await;
    send(&mut joined, join_frame(1, "caps", "alice")).await;
    assert_eq!(recv(&mut joined).await["id"], 1);

    // Reading makes the client answer each ping, as a browser's WebSocket would.
    let started = tokio::time::Instant::now();
    let mut pings = 0;
    loop {
        match tokio::time::timeout(CLOSE_BOUND, idle.next()).await {
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => break,
            Ok(Some(Ok(other))) => panic!("unexpected {other:?}"),
            Err(_) => panic!("a connection that never joined stayed open past {CLOSE_BOUND:?}"),
        }
    }
    assert!(pings >= 2, "the closed client answered {pings} pings");
    assert!(started.elapsed() >= Duration::from_millis(500));

    // The one that joined in time stays.
    send(
        &mut joined,
        r#"{"id": 2, "method": "leaveRoom", "params": {}}"#,
    )
    .await;
    assert_eq!(recv(&mut joined).await["id"], 2);
}
