//! Every period and assessment, now or as they stood at an instant (rebuilt from the audit trail), for the
//! reports that put monitoring beside the plan.

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;

use super::model::{Assessment, MonitoringPeriod, PeriodStatus};
use super::repo;
use super::totals::{AtRiskFigures, AtRiskSum, Counted};
use crate::audit::snapshot::{
    AssessmentSnapshotV2, Audited, PeriodSnapshotV1, PeriodStatusV1, Replayed, SubstituteV2,
};
use crate::audit::{self, Entity};
use crate::db::{self, DbConnection};
use crate::domain::monitoring::{Period, Substitute};
use crate::domain::{DirectorateCode, FinancialYear, LineNature, LineRef};
use crate::error::ApiError;
use crate::totals::Figures;

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

    /// The periods as they stood at `at` (a few events each).
    pub fn periods_at(
        conn: &mut DbConnection,
        at: OffsetDateTime,
    ) -> Result<Vec<MonitoringPeriod>, ApiError> {
        Ok(audit::states_at(
            conn,
            Entity::Period,
            db::time::stored(at),
        )?)
    }

    /// The periods, and the assessments of one year's periods up to `up_to` (of one directorate's lines, or
    /// all) as they stood at `at`: from the kept states, or (before they began) replayed from the trail.
    pub fn up_to_at(
        conn: &mut DbConnection,
        year: FinancialYear,
        up_to: Period,
        directorate: Option<&DirectorateCode>,
        at: OffsetDateTime,
    ) -> Result<Monitoring, ApiError> {
        let stored_at = db::time::stored(at);
        if audit::states_cover(conn, stored_at)? {
            return Ok(Monitoring {
                periods: Monitoring::periods_at(conn, at)?,
                assessments: repo::assessments_at(conn, year, up_to, directorate, stored_at)?,
            });
        }
        let mut monitoring = Monitoring::load(conn, Some(at))?;
        monitoring.assessments.retain(|a| {
            a.year == year
                && a.period <= up_to
                && directorate.is_none_or(|code| a.line_ref.directorate() == code)
        });
        Ok(monitoring)
    }

    /// The assessed savings summed as `totals` keeps them, given how each line counts (withdrawn or not,
    /// ongoing or one-off); an assessment of a line not given counts as an ongoing saving not withdrawn.
    pub fn at_risk_sums(&self, lines: &HashMap<LineRef, Counted>) -> Vec<AtRiskSum> {
        let mut sums: BTreeMap<(FinancialYear, Period, &DirectorateCode, bool), AtRiskFigures> =
            BTreeMap::new();
        for a in &self.assessments {
            let counted = lines.get(&a.line_ref).copied().unwrap_or(Counted {
                withdrawn: false,
                nature: LineNature::Ongoing,
            });
            let key = (
                a.year,
                a.period,
                a.line_ref.directorate(),
                counted.withdrawn,
            );
            let figures = AtRiskFigures::of(
                (a.planned, a.forecast, a.at_risk),
                (a.timing, a.permanent),
                counted.nature,
            );
            let sum = sums.entry(key).or_default();
            *sum = sum.plus(figures, 1);
        }
        sums.into_iter()
            .map(
                |((year, period, directorate, withdrawn), figures)| AtRiskSum {
                    year,
                    period,
                    directorate: directorate.clone(),
                    withdrawn,
                    figures,
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

/// A period as the audit trail stores it, and back.
impl Audited for MonitoringPeriod {
    type Snapshot = PeriodSnapshotV1;
    fn snapshot(&self) -> PeriodSnapshotV1 {
        PeriodSnapshotV1 {
            year: self.year,
            period: self.period,
            as_at: self.as_at,
            status: match self.status {
                PeriodStatus::Open => PeriodStatusV1::Open,
                PeriodStatus::Closed => PeriodStatusV1::Closed,
            },
            closed_at: self.closed_at,
            created_at: self.created_at,
        }
    }
}

impl Replayed for MonitoringPeriod {
    fn from_snapshot(period: PeriodSnapshotV1) -> MonitoringPeriod {
        MonitoringPeriod {
            year: period.year,
            period: period.period,
            as_at: period.as_at,
            status: match period.status {
                PeriodStatusV1::Open => PeriodStatus::Open,
                PeriodStatusV1::Closed => PeriodStatus::Closed,
            },
            closed_at: period.closed_at,
            created_at: period.created_at,
        }
    }
}

/// An assessment as the audit trail stores it, and back.
impl Audited for Assessment {
    type Snapshot = AssessmentSnapshotV2;
    fn snapshot(&self) -> AssessmentSnapshotV2 {
        AssessmentSnapshotV2 {
            year: self.year,
            period: self.period,
            line_ref: self.line_ref.clone(),
            rag: self.rag,
            planned: self.planned,
            forecast: self.forecast,
            at_risk: self.at_risk,
            timing: self.timing,
            permanent: self.permanent,
            carried_from: self.carried_from,
            reason: self.reason.clone(),
            mitigation: self.mitigation.clone(),
            substitutes: self
                .substitutes
                .iter()
                .map(|s| SubstituteV2 {
                    line_ref: s.line_ref.clone(),
                    mitigation: s.mitigation,
                    amount: s.amount,
                })
                .collect(),
            slips_to: self.slips_to,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

impl Replayed for Assessment {
    fn from_snapshot(a: AssessmentSnapshotV2) -> Assessment {
        Assessment {
            year: a.year,
            period: a.period,
            line_ref: a.line_ref,
            rag: a.rag,
            planned: a.planned,
            forecast: a.forecast,
            at_risk: a.at_risk,
            timing: a.timing,
            permanent: a.permanent,
            carried_from: a.carried_from,
            reason: a.reason,
            mitigation: a.mitigation,
            substitutes: a
                .substitutes
                .into_iter()
                .map(|s| Substitute {
                    line_ref: s.line_ref,
                    mitigation: s.mitigation,
                    amount: s.amount,
                })
                .collect(),
            slips_to: a.slips_to,
            updated_at: a.updated_at,
            version: a.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::snapshot;
    use crate::domain::monitoring::Rag;
    use crate::domain::Money;

    /// CFE SAV09 at 2021/22 P3, as stored before snapshots had types of their own.
    const STORED_ASSESSMENT: &str = r#"{"at_risk":"237000.00","forecast":"423000.00","mitigation":"Interim staffing savings","period":"P3","planned":"660000.00","rag":"amber","reason":"Children's centre consultation extended","ref":"CFE SAV09","slips_to":"2022/23","substitutes":[{"amount":"100000.00","ref":"CFE SAV16"}],"updated_at":"2021-07-05T10:00:00Z","version":1,"year":"2021/22"}"#;
    const STORED_PERIOD: &str = r#"{"as_at":"2021-06-30","closed_at":"2021-07-20T12:00:00Z","created_at":"2021-07-01T09:00:00Z","period":"P3","status":"closed","year":"2021/22"}"#;

    #[test]
    fn monitoring_stored_before_snapshots_replays_and_is_stored_as_it_was() {
        let assessment = Assessment::from_snapshot(snapshot::read(STORED_ASSESSMENT).unwrap());
        assert_eq!(assessment.line_ref.to_string(), "CFE SAV09");
        assert_eq!(assessment.rag, Rag::Amber);
        assert_eq!(assessment.at_risk, Money::parse("237000.00").unwrap());
        assert_eq!(
            assessment.substitutes[0]
                .line_ref
                .as_ref()
                .map(LineRef::to_string),
            Some("CFE SAV16".to_owned())
        );
        assert_eq!(
            assessment.slips_to,
            Some(FinancialYear::parse("2022/23").unwrap())
        );
        // V1 said nothing of the shortfall's nature: one that slips was timing (issue 17).
        assert_eq!(assessment.timing, Money::parse("237000.00").unwrap());
        assert_eq!(assessment.permanent, Money::ZERO);
        let stored = snapshot::stored(&assessment.snapshot()).to_string();
        assert!(stored.contains(r#""snapshot_version":2"#), "{stored}");
        assert_eq!(
            Assessment::from_snapshot(snapshot::read(&stored).unwrap()),
            assessment
        );
        let period = MonitoringPeriod::from_snapshot(snapshot::read(STORED_PERIOD).unwrap());
        assert_eq!(period.status, PeriodStatus::Closed);
        assert_eq!(period.as_at, time::macros::date!(2021 - 06 - 30));
        assert_eq!(
            snapshot::stored(&period.snapshot()).to_string(),
            STORED_PERIOD
        );
    }
}
