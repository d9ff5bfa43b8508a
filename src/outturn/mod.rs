//! Year-end outturn (issue 17): once a year's P12 is closed, an approver records each approved saving's outturn
//! (delivered, slipped, unachieved, written off, replaced: adding up to its revised budget exactly), proposed from
//! its last assessment of the year; then the year is closed by a decision, and reopened only by another.

pub mod api;
pub mod model;
pub mod proposal;
pub mod repo;
pub mod service;
pub mod snapshot;
