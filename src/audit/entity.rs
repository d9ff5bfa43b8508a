//! What an event is about: the kinds of entity the trail records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an event is about.
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
pub enum Entity {
    Line,
    Directorate,
    Key,
    Period,
    Assessment,
    DsgBalance,
    DsgTransfer,
    DsgPlan,
    /// A decision of a council body (issue 16).
    Decision,
    /// An approved budget, set from the lines by a decision.
    Baseline,
    /// Proposed changes to approved lines, and their approval, rejection or withdrawal.
    ChangeSet,
    /// An approved saving removed from the budget by a decision.
    WriteOff,
    /// A one-off mitigation a shortfall may be substituted by (issue 17).
    Mitigation,
    /// An approved saving's year-end outturn (issue 17).
    Outturn,
    /// A year's outturn closed or reopened by a decision.
    OutturnYear,
    /// A person of the directory: owns actions, holds keys (issue 19).
    Person,
    /// An action of a line's delivery plan (issue 19).
    Action,
    /// The database as a whole: its backups and restores.
    Database,
}

crate::domain::text_enum!(Entity {
    Line => "line",
    Directorate => "directorate",
    Key => "key",
    Period => "period",
    Assessment => "assessment",
    DsgBalance => "dsg_balance",
    DsgTransfer => "dsg_transfer",
    DsgPlan => "dsg_plan",
    Decision => "decision",
    Baseline => "baseline",
    ChangeSet => "change_set",
    WriteOff => "write_off",
    Mitigation => "mitigation",
    Outturn => "outturn",
    OutturnYear => "outturn_year",
    Person => "person",
    Action => "action",
    Database => "database",
});
