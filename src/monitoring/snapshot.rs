//! Every period and assessment, now or as they stood at an instant (rebuilt from the audit trail), for the
//! reports that put monitoring beside the plan.

use time::OffsetDateTime;

use super::model::{Assessment, MonitoringPeriod};
use super::repo;
use crate::audit::{self, Entity};
use crate::db::{self, DbConnection};
use crate::domain::monitoring::Period;
use crate::domain::{FinancialYear, LineRef};
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

    pub fn period(&self, year: FinancialYear, period: Period) -> Option<&MonitoringPeriod> {
        self.periods
            .iter()
            .find(|p| p.year == year && p.period == period)
    }

    /// The latest period of `year` that has any assessment.
    pub fn latest_assessed(&self, year: FinancialYear) -> Option<Period> {
        self.assessments
            .iter()
            .filter(|a| a.year == year)
            .map(|a| a.period)
            .max()
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

    /// The line's assessment in the latest period of `year` before `period` that assessed it.
    pub fn previous(
        &self,
        year: FinancialYear,
        period: Period,
        line_ref: &LineRef,
    ) -> Option<&Assessment> {
        self.assessments
            .iter()
            .filter(|a| a.year == year && a.period < period && &a.line_ref == line_ref)
            .max_by_key(|a| a.period)
    }
}
