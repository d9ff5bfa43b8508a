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
