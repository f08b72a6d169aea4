//! One load-test client of Janus's VideoRoom, over Janus's HTTP API: the same str0m media side
//! as a Chorus client (`loadtest_client::Media`: the same packets, sizes, rates, stamps and
//! counting), only the signalling differs.
//!
//! A publisher joins the room as a publisher with a feed id given to it, then publishes with
//! its offer; a subscriber joins as a subscriber to every publisher's feed in one
//! subscription (one peer connection, as with Chorus), answers Janus's offer and starts.
//! Janus includes its candidates in its SDP and the clients theirs, so no trickling.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Value, json};
use str0m::change::{SdpAnswer, SdpOffer};
use tokio::sync::watch;

use crate::loadtest_client::{Media, Role, Shared, media_socket, new_rtc, publisher_offer};
use crate::loadtest_janus::Janus;

/// How long Janus may take to answer a request with its event.
const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a client connects and as what.
pub(crate) struct JanusClientConfig {
    pub(crate) room: u64,
    pub(crate) role: Role,
    /// A publisher's own feed id; a subscriber's feeds to subscribe to.
    pub(crate) feeds: Vec<u64>,
}

/// A Janus API session with at most one plugin handle.
pub(crate) struct Session {
    http: reqwest::Client,
    /// `api/SESSION`.
    session: String,
    /// `api/SESSION/HANDLE`, once attached.
    handle: Option<String>,
}

/// Transaction ids, unique within the process.
fn transaction() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn post(http: &reqwest::Client, url: &str, mut body: Value) -> anyhow::Result<Value> {
    body["transaction"] = json!(transaction());
    let answer: Value = http.post(url).json(&body).send().await?.json().await?;
    if answer["janus"] == "error" {
        bail!("Janus refused {body}: {}", answer["error"]);
    }
    Ok(answer)
}

impl Session {
    /// Creates a session on the API at `api`.
    pub(crate) async fn create(http: &reqwest::Client, api: &str) -> anyhow::Result<Self> {
        let answer = post(http, api, json!({"janus": "create"})).await?;
        let id = answer["data"]["id"]
            .as_u64()
            .context("create answered no id")?;
        Ok(Session {
            http: http.clone(),
            session: format!("{api}/{id}"),
            handle: None,
        })
    }

    /// Attaches the VideoRoom plugin.
    pub(crate) async fn attach(&mut self) -> anyhow::Result<()> {
        let body = json!({"janus": "attach", "plugin": "janus.plugin.videoroom"});
        let answer = post(&self.http, &self.session, body).await?;
        let id = answer["data"]["id"]
            .as_u64()
            .context("attach answered no id")?;
        self.handle = Some(format!("{}/{id}", self.session));
        Ok(())
    }

    /// Sends `body` to the handle and answers Janus's immediate answer.
    pub(crate) async fn request(&self, body: Value) -> anyhow::Result<Value> {
        let url = self
            .handle
            .as_deref()
            .context("no plugin handle attached")?;
        post(&self.http, url, body).await
    }

    /// Sends a plugin message (with `jsep`, if any) and waits for the event that answers it:
    /// the plugin's data and the event's jsep.
    async fn message(
        &self,
        body: Value,
        jsep: Option<Value>,
    ) -> anyhow::Result<(Value, Option<Value>)> {
        let url = self
            .handle
            .as_deref()
            .context("no plugin handle attached")?;
        let mut request = json!({"janus": "message", "body": body});
        if let Some(jsep) = jsep {
            request["jsep"] = jsep;
        }
        let txn = transaction();
        request["transaction"] = json!(txn);
        let answer: Value = self
            .http
            .post(url)
            .json(&request)
            .send()
            .await?
            .json()
            .await?;
        match answer["janus"].as_str() {
            Some("ack") => {}
            Some("success") => return Ok((answer["plugindata"]["data"].clone(), None)),
            _ => bail!("Janus refused {}: {answer}", request["body"]),
        }
        let event = tokio::time::timeout(EVENT_TIMEOUT, async {
            loop {
                let events: Value = self
                    .http
                    .get(format!("{}?maxev=10", self.session))
                    .send()
                    .await?
                    .json()
                    .await?;
                let list = match events {
                    Value::Array(list) => list,
                    one => vec![one],
                };
                if let Some(event) = list
                    .into_iter()
                    .find(|e| e["janus"] == "event" && e["transaction"] == txn.as_str())
                {
                    return anyhow::Ok(event);
                }
            }
        })
        .await
        .map_err(|_| anyhow!("Janus sent no event for {}", request["body"]))??;
        let data = event["plugindata"]["data"].clone();
        if data.get("error").is_some() {
            bail!("Janus refused {}: {data}", request["body"]);
        }
        Ok((data, event.get("jsep").cloned()))
    }
}

/// Runs one client against `janus` until `stop` turns true.
pub(crate) async fn run(
    janus: (String, std::net::SocketAddr),
    config: JanusClientConfig,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let (api, addr) = janus;
    let http = reqwest::Client::new();
    let mut session = Session::create(&http, &api).await?;
    session.attach().await?;
    let (socket, local) = media_socket(addr)?;
    let mut rtc = new_rtc(local)?;
    let mut published = Vec::new();
    match config.role {
        Role::Publisher { audio, video } => {
            let feed = *config
                .feeds
                .first()
                .context("a publisher needs its feed id")?;
            let join = json!({
                "request": "join", "ptype": "publisher", "room": config.room, "id": feed,
            });
            session.message(join, None).await?;
            let (offer, pending, tracks) = publisher_offer(&mut rtc, audio, video)?;
            published = tracks;
            let jsep = json!({"type": "offer", "sdp": offer.to_sdp_string()});
            let publish = json!({"request": "publish", "audio": audio, "video": video});
            let (_, answer) = session.message(publish, Some(jsep)).await?;
            let sdp = answer
                .as_ref()
                .and_then(|j| j["sdp"].as_str())
                .context("Janus answered the publish with no sdp")?;
            rtc.sdp_api()
                .accept_answer(pending, SdpAnswer::from_sdp_string(sdp)?)?;
        }
        Role::Subscriber { .. } => {
            let streams: Vec<Value> = config.feeds.iter().map(|f| json!({"feed": f})).collect();
            let join = json!({
                "request": "join", "ptype": "subscriber", "room": config.room,
                "streams": streams,
            });
            let (_, offer) = session.message(join, None).await?;
            let sdp = offer
                .as_ref()
                .and_then(|j| j["sdp"].as_str())
                .context("Janus sent no offer to the subscriber")?;
            let answer = rtc
                .sdp_api()
                .accept_offer(SdpOffer::from_sdp_string(sdp)?)?;
            let jsep = json!({"type": "answer", "sdp": answer.to_sdp_string()});
            session
                .message(json!({"request": "start"}), Some(jsep))
                .await?;
            shared.connected.store(true, Ordering::Relaxed);
        }
    }
    Media::new(rtc, socket, local, shared, published)
        .run(None, &mut stop)
        .await
}

/// The feed id of publisher `i`.
pub(crate) fn feed_id(i: usize) -> u64 {
    1000 + i as u64
}

/// The API root and media address of `janus`, for a client task to own.
pub(crate) fn endpoint(janus: &Janus) -> (String, std::net::SocketAddr) {
    (janus.api.clone(), janus.media)
}
