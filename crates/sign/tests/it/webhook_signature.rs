//! Webhook callbacks carry the vendor's sorted-concatenation SHA-256 signature.

use chorus_sign::{WebhookFields, verify_webhook_signature, webhook_signature};

const SECRET: &str = "webhook-secret";

fn fields() -> WebhookFields<'static> {
    WebhookFields {
        event_type: "RoomCreate",
        event_data: r#"{"RoomId":"room1","Timestamp":1704164645000}"#,
        event_time: "2024-01-02T03:04:05Z",
        event_id: "evt-0001",
        app_id: "661e7d9c2c7f1c0160a4b2e1",
        version: "2020-12-01",
        nonce: "a1b2",
    }
}

/// Computed independently: `sha256("".join(sorted([...fields, secret]))).hexdigest()`.
const EXPECTED: &str = "28e2f097ab550b0e503552e3f0b0481a1a2c1b8d445a83514db29df2524ae589";

#[test]
fn signature_matches_the_independent_answer() {
    assert_eq!(webhook_signature(&fields(), SECRET), EXPECTED);
}

#[test]
fn field_order_does_not_matter_but_values_do() {
    // Sorting makes the signature depend on the set of values, not on which field holds which.
    let f = fields();
    let swapped = WebhookFields {
        event_id: f.nonce,
        nonce: f.event_id,
        ..f
    };
    assert_eq!(webhook_signature(&swapped, SECRET), EXPECTED);
    let changed = WebhookFields {
        event_data: r#"{"RoomId":"room2"}"#,
        ..f
    };
    assert_ne!(webhook_signature(&changed, SECRET), EXPECTED);
}

#[test]
fn verify_accepts_the_signature_in_either_case() {
    assert!(verify_webhook_signature(&fields(), SECRET, EXPECTED));
    assert!(verify_webhook_signature(
        &fields(),
        SECRET,
        &EXPECTED.to_ascii_uppercase()
    ));
}

#[test]
fn verify_rejects_wrong_secret_tampering_and_garbage() {
    assert!(!verify_webhook_signature(
        &fields(),
        "other-secret",
        EXPECTED
    ));
    let tampered = WebhookFields {
        event_type: "RoomDestroy",
        ..fields()
    };
    assert!(!verify_webhook_signature(&tampered, SECRET, EXPECTED));
    for garbage in ["", "zz", &EXPECTED[..62], &format!("{EXPECTED}00"), "é"] {
        assert!(
            !verify_webhook_signature(&fields(), SECRET, garbage),
            "{garbage:?}"
        );
    }
}
