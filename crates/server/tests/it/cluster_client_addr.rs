//! A client relayed to its room's node counts there as itself: the relaying node vouches for
//! the address the client connected from, and the room's node applies its per-address
//! connection cap to that address rather than to the relaying node's. A vouching no node of
//! the cluster signed is ignored.

use std::net::{IpAddr, Ipv4Addr};

use chorus_proto::Event;
use futures_util::SinkExt;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async};

use crate::cluster_redis::{Redis, node};
use crate::common::raw::{join_frame, recv};
use crate::common::*;

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// The loopback address 127.0.0.`n`.
fn lo(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A signalling WebSocket to `server` from `source`, with the header `x-chorus-relayed-for`
/// when `vouching` is given.
async fn connect_from(
    source: IpAddr,
    server: &TestServer,
    vouching: Option<&str>,
) -> Result<Socket, WsError> {
    let socket = TcpSocket::new_v4()?;
    socket.bind((source, 0).into())?;
    let stream = socket.connect(server.server.local_addr()).await?;
    let mut request = server.ws_url().into_client_request()?;
    if let Some(vouching) = vouching {
        request.headers_mut().insert(
            "x-chorus-relayed-for",
            HeaderValue::from_str(vouching).expect("a header value"),
        );
    }
    Ok(client_async(request, MaybeTlsStream::Plain(stream))
        .await?
        .0)
}

/// Whether `result` is the listener's refusal (503) of one connection too many.
fn refused(result: &Result<Socket, WsError>) -> bool {
    matches!(result, Err(WsError::Http(response)) if response.status() == 503)
}

#[tokio::test]
async fn a_relayed_client_counts_against_its_own_address() {
    let redis = Redis::start().await;
    let url = redis.url();
    let home = TestServer::with(move |config| {
        config.redis = Some(url);
        config.node_id = Some("home".into());
        config.max_connections_per_ip = 2;
    })
    .await;
    // The only node yet: the room is placed on it. The host's connection is one of the two
    // that 127.0.0.1, the relaying node's address too, may hold there.
    let (_host, mut host_events) = home.joined("addr", "host").await;
    let relay = node(&redis, "relay").await;
    // Three clients, each from an address of its own, join through the other node, one after
    // another: each relayed connection counts against its client's address on the room's node.
    let mut relayed = Vec::new();
    for (n, user) in [(2, "u2"), (3, "u3"), (4, "u4")] {
        let mut socket = connect_from(lo(n), &relay, None)
            .await
            .expect("the relaying node takes the client");
        socket
            .send(Message::text(join_frame(1, "addr", user)))
            .await
            .expect("the join goes out");
        let answer = recv(&mut socket).await;
        assert!(answer.get("error").is_none(), "{user} joins: {answer}");
        wait_for(&mut host_events, |e| match e {
            Event::UserJoined(j) if j.user_info.user_id == user => Some(()),
            _ => None,
        })
        .await;
        relayed.push(socket);
    }
    // A connection whose first request is served where it landed (one that holds nothing
    // afterwards) and that then joins the room is handed to the relay by its session: it too
    // counts against its client's address.
    let mut moved = connect_from(lo(7), &relay, None)
        .await
        .expect("the relaying node takes the client");
    moved
        .send(Message::text(
            r#"{"id":1,"method":"updateToken","params":{"token":"x"}}"#,
        ))
        .await
        .expect("the request goes out");
    let answer = recv(&mut moved).await;
    assert_eq!(
        answer["error"]["code"], "UPDATE_TOKEN_BEFORE_JOIN",
        "{answer}"
    );
    moved
        .send(Message::text(join_frame(2, "addr", "u7")))
        .await
        .expect("the join goes out");
    let answer = recv(&mut moved).await;
    assert!(answer.get("error").is_none(), "u7 joins: {answer}");
    wait_for(&mut host_events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == "u7" => Some(()),
        _ => None,
    })
    .await;
    relayed.push(moved);
    assert_eq!(relay.metric("chorus_cluster_relayed").await, Some(4.0));
    let _direct7 = connect_from(lo(7), &home, None)
        .await
        .expect("127.0.0.7's second connection");
    assert!(
        refused(&connect_from(lo(7), &home, None).await),
        "127.0.0.7's moved connection counts against it"
    );
    // 127.0.0.2 holds one place on the room's node (its relayed connection): one more of its
    // own fits, a third does not.
    let _direct = connect_from(lo(2), &home, None)
        .await
        .expect("127.0.0.2's second connection");
    assert!(
        refused(&connect_from(lo(2), &home, None).await),
        "127.0.0.2's relayed connection counts against it"
    );
    // Its next client through the relaying node is refused by the room's node: the join is
    // answered with that refusal, not retried for seconds as if the node were gone (a
    // node's death is waited out for its registration's TTL, 3 s, and one more).
    let asked = std::time::Instant::now();
    let mut over = connect_from(lo(2), &relay, None)
        .await
        .expect("the relaying node takes the client");
    over.send(Message::text(join_frame(1, "addr", "u2b")))
        .await
        .expect("the join goes out");
    let answer = recv(&mut over).await;
    assert_eq!(answer["error"]["code"], "JOIN_ROOM_FAILED", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("refused the connection: 503 too many connections"),
        "{message}"
    );
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(3),
        "the refusal waited {:?}, as for a dead node",
        asked.elapsed()
    );
    // A vouching no node signed moves nothing: both connections count against 127.0.0.5.
    let forged = format!("127.0.0.6:4000;{};AAAA", now_secs());
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(
            connect_from(lo(5), &home, Some(&forged))
                .await
                .expect("a connection with a forged vouching is served as any other"),
        );
    }
    assert!(
        refused(&connect_from(lo(5), &home, Some(&forged)).await),
        "a forged vouching moved a connection off its address"
    );
}
