//! A directorate's return for a period: a row per saving planned that year (not withdrawn), pre-filled from its
//! latest assessment of the year up to the period. Loaded by two indexed reads, built by a pure function.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::domain::money::Unit;
use crate::domain::monitoring::{Period, Rag};
use crate::domain::{DirectorateCode, FinancialYear, LineRef, Money};
use crate::error::ApiError;
use crate::lines;
use crate::monitoring;
use crate::monitoring::model::{Assessment, MonitoringPeriod};
use crate::present::table::{Cell, Form, Table, Tabular};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The return of one directorate for one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavingsReturn {
    pub directorate: DirectorateCode,
    pub year: FinancialYear,
    pub period: Period,
    /// The period's "as at" date.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub as_at: Date,
    pub unit: Unit,
    /// A row per saving with an amount in the year, not withdrawn, by ref.
    pub rows: Vec<ReturnRow>,
}

/// One saving of a return: what it is, and its latest assessment of the year up to the period (none when it
/// has not been assessed this year).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnRow {
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    pub title: String,
    pub owner: Option<String>,
    /// The saving's amount in the year now.
    pub planned: Money,
    /// The period the figures below come from: this one, or the latest earlier one of the year (a carried
    /// assessment's, the period it was carried from).
    pub assessed_in: Option<Period>,
    pub rag: Option<Rag>,
    pub forecast: Option<Money>,
    pub at_risk: Option<Money>,
    pub timing: Option<Money>,
    pub permanent: Option<Money>,
    pub slips_to: Option<FinancialYear>,
    pub reason: Option<String>,
    pub mitigation: Option<String>,
    /// As one cell writes them: `CFE SAV16: 50000.00; mitigation 3: 10000.00`.
    pub substitutes: Option<String>,
}

/// What a return is built from.
pub struct ReturnData {
    pub period: MonitoringPeriod,
    pub savings: Vec<lines::repo::ReturnSaving>,
    /// The year's assessments of the directorate up to the period, by period and ref.
    pub assessments: Vec<Assessment>,
}

/// The period (404), the directorate's savings planned in the year, and its assessments up to the period.
pub fn load(
    conn: &mut DbConnection,
    directorate: &DirectorateCode,
    (year, period): (FinancialYear, Period),
) -> Result<ReturnData, ApiError> {
    let found = monitoring::service::find_period(conn, year, period)?;
    if crate::directorates::repo::find(conn, directorate)?.is_none() {
        return Err(ApiError::NotFound(format!(
            "there is no directorate {directorate}"
        )));
    }
    Ok(ReturnData {
        period: found,
        savings: lines::repo::savings_for_return(conn, directorate, year)?,
        assessments: monitoring::repo::assessments_up_to(conn, year, period, Some(directorate))?,
    })
}

/// The return, pure: each saving with its latest assessment up to the period.
pub fn build(directorate: DirectorateCode, data: ReturnData, unit: Unit) -> SavingsReturn {
    // In period order, so each line's last is its latest.
    let latest: HashMap<&LineRef, &Assessment> = data
        .assessments
        .iter()
        .map(|assessment| (&assessment.line_ref, assessment))
        .collect();
    let rows = data
        .savings
        .iter()
        .map(|saving| {
            let last = latest.get(&saving.line_ref);
            ReturnRow {
                line_ref: saving.line_ref.clone(),
                title: saving.title.clone(),
                owner: saving.owner.clone(),
                planned: saving.amount,
                // A carried assessment's figures come from the period it was carried from.
                assessed_in: last.map(|a| a.carried_from.unwrap_or(a.period)),
                rag: last.map(|a| a.rag),
                forecast: last.map(|a| a.forecast),
                at_risk: last.map(|a| a.at_risk),
                timing: last.map(|a| a.timing),
                permanent: last.map(|a| a.permanent),
                slips_to: last.and_then(|a| a.slips_to),
                reason: last.and_then(|a| a.reason.clone()),
                mitigation: last.and_then(|a| a.mitigation.clone()),
                substitutes: last
                    .filter(|a| !a.substitutes.is_empty())
                    .map(|a| substitutes_cell(a)),
            }
        })
        .collect();
    SavingsReturn {
        directorate,
        year: data.period.year,
        period: data.period.period,
        as_at: data.period.as_at,
        unit,
        rows,
    }
}

/// An assessment's substitutes in one cell: `CFE SAV16: 50000.00; mitigation 3: 10000.00`.
fn substitutes_cell(assessment: &Assessment) -> String {
    assessment
        .substitutes
        .iter()
        .map(|s| {
            let named = s.to_string();
            match named.rsplit_once(' ') {
                Some((source, amount)) => format!("{source}: {amount}"),
                None => named,
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Tabular for SavingsReturn {
    /// The return as the services fill it in: the directorate, year and period on every row, so that a file
    /// says which return it is wherever its rows go; the title (XLSX) names the as-at date.
    fn table(&self) -> Table {
        let title = format!(
            "Savings return {} {} {}, as at {}",
            self.directorate, self.year, self.period, self.as_at
        );
        // The columns a return is read back by, in the order it is sent out.
        let columns = super::read::COLUMNS;
        let mut table = Table::new(title, columns);
        // What the service fills in starts at `rag` (the columns before say which saving and what was sent).
        let rag = columns
            .iter()
            .position(|c| *c == "rag")
            .unwrap_or(columns.len());
        table.form = Some(Form {
            editable_from: rag,
            choices: vec![(rag, vec!["blue", "green", "amber", "red"])],
        });
        for row in &self.rows {
            let rag = row.rag.map(|rag| rag.as_str().to_owned());
            table.row([
                Cell::from(self.directorate.to_string()),
                Cell::from(self.year.to_string()),
                Cell::from(self.period.to_string()),
                Cell::from(row.line_ref.to_string()),
                Cell::from(row.title.clone()),
                Cell::from(row.owner.clone()),
                Cell::from(row.planned),
                Cell::from(row.assessed_in.map(|p| p.to_string())),
                Cell::from(rag),
                Cell::from(row.forecast),
                Cell::from(row.at_risk),
                Cell::from(row.timing),
                Cell::from(row.permanent),
                Cell::from(row.slips_to.map(|y| y.to_string())),
                Cell::from(row.reason.clone()),
                Cell::from(row.mitigation.clone()),
                Cell::from(row.substitutes.clone()),
            ]);
        }
        table
    }
}
