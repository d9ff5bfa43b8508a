//! Changes to periods and assessments, each inside the caller's write transaction, checked in full and
//! recorded in the audit trail.

use serde::Serialize;
use utoipa::ToSchema;

use super::model::{
    assessment_key, period_key, Assessment, CreatePeriod, MonitoringPeriod, PeriodStatus,
};
use super::{claims, repo};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::budget;
use crate::db::{self, DbConnection};
use crate::domain::monitoring::{
    check_assessment, AssessmentInput, CheckedAssessment, Period, Substitute, SubstituteSource,
};
use crate::domain::version;
use crate::domain::{FieldErrors, FinancialYear, LineKind, LineRef, LineStatus, Money};
use crate::error::ApiError;
use crate::lines;
use crate::lines::model::Line;
use crate::mitigations;
use crate::totals;
use crate::totals::at_risk::AtRiskFigures;

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
    let checked = assess(conn, actor, &line, (year, period), input)?;
    if let Some(current) = existing.as_ref().filter(|current| same(current, &checked)) {
        return Ok((current.clone(), false));
    }
    let assessment = new_assessment(
        (year, period),
        line_ref,
        checked,
        existing.as_ref().map_or(1, |e| e.version + 1),
        None,
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
        match assess(
            conn,
            actor,
            &line,
            (year, period),
            AssessmentInput::from(&previous),
        ) {
            Ok(checked) => {
                // Marked with the period it was last assessed in, however many periods it was carried through.
                let carried_from = Some(previous.carried_from.unwrap_or(earlier));
                let assessment =
                    new_assessment((year, period), &line_ref, checked, 1, carried_from);
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
    (year, period): (FinancialYear, Period),
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
    if input.substitutes.len() > MAX_SUBSTITUTES {
        return Err(ApiError::field(
            "substitutes",
            format!("at most {MAX_SUBSTITUTES} substitutes"),
        ));
    }
    for (index, substitute) in input.substitutes.iter().enumerate() {
        let field = format!("substitutes[{index}]");
        let room = match substitute.source() {
            // `check_assessment` names what is wrong with these.
            None => continue,
            Some(SubstituteSource::Saving(other)) if other == &line.line_ref => continue,
            Some(SubstituteSource::Saving(other)) => {
                match saving_room(conn, actor, (year, period), line, other, index)? {
                    Ok(room) => room,
                    Err(why) => {
                        errors.add(format!("{field}.ref"), why);
                        continue;
                    }
                }
            }
            Some(SubstituteSource::Mitigation(id)) => {
                match mitigation_room(conn, actor, (year, period), line, id, index)? {
                    Ok(room) => room,
                    Err(why) => {
                        errors.add(format!("{field}.mitigation"), why);
                        continue;
                    }
                }
            }
        };
        if substitute.amount > room {
            errors.add(
                format!("{field}.amount"),
                format!(
                    "{} is more than the {room} room {substitute_name} has left in {year} {period}",
                    substitute.amount,
                    substitute_name = SubstituteName(substitute),
                ),
            );
        }
    }
    let checked = check_assessment(
        input,
        &line.line_ref,
        year,
        planned.unwrap_or_default(),
        &mut errors,
    );
    // What other assessments of the period claim of this saving must stay within its room: of a budgeted
    // saving what it over-delivers, of another what it delivers.
    if errors.is_empty() {
        let source = SubstituteSource::Saving(&line.line_ref);
        let claimed = claims::claimed_by_others(conn, (year, period), source, &line.line_ref)?;
        if !claimed.is_zero() {
            let (room, floor) = if budgeted_in(conn, &line.line_ref, year)? {
                (checked.over_delivery(), checked.planned + claimed)
            } else {
                (checked.forecast, claimed)
            };
            if claimed > room {
                errors.add(
                    "forecast",
                    format!(
                        "other assessments of {year} {period} claim {claimed} of {} as substitutes: forecast at least {floor}",
                        line.line_ref
                    ),
                );
            }
        }
    }
    errors.into_result(checked).map_err(ApiError::Validation)
}

/// At most this many substitutes an assessment: each is a few reads.
const MAX_SUBSTITUTES: usize = 20;

/// A substitute as a message names it.
struct SubstituteName<'a>(&'a Substitute);

impl std::fmt::Display for SubstituteName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.source() {
            Some(SubstituteSource::Saving(line_ref)) => write!(f, "{line_ref}"),
            Some(SubstituteSource::Mitigation(id)) => write!(f, "mitigation {id}"),
            None => write!(f, "the substitute"),
        }
    }
}

/// Whether the latest baseline holding the saving has an amount for it in `year`: a budgeted saving.
fn budgeted_in(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    year: FinancialYear,
) -> Result<bool, ApiError> {
    let Some(baseline) = budget::repo::latest_baseline_of(conn, line_ref)? else {
        return Ok(false);
    };
    let amounts = budget::repo::baseline_amounts(conn, &baseline, line_ref)?;
    Ok(amounts
        .iter()
        .any(|(held, amount)| *held == year && !amount.is_zero()))
}

/// What a saving `other` can still substitute in the period, or why it cannot: a budgeted saving only what it
/// is forecast to over-deliver, an unbudgeted one what it is forecast to deliver (its plan, when not assessed),
/// less what the period's other assessments claim of it. 403 when the key may not change its directorate.
fn saving_room(
    conn: &mut DbConnection,
    actor: &Actor,
    (year, period): (FinancialYear, Period),
    line: &Line,
    other: &LineRef,
    index: usize,
) -> Result<Result<Money, String>, ApiError> {
    let found = match lines::service::find(conn, other) {
        Ok(found) => found,
        Err(ApiError::NotFound(_)) => return Ok(Err(format!("there is no line {other}"))),
        Err(error) => return Err(error),
    };
    if found.kind != LineKind::Saving {
        return Ok(Err(format!(
            "{other} is a growth line: only savings substitute"
        )));
    }
    if actor.require_editor_of(&found.directorate).is_err() {
        return Err(ApiError::Forbidden(format!(
            "key {} may not name {other} as a substitute (substitutes[{index}].ref): it may not change {}'s figures",
            actor.name, found.directorate
        )));
    }
    if found.status == LineStatus::Withdrawn {
        return Ok(Err(format!(
            "{other} is withdrawn: it has no room to substitute"
        )));
    }
    let assessed = repo::find_assessment(conn, year, period, other)?;
    let delivers = if budgeted_in(conn, other, year)? {
        match &assessed {
            Some(a) if a.forecast > a.planned => a.forecast - a.planned,
            Some(_) => return Ok(Err(format!(
                "{other} is in the approved budget and forecast to deliver no more than its plan in {year} {period}: its savings are counted already"
            ))),
            None => return Ok(Err(format!(
                "{other} is in the approved budget and not assessed in {year} {period}: only a forecast over-delivery can substitute"
            ))),
        }
    } else {
        match &assessed {
            Some(a) => a.forecast,
            None => found
                .years
                .iter()
                .find(|e| e.year == year)
                .map_or(Money::ZERO, |e| e.amount),
        }
    };
    let claimed = claims::claimed_by_others(
        conn,
        (year, period),
        SubstituteSource::Saving(other),
        &line.line_ref,
    )?;
    Ok(Ok(if claimed >= delivers {
        Money::ZERO
    } else {
        delivers - claimed
    }))
}

/// What a mitigation can still substitute in the period, or why it cannot: its amount, in its year, less what
/// the period's other assessments claim of it. 403 when the key may not change its directorate.
fn mitigation_room(
    conn: &mut DbConnection,
    actor: &Actor,
    (year, period): (FinancialYear, Period),
    line: &Line,
    id: i64,
    index: usize,
) -> Result<Result<Money, String>, ApiError> {
    let Some(found) = mitigations::repo::find(conn, id)? else {
        return Ok(Err(format!("there is no mitigation {id}")));
    };
    if actor.require_editor_of(&found.directorate).is_err() {
        return Err(ApiError::Forbidden(format!(
            "key {} may not name mitigation {id} as a substitute (substitutes[{index}].mitigation): it may not change {}'s figures",
            actor.name, found.directorate
        )));
    }
    if found.year != year {
        return Ok(Err(format!(
            "mitigation {id} is for {}, not {year}: a one-off mitigation covers its own year only",
            found.year
        )));
    }
    let claimed = claims::claimed_by_others(
        conn,
        (year, period),
        SubstituteSource::Mitigation(id),
        &line.line_ref,
    )?;
    Ok(Ok(if claimed >= found.amount {
        Money::ZERO
    } else {
        found.amount - claimed
    }))
}

fn new_assessment(
    (year, period): (FinancialYear, Period),
    line_ref: &LineRef,
    checked: CheckedAssessment,
    version: i64,
    carried_from: Option<Period>,
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
        timing: checked.timing,
        permanent: checked.permanent,
        carried_from,
        updated_at: db::time::utc(db::time::now()),
        version,
    }
}

/// Whether a PUT would change nothing: the same figures, and the assessment made afresh already (a PUT of a
/// carried assessment's figures assesses it now).
fn same(current: &Assessment, checked: &CheckedAssessment) -> bool {
    current.carried_from.is_none() && says_the_same(current, checked)
}

/// Whether an assessment says what a checked one would: every figure, text, slippage and substitute (carried or
/// not).
pub fn says_the_same(current: &Assessment, checked: &CheckedAssessment) -> bool {
    current.rag == checked.rag
        && current.planned == checked.planned
        && current.forecast == checked.forecast
        && current.at_risk == checked.at_risk
        && current.reason == checked.reason
        && current.mitigation == checked.mitigation
        && current.substitutes == checked.substitutes
        && current.slips_to == checked.slips_to
        && current.timing == checked.timing
        && current.permanent == checked.permanent
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
    let figures = |a: &Assessment| {
        AtRiskFigures::of(
            (a.planned, a.forecast, a.at_risk),
            (a.timing, a.permanent),
            line.nature,
        )
    };
    let mut change = totals::at_risk::Change::default();
    change.assessment(at, &assessment.line_ref, withdrawn, figures(assessment), 1);
    if let Some(before) = before {
        change.assessment(at, &before.line_ref, withdrawn, figures(before), -1);
    }
    repo::save_assessment(conn, assessment, before.is_none())?;
    claims::replace_claims(
        conn,
        (assessment.year, assessment.period),
        &assessment.line_ref,
        &assessment.substitutes,
    )?;
    change.write(conn, db::time::stored(assessment.updated_at))?;
    Ok(())
}
