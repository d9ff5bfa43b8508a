//! The CFE 2021–24 demo dataset: the Children, Families & Education directorate's MTFS lines as approved in
//! February 2021, shipped with the service so that `mtfs load-demo` needs nothing outside the repository.

use serde::Deserialize;

use crate::auth::Actor;
use crate::db::{write_transaction, DbConnection};
use crate::directorates::{self, CreateDirectorate};
use crate::domain::LineStatus;
use crate::error::ApiError;
use crate::lines::model::CreateLine;
use crate::lines::repo::{self, LineFilter};
use crate::lines::service;

pub const CFE_2021_24: &str = include_str!("../data/demo/cfe-2021-24.json");

#[derive(Deserialize)]
struct Dataset {
    directorates: Vec<CreateDirectorate>,
    lines: Vec<CreateLine>,
}

/// What a load did.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    Lines(usize),
    AlreadyThere,
}

/// Loads the dataset as approved (`agreed`). Lines printed without a ref are given the next unused numbers
/// after every printed ref is in, so they never take a number the papers already use.
/// Refuses to load twice: the ref-less lines would otherwise be recorded again under new numbers.
/// All of it is one transaction, recorded in the audit trail as the work of `actor`.
pub fn load(conn: &mut DbConnection, actor: &Actor) -> Result<Loaded, ApiError> {
    write_transaction(conn, |conn| load_within(conn, actor))
}

fn load_within(conn: &mut DbConnection, actor: &Actor) -> Result<Loaded, ApiError> {
    let dataset: Dataset = serde_json::from_str(CFE_2021_24).map_err(|error| {
        ApiError::Internal(format!("the shipped demo data is unreadable: {error}"))
    })?;
    for directorate in &dataset.directorates {
        let filter = LineFilter {
            directorate: Some(directorate.code.clone()),
            ..LineFilter::default()
        };
        if directorates::repo::find(conn, &directorate.code).is_ok()
            && !repo::list(conn, &filter, None, 1)?.is_empty()
        {
            return Ok(Loaded::AlreadyThere);
        }
    }
    for directorate in &dataset.directorates {
        if directorates::repo::find(conn, &directorate.code).is_err() {
            directorates::repo::insert(conn, actor, directorate)?;
        }
    }
    let (printed, unprinted): (Vec<_>, Vec<_>) = dataset
        .lines
        .into_iter()
        .partition(|line| line.line_ref.is_some());
    let count = printed.len() + unprinted.len();
    for mut line in printed.into_iter().chain(unprinted) {
        line.status = Some(LineStatus::Agreed);
        service::create(conn, actor, line)?;
    }
    Ok(Loaded::Lines(count))
}
