//! The audit trail: every write stores an event (when, which key, which entity, the state before and after,
//! and the reason) in the write's own transaction, chained by hash to the event before it (`chain`). Nothing
//! updates or deletes an event.

pub mod api;
pub mod chain;
pub mod entity;
pub mod model;
pub mod paging;
pub mod repo;
pub mod snapshot;

pub use entity::Entity;
pub use model::{Change, Event};
pub use repo::{record, record_many, seal_unchained, state_at, states_at, states_cover};
pub use snapshot::{Audited, Replayed, Snapshot};
