//! Whether a key may change the person a path's `{id}` names, checked before the body is read.
//!
//! A person's directorate is not in the path, as a line's is in its ref, so it is read (one read by primary
//! key) before the handler reads the body: a key refused for the person is refused 403 whatever it sent. Not an
//! extractor: actix polls every extractor of a handler each time one is pending, so a body extractor beside
//! a check that waits for the database would read and refuse the body first. A person that does not exist
//! passes, for the service's 404; the service checks again in the write transaction, before and after.

use super::{repo, service};
use crate::auth::Actor;
use crate::db::{self, Pool};
use crate::error::ApiError;

/// 403 unless `actor` may change person `id` as stored now.
pub async fn may_change_person(pool: &Pool, actor: &Actor, id: i64) -> Result<(), ApiError> {
    let directorate = db::read(pool, move |conn| {
        Ok::<_, ApiError>(repo::directorate_of(conn, id)?)
    })
    .await?;
    match directorate {
        Some(directorate) => service::may_change(actor, directorate.as_ref()),
        None => Ok(()),
    }
}
