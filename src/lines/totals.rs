//! Which sums of line amounts the kept totals (`crate::totals::lines`, written in every line write's
//! transaction) answer, so a summary reads those few rows instead of every amount.

use diesel::QueryResult;

use super::repo::LineFilter;
use crate::db::DbConnection;
use crate::domain::summary::AmountSum;

pub use crate::totals::lines::sums;

impl LineFilter {
    /// Whether the maintained totals answer this filter: they are kept by directorate and kind, not by status,
    /// year or text.
    pub fn has_kept_totals(&self) -> bool {
        self.status.is_none() && self.year.is_none() && self.text.is_none()
    }
}

/// The same sums as `repo::sums` for a filter with kept totals (see `LineFilter::has_kept_totals`).
pub fn sums_for(
    conn: &mut DbConnection,
    filter: &LineFilter,
    include_withdrawn: bool,
) -> QueryResult<Vec<AmountSum>> {
    debug_assert!(filter.has_kept_totals());
    let mut sums = sums(conn, filter.directorate.as_ref(), include_withdrawn)?;
    sums.retain(|sum| filter.kind.is_none_or(|kind| sum.kind == kind));
    Ok(sums)
}
