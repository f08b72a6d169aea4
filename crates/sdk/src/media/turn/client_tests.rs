//! The allocation's life against a scripted server, in simulated time.

use super::*;

const USER: &str = "1900000000:alice";
const PASS: &str = "c2VjcmV0";
const REALM: &str = "chorus.test";
const RELAYED: &str = "192.0.2.50:49152";

fn key() -> [u8; 16] {
    md5(format!("{USER}:{REALM}:{PASS}").as_bytes())
}

/// The server's answer to `request`: `class`, with attributes from `fill`, signed with the
/// long-term key when `signed`.
fn answer(request: &[u8], class: Class, signed: bool, fill: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    let msg = Message::decode(request).expect("the client sends STUN");
    let mut enc = Encoder::new(msg.method, class, msg.tid);
    fill(&mut enc);
    enc.finish(signed.then(key).as_ref().map(|k| &k[..]))
}

fn unauthorized(request: &[u8], nonce: &str) -> Vec<u8> {
    answer(request, Class::Error, false, |e| {
        e.attr(attr::ERROR_CODE, &[0, 0, 4, 1])
            .attr(attr::REALM, REALM.as_bytes())
            .attr(attr::NONCE, nonce.as_bytes());
    })
}

fn sent(client: &mut TurnClient) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| client.poll_transmit()).collect()
}

/// A client whose allocation (lifetime 600 s) succeeded at `t0`.
fn allocated(t0: Instant) -> TurnClient {
    let mut client = TurnClient::new(t0, USER, PASS, false);
    let first = sent(&mut client).remove(0);
    client.handle_input(t0, &unauthorized(&first, "n1"));
    let second = sent(&mut client).remove(0);
    let ok = answer(&second, Class::Success, true, |e| {
        e.attr_addr(attr::XOR_RELAYED_ADDRESS, RELAYED.parse().unwrap())
            .attr_u32(attr::LIFETIME, 600);
    });
    client.handle_input(t0, &ok);
    client
}

#[test]
fn allocate_learns_realm_and_nonce_then_signs_with_the_long_term_key() {
    let t0 = Instant::now();
    let mut client = TurnClient::new(t0, USER, PASS, false);
    let first = sent(&mut client);
    assert_eq!(first.len(), 1);
    let msg = Message::decode(&first[0]).unwrap();
    assert_eq!((msg.method, msg.class), (Method::Allocate, Class::Request));
    assert!(
        msg.get(attr::USERNAME).is_none(),
        "the first Allocate is anonymous"
    );
    assert_eq!(msg.u32(attr::REQUESTED_TRANSPORT), Some(17 << 24));

    client.handle_input(t0, &unauthorized(&first[0], "n1"));
    let second = sent(&mut client);
    let msg = Message::decode(&second[0]).unwrap();
    assert_eq!(msg.text(attr::USERNAME), Some(USER));
    assert_eq!(msg.text(attr::REALM), Some(REALM));
    assert_eq!(msg.text(attr::NONCE), Some("n1"));
    assert!(msg.integrity_ok(&key()));

    // An answer not signed with the key is ignored.
    let forged = answer(&second[0], Class::Success, false, |e| {
        e.attr_addr(attr::XOR_RELAYED_ADDRESS, "203.0.113.1:1".parse().unwrap());
    });
    client.handle_input(t0, &forged);
    assert_eq!(client.poll_event(), None);

    let ok = answer(&second[0], Class::Success, true, |e| {
        e.attr_addr(attr::XOR_RELAYED_ADDRESS, RELAYED.parse().unwrap())
            .attr_u32(attr::LIFETIME, 600);
    });
    client.handle_input(t0, &ok);
    assert_eq!(
        client.poll_event(),
        Some(TurnEvent::Allocated {
            relayed: RELAYED.parse().unwrap()
        })
    );
}

#[test]
fn refresh_goes_a_minute_before_the_lifetime_ends_and_follows_a_stale_nonce() {
    let t0 = Instant::now();
    let mut client = allocated(t0);
    client.poll_event();
    assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(540)));
    let t1 = t0 + Duration::from_secs(540);
    client.handle_timeout(t1);
    let refresh = sent(&mut client);
    let msg = Message::decode(&refresh[0]).unwrap();
    assert_eq!(msg.method, Method::Refresh);
    assert_eq!(msg.u32(attr::LIFETIME), Some(600));

    // The nonce went stale: the refresh goes again with the new one.
    let stale = answer(&refresh[0], Class::Error, false, |e| {
        e.attr(attr::ERROR_CODE, &[0, 0, 4, 38])
            .attr(attr::NONCE, b"n2");
    });
    client.handle_input(t1, &stale);
    let again = sent(&mut client);
    let msg = Message::decode(&again[0]).unwrap();
    assert_eq!(
        (msg.method, msg.text(attr::NONCE)),
        (Method::Refresh, Some("n2"))
    );
    let ok = answer(&again[0], Class::Success, true, |e| {
        e.attr_u32(attr::LIFETIME, 300);
    });
    client.handle_input(t1, &ok);
    assert_eq!(client.poll_timeout(), Some(t1 + Duration::from_secs(240)));
    assert_eq!(client.poll_event(), None, "still allocated");
}

#[test]
fn a_peer_gets_permission_and_channel_then_channel_data_both_ways() {
    let t0 = Instant::now();
    let mut client = allocated(t0);
    client.poll_event();
    let peer: SocketAddr = "198.51.100.9:7881".parse().unwrap();
    let mut out = Vec::new();
    // The first packet asks for permission and channel, and waits for the permission.
    assert!(!client.wrap(t0, peer, b"stun!", &mut out));
    assert!(out.is_empty());
    let requests = sent(&mut client);
    let methods: Vec<Method> = requests
        .iter()
        .map(|r| Message::decode(r).unwrap().method)
        .collect();
    assert_eq!(methods, [Method::CreatePermission, Method::ChannelBind]);
    let bind = Message::decode(&requests[1]).unwrap();
    assert_eq!(bind.u32(attr::CHANNEL_NUMBER), Some(0x4000 << 16));
    assert_eq!(bind.addr(attr::XOR_PEER_ADDRESS).unwrap(), Some(peer));
    // Permitted, not yet bound: the held packet goes as a Send indication.
    client.handle_input(t0, &answer(&requests[0], Class::Success, true, |_| {}));
    let released = sent(&mut client);
    assert_eq!(released.len(), 1);
    let send = Message::decode(&released[0]).unwrap();
    assert_eq!((send.method, send.class), (Method::Send, Class::Indication));
    assert_eq!(send.addr(attr::XOR_PEER_ADDRESS).unwrap(), Some(peer));
    assert_eq!(send.get(attr::DATA), Some(&b"stun!"[..]));
    assert!(client.wrap(t0, peer, b"more", &mut out));
    assert_eq!(Message::decode(&out).unwrap().method, Method::Send);
    client.handle_input(t0, &answer(&requests[1], Class::Success, true, |_| {}));
    assert!(client.wrap(t0, peer, b"rtp", &mut out));
    assert_eq!(out, [0x40, 0x00, 0x00, 0x03, b'r', b't', b'p']);

    // In: ChannelData and Data indications name the peer and the data.
    let (from, range) = client.handle_input(t0, &[0x40, 0, 0, 2, 9, 8]).unwrap();
    assert_eq!((from, &[9u8, 8][..]), (peer, &[0x40, 0, 0, 2, 9, 8][range]));
    let mut data = Encoder::new(Method::Data, Class::Indication, [7; 12]);
    data.attr_addr(attr::XOR_PEER_ADDRESS, peer)
        .attr(attr::DATA, b"dtls");
    let data = data.finish(None);
    let (from, range) = client.handle_input(t0, &data).unwrap();
    assert_eq!((from, &data[range]), (peer, &b"dtls"[..]));

    // Four minutes on, permission and channel are renewed.
    let t1 = t0 + Duration::from_secs(240);
    assert_eq!(client.poll_timeout(), Some(t1));
    client.handle_timeout(t1);
    let methods: Vec<Method> = sent(&mut client)
        .iter()
        .map(|r| Message::decode(r).unwrap().method)
        .collect();
    assert_eq!(methods, [Method::CreatePermission, Method::ChannelBind]);
}

#[test]
fn over_tcp_channel_data_is_padded() {
    let t0 = Instant::now();
    let mut client = TurnClient::new(t0, USER, PASS, true);
    let first = sent(&mut client).remove(0);
    client.handle_input(t0, &unauthorized(&first, "n"));
    let second = sent(&mut client).remove(0);
    client.handle_input(
        t0,
        &answer(&second, Class::Success, true, |e| {
            e.attr_addr(attr::XOR_RELAYED_ADDRESS, RELAYED.parse().unwrap());
        }),
    );
    let peer: SocketAddr = "198.51.100.9:7881".parse().unwrap();
    let mut out = Vec::new();
    client.wrap(t0, peer, b"x", &mut out);
    for r in sent(&mut client) {
        client.handle_input(t0, &answer(&r, Class::Success, true, |_| {}));
    }
    sent(&mut client);
    client.wrap(t0, peer, b"x", &mut out);
    assert_eq!(out, [0x40, 0, 0, 1, b'x', 0, 0, 0]);
}

#[test]
fn wrong_credentials_fail_with_unauthorized() {
    let t0 = Instant::now();
    let mut client = TurnClient::new(t0, USER, PASS, false);
    let first = sent(&mut client).remove(0);
    client.handle_input(t0, &unauthorized(&first, "n1"));
    let second = sent(&mut client).remove(0);
    client.handle_input(t0, &unauthorized(&second, "n1"));
    assert!(matches!(
        client.poll_event(),
        Some(TurnEvent::Failed(TurnError::Unauthorized(_)))
    ));
    assert_eq!(client.poll_timeout(), None);
}

#[test]
fn an_unanswered_allocate_is_resent_with_backoff_then_times_out() {
    let t0 = Instant::now();
    let mut client = TurnClient::new(t0, USER, PASS, false);
    let mut sends = sent(&mut client).len();
    let mut now = t0;
    let mut gaps = Vec::new();
    while let Some(at) = client.poll_timeout() {
        gaps.push((at - now).as_millis());
        now = at;
        client.handle_timeout(now);
        sends += sent(&mut client).len();
    }
    assert_eq!(sends, 7);
    assert_eq!(gaps, [500, 1000, 2000, 4000, 8000, 16000, 32000]);
    assert_eq!(
        client.poll_event(),
        Some(TurnEvent::Failed(TurnError::TimedOut))
    );
}

#[test]
fn after_a_fast_round_trip_a_lost_request_is_resent_within_three_round_trips() {
    let t0 = Instant::now();
    let mut client = TurnClient::new(t0, USER, PASS, false);
    let first = sent(&mut client).remove(0);
    // The 401 comes back after 20 ms: the timeout becomes 60 ms.
    let t1 = t0 + Duration::from_millis(20);
    client.handle_input(t1, &unauthorized(&first, "n1"));
    let second = sent(&mut client).remove(0);
    assert_eq!(client.poll_timeout(), Some(t1 + Duration::from_millis(60)));
    client.handle_timeout(t1 + Duration::from_millis(60));
    let resent = sent(&mut client);
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0], second, "the same request again");
    // Its answer does not count (it may answer either send); the next wait doubles.
    assert_eq!(client.poll_timeout(), Some(t1 + Duration::from_millis(180)));
    let ok = answer(&second, Class::Success, true, |e| {
        e.attr_addr(attr::XOR_RELAYED_ADDRESS, RELAYED.parse().unwrap());
    });
    client.handle_input(t1 + Duration::from_millis(300), &ok);
    assert!(matches!(
        client.poll_event(),
        Some(TurnEvent::Allocated { .. })
    ));
}
