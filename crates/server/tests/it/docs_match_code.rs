//! The figures docs/protocol.md quotes are the ones the code uses: each is read from the
//! constant or default it describes and looked for, in its sentence, in the document. A
//! change to a limit or a default then fails here until the doc says the same.

use chorus_proto::openapi::MAX_BATCH_RECEIVERS;
use chorus_proto::{MAX_FRAME_BYTES, MAX_MESSAGE_BYTES, id_pattern};
use chorus_server::Config;

fn protocol_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/protocol.md");
    // Lines are joined so a phrase may wrap in the source.
    std::fs::read_to_string(path)
        .expect("docs/protocol.md is readable")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn says(doc: &str, phrase: &str) {
    assert!(
        doc.contains(phrase),
        "docs/protocol.md should say {phrase:?}"
    );
}

#[test]
fn protocol_md_quotes_the_limits_of_chorus_proto() {
    let doc = protocol_md();
    says(&doc, &format!("larger than {} KiB", MAX_FRAME_BYTES / 1024));
    says(
        &doc,
        &format!("the limit is {} KB", MAX_MESSAGE_BYTES / 1024),
    );
    says(&doc, &format!("a list of 1 to {MAX_BATCH_RECEIVERS} ids"));
    // The pattern as the doc writes it: without the anchors.
    let pattern = id_pattern();
    let unanchored = pattern.trim_start_matches('^').trim_end_matches('$');
    says(&doc, &format!("does not match `{unanchored}`"));
}

#[test]
fn protocol_md_quotes_the_server_defaults() {
    let doc = protocol_md();
    let d = Config::default();
    says(
        &doc,
        &format!(
            "grace period ago ({} s by default)",
            d.reconnect_grace_ms / 1000
        ),
    );
    says(
        &doc,
        &format!("pings every client every {} s", d.ping_interval_ms / 1000),
    );
    says(
        &doc,
        &format!("a client silent for {} s", d.idle_timeout_ms / 1000),
    );
    says(
        &doc,
        &format!("{} s before the room token expires", d.token_warn_secs),
    );
    says(&doc, &format!("`X-Date` within {} s", d.api_max_skew_secs));
    says(
        &doc,
        &format!(
            "At most {} are in flight at once",
            d.server_message_concurrency
        ),
    );
    says(
        &doc,
        &format!("no answer within {} s", d.server_message_timeout_ms / 1000),
    );
    says(
        &doc,
        &format!("answers HTTP 200 within {} s", d.webhook_timeout_ms / 1000),
    );
    says(
        &doc,
        &format!(
            "up to {} rooms (`webhook-concurrency`)",
            d.webhook_concurrency
        ),
    );
}

#[test]
fn protocol_md_quotes_the_connection_limits() {
    let doc = protocol_md();
    let d = Config::default();
    says(
        &doc,
        &format!(
            "{} s after connecting (`join-timeout-ms`)",
            d.join_timeout_ms / 1000
        ),
    );
    says(
        &doc,
        &format!(
            "no progress for {} s (`write-timeout-ms`)",
            d.write_timeout_ms / 1000
        ),
    );
    says(
        &doc,
        &format!(
            "at most {} TCP connections (`max-connections`)",
            thousands(d.max_connections)
        ),
    );
    says(
        &doc,
        &format!(
            "{} from one IPv4 address or IPv6 /64 (`max-connections-per-ip`",
            d.max_connections_per_ip
        ),
    );
    says(
        &doc,
        &format!(
            "{} s for a request's headers",
            d.header_read_timeout_ms / 1000
        ),
    );
    says(
        &doc,
        &format!(
            "unacknowledged for {} s (`tcp-user-timeout-ms`",
            d.tcp_user_timeout_ms / 1000
        ),
    );
}

#[test]
fn protocol_md_quotes_the_rate_limits() {
    let doc = protocol_md();
    let d = Config::default();
    says(
        &doc,
        &format!("{} a second on average (`message-rate`)", d.message_rate),
    );
    says(
        &doc,
        &format!("{} at once (`message-burst`)", d.message_burst),
    );
    says(
        &doc,
        &format!("{} a second (`state-change-rate`)", d.state_change_rate),
    );
    says(
        &doc,
        &format!("{} at once (`state-change-burst`)", d.state_change_burst),
    );
}

/// `n` with a comma between thousands, as the docs write numbers.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
