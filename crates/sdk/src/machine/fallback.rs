//! The subscribe fallback settings the app made (`setSubscribeFallbackOption`,
//! `setRemoteUserPriority`). The server keeps them per connection, so the machine keeps them
//! too and sends them again on every new connection after a drop, ahead of the rejoin.

use std::collections::BTreeMap;

use chorus_proto::{
    FallbackOptionParams, RemoteUserPriority, Request, SubscribeFallbackOption, UserPriorityParams,
};

/// Most users a priority is kept for: what the server keeps for a connection.
pub(super) const MAX_PRIORITIES: usize = 256;

/// The settings made so far.
#[derive(Debug, Default)]
pub(super) struct FallbackSettings {
    option: Option<SubscribeFallbackOption>,
    priorities: BTreeMap<String, RemoteUserPriority>,
}

impl FallbackSettings {
    /// Records `request` if it is a fallback setting.
    pub(super) fn record(&mut self, request: &Request) {
        match request {
            Request::SetSubscribeFallbackOption(p) => self.option = Some(p.option),
            Request::SetRemoteUserPriority(p) => {
                let known = self.priorities.contains_key(&p.user_id);
                if known || self.priorities.len() < MAX_PRIORITIES {
                    self.priorities.insert(p.user_id.clone(), p.priority);
                }
            }
            _ => {}
        }
    }

    /// The requests that restore every setting on a new connection.
    pub(super) fn requests(&self) -> Vec<Request> {
        let option = self
            .option
            .map(|option| Request::SetSubscribeFallbackOption(FallbackOptionParams { option }));
        let priorities = self.priorities.iter().map(|(user_id, priority)| {
            Request::SetRemoteUserPriority(UserPriorityParams {
                user_id: user_id.clone(),
                priority: *priority,
            })
        });
        option.into_iter().chain(priorities).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_settings_are_restored_option_first() {
        let mut settings = FallbackSettings::default();
        assert!(settings.requests().is_empty());
        let priority = |user: &str, priority| {
            Request::SetRemoteUserPriority(UserPriorityParams {
                user_id: user.into(),
                priority,
            })
        };
        let option = |option| Request::SetSubscribeFallbackOption(FallbackOptionParams { option });
        settings.record(&priority("bob", RemoteUserPriority::High));
        settings.record(&option(SubscribeFallbackOption::AudioOnly));
        settings.record(&priority("bob", RemoteUserPriority::Medium));
        settings.record(&option(SubscribeFallbackOption::VideoStreamLow));
        assert_eq!(
            settings.requests(),
            [
                option(SubscribeFallbackOption::VideoStreamLow),
                priority("bob", RemoteUserPriority::Medium),
            ]
        );
        for i in 0..1000 {
            settings.record(&priority(&format!("u{i}"), RemoteUserPriority::Low));
        }
        assert_eq!(settings.requests().len(), 1 + MAX_PRIORITIES);
    }
}
