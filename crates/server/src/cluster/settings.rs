//! The cluster part of the configuration: checked with the rest of the tree at start-up, and
//! turned into [`ClusterSettings`] once the listener is bound (its address is the default
//! advertised URL).

use std::net::SocketAddr;

use super::ClusterSettings;
use crate::config::{Config, ConfigError};

impl Config {
    /// Checks the cluster keys: a `redis://` URL, apps every node shares, and a reachable
    /// advertised URL.
    pub(crate) fn validate_cluster(&self) -> Result<(), ConfigError> {
        let Some(url) = &self.redis else {
            return Ok(());
        };
        if !url.starts_with("redis://") {
            return Err(ConfigError::BadRedisUrl(url.clone()));
        }
        if self.apps.is_empty() {
            return Err(ConfigError::ClusterWithoutApps);
        }
        match &self.advertise_url {
            Some(advertise)
                if !(advertise.starts_with("http://") || advertise.starts_with("https://")) =>
            {
                Err(ConfigError::BadAdvertiseUrl(advertise.clone()))
            }
            Some(_) => Ok(()),
            None if self.listen.ip().is_unspecified() => {
                Err(ConfigError::NoAdvertiseUrl(self.listen))
            }
            None => Ok(()),
        }
    }

    /// The cluster settings, in cluster mode, for a node listening at `bound`.
    pub(crate) fn cluster_settings(
        &self,
        bound: SocketAddr,
        tls: bool,
        client_tls: &chorus_tls::ClientTls,
    ) -> Option<ClusterSettings> {
        let redis_url = self.redis.clone()?;
        let scheme = if tls { "https" } else { "http" };
        Some(ClusterSettings {
            redis_url,
            node_id: self
                .node_id
                .clone()
                .unwrap_or_else(|| format!("node-{}", crate::random_string(8))),
            advertise_url: self
                .advertise_url
                .clone()
                .unwrap_or_else(|| format!("{scheme}://{bound}")),
            tls: client_tls.clone(),
        })
    }
}
