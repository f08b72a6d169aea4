//! Bans across the cluster: each timed ban (BanRoomUser) is recorded in Redis under
//! `chorus:bans:<app>` (field: the room and user it covers; value: its end in unix ms) and
//! announced to every node, which applies it to the rooms it runs, so an app-wide user ban
//! reaches every node at once. A node that starts a room loads the app's recorded bans first,
//! so a ban outlasts its room and its node.

use serde::{Deserialize, Serialize};

use super::{Cluster, ClusterError, timed};
use crate::clock::now_ms;
use crate::room::{BanScope, Command, Directory};

/// What a ban covers, as recorded and announced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Covered {
    room: Option<String>,
    user: Option<String>,
}

impl Covered {
    fn new(room: Option<&str>, scope: &BanScope) -> Self {
        let user = match scope {
            BanScope::Room => None,
            BanScope::RoomUser(user) | BanScope::User(user) => Some(user.clone()),
        };
        Covered {
            room: room.map(str::to_owned),
            user,
        }
    }

    fn scope(&self) -> Option<BanScope> {
        match (&self.room, &self.user) {
            (Some(_), Some(user)) => Some(BanScope::RoomUser(user.clone())),
            (Some(_), None) => Some(BanScope::Room),
            (None, Some(user)) => Some(BanScope::User(user.clone())),
            (None, None) => None,
        }
    }
}

fn bans_key(app: &str) -> String {
    format!("chorus:bans:{app}")
}

/// Applies a ban (`until` Some) or lifts one (None) here: the directory records it and the
/// running rooms it concerns are told.
pub(super) async fn apply(directory: &Directory, app: &str, covered: &Covered, until: Option<u64>) {
    let Some(scope) = covered.scope() else {
        return;
    };
    let app_id = app.into();
    let room_id = covered.room.as_deref().map(Into::into);
    for handle in directory.ban(&app_id, room_id.as_ref(), scope.clone(), until) {
        let command = match until {
            Some(until) => Command::Ban {
                scope: scope.clone(),
                until,
            },
            None => Command::Lift {
                scope: scope.clone(),
            },
        };
        // A room that ended meanwhile has nobody to remove.
        let _ = handle.send(command).await;
    }
}

impl Cluster {
    /// Records a ban ending at `until` (unix ms), or lifts it (None), and tells every node.
    pub(crate) async fn record_ban(
        &self,
        app: &str,
        room: Option<&str>,
        scope: &BanScope,
        until: Option<u64>,
    ) -> Result<(), ClusterError> {
        let covered = Covered::new(room, scope);
        let field = serde_json::to_string(&covered).unwrap_or_default();
        let mut conn = self.conn();
        let write = match until {
            Some(until) => redis::cmd("HSET")
                .arg(bans_key(app))
                .arg(&field)
                .arg(until)
                .to_owned(),
            None => redis::cmd("HDEL").arg(bans_key(app)).arg(&field).to_owned(),
        };
        timed(write.query_async::<()>(&mut conn)).await?;
        self.announce_ban(app, covered, until).await
    }

    /// Seeds `directory` with `app`'s recorded bans that have not ended.
    pub(crate) async fn load_bans(
        &self,
        app: &str,
        directory: &Directory,
    ) -> Result<(), ClusterError> {
        let mut conn = self.conn();
        let recorded: Vec<(String, u64)> = timed(
            redis::cmd("HGETALL")
                .arg(bans_key(app))
                .query_async(&mut conn),
        )
        .await?;
        let now = now_ms();
        for (field, until) in recorded.into_iter().filter(|(_, until)| *until > now) {
            if let Ok(covered) = serde_json::from_str::<Covered>(&field) {
                apply(directory, app, &covered, Some(until)).await;
            }
        }
        Ok(())
    }
}
