//! The indices the router keeps its tables by: transports and sources. They live apart from
//! both tables so that transports and sources can name each other without importing each
//! other's modules. Depends on nothing.

/// Index of a transport in the router's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct TransportId(pub(super) u32);

/// Index of a source in the router's `Sources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct SourceId(pub(super) u32);
