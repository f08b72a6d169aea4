//! What flows to a subscriber, and when: content, pause, off, simulcast, close.

use std::time::Duration;

use chorus_proto::{SimulcastStreamType, StreamIndex, TrackKind};
use str0m::media::{KeyframeRequestKind, Mid};

use super::super::test_client::{Client, pump_until};
use super::super::{ForwardMode, SfuError};
use super::*;

#[tokio::test]
async fn frames_reach_the_subscriber_with_their_bytes() {
    let mut s = Session::start(None).await;
    // The offer names who and what each m-line carries.
    assert_eq!(s.offer.tracks.len(), 2);
    for track in &s.offer.tracks {
        assert_eq!(track.user_id, "alice");
        assert_eq!(track.stream_index, StreamIndex::Main);
        assert!(s.offer.sdp.contains(&format!("a=mid:{}", track.mid)));
    }
    let audio = s.bob_mid(TrackKind::Audio);
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("audio and video at bob", |bob| {
        video_frames(bob, video).count() >= 20 && video_frames(bob, audio).count() >= 40
    })
    .await;

    // The late subscriber made the SFU ask Alice for a keyframe, and its video starts there.
    assert!(
        !s.alice.keyframe_requests.is_empty(),
        "no keyframe request reached alice"
    );
    let first = video_frames(&s.bob, video).next().expect("a video frame");
    assert!(is_keyframe(first), "video must start at a keyframe");
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
    for frame in video_frames(&s.bob, audio) {
        assert!(s.media.written.contains(frame), "audio bytes changed");
    }
    assert!(
        s.bob.frames.iter().skip(1).all(|f| f.contiguous),
        "a gap in the output"
    );
    assert!(s.metrics.forwarded_packets.get() > 60);
    assert_eq!(s.metrics.transports.get(), 2);

    // A keyframe request from the subscriber reaches the publisher.
    let requests = s.alice.keyframe_requests.len();
    s.bob
        .rtc
        .writer(video)
        .expect("bob's video m-line")
        .request_keyframe(None, KeyframeRequestKind::Pli)
        .expect("bob can ask for a keyframe");
    let end = std::time::Instant::now() + WAIT;
    while s.alice.keyframe_requests.len() == requests {
        assert!(
            std::time::Instant::now() < end,
            "bob's PLI never reached alice"
        );
        s.run(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn paused_stops_the_packets_and_on_resumes_them_at_a_keyframe() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 5)
        .await;

    for kind in [TrackKind::Audio, TrackKind::Video] {
        s.sfu
            .forward(
                BOB,
                source(ALICE, kind),
                "alice".into(),
                ForwardMode::Paused,
            )
            .await;
    }
    // Let what was in flight land, then nothing more may arrive.
    s.run(Duration::from_millis(300)).await;
    let (audio_before, video_before) = (s.audio_count(), s.video_count());
    s.run(Duration::from_millis(600)).await;
    assert_eq!(s.audio_count(), audio_before, "audio flowed while paused");
    assert_eq!(s.video_count(), video_before, "video flowed while paused");
    assert!(
        s.bob_events.try_recv().is_err(),
        "pausing must not renegotiate"
    );

    for kind in [TrackKind::Audio, TrackKind::Video] {
        s.sfu
            .forward(BOB, source(ALICE, kind), "alice".into(), ForwardMode::On)
            .await;
    }
    s.run_until("video after resuming", |bob| {
        video_frames(bob, video).count() > video_before + 5
    })
    .await;
    let resumed = video_frames(&s.bob, video)
        .nth(video_before)
        .expect("a frame after resuming");
    assert!(
        is_keyframe(resumed),
        "resumed video must start at a keyframe"
    );
    assert!(s.audio_count() > audio_before);
}

#[tokio::test]
async fn off_makes_the_m_line_inactive_and_on_reuses_it() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 3)
        .await;

    s.sfu
        .forward(
            BOB,
            source(ALICE, TrackKind::Video),
            "alice".into(),
            ForwardMode::Off,
        )
        .await;
    let offer = answer_next(&s.sfu, BOB, &mut s.bob, &mut s.bob_events).await;
    assert_eq!(offer.tracks.len(), 1, "only audio is listed");
    assert_eq!(offer.tracks[0].kind, TrackKind::Audio);
    let section = m_section(&offer.sdp, video);
    assert!(section.contains("a=inactive"), "{section}");
    s.run(Duration::from_millis(300)).await;
    let before = s.video_count();
    s.run(Duration::from_millis(500)).await;
    assert_eq!(s.video_count(), before, "video flowed while off");

    s.sfu
        .forward(
            BOB,
            source(ALICE, TrackKind::Video),
            "alice".into(),
            ForwardMode::On,
        )
        .await;
    let offer = answer_next(&s.sfu, BOB, &mut s.bob, &mut s.bob_events).await;
    let track = offer
        .tracks
        .iter()
        .find(|t| t.kind == TrackKind::Video)
        .expect("video is listed again");
    assert_eq!(Mid::from(track.mid.as_str()), video, "the m-line is reused");
    assert_eq!(offer.sdp.matches("m=video").count(), 1);
    assert!(m_section(&offer.sdp, video).contains("a=sendonly"));
    s.run_until("video again", |bob| {
        video_frames(bob, video).count() > before + 3
    })
    .await;
}

/// The lines of the m-section with `mid`.
fn m_section(sdp: &str, mid: Mid) -> String {
    sdp.split("m=")
        .find(|section| section.contains(&format!("a=mid:{mid}\r\n")))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn simulcast_layers_switch_at_keyframes() {
    let (sfu, _metrics) = start(None).await;
    let mut alice = Client::new();
    let mut bob = Client::new();
    let _alice_events = open(&sfu, ALICE).await;
    let mut bob_events = open(&sfu, BOB).await;
    let rids = ["q", "h", "f"];
    let mids = publish(&sfu, ALICE, &mut alice, &[(TrackKind::Video, &rids)]).await;
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
    let offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
    let mid = Mid::from(offer.tracks[0].mid.as_str());
    let mut media = Media::new(&mut alice, None, Some(mids[0]), &rids);
    let layer_of = |data: &[u8]| nal(data)[1];

    // High by default: the full layer.
    media
        .run_until(&mut alice, &mut bob, "the high layer", |bob| {
            video_frames(bob, mid).count() >= 5
        })
        .await;
    let first = video_frames(&bob, mid).next().expect("a frame");
    assert!(is_keyframe(first));
    assert!(
        video_frames(&bob, mid).all(|f| layer_of(f) == 2),
        "only the f layer"
    );

    // Down to the lowest: the switch waits for a keyframe of "q".
    sfu.set_layer(BOB, ALICE, SimulcastStreamType::Low).await;
    media
        .run_until(&mut alice, &mut bob, "the low layer", |bob| {
            video_frames(bob, mid).filter(|f| layer_of(f) == 0).count() >= 5
        })
        .await;
    let frames: Vec<&[u8]> = video_frames(&bob, mid).collect();
    let switch = frames
        .iter()
        .position(|f| layer_of(f) == 0)
        .expect("a low frame");
    assert!(
        is_keyframe(frames[switch]),
        "the switch happens at a keyframe"
    );
    assert!(
        frames[switch..].iter().all(|f| layer_of(f) == 0),
        "no high frame after"
    );
    assert!(
        alice
            .keyframe_requests
            .iter()
            .any(|r| r.rid.as_deref() == Some("q")),
        "a keyframe request for the q layer"
    );
    // The output stays one continuous stream across the switch.
    assert!(
        bob.frames.iter().skip(1).all(|f| f.contiguous),
        "a gap at the switch"
    );

    // Mid of three is "h".
    sfu.set_layer(BOB, ALICE, SimulcastStreamType::Mid).await;
    media
        .run_until(&mut alice, &mut bob, "the mid layer", |bob| {
            video_frames(bob, mid).filter(|f| layer_of(f) == 1).count() >= 3
        })
        .await;
}

#[tokio::test]
async fn close_removes_everything_forwarded_from_the_peer() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 3)
        .await;

    s.sfu.close(ALICE).await;
    let offer = answer_next(&s.sfu, BOB, &mut s.bob, &mut s.bob_events).await;
    assert!(offer.tracks.is_empty(), "nothing is left to receive");
    assert_eq!(offer.sdp.matches("a=inactive").count(), 2, "{}", offer.sdp);
    assert!(
        tokio::time::timeout(WAIT, s.alice_events.recv())
            .await
            .expect("the channel closes")
            .is_none(),
        "alice's events channel is dropped"
    );
    // A publisher offer for the closed peer is refused.
    let (offer, tracks) = Client::new().publish_offer(&[(TrackKind::Audio, &[])]);
    let refused = s.sfu.publisher_offer(ALICE, offer, tracks).await;
    assert!(matches!(refused, Err(SfuError::UnknownPeer)), "{refused:?}");

    s.sfu.close(BOB).await;
    assert!(
        tokio::time::timeout(WAIT, async { while s.bob_events.recv().await.is_some() {} })
            .await
            .is_ok()
    );
    assert_eq!(s.metrics.transports.get(), 0);
}
