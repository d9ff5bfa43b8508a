//! Year-end outturn and the delivery record (issue 17 items 4 and 5), on the CFE 2021–24 figures: Table 8 as
//! approved is the baseline; at 2021/22 P3 SAV07 has 1,065,000.00 at risk, SAV09 237,000.00 and SAV10 15,000.00.
//! With every other saving assessed at its full plan through P12 and those three unachieved at outturn, the
//! 2021/22 delivery rate is 8,116,000.00 ÷ 9,433,000.00 = 0.8604.

mod common;

use common::reads::{expect, get_ok, now, with_as_at};
use common::TestApi;
use serde_json::{json, Value};

const AT_RISK: [(&str, &str); 3] = [
    ("CFE SAV07", "1065000.00"),
    ("CFE SAV09", "237000.00"),
    ("CFE SAV10", "15000.00"),
];

fn path_form(line_ref: &str) -> String {
    line_ref.replace(' ', "-")
}

fn decision(api: &TestApi, reference: &str) -> i64 {
    expect(
        api.post(
            "/api/v1/decisions",
            &json!({"body": "cabinet", "decided_on": "2022-07-18",
            "reference": reference, "summary": "Noted the 2021/22 outturn"}),
        ),
        201,
    )["id"]
        .as_i64()
        .unwrap()
}

/// The demo with P12 of 2021/22 open, started from P3, every saving not at risk at P3 assessed at its full plan,
/// and closed. Answers an approver of CFE.
fn year_end(api: &TestApi) -> TestApi {
    api.with_approved_demo();
    let approver = api.as_key(&api.create_key("cfe-sro", "approver", &["CFE"]));
    expect(
        api.post(
            "/api/v1/periods",
            &json!({"year": "2021/22", "period": "P12"}),
        ),
        201,
    );
    expect(
        api.post("/api/v1/periods/2021-22/P12/copy-from/P3", &json!({})),
        200,
    );
    let year = get_ok(api, "/api/v1/outturns/2021-22");
    assert_eq!(year["status"], "not_due", "{year}");
    for saving in year["savings"].as_array().unwrap() {
        let line_ref = saving["ref"].as_str().unwrap();
        if AT_RISK.iter().any(|(at_risk, _)| *at_risk == line_ref) {
            continue;
        }
        let assessed = api.put(
            &format!(
                "/api/v1/periods/2021-22/P12/assessments/{}",
                path_form(line_ref)
            ),
            &json!({"rag": "green", "forecast": saving["revised_budget"]}),
        );
        assert!(assessed.status == 201, "{line_ref}: {}", assessed.body);
    }
    // Before P12 closes, no outturn is recorded.
    let early = approver.put(
        "/api/v1/outturns/2021-22/lines/CFE-SAV05",
        &proposal_of(&year, "CFE SAV05"),
    );
    early.assert_problem(409, "conflict");
    expect(
        api.post("/api/v1/periods/2021-22/P12/close", &json!({})),
        200,
    );
    approver
}

fn saving<'a>(year: &'a Value, line_ref: &str) -> &'a Value {
    year["savings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|saving| saving["ref"] == line_ref)
        .unwrap_or_else(|| panic!("{line_ref} in {year}"))
}

/// A saving's proposal as a request body (a saving never assessed proposes everything unachieved here).
fn proposal_of(year: &Value, line_ref: &str) -> Value {
    let saving = saving(year, line_ref);
    let proposal = &saving["proposal"];
    if proposal.is_null() {
        return json!({"delivered": "0.00", "slipped": "0.00", "unachieved": saving["revised_budget"],
            "written_off": "0.00", "replaced": "0.00"});
    }
    let mut body = json!({});
    for field in [
        "delivered",
        "slipped",
        "unachieved",
        "written_off",
        "replaced",
        "slips_to",
    ] {
        if let Some(value) = proposal.get(field) {
            body[field] = value.clone();
        }
    }
    body
}

fn delivery_2021(api: &TestApi, path: &str) -> Value {
    let report = get_ok(api, path);
    report["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["year"] == "2021/22")
        .unwrap_or_else(|| panic!("2021/22 in {report}"))
        .clone()
}

/// What a refused write must leave as it was: the year's outturns and the whole audit feed.
fn written(api: &TestApi) -> (String, usize) {
    (
        api.get("/api/v1/outturns/2021-22").body,
        common::feed::all_events(api).len(),
    )
}

/// A CFE growth line with an amount in 2022/23, to carry an unachieved saving into.
fn growth_in_2022(api: &TestApi) -> String {
    let page = get_ok(
        api,
        "/api/v1/lines?kind=growth&year=2022-23&directorate=CFE",
    );
    page["lines"][0]["ref"]
        .as_str()
        .expect("a CFE growth line in 2022/23")
        .to_owned()
}

on_both_backends! {
    fn the_2021_22_delivery_rate_is_0_8604_with_the_three_at_risk_figures_unachieved(api: &TestApi) {
        let approver = year_end(api);
        // Before any outturn: the revised budget and nothing recorded, and no rate.
        let before = delivery_2021(api, "/api/v1/reports/delivery?directorate=CFE");
        assert_eq!(before["revised_budget"], "9433000.00", "{before}");
        assert_eq!(before["not_recorded"], "9433000.00");
        assert_eq!(before["recorded"], 0);
        assert!(before.get("delivery_rate").is_none(), "{before}");
        let year = get_ok(api, "/api/v1/outturns/2021-22");
        assert_eq!(year["status"], "open");
        assert_eq!(year["baseline"], "Budget Council, February 2021");
        assert_eq!(year["to_record"], year["savings"].as_array().unwrap().len());
        // The proposals: each at-risk amount unachieved, the rest delivered.
        for (line_ref, at_risk) in AT_RISK {
            let proposal = &saving(&year, line_ref)["proposal"];
            assert_eq!(proposal["unachieved"], at_risk, "{line_ref}: {proposal}");
            assert_eq!(proposal["from_period"], "P12");
            assert_eq!(saving(&year, line_ref)["not_assessed"], false);
        }
        let before_outturn = now();
        let growth = growth_in_2022(api);
        for saving in year["savings"].as_array().unwrap() {
            let line_ref = saving["ref"].as_str().unwrap();
            let mut body = proposal_of(&year, line_ref);
            if line_ref == "CFE SAV07" {
                body["carried_to"] = json!(growth);
                body["note"] = json!("Carried into the next year's budget as growth");
            }
            let recorded = approver.put(&format!("/api/v1/outturns/2021-22/lines/{}", path_form(line_ref)), &body);
            assert_eq!(recorded.status, 201, "{line_ref}: {}", recorded.body);
            assert_eq!(recorded.header("etag"), Some("\"1\""));
        }
        let row = delivery_2021(api, "/api/v1/reports/delivery?directorate=CFE");
        assert_eq!(row["delivery_rate"], "0.8604", "{row}");
        assert_eq!(row["delivered"], "8116000.00");
        assert_eq!(row["unachieved"], "1317000.00");
        assert_eq!(row["baseline"], "9433000.00");
        assert_eq!(row["not_recorded"], "0.00");
        // Every directorate: the same (CFE is the only one), per directorate too.
        let report = get_ok(api, "/api/v1/reports/delivery");
        let cfe = report["rows"].as_array().unwrap().iter().find(|r| r["directorate"] == "CFE" && r["year"] == "2021/22").unwrap();
        assert_eq!(cfe["delivery_rate"], "0.8604");
        // 2022/23 has no outturn: no rate there, nor over every year.
        let later = report["totals"].as_array().unwrap().iter().find(|r| r["year"] == "2022/23").unwrap();
        assert!(later.get("delivery_rate").is_none(), "{later}");
        assert!(report["total"].get("delivery_rate").is_none());
        let only = get_ok(api, "/api/v1/reports/delivery?from=2021/22&to=2021-22");
        assert_eq!(only["total"]["delivery_rate"], "0.8604");
        // As at before the outturns: none.
        let then = delivery_2021(api, &with_as_at("/api/v1/reports/delivery", &before_outturn));
        assert_eq!((then["recorded"].as_i64(), then["delivered"].as_str()), (Some(0), Some("0.00")));
        assert!(then.get("delivery_rate").is_none(), "{then}");
        // In £000s, as CSV and as XLSX.
        assert_eq!(delivery_2021(api, "/api/v1/reports/delivery?unit=thousands")["delivered"], "8116");
        let (status, content_type, csv) = api.get_bytes("/api/v1/reports/delivery?format=csv", "text/csv");
        assert_eq!(status, 200);
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.lines().any(|line| line.starts_with("Total,2021/22,") && line.contains("8116000.00") && line.ends_with("0.8604")), "{csv}");
        let (status, _, xlsx) = api.get_bytes("/api/v1/reports/delivery?format=xlsx", "*/*");
        assert_eq!((status, &xlsx[..2]), (200, &b"PK"[..]));
        // The link both ways: the saving names the growth line; the growth line lists what is carried into it.
        let sav07 = get_ok(api, "/api/v1/lines/CFE-SAV07/outturns");
        assert_eq!(sav07["outturns"][0]["carried_to"], json!(growth));
        let carried = get_ok(api, &format!("/api/v1/lines/{}/outturns", path_form(&growth)));
        assert_eq!(carried["carried_here"][0]["ref"], "CFE SAV07", "{carried}");
        assert_eq!(carried["carried_here"][0]["unachieved"], "1065000.00");
        // Close the year by a decision; its outturns are read-only; reopened only by another decision.
        let closing = decision(api, "Cabinet, 18 July 2022, minute 9");
        let closed = expect(approver.post("/api/v1/outturns/2021-22/close", &json!({"decision_id": closing})), 200);
        assert_eq!(closed["status"], "closed");
        assert_eq!(get_ok(api, "/api/v1/outturns/2021-22")["status"], "closed");
        let unchanged = written(api);
        let body = proposal_of(&year, "CFE SAV09");
        approver.put("/api/v1/outturns/2021-22/lines/CFE-SAV09", &body).assert_problem(409, "conflict");
        approver.post("/api/v1/outturns/2021-22/close", &json!({"decision_id": closing})).assert_problem(409, "conflict");
        approver.post("/api/v1/outturns/2021-22/reopen", &json!({"reason": "Audit adjustment"}))
            .assert_field_error(422, "validation", "decision_id");
        approver.post("/api/v1/outturns/2021-22/reopen", &json!({"decision_id": 999, "reason": "Audit adjustment"}))
            .assert_field_error(422, "validation", "decision_id");
        approver.post("/api/v1/outturns/2021-22/reopen", &json!({"decision_id": closing, "reason": " "}))
            .assert_field_error(422, "validation", "reason");
        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        assert_eq!(editor.send("POST", "/api/v1/outturns/2021-22/reopen", "application/json", "{not json").status, 403);
        // Nothing of a closed year is written off: its outturns would no longer add up.
        approver.post("/api/v1/write-offs", &json!({"ref": "CFE SAV09", "decision_id": closing, "reason": "Undeliverable",
            "funding": {"source": "contingency"}, "years": [{"year": "2021/22", "amount": "1000.00"}]}))
            .assert_field_error(422, "validation", "years[0].year");
        assert_eq!(written(api).0, unchanged.0);
        let reopening = decision(api, "Cabinet, 12 September 2022, minute 4");
        let reopened = expect(api.post("/api/v1/outturns/2021-22/reopen",
            &json!({"decision_id": reopening, "reason": "External audit adjusted SAV09"})), 200);
        assert_eq!((reopened["status"].as_str(), reopened["version"].as_i64()), (Some("open"), Some(2)));
        // Revised against its version; a stale one is 412.
        let mut revised = body.clone();
        revised["delivered"] = json!("473000.00");
        revised["replaced"] = json!("50000.00");
        revised["unachieved"] = json!("137000.00");
        approver.send_with("PUT", "/api/v1/outturns/2021-22/lines/CFE-SAV09", &[("If-Match", "\"7\"")], Some(&revised))
            .assert_problem(412, "precondition-failed");
        let put = approver.send_with("PUT", "/api/v1/outturns/2021-22/lines/CFE-SAV09", &[("If-Match", "\"1\"")], Some(&revised));
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(put.json()["version"], 2);
        assert_eq!(delivery_2021(api, "/api/v1/reports/delivery")["delivery_rate"], "0.8657");
        // Everything in the audit trail.
        let events = common::feed::all_events(api);
        let count = |entity: &str| events.iter().filter(|e| e["entity"] == entity).count();
        assert_eq!(count("outturn"), year["savings"].as_array().unwrap().len() + 1);
        assert_eq!(count("outturn_year"), 2);
    }

    fn bad_outturns_are_refused_naming_the_field_and_write_nothing(api: &TestApi) {
        let approver = year_end(api);
        let year = get_ok(api, "/api/v1/outturns/2021-22");
        let sav09 = proposal_of(&year, "CFE SAV09");
        let put = |line: &str, body: &Value| approver.put(&format!("/api/v1/outturns/2021-22/lines/{line}"), body);
        let with = |field: &str, value: Value| {
            let mut body = sav09.clone();
            body[field] = value;
            body
        };
        let before = written(api);
        // Amounts that do not add up to the revised budget (660,000.00), with more than 2 dp, negative.
        put("CFE-SAV09", &with("unachieved", json!("1.00"))).assert_field_error(422, "validation", "unachieved");
        put("CFE-SAV09", &with("delivered", json!("423000.001"))).assert_field_error(422, "validation", "delivered");
        put("CFE-SAV09", &with("slipped", json!("-1.00"))).assert_field_error(422, "validation", "slipped");
        let mut no_part = sav09.clone();
        no_part.as_object_mut().unwrap().remove("written_off");
        put("CFE-SAV09", &no_part).assert_field_error(422, "validation", "written_off");
        put("CFE-SAV09", &with("colour", json!("red"))).assert_field_error(422, "validation", "colour");
        // Slipped without a year, or to a year that is not later; a year without anything slipped.
        let slipped = json!({"delivered": "423000.00", "slipped": "237000.00", "unachieved": "0.00", "written_off": "0.00", "replaced": "0.00"});
        put("CFE-SAV09", &slipped).assert_field_error(422, "validation", "slips_to");
        let mut early = slipped.clone();
        early["slips_to"] = json!("2021/22");
        put("CFE-SAV09", &early).assert_field_error(422, "validation", "slips_to");
        put("CFE-SAV09", &with("slips_to", json!("2022/23"))).assert_field_error(422, "validation", "slips_to");
        put("CFE-SAV09", &with("slips_to", json!("2022"))).assert_field_error(422, "validation", "slips_to");
        // Written off without a decision, or with one that is not recorded; a decision with nothing written off.
        let written_off = json!({"delivered": "423000.00", "slipped": "0.00", "unachieved": "0.00", "written_off": "237000.00", "replaced": "0.00"});
        put("CFE-SAV09", &written_off).assert_field_error(422, "validation", "decision_id");
        let mut unknown = written_off.clone();
        unknown["decision_id"] = json!(999);
        put("CFE-SAV09", &unknown).assert_field_error(422, "validation", "decision_id");
        put("CFE-SAV09", &with("decision_id", json!(1))).assert_field_error(422, "validation", "decision_id");
        // Carried into: an unknown line, a saving, nothing unachieved, another directorate's growth.
        put("CFE-SAV09", &with("carried_to", json!("CFE GRO99"))).assert_field_error(422, "validation", "carried_to");
        put("CFE-SAV09", &with("carried_to", json!("CFE SAV05"))).assert_field_error(422, "validation", "carried_to");
        put("CFE-SAV09", &with("carried_to", json!("not a ref"))).assert_field_error(422, "validation", "carried_to");
        let delivered = proposal_of(&year, "CFE SAV05");
        let mut nothing_unachieved = delivered.clone();
        nothing_unachieved["carried_to"] = json!(growth_in_2022(api));
        put("CFE-SAV05", &nothing_unachieved).assert_field_error(422, "validation", "carried_to");
        put("CFE-SAV09", &with("note", json!("x".repeat(2001)))).assert_field_error(422, "validation", "note");
        // An unknown ref, a growth line, a saving not approved (not in the baseline).
        put("CFE-SAV99", &sav09).assert_problem(404, "not-found");
        put("CFE-GRO01", &sav09).assert_field_error(422, "validation", "ref");
        put("not-a-ref", &sav09).assert_field_error(400, "invalid-parameter", "ref");
        let proposed = expect(api.post("/api/v1/lines", &json!({"kind": "saving", "directorate": "CFE", "title": "Proposed saving",
            "status": "proposed", "years": [{"year": "2021/22", "amount": "1000.00"}]})), 201);
        let proposed_ref = path_form(proposed["ref"].as_str().unwrap());
        put(&proposed_ref, &sav09).assert_field_error(422, "validation", "ref");
        // A bad year in the path.
        approver.put("/api/v1/outturns/2021/lines/CFE-SAV09", &sav09).assert_field_error(400, "invalid-parameter", "year");
        // The wrong role, refused before the body is read; another directorate's approver.
        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        assert_eq!(editor.send("PUT", "/api/v1/outturns/2021-22/lines/CFE-SAV09", "application/json", "{not json").status, 403);
        assert_eq!(api.send("PUT", "/api/v1/outturns/2021-22/lines/CFE-SAV09", "application/json", "{not json").status, 403,
            "an admin does not approve budgets");
        let reader = api.as_key(&api.create_key("pmo", "reader", &[]));
        assert_eq!(reader.send("POST", "/api/v1/outturns/2021-22/close", "application/json", "{not json").status, 403);
        api.post("/api/v1/directorates", &json!({"code": "ASC", "name": "Adult Social Care"}));
        let other = api.as_key(&api.create_key("asc-sro", "approver", &["ASC"]));
        other.put("/api/v1/outturns/2021-22/lines/CFE-SAV09", &sav09).assert_problem(403, "forbidden");
        // Closing before every saving's outturn is recorded, or without a recorded decision; reopening an open year.
        let closing = decision(api, "Cabinet, 18 July 2022, minute 9");
        approver.post("/api/v1/outturns/2021-22/close", &json!({"decision_id": closing})).assert_problem(409, "conflict");
        approver.post("/api/v1/outturns/2021-22/close", &json!({})).assert_field_error(422, "validation", "decision_id");
        approver.post("/api/v1/outturns/2021-22/reopen", &json!({"decision_id": closing, "reason": "x"})).assert_problem(409, "conflict");
        // A year whose P12 is not closed.
        approver.put("/api/v1/outturns/2022-23/lines/CFE-SAV05", &delivered).assert_problem(409, "conflict");
        let after = written(api);
        assert_eq!(after.0, before.0, "the year's outturns are as they were");
        // Only what the test itself recorded: a line, keys, a directorate and a decision; no outturn.
        let events = common::feed::all_events(api);
        assert!(events.iter().all(|e| e["entity"] != "outturn" && e["entity"] != "outturn_year"));
        // The proposal itself is accepted, and once more changes nothing.
        assert_eq!(put("CFE-SAV09", &sav09).status, 201);
        let again = put("CFE-SAV09", &sav09);
        assert_eq!((again.status, again.json()["version"].as_i64()), (200, Some(1)));
        // A saving never assessed in the year proposes nothing.
        let new_year = get_ok(api, "/api/v1/outturns/2022-23");
        assert_eq!(new_year["status"], "not_due");
        let sav05 = saving(&new_year, "CFE SAV05");
        assert_eq!((sav05["not_assessed"].as_bool(), sav05["proposal"].is_null()), (Some(true), true));
    }
}
