//! Queries for lines and their yearly amounts. Each function takes a connection, so it runs inside or
//! outside a transaction alike.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use diesel::dsl::{max, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use time::PrimitiveDateTime;

use super::model::{Line, LineFields, NewLine, PendingChange};
use super::stored::{self, StoredLine};
use crate::db::fixed_sql::{Bind, FixedSql};
use crate::db::schema::{
    baseline_lines, baselines, change_requests, change_set_absences, change_sets, line_years, lines,
};
use crate::db::{self, DbConnection, MultiBackend};
use crate::domain::summary::AmountSum;
use crate::domain::{
    DirectorateCode, FinancialYear, LineKind, LineNature, LineRef, LineStatus, Money, YearAmount,
};
use crate::insert_rows;

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lines)]
// A None is written as NULL, not DEFAULT: SQLite then takes many rows in one INSERT (with DEFAULT,
// diesel writes one statement a row, and each statement flushes the FTS5 index of the lines).
#[diesel(treat_none_as_default_value = false)]
struct LineRow {
    line_ref: LineRef,
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
    version: i64,
}

/// A new line's row with its JSON (`stored`).
#[derive(Insertable)]
#[diesel(table_name = lines)]
// None as NULL, so that SQLite takes many rows in one INSERT (see `lines::repo::LineRow`).
#[diesel(treat_none_as_default_value = false)]
struct NewLineRow {
    #[diesel(embed)]
    row: LineRow,
    body: String,
    body_format: i32,
    body_version: i64,
}

/// What a read of a line's stored JSON selects: `stored::Columns` and the version the body was written for.
type StoredColumns = (String, i64, i32, Option<i64>, Option<String>);

/// The columns `stored` reads, the body dropped when it was written for another version than the row's (a
/// process of a release from before the stored JSON changed the line).
fn of_this_version(
    (line_ref, version, format, body_version, body): StoredColumns,
) -> stored::Columns {
    (
        line_ref,
        version,
        format,
        body.filter(|_| body_version == Some(version)),
    )
}

/// The columns of `StoredColumns`.
const STORED: (
    lines::line_ref,
    lines::version,
    lines::body_format,
    lines::body_version,
    lines::body,
) = (
    lines::line_ref,
    lines::version,
    lines::body_format,
    lines::body_version,
    lines::body,
);

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = line_years)]
struct YearRow {
    line_ref: LineRef,
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    #[diesel(column_name = amount_pence)]
    amount: Money,
}

/// Which lines a list or a total covers. Every part is optional; together they narrow the set.
#[derive(Clone, Debug, Default)]
pub struct LineFilter {
    pub directorate: Option<DirectorateCode>,
    pub kind: Option<LineKind>,
    pub status: Option<LineStatus>,
    /// Lines with a non-zero amount in this year.
    pub year: Option<FinancialYear>,
    /// Text in the ref, title or owner, in any case.
    pub text: Option<String>,
}

/// Where a page starts: after this line, in ref order.
pub type Cursor = LineRef;

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Narrows a boxed query over `lines` (alone or joined) to the lines a filter covers. A macro because the
/// same conditions apply to two query shapes, and a boxed multi-backend query cannot be nested as a subquery.
/// SQLite's LIKE already ignores case (ASCII, as its `lower` does), so there the columns are compared as they
/// are, without a `lower` of three columns of every line walked; PostgreSQL compares `lower` of each.
macro_rules! filter_lines {
    ($query:expr, $filter:expr, $conn:expr) => {{
        let filter: &LineFilter = $filter;
        let folds_case_itself = matches!($conn, DbConnection::Sqlite(_));
        let mut query = $query;
        if let Some(directorate) = &filter.directorate {
            query = query.filter(lines::directorate.eq(directorate.clone()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(lines::kind.eq(kind));
        }
        if let Some(status) = filter.status {
            query = query.filter(lines::status.eq(status));
        }
        if let Some(year) = filter.year {
            // An alias, so the subquery can sit in a query that joins line_years itself.
            let years = diesel::alias!(line_years as years_with_amount);
            // EXISTS on line_years' primary key, line by line in the order read, rather than an IN over
            // every line with an amount that year: a page stops after its rows.
            let with_amount = years
                .filter(years.field(line_years::line_ref).eq(lines::line_ref))
                .filter(years.field(line_years::year_start).eq(year))
                .filter(years.field(line_years::amount_pence).ne(Money::ZERO))
                .select(years.field(line_years::line_ref));
            query = query.filter(diesel::dsl::exists(with_amount));
        }
        if let Some(text) = &filter.text {
            let pattern = like_pattern(text);
            query = if folds_case_itself {
                // The trigram index narrows the lines to those holding the text (in any case); the LIKE
                // beside it keeps the answer exactly the LIKE's. Under 3 characters there is no trigram.
                if let Some(phrase) = trigram_phrase(text) {
                    query = query.filter(
                        sql::<Bool>("lines.rowid IN (SELECT rowid FROM lines_text WHERE lines_text MATCH ")
                            .bind::<Text, _>(phrase)
                            .sql(")"),
                    );
                }
                query.filter(
                    lines::line_ref
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lines::title.like(pattern.clone()).escape('\\'))
                        // A NULL owner matches nothing, as LIKE on NULL is NULL.
                        .or(lines::owner.assume_not_null().like(pattern).escape('\\')),
                )
            } else {
                query.filter(
                    lower(lines::line_ref)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lower(lines::title).like(pattern.clone()).escape('\\'))
                        .or(lower(lines::owner.assume_not_null())
                            .like(pattern)
                            .escape('\\')),
                )
            };
        }
        query
    }};
}

/// `%text%` in lower case, with LIKE's wildcards in the text escaped.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The FTS5 query that finds `text` (in any case) through the trigram index on SQLite: one phrase, every
/// character literal (a `"` doubled), so `%` and `_` are themselves. None under 3 characters, which have no
/// trigram to look up (FTS5 would find nothing); the LIKE alone answers those.
pub fn trigram_phrase(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    (lower.chars().count() >= 3).then(|| format!("\"{}\"", lower.replace('"', "\"\"")))
}

/// One page of lines in ref order, starting after `after`.
///
/// Written so that both engines walk an index in the list's order and stop after the page: the cursor is a seek
/// after the filter's equal columns (a row-value comparison, or nothing, or no rows at all); on SQLite a kind
/// without a directorate is compared as text (`kind || ''`), because SQLite, given `kind = ?` beside an index
/// that does not start with it, sorts each directorate's lines rather than reading them in the index's order.
pub fn list(
    conn: &mut DbConnection,
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Line>> {
    let Some(query) = page_query(conn, filter, after, limit) else {
        return Ok(Vec::new());
    };
    let rows: Vec<LineRow> = query.select(LineRow::as_select()).load(conn)?;
    with_years(conn, rows)
}

/// The page `list` reads, as each line's stored JSON; `None` when a line of it has none in the current format
/// (`list` then reads it decoded).
pub fn list_stored(
    conn: &mut DbConnection,
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Option<Vec<StoredLine>>> {
    let Some(query) = page_query(conn, filter, after, limit) else {
        return Ok(Some(Vec::new()));
    };
    let rows: Vec<StoredColumns> = query.select(STORED).load(conn)?;
    Ok(StoredLine::all(
        rows.into_iter().map(of_this_version).collect(),
    ))
}

/// The query of a page in order (its columns still to choose); `None` when the cursor is past every line the
/// filter covers.
fn page_query(
    conn: &DbConnection,
    filter: &LineFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Option<lines::BoxedQuery<'static, MultiBackend>> {
    let mut others = filter.clone();
    let kind_as_text = match (&filter.directorate, &conn) {
        (None, DbConnection::Sqlite(_)) => others.kind.take(),
        _ => None,
    };
    let mut query = filter_lines!(lines::table.into_boxed::<MultiBackend>(), &others, conn);
    if let Some(kind) = kind_as_text {
        query = query.filter(FixedSql::new(
            &["lines.kind || '' = "],
            vec![Bind::Text(kind.as_str().to_owned())],
        ));
    }
    if let Some(after) = after {
        match seek(filter, after) {
            Seek::All => {}
            Seek::None => return None,
            Seek::After(condition) => query = query.filter(condition),
        }
    }
    Some(
        query
            .order((lines::directorate, lines::kind, lines::ref_number))
            .limit(limit),
    )
}

/// Which of the lines a filter covers come after a cursor.
enum Seek {
    /// Every one (the cursor is before them all).
    All,
    /// None (the cursor is after them all).
    None,
    /// Those this condition holds for.
    After(FixedSql),
}

/// The lines after `after` in (directorate, kind, ref_number) order, given the columns the filter fixes: the
/// comparison starts at the first column the filter leaves free.
fn seek(filter: &LineFilter, after: &Cursor) -> Seek {
    let (directorate, kind, number) = (
        Bind::Text(after.directorate().to_string()),
        Bind::Text(after.kind().as_str().to_owned()),
        Bind::Integer(i32::from(after.number())),
    );
    let (after_kind, after_directorate) = (after.kind(), after.directorate());
    let condition = match (&filter.directorate, filter.kind) {
        (Some(wanted), _) if after_directorate < wanted => return Seek::All,
        (Some(wanted), _) if after_directorate > wanted => return Seek::None,
        (Some(_), Some(wanted)) if after_kind < wanted => return Seek::All,
        (Some(_), Some(wanted)) if after_kind > wanted => return Seek::None,
        (Some(_), Some(_)) => FixedSql::new(&["lines.ref_number > "], vec![number]),
        (Some(_), None) => FixedSql::new(
            &["(lines.kind, lines.ref_number) > (", ", ", ")"],
            vec![kind, number],
        ),
        (None, Some(wanted)) if after_kind < wanted => {
            FixedSql::new(&["lines.directorate >= "], vec![directorate])
        }
        (None, Some(wanted)) if after_kind > wanted => {
            FixedSql::new(&["lines.directorate > "], vec![directorate])
        }
        // The first part is the seek; the second skips what the cursor's directorate has before it.
        (None, Some(_)) => FixedSql::new(
            &[
                "lines.directorate >= ",
                " AND (lines.directorate, lines.ref_number) > (",
                ", ",
                ")",
            ],
            vec![directorate.clone(), directorate, number],
        ),
        (None, None) => FixedSql::new(
            &[
                "(lines.directorate, lines.kind, lines.ref_number) > (",
                ", ",
                ", ",
                ")",
            ],
            vec![directorate, kind, number],
        ),
    };
    Seek::After(condition)
}

/// Sums of amounts by directorate, kind and year over every line the filter covers (all pages, not one);
/// withdrawn lines only when asked for.
pub fn sums(
    conn: &mut DbConnection,
    filter: &LineFilter,
    include_withdrawn: bool,
) -> QueryResult<Vec<AmountSum>> {
    let mut query = filter_lines!(
        line_years::table
            .inner_join(lines::table)
            .into_boxed::<MultiBackend>(),
        filter,
        conn
    );
    if !include_withdrawn {
        query = query.filter(lines::status.ne(LineStatus::Withdrawn));
    }
    let rows: Vec<(DirectorateCode, LineKind, LineNature, FinancialYear, Money)> = query
        .select((
            lines::directorate,
            lines::kind,
            lines::nature,
            line_years::year_start,
            line_years::amount_pence,
        ))
        .load(conn)?;
    Ok(add_up(rows))
}

/// Sums of amounts by directorate, kind, nature and year, added up here, exactly, rather than by SQL SUM
/// (NUMERIC on PostgreSQL, INTEGER on SQLite); in that order.
pub fn add_up(
    rows: Vec<(DirectorateCode, LineKind, LineNature, FinancialYear, Money)>,
) -> Vec<AmountSum> {
    let mut sums: BTreeMap<(DirectorateCode, LineKind, LineNature, FinancialYear), Money> =
        BTreeMap::new();
    for (directorate, kind, nature, year, amount) in rows {
        let sum = sums.entry((directorate, kind, nature, year)).or_default();
        *sum = *sum + amount;
    }
    sums.into_iter()
        .map(|((directorate, kind, nature, year), amount)| AmountSum {
            directorate,
            kind,
            nature,
            year,
            amount,
        })
        .collect()
}

/// A saving as the at-risk report needs it: its amount in one year, not its whole profile.
pub struct SavingInYear {
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub title: String,
    pub status: LineStatus,
    /// Zero when the line has no amount that year.
    pub planned: Money,
}

impl SavingInYear {
    pub fn of(line: &Line, year: FinancialYear) -> SavingInYear {
        SavingInYear {
            line_ref: line.line_ref.clone(),
            directorate: line.directorate.clone(),
            title: line.title.clone(),
            status: line.status,
            planned: line
                .years
                .iter()
                .find(|e| e.year == year)
                .map(|e| e.amount)
                .unwrap_or_default(),
        }
    }
}

/// Every saving (of one directorate, or all) with its amount in `year`, in one query.
pub fn savings_in_year(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    year: FinancialYear,
) -> QueryResult<Vec<SavingInYear>> {
    let in_year = line_years::table.on(line_years::line_ref
        .eq(lines::line_ref)
        .and(line_years::year_start.eq(year)));
    let mut query = lines::table
        .left_join(in_year)
        .filter(lines::kind.eq(LineKind::Saving))
        .into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(lines::directorate.eq(directorate.clone()));
    }
    let rows: Vec<(LineRef, DirectorateCode, String, LineStatus, Option<Money>)> = query
        .order((lines::directorate, lines::ref_number))
        .select((
            lines::line_ref,
            lines::directorate,
            lines::title,
            lines::status,
            line_years::amount_pence.nullable(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(SavingInYear::from_row).collect())
}

impl SavingInYear {
    /// From a line's ref, directorate, title, status and its amount that year, if any.
    pub fn from_row(
        (line_ref, directorate, title, status, planned): (
            LineRef,
            DirectorateCode,
            String,
            LineStatus,
            Option<Money>,
        ),
    ) -> SavingInYear {
        SavingInYear {
            line_ref,
            directorate,
            title,
            status,
            planned: planned.unwrap_or_default(),
        }
    }
}

/// One line and its profile, in one query (a point read is mostly per-statement cost).
pub fn find(conn: &mut DbConnection, line_ref: &LineRef) -> QueryResult<Option<Line>> {
    let rows: Vec<(LineRow, Option<YearRow>)> = lines::table
        .left_join(line_years::table)
        .filter(lines::line_ref.eq(line_ref))
        .order(line_years::year_start)
        .select((LineRow::as_select(), Option::<YearRow>::as_select()))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((row, first_year)) = rows.next() else {
        return Ok(None);
    };
    let years = first_year
        .into_iter()
        .chain(rows.filter_map(|(_, year)| year))
        .map(YearRow::entry)
        .collect();
    Ok(Some(line_from_row(row, years)))
}

/// One line's stored JSON; `None` when there is no such line or its JSON is not in the current format (`find`
/// then reads it decoded).
pub fn find_stored(conn: &mut DbConnection, line_ref: &LineRef) -> QueryResult<Option<StoredLine>> {
    let row: Option<StoredColumns> = lines::table
        .find(line_ref)
        .select(STORED)
        .first(conn)
        .optional()?;
    Ok(row.map(of_this_version).and_then(StoredLine::from_columns))
}

/// Writes a line's JSON as it is now (after `update`, in the same transaction).
pub fn store_body(conn: &mut DbConnection, line: &Line) -> QueryResult<()> {
    diesel::update(lines::table.find(&line.line_ref))
        .set((
            lines::body.eq(stored::render(line)?),
            lines::body_format.eq(stored::FORMAT),
            lines::body_version.eq(line.version),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes the JSON of up to `limit` lines after `after` (in ref order) that have none in the current format;
/// the refs written, in order (none: none left).
pub fn refresh_bodies(
    conn: &mut DbConnection,
    after: Option<&LineRef>,
    limit: i64,
) -> QueryResult<Vec<LineRef>> {
    let mut query = lines::table
        .filter(
            lines::body_format
                .ne(stored::FORMAT)
                .or(lines::body.is_null())
                .or(lines::body_version.is_null())
                .or(lines::body_version.ne(lines::version.nullable())),
        )
        .into_boxed::<MultiBackend>();
    if let Some(after) = after {
        query = query.filter(lines::line_ref.gt(after.clone()));
    }
    let rows: Vec<LineRow> = query
        .order(lines::line_ref)
        .limit(limit)
        .select(LineRow::as_select())
        .load(conn)?;
    let lines = with_years(conn, rows)?;
    for line in &lines {
        store_body(conn, line)?;
    }
    Ok(lines.into_iter().map(|line| line.line_ref).collect())
}

/// Rows per multi-row INSERT, and refs per `IN (…)`: well under both engines' limits on bound parameters
/// (SQLite 32,766, PostgreSQL 65,535) at 13 columns a line.
const ROWS_PER_INSERT: usize = 1_000;

/// The lines with these refs that exist, read a chunk of refs at a time.
pub fn find_many(conn: &mut DbConnection, refs: &[LineRef]) -> QueryResult<HashMap<LineRef, Line>> {
    let mut found = HashMap::new();
    for chunk in refs.chunks(ROWS_PER_INSERT) {
        let rows: Vec<LineRow> = lines::table
            .filter(lines::line_ref.eq_any(chunk))
            .select(LineRow::as_select())
            .load(conn)?;
        for line in with_years(conn, rows)? {
            found.insert(line.line_ref.clone(), line);
        }
    }
    Ok(found)
}

/// Records new lines, already validated, under their refs, and returns them as stored. Many rows go in each
/// statement, so a bulk import costs a few hundred round trips, not tens of thousands.
pub fn insert_many(
    conn: &mut DbConnection,
    news: &[NewLine],
    refs: &[LineRef],
    now: PrimitiveDateTime,
) -> QueryResult<Vec<Line>> {
    let mut lines = Vec::with_capacity(news.len());
    let mut line_rows = Vec::with_capacity(news.len());
    let mut year_rows = Vec::new();
    for (new, line_ref) in news.iter().zip(refs) {
        let mut years = new.years.clone();
        years.sort_by_key(|entry| entry.year);
        let row = LineRow {
            line_ref: line_ref.clone(),
            directorate: new.directorate.clone(),
            kind: new.kind,
            ref_number: i32::from(line_ref.number()),
            title: new.title.clone(),
            owner: new.owner.clone(),
            description: new.description.clone(),
            status: new.status,
            nature: new.nature,
            withdrawal_reason: new.withdrawal_reason.clone(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let line = line_from_row(row.clone(), years);
        year_rows.extend(year_rows_of(line_ref, &line.years));
        line_rows.push(NewLineRow {
            row,
            body: stored::render(&line)?,
            body_format: stored::FORMAT,
            body_version: line.version,
        });
        lines.push(line);
    }
    for chunk in line_rows.chunks(ROWS_PER_INSERT) {
        insert_rows!(conn, lines::table, chunk);
    }
    for chunk in year_rows.chunks(ROWS_PER_INSERT) {
        insert_rows!(conn, line_years::table, chunk);
    }
    Ok(lines)
}

/// The name of a baseline that holds the line (the first by name), if any: the line is approved.
pub fn approved_in(conn: &mut DbConnection, line_ref: &LineRef) -> QueryResult<Option<String>> {
    baseline_lines::table
        .filter(baseline_lines::line_ref.eq(line_ref))
        .order(baseline_lines::baseline)
        .select(baseline_lines::baseline)
        .first(conn)
        .optional()
}

/// The baselines that hold the line, the oldest first.
pub fn baselines_holding(conn: &mut DbConnection, line_ref: &LineRef) -> QueryResult<Vec<String>> {
    baseline_lines::table
        .inner_join(baselines::table.on(baselines::name.eq(baseline_lines::baseline)))
        .filter(baseline_lines::line_ref.eq(line_ref))
        .order((baselines::set_at, baselines::name))
        .select(baseline_lines::baseline)
        .load(conn)
}

/// The line's changes in pending change sets: each request, and each proposed plan that leaves it out.
pub fn pending_changes(
    conn: &mut DbConnection,
    line_ref: &LineRef,
) -> QueryResult<Vec<PendingChange>> {
    // `change_control` sits above lines, so its status is named here as stored.
    let pending = "pending";
    let requested: Vec<(i64, String, String, String, PrimitiveDateTime)> = change_requests::table
        .inner_join(change_sets::table.on(change_sets::id.eq(change_requests::change_set)))
        .filter(change_requests::line_ref.eq(line_ref))
        .filter(change_requests::open.eq(1))
        .order((change_requests::change_set, change_requests::field))
        .select((
            change_requests::change_set,
            change_requests::field,
            change_requests::proposed,
            change_sets::proposer,
            change_sets::proposed_at,
        ))
        .load(conn)?;
    let absent: Vec<(i64, Option<String>, String, PrimitiveDateTime)> = change_set_absences::table
        .inner_join(change_sets::table.on(change_sets::id.eq(change_set_absences::change_set)))
        .filter(change_set_absences::line_ref.eq(line_ref))
        .filter(change_sets::status.eq(pending))
        .order(change_set_absences::change_set)
        .select((
            change_set_absences::change_set,
            change_set_absences::disposition,
            change_sets::proposer,
            change_sets::proposed_at,
        ))
        .load(conn)?;
    let mut changes = Vec::with_capacity(requested.len() + absent.len());
    for (change_set, field, proposed, proposer, proposed_at) in requested {
        let proposed = serde_json::from_str(&proposed).map_err(|error| {
            diesel::result::Error::DeserializationError(
                format!("change set {change_set}'s {field}: {error}").into(),
            )
        })?;
        changes.push(PendingChange {
            change_set,
            field,
            proposed,
            proposer,
            proposed_at: db::time::utc(proposed_at),
        });
    }
    changes.extend(
        absent.into_iter().map(
            |(change_set, disposition, proposer, proposed_at)| PendingChange {
                change_set,
                field: "absent".to_owned(),
                proposed: disposition.map_or(serde_json::Value::Null, serde_json::Value::String),
                proposer,
                proposed_at: db::time::utc(proposed_at),
            },
        ),
    );
    Ok(changes)
}

/// Which of these refs some baseline holds, read a chunk at a time.
pub fn approved_among(conn: &mut DbConnection, refs: &[&LineRef]) -> QueryResult<HashSet<LineRef>> {
    let mut approved = HashSet::new();
    for chunk in refs.chunks(ROWS_PER_INSERT) {
        approved.extend(
            baseline_lines::table
                .filter(baseline_lines::line_ref.eq_any(chunk))
                .select(baseline_lines::line_ref)
                .distinct()
                .load::<LineRef>(conn)?,
        );
    }
    Ok(approved)
}

/// Every line some baseline holds in these directorates and not withdrawn now, with its version, in ref order:
/// what a plan for those directorates is expected to name.
pub fn approved_of_directorates(
    conn: &mut DbConnection,
    directorates: &[DirectorateCode],
) -> QueryResult<Vec<(LineRef, i64)>> {
    lines::table
        .filter(lines::directorate.eq_any(directorates))
        .filter(lines::status.ne(LineStatus::Withdrawn.as_str()))
        .filter(
            lines::line_ref.eq_any(
                baseline_lines::table
                    .filter(baseline_lines::directorate.eq_any(directorates))
                    .select(baseline_lines::line_ref),
            ),
        )
        .order(lines::line_ref)
        .select((lines::line_ref, lines::version))
        .load(conn)
}

/// Which of these refs are in use, read a chunk at a time.
pub fn taken(conn: &mut DbConnection, refs: &[&LineRef]) -> QueryResult<HashSet<LineRef>> {
    let mut taken = HashSet::new();
    for chunk in refs.chunks(ROWS_PER_INSERT) {
        taken.extend(
            lines::table
                .filter(lines::line_ref.eq_any(chunk))
                .select(lines::line_ref)
                .load::<LineRef>(conn)?,
        );
    }
    Ok(taken)
}

/// The highest ref number in use in a directorate and kind; 0 when there is none.
pub fn highest_number(
    conn: &mut DbConnection,
    directorate: &DirectorateCode,
    kind: LineKind,
) -> QueryResult<i32> {
    let highest: Option<i32> = lines::table
        .filter(lines::directorate.eq(directorate))
        .filter(lines::kind.eq(kind))
        .select(max(lines::ref_number))
        .first(conn)?;
    Ok(highest.unwrap_or(0))
}

/// Writes a line's new fields and, when given, its new profile, as changed at `now`, and puts its version up
/// by one; returns
/// false, having written nothing, when the stored version is no longer `current`'s.
pub fn update(
    conn: &mut DbConnection,
    current: &Line,
    fields: &LineFields,
    years: Option<&[YearAmount]>,
    now: PrimitiveDateTime,
) -> QueryResult<bool> {
    let key = &current.line_ref;
    let written = diesel::update(
        lines::table
            .find(key)
            .filter(lines::version.eq(current.version)),
    )
    .set((
        lines::title.eq(&fields.title),
        lines::owner.eq(&fields.owner),
        lines::description.eq(&fields.description),
        lines::status.eq(fields.status),
        lines::nature.eq(fields.nature),
        lines::withdrawal_reason.eq(&fields.withdrawal_reason),
        lines::updated_at.eq(now),
        lines::version.eq(current.version + 1),
    ))
    .execute(conn)?;
    if written != 1 {
        return Ok(false);
    }
    if let Some(years) = years {
        diesel::delete(line_years::table.filter(line_years::line_ref.eq(key))).execute(conn)?;
        insert_rows!(
            conn,
            line_years::table,
            &year_rows_of(&current.line_ref, years)
        );
    }
    Ok(true)
}

fn year_rows_of(line_ref: &LineRef, years: &[YearAmount]) -> Vec<YearRow> {
    years
        .iter()
        .map(|entry| YearRow {
            line_ref: line_ref.clone(),
            year: entry.year,
            amount: entry.amount,
        })
        .collect()
}

impl YearRow {
    fn entry(self) -> YearAmount {
        YearAmount {
            year: self.year,
            amount: self.amount,
        }
    }
}

/// Attaches each line's profile, read in one query. The refs are matched as the text they are stored as, not
/// parsed again for each year.
fn with_years(conn: &mut DbConnection, rows: Vec<LineRow>) -> QueryResult<Vec<Line>> {
    let refs: Vec<&LineRef> = rows.iter().map(|row| &row.line_ref).collect();
    let mut profiles: HashMap<String, Vec<YearAmount>> = HashMap::with_capacity(refs.len());
    // A chunk of refs at a time: SQLite takes at most 32,766 bound values in a statement.
    for chunk in refs.chunks(ROWS_PER_INSERT) {
        let years: Vec<(String, FinancialYear, Money)> = line_years::table
            .filter(line_years::line_ref.eq_any(chunk))
            .order((line_years::line_ref, line_years::year_start))
            .select((
                line_years::line_ref,
                line_years::year_start,
                line_years::amount_pence,
            ))
            .load(conn)?;
        for (line_ref, year, amount) in years {
            profiles
                .entry(line_ref)
                .or_default()
                .push(YearAmount { year, amount });
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let years = profiles
                .remove(&row.line_ref.to_string())
                .unwrap_or_default();
            line_from_row(row, years)
        })
        .collect())
}

fn line_from_row(row: LineRow, years: Vec<YearAmount>) -> Line {
    Line {
        line_ref: row.line_ref,
        kind: row.kind,
        directorate: row.directorate,
        status: row.status,
        nature: row.nature,
        total: years.iter().map(|entry| entry.amount).sum(),
        years,
        title: row.title,
        owner: row.owner,
        description: row.description,
        withdrawal_reason: row.withdrawal_reason,
        created_at: db::time::utc(row.created_at),
        updated_at: db::time::utc(row.updated_at),
        version: row.version,
    }
}

/// The nature (ongoing or one-off) of each of `refs` that is a line, now: what kind of substitute each is. Read
/// 500 refs a statement.
pub fn natures(
    conn: &mut DbConnection,
    refs: &BTreeSet<LineRef>,
) -> QueryResult<HashMap<LineRef, LineNature>> {
    let refs: Vec<&LineRef> = refs.iter().collect();
    let mut natures = HashMap::new();
    for chunk in refs.chunks(500) {
        let rows: Vec<(LineRef, LineNature)> = lines::table
            .filter(lines::line_ref.eq_any(chunk.iter().copied()))
            .select((lines::line_ref, lines::nature))
            .load(conn)?;
        natures.extend(rows);
    }
    Ok(natures)
}

/// A saving as a return lists it (`returns::template`).
pub struct ReturnSaving {
    pub line_ref: LineRef,
    pub title: String,
    pub owner: Option<String>,
    /// Its amount in the year: not zero.
    pub amount: Money,
}

/// One directorate's savings with an amount in `year` that are not withdrawn, by ref: the rows of its return. One
/// read of the directorate's lines in ref order, each joined to its amount that year.
pub fn savings_for_return(
    conn: &mut DbConnection,
    directorate: &DirectorateCode,
    year: FinancialYear,
) -> QueryResult<Vec<ReturnSaving>> {
    let rows: Vec<(LineRef, String, Option<String>, Money)> = lines::table
        .inner_join(
            line_years::table.on(line_years::line_ref
                .eq(lines::line_ref)
                .and(line_years::year_start.eq(year))),
        )
        .filter(lines::directorate.eq(directorate))
        .filter(lines::kind.eq(LineKind::Saving))
        .filter(lines::status.ne(LineStatus::Withdrawn))
        .filter(line_years::amount_pence.ne(Money::ZERO))
        .order(lines::ref_number)
        .select((
            lines::line_ref,
            lines::title,
            lines::owner,
            line_years::amount_pence,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(line_ref, title, owner, amount)| ReturnSaving {
            line_ref,
            title,
            owner,
            amount,
        })
        .collect())
}
