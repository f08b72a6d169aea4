//! How requests reach the engine's task: the command channel's message ([`Command`]) and the
//! [`Caller`] the media side makes its requests with. A module of its own so that media and
//! the connection's shell both depend on it and not on each other; it must not depend on
//! `connection`, `engine` or `media`.

use std::future::Future;

use chorus_proto::{ErrorCode, Request, RtcError};
use tokio::sync::mpsc::{UnboundedSender, WeakUnboundedSender};
use tokio::sync::oneshot;

use crate::machine::Outcome;

/// How a caller waits for its answer.
pub(crate) type Waiter = oneshot::Sender<Outcome>;

/// What an engine handle asks its task.
#[derive(Debug)]
pub(crate) enum Command {
    /// A call, answered through the waiter.
    Call(Request, Waiter),
    /// Turn the cloud proxy on (`Some`) or off, unless in a room; answered with the error
    /// otherwise.
    CloudProxy(
        Option<crate::cloud_proxy::ProxyRoute>,
        oneshot::Sender<Result<(), RtcError>>,
    ),
    /// Leave, close and stop.
    Destroy,
}

/// Makes requests to the engine's task from inside the SDK (the media side), exactly as the
/// app's calls do, so they share the connection's order and its rules. Cheap to clone.
///
/// It holds the command channel weakly: the engine's task ends when the app's last handle is
/// gone, whatever the media side still holds.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    commands: WeakUnboundedSender<Command>,
}

impl Caller {
    pub(crate) fn new(commands: &UnboundedSender<Command>) -> Self {
        Caller {
            commands: commands.downgrade(),
        }
    }

    /// Queues `request` now, so requests leave in the order of these calls, and returns the
    /// wait for its answer.
    pub(crate) fn send(
        &self,
        request: Request,
    ) -> impl Future<Output = Outcome> + Send + 'static + use<> {
        let (waiter, answer) = oneshot::channel();
        let queued = self
            .commands
            .upgrade()
            .is_some_and(|commands| commands.send(Command::Call(request, waiter)).is_ok());
        async move {
            let gone = || {
                Err(RtcError::new(
                    ErrorCode::InvalidEngine,
                    "the engine was destroyed; create a new one",
                ))
            };
            if !queued {
                return gone();
            }
            // The task drops the waiter unanswered only when it has ended: destroyed.
            answer.await.unwrap_or_else(|_| gone())
        }
    }
}
