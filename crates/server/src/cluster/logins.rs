//! Outside-room messaging across nodes. Each login is recorded in Redis as
//! `chorus:login:<app>:<user>` -> node; each node listens on its own pub/sub channel
//! `chorus:to:<node>`. A message for a user logged in on another node is published to that
//! node's channel and delivered there by its login registry; a login on one node ends the
//! same user's login on another (RTM_DUPLICATE_LOGIN), as on one node. Peer status asks the
//! record, and counts a user as online only while their node is live. The same channels
//! carry ban announcements (see `bans`) to every node.
//!
//! A record names the node and its run (`<node>/<boot>`): a node that died leaves records
//! behind, and a node restarted under the same id must not count them as its users. A record
//! whose run is not live any more is stale: a look-up treats it as no login and deletes it,
//! and a login elsewhere takes it over at once (a dead node's users log in again anywhere).
//!
//! Pub/sub, not streams: a message is for a user who is online now, and a node that is down
//! has no user to deliver to, so there is nothing to keep. The sender hears success once a
//! live node took the message off the channel.

use std::sync::Arc;
use std::time::Duration;

use chorus_proto::{ErrorCode, PeerStatus, RtcError, ServerFrame, UserOnlineStatus};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::bans::{Covered, apply};
use super::{Cluster, ClusterError, timed};
use crate::ctx::Ctx;
use crate::frame::Frame;
use crate::messaging::{LoginKey, Remote};
use crate::room::{Outbound, Payload, SessionLink};

/// How many outside-room jobs may wait for Redis.
pub(crate) const QUEUE: usize = 4096;

/// Deletes KEYS[1] if it still names ARGV[1] (a later login elsewhere keeps its record).
const FORGET: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

fn login_key(key: &LoginKey) -> String {
    format!("chorus:login:{}:{}", key.app_id, key.user_id)
}

fn channel(node: &str) -> String {
    format!("chorus:to:{node}")
}

/// What nodes send each other.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Wire {
    /// A message to a user logged in on the receiving node.
    Message {
        app: String,
        from: String,
        to: String,
        message: String,
        binary: bool,
    },
    /// The user logged in on another node: their login on the receiving node ends.
    Evict { app: String, user: String },
    /// A ban recorded by node `origin` (announced to all): applied to the rooms here.
    Ban {
        origin: String,
        app: String,
        covered: Covered,
        until: Option<u64>,
    },
}

/// The channel every node listens on.
const ALL: &str = "chorus:all";

fn answer(link: &SessionLink, id: u64, result: Result<serde_json::Value, RtcError>) {
    let text = match result {
        Ok(value) => ServerFrame::ok_json(id, &value),
        Err(e) => ServerFrame::error_json(Some(id), &e),
    };
    let _ = link.push(Outbound::Frame(Frame::from(text)));
}

fn broken(error: &ClusterError) -> RtcError {
    RtcError::new(
        ErrorCode::UserMessageBroken,
        format!("{error}; users logged in on this node can still be reached, try again shortly"),
    )
}

impl Cluster {
    /// Tells every node of a ban (or its lifting).
    pub(super) async fn announce_ban(
        &self,
        app: &str,
        covered: Covered,
        until: Option<u64>,
    ) -> Result<(), ClusterError> {
        let wire = Wire::Ban {
            origin: self.settings.node_id.clone(),
            app: app.to_owned(),
            covered,
            until,
        };
        self.publish_to(ALL, &wire).await.map(drop)
    }

    /// This run's value for its login records.
    fn holder(&self) -> String {
        format!("{}/{}", self.settings.node_id, self.boot)
    }

    /// The live node other than this one where `key` is logged in. A record left by a run
    /// that is not live (a dead node, or an earlier run of a restarted one) is deleted.
    async fn login_node(&self, key: &LoginKey) -> Result<Option<String>, ClusterError> {
        let mut conn = self.conn();
        let record_key = login_key(key);
        let record: Option<String> =
            timed(redis::cmd("GET").arg(&record_key).query_async(&mut conn)).await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let (node, boot) = record.rsplit_once('/').unwrap_or((record.as_str(), ""));
        if node == self.settings.node_id && boot == self.boot {
            return Ok(None);
        }
        if self.live_boot(node).await?.as_deref() == Some(boot) && node != self.settings.node_id {
            return Ok(Some(node.to_owned()));
        }
        // Stale; unless it changed meanwhile (a new login), forget it.
        timed(
            redis::cmd("EVAL")
                .arg(FORGET)
                .arg(1)
                .arg(&record_key)
                .arg(&record)
                .query_async::<()>(&mut conn),
        )
        .await?;
        Ok(None)
    }

    /// Sends `payload` from `from` (an OpenAPI sender) to `to`, logged in on another node;
    /// returns whether a live node took it.
    pub(crate) async fn send_outside(
        &self,
        app: &str,
        from: String,
        to: String,
        payload: Payload,
    ) -> Result<bool, ClusterError> {
        let to_key = LoginKey {
            app_id: app.into(),
            user_id: to.as_str().into(),
        };
        let Some(node) = self.login_node(&to_key).await? else {
            return Ok(false);
        };
        let wire = Wire::Message {
            app: app.to_owned(),
            from,
            to,
            message: payload.message,
            binary: payload.binary,
        };
        Ok(self.publish(&node, &wire).await? > 0)
    }

    async fn publish(&self, node: &str, wire: &Wire) -> Result<u64, ClusterError> {
        self.publish_to(&channel(node), wire).await
    }

    async fn publish_to(&self, channel: &str, wire: &Wire) -> Result<u64, ClusterError> {
        let mut conn = self.conn();
        let json = serde_json::to_string(wire).unwrap_or_default();
        timed(
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(json)
                .query_async(&mut conn),
        )
        .await
    }

    async fn remote(&self, work: Remote) -> Result<(), ClusterError> {
        let mut conn = self.conn();
        match work {
            Remote::LoggedIn(key) => {
                let previous: Option<String> = timed(
                    redis::cmd("SET")
                        .arg(login_key(&key))
                        .arg(self.holder())
                        .arg("GET")
                        .query_async(&mut conn),
                )
                .await?;
                // The login ends on the node that had it (a dead one hears nothing, and an
                // earlier run of this node has nobody to evict).
                let node = previous
                    .as_deref()
                    .map(|p| p.rsplit_once('/').map_or(p, |(node, _)| node));
                if let Some(node) = node.filter(|n| *n != self.settings.node_id) {
                    let evict = Wire::Evict {
                        app: key.app_id.to_string(),
                        user: key.user_id.to_string(),
                    };
                    self.publish(node, &evict).await?;
                }
            }
            Remote::LoggedOut(key) => {
                timed(
                    redis::cmd("EVAL")
                        .arg(FORGET)
                        .arg(1)
                        .arg(login_key(&key))
                        .arg(self.holder())
                        .query_async::<()>(&mut conn),
                )
                .await?;
            }
            Remote::Send {
                from,
                to,
                payload,
                link,
                id,
            } => {
                let to_key = LoginKey {
                    app_id: from.app_id.clone(),
                    user_id: to.as_str().into(),
                };
                let sent = async {
                    let Some(node) = self.login_node(&to_key).await? else {
                        return Ok(0);
                    };
                    let wire = Wire::Message {
                        app: from.app_id.to_string(),
                        from: from.user_id.to_string(),
                        to: to.clone(),
                        message: payload.message,
                        binary: payload.binary,
                    };
                    self.publish(&node, &wire).await
                };
                let result = match sent.await {
                    Ok(0) => Err(RtcError::new(
                        ErrorCode::UserMessageNoReceiver,
                        format!("user {to} is not logged in"),
                    )),
                    Ok(_) => Ok(serde_json::json!({})),
                    Err(error) => Err(broken(&error)),
                };
                answer(&link, id, result);
            }
            Remote::Status {
                key,
                peer,
                link,
                id,
            } => {
                let peer_key = LoginKey {
                    app_id: key.app_id,
                    user_id: peer.as_str().into(),
                };
                let result = match self.login_node(&peer_key).await {
                    Ok(node) => serde_json::to_value(PeerStatus {
                        user_id: peer,
                        status: if node.is_some() {
                            UserOnlineStatus::Online
                        } else {
                            UserOnlineStatus::Offline
                        },
                    })
                    .map_err(|e| RtcError::new(ErrorCode::UserMessageBroken, e.to_string())),
                    Err(error) => Err(broken(&error)),
                };
                answer(&link, id, result);
            }
        }
        Ok(())
    }
}

/// Starts the two tasks of outside-room messaging across nodes: one takes the login
/// registry's work to Redis, one delivers what other nodes publish to this one.
pub(crate) fn spawn_logins(ctx: Arc<Ctx>, mut work: mpsc::Receiver<Remote>) -> Vec<JoinHandle<()>> {
    if ctx.cluster.is_none() {
        return Vec::new();
    }
    let worker = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            while let Some(job) = work.recv().await {
                let Some(cluster) = &ctx.cluster else { return };
                if let Err(error) = cluster.remote(job).await {
                    tracing::warn!(%error, "an outside-room login change did not reach the cluster");
                }
            }
        })
    };
    let listener = tokio::spawn(async move {
        loop {
            if let Err(error) = listen(&ctx).await {
                tracing::debug!(%error, "the cluster channel dropped; listening again");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    vec![worker, listener]
}

/// Listens on this node's channel until the connection drops.
async fn listen(ctx: &Ctx) -> Result<(), ClusterError> {
    let Some(cluster) = &ctx.cluster else {
        return Ok(());
    };
    let mut pubsub = timed(cluster.client.get_async_pubsub()).await?;
    timed(pubsub.subscribe(&[channel(cluster.node_id()), ALL.to_owned()])).await?;
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let Ok(text) = message.get_payload::<String>() else {
            continue;
        };
        match serde_json::from_str::<Wire>(&text) {
            Ok(Wire::Message {
                app,
                from,
                to,
                message,
                binary,
            }) => {
                let payload = Payload { message, binary };
                ctx.logins
                    .server_message(app.into(), from, to, payload)
                    .await;
            }
            Ok(Wire::Evict { app, user }) => {
                ctx.logins
                    .evict(LoginKey {
                        app_id: app.into(),
                        user_id: user.into(),
                    })
                    .await;
            }
            Ok(Wire::Ban {
                origin,
                app,
                covered,
                until,
            }) => {
                if origin != cluster.node_id() {
                    apply(&ctx.directory, &app, &covered, until).await;
                }
            }
            Err(error) => tracing::warn!(%error, "an unreadable message on the cluster channel"),
        }
    }
    Ok(())
}
