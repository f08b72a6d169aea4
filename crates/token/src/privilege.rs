//! Privileges a token grants, with their wire numbers and CLI names.
//!
//! The wire numbers are part of the token format and must never change.

use std::fmt;
use std::str::FromStr;

/// A right granted by a token, each with its own expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum Privilege {
    /// Publish any stream. Granting it also grants the three `Publish*` privileges below.
    PublishStream = 0,
    /// Publish audio.
    PublishAudio = 1,
    /// Publish video.
    PublishVideo = 2,
    /// Publish data.
    PublishData = 3,
    /// Subscribe to other users' streams.
    SubscribeStream = 4,
}

impl Privilege {
    /// Every privilege, in ascending wire order.
    pub const ALL: [Privilege; 5] = [
        Privilege::PublishStream,
        Privilege::PublishAudio,
        Privilege::PublishVideo,
        Privilege::PublishData,
        Privilege::SubscribeStream,
    ];

    /// The privilege with this wire number, or `None` for a number this version does not know.
    pub fn from_u16(n: u16) -> Option<Privilege> {
        Self::ALL.into_iter().find(|p| p.as_u16() == n)
    }

    /// The wire number.
    pub fn as_u16(self) -> u16 {
        self as u16
    }

    /// The CLI name: `publish`, `publish-audio`, `publish-video`, `publish-data` or `subscribe`.
    pub fn name(self) -> &'static str {
        match self {
            Privilege::PublishStream => "publish",
            Privilege::PublishAudio => "publish-audio",
            Privilege::PublishVideo => "publish-video",
            Privilege::PublishData => "publish-data",
            Privilege::SubscribeStream => "subscribe",
        }
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A privilege name that [`Privilege::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown privilege {name:?}: use one of publish, publish-audio, publish-video, publish-data, subscribe"
)]
pub struct UnknownPrivilege {
    /// The name that was given.
    pub name: String,
}

impl FromStr for Privilege {
    type Err = UnknownPrivilege;

    /// Parses a CLI name as returned by [`Privilege::name`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownPrivilege { name: s.to_owned() })
    }
}
