//! Every period and assessment, now or as they stood at an instant (rebuilt from the audit trail), for the
//! reports that put monitoring beside the plan.

use std::collections::{BTreeMap, HashSet};

use time::OffsetDateTime;

use super::model::{Assessment, MonitoringPeriod};
use super::repo;
use super::totals::AtRiskSum;
use crate::audit::{self, Entity};
use crate::db::{self, DbConnection};
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear, LineRef, Money};
use crate::error::ApiError;

pub struct Monitoring {
    pub periods: Vec<MonitoringPeriod>,
    pub assessments: Vec<Assessment>,
}

impl Monitoring {
    pub fn load(
        conn: &mut DbConnection,
        as_at: Option<OffsetDateTime>,
    ) -> Result<Monitoring, ApiError> {
        match as_at {
            None => Ok(Monitoring {
                periods: repo::list_periods(conn, None)?,
                assessments: repo::all_assessments(conn)?,
            }),
            Some(at) => Ok(Monitoring {
                periods: audit::states_at(conn, Entity::Period, db::time::stored(at))?,
                assessments: audit::states_at(conn, Entity::Assessment, db::time::stored(at))?,
            }),
        }
    }

    /// The periods, and the assessments of one year only.
    pub fn load_year(
        conn: &mut DbConnection,
        year: FinancialYear,
        as_at: Option<OffsetDateTime>,
    ) -> Result<Monitoring, ApiError> {
        let mut monitoring = match as_at {
            None => Monitoring {
                periods: repo::list_periods(conn, None)?,
                assessments: repo::assessments_of(conn, year, None)?,
            },
            Some(_) => Monitoring::load(conn, as_at)?,
        };
        monitoring.assessments.retain(|a| a.year == year);
        Ok(monitoring)
    }

    /// The amounts at risk summed as `totals` keeps them, given which lines were withdrawn.
    pub fn at_risk_sums(&self, withdrawn: &HashSet<LineRef>) -> Vec<AtRiskSum> {
        let mut sums: BTreeMap<(FinancialYear, Period, &DirectorateCode, bool), Money> =
            BTreeMap::new();
        for a in &self.assessments {
            let key = (
                a.year,
                a.period,
                a.line_ref.directorate(),
                withdrawn.contains(&a.line_ref),
            );
            let sum = sums.entry(key).or_default();
            *sum = *sum + a.at_risk;
        }
        sums.into_iter()
            .map(
                |((year, period, directorate, withdrawn), at_risk)| AtRiskSum {
                    year,
                    period,
                    directorate: directorate.clone(),
                    withdrawn,
                    at_risk,
                },
            )
            .collect()
    }

    pub fn period(&self, year: FinancialYear, period: Period) -> Option<&MonitoringPeriod> {
        self.periods
            .iter()
            .find(|p| p.year == year && p.period == period)
    }

    pub fn in_period(
        &self,
        year: FinancialYear,
        period: Period,
    ) -> impl Iterator<Item = &Assessment> {
        self.assessments
            .iter()
            .filter(move |a| a.year == year && a.period == period)
    }
}
