//! The log: env_logger, its level from `RUST_LOG` (default `info`), one line per record, naming the request it
//! belongs to (`crate::request_id`) when there is one. `MTFS_LOG_FORMAT=json` writes each record as one JSON
//! object (`ts`, `level`, `target`, `message`, `request_id`) for log shippers; `text` (the default) for people.

use std::io::Write;

use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::request_id;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl Format {
    /// `MTFS_LOG_FORMAT`, unset meaning text.
    pub fn from_env() -> Result<Format, String> {
        match std::env::var("MTFS_LOG_FORMAT").as_deref() {
            Err(_) | Ok("text") => Ok(Format::Text),
            Ok("json") => Ok(Format::Json),
            Ok(other) => Err(format!("MTFS_LOG_FORMAT is `{other}`: use text or json")),
        }
    }
}

/// Installs the logger; call once, first thing.
pub fn init(format: Format) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        Format::Text => builder.format(|buf, record| {
            let request = request_id::current()
                .map(|id| format!(" request_id={id}"))
                .unwrap_or_default();
            writeln!(
                buf,
                "[{} {:<5} {}] {}{request}",
                buf.timestamp_millis(),
                record.level(),
                record.target(),
                record.args()
            )
        }),
        Format::Json => builder.format(|buf, record| {
            let line = json!({
                "ts": OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
                "level": record.level().as_str(),
                "target": record.target(),
                "message": record.args().to_string(),
                "request_id": request_id::current().map(|id| id.to_string()),
            });
            writeln!(buf, "{line}")
        }),
    };
    builder.init();
}
