//! HTTP handlers for lines: extract, call one service or repo function, answer.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::export::{self, Extent};
use super::listing::{self, ListQuery, PageLines, DEFAULT_PAGE, MAX_PAGE};
use super::model::{CreateLine, Line, LinePatch, SetYearAmount};
use super::repo::{self, LineFilter};
use super::stored::{self, StoredLine};
use super::{history, service};
use crate::audit::paging::page;
use crate::audit::Event;
use crate::auth::{Editor, RefEditor};
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::summary::{View, YearSummary};
use crate::domain::text::{check_query_text, MAX_TITLE};
use crate::domain::{FinancialYear, LineKind, LineRef, LineStatus};
use crate::error::ApiError;
use crate::http::{
    idempotency, if_match, versioned, AsAtParams, JsonBody, LinePath, QueryParams, YearPath,
};
use crate::present::download;
use crate::present::{self, Format, Output, TableFormat};
use crate::state::AppState;

/// Filters and paging for the lines list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListLinesParams {
    /// Only this directorate's lines (any case).
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    pub kind: Option<LineKind>,
    pub status: Option<LineStatus>,
    /// Only lines with a non-zero amount in this year (`2021/22` or `2021-22`).
    #[param(value_type = Option<String>, example = "2021/22")]
    pub year: Option<FinancialYear>,
    /// Text in the ref, title or owner, in any case; at most 200 bytes of UTF-8.
    #[param(example = "placements", max_length = 200)]
    pub q: Option<String>,
    /// Lines per page: 1 to 500, default 50. A CSV or XLSX file holds every line the filters cover, unless
    /// `limit` or `cursor` asks for one page.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Where the page starts: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Count withdrawn lines in `totals` (they are always listed).
    pub include_withdrawn: Option<bool>,
    /// Whether to answer `totals` over every line the filters cover. By default they are given, on every page,
    /// when the only filters are `directorate` and `kind` (the kept totals answer those), and left out when a
    /// `status`, `year` or `q` filter is given (they would add up every amount the filter covers): ask for them
    /// with `totals=true`. `totals=false` leaves them out always. A CSV or XLSX file of every line ends with
    /// the totals rows unless `totals=false`; a file of one page has them as the JSON page would.
    pub totals: Option<bool>,
    /// Answer as the service would have at this instant (RFC 3339, e.g. `2021-06-30T17:00:00Z`).
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
    /// `incremental` (the default: each year's additional change) or `cumulative` (each year's effect on the
    /// base budget: ongoing amounts stay in, one-off amounts fall out the next year).
    pub view: Option<View>,
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "csv")]
    pub format: Option<Format>,
}

/// A page of lines, and the totals of every line the filters cover (not just this page).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinePage {
    /// In the `cumulative` view each line's `years` are its cumulative effect; `total` stays the sum of its
    /// incremental amounts.
    pub lines: Vec<Line>,
    pub view: View,
    /// Per year over all pages: savings, growth and net (growth − savings). Absent unless asked for with
    /// `totals=true`, or the only filters are `directorate` and `kind` (see the `totals` parameter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<Vec<YearSummary>>,
    /// Whether withdrawn lines are counted in `totals`.
    pub totals_include_withdrawn: bool,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The next page's URL; absent on the last page.
    pub next: Option<String>,
}

/// Lines in ref order, filtered and paged, with per-year totals over the whole filtered set (by default only
/// when the filters are directorate and kind alone: see `totals`).
///
/// As CSV or XLSX (`format`, or `Accept`), the answer is a file of every line the filters cover, in the same
/// order, as they all stood at one moment (one read snapshot, or `as_at`), then the totals rows; it is
/// prepared off the request workers and streamed, a few files at a time (503 while the others are prepared
/// or sent: try again shortly).
#[utoipa::path(
    tag = "lines",
    params(ListLinesParams),
    responses(
        (status = 200, body = LinePage, description = "A page of lines as JSON, or a CSV or XLSX file of every line the filters cover"),
        (status = 503, description = "Every download slot is taken: try again shortly", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/lines")]
pub async fn list_lines(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<ListLinesParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let output = Output {
        format: params.format,
        unit: params.unit.unwrap_or_default(),
        as_at: params.as_at,
    };
    if let Some(format) = output.format(&req).as_table() {
        return export_lines(&state, params, output, format).await;
    }
    // Stored JSON is served as it is: only to a page asked for in pounds, line by line as stored.
    let as_stored = output.unit == Unit::Pounds;
    let query = params.into_query(as_stored)?;
    let include_withdrawn = query.include_withdrawn;
    let view = query.view;
    let listing = listing::list(&state.pool, query).await?;
    let next_cursor = listing.next_cursor.map(|line_ref| line_ref.path_form());
    let next = next_cursor
        .as_ref()
        .map(|cursor| next_page_url(&req, cursor));
    let mut page = LinePage {
        lines: Vec::new(),
        view,
        totals: listing.totals,
        totals_include_withdrawn: include_withdrawn,
        next_cursor,
        next,
    };
    match listing.lines {
        PageLines::Decoded(lines) => {
            page.lines = lines;
            present::json(output.unit, &page)
        }
        PageLines::Stored(lines) => stored_page(&page, &lines),
    }
}

/// The list as a CSV or XLSX file: every line the filters cover, with their totals (unless `totals=false`);
/// only a page when `limit` or `cursor` asks for one (its totals as a JSON page's). Written off the HTTP
/// workers once a download slot is free (503 while none is), then streamed.
async fn export_lines(
    state: &AppState,
    params: ListLinesParams,
    output: Output,
    format: TableFormat,
) -> Result<HttpResponse, ApiError> {
    let extent = if params.limit.is_none() && params.cursor.is_none() {
        Extent::Whole
    } else {
        Extent::Page
    };
    let totals_asked = params.totals;
    let mut query = params.into_query(false)?;
    if extent == Extent::Whole {
        query.totals = totals_asked.unwrap_or(true);
    }
    let slot = state.downloads.slot()?;
    let unit = output.unit;
    let title = present::xlsx_title(export::TITLE, unit, output.as_at);
    let file = db::scan(&state.pool, move |conn| {
        export::write(conn, query, extent, format, unit, &title)
    })
    .await?;
    Ok(download::respond(slot, file, format, export::TITLE))
}

/// A page of stored lines as JSON: the page written with no lines, and each line's stored JSON in its `lines`.
fn stored_page(without_lines: &LinePage, lines: &[StoredLine]) -> Result<HttpResponse, ApiError> {
    let written = |error: String| ApiError::Internal(format!("writing a page of lines: {error}"));
    let json = serde_json::to_vec(without_lines).map_err(|error| written(error.to_string()))?;
    let json = stored::with_lines(&json, lines)
        .ok_or_else(|| written("the page does not begin with its lines".to_owned()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

impl ListLinesParams {
    /// The query these parameters ask for; 400 naming the parameter that cannot be read.
    /// `as_stored`: whether the answer may be the lines' stored JSON (see `ListQuery::as_stored`).
    fn into_query(self, as_stored: bool) -> Result<ListQuery, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::parameter(
                "limit",
                format!("must be from 1 to {MAX_PAGE}"),
            ));
        }
        let after = self
            .cursor
            .as_deref()
            .map(|cursor| {
                LineRef::parse(cursor)
                    .map_err(|error| ApiError::parameter("cursor", error.to_string()))
            })
            .transpose()?;
        if let Some(q) = &self.q {
            check_query_text(q, MAX_TITLE.max_bytes)
                .map_err(|message| ApiError::parameter("q", message))?;
        }
        let filter = LineFilter {
            directorate: self.directorate.map(|code| code.0),
            kind: self.kind,
            status: self.status,
            year: self.year,
            text: self
                .q
                .filter(|q| !q.trim().is_empty())
                .map(|q| q.trim().to_owned()),
        };
        Ok(ListQuery {
            totals: self
                .totals
                .unwrap_or_else(|| listing::totals_by_default(&filter)),
            filter,
            after,
            limit,
            include_withdrawn: self.include_withdrawn.unwrap_or(false),
            as_at: self.as_at,
            view: self.view.unwrap_or_default(),
            as_stored: as_stored && self.view.unwrap_or_default() == View::Incremental,
        })
    }
}

fn next_page_url(req: &HttpRequest, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in
        form_urlencoded::parse(req.query_string().as_bytes()).filter(|(name, _)| name != "cursor")
    {
        query.append_pair(&name, &value);
    }
    query.append_pair("cursor", cursor);
    format!("{}?{}", req.path(), query.finish())
}

/// Records a new line. Without a `ref`, the next number never used in its directorate and kind is assigned.
#[utoipa::path(
    tag = "lines",
    request_body = CreateLine,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses(
        (status = 201, body = Line, headers(("Location" = String, description = "The new line's URL"), ("ETag" = String, description = "The line's version, for `If-Match`"))),
        (status = 409, description = "A line with that ref exists (refs are never reused)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/lines")]
pub async fn create_line(
    Editor(actor): Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateLine>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let line = service::create(conn, actor, request)?;
        idempotency::StoredResponse::created_versioned(
            line_url(&line.line_ref),
            line.version,
            &line,
        )
    })
    .await
}

/// One line, found by its ref in any printed form (`CFE-SAV05`, `CFE%20SAV05`, `cfesav05`); now, with the
/// baselines that hold it and its pending changes.
#[utoipa::path(
    tag = "lines",
    params(
        LinePath,
        AsAtParams,
    ),
    responses(
        (status = 200, body = super::model::LineWithControl, headers(("ETag" = String, description = "The line's version, for `If-Match`"))),
        (status = 404, description = "No such line", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/lines/{ref}")]
pub async fn get_line(
    state: web::Data<AppState>,
    LinePath(line_ref): LinePath,
    params: QueryParams<AsAtParams>,
) -> Result<HttpResponse, ApiError> {
    let as_at = params.0.as_at;
    // Its stored JSON, else (none in the current format, no such line) the line decoded, or the 404.
    let found = match as_at {
        // Now: with the baselines holding it and its pending changes, two reads by index.
        None => {
            let (body, version) = db::read(&state.pool, move |conn| {
                let (body, version) = match repo::find_stored(conn, &line_ref)? {
                    Some(line) => (line.body, line.version),
                    None => {
                        let line = service::find(conn, &line_ref)?;
                        let body = serde_json::to_string(&line)
                            .map_err(|error| ApiError::Internal(format!("{line_ref}: {error}")))?;
                        (body, line.version)
                    }
                };
                Ok::<_, ApiError>((with_control(conn, &line_ref, body)?, version))
            })
            .await?;
            return Ok(HttpResponse::Ok()
                .insert_header((header::ETAG, format!("\"{version}\"")))
                .content_type("application/json")
                .body(body));
        }
        // A few index reads either way: its kept state, or its own last event before states were kept.
        Some(at) => {
            db::read(&state.pool, move |conn| {
                match history::line_stored_at(conn, &line_ref, at)? {
                    Some(line) => Ok(Found::Stored(line)),
                    None => history::line_at(conn, &line_ref, at).map(Found::Decoded),
                }
            })
            .await
        }
    }?;
    Ok(match found {
        Found::Stored(line) => HttpResponse::Ok()
            .insert_header((header::ETAG, format!("\"{}\"", line.version)))
            .content_type("application/json")
            .body(line.body),
        Found::Decoded(line) => line_response(line),
    })
}

/// The line's JSON object with the baselines holding it and its pending changes added last, as
/// `LineWithControl` writes them. Added to the text: the stored JSON is answered without being parsed again.
fn with_control(
    conn: &mut db::DbConnection,
    line_ref: &LineRef,
    line: String,
) -> Result<String, ApiError> {
    let control = Control {
        baselines: repo::baselines_holding(conn, line_ref)?,
        pending_changes: repo::pending_changes(conn, line_ref)?,
    };
    let written = |what: &str| ApiError::Internal(format!("{line_ref}: {what}"));
    let control = serde_json::to_string(&control).map_err(|error| written(&error.to_string()))?;
    // Both are JSON objects written by serde: `{...}` and `{"baselines":...}`.
    match (line.strip_suffix('}'), control.strip_prefix('{')) {
        (Some(open), Some(fields)) => Ok(format!("{open},{fields}")),
        _ => Err(written("a line or its control is not a JSON object")),
    }
}

/// What `GET /lines/{ref}` adds to a line now.
#[derive(Serialize)]
struct Control {
    baselines: Vec<String>,
    pending_changes: Vec<super::model::PendingChange>,
}

/// A line as read: its stored JSON, or decoded.
enum Found {
    Stored(StoredLine),
    Decoded(Line),
}

/// Changes some of a line's fields (JSON merge-patch). `years`, when given, replaces the whole profile.
/// Withdrawing a line (`status: withdrawn`) needs a `reason`; lines are never deleted.
#[utoipa::path(
    tag = "lines",
    params(
        LinePath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body(content = LinePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = Line, headers(("ETag" = String, description = "The line's version"))),
        (status = 404, description = "No such line", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/lines/{ref}")]
pub async fn patch_line(
    RefEditor(actor): RefEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    LinePath(line_ref): LinePath,
    body: JsonBody<LinePatch>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    let patch = body.0;
    db::write(&state.pool, move |conn| {
        service::patch(conn, &actor, &line_ref, if_match, &patch)
    })
    .await
    .map(line_response)
}

/// Sets one year's amount of a line, adding the year when the profile does not have it.
#[utoipa::path(
    tag = "lines",
    params(
        LinePath,
        YearPath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body = SetYearAmount,
    responses(
        (status = 200, body = Line, headers(("ETag" = String, description = "The line's version"))),
        (status = 412, description = "`If-Match` names an older version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/lines/{ref}/years/{year}")]
pub async fn put_year(
    RefEditor(actor): RefEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    LinePath(line_ref): LinePath,
    YearPath(year): YearPath,
    body: JsonBody<SetYearAmount>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    let amount = body.0.amount;
    db::write(&state.pool, move |conn| {
        service::set_year(conn, &actor, &line_ref, if_match, year, amount)
    })
    .await
    .map(line_response)
}

/// Removes one year from a line's profile.
#[utoipa::path(
    tag = "lines",
    params(
        LinePath,
        YearPath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    responses(
        (status = 200, body = Line, headers(("ETag" = String, description = "The line's version"))),
        (status = 404, description = "No such line, or no amount in that year", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/lines/{ref}/years/{year}")]
pub async fn delete_year(
    RefEditor(actor): RefEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    LinePath(line_ref): LinePath,
    YearPath(year): YearPath,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    db::write(&state.pool, move |conn| {
        service::delete_year(conn, &actor, &line_ref, if_match, year)
    })
    .await
    .map(line_response)
}

/// A line's history comes in pages this long unless asked otherwise: every event of a typical line (the CFE
/// lines have a handful each) fits in the first, so clients that read one array see the whole history.
pub const DEFAULT_HISTORY_PAGE: i64 = 1000;
pub const MAX_HISTORY_PAGE: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Start after the event with this `id` (the `Link` header's `next` page carries it); absent to start from
    /// the line's first event.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub after: Option<String>,
    /// Events per page: 1 to 1000, default 1000.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Every change to a line, oldest first: who, when, the line before and after, and why. Paged: when more
/// events follow, the `Link` header gives the next page (`rel="next"`); the body stays a plain array.
#[utoipa::path(
    tag = "audit",
    params(LinePath, HistoryParams),
    responses((status = 200, body = [Event], headers(
        ("Link" = String, description = "`<…/history?after=ID&limit=N>; rel=\"next\"` when more events follow; absent on the last page")
    )))
)]
#[get("/lines/{ref}/history")]
pub async fn line_history(
    state: web::Data<AppState>,
    LinePath(line_ref): LinePath,
    params: QueryParams<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let (after, limit) = page(
        params.after.as_deref(),
        params.limit,
        DEFAULT_HISTORY_PAGE,
        MAX_HISTORY_PAGE,
    )?;
    let link_ref = line_ref.to_string().replace(' ', "%20");
    // One more than a page tells whether there is a next page.
    let mut events = db::run(&state.pool, move |conn| {
        service::events(conn, &line_ref, after, limit + 1)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    if events.len() > limit as usize {
        events.truncate(limit as usize);
        if let Some(last) = events.last() {
            response.insert_header((
                header::LINK,
                format!(
                    "</api/v1/lines/{link_ref}/history?after={}&limit={limit}>; rel=\"next\"",
                    last.id
                ),
            ));
        }
    }
    Ok(response.json(events))
}

/// A line, with its version as the `ETag` to send back in `If-Match`.
fn line_response(line: Line) -> HttpResponse {
    versioned(false, line.version, &line)
}

pub fn line_url(line_ref: &LineRef) -> String {
    format!("/api/v1/lines/{}", line_ref.path_form())
}
