//! The directorate summary reproduces the council's published MTFS table to the penny.

mod common;

use common::demo_dataset;
use serde_json::{json, Value};

/// The published Table 8 subtotals, signed as printed (savings negative), by label suffix and year.
fn published(label_suffix: &str, year: &str) -> String {
    let dataset = demo_dataset();
    let rows = dataset["published_summary"]["rows"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|row| row["label"].as_str().unwrap().ends_with(label_suffix))
        .unwrap();
    row[year].as_str().unwrap().to_owned()
}

/// Printed savings are negative; the report gives them as magnitudes.
fn magnitude(printed: &str) -> String {
    printed.trim_start_matches('-').to_owned()
}

on_both_backends! {
    fn reproduces_the_published_cfe_summary_to_the_penny(api: &TestApi) {
        api.with_demo();
        let report = api.get("/api/v1/reports/summary?directorate=CFE&from=2021/22&to=2023/24");
        assert_eq!(report.status, 200, "{}", report.body);
        let report = report.json();
        assert_eq!(report["years"], json!(["2021/22", "2022/23", "2023/24"]));
        let cfe = &report["directorates"][0];
        assert_eq!(cfe["directorate"], "CFE");
        assert_eq!(cfe["name"], "Children, Families & Education");
        for (index, year) in ["2021/22", "2022/23", "2023/24"].into_iter().enumerate() {
            let row = &cfe["years"][index];
            assert_eq!(row["year"], year);
            assert_eq!(row["savings"].as_str().unwrap(), magnitude(&published("Efficiencies", year)), "savings {year}");
            assert_eq!(row["growth"].as_str().unwrap(), published("Growth", year), "growth {year}");
            assert_eq!(row["net"].as_str().unwrap(), published("Net", year), "net {year}");
        }
        assert_eq!(report["total"], cfe["years"]);
        // The figures as printed, spelled out, so a wrong dataset copy cannot hide a wrong sum.
        // 2021/22 also shows the savings at risk reported to scrutiny at P3: £1,317k of the £9,433k.
        assert_eq!(cfe["years"][0], json!({"year": "2021/22", "savings": "9433000.00", "growth": "20433000.00", "net": "11000000.00",
            "period": "P3", "assessed": "2312000.00", "forecast": "995000.00", "at_risk": "1317000.00",
            "not_assessed": "7121000.00", "one_off_gap": "0.00", "ongoing_gap": "1317000.00"}));
        assert_eq!(cfe["years"][1]["net"], "-4609000.00");
        assert_eq!(cfe["years"][2]["net"], "-2219000.00");
    }

    fn totals_every_directorate_and_the_council(api: &TestApi) {
        api.with_demo();
        api.with_directorate("ASC", "Adult Social Care");
        api.with_directorate("HR", "Human Resources");
        let line = json!({"kind": "saving", "directorate": "ASC", "title": "Day care review", "owner": "A N Other",
            "years": [{"year": "2021/22", "amount": "100000.01"}, {"year": "2024/25", "amount": "5.00"}]});
        assert_eq!(api.post("/api/v1/lines", &line).status, 201);

        let report = api.get("/api/v1/reports/summary").json();
        assert_eq!(report["years"], json!(["2021/22", "2022/23", "2023/24", "2024/25"]));
        let codes: Vec<&Value> = report["directorates"].as_array().unwrap().iter().map(|d| &d["directorate"]).collect();
        assert_eq!(codes, [&json!("ASC"), &json!("CFE"), &json!("HR")]);
        let asc = &report["directorates"][0]["years"];
        // Not assessed, so not forecast: 100,000.01 is not known.
        assert_eq!(asc[0], json!({"year": "2021/22", "savings": "100000.01", "growth": "0.00", "net": "-100000.01",
            "period": "P3", "assessed": "0.00", "forecast": "0.00", "at_risk": "0.00", "not_assessed": "100000.01",
            "one_off_gap": "0.00", "ongoing_gap": "0.00"}));
        assert_eq!(asc[1], json!({"year": "2022/23", "savings": "0.00", "growth": "0.00", "net": "0.00", "ongoing_gap": "0.00"}));
        assert_eq!(report["directorates"][2]["years"][0]["net"], "0.00");
        assert_eq!(report["total"][0], json!({"year": "2021/22", "savings": "9533000.01", "growth": "20433000.00", "net": "10899999.99",
            "period": "P3", "assessed": "2312000.00", "forecast": "995000.00", "at_risk": "1317000.00",
            "not_assessed": "7221000.01", "one_off_gap": "0.00", "ongoing_gap": "1317000.00"}));
        assert_eq!(report["total"][3], json!({"year": "2024/25", "savings": "5.00", "growth": "0.00", "net": "-5.00", "ongoing_gap": "1317000.00"}));

        let narrowed = api.get("/api/v1/reports/summary?from=2022-23&to=2022-23").json();
        assert_eq!(narrowed["years"], json!(["2022/23"]));
        // 2021/22 is not shown, but its permanent shortfalls still carry into 2022/23.
        assert_eq!(narrowed["total"], json!([{"year": "2022/23", "savings": "4694000.00", "growth": "85000.00", "net": "-4609000.00",
            "ongoing_gap": "1317000.00"}]));

        api.get("/api/v1/reports/summary?directorate=XYZ").assert_problem(404, "not-found");
        api.get("/api/v1/reports/summary?from=2023/24&to=2021/22").assert_field_error(400, "invalid-parameter", "to");
        api.get("/api/v1/reports/summary?from=2021/23").assert_field_error(400, "invalid-parameter", "from");
    }

    fn keeps_at_risk_totals_exact_through_revisions_withdrawals_and_reinstatements(api: &TestApi) {
        // The live summary reads kept at-risk totals; `as_at` now rebuilds them from the audit trail. Both must
        // give the same figures after every kind of change.
        api.with_demo();
        let at_risk = |query: &str| {
            let report = api.get(&format!("/api/v1/reports/summary?directorate=CFE{query}")).json();
            let year = &report["directorates"][0]["years"][0];
            (year["at_risk"].as_str().unwrap_or("none").to_owned(), year["forecast"].clone())
        };
        let agree = |when: &str| {
            let live = at_risk("");
            let now = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
            let rebuilt = at_risk(&format!("&as_at={}", now.format(&time::format_description::well_known::Rfc3339).unwrap()));
            assert_eq!(live, rebuilt, "{when}");
            assert_eq!(at_risk("&include_withdrawn=true&period=P3").0, at_risk("&include_withdrawn=true").0, "{when}");
            live.0
        };
        assert_eq!(agree("as loaded"), "1317000.00");
        // SAV09 revised from 237,000.00 to 137,000.50 at risk.
        let revised = api.put("/api/v1/periods/2021-22/P3/assessments/CFE-SAV09", &json!({"rag": "amber", "at_risk": "137000.50", "reason": "Two centres close in September"}));
        assert_eq!(revised.status, 200, "{}", revised.body);
        assert_eq!(agree("after a revision"), "1217000.50");
        // Withdrawing SAV07 takes its 1,065,000.00 out, unless withdrawn lines are asked for.
        let withdrawn = api.patch("/api/v1/lines/CFE-SAV07", &json!({"status": "withdrawn", "reason": "Replaced"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        assert_eq!(agree("after a withdrawal"), "152000.50");
        assert_eq!(at_risk("&include_withdrawn=true").0, "1217000.50");
        let reinstated = api.patch("/api/v1/lines/CFE-SAV07", &json!({"status": "agreed"}));
        assert_eq!(reinstated.status, 200, "{}", reinstated.body);
        assert_eq!(agree("after reinstatement"), "1217000.50");
    }

    fn leaves_withdrawn_lines_out_unless_asked(api: &TestApi) {
        api.with_demo();
        let withdrawn = api.patch("/api/v1/lines/CFE-GRO04", &json!({"status": "withdrawn", "reason": "SEND investment funded from the DSG instead"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        let without = api.get("/api/v1/reports/summary?directorate=CFE").json();
        assert_eq!(without["include_withdrawn"], false);
        assert_eq!(without["total"][0]["growth"], "19567000.00");
        assert_eq!(without["total"][0]["net"], "10134000.00");
        let with = api.get("/api/v1/reports/summary?directorate=CFE&include_withdrawn=true").json();
        assert_eq!(with["total"][0]["growth"], "20433000.00");
    }

    fn maintained_totals_agree_with_every_amount_after_every_kind_of_write(api: &TestApi) {
        api.with_demo();
        api.with_directorate("ASC", "Adult Social Care");
        let writes = [
            api.post("/api/v1/lines", &json!({"kind": "saving", "directorate": "ASC", "title": "Day care", "owner": "BP",
                "years": [{"year": "2021/22", "amount": "0.00"}, {"year": "2024/25", "amount": "10.01"}]})),
            api.patch("/api/v1/lines/CFE-SAV05", &json!({"years": [{"year": "2021/22", "amount": "1.99"}]})),
            api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "withdrawn", "reason": "Transferred"})),
            api.patch("/api/v1/lines/CFE-GRO04", &json!({"nature": "ongoing"})),
            api.put("/api/v1/lines/CFE-GRO01/years/2025-26", &json!({"amount": "7.00"})),
            api.delete("/api/v1/lines/CFE-SAV02/years/2022-23"),
            api.patch("/api/v1/lines/ASC-SAV01", &json!({"status": "withdrawn", "reason": "Dropped"})),
            api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "agreed"})),
        ];
        for reply in writes {
            assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
        }
        for include in ["false", "true"] {
            for directorate in ["", "&directorate=CFE", "&directorate=ASC"] {
                // The list adds up every amount; the summary reads the maintained totals.
                let scanned = api.get(&format!("/api/v1/lines?limit=1&include_withdrawn={include}{directorate}")).json()["totals"].clone();
                let summary = api.get(&format!("/api/v1/reports/summary?include_withdrawn={include}{directorate}")).json();
                let rows: Vec<Value> = summary["total"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|row| json!({"year": row["year"], "savings": row["savings"], "growth": row["growth"], "net": row["net"]}))
                    .collect();
                // The summary also shows the empty years between the first and the last, as zeros.
                let (shown, gaps): (Vec<Value>, Vec<Value>) =
                    rows.into_iter().partition(|row| scanned.as_array().unwrap().iter().any(|s| s["year"] == row["year"]));
                assert_eq!(json!(shown), scanned, "include_withdrawn={include}{directorate}");
                for gap in gaps {
                    assert_eq!((&gap["savings"], &gap["growth"]), (&json!("0.00"), &json!("0.00")), "{gap}");
                }
            }
        }
        // ASC's only line is withdrawn: its years are gone from the totals, not left at zero.
        assert_eq!(api.get("/api/v1/reports/summary?directorate=ASC").json()["years"], json!([]));
    }
}
