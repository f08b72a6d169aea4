//! Many senders, one receiver: every message arrives once, and each sender's messages arrive
//! in the order sent, in a room and outside rooms. Sends are pipelined, as an app firing
//! messages without waiting for each answer would.
//!
//! The server answers a message once it is queued for the receiver, and cuts off a receiver
//! whose queue (4 MiB) fills up: ten senders at full speed can outrun one receiver in a debug
//! build, which would then be disconnected (they would see USER_MESSAGE_UNKNOWN).
//! The senders here keep at most [`UNREAD`] messages between them that the receiver has not
//! read yet (a credit the receiver hands back per message read), which keeps the receiver's
//! queue short and the test about order and completeness rather than about the server's
//! overload policy.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use chorus_sdk::{EngineEvent, Event, EventStream, RtcEngine};
use futures_util::FutureExt;
use tokio::sync::Semaphore;

const SENDERS: usize = 10;
const PER_SENDER: u64 = 10_000;
/// Sends in flight per sender.
const WINDOW: u64 = 100;
/// Most messages sent and not yet read by the receiver, all senders together.
const UNREAD: usize = 600;

/// Sends `PER_SENDER` messages `"<sender>:<seq>"` from `engine`, in windows of `WINDOW`
/// sent in order without waiting for one another, each window once `credit` allows.
async fn send_all(engine: RtcEngine, sender: String, outside: bool, credit: Arc<Semaphore>) {
    let mut seq = 0;
    while seq < PER_SENDER {
        let end = (seq + WINDOW).min(PER_SENDER);
        let n = u32::try_from(end - seq).expect("a window fits u32");
        credit.acquire_many(n).await.expect("open").forget();
        let texts: Vec<String> = (seq..end).map(|i| format!("{sender}:{i}")).collect();
        let sends = texts.iter().map(|text| {
            let engine = &engine;
            async move {
                if outside {
                    engine.send_user_message_outside_room("sink", text).await
                } else {
                    engine.send_user_message("sink", text).await
                }
            }
        });
        for result in join_in_order(sends.collect()).await {
            result.unwrap_or_else(|e| panic!("{sender} could not send: {e}"));
        }
        seq = end;
    }
}

/// Reads the receiver's messages until every one has come, checking per-sender order and
/// that none comes twice; hands a credit back per message.
async fn receive_all(
    events: &mut EventStream,
    senders: &[String],
    outside: bool,
    credit: &Semaphore,
) {
    let mut next: HashMap<&str, u64> = senders.iter().map(|s| (s.as_str(), 0)).collect();
    let total = SENDERS as u64 * PER_SENDER;
    let mut received = 0;
    while received < total {
        // A timer per event would cost more than the event; only wait with one when idle.
        let event = match events.next().now_or_never() {
            Some(event) => event,
            None => tokio::time::timeout(Duration::from_secs(10), events.next())
                .await
                .unwrap_or_else(|_| panic!("stalled after {received} of {total} messages")),
        }
        .expect("the receiver's stream goes on");
        let message = match (event, outside) {
            (EngineEvent::Room(Event::UserMessageReceived(m)), false) => m,
            (EngineEvent::Room(Event::UserMessageReceivedOutsideRoom(m)), true) => m,
            (EngineEvent::Room(Event::Error(e)), _) => panic!("the receiver got {e:?}"),
            _ => continue,
        };
        let (sender, seq) = message
            .message
            .split_once(':')
            .expect("messages are sender:seq");
        assert_eq!(sender, message.user_id, "the text names its sender");
        let expected = next
            .get_mut(sender)
            .unwrap_or_else(|| panic!("unknown sender {sender}"));
        let seq: u64 = seq.parse().expect("a sequence number");
        assert_eq!(
            seq, *expected,
            "from {sender}: got {seq}, expected {expected} (lost, repeated or reordered)"
        );
        *expected += 1;
        received += 1;
        credit.add_permits(1);
    }
    assert!(next.values().all(|&n| n == PER_SENDER), "{next:?}");
}

async fn run(outside: bool) {
    // Each sender sends far faster than the per-sender limit (100 a second) allows, on
    // purpose: this is about order, not about the limit.
    let server = start_server(|config| {
        config.message_rate = u32::MAX;
        config.message_burst = u32::MAX;
    })
    .await;
    let url = server.url();
    let names: Vec<String> = (0..SENDERS).map(|i| format!("s{i}")).collect();
    let (_sink, mut sink_events) = if outside {
        logged_in(&url, "sink").await
    } else {
        joined(&url, "order", "sink").await
    };
    let mut senders = Vec::new();
    for name in &names {
        let (engine, _events) = if outside {
            logged_in(&url, name).await
        } else {
            joined(&url, "order", name).await
        };
        senders.push(engine);
    }
    let started = Instant::now();
    let credit = Arc::new(Semaphore::new(UNREAD));
    let tasks: Vec<_> = senders
        .into_iter()
        .zip(&names)
        .map(|(engine, name)| tokio::spawn(send_all(engine, name.clone(), outside, credit.clone())))
        .collect();
    receive_all(&mut sink_events, &names, outside, &credit).await;
    for task in tasks {
        task.await.expect("a sender finished");
    }
    eprintln!(
        "{} messages {} in {:?}",
        SENDERS as u64 * PER_SENDER,
        if outside {
            "outside rooms"
        } else {
            "in a room"
        },
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_senders_reach_one_receiver_in_a_room_in_order_and_once() {
    let _turn = take_turn().await; // a load burst: one such test at a time
    run(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_senders_reach_one_receiver_outside_rooms_in_order_and_once() {
    let _turn = take_turn().await; // a load burst: one such test at a time
    run(true).await;
}
