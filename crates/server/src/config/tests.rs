use super::*;

#[test]
fn business_hosts_are_read_per_app_and_checked() {
    let toml = r#"
        allow-private-targets = true
        [[apps]]
        id = "0123456789abcdef01234567"
        key = "k"
        business-hosts = ["api.example.com", "10.0.0.5:8080"]
    "#;
    let mut config: Config = toml::from_str(toml).expect("the TOML parses");
    assert!(config.allow_private_targets);
    assert_eq!(
        config.apps[0].business_hosts,
        ["api.example.com", "10.0.0.5:8080"]
    );
    config.validate().expect("the entries are hosts");
    config.apps[0].business_hosts.push("http://x/y".into());
    assert!(matches!(
        config.validate(),
        Err(ConfigError::BadBusinessHost { .. })
    ));
}

#[test]
fn sfu_workers_and_the_media_connect_timeout_are_checked() {
    let toml = "sfu-workers = 4\nmedia-connect-timeout-ms = 5000\n";
    let mut config: Config = toml::from_str(toml).expect("the TOML parses");
    config.validate().expect("4 workers, 5 s");
    config.sfu_workers = 65;
    assert!(matches!(
        config.validate(),
        Err(ConfigError::TooMany("sfu-workers", 64))
    ));
    config.sfu_workers = 0;
    config.media_connect_timeout_ms = 0;
    assert!(matches!(
        config.validate(),
        Err(ConfigError::Zero("media-connect-timeout-ms"))
    ));
}

#[test]
fn openapi_keys_name_configured_apps_only() {
    let toml = r#"
        [[apps]]
        id = "0123456789abcdef01234567"
        key = "k"
        [[openapi-keys]]
        access-key = "AK"
        secret-key = "SK"
        apps = ["0123456789abcdef01234567"]
    "#;
    let mut config: Config = toml::from_str(toml).expect("the TOML parses");
    config.validate().expect("the key names a configured app");
    config.openapi_keys[0].apps = Some(vec!["nosuchapp000000000000000".into()]);
    assert!(matches!(
        config.validate(),
        Err(ConfigError::UnknownKeyApp { .. })
    ));
}

#[test]
fn the_record_directory_is_read_from_toml() {
    let config: Config = toml::from_str(r#"record-dir = "/srv/rec""#).expect("parses");
    assert_eq!(config.record_dir, Some(PathBuf::from("/srv/rec")));
    let toml = r#"
        [record-s3]
        url = "http://127.0.0.1:9000/rec"
        access-key = "a"
        secret-key = "s"
    "#;
    let config: Config = toml::from_str(toml).expect("parses");
    let s3 = config.record_s3.expect("a bucket");
    assert_eq!(
        (s3.url.as_str(), s3.region.as_str()),
        ("http://127.0.0.1:9000/rec", "us-east-1")
    );
}

#[test]
fn rate_limits_are_read_and_must_not_be_zero() {
    let toml = r#"
        message-rate = 1000
        message-burst = 2000
        state-change-rate = 5
        state-change-burst = 10
    "#;
    let mut config: Config = toml::from_str(toml).expect("the TOML parses");
    assert_eq!(
        config.message_limit(),
        Rate {
            per_sec: 1000,
            burst: 2000
        }
    );
    assert_eq!(
        config.state_change_limit(),
        Rate {
            per_sec: 5,
            burst: 10
        }
    );
    config.validate().expect("non-zero limits");
    config.state_change_burst = 0;
    assert!(matches!(
        config.validate(),
        Err(ConfigError::Zero("state-change-burst"))
    ));
}

#[test]
fn turn_servers_need_urls_and_a_secret() {
    let toml = r#"
        turn = ["turn:10.0.0.3:3478?transport=udp", "turns:turn.example.com:443?transport=tcp"]
        turn-secret = "shared"
        turn-ttl-secs = 600
    "#;
    let mut config: Config = toml::from_str(toml).expect("the TOML parses");
    config.validate().expect("TURN URLs and a secret");
    let servers = config.turn_servers().expect("TURN is configured");
    let server = servers.ice_server("alice", 0, 1_000);
    assert_eq!(server.urls, config.turn);
    assert_eq!(server.username, "1600:alice");
    config.turn.push("http://turn.example.com".into());
    assert!(matches!(config.validate(), Err(ConfigError::BadTurnUrl(_))));
    config.turn.pop();
    config.turn_secret = None;
    assert!(matches!(
        config.validate(),
        Err(ConfigError::TurnWithoutSecret)
    ));
    config.turn_secret = Some(String::new());
    assert!(matches!(
        config.validate(),
        Err(ConfigError::EmptyTurnSecret)
    ));
    assert!(Config::default().turn_servers().is_none());
}

#[test]
fn an_apps_webhook_is_checked_like_the_servers() {
    let mut config = Config {
        apps: vec![AppCredentials {
            id: "0123456789abcdef01234567".into(),
            key: "k".into(),
            webhook_url: Some("ftp://x/".into()),
            ..AppCredentials::default()
        }],
        ..Config::default()
    };
    assert!(matches!(
        config.validate(),
        Err(ConfigError::BadWebhookUrl(_))
    ));
    config.apps[0].webhook_url = Some("https://hooks.example.com/".into());
    config.apps[0].webhook_secret = Some(String::new());
    assert!(matches!(
        config.validate(),
        Err(ConfigError::EmptyWebhookSecret)
    ));
}
