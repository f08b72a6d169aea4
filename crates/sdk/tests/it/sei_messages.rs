//! SEI messages in the H.264 video between two native clients through the SFU: what one puts
//! in with `send_sei_message` arrives as `onSEIMessageReceived` byte for byte and once, however
//! many pictures carried it, in the order sent; the vendor's limits fail with their codes.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_sdk::{
    EngineEvent, ErrorCode, EventStream, SeiCountPerFrame, StreamIndex, VideoCaptureSource,
};

const PATTERN: VideoCaptureSource = VideoCaptureSource::Pattern {
    width: 320,
    height: 240,
    fps: 30,
};

/// The SEI messages from alice's main video among `events`, in order.
fn sei_from_alice(events: &[EngineEvent]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::SeiMessageReceived {
                user_id,
                stream_index: StreamIndex::Main,
                message,
            } if user_id == "alice" => Some(message.clone()),
            _ => None,
        })
        .collect()
}

/// Waits until `events` has brought `n` SEI messages from alice, then a quiet second for any
/// duplicate; returns them all.
async fn receive(events: &mut EventStream, n: usize) -> Vec<Vec<u8>> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + MEDIA_PATIENCE;
    while sei_from_alice(&got).len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {n} SEI messages within {MEDIA_PATIENCE:?}",
            sei_from_alice(&got).len()
        );
        got.extend(drain_for(events, Duration::from_millis(200)).await);
    }
    got.extend(drain_for(events, Duration::from_secs(1)).await);
    sei_from_alice(&got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sei_messages_arrive_whole_once_and_in_order() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "sei", "alice").await;
    alice.start_video_capture(PATTERN).await.unwrap();
    let (_bob, mut bob_events) = joined(&url, "sei", "bob").await;
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| {
        matches!(e, EngineEvent::RemoteVideoFirstFrame { .. }).then_some(())
    })
    .await;

    // Bytes that look like start codes and need escaping, at the largest size allowed.
    let big: Vec<u8> = (0..4096)
        .map(|i| [0, 0, 0, 1, 0, 0, 3, 0, 0, 2, 255, (i % 256) as u8][i % 12])
        .collect();
    alice
        .send_sei_message(StreamIndex::Main, &big, 3, SeiCountPerFrame::Single)
        .await
        .unwrap();
    assert_eq!(receive(&mut bob_events, 1).await, vec![big]);

    for mode in [SeiCountPerFrame::Single, SeiCountPerFrame::Multi] {
        let sent: Vec<Vec<u8>> = (0..10)
            .map(|i| format!("{mode:?} message {i}").into_bytes())
            .collect();
        for m in &sent {
            alice
                .send_sei_message(StreamIndex::Main, m, 2, mode)
                .await
                .unwrap();
        }
        assert_eq!(receive(&mut bob_events, sent.len()).await, sent, "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sei_limits_and_a_stream_without_video_fail_with_contract_codes() {
    let server = start_server(|_| {}).await;
    let url = server.url();
    let outside = engine(&url);
    outside.start_video_capture(PATTERN).await.unwrap();
    let e = outside
        .send_sei_message(StreamIndex::Main, b"x", 0, SeiCountPerFrame::Single)
        .await
        .expect_err("outside a room");
    assert_eq!(e.code, ErrorCode::NotConnectedYet, "{e}");
    let (alice, _events) = joined(&url, "sei-limits", "alice").await;
    alice.start_video_capture(PATTERN).await.unwrap();
    let single = SeiCountPerFrame::Single;
    let cases: [(StreamIndex, Vec<u8>, u32, ErrorCode); 4] = [
        (StreamIndex::Main, vec![], 0, ErrorCode::InvalidParams),
        (
            StreamIndex::Main,
            vec![7; 4097],
            0,
            ErrorCode::InvalidParams,
        ),
        (
            StreamIndex::Main,
            b"x".to_vec(),
            31,
            ErrorCode::InvalidParams,
        ),
        (
            StreamIndex::Screen,
            b"x".to_vec(),
            0,
            ErrorCode::StreamNotExist,
        ),
    ];
    for (index, message, repeat, code) in cases {
        let e = alice
            .send_sei_message(index, &message, repeat, single)
            .await
            .expect_err("refused");
        assert_eq!(
            e.code,
            code,
            "{index:?}, {} bytes, repeat {repeat}: {e}",
            message.len()
        );
    }
    alice
        .send_sei_message(StreamIndex::Main, b"fine", 30, single)
        .await
        .unwrap();
    // A flood: messages wait at most 2 s for a picture, so at most 120 may wait.
    let mut refused = None;
    for i in 0..200 {
        if let Err(e) = alice
            .send_sei_message(StreamIndex::Main, b"flood", 0, single)
            .await
        {
            refused = Some((i, e));
            break;
        }
    }
    let (sent, e) = refused.expect("a flood is refused");
    assert_eq!(e.code, ErrorCode::InvalidParams, "{e}");
    assert!(sent <= 120, "{sent} queued before the refusal");
}
