//! Delivery plans (issue 19): each line's actions with owners, due dates, progress and slippage; a printed
//! plan read in bulk.

pub mod api;
pub mod import;
pub mod model;
pub mod read;
pub mod repo;
pub mod service;
pub mod snapshot;
pub mod view;
