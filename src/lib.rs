//! The MTFS savings tracker: the single version of the truth for Medium-Term Financial Strategy savings and
//! growth lines, savings at risk and DSG balances, exact to the penny on SQLite and PostgreSQL.
//!
//! # The layer contract
//!
//! - **Handlers** (`<resource>/api.rs`) extract (role, path, query, body: in that order, so a refused key's body
//!   is never read), call one function, and present the answer. No SQL, no rules.
//! - **Services** (`<resource>/service.rs`, and the loaders of reports) own the rules, the audit events and the
//!   errors a client sees (`ApiError`); one change is one write transaction (`db::write`).
//! - **Repos** (`<resource>/repo.rs`) run SQL and return `diesel::QueryResult`: no rules, no audit, no HTTP.
//! - **Report builders** are pure functions from loaded data to a report, unit-tested without a database.
//! - **`domain`** is plain Rust: values that parse every printed form and refuse the rest, and the rules that
//!   need no storage (sums, versions, validation).
//!
//! Modules import downwards only, never in a circle: `domain` ← `error` ← `db` ← `auth` ← `state` ← `http` ←
//! `audit` ← `present`, `totals` ← the resources (`directorates`, `keys`, `lines`, `monitoring`, `dsg`,
//! `imports`, `reports`) ← `maintenance`, `openapi` ← `app` ← `startup`. `tests/architecture.rs` fails on a circle.

pub mod app;
pub mod audit;
pub mod auth;
pub mod budget;
pub mod change_control;
pub mod cli;
pub mod db;
pub mod demo;
pub mod directorates;
pub mod domain;
pub mod dsg;
pub mod error;
pub mod http;
pub mod imports;
pub mod keys;
pub mod lines;
pub mod logging;
pub mod maintenance;
pub mod metrics;
pub mod mitigations;
pub mod monitoring;
pub mod openapi;
pub mod ops;
pub mod outturn;
pub mod people;
pub mod plans;
pub mod present;
pub mod reports;
pub mod request_id;
pub mod returns;
pub mod startup;
pub mod state;
pub mod totals;
