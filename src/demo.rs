//! The CFE 2021–24 demo dataset: the Children, Families & Education directorate's MTFS lines as approved in
//! February 2021, shipped with the service so that `mtfs load-demo` needs nothing outside the repository.

use serde::Deserialize;

use crate::auth::Actor;
use crate::budget::{
    self,
    model::{CreateBaseline, CreateDecision, DecisionBody},
};
use crate::db::{write_transaction, DbConnection};
use crate::directorates::{self, CreateDirectorate};
use crate::domain::dsg::DsgBlock;
use crate::domain::monitoring::{AssessmentInput, Period, Rag};
use crate::domain::{DirectorateCode, FinancialYear, LineRef, LineStatus, Money};
use crate::dsg::{self, model::SetBalance};
use crate::error::ApiError;
use crate::lines::model::CreateLine;
use crate::lines::repo::{self, LineFilter};
use crate::lines::service;
use crate::monitoring::{self, model::CreatePeriod};
use crate::people::{self, model::CreatePerson};
use crate::plans::{self, import::PlanImportReport};

pub const CFE_2021_24: &str = include_str!("../data/demo/cfe-2021-24.json");
/// The people the 2021 delivery plans name, with the spellings and initials the papers use.
pub const CFE_PEOPLE: &str = include_str!("../data/demo/cfe-people.json");
/// The February 2021 delivery plan's high level milestones, each linked (`action_ref`) to the July action it
/// became where there is one; and the July 2021 improvement plan's action tables, as printed.
pub const CFE_PLAN_FEBRUARY_2021: &str = include_str!("../data/demo/cfe-plan-february-2021.csv");
pub const CFE_PLAN_JULY_2021: &str = include_str!("../data/demo/cfe-plan-july-2021.csv");

#[derive(Deserialize)]
struct Dataset {
    directorates: Vec<CreateDirectorate>,
    lines: Vec<CreateLine>,
    savings_at_risk: SavingsAtRisk,
    dsg_balances: DsgBalances,
}

/// The DSG table as printed: a year's blocks (the Central School Services block is not printed).
#[derive(Deserialize)]
struct DsgBalances {
    year: FinancialYear,
    rows: Vec<DsgRow>,
}

#[derive(Deserialize)]
struct DsgRow {
    block: DsgBlock,
    opening_balance: Money,
    movement: Money,
    closing_balance: Money,
}

/// The savings at risk reported to scrutiny for one period: the at-risk amount of each line.
#[derive(Deserialize)]
struct SavingsAtRisk {
    year: FinancialYear,
    period: Period,
    #[serde(with = "iso_date")]
    as_at: time::Date,
    rows: Vec<AtRiskRow>,
}

#[derive(Deserialize)]
struct AtRiskRow {
    #[serde(rename = "ref")]
    line_ref: LineRef,
    at_risk: Money,
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// What a load did.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    Lines(usize),
    AlreadyThere,
}

/// Loads the dataset as approved (`agreed`), then the period reported to scrutiny (2021/22 P3) with its
/// assessments: red where the whole year's saving is at risk, amber where part is; and the DSG balances at
/// 31 March 2021 by block, as printed. Lines printed without a ref are given the next unused numbers
/// after every printed ref is in, so they never take a number the papers already use.
/// Refuses to load twice: the ref-less lines would otherwise be recorded again under new numbers.
/// All of it is one transaction, recorded in the audit trail as the work of `actor`.
pub fn load(conn: &mut DbConnection, actor: &Actor) -> Result<Loaded, ApiError> {
    write_transaction(conn, |conn| {
        let loaded = load_within(conn, actor, Approval::Approved)?;
        if loaded != Loaded::AlreadyThere {
            load_plans_within(conn, actor)?;
        }
        Ok(loaded)
    })
}

/// The CFE directory, then the February 2021 plan's milestones and the July 2021 plan's actions over them (the
/// July plan moves the due dates of the milestones it carries on), each through the plan import's rules.
/// Answers the two imports' reports. Needs the demo's lines.
pub fn load_plans(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<[PlanImportReport; 2], ApiError> {
    write_transaction(conn, |conn| load_plans_within(conn, actor))
}

#[derive(Deserialize)]
struct Directory {
    people: Vec<CreatePerson>,
}

fn load_plans_within(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<[PlanImportReport; 2], ApiError> {
    let cfe = DirectorateCode::parse_lenient("CFE")
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    let directory: Directory = serde_json::from_str(CFE_PEOPLE).map_err(|error| {
        ApiError::Internal(format!("the shipped directory is unreadable: {error}"))
    })?;
    for mut person in directory.people {
        person.directorate = Some(cfe.clone());
        people::service::create(conn, actor, person)?;
    }
    let window = plans::import::window(conn, &cfe)?;
    let mut load = |layout, text: &str| -> Result<PlanImportReport, ApiError> {
        let file = plans::read::read(layout, plans::read::Format::Csv, text.as_bytes(), window)?;
        plans::import::apply(conn, actor, &cfe, layout, &file)
    };
    Ok([
        load(plans::read::Layout::Milestones, CFE_PLAN_FEBRUARY_2021)?,
        load(plans::read::Layout::Actions, CFE_PLAN_JULY_2021)?,
    ])
}

/// Whether the demo's lines are loaded as Budget Council approved them (in the baseline, so their profiles,
/// owners and statuses change only by change request) or as a plan not yet in any baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approval {
    Approved,
    PlanOnly,
}

pub fn load_as(
    conn: &mut DbConnection,
    actor: &Actor,
    approval: Approval,
) -> Result<Loaded, ApiError> {
    write_transaction(conn, |conn| load_within(conn, actor, approval))
}

/// The name of the demo's baseline: Table 8 as Budget Council approved it.
pub const BASELINE: &str = "Budget Council, February 2021";

/// Table 8 as the approved budget, by Budget Council's decision. The papers give the month, not the day: the
/// month's last day stands for it.
fn set_baseline(conn: &mut DbConnection, actor: &Actor) -> Result<(), ApiError> {
    let decision = budget::service::record_decision(
        conn,
        actor,
        CreateDecision {
            body: DecisionBody::Council,
            body_name: None,
            decided_on: time::macros::date!(2021 - 02 - 28),
            reference: "Budget Council, February 2021: MTFS 2021/22 to 2023/24".to_owned(),
            summary: "Approved the Children, Families & Education savings and growth of the delivery plan 2021-2024 (Table 8)".to_owned(),
        },
    )?;
    budget::service::set_baseline(
        conn,
        actor,
        CreateBaseline {
            name: BASELINE.to_owned(),
            decision_id: decision.id,
        },
    )?;
    Ok(())
}

fn load_within(
    conn: &mut DbConnection,
    actor: &Actor,
    approval: Approval,
) -> Result<Loaded, ApiError> {
    let dataset: Dataset = serde_json::from_str(CFE_2021_24).map_err(|error| {
        ApiError::Internal(format!("the shipped demo data is unreadable: {error}"))
    })?;
    for directorate in &dataset.directorates {
        let filter = LineFilter {
            directorate: Some(directorate.code.clone()),
            ..LineFilter::default()
        };
        if directorates::repo::find(conn, &directorate.code)?.is_some()
            && !repo::list(conn, &filter, None, 1)?.is_empty()
        {
            return Ok(Loaded::AlreadyThere);
        }
    }
    for directorate in &dataset.directorates {
        if directorates::repo::find(conn, &directorate.code)?.is_none() {
            directorates::service::create(conn, actor, directorate)?;
        }
    }
    let (printed, unprinted): (Vec<_>, Vec<_>) = dataset
        .lines
        .into_iter()
        .partition(|line| line.line_ref.is_some());
    let count = printed.len() + unprinted.len();
    for mut line in printed.into_iter().chain(unprinted) {
        line.status = Some(LineStatus::Agreed);
        service::create(conn, actor, line)?;
    }
    if approval == Approval::Approved {
        set_baseline(conn, actor)?;
    }
    let reported = dataset.savings_at_risk;
    let period = CreatePeriod {
        year: reported.year,
        period: reported.period,
        as_at: Some(reported.as_at),
    };
    monitoring::service::create_period(conn, actor, period)?;
    let reason = format!(
        "Reported to scrutiny as at risk, position at {}",
        reported.as_at
    );
    for row in reported.rows {
        let planned = service::find(conn, &row.line_ref)?
            .years
            .iter()
            .find(|e| e.year == reported.year)
            .map(|e| e.amount);
        let input = AssessmentInput {
            rag: if planned == Some(row.at_risk) {
                Rag::Red
            } else {
                Rag::Amber
            },
            forecast: None,
            at_risk: Some(row.at_risk),
            reason: Some(reason.clone()),
            mitigation: None,
            substitutes: Vec::new(),
            slips_to: None,
            // The report gives no reason to expect them later: permanent, the prudent reading.
            timing: None,
            permanent: None,
        };
        monitoring::service::put_assessment(
            conn,
            actor,
            (reported.year, reported.period),
            &row.line_ref,
            None,
            input,
        )?;
    }
    let dsg = dataset.dsg_balances;
    for row in dsg.rows {
        let figures = SetBalance {
            opening_balance: row.opening_balance,
            movement: row.movement,
            closing_balance: Some(row.closing_balance),
            funding: None,
            allocation_before_recoupment: None,
            expenditure: None,
            note: None,
        };
        dsg::service::set_balance(conn, actor, (dsg.year, row.block), None, figures)?;
    }
    Ok(Loaded::Lines(count))
}
