//! Totals of line amounts by directorate, kind, nature, withdrawn or not, and year (`line_totals`), kept in
//! every line write's transaction. A summary reads these few rows instead of every amount.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::upsert::excluded;
use time::PrimitiveDateTime;

use super::{kept_amount, Amount, Delta, Table};
use crate::db::schema::{line_total_keys, line_total_states, line_totals};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::summary::AmountSum;
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineNature, Money, YearAmount};
use crate::execute_on_engine;

/// What a line's amounts count towards.
pub struct Contribution<'a> {
    pub directorate: &'a DirectorateCode,
    pub kind: LineKind,
    pub nature: LineNature,
    pub withdrawn: bool,
    pub years: &'a [YearAmount],
}

/// The `line_totals` table.
pub struct LineTotals;

/// A row of `line_totals`: directorate, kind, nature, withdrawn, year.
pub type Key = (DirectorateCode, LineKind, LineNature, bool, FinancialYear);

/// Changes to the line totals.
pub type Change = super::Change<LineTotals>;

impl Change {
    /// Counts a line's amounts in.
    pub fn add(&mut self, line: &Contribution) {
        self.contribute(line, 1);
    }

    /// Takes a line's amounts out.
    pub fn remove(&mut self, line: &Contribution) {
        self.contribute(line, -1);
    }

    fn contribute(&mut self, line: &Contribution, sign: i32) {
        for entry in line.years {
            let key = (
                line.directorate.clone(),
                line.kind,
                line.nature,
                line.withdrawn,
                entry.year,
            );
            self.count(key, Amount::of(entry.amount), sign);
        }
    }
}

/// The row of `$key` in `$table` (the totals, their states or their keys: the same key columns).
macro_rules! row_of {
    ($key:expr) => {
        row_of!(line_totals, $key)
    };
    ($table:ident, $key:expr) => {{
        let (directorate, kind, nature, withdrawn, year) = $key;
        $table::table
            .filter($table::directorate.eq(directorate))
            .filter($table::kind.eq(*kind))
            .filter($table::nature.eq(*nature))
            .filter($table::withdrawn.eq(*withdrawn))
            .filter($table::year_start.eq(*year))
    }};
}

impl Table for LineTotals {
    type Key = Key;
    type Figures = Amount;
    const NAME: &'static str = "line totals";

    fn delete_if_counting(conn: &mut DbConnection, key: &Key, entries: i32) -> QueryResult<usize> {
        diesel::delete(row_of!(key).filter(line_totals::entries.eq(entries))).execute(conn)
    }

    fn add_to(
        conn: &mut DbConnection,
        key: &Key,
        delta: Delta<Amount>,
    ) -> QueryResult<Option<Delta<Amount>>> {
        diesel::update(row_of!(key))
            .set((
                line_totals::amount_pence.eq(line_totals::amount_pence + delta.figures.amount),
                line_totals::entries.eq(line_totals::entries + delta.entries),
                line_totals::nonzero_entries
                    .eq(line_totals::nonzero_entries + delta.figures.nonzero),
            ))
            .returning((
                line_totals::amount_pence,
                line_totals::entries,
                line_totals::nonzero_entries,
            ))
            .get_result::<(Money, i32, i32)>(conn)
            .optional()
            .map(|row| {
                row.map(|(amount, entries, nonzero)| Delta {
                    figures: Amount { amount, nonzero },
                    entries,
                })
            })
    }

    fn insert(conn: &mut DbConnection, key: &Key, delta: Delta<Amount>) -> QueryResult<usize> {
        let (directorate, kind, nature, withdrawn, year) = key;
        diesel::insert_into(line_totals::table)
            .values((
                line_totals::directorate.eq(directorate),
                line_totals::kind.eq(*kind),
                line_totals::nature.eq(*nature),
                line_totals::withdrawn.eq(*withdrawn),
                line_totals::year_start.eq(*year),
                line_totals::amount_pence.eq(delta.figures.amount),
                line_totals::entries.eq(delta.entries),
                line_totals::nonzero_entries.eq(delta.figures.nonzero),
            ))
            .execute(conn)
    }

    fn remember(
        conn: &mut DbConnection,
        key: &Key,
        at: PrimitiveDateTime,
        figures: Delta<Amount>,
        first: bool,
    ) -> QueryResult<()> {
        let (amount, entries) = (figures.figures.amount, figures.entries);
        let (directorate, kind, nature, withdrawn, year) = key;
        // A second change to the row in one instant (one transaction) replaces its state then.
        execute_on_engine!(
            conn,
            diesel::insert_into(line_total_states::table)
                .values((
                    line_total_states::directorate.eq(directorate),
                    line_total_states::kind.eq(*kind),
                    line_total_states::nature.eq(*nature),
                    line_total_states::withdrawn.eq(*withdrawn),
                    line_total_states::year_start.eq(*year),
                    line_total_states::valid_from.eq(at),
                    line_total_states::amount_pence.eq(amount),
                    line_total_states::entries.eq(entries),
                ))
                .on_conflict((
                    line_total_states::directorate,
                    line_total_states::kind,
                    line_total_states::nature,
                    line_total_states::withdrawn,
                    line_total_states::year_start,
                    line_total_states::valid_from,
                ))
                .do_update()
                .set((
                    line_total_states::amount_pence.eq(excluded(line_total_states::amount_pence)),
                    line_total_states::entries.eq(excluded(line_total_states::entries)),
                ))
        );
        if first {
            // A key that had a row before, and lost it, is known already.
            execute_on_engine!(
                conn,
                diesel::insert_into(line_total_keys::table)
                    .values((
                        line_total_keys::directorate.eq(directorate),
                        line_total_keys::kind.eq(*kind),
                        line_total_keys::nature.eq(*nature),
                        line_total_keys::withdrawn.eq(*withdrawn),
                        line_total_keys::year_start.eq(*year),
                    ))
                    .on_conflict_do_nothing()
            );
        }
        Ok(())
    }
}

/// The same sums as `sums`, as the totals stood at `at`: for each key ever kept, its latest state by then,
/// one index seek a key (the keys drive the query; every state of a busy key is never read).
pub fn sums_at(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    include_withdrawn: bool,
    at: PrimitiveDateTime,
) -> QueryResult<Vec<AmountSum>> {
    let then = line_total_states::table
        .filter(line_total_states::directorate.eq(line_total_keys::directorate))
        .filter(line_total_states::kind.eq(line_total_keys::kind))
        .filter(line_total_states::nature.eq(line_total_keys::nature))
        .filter(line_total_states::withdrawn.eq(line_total_keys::withdrawn))
        .filter(line_total_states::year_start.eq(line_total_keys::year_start))
        .filter(line_total_states::valid_from.le(at))
        .order(line_total_states::valid_from.desc())
        .limit(1);
    let mut query = line_total_keys::table.into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(line_total_keys::directorate.eq(directorate.clone()));
    }
    if !include_withdrawn {
        query = query.filter(line_total_keys::withdrawn.eq(false));
    }
    let rows: Vec<(Key, Option<Money>)> = query
        .select((
            (
                line_total_keys::directorate,
                line_total_keys::kind,
                line_total_keys::nature,
                line_total_keys::withdrawn,
                line_total_keys::year_start,
            ),
            then.select(kept_amount(&[
                "CASE WHEN line_total_states.entries > 0 THEN line_total_states.amount_pence END",
            ]))
            .single_value(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|((directorate, kind, nature, _, year), amount)| {
            Some(amount_sum((directorate, kind, nature, year, amount?)))
        })
        .collect())
}

fn amount_sum(
    (directorate, kind, nature, year, amount): (
        DirectorateCode,
        LineKind,
        LineNature,
        FinancialYear,
        Money,
    ),
) -> AmountSum {
    AmountSum {
        directorate,
        kind,
        nature,
        year,
        amount,
    }
}

/// By directorate (one, or all), how many savings are planned in `year`, not withdrawn and with an amount that
/// is not zero, and those amounts added up: a few rows of the kept totals (one a nature and directorate).
pub fn savings_planned(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    year: FinancialYear,
) -> QueryResult<BTreeMap<DirectorateCode, (u64, Money)>> {
    let mut query = line_totals::table
        .filter(line_totals::kind.eq(LineKind::Saving))
        .filter(line_totals::withdrawn.eq(false))
        .filter(line_totals::year_start.eq(year))
        .into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(line_totals::directorate.eq(directorate.clone()));
    }
    let rows: Vec<(DirectorateCode, i32, Money)> = query
        .select((
            line_totals::directorate,
            line_totals::nonzero_entries,
            line_totals::amount_pence,
        ))
        .load(conn)?;
    let mut planned: BTreeMap<DirectorateCode, (u64, Money)> = BTreeMap::new();
    for (directorate, lines, amount) in rows {
        let (count, sum) = planned.entry(directorate).or_default();
        *count += u64::from(lines.unsigned_abs());
        *sum = *sum + amount;
    }
    Ok(planned)
}

/// The totals of one directorate (or all), leaving withdrawn lines out unless asked for: the same sums as
/// `lines::repo::sums` with that filter, without reading every amount.
pub fn sums(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    include_withdrawn: bool,
) -> QueryResult<Vec<AmountSum>> {
    let mut query = line_totals::table.into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(line_totals::directorate.eq(directorate.clone()));
    }
    if !include_withdrawn {
        query = query.filter(line_totals::withdrawn.eq(false));
    }
    let rows: Vec<(DirectorateCode, LineKind, LineNature, FinancialYear, Money)> = query
        .select((
            line_totals::directorate,
            line_totals::kind,
            line_totals::nature,
            line_totals::year_start,
            line_totals::amount_pence,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(amount_sum).collect())
}
