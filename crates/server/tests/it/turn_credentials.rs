//! TURN servers in the join answer: the configured URLs with REST credentials for the joining
//! user (`<expiry>:<userId>`, base64(HMAC-SHA1(secret, username))) that expire with the
//! token, or after `turn-ttl-secs` when that is sooner; none when no TURN is configured.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::common::*;
use chorus_proto::RoomConfig;

const URLS: [&str; 2] = [
    "turn:192.0.2.3:3478?transport=udp",
    "turns:turn.example.com:443?transport=tcp",
];
const SECRET: &str = "shared-with-the-turn-server";

fn rest_credential(username: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn with_turn(ttl_secs: u64) -> TestServer {
    TestServer::with(|c| {
        c.turn = URLS.map(str::to_owned).to_vec();
        c.turn_secret = Some(SECRET.to_owned());
        c.turn_ttl_secs = ttl_secs;
    })
    .await
}

#[tokio::test]
async fn the_join_answer_carries_turn_credentials_that_expire_with_the_token() {
    let server = with_turn(86_400).await;
    let expire_at = (now_secs() + 600) as u32;
    let token = token_builder("relay", "alice")
        .with_expire_at(expire_at)
        .serialize()
        .unwrap();
    let joined = server
        .engine()
        .join_room(
            Some(&token),
            "relay",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(joined.ice_servers.len(), 1);
    let ice = &joined.ice_servers[0];
    assert_eq!(ice.urls, URLS);
    // The token still counts during its expire_at second; the credential too.
    assert_eq!(ice.username, format!("{}:alice", expire_at + 1));
    assert_eq!(ice.credential, rest_credential(&ice.username));
}

#[tokio::test]
async fn a_long_lived_token_gets_credentials_of_the_longest_lifetime() {
    let server = with_turn(300).await;
    let before = now_secs();
    let (_bob, _events) = server.joined("relay", "bob").await;
    let joined = server
        .engine()
        .join_room(
            Some(&token("relay", "carol")),
            "relay",
            user_info("carol"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let ice = &joined.ice_servers[0];
    let (expiry, user) = ice.username.split_once(':').expect("<expiry>:<userId>");
    let expiry: u64 = expiry.parse().expect("unix seconds");
    assert_eq!(user, "carol");
    assert!(
        (before + 300..=now_secs() + 300).contains(&expiry),
        "a never-expiring token's credential lives turn-ttl-secs: {expiry}"
    );
    assert_eq!(ice.credential, rest_credential(&ice.username));
}

#[tokio::test]
async fn without_turn_the_join_answer_names_no_ice_server() {
    let server = TestServer::start().await;
    let joined = server
        .engine()
        .join_room(
            Some(&token("plain", "dave")),
            "plain",
            user_info("dave"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    assert!(joined.ice_servers.is_empty());
}
