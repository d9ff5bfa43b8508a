//! Changes to directorates, inside the caller's write transaction, checked and recorded in the audit trail;
//! and the reads that answer 404.

use super::{repo, CreateDirectorate, Directorate};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::{self, DbConnection};
use crate::domain::text::{check_text, MAX_NAME};
use crate::domain::{DirectorateCode, FieldErrors};
use crate::error::ApiError;

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &CreateDirectorate,
) -> Result<Directorate, ApiError> {
    let mut errors = FieldErrors::default();
    let name = check_text(&request.name, "name", true, MAX_NAME, &mut errors);
    errors.into_result(()).map_err(ApiError::Validation)?;
    let directorate = Directorate {
        code: request.code.clone(),
        name,
        created_at: db::time::utc(db::time::now()),
    };
    repo::insert(conn, &directorate).map_err(|error| match ApiError::from(error) {
        ApiError::Conflict(_) => {
            ApiError::Conflict(format!("directorate {} already exists", request.code))
        }
        other => other,
    })?;
    let change = Change::created(
        directorate.created_at,
        Entity::Directorate,
        directorate.code.as_str(),
        &directorate,
    );
    audit::record(conn, actor, change)?;
    Ok(directorate)
}

pub fn find(conn: &mut DbConnection, code: &DirectorateCode) -> Result<Directorate, ApiError> {
    repo::find(conn, code)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no directorate {code}")))
}
