//! Amounts at risk by year, period, directorate, and withdrawn or not, kept exact in the transaction of every
//! assessment write and every withdrawal or reinstatement of a line, so the summary reads these few rows
//! rather than every assessment. Write transactions are serialised (db/transaction.rs), on one process or many.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::schema::at_risk_totals;
use crate::db::{DbConnection, MultiBackend};
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear, LineRef, Money};
use crate::error::ApiError;

/// The amount at risk in one period, for one directorate's lines, withdrawn or not.
#[derive(Clone, Debug)]
pub struct AtRiskSum {
    pub year: FinancialYear,
    pub period: Period,
    pub directorate: DirectorateCode,
    pub withdrawn: bool,
    pub at_risk: Money,
}

/// Changes to the totals, gathered by row.
#[derive(Default)]
pub struct AtRiskChange {
    rows: BTreeMap<(FinancialYear, Period, DirectorateCode, bool), (i64, i32)>,
}

impl AtRiskChange {
    /// Counts an assessment's amount at risk in (`sign` 1) or out (`sign` -1).
    pub fn count(
        &mut self,
        year: FinancialYear,
        period: Period,
        line_ref: &LineRef,
        withdrawn: bool,
        at_risk: Money,
        sign: i32,
    ) {
        let key = (year, period, line_ref.directorate().clone(), withdrawn);
        let (pence, entries) = self.rows.entry(key).or_default();
        *pence += at_risk.pence() * i64::from(sign);
        *entries += sign;
    }

    /// Writes the change: a statement or two per row touched, none where it cancels out.
    pub fn write(self, conn: &mut DbConnection) -> Result<(), ApiError> {
        for ((year, period, directorate, withdrawn), (pence, entries)) in self.rows {
            if pence == 0 && entries == 0 {
                continue;
            }
            let row = at_risk_totals::table
                .filter(at_risk_totals::year_start.eq(year))
                .filter(at_risk_totals::period.eq(period))
                .filter(at_risk_totals::directorate.eq(&directorate))
                .filter(at_risk_totals::withdrawn.eq(withdrawn));
            if entries < 0
                && diesel::delete(row.filter(at_risk_totals::entries.eq(-entries))).execute(conn)?
                    == 1
            {
                continue; // those were the row's last assessments
            }
            let changed = diesel::update(row)
                .set((
                    at_risk_totals::at_risk_pence.eq(at_risk_totals::at_risk_pence + pence),
                    at_risk_totals::entries.eq(at_risk_totals::entries + entries),
                ))
                .execute(conn)?;
            match (changed, entries > 0) {
                (1, _) => {}
                (0, true) => {
                    diesel::insert_into(at_risk_totals::table)
                        .values((
                            at_risk_totals::year_start.eq(year),
                            at_risk_totals::period.eq(period),
                            at_risk_totals::directorate.eq(&directorate),
                            at_risk_totals::withdrawn.eq(withdrawn),
                            at_risk_totals::at_risk_pence.eq(pence),
                            at_risk_totals::entries.eq(entries),
                        ))
                        .execute(conn)?;
                }
                _ => {
                    return Err(ApiError::Internal(format!(
                        "at-risk totals have no row for {directorate} {year} {period}"
                    )))
                }
            }
        }
        Ok(())
    }
}

/// Moves a line's amounts at risk between the withdrawn and the counted totals, as the line is withdrawn
/// (`withdrawn` true) or reinstated.
pub fn move_line(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    withdrawn: bool,
) -> Result<(), ApiError> {
    let mut change = AtRiskChange::default();
    for assessment in super::repo::assessments_of_line(conn, line_ref)? {
        let (year, period, at_risk) = (assessment.year, assessment.period, assessment.at_risk);
        change.count(year, period, line_ref, !withdrawn, at_risk, -1);
        change.count(year, period, line_ref, withdrawn, at_risk, 1);
    }
    change.write(conn)
}

/// Every total, or one directorate's.
pub fn sums(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
) -> Result<Vec<AtRiskSum>, ApiError> {
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
    Ok(rows
        .into_iter()
        .map(
            |(year, period, directorate, withdrawn, at_risk)| AtRiskSum {
                year,
                period,
                directorate,
                withdrawn,
                at_risk,
            },
        )
        .collect())
}
