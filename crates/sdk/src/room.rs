//! The room this engine is in, as the engine remembers it: what it joined with (the latest
//! token, room, user, config), whether it is visible, what it publishes, and what the app asked
//! to receive ([`Reception`]). That is exactly what a reconnect needs to put the session back
//! as it was. Pure data; knows nothing of
//! connections or time.

use chorus_proto::{
    IceServer, JoinRoomParams, MediaParams, MediaType, Request, RoomConfig, StreamIndex,
};

use crate::reception::Reception;

/// Published media of one stream index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Published {
    audio: bool,
    video: bool,
}

impl Published {
    fn media(self) -> Option<MediaType> {
        MediaType::from_parts(self.audio, self.video)
    }

    fn add(&mut self, media: MediaType) {
        self.audio |= media.has_audio();
        self.video |= media.has_video();
    }

    fn remove(&mut self, media: MediaType) {
        self.audio &= !media.has_audio();
        self.video &= !media.has_video();
    }
}

/// What the media side needs to know of the room: which server session it is in, how it
/// joined, and what is published. A new `epoch` means a new session on the server (a join, or
/// a rejoin after a reconnect), whose media transports start from scratch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoomView {
    /// Numbers the server sessions of this engine; bumped by every join and rejoin.
    pub(crate) epoch: u64,
    /// The room config of the join.
    pub(crate) config: RoomConfig,
    /// What the main stream publishes.
    pub(crate) main: Option<MediaType>,
    /// What the screen stream publishes.
    pub(crate) screen: Option<MediaType>,
    /// The TURN servers the server named in its answer to this session's join.
    pub(crate) ice_servers: Vec<IceServer>,
}

/// A joined room.
#[derive(Debug, Clone)]
pub(crate) struct RoomSession {
    params: JoinRoomParams,
    visible: bool,
    main: Published,
    screen: Published,
    epoch: u64,
    ice_servers: Vec<IceServer>,
    reception: Reception,
}

impl RoomSession {
    /// The session a successful join with `params` started, the engine's `epoch`th; the
    /// server named `ice_servers` in its answer.
    pub(crate) fn joined(params: JoinRoomParams, epoch: u64, ice_servers: Vec<IceServer>) -> Self {
        let visible = params.visible.unwrap_or(true);
        RoomSession {
            params,
            visible,
            main: Published::default(),
            screen: Published::default(),
            epoch,
            ice_servers,
            reception: Reception::default(),
        }
    }

    /// What the app asked to receive in this room.
    pub(crate) fn reception(&mut self) -> &mut Reception {
        &mut self.reception
    }

    /// A rejoin after a reconnect made this a new server session, the engine's `epoch`th,
    /// with fresh TURN credentials.
    pub(crate) fn renew(&mut self, epoch: u64, ice_servers: Vec<IceServer>) {
        self.epoch = epoch;
        self.ice_servers = ice_servers;
    }

    /// The room as the media side sees it.
    pub(crate) fn view(&self) -> RoomView {
        RoomView {
            epoch: self.epoch,
            config: self.params.room_config.clone().unwrap_or_default(),
            main: self.main.media(),
            screen: self.screen.media(),
            ice_servers: self.ice_servers.clone(),
        }
    }

    /// The room's id.
    pub(crate) fn room_id(&self) -> &str {
        &self.params.room_id
    }

    /// The join that puts this session back after a reconnect: latest token, same room, user,
    /// config and visibility.
    pub(crate) fn rejoin_params(&self) -> JoinRoomParams {
        JoinRoomParams {
            visible: Some(self.visible),
            ..self.params.clone()
        }
    }

    /// A new token, accepted by the server (or to be used on the next rejoin).
    pub(crate) fn set_token(&mut self, token: String) {
        self.params.token = Some(token);
    }

    /// Visibility changed; going invisible ends every published stream (the server does so).
    pub(crate) fn set_visible(&mut self, visible: bool) {
        self.visible = visible;
        if !visible {
            self.main = Published::default();
            self.screen = Published::default();
        }
    }

    /// `media` is now published on `index`.
    pub(crate) fn publish(&mut self, index: StreamIndex, media: MediaType) {
        self.slot(index).add(media);
    }

    /// `media` is no longer published on `index`.
    pub(crate) fn unpublish(&mut self, index: StreamIndex, media: MediaType) {
        self.slot(index).remove(media);
    }

    /// The requests that publish again what is published now.
    pub(crate) fn republish_requests(&self) -> Vec<Request> {
        let mut out = Vec::new();
        if let Some(media_type) = self.main.media() {
            out.push(Request::PublishStream(MediaParams { media_type }));
        }
        if let Some(media_type) = self.screen.media() {
            out.push(Request::PublishScreen(MediaParams { media_type }));
        }
        out
    }

    fn slot(&mut self, index: StreamIndex) -> &mut Published {
        match index {
            StreamIndex::Main => &mut self.main,
            StreamIndex::Screen => &mut self.screen,
        }
    }
}

#[cfg(test)]
mod tests {
    use chorus_proto::UserInfo;

    use super::*;

    fn params() -> JoinRoomParams {
        JoinRoomParams {
            token: Some("t1".into()),
            room_id: "r".into(),
            user_info: UserInfo {
                user_id: "u".into(),
                extra_info: Some("x".into()),
            },
            room_config: None,
            visible: None,
        }
    }

    #[test]
    fn rejoin_carries_the_latest_token_and_visibility() {
        let mut room = RoomSession::joined(params(), 1, Vec::new());
        room.set_token("t2".into());
        room.set_visible(false);
        let again = room.rejoin_params();
        assert_eq!(again.token.as_deref(), Some("t2"));
        assert_eq!(again.visible, Some(false));
        assert_eq!(again.user_info.extra_info.as_deref(), Some("x"));
    }

    #[test]
    fn republishing_covers_what_is_published() {
        let mut room = RoomSession::joined(params(), 1, Vec::new());
        room.publish(StreamIndex::Main, MediaType::Audio);
        room.publish(StreamIndex::Main, MediaType::Video);
        room.publish(StreamIndex::Screen, MediaType::AudioAndVideo);
        room.unpublish(StreamIndex::Screen, MediaType::Audio);
        assert_eq!(
            room.republish_requests(),
            vec![
                Request::PublishStream(MediaParams {
                    media_type: MediaType::AudioAndVideo
                }),
                Request::PublishScreen(MediaParams {
                    media_type: MediaType::Video
                }),
            ]
        );
        room.set_visible(false);
        assert!(room.republish_requests().is_empty());
    }
}
