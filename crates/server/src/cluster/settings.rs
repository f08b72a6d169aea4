//! The cluster part of the configuration: checked with the rest of the tree at start-up, and
//! turned into [`ClusterSettings`] once the listener is bound (its address is the default
//! advertised URL).

use std::net::SocketAddr;

use super::ClusterSettings;
use crate::config::{Config, ConfigError};

impl Config {
    /// Checks the cluster keys: a `redis://` or `rediss://` URL (a CA file only with the
    /// latter), apps every node shares, and a reachable advertised URL.
    pub(crate) fn validate_cluster(&self) -> Result<(), ConfigError> {
        let Some(url) = &self.redis else {
            return Ok(());
        };
        let tls = url.starts_with("rediss://");
        if !(tls || url.starts_with("redis://")) {
            return Err(ConfigError::BadRedisUrl(url.clone()));
        }
        if self.redis_ca_file.is_some() && !tls {
            return Err(ConfigError::RedisCaWithoutTls(url.clone()));
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
            redis_ca_file: self.redis_ca_file.clone(),
            node_id: self
                .node_id
                .clone()
                .unwrap_or_else(|| format!("node-{}", crate::random_string(8))),
            advertise_url: self
                .advertise_url
                .clone()
                .unwrap_or_else(|| format!("{scheme}://{bound}")),
            tls: client_tls.clone(),
            relay_key: super::RelayKey::derive(&self.apps, &self.openapi_keys),
            span_max_users_per_node: self.span_max_users_per_node,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AppCredentials;

    fn cluster_config() -> Config {
        Config {
            apps: vec![AppCredentials {
                id: "0123456789abcdef01234567".into(),
                key: "k".into(),
                ..AppCredentials::default()
            }],
            redis: Some("redis://127.0.0.1:6379".into()),
            ..Config::default()
        }
    }

    #[test]
    fn cluster_keys_are_checked_at_start() {
        assert!(cluster_config().validate().is_ok());
        let mut config = cluster_config();
        config.redis = Some("http://127.0.0.1:6379".into());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::BadRedisUrl(_))
        ));
        let mut config = cluster_config();
        config.redis_ca_file = Some("ca.pem".into());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::RedisCaWithoutTls(_))
        ));
        config.redis = Some("rediss://127.0.0.1:6380".into());
        assert!(config.validate().is_ok());
        let mut config = cluster_config();
        config.apps.clear();
        assert!(matches!(
            config.validate(),
            Err(ConfigError::ClusterWithoutApps)
        ));
        let mut config = cluster_config();
        config.listen = "0.0.0.0:8080".parse().unwrap();
        assert!(matches!(
            config.validate(),
            Err(ConfigError::NoAdvertiseUrl(_))
        ));
        config.advertise_url = Some("10.0.0.2:8080".into());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::BadAdvertiseUrl(_))
        ));
        config.advertise_url = Some("http://10.0.0.2:8080".into());
        assert!(config.validate().is_ok());
    }

    #[test]
    fn a_redis_over_tls_is_set_in_the_toml() {
        let config: Config = toml::from_str(
            "redis = \"rediss://10.0.0.5:6380\"\nredis-ca-file = \"/etc/chorus/redis-ca.pem\"\n",
        )
        .expect("the cluster keys parse");
        assert_eq!(config.redis.as_deref(), Some("rediss://10.0.0.5:6380"));
        assert_eq!(
            config.redis_ca_file,
            Some("/etc/chorus/redis-ca.pem".into())
        );
    }

    #[test]
    fn a_node_advertises_its_bound_address_unless_told() {
        let config = cluster_config();
        let bound = "127.0.0.1:4321".parse().unwrap();
        let tls = chorus_tls::ClientTls::system().expect("the system roots load");
        let settings = config.cluster_settings(bound, true, &tls).unwrap();
        assert_eq!(settings.advertise_url, "https://127.0.0.1:4321");
        assert!(settings.node_id.starts_with("node-"));
        assert!(
            Config::default()
                .cluster_settings(bound, false, &tls)
                .is_none()
        );
    }
}
