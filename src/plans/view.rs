//! A plan judged on a day (pure): each action complete, on track, overdue or not dated; slipped or not; brought
//! forward while an action it waits on slipped; the plan's counts and its next milestone. The line plan, the
//! delivery-plan report and the overdue list all read actions through this.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use super::model::Action;
use crate::domain::plan::{ActionRef, ActionStatus};

/// Where an action stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Complete,
    Cancelled,
    /// Still to do, and its due day has passed.
    Overdue,
    /// Still to do and not yet due (or ongoing).
    OnTrack,
    /// Still to do with no due date stated (or none understood as printed).
    NotDated,
}

/// An action judged on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct JudgedAction {
    #[serde(flatten)]
    pub action: Action,
    pub standing: Standing,
    /// Due later than first planned.
    pub slipped: bool,
    /// Brought forward while these actions it waits on slipped: a plan that no longer adds up.
    #[schema(value_type = Vec<String>)]
    pub brought_forward_while_slipped: Vec<ActionRef>,
}

/// How many actions of a plan stand where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanCounts {
    pub actions: usize,
    pub complete: usize,
    pub cancelled: usize,
    pub on_track: usize,
    pub overdue: usize,
    pub not_dated: usize,
    /// Of any standing.
    pub slipped: usize,
}

/// The next action due: the earliest due day on or after the day among those still to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct NextMilestone {
    #[schema(value_type = String, example = "6.4")]
    pub action: ActionRef,
    pub text: String,
    #[serde(with = "crate::domain::instant::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub due_by: Date,
}

pub fn standing(action: &Action, on: Date) -> Standing {
    match action.status {
        Some(ActionStatus::Complete) => Standing::Complete,
        Some(ActionStatus::Cancelled) => Standing::Cancelled,
        _ if action.overdue_on(on) => Standing::Overdue,
        _ if action.due.is_some() => Standing::OnTrack,
        _ => Standing::NotDated,
    }
}

/// Judges every action of `actions` (one plan or many) on `on`; dependencies are looked up in the same plan.
pub fn judge(actions: Vec<Action>, on: Date) -> Vec<JudgedAction> {
    let slipped: HashMap<(String, String), bool> = actions
        .iter()
        .map(|a| ((a.line_ref.to_string(), a.action.to_string()), a.slipped()))
        .collect();
    actions
        .into_iter()
        .map(|action| {
            let brought_forward = action.slip.is_some_and(|slip| slip.days < 0);
            let brought_forward_while_slipped = if brought_forward {
                action
                    .depends_on
                    .iter()
                    .filter(|on| {
                        slipped
                            .get(&(action.line_ref.to_string(), on.to_string()))
                            .copied()
                            .unwrap_or(false)
                    })
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            JudgedAction {
                standing: standing(&action, on),
                slipped: action.slipped(),
                brought_forward_while_slipped,
                action,
            }
        })
        .collect()
}

pub fn counts(judged: &[JudgedAction]) -> PlanCounts {
    let mut counts = PlanCounts {
        actions: judged.len(),
        ..PlanCounts::default()
    };
    for action in judged {
        match action.standing {
            Standing::Complete => counts.complete += 1,
            Standing::Cancelled => counts.cancelled += 1,
            Standing::Overdue => counts.overdue += 1,
            Standing::OnTrack => counts.on_track += 1,
            Standing::NotDated => counts.not_dated += 1,
        }
        counts.slipped += usize::from(action.slipped);
    }
    counts
}

pub fn next_milestone(judged: &[JudgedAction], on: Date) -> Option<NextMilestone> {
    judged
        .iter()
        .filter(|a| a.standing == Standing::OnTrack)
        .filter_map(|a| Some((a.action.due_by.filter(|by| *by >= on)?, a)))
        .min_by_key(|(by, _)| *by)
        .map(|(due_by, a)| NextMilestone {
            action: a.action.action.clone(),
            text: a.action.text.clone(),
            due_by,
        })
}

impl PlanCounts {
    /// Two plans' counts together: a directorate's, the council's.
    pub fn plus(self, other: PlanCounts) -> PlanCounts {
        PlanCounts {
            actions: self.actions + other.actions,
            complete: self.complete + other.complete,
            cancelled: self.cancelled + other.cancelled,
            on_track: self.on_track + other.on_track,
            overdue: self.overdue + other.overdue,
            not_dated: self.not_dated + other.not_dated,
            slipped: self.slipped + other.slipped,
        }
    }
}

impl JudgedAction {
    /// Whole days past its due day on `on` (the day it was judged on), when it is overdue.
    pub fn days_overdue(&self, on: Date) -> Option<i64> {
        if self.standing != Standing::Overdue {
            return None;
        }
        self.action.due_by.map(|by| (on - by).whole_days())
    }
}

/// The critical actions overdue, earliest due first (then in plan order): what makes a saving rated green or
/// amber a delivery risk.
pub fn overdue_critical(judged: &[JudgedAction]) -> Vec<&JudgedAction> {
    let mut overdue: Vec<&JudgedAction> = judged
        .iter()
        .filter(|a| a.action.critical && a.standing == Standing::Overdue)
        .collect();
    overdue.sort_by(|a, b| {
        a.action
            .due_by
            .cmp(&b.action.due_by)
            .then_with(|| a.action.line_ref.cmp(&b.action.line_ref))
            .then_with(|| a.action.action.plan_order(&b.action.action))
    });
    overdue
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::domain::plan::{Due, Slip};
    use crate::domain::{DirectorateCode, LineRef};

    /// An action of CFE SAV09's July 2021 plan, due by `due` (first due by `first`).
    fn action(
        action: &str,
        critical: bool,
        status: Option<ActionStatus>,
        due: &str,
        first: &str,
    ) -> Action {
        let (due, first) = (Due::parse(due).unwrap(), Due::parse(first).unwrap());
        let slip = match (first.by(), due.by()) {
            (Some(first), Some(now)) => Some(Slip::between(first, now)),
            _ => None,
        };
        Action {
            id: 1,
            line_ref: LineRef::parse("CFE SAV09").unwrap(),
            action: ActionRef::parse(action).unwrap(),
            directorate: DirectorateCode::parse("CFE").unwrap(),
            text: format!("action {action}"),
            critical,
            status,
            status_as_printed: None,
            due: Some(due),
            due_by: due.by(),
            due_as_printed: None,
            original_due: Some(first),
            original_due_by: first.by(),
            original_due_as_printed: None,
            slip,
            completed_on: None,
            milestone: None,
            owners: Vec::new(),
            depends_on: Vec::new(),
            updated_at: datetime!(2021-07-20 09:00 UTC),
            updated_by: "cfe-finance".to_owned(),
            version: 1,
        }
    }

    fn sav09() -> Vec<Action> {
        vec![
            action(
                "6.3",
                false,
                Some(ActionStatus::InProgress),
                "2021-06-04",
                "2021-06-04",
            ),
            action(
                "6.4",
                true,
                Some(ActionStatus::NotStarted),
                "2021-08-31",
                "2021-06",
            ),
            action(
                "6.2",
                true,
                Some(ActionStatus::Complete),
                "2021-03-31",
                "2021-03-31",
            ),
        ]
    }

    #[test]
    fn days_overdue_count_from_the_due_day_and_only_while_overdue() {
        let judged = judge(sav09(), date!(2021 - 09 - 30));
        let days: Vec<Option<i64>> = judged
            .iter()
            .map(|a| a.days_overdue(date!(2021 - 09 - 30)))
            .collect();
        // 6.3: 4 June to 30 September; 6.4: 31 August to 30 September; 6.2 is complete.
        assert_eq!(days, vec![Some(118), Some(30), None]);
        let july = judge(sav09(), date!(2021 - 07 - 31));
        assert_eq!(july[1].standing, Standing::OnTrack);
        assert_eq!(july[1].days_overdue(date!(2021 - 07 - 31)), None);
    }

    #[test]
    fn the_critical_actions_overdue_are_those_still_to_do_past_their_day() {
        let refs = |on: Date| -> Vec<String> {
            overdue_critical(&judge(sav09(), on))
                .iter()
                .map(|a| a.action.action.to_string())
                .collect()
        };
        assert_eq!(refs(date!(2021 - 07 - 31)), Vec::<String>::new());
        assert_eq!(refs(date!(2021 - 09 - 30)), vec!["6.4"]);
        let mut earlier = sav09();
        earlier.push(action("5.3", true, None, "2021-07", "2021-07"));
        let found: Vec<String> = overdue_critical(&judge(earlier, date!(2021 - 09 - 30)))
            .iter()
            .map(|a| a.action.action.to_string())
            .collect();
        assert_eq!(found, vec!["5.3", "6.4"]);
    }

    #[test]
    fn counts_add_up_across_plans() {
        let july = counts(&judge(sav09(), date!(2021 - 07 - 31)));
        let september = counts(&judge(sav09(), date!(2021 - 09 - 30)));
        assert_eq!(
            july.plus(september),
            PlanCounts {
                actions: 6,
                complete: 2,
                cancelled: 0,
                on_track: 1,
                overdue: 3,
                not_dated: 0,
                slipped: 2,
            }
        );
    }
}
