//! What every endpoint shares: extractors whose errors are problem+json, and the fallback handlers.

pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod preconditions;

pub use extract::{AsAtParams, JsonBody, QueryParams};
pub use preconditions::{check_version, if_match, versioned};
