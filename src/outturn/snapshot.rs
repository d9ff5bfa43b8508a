//! Outturns and a year's close as the audit trail stores them, and back (the delivery record as at an instant).

use super::model::{Outturn, OutturnClose, OutturnStatus};
use crate::audit::snapshot::{Audited, OutturnSnapshotV1, OutturnYearSnapshotV1, Replayed};

impl Audited for Outturn {
    type Snapshot = OutturnSnapshotV1;
    fn snapshot(&self) -> OutturnSnapshotV1 {
        OutturnSnapshotV1 {
            year: self.year,
            line_ref: self.line_ref.clone(),
            directorate: self.directorate.clone(),
            revised_budget: self.revised_budget,
            delivered: self.delivered,
            slipped: self.slipped,
            slips_to: self.slips_to,
            unachieved: self.unachieved,
            written_off: self.written_off,
            decision_id: self.decision_id,
            replaced: self.replaced,
            carried_to: self.carried_to.clone(),
            note: self.note.clone(),
            recorded_by: self.recorded_by.clone(),
            recorder: self.recorder.clone(),
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

impl Replayed for Outturn {
    fn from_snapshot(o: OutturnSnapshotV1) -> Outturn {
        Outturn {
            year: o.year,
            line_ref: o.line_ref,
            directorate: o.directorate,
            revised_budget: o.revised_budget,
            delivered: o.delivered,
            slipped: o.slipped,
            slips_to: o.slips_to,
            unachieved: o.unachieved,
            written_off: o.written_off,
            decision_id: o.decision_id,
            replaced: o.replaced,
            carried_to: o.carried_to,
            note: o.note,
            recorded_by: o.recorded_by,
            recorder: o.recorder,
            updated_at: o.updated_at,
            version: o.version,
        }
    }
}

impl Audited for OutturnClose {
    type Snapshot = OutturnYearSnapshotV1;
    fn snapshot(&self) -> OutturnYearSnapshotV1 {
        OutturnYearSnapshotV1 {
            year: self.year,
            status: self.status.as_str().to_owned(),
            decision_id: self.decision_id,
            reason: self.reason.clone(),
            changed_by: self.changed_by.clone(),
            changed_at: self.changed_at,
            version: self.version,
        }
    }
}

impl Replayed for OutturnClose {
    fn from_snapshot(c: OutturnYearSnapshotV1) -> OutturnClose {
        OutturnClose {
            year: c.year,
            // A stored status that is not a name replays as open: only `closed` makes a year read-only.
            status: match OutturnStatus::from_name(&c.status) {
                Some(OutturnStatus::Closed) => OutturnStatus::Closed,
                _ => OutturnStatus::Open,
            },
            decision_id: c.decision_id,
            reason: c.reason,
            changed_by: c.changed_by,
            changed_at: c.changed_at,
            version: c.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::snapshot;

    /// SAV07's 2021/22 outturn, all of it unachieved and carried into a growth line, as V1 stores it.
    const STORED: &str = r#"{"carried_to":"CFE GRO08","delivered":"0.00","directorate":"CFE","recorded_by":"cfe-sro","recorder":"Debbie Jones","ref":"CFE SAV07","replaced":"0.00","revised_budget":"1065000.00","slipped":"0.00","unachieved":"1065000.00","updated_at":"2022-05-03T09:00:00Z","version":1,"written_off":"0.00","year":"2021/22"}"#;

    #[test]
    fn an_outturn_replays_from_its_v1_state_and_is_stored_as_it_was() {
        let outturn = Outturn::from_snapshot(snapshot::read(STORED).unwrap());
        assert_eq!(outturn.unachieved.to_string(), "1065000.00");
        assert_eq!(
            outturn
                .carried_to
                .as_ref()
                .map(|r| r.to_string())
                .as_deref(),
            Some("CFE GRO08")
        );
        assert_eq!(snapshot::stored(&outturn.snapshot()).to_string(), STORED);
    }

    #[test]
    fn a_close_replays_from_its_v1_state() {
        let stored = r#"{"changed_at":"2022-07-18T09:00:00Z","changed_by":"cfe-sro","decision_id":3,"status":"closed","version":1,"year":"2021/22"}"#;
        let close = OutturnClose::from_snapshot(snapshot::read(stored).unwrap());
        assert_eq!(close.status, OutturnStatus::Closed);
        assert_eq!(snapshot::stored(&close.snapshot()).to_string(), stored);
    }
}
