//! The rules of decisions and baselines, each write one transaction with its audit event: a decision is taken
//! today or before, by a named body; a baseline is set by an admin, once per name, with a decision, from the
//! lines' approved profiles now.

use super::model::{
    Baseline, BaselineWithLines, CreateBaseline, CreateDecision, Decision, DecisionBody,
};
use super::repo::{self, BaselineRow, NewDecision};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::{self, DbConnection};
use crate::domain::text::{check_text, TextLimit, MAX_DESCRIPTION, MAX_NAME, MAX_TITLE};
use crate::domain::FieldErrors;
use crate::error::ApiError;

const MAX_BASELINE_NAME: TextLimit = TextLimit::one_line(100);

/// Records a decision. Any key but a reader's may: recording what a body decided changes no figure.
pub fn record_decision(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreateDecision,
) -> Result<Decision, ApiError> {
    let mut errors = FieldErrors::default();
    let body_name = match (request.body, request.body_name.as_deref()) {
        (DecisionBody::Other, Some(name)) => {
            Some(check_text(name, "body_name", true, MAX_NAME, &mut errors))
        }
        (DecisionBody::Other, None) => {
            errors.add("body_name", "name the body when `body` is `other`");
            None
        }
        (body, Some(_)) => {
            errors.add(
                "body_name",
                format!(
                    "only a body `other` is named; `{}` is its own name",
                    body.as_str()
                ),
            );
            None
        }
        (_, None) => None,
    };
    let reference = check_text(
        &request.reference,
        "reference",
        true,
        MAX_TITLE,
        &mut errors,
    );
    let summary = check_text(
        &request.summary,
        "summary",
        true,
        MAX_DESCRIPTION,
        &mut errors,
    );
    let now = db::time::now();
    if request.decided_on > now.date() {
        errors.add(
            "decided_on",
            format!(
                "{} is in the future: record a decision once it is taken",
                request.decided_on
            ),
        );
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    let decision = repo::insert_decision(
        conn,
        &NewDecision {
            body: request.body,
            body_name: body_name.as_deref(),
            decided_on: request.decided_on,
            reference: &reference,
            summary: &summary,
            recorded_by: &actor.name,
            recorded_at: now,
        },
    )?;
    audit::record(
        conn,
        actor,
        Change::created(
            decision.recorded_at,
            Entity::Decision,
            &decision.id.to_string(),
            &decision,
        ),
    )?;
    Ok(decision)
}

pub fn find_decision(conn: &mut DbConnection, id: i64) -> Result<Decision, ApiError> {
    repo::find_decision(conn, id)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no decision {id}")))
}

/// Sets a baseline: admin only; its name unused (409), its decision recorded (422 naming `decision_id`).
pub fn set_baseline(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreateBaseline,
) -> Result<Baseline, ApiError> {
    actor.require_admin()?;
    let mut errors = FieldErrors::default();
    let name = check_text(&request.name, "name", true, MAX_BASELINE_NAME, &mut errors);
    check_decision(conn, request.decision_id, &mut errors)?;
    errors.into_result(()).map_err(ApiError::Validation)?;
    if repo::find_baseline(conn, &name)?.is_some() {
        return Err(ApiError::Conflict(format!(
            "a baseline named {name} is set; a baseline never changes: set another under a new name"
        )));
    }
    let row = BaselineRow {
        name,
        decision_id: request.decision_id,
        set_by: actor.name.clone(),
        set_at: db::time::now(),
    };
    repo::insert_baseline(conn, &row)?;
    let baseline = baseline_of(conn, row)?;
    audit::record(
        conn,
        actor,
        Change::created(baseline.set_at, Entity::Baseline, &baseline.name, &baseline),
    )?;
    Ok(baseline)
}

/// Every baseline, the latest first.
pub fn list_baselines(conn: &mut DbConnection) -> Result<Vec<Baseline>, ApiError> {
    repo::list_baselines(conn, None)?
        .into_iter()
        .map(|row| baseline_of(conn, row))
        .collect()
}

/// One baseline with its lines.
pub fn find_baseline(conn: &mut DbConnection, name: &str) -> Result<BaselineWithLines, ApiError> {
    let row = repo::find_baseline(conn, name)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no baseline named {name}")))?;
    let lines = repo::lines_of(conn, &row.name)?;
    Ok(BaselineWithLines {
        baseline: baseline_of(conn, row)?,
        lines,
    })
}

/// A baseline's row with its decision, line count and years.
pub fn baseline_of(conn: &mut DbConnection, row: BaselineRow) -> Result<Baseline, ApiError> {
    let decision = repo::find_decision(conn, row.decision_id)?
        .ok_or_else(|| ApiError::Internal(format!("baseline {} names no decision", row.name)))?;
    Ok(Baseline {
        line_count: repo::line_count(conn, &row.name)?,
        years: repo::years(conn, &row.name, None)?,
        decision,
        set_by: row.set_by,
        set_at: db::time::utc(row.set_at),
        name: row.name,
    })
}

/// The recorded decision `id`, or `None` with the problem added on `decision_id`: what a write resting on a
/// decision checks first.
pub fn check_decision(
    conn: &mut DbConnection,
    id: i64,
    errors: &mut FieldErrors,
) -> Result<Option<Decision>, ApiError> {
    let decision = repo::find_decision(conn, id)?;
    if decision.is_none() {
        errors.add(
            "decision_id",
            format!("there is no decision {id}: record it first"),
        );
    }
    Ok(decision)
}
