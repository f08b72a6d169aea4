//! Who holds a spanning room after its shard's link to the home failed: the home still
//! (a passing failure, or a death the registry has not noticed yet), another node (another
//! shard of the room won the claim, or a returning user's join placed the room anew), or
//! this node, which then claims the room in Redis and turns its shard into the room's home.
//! Reads and writes nothing but the room's claim (`placement`).

use super::super::{Cluster, ClusterError, Node};
use crate::room::RoomKey;

/// Where a room's home is now.
#[derive(Debug)]
pub(super) enum Succession {
    /// This node claimed the room: its shard is the home.
    Here,
    /// The live node that holds the claim.
    Home(Node),
    /// Redis could not say.
    Unknown(ClusterError),
}

/// The room's home now, claiming the room here when no live node holds it: of several
/// shards of a room whose home died, the first to ask wins (the claim is a compare-and-set
/// on the dead node's name), and the others find the winner here.
pub(super) async fn next_home(cluster: &Cluster, key: &RoomKey) -> Succession {
    match cluster.owner(key).await {
        Ok(Some(node)) if cluster.is_self(&node) => Succession::Here,
        Ok(Some(node)) => Succession::Home(node),
        Ok(None) => match cluster.claim_here(key).await {
            Ok(()) => Succession::Here,
            Err(ClusterError::Elsewhere(node)) => Succession::Home(node),
            Err(error) => Succession::Unknown(error),
        },
        Err(error) => Succession::Unknown(error),
    }
}

/// Whether `home` is still registered (None when Redis cannot say).
pub(super) async fn is_live(cluster: &Cluster, home: &Node) -> Option<bool> {
    cluster.node(&home.id).await.ok().map(|node| node.is_some())
}
