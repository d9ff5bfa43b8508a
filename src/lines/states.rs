//! Every state a line has had, with the interval it was current in (`line_states`, `line_state_years`), written
//! in the transaction of each line write, so a line or a page as at an instant is an indexed read like a live
//! one instead of a replay of the audit trail. A state is current from the line's `updated_at` (the instant its
//! event records) until the next state's.

use std::collections::HashMap;

use diesel::dsl::exists;
use diesel::prelude::*;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::model::Line;
use super::repo::{add_up, like_pattern, lower, Cursor, LineFilter, SavingInYear};
use super::stored::{self, StoredLine};
use crate::db::schema::{line_state_years, line_states};
use crate::db::{self, DbConnection, MultiBackend};
use crate::domain::summary::AmountSum;
use crate::domain::{
    DirectorateCode, FinancialYear, LineKind, LineNature, LineRef, LineStatus, Money, YearAmount,
};
use crate::insert_rows;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = line_states)]
// None as NULL, so that SQLite takes many rows in one INSERT (see `lines::repo::LineRow`).
#[diesel(treat_none_as_default_value = false)]
struct StateRow {
    line_ref: LineRef,
    version: i64,
    valid_from: PrimitiveDateTime,
    valid_to: Option<PrimitiveDateTime>,
    directorate: DirectorateCode,
    kind: LineKind,
    ref_number: i32,
    title: String,
    owner: Option<String>,
    description: String,
    status: LineStatus,
    nature: LineNature,
    withdrawal_reason: Option<String>,
    created_at: PrimitiveDateTime,
    updated_at: PrimitiveDateTime,
}

/// A new state's row with its JSON (`stored`).
#[derive(Insertable)]
#[diesel(table_name = line_states)]
// None as NULL, so that SQLite takes many rows in one INSERT (see `lines::repo::LineRow`).
#[diesel(treat_none_as_default_value = false)]
struct NewStateRow {
    #[diesel(embed)]
    row: StateRow,
    body: String,
    body_format: i32,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = line_state_years)]
struct StateYearRow {
    line_ref: LineRef,
    version: i64,
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    #[diesel(column_name = amount_pence)]
    amount: Money,
}

/// Rows per multi-row INSERT: well under both engines' limits on bound parameters at 15 columns a row.
const ROWS_PER_INSERT: usize = 1_000;

/// States whose profiles are read in one query: each is an `OR` term, and SQLite refuses an expression more
/// than 1,000 deep.
const STATES_PER_READ: usize = 200;

/// Records new lines' first states, current from their creation.
pub fn insert(conn: &mut DbConnection, lines: &[Line]) -> QueryResult<()> {
    let rows = lines
        .iter()
        .map(|line| {
            Ok(NewStateRow {
                row: state_row(line),
                body: stored::render(line)?,
                body_format: stored::FORMAT,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    let years: Vec<StateYearRow> = lines.iter().flat_map(year_rows).collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        insert_rows!(conn, line_states::table, chunk);
    }
    for chunk in years.chunks(ROWS_PER_INSERT) {
        insert_rows!(conn, line_state_years::table, chunk);
    }
    Ok(())
}

/// Records a line's new state: the current one ends, and `line` begins, at `line.updated_at`.
pub fn replace(conn: &mut DbConnection, line: &Line) -> QueryResult<()> {
    let at = db::time::stored(line.updated_at);
    diesel::update(
        line_states::table
            .filter(line_states::line_ref.eq(&line.line_ref))
            .filter(line_states::valid_to.is_null()),
    )
    .set(line_states::valid_to.eq(at))
    .execute(conn)?;
    insert(conn, std::slice::from_ref(line))
}

fn state_row(line: &Line) -> StateRow {
    StateRow {
        line_ref: line.line_ref.clone(),
        version: line.version,
        valid_from: db::time::stored(line.updated_at),
        valid_to: None,
        directorate: line.directorate.clone(),
        kind: line.kind,
        ref_number: i32::from(line.line_ref.number()),
        title: line.title.clone(),
        owner: line.owner.clone(),
        description: line.description.clone(),
        status: line.status,
        nature: line.nature,
        withdrawal_reason: line.withdrawal_reason.clone(),
        created_at: db::time::stored(line.created_at),
        updated_at: db::time::stored(line.updated_at),
    }
}

fn year_rows(line: &Line) -> impl Iterator<Item = StateYearRow> + '_ {
    line.years.iter().map(|entry| StateYearRow {
        line_ref: line.line_ref.clone(),
        version: line.version,
        year: entry.year,
        amount: entry.amount,
    })
}

/// The states current at `at` (boxed, so filters can be added).
macro_rules! current_at {
    ($at:expr) => {{
        let at: PrimitiveDateTime = $at;
        line_states::table
            .filter(line_states::valid_from.le(at))
            .filter(
                line_states::valid_to
                    .is_null()
                    .or(line_states::valid_to.gt(at)),
            )
            .into_boxed::<MultiBackend>()
    }};
}

/// Narrows a query over `line_states` to the states a filter covers, as `repo` does the live lines.
macro_rules! filter_states {
    ($query:expr, $filter:expr) => {{
        let filter: &LineFilter = $filter;
        let mut query = $query;
        if let Some(directorate) = &filter.directorate {
            query = query.filter(line_states::directorate.eq(directorate.clone()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(line_states::kind.eq(kind));
        }
        if let Some(status) = filter.status {
            query = query.filter(line_states::status.eq(status));
        }
        if let Some(year) = filter.year {
            let years = diesel::alias!(line_state_years as years_with_amount);
            query = query.filter(exists(
                years
                    .filter(
                        years
                            .field(line_state_years::line_ref)
                            .eq(line_states::line_ref),
                    )
                    .filter(
                        years
                            .field(line_state_years::version)
                            .eq(line_states::version),
                    )
                    .filter(years.field(line_state_years::year_start).eq(year))
                    .filter(years.field(line_state_years::amount_pence).ne(Money::ZERO)),
            ));
        }
        if let Some(text) = &filter.text {
            let pattern = like_pattern(text);
            query = query.filter(
                lower(line_states::line_ref)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(line_states::title).like(pattern.clone()).escape('\\'))
                    .or(lower(line_states::owner.assume_not_null())
                        .like(pattern)
                        .escape('\\')),
            );
        }
        query
    }};
}

/// One line as it stood at `at`; `None` when it did not exist yet.
pub fn find_at(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    at: OffsetDateTime,
) -> QueryResult<Option<Line>> {
    // The state and its profile in one query, as `repo::find` reads a line now.
    let at = db::time::stored(at);
    let rows: Vec<(StateRow, Option<StateYearRow>)> = line_states::table
        .left_join(
            line_state_years::table.on(line_state_years::line_ref
                .eq(line_states::line_ref)
                .and(line_state_years::version.eq(line_states::version))),
        )
        .filter(line_states::line_ref.eq(line_ref))
        .filter(line_states::valid_from.le(at))
        .filter(
            line_states::valid_to
                .is_null()
                .or(line_states::valid_to.gt(at)),
        )
        .order(line_state_years::year_start)
        .select((StateRow::as_select(), Option::<StateYearRow>::as_select()))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((row, first_year)) = rows.next() else {
        return Ok(None);
    };
    let years = first_year
        .into_iter()
        .chain(rows.filter_map(|(_, year)| year))
        .map(|year| YearAmount {
            year: year.year,
            amount: year.amount,
        })
        .collect();
    Ok(Some(line_of(row, years)))
}

/// One line's stored JSON as it stood at `at`; `None` when it did not exist yet or that state's JSON is not
/// in the current format (`find_at` then reads it decoded).
pub fn find_stored_at(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    at: OffsetDateTime,
) -> QueryResult<Option<StoredLine>> {
    let row: Option<stored::Columns> = current_at!(db::time::stored(at))
        .filter(line_states::line_ref.eq(line_ref))
        .select(STORED)
        .first(conn)
        .optional()?;
    Ok(row.and_then(StoredLine::from_columns))
}

/// What a read of stored states selects (`stored::Columns`).
const STORED: (
    line_states::line_ref,
    line_states::version,
    line_states::body_format,
    line_states::body,
) = (
    line_states::line_ref,
    line_states::version,
    line_states::body_format,
    line_states::body,
);

/// One page of lines as they stood at `at`, in ref order after `after`: `repo::list` as at an instant.
pub fn list_at(
    conn: &mut DbConnection,
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: i64,
    at: OffsetDateTime,
) -> QueryResult<Vec<Line>> {
    let rows: Vec<StateRow> = page_query(filter, after, limit, at)
        .select(StateRow::as_select())
        .load(conn)?;
    with_years(conn, rows)
}

/// The page `list_at` reads, as each state's stored JSON; `None` when a state of it has none in the current
/// format (`list_at` then reads it decoded).
pub fn list_stored_at(
    conn: &mut DbConnection,
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: i64,
    at: OffsetDateTime,
) -> QueryResult<Option<Vec<StoredLine>>> {
    let rows: Vec<stored::Columns> = page_query(filter, after, limit, at)
        .select(STORED)
        .load(conn)?;
    Ok(StoredLine::all(rows))
}

/// Writes the JSON of up to `limit` states after `after` (in key order) that have none in the current format;
/// the keys written, in order (none: none left).
pub fn refresh_bodies(
    conn: &mut DbConnection,
    after: Option<&(LineRef, i64)>,
    limit: i64,
) -> QueryResult<Vec<(LineRef, i64)>> {
    let mut query = line_states::table
        .filter(
            line_states::body_format
                .ne(stored::FORMAT)
                .or(line_states::body.is_null()),
        )
        .into_boxed::<MultiBackend>();
    if let Some((line_ref, version)) = after {
        query = query.filter(
            line_states::line_ref
                .gt(line_ref.clone())
                .or(line_states::line_ref
                    .eq(line_ref.clone())
                    .and(line_states::version.gt(*version))),
        );
    }
    let rows: Vec<StateRow> = query
        .order((line_states::line_ref, line_states::version))
        .limit(limit)
        .select(StateRow::as_select())
        .load(conn)?;
    let states = with_years(conn, rows)?;
    for state in &states {
        diesel::update(line_states::table.find((&state.line_ref, state.version)))
            .set((
                line_states::body.eq(stored::render(state)?),
                line_states::body_format.eq(stored::FORMAT),
            ))
            .execute(conn)?;
    }
    Ok(states
        .into_iter()
        .map(|state| (state.line_ref, state.version))
        .collect())
}

/// The query of a page as at `at` in order (its columns still to choose).
fn page_query(
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: i64,
    at: OffsetDateTime,
) -> line_states::BoxedQuery<'static, MultiBackend> {
    let mut query = filter_states!(current_at!(db::time::stored(at)), filter);
    if let Some(after) = after {
        let (directorate, kind, number) = (
            after.directorate().clone(),
            after.kind(),
            i32::from(after.number()),
        );
        query = query.filter(
            line_states::directorate
                .gt(directorate.clone())
                .or(line_states::directorate.eq(directorate).and(
                    line_states::kind.gt(kind).or(line_states::kind
                        .eq(kind)
                        .and(line_states::ref_number.gt(number))),
                )),
        );
    }
    query
        .order((
            line_states::directorate,
            line_states::kind,
            line_states::ref_number,
        ))
        .limit(limit)
}

/// Sums by directorate, kind and year over every line the filter covers as they stood at `at`: `repo::sums`
/// as at an instant (withdrawn lines only when asked for).
pub fn sums_at(
    conn: &mut DbConnection,
    filter: &LineFilter,
    include_withdrawn: bool,
    at: OffsetDateTime,
) -> QueryResult<Vec<AmountSum>> {
    let at = db::time::stored(at);
    let mut query = filter_states!(
        line_states::table
            .inner_join(
                line_state_years::table.on(line_state_years::line_ref
                    .eq(line_states::line_ref)
                    .and(line_state_years::version.eq(line_states::version))),
            )
            .filter(line_states::valid_from.le(at))
            .filter(
                line_states::valid_to
                    .is_null()
                    .or(line_states::valid_to.gt(at)),
            )
            .into_boxed::<MultiBackend>(),
        filter
    );
    if !include_withdrawn {
        query = query.filter(line_states::status.ne(LineStatus::Withdrawn));
    }
    let rows: Vec<(DirectorateCode, LineKind, LineNature, FinancialYear, Money)> = query
        .select((
            line_states::directorate,
            line_states::kind,
            line_states::nature,
            line_state_years::year_start,
            line_state_years::amount_pence,
        ))
        .load(conn)?;
    Ok(add_up(rows))
}

/// Every saving (of one directorate, or all) with its amount in `year`, as they stood at `at`:
/// `repo::savings_in_year` as at an instant, in one query.
pub fn savings_in_year_at(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    year: FinancialYear,
    at: OffsetDateTime,
) -> QueryResult<Vec<SavingInYear>> {
    let in_year = line_state_years::table.on(line_state_years::line_ref
        .eq(line_states::line_ref)
        .and(line_state_years::version.eq(line_states::version))
        .and(line_state_years::year_start.eq(year)));
    let at = db::time::stored(at);
    let mut query = line_states::table
        .left_join(in_year)
        .filter(line_states::kind.eq(LineKind::Saving))
        .filter(line_states::valid_from.le(at))
        .filter(
            line_states::valid_to
                .is_null()
                .or(line_states::valid_to.gt(at)),
        )
        .into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(line_states::directorate.eq(directorate.clone()));
    }
    let rows: Vec<(LineRef, DirectorateCode, String, LineStatus, Option<Money>)> = query
        .order((line_states::directorate, line_states::ref_number))
        .select((
            line_states::line_ref,
            line_states::directorate,
            line_states::title,
            line_states::status,
            line_state_years::amount_pence.nullable(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(SavingInYear::from_row).collect())
}

/// Attaches each state's profile, read a chunk of states at a time.
fn with_years(conn: &mut DbConnection, rows: Vec<StateRow>) -> QueryResult<Vec<Line>> {
    let mut profiles: HashMap<(LineRef, i64), Vec<YearAmount>> = HashMap::new();
    for chunk in rows.chunks(STATES_PER_READ) {
        let mut query = line_state_years::table.into_boxed::<MultiBackend>();
        for row in chunk {
            query = query.or_filter(
                line_state_years::line_ref
                    .eq(row.line_ref.clone())
                    .and(line_state_years::version.eq(row.version)),
            );
        }
        let years: Vec<StateYearRow> = query
            .order((line_state_years::line_ref, line_state_years::year_start))
            .select(StateYearRow::as_select())
            .load(conn)?;
        for year in years {
            profiles
                .entry((year.line_ref, year.version))
                .or_default()
                .push(YearAmount {
                    year: year.year,
                    amount: year.amount,
                });
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let years = profiles
                .remove(&(row.line_ref.clone(), row.version))
                .unwrap_or_default();
            line_of(row, years)
        })
        .collect())
}

fn line_of(row: StateRow, years: Vec<YearAmount>) -> Line {
    Line {
        line_ref: row.line_ref,
        kind: row.kind,
        directorate: row.directorate,
        title: row.title,
        owner: row.owner,
        description: row.description,
        status: row.status,
        nature: row.nature,
        withdrawal_reason: row.withdrawal_reason,
        total: years.iter().map(|entry| entry.amount).sum(),
        years,
        created_at: db::time::utc(row.created_at),
        updated_at: db::time::utc(row.updated_at),
        version: row.version,
    }
}
