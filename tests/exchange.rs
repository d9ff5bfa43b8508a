//! Reports as council tables print them: whole £000s, rounded half away from zero, totals rounded from the
//! exact figures, and a note wherever the rounded rows do not add up.

mod common;

use serde_json::{json, Value};

fn rows_of(report: &Value, key: &str) -> Vec<Value> {
    report[key].as_array().unwrap().clone()
}

on_both_backends! {
    fn the_summary_in_thousands_is_the_councils_table(api: &TestApi) {
        api.with_demo();
        let report = api.get("/api/v1/reports/summary?directorate=CFE&unit=thousands").json();
        assert_eq!(report["unit"], "thousands");
        assert_eq!(report["total"], json!([
            {"year": "2021/22", "savings": "9433", "growth": "20433", "net": "11000", "period": "P3", "forecast": "8116", "at_risk": "1317"},
            {"year": "2022/23", "savings": "4694", "growth": "85", "net": "-4609"},
            {"year": "2023/24", "savings": "2296", "growth": "77", "net": "-2219"}
        ]));
        assert!(report.get("rounding_differences").is_none(), "whole £000s add up: {report}");
        assert_eq!(api.get("/api/v1/reports/summary?directorate=CFE").json()["unit"], "pounds");
        api.get("/api/v1/reports/summary?unit=millions").assert_field_error(400, "invalid-parameter", "unit");
    }

    fn rounding_says_where_rows_do_not_add_up(api: &TestApi) {
        api.with_demo();
        for code in ["ASC", "HR"] {
            assert_eq!(api.post("/api/v1/directorates", &json!({"code": code, "name": code})).status, 201);
            // £1,400.00 each: 1 in £000s, but £2,800.00 together is 3.
            let line = json!({"kind": "growth", "directorate": code, "title": "Small growth", "owner": "BP",
                "years": [{"year": "2024/25", "amount": "1400.00"}, {"year": "2025/26", "amount": "1500.00"}]});
            assert_eq!(api.post("/api/v1/lines", &line).status, 201);
        }
        let report = api.get("/api/v1/reports/summary?unit=thousands&from=2024/25&to=2025/26").json();
        let asc = &report["directorates"][0]["years"];
        assert_eq!(asc[0], json!({"year": "2024/25", "savings": "0", "growth": "1", "net": "1"}));
        // Half away from zero: £1,500.00 is 2.
        assert_eq!(asc[1], json!({"year": "2025/26", "savings": "0", "growth": "2", "net": "2"}));
        assert_eq!(report["total"][0], json!({"year": "2024/25", "savings": "0", "growth": "3", "net": "3"}));
        assert_eq!(report["rounding_differences"], json!([
            {"figure": "2024/25 growth", "rows_add_up_to": "2", "total": "3"},
            {"figure": "2024/25 net", "rows_add_up_to": "2", "total": "3"},
            {"figure": "2025/26 growth", "rows_add_up_to": "4", "total": "3"},
            {"figure": "2025/26 net", "rows_add_up_to": "4", "total": "3"}
        ]));
        // In pounds the same report is exact.
        let exact = api.get("/api/v1/reports/summary?from=2024/25&to=2025/26").json();
        assert_eq!(exact["total"][1]["growth"], "3000.00");
        assert!(exact.get("rounding_differences").is_none());
    }

    fn the_at_risk_and_dsg_tables_in_thousands(api: &TestApi) {
        api.with_demo();
        let at_risk = api.get("/api/v1/reports/at-risk?year=2021/22&period=P3&unit=thousands").json();
        let figures: Vec<(Value, Value)> = rows_of(&at_risk, "rows").iter().map(|r| (r["ref"].clone(), r["at_risk"].clone())).collect();
        assert_eq!(figures, [(json!("CFE SAV07"), json!("1065")), (json!("CFE SAV09"), json!("237")), (json!("CFE SAV10"), json!("15"))]);
        assert_eq!(at_risk["total"]["at_risk"], "1317");
        assert_eq!(at_risk["unit"], "thousands");

        let dsg = api.get("/api/v1/dsg/2020-21?unit=thousands").json();
        assert_eq!(dsg["total"]["opening_balance"], json!({"amount": "14558", "position": "deficit"}));
        assert_eq!(dsg["total"]["movement"], json!({"amount": "5281", "position": "deficit"}));
        assert_eq!(dsg["total"]["closing_balance"], json!({"amount": "19839", "position": "deficit"}));
        assert_eq!(dsg["blocks"][0]["closing_balance"], json!({"amount": "-1423", "position": "surplus"}));
        let range = api.get("/api/v1/dsg?from=2020/21&to=2020/21&unit=thousands").json();
        assert_eq!(range["years"][0]["total"], dsg["total"]);
    }

    fn the_cumulative_view_keeps_ongoing_amounts_and_drops_one_offs(api: &TestApi) {
        api.with_demo();
        let page = api.get("/api/v1/lines?view=cumulative&q=CFE%20GRO04").json();
        assert_eq!(page["view"], "cumulative");
        // The SEND investment is one-off: £866k in 2021/22, out of the base budget the year after.
        assert_eq!(page["lines"][0]["years"], json!([
            {"year": "2021/22", "amount": "866000.00"}, {"year": "2022/23", "amount": "0.00"}, {"year": "2023/24", "amount": "0.00"}
        ]));
        assert_eq!(page["lines"][0]["total"], "866000.00");
        let sav05 = api.get("/api/v1/lines?view=cumulative&q=CFE%20SAV05").json();
        assert_eq!(sav05["lines"][0]["years"], json!([
            {"year": "2021/22", "amount": "794000.00"}, {"year": "2022/23", "amount": "2448000.00"}, {"year": "2023/24", "amount": "3833000.00"}
        ]));

        let summary = api.get("/api/v1/reports/summary?directorate=CFE&view=cumulative").json();
        assert_eq!(summary["view"], "cumulative");
        assert_eq!(summary["total"], json!([
            {"year": "2021/22", "savings": "9433000.00", "growth": "20433000.00", "net": "11000000.00"},
            {"year": "2022/23", "savings": "14127000.00", "growth": "19652000.00", "net": "5525000.00"},
            {"year": "2023/24", "savings": "16423000.00", "growth": "19729000.00", "net": "3306000.00"}
        ]));
        // The list's totals over every line agree with the summary.
        let totals = api.get("/api/v1/lines?view=cumulative&limit=1").json()["totals"].clone();
        assert_eq!(totals, summary["total"]);
        assert_eq!(api.get("/api/v1/reports/summary?directorate=CFE").json()["view"], "incremental");
    }
}
