//! Changes to periods and assessments, each inside the caller's write transaction, checked in full and
//! recorded in the audit trail.

use serde::Serialize;
use utoipa::ToSchema;

use super::model::{
    assessment_key, period_key, Assessment, CreatePeriod, MonitoringPeriod, PeriodStatus,
};
use super::repo;
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::{self, DbConnection};
use crate::domain::monitoring::{check_assessment, AssessmentInput, CheckedAssessment, Period};
use crate::domain::version;
use crate::domain::{FieldErrors, FinancialYear, LineKind, LineRef, LineStatus};
use crate::error::ApiError;
use crate::lines;
use crate::lines::model::Line;
use crate::totals;

pub fn create_period(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreatePeriod,
) -> Result<MonitoringPeriod, ApiError> {
    actor.require_admin()?;
    let (year, period) = (request.year, request.period);
    let as_at = request.as_at.unwrap_or_else(|| period.last_day(year));
    let (calendar_year, month) = period.month(year);
    if (as_at.year(), as_at.month()) != (calendar_year, month) {
        return Err(ApiError::field(
            "as_at",
            format!("must fall in {month} {calendar_year}, the month of {year} {period}"),
        ));
    }
    let created = repo::insert_period(conn, year, period, as_at).map_err(|error| {
        match ApiError::from(error) {
            ApiError::Conflict(_) => ApiError::Conflict(format!("period {year} {period} exists")),
            other => other,
        }
    })?;
    audit::record(
        conn,
        actor,
        Change::created(
            created.created_at,
            Entity::Period,
            &period_key(year, period),
            &created,
        ),
    )?;
    Ok(created)
}

/// Closes a period: its assessments become read-only, as reported. Closing a closed period changes nothing.
pub fn close_period(
    conn: &mut DbConnection,
    actor: &Actor,
    year: FinancialYear,
    period: Period,
) -> Result<MonitoringPeriod, ApiError> {
    actor.require_admin()?;
    let before = find_period(conn, year, period)?;
    if before.status == PeriodStatus::Closed {
        return Ok(before);
    }
    let now = db::time::now();
    repo::close_period(conn, year, period, now)?;
    let after = find_period(conn, year, period)?;
    let change = Change::updated(
        db::time::utc(now),
        Entity::Period,
        &period_key(year, period),
        "closed",
        &before,
        &after,
        None,
    );
    audit::record(conn, actor, change)?;
    Ok(after)
}

/// Records or revises one line's assessment; returns it and whether it is new.
pub fn put_assessment(
    conn: &mut DbConnection,
    actor: &Actor,
    (year, period): (FinancialYear, Period),
    line_ref: &LineRef,
    if_match: Option<i64>,
    input: AssessmentInput,
) -> Result<(Assessment, bool), ApiError> {
    open_period(conn, year, period)?;
    let line = lines::service::find(conn, line_ref)?;
    actor.require_editor_of(&line.directorate)?;
    let existing = repo::find_assessment(conn, year, period, line_ref)?;
    version::check(
        if_match,
        existing.as_ref().map(|e| e.version),
        "this assessment",
    )?;
    let checked = assess(conn, actor, &line, year, input)?;
    if let Some(current) = existing.as_ref().filter(|current| same(current, &checked)) {
        return Ok((current.clone(), false));
    }
    let assessment = new_assessment(
        year,
        period,
        line_ref,
        checked,
        existing.as_ref().map_or(1, |e| e.version + 1),
    );
    save(conn, &assessment, existing.as_ref(), &line)?;
    let key = assessment_key(year, period, line_ref);
    let change = match &existing {
        None => Change::created(assessment.updated_at, Entity::Assessment, &key, &assessment),
        Some(before) => Change::updated(
            assessment.updated_at,
            Entity::Assessment,
            &key,
            "updated",
            before,
            &assessment,
            None,
        ),
    };
    audit::record(conn, actor, change)?;
    Ok((assessment, existing.is_none()))
}

/// What a copy-forward did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CopyOutcome {
    /// The refs whose assessments were copied.
    pub copied: Vec<String>,
    /// The refs left as they are, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Skipped {
    #[serde(rename = "ref")]
    pub line_ref: String,
    pub reason: String,
}

/// Starts a period from an earlier period's assessments (of the lines the key may change), keeping the
/// amounts at risk against each line's saving as it is now. Lines already assessed in the period are kept.
pub fn copy_from(
    conn: &mut DbConnection,
    actor: &Actor,
    year: FinancialYear,
    period: Period,
    earlier: Period,
) -> Result<CopyOutcome, ApiError> {
    open_period(conn, year, period)?;
    if earlier >= period {
        return Err(ApiError::parameter(
            "from",
            format!("copy from a period before {period}"),
        ));
    }
    find_period(conn, year, earlier)?;
    let mut outcome = CopyOutcome {
        copied: Vec::new(),
        skipped: Vec::new(),
    };
    for previous in repo::assessments_of(conn, year, Some(earlier))? {
        let line_ref = previous.line_ref.clone();
        let skip = |reason: String| Skipped {
            line_ref: line_ref.to_string(),
            reason,
        };
        if let Err(error) = actor.require_editor_of(line_ref.directorate()) {
            outcome.skipped.push(skip(error.to_string()));
            continue;
        }
        if repo::find_assessment(conn, year, period, &line_ref)?.is_some() {
            outcome
                .skipped
                .push(skip(format!("already assessed in {period}")));
            continue;
        }
        let line = lines::service::find(conn, &line_ref)?;
        match assess(conn, actor, &line, year, AssessmentInput::from(&previous)) {
            Ok(checked) => {
                let assessment = new_assessment(year, period, &line_ref, checked, 1);
                save(conn, &assessment, None, &line)?;
                let mut change = Change::created(
                    assessment.updated_at,
                    Entity::Assessment,
                    &assessment_key(year, period, &line_ref),
                    &assessment,
                );
                change.reason = Some(format!("copied from {year} {earlier}"));
                audit::record(conn, actor, change)?;
                outcome.copied.push(line_ref.to_string());
            }
            // A substitute in a directorate the key may not change: the line is the key's, its cover is not.
            Err(ApiError::Forbidden(why)) => outcome.skipped.push(skip(why)),
            Err(ApiError::Validation(errors)) => {
                let why = errors
                    .into_iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                outcome.skipped.push(skip(why));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(outcome)
}

/// A period that exists and is open.
fn open_period(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
) -> Result<MonitoringPeriod, ApiError> {
    let found = find_period(conn, year, period)?;
    match found.closed_at {
        Some(closed_at) => Err(ApiError::Conflict(format!(
            "period {year} {period} was closed at {closed_at}: its assessments are as reported and cannot change"
        ))),
        None => Ok(found),
    }
}

/// Every rule an assessment must keep, against the line and its substitutes as they are now. Naming a
/// substitute needs edit rights on its directorate too (403): a substitute says another directorate's saving
/// covers this shortfall, which is that directorate's commitment to make.
fn assess(
    conn: &mut DbConnection,
    actor: &Actor,
    line: &Line,
    year: FinancialYear,
    input: AssessmentInput,
) -> Result<CheckedAssessment, ApiError> {
    let mut errors = FieldErrors::default();
    if line.kind != LineKind::Saving {
        errors.add(
            "ref",
            format!(
                "{} is a growth line: only savings are assessed",
                line.line_ref
            ),
        );
    }
    if line.status == LineStatus::Withdrawn {
        errors.add("ref", format!("{} is withdrawn", line.line_ref));
    }
    let planned = line
        .years
        .iter()
        .find(|e| e.year == year)
        .map(|e| e.amount)
        .filter(|a| !a.is_zero());
    if planned.is_none() {
        errors.add("year", format!("{} has no saving in {year}", line.line_ref));
    }
    for (index, substitute) in input.substitutes.iter().enumerate() {
        match lines::service::find(conn, &substitute.line_ref) {
            Ok(other) if other.kind == LineKind::Saving => {
                if actor.require_editor_of(&other.directorate).is_err() {
                    return Err(ApiError::Forbidden(format!(
                        "key {} may not name {} as a substitute (substitutes[{index}].ref): it may not change {}'s figures",
                        actor.name, other.line_ref, other.directorate
                    )));
                }
            }
            Ok(_) => errors.add(
                format!("substitutes[{index}].ref"),
                format!(
                    "{} is a growth line: only savings substitute",
                    substitute.line_ref
                ),
            ),
            Err(ApiError::NotFound(_)) => errors.add(
                format!("substitutes[{index}].ref"),
                format!("there is no line {}", substitute.line_ref),
            ),
            Err(other) => return Err(other),
        }
    }
    let checked = check_assessment(
        input,
        &line.line_ref,
        year,
        planned.unwrap_or_default(),
        &mut errors,
    );
    errors.into_result(checked).map_err(ApiError::Validation)
}

fn new_assessment(
    year: FinancialYear,
    period: Period,
    line_ref: &LineRef,
    checked: CheckedAssessment,
    version: i64,
) -> Assessment {
    Assessment {
        year,
        period,
        line_ref: line_ref.clone(),
        rag: checked.rag,
        planned: checked.planned,
        forecast: checked.forecast,
        at_risk: checked.at_risk,
        reason: checked.reason,
        mitigation: checked.mitigation,
        substitutes: checked.substitutes,
        slips_to: checked.slips_to,
        updated_at: db::time::utc(db::time::now()),
        version,
    }
}

fn same(current: &Assessment, checked: &CheckedAssessment) -> bool {
    current.rag == checked.rag
        && current.planned == checked.planned
        && current.forecast == checked.forecast
        && current.at_risk == checked.at_risk
        && current.reason == checked.reason
        && current.mitigation == checked.mitigation
        && current.substitutes == checked.substitutes
        && current.slips_to == checked.slips_to
}

/// A period; 404 when there is none.
pub fn find_period(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
) -> Result<MonitoringPeriod, ApiError> {
    repo::find_period(conn, year, period)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no monitoring period {year} {period}")))
}

/// Writes an assessment, new or revising `before`, and keeps the at-risk totals in step. The caller has read
/// both the assessment it replaces and the line, so neither is read again here.
fn save(
    conn: &mut DbConnection,
    assessment: &Assessment,
    before: Option<&Assessment>,
    line: &Line,
) -> Result<(), ApiError> {
    let withdrawn = line.status == LineStatus::Withdrawn;
    let at = (assessment.year, assessment.period);
    let mut change = totals::at_risk::Change::default();
    change.assessment(at, &assessment.line_ref, withdrawn, assessment.at_risk, 1);
    if let Some(before) = before {
        change.assessment(at, &before.line_ref, withdrawn, before.at_risk, -1);
    }
    repo::save_assessment(conn, assessment, before.is_none())?;
    change.write(conn, db::time::stored(assessment.updated_at))?;
    Ok(())
}
