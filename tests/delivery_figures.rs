//! Issue 17: delivery figures a finance director can defend. A saving not assessed is never counted as delivered;
//! a shortfall is `timing` (delivered later: a one-off gap) or `permanent` (of an ongoing saving, a gap in every
//! later year); a substitute needs room (unbudgeted, or an over-delivery, or a one-off mitigation), across every
//! claim on it in the period. The demo as approved: Table 8 is the baseline, 2021/22 P3 as reported to scrutiny.

mod common;

use common::feed::all_events;
use common::reads::{now, with_as_at};
use common::TestApi;
use serde_json::{json, Value};

const P3: &str = "/api/v1/periods/2021-22/P3";
const P4: &str = "/api/v1/periods/2021-22/P4";

fn figures(row: &Value, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| row[*name].as_str().unwrap_or("-").to_owned())
        .collect()
}

fn open_p4(api: &TestApi) {
    let opened = api.post(
        "/api/v1/periods",
        &json!({"year": "2021/22", "period": "P4"}),
    );
    assert_eq!(opened.status, 201, "{}", opened.body);
}

fn assess(api: &TestApi, period: &str, line: &str, body: Value) -> Value {
    let reply = api.put(&format!("{period}/assessments/{line}"), &body);
    assert!(
        reply.status == 200 || reply.status == 201,
        "{line}: {}",
        reply.body
    );
    reply.json()
}

fn decision(api: &TestApi) -> i64 {
    let recorded = api.post(
        "/api/v1/decisions",
        &json!({"body": "cabinet", "decided_on": "2021-07-19",
        "reference": "Cabinet, minute 12", "summary": "In-year budget mitigations"}),
    );
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    recorded.json()["id"].as_i64().unwrap()
}

const SPLIT: [&str; 6] = [
    "assessed",
    "forecast",
    "at_risk",
    "not_assessed",
    "one_off_gap",
    "ongoing_gap",
];

on_both_backends! {
    fn a_saving_not_assessed_is_never_counted_as_delivered(api: &TestApi) {
        api.with_approved_demo();
        let then = now();
        // At P3 three savings were assessed (SAV07, SAV09, SAV10): 2,312,000.00 of the 9,433,000.00 planned.
        let summary = api.get("/api/v1/reports/summary?directorate=CFE").json();
        let year = &summary["total"][0];
        assert_eq!(year["savings"], "9433000.00");
        assert_eq!(figures(year, &SPLIT), ["2312000.00", "995000.00", "1317000.00", "7121000.00", "0.00", "1317000.00"]);
        assert_eq!(summary["directorates"][0]["years"][0], *year);
        // Against the budget: 995,000.00 forecast, 7,121,000.00 unknown, 1,317,000.00 short.
        let budget = &summary["budget"]["years"][0];
        assert_eq!(figures(budget, &["revised_budget", "forecast", "not_assessed", "shortfall"]),
            ["9433000.00", "995000.00", "7121000.00", "1317000.00"]);
        let report = api.get("/api/v1/reports/at-risk?year=2021/22&period=P3").json();
        assert_eq!(figures(&report["total"], &["planned", "forecast", "at_risk", "not_assessed"]),
            ["2312000.00", "995000.00", "1317000.00", "7121000.00"]);
        assert_eq!(report["directorates"][0]["not_assessed"], "7121000.00");
        assert_eq!(figures(&report["budget"], &["forecast", "not_assessed", "shortfall"]),
            ["995000.00", "7121000.00", "1317000.00"]);
        // In £000s.
        let thousands = api.get("/api/v1/reports/summary?directorate=CFE&unit=thousands").json();
        assert_eq!(figures(&thousands["total"][0], &SPLIT), ["2312", "995", "1317", "7121", "0", "1317"]);
        // SAV05 assessed at its plan: 794,000.00 moves from not assessed to assessed and forecast.
        assess(api, P3, "CFE-SAV05", json!({"rag": "green", "forecast": "794000.00"}));
        let year = &api.get("/api/v1/reports/summary?directorate=CFE").json()["total"][0];
        assert_eq!(figures(year, &SPLIT), ["3106000.00", "1789000.00", "1317000.00", "6327000.00", "0.00", "1317000.00"]);
        let report = api.get("/api/v1/reports/at-risk?year=2021/22&period=P3").json();
        assert_eq!(report["total"]["not_assessed"], "6327000.00");
        // As it stood before.
        let before = api.get(&with_as_at("/api/v1/reports/summary?directorate=CFE", &then)).json();
        assert_eq!(figures(&before["total"][0], &SPLIT), ["2312000.00", "995000.00", "1317000.00", "7121000.00", "0.00", "1317000.00"]);
        let before = api.get(&with_as_at("/api/v1/reports/at-risk?year=2021/22&period=P3", &then)).json();
        assert_eq!(figures(&before["total"], &["planned", "not_assessed"]), ["2312000.00", "7121000.00"]);
    }

    fn a_period_can_carry_the_last_assessments_forward_marked_with_their_period(api: &TestApi) {
        api.with_approved_demo();
        open_p4(api);
        assert_eq!(api.post(&format!("{P4}/copy-from/P3"), &json!({})).status, 200);
        let p5 = api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P5"}));
        assert_eq!(p5.status, 201, "{}", p5.body);
        assess(api, P4, "CFE-SAV09", json!({"rag": "amber", "at_risk": "137000.00", "reason": "Two hubs open in September"}));
        assert_eq!(api.post("/api/v1/periods/2021-22/P5/copy-from/P4", &json!({})).status, 200);
        // SAV07 and SAV10 were last assessed in P3, however many periods carried them; SAV09 in P4.
        let report = api.get("/api/v1/reports/at-risk?year=2021/22&period=P5").json();
        let carried: Vec<Vec<String>> = report["rows"].as_array().unwrap().iter()
            .map(|row| figures(row, &["ref", "carried_from"])).collect();
        assert_eq!(carried, [["CFE SAV07", "P3"], ["CFE SAV09", "P4"], ["CFE SAV10", "P3"]]);
        assert_eq!(report["total"]["carried"], "2312000.00");
        // Assessed afresh with the same figures, it is no longer carried.
        assess(api, "/api/v1/periods/2021-22/P5", "CFE-SAV10", json!({"rag": "amber", "at_risk": "15000.00", "reason": "Traded income down"}));
        let row = &api.get("/api/v1/reports/at-risk?year=2021/22&period=P5").json()["rows"][2];
        assert!(row.get("carried_from").is_none(), "{row}");
    }

    fn a_timing_shortfall_is_a_one_off_gap_and_a_permanent_one_carries_forward(api: &TestApi) {
        api.with_approved_demo();
        open_p4(api);
        // SAV09 alone in P4: its 237,000.00 slips to 2022/23.
        let timing = assess(api, P4, "CFE-SAV09", json!({"rag": "amber", "at_risk": "237000.00", "timing": "237000.00",
            "slips_to": "2022/23", "reason": "Consultation extended: the centres close in April"}));
        assert_eq!(figures(&timing, &["at_risk", "timing", "permanent"]), ["237000.00", "237000.00", "0.00"]);
        let slipped = now();
        let gaps = |api: &TestApi, path: &str| -> Vec<Vec<String>> {
            let summary = api.get(path).json();
            summary["total"].as_array().unwrap().iter()
                .map(|row| figures(row, &["year", "one_off_gap", "ongoing_gap"])).collect()
        };
        let p4 = "/api/v1/reports/summary?directorate=CFE&period=P4";
        assert_eq!(gaps(api, p4), [
            ["2021/22", "237000.00", "0.00"],
            ["2022/23", "-", "0.00"],
            ["2023/24", "-", "0.00"],
        ]);
        // Permanent: never delivered, so 2022/23 and 2023/24 inherit it.
        let permanent = assess(api, P4, "CFE-SAV09", json!({"rag": "amber", "at_risk": "237000.00", "permanent": "237000.00",
            "reason": "Two centres stay open"}));
        assert_eq!(figures(&permanent, &["timing", "permanent", "slips_to"]), ["0.00", "237000.00", "-"]);
        assert_eq!(gaps(api, p4), [
            ["2021/22", "0.00", "237000.00"],
            ["2022/23", "-", "237000.00"],
            ["2023/24", "-", "237000.00"],
        ]);
        // Part of each, adding up exactly.
        let both = assess(api, P4, "CFE-SAV09", json!({"rag": "amber", "at_risk": "237000.00", "timing": "200000.00",
            "slips_to": "2022/23", "reason": "One centre stays open"}));
        assert_eq!(figures(&both, &["timing", "permanent"]), ["200000.00", "37000.00"]);
        assert_eq!(gaps(api, p4)[1], ["2022/23", "-", "37000.00"]);
        let row = &api.get("/api/v1/reports/at-risk?year=2021/22&period=P4").json()["rows"][0];
        assert_eq!(figures(row, &["ref", "timing", "permanent", "slips_to"]), ["CFE SAV09", "200000.00", "37000.00", "2022/23"]);
        // As it stood when it was all timing; and in £000s.
        assert_eq!(gaps(api, &with_as_at(p4, &slipped))[0], ["2021/22", "237000.00", "0.00"]);
        assert_eq!(gaps(api, &format!("{p4}&unit=thousands"))[2], ["2023/24", "-", "37"]);
        // Recorded as the audit trail's second snapshot version.
        let events = all_events(api);
        let last = events.last().unwrap();
        assert_eq!((&last["entity"], &last["after"]["timing"], &last["after"]["snapshot_version"]),
            (&json!("assessment"), &json!("200000.00"), &json!(2)), "{last}");
    }

    fn a_substitute_needs_room_across_every_claim_on_it(api: &TestApi) {
        api.with_approved_demo();
        open_p4(api);
        // SAV05 is in the approved budget and forecast to deliver exactly its plan: it has no room.
        assess(api, P4, "CFE-SAV05", json!({"rag": "green", "forecast": "794000.00"}));
        let sav09 = |substitutes: Value| json!({"rag": "amber", "at_risk": "237000.00", "reason": "Consultation extended",
            "substitutes": substitutes});
        let refused = api.put(&format!("{P4}/assessments/CFE-SAV09"), &sav09(json!([{"ref": "CFE SAV05", "amount": "50000.00"}])));
        let problem = refused.assert_field_error(422, "validation", "substitutes[0].ref");
        assert!(problem.to_string().contains("approved budget"), "{problem}");
        assert_eq!(api.get(&format!("{P4}/assessments")).json().as_array().unwrap().len(), 1, "nothing written");
        // Forecast to over-deliver by 60,000.00 (more than its plan: allowed now).
        let over = assess(api, P4, "CFE-SAV05", json!({"rag": "blue", "forecast": "854000.00"}));
        assert_eq!(figures(&over, &["planned", "forecast", "at_risk"]), ["794000.00", "854000.00", "0.00"]);
        let claimed = assess(api, P4, "CFE-SAV09", sav09(json!([{"ref": "CFE SAV05", "amount": "50000.00"}])));
        assert_eq!(claimed["substitutes"], json!([{"ref": "CFE SAV05", "amount": "50000.00"}]));
        // A second claim of 20,000.00: only 10,000.00 is left.
        let second = api.put(&format!("{P4}/assessments/CFE-SAV07"), &json!({"rag": "red", "at_risk": "1065000.00",
            "reason": "System procurement delayed", "substitutes": [{"ref": "CFE SAV05", "amount": "20000.00"}]}));
        let problem = second.assert_field_error(422, "validation", "substitutes[0].amount");
        assert!(problem.to_string().contains("10000.00"), "names the room left: {problem}");
        // Revising the first claim is measured without itself: 60,000.00 is all there is.
        assess(api, P4, "CFE-SAV09", sav09(json!([{"ref": "CFE SAV05", "amount": "60000.00"}])));
        // SAV05 cannot now forecast less than its plan and the 60,000.00 claimed of it.
        let less = api.put(&format!("{P4}/assessments/CFE-SAV05"), &json!({"rag": "blue", "forecast": "820000.00"}));
        let problem = less.assert_field_error(422, "validation", "forecast");
        assert!(problem.to_string().contains("854000.00"), "{problem}");

        // A one-off mitigation: a grant of 30,000.00 found by the finance business partner, by a decision.
        let decision = decision(api);
        let grant = json!({"directorate": "CFE", "year": "2021/22", "kind": "grant", "amount": "30000.00",
            "source": "Holiday Activities and Food programme grant", "decision_id": decision, "found_by": "Finance business partner"});
        let recorded = api.post("/api/v1/mitigations", &grant);
        assert_eq!(recorded.status, 201, "{}", recorded.body);
        let mitigation = recorded.json();
        let id = mitigation["id"].as_i64().unwrap();
        assert_eq!(recorded.header("location"), Some(format!("/api/v1/mitigations/{id}").as_str()));
        assert_eq!(api.get(&format!("/api/v1/mitigations/{id}")).json(), mitigation);
        assert_eq!(api.get("/api/v1/mitigations?year=2021/22&directorate=cfe").json(), json!([mitigation]));
        // As at before it was recorded, there was none.
        assert_eq!(api.get("/api/v1/mitigations?as_at=2021-07-01T00:00:00Z").json(), json!([]));
        assert_eq!(api.get(&with_as_at("/api/v1/mitigations?year=2021/22", &now())).json(), json!([mitigation]));
        api.get("/api/v1/mitigations?as_at=yesterday").assert_field_error(400, "invalid-parameter", "as_at");
        assess(api, P4, "CFE-SAV07", json!({"rag": "red", "at_risk": "1065000.00", "reason": "System procurement delayed",
            "substitutes": [{"mitigation": id, "amount": "30000.00"}]}));
        let again = api.put(&format!("{P4}/assessments/CFE-SAV10"), &json!({"rag": "amber", "at_risk": "15000.00",
            "reason": "Traded income down", "substitutes": [{"mitigation": id, "amount": "0.01"}]}));
        again.assert_field_error(422, "validation", "substitutes[0].amount");
        // The report: gross, the substitutes by kind (SAV05 is ongoing, the grant one-off), net.
        let report = api.get("/api/v1/reports/at-risk?year=2021/22&period=P4").json();
        assert_eq!(figures(&report["total"], &["at_risk", "substituted_one_off", "substituted_ongoing", "substituted", "net_shortfall", "over_delivery"]),
            ["1302000.00", "30000.00", "60000.00", "90000.00", "1212000.00", "60000.00"]);
        let thousands = api.get("/api/v1/reports/at-risk?year=2021/22&period=P4&unit=thousands").json();
        assert_eq!(thousands["total"]["net_shortfall"], "1212");
    }

    fn a_withdrawn_saving_has_no_room_and_an_unbudgeted_one_has_its_forecast(api: &TestApi) {
        api.with_demo();
        open_p4(api);
        // Not in any baseline: SAV16's room is its plan, 1,471,000.00, until it is assessed.
        assess(api, P4, "CFE-SAV09", json!({"rag": "amber", "at_risk": "237000.00", "reason": "Consultation extended",
            "substitutes": [{"ref": "CFE SAV16", "amount": "237000.00"}]}));
        assess(api, P4, "CFE-SAV16", json!({"rag": "amber", "forecast": "300000.00", "reason": "Restructure late"}));
        let short = api.put(&format!("{P4}/assessments/CFE-SAV16"), &json!({"rag": "amber", "forecast": "200000.00", "reason": "Restructure late"}));
        short.assert_field_error(422, "validation", "forecast");
        let withdrawn = api.patch("/api/v1/lines/CFE-SAV15", &json!({"status": "withdrawn", "reason": "Investment not released"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        let claim = api.put(&format!("{P4}/assessments/CFE-SAV10"), &json!({"rag": "amber", "at_risk": "15000.00",
            "reason": "Traded income down", "substitutes": [{"ref": "CFE SAV15", "amount": "1000.00"}]}));
        let problem = claim.assert_field_error(422, "validation", "substitutes[0].ref");
        assert!(problem.to_string().contains("withdrawn"), "{problem}");
    }

    fn a_mitigation_is_refused_naming_the_field_and_nothing_is_recorded(api: &TestApi) {
        api.with_approved_demo();
        let decision = decision(api);
        let good = json!({"directorate": "CFE", "year": "2021/22", "kind": "reserve_drawdown", "amount": "25000.00",
            "source": "Children's services reserve", "decision_id": decision, "found_by": "Finance business partner"});
        let with = |field: &str, value: Value| {
            let mut body = good.clone();
            body[field] = value;
            body
        };
        let events = all_events(api).len();
        let cases = [
            (with("amount", json!("0.00")), "amount"),
            (with("amount", json!("-1.00")), "amount"),
            (with("amount", json!("1.001")), "amount"),
            (with("amount", json!(true)), "amount"),
            (with("kind", json!("loan")), "kind"),
            (with("year", json!("2021")), "year"),
            (with("source", json!("")), "source"),
            (with("source", json!("a\u{0007}b")), "source"),
            (with("found_by", json!("   ")), "found_by"),
            (with("decision_id", json!(999)), "decision_id"),
            (with("directorate", json!("ZZZ")), "directorate"),
            (with("unexpected", json!(1)), "unexpected"),
        ];
        for (body, field) in cases {
            let reply = api.post("/api/v1/mitigations", &body);
            assert_eq!(reply.status, 422, "{field}: {}", reply.body);
            reply.assert_field_error(422, "validation", field);
        }
        // A reader, and an editor of another directorate, are refused before the body is read.
        let reader = api.as_key(&api.create_key("pmo-reader", "reader", &[]));
        reader.post("/api/v1/mitigations", &good).assert_problem(403, "forbidden");
        api.with_directorate("ASC", "Adult Social Care");
        let asc = api.as_key(&api.create_key("asc-finance", "editor", &["ASC"]));
        asc.post("/api/v1/mitigations", &good).assert_problem(403, "forbidden");
        assert_eq!(api.get("/api/v1/mitigations").json(), json!([]));
        // Two keys and a directorate were made; no mitigation.
        let recorded: Vec<Value> = all_events(api).into_iter().skip(events).collect();
        assert!(recorded.iter().all(|e| e["entity"] != "mitigation"), "{recorded:?}");
        api.get("/api/v1/mitigations/999").assert_problem(404, "not-found");
        api.get("/api/v1/mitigations/one").assert_field_error(400, "invalid-parameter", "id");
        // A mitigation of another year covers nothing in this one.
        let next_year = api.post("/api/v1/mitigations", &with("year", json!("2022/23"))).json();
        let claim = api.put(&format!("{P3}/assessments/CFE-SAV10"), &json!({"rag": "amber", "at_risk": "15000.00",
            "reason": "Traded income down", "substitutes": [{"mitigation": next_year["id"], "amount": "1000.00"}]}));
        claim.assert_field_error(422, "validation", "substitutes[0].mitigation");
    }
}
