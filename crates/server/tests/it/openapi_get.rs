//! The OpenAPI as the vendor's server SDKs call it: read actions as GET with query
//! parameters, signed over the canonical query string and the empty body; each action at the
//! versions the vendor documents for it. Requests here are signed by a signer written from the
//! vendor's published algorithm, not by Chorus's own signing code, so the two are checked
//! against each other.

use crate::common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The vendor's `HMAC-SHA256` request signature, step by step as its signature docs give it.
mod vendor {
    use super::*;

    fn sha256_hex(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    fn hmac(key: &[u8], data: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// RFC 3986 encoding: everything but `A-Z a-z 0-9 - _ . ~` as `%XX`, uppercase.
    fn uri_encode(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// The canonical query string: parameters sorted by name, names and values URI-encoded.
    pub(super) fn canonical_query(params: &[(&str, &str)]) -> String {
        let mut sorted = params.to_vec();
        sorted.sort();
        sorted
            .iter()
            .map(|(k, v)| format!("{}={}", uri_encode(k), uri_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// `yyyyMMddTHHmmssZ` of a Unix time.
    pub(super) fn x_date(unix: u64) -> String {
        let (days, secs) = (unix / 86_400, unix % 86_400);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    /// The headers to send: `X-Date`, `X-Content-Sha256` and `Authorization`, signing
    /// `host`, `x-content-sha256` and `x-date`.
    pub(super) fn sign(
        method: &str,
        query: &str,
        host: &str,
        body: &[u8],
        (ak, sk): (&str, &str),
        unix: u64,
    ) -> Vec<(&'static str, String)> {
        let x_date = x_date(unix);
        let payload_hash = sha256_hex(body);
        let signed_headers = "host;x-content-sha256;x-date";
        let canonical_request = format!(
            "{method}\n/\n{query}\nhost:{host}\nx-content-sha256:{payload_hash}\nx-date:{x_date}\n\n{signed_headers}\n{payload_hash}"
        );
        let short_date = &x_date[..8];
        let scope = format!("{short_date}/cn-north-1/rtc/request");
        let string_to_sign = format!(
            "HMAC-SHA256\n{x_date}\n{scope}\n{}",
            sha256_hex(canonical_request.as_bytes())
        );
        let k_date = hmac(sk.as_bytes(), short_date);
        let k_region = hmac(&k_date, "cn-north-1");
        let k_service = hmac(&k_region, "rtc");
        let k_signing = hmac(&k_service, "request");
        let signature = hex::encode(hmac(&k_signing, &string_to_sign));
        vec![
            ("X-Date", x_date),
            ("X-Content-Sha256", payload_hash),
            (
                "Authorization",
                format!(
                    "HMAC-SHA256 Credential={ak}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
                ),
            ),
        ]
    }

    #[test]
    fn x_date_formats_known_instants() {
        assert_eq!(x_date(0), "19700101T000000Z");
        assert_eq!(x_date(1_704_164_645), "20240102T030405Z");
        assert_eq!(x_date(951_782_400), "20000229T000000Z");
    }
}

/// Sends `GET /?<params>` signed with `keys`; returns the status and the envelope.
async fn get(server: &TestServer, params: &[(&str, &str)], keys: (&str, &str)) -> (u16, Value) {
    let query = vendor::canonical_query(params);
    send(server, "GET", &query, &query, "", keys).await
}

/// Sends `POST /?Action=..&Version=..` with a JSON body, signed with the test's key.
async fn post(server: &TestServer, action: &str, version: &str, body: Value) -> (u16, Value) {
    let query = vendor::canonical_query(&[("Action", action), ("Version", version)]);
    send(server, "POST", &query, &query, &body.to_string(), (AK, SK)).await
}

/// Signs `signed_query` and sends `sent_query` (the same, unless a test tampers with it).
async fn send(
    server: &TestServer,
    method: &str,
    signed_query: &str,
    sent_query: &str,
    body: &str,
    keys: (&str, &str),
) -> (u16, Value) {
    let host = server.server.local_addr().to_string();
    let headers = vendor::sign(
        method,
        signed_query,
        &host,
        body.as_bytes(),
        keys,
        now_secs(),
    );
    let url = format!("{}/?{sent_query}", server.url());
    let mut request = match method {
        "GET" => reqwest::Client::new().get(url),
        _ => reqwest::Client::new()
            .post(url)
            .header("Content-Type", "application/json")
            .body(body.to_owned()),
    };
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("server answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON envelope"))
}

fn error_code(envelope: &Value) -> &str {
    envelope["ResponseMetadata"]["Error"]["Code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn get_room_online_users_is_a_get_with_query_parameters() {
    let server = TestServer::start().await;
    let (_alice, _events) = server.joined("by-get", "alice").await;
    for version in ["2023-11-01", "2023-08-01"] {
        let (status, envelope) = get(
            &server,
            &[
                ("Action", "GetRoomOnlineUsers"),
                ("Version", version),
                ("AppId", APP_ID),
                ("RoomId", "by-get"),
            ],
            (AK, SK),
        )
        .await;
        assert_eq!(status, 200, "{envelope}");
        assert!(
            envelope["ResponseMetadata"]["Error"].is_null(),
            "{envelope}"
        );
        assert_eq!(envelope["ResponseMetadata"]["Action"], "GetRoomOnlineUsers");
        assert_eq!(envelope["ResponseMetadata"]["Version"], version);
        assert_eq!(envelope["Result"]["RoomExists"], true, "{envelope}");
        assert_eq!(envelope["Result"]["VisibleUserList"], json!(["alice"]));
    }
}

#[tokio::test]
async fn a_get_with_a_bad_signature_is_refused_like_a_post() {
    let server = TestServer::start().await;
    let params = [
        ("Action", "GetRoomOnlineUsers"),
        ("Version", "2023-11-01"),
        ("AppId", APP_ID),
        ("RoomId", "mine"),
    ];
    let (status, envelope) = get(&server, &params, (AK, "wrong-secret")).await;
    assert_eq!(status, 401, "{envelope}");
    assert_eq!(error_code(&envelope), "SignatureDoesNotMatch");
    assert!(envelope.get("Result").is_none(), "{envelope}");

    // Signed for one room, sent for another: the query is signed too.
    let signed = vendor::canonical_query(&params);
    let sent = signed.replace("RoomId=mine", "RoomId=theirs");
    let (status, envelope) = send(&server, "GET", &signed, &sent, "", (AK, SK)).await;
    assert_eq!(status, 401, "{envelope}");
    assert_eq!(error_code(&envelope), "SignatureDoesNotMatch");

    // Unsigned.
    let response = reqwest::get(format!("{}/?{signed}", server.url()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let envelope: Value = response.json().await.unwrap();
    assert_eq!(error_code(&envelope), "MissingAuthenticationToken");
}

#[tokio::test]
async fn write_actions_are_posts() {
    let server = TestServer::start().await;
    let (status, envelope) = get(
        &server,
        &[
            ("Action", "KickUser"),
            ("Version", "2020-12-01"),
            ("AppId", APP_ID),
            ("RoomId", "r"),
            ("UserId", "u"),
        ],
        (AK, SK),
    )
    .await;
    assert_eq!(status, 405, "{envelope}");
    assert_eq!(error_code(&envelope), "MethodNotAllowed");

    // Signed by the vendor's algorithm, a POST at a version the vendor documents passes.
    let (status, envelope) = post(
        &server,
        "BanRoomUser",
        "2023-11-01",
        json!({"AppId": APP_ID, "RoomId": "r", "UserId": "u", "ForbiddenInterval": 0}),
    )
    .await;
    assert_eq!(status, 200, "{envelope}");
    let (status, envelope) = post(
        &server,
        "GetRoomOnlineUsers",
        "2023-11-01",
        json!({"AppId": APP_ID, "RoomId": "r"}),
    )
    .await;
    assert_eq!(
        status, 200,
        "a read action also takes a POST body: {envelope}"
    );
}

#[tokio::test]
async fn versions_the_vendor_does_not_document_for_an_action_are_refused() {
    let server = TestServer::start().await;
    let refused = [
        ("KickUser", "2023-11-01"),
        ("DismissRoom", "2023-07-20"),
        ("SendBroadcast", "2023-11-01"),
        ("BanRoomUser", "2022-06-01"),
        ("GetRoomOnlineUsers", "2099-01-01"),
    ];
    for (action, version) in refused {
        let (status, envelope) = post(&server, action, version, json!({"AppId": APP_ID})).await;
        assert_eq!(status, 404, "{action} {version}: {envelope}");
        assert_eq!(error_code(&envelope), "InvalidActionOrVersion");
        let message = envelope["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .unwrap_or("");
        assert!(message.contains(action), "{message}");
    }
    let (status, envelope) = get(
        &server,
        &[
            ("Action", "GetRoomOnlineUsers"),
            ("Version", "2022-06-01"),
            ("AppId", APP_ID),
            ("RoomId", "r"),
        ],
        (AK, SK),
    )
    .await;
    assert_eq!(status, 404, "{envelope}");
    assert_eq!(error_code(&envelope), "InvalidActionOrVersion");
}
