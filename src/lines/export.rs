//! The lines list as a table file (CSV or XLSX): every line the filters cover, or one page when asked for with
//! `limit` or `cursor`. Read page by page in one read snapshot, so the file is one moment's figures however long
//! it takes; a first pass finds the year columns and the totals, a second writes a row per line, then the totals.

use super::listing::{self, ListQuery, PageLines, MAX_PAGE};
use super::model::Line;
use crate::audit;
use crate::db::{self, DbConnection};
use crate::domain::money::Unit;
use crate::domain::summary::YearSummary;
use crate::domain::{FinancialYear, LineKind, Money};
use crate::error::ApiError;
use crate::present::download::TableFile;
use crate::present::table::Cell;
use crate::present::TableFormat;

pub const TITLE: &str = "MTFS lines";

/// How much of the list a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// Every line the filters cover, from the query's cursor on.
    Whole,
    /// The query's page only.
    Page,
}

/// Writes the file on `conn`, in one read snapshot. `title` heads an XLSX sheet.
pub fn write(
    conn: &mut DbConnection,
    query: ListQuery,
    extent: Extent,
    format: TableFormat,
    unit: Unit,
    title: &str,
) -> Result<(std::fs::File, u64), ApiError> {
    let query = ListQuery {
        as_stored: false, // a table needs the lines decoded
        ..query
    };
    db::read_snapshot(conn, |conn| {
        let states_cover = match query.as_at {
            Some(at) => audit::states_cover(conn, db::time::stored(at))?,
            None => false,
        };
        let mut years = Vec::new();
        let mut totals = None;
        each_page(conn, &query, extent, states_cover, |lines, page_totals| {
            years.extend(lines.iter().flat_map(|l| l.years.iter().map(|e| e.year)));
            if let Some(page_totals) = page_totals {
                years.extend(page_totals.iter().map(|t| t.year));
                totals = Some(page_totals);
            }
            years.sort();
            years.dedup();
            Ok(())
        })?;
        let mut file = TableFile::begin(format, unit, title, &columns(&years))?;
        let rows_only = ListQuery {
            totals: false,
            ..query.clone()
        };
        each_page(conn, &rows_only, extent, states_cover, |lines, _| {
            lines
                .iter()
                .try_for_each(|line| file.row(&line_row(line, &years)))
        })?;
        for row in total_rows(totals.as_deref(), &years) {
            file.row(&row)?;
        }
        file.finish()
    })
}

/// Calls `visit` with each page's lines (and, on the first, the totals when the query asks for them).
fn each_page(
    conn: &mut DbConnection,
    query: &ListQuery,
    extent: Extent,
    states_cover: bool,
    mut visit: impl FnMut(&[Line], Option<Vec<YearSummary>>) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let mut page = ListQuery {
        limit: match extent {
            Extent::Whole => MAX_PAGE,
            Extent::Page => query.limit,
        },
        ..query.clone()
    };
    loop {
        let (lines, sums) = listing::load(conn, &page, states_cover)?;
        let listed = listing::assemble(&page, lines, sums)?;
        let PageLines::Decoded(lines) = &listed.lines else {
            return Err(ApiError::Internal(
                "a table's page came as stored JSON".to_owned(),
            ));
        };
        visit(lines, listed.totals)?;
        match (extent, listed.next_cursor) {
            (Extent::Whole, Some(next)) => {
                page.after = Some(next);
                page.totals = false;
            }
            _ => return Ok(()),
        }
    }
}

fn columns(years: &[FinancialYear]) -> Vec<String> {
    [
        "Ref",
        "Kind",
        "Directorate",
        "Title",
        "Owner",
        "Status",
        "Nature",
    ]
    .into_iter()
    .map(String::from)
    .chain(years.iter().map(ToString::to_string))
    .chain(["Total".to_owned()])
    .collect()
}

/// A line's row: savings negative (in brackets) as printed, a column per year, then its total.
fn line_row(line: &Line, years: &[FinancialYear]) -> Vec<Cell> {
    let signed = |amount: Money| {
        if line.kind == LineKind::Saving {
            -amount
        } else {
            amount
        }
    };
    let amounts = years.iter().map(|year| {
        Cell::from(
            line.years
                .iter()
                .find(|e| e.year == *year)
                .map(|e| signed(e.amount)),
        )
    });
    [
        Cell::from(line.line_ref.to_string()),
        Cell::from(line.kind.as_str()),
        Cell::from(line.directorate.to_string()),
        Cell::from(line.title.clone()),
        Cell::from(line.owner.clone()),
        Cell::from(line.status.as_str()),
        Cell::from(line.nature.as_str()),
    ]
    .into_iter()
    .chain(amounts)
    .chain([Cell::from(signed(line.total))])
    .collect()
}

/// A figure of the totals, by name.
type TotalMeasure = (&'static str, fn(&YearSummary) -> Money);

/// The totals' rows, when there are totals: efficiencies (negative), growth and net, a column per year.
fn total_rows(totals: Option<&[YearSummary]>, years: &[FinancialYear]) -> Vec<Vec<Cell>> {
    let measures: [TotalMeasure; 3] = [
        ("Total efficiencies", |t| -t.savings),
        ("Total growth", |t| t.growth),
        ("Net", |t| t.net),
    ];
    let Some(totals) = totals else {
        return Vec::new();
    };
    measures
        .into_iter()
        .map(|(label, measure)| {
            [Cell::from(label)]
                .into_iter()
                .chain(std::iter::repeat_n(Cell::Empty, 6))
                .chain(
                    years.iter().map(|year| {
                        Cell::from(totals.iter().find(|t| t.year == *year).map(measure))
                    }),
                )
                .chain([Cell::Empty])
                .collect()
        })
        .collect()
}
