//! What every endpoint shares: extractors whose errors are problem+json, bodies read within limits, and the
//! fallback handlers.

pub mod authenticate;
pub mod body;
pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod metrics;
pub mod path_text;
pub mod paths;
pub mod preconditions;
pub mod request_id;

pub use extract::{AsAtParams, JsonBody, QueryParams};
pub use paths::{
    ActionPath, BaselineNamePath, BlockPath, ChangeSetPath, DecisionPath, DirectoratePath,
    EarlierPeriodPath, KeyNamePath, LinePath, MitigationPath, PeriodPath, PersonPath, PlanNamePath,
    YearPath,
};
pub use preconditions::{if_match, versioned};
