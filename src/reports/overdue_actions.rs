//! The overdue action list sent before each meeting (issue 19): on a day, every action still to do past its due
//! day, under each of its owners — a person of the directory by name, an owner naming nobody there as printed
//! (marked unresolved), and the actions with no owner together — owners in name order, actions by due date.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::delivery_plan::{line_titles, plan_day};
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::monitoring::Period;
use crate::domain::plan::{ActionRef, Slip};
use crate::domain::{DirectorateCode, FinancialYear, LineRef};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::plans::model::Action;
use crate::plans::service as plans;
use crate::plans::view::{self, JudgedAction};
use crate::present::table::{Cell, Table, Tabular};
use crate::present::{present, Format, Output};
use crate::state::AppState;

/// The day actions are judged overdue on (as `GET /lines/{ref}/actions` takes it), whose, and how to write it.
/// No `unit`: the list has no amounts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OverdueParams {
    /// One directorate's lines only (any case); without it, every directorate's.
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// The day (`2021-09-30`); default: the period's last day when `year` and `period` are given, else
    /// `as_at`'s day, else today.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
    /// With `period`: the period's last day.
    #[param(value_type = Option<String>, example = "2021/22")]
    pub year: Option<FinancialYear>,
    #[param(value_type = Option<String>, example = "P6")]
    pub period: Option<Period>,
    /// The plans as recorded at this instant (RFC 3339).
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueReport {
    #[serde(with = "crate::domain::instant::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    /// Null: every directorate.
    pub directorate: Option<DirectorateCode>,
    /// How many actions are overdue (each once, however many owners it has).
    pub overdue: usize,
    /// People by name and unresolved owners as printed, in name order; then the actions with no owner.
    pub owners: Vec<OwnerOverdue>,
}

/// Who an owner group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    /// A person of the directory.
    Person,
    /// An owner as printed that names nobody in the directory.
    Unresolved,
    /// The actions with no owner.
    NoOwner,
}

/// An owner's overdue actions.
#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OwnerOverdue {
    /// The person's name, the owner as printed, or `No owner`.
    #[schema(example = "Shelley Davies")]
    pub owner: String,
    pub kind: OwnerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
    /// By due date (the longest overdue first), then by line and plan order.
    pub actions: Vec<OverdueAction>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OverdueAction {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    /// The line's title (as at `as_at`, when given); null if the line cannot be read.
    pub title: Option<String>,
    #[schema(value_type = String, example = "6.4")]
    pub action: ActionRef,
    pub text: String,
    #[serde(with = "crate::domain::instant::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub due_by: Date,
    /// Whole days past `due_by` on the day.
    pub days_overdue: i64,
    /// How far its due date moved from the first, when both are known.
    pub slip: Option<Slip>,
    pub critical: bool,
}

/// What the list is built from, as loaded.
pub struct OverdueData {
    /// Every action of the directorate's plans (or all).
    pub actions: Vec<Action>,
    /// The titles of the lines with actions overdue on the day.
    pub titles: HashMap<LineRef, String>,
}

/// The overdue actions by owner on a day, for the action list sent before each meeting: each owner's actions
/// past their due day and still to do, an action with two owners under each.
#[utoipa::path(
    tag = "reports",
    params(OverdueParams),
    responses(
        (status = 200, body = OverdueReport),
        (status = 400, description = "`on` with `year` or `period`, or one of `year` and `period` without the other", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/overdue-actions")]
pub async fn overdue_actions_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<OverdueParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let on = plan_day(params.on, params.year, params.period, params.as_at)?;
    let directorate = params.directorate.map(|code| code.0);
    let at = params.as_at;
    let data = db::scan(&state.pool, {
        let directorate = directorate.clone();
        move |conn| load(conn, directorate.as_ref(), on, at)
    })
    .await?;
    let report = build(data, directorate, on);
    let output = Output {
        format: params.format,
        unit: Unit::Pounds,
        as_at: params.as_at,
    };
    present(&req, output, &report)
}

/// The plans of one directorate or all, now or as at `at`, and the titles of the lines with actions overdue on
/// `on`.
pub fn load(
    conn: &mut db::DbConnection,
    directorate: Option<&DirectorateCode>,
    on: Date,
    at: Option<OffsetDateTime>,
) -> Result<OverdueData, ApiError> {
    let actions = plans::plans_of(conn, directorate, at.map(db::time::stored))?;
    let overdue: BTreeSet<LineRef> = actions
        .iter()
        .filter(|action| action.overdue_on(on))
        .map(|action| action.line_ref.clone())
        .collect();
    let titles = line_titles(conn, &overdue, at)?;
    Ok(OverdueData { actions, titles })
}

/// Who an owner group is: a person by id, an unresolved owner by the text printed, or no owner.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GroupKey {
    Person(i64),
    Unresolved(String),
    NoOwner,
}

/// The groups an action is listed under, each once.
fn groups_of(action: &Action) -> Vec<(GroupKey, String)> {
    if action.owners.is_empty() {
        return vec![(GroupKey::NoOwner, "No owner".to_owned())];
    }
    let mut groups: Vec<(GroupKey, String)> = Vec::new();
    for owner in &action.owners {
        let group = match owner.person_id {
            Some(id) => (
                GroupKey::Person(id),
                owner
                    .person
                    .clone()
                    .unwrap_or_else(|| owner.printed.clone()),
            ),
            None => (
                GroupKey::Unresolved(owner.printed.clone()),
                owner.printed.clone(),
            ),
        };
        if !groups.iter().any(|(key, _)| *key == group.0) {
            groups.push(group);
        }
    }
    groups
}

fn listed(
    judged: &JudgedAction,
    on: Date,
    titles: &HashMap<LineRef, String>,
) -> Option<OverdueAction> {
    let action = &judged.action;
    Some(OverdueAction {
        line_ref: action.line_ref.clone(),
        title: titles.get(&action.line_ref).cloned(),
        action: action.action.clone(),
        text: action.text.clone(),
        due_by: action.due_by?,
        days_overdue: judged.days_overdue(on)?,
        slip: action.slip,
        critical: action.critical,
    })
}

/// The list from what was loaded, the plans judged on `on`. Pure.
pub fn build(data: OverdueData, directorate: Option<DirectorateCode>, on: Date) -> OverdueReport {
    let mut groups: BTreeMap<GroupKey, (String, Vec<OverdueAction>)> = BTreeMap::new();
    let mut overdue = 0;
    for judged in view::judge(data.actions, on) {
        let Some(item) = listed(&judged, on, &data.titles) else {
            continue;
        };
        overdue += 1;
        for (key, name) in groups_of(&judged.action) {
            groups
                .entry(key)
                .or_insert_with(|| (name, Vec::new()))
                .1
                .push(item.clone());
        }
    }
    let mut owners: Vec<OwnerOverdue> = groups
        .into_iter()
        .map(|(key, (owner, mut actions))| {
            actions.sort_by(|a, b| {
                a.due_by
                    .cmp(&b.due_by)
                    .then_with(|| a.line_ref.cmp(&b.line_ref))
                    .then_with(|| a.action.plan_order(&b.action))
            });
            let (kind, person_id) = match key {
                GroupKey::Person(id) => (OwnerKind::Person, Some(id)),
                GroupKey::Unresolved(_) => (OwnerKind::Unresolved, None),
                GroupKey::NoOwner => (OwnerKind::NoOwner, None),
            };
            OwnerOverdue {
                owner,
                kind,
                person_id,
                actions,
            }
        })
        .collect();
    // By name whatever its case (a person before an unresolved owner printed the same); no owner last.
    owners.sort_by(|a, b| {
        (a.kind == OwnerKind::NoOwner)
            .cmp(&(b.kind == OwnerKind::NoOwner))
            .then_with(|| a.owner.to_lowercase().cmp(&b.owner.to_lowercase()))
            .then_with(|| a.owner.cmp(&b.owner))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.person_id.cmp(&b.person_id))
    });
    OverdueReport {
        on,
        directorate,
        overdue,
        owners,
    }
}

impl Tabular for OverdueReport {
    /// A row per owner and action: an action with two owners is on two rows.
    fn table(&self) -> Table {
        let scope = self
            .directorate
            .as_ref()
            .map_or("all directorates".to_owned(), ToString::to_string);
        let title = format!("Overdue actions, {scope}, on {}", self.on);
        let columns = [
            "Owner",
            "Unresolved",
            "Ref",
            "Title",
            "Action",
            "Text",
            "Due by",
            "Days overdue",
            "Slip (days)",
            "Slip (months)",
            "Critical",
        ];
        let mut table = Table::new(title, columns);
        let yes = |flag: bool| Cell::from(if flag { "yes" } else { "no" });
        for group in &self.owners {
            for action in &group.actions {
                table.row([
                    Cell::from(group.owner.clone()),
                    match group.kind {
                        OwnerKind::NoOwner => Cell::Empty,
                        kind => yes(kind == OwnerKind::Unresolved),
                    },
                    Cell::from(action.line_ref.to_string()),
                    Cell::from(action.title.clone()),
                    Cell::from(action.action.to_string()),
                    Cell::from(action.text.clone()),
                    Cell::from(action.due_by.to_string()),
                    Cell::from(action.days_overdue.to_string()),
                    Cell::from(action.slip.map(|slip| slip.days.to_string())),
                    Cell::from(action.slip.map(|slip| slip.months.to_string())),
                    yes(action.critical),
                ]);
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::domain::plan::ActionStatus;
    use crate::reports::cfe_plan;

    fn data(actions: Vec<Action>) -> OverdueData {
        let titles = [
            (
                "CFE SAV04",
                "Review of Children with Disabilities Care Packages",
            ),
            ("CFE SAV09", "Review Children's Centres Delivery Model"),
            (
                "CFE GRO04",
                "SEND Strategy - support inclusion and access to local provision",
            ),
        ];
        OverdueData {
            actions,
            titles: titles
                .into_iter()
                .map(|(line, title)| (LineRef::parse(line).unwrap(), title.to_owned()))
                .collect(),
        }
    }

    /// Each owner with the refs of their actions, as `SAV09 6.4 (30 days)`.
    fn by_owner(report: &OverdueReport) -> Vec<(String, OwnerKind, Vec<String>)> {
        report
            .owners
            .iter()
            .map(|group| {
                let actions = group
                    .actions
                    .iter()
                    .map(|a| {
                        let line = a.line_ref.to_string().replace("CFE ", "");
                        format!("{line} {} ({} days)", a.action, a.days_overdue)
                    })
                    .collect();
                (group.owner.clone(), group.kind, actions)
            })
            .collect()
    }

    #[test]
    fn at_the_end_of_september_each_owner_has_their_overdue_actions_by_due_date() {
        let report = build(data(cfe_plan::july_2021()), None, date!(2021 - 09 - 30));
        let s = |text: &str| text.to_owned();
        assert_eq!(
            by_owner(&report),
            vec![
                (
                    s("Debbie McCormack"),
                    OwnerKind::Person,
                    vec![s("SAV09 6.3 (118 days)")]
                ),
                (
                    s("KR"),
                    OwnerKind::Unresolved,
                    vec![s("GRO04 7.1 (61 days)")]
                ),
                // 2.6 has two owners: it is under each.
                (
                    s("MW"),
                    OwnerKind::Unresolved,
                    vec![s("SAV04 2.6 (29 days)")]
                ),
                (
                    s("PB"),
                    OwnerKind::Unresolved,
                    vec![s("SAV04 2.6 (29 days)")]
                ),
                (
                    s("Shelley Davies"),
                    OwnerKind::Person,
                    vec![s("SAV09 6.4 (30 days)")]
                ),
            ]
        );
        assert_eq!(report.overdue, 4);
        let cabinet = &report.owners[4].actions[0];
        assert_eq!(report.owners[4].person_id, Some(3));
        assert_eq!(
            cabinet.slip,
            Some(Slip {
                days: 62,
                months: 2
            })
        );
        assert!(cabinet.critical);
        assert_eq!(cabinet.due_by, date!(2021 - 08 - 31));
        assert_eq!(
            cabinet.title.as_deref(),
            Some("Review Children's Centres Delivery Model")
        );
    }

    #[test]
    fn at_the_end_of_july_the_cabinet_decision_is_not_yet_due() {
        let report = build(data(cfe_plan::july_2021()), None, date!(2021 - 07 - 31));
        let s = |text: &str| text.to_owned();
        assert_eq!(
            by_owner(&report),
            vec![(
                s("Debbie McCormack"),
                OwnerKind::Person,
                vec![s("SAV09 6.3 (57 days)")]
            )]
        );
        // Due by 31 July: not overdue on that day.
        assert_eq!(report.overdue, 1);
    }

    #[test]
    fn actions_with_no_owner_come_last_together_and_an_owner_named_twice_lists_an_action_once() {
        let mut actions = cfe_plan::july_2021();
        actions.push(cfe_plan::action(
            ("CFE SAV07", "5.3"),
            "Consult and comms with service managers",
            &[],
            (Some(ActionStatus::NotStarted), false),
            ("2021-07", "2021-07"),
        ));
        actions.push(cfe_plan::action(
            ("CFE SAV07", "5.4"),
            "Develop a timetable for implementing changes",
            &[],
            (Some(ActionStatus::NotStarted), false),
            ("2021-07", "2021-07"),
        ));
        // Printed `DM` twice (as in a cell "DM / DM"): one person, listed once.
        let again = actions[3].owners[0].clone();
        actions[3].owners.push(again);
        let report = build(data(actions), None, date!(2021 - 09 - 30));
        let last = report.owners.last().unwrap();
        assert_eq!(
            (last.owner.as_str(), last.kind, last.actions.len()),
            ("No owner", OwnerKind::NoOwner, 2)
        );
        assert_eq!(last.actions[0].title, None);
        assert_eq!(report.owners[0].actions.len(), 1);
        assert_eq!(report.overdue, 6);
    }

    #[test]
    fn the_table_has_a_row_per_owner_and_action() {
        let report = build(
            data(cfe_plan::july_2021()),
            Some(DirectorateCode::parse("CFE").unwrap()),
            date!(2021 - 09 - 30),
        );
        let table = report.table();
        assert_eq!(table.title, "Overdue actions, CFE, on 2021-09-30");
        assert_eq!(table.rows.len(), 5);
        let text = |s: &str| Cell::from(s);
        assert_eq!(
            table.rows[4],
            vec![
                text("Shelley Davies"),
                text("no"),
                text("CFE SAV09"),
                text("Review Children's Centres Delivery Model"),
                text("6.4"),
                text("Full Cabinet to agree children's centres strategy"),
                text("2021-08-31"),
                text("30"),
                text("62"),
                text("2"),
                text("yes"),
            ]
        );
        assert_eq!(table.rows[2][1], text("yes"));
        assert_eq!(table.rows[2][8], text("0"));
    }
}
