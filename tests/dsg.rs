//! The Dedicated Schools Grant: the council's 2020/21 table to the penny, every check on a figure that does not
//! agree, who may change the figures, block transfers and the 0.5% rule at its boundary, the deficit management
//! plan against what happened, and all of it on the record and reproducible `as_at` an earlier instant.

mod common;

use common::feed::{events_after, feed_end};
use common::reads::{expect, get_ok, now, with_as_at};
use common::{Reply, TestApi};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const PLAN: &str = "/api/v1/dsg/plans/recovery-2021";
const VARIANCE: &str = "/api/v1/dsg/plans/recovery-2021/variance";

/// (block, opening, movement, closing) of a block in a year's table.
type BlockRow = (String, String, String, String);
/// (actor, entity, ref, action) of an event in the changes feed.
type EventRow = (String, String, String, String);

/// Records a block's figures (new or revised) and returns the block as the API shows it.
fn put_balance(api: &TestApi, year: &str, block: &str, body: &Value) -> Value {
    let reply = api.put(&format!("/api/v1/dsg/{year}/{block}"), body);
    assert!(
        reply.status == 200 || reply.status == 201,
        "PUT {year} {block}: {} {}",
        reply.status,
        reply.body
    );
    reply.json()
}

fn post_transfer(api: &TestApi, year: &str, body: &Value) -> Reply {
    api.post(&format!("/api/v1/dsg/{year}/transfers"), body)
}

/// Records a decision of `body` taken on 14 January 2021 and returns its id.
fn decision(api: &TestApi, body: &str, reference: &str) -> i64 {
    let recorded = expect(api.post("/api/v1/decisions", &json!({"body": body, "decided_on": "2021-01-14",
        "reference": reference, "summary": "A transfer from the Schools block to the High Needs block"})), 201);
    recorded["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("id of {recorded}"))
}

/// A transfer out of the Schools block into High Needs, resting on the decisions given.
fn out_of_schools(amount: &str, forum: Option<&Value>, secretary_of_state: Option<i64>) -> Value {
    let mut body = json!({"from_block": "schools", "to_block": "high_needs", "amount": amount});
    if let Some(forum) = forum {
        body["forum"] = forum.clone();
    }
    if let Some(id) = secretary_of_state {
        body["secretary_of_state"] = json!({"decision_id": id});
    }
    body
}

/// An amount with the position the council's sign convention gives it.
fn figure(amount: &str) -> Value {
    let position = if amount
        .trim_start_matches('-')
        .bytes()
        .all(|b| b == b'0' || b == b'.')
    {
        "balanced"
    } else if amount.starts_with('-') {
        "surplus"
    } else {
        "deficit"
    };
    json!({"amount": amount, "position": position})
}

/// A block as the API shows it, less `updated_at` (the instant of the write), which must be RFC 3339.
fn without_time(block: &Value) -> Value {
    let mut block = block.clone();
    let at = block["updated_at"].as_str().unwrap_or_default().to_owned();
    assert!(
        OffsetDateTime::parse(&at, &Rfc3339).is_ok(),
        "updated_at of {block}"
    );
    block.as_object_mut().unwrap().remove("updated_at");
    block
}

/// Checks less their messages: the fields are exact; each message must be there and name its year and block.
fn checks_of(checks: &Value) -> Value {
    let checks = checks
        .as_array()
        .unwrap_or_else(|| panic!("checks: {checks}"));
    checks
        .iter()
        .map(|check| {
            let message = check["message"].as_str().unwrap_or_default();
            let (year, block) = (
                check["year"].as_str().unwrap(),
                check["block"].as_str().unwrap(),
            );
            assert!(
                message.contains(year) && message.contains(block),
                "message of {check}"
            );
            let mut check = check.clone();
            check.as_object_mut().unwrap().remove("message");
            check
        })
        .collect()
}

/// (block, opening, movement, closing) of each block of a year's table, in the order listed.
fn figures_of(year: &Value) -> Vec<BlockRow> {
    year["blocks"]
        .as_array()
        .unwrap_or_else(|| panic!("blocks: {year}"))
        .iter()
        .map(|b| {
            let amount = |field: &str| b[field]["amount"].as_str().unwrap().to_owned();
            (
                b["block"].as_str().unwrap().to_owned(),
                amount("opening_balance"),
                amount("movement"),
                amount("closing_balance"),
            )
        })
        .collect()
}

fn row(block: &str, opening: &str, movement: &str, closing: &str) -> BlockRow {
    (
        block.to_owned(),
        opening.to_owned(),
        movement.to_owned(),
        closing.to_owned(),
    )
}

fn total(opening: &str, movement: &str, closing: &str) -> Value {
    json!({"opening_balance": figure(opening), "movement": figure(movement), "closing_balance": figure(closing)})
}

fn block_missing(year: &str, block: &str) -> Value {
    json!({"check": "block_missing", "year": year, "block": block})
}

/// Every event in the changes feed after `cursor`, as (actor, entity, ref, action), with the events themselves.
fn event_rows_after(api: &TestApi, cursor: &str) -> (Vec<EventRow>, Vec<Value>) {
    let events = events_after(api, cursor);
    let summary = events
        .iter()
        .map(|e| {
            let text = |field: &str| {
                e[field]
                    .as_str()
                    .unwrap_or_else(|| panic!("{field} of {e}"))
                    .to_owned()
            };
            (text("actor"), text("entity"), text("ref"), text("action"))
        })
        .collect();
    (summary, events)
}

fn event(actor: &str, entity: &str, entity_ref: &str, action: &str) -> EventRow {
    (
        actor.to_owned(),
        entity.to_owned(),
        entity_ref.to_owned(),
        action.to_owned(),
    )
}

/// 2021/22's four blocks, carried forward from the demo's 2020/21 closings (central school services new this
/// year), with the Schools block's funding and its allocation before academy recoupment recorded for the 0.5%
/// rule. Its movement agrees with expenditure − funding once 400,000.00 has been transferred out of it.
fn record_2021_22(api: &TestApi) {
    put_balance(
        api,
        "2021-22",
        "schools",
        &json!({"opening_balance": "-1423000.00", "movement": "500000.01",
        "funding": "200000000.00", "allocation_before_recoupment": "450000000.00", "expenditure": "200100000.01"}),
    );
    put_balance(
        api,
        "2021-22",
        "central_school_services",
        &json!({"opening_balance": "0.00", "movement": "12345.67"}),
    );
    put_balance(
        api,
        "2021-22",
        "early_years",
        &json!({"opening_balance": "-2960000.00", "movement": "-123456.78",
        "closing_balance": "-3083456.78"}),
    );
    put_balance(
        api,
        "2021-22",
        "high_needs",
        &json!({"opening_balance": "24222000.00", "movement": "4321987.65",
        "closing_balance": "28543987.65"}),
    );
}

/// The plan of the variance test: high needs and early years, 2020/21 to 2024/25, given out of order.
fn recovery_plan() -> Value {
    json!({
        "agreed_by": "Cabinet", "agreed_on": "2021-07-19", "submitted_on": "2021-07-30", "balanced_in": "2024/25",
        "movements": [
            {"year": "2024/25", "block": "high_needs", "movement": "0.00"},
            {"year": "2020/21", "block": "high_needs", "movement": "5500000.00"},
            {"year": "2021/22", "block": "high_needs", "movement": "4000000.33"},
            {"year": "2022/23", "block": "high_needs", "movement": "2500000.01"},
            {"year": "2023/24", "block": "high_needs", "movement": "1000000.99"},
            {"year": "2020/21", "block": "early_years", "movement": "-2000000.00"},
            {"year": "2021/22", "block": "early_years", "movement": "-500000.17"},
            {"year": "2022/23", "block": "early_years", "movement": "-250000.00"},
            {"year": "2023/24", "block": "early_years", "movement": "0.00"},
            {"year": "2024/25", "block": "early_years", "movement": "0.00"}
        ]
    })
}

fn variance_row(
    block: Option<&str>,
    planned: &str,
    actual: Option<&str>,
    variance: Option<&str>,
    gap: &str,
) -> Value {
    json!({"block": block, "planned": planned, "actual": actual, "variance": variance, "cumulative_gap": gap})
}

on_both_backends! {
    fn the_demo_table_reproduces_the_councils_2020_21_figures_to_the_penny(api: &TestApi) {
        api.with_demo();
        let demo = common::demo_dataset()["dsg_balances"].clone();
        assert_eq!(demo["year"], "2020/21");
        let table = get_ok(api, "/api/v1/dsg/2020-21");
        assert_eq!(table["year"], "2020/21");
        let blocks = table["blocks"].as_array().unwrap();
        let order: Vec<&str> = blocks.iter().map(|b| b["block"].as_str().unwrap()).collect();
        assert_eq!(order, ["schools", "early_years", "high_needs"], "the council's order");
        let rows = demo["rows"].as_array().unwrap();
        assert_eq!(rows.len(), blocks.len());
        for (block, printed) in blocks.iter().zip(rows) {
            let printed_figure = |field: &str| figure(printed[field].as_str().unwrap());
            assert_eq!(without_time(block), json!({
                "year": "2020/21", "block": printed["block"],
                "opening_balance": printed_figure("opening_balance"), "movement": printed_figure("movement"),
                "closing_balance": printed_figure("closing_balance"), "closing_as_reported": true,
                "allocation": null, "allocation_before_recoupment": null, "transfers_in": "0.00", "transfers_out": "0.00",
                "funding": null, "expenditure": null, "note": null, "version": 1
            }));
        }
        // Spelled out, so the dataset and the service cannot drift together.
        assert_eq!(blocks[0]["opening_balance"], json!({"amount": "-2932000.00", "position": "surplus"}));
        assert_eq!(blocks[0]["movement"], json!({"amount": "1509000.00", "position": "deficit"}));
        assert_eq!(blocks[0]["closing_balance"], json!({"amount": "-1423000.00", "position": "surplus"}));
        assert_eq!(blocks[1]["opening_balance"], json!({"amount": "-988000.00", "position": "surplus"}));
        assert_eq!(blocks[1]["movement"], json!({"amount": "-1972000.00", "position": "surplus"}));
        assert_eq!(blocks[1]["closing_balance"], json!({"amount": "-2960000.00", "position": "surplus"}));
        assert_eq!(blocks[2]["opening_balance"], json!({"amount": "18478000.00", "position": "deficit"}));
        assert_eq!(blocks[2]["movement"], json!({"amount": "5744000.00", "position": "deficit"}));
        assert_eq!(blocks[2]["closing_balance"], json!({"amount": "24222000.00", "position": "deficit"}));
        assert_eq!(table["total"], json!({
            "opening_balance": {"amount": "14558000.00", "position": "deficit"},
            "movement": {"amount": "5281000.00", "position": "deficit"},
            "closing_balance": {"amount": "19839000.00", "position": "deficit"}
        }));
        for field in ["opening_balance", "movement", "closing_balance"] {
            assert_eq!(table["total"][field]["amount"], demo["printed_total"][field], "the printed total's {field}");
        }
        // Central school services is not printed: reported missing, never assumed zero.
        assert_eq!(checks_of(&table["checks"]), json!([block_missing("2020/21", "central_school_services")]));
        assert!(table["checks"][0]["message"].as_str().unwrap().contains("not assumed zero"), "{}", table["checks"]);
        // A reader reads the same table.
        let reader = api.as_key(&api.create_key("dsg-reader", "reader", &[]));
        assert_eq!(get_ok(&reader, "/api/v1/dsg/2020-21"), table);
    }

    fn every_check_names_the_figure_that_does_not_agree(api: &TestApi) {
        api.with_demo();
        // Schools: the reported closing is not opening + movement; it is kept as reported.
        let schools = put_balance(api, "2021-22", "schools", &json!({"opening_balance": "-1423000.00", "movement": "250000.37",
            "closing_balance": "-1172999.00"}));
        assert_eq!(schools["closing_balance"], json!({"amount": "-1172999.00", "position": "surplus"}));
        assert_eq!(schools["closing_as_reported"], true);
        put_balance(api, "2021-22", "central_school_services", &json!({"opening_balance": "0.00", "movement": "12345.67",
            "closing_balance": "12345.67"}));
        // Early years: movement is not expenditure − funding; no closing given, so it is computed.
        let early_years = put_balance(api, "2021-22", "early_years", &json!({"opening_balance": "-2960000.00", "movement": "-123456.78",
            "funding": "34000000.00", "expenditure": "33876543.21"}));
        assert_eq!(early_years["closing_balance"], json!({"amount": "-3083456.78", "position": "surplus"}));
        assert_eq!(early_years["closing_as_reported"], false);
        // High needs: the opening is not 2020/21's closing of 24222000.00.
        put_balance(api, "2021-22", "high_needs", &json!({"opening_balance": "24000000.00", "movement": "3456789.12",
            "closing_balance": "27456789.12"}));

        let year = get_ok(api, "/api/v1/dsg/2021-22");
        assert_eq!(figures_of(&year), [
            row("schools", "-1423000.00", "250000.37", "-1172999.00"),
            row("central_school_services", "0.00", "12345.67", "12345.67"),
            row("early_years", "-2960000.00", "-123456.78", "-3083456.78"),
            row("high_needs", "24000000.00", "3456789.12", "27456789.12"),
        ]);
        let closing_as_reported: Vec<&Value> = year["blocks"].as_array().unwrap().iter().map(|b| &b["closing_as_reported"]).collect();
        assert_eq!(closing_as_reported, [true, true, false, true]);
        assert_eq!(year["blocks"][1]["opening_balance"], json!({"amount": "0.00", "position": "balanced"}));
        assert_eq!(year["total"], total("19617000.00", "3595678.38", "23212679.01"));
        let checks_2021_22 = json!([
            {"check": "closing_mismatch", "year": "2021/22", "block": "schools",
                "expected": "-1172999.63", "reported": "-1172999.00", "difference": "0.63"},
            {"check": "movement_mismatch", "year": "2021/22", "block": "early_years",
                "expected": "-123456.79", "movement": "-123456.78", "difference": "0.01"},
            {"check": "opening_not_carried_forward", "year": "2021/22", "block": "high_needs",
                "previous_year": "2020/21", "previous_closing": "24222000.00", "opening": "24000000.00", "difference": "-222000.00"}
        ]);
        assert_eq!(checks_of(&year["checks"]), checks_2021_22);

        // 2022/23: all four blocks, each carried forward (from the closing as reported), in agreement: no checks.
        put_balance(api, "2022-23", "schools", &json!({"opening_balance": "-1172999.00", "movement": "345678.90"}));
        put_balance(api, "2022-23", "central_school_services", &json!({"opening_balance": "12345.67", "movement": "-12345.67",
            "closing_balance": "0.00"}));
        put_balance(api, "2022-23", "early_years", &json!({"opening_balance": "-3083456.78", "movement": "500000.00",
            "closing_balance": "-2583456.78", "funding": "35000000.00", "expenditure": "35500000.00"}));
        put_balance(api, "2022-23", "high_needs", &json!({"opening_balance": "27456789.12", "movement": "1999999.99",
            "closing_balance": "29456789.11"}));
        let consistent = get_ok(api, "/api/v1/dsg/2022-23");
        assert_eq!(consistent["checks"], json!([]), "a consistent year");
        assert_eq!(figures_of(&consistent), [
            row("schools", "-1172999.00", "345678.90", "-827320.10"),
            row("central_school_services", "12345.67", "-12345.67", "0.00"),
            row("early_years", "-3083456.78", "500000.00", "-2583456.78"),
            row("high_needs", "27456789.12", "1999999.99", "29456789.11"),
        ]);
        assert_eq!(consistent["blocks"][1]["closing_balance"], json!({"amount": "0.00", "position": "balanced"}));
        assert_eq!(consistent["total"], total("23212679.01", "2833333.22", "26046012.23"));

        // Years side by side: 2019/20 has nothing recorded, so every block is missing.
        let range = get_ok(api, "/api/v1/dsg?from=2019/20&to=2021/22");
        assert_eq!((&range["from"], &range["to"]), (&json!("2019/20"), &json!("2021/22")));
        let years: Vec<&Value> = range["years"].as_array().unwrap().iter().map(|y| &y["year"]).collect();
        assert_eq!(years, ["2019/20", "2020/21", "2021/22"]);
        assert_eq!(range["years"][0]["blocks"], json!([]));
        assert_eq!(range["years"][0]["total"], total("0.00", "0.00", "0.00"));
        assert_eq!(figures_of(&range["years"][1]), [
            row("schools", "-2932000.00", "1509000.00", "-1423000.00"),
            row("early_years", "-988000.00", "-1972000.00", "-2960000.00"),
            row("high_needs", "18478000.00", "5744000.00", "24222000.00"),
        ]);
        assert_eq!(range["years"][1]["total"], total("14558000.00", "5281000.00", "19839000.00"));
        assert_eq!(figures_of(&range["years"][2]), figures_of(&year));
        assert_eq!(range["years"][2]["total"], year["total"]);
        assert_eq!(range["years"][2], year, "a year in the range reads as the year alone");
        let mut union = vec![
            block_missing("2019/20", "schools"),
            block_missing("2019/20", "central_school_services"),
            block_missing("2019/20", "early_years"),
            block_missing("2019/20", "high_needs"),
            block_missing("2020/21", "central_school_services"),
        ];
        union.extend(checks_2021_22.as_array().unwrap().iter().cloned());
        assert_eq!(checks_of(&range["checks"]), Value::Array(union));
        // Without bounds: the years recorded.
        let recorded = get_ok(api, "/api/v1/dsg");
        assert_eq!((&recorded["from"], &recorded["to"]), (&json!("2020/21"), &json!("2022/23")));
        api.get("/api/v1/dsg?from=2022/23&to=2020/21").assert_field_error(400, "invalid-parameter", "to");
        api.get("/api/v1/dsg?from=2022-2023").assert_field_error(400, "invalid-parameter", "from");
    }

    fn only_council_wide_editors_and_admins_change_dsg_figures(api: &TestApi) {
        api.with_cfe();
        let reader = api.as_key(&api.create_key("dsg-reader", "reader", &[]));
        let cfe_editor = api.as_key(&api.create_key("cfe-editor", "editor", &["CFE"]));
        let council_editor = api.as_key(&api.create_key("council-editor", "editor", &[]));
        let path = "/api/v1/dsg/2021-22/high_needs";
        let figures = json!({"opening_balance": "24222000.00", "movement": "3000000.00"});
        let transfer = json!({"from_block": "early_years", "to_block": "high_needs", "amount": "250000.00",
            "approved_by": "schools_forum", "reference": "Schools Forum 14 January 2021, item 6"});
        for key in [&reader, &cfe_editor] {
            key.put(path, &figures).assert_problem(403, "forbidden");
            post_transfer(key, "2021-22", &transfer).assert_problem(403, "forbidden");
            key.put(PLAN, &recovery_plan()).assert_problem(403, "forbidden");
        }
        assert_eq!(get_ok(&reader, "/api/v1/dsg/2021-22")["blocks"], json!([]), "nothing recorded");
        assert_eq!(get_ok(&reader, "/api/v1/dsg/2021-22/transfers"), json!([]));
        reader.get(PLAN).assert_problem(404, "not-found");

        // An editor of every directorate records; 201 with the version as ETag.
        let created = council_editor.put(path, &figures);
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.header("etag"), Some("\"1\""));
        let created = created.json();
        assert_eq!(without_time(&created), json!({
            "year": "2021/22", "block": "high_needs",
            "opening_balance": {"amount": "24222000.00", "position": "deficit"},
            "movement": {"amount": "3000000.00", "position": "deficit"},
            "closing_balance": {"amount": "27222000.00", "position": "deficit"}, "closing_as_reported": false,
            "allocation": null, "allocation_before_recoupment": null, "transfers_in": "0.00", "transfers_out": "0.00",
            "funding": null, "expenditure": null, "note": null, "version": 1
        }));
        // An admin revises: 200, version 2.
        let revised_figures = json!({"opening_balance": "24222000.00", "movement": "2999999.99", "closing_balance": "27221999.99",
            "note": "High Needs overspend: EHCP growth"});
        let revised = api.put(path, &revised_figures);
        assert_eq!(revised.status, 200, "{}", revised.body);
        assert_eq!(revised.header("etag"), Some("\"2\""));
        let revised = revised.json();
        assert_eq!(revised["version"], 2);
        assert_eq!(revised["closing_balance"], json!({"amount": "27221999.99", "position": "deficit"}));
        assert_eq!(revised["note"], "High Needs overspend: EHCP growth");
        // A stale If-Match changes nothing.
        let stale = json!({"opening_balance": "24222000.00", "movement": "1.00"});
        api.send_with("PUT", path, &[("If-Match", "\"1\"")], Some(&stale)).assert_problem(412, "precondition-failed");
        assert_eq!(get_ok(api, "/api/v1/dsg/2021-22")["blocks"][0], revised);
        api.send_with("PUT", "/api/v1/dsg/2021-22/schools", &[("If-Match", "\"1\"")], Some(&stale))
            .assert_problem(412, "precondition-failed");
        // The same figures again, with the current ETag or none: 200, the version (and time) as they were.
        let with_etag: &[(&str, &str)] = &[("If-Match", "\"2\"")];
        let without: &[(&str, &str)] = &[];
        for headers in [with_etag, without] {
            let again = council_editor.send_with("PUT", path, headers, Some(&revised_figures));
            assert_eq!(again.status, 200, "{}", again.body);
            assert_eq!(again.header("etag"), Some("\"2\""));
            assert_eq!(again.json(), revised);
        }
        // The editor of every directorate also records transfers and plans.
        assert_eq!(post_transfer(&council_editor, "2021-22", &transfer).status, 201);
        assert_eq!(council_editor.put(PLAN, &recovery_plan()).status, 201);
    }

    fn bad_paths_and_amounts_are_refused_naming_the_field(api: &TestApi) {
        let figures = json!({"opening_balance": "24222000.00", "movement": "3000000.00"});
        api.put("/api/v1/dsg/2021-22/high-needs", &figures).assert_field_error(400, "invalid-parameter", "block");
        api.put("/api/v1/dsg/2021-22/dedicated_schools", &figures).assert_field_error(400, "invalid-parameter", "block");
        api.put("/api/v1/dsg/2021-2022/high_needs", &figures).assert_field_error(400, "invalid-parameter", "year");
        api.put("/api/v1/dsg/21-22/high_needs", &figures).assert_field_error(400, "invalid-parameter", "year");
        api.put("/api/v1/dsg/2021-23/high_needs", &figures).assert_field_error(400, "invalid-parameter", "year");
        api.get("/api/v1/dsg/2021").assert_field_error(400, "invalid-parameter", "year");
        api.get("/api/v1/dsg/2021-22?as_at=yesterday").assert_field_error(400, "invalid-parameter", "as_at");
        let path = "/api/v1/dsg/2021-22/high_needs";
        for (field, value) in [("movement", "1.005"), ("opening_balance", "24222000.001"), ("closing_balance", "27222000.999"),
            ("funding", "45000000.125"), ("expenditure", "0.001")] {
            let mut body = figures.clone();
            body[field] = json!(value);
            let problem = api.put(path, &body).assert_field_error(422, "validation", field);
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains("two decimal places"), "{problem}");
        }
        let mut negative = figures.clone();
        negative["funding"] = json!("-1.00");
        api.put(path, &negative).assert_field_error(422, "validation", "funding");
        negative["funding"] = json!("45000000.00");
        negative["expenditure"] = json!("-0.01");
        api.put(path, &negative).assert_field_error(422, "validation", "expenditure");
        api.put(path, &json!({"opening_balance": "24222000.00"})).assert_field_error(422, "validation", "movement");
        assert_eq!(get_ok(api, "/api/v1/dsg/2021-22")["blocks"], json!([]), "nothing recorded");
        // A negative surplus is a figure, not an error.
        let surplus = put_balance(api, "2021-22", "schools", &json!({"opening_balance": "-1423000.00", "movement": "-0.01"}));
        assert_eq!(surplus["closing_balance"], json!({"amount": "-1423000.01", "position": "surplus"}));
    }

    fn block_transfers_and_the_half_percent_rule_at_its_boundary(api: &TestApi) {
        let transfer = |from: &str, to: &str, amount: &str, approved_by: &str, reference: &str| json!({
            "from_block": from, "to_block": to, "amount": amount, "approved_by": approved_by, "reference": reference});
        let forum = decision(api, "schools_forum", "Schools Forum 14 January 2021, item 6");
        let secretary_of_state = decision(api, "secretary_of_state", "DfE letter 2021/0042");
        let approved = json!({"decision_id": forum, "outcome": "approved"});
        // No Schools figures recorded for 2021/22, then none before academy recoupment: the 0.5% rule cannot be
        // applied, and the refusal says what to record.
        let problem = post_transfer(api, "2021-22", &out_of_schools("1.00", Some(&approved), None))
            .assert_field_error(422, "validation", "from_block");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("allocation_before_recoupment"), "{problem}");
        put_balance(api, "2021-22", "schools", &json!({"opening_balance": "0.00", "movement": "0.00", "funding": "80000000.00"}));
        post_transfer(api, "2021-22", &out_of_schools("1.00", Some(&approved), None))
            .assert_field_error(422, "validation", "from_block");

        // Schools: 200,000,000.00 before academy recoupment (the 0.5% base), 80,000,000.00 after it (its funding);
        // its movement agrees with expenditure − funding only after transfers out.
        let schools = put_balance(api, "2021-22", "schools", &json!({"opening_balance": "-1423000.00", "movement": "500000.01",
            "funding": "80000000.00", "allocation_before_recoupment": "200000000.00", "expenditure": "79500000.00"}));
        assert_eq!((&schools["allocation"], &schools["allocation_before_recoupment"]),
            (&json!("80000000.00"), &json!("200000000.00")));
        put_balance(api, "2021-22", "central_school_services", &json!({"opening_balance": "0.00", "movement": "0.00"}));
        put_balance(api, "2021-22", "early_years", &json!({"opening_balance": "-2960000.00", "movement": "-1000.00"}));
        // High needs: agrees only after transfers in.
        put_balance(api, "2021-22", "high_needs", &json!({"opening_balance": "24222000.00", "movement": "1234567.88",
            "funding": "45000000.00", "expenditure": "47234567.89"}));
        let before = get_ok(api, "/api/v1/dsg/2021-22");
        assert_eq!(checks_of(&before["checks"]), json!([
            {"check": "movement_mismatch", "year": "2021/22", "block": "schools",
                "expected": "-500000.00", "movement": "500000.01", "difference": "1000000.01"},
            {"check": "movement_mismatch", "year": "2021/22", "block": "high_needs",
                "expected": "2234567.89", "movement": "1234567.88", "difference": "-1000000.01"}
        ]));

        // Exactly 0.5% of 200,000,000.00 is within the Schools Forum's approval. It is 1.25% of the allocation
        // after recoupment, 0.5% of which (400,000.00) the rule no longer uses.
        let first = expect(post_transfer(api, "2021-22", &out_of_schools("1000000.00", Some(&approved), None)), 201);
        let first_id = first["id"].as_str().unwrap().to_owned();
        assert!(!first_id.is_empty());
        let created_at = first["created_at"].as_str().unwrap().to_owned();
        assert!(OffsetDateTime::parse(&created_at, &Rfc3339).is_ok());
        assert_eq!(first, json!({"id": first_id, "year": "2021/22", "from_block": "schools", "to_block": "high_needs",
            "amount": "1000000.00", "approved_by": "schools_forum", "reference": "Schools Forum 14 January 2021, item 6",
            "forum": {"decision_id": forum, "outcome": "approved"}, "secretary_of_state": null,
            "allocation_before_recoupment": "200000000.00", "created_at": created_at}));
        // One penny more in the year needs the Secretary of State, whatever the Forum approved; nothing is recorded.
        let problem = post_transfer(api, "2021-22", &out_of_schools("0.01", Some(&approved), None))
            .assert_field_error(422, "validation", "secretary_of_state");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        for figure in ["1000000.01", "1000000.00", "200000000.00", "Secretary of State"] {
            assert!(message.contains(figure), "{figure} in {problem}");
        }
        assert_eq!(get_ok(api, "/api/v1/dsg/2021-22/transfers"), json!([first]));
        assert_eq!(get_ok(api, "/api/v1/dsg/2021-22")["blocks"][0]["transfers_out"], "1000000.00");
        // With the Secretary of State's recorded decision it is recorded, approved by them under its reference.
        let second = expect(post_transfer(api, "2021-22", &out_of_schools("0.01", Some(&approved), Some(secretary_of_state))), 201);
        assert_eq!(second, json!({"id": second["id"], "year": "2021/22", "from_block": "schools", "to_block": "high_needs",
            "amount": "0.01", "approved_by": "secretary_of_state", "reference": "DfE letter 2021/0042",
            "forum": {"decision_id": forum, "outcome": "approved"}, "secretary_of_state": {"decision_id": secretary_of_state},
            "allocation_before_recoupment": "200000000.00", "created_at": second["created_at"]}));
        assert_ne!(second["id"], first["id"]);

        // Other refusals, each naming its field.
        post_transfer(api, "2021-22", &transfer("high_needs", "high_needs", "5.00", "schools_forum", "SF"))
            .assert_field_error(422, "validation", "to_block");
        post_transfer(api, "2021-22", &transfer("early_years", "high_needs", "0.00", "schools_forum", "SF"))
            .assert_field_error(422, "validation", "amount");
        post_transfer(api, "2021-22", &transfer("early_years", "high_needs", "-5.00", "schools_forum", "SF"))
            .assert_field_error(422, "validation", "amount");
        post_transfer(api, "2021-22", &transfer("early_years", "high_needs", "5.00", "schools_forum", ""))
            .assert_field_error(422, "validation", "reference");
        post_transfer(api, "2021-22", &transfer("early_years", "high_needs", "5.001", "schools_forum", "SF"))
            .assert_field_error(422, "validation", "amount");
        post_transfer(api, "2021-22", &transfer("early_years", "pupil_premium", "5.00", "schools_forum", "SF"))
            .assert_field_error(422, "validation", "to_block");
        post_transfer(api, "2021-22", &transfer("early_years", "high_needs", "5.00", "cabinet", "SF"))
            .assert_field_error(422, "validation", "approved_by");
        post_transfer(api, "21-22", &transfer("early_years", "high_needs", "5.00", "schools_forum", "SF"))
            .assert_field_error(400, "invalid-parameter", "year");
        // The rule is about the Schools block only.
        let elsewhere = expect(post_transfer(api, "2022-23", &transfer("early_years", "high_needs", "250000.00", "schools_forum",
            "Schools Forum 13 January 2022, item 4")), 201);
        assert_eq!(get_ok(api, "/api/v1/dsg/2021-22/transfers"), json!([first, second]));
        assert_eq!(get_ok(api, "/api/v1/dsg/2022-23/transfers"), json!([elsewhere]));

        // Funding after transfers, and the movement check on it: both now agree.
        let after = get_ok(api, "/api/v1/dsg/2021-22");
        let schools = &after["blocks"][0];
        assert_eq!(schools["block"], "schools");
        assert_eq!((&schools["allocation"], &schools["transfers_in"], &schools["transfers_out"], &schools["funding"]),
            (&json!("80000000.00"), &json!("0.00"), &json!("1000000.01"), &json!("78999999.99")));
        assert_eq!(schools["allocation_before_recoupment"], "200000000.00");
        let high_needs = &after["blocks"][3];
        assert_eq!(high_needs["block"], "high_needs");
        assert_eq!((&high_needs["allocation"], &high_needs["transfers_in"], &high_needs["transfers_out"], &high_needs["funding"]),
            (&json!("45000000.00"), &json!("1000000.01"), &json!("0.00"), &json!("46000000.01")));
        let early_years = &after["blocks"][2];
        assert_eq!((&early_years["allocation"], &early_years["transfers_in"], &early_years["transfers_out"], &early_years["funding"]),
            (&Value::Null, &json!("0.00"), &json!("0.00"), &Value::Null));
        assert_eq!(after["checks"], json!([]), "the movements agree with the funding after transfers");
        // Transfers move funding, not balances.
        assert_eq!(after["total"], before["total"]);
        // 2022/23: transfers recorded without figures.
        assert_eq!(get_ok(api, "/api/v1/dsg/2022-23")["blocks"], json!([]));
    }

    fn the_deficit_management_plan_against_what_happened(api: &TestApi) {
        api.with_demo();
        // Recorded actuals: 2020/21 from the demo; 2021/22 both blocks; 2022/23 high needs only.
        put_balance(api, "2021-22", "high_needs", &json!({"opening_balance": "24222000.00", "movement": "4321987.65"}));
        put_balance(api, "2021-22", "early_years", &json!({"opening_balance": "-2960000.00", "movement": "-456789.01"}));
        put_balance(api, "2021-22", "schools", &json!({"opening_balance": "-1423000.00", "movement": "99999.99"}));
        put_balance(api, "2022-23", "high_needs", &json!({"opening_balance": "28543987.65", "movement": "2222222.22"}));

        let created = api.put(PLAN, &recovery_plan());
        assert_eq!(created.status, 201, "{}", created.body);
        let plan = created.json();
        let updated_at = plan["updated_at"].as_str().unwrap().to_owned();
        assert!(OffsetDateTime::parse(&updated_at, &Rfc3339).is_ok());
        let expected_plan = json!({
            "name": "recovery-2021", "agreed_by": "Cabinet", "agreed_on": "2021-07-19", "submitted_on": "2021-07-30",
            "balanced_in": "2024/25",
            "movements": [
                {"year": "2020/21", "block": "early_years", "movement": "-2000000.00"},
                {"year": "2020/21", "block": "high_needs", "movement": "5500000.00"},
                {"year": "2021/22", "block": "early_years", "movement": "-500000.17"},
                {"year": "2021/22", "block": "high_needs", "movement": "4000000.33"},
                {"year": "2022/23", "block": "early_years", "movement": "-250000.00"},
                {"year": "2022/23", "block": "high_needs", "movement": "2500000.01"},
                {"year": "2023/24", "block": "early_years", "movement": "0.00"},
                {"year": "2023/24", "block": "high_needs", "movement": "1000000.99"},
                {"year": "2024/25", "block": "early_years", "movement": "0.00"},
                {"year": "2024/25", "block": "high_needs", "movement": "0.00"}
            ],
            "updated_at": updated_at, "version": 1
        });
        assert_eq!(plan, expected_plan);
        assert_eq!(get_ok(api, PLAN), expected_plan);
        // The same plan again changes nothing.
        let again = api.put(PLAN, &recovery_plan());
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.json(), expected_plan);

        let variance = get_ok(api, VARIANCE);
        let ey = Some("early_years");
        let hn = Some("high_needs");
        assert_eq!(variance, json!({"plan": "recovery-2021", "years": [
            {"year": "2020/21", "blocks": [
                variance_row(ey, "-2000000.00", Some("-1972000.00"), Some("28000.00"), "28000.00"),
                variance_row(hn, "5500000.00", Some("5744000.00"), Some("244000.00"), "244000.00")
            ], "total": variance_row(None, "3500000.00", Some("3772000.00"), Some("272000.00"), "272000.00")},
            {"year": "2021/22", "blocks": [
                variance_row(ey, "-500000.17", Some("-456789.01"), Some("43211.16"), "71211.16"),
                variance_row(hn, "4000000.33", Some("4321987.65"), Some("321987.32"), "565987.32")
            ], "total": variance_row(None, "3500000.16", Some("3865198.64"), Some("365198.48"), "637198.48")},
            {"year": "2022/23", "blocks": [
                variance_row(ey, "-250000.00", None, None, "71211.16"),
                variance_row(hn, "2500000.01", Some("2222222.22"), Some("-277777.79"), "288209.53")
            ], "total": variance_row(None, "2250000.01", None, None, "359420.69")},
            {"year": "2023/24", "blocks": [
                variance_row(ey, "0.00", None, None, "71211.16"),
                variance_row(hn, "1000000.99", None, None, "288209.53")
            ], "total": variance_row(None, "1000000.99", None, None, "359420.69")},
            {"year": "2024/25", "blocks": [
                variance_row(ey, "0.00", None, None, "71211.16"),
                variance_row(hn, "0.00", None, None, "288209.53")
            ], "total": variance_row(None, "0.00", None, None, "359420.69")}
        ]}));

        // Refusals, each naming its field; the plan stays as it was.
        let mut duplicate = recovery_plan();
        duplicate["movements"].as_array_mut().unwrap().push(json!({"year": "2022/23", "block": "high_needs", "movement": "1.00"}));
        api.put(PLAN, &duplicate).assert_field_error(422, "validation", "movements[10]");
        let mut early = recovery_plan();
        early["balanced_in"] = json!("2019/20");
        api.put(PLAN, &early).assert_field_error(422, "validation", "balanced_in");
        let mut submitted_early = recovery_plan();
        submitted_early["submitted_on"] = json!("2021-07-18");
        api.put(PLAN, &submitted_early).assert_field_error(422, "validation", "submitted_on");
        let mut no_movements = recovery_plan();
        no_movements["movements"] = json!([]);
        api.put(PLAN, &no_movements).assert_field_error(422, "validation", "movements");
        let mut pence = recovery_plan();
        pence["movements"][3]["movement"] = json!("2500000.015");
        api.put(PLAN, &pence).assert_field_error(422, "validation", "movements[3].movement");
        api.put("/api/v1/dsg/plans/recovery!2021", &recovery_plan()).assert_field_error(422, "validation", "name");
        assert_eq!(get_ok(api, PLAN), expected_plan);
        api.get("/api/v1/dsg/plans/recovery-2022").assert_problem(404, "not-found");
        api.get("/api/v1/dsg/plans/recovery-2022/variance").assert_problem(404, "not-found");
    }

    fn each_dsg_write_is_on_the_record_with_its_key(api: &TestApi) {
        api.with_cfe();
        let reader = api.as_key(&api.create_key("dsg-reader", "reader", &[]));
        let cfe_editor = api.as_key(&api.create_key("cfe-editor", "editor", &["CFE"]));
        let editor = api.as_key(&api.create_key("council-finance", "editor", &[]));
        let forum = decision(api, "schools_forum", "Schools Forum 14 January 2021, item 6");
        let start = feed_end(api);
        let path = "/api/v1/dsg/2021-22/high_needs";
        let figures = json!({"opening_balance": "24222000.00", "movement": "3000000.00"});
        // Failed writes add nothing.
        reader.put(path, &figures).assert_problem(403, "forbidden");
        cfe_editor.put(path, &figures).assert_problem(403, "forbidden");
        editor.put(path, &json!({"opening_balance": "24222000.00", "movement": "3000000.00", "funding": "-1.00"}))
            .assert_field_error(422, "validation", "funding");
        editor.put("/api/v1/dsg/2021-22/high_need", &figures).assert_field_error(400, "invalid-parameter", "block");
        editor.send_with("PUT", path, &[("If-Match", "\"1\"")], Some(&figures)).assert_problem(412, "precondition-failed");
        let (none, _) = event_rows_after(api, &start);
        assert!(none.is_empty(), "failed writes are not on the record: {none:?}");

        assert_eq!(editor.put(path, &figures).status, 201);
        assert_eq!(editor.put(path, &figures).status, 200, "the same figures again");
        editor.send_with("PUT", path, &[("If-Match", "\"7\"")], Some(&figures)).assert_problem(412, "precondition-failed");
        let revised = json!({"opening_balance": "24222000.00", "movement": "2999999.99"});
        assert_eq!(editor.put(path, &revised).status, 200);
        assert_eq!(api.put("/api/v1/dsg/2021-22/schools", &json!({"opening_balance": "-1423000.00", "movement": "0.00",
            "funding": "80000000.00", "allocation_before_recoupment": "200000000.00"})).status, 201);
        let approved = json!({"decision_id": forum, "outcome": "approved"});
        let transfer = out_of_schools("1000000.00", Some(&approved), None);
        let too_much = out_of_schools("1000000.01", Some(&approved), None);
        post_transfer(&editor, "2021-22", &too_much).assert_field_error(422, "validation", "secretary_of_state");
        post_transfer(&reader, "2021-22", &transfer).assert_problem(403, "forbidden");
        let recorded = expect(post_transfer(&editor, "2021-22", &transfer), 201);
        reader.put(PLAN, &recovery_plan()).assert_problem(403, "forbidden");
        let mut bad_plan = recovery_plan();
        bad_plan["submitted_on"] = json!("2021-01-01");
        editor.put(PLAN, &bad_plan).assert_field_error(422, "validation", "submitted_on");
        assert_eq!(editor.put(PLAN, &recovery_plan()).status, 201);
        assert_eq!(editor.put(PLAN, &recovery_plan()).status, 200, "the same plan again");

        let transfer_ref = format!("2021/22 transfer {}", recorded["id"].as_str().unwrap());
        let (summary, events) = event_rows_after(api, &start);
        assert_eq!(summary, [
            event("council-finance", "dsg_balance", "2021/22 high_needs", "created"),
            event("council-finance", "dsg_balance", "2021/22 high_needs", "updated"),
            event("test-admin", "dsg_balance", "2021/22 schools", "created"),
            event("council-finance", "dsg_transfer", &transfer_ref, "created"),
            event("council-finance", "dsg_plan", "recovery-2021", "created"),
        ]);
        assert_eq!(events[0]["before"], Value::Null);
        assert_eq!((&events[0]["after"]["movement"], &events[0]["after"]["opening"]), (&json!("3000000.00"), &json!("24222000.00")));
        assert_eq!((&events[1]["before"]["movement"], &events[1]["after"]["movement"]), (&json!("3000000.00"), &json!("2999999.99")));
        assert_eq!(events[2]["after"]["allocation_before_recoupment"], "200000000.00");
        assert_eq!(events[2]["after"]["snapshot_version"], 2);
        // The transfer as the API answered it, in its second stored shape.
        let mut stored_transfer = events[3]["after"].clone();
        let version = stored_transfer.as_object_mut().unwrap().remove("snapshot_version");
        assert_eq!((version, stored_transfer), (Some(json!(2)), recorded));
        assert_eq!(events[4]["after"], get_ok(api, PLAN), "the plan as the API answers it");
    }

    fn dsg_tables_and_the_variance_as_they_stood(api: &TestApi) {
        api.with_demo();
        let before_anything = "2020-01-01T00:00:00Z";
        record_2021_22(api);
        let forum = json!({"decision_id": decision(api, "schools_forum", "Schools Forum 14 January 2021, item 6"),
            "outcome": "approved"});
        let secretary_of_state = decision(api, "secretary_of_state", "DfE letter 2021/0042");
        expect(post_transfer(api, "2021-22", &out_of_schools("400000.00", Some(&forum), None)), 201);
        assert_eq!(api.put(PLAN, &recovery_plan()).status, 201);
        let then = now();
        let reads = [
            "/api/v1/dsg/2021-22",
            "/api/v1/dsg/2022-23",
            "/api/v1/dsg?from=2020/21&to=2022/23",
            "/api/v1/dsg",
            PLAN,
            VARIANCE,
        ];
        let answered: Vec<Value> = reads.iter().map(|path| get_ok(api, path)).collect();
        assert_eq!(answered[0]["checks"], json!([]), "2021/22 agrees at first");
        assert_eq!(answered[0]["blocks"][3]["funding"], Value::Null);
        assert_eq!(answered[0]["blocks"][3]["transfers_in"], "400000.00");

        // Change the figures, add a transfer and a year, revise the plan.
        put_balance(api, "2021-22", "high_needs", &json!({"opening_balance": "24222000.00", "movement": "4500000.00",
            "closing_balance": "28543987.65"}));
        put_balance(api, "2022-23", "high_needs", &json!({"opening_balance": "28543987.65", "movement": "1111111.11"}));
        expect(post_transfer(api, "2021-22", &out_of_schools("600000.01", Some(&forum), Some(secretary_of_state))), 201);
        let mut revised_plan = recovery_plan();
        revised_plan["movements"][2]["movement"] = json!("4100000.00");
        assert_eq!(api.put(PLAN, &revised_plan).status, 200);
        let live: Vec<Value> = reads.iter().map(|path| get_ok(api, path)).collect();
        for (path, (earlier, current)) in reads.iter().zip(answered.iter().zip(&live)) {
            assert_ne!(earlier, current, "{path} changed");
        }
        assert_eq!(live[0]["blocks"][0]["transfers_out"], "1000000.01");
        assert_eq!(checks_of(&live[0]["checks"]), json!([
            {"check": "movement_mismatch", "year": "2021/22", "block": "schools",
                "expected": "1100000.02", "movement": "500000.01", "difference": "-600000.01"},
            {"check": "closing_mismatch", "year": "2021/22", "block": "high_needs",
                "expected": "28722000.00", "reported": "28543987.65", "difference": "-178012.35"}
        ]));

        for (path, earlier) in reads.iter().zip(&answered) {
            let reply = api.get(&with_as_at(path, &then));
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
            assert_eq!(&reply.json(), earlier, "{path} as at {then}");
        }
        // As at now, the live answers.
        let at = now();
        for (path, current) in reads.iter().zip(&live) {
            assert_eq!(&get_ok(api, &with_as_at(path, &at)), current, "{path} as at now");
        }
        // Before anything was recorded there was nothing.
        let nothing = get_ok(api, &with_as_at("/api/v1/dsg/2020-21", before_anything));
        assert_eq!(nothing["blocks"], json!([]));
        assert_eq!(checks_of(&nothing["checks"]), json!([
            block_missing("2020/21", "schools"), block_missing("2020/21", "central_school_services"),
            block_missing("2020/21", "early_years"), block_missing("2020/21", "high_needs")
        ]));
        api.get(&with_as_at(PLAN, before_anything)).assert_problem(404, "not-found");
        api.get(&with_as_at(VARIANCE, before_anything)).assert_problem(404, "not-found");
        api.get(&with_as_at("/api/v1/dsg", before_anything)).assert_problem(404, "not-found");
    }

    fn a_refused_forum_needs_the_secretary_of_state_and_the_limit_counts_the_years_transfers(api: &TestApi) {
        let refused = json!({"decision_id": decision(api, "schools_forum", "Schools Forum 13 January 2022, item 5"),
            "outcome": "refused"});
        let approved = json!({"decision_id": decision(api, "schools_forum", "Schools Forum 10 March 2022, item 2"),
            "outcome": "approved"});
        let secretary_of_state = decision(api, "secretary_of_state", "DfE disapplication 2022/0107");
        // 0.5% of 123,456,789.99 is 617,283.94995: the year's transfers out may total 617,283.94, not a penny more.
        put_balance(api, "2022-23", "schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "funding": "60000000.00", "allocation_before_recoupment": "123456789.99"}));
        // The Forum refused: well within 0.5%, it still needs the Secretary of State.
        let problem = post_transfer(api, "2022-23", &out_of_schools("100000.00", Some(&refused), None))
            .assert_field_error(422, "validation", "secretary_of_state");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("refused") && message.contains(&refused["decision_id"].to_string()), "{problem}");
        let overruled = expect(post_transfer(api, "2022-23", &out_of_schools("100000.00", Some(&refused), Some(secretary_of_state))), 201);
        assert_eq!((&overruled["approved_by"], &overruled["reference"], &overruled["forum"], &overruled["secretary_of_state"],
            &overruled["allocation_before_recoupment"]),
            (&json!("secretary_of_state"), &json!("DfE disapplication 2022/0107"), &refused,
            &json!({"decision_id": secretary_of_state}), &json!("123456789.99")));
        // The Forum's approval covers the rest of 0.5%, counting every transfer out of the block that year.
        let second = expect(post_transfer(api, "2022-23", &out_of_schools("400000.00", Some(&approved), None)), 201);
        assert_eq!((&second["approved_by"], &second["reference"]), (&json!("schools_forum"), &json!("Schools Forum 10 March 2022, item 2")));
        let problem = post_transfer(api, "2022-23", &out_of_schools("117283.95", Some(&approved), None))
            .assert_field_error(422, "validation", "secretary_of_state");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("617283.95") && message.contains("617283.94"), "{problem}");
        // Another year's transfers and transfers into the block do not count.
        expect(post_transfer(api, "2022-23", &json!({"from_block": "high_needs", "to_block": "schools", "amount": "50000.00",
            "approved_by": "schools_forum", "reference": "Schools Forum 10 March 2022, item 3"})), 201);
        put_balance(api, "2023-24", "schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "allocation_before_recoupment": "100000000.00"}));
        expect(post_transfer(api, "2023-24", &out_of_schools("500000.00", Some(&approved), None)), 201);
        let third = expect(post_transfer(api, "2022-23", &out_of_schools("117283.94", Some(&approved), None)), 201);
        assert_eq!(third["allocation_before_recoupment"], "123456789.99");
        let schools = &get_ok(api, "/api/v1/dsg/2022-23")["blocks"][0];
        assert_eq!((&schools["transfers_out"], &schools["transfers_in"], &schools["funding"]),
            (&json!("617283.94"), &json!("50000.00"), &json!("59432716.06")));
        post_transfer(api, "2022-23", &out_of_schools("0.01", Some(&approved), None))
            .assert_field_error(422, "validation", "secretary_of_state");
        // A changed base applies to transfers after it; those recorded keep the base they were checked against.
        put_balance(api, "2022-23", "schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "funding": "60000000.00", "allocation_before_recoupment": "123456791.99"}));
        let fourth = expect(post_transfer(api, "2022-23", &out_of_schools("0.01", Some(&approved), None)), 201);
        assert_eq!(fourth["allocation_before_recoupment"], "123456791.99");
        let recorded = get_ok(api, "/api/v1/dsg/2022-23/transfers");
        let bases: Vec<&Value> = recorded.as_array().unwrap().iter().map(|t| &t["allocation_before_recoupment"]).collect();
        assert_eq!(bases, [&json!("123456789.99"), &json!("123456789.99"), &Value::Null, &json!("123456789.99"), &json!("123456791.99")]);
    }

    fn a_transfer_out_of_the_schools_block_names_recorded_decisions_of_the_right_bodies(api: &TestApi) {
        let forum = decision(api, "schools_forum", "Schools Forum 14 January 2021, item 6");
        let cabinet = decision(api, "cabinet", "Cabinet 18 January 2021, minute 4");
        let secretary_of_state = decision(api, "secretary_of_state", "DfE letter 2021/0042");
        let named = expect(api.post("/api/v1/decisions", &json!({"body": "other", "body_name": "Secretary of State",
            "decided_on": "2021-01-14", "reference": "DfE letter 2021/0043", "summary": "Not the body the rule reads"})), 201);
        let approved = |id: i64| json!({"decision_id": id, "outcome": "approved"});
        put_balance(api, "2021-22", "schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "allocation_before_recoupment": "200000000.00"}));

        // No decision named at all: the Forum's, or the Secretary of State's.
        let problem = post_transfer(api, "2021-22", &out_of_schools("1000.00", None, None))
            .assert_field_error(422, "validation", "forum");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("secretary_of_state"), "{problem}");
        // No such decision.
        let problem = post_transfer(api, "2021-22", &out_of_schools("1000.00", Some(&approved(999_999)), None))
            .assert_field_error(422, "validation", "forum.decision_id");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("there is no decision 999999"), "{problem}");
        post_transfer(api, "2021-22", &out_of_schools("1000.00", None, Some(999_999)))
            .assert_field_error(422, "validation", "secretary_of_state.decision_id");
        // Decisions of the wrong body, an `other` named as the Secretary of State included.
        let problem = post_transfer(api, "2021-22", &out_of_schools("1000.00", Some(&approved(cabinet)), None))
            .assert_field_error(422, "validation", "forum.decision_id");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("cabinet"), "{problem}");
        post_transfer(api, "2021-22", &out_of_schools("1000.00", Some(&approved(secretary_of_state)), None))
            .assert_field_error(422, "validation", "forum.decision_id");
        post_transfer(api, "2021-22", &out_of_schools("1000.00", Some(&approved(forum)), Some(forum)))
            .assert_field_error(422, "validation", "secretary_of_state.decision_id");
        post_transfer(api, "2021-22", &out_of_schools("1000.00", None, Some(named["id"].as_i64().unwrap())))
            .assert_field_error(422, "validation", "secretary_of_state.decision_id");
        // The old shape, a free-text approver and reference, is refused out of the Schools block, saying why.
        let old = json!({"from_block": "schools", "to_block": "high_needs", "amount": "1000.00",
            "approved_by": "schools_forum", "reference": "Schools Forum 14 January 2021, item 6"});
        let problem = post_transfer(api, "2021-22", &old).assert_field_error(422, "validation", "approved_by");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("decision_id"), "{problem}");
        post_transfer(api, "2021-22", &old).assert_field_error(422, "validation", "reference");
        // Between other blocks: an approver and a reference, as before, and no decisions.
        let mut between = json!({"from_block": "early_years", "to_block": "high_needs", "amount": "1000.00",
            "forum": approved(forum)});
        post_transfer(api, "2021-22", &between).assert_field_error(422, "validation", "forum");
        post_transfer(api, "2021-22", &between).assert_field_error(422, "validation", "approved_by");
        post_transfer(api, "2021-22", &between).assert_field_error(422, "validation", "reference");
        between.as_object_mut().unwrap().remove("forum");
        between["secretary_of_state"] = json!({"decision_id": secretary_of_state});
        between["approved_by"] = json!("secretary_of_state");
        between["reference"] = json!("DfE letter 2021/0042");
        post_transfer(api, "2021-22", &between).assert_field_error(422, "validation", "secretary_of_state");
        assert_eq!(get_ok(api, "/api/v1/dsg/2021-22/transfers"), json!([]), "nothing recorded");

        // The base is the Schools block's alone, and an allocation.
        let figures = json!({"opening_balance": "0.00", "movement": "0.00", "allocation_before_recoupment": "1000.00"});
        api.put("/api/v1/dsg/2021-22/high_needs", &figures)
            .assert_field_error(422, "validation", "allocation_before_recoupment");
        api.put("/api/v1/dsg/2021-22/schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "allocation_before_recoupment": "-0.01"})).assert_field_error(422, "validation", "allocation_before_recoupment");
        api.put("/api/v1/dsg/2021-22/schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "allocation_before_recoupment": "1.001"})).assert_field_error(422, "validation", "allocation_before_recoupment");
        let blocks = get_ok(api, "/api/v1/dsg/2021-22")["blocks"].clone();
        assert_eq!(blocks.as_array().unwrap().len(), 1, "{blocks}");
        assert_eq!(blocks[0]["allocation_before_recoupment"], "200000000.00");
        // A decision of the new body is recorded and read as any other.
        assert_eq!(get_ok(api, &format!("/api/v1/decisions/{secretary_of_state}"))["body"], "secretary_of_state");
    }

    fn a_database_with_transfers_and_decisions_upgrades_and_keeps_them(api: &TestApi) {
        api.with_cfe();
        let forum = decision(api, "schools_forum", "Schools Forum 14 January 2021, item 6");
        let secretary_of_state = decision(api, "secretary_of_state", "DfE letter 2021/0042");
        // Decisions other tables refer to: the decisions table is rebuilt under them on SQLite.
        expect(api.post("/api/v1/baselines", &json!({"name": "Budget Council, February 2021", "decision_id": forum})), 201);
        put_balance(api, "2021-22", "schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "allocation_before_recoupment": "200000000.00"}));
        let approved = json!({"decision_id": forum, "outcome": "approved"});
        expect(post_transfer(api, "2021-22", &out_of_schools("1000000.01", Some(&approved), Some(secretary_of_state))), 201);
        expect(post_transfer(api, "2021-22", &json!({"from_block": "early_years", "to_block": "high_needs", "amount": "5.00",
            "approved_by": "schools_forum", "reference": "Schools Forum 14 January 2021, item 7"})), 201);
        // Taken back to before transfers named decisions, then upgraded as such a database would be: the
        // transfers recorded then read as they were, with no decisions and no base; the Secretary of State's
        // decision, which that release could only name as `other`, stays so.
        common::migrations::upgrade_through(api, &[("20261208000001", "delivery plans came last"), ("20261207000003", "return receipts"), ("20261207000002", "year-end outturn"), ("20261207000001", "the shortfall's nature"), ("20261203000007", "plan proposals"), ("20261203000006", "DSG transfers by decision")]);
        let transfers = get_ok(api, "/api/v1/dsg/2021-22/transfers");
        let kept: Vec<(&Value, &Value, &Value, &Value, &Value, &Value)> = transfers.as_array().unwrap().iter()
            .map(|t| (&t["amount"], &t["approved_by"], &t["reference"], &t["forum"], &t["secretary_of_state"],
                &t["allocation_before_recoupment"]))
            .collect();
        assert_eq!(kept, [
            (&json!("1000000.01"), &json!("secretary_of_state"), &json!("DfE letter 2021/0042"), &Value::Null, &Value::Null, &Value::Null),
            (&json!("5.00"), &json!("schools_forum"), &json!("Schools Forum 14 January 2021, item 7"), &Value::Null, &Value::Null, &Value::Null),
        ]);
        let sos = get_ok(api, &format!("/api/v1/decisions/{secretary_of_state}"));
        assert_eq!((&sos["body"], &sos["body_name"]), (&json!("other"), &json!("Secretary of State")));
        assert_eq!(get_ok(api, "/api/v1/baselines")[0]["decision"]["id"], forum);
        // After the upgrade the rule holds again: the base is to be recorded first.
        post_transfer(api, "2021-22", &out_of_schools("1.00", Some(&approved), None))
            .assert_field_error(422, "validation", "from_block");
        put_balance(api, "2021-22", "schools", &json!({"opening_balance": "0.00", "movement": "0.00",
            "allocation_before_recoupment": "300000000.00"}));
        let sos = decision(api, "secretary_of_state", "DfE letter 2021/0050");
        expect(post_transfer(api, "2021-22", &out_of_schools("500000.00", Some(&approved), Some(sos))), 201);
    }
}
