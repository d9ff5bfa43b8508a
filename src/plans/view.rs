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
