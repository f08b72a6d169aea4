//! The engine's cloud proxy methods: `start_cloud_proxy` before joining makes signalling go
//! to the proxy's `wss://` address and media only through a TURN relay over TCP or TLS;
//! `stop_cloud_proxy` after leaving undoes it. The addresses and the setting live in
//! `crate::cloud_proxy`; the connection's task checks the room and applies the setting.

use std::time::Instant;

use chorus_proto::{ErrorCode, JoinRoomResult, RtcError};
use tokio::sync::oneshot;

use super::{RtcEngine, destroyed};
use crate::caller::Command;
use crate::cloud_proxy::{CloudProxyInfo, ProxyRoute};
use crate::event::EngineEvent;

impl RtcEngine {
    /// Turns the cloud proxy on, for networks that let nothing but TCP 443 out: from the next
    /// connection, signalling goes over WSS to the first `host[:port]` (443 by default),
    /// `wss://` or `https://` address of `info.access_proxy`, and media only through a TURN
    /// relay over TCP or TLS: the `turn:`/`turns:` addresses of `access_proxy`, or else the
    /// TCP and TLS ones of the server's join answer (`turns:` certificates are checked as the
    /// signalling server's is, against [`crate::EngineConfig::tls`]). A join then fails with `ICE_SERVER_WRONG` when no relay can be
    /// allocated, and the first that succeeds reports `EngineEvent::CloudProxyConnected`.
    ///
    /// In a room (or joining): `START_CLOUD_PROXY_AFTER_JOIN`. An address that cannot carry
    /// signalling: `INVALID_PARAMS`.
    pub async fn start_cloud_proxy(&self, info: CloudProxyInfo) -> Result<(), RtcError> {
        let route = ProxyRoute::read(&info, self.app_id())?;
        self.set_cloud_proxy(Some(route)).await
    }

    /// Turns the cloud proxy off: the next connection goes to the configured server, and
    /// media may go directly. In a room: `STOP_CLOUD_PROXY_BEFORE_LEAVE`.
    pub async fn stop_cloud_proxy(&self) -> Result<(), RtcError> {
        self.set_cloud_proxy(None).await
    }

    async fn set_cloud_proxy(&self, route: Option<ProxyRoute>) -> Result<(), RtcError> {
        self.check_live()?;
        self.start();
        let (reply, answer) = oneshot::channel();
        self.inner
            .commands
            .send(Command::CloudProxy(route, reply))
            .map_err(|_| destroyed())?;
        answer.await.unwrap_or_else(|_| Err(destroyed()))
    }

    /// After a join through the cloud proxy: allocates a relay once to check one can be had
    /// (else leaves and fails with `ICE_SERVER_WRONG`), and reports the first such join.
    pub(super) async fn check_proxied_join(
        &self,
        result: &JoinRoomResult,
        started: Instant,
    ) -> Result<(), RtcError> {
        let Some(route) = self.inner.proxy.get() else {
            return Ok(());
        };
        let relays = route.relays(&result.ice_servers);
        if relays.is_empty() {
            let _ = self.leave_room().await;
            return Err(RtcError::new(
                ErrorCode::IceServerWrong,
                "join_room: the cloud proxy needs a TURN server reached over TCP or TLS; the \
                 server hands out none (chorus serve --turn turn:HOST:443?transport=tcp) and \
                 access_proxy names none",
            ));
        }
        let urls: Vec<String> = relays.iter().flat_map(|s| s.urls.clone()).collect();
        if let Err(why) = crate::media::probe_relay(
            relays,
            self.inner.tls.clone(),
            crate::media::RELAY_ONLY_LIMIT,
        )
        .await
        {
            let _ = self.leave_room().await;
            return Err(RtcError::new(
                ErrorCode::IceServerWrong,
                format!(
                    "join_room: no relay could be allocated through {}: {why}; check that the \
                     TURN server runs, is reachable on that port and shares the server's \
                     --turn-secret",
                    urls.join(", ")
                ),
            ));
        }
        if self.inner.proxy.first_report()
            && let Some(events) = self.inner.events_tx.upgrade()
        {
            let interval = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let _ = events.send(EngineEvent::CloudProxyConnected { interval });
        }
        Ok(())
    }
}
