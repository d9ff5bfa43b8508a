//! Reports drawn from the tracker for Cabinet, scrutiny and the PMO.

pub mod at_risk;
pub mod changes;
pub mod presentation;
pub mod reconciliation;
pub mod summary;
pub mod table;
