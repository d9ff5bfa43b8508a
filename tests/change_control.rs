//! Change control: once a baseline holds a line, its profile, owner and status change only by a change set an
//! editor proposes and an approver who is not the same person approves under a decision; the acceptance
//! figures are the July 2021 plan's CFE SAV04 (126,400.00 a year against 384,000.00 approved).

mod common;

use common::TestApi;
use serde_json::{json, Value};

/// SAV04 as the July 2021 plan prints it.
fn sav04_as_in_july() -> Value {
    json!({"ref": "CFE SAV04", "years": [
        {"year": "2021/22", "amount": "126400.00"}, {"year": "2022/23", "amount": "126400.00"}, {"year": "2023/24", "amount": "126400.00"}
    ]})
}

/// An editor of CFE held by one person, an approver of CFE held by another, and a decision to approve under.
fn people(api: &TestApi) -> (TestApi, TestApi, i64) {
    let editor = api.post("/api/v1/keys", &json!({"name": "cfe-finance", "person": "Finance BP", "role": "editor", "directorates": ["CFE"]}));
    let approver = api.post("/api/v1/keys", &json!({"name": "cfe-sro", "person": "Debbie Jones", "role": "approver", "directorates": ["CFE"]}));
    let decision = api.post("/api/v1/decisions", &json!({"body": "improvement_board", "decided_on": "2021-07-26",
        "reference": "Children's Improvement Board, 26 July 2021", "summary": "Approved the July 2021 re-profiling"}));
    assert_eq!(decision.status, 201, "{}", decision.body);
    (
        api.as_key(editor.json()["token"].as_str().unwrap()),
        api.as_key(approver.json()["token"].as_str().unwrap()),
        decision.json()["id"].as_i64().unwrap(),
    )
}

fn savings_2021(api: &TestApi) -> (String, String, String) {
    let summary = api.get("/api/v1/reports/summary?directorate=CFE").json();
    let year = &summary["budget"]["years"][0];
    let text = |figure: &str| year[figure].as_str().unwrap().to_owned();
    (text("baseline"), text("current_plan"), text("variance"))
}

on_both_backends! {
    fn sav04_is_re_profiled_by_a_change_set_someone_else_approves(api: &TestApi) {
        api.with_approved_demo();
        let (editor, approver, decision) = people(api);
        let proposed = editor.post("/api/v1/change-sets", &json!({"reason": "Re-profiled as the July 2021 plan prints it", "changes": [sav04_as_in_july()]}));
        assert_eq!(proposed.status, 201, "{}", proposed.body);
        let set = proposed.json();
        let id = set["id"].as_i64().unwrap();
        assert_eq!((set["status"].as_str(), set["proposer"].as_str()), (Some("pending"), Some("Finance BP")));
        assert_eq!(set["changes"][0]["base_version"], 1);
        // Until approved the current plan is unchanged, and the request is pending on the line.
        assert_eq!(savings_2021(api), ("9433000.00".into(), "9433000.00".into(), "0.00".into()));
        let pending = api.get("/api/v1/change-sets?status=pending&line=CFE-SAV04").json();
        assert_eq!(pending.as_array().unwrap().len(), 1);
        let line = api.get("/api/v1/lines/CFE-SAV04").json();
        assert_eq!(line["baselines"], json!(["Budget Council, February 2021"]));
        assert_eq!((&line["pending_changes"][0]["change_set"], &line["pending_changes"][0]["field"], &line["pending_changes"][0]["proposer"]),
            (&json!(id), &json!("years"), &json!("Finance BP")));
        assert_eq!(line["pending_changes"][0]["proposed"], sav04_as_in_july()["years"]);
        // One pending request per line and field.
        editor.post("/api/v1/change-sets", &json!({"reason": "Again", "changes": [sav04_as_in_july()]})).assert_problem(409, "conflict");
        // The proposer may not approve, whatever key: another key of the same person is refused too.
        let same_person = api.post("/api/v1/keys", &json!({"name": "finance-bp-approver", "person": "Finance BP", "role": "approver"}));
        let same_person = api.as_key(same_person.json()["token"].as_str().unwrap());
        let refused = same_person.post(&format!("/api/v1/change-sets/{id}/approve"), &json!({"decision_id": decision}));
        assert_eq!(refused.status, 403, "{}", refused.body);
        // Nor may an editor or an admin approve: approving is an approver's.
        assert_eq!(editor.post(&format!("/api/v1/change-sets/{id}/approve"), &json!({"decision_id": decision})).status, 403);
        assert_eq!(api.post(&format!("/api/v1/change-sets/{id}/approve"), &json!({"decision_id": decision})).status, 403);
        approver.post(&format!("/api/v1/change-sets/{id}/approve"), &json!({"decision_id": 999})).assert_field_error(422, "validation", "decision_id");
        assert_eq!(savings_2021(api).1, "9433000.00", "nothing applied by a refused approval");
        // Approved: applied at once, the baseline unchanged, the variance −257,600.00 in each year.
        let approved = approver.post(&format!("/api/v1/change-sets/{id}/approve"), &json!({"decision_id": decision}));
        assert_eq!(approved.status, 200, "{}", approved.body);
        let approved = approved.json();
        assert_eq!((approved["status"].as_str(), approved["decider"].as_str(), approved["decision_id"].as_i64()),
            (Some("approved"), Some("Debbie Jones"), Some(decision)));
        assert_eq!(savings_2021(api), ("9433000.00".into(), "9175400.00".into(), "-257600.00".into()));
        assert_eq!(api.get("/api/v1/lines/CFE-SAV04").json()["pending_changes"], json!([]), "decided: pending no more");
        let summary = api.get("/api/v1/reports/summary?directorate=CFE").json();
        let variance: Vec<&str> = summary["budget"]["years"].as_array().unwrap().iter().map(|y| y["variance"].as_str().unwrap()).collect();
        assert_eq!(variance, ["-257600.00", "-257600.00", "-257600.00"]);
        assert_eq!(summary["budget"]["years"][0]["revised_budget"], "9433000.00");
        // The line's event names the change set and the decision, and is the approver's.
        let history = api.get("/api/v1/lines/CFE-SAV04/history").json();
        let last = history.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["actor"], "cfe-sro");
        assert!(last["reason"].as_str().unwrap().starts_with(&format!("Change set {id}, approved under decision {decision}")), "{last}");
        // Decided once.
        approver.post(&format!("/api/v1/change-sets/{id}/approve"), &json!({"decision_id": decision})).assert_problem(409, "conflict");
        // The variance report: SAV04 −257,600.00 in each year, with the change set and its decision.
        let report = api.get("/api/v1/reports/variance?directorate=cfe&kind=saving").json();
        assert_eq!((&report["baseline"], &report["years"]), (&json!("Budget Council, February 2021"), &json!(["2021/22", "2022/23", "2023/24"])));
        let sav04 = report["lines"].as_array().unwrap().iter().find(|line| line["ref"] == "CFE SAV04").unwrap().clone();
        assert_eq!(sav04["years"][0], json!({"year": "2021/22", "baseline": "384000.00", "written_off": "0.00",
            "revised_budget": "384000.00", "current_plan": "126400.00", "variance": "-257600.00"}));
        let gaps: Vec<&str> = sav04["years"].as_array().unwrap().iter().map(|y| y["variance"].as_str().unwrap()).collect();
        assert_eq!(gaps, ["-257600.00", "-257600.00", "-257600.00"]);
        assert_eq!(sav04["changes"].as_array().unwrap().len(), 1, "{sav04}");
        assert_eq!((&sav04["changes"][0]["change_set"], &sav04["changes"][0]["decision_id"], &sav04["changes"][0]["decision"], &sav04["changes"][0]["changed"]),
            (&json!(id), &json!(decision), &json!("Children's Improvement Board, 26 July 2021"), &json!(["years"])));
        let unchanged = report["lines"].as_array().unwrap().iter().find(|line| line["ref"] == "CFE SAV05").unwrap();
        assert_eq!((&unchanged["years"][0]["variance"], &unchanged["changes"]), (&json!("0.00"), &json!([])));
        let totals = report["totals"].as_array().unwrap();
        assert_eq!(totals.len(), 2, "CFE's savings, then all savings: {totals:?}");
        assert_eq!((&totals[0]["directorate"], &totals[1]["directorate"]), (&json!("CFE"), &Value::Null));
        assert_eq!(totals[1]["years"][0], json!({"year": "2021/22", "baseline": "9433000.00", "written_off": "0.00",
            "revised_budget": "9433000.00", "current_plan": "9175400.00", "variance": "-257600.00"}));
        // In £000s, as a spreadsheet, and as it stood before the approval.
        let thousands = api.get("/api/v1/reports/variance?kind=saving&unit=thousands").json();
        assert_eq!(thousands["totals"][1]["years"][0]["variance"], "-258");
        let csv = api.get("/api/v1/reports/variance?kind=saving&format=csv");
        assert_eq!(csv.status, 200);
        assert!(csv.body.lines().any(|row| row.starts_with("CFE SAV04,CFE,saving,") && row.contains(",2021/22,384000.00,0.00,384000.00,126400.00,-257600.00,")
            && row.contains(&format!("change set {id} (years), decision {decision}"))), "{}", csv.body);
        let before = api.get(&format!("/api/v1/reports/variance?kind=saving&as_at={}", approved["proposed_at"].as_str().unwrap().replace('+', "%2B"))).json();
        assert_eq!(before["totals"][1]["years"][0]["variance"], "0.00", "{before}");
        // Table 8 as printed agrees with the baseline, no longer with the plan.
        let table8 = |against: Value| {
            let mut table = json!({"unit": "thousands", "rows": [{"ref": "CFE SAV04", "years": {"2021/22": "(384)", "2022/23": "(384)", "2023/24": "(384)"}}],
                "totals": [{"directorate": "CFE", "measure": "savings", "years": {"2021/22": "(9,433)"}}]});
            table.as_object_mut().unwrap().extend(against.as_object().unwrap().clone());
            api.post("/api/v1/reconciliations", &table)
        };
        let now = table8(json!({})).json();
        assert_eq!((&now["different"], &now["rows"][0]["years"][0]["tracker"], &now["totals"][0]["outcome"]), (&json!(1), &json!("126"), &json!("different")));
        let against_baseline = table8(json!({"baseline": "Budget Council, February 2021"})).json();
        assert_eq!((&against_baseline["matched"], &against_baseline["totals"][0]["outcome"]), (&json!(1), &json!("matched")), "{against_baseline}");
        table8(json!({"baseline": "Nope"})).assert_field_error(422, "validation", "baseline");
        table8(json!({"baseline": "Budget Council, February 2021", "as_at": "2021-03-01T00:00:00Z"})).assert_field_error(422, "validation", "baseline");
        // The changes report names the decision for the change to the approved line.
        let from = approved["proposed_at"].as_str().unwrap().replace('+', "%2B");
        let changes = api.get(&format!("/api/v1/reports/changes?from={from}&directorate=CFE")).json();
        assert_eq!(changes["approvals"], json!([{"ref": "CFE SAV04", "change_set": id, "decision_id": decision,
            "decision": "Children's Improvement Board, 26 July 2021", "approved_at": approved["decided_at"], "changed": ["years"]}]));
        api.get("/api/v1/reports/variance?baseline=Nope").assert_problem(404, "not-found");
        api.get("/api/v1/reports/variance?kind=both").assert_field_error(400, "invalid-parameter", "kind");
        api.get("/api/v1/reports/variance?as_at=2020-01-01T00:00:00Z").assert_problem(404, "not-found");
    }

    fn a_change_set_is_refused_when_its_line_moved_and_can_be_rejected_or_withdrawn(api: &TestApi) {
        api.with_approved_demo();
        let (editor, approver, decision) = people(api);
        let owner = editor.post("/api/v1/change-sets", &json!({"reason": "New lead officer", "changes": [{"ref": "CFE-SAV05", "owner": "Debbie Jones"}]}));
        assert_eq!(owner.status, 201, "{}", owner.body);
        let years = editor.post("/api/v1/change-sets", &json!({"reason": "Slipped", "changes": [{"ref": "CFE SAV05", "years": [
            {"year": "2021/22", "amount": "700000.00"}, {"year": "2022/23", "amount": "1748000.00"}, {"year": "2023/24", "amount": "1385000.00"}]}]}));
        assert_eq!(years.status, 201, "{}", years.body);
        let (owner, years) = (owner.json()["id"].as_i64().unwrap(), years.json()["id"].as_i64().unwrap());
        assert_eq!(approver.post(&format!("/api/v1/change-sets/{owner}/approve"), &json!({"decision_id": decision})).status, 200);
        // The profile request was made against version 1: the line is at 2 now.
        let moved = approver.post(&format!("/api/v1/change-sets/{years}/approve"), &json!({"decision_id": decision}));
        let problem = moved.assert_problem(409, "conflict");
        assert!(problem["detail"].as_str().unwrap().contains("has changed since"), "{problem}");
        assert_eq!(api.get("/api/v1/lines/CFE-SAV05").json()["years"][0]["amount"], "794000.00");
        // Rejected with a reason; then the same field may be proposed again.
        approver.post(&format!("/api/v1/change-sets/{years}/reject"), &json!({"reason": " "})).assert_field_error(422, "validation", "reason");
        let rejected = approver.post(&format!("/api/v1/change-sets/{years}/reject"), &json!({"reason": "Proposed against an older version"}));
        assert_eq!(rejected.json()["status"], "rejected");
        let again = editor.post("/api/v1/change-sets", &json!({"reason": "Withdrawn: no longer deliverable", "changes": [{"ref": "CFE SAV10", "status": "withdrawn"}]}));
        assert_eq!(again.status, 201, "{}", again.body);
        let again = again.json()["id"].as_i64().unwrap();
        // Only its proposer withdraws it.
        assert_eq!(approver.post(&format!("/api/v1/change-sets/{again}/withdraw"), &json!({})).status, 403);
        let withdrawn = editor.send("POST", &format!("/api/v1/change-sets/{again}/withdraw"), "", "");
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        assert_eq!(withdrawn.json()["status"], "withdrawn");
        assert_eq!(api.get("/api/v1/lines/CFE-SAV10").json()["status"], "agreed");
        // Every step in the audit trail.
        let events = common::feed::all_events(api);
        let actions: Vec<&str> = events.iter().filter(|e| e["entity"] == "change_set").map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["created", "created", "approved", "rejected", "created", "withdrawn"]);
    }

    fn a_direct_write_to_an_approved_line_is_refused_and_says_how(api: &TestApi) {
        api.with_approved_demo();
        let (editor, _, _) = people(api);
        for (path, body) in [
            ("/api/v1/lines/CFE-SAV07", json!({"years": [{"year": "2021/22", "amount": "1.00"}]})),
            ("/api/v1/lines/CFE-SAV07", json!({"owner": "Somebody else"})),
            ("/api/v1/lines/CFE-SAV07", json!({"status": "withdrawn", "reason": "Dropped"})),
        ] {
            let problem = editor.patch(path, &body).assert_problem(409, "change-request-needed");
            assert!(problem["detail"].as_str().unwrap().contains("CFE SAV07"), "{problem}");
        }
        let put = editor.put("/api/v1/lines/CFE-SAV07/years/2021-22", &json!({"amount": "1.00"}));
        assert_eq!(put.status, 409, "{}", put.body);
        assert_eq!(editor.delete("/api/v1/lines/CFE-SAV07/years/2021-22").status, 409);
        // What is not a budget change goes on as before: a title, a description, delivery's own status steps.
        assert_eq!(editor.patch("/api/v1/lines/CFE-SAV07", &json!({"title": "Placements review", "status": "in_delivery"})).status, 200);
        // A line in no baseline is edited freely, and cannot be proposed.
        let new = editor.post("/api/v1/lines", &json!({"kind": "saving", "directorate": "CFE", "title": "New saving", "years": [{"year": "2022/23", "amount": "5000.00"}]}));
        assert_eq!(new.status, 201);
        let new_ref = new.json()["ref"].as_str().unwrap().to_owned();
        assert_eq!(editor.patch(&format!("/api/v1/lines/{}", new_ref.replace(' ', "-")), &json!({"owner": "Me"})).status, 200);
        editor.post("/api/v1/change-sets", &json!({"reason": "x", "changes": [{"ref": new_ref, "owner": "You"}]}))
            .assert_field_error(422, "validation", "changes[0].ref");
        // Bad change sets: each problem named, nothing recorded.
        editor.post("/api/v1/change-sets", &json!({"reason": "x", "changes": []})).assert_field_error(422, "validation", "changes");
        editor.post("/api/v1/change-sets", &json!({"reason": "", "changes": [{"ref": "CFE SAV07", "owner": "A"}]})).assert_field_error(422, "validation", "reason");
        editor.post("/api/v1/change-sets", &json!({"reason": "x", "changes": [{"ref": "CFE SAV99", "owner": "A"}]})).assert_field_error(422, "validation", "changes[0].ref");
        editor.post("/api/v1/change-sets", &json!({"reason": "x", "changes": [{"ref": "CFE SAV07", "owner": "A"}, {"ref": "CFE-SAV07", "owner": "B"}]}))
            .assert_field_error(422, "validation", "changes[1].ref");
        editor.post("/api/v1/change-sets", &json!({"reason": "x", "changes": [{"ref": "CFE SAV07", "title": "Not controlled"}]})).assert_problem(422, "validation");
        editor.post("/api/v1/change-sets", &json!({"reason": "x", "changes": [{"ref": "CFE SAV07", "years": [{"year": "2021/22", "amount": "-5.00"}]}]}))
            .assert_problem(422, "validation");
        // A reader proposes nothing, refused before its body is read; another directorate's editor is refused.
        let reader = api.as_key(&api.create_key("pmo", "reader", &[]));
        assert_eq!(reader.send("POST", "/api/v1/change-sets", "application/json", "{not json").status, 403);
        api.post("/api/v1/directorates", &json!({"code": "HOU", "name": "Housing"}));
        let housing = api.as_key(&api.create_key("hou-finance", "editor", &["HOU"]));
        assert_eq!(housing.post("/api/v1/change-sets", &json!({"reason": "x", "changes": [{"ref": "CFE SAV07", "owner": "A"}]})).status, 403);
        assert_eq!(api.get("/api/v1/change-sets").json(), json!([]));
        api.get("/api/v1/change-sets/nine").assert_field_error(400, "invalid-parameter", "id");
        api.get("/api/v1/change-sets/999").assert_problem(404, "not-found");
    }
}

mod imports {
    use super::*;

    on_both_backends! {
        fn an_import_does_not_change_an_approved_lines_figures(api: &TestApi) {
            api.with_approved_demo();
            let csv = "ref,kind,directorate,title,owner,status,2021/22,2022/23,2023/24\n\
                       CFE SAV04,saving,CFE,Integrated Targeted Support Review,Finance BP,agreed,126.4,126.4,126.4\n";
            for query in ["unit=thousands&dry_run=true", "unit=thousands"] {
                let problem = api.send("POST", &format!("/api/v1/imports/lines?{query}"), "text/csv", csv)
                    .assert_problem(422, "validation");
                let message = problem["errors"][0]["message"].as_str().unwrap();
                assert!(message.contains("CFE SAV04 is approved") && message.contains("years"), "{problem}");
            }
            assert_eq!(api.get("/api/v1/lines/CFE-SAV04").json()["years"][0]["amount"], "384000.00");
        }
    }
}

/// A later plan proposed against the baseline by import: the July 2021 Children's Continuous Improvement Plan's
/// seven MTFS sheets, as printed, make one change set.
mod plan_versions {
    use super::*;

    /// The July 2021 plan's sheets as import rows: ref, kind, title, the project manager as owner, and the
    /// amounts exactly as printed (in £000s; blank stays blank).
    fn july_2021_rows() -> Value {
        let versions: Value =
            serde_json::from_str(include_str!("../data/plans/cfe-plan-versions.json")).unwrap();
        let july = versions["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|version| version["date"] == "2021-07")
            .unwrap();
        let rows: Vec<Value> = july["lines"].as_array().unwrap().iter().map(|line| json!({
            "ref": line["ref"], "kind": line["kind"], "directorate": "CFE", "title": line["title"],
            "owner": line["project_manager"], "years": line["amounts_as_printed"],
        })).collect();
        assert_eq!(rows.len(), 7, "the July 2021 plan prints seven MTFS sheets");
        json!({"rows": rows})
    }

    fn propose(api: &TestApi, query: &str, body: &Value) -> common::Reply {
        api.send(
            "POST",
            &format!("/api/v1/imports/lines?{query}"),
            "application/json",
            &body.to_string(),
        )
    }

    const PROPOSE: &str = "unit=thousands&mode=propose&reason=Children%27s%20Continuous%20Improvement%20Plan%2C%20July%202021";

    fn refs(list: &Value, key: &str) -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|item| item[key].as_str().unwrap().to_owned())
            .collect()
    }

    on_both_backends! {
        fn the_july_2021_plan_proposed_lists_what_dropped_off_and_needs_a_disposition_for_each(api: &TestApi) {
            api.with_approved_demo();
            let (editor, approver, decision) = people(api);
            let proposed = propose(&editor, PROPOSE, &july_2021_rows());
            assert_eq!(proposed.status, 201, "{}", proposed.body);
            let set = proposed.json();
            let id = set["id"].as_i64().unwrap();
            // The Table 8 rows printed without a ref were numbered by the tracker when the demo loaded.
            let baseline = api.get("/api/v1/baselines/Budget%20Council%2C%20February%202021").json();
            let numbered: Vec<String> = baseline["lines"].as_array().unwrap().iter()
                .filter(|line| line["title"] == "Release of one off investment / full year effect of savings from 2020/21"
                    || line["title"] == "Staffing Review" || line["title"] == "Asylum Seekers Budget Correction")
                .map(|line| line["ref"].as_str().unwrap().to_owned()).collect();
            assert_eq!(numbered, ["CFE GRO09", "CFE SAV15", "CFE SAV16"]);
            assert_eq!(refs(&set["absent"], "ref"), [
                "CFE GRO01", "CFE GRO02", "CFE GRO03", "CFE GRO07", "CFE GRO08", "CFE GRO09",
                "CFE SAV03", "CFE SAV08", "CFE SAV10", "CFE SAV12", "CFE SAV13", "CFE SAV14", "CFE SAV15", "CFE SAV16",
            ]);
            assert!(set["absent"].as_array().unwrap().iter().all(|absent| absent["disposition"].is_null()), "{set}");
            // SAV04 re-profiled and its new lead officer; the other owners as the July plan names them.
            let changes = set["changes"].as_array().unwrap();
            assert_eq!(refs(&set["changes"], "ref"), ["CFE SAV04", "CFE SAV05", "CFE SAV09"]);
            assert_eq!(changes[0]["years"], json!([
                {"year": "2021/22", "amount": "126400.00"}, {"year": "2022/23", "amount": "126400.00"}, {"year": "2023/24", "amount": "126400.00"}]));
            assert_eq!((&changes[0]["owner"], &changes[1]["owner"], &changes[2]["owner"]),
                (&json!("Rodica Cobarzan"), &json!("Shaun Hanks"), &json!("Debby MacCormack")));
            assert!(changes[1].get("years").is_none() && changes[2].get("years").is_none(), "{set}");
            // SAV09's blank later years are not stated: kept, and listed.
            assert_eq!(set["not_stated"], json!([{"ref": "CFE SAV09", "year": "2022/23"}, {"ref": "CFE SAV09", "year": "2023/24"}]));
            // Nothing applied yet.
            assert_eq!(savings_2021(api), ("9433000.00".into(), "9433000.00".into(), "0.00".into()));
            let line_sets = api.get("/api/v1/change-sets?line=CFE-SAV10").json();
            assert_eq!(line_sets.as_array().unwrap().len(), 1, "an absent line's sets list the plan");

            // Not approved while any absent line has no disposition.
            let approve = format!("/api/v1/change-sets/{id}/approve");
            let problem = approver.post(&approve, &json!({"decision_id": decision})).assert_problem(409, "conflict");
            assert!(problem["detail"].as_str().unwrap().contains("CFE GRO01, CFE GRO02"), "{problem}");
            let absent = |line: &str| format!("/api/v1/change-sets/{id}/absent/{line}");
            // Bad dispositions, each named.
            editor.put(&absent("CFE-SAV03"), &json!({"disposition": "withdrawn"})).assert_field_error(422, "validation", "reason");
            editor.put(&absent("CFE-SAV03"), &json!({"disposition": "merged", "reason": "Joined"})).assert_field_error(422, "validation", "into");
            editor.put(&absent("CFE-SAV03"), &json!({"disposition": "merged", "into": "CFE SAV03", "reason": "Joined"})).assert_field_error(422, "validation", "into");
            editor.put(&absent("CFE-SAV03"), &json!({"disposition": "merged", "into": "CFE GRO01", "reason": "Joined"})).assert_field_error(422, "validation", "into");
            editor.put(&absent("CFE-GRO01"), &json!({"disposition": "written_off", "reason": "Gone", "funding": {"source": "reserves"}}))
                .assert_field_error(422, "validation", "disposition");
            editor.put(&absent("CFE-SAV10"), &json!({"disposition": "written_off", "reason": "Gone"})).assert_field_error(422, "validation", "funding");
            editor.put(&absent("CFE-SAV10"), &json!({"disposition": "kept", "funding": {"source": "reserves"}})).assert_field_error(422, "validation", "funding");
            editor.put(&absent("CFE-SAV10"), &json!({"disposition": "dropped"})).assert_problem(422, "validation");
            editor.put(&absent("CFE-SAV04"), &json!({"disposition": "kept"})).assert_problem(404, "not-found");
            editor.put(&format!("/api/v1/change-sets/{id}/absent/nine"), &json!({"disposition": "kept"})).assert_field_error(400, "invalid-parameter", "ref");
            let reader = api.as_key(&api.create_key("pmo", "reader", &[]));
            assert_eq!(reader.send("PUT", &absent("CFE-SAV10"), "application/json", "{not json").status, 403);
            // Each absent line disposed: SAV10 written off, SAV03 withdrawn, SAV08 merged into SAV05, the rest kept.
            let written_off = editor.put(&absent("cfe-sav10"), &json!({"disposition": "written_off",
                "reason": "Not in the July plan: no further non-statutory reduction", "funding": {"source": "contingency"}}));
            assert_eq!(written_off.status, 200, "{}", written_off.body);
            let pending = &api.get("/api/v1/lines/CFE-SAV10").json()["pending_changes"];
            assert_eq!((&pending[0]["change_set"], &pending[0]["field"], &pending[0]["proposed"]), (&json!(id), &json!("absent"), &json!("written_off")));
            assert_eq!(editor.put(&absent("CFE-SAV03"), &json!({"disposition": "withdrawn", "reason": "Adolescent services restructure stopped"})).status, 200);
            assert_eq!(editor.put(&absent("CFE-SAV08"), &json!({"disposition": "merged", "into": "CFE SAV05", "reason": "Delivered through the children in care programme"})).status, 200);
            for line in ["GRO01", "GRO02", "GRO03", "GRO07", "GRO08", "GRO09", "SAV12", "SAV13", "SAV14", "SAV15", "SAV16"] {
                let kept = editor.put(&absent(&format!("CFE-{line}")), &json!({"disposition": "kept"}));
                assert_eq!(kept.status, 200, "{line}: {}", kept.body);
            }
            let approved = approver.post(&approve, &json!({"decision_id": decision}));
            assert_eq!(approved.status, 200, "{}", approved.body);
            // 2021/22: SAV04 −257,600.00; SAV03 (1,608,000.00), SAV08 (272,000.00) and SAV10 (587,000.00)
            // withdrawn; only SAV10 written off, so the revised budget is 8,846,000.00.
            let summary = api.get("/api/v1/reports/summary?directorate=CFE").json();
            let year = &summary["budget"]["years"][0];
            assert_eq!((&year["baseline"], &year["written_off"], &year["revised_budget"], &year["current_plan"], &year["variance"]),
                (&json!("9433000.00"), &json!("587000.00"), &json!("8846000.00"), &json!("6708400.00"), &json!("-2137600.00")));
            let write_offs = api.get("/api/v1/write-offs?line=CFE-SAV10").json();
            assert_eq!(write_offs[0]["years"], json!([{"year": "2021/22", "amount": "587000.00"}, {"year": "2022/23", "amount": "221000.00"}]));
            assert_eq!((&write_offs[0]["decision_id"], &write_offs[0]["funding"]), (&json!(decision), &json!({"source": "contingency"})));
            let sav08 = api.get("/api/v1/lines/CFE-SAV08").json();
            assert_eq!(sav08["status"], "withdrawn");
            assert!(sav08["withdrawal_reason"].as_str().unwrap().contains("Merged into CFE SAV05"), "{sav08}");
            assert_eq!(api.get("/api/v1/lines/CFE-SAV12").json()["status"], "agreed");
            assert_eq!(api.get("/api/v1/lines/CFE-SAV09").json()["owner"], "Debby MacCormack");
        }

        fn a_proposed_plan_is_refused_with_each_problem_named_and_nothing_recorded(api: &TestApi) {
            api.with_approved_demo();
            let (editor, _, _) = people(api);
            let rows = july_2021_rows();
            propose(&editor, "unit=thousands&mode=propose", &rows).assert_field_error(400, "invalid-parameter", "reason");
            propose(&editor, &format!("{PROPOSE}&dry_run=true"), &rows).assert_field_error(400, "invalid-parameter", "dry_run");
            propose(&editor, "unit=thousands&reason=July", &rows).assert_field_error(400, "invalid-parameter", "reason");
            let new_line = json!({"rows": [{"kind": "saving", "directorate": "CFE", "title": "New", "years": {"2021/22": "5"}}]});
            let problem = propose(&editor, PROPOSE, &new_line).assert_problem(422, "validation");
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains("without mode=propose"), "{problem}");
            let bad = json!({"rows": [{"ref": "CFE SAV04", "kind": "saving", "directorate": "CFE", "years": {"2021/22": "-"}},
                {"ref": "CFE SAV05", "kind": "saving", "directorate": "CFE", "years": {"2021/22": "1.234567"}}]});
            let problem = propose(&editor, PROPOSE, &bad).assert_problem(422, "validation");
            assert_eq!(problem["errors"][0]["field"], "row 2: 2021/22", "{problem}");
            let reader = api.as_key(&api.create_key("pmo", "reader", &[]));
            assert_eq!(reader.send("POST", &format!("/api/v1/imports/lines?{PROPOSE}"), "application/json", "{not json").status, 403);
            assert_eq!(api.get("/api/v1/change-sets").json(), json!([]));
        }
    }
}
