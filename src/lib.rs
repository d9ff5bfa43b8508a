//! The MTFS savings tracker: the single version of the truth for Medium-Term Financial Strategy savings and
//! growth lines, savings at risk and DSG balances, exact to the penny on SQLite and PostgreSQL.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod db;
pub mod demo;
pub mod directorates;
pub mod domain;
pub mod dsg;
pub mod error;
pub mod http;
pub mod imports;
pub mod lines;
pub mod monitoring;
pub mod openapi;
pub mod ops;
pub mod present;
pub mod reports;
pub mod startup;
