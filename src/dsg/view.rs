//! The DSG tables, from the recorded figures now or as they stood at an instant (rebuilt from the audit trail).

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::model::{
    transfers_of, DsgBalance, DsgPlan, DsgRange, DsgTotals, DsgYear, PlanVariance, StoredBalance,
    Transfer, VarianceRow, VarianceYear,
};
use super::repo;
use crate::audit::{self, Entity};
use crate::db::{self, DbConnection};
use crate::domain::dsg::{checks, BlockYear, DsgBlock, Figure};
use crate::domain::money::Unit;
use crate::domain::summary::year_range;
use crate::domain::{FinancialYear, Money};
use crate::error::ApiError;

pub struct DsgData {
    pub balances: Vec<StoredBalance>,
    pub transfers: Vec<Transfer>,
}

impl DsgData {
    pub fn load(
        conn: &mut DbConnection,
        as_at: Option<OffsetDateTime>,
    ) -> Result<DsgData, ApiError> {
        match as_at {
            None => Ok(DsgData {
                balances: repo::all_balances(conn)?,
                transfers: repo::all_transfers(conn)?,
            }),
            Some(at) => Ok(DsgData {
                balances: audit::states_at(conn, Entity::DsgBalance, db::time::stored(at))?,
                transfers: audit::states_at(conn, Entity::DsgTransfer, db::time::stored(at))?,
            }),
        }
    }

    /// A year's recorded blocks, in the council's order.
    fn blocks(&self, year: FinancialYear) -> Vec<&StoredBalance> {
        let mut blocks: Vec<&StoredBalance> =
            self.balances.iter().filter(|b| b.year == year).collect();
        blocks.sort_by_key(|b| b.block);
        blocks
    }

    fn block_years(&self, year: FinancialYear) -> (FinancialYear, Vec<BlockYear>) {
        (
            year,
            self.blocks(year)
                .into_iter()
                .map(|b| b.block_year(&self.transfers))
                .collect(),
        )
    }

    pub fn balance(&self, stored: &StoredBalance) -> DsgBalance {
        let (transfers_in, transfers_out) =
            transfers_of(&self.transfers, stored.year, stored.block);
        let block_year = stored.block_year(&self.transfers);
        DsgBalance {
            year: stored.year,
            block: stored.block,
            opening_balance: Figure::of(stored.opening),
            movement: Figure::of(stored.movement),
            closing_balance: Figure::of(block_year.closing()),
            closing_as_reported: stored.closing_reported.is_some(),
            allocation: stored.allocation,
            allocation_before_recoupment: stored.allocation_before_recoupment,
            transfers_in,
            transfers_out,
            funding: block_year.funding,
            expenditure: stored.expenditure,
            note: stored.note.clone(),
            updated_at: stored.updated_at,
            version: stored.version,
        }
    }

    /// A year's table: its blocks, totals, and every check on it, carry-forward from the year before included.
    pub fn year_table(&self, year: FinancialYear) -> DsgYear {
        let previous = FinancialYear::starting(year.start() - 1);
        let mut span: Vec<(FinancialYear, Vec<BlockYear>)> =
            previous.map(|p| self.block_years(p)).into_iter().collect();
        span.push(self.block_years(year));
        let found = checks(&span)
            .into_iter()
            .filter(|check| check.year() == year)
            .collect();
        self.table_with(year, found)
    }

    fn table_with(&self, year: FinancialYear, checks: Vec<crate::domain::dsg::Check>) -> DsgYear {
        let blocks: Vec<DsgBalance> = self
            .blocks(year)
            .into_iter()
            .map(|b| self.balance(b))
            .collect();
        let sum = |figure: fn(&DsgBalance) -> Money| blocks.iter().map(figure).sum::<Money>();
        let total = DsgTotals {
            opening_balance: Figure::of(sum(|b| b.opening_balance.amount)),
            movement: Figure::of(sum(|b| b.movement.amount)),
            closing_balance: Figure::of(sum(|b| b.closing_balance.amount)),
        };
        DsgYear {
            year,
            blocks,
            total,
            checks,
            unit: Unit::Pounds,
            rounding_differences: Vec::new(),
        }
    }

    /// Years side by side, with every check across the range (and carry-forward into its first year).
    pub fn range(&self, from: FinancialYear, to: FinancialYear) -> DsgRange {
        let years: Vec<DsgYear> = year_range(from, to)
            .into_iter()
            .map(|year| self.year_table(year))
            .collect();
        let checks = years.iter().flat_map(|year| year.checks.clone()).collect();
        DsgRange {
            from,
            to,
            years,
            checks,
            unit: Unit::Pounds,
        }
    }

    /// The plan against the recorded movements, year by year and block by block, with the cumulative gap.
    pub fn variance(&self, plan: &DsgPlan) -> PlanVariance {
        let mut planned: BTreeMap<FinancialYear, BTreeMap<DsgBlock, Money>> = BTreeMap::new();
        for movement in &plan.movements {
            planned
                .entry(movement.year)
                .or_default()
                .insert(movement.block, movement.movement);
        }
        // Each block's running sum of known variances; the total's gap is theirs added up.
        let mut gaps: BTreeMap<DsgBlock, Money> = BTreeMap::new();
        let mut years = Vec::new();
        for (year, blocks) in planned {
            let actual_of = |block| {
                self.balances
                    .iter()
                    .find(|b| b.year == year && b.block == block)
                    .map(|b| b.movement)
            };
            let rows: Vec<VarianceRow> = blocks
                .iter()
                .map(|(&block, &planned)| {
                    let actual = actual_of(block);
                    let variance = actual.map(|actual| actual - planned);
                    let gap = gaps.entry(block).or_default();
                    *gap = *gap + variance.unwrap_or_default();
                    VarianceRow {
                        block: Some(block),
                        planned,
                        actual,
                        variance,
                        cumulative_gap: *gap,
                    }
                })
                .collect();
            let planned: Money = blocks.values().copied().sum();
            // The total's actual is known only when every planned block's is.
            let actual = rows.iter().map(|r| r.actual).sum::<Option<Money>>();
            let total = VarianceRow {
                block: None,
                planned,
                actual,
                variance: actual.map(|actual| actual - planned),
                cumulative_gap: gaps.values().copied().sum(),
            };
            years.push(VarianceYear {
                year,
                blocks: rows,
                total,
            });
        }
        PlanVariance {
            plan: plan.name.clone(),
            years,
        }
    }
}
