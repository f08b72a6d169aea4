//! An outgoing signalling frame: one serialised JSON text, shared by every session it goes to.
//!
//! Rooms and the login registry produce frames; sessions write them to their sockets. This
//! module depends on nothing but std, so the control plane never learns which transport
//! carries its output (a WebSocket, in `signal`).

use std::sync::Arc;

/// One serialised text frame. Cloning shares the text, so an event serialised once reaches
/// every recipient without a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame(Arc<str>);

impl Frame {
    /// Its size in bytes, as outboxes count it.
    pub(crate) fn byte_len(&self) -> usize {
        self.0.len()
    }
}

impl From<String> for Frame {
    fn from(text: String) -> Self {
        Frame(text.into())
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}
