//! The two real 2021 plans loaded (issue 19 items 2 to 4 and the acceptance): February's 58 milestones, then
//! July's 32 actions over them, as printed, messy cells and all.

mod common;

use std::collections::BTreeSet;

use common::reads::{expect, get_ok};
use common::TestApi;
use serde_json::{json, Value};

const FEBRUARY: &str = include_str!("../data/demo/cfe-plan-february-2021.csv");
const JULY: &str = include_str!("../data/demo/cfe-plan-july-2021.csv");
const IMPORT: &str = "/api/v1/directorates/CFE/delivery-plan";

fn import(api: &TestApi, layout: &str, csv: &str) -> Value {
    let reply = api.send(
        "POST",
        &format!("{IMPORT}?layout={layout}"),
        "text/csv",
        csv,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn people(api: &TestApi) {
    let directory: Value = serde_json::from_str(mtfs::demo::CFE_PEOPLE).unwrap();
    for person in directory["people"].as_array().unwrap() {
        let mut person = person.clone();
        person["directorate"] = json!("CFE");
        expect(api.post("/api/v1/people", &person), 201);
    }
}

fn plan_action(api: &TestApi, line: &str, action: &str, on: &str) -> Value {
    let plan = get_ok(api, &format!("/api/v1/lines/{line}/actions?on={on}"));
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == action)
        .cloned()
        .unwrap_or_else(|| panic!("no {action} in {plan}"))
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

on_both_backends! {
    fn both_plans_load_and_sav09s_cabinet_decision_slipped_two_months(api: &TestApi) {
        api.with_approved_demo();
        people(api);
        let february = import(api, "milestones", FEBRUARY);
        assert_eq!(february["created"].as_array().unwrap().len(), 58, "{february}");
        // SAV04's `30th May, 2012` in a 2021-24 plan: loaded with no due date, and said.
        let warned: BTreeSet<(String, String, String)> = february["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["ref"].as_str().unwrap().to_owned(), w["action"].as_str().unwrap().to_owned(), w["column"].as_str().unwrap().to_owned()))
            .collect();
        // It is linked to the July action it became, 2.3.
        assert!(warned.contains(&("CFE SAV04".to_owned(), "2.3".to_owned(), "date".to_owned())), "{warned:?}");
        let update = plan_action(api, "CFE-SAV04", "2.3", "2021-02-28");
        assert_eq!(update["due"], Value::Null);
        assert_eq!(update["due_as_printed"], "30th May, 2012");
        assert_eq!(update["standing"], "not_dated");

        // February: the Cabinet decision due "June 2021".
        let decision = plan_action(api, "CFE-SAV09", "6.4", "2021-07-31");
        assert_eq!(decision["due"], "2021-06");
        assert_eq!(decision["due_by"], "2021-06-30");

        let july = import(api, "actions", JULY);
        // 21 of July's actions carry on a February milestone; 11 are new.
        assert_eq!(july["changed"].as_array().unwrap().len(), 21, "{july}");
        assert_eq!(july["created"].as_array().unwrap().len(), 11, "{july}");
        // Every row whose dates and statuses do not line up is a warning with its ref, not merged.
        let warned: BTreeSet<(String, String)> = july["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["action"].as_str().unwrap().to_owned(), w["column"].as_str().unwrap().to_owned()))
            .collect();
        let expected: BTreeSet<(String, String)> = [
            ("1.2", "by_when"), ("1.2", "progress"), ("2.2", "by_when"), ("3.1", "by_when"),
            ("3.2", "by_when"), ("3.2", "progress"), ("3.3", "by_when"), ("3.3", "progress"),
            ("6.3", "action"), ("6.5", "action"),
        ]
        .iter()
        .map(|(a, c)| (a.to_string(), c.to_string()))
        .collect();
        assert_eq!(warned, expected);
        // Unresolved initials are listed, not guessed.
        assert_eq!(
            names(&july["unresolved_owners"]).into_iter().collect::<BTreeSet<_>>(),
            // February's owners of the milestones July carries on are replaced by July's initials; those left
            // are of milestones July did not carry on (`new HoS` printed beside Rodica Cobarzan in SAV04).
            ["Head of Service", "JF", "Lead TBC", "MW", "OC", "SC", "SD", "SH", "SS", "ST", "new HoS"]
                .iter().map(|s| s.to_string()).collect::<BTreeSet<_>>()
        );

        // 31 July 2021: 31/08/21 is 62 days (two months) after June, not yet due; the February text kept.
        let decision = plan_action(api, "CFE-SAV09", "6.4", "2021-07-31");
        assert_eq!(decision["due"], "2021-08-31");
        assert_eq!(decision["due_as_printed"], "31/08/21");
        assert_eq!(decision["original_due_as_printed"], "June 2021");
        assert_eq!(decision["slip"], json!({"days": 62, "months": 2}));
        assert_eq!(decision["standing"], "on_track");
        assert_eq!(decision["milestone"], "Full Cabinet to agree children's centres strategy");
        assert_eq!(decision["owners"], json!([{"printed": "SD"}]));
        // 30 September 2021: overdue.
        assert_eq!(plan_action(api, "CFE-SAV09", "6.4", "2021-09-30")["standing"], "overdue");

        // Every printed status maps to one of the five values; the unclear ones are unset, not guessed.
        let mut statuses = BTreeSet::new();
        for line in ["CFE-SAV02", "CFE-SAV04", "CFE-SAV05", "CFE-SAV06", "CFE-SAV07", "CFE-SAV09", "CFE-GRO04"] {
            for action in get_ok(api, &format!("/api/v1/lines/{line}/actions"))["actions"].as_array().unwrap() {
                if action["action"].as_str().unwrap().starts_with('M') {
                    continue;
                }
                statuses.insert((action["status_as_printed"].as_str().unwrap_or("").to_owned(), action["status"].to_string()));
            }
        }
        let mapped: Vec<(String, String)> = statuses.into_iter().collect();
        for (printed, status) in &mapped {
            let expected = match printed.as_str() {
                "complete" | "Complete" | "Completed" => json!("complete"),
                "In progress" | "in progress" | "In consultation" => json!("in_progress"),
                "Not started" | "Not Started" => json!("not_started"),
                // Several statuses beside several dates (3.3 prints three), or none (6.6): unset, and warned.
                "Complete In progress" | "In progress In progress In progress" | "" => Value::Null,
                other => panic!("a printed status not expected: {other}"),
            };
            assert_eq!(status, &expected.to_string(), "{printed}");
        }

        // The same file again changes nothing.
        let again = import(api, "actions", JULY);
        assert_eq!(again["unchanged"].as_array().unwrap().len(), 32, "{again}");
        assert_eq!(again["changed"], json!([]));
    }

    fn an_initial_two_people_answer_to_is_refused_with_both_names_and_nothing_written(api: &TestApi) {
        api.with_approved_demo();
        people(api);
        import(api, "milestones", FEBRUARY);
        expect(api.post("/api/v1/people", &json!({"name": "Dan Morris", "directorate": "CFE", "aliases": ["DM"]})), 201);
        let refused = api.send("POST", &format!("{IMPORT}?layout=actions"), "text/csv", JULY);
        let problem = refused.assert_problem(422, "validation");
        let text = problem.to_string();
        assert!(text.contains("Dan Morris") && text.contains("Debbie McCormack"), "{text}");
        assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == "row 24: owners"), "{problem}");
        let decision = plan_action(api, "CFE-SAV09", "6.4", "2021-07-31");
        assert_eq!(decision["due"], "2021-06");
        assert_eq!(decision["version"], 1);
    }

    fn a_dry_run_reports_and_writes_nothing(api: &TestApi) {
        api.with_approved_demo();
        let reply = api.send("POST", &format!("{IMPORT}?layout=milestones&dry_run=true"), "text/csv", FEBRUARY);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let report = reply.json();
        assert_eq!(report["dry_run"], true);
        assert_eq!(report["created"].as_array().unwrap().len(), 58);
        assert_eq!(get_ok(api, "/api/v1/lines/CFE-SAV09/actions")["counts"]["actions"], 0);
    }

    fn bad_plans_are_refused_whole_by_row_and_column(api: &TestApi) {
        api.with_approved_demo();
        let bad = "line,ref,action,owners,by_when,progress\nCFE SAV09,6.1,Agree,SD,11/2020,Complete\nCFE SAV99,6.2,Review,,,\nCFE SAV09,,Launch,,,\n";
        let problem = api.send("POST", &format!("{IMPORT}?layout=actions"), "text/csv", bad).assert_problem(422, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
        assert!(fields.contains(&"row 3: ref"), "{problem}");
        assert_eq!(get_ok(api, "/api/v1/lines/CFE-SAV09/actions")["counts"]["actions"], 0);
        let unknown_line = "line,ref,action\nCFE SAV99,6.2,Review\n";
        let problem = api.send("POST", &format!("{IMPORT}?layout=actions"), "text/csv", unknown_line).assert_problem(422, "validation");
        assert_eq!(problem["errors"][0]["field"], "row 1: line", "{problem}");
        // A plan holds at most 200 actions: the 201st row is refused, and nothing of the file is written.
        let long: String = std::iter::once("line,ref,action".to_owned())
            .chain((1..=201).map(|n| format!("CFE SAV09,{n},Step {n}")))
            .collect::<Vec<_>>()
            .join("\n");
        let problem = api.send("POST", &format!("{IMPORT}?layout=actions"), "text/csv", &long).assert_problem(422, "validation");
        assert_eq!(problem["errors"][0]["field"], "row 201: ref", "{problem}");
        assert_eq!(get_ok(api, "/api/v1/lines/CFE-SAV09/actions")["counts"]["actions"], 0);
        api.send("POST", &format!("{IMPORT}?layout=actions"), "text/plain", "x").assert_problem(415, "unsupported-media-type");
        api.send("POST", &format!("{IMPORT}?layout=sideways"), "text/csv", "x").assert_field_error(400, "invalid-parameter", "layout");
        api.send("POST", "/api/v1/directorates/XYZ/delivery-plan?layout=actions", "text/csv", "x").assert_problem(404, "not-found");
        // Whose plan it is, before the body is read.
        api.with_directorate("ASC", "Adult Social Care");
        let other = api.as_key(&api.create_key("asc-finance", "editor", &["ASC"]));
        other.send("POST", &format!("{IMPORT}?layout=actions"), "text/plain", "not a plan").assert_problem(403, "forbidden");
        let reader = api.as_key(&api.create_key("pmo", "reader", &[]));
        reader.send("POST", &format!("{IMPORT}?layout=actions"), "text/csv", JULY).assert_problem(403, "forbidden");
    }

    fn the_demo_loads_both_plans(api: &TestApi) {
        api.with_approved_demo().with_plans();
        let decision = plan_action(api, "CFE-SAV09", "6.4", "2021-07-31");
        assert_eq!(decision["slip"], json!({"days": 62, "months": 2}));
        assert_eq!(decision["critical"], true);
        let person = get_ok(api, "/api/v1/people/resolve?owner=Debby%20MacCormack");
        assert_eq!(person["person"]["name"], "Debbie McCormack");
    }
}
