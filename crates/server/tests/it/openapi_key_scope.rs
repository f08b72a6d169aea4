//! OpenAPI keys scoped to apps: a key with `apps` acts on those apps only; any other app is
//! refused with 403 `AccessDenied`, and a key without `apps` still acts on every app.

use crate::common::*;
use chorus_server::ApiCredentials;
use serde_json::json;

const SCOPED_AK: &str = "AKSCOPED";
const SCOPED_SK: &str = "scoped-secret";

async fn server() -> TestServer {
    TestServer::with(|c| {
        c.openapi_keys.push(ApiCredentials {
            access_key: SCOPED_AK.into(),
            secret_key: SCOPED_SK.into(),
            apps: Some(vec![OTHER_APP_ID.into()]),
        });
    })
    .await
}

fn online_users(app_id: &str) -> String {
    json!({"AppId": app_id, "RoomId": "scope"}).to_string()
}

#[tokio::test]
async fn a_scoped_key_acts_on_its_own_app_only() {
    let server = server().await;
    let (status, envelope) = server
        .api_signed(
            "GetRoomOnlineUsers",
            &online_users(OTHER_APP_ID),
            SCOPED_AK,
            SCOPED_SK,
            now_secs(),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");
    assert!(
        envelope["ResponseMetadata"]["Error"].is_null(),
        "{envelope}"
    );

    let (status, envelope) = server
        .api_signed(
            "GetRoomOnlineUsers",
            &online_users(APP_ID),
            SCOPED_AK,
            SCOPED_SK,
            now_secs(),
        )
        .await;
    assert_eq!(status, 403, "{envelope}");
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"], "AccessDenied",
        "{envelope}"
    );
    assert!(envelope["Result"].is_null(), "{envelope}");
}

#[tokio::test]
async fn a_key_without_apps_acts_on_every_app() {
    let server = server().await;
    for app in [APP_ID, OTHER_APP_ID] {
        let (status, envelope) = server
            .api_signed("GetRoomOnlineUsers", &online_users(app), AK, SK, now_secs())
            .await;
        assert_eq!(status, 200, "{app}: {envelope}");
    }
}
