//! The lines list: a page of lines in ref order, and, when asked or when the kept totals answer them, the per-year
//! totals of every line the filters cover (not only the page), now or as the lines stood at an instant. Loaded
//! by the cheapest read that can answer, then assembled by a pure function.

use time::OffsetDateTime;

use super::model::Line;
use super::repo::{self, Cursor, LineFilter};
use super::stored::StoredLine;
use super::{history, states, totals};
use crate::audit;
use crate::db::{self, DbConnection, Pool};
use crate::domain::summary::{
    cumulative, cumulative_profile, AmountSum, SummaryTotals, View, YearSummary,
};
use crate::error::ApiError;

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

/// What a list asks for, read and checked.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub filter: LineFilter,
    /// The page starts after this line.
    pub after: Option<Cursor>,
    /// Lines per page, within `1..=MAX_PAGE`.
    pub limit: u32,
    /// Whether withdrawn lines count in the totals (they are always listed).
    pub include_withdrawn: bool,
    /// Whether the answer has the totals over every line the filters cover (see `totals_by_default`).
    pub totals: bool,
    pub as_at: Option<OffsetDateTime>,
    pub view: View,
    /// Whether the page may come as each line's stored JSON (`stored`): it is to be written as JSON, in pounds,
    /// in the incremental view, exactly as stored.
    pub as_stored: bool,
}

/// A page's lines: decoded, or as their stored JSON.
#[derive(Debug)]
pub enum PageLines {
    Decoded(Vec<Line>),
    Stored(Vec<StoredLine>),
}

impl PageLines {
    fn len(&self) -> usize {
        match self {
            PageLines::Decoded(lines) => lines.len(),
            PageLines::Stored(lines) => lines.len(),
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            PageLines::Decoded(lines) => lines.truncate(len),
            PageLines::Stored(lines) => lines.truncate(len),
        }
    }

    fn last_ref(&self) -> Result<Option<Cursor>, ApiError> {
        match self {
            PageLines::Decoded(lines) => Ok(lines.last().map(|line| line.line_ref.clone())),
            PageLines::Stored(lines) => lines
                .last()
                .map(|line| {
                    Cursor::parse(&line.line_ref).map_err(|error| {
                        ApiError::Internal(format!("a stored ref does not read: {error}"))
                    })
                })
                .transpose(),
        }
    }
}

/// A page of lines and the totals over every page.
#[derive(Debug)]
pub struct Listing {
    pub lines: PageLines,
    /// Per year: savings, growth and net, in the query's view; `None` when not asked for.
    pub totals: Option<Vec<YearSummary>>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

/// Whether a list without `totals=` has its totals: when the kept totals answer its filters (directorate and
/// kind only), a few rows; a status, year or text filter would add up every amount it covers, on every page.
pub fn totals_by_default(filter: &LineFilter) -> bool {
    filter.has_kept_totals()
}

/// Reads the page and, when asked, the totals: from the kept totals when the filters allow, else added up from
/// the lines; as at an instant, from the kept states (or, before they began, the lines replayed).
pub async fn list(pool: &Pool, query: ListQuery) -> Result<Listing, ApiError> {
    let loaded = match query.as_at {
        // A page and the kept totals are a few index reads; totals added up from every amount walk many rows
        // and take their turn.
        None if !query.totals || query.filter.has_kept_totals() => {
            db::read(pool, move |conn| {
                let loaded = load(conn, &query, false)?;
                Ok((query, loaded))
            })
            .await?
        }
        None => {
            db::scan(pool, move |conn| {
                let loaded = load(conn, &query, false)?;
                Ok((query, loaded))
            })
            .await?
        }
        Some(at) => {
            // From the kept states, a page and the kept totals' states are a few index reads; totals added up
            // from every line's state, or a replay from the trail, walk many rows and take their turn.
            let cover = db::read(pool, move |conn| {
                Ok(audit::states_cover(conn, db::time::stored(at))?)
            })
            .await?;
            let cheap = cover && (!query.totals || query.filter.has_kept_totals());
            let read = move |conn: &mut DbConnection| {
                let loaded = load(conn, &query, cover)?;
                Ok((query, loaded))
            };
            if cheap {
                db::read(pool, read).await?
            } else {
                db::scan(pool, read).await?
            }
        }
    };
    let (query, (lines, sums)) = loaded;
    assemble(&query, lines, sums)
}

/// A page of the query (with one line more, which tells whether there is a next page) and, when asked, the
/// sums over every line the filters cover, read on one connection. `states_cover`: for a query as at an
/// instant, whether the kept states cover it (`audit::states_cover`, asked by the caller once).
pub fn load(
    conn: &mut DbConnection,
    query: &ListQuery,
    states_cover: bool,
) -> Result<(PageLines, Option<Vec<AmountSum>>), ApiError> {
    let page_and_one = query.limit as usize + 1;
    let (filter, after, include_withdrawn) =
        (&query.filter, query.after.as_ref(), query.include_withdrawn);
    match query.as_at {
        None => {
            let page = page_now(conn, filter, after, page_and_one, query.as_stored)?;
            let sums = match (query.totals, filter.has_kept_totals()) {
                (false, _) => None,
                (true, true) => Some(totals::sums_for(conn, filter, include_withdrawn)?),
                (true, false) => Some(repo::sums(conn, filter, include_withdrawn)?),
            };
            Ok((page, sums))
        }
        Some(at) => {
            let page = page_at(
                conn,
                filter,
                after,
                page_and_one,
                at,
                query.as_stored && states_cover,
            )?;
            let sums = query
                .totals
                .then(|| history::sums_at(conn, filter, include_withdrawn, at))
                .transpose()?;
            Ok((page, sums))
        }
    }
}

/// A page now: as stored JSON when asked for and every line of it has it, else decoded.
fn page_now(
    conn: &mut DbConnection,
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: usize,
    as_stored: bool,
) -> Result<PageLines, ApiError> {
    if as_stored {
        if let Some(page) = repo::list_stored(conn, filter, after, limit as i64)? {
            return Ok(PageLines::Stored(page));
        }
    }
    Ok(PageLines::Decoded(repo::list(
        conn,
        filter,
        after,
        limit as i64,
    )?))
}

/// A page as at `at`, as `page_now` reads one now; `from_stored_states`: the kept states cover `at` (asked once
/// by `list`) and the page may come as their stored JSON.
fn page_at(
    conn: &mut DbConnection,
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: usize,
    at: OffsetDateTime,
    from_stored_states: bool,
) -> Result<PageLines, ApiError> {
    if from_stored_states {
        if let Some(page) = states::list_stored_at(conn, filter, after, limit as i64, at)? {
            return Ok(PageLines::Stored(page));
        }
    }
    Ok(PageLines::Decoded(history::page_at(
        conn, filter, after, limit, at,
    )?))
}

/// The page (at most `limit` of `lines`, which may hold one more), in the query's view, and the totals when
/// they were read.
pub fn assemble(
    query: &ListQuery,
    mut lines: PageLines,
    sums: Option<Vec<AmountSum>>,
) -> Result<Listing, ApiError> {
    let limit = query.limit as usize;
    let more = lines.len() > limit;
    lines.truncate(limit);
    let next_cursor = if more { lines.last_ref()? } else { None };
    if let (View::Cumulative, PageLines::Decoded(lines)) = (query.view, &mut lines) {
        for line in lines {
            line.years = cumulative_profile(&line.years, line.nature);
        }
    }
    let totals = sums.map(|sums| {
        let sums = match query.view {
            View::Incremental => sums,
            View::Cumulative => cumulative(&sums, None),
        };
        let mut totals = SummaryTotals::default();
        for sum in sums {
            totals.add(sum.kind, sum.year, sum.amount);
        }
        totals.all_rows()
    });
    Ok(Listing {
        lines,
        totals,
        next_cursor,
    })
}
