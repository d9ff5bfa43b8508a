//! Recording a mitigation: an editor of its directorate, a recorded decision, an amount more than nothing.

use super::model::{CreateMitigation, Mitigation};
use super::repo::{self, NewMitigation};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::budget;
use crate::db::{self, DbConnection};
use crate::directorates;
use crate::domain::text::{check_text, MAX_OWNER, MAX_TITLE};
use crate::domain::FieldErrors;
use crate::error::ApiError;

pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreateMitigation,
) -> Result<Mitigation, ApiError> {
    actor.require_editor_of(&request.directorate)?;
    let mut errors = FieldErrors::default();
    if directorates::repo::find(conn, &request.directorate)?.is_none() {
        errors.add(
            "directorate",
            format!("there is no directorate {}", request.directorate),
        );
    }
    if request.amount.is_negative() || request.amount.is_zero() {
        errors.add("amount", "must be more than 0.00");
    }
    let source = check_text(&request.source, "source", true, MAX_TITLE, &mut errors);
    let found_by = check_text(&request.found_by, "found_by", true, MAX_OWNER, &mut errors);
    budget::service::check_decision(conn, request.decision_id, &mut errors)?;
    errors.into_result(()).map_err(ApiError::Validation)?;
    let id = repo::insert(
        conn,
        &NewMitigation {
            directorate: &request.directorate,
            year: request.year,
            kind: request.kind,
            amount: request.amount,
            source: &source,
            decision_id: request.decision_id,
            found_by: &found_by,
            recorded_by: &actor.name,
            recorded_at: db::time::now(),
        },
    )?;
    let recorded = repo::find(conn, id)?
        .ok_or_else(|| ApiError::Internal(format!("mitigation {id} was not recorded")))?;
    audit::record(
        conn,
        actor,
        Change::created(
            recorded.recorded_at,
            Entity::Mitigation,
            &id.to_string(),
            &recorded,
        ),
    )?;
    Ok(recorded)
}
