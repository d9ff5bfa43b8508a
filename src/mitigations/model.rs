//! Mitigations as the API presents them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::{DirectorateCode, FinancialYear, Money};

/// What a one-off mitigation is.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum MitigationKind {
    /// Money not spent elsewhere in the year.
    Underspend,
    /// A grant received.
    Grant,
    /// A drawdown from a reserve.
    ReserveDrawdown,
}

crate::domain::text_enum!(MitigationKind {
    Underspend => "underspend",
    Grant => "grant",
    ReserveDrawdown => "reserve_drawdown",
});

/// A mitigation to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"directorate": "CFE", "year": "2021/22", "kind": "grant", "amount": "50000.00",
    "source": "Holiday Activities and Food programme grant", "decision_id": 1, "found_by": "Finance business partner"}))]
pub struct CreateMitigation {
    #[schema(value_type = String, example = "CFE")]
    pub directorate: DirectorateCode,
    #[schema(value_type = String, example = "2021/22")]
    pub year: FinancialYear,
    pub kind: MitigationKind,
    /// More than 0.00.
    pub amount: Money,
    /// Where the money comes from. One line, at most 200 bytes.
    pub source: String,
    /// The recorded decision that makes it available.
    pub decision_id: i64,
    /// Who found it. One line, at most 100 bytes.
    pub found_by: String,
}

/// A mitigation as recorded; never changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Mitigation {
    pub id: i64,
    pub directorate: DirectorateCode,
    pub year: FinancialYear,
    pub kind: MitigationKind,
    pub amount: Money,
    pub source: String,
    pub decision_id: i64,
    pub found_by: String,
    /// The key that recorded it.
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}
