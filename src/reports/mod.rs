//! Reports drawn from the tracker for Cabinet, scrutiny and the PMO. Each has one shape: its handler loads
//! plain data (repo and history calls, now or as at an instant), a pure `build` turns that data into the
//! report (no connection, no actix; unit-tested below each on the CFE figures), and `present` writes it.

pub mod at_risk;
#[cfg(test)]
mod cfe;
#[cfg(test)]
mod cfe_plan;
pub mod changes;
pub mod delivery;
pub mod delivery_plan;
pub mod overdue_actions;
pub mod reconciliation;
pub mod summary;
pub mod variance;
