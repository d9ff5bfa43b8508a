//! Savings at risk: monitoring periods and each period's assessment of every saving.

pub mod api;
pub mod claims;
pub mod model;
pub mod repo;
pub mod service;
pub mod snapshot;
pub mod totals;
