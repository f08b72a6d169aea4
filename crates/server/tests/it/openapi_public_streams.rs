//! The OpenAPI's public-stream actions drive the same compositor as the client API: a grid of
//! the target streams without a custom layout, a custom layout by update, REPEAT_PUSH for an
//! id already pushed, InvalidParameter naming a bad region, STREAM_NOT_EXIST once stopped.

use std::time::Duration;

use chorus_media::VideoFrame;
use chorus_sdk::MediaStream;
use chorus_testkit::{take_turn, token};
use serde_json::json;

use crate::common::*;

const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 30];

fn rgb_at(frame: &VideoFrame, x: u32, y: u32) -> [u8; 3] {
    let rgba = frame.to_rgba();
    let i = ((y * frame.width + x) * 4) as usize;
    [rgba.data[i], rgba.data[i + 1], rgba.data[i + 2]]
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 40)
}

/// Waits until a picture shows `left` and `right` at the centres of the two halves.
async fn until_halves(video: &mut MediaStream<VideoFrame>, left: [u8; 3], right: [u8; 3]) {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let frame = video.next().await.expect("video flows");
            let (w, h) = (frame.width, frame.height);
            if near(rgb_at(&frame, w / 4, h / 2), left)
                && near(rgb_at(&frame, 3 * w / 4, h / 2), right)
            {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no picture with {left:?} left and {right:?} right"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_pushes_updates_and_stops_a_public_stream() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    // The hall is full with its two publishers: the compositor is no user, and joins anyway.
    let server = TestServer::with(|c| c.max_room_users = 2).await;
    let a = solid_publisher(&server, "hall", "a", RED, None).await;
    let b = solid_publisher(&server, "hall", "b", GREEN, None).await;
    let start = json!({
        "AppId": APP_ID,
        "PublicStreamId": "hall-live",
        "TargetStreams": [
            {"UserId": "a", "RoomId": "hall", "Index": 0},
            {"UserId": "b", "RoomId": "hall", "Index": 1}
        ],
        "Encode": {"VideoWidth": 320, "VideoHeight": 240, "VideoFps": 15, "VideoBitrate": 500}
    });
    let (status, answer) = server.api("StartPushPublicStream", start.clone()).await;
    assert_eq!(status, 200, "{answer}");
    // A request identical to one already received is a replay: vary it by its BusinessId.
    let mut again = start.clone();
    again["BusinessId"] = json!("again");
    let (status, answer) = server.api("StartPushPublicStream", again).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["ResponseMetadata"]["Error"]["Code"], "REPEAT_PUSH");

    // A token that cannot subscribe would play nothing: refused at once.
    let peeker = server.engine();
    let no_subscribe = chorus_token::AccessToken::new(APP_ID, APP_KEY, "hall-live", "peeker")
        .serialize()
        .expect("a token");
    let refused = peeker
        .start_play_public_stream(&no_subscribe, "hall-live", "peeker")
        .await
        .expect_err("no subscribe privilege");
    assert_eq!(
        refused.code,
        chorus_sdk::ErrorCode::InvalidToken,
        "{refused}"
    );
    assert!(refused.message.contains("subscribe privilege"), "{refused}");

    let player = server.engine();
    let mut video = player.public_stream_video("hall-live");
    player
        .start_play_public_stream(&token("hall-live", "viewer"), "hall-live", "viewer")
        .await
        .expect("plays");
    // No custom layout: two streams side by side.
    until_halves(&mut video, RED, GREEN).await;
    // Nor is the compositor one of the hall's online users.
    let (_, users) = server
        .api(
            "GetRoomOnlineUsers",
            json!({"AppId": APP_ID, "RoomId": "hall"}),
        )
        .await;
    let users = &users["Result"];
    assert_eq!(users["TotalUser"], 2, "{users}");
    assert_eq!(users["VisibleUserList"], json!(["a", "b"]), "{users}");
    assert_eq!(users["TotalInvisibleUser"], 0, "{users}");

    let mut custom = start.clone();
    custom["Layout"] = json!({"CustomLayout": {
        "Canvas": {"Background": "#000000"},
        "Regions": [{"StreamIndex": 1, "LocationX": 0, "LocationY": 0,
                     "WidthProportion": 1.0, "HeightProportion": 1.0}]
    }});
    let (status, answer) = server.api("UpdatePublicStreamParam", custom.clone()).await;
    assert_eq!(status, 200, "{answer}");
    until_halves(&mut video, GREEN, GREEN).await;

    custom["Layout"]["CustomLayout"]["Regions"][0]["WidthProportion"] = json!(0.0);
    let (status, answer) = server.api("UpdatePublicStreamParam", custom).await;
    assert_eq!(status, 400, "{answer}");
    let error = &answer["ResponseMetadata"]["Error"];
    assert_eq!(error["Code"], "InvalidParameter");
    assert!(
        error["Message"]
            .as_str()
            .is_some_and(|m| m.contains("regions[0].w")),
        "{answer}"
    );

    let stop = json!({"AppId": APP_ID, "PublicStreamId": "hall-live"});
    let (status, answer) = server.api("StopPushPublicStream", stop.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let mut again = stop;
    again["BusinessId"] = json!("again");
    let (status, answer) = server.api("StopPushPublicStream", again).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(
        answer["ResponseMetadata"]["Error"]["Code"],
        "STREAM_NOT_EXIST"
    );

    // Live transcodings' own ids are not the app's: neither started nor stopped through here.
    let mut live = start;
    live["PublicStreamId"] = json!("@live.1.0");
    let stop_live = json!({"AppId": APP_ID, "PublicStreamId": "@live.1.0"});
    for (action, body) in [
        ("StartPushPublicStream", live),
        ("StopPushPublicStream", stop_live),
    ] {
        let (status, answer) = server.api(action, body).await;
        assert_eq!(status, 400, "{action}: {answer}");
        let error = &answer["ResponseMetadata"]["Error"];
        assert_eq!(error["Code"], "InvalidParameter", "{action}: {answer}");
        assert!(
            error["Message"]
                .as_str()
                .is_some_and(|m| m.contains("live transcoding")),
            "{action}: {answer}"
        );
    }
    a.abort();
    b.abort();
}
