//! Assessed savings by year, period, directorate, and withdrawn or not (`at_risk_totals`): their amounts
//! planned, forecast and at risk, the timing part at risk, and the permanent part of ongoing savings; kept in
//! the transaction of every assessment write and every withdrawal, reinstatement or change of nature of a
//! line, so the summary reads these few rows rather than every assessment.

use diesel::prelude::*;
use diesel::upsert::excluded;
use time::PrimitiveDateTime;

use super::{kept_amount, signed, Delta, Figures, Table};
use crate::db::schema::{
    assessments, at_risk_total_keys, at_risk_total_states, at_risk_totals, lines,
};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear, LineNature, LineRef, LineStatus, Money};
use crate::execute_on_engine;

/// The assessed savings of one period, for one directorate's lines, withdrawn or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtRiskSum {
    pub year: FinancialYear,
    pub period: Period,
    pub directorate: DirectorateCode,
    pub withdrawn: bool,
    pub figures: AtRiskFigures,
}

/// What an assessment counts towards its row, and a row adds up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AtRiskFigures {
    pub at_risk: Money,
    pub planned: Money,
    pub forecast: Money,
    /// The part at risk delivered in a later year: a one-off gap.
    pub timing: Money,
    /// The part at risk never delivered of ongoing savings: a gap in every later year too.
    pub ongoing: Money,
}

impl AtRiskFigures {
    /// An assessment's figures, its saving `ongoing` or one-off.
    pub fn of(
        (planned, forecast, at_risk): (Money, Money, Money),
        (timing, permanent): (Money, Money),
        nature: LineNature,
    ) -> AtRiskFigures {
        AtRiskFigures {
            at_risk,
            planned,
            forecast,
            timing,
            ongoing: match nature {
                LineNature::Ongoing => permanent,
                LineNature::OneOff => Money::ZERO,
            },
        }
    }

    /// The gap this year only: the timing part and the permanent part of one-off savings.
    pub fn one_off_gap(&self) -> Money {
        self.at_risk - self.ongoing
    }
}

impl Figures for AtRiskFigures {
    fn plus(self, other: AtRiskFigures, sign: i32) -> AtRiskFigures {
        AtRiskFigures {
            at_risk: signed(self.at_risk, other.at_risk, sign),
            planned: signed(self.planned, other.planned, sign),
            forecast: signed(self.forecast, other.forecast, sign),
            timing: signed(self.timing, other.timing, sign),
            ongoing: signed(self.ongoing, other.ongoing, sign),
        }
    }

    fn is_zero(&self) -> bool {
        *self == AtRiskFigures::default()
    }
}

/// The `at_risk_totals` table.
pub struct AtRiskTotals;

/// A row of `at_risk_totals`: year, period, directorate, withdrawn.
pub type Key = (FinancialYear, Period, DirectorateCode, bool);

/// Changes to the at-risk totals.
pub type Change = super::Change<AtRiskTotals>;

impl Change {
    /// Counts an assessment's figures in (`sign` 1) or out (`sign` -1).
    pub fn assessment(
        &mut self,
        (year, period): (FinancialYear, Period),
        line_ref: &LineRef,
        withdrawn: bool,
        figures: AtRiskFigures,
        sign: i32,
    ) {
        let key = (year, period, line_ref.directorate().clone(), withdrawn);
        self.count(key, figures, sign);
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
    type Figures = AtRiskFigures;
    const NAME: &'static str = "at-risk totals";

    fn delete_if_counting(conn: &mut DbConnection, key: &Key, entries: i32) -> QueryResult<usize> {
        diesel::delete(row_of!(key).filter(at_risk_totals::entries.eq(entries))).execute(conn)
    }

    fn add_to(
        conn: &mut DbConnection,
        key: &Key,
        delta: Delta<AtRiskFigures>,
    ) -> QueryResult<Option<Delta<AtRiskFigures>>> {
        let add = delta.figures;
        diesel::update(row_of!(key))
            .set((
                at_risk_totals::at_risk_pence.eq(at_risk_totals::at_risk_pence + add.at_risk),
                at_risk_totals::planned_pence.eq(at_risk_totals::planned_pence + add.planned),
                at_risk_totals::forecast_pence.eq(at_risk_totals::forecast_pence + add.forecast),
                at_risk_totals::timing_pence.eq(at_risk_totals::timing_pence + add.timing),
                at_risk_totals::ongoing_pence.eq(at_risk_totals::ongoing_pence + add.ongoing),
                at_risk_totals::entries.eq(at_risk_totals::entries + delta.entries),
            ))
            .returning((FIGURES, at_risk_totals::entries))
            .get_result::<(FigureColumns, i32)>(conn)
            .optional()
            .map(|row| {
                row.map(|(figures, entries)| Delta {
                    figures: figures_of(figures),
                    entries,
                })
            })
    }

    fn insert(
        conn: &mut DbConnection,
        key: &Key,
        delta: Delta<AtRiskFigures>,
    ) -> QueryResult<usize> {
        let (year, period, directorate, withdrawn) = key;
        let figures = delta.figures;
        diesel::insert_into(at_risk_totals::table)
            .values((
                at_risk_totals::year_start.eq(*year),
                at_risk_totals::period.eq(*period),
                at_risk_totals::directorate.eq(directorate),
                at_risk_totals::withdrawn.eq(*withdrawn),
                at_risk_totals::at_risk_pence.eq(figures.at_risk),
                at_risk_totals::planned_pence.eq(figures.planned),
                at_risk_totals::forecast_pence.eq(figures.forecast),
                at_risk_totals::timing_pence.eq(figures.timing),
                at_risk_totals::ongoing_pence.eq(figures.ongoing),
                at_risk_totals::entries.eq(delta.entries),
            ))
            .execute(conn)
    }

    fn remember(
        conn: &mut DbConnection,
        key: &Key,
        at: PrimitiveDateTime,
        state: Delta<AtRiskFigures>,
        first: bool,
    ) -> QueryResult<()> {
        let (figures, entries) = (state.figures, state.entries);
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
                    at_risk_total_states::at_risk_pence.eq(figures.at_risk),
                    at_risk_total_states::planned_pence.eq(figures.planned),
                    at_risk_total_states::forecast_pence.eq(figures.forecast),
                    at_risk_total_states::timing_pence.eq(figures.timing),
                    at_risk_total_states::ongoing_pence.eq(figures.ongoing),
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
                    at_risk_total_states::planned_pence
                        .eq(excluded(at_risk_total_states::planned_pence)),
                    at_risk_total_states::forecast_pence
                        .eq(excluded(at_risk_total_states::forecast_pence)),
                    at_risk_total_states::timing_pence
                        .eq(excluded(at_risk_total_states::timing_pence)),
                    at_risk_total_states::ongoing_pence
                        .eq(excluded(at_risk_total_states::ongoing_pence)),
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

/// How a line's assessments count: withdrawn or not, ongoing or one-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    pub withdrawn: bool,
    pub nature: LineNature,
}

/// Counts a line's assessments again as the line is withdrawn or reinstated, or changes nature (`before` to
/// `after`). Reads the line's assessments straight from their table.
pub fn recount_line(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    before: Counted,
    after: Counted,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    if before == after {
        return Ok(());
    }
    let assessed: Vec<(FinancialYear, Period, AssessedFigures)> = assessments::table
        .filter(assessments::line_ref.eq(line_ref))
        .select((assessments::year_start, assessments::period, ASSESSED))
        .load(conn)?;
    let mut change = Change::default();
    for (year, period, (amounts, split)) in assessed {
        let at_before = AtRiskFigures::of(amounts, split, before.nature);
        let at_after = AtRiskFigures::of(amounts, split, after.nature);
        change.assessment((year, period), line_ref, before.withdrawn, at_before, -1);
        change.assessment((year, period), line_ref, after.withdrawn, at_after, 1);
    }
    change.write(conn, at)
}

/// An assessment's (planned, forecast, at risk) and (timing, permanent).
type AssessedFigures = ((Money, Money, Money), (Money, Money));

/// The columns of `AssessedFigures`.
const ASSESSED: (
    (
        assessments::planned_pence,
        assessments::forecast_pence,
        assessments::at_risk_pence,
    ),
    (assessments::timing_pence, assessments::permanent_pence),
) = (
    (
        assessments::planned_pence,
        assessments::forecast_pence,
        assessments::at_risk_pence,
    ),
    (assessments::timing_pence, assessments::permanent_pence),
);

/// A totals row's figures, in the order of `figures_of`.
const FIGURES: (
    at_risk_totals::at_risk_pence,
    at_risk_totals::planned_pence,
    at_risk_totals::forecast_pence,
    at_risk_totals::timing_pence,
    at_risk_totals::ongoing_pence,
) = (
    at_risk_totals::at_risk_pence,
    at_risk_totals::planned_pence,
    at_risk_totals::forecast_pence,
    at_risk_totals::timing_pence,
    at_risk_totals::ongoing_pence,
);

/// A row's figures as `FIGURES` reads them.
type FigureColumns = (Money, Money, Money, Money, Money);

fn figures_of((at_risk, planned, forecast, timing, ongoing): FigureColumns) -> AtRiskFigures {
    AtRiskFigures {
        at_risk,
        planned,
        forecast,
        timing,
        ongoing,
    }
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
    let rows: Vec<(Key, FigureColumns)> = query
        .select((
            (
                at_risk_totals::year_start,
                at_risk_totals::period,
                at_risk_totals::directorate,
                at_risk_totals::withdrawn,
            ),
            FIGURES,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(key, figures)| at_risk_sum(key, figures_of(figures)))
        .collect())
}

/// The same sums as `sums`, added up from every assessment and its line's status rather than read from the kept
/// rows: what `mtfs verify` holds the kept rows to.
pub fn summed_from_assessments(conn: &mut DbConnection) -> QueryResult<Vec<AtRiskSum>> {
    type Row = (
        FinancialYear,
        Period,
        LineRef,
        LineStatus,
        LineNature,
        AssessedFigures,
    );
    let rows: Vec<Row> = assessments::table
        .inner_join(lines::table)
        .select((
            assessments::year_start,
            assessments::period,
            assessments::line_ref,
            lines::status,
            lines::nature,
            ASSESSED,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(year, period, line_ref, status, nature, (amounts, split))| AtRiskSum {
                year,
                period,
                directorate: line_ref.directorate().clone(),
                withdrawn: status == LineStatus::Withdrawn,
                figures: AtRiskFigures::of(amounts, split, nature),
            },
        )
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
    // One seek a figure: each is a scalar of the key's latest state (NULL when the row was gone then).
    let figure = |sql| then.select(kept_amount(sql)).single_value();
    type Then = Option<Money>;
    type States = (Then, Then, Then, Then, Then);
    let rows: Vec<(Key, States)> = query
        .select((
            (
                at_risk_total_keys::year_start,
                at_risk_total_keys::period,
                at_risk_total_keys::directorate,
                at_risk_total_keys::withdrawn,
            ),
            (
                figure(&["CASE WHEN at_risk_total_states.entries > 0 THEN at_risk_total_states.at_risk_pence END"]),
                figure(&["CASE WHEN at_risk_total_states.entries > 0 THEN at_risk_total_states.planned_pence END"]),
                figure(&["CASE WHEN at_risk_total_states.entries > 0 THEN at_risk_total_states.forecast_pence END"]),
                figure(&["CASE WHEN at_risk_total_states.entries > 0 THEN at_risk_total_states.timing_pence END"]),
                figure(&["CASE WHEN at_risk_total_states.entries > 0 THEN at_risk_total_states.ongoing_pence END"]),
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(key, (at_risk, planned, forecast, timing, ongoing))| {
            let figures = (at_risk?, planned?, forecast?, timing?, ongoing?);
            Some(at_risk_sum(key, figures_of(figures)))
        })
        .collect())
}

fn at_risk_sum((year, period, directorate, withdrawn): Key, figures: AtRiskFigures) -> AtRiskSum {
    AtRiskSum {
        year,
        period,
        directorate,
        withdrawn,
        figures,
    }
}
