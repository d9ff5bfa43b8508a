//! Safe retries: a POST sent with an `Idempotency-Key` that is repeated (same key, same method, path, query and
//! body) gets the first answer again and creates nothing new; the same key with a different request is
//! refused. Keys are kept for at least 24 hours. A secret in the first answer (a new API key's token) is never
//! stored: the replay gives the answer without it.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::Serialize;
use time::{Duration, PrimitiveDateTime};

use crate::auth::{token, Actor};
use crate::db::schema::idempotency_keys;
use crate::db::{self, DbConnection, Pool};
use crate::error::ApiError;

pub const HEADER: &str = "Idempotency-Key";
const MAX_KEY_LENGTH: usize = 255;
/// Keys are promised for 24 hours; they are kept twice as long.
const KEPT_FOR: Duration = Duration::hours(48);

/// An answer as first given, to give again.
#[derive(Clone, Debug)]
pub struct StoredResponse {
    status: u16,
    /// What a replay gives back: the only body that is stored.
    body: String,
    location: Option<String>,
    /// The `ETag` of a versioned resource created: its version, quoted.
    etag: Option<String>,
    /// The first answer's body when it holds a secret that must not be stored; never written anywhere.
    shown_once: Option<String>,
}

fn to_json<T: Serialize>(body: &T) -> Result<String, ApiError> {
    serde_json::to_string(body)
        .map_err(|error| ApiError::Internal(format!("response body: {error}")))
}

impl StoredResponse {
    /// A `201 Created` answer with this body and, when there is one, the new resource's URL.
    pub fn created<T: Serialize>(
        location: Option<String>,
        body: &T,
    ) -> Result<StoredResponse, ApiError> {
        Ok(StoredResponse {
            status: StatusCode::CREATED.as_u16(),
            body: to_json(body)?,
            location,
            etag: None,
            shown_once: None,
        })
    }

    /// A `201 Created` answer for a versioned resource: its URL, and its version as the `ETag`, so that the
    /// client's first change needs no read before it.
    pub fn created_versioned<T: Serialize>(
        location: String,
        version: i64,
        body: &T,
    ) -> Result<StoredResponse, ApiError> {
        Ok(StoredResponse {
            etag: Some(format!("\"{version}\"")),
            ..StoredResponse::created(Some(location), body)?
        })
    }

    /// A `201 Created` answer whose first body holds a secret: `first` is answered now and never stored;
    /// `replayed` (the same without the secret) is what is kept and given back to a retry.
    pub fn created_with_secret<T: Serialize, U: Serialize>(
        first: &T,
        replayed: &U,
    ) -> Result<StoredResponse, ApiError> {
        Ok(StoredResponse {
            shown_once: Some(to_json(first)?),
            ..StoredResponse::created(None, replayed)?
        })
    }

    /// A `200 OK` answer (a POST that acts on existing resources, such as a copy-forward).
    pub fn ok<T: Serialize>(body: &T) -> Result<StoredResponse, ApiError> {
        Ok(StoredResponse {
            status: StatusCode::OK.as_u16(),
            body: to_json(body)?,
            location: None,
            etag: None,
            shown_once: None,
        })
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = HttpResponse::build(status);
        response.content_type("application/json");
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        if let Some(etag) = self.etag {
            response.insert_header((header::ETAG, etag));
        }
        if replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        response.body(self.shown_once.unwrap_or(self.body))
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
struct KeyRow {
    actor: String,
    idempotency_key: String,
    request_hash: String,
    status: i32,
    response_body: String,
    location: Option<String>,
    created_at: PrimitiveDateTime,
    etag: Option<String>,
}

/// Runs a POST's write once per idempotency key (when the request has one), in one write transaction with
/// the key's record. Write transactions are serialised, so concurrent repeats see the first one's record.
pub async fn respond_once<F>(
    pool: &Pool,
    req: &HttpRequest,
    body: &[u8],
    actor: Actor,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection, &Actor) -> Result<StoredResponse, ApiError> + Send + 'static,
{
    let key = idempotency_key(req)?;
    // Only a request with a key is remembered, so only then is it hashed: the query too, as it can change
    // what a POST does (`dry_run=true`).
    let request_hash = key.as_ref().map(|_| {
        let mut request =
            format!("{} {}?{} ", req.method(), req.path(), req.query_string()).into_bytes();
        request.extend_from_slice(body);
        token::hash_bytes(&request)
    });
    let (stored, replayed) = db::write(pool, move |conn| {
        let (Some(key), Some(request_hash)) = (key, request_hash) else {
                return Ok((work(conn, &actor)?, false));
            };
            if let Some(previous) = find(conn, &actor.name, &key)? {
                if previous.request_hash != request_hash {
                    return Err(ApiError::Validation(vec![crate::domain::FieldError {
                        field: HEADER.to_owned(),
                        message: "this key was already used for a different request; use a new key for a new request".to_owned(),
                    }]));
                }
                let stored = StoredResponse {
                    status: previous.status as u16,
                    body: previous.response_body,
                    location: previous.location,
                    etag: previous.etag,
                    shown_once: None,
                };
                return Ok((stored, true));
            }
            let stored = work(conn, &actor)?;
            save(conn, &actor.name, &key, &request_hash, &stored)?;
            Ok((stored, false))
    })
    .await?;
    Ok(stored.into_response(replayed))
}

/// The request's `Idempotency-Key`, checked: 400 when it is empty or too long. A handler that may answer without
/// reaching `respond_once` (a dry run, a refused file) checks it first, so a bad key is never ignored.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return Err(ApiError::parameter(
            HEADER,
            format!("must be 1 to {MAX_KEY_LENGTH} visible ASCII characters"),
        ));
    }
    Ok(Some(key.to_owned()))
}

fn find(conn: &mut DbConnection, actor: &str, key: &str) -> Result<Option<KeyRow>, ApiError> {
    Ok(idempotency_keys::table
        .find((actor, key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?)
}

fn save(
    conn: &mut DbConnection,
    actor: &str,
    key: &str,
    request_hash: &str,
    stored: &StoredResponse,
) -> Result<(), ApiError> {
    let now = db::time::now();
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(now - KEPT_FOR)))
        .execute(conn)?;
    let row = KeyRow {
        actor: actor.to_owned(),
        idempotency_key: key.to_owned(),
        request_hash: request_hash.to_owned(),
        status: i32::from(stored.status),
        response_body: stored.body.clone(),
        location: stored.location.clone(),
        created_at: now,
        etag: stored.etag.clone(),
    };
    diesel::insert_into(idempotency_keys::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}
