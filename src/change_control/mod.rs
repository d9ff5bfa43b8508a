//! Change control (issue 16): changes to approved lines proposed in change sets and approved, under a
//! decision, by an approver who is not the proposer. Above `lines` and `budget`.

pub mod api;
pub mod model;
pub mod repo;
pub mod service;
pub mod snapshot;
