//! Directorates: the parts of the council that own lines (`CFE`, Children, Families & Education).

pub mod api;
pub mod repo;
pub mod service;
pub mod snapshot;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::DirectorateCode;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": "CFE", "name": "Children, Families & Education", "created_at": "2021-02-22T10:00:00Z"}))]
pub struct Directorate {
    pub code: DirectorateCode,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "CFE", "name": "Children, Families & Education"}))]
pub struct CreateDirectorate {
    pub code: DirectorateCode,
    /// At most 200 bytes of UTF-8 (one line, no control characters).
    #[schema(max_length = 200)]
    pub name: String,
}
