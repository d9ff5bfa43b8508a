//! The Dedicated Schools Grant: block balances by year, block transfers, and deficit management plans.

pub mod api;
pub mod model;
pub mod repo;
pub mod service;
pub mod snapshot;
pub mod view;
