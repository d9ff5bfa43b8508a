//! MTFS savings and growth lines: one folder, from the API down to the queries.

pub mod api;
pub mod export;
pub mod history;
pub mod listing;
pub mod model;
pub mod repo;
pub mod service;
pub mod states;
pub mod stored;
pub mod totals;
