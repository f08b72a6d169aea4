//! Client-supplied strings that an error quotes (method names, ids, URLs, Action values) come
//! back clipped, so a 100 KB value never makes a 100 KB error message: each quoted value is
//! at most 64 characters and an ellipsis.

use crate::common::raw::*;
use crate::common::*;
use chorus_server::Config;
use serde_json::json;

/// 100 KB of one letter.
fn huge(letter: char) -> String {
    letter.to_string().repeat(100 * 1024)
}

/// What a short error message is: no long run of the huge value and a bounded length.
fn assert_short(message: &str, letter: char) {
    assert!(
        !message.contains(&letter.to_string().repeat(65)),
        "the message quotes more than 64 characters of the value: {}",
        &message[..message.len().min(300)]
    );
    assert!(message.len() < 2048, "{} bytes", message.len());
}

#[tokio::test]
async fn signalling_errors_clip_what_the_client_sent() {
    // The business server below is on loopback: listed, and private targets allowed.
    let server = TestServer::with(|c| {
        for app in &mut c.apps {
            app.business_hosts = vec!["127.0.0.1".into()];
        }
        c.allow_private_targets = true;
    })
    .await;
    let mut socket = connect(&server).await;

    // A 100 KB method name.
    let frame = json!({"id": 1, "method": huge('m'), "params": {}});
    send(&mut socket, frame.to_string()).await;
    let reply = recv(&mut socket).await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply:.300}");
    assert_short(reply["error"]["message"].as_str().unwrap_or_default(), 'm');

    // A 100 KB value where the parser wanted something else.
    let frame = json!({"id": 2, "method": "joinRoom", "params": {"userInfo": huge('u')}});
    send(&mut socket, frame.to_string()).await;
    let reply = recv(&mut socket).await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply:.300}");
    assert_short(reply["error"]["message"].as_str().unwrap_or_default(), 'u');

    // A 100 KB business server URL, refused when set and when called.
    let login = json!({"id": 3, "method": "login", "params": {"token": token("", "dave"), "userId": "dave"}});
    send(&mut socket, login.to_string()).await;
    assert!(recv(&mut socket).await["error"].is_null());
    let params = json!({"signature": "s", "url": format!("ftp://{}", huge('f'))});
    send(
        &mut socket,
        json!({"id": 4, "method": "setServerParams", "params": params}).to_string(),
    )
    .await;
    let reply = recv(&mut socket).await;
    assert_short(reply["error"]["message"].as_str().unwrap_or_default(), 'f');
    // Nothing listens on port 9 of loopback, so the call fails and quotes the URL.
    let params = json!({"signature": "s", "url": format!("http://127.0.0.1:9/{}", huge('p'))});
    send(
        &mut socket,
        json!({"id": 5, "method": "setServerParams", "params": params}).to_string(),
    )
    .await;
    assert!(recv(&mut socket).await["error"].is_null());
    send(
        &mut socket,
        json!({"id": 6, "method": "sendServerMessage", "params": {"message": "hi"}}).to_string(),
    )
    .await;
    let reply = recv(&mut socket).await;
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("business server"), "{reply:.300}");
    assert_short(message, 'p');
}

#[tokio::test]
async fn a_huge_app_id_in_the_signalling_url_is_clipped() {
    let server = TestServer::start().await;
    let url = format!("{}?appId={}", server.ws_url(), "a".repeat(20 * 1024));
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    send(&mut socket, join_frame(1, "room", "alice")).await;
    let reply = recv(&mut socket).await;
    assert_eq!(reply["error"]["code"], "INVALID_TOKEN", "{reply:.300}");
    assert_short(reply["error"]["message"].as_str().unwrap_or_default(), 'a');
}

#[tokio::test]
async fn openapi_errors_clip_action_version_and_ids() {
    let server = TestServer::with(|_: &mut Config| {}).await;

    // A URI holds at most 64 KB, so the Action is 60 KB.
    let (status, envelope) = server.api(&"x".repeat(60 * 1024), json!({})).await;
    assert_eq!(status, 404, "{envelope:.300}");
    let meta = &envelope["ResponseMetadata"];
    assert_eq!(meta["Error"]["Code"], "InvalidActionOrVersion");
    assert_short(meta["Error"]["Message"].as_str().unwrap_or_default(), 'x');
    assert_short(meta["Action"].as_str().unwrap_or_default(), 'x');

    let body = json!({"AppId": huge('i'), "RoomId": "r", "UserId": "u"});
    let (status, envelope) = server.api("KickUser", body).await;
    assert_eq!(status, 400, "{envelope:.300}");
    assert_short(
        envelope["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .unwrap_or_default(),
        'i',
    );

    let body = json!({"AppId": APP_ID, "RoomId": ["r"], "UserId": huge('b')});
    let (_, envelope) = server.api("KickUser", body).await;
    assert_short(
        envelope["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .unwrap_or_default(),
        'b',
    );
}
