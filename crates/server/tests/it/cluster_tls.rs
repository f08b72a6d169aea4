//! A cluster whose nodes serve HTTPS, and whose Redis speaks TLS alone (`rediss://`), with
//! certificates of a private CA, given to each node with `ca-file` and `redis-ca-file`: the
//! nodes join the cluster over TLS, and a join through the node that does not run the room is
//! relayed over TLS (trusting that CA, as the server's other outbound calls do).

use chorus_proto::{Event, RoomConfig};
use chorus_sdk::{EngineConfig, create_engine};
use chorus_testkit::{TestCa, temp_dir};

use crate::cluster_redis::Redis;
use crate::common::*;

/// A metric of `node`, from its plain-HTTP metrics listener.
async fn metric(node: &TestServer, name: &str) -> Option<f64> {
    let addr = node.server.metrics_addr().expect("a metrics listener");
    chorus_testkit::metric(&format!("http://{addr}"), name).await
}

#[tokio::test]
async fn nodes_on_a_private_ca_relay_to_each_other_over_tls() {
    let ca = TestCa::new("Cluster CA");
    let dir = temp_dir("cluster-tls");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let files = ca.issue_into(&["127.0.0.1", "localhost"], &dir);
    let redis = Redis::start_tls(files.clone()).await;
    assert!(redis.url().starts_with("rediss://"));
    // Without the CA, the Redis's certificate is refused and the node does not start.
    let mut untrusting = chorus_testkit::config();
    untrusting.redis = Some(redis.url());
    let refused = chorus_server::start(untrusting).await.err();
    assert!(
        refused
            .as_ref()
            .is_some_and(|e| e.to_string().contains("certificate")),
        "a node that does not trust the Redis's CA starts: {refused:?}"
    );
    let mut nodes = Vec::new();
    for name in ["a", "b"] {
        let (url, ca_file, files) = (redis.url(), ca_file.clone(), files.clone());
        nodes.push(
            TestServer::with(move |config| {
                config.redis = Some(url);
                config.node_id = Some(name.to_owned());
                config.tls_cert = Some(files.cert);
                config.tls_key = Some(files.key);
                config.redis_ca_file = Some(ca_file.clone());
                config.ca_file = Some(ca_file);
                config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
            })
            .await,
        );
    }
    let mut users = Vec::new();
    for (node, user) in nodes.iter().zip(["alice", "bob"]) {
        assert!(node.url().starts_with("https://"));
        let mut config = EngineConfig::new(node.url());
        config.tls = Some(ca.client());
        let engine = create_engine(APP_ID, config);
        let events = engine.events();
        engine
            .join_room(
                Some(&token("tls", user)),
                "tls",
                user_info(user),
                RoomConfig::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("{user} joins: {e}"));
        users.push((engine, events));
    }
    wait_for(&mut users[0].1, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == "bob" => Some(()),
        _ => None,
    })
    .await;
    // One node runs the room; the other relays (over TLS) the client that reached it.
    let rooms = (
        metric(&nodes[0], "chorus_rooms").await,
        metric(&nodes[1], "chorus_rooms").await,
    );
    let other = match rooms {
        (Some(1.0), Some(0.0)) => &nodes[1],
        (Some(0.0), Some(1.0)) => &nodes[0],
        other => panic!("rooms per node: {other:?}"),
    };
    assert!(metric(other, "chorus_cluster_relayed").await >= Some(1.0));
}
