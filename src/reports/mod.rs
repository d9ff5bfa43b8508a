//! Reports drawn from the tracker for Cabinet, scrutiny and the PMO.

pub mod summary;
