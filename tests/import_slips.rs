//! The import's unit checks on the sheets as the council printed them (data/plans/cfe-plan-versions.json, copied
//! from the February and July 2021 plans): every slip in the February sheets is warned of, naming its cell and
//! what it looks like, and no real profile is (GRO01's 8,341 / 85 / 77 is merely uneven).

mod common;

use common::TestApi;
use serde_json::Value;

fn plans() -> Value {
    serde_json::from_str(include_str!("../data/plans/cfe-plan-versions.json"))
        .expect("the printed plans")
}

/// One version's lines as a CSV in £000s, the amounts exactly as printed (a blank cell where nothing is).
fn sheet_as_csv(version: &Value) -> String {
    let mut csv = String::from("ref,kind,directorate,title,2021/22,2022/23,2023/24\n");
    for line in version["lines"].as_array().unwrap() {
        let amounts = &line["amounts_as_printed"];
        let cell = |year: &str| format!("\"{}\"", amounts[year].as_str().unwrap_or(""));
        csv.push_str(&format!(
            "{},{},CFE,\"{}\",{},{},{}\n",
            line["ref"].as_str().unwrap(),
            line["kind"].as_str().unwrap(),
            line["title"].as_str().unwrap().replace('"', "\"\""),
            cell("2021/22"),
            cell("2022/23"),
            cell("2023/24")
        ));
    }
    csv
}

/// The warnings of a dry run of that sheet: (ref, column, message).
fn warnings(api: &TestApi, version: &Value) -> Vec<(String, String, String)> {
    let reply = api.send(
        "POST",
        "/api/v1/imports/lines?unit=thousands&dry_run=true",
        "text/csv",
        &sheet_as_csv(version),
    );
    assert_eq!(reply.status, 200, "{}: {}", version["name"], reply.body);
    let report = reply.json();
    let lines = version["lines"].as_array().unwrap();
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let row = w["row"].as_u64().unwrap() as usize;
            (
                lines[row - 1]["ref"].as_str().unwrap().to_owned(),
                w["column"].as_str().unwrap().to_owned(),
                w["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

on_both_backends! {
    fn every_printed_slip_in_the_february_sheets_is_warned_of_and_nothing_else(api: &TestApi) {
        api.with_demo();
        let plans = plans();
        let february = &plans["versions"][0];
        assert_eq!(february["name"], "Delivery Plan, February 2021");
        let found = warnings(api, february);
        let cells: Vec<(&str, &str)> = found.iter().map(|(r, c, _)| (r.as_str(), c.as_str())).collect();
        assert_eq!(cells, [
            ("CFE SAV08", "2021/22"),
            ("CFE SAV12", "2021/22"),
            ("CFE SAV13", "2021/22"),
            ("CFE SAV14", "2021/22"),
            ("CFE GRO08", "2021/22"),
        ], "{found:#?}");
        let said = |line: &str| found.iter().find(|(r, _, _)| r == line).unwrap().2.clone();
        assert_eq!(said("CFE SAV08"), "`£272,000` has a £ sign in a £000s column, and reads as £272000000.00: is it pounds?");
        assert_eq!(said("CFE SAV13"), "`126,000` thousands is £126000000.00: is it pounds typed in a £000s column?");
        assert_eq!(said("CFE GRO08"), "`1.719` reads as £1719.00: was the point meant as a thousands separator?");
    }

    fn the_july_sheets_print_no_slip_and_none_is_warned_of(api: &TestApi) {
        api.with_demo();
        let plans = plans();
        let july = &plans["versions"][1];
        assert_eq!(july["name"], "Children's Continuous Improvement Plan, July 2021");
        assert_eq!(warnings(api, july), Vec::<(String, String, String)>::new());
    }
}
