//! The approved budget: decisions (a body, a day not in the future, a reference), baselines set once per name
//! from the lines' approved profiles, and the summary's savings against the latest baseline. The demo loads Table
//! 8 as the baseline "Budget Council, February 2021": 9,433,000.00 / 4,694,000.00 / 2,296,000.00 of savings.

mod common;

use common::reads::{now, with_as_at};
use serde_json::{json, Value};

const BASELINE: &str = "Budget%20Council%2C%20February%202021";

fn decision(body: &str, day: &str) -> Value {
    json!({"body": body, "decided_on": day, "reference": "Cabinet, minute 12", "summary": "Approved the revised budget"})
}

on_both_backends! {
    fn the_demo_baseline_is_table_8_as_budget_council_approved_it(api: &TestApi) {
        api.with_approved_demo();
        let baselines = api.get("/api/v1/baselines").json();
        assert_eq!(baselines.as_array().unwrap().len(), 1);
        let baseline = &baselines[0];
        assert_eq!(baseline["name"], "Budget Council, February 2021");
        assert_eq!(baseline["decision"]["body"], "council");
        assert_eq!(baseline["decision"]["decided_on"], "2021-02-28");
        assert_eq!(baseline["line_count"], 21);
        assert_eq!(baseline["years"], json!([
            {"year": "2021/22", "savings": "9433000.00", "growth": "20433000.00", "net": "11000000.00"},
            {"year": "2022/23", "savings": "4694000.00", "growth": "85000.00", "net": "-4609000.00"},
            {"year": "2023/24", "savings": "2296000.00", "growth": "77000.00", "net": "-2219000.00"}
        ]));
        let held = api.get(&format!("/api/v1/baselines/{BASELINE}")).json();
        let sav05 = held["lines"].as_array().unwrap().iter().find(|l| l["ref"] == "CFE SAV05").unwrap().clone();
        assert_eq!(sav05["years"][0], json!({"year": "2021/22", "amount": "794000.00"}));
        // The summary: baseline, revised budget and current plan side by side, equal at first.
        let summary = api.get("/api/v1/reports/summary?directorate=CFE").json();
        assert_eq!(summary["budget"]["baseline"], "Budget Council, February 2021");
        let years = summary["budget"]["years"].as_array().unwrap();
        for (row, savings) in years.iter().zip(["9433000.00", "4694000.00", "2296000.00"]) {
            for figure in ["baseline", "revised_budget", "current_plan"] {
                assert_eq!(row[figure], savings, "{figure}: {row}");
            }
            assert_eq!(row["written_off"], "0.00");
            assert_eq!(row["variance"], "0.00");
        }
        // An approved line's profile changes only by change request (tests/change_control.rs).
        let direct = api.patch("/api/v1/lines/CFE-SAV04", &json!({"years": [{"year": "2021/22", "amount": "126400.00"}]}));
        let problem = direct.assert_problem(409, "change-request-needed");
        assert!(problem["detail"].as_str().unwrap().contains("POST /api/v1/change-sets"), "{problem}");
        // In £000s, and not in the cumulative view.
        let thousands = api.get("/api/v1/reports/summary?directorate=CFE&unit=thousands").json();
        assert_eq!(thousands["budget"]["years"][0]["baseline"], "9433");
        assert!(api.get("/api/v1/reports/summary?view=cumulative").json().get("budget").is_none());
    }

    fn decisions_are_recorded_as_taken_and_never_in_the_future(api: &TestApi) {
        api.with_approved_demo();
        let recorded = api.post("/api/v1/decisions", &decision("cabinet", "2021-07-19"));
        assert_eq!(recorded.status, 201, "{}", recorded.body);
        let id = recorded.json()["id"].as_i64().unwrap();
        assert_eq!(recorded.header("location"), Some(format!("/api/v1/decisions/{id}").as_str()));
        assert_eq!(api.get(&format!("/api/v1/decisions/{id}")).json()["reference"], "Cabinet, minute 12");
        let other = api.post("/api/v1/decisions", &json!({"body": "other", "body_name": "Audit Committee",
            "decided_on": "2021-09-01", "reference": "AC 4", "summary": "Noted the DSG deficit"}));
        assert_eq!(other.status, 201, "{}", other.body);
        assert_eq!(other.json()["body_name"], "Audit Committee");
        // Every decision, in the order recorded: the demo's Budget Council first.
        let listed = api.get("/api/v1/decisions").json();
        let bodies: Vec<&str> = listed.as_array().unwrap().iter().map(|d| d["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, ["council", "cabinet", "other"]);
        assert_eq!(api.get(&format!("/api/v1/decisions?after={id}")).json().as_array().unwrap().len(), 1);
        // Bad inputs: each names its field, and nothing is recorded.
        api.post("/api/v1/decisions", &decision("cabinet", "2999-01-01")).assert_field_error(422, "validation", "decided_on");
        api.post("/api/v1/decisions", &json!({"body": "other", "decided_on": "2021-07-19", "reference": "x", "summary": "y"}))
            .assert_field_error(422, "validation", "body_name");
        api.post("/api/v1/decisions", &json!({"body": "cabinet", "body_name": "Cabinet", "decided_on": "2021-07-19", "reference": "x", "summary": "y"}))
            .assert_field_error(422, "validation", "body_name");
        api.post("/api/v1/decisions", &json!({"body": "cabinet", "decided_on": "2021-07-19", "reference": " ", "summary": "y"}))
            .assert_field_error(422, "validation", "reference");
        api.post("/api/v1/decisions", &json!({"body": "the mayor", "decided_on": "2021-07-19", "reference": "x", "summary": "y"}))
            .assert_problem(422, "validation");
        api.get("/api/v1/decisions/nine").assert_field_error(400, "invalid-parameter", "id");
        api.get("/api/v1/decisions/999").assert_problem(404, "not-found");
        api.get("/api/v1/decisions?limit=0").assert_field_error(400, "invalid-parameter", "limit");
        assert_eq!(api.get("/api/v1/decisions").json().as_array().unwrap().len(), 3);
        // A reader records nothing, and is refused before its body is read.
        let reader = api.as_key(&api.create_key("pmo", "reader", &[]));
        assert_eq!(reader.send("POST", "/api/v1/decisions", "application/json", "{not json").status, 403);
        // An approver may record one (it changes no figure) but not edit a line.
        let approver = api.as_key(&api.create_key("cfe-approver", "approver", &["CFE"]));
        assert_eq!(approver.post("/api/v1/decisions", &decision("executive_director", "2021-08-02")).status, 201);
        let edit = approver.patch("/api/v1/lines/CFE-GRO01", &json!({"owner": "Somebody"}));
        assert_eq!(edit.status, 403, "{}", edit.body);
    }

    fn a_baseline_is_set_once_by_an_admin_with_its_decision(api: &TestApi) {
        api.with_approved_demo();
        let before = now();
        let id = api.post("/api/v1/decisions", &decision("cabinet", "2021-07-19")).json()["id"].clone();
        // A proposed line is not approved: the revised baseline does not hold it.
        let proposed = api.post("/api/v1/lines", &json!({"kind": "saving", "directorate": "CFE", "title": "Proposed saving",
            "status": "proposed", "years": [{"year": "2021/22", "amount": "1000.00"}]}));
        assert_eq!(proposed.status, 201);
        let set = api.post("/api/v1/baselines", &json!({"name": "Revised budget, July 2021", "decision_id": id}));
        assert_eq!(set.status, 201, "{}", set.body);
        assert_eq!(set.header("location"), Some("/api/v1/baselines/Revised%20budget%2C%20July%202021"));
        assert_eq!(set.json()["line_count"], 21);
        assert_eq!(api.get("/api/v1/baselines").json()[0]["name"], "Revised budget, July 2021");
        // The summary compares with the latest; as at before it, with the one then.
        assert_eq!(api.get("/api/v1/reports/summary").json()["budget"]["baseline"], "Revised budget, July 2021");
        assert_eq!(api.get(&with_as_at("/api/v1/reports/summary", &before)).json()["budget"]["baseline"],
            "Budget Council, February 2021");
        // Set twice under one name: 409, whoever asks; without a decision, or by an editor: refused.
        api.post("/api/v1/baselines", &json!({"name": "Revised budget, July 2021", "decision_id": id})).assert_problem(409, "conflict");
        api.post("/api/v1/baselines", &json!({"name": "Another", "decision_id": 999})).assert_field_error(422, "validation", "decision_id");
        api.post("/api/v1/baselines", &json!({"name": "", "decision_id": id})).assert_field_error(422, "validation", "name");
        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        assert_eq!(editor.send("POST", "/api/v1/baselines", "application/json", "{not json").status, 403);
        api.get("/api/v1/baselines/Nothing").assert_problem(404, "not-found");
        assert_eq!(api.get("/api/v1/baselines").json().as_array().unwrap().len(), 2);
        // Both in the audit trail.
        let events = common::feed::all_events(api);
        let entities: Vec<&str> = events.iter().map(|e| e["entity"].as_str().unwrap()).collect();
        assert_eq!(entities.iter().filter(|e| **e == "baseline").count(), 2);
        assert_eq!(entities.iter().filter(|e| **e == "decision").count(), 2);
    }

    fn a_key_names_the_person_who_holds_it(api: &TestApi) {
        api.with_cfe();
        let created = api.post("/api/v1/keys", &json!({"name": "cfe-approver", "person": "Hannah Doughty", "role": "approver", "directorates": ["CFE"]}));
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.json()["person"], "Hannah Doughty");
        let unnamed = api.post("/api/v1/keys", &json!({"name": "pmo", "role": "reader"}));
        assert_eq!(unnamed.json()["person"], "pmo", "a key's person defaults to its name");
        api.post("/api/v1/keys", &json!({"name": "x", "person": "a\nb", "role": "reader"})).assert_field_error(422, "validation", "person");
        let keys = api.get("/api/v1/keys").json();
        assert!(keys.as_array().unwrap().iter().all(|k| k["person"].is_string()), "{keys}");
    }
}

mod write_offs {
    use super::*;
    use common::TestApi;

    fn approver_and_decision(api: &TestApi) -> (TestApi, TestApi, i64) {
        let editor = api.post("/api/v1/keys", &json!({"name": "cfe-finance", "person": "Finance BP", "role": "editor", "directorates": ["CFE"]}));
        let approver = api.post("/api/v1/keys", &json!({"name": "cfe-sro", "person": "Debbie Jones", "role": "approver", "directorates": ["CFE"]}));
        let decision = api
            .post("/api/v1/decisions", &decision("cabinet", "2021-09-13"))
            .json()["id"]
            .as_i64()
            .unwrap();
        (
            api.as_key(editor.json()["token"].as_str().unwrap()),
            api.as_key(approver.json()["token"].as_str().unwrap()),
            decision,
        )
    }

    fn first_year(api: &TestApi) -> Value {
        api.get("/api/v1/reports/summary?directorate=CFE").json()["budget"]["years"][0].clone()
    }

    /// The at-risk report's P3 figures against the budget: revised budget, current plan, not in plan, forecast,
    /// shortfall.
    fn at_risk_budget(api: &TestApi) -> [String; 5] {
        let report = api
            .get("/api/v1/reports/at-risk?year=2021/22&period=P3&directorate=CFE")
            .json();
        let budget = &report["budget"];
        assert_eq!(
            budget["baseline"], "Budget Council, February 2021",
            "{report}"
        );
        [
            "revised_budget",
            "current_plan",
            "not_in_plan",
            "forecast",
            "shortfall",
        ]
        .map(|figure| budget[figure].as_str().unwrap_or_default().to_owned())
    }

    on_both_backends! {
        fn a_withdrawn_saving_is_a_shortfall_until_it_is_written_off(api: &TestApi) {
            api.with_approved_demo();
            let (editor, approver, decision) = approver_and_decision(api);
            // At P3 the shortfall is what is at risk: 1,317,000.00.
            assert_eq!(first_year(api)["shortfall"], "1317000.00");
            assert_eq!(first_year(api)["period"], "P3");
            assert_eq!(at_risk_budget(api), ["9433000.00", "9433000.00", "0.00", "995000.00", "1317000.00"]);
            // SAV10 withdrawn (approved, no write-off): the revised budget stays, the shortfall takes its whole
            // 587,000.00 instead of its 15,000.00 at risk: 1,065,000.00 + 237,000.00 + 587,000.00.
            let set = editor.post("/api/v1/change-sets", &json!({"reason": "Not deliverable", "changes": [{"ref": "CFE SAV10", "status": "withdrawn"}]}));
            let id = set.json()["id"].as_i64().unwrap();
            assert_eq!(approver.post(&format!("/api/v1/change-sets/{id}/approve"), &json!({"decision_id": decision})).status, 200);
            let year = first_year(api);
            assert_eq!((year["revised_budget"].as_str(), year["shortfall"].as_str()), (Some("9433000.00"), Some("1889000.00")));
            // The at-risk report counts it too: 587,000.00 no longer in the plan, on top of 1,302,000.00 at risk.
            assert_eq!(at_risk_budget(api), ["9433000.00", "8846000.00", "587000.00", "423000.00", "1889000.00"]);
            // Written off by Cabinet, funded from contingency: the revised budget is 8,846,000.00.
            let written = approver.post("/api/v1/write-offs", &json!({"ref": "CFE SAV10", "decision_id": decision,
                "reason": "Undeliverable", "funding": {"source": "contingency"},
                "years": [{"year": "2021/22", "amount": "587000.00"}, {"year": "2022/23", "amount": "221000.00"}]}));
            assert_eq!(written.status, 201, "{}", written.body);
            assert_eq!(written.json()["total"], "808000.00");
            let year = first_year(api);
            assert_eq!((year["baseline"].as_str(), year["written_off"].as_str(), year["revised_budget"].as_str()),
                (Some("9433000.00"), Some("587000.00"), Some("8846000.00")));
            assert_eq!(year["shortfall"], "1302000.00");
            assert_eq!(at_risk_budget(api), ["8846000.00", "8846000.00", "0.00", "423000.00", "1302000.00"]);
            assert_eq!(api.get("/api/v1/write-offs?line=CFE-SAV10").json().as_array().unwrap().len(), 1);
            // Bad write-offs: each named, nothing recorded.
            let bad = |body: Value, field: &str| {
                approver.post("/api/v1/write-offs", &body).assert_field_error(422, "validation", field);
            };
            let base = |years: Value| json!({"ref": "CFE SAV10", "decision_id": decision, "reason": "x", "funding": {"source": "reserves"}, "years": years});
            bad(base(json!([{"year": "2021/22", "amount": "0.01"}])), "years[0].amount"); // nothing left in 2021/22
            bad(base(json!([{"year": "2022/23", "amount": "100000.00"}])), "years[0].amount"); // 1,000.00 left
            bad(base(json!([{"year": "2022/23", "amount": "0.00"}])), "years[0].amount");
            bad(json!({"ref": "CFE GRO01", "decision_id": decision, "reason": "x", "funding": {"source": "reserves"}, "years": [{"year": "2021/22", "amount": "1.00"}]}), "ref");
            bad(json!({"ref": "CFE SAV07", "decision_id": 999, "reason": "x", "funding": {"source": "reserves"}, "years": [{"year": "2021/22", "amount": "1.00"}]}), "decision_id");
            bad(json!({"ref": "CFE SAV07", "decision_id": decision, "reason": "x", "funding": {"source": "saving"}, "years": [{"year": "2021/22", "amount": "1.00"}]}), "funding.ref");
            assert_eq!(editor.post("/api/v1/write-offs", &base(json!([{"year": "2022/23", "amount": "1.00"}]))).status, 403);
            assert_eq!(api.get("/api/v1/write-offs").json().as_array().unwrap().len(), 1);
        }
    }
}
