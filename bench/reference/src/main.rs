//! bench/run's reference: the floor a read of the service could reach on this machine. A bare actix-web server
//! that loads, at start, every line as the service answered them (bench/dump.py writes the file through the API),
//! keeps them in memory as typed structs mirroring the service's JSON (amounts as strings, as the service prints
//! them), and serialises each answer afresh, as the service does:
//!
//! - `GET /line/{ref}`: one line, the JSON of `GET /api/v1/lines/{ref}` (with its `ETag`);
//! - `GET /lines?cursor=REF&limit=50`: a page in ref order, the JSON of `GET /api/v1/lines` (`lines`, `view`,
//!   `totals` of every line, `totals_include_withdrawn`, `next_cursor`, `next`); `after=` is taken for `cursor=`;
//! - `GET /health`.
//!
//! Usage: mtfs-bench-reference DUMP.json [BIND, default 127.0.0.1:18081] (2 workers: the machine's 2 cores).

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{get, web, App, HttpResponse, HttpServer};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearAmount {
    year: String,
    amount: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(rename = "ref")]
    line_ref: String,
    kind: String,
    directorate: String,
    title: String,
    owner: Option<String>,
    description: String,
    status: String,
    nature: String,
    withdrawal_reason: Option<String>,
    years: Vec<YearAmount>,
    total: String,
    created_at: String,
    updated_at: String,
    version: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearSummary {
    year: String,
    savings: String,
    growth: String,
    net: String,
}

/// What bench/dump.py writes: every line in the service's order, and the unfiltered first page's other fields.
#[derive(Debug, Deserialize)]
struct Dump {
    lines: Vec<Line>,
    #[serde(default)]
    view: Option<String>,
    #[serde(default)]
    totals: Option<Vec<YearSummary>>,
    #[serde(default)]
    totals_include_withdrawn: Option<bool>,
    /// Any other field of the page, printed as it came.
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

/// A page as the service prints it; a field the service's page did not print is left out.
#[derive(Serialize)]
struct Page<'a> {
    lines: &'a [Line],
    #[serde(skip_serializing_if = "Option::is_none")]
    view: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    totals: Option<&'a [YearSummary]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    totals_include_withdrawn: Option<bool>,
    #[serde(flatten)]
    other: &'a serde_json::Map<String, serde_json::Value>,
    next_cursor: Option<String>,
    next: Option<String>,
}

struct Store {
    dump: Dump,
    /// Each line's index in `dump.lines`, by its path form (`CFE-SAV05`) and as stored (`CFE SAV05`).
    index: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct PageParams {
    cursor: Option<String>,
    after: Option<String>,
    limit: Option<usize>,
}

fn path_form(line_ref: &str) -> String {
    line_ref.replace(' ', "-")
}

#[get("/line/{ref}")]
async fn one_line(store: web::Data<Store>, path: web::Path<String>) -> HttpResponse {
    match store.index.get(path.as_str()) {
        Some(&at) => {
            let line = &store.dump.lines[at];
            HttpResponse::Ok()
                .insert_header((header::ETAG, format!("\"{}\"", line.version)))
                .json(line)
        }
        None => HttpResponse::NotFound().finish(),
    }
}

#[get("/lines")]
async fn page(store: web::Data<Store>, params: web::Query<PageParams>) -> HttpResponse {
    let params = params.into_inner();
    let limit = params.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return HttpResponse::BadRequest().finish();
    }
    let all = &store.dump.lines;
    let start = match params.cursor.or(params.after) {
        None => 0,
        Some(cursor) => match store.index.get(&cursor) {
            Some(&at) => at + 1,
            None => return HttpResponse::BadRequest().finish(),
        },
    };
    let end = (start + limit).min(all.len());
    let page = &all[start..end];
    let next_cursor = (end < all.len())
        .then(|| page.last().map(|last| path_form(&last.line_ref)))
        .flatten();
    let next = next_cursor
        .as_ref()
        .map(|cursor| format!("/lines?limit={limit}&cursor={cursor}"));
    HttpResponse::Ok().json(Page {
        lines: page,
        view: store.dump.view.as_deref(),
        totals: store.dump.totals.as_deref(),
        totals_include_withdrawn: store.dump.totals_include_withdrawn,
        other: &store.dump.other,
        next_cursor,
        next,
    })
}

#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: mtfs-bench-reference DUMP.json [BIND]");
        std::process::exit(2);
    };
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:18081".to_owned());
    let text = std::fs::read(&file)?;
    let dump: Dump = serde_json::from_slice(&text).map_err(std::io::Error::other)?;
    drop(text);
    let mut index = HashMap::with_capacity(dump.lines.len() * 2);
    for (at, each) in dump.lines.iter().enumerate() {
        index.insert(path_form(&each.line_ref), at);
        index.insert(each.line_ref.clone(), at);
    }
    eprintln!(
        "reference: {} lines from {file}, on {bind}",
        dump.lines.len()
    );
    let store = web::Data::new(Store { dump, index });
    HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .service(one_line)
            .service(page)
            .service(health)
    })
    .workers(2)
    .bind(bind)?
    .run()
    .await
}
