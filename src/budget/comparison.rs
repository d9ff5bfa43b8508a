//! The approved budget as a report sets the plan against it: the latest baseline at an instant (or now) over
//! one directorate or all, and the savings written off since, by year. Loaded in a few reads of the kept
//! baseline totals; the reports (`summary`, `at_risk`) do the arithmetic.

use std::collections::BTreeMap;

use diesel::QueryResult;
use time::PrimitiveDateTime;

use super::model::BaselineYear;
use super::repo;
use crate::db::DbConnection;
use crate::domain::{DirectorateCode, FinancialYear, Money};

/// A baseline's name and decision, its savings and growth by year, and the savings written off since.
#[derive(Clone, Debug, Default)]
pub struct BudgetData {
    pub name: String,
    pub decision_id: i64,
    pub years: Vec<BaselineYear>,
    pub written_off: BTreeMap<FinancialYear, Money>,
}

impl BudgetData {
    /// The latest baseline set by `then` (now when `None`), over `directorate` or every one; `None` when no
    /// baseline was set by then.
    pub fn load(
        conn: &mut DbConnection,
        directorate: Option<&DirectorateCode>,
        then: Option<PrimitiveDateTime>,
    ) -> QueryResult<Option<BudgetData>> {
        let Some(row) = repo::list_baselines(conn, then)?.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(BudgetData {
            years: repo::years(conn, &row.name, directorate)?,
            written_off: repo::written_off(conn, directorate, then)?,
            name: row.name,
            decision_id: row.decision_id,
        }))
    }

    /// A year's savings in the baseline, less those written off since: the revised budget.
    pub fn revised_budget(&self, year: FinancialYear) -> (Money, Money, Money) {
        let baseline = self
            .years
            .iter()
            .find(|approved| approved.year == year)
            .map_or(Money::default(), |approved| approved.savings);
        let written_off = self.written_off.get(&year).copied().unwrap_or_default();
        (baseline, written_off, baseline - written_off)
    }
}
