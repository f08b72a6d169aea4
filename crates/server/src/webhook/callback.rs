//! One callback, built once from a room's hook: the vendor's body (`EventType`, `EventData` as
//! a JSON string, `EventTime` in RFC 3339, `EventId`, `AppId`, `Version`, `Nonce`) and its
//! `Signature`. Pure: the time and the randomness come in as arguments.

use chorus_proto::openapi::{WEBHOOK_VERSION, WebhookCallback, WebhookEventData, WebhookEventType};
use chorus_sign::{WebhookFields, webhook_signature};

use crate::room::{Hook, HookEvent};

/// A callback ready to send (and to resend, byte for byte, on retries).
#[derive(Debug, Clone)]
pub(super) struct Callback {
    pub(super) event_type: WebhookEventType,
    pub(super) event_id: String,
    /// The JSON body.
    pub(super) body: Vec<u8>,
}

/// The vendor's name and `EventData` for `hook`.
fn describe(event: &HookEvent) -> (WebhookEventType, WebhookEventData) {
    let mut data = WebhookEventData {
        app_id: event.key.app_id.to_string(),
        room_id: event.key.room_id.to_string(),
        user_id: None,
        stream_index: None,
        media_type: None,
        reason: None,
        timestamp: event.at,
    };
    let kind = match &event.hook {
        Hook::RoomCreate => WebhookEventType::RoomCreate,
        Hook::RoomDestroy => WebhookEventType::RoomDestroy,
        Hook::UserJoin { user, visible } => {
            data.user_id = Some(user.clone());
            if *visible {
                WebhookEventType::UserJoinRoom
            } else {
                WebhookEventType::InvisibleUserJoinRoom
            }
        }
        Hook::UserLeave {
            user,
            visible,
            reason,
        } => {
            data.user_id = Some(user.clone());
            data.reason = Some(reason.value());
            if *visible {
                WebhookEventType::UserLeaveRoom
            } else {
                WebhookEventType::InvisibleUserLeaveRoom
            }
        }
        Hook::Visibility { user, visible } => {
            data.user_id = Some(user.clone());
            if *visible {
                WebhookEventType::RoleChangeInvisible2Visible
            } else {
                WebhookEventType::RoleChangeVisible2Invisible
            }
        }
        Hook::Publish { user, index, media } => {
            data.user_id = Some(user.clone());
            data.stream_index = Some(*index);
            data.media_type = Some(*media);
            WebhookEventType::UserPublishStream
        }
        Hook::Unpublish {
            user,
            index,
            media,
            reason,
        } => {
            data.user_id = Some(user.clone());
            data.stream_index = Some(*index);
            data.media_type = Some(*media);
            data.reason = Some(reason.value());
            WebhookEventType::UserUnpublishStream
        }
    };
    (kind, data)
}

/// Builds and signs the callback for `event` under `secret`.
pub(super) fn build(event: &HookEvent, event_id: String, nonce: String, secret: &str) -> Callback {
    let (event_type, data) = describe(event);
    // Plain data: serialising it cannot fail.
    let event_data = serde_json::to_string(&data).unwrap_or_default();
    let event_time = rfc3339(event.at);
    let app_id = event.key.app_id.to_string();
    let signature = webhook_signature(
        &WebhookFields {
            event_type: event_type.as_str(),
            event_data: &event_data,
            event_time: &event_time,
            event_id: &event_id,
            app_id: &app_id,
            version: WEBHOOK_VERSION,
            nonce: &nonce,
        },
        secret,
    );
    let callback = WebhookCallback {
        event_type: event_type.as_str().to_owned(),
        event_data,
        event_time,
        event_id: event_id.clone(),
        app_id,
        version: WEBHOOK_VERSION.to_owned(),
        nonce,
        signature,
    };
    Callback {
        event_type,
        event_id,
        body: serde_json::to_vec(&callback).unwrap_or_default(),
    }
}

/// `ms` (unix milliseconds) as RFC 3339 in UTC: `2024-01-02T03:04:05.678Z`.
pub(super) fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chorus_proto::{MediaType, StreamIndex, StreamRemoveReason};
    use chorus_sign::verify_webhook_signature;

    use super::*;
    use crate::room::RoomKey;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_704_164_645_678), "2024-01-02T03:04:05.678Z");
        // A leap day and the turn of a century that is a leap year.
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn a_callback_is_signed_over_what_it_carries() {
        let event = HookEvent {
            key: RoomKey {
                app_id: Arc::from("app"),
                room_id: Arc::from("room"),
            },
            at: 1_704_164_645_678,
            hook: Hook::Unpublish {
                user: "alice".into(),
                index: StreamIndex::Screen,
                media: MediaType::Video,
                reason: StreamRemoveReason::ClientDisconnected,
            },
        };
        let callback = build(&event, "id-1".into(), "1234".into(), "secret");
        assert_eq!(callback.event_type, WebhookEventType::UserUnpublishStream);
        let body: WebhookCallback = serde_json::from_slice(&callback.body).unwrap();
        assert_eq!(body.event_time, "2024-01-02T03:04:05.678Z");
        let data: serde_json::Value = serde_json::from_str(&body.event_data).unwrap();
        assert_eq!(
            data,
            serde_json::json!({"AppId": "app", "RoomId": "room", "UserId": "alice",
                "StreamIndex": 1, "MediaType": 2, "Reason": 3, "Timestamp": 1_704_164_645_678u64})
        );
        let fields = WebhookFields {
            event_type: &body.event_type,
            event_data: &body.event_data,
            event_time: &body.event_time,
            event_id: &body.event_id,
            app_id: &body.app_id,
            version: &body.version,
            nonce: &body.nonce,
        };
        assert!(verify_webhook_signature(&fields, "secret", &body.signature));
        assert!(!verify_webhook_signature(&fields, "other", &body.signature));
    }
}
