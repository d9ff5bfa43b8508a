//! Actions as the audit trail stores them, and back (a plan as at an instant). A replayed owner's person is
//! named from the directory as it is now.

use super::model::{Action, ActionOwner};
use crate::audit::snapshot::{ActionOwnerV1, ActionSnapshotV1, Audited, Replayed};
use crate::domain::plan::{ActionRef, ActionStatus, Due, Slip};

impl Audited for Action {
    type Snapshot = ActionSnapshotV1;
    fn snapshot(&self) -> ActionSnapshotV1 {
        ActionSnapshotV1 {
            id: self.id,
            line_ref: self.line_ref.clone(),
            action: self.action.to_string(),
            directorate: self.directorate.clone(),
            text: self.text.clone(),
            critical: self.critical,
            status: self.status.map(|status| status.as_str().to_owned()),
            status_as_printed: self.status_as_printed.clone(),
            due: self.due.as_ref().map(Due::to_string),
            due_as_printed: self.due_as_printed.clone(),
            original_due: self.original_due.as_ref().map(Due::to_string),
            original_due_as_printed: self.original_due_as_printed.clone(),
            completed_on: self.completed_on,
            milestone: self.milestone.clone(),
            owners: self
                .owners
                .iter()
                .map(|owner| ActionOwnerV1 {
                    printed: owner.printed.clone(),
                    person_id: owner.person_id,
                })
                .collect(),
            depends_on: self.depends_on.iter().map(ActionRef::to_string).collect(),
            updated_at: self.updated_at,
            updated_by: self.updated_by.clone(),
            version: self.version,
        }
    }
}

impl Replayed for Action {
    fn from_snapshot(a: ActionSnapshotV1) -> Action {
        // What was stored was checked when written; a value that no longer reads is dropped, not guessed.
        let due = a.due.as_deref().and_then(|text| Due::parse(text).ok());
        let original_due = a
            .original_due
            .as_deref()
            .and_then(|text| Due::parse(text).ok());
        let due_by = due.and_then(|due| due.by());
        let original_due_by = original_due.and_then(|due| due.by());
        Action {
            id: a.id,
            line_ref: a.line_ref,
            action: ActionRef::parse(&a.action)
                .unwrap_or_else(|_| ActionRef::parse("0").expect("0 is a ref")),
            directorate: a.directorate,
            text: a.text,
            critical: a.critical,
            status: a.status.as_deref().and_then(ActionStatus::from_name),
            status_as_printed: a.status_as_printed,
            due,
            due_by,
            due_as_printed: a.due_as_printed,
            original_due,
            original_due_by,
            original_due_as_printed: a.original_due_as_printed,
            slip: original_due_by
                .zip(due_by)
                .map(|(original, current)| Slip::between(original, current)),
            completed_on: a.completed_on,
            milestone: a.milestone,
            owners: a
                .owners
                .into_iter()
                .map(|owner| ActionOwner {
                    printed: owner.printed,
                    person_id: owner.person_id,
                    person: None,
                })
                .collect(),
            depends_on: a
                .depends_on
                .iter()
                .filter_map(|text| ActionRef::parse(text).ok())
                .collect(),
            updated_at: a.updated_at,
            updated_by: a.updated_by,
            version: a.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::snapshot;

    /// SAV09's Cabinet decision moved from June to 31 August 2021, as V1 stores it.
    const STORED: &str = r#"{"action":"6.4","critical":true,"depends_on":["6.3"],"directorate":"CFE","due":"2021-08-31","due_as_printed":"31/08/21","id":27,"original_due":"2021-06","original_due_as_printed":"June 2021","owners":[{"person_id":3,"printed":"SD"}],"ref":"CFE SAV09","status":"not_started","status_as_printed":"Not started","text":"Full Cabinet to agree children's centres strategy","updated_at":"2021-07-20T09:00:00Z","updated_by":"cfe-finance","version":2}"#;

    #[test]
    fn an_action_replays_from_its_v1_state_with_its_slip_and_is_stored_as_it_was() {
        let action = Action::from_snapshot(snapshot::read(STORED).unwrap());
        assert_eq!(
            action.slip,
            Some(Slip {
                days: 62,
                months: 2
            })
        );
        assert_eq!(action.status, Some(ActionStatus::NotStarted));
        assert_eq!(action.depends_on[0].as_str(), "6.3");
        assert_eq!(snapshot::stored(&action.snapshot()).to_string(), STORED);
    }
}
