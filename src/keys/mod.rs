//! API keys as a resource: created, listed and revoked by admins (or at the command line), each change in the
//! audit trail. Checking a presented token is `auth`'s work, below this.

pub mod api;
pub mod model;
pub mod repo;
pub mod service;
pub mod snapshot;
