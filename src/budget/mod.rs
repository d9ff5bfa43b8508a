//! The approved budget (issue 16): decisions, and baselines set from the lines by a decision.

pub mod api;
pub mod comparison;
pub mod model;
pub mod repo;
pub mod service;
pub mod snapshot;
pub mod write_offs;
