//! Who may import which rows, checked in one linear pass over the rows as read, before any planning or
//! database read: an editor's rows for directorates it may not change are refused at once, by row.

use std::collections::BTreeSet;

use super::limits::MAX_ROWS_NAMED;
use super::model::ImportRow;
use crate::auth::{Actor, Role};
use crate::domain::DirectorateCode;
use crate::error::ApiError;

/// Every row's directorate is one the key may change; otherwise 403 naming the first rows that are not
/// (and how many more). Rows without a readable directorate are left to planning, which names their problem.
pub fn require_rows_in_scope(actor: &Actor, rows: &[ImportRow]) -> Result<(), ApiError> {
    if actor.role == Role::Admin || actor.directorates.is_empty() {
        return Ok(());
    }
    let mut named = Vec::new();
    let mut outside = 0usize;
    let mut directorates = BTreeSet::new();
    for row in rows {
        let Some(Ok(code)) = row
            .cells
            .get("directorate")
            .filter(|text| !text.trim().is_empty())
            .map(|text| DirectorateCode::parse_lenient(text))
        else {
            continue;
        };
        if actor.directorates.contains(&code) {
            continue;
        }
        outside += 1;
        if named.len() < MAX_ROWS_NAMED {
            named.push(row.row.to_string());
            directorates.insert(code);
        }
    }
    if outside == 0 {
        return Ok(());
    }
    let codes: Vec<String> = directorates
        .iter()
        .map(|code: &DirectorateCode| format!("{code}'s"))
        .collect();
    let more = match outside - named.len() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Err(ApiError::Forbidden(format!(
        "key {} may not change {} figures: rows {}{more}",
        actor.name,
        codes.join(" or "),
        named.join(", ")
    )))
}
