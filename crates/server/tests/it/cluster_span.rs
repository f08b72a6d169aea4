//! A room that spans two nodes: the room's home node takes one user, so a user reaching the
//! other node for the room is served there by a shard linked to the home. Their messages
//! cross the link (to the room, and from user to user); each hears the
//! other's tone and sees the other's test card (its colour); a user joining the shard late
//! gets a picture, which needs a keyframe asked up the link from the publisher (the SDK's
//! encoder makes one only when asked); each track crosses between the nodes once, whatever
//! the number of its subscribers on the shard; each join is called back once; and the home
//! is the authority: a KickUser called on the shard's node removes the user from both; and
//! the shard ends once its last user of its own has left. The room's limit counts each user
//! once (a mirror is its user's one place in the other room; a link's observers never count),
//! so the full room refuses a fourth user through either node, and GetRoomOnlineUsers names
//! the three. The home admits every user: two joins racing for the last place through the
//! two nodes end with one in and the other refused, and a user opening a shard of a full
//! room is refused before the shard takes them. Visibility crosses the link: a shard user turning invisible leaves the home's
//! view as SWITCH_TO_INVISIBLE and stays listed as invisible, comes back when visible; one
//! joining invisible is held invisible at the home; leaving while invisible takes the
//! mirror away too.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use chorus_media::{RgbaImage, VideoFrame, dominant_frequency};
use chorus_proto::openapi::WebhookCallback;
use chorus_proto::{ErrorCode, Event, RoomConfig, UserOfflineReason};
use chorus_sdk::{AudioCaptureSource, RtcEngine, StreamIndex, VideoCaptureSource};
use chorus_testkit::{eventually_within, take_turn};
use serde_json::json;

use crate::cluster_redis::{Redis, owner_of};
use crate::common::*;

const MEDIA_PATIENCE: Duration = Duration::from_secs(30);
const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 30, 220];
/// The room's user limit: Alice, Bob and Dave fill it.
const ROOM_CAP: usize = 3;

/// A node of the cluster on `redis` whose rooms span nodes past one user.
async fn spanning_node(redis: &Redis, name: &str, hook: &str) -> TestServer {
    let (url, name, hook) = (redis.url(), name.to_owned(), hook.to_owned());
    TestServer::with(move |config| {
        config.redis = Some(url);
        config.node_id = Some(name);
        config.span_max_users_per_node = Some(1);
        config.max_room_users = ROOM_CAP;
        config.webhook_url = Some(hook);
        config.allow_private_targets = true;
    })
    .await
}

type Joins = Arc<Mutex<Vec<String>>>;

/// A webhook receiver that notes who each UserJoinRoom callback names; its URL.
async fn join_hooks() -> (Joins, String) {
    async fn receive(State(joins): State<Joins>, body: String) -> &'static str {
        let callback: WebhookCallback = serde_json::from_str(&body).expect("a callback");
        if callback.event_type == "UserJoinRoom" {
            let data: serde_json::Value =
                serde_json::from_str(&callback.event_data).expect("event data");
            let user = data["UserId"].as_str().unwrap_or_default().to_owned();
            joins.lock().expect("not poisoned").push(user);
        }
        "ok"
    }
    let joins = Joins::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(joins.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (joins, url)
}

/// The users node `id` last registered in Redis.
pub(crate) fn registered_peers(redis: &Redis, id: &str) -> u64 {
    let port = redis
        .url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let out = std::process::Command::new("redis-cli")
        .args(["-p", &port, "GET", &format!("chorus:node:{id}")])
        .output()
        .expect("redis-cli runs");
    let record: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    record["peers"].as_u64().unwrap_or(0)
}

/// A y4m clip of two frames of one colour.
fn solid_clip(dir: &Path, name: &str, rgb: [u8; 3]) -> std::path::PathBuf {
    let (w, h) = (64u32, 64u32);
    let data = (0..w * h)
        .flat_map(|_| [rgb[0], rgb[1], rgb[2], 255])
        .collect();
    let frame = VideoFrame::from_rgba(&RgbaImage {
        width: w,
        height: h,
        data,
    });
    let mut bytes = format!("YUV4MPEG2 W{w} H{h} F15:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..2 {
        bytes.extend_from_slice(b"FRAME\n");
        bytes.extend_from_slice(&frame.y);
        bytes.extend_from_slice(&frame.u);
        bytes.extend_from_slice(&frame.v);
    }
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the clip is written");
    path
}

async fn sees_join(events: &mut chorus_sdk::EventStream, user: &str) {
    wait_for(events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == user => Some(()),
        _ => None,
    })
    .await;
}

/// The next message `events` shows: to the room or to the user, its sender and text.
async fn message(events: &mut chorus_sdk::EventStream) -> (&'static str, String, String) {
    wait_for(events, |e| match e {
        Event::RoomMessageReceived(m) => Some(("room", m.user_id.clone(), m.message.clone())),
        Event::UserMessageReceived(m) => Some(("user", m.user_id.clone(), m.message.clone())),
        _ => None,
    })
    .await
}

async fn publish(engine: &RtcEngine, hz: f32, clip: std::path::PathBuf) {
    engine
        .start_audio_capture(AudioCaptureSource::Tone { hz })
        .await
        .expect("the tone starts");
    engine
        .start_video_capture(VideoCaptureSource::Y4m(clip))
        .await
        .expect("the clip plays");
}

/// The frequency `engine` hears from `user`, over a second of its audio.
async fn heard(engine: &RtcEngine, user: &str) -> f32 {
    let mut audio = engine.remote_audio(user, StreamIndex::Main);
    let mut samples = Vec::new();
    while samples.len() < 96_000 {
        let frame = tokio::time::timeout(MEDIA_PATIENCE, audio.next())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("{user}'s audio arrives"));
        let channels = usize::from(frame.channels.max(1));
        samples.extend(frame.samples.iter().step_by(channels));
    }
    dominant_frequency(&samples[samples.len() - 48_000..], 1)
}

/// The mean colour of the third picture `engine` decodes of `user`.
async fn seen(engine: &RtcEngine, user: &str) -> [u8; 3] {
    let mut video = engine.remote_video(user, StreamIndex::Main);
    let mut picture = None;
    for _ in 0..3 {
        picture = tokio::time::timeout(MEDIA_PATIENCE, video.next())
            .await
            .ok()
            .flatten();
        assert!(picture.is_some(), "{user}'s video arrives");
    }
    let rgba = picture.expect("a picture").to_rgba();
    let mut sum = [0u64; 3];
    for px in rgba.data.chunks_exact(4) {
        for (s, c) in sum.iter_mut().zip(px) {
            *s += u64::from(*c);
        }
    }
    let n = (rgba.data.len() / 4).max(1) as u64;
    sum.map(|s| (s / n) as u8)
}

/// What GetRoomOnlineUsers on `node` says of the room: its count, and its visible and
/// invisible users, sorted.
async fn online(node: &TestServer) -> (u64, Vec<String>, Vec<String>) {
    // Identical requests signed in the same second count as one: each is signed a second
    // earlier than the last (a few hundred at most, well inside the API's skew window).
    static FIRST: OnceLock<u64> = OnceLock::new();
    static ASKED: AtomicU64 = AtomicU64::new(0);
    let at = *FIRST.get_or_init(now_secs) - ASKED.fetch_add(1, Ordering::Relaxed);
    let body = json!({"AppId": APP_ID, "RoomId": "span"}).to_string();
    let (status, users) = node
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, at)
        .await;
    assert_eq!(status, 200, "{users}");
    let list = |name: &str| {
        let mut list: Vec<String> = users["Result"][name]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect();
        list.sort();
        list
    };
    let total = users["Result"]["TotalUser"].as_u64().unwrap_or(u64::MAX);
    (total, list("VisibleUserList"), list("InvisibleUserList"))
}

fn near(got: [u8; 3], want: [u8; 3]) -> bool {
    got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 40)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_grows_past_its_full_home_onto_a_shard() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let dir = chorus_testkit::temp_dir("span-clips");
    let red = solid_clip(&dir, "red.y4m", RED);
    let blue = solid_clip(&dir, "blue.y4m", BLUE);
    let redis = Redis::start().await;
    let (joins, hook) = join_hooks().await;
    let a = spanning_node(&redis, "a", &hook).await;
    let b = spanning_node(&redis, "b", &hook).await;

    let (alice, mut alice_events) = a.joined("span", "alice").await;
    let (home, home_id, shard) = match owner_of(&[&a, &b]).await {
        0 => (&a, "a", &b),
        _ => (&b, "b", &a),
    };
    // The home is full once its registered load counts Alice: Bob comes after that.
    eventually("the home's load to count Alice", async || {
        tokio::time::sleep(Duration::from_millis(100)).await;
        (registered_peers(&redis, home_id) >= 1).then_some(())
    })
    .await;
    let (bob, mut bob_events) = shard.joined("span", "bob").await;
    // Bob is served by his own node, which runs a shard of the room.
    assert_eq!(shard.metric("chorus_rooms").await, Some(1.0));
    assert_eq!(home.metric("chorus_rooms").await, Some(1.0));
    sees_join(&mut alice_events, "bob").await;
    sees_join(&mut bob_events, "alice").await;

    // Messages cross the link: to the room both ways, and from a user to a user.
    bob.send_room_message("hello from the shard").await.unwrap();
    assert_eq!(
        message(&mut alice_events).await,
        ("room", "bob".to_owned(), "hello from the shard".to_owned())
    );
    alice.send_room_message("hello from home").await.unwrap();
    assert_eq!(
        message(&mut bob_events).await,
        ("room", "alice".to_owned(), "hello from home".to_owned())
    );
    bob.send_user_message("alice", "just for you")
        .await
        .unwrap();
    assert_eq!(
        message(&mut alice_events).await,
        ("user", "bob".to_owned(), "just for you".to_owned())
    );

    publish(&alice, 440.0, red).await;
    publish(&bob, 660.0, blue).await;
    // Capture state crosses the link as it happens.
    wait_for(&mut bob_events, |e| match e {
        Event::UserStartVideoCapture(c) if c.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
    let hz = heard(&bob, "alice").await;
    assert!((hz - 440.0).abs() <= 440.0 * 0.02, "Bob heard {hz} Hz");
    let hz = heard(&alice, "bob").await;
    assert!((hz - 660.0).abs() <= 660.0 * 0.02, "Alice heard {hz} Hz");
    let colour = seen(&bob, "alice").await;
    assert!(near(colour, RED), "Bob saw {colour:?} of Alice");
    let colour = seen(&alice, "bob").await;
    assert!(near(colour, BLUE), "Alice saw {colour:?} of Bob");

    // Dave joins the shard late: his first picture needs a keyframe of Alice's, asked up
    // the link, since her encoder makes one only when asked.
    let (dave, mut dave_events) = shard.joined("span", "dave").await;
    let colour = seen(&dave, "alice").await;
    assert!(near(colour, RED), "Dave saw {colour:?} of Alice");

    // Alice's two tracks come to the shard once, and Bob's go to the home once, however
    // many subscribe on the shard.
    assert_eq!(shard.metric("chorus_cluster_span_tracks").await, Some(4.0));
    assert_eq!(home.metric("chorus_cluster_span_tracks").await, Some(0.0));

    // Each join is called back once, by the home (the shard's users through their mirrors),
    // and link clients are never named.
    eventually("Dave's join to be called back", async || {
        let joins = joins.lock().expect("not poisoned").clone();
        joins.iter().any(|u| u == "dave").then_some(joins)
    })
    .await;
    let mut joined = joins.lock().expect("not poisoned").clone();
    joined.sort();
    assert_eq!(joined, ["alice", "bob", "dave"]);

    // The room holds three users, once each on either node, and is full: a fourth is refused
    // whichever node they reach.
    assert_eq!(
        online(home).await,
        (3, vec!["alice".into(), "bob".into(), "dave".into()], vec![])
    );
    for node in [home, shard] {
        let refused = node
            .engine()
            .join_room(
                Some(&token("span", "carol")),
                "span",
                user_info("carol"),
                RoomConfig::default(),
            )
            .await
            .expect_err("the full room refuses Carol");
        assert_eq!(refused.code, ErrorCode::JoinRoomFailed, "{refused}");
        assert!(refused.message.contains("full"), "{refused}");
    }

    // Bob turns invisible on the shard: the home sees his streams end and him leave as an
    // invisible user does, and still holds him, invisible; visible again, he is back.
    bob.set_user_visibility(false).await.unwrap();
    wait_for(&mut alice_events, |e| match e {
        Event::UserUnpublishStream(u) if u.user_id == "bob" => Some(()),
        _ => None,
    })
    .await;
    let reason = wait_for(&mut alice_events, |e| match e {
        Event::UserLeave(left) if left.user_info.user_id == "bob" => Some(left.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::SwitchToInvisible);
    assert_eq!(
        online(home).await,
        (3, vec!["alice".into(), "dave".into()], vec!["bob".into()])
    );
    bob.set_user_visibility(true).await.unwrap();
    sees_join(&mut alice_events, "bob").await;

    // The home's room is the authority: KickUser called on the shard's node acts there, and
    // Bob, removed from it, is removed from the shard too.
    let (status, envelope) = shard
        .api(
            "KickUser",
            json!({"AppId": APP_ID, "RoomId": "span", "UserId": "bob"}),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");
    let removed = wait_for(&mut bob_events, |e| match e {
        Event::Error(err) => Some(err.error_code),
        _ => None,
    })
    .await;
    assert_eq!(removed, ErrorCode::KickedOut);
    wait_for(&mut alice_events, |e| match e {
        Event::UserLeave(left) if left.user_info.user_id == "bob" => Some(()),
        _ => None,
    })
    .await;

    // One place left: Frank through the home and Gina through the shard race for it. The
    // home admits every user, one at a time, so one gets in, the other is refused, and both
    // rooms hold the same users (no one sees the loser).
    let (frank, gina) = (home.engine(), shard.engine());
    let (frank_token, gina_token) = (token("span", "frank"), token("span", "gina"));
    let (f, g) = tokio::join!(
        frank.join_room(
            Some(&frank_token),
            "span",
            user_info("frank"),
            RoomConfig::default()
        ),
        gina.join_room(
            Some(&gina_token),
            "span",
            user_info("gina"),
            RoomConfig::default()
        ),
    );
    let (winner, loser, refused) = match (f, g) {
        (Ok(_), Err(refused)) => ("frank", "gina", refused),
        (Err(refused), Ok(_)) => ("gina", "frank", refused),
        (f, g) => panic!(
            "one of Frank ({}) and Gina ({}) joins",
            f.is_ok(),
            g.is_ok()
        ),
    };
    assert_eq!(refused.code, ErrorCode::JoinRoomFailed, "{refused}");
    assert!(refused.message.contains("full"), "{refused}");
    for events in [&mut alice_events, &mut dave_events] {
        wait_for(events, |e| match e {
            Event::UserJoined(j) if j.user_info.user_id == loser => panic!("{loser} was seen"),
            Event::UserJoined(j) if j.user_info.user_id == winner => Some(()),
            _ => None,
        })
        .await;
    }
    let mut want = vec!["alice".to_owned(), "dave".to_owned(), winner.to_owned()];
    want.sort();
    assert_eq!(online(home).await, (3, want, vec![]));
    match winner {
        "frank" => frank.leave_room().await.unwrap(),
        _ => gina.leave_room().await.unwrap(),
    }
    for events in [&mut alice_events, &mut dave_events] {
        wait_for(events, |e| match e {
            Event::UserLeave(left) if left.user_info.user_id == winner => Some(()),
            _ => None,
        })
        .await;
    }

    // Erin joins the shard invisible: the home holds her, invisible, too.
    let erin = shard.engine();
    erin.set_user_visibility(false).await.unwrap();
    erin.join_room(
        Some(&token("span", "erin")),
        "span",
        user_info("erin"),
        RoomConfig::default(),
    )
    .await
    .expect("Erin joins");
    eventually_within(
        MEDIA_PATIENCE,
        "Erin's invisible mirror at the home",
        async || {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let want = (3, vec!["alice".into(), "dave".into()], vec!["erin".into()]);
            (online(home).await == want).then_some(())
        },
    )
    .await;

    // Dave, invisible, and Erin leave: nobody is told, yet their mirrors leave the home too.
    // As the shard's last users of its own, their leaving ends the link: it leaves both rooms
    // and the shard ends; the home's room goes on.
    dave.set_user_visibility(false).await.unwrap();
    let reason = wait_for(&mut alice_events, |e| match e {
        Event::UserLeave(left) if left.user_info.user_id == "dave" => Some(left.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::SwitchToInvisible);
    dave.leave_room().await.unwrap();
    erin.leave_room().await.unwrap();
    eventually_within(
        MEDIA_PATIENCE,
        "Dave's and Erin's mirrors to leave",
        async || {
            tokio::time::sleep(Duration::from_millis(100)).await;
            (online(home).await == (1, vec!["alice".into()], vec![])).then_some(())
        },
    )
    .await;
    eventually_within(MEDIA_PATIENCE, "the shard to end", async || {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let state = (
            shard.metric("chorus_rooms").await,
            shard.metric("chorus_cluster_span_tracks").await,
        );
        (state == (Some(0.0), Some(0.0))).then_some(())
    })
    .await;
    assert_eq!(home.metric("chorus_rooms").await, Some(1.0));

    // The home full again, of its own users: Carol, opening a shard of it, is refused by the
    // home before the shard takes her, and no mirror of hers reaches the home.
    let _hana = home.joined("span", "hana").await;
    let _ivan = home.joined("span", "ivan").await;
    let refused = shard
        .engine()
        .join_room(
            Some(&token("span", "carol")),
            "span",
            user_info("carol"),
            RoomConfig::default(),
        )
        .await
        .expect_err("the full room refuses Carol on a new shard");
    assert_eq!(refused.code, ErrorCode::JoinRoomFailed, "{refused}");
    assert!(refused.message.contains("full"), "{refused}");
    let want = vec!["alice".into(), "hana".into(), "ivan".into()];
    assert_eq!(online(home).await, (3, want, vec![]));
    let _ = std::fs::remove_dir_all(&dir);
}
