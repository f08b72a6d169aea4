//! Test fixture: a small local stand-in for OpenAI-compatible endpoints, with a behaviour
//! chosen per test. As a translator it "translates" English into French word by word from a
//! small dictionary (words it lacks stay as they are, in brackets), so a test can tell exactly
//! what the translation of a text must be. The other behaviours fail in the ways real
//! endpoints do: hang, answer 500, answer something that is not a transcription.

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

/// How the fixture answers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Behaviour {
    /// Chat completions translate (see [`translate`]).
    Translator,
    /// Every request waits for ever.
    Hang,
    /// Every request gets 500.
    Fail,
    /// Every request gets 200 with an HTML page.
    Garbage,
}

const DICTIONARY: &[(&str, &str)] = &[
    ("thank", "merci"),
    ("you", "vous"),
    ("very", "beaucoup"),
    ("much", "bien"),
    ("for", "pour"),
    ("your", "votre"),
    ("help", "aide"),
    ("today", "aujourd'hui"),
];

/// The fixture's translation of `text`: each word looked up, lower case, punctuation dropped.
pub(crate) fn translate(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            let w: String = w
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            DICTIONARY
                .iter()
                .find(|(en, _)| *en == w)
                .map_or(format!("[{w}]"), |(_, fr)| (*fr).to_owned())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn answer(behaviour: Behaviour, body: String) -> (StatusCode, String) {
    match behaviour {
        Behaviour::Translator => {
            let request: Value = serde_json::from_str(&body).unwrap_or_default();
            let text = request["messages"][1]["content"]
                .as_str()
                .unwrap_or_default();
            let reply = json!({"choices": [{"message": {"role": "assistant", "content": translate(text)}}]});
            (StatusCode::OK, reply.to_string())
        }
        Behaviour::Hang => std::future::pending().await,
        Behaviour::Fail => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "{\"error\":\"boom\"}".into(),
        ),
        Behaviour::Garbage => (StatusCode::OK, "<html>not a transcription</html>".into()),
    }
}

/// Starts the fixture on loopback; its base URL (up to `/v1`).
pub(crate) async fn start(behaviour: Behaviour) -> String {
    let app = Router::new()
        .route(
            "/v1/chat/completions",
            post(move |body: String| answer(behaviour, body)),
        )
        .route(
            "/v1/audio/transcriptions",
            post(move |body: axum::body::Bytes| {
                answer(behaviour, String::from_utf8_lossy(&body).into_owned())
            }),
        );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the fixture binds");
    let addr = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/v1")
}

/// A loopback URL nothing listens on.
pub(crate) async fn unreachable() -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    format!("http://{addr}/v1")
}
