//! Where an action stands. The plans print the same status many ways (`Complete`, `Completed`, `complete`,
//! `In progress`, `In consultation`, `ongoing`): each printed form maps to one of five.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an action stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    NotStarted,
    /// Printed also `In consultation` and `ongoing`.
    InProgress,
    Complete,
    OnHold,
    Cancelled,
}

crate::domain::text_enum!(ActionStatus {
    NotStarted => "not_started",
    InProgress => "in_progress",
    Complete => "complete",
    OnHold => "on_hold",
    Cancelled => "cancelled",
});

impl ActionStatus {
    /// A status as the API names it or a plan prints it, in any case: `None` for anything else.
    pub fn from_printed(text: &str) -> Option<ActionStatus> {
        let words: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        Some(match words.as_slice() {
            ["not", "started"] | ["not", "yet", "started"] => ActionStatus::NotStarted,
            ["in", "progress"] | ["in", "consultation"] | ["ongoing"] | ["started"] => {
                ActionStatus::InProgress
            }
            ["complete"] | ["completed"] | ["done"] => ActionStatus::Complete,
            ["on", "hold"] | ["paused"] => ActionStatus::OnHold,
            ["cancelled"] | ["canceled"] | ["withdrawn"] => ActionStatus::Cancelled,
            _ => return None,
        })
    }

    /// Finished one way or the other: never overdue.
    pub fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Complete | ActionStatus::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_the_cfe_plans_print_maps_to_one_value() {
        for (printed, status) in [
            ("complete", ActionStatus::Complete),
            ("Complete", ActionStatus::Complete),
            ("Completed", ActionStatus::Complete),
            ("completed", ActionStatus::Complete),
            ("In progress", ActionStatus::InProgress),
            ("in progress", ActionStatus::InProgress),
            ("In consultation", ActionStatus::InProgress),
            ("ongoing", ActionStatus::InProgress),
            ("Not started", ActionStatus::NotStarted),
            ("Not Started", ActionStatus::NotStarted),
            ("not started", ActionStatus::NotStarted),
            ("on_hold", ActionStatus::OnHold),
            ("cancelled", ActionStatus::Cancelled),
        ] {
            assert_eq!(
                ActionStatus::from_printed(printed),
                Some(status),
                "{printed}"
            );
        }
        assert_eq!(ActionStatus::from_printed("Complete In progress"), None);
        assert_eq!(ActionStatus::from_printed(""), None);
    }
}
