//! One-off mitigations (issue 17): an underspend, a grant or a reserve drawdown that covers part of a year's
//! shortfall, each with its amount, year, source, decision and who found it. Named as a substitute in an
//! assessment, within what other claims in that period leave of it.

pub mod api;
pub mod model;
pub mod repo;
pub mod service;
pub mod snapshot;
