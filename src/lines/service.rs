//! Changes to lines: each one validated in full and written in one transaction, or not at all.

use super::model::{CreateLine, Line, LinePatch};
use super::repo;
use crate::db::{write_transaction, DbConnection};
use crate::domain::{FinancialYear, LineRef, Money, YearAmount};
use crate::error::ApiError;

/// How often a create with an assigned ref is retried when another request took the same number first
/// (possible on PostgreSQL, where two transactions can read the same highest number).
const REF_ASSIGNMENT_ATTEMPTS: usize = 5;

pub fn create(conn: &mut DbConnection, request: CreateLine) -> Result<Line, ApiError> {
    let new = request.validate().map_err(ApiError::Validation)?;
    let mut attempt = 1;
    loop {
        let created = write_transaction(conn, |conn| {
            let line_ref = repo::insert(conn, &new)?;
            repo::find(conn, &line_ref)
        });
        match created {
            Err(ApiError::Conflict(_))
                if new.line_ref.is_none() && attempt < REF_ASSIGNMENT_ATTEMPTS =>
            {
                attempt += 1
            }
            outcome => return outcome,
        }
    }
}

pub fn patch(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    patch: &LinePatch,
) -> Result<Line, ApiError> {
    write_transaction(conn, |conn| {
        let current = repo::find(conn, line_ref)?;
        let (fields, years) = patch.apply(&current).map_err(ApiError::Validation)?;
        if repo::update(conn, &current, &fields, years.as_deref())? {
            repo::find(conn, line_ref)
        } else {
            Ok(current)
        }
    })
}

/// Sets one year's amount, adding the year to the profile when it is not there yet.
pub fn set_year(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    year: FinancialYear,
    amount: Money,
) -> Result<Line, ApiError> {
    if amount.is_negative() {
        return Err(ApiError::field("amount", "amounts are magnitudes and cannot be negative: the line's kind says whether it is a saving or growth"));
    }
    change_profile(conn, line_ref, |years| {
        years.retain(|entry| entry.year != year);
        years.push(YearAmount { year, amount });
        years.sort_by_key(|entry| entry.year);
        Ok(())
    })
}

/// Removes one year from the profile.
pub fn delete_year(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    year: FinancialYear,
) -> Result<Line, ApiError> {
    change_profile(conn, line_ref, |years| {
        let before = years.len();
        years.retain(|entry| entry.year != year);
        if years.len() == before {
            return Err(ApiError::NotFound(format!(
                "line {line_ref} has no amount for {year}"
            )));
        }
        Ok(())
    })
}

fn change_profile(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    change: impl FnOnce(&mut Vec<YearAmount>) -> Result<(), ApiError>,
) -> Result<Line, ApiError> {
    write_transaction(conn, |conn| {
        let current = repo::find(conn, line_ref)?;
        let mut years = current.years.clone();
        change(&mut years)?;
        let patch = LinePatch {
            years: Some(years),
            ..LinePatch::default()
        };
        let (fields, years) = patch.apply(&current).map_err(ApiError::Validation)?;
        if repo::update(conn, &current, &fields, years.as_deref())? {
            repo::find(conn, line_ref)
        } else {
            Ok(current)
        }
    })
}
