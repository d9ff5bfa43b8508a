//! What every endpoint shares: extractors whose errors are problem+json, bodies read within limits, and the
//! fallback handlers.

pub mod body;
pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod path_text;
pub mod preconditions;

pub use extract::{AsAtParams, JsonBody, QueryParams};
pub use preconditions::{check_version, if_match, versioned};
