//! Simulcast across a spanning room's link: a publisher on the room's home sends three
//! simulcast layers of three picture sizes; a subscriber on the shard decodes the highest
//! layer's size by default, the lowest's once it asks the low layer, and the highest's again
//! once it asks the high layer: its choice crossed the link, which carried the layer it
//! wanted. The other way too: a subscriber at home gets the layer it asks of a publisher on
//! the shard, whose node asks the home's over HTTP, a route that refuses anyone but a link.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chorus_media::{H264Encoder, RtcSetup, VideoFrame};
use chorus_proto::{
    MediaParams, MediaType, PublishedTrack, PublisherOfferParams, Request, RequestFrame,
    ServerFrame, SimulcastStreamType, StreamIndex, TrackKind,
};
use chorus_sdk::RtcEngine;
use chorus_testkit::take_turn;
use futures_util::StreamExt as _;
use str0m::change::SdpAnswer;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Rid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event as RtcEvent, Input, Output, Rtc};
use tokio::net::UdpSocket;

use crate::cluster_redis::{Redis, owner_of};
use crate::cluster_span::registered_peers;
use crate::common::*;

const ROOM: &str = "span-simulcast";
const MEDIA_PATIENCE: Duration = Duration::from_secs(30);
/// The layers, lowest first: rid and picture size.
const LAYERS: [(&str, u32, u32); 3] = [("q", 96, 64), ("h", 192, 128), ("f", 384, 256)];
const FRAME_EVERY: Duration = Duration::from_millis(66);
/// Where a node says which layers its rooms' receivers want.
const WANTED: &str = "/cluster/span/wanted";

/// A node of the cluster on `redis` whose rooms span nodes past one user.
async fn spanning_node(redis: &Redis, name: &str) -> TestServer {
    let (url, name) = (redis.url(), name.to_owned());
    TestServer::with(move |config| {
        config.redis = Some(url);
        config.node_id = Some(name);
        config.span_max_users_per_node = Some(1);
    })
    .await
}

/// Sends `request` on `ws` and returns its answer, skipping events.
async fn call(ws: &mut raw::Socket, id: u64, request: Request) -> serde_json::Value {
    raw::send(ws, RequestFrame { id, request }.to_json()).await;
    loop {
        let text = raw::recv(ws).await.to_string();
        if let Ok(ServerFrame::Response {
            id: Some(got),
            outcome,
        }) = ServerFrame::parse(&text)
            && got == id
        {
            return outcome.unwrap_or_else(|e| panic!("request {id} refused: {e:?}"));
        }
    }
}

/// Joins `user` through `node` and publishes its camera as the three [`LAYERS`], each an
/// H.264 picture of its size, every [`FRAME_EVERY`]; runs until the test ends.
async fn publish_simulcast(node: &TestServer, user: &str) {
    let mut ws = raw::connect(node).await;
    // It watches no one: the layers wanted are the test's subscribers' alone.
    let join = serde_json::json!({"id": 1, "method": "joinRoom", "params": {
        "token": token(ROOM, user), "roomId": ROOM, "userInfo": {"userId": user},
        "roomConfig": {"isAutoSubscribeAudio": false, "isAutoSubscribeVideo": false}
    }});
    raw::send(&mut ws, join.to_string()).await;
    let joined = loop {
        let frame = raw::recv(&mut ws).await;
        if frame["id"] == 1 {
            break frame;
        }
    };
    assert!(joined.get("result").is_some(), "{user} joins: {joined}");

    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
    socket.set_nonblocking(true).expect("non-blocking");
    let socket = UdpSocket::from_std(socket).expect("a tokio socket");
    let local = socket.local_addr().expect("bound");
    let mut rtc = RtcSetup::sdk().config().build(Instant::now());
    rtc.add_local_candidate(Candidate::host(local, "udp").expect("a host candidate"));
    let mut simulcast = Simulcast::new();
    simulcast.send = LAYERS
        .iter()
        .map(|(rid, _, _)| SimulcastLayer::new(rid))
        .collect();
    let mut api = rtc.sdp_api();
    let mid = api.add_media(
        MediaKind::Video,
        Direction::SendOnly,
        None,
        None,
        Some(simulcast),
    );
    let (offer, pending) = api.apply().expect("an offer");
    let params = PublisherOfferParams {
        sdp: offer.to_sdp_string(),
        tracks: vec![PublishedTrack {
            mid: mid.to_string(),
            stream_index: StreamIndex::Main,
            kind: TrackKind::Video,
        }],
    };
    let answer = call(&mut ws, 2, Request::PublisherOffer(params)).await;
    let sdp = answer["sdp"].as_str().expect("an answer sdp");
    let answer = SdpAnswer::from_sdp_string(sdp).expect("a readable answer");
    rtc.sdp_api()
        .accept_answer(pending, answer)
        .expect("the answer applies");
    let publish = MediaParams {
        media_type: MediaType::Video,
    };
    call(&mut ws, 3, Request::PublishStream(publish)).await;

    tokio::spawn(async move {
        // The signalling socket stays open (and read) for as long as the user publishes.
        tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} });
        drive(rtc, socket, local, mid).await;
    });
}

/// Runs the publisher's transport: encodes and writes each layer every [`FRAME_EVERY`], a
/// keyframe on a layer when the SFU asks one of it.
async fn drive(mut rtc: Rtc, socket: UdpSocket, local: SocketAddr, mid: str0m::media::Mid) {
    let mut encoders: Vec<H264Encoder> = LAYERS
        .iter()
        .map(|(_, w, h)| H264Encoder::new(*w, *h, 15, 200_000).expect("an encoder"))
        .collect();
    let pictures: Vec<VideoFrame> = LAYERS
        .iter()
        .map(|(_, w, h)| VideoFrame::black(*w, *h))
        .collect();
    let mut keyframe = [true; 3];
    let (mut connected, started) = (false, Instant::now());
    let mut next_frame = Instant::now();
    let mut buf = vec![0u8; 2048];
    loop {
        let timeout = loop {
            match rtc.poll_output() {
                Ok(Output::Timeout(at)) => break at,
                Ok(Output::Transmit(t)) => {
                    let _ = socket.try_send_to(&t.contents, t.destination);
                }
                Ok(Output::Event(RtcEvent::Connected)) => connected = true,
                Ok(Output::Event(RtcEvent::KeyframeRequest(request))) => {
                    let layer = request
                        .rid
                        .and_then(|rid| LAYERS.iter().position(|(r, _, _)| *rid == **r));
                    match layer {
                        Some(layer) => keyframe[layer] = true,
                        None => keyframe = [true; 3],
                    }
                }
                Ok(Output::Event(_)) => {}
                Err(e) => panic!("the publisher's transport failed: {e}"),
            }
        };
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let Ok((n, source)) = received else { continue };
                if let Ok(receive) = Receive::new(Protocol::Udp, source, local, &buf[..n]) {
                    let _ = rtc.handle_input(Input::Receive(Instant::now(), receive));
                }
                continue;
            }
            () = tokio::time::sleep_until(timeout.min(next_frame).into()) => {}
        }
        let now = Instant::now();
        if now >= next_frame {
            next_frame += FRAME_EVERY;
            if connected {
                let micros = now.duration_since(started).as_micros() as u64;
                let time = MediaTime::new(micros * 90 / 1000, str0m::media::Frequency::NINETY_KHZ);
                for (layer, (rid, _, _)) in LAYERS.iter().enumerate() {
                    let encoded = encoders[layer]
                        .encode(&pictures[layer], keyframe[layer])
                        .expect("the picture encodes");
                    keyframe[layer] &= !encoded.keyframe;
                    if encoded.data.is_empty() {
                        continue;
                    }
                    let Some(writer) = rtc.writer(mid) else {
                        continue;
                    };
                    let Some(pt) = writer
                        .payload_params()
                        .find(|p| p.spec().codec == Codec::H264)
                        .map(|p| p.pt())
                    else {
                        continue;
                    };
                    let _ = writer
                        .rid(Rid::from(*rid))
                        .write(pt, now, time, encoded.data);
                }
            }
        }
        let _ = rtc.handle_input(Input::Timeout(now));
    }
}

/// Waits until `engine` decodes pictures of `user` of `size`, then checks the next few are
/// of that size too.
async fn sees_size(engine: &RtcEngine, user: &str, size: (u32, u32)) {
    let mut video = engine.remote_video(user, StreamIndex::Main);
    let next = async |video: &mut chorus_sdk::MediaStream<VideoFrame>| {
        let frame = tokio::time::timeout(MEDIA_PATIENCE, video.next())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("{user}'s video arrives"));
        (frame.width, frame.height)
    };
    let deadline = tokio::time::Instant::now() + MEDIA_PATIENCE;
    let mut last = None;
    while last != Some(size) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {size:?} picture of {user} came; the last was {last:?}"
        );
        last = Some(next(&mut video).await);
    }
    for _ in 0..5 {
        assert_eq!(
            next(&mut video).await,
            size,
            "{user}'s pictures stay {size:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_across_the_link_gets_the_simulcast_layer_it_asks_for() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let redis = Redis::start().await;
    let a = spanning_node(&redis, "a").await;
    let b = spanning_node(&redis, "b").await;

    // The route a shard asks its home's wanted layers on answers a link's token only.
    let refused = |token: Option<String>| async {
        let mut request = reqwest::Client::new().get(format!("{}{WANTED}", a.url()));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.expect("the node answers");
        let status = answer.status().as_u16();
        let body: serde_json::Value = answer.json().await.expect("a JSON answer");
        (status, body["code"].as_str().unwrap_or_default().to_owned())
    };
    let invalid = (401, "INVALID_TOKEN".to_owned());
    assert_eq!(refused(None).await, invalid);
    assert_eq!(refused(Some(token(ROOM, "mallory"))).await, invalid);
    assert_eq!(refused(Some("001garbage".into())).await, invalid);
    // A link user's token signed with the app's key is not a link's.
    assert_eq!(
        refused(Some(token(ROOM, "chorus-span-b-in"))).await,
        invalid
    );

    publish_simulcast(&a, "alice").await;
    let (home, home_id, shard) = match owner_of(&[&a, &b]).await {
        0 => (&a, "a", &b),
        _ => (&b, "b", &a),
    };
    eventually("the home's load to count Alice", async || {
        tokio::time::sleep(Duration::from_millis(100)).await;
        (registered_peers(&redis, home_id) >= 1).then_some(())
    })
    .await;
    let (bob, _bob_events) = shard.joined(ROOM, "bob").await;
    assert_eq!(shard.metric("chorus_rooms").await, Some(1.0), "a shard");

    let size = |layer: usize| (LAYERS[layer].1, LAYERS[layer].2);
    // By default the highest layer, then each layer Bob asks for.
    sees_size(&bob, "alice", size(2)).await;
    bob.set_remote_simulcast_stream_type("alice", SimulcastStreamType::Low)
        .await
        .expect("the low layer is asked");
    sees_size(&bob, "alice", size(0)).await;
    bob.set_remote_simulcast_stream_type("alice", SimulcastStreamType::High)
        .await
        .expect("the high layer is asked");
    sees_size(&bob, "alice", size(2)).await;

    // The other way: Carol publishes on the shard, and Dave at home gets what he asks for.
    publish_simulcast(shard, "carol").await;
    let (dave, _dave_events) = home.joined(ROOM, "dave").await;
    sees_size(&dave, "carol", size(2)).await;
    dave.set_remote_simulcast_stream_type("carol", SimulcastStreamType::Low)
        .await
        .expect("the low layer is asked");
    sees_size(&dave, "carol", size(0)).await;
    dave.set_remote_simulcast_stream_type("carol", SimulcastStreamType::High)
        .await
        .expect("the high layer is asked");
    sees_size(&dave, "carol", size(2)).await;
}
