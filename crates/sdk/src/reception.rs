//! What the app asked to receive in the room: the streams it subscribed to itself
//! (`subscribe_stream` / `subscribe_screen`, with their media types), the simulcast layer it
//! chose per user (`set_remote_simulcast_stream_type`) and what it paused
//! (`pause_all_subscribed_stream`), so that a rejoin which could not resume asks for them
//! again. Pure data; the machine sends the requests.
//!
//! The server keeps a subscription while its publisher is away, but refuses one to a stream
//! not published (STREAM_NOT_EXIST), and after a rejoin as a new session the others come back
//! one by one. So the layers and the pause are asked for at once (the server keeps a choice
//! about someone not back yet, and a pause covers what is subscribed later), and each
//! subscription when its stream is published again. The Web SDK
//! (web/src/room/reception.ts) restores the same way.

use std::collections::BTreeMap;

use chorus_proto::{
    MediaParams, MediaType, Request, SimulcastParams, SimulcastStreamType, StreamIndex,
    SubscribeParams,
};

/// Subscribed media of one publisher: (audio, video) per stream index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Subscribed {
    main: (bool, bool),
    screen: (bool, bool),
}

impl Subscribed {
    fn slot(&mut self, index: StreamIndex) -> &mut (bool, bool) {
        match index {
            StreamIndex::Main => &mut self.main,
            StreamIndex::Screen => &mut self.screen,
        }
    }

    fn is_empty(self) -> bool {
        self == Subscribed::default()
    }
}

/// The app's own subscriptions and layer choices in one room.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reception {
    subscribed: BTreeMap<String, Subscribed>,
    layers: BTreeMap<String, SimulcastStreamType>,
    /// After a rejoin: subscriptions not asked for again yet.
    pending: BTreeMap<String, Subscribed>,
    /// What is paused: (audio, video).
    paused: (bool, bool),
}

/// Sets (`on`) or clears `media` of `user`'s stream `index` in `map`.
fn mark(
    map: &mut BTreeMap<String, Subscribed>,
    user: &str,
    index: StreamIndex,
    media: MediaType,
    on: bool,
) {
    let mut entry = map.get(user).copied().unwrap_or_default();
    let slot = entry.slot(index);
    if media.has_audio() {
        slot.0 = on;
    }
    if media.has_video() {
        slot.1 = on;
    }
    if entry.is_empty() {
        map.remove(user);
    } else {
        map.insert(user.to_owned(), entry);
    }
}

impl Reception {
    /// The app subscribed to (`on`) or unsubscribed from `media` of `user`'s stream `index`.
    pub(crate) fn subscription(
        &mut self,
        user: &str,
        index: StreamIndex,
        media: MediaType,
        on: bool,
    ) {
        mark(&mut self.subscribed, user, index, media, on);
        if !on {
            mark(&mut self.pending, user, index, media, false);
        }
    }

    /// The app chose `layer` of `user`'s video.
    pub(crate) fn layer(&mut self, user: &str, layer: SimulcastStreamType) {
        self.layers.insert(user.to_owned(), layer);
    }

    /// The app paused (`on`) or resumed what it receives of `media`.
    pub(crate) fn pause(&mut self, media: MediaType, on: bool) {
        if media.has_audio() {
            self.paused.0 = on;
        }
        if media.has_video() {
            self.paused.1 = on;
        }
    }

    /// The engine rejoined as a new session, which receives nothing yet: every subscription
    /// waits for its stream to be published again. The layer choices and the pause to ask
    /// for again now.
    pub(crate) fn rejoined(&mut self) -> Vec<Request> {
        self.pending = self.subscribed.clone();
        let layers = self.layers.iter().map(|(user_id, &stream_type)| {
            Request::SetRemoteSimulcastStreamType(SimulcastParams {
                user_id: user_id.clone(),
                stream_type,
            })
        });
        let paused = MediaType::from_parts(self.paused.0, self.paused.1)
            .map(|media_type| Request::PauseAllSubscribedStream(MediaParams { media_type }));
        layers.chain(paused).collect()
    }

    /// `user` published `media` on `index`: the subscription to make again, if any.
    pub(crate) fn published(
        &mut self,
        user: &str,
        index: StreamIndex,
        media: MediaType,
    ) -> Option<Request> {
        let mut entry = *self.pending.get(user)?;
        let (audio, video) = *entry.slot(index);
        let again = MediaType::from_parts(audio && media.has_audio(), video && media.has_video())?;
        mark(&mut self.pending, user, index, again, false);
        let params = SubscribeParams {
            user_id: user.to_owned(),
            media_type: again,
        };
        Some(match index {
            StreamIndex::Main => Request::SubscribeStream(params),
            StreamIndex::Screen => Request::SubscribeScreen(params),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_wait_for_their_stream_after_a_rejoin_and_layers_and_pauses_go_at_once() {
        let mut r = Reception::default();
        r.subscription("bob", StreamIndex::Main, MediaType::AudioAndVideo, true);
        r.subscription("bob", StreamIndex::Main, MediaType::Audio, false);
        r.subscription("carol", StreamIndex::Screen, MediaType::Video, true);
        r.layer("bob", SimulcastStreamType::Low);
        // Audio and video paused, then audio resumed: video stays paused.
        r.pause(MediaType::AudioAndVideo, true);
        r.pause(MediaType::Audio, false);
        // Nothing is pending before a rejoin.
        assert_eq!(
            r.published("bob", StreamIndex::Main, MediaType::AudioAndVideo),
            None
        );
        assert_eq!(
            r.rejoined(),
            [
                Request::SetRemoteSimulcastStreamType(SimulcastParams {
                    user_id: "bob".into(),
                    stream_type: SimulcastStreamType::Low,
                }),
                Request::PauseAllSubscribedStream(MediaParams {
                    media_type: MediaType::Video
                }),
            ]
        );
        // Bob's main audio was unsubscribed; his video comes back, and is asked for once.
        assert_eq!(
            r.published("bob", StreamIndex::Main, MediaType::Audio),
            None
        );
        assert_eq!(
            r.published("bob", StreamIndex::Main, MediaType::AudioAndVideo),
            Some(Request::SubscribeStream(SubscribeParams {
                user_id: "bob".into(),
                media_type: MediaType::Video,
            }))
        );
        assert_eq!(
            r.published("bob", StreamIndex::Main, MediaType::Video),
            None
        );
        // Carol's main stream was never subscribed; her screen, unsubscribed meanwhile, is not
        // asked for again.
        assert_eq!(
            r.published("carol", StreamIndex::Main, MediaType::Video),
            None
        );
        r.subscription("carol", StreamIndex::Screen, MediaType::Video, false);
        assert_eq!(
            r.published("carol", StreamIndex::Screen, MediaType::Video),
            None
        );
    }
}
