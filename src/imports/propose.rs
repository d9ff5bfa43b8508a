//! Planning a later plan proposed against the baseline (`mode=propose`): each row names an approved line, and
//! what it changes of the line's controlled fields (its years, owner, status) becomes one change in a single
//! change set; a blank amount is not stated, so kept and listed. Nothing is written to the lines: the set is
//! approved, or not, under change control. Pure CPU over what was read up front, like `plan`.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::limits::Capped;
use super::model::{CellProblem, ImportRow};
use super::plan::{cell, in_columns, read_row, Known, RowValues};
use crate::auth::Actor;
use crate::change_control::model::{NotStated, ProposedChange};
use crate::change_control::service::PlanProposal;
use crate::domain::money::Unit;
use crate::domain::{DirectorateCode, LineRef};
use crate::error::ApiError;
use crate::lines::model::{ControlledField, LinePatch};

/// Every row planned as a proposal, or the rows' problems.
pub struct Proposed {
    pub proposal: PlanProposal,
    pub problems: Capped,
    pub warnings: Capped,
}

/// Plans every row of a proposed plan, in one pass.
pub fn propose_rows(
    known: &Known,
    actor: &Actor,
    rows: &[ImportRow],
    unit: Unit,
    reason: String,
) -> Result<Proposed, ApiError> {
    let mut proposed = Proposed {
        proposal: PlanProposal {
            reason,
            changes: Vec::new(),
            directorates: Vec::new(),
            named: HashSet::new(),
            not_stated: Vec::new(),
        },
        problems: Capped::default(),
        warnings: Capped::default(),
    };
    let mut directorates = BTreeSet::new();
    let mut claimed: HashMap<LineRef, usize> = HashMap::new();
    for row in rows {
        match propose_row(known, &mut claimed, actor, row, unit, &mut proposed) {
            Ok(directorate) => {
                directorates.insert(directorate);
            }
            Err(ApiError::Validation(errors)) => {
                proposed
                    .problems
                    .extend(errors.into_iter().map(|e| CellProblem {
                        row: row.row,
                        column: Some(e.field),
                        message: e.message,
                    }))
            }
            Err(ApiError::Forbidden(message)) => proposed.problems.push(CellProblem {
                row: row.row,
                column: None,
                message,
            }),
            Err(other) => return Err(other),
        }
    }
    proposed.proposal.directorates = directorates.into_iter().collect();
    proposed.proposal.not_stated.sort();
    Ok(proposed)
}

/// One row: the approved line it names and what it changes of it; answers the row's directorate.
fn propose_row(
    known: &Known,
    claimed: &mut HashMap<LineRef, usize>,
    actor: &Actor,
    row: &ImportRow,
    unit: Unit,
    proposed: &mut Proposed,
) -> Result<DirectorateCode, ApiError> {
    let RowValues {
        kind,
        directorate,
        status,
        line_ref,
        years,
        blank,
        ..
    } = read_row(row, unit, &mut proposed.warnings)?;
    let not_approved = |what: String| {
        ApiError::field(
            "ref",
            format!(
                "{what}: a proposed plan changes approved lines; import the others without mode=propose"
            ),
        )
    };
    let Some(line_ref) = line_ref else {
        return Err(not_approved("a new line has no ref".to_owned()));
    };
    if let Some(first) = claimed.insert(line_ref.clone(), row.row) {
        return Err(ApiError::field(
            "ref",
            format!("{line_ref} is on row {first} already; a file names each line once"),
        ));
    }
    let Some(current) = known.lines.get(&line_ref) else {
        return Err(not_approved(format!("there is no line {line_ref}")));
    };
    actor.require_editor_of(&current.directorate)?;
    if current.kind != kind || current.directorate != directorate {
        return Err(ApiError::field(
            "ref",
            format!(
                "{line_ref} is a {} line of {}",
                current.kind.as_str(),
                current.directorate
            ),
        ));
    }
    proposed.proposal.named.insert(line_ref.clone());
    if !known.approved.contains(&line_ref) {
        return Err(not_approved(format!("{line_ref} is in no baseline")));
    }
    // A blank is "not stated": listed when the line has that year, which keeps its amount.
    proposed.proposal.not_stated.extend(
        blank
            .into_iter()
            .filter(|year| current.years.iter().any(|entry| entry.year == *year))
            .map(|year| NotStated {
                line_ref: line_ref.clone(),
                year,
            }),
    );
    let mut profile = current.years.clone();
    for entry in &years {
        profile.retain(|e| e.year != entry.year);
        profile.push(*entry);
    }
    let patch = LinePatch {
        owner: cell(row, "owner").map(Some),
        status,
        years: Some(profile),
        reason: cell(row, "reason"),
        ..LinePatch::default()
    };
    let (fields, checked) = patch.apply(current).map_err(|errors| {
        ApiError::Validation(in_columns(
            errors,
            patch.years.as_deref().unwrap_or_default(),
        ))
    })?;
    let controlled = current.controlled_changes(&fields, checked.as_deref());
    if !controlled.is_empty() {
        let has = |field| controlled.contains(&field);
        proposed.proposal.changes.push((
            row.row,
            ProposedChange {
                line_ref,
                years: patch.years.filter(|_| has(ControlledField::Years)),
                owner: patch.owner.filter(|_| has(ControlledField::Owner)),
                status: patch.status.filter(|_| has(ControlledField::Status)),
            },
        ));
    }
    Ok(directorate)
}
