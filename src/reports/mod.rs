//! Reports drawn from the tracker for Cabinet, scrutiny and the PMO.

pub mod at_risk;
pub mod changes;
pub mod reconciliation;
pub mod summary;
