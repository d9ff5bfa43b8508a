//! The directory of people (issue 19): who owns a delivery plan's actions and holds keys, with the spellings
//! the papers use for them.

pub mod api;
pub mod editor;
pub mod model;
pub mod repo;
pub mod resolve;
pub mod rules;
pub mod service;
pub mod snapshot;
