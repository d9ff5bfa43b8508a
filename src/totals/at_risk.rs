//! Amounts at risk by year, period, directorate, and withdrawn or not (`at_risk_totals`), kept in the
//! transaction of every assessment write and every withdrawal or reinstatement of a line, so the summary reads
//! these few rows rather than every assessment.

use diesel::prelude::*;
use diesel::upsert::excluded;
use time::PrimitiveDateTime;

use super::{kept_amount, Delta, Table};
use crate::db::schema::{
    assessments, at_risk_total_keys, at_risk_total_states, at_risk_totals, lines,
};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear, LineRef, LineStatus, Money};
use crate::execute_on_engine;

/// The amount at risk in one period, for one directorate's lines, withdrawn or not.
#[derive(Clone, Debug)]
pub struct AtRiskSum {
    pub year: FinancialYear,
    pub period: Period,
    pub directorate: DirectorateCode,
    pub withdrawn: bool,
    pub at_risk: Money,
}

/// The `at_risk_totals` table.
pub struct AtRiskTotals;

/// A row of `at_risk_totals`: year, period, directorate, withdrawn.
pub type Key = (FinancialYear, Period, DirectorateCode, bool);

/// Changes to the at-risk totals.
pub type Change = super::Change<AtRiskTotals>;

impl Change {
    /// Counts an assessment's amount at risk in (`sign` 1) or out (`sign` -1).
    pub fn assessment(
        &mut self,
        (year, period): (FinancialYear, Period),
        line_ref: &LineRef,
        withdrawn: bool,
        at_risk: Money,
        sign: i32,
    ) {
        let key = (year, period, line_ref.directorate().clone(), withdrawn);
        self.count(key, at_risk, sign);
    }
}

/// The row of `$key` in `$table` (the totals, their states or their keys: the same key columns).
macro_rules! row_of {
    ($key:expr) => {
        row_of!(at_risk_totals, $key)
    };
    ($table:ident, $key:expr) => {{
        let (year, period, directorate, withdrawn) = $key;
        $table::table
            .filter($table::year_start.eq(*year))
            .filter($table::period.eq(*period))
            .filter($table::directorate.eq(directorate))
            .filter($table::withdrawn.eq(*withdrawn))
    }};
}

impl Table for AtRiskTotals {
    type Key = Key;
    const NAME: &'static str = "at-risk totals";

    fn delete_if_counting(conn: &mut DbConnection, key: &Key, entries: i32) -> QueryResult<usize> {
        diesel::delete(row_of!(key).filter(at_risk_totals::entries.eq(entries))).execute(conn)
    }

    fn add_to(conn: &mut DbConnection, key: &Key, delta: Delta) -> QueryResult<Option<Delta>> {
        diesel::update(row_of!(key))
            .set((
                at_risk_totals::at_risk_pence.eq(at_risk_totals::at_risk_pence + delta.amount),
                at_risk_totals::entries.eq(at_risk_totals::entries + delta.entries),
            ))
            .returning((at_risk_totals::at_risk_pence, at_risk_totals::entries))
            .get_result::<(Money, i32)>(conn)
            .optional()
            .map(|row| {
                row.map(|(amount, entries)| Delta {
                    amount,
                    entries,
                    ..Delta::default()
                })
            })
    }

    fn insert(conn: &mut DbConnection, key: &Key, delta: Delta) -> QueryResult<usize> {
        let (year, period, directorate, withdrawn) = key;
        diesel::insert_into(at_risk_totals::table)
            .values((
                at_risk_totals::year_start.eq(*year),
                at_risk_totals::period.eq(*period),
                at_risk_totals::directorate.eq(directorate),
                at_risk_totals::withdrawn.eq(*withdrawn),
                at_risk_totals::at_risk_pence.eq(delta.amount),
                at_risk_totals::entries.eq(delta.entries),
            ))
            .execute(conn)
    }

    fn remember(
        conn: &mut DbConnection,
        key: &Key,
        at: PrimitiveDateTime,
        figures: Delta,
        first: bool,
    ) -> QueryResult<()> {
        let (amount, entries) = (figures.amount, figures.entries);
        let (year, period, directorate, withdrawn) = key;
        // A second change to the row in one instant (one transaction) replaces its state then.
        execute_on_engine!(
            conn,
            diesel::insert_into(at_risk_total_states::table)
                .values((
                    at_risk_total_states::year_start.eq(*year),
                    at_risk_total_states::period.eq(*period),
                    at_risk_total_states::directorate.eq(directorate),
                    at_risk_total_states::withdrawn.eq(*withdrawn),
                    at_risk_total_states::valid_from.eq(at),
                    at_risk_total_states::at_risk_pence.eq(amount),
                    at_risk_total_states::entries.eq(entries),
                ))
                .on_conflict((
                    at_risk_total_states::year_start,
                    at_risk_total_states::period,
                    at_risk_total_states::directorate,
                    at_risk_total_states::withdrawn,
                    at_risk_total_states::valid_from,
                ))
                .do_update()
                .set((
                    at_risk_total_states::at_risk_pence
                        .eq(excluded(at_risk_total_states::at_risk_pence)),
                    at_risk_total_states::entries.eq(excluded(at_risk_total_states::entries)),
                ))
        );
        if first {
            // A key that had a row before, and lost it, is known already.
            execute_on_engine!(
                conn,
                diesel::insert_into(at_risk_total_keys::table)
                    .values((
                        at_risk_total_keys::year_start.eq(*year),
                        at_risk_total_keys::period.eq(*period),
                        at_risk_total_keys::directorate.eq(directorate),
                        at_risk_total_keys::withdrawn.eq(*withdrawn),
                    ))
                    .on_conflict_do_nothing()
            );
        }
        Ok(())
    }
}

/// Moves a line's amounts at risk between the withdrawn and the counted totals, as the line is withdrawn
/// (`withdrawn` true) or reinstated. Reads the line's assessments straight from their table.
pub fn move_line(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    withdrawn: bool,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    let assessed: Vec<(FinancialYear, Period, Money)> = assessments::table
        .filter(assessments::line_ref.eq(line_ref))
        .select((
            assessments::year_start,
            assessments::period,
            assessments::at_risk_pence,
        ))
        .load(conn)?;
    let mut change = Change::default();
    for (year, period, at_risk) in assessed {
        change.assessment((year, period), line_ref, !withdrawn, at_risk, -1);
        change.assessment((year, period), line_ref, withdrawn, at_risk, 1);
    }
    change.write(conn, at)
}

/// Every total, or one directorate's.
pub fn sums(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
) -> QueryResult<Vec<AtRiskSum>> {
    let mut query = at_risk_totals::table.into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(at_risk_totals::directorate.eq(directorate.clone()));
    }
    let rows: Vec<(FinancialYear, Period, DirectorateCode, bool, Money)> = query
        .select((
            at_risk_totals::year_start,
            at_risk_totals::period,
            at_risk_totals::directorate,
            at_risk_totals::withdrawn,
            at_risk_totals::at_risk_pence,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(at_risk_sum).collect())
}

/// The same sums as `sums`, added up from every assessment and its line's status rather than read from the kept
/// rows: what `mtfs verify` holds the kept rows to.
pub fn summed_from_assessments(conn: &mut DbConnection) -> QueryResult<Vec<AtRiskSum>> {
    let rows: Vec<(FinancialYear, Period, LineRef, LineStatus, Money)> = assessments::table
        .inner_join(lines::table)
        .select((
            assessments::year_start,
            assessments::period,
            assessments::line_ref,
            lines::status,
            assessments::at_risk_pence,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(year, period, line_ref, status, at_risk)| AtRiskSum {
            year,
            period,
            directorate: line_ref.directorate().clone(),
            withdrawn: status == LineStatus::Withdrawn,
            at_risk,
        })
        .collect())
}

/// The same sums as `sums`, as the totals stood at `at`: for each key ever kept, its latest state by then,
/// one index seek a key (the keys drive the query; every state of a busy key is never read).
pub fn sums_at(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    at: PrimitiveDateTime,
) -> QueryResult<Vec<AtRiskSum>> {
    let then = at_risk_total_states::table
        .filter(at_risk_total_states::year_start.eq(at_risk_total_keys::year_start))
        .filter(at_risk_total_states::period.eq(at_risk_total_keys::period))
        .filter(at_risk_total_states::directorate.eq(at_risk_total_keys::directorate))
        .filter(at_risk_total_states::withdrawn.eq(at_risk_total_keys::withdrawn))
        .filter(at_risk_total_states::valid_from.le(at))
        .order(at_risk_total_states::valid_from.desc())
        .limit(1);
    let mut query = at_risk_total_keys::table.into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(at_risk_total_keys::directorate.eq(directorate.clone()));
    }
    let rows: Vec<(Key, Option<Money>)> = query
        .select((
            (
                at_risk_total_keys::year_start,
                at_risk_total_keys::period,
                at_risk_total_keys::directorate,
                at_risk_total_keys::withdrawn,
            ),
            then.select(kept_amount(&[
                "CASE WHEN at_risk_total_states.entries > 0 THEN at_risk_total_states.at_risk_pence END",
            ]))
            .single_value(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|((year, period, directorate, withdrawn), at_risk)| {
            Some(at_risk_sum((
                year,
                period,
                directorate,
                withdrawn,
                at_risk?,
            )))
        })
        .collect())
}

fn at_risk_sum(
    (year, period, directorate, withdrawn, at_risk): (
        FinancialYear,
        Period,
        DirectorateCode,
        bool,
        Money,
    ),
) -> AtRiskSum {
    AtRiskSum {
        year,
        period,
        directorate,
        withdrawn,
        at_risk,
    }
}
