//! Subscribe fallback: how a subscriber asks the SFU to lower (and later restore) what it
//! receives when its downlink cannot carry it, whose video is kept longest, and the event
//! that tells it each step.
//!
//! Pure data, like the rest of the contract; the SFU decides, from its bandwidth estimate of
//! the subscriber's path.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::macros::contract_enum;

contract_enum! {
    /// `setSubscribeFallbackOption`: what the SFU may do when a subscriber's downlink is too
    /// narrow for what it subscribed to.
    pub enum SubscribeFallbackOption as "SubscribeFallbackOption": u8 {
        /// No fallback: the chosen layers are sent whatever the estimate (the default).
        Disable("DISABLE") = 0,
        /// Lower simulcast layers, down to the lowest.
        VideoStreamLow("VIDEO_STREAM_LOW") = 1,
        /// Lower simulcast layers, then stop video and keep audio.
        AudioOnly("AUDIO_ONLY") = 2,
    }
}

contract_enum! {
    /// `setRemoteUserPriority`: whose video a subscriber keeps longest under fallback. Lower
    /// priority users are cut first.
    pub enum RemoteUserPriority as "RemoteUserPriority": u8 {
        /// Low (the default).
        Low("LOW") = 0,
        /// Medium.
        Medium("MEDIUM") = 100,
        /// High.
        High("HIGH") = 200,
    }
}

contract_enum! {
    /// Why a subscribed stream fell back or recovered.
    pub enum FallbackOrRecoverReason as "FallbackOrRecoverReason": i8 {
        /// Not for bandwidth (Chorus does not raise it).
        Unknown("Unknown") = -1,
        /// The downlink estimate fell under what the stream needed.
        SubscribeFallbackByBandwidth("SubscribeFallbackByBandwidth") = 0,
        /// The downlink estimate recovered.
        SubscribeRecoverByBandwidth("SubscribeRecoverByBandwidth") = 2,
    }
}

/// `setSubscribeFallbackOption`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FallbackOptionParams {
    /// The option.
    pub option: SubscribeFallbackOption,
}

/// `setRemoteUserPriority`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserPriorityParams {
    /// The remote user.
    pub user_id: String,
    /// Their priority.
    pub priority: RemoteUserPriority,
}

/// `onSimulcastSubscribeFallback`: one step of fallback or recovery of a subscribed video.
/// Layer indices count from 0 for the highest layer the publisher sends (the vendor's
/// "video index"), so a drop from the top of three layers to the bottom is 0 -> 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteStreamSwitch {
    /// The publisher.
    pub user_id: String,
    /// Whether it is the screen stream.
    pub is_screen: bool,
    /// The layer before the step.
    pub before_video_index: u8,
    /// The layer after the step.
    pub after_video_index: u8,
    /// Whether video flowed before the step.
    pub before_enable: bool,
    /// Whether video flows after the step (false: audio only).
    pub after_enable: bool,
    /// Why.
    pub reason: FallbackOrRecoverReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enums_travel_as_the_vendors_numbers() {
        let json = serde_json::to_string(&FallbackOptionParams {
            option: SubscribeFallbackOption::AudioOnly,
        })
        .expect("serializes");
        assert_eq!(json, r#"{"option":2}"#);
        let p: UserPriorityParams =
            serde_json::from_str(r#"{"userId":"a","priority":200}"#).expect("parses");
        assert_eq!(p.priority, RemoteUserPriority::High);
        assert!(
            serde_json::from_str::<UserPriorityParams>(r#"{"userId":"a","priority":7}"#).is_err()
        );
        let reason = serde_json::to_string(&FallbackOrRecoverReason::SubscribeRecoverByBandwidth)
            .expect("serializes");
        assert_eq!(reason, "2");
    }
}
