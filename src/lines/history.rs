//! Lines as they stood at an instant, rebuilt from the audit trail, with the same filters, order, paging and
//! totals as the live queries in `repo` (a test holds the two to the same answers).

use time::OffsetDateTime;

use super::model::Line;
use super::repo::{Cursor, LineFilter};
use crate::audit::{self, Entity};
use crate::db::{self, DbConnection};
use crate::domain::summary::AmountSum;
use crate::domain::{LineRef, LineStatus};
use crate::error::ApiError;

/// Every line that existed at `at`, as it was then, in ref order.
pub fn lines_at(conn: &mut DbConnection, at: OffsetDateTime) -> Result<Vec<Line>, ApiError> {
    let mut lines: Vec<Line> = audit::states_at(conn, Entity::Line, db::time::stored(at))?;
    lines.sort_by(|a, b| a.line_ref.cmp(&b.line_ref));
    Ok(lines)
}

/// One line as it stood at `at`, from its own events alone.
pub fn line_at(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    at: OffsetDateTime,
) -> Result<Line, ApiError> {
    audit::state_at(
        conn,
        Entity::Line,
        &line_ref.to_string(),
        db::time::stored(at),
    )?
    .ok_or_else(|| ApiError::NotFound(format!("there was no line {line_ref} at {at}")))
}

impl LineFilter {
    /// The live query's conditions, for a line in hand.
    pub fn matches(&self, line: &Line) -> bool {
        let text_matches = |text: &str| {
            let needle = text.to_lowercase();
            [
                Some(line.line_ref.to_string()),
                Some(line.title.clone()),
                line.owner.clone(),
            ]
            .into_iter()
            .flatten()
            .any(|field| field.to_lowercase().contains(&needle))
        };
        self.directorate
            .as_ref()
            .is_none_or(|d| &line.directorate == d)
            && self.kind.is_none_or(|kind| line.kind == kind)
            && self.status.is_none_or(|status| line.status == status)
            && self.year.is_none_or(|year| {
                line.years
                    .iter()
                    .any(|e| e.year == year && !e.amount.is_zero())
            })
            && self.text.as_deref().is_none_or(text_matches)
    }
}

/// One page of `lines` (in ref order) after `after`, as `repo::list` answers it.
pub fn page(
    lines: &[Line],
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: usize,
) -> Vec<Line> {
    lines
        .iter()
        .filter(|line| after.is_none_or(|after| &line.line_ref > after) && filter.matches(line))
        .take(limit)
        .cloned()
        .collect()
}

/// Sums by directorate, kind and year, as `repo::sums` answers them.
pub fn sums(lines: &[Line], filter: &LineFilter, include_withdrawn: bool) -> Vec<AmountSum> {
    lines
        .iter()
        .filter(|line| {
            filter.matches(line) && (include_withdrawn || line.status != LineStatus::Withdrawn)
        })
        .flat_map(|line| {
            line.years.iter().map(|entry| AmountSum {
                directorate: line.directorate.clone(),
                kind: line.kind,
                nature: line.nature,
                year: entry.year,
                amount: entry.amount,
            })
        })
        .collect()
}
