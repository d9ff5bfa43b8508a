//! The July 2021 CFE improvement plan's actions as the plan reports' unit tests start from them
//! (`data/plans/cfe-plan-versions.json`): SAV09's actions 6.2–6.6, SAV04's 2.6 and GRO04's 7.1, with the
//! Cabinet decision (6.4) first due "June 2021" and moved to 31/08/21. SD and DM are in the directory (Shelley
//! Davies, Debbie McCormack); SH, PB, MW and KR name nobody there.

use time::macros::datetime;

use crate::domain::monitoring::{Period, Rag};
use crate::domain::plan::{ActionRef, ActionStatus, Due, Slip};
use crate::domain::Money;
use crate::monitoring::model::Assessment;
use crate::plans::model::{Action, ActionOwner};
use crate::reports::cfe::{line_ref, money, year};

/// An owner as printed, and the person it names in the directory.
fn owner(printed: &str) -> ActionOwner {
    let person = match printed {
        "SD" => Some((3, "Shelley Davies")),
        "DM" => Some((4, "Debbie McCormack")),
        _ => None,
    };
    ActionOwner {
        printed: printed.to_owned(),
        person_id: person.map(|(id, _)| id),
        person: person.map(|(_, name)| name.to_owned()),
    }
}

/// One action: its line, ref, text, owners, status, whether critical, and its due dates (now, first).
pub fn action(
    (line, action): (&str, &str),
    text: &str,
    owners: &[&str],
    (status, critical): (Option<ActionStatus>, bool),
    (due, first): (&str, &str),
) -> Action {
    let (due, first) = (Due::parse(due).unwrap(), Due::parse(first).unwrap());
    let slip = match (first.by(), due.by()) {
        (Some(first), Some(now)) => Some(Slip::between(first, now)),
        _ => None,
    };
    let line_ref = line_ref(line);
    Action {
        id: 0,
        directorate: line_ref.directorate().clone(),
        line_ref,
        action: ActionRef::parse(action).unwrap(),
        text: text.to_owned(),
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
        owners: owners.iter().map(|printed| owner(printed)).collect(),
        depends_on: Vec::new(),
        updated_at: datetime!(2021-07-20 09:00 UTC),
        updated_by: "cfe-finance".to_owned(),
        version: 1,
    }
}

/// The actions, in each plan's order.
pub fn july_2021() -> Vec<Action> {
    use ActionStatus::{Complete, InProgress, NotStarted};
    vec![
        action(
            ("CFE GRO04", "7.1"),
            "Recruit additional locality-based 0-25 SEN staff to increase capacity to complete EHCP annual reviews",
            &["KR"],
            (Some(InProgress), false),
            ("2021-07", "2021-07"),
        ),
        action(
            ("CFE SAV04", "2.6"),
            "Review of current short break provision to inform commissioning intentions for 2021 and beyond and agree next steps",
            &["PB", "MW"],
            (Some(InProgress), false),
            ("2021-09-01", "2021-09-01"),
        ),
        action(
            ("CFE SAV09", "6.2"),
            "Review and identify delivery options to reconfigure children's centres to hub & spoke model based on a locality footprint",
            &["SH", "DM"],
            (Some(Complete), false),
            ("2021-03-31", "2021-03-31"),
        ),
        action(
            ("CFE SAV09", "6.3"),
            "Launch public consultation – extended to 20/06/2021",
            &["DM"],
            (Some(InProgress), false),
            ("2021-06-04", "2021-06-04"),
        ),
        action(
            ("CFE SAV09", "6.4"),
            "Full Cabinet to agree children's centres strategy",
            &["SD"],
            (Some(NotStarted), true),
            ("2021-08-31", "2021-06"),
        ),
        action(
            ("CFE SAV09", "6.5"),
            "Procurement of new provision completed Contracts awarded 20.09.21 Mobilisation and TUPE transfer 21.09.21-22.10.21",
            &["DM", "SH"],
            (Some(InProgress), false),
            ("2021-09/2021-11", "2021-09/2021-11"),
        ),
        action(
            ("CFE SAV09", "6.6"),
            "Implement new delivery model",
            &["DM", "SH"],
            (None, false),
            ("2021-12", "2021-12"),
        ),
    ]
}

/// A 2021/22 assessment of a saving: `at_risk` of `planned`, permanent.
pub fn assessment(period: &str, line: &str, rag: Rag, planned: &str, at_risk: &str) -> Assessment {
    let (planned, at_risk) = (money(planned), money(at_risk));
    Assessment {
        year: year("2021/22"),
        period: Period::parse(period).unwrap(),
        line_ref: line_ref(line),
        rag,
        planned,
        forecast: planned - at_risk,
        at_risk,
        timing: Money::ZERO,
        permanent: at_risk,
        carried_from: None,
        reason: (!at_risk.is_zero())
            .then(|| "Reported to scrutiny as at risk, position at 2021-06-30".to_owned()),
        mitigation: None,
        substitutes: Vec::new(),
        slips_to: None,
        updated_at: datetime!(2021-07-05 10:00 UTC),
        version: 1,
    }
}
