//! Bad requests, garbage on the wire, loss, and ICE-TCP.

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use chorus_proto::TrackKind;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;

use super::super::test_client::{Client, pump_until};
use super::super::{ForwardMode, PeerEvent, PeerId, SfuError};
use super::*;

#[tokio::test]
async fn bad_requests_get_errors_not_panics() {
    let (sfu, _) = start(None).await;
    let _events = open(&sfu, ALICE).await;
    let mut alice = Client::new();

    let bad = sfu
        .publisher_offer(ALICE, "not an sdp".into(), vec![])
        .await;
    assert!(matches!(bad, Err(SfuError::Sdp(_))), "{bad:?}");
    let huge = "v=0\r\n".repeat(20_000);
    let bad = sfu.publisher_offer(ALICE, huge.clone(), vec![]).await;
    assert!(matches!(bad, Err(SfuError::SdpTooLarge(_))), "{bad:?}");
    let bad = sfu.subscriber_answer(ALICE, huge).await;
    assert!(matches!(bad, Err(SfuError::SdpTooLarge(_))), "{bad:?}");
    // An answer with no offer waiting is refused before it is parsed.
    let bad = sfu.subscriber_answer(ALICE, "not an sdp".into()).await;
    assert!(matches!(bad, Err(SfuError::NoPendingOffer)), "{bad:?}");

    let (offer, mut tracks) =
        alice.publish_offer(&[(TrackKind::Audio, &[]), (TrackKind::Video, &[])]);
    tracks.pop();
    let bad = sfu
        .publisher_offer(ALICE, offer.clone(), tracks.clone())
        .await;
    assert!(matches!(bad, Err(SfuError::Tracks(_))), "{bad:?}");

    let bad = sfu.subscriber_answer(ALICE, offer.clone()).await;
    assert!(matches!(bad, Err(SfuError::NoPendingOffer)), "{bad:?}");

    let bad = sfu.publisher_offer(PeerId(99), offer, tracks).await;
    assert!(matches!(bad, Err(SfuError::UnknownPeer)), "{bad:?}");

    // A subscriber answer that is not SDP keeps the offer waiting for a good one.
    let mut bob = Client::new();
    let mut bob_events = open(&sfu, BOB).await;
    sfu.forward(
        BOB,
        source(ALICE, TrackKind::Audio),
        "alice".into(),
        ForwardMode::On,
    )
    .await;
    let offer = next_offer(&mut bob_events).await;
    let bad = sfu.subscriber_answer(BOB, "v=0 garbage".into()).await;
    assert!(matches!(bad, Err(SfuError::Sdp(_))), "{bad:?}");
    let answer = bob.answer(&offer);
    sfu.subscriber_answer(BOB, answer)
        .await
        .expect("the good answer still fits");
}

#[tokio::test]
async fn garbage_datagrams_and_streams_do_not_disturb_a_session() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 3)
        .await;
    let before = s.video_count();

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let noise = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let server = s.sfu.local_addr();
    let mut tcp = TcpStream::connect(s.sfu.local_tcp_addr()).expect("connect");
    for i in 0..500 {
        let len = rng.random_range(0..1400);
        let mut datagram: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        // Make some look like STUN, DTLS, RTP and RTCP.
        if let Some(first) = datagram.first_mut() {
            *first = [0x00, 0x16, 0x80, 0x81, 0xff][i % 5];
        }
        let _ = noise.send_to(&datagram, server);
        let _ = tcp.write_all(&datagram);
        if i % 50 == 0 {
            s.run(Duration::from_millis(5)).await;
        }
    }
    // A frame claiming 64 KB that never comes, on another connection.
    let mut stuck = TcpStream::connect(s.sfu.local_tcp_addr()).expect("connect");
    let _ = stuck.write_all(&[0xff, 0xff, 1, 2, 3]);

    s.run_until("video after the noise", |bob| {
        video_frames(bob, video).count() > before + 10
    })
    .await;
    assert!(s.metrics.unrouted.get() > 0);
}

/// Forwards datagrams between clients and the server, dropping a share of them (seeded),
/// so the SFU can be tested behind an address it advertises but does not bind.
async fn lossy_relay(listen: SocketAddr, server: SocketAddr, loss: f64) {
    let outer = tokio::net::UdpSocket::bind(listen)
        .await
        .expect("bind the relay");
    let mut upstreams: Vec<(SocketAddr, Arc<tokio::net::UdpSocket>)> = Vec::new();
    let (back_tx, mut back_rx) = mpsc::channel::<(SocketAddr, Vec<u8>)>(1024);
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut buf = [0u8; 2048];
    loop {
        tokio::select! {
            received = outer.recv_from(&mut buf) => {
                let Ok((n, client)) = received else { return };
                let upstream = match upstreams.iter().find(|(c, _)| *c == client) {
                    Some((_, u)) => u.clone(),
                    None => {
                        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("bind");
                        socket.connect(server).await.expect("connect");
                        let socket = Arc::new(socket);
                        let reader = socket.clone();
                        let back = back_tx.clone();
                        tokio::spawn(async move {
                            let mut buf = [0u8; 2048];
                            while let Ok(n) = reader.recv(&mut buf).await {
                                if back.send((client, buf[..n].to_vec())).await.is_err() {
                                    return;
                                }
                            }
                        });
                        upstreams.push((client, socket.clone()));
                        socket
                    }
                };
                if !rng.random_bool(loss) {
                    let _ = upstream.send(&buf[..n]).await;
                }
            }
            Some((client, data)) = back_rx.recv() => {
                if !rng.random_bool(loss) {
                    let _ = outer.send_to(&data, client).await;
                }
            }
        }
    }
}

#[tokio::test]
async fn video_survives_loss_behind_an_advertised_address() {
    // The SFU binds 127.0.0.1 and advertises 127.0.0.2 on the same port, where a relay
    // drops 5% of the datagrams each way.
    let (sfu, metrics) = start(Some("127.0.0.2".parse().expect("an IP"))).await;
    let port = sfu.local_addr().port();
    let relay = tokio::spawn(lossy_relay(
        SocketAddr::from(([127, 0, 0, 2], port)),
        sfu.local_addr(),
        0.05,
    ));
    let mut s = Session::with(sfu, metrics, Client::new(), Client::new()).await;
    assert!(
        s.offer.sdp.contains("127.0.0.2"),
        "the advertised address is offered"
    );
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video through the lossy relay", |bob| {
        video_frames(bob, video).count() >= 60
    })
    .await;
    // NACK and RTX repaired the losses: frames arrive whole and in order.
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
    let contiguous = s.bob.frames.iter().filter(|f| f.contiguous).count();
    assert!(contiguous * 10 >= s.bob.frames.len() * 9, "too many gaps");
    relay.abort();
}

#[tokio::test]
async fn a_subscriber_can_use_ice_tcp() {
    let (sfu, metrics) = start(None).await;
    let tcp = sfu.local_tcp_addr();
    let mut s = Session::with(sfu, metrics, Client::new(), Client::new_tcp(tcp)).await;
    assert!(s.offer.sdp.contains("tcptype passive"), "{}", s.offer.sdp);
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video over TCP", |bob| {
        video_frames(bob, video).count() >= 10
    })
    .await;
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
}

#[tokio::test]
async fn a_failed_transport_is_reported_and_the_subscriber_side_remade() {
    let (sfu, metrics) = start(None).await;
    let mut alice = Client::new();
    let _alice_events = open(&sfu, ALICE).await;
    let mut bob_events = open(&sfu, BOB).await;
    let mids = publish(&sfu, ALICE, &mut alice, &[(TrackKind::Video, &[])]).await;
    pump_until(&mut [&mut alice], WAIT, "alice to connect", |c| {
        c[0].connected
    })
    .await;
    sfu.forward(
        BOB,
        source(ALICE, TrackKind::Video),
        "alice".into(),
        ForwardMode::On,
    )
    .await;

    // Bob answers with a fingerprint that is not his certificate's: DTLS must fail.
    let mut bob = Client::new();
    let offer = next_offer(&mut bob_events).await;
    let answer = bob.answer(&offer);
    let at = answer
        .find("a=fingerprint:sha-256 ")
        .expect("a fingerprint")
        + 22;
    let forged = format!(
        "{}{}{}",
        &answer[..at],
        if &answer[at..at + 1] == "0" { "1" } else { "0" },
        &answer[at + 1..]
    );
    sfu.subscriber_answer(BOB, forged)
        .await
        .expect("the SDP itself is fine");
    let mut media = Media::new(&mut alice, None, Some(mids[0]), &[]);
    let end = std::time::Instant::now() + WAIT;
    let reason = loop {
        assert!(std::time::Instant::now() < end, "no TransportFailed");
        media
            .run(&mut alice, &mut [&mut bob], Duration::from_millis(10))
            .await;
        if let Ok(PeerEvent::TransportFailed { reason }) = bob_events.try_recv() {
            break reason;
        }
    };
    assert!(reason.contains("fingerprint"), "{reason}");

    // The SFU offers a new subscriber transport with the same forward; a client that
    // answers it properly gets the video.
    let mut bob = Client::new();
    let offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
    assert_eq!(offer.tracks.len(), 1);
    let mid = str0m::media::Mid::from(offer.tracks[0].mid.as_str());
    media
        .run_until(&mut alice, &mut bob, "video on the new transport", |bob| {
            video_frames(bob, mid).count() >= 3
        })
        .await;
    assert_eq!(metrics.transports.get(), 2);
}
