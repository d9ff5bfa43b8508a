//! What every endpoint shares: extractors whose errors are problem+json, and the fallback handlers.

pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod preconditions;

pub use extract::{JsonBody, QueryParams};
pub use preconditions::if_match;
