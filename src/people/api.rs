//! `/people`: the directory of people who own actions and hold keys; extract (the role first, then the path,
//! the query, the body last), call one service function, answer.

use actix_web::http::header;
use actix_web::{get, patch, post, web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{CreatePerson, Person, PersonPatch, Resolution};
use super::{editor, service};
use crate::auth::{Actor, Editor};
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::error::ApiError;
use crate::http::{idempotency, if_match, versioned, JsonBody, PersonPath, QueryParams};
use crate::state::AppState;

/// The most people a page holds, and how many unless asked otherwise.
pub const MAX_PAGE: usize = 1000;

fn person_url(id: i64) -> String {
    format!("/api/v1/people/{id}")
}

/// Adds a person to the directory: an admin, or an editor of the person's directorate (of every directorate
/// for a council-wide person). The name is unique whatever its case and spacing; an alias another person has
/// too is allowed and listed in `shared_with`, since a printed owner with it names both and is refused.
#[utoipa::path(
    tag = "people",
    request_body = CreatePerson,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses((status = 201, body = Person, headers(
        ("Location" = String, description = "The person"),
        ("ETag" = String, description = "The person's version"),
    )))
)]
#[post("/people")]
pub async fn create_person(
    Editor(actor): Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreatePerson>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let created = service::create(conn, actor, request)?;
        idempotency::StoredResponse::created_versioned(
            person_url(created.id),
            created.version,
            &created,
        )
    })
    .await
}

/// Which people to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleParams {
    /// One directorate's people only (any case); council-wide people have none.
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// Start after this person (the `id` of the last person of the previous page; the `Link` header's
    /// `next` page carries it).
    #[param(value_type = Option<String>)]
    pub after: Option<String>,
    /// People per page: 1 to 1000, default 1000.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The directory in name order, of one directorate when asked. Emails only to editor and admin keys. Paged:
/// when more people follow, the `Link` header gives the next page (`rel="next"`); the body stays an array.
#[utoipa::path(
    tag = "people",
    params(PeopleParams),
    responses((status = 200, body = [Person], headers(
        ("Link" = String, description = "`</api/v1/people?after=ID&limit=N>; rel=\"next\"` when more people follow; absent on the last page")
    )))
)]
#[get("/people")]
pub async fn list_people(
    actor: Actor,
    state: web::Data<AppState>,
    params: QueryParams<PeopleParams>,
) -> Result<HttpResponse, ApiError> {
    let PeopleParams {
        directorate,
        after,
        limit,
    } = params.0;
    let limit = match limit {
        None => MAX_PAGE,
        Some(limit) => usize::try_from(limit)
            .ok()
            .filter(|limit| (1..=MAX_PAGE).contains(limit))
            .ok_or_else(|| ApiError::parameter("limit", format!("must be from 1 to {MAX_PAGE}")))?,
    };
    let after = after
        .map(|text| {
            text.parse::<i64>().map_err(|_| {
                ApiError::parameter(
                    "after",
                    format!("`{text}` is not a person's id (a whole number)"),
                )
            })
        })
        .transpose()?;
    let directorate = directorate.map(|code| code.0);
    let filter = directorate.clone();
    let (people, more) = db::scan(&state.pool, move |conn| {
        service::list(conn, &actor, filter.as_ref(), after, limit)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    if let (true, Some(last)) = (more, people.last()) {
        let filter = directorate
            .map(|code| format!("directorate={code}&"))
            .unwrap_or_default();
        response.insert_header((
            header::LINK,
            format!(
                "</api/v1/people?{filter}after={}&limit={limit}>; rel=\"next\"",
                last.id
            ),
        ));
    }
    Ok(response.json(people))
}

/// What a printed owner (`SD`, `Debby MacCormack`, `Head of Commissioning CFE`) names, through the names, roles
/// and aliases of the directory, whatever its case and spacing: one person, or `null` (kept as printed,
/// unresolved); never guessed.
#[utoipa::path(
    tag = "people",
    params(ResolveParams),
    responses(
        (status = 200, body = Resolution),
        (status = 409, description = "The owner names more than one person: all are named", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people/resolve")]
pub async fn resolve_owner(
    state: web::Data<AppState>,
    params: QueryParams<ResolveParams>,
) -> Result<web::Json<Resolution>, ApiError> {
    let owner = params.0.owner;
    service::check_owner(&owner)?;
    db::read(&state.pool, move |conn| service::resolve_owner(conn, owner))
        .await
        .map(web::Json)
}

/// The owner to resolve.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResolveParams {
    /// An owner as printed: at most 200 bytes of UTF-8, one line, not blank.
    #[param(example = "SD", max_length = 200)]
    pub owner: String,
}

/// One person, with their version as the `ETag`. Editor and admin keys also see the email and `keys`.
#[utoipa::path(
    tag = "people",
    params(PersonPath),
    responses(
        (status = 200, body = Person, headers(("ETag" = String, description = "The person's version"))),
        (status = 404, description = "No such person", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people/{id}")]
pub async fn get_person(
    actor: Actor,
    state: web::Data<AppState>,
    PersonPath(id): PersonPath,
) -> Result<HttpResponse, ApiError> {
    let person = db::read(&state.pool, move |conn| service::get(conn, &actor, id)).await?;
    Ok(versioned(false, person.version, &person))
}

/// Changes some of a person's fields (JSON merge-patch): an admin, or an editor of the person's directorate
/// before and after. `aliases`, when given, replaces them all.
#[utoipa::path(
    tag = "people",
    params(
        PersonPath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body(content = PersonPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = Person, headers(("ETag" = String, description = "The person's version"))),
        (status = 404, description = "No such person", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/people/{id}")]
pub async fn patch_person(
    Editor(actor): Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: Result<PersonPath, ApiError>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // `/people/resolve` takes GET only: any other method there is 405, not a person whose id is `resolve`.
    let PersonPath(id) = path.map_err(|refused| match req.match_info().get("id") {
        Some("resolve") => ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allowed: vec!["GET".to_owned()],
        },
        _ => refused,
    })?;
    // The body is read only once the key may change this person (see `editor`).
    editor::may_change_person(&state.pool, &actor, id).await?;
    let body = JsonBody::<PersonPatch>::from_request(&req, &mut payload.into_inner()).await?;
    let if_match = if_match(&req)?;
    let patch = body.0;
    let person = db::write(&state.pool, move |conn| {
        service::patch(conn, &actor, id, if_match, patch)
    })
    .await?;
    Ok(versioned(false, person.version, &person))
}
