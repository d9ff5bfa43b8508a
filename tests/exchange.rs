//! Reports as council tables print them: whole £000s, rounded half away from zero, totals rounded from the
//! exact figures, and a note wherever the rounded rows do not add up.

mod common;

use common::reads::lines_and_feed;
use serde_json::{json, Value};

const IMPORT_CSV: &str = "ref,kind,directorate,title,owner,status,2021/22,2022/23,2023/24\n\
CFE SAV05,saving,CFE,Reduction in the numbers of children in care,Hannah Doughty,in_delivery,800,1654,1385\n\
,saving,CFE,Home to school transport,Finance BP,proposed,,150.5,\n\
CFE GRO20,growth,CFE,Youth justice,Finance BP,agreed,25,,\n";

fn rows_of(report: &Value, key: &str) -> Vec<Value> {
    report[key].as_array().unwrap().clone()
}

on_both_backends! {
    fn the_summary_in_thousands_is_the_councils_table(api: &TestApi) {
        api.with_demo();
        let report = api.get("/api/v1/reports/summary?directorate=CFE&unit=thousands").json();
        assert_eq!(report["unit"], "thousands");
        assert_eq!(report["total"], json!([
            {"year": "2021/22", "savings": "9433", "growth": "20433", "net": "11000", "period": "P3", "assessed": "2312",
                "forecast": "995", "at_risk": "1317", "not_assessed": "7121", "one_off_gap": "0", "ongoing_gap": "1317"},
            {"year": "2022/23", "savings": "4694", "growth": "85", "net": "-4609", "ongoing_gap": "1317"},
            {"year": "2023/24", "savings": "2296", "growth": "77", "net": "-2219", "ongoing_gap": "1317"}
        ]));
        assert!(report.get("rounding_differences").is_none(), "whole £000s add up: {report}");
        assert_eq!(api.get("/api/v1/reports/summary?directorate=CFE").json()["unit"], "pounds");
        api.get("/api/v1/reports/summary?unit=millions").assert_field_error(400, "invalid-parameter", "unit");
    }

    fn rounding_says_where_rows_do_not_add_up(api: &TestApi) {
        api.with_demo();
        for code in ["ASC", "HR"] {
            api.with_directorate(code, code);
            // £1,400.00 each: 1 in £000s, but £2,800.00 together is 3.
            let line = json!({"kind": "growth", "directorate": code, "title": "Small growth", "owner": "BP",
                "years": [{"year": "2024/25", "amount": "1400.00"}, {"year": "2025/26", "amount": "1500.00"}]});
            assert_eq!(api.post("/api/v1/lines", &line).status, 201);
        }
        let report = api.get("/api/v1/reports/summary?unit=thousands&from=2024/25&to=2025/26").json();
        let asc = &report["directorates"][0]["years"];
        // 2021/22 was assessed: ASC carries no gap from it, the council CFE's three permanent shortfalls.
        assert_eq!(asc[0], json!({"year": "2024/25", "savings": "0", "growth": "1", "net": "1", "ongoing_gap": "0"}));
        // Half away from zero: £1,500.00 is 2.
        assert_eq!(asc[1], json!({"year": "2025/26", "savings": "0", "growth": "2", "net": "2", "ongoing_gap": "0"}));
        assert_eq!(report["total"][0], json!({"year": "2024/25", "savings": "0", "growth": "3", "net": "3", "ongoing_gap": "1317"}));
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

    fn imports_a_dry_run_reports_and_writes_nothing_then_the_import_applies(api: &TestApi) {
        api.with_demo();
        let before = lines_and_feed(api);
        let dry = api.send("POST", "/api/v1/imports/lines?unit=thousands&dry_run=true", "text/csv", IMPORT_CSV);
        assert_eq!(dry.status, 200, "{}", dry.body);
        assert_eq!(dry.json()["applied"], false);
        assert_eq!(lines_and_feed(api), before, "a dry run writes nothing");

        let done = api.send("POST", "/api/v1/imports/lines?unit=thousands", "text/csv", IMPORT_CSV);
        assert_eq!(done.status, 200, "{}", done.body);
        let report = done.json();
        assert_eq!(report["applied"], true);
        assert_eq!(report["created"], json!(["CFE SAV17", "CFE GRO20"]));
        assert_eq!(report["updated"], json!(["CFE SAV05"]));
        let sav05 = api.get("/api/v1/lines/CFE-SAV05").json();
        assert_eq!(sav05["status"], "in_delivery");
        assert_eq!(sav05["years"][0], json!({"year": "2021/22", "amount": "800000.00"}));
        assert_eq!(sav05["version"], 2);
        assert_eq!(api.get("/api/v1/lines/CFE-SAV17").json()["years"], json!([{"year": "2022/23", "amount": "150500.00"}]));
        let history = api.get("/api/v1/lines/CFE-SAV05/history").json();
        assert_eq!(history.as_array().unwrap().len(), 2);
        assert_eq!(history[1]["actor"], "test-admin");
    }

    fn imports_one_bad_row_rejects_the_file_naming_every_problem(api: &TestApi) {
        api.with_demo();
        let before = lines_and_feed(api);
        let csv = "ref,kind,directorate,title,owner,status,2021/22,2022/23\n\
CFE SAV05,saving,CFE,Reduction in the numbers of children in care,Hannah Doughty,agreed,794000,1654000.001\n\
CFE SAV30,saving,XYZ,Unknown directorate,BP,agreed,10,\n\
CFE SAV31,capex,CFE,Bad kind,BP,agreed,10,\n\
CFE GRO30,growth,CFE,Negative growth,BP,agreed,-10,\n\
CFE SAV32,saving,CFE,Fine,BP,agreed,10,\n";
        let reply = api.send("POST", "/api/v1/imports/lines", "text/csv", csv);
        let problem = reply.assert_problem(422, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["row 1: 2022/23", "row 2: directorate", "row 3: kind", "row 4: 2021/22"]);
        assert_eq!(lines_and_feed(api), before, "nothing half-imported");
        let unknown_column = api.send("POST", "/api/v1/imports/lines", "text/csv", "ref,kind,colour\nCFE SAV05,saving,red\n");
        assert_eq!(unknown_column.assert_problem(422, "validation")["errors"][0]["field"], "row 0: colour");
        api.send("POST", "/api/v1/imports/lines", "text/plain", csv).assert_problem(415, "unsupported-media-type");
    }

    fn imports_thousands_of_rows_in_batches_numbering_new_refs_in_file_order(api: &TestApi) {
        api.with_cfe();
        // 2,500 rows: even rows name a saving's ref, odd rows are growth lines left to be numbered.
        let mut csv = String::from("ref,kind,directorate,title,2021/22\n");
        let (mut savings, mut growth) = (0i64, 0i64); // in pence
        for row in 1..=2500i64 {
            let pence = row * 100 + 1;
            let amount = format!("{}.{:02}", pence / 100, pence % 100);
            if row % 2 == 0 {
                csv.push_str(&format!("CFE SAV{:02},saving,CFE,Saving {row},{amount}\n", row / 2));
                savings += pence;
            } else {
                csv.push_str(&format!(",growth,CFE,Growth {row},{amount}\n"));
                growth += pence;
            }
        }
        let done = api.send("POST", "/api/v1/imports/lines", "text/csv", &csv);
        assert_eq!(done.status, 200, "{}", &done.body[..done.body.len().min(500)]);
        let created = done.json()["created"].as_array().unwrap().len();
        assert_eq!(created, 2500);
        // Numbered in file order across batches: row 2,499 is the 1,250th growth line.
        assert_eq!(api.get("/api/v1/lines/CFE-GRO1250").json()["title"], "Growth 2499");
        assert_eq!(api.get("/api/v1/lines/CFE-SAV1250").json()["years"][0]["amount"], "2500.01");
        let money = |pence: i64| format!("{}.{:02}", pence / 100, pence % 100);
        let totals = api.get("/api/v1/lines?directorate=CFE").json()["totals"][0].clone();
        assert_eq!(totals["savings"], money(savings).as_str());
        assert_eq!(totals["growth"], money(growth).as_str());
        assert_eq!(api.get("/api/v1/changes?limit=1000").json()["events"].as_array().map(Vec::len), Some(1000));

        // A file naming one line twice is refused, naming both rows, and writes nothing.
        let twice = "ref,kind,directorate,title,2021/22\nCFE SAV9000,saving,CFE,Once,1\nCFE SAV9000,saving,CFE,Twice,2\n";
        let problem = api.send("POST", "/api/v1/imports/lines", "text/csv", twice).assert_problem(422, "validation");
        assert_eq!(problem["errors"][0]["field"], "row 2: ref");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("row 1"), "{problem}");
        assert_eq!(api.get("/api/v1/lines/CFE-SAV9000").status, 404);
    }

    fn imports_warn_of_figures_typed_in_the_wrong_unit_or_scale(api: &TestApi) {
        api.with_demo();
        let csv = "ref,kind,directorate,title,owner,status,2021/22,2022/23,2023/24\n\
CFE SAV40,saving,CFE,Pounds in a thousands column,BP,agreed,794000,,\n\
CFE SAV41,saving,CFE,A point for a comma,BP,agreed,1.065,,\n\
CFE SAV42,saving,CFE,Out of scale,BP,agreed,5000,5,\n";
        let report = api.send("POST", "/api/v1/imports/lines?unit=thousands&dry_run=true", "text/csv", csv).json();
        let warned: Vec<(u64, String)> = report["warnings"].as_array().unwrap().iter()
            .map(|w| (w["row"].as_u64().unwrap(), w["column"].as_str().unwrap().to_owned())).collect();
        assert_eq!(warned, [
            (1, "2021/22".to_owned()),
            (2, "2021/22".to_owned()),
            (3, "2021/22".to_owned()),
            (3, "2022/23".to_owned()),
        ]);
        assert!(report["warnings"][0]["message"].as_str().unwrap().contains("pounds typed in a £000s column"));
        assert!(report["warnings"][1]["message"].as_str().unwrap().contains("thousands separator"));
        assert_eq!(report["problems"], json!([]));
    }

    fn imports_amounts_as_councils_print_them_exactly(api: &TestApi) {
        api.with_demo();
        // SAV03 and SAV07 as Table 8 prints them in £000s; a new saving in pounds with a pound sign; blank and a
        // dash: a blank leaves the year as it is, a dash is nothing.
        let csv = "ref,kind,directorate,title,2021/22,2022/23,2023/24\n\
CFE SAV03,saving,CFE,Reconfiguration of Adolescent Services,\"1,608\",,-\n\
CFE SAV07,saving,CFE,Placements,\"(1,065)\",126.4,0\n\
CFE SAV05,saving,CFE,Reduction in the numbers of children in care,700,,\"1,385\"\n";
        let done = api.send("POST", "/api/v1/imports/lines?unit=thousands", "text/csv", csv);
        assert_eq!(done.status, 200, "{}", done.body);
        let years = |line: &str| api.get(&format!("/api/v1/lines/{line}")).json()["years"].clone();
        assert_eq!(years("CFE-SAV03"), json!([
            {"year": "2021/22", "amount": "1608000.00"},
            {"year": "2022/23", "amount": "0.00"},
            {"year": "2023/24", "amount": "0.00"}
        ]));
        assert_eq!(years("CFE-SAV05"), json!([
            {"year": "2021/22", "amount": "700000.00"},
            {"year": "2022/23", "amount": "1654000.00"},
            {"year": "2023/24", "amount": "1385000.00"}
        ]), "a blank cell is not stated: 2022/23 stays as it was");
        assert_eq!(years("CFE-SAV07")[0], json!({"year": "2021/22", "amount": "1065000.00"}));
        assert_eq!(years("CFE-SAV07")[1], json!({"year": "2022/23", "amount": "126400.00"}));
        let pounds = "ref,kind,directorate,title,2021/22\nCFE SAV60,saving,CFE,Transport,\"£272,000\"\n";
        assert_eq!(api.send("POST", "/api/v1/imports/lines", "text/csv", pounds).status, 200);
        assert_eq!(years("CFE-SAV60"), json!([{"year": "2021/22", "amount": "272000.00"}]));

        // What is not an amount as printed is a problem naming the row and the column, and nothing is written.
        let before = lines_and_feed(api);
        let bad = "ref,kind,directorate,title,2021/22,2022/23\nCFE SAV61,saving,CFE,A,\"1,60\",1\nCFE SAV62,saving,CFE,B,2,£1.2.3\n";
        let problem = api.send("POST", "/api/v1/imports/lines", "text/csv", bad).assert_problem(422, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["row 1: 2021/22", "row 2: 2022/23"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("`1,60` is not an amount"), "{problem}");
        assert_eq!(lines_and_feed(api), before);
    }

    fn imports_json_rows_the_same_way(api: &TestApi) {
        api.with_demo();
        let body = json!({"rows": [
            {"ref": "CFE SAV50", "kind": "saving", "directorate": "CFE", "title": "Transport", "owner": "BP", "status": "agreed",
             "years": {"2022/23": "1500.25", "2023/24": 99.75}}
        ]});
        let report = api.post("/api/v1/imports/lines", &body);
        assert_eq!(report.status, 200, "{}", report.body);
        assert_eq!(api.get("/api/v1/lines/CFE-SAV50").json()["total"], "1600.00");
    }
}

mod spreadsheets {
    use std::io::Cursor;

    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    use super::common::{Backend, TestApi};

    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    fn sheet(bytes: Vec<u8>) -> calamine::Range<Data> {
        let mut workbook: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX file");
        workbook
            .worksheet_range_at(0)
            .expect("a sheet")
            .expect("a readable sheet")
    }

    fn text(range: &calamine::Range<Data>, row: u32, column: u32) -> String {
        match range.get_value((row, column)) {
            Some(Data::String(text)) => text.clone(),
            other => panic!("({row}, {column}) is not text: {other:?}"),
        }
    }

    fn number(range: &calamine::Range<Data>, row: u32, column: u32) -> f64 {
        match range.get_value((row, column)) {
            Some(Data::Float(number)) => *number,
            other => panic!("({row}, {column}) is not a number: {other:?}"),
        }
    }

    #[test]
    fn the_summary_as_an_xlsx_in_thousands() {
        let api = TestApi::start(Backend::Sqlite);
        api.with_demo();
        let (status, content_type, bytes) = api.get_bytes(
            "/api/v1/reports/summary?directorate=CFE&unit=thousands&format=xlsx",
            "*/*",
        );
        assert_eq!((status, content_type.as_str()), (200, XLSX));
        let range = sheet(bytes);
        let title = text(&range, 0, 0);
        assert!(title.starts_with("MTFS summary, £000s, as at "), "{title}");
        let header: Vec<String> = (0..5).map(|c| text(&range, 2, c)).collect();
        assert_eq!(
            header,
            ["Directorate", "Line", "2021/22", "2022/23", "2023/24"]
        );
        // Savings are negative numbers, shown in brackets by the cell format, as the council prints them.
        assert_eq!(
            (text(&range, 3, 0), text(&range, 3, 1)),
            ("CFE".to_owned(), "Efficiencies".to_owned())
        );
        assert_eq!(
            [
                number(&range, 3, 2),
                number(&range, 3, 3),
                number(&range, 3, 4)
            ],
            [-9433.0, -4694.0, -2296.0]
        );
        assert_eq!(text(&range, 4, 1), "Growth");
        assert_eq!(
            [
                number(&range, 4, 2),
                number(&range, 4, 3),
                number(&range, 4, 4)
            ],
            [20433.0, 85.0, 77.0]
        );
        assert_eq!(text(&range, 5, 1), "Net");
        assert_eq!(
            [
                number(&range, 5, 2),
                number(&range, 5, 3),
                number(&range, 5, 4)
            ],
            [11000.0, -4609.0, -2219.0]
        );
    }

    #[test]
    fn the_lines_list_round_trips_through_xlsx_and_csv() {
        let api = TestApi::start(Backend::Sqlite);
        api.with_demo();
        let json = api.get("/api/v1/lines?limit=500").json();
        let lines = json["lines"].as_array().unwrap();

        let (status, content_type, bytes) = api.get_bytes("/api/v1/lines?limit=500", XLSX);
        assert_eq!(
            (status, content_type.as_str()),
            (200, XLSX),
            "chosen by the Accept header"
        );
        let range = sheet(bytes);
        let header: Vec<String> = (0..11).map(|c| text(&range, 2, c)).collect();
        assert_eq!(
            header,
            [
                "Ref",
                "Kind",
                "Directorate",
                "Title",
                "Owner",
                "Status",
                "Nature",
                "2021/22",
                "2022/23",
                "2023/24",
                "Total"
            ]
        );
        for (index, line) in lines.iter().enumerate() {
            let row = 3 + index as u32;
            assert_eq!(text(&range, row, 0), line["ref"].as_str().unwrap());
            let sign = if line["kind"] == "saving" { -1.0 } else { 1.0 };
            for (offset, entry) in line["years"].as_array().unwrap().iter().enumerate() {
                let pounds: f64 = entry["amount"].as_str().unwrap().parse().unwrap();
                assert_eq!(
                    number(&range, row, 7 + offset as u32),
                    sign * pounds,
                    "{} {}",
                    line["ref"],
                    entry["year"]
                );
            }
        }
        let totals_row = 3 + lines.len() as u32;
        assert_eq!(text(&range, totals_row, 0), "Total efficiencies");
        assert_eq!(number(&range, totals_row, 7), -9433000.0);
        assert_eq!(text(&range, totals_row + 2, 0), "Net");
        assert_eq!(number(&range, totals_row + 2, 7), 11000000.0);

        let (status, content_type, bytes) =
            api.get_bytes("/api/v1/lines?limit=500&format=csv", "*/*");
        assert_eq!((status, content_type.as_str()), (200, "text/csv"));
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let sav05 = rows
            .iter()
            .find(|row| &row[0] == "CFE SAV05")
            .expect("CFE SAV05");
        assert_eq!(
            (&sav05[7], &sav05[8], &sav05[9], &sav05[10]),
            ("-794000.00", "-1654000.00", "-1385000.00", "-3833000.00")
        );
        let gro04 = rows
            .iter()
            .find(|row| &row[0] == "CFE GRO04")
            .expect("CFE GRO04");
        assert_eq!((&gro04[6], &gro04[7]), ("one_off", "866000.00"));
        assert_eq!(rows.len(), lines.len() + 3);
    }

    #[test]
    fn every_report_downloads_as_csv() {
        let api = TestApi::start(Backend::Sqlite);
        api.with_demo();
        for path in [
            "/api/v1/reports/summary",
            "/api/v1/reports/at-risk?year=2021/22&period=P3",
            "/api/v1/reports/changes?from=2020-01-01T00:00:00Z",
            "/api/v1/dsg/2020-21",
            "/api/v1/dsg?from=2020/21&to=2021/22",
        ] {
            let (status, content_type, bytes) = api.get_bytes(path, "text/csv");
            assert_eq!((status, content_type.as_str()), (200, "text/csv"), "{path}");
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.lines().count() > 1, "{path}: {text}");
        }
        let (_, _, at_risk) = api.get_bytes(
            "/api/v1/reports/at-risk?year=2021/22&period=P3&format=csv&unit=thousands",
            "*/*",
        );
        let at_risk = String::from_utf8(at_risk).unwrap();
        assert!(
            at_risk.contains("CFE SAV07,CFE,Improve Practice System Efficiency,red,1065,0,1065,"),
            "{at_risk}"
        );
        assert!(
            at_risk
                .lines()
                .last()
                .unwrap()
                .starts_with("Total,,,,2312,995,1317"),
            "{at_risk}"
        );
        let (_, _, dsg) = api.get_bytes("/api/v1/dsg/2020-21?format=csv&unit=thousands", "*/*");
        assert!(String::from_utf8(dsg)
            .unwrap()
            .lines()
            .any(|row| row == "Total,14558,5281,19839,,"));
        api.get("/api/v1/reports/summary?format=pdf")
            .assert_field_error(400, "invalid-parameter", "format");
    }
}

mod reconciliation {
    use serde_json::json;

    use super::common::{Backend, TestApi};

    fn demo() -> TestApi {
        let api = TestApi::start(Backend::Sqlite);
        api.with_demo();
        api
    }

    #[test]
    fn finds_a_deliberately_altered_figure_and_matches_the_rest() {
        let api = demo();
        // Printed the council's ways: £000s, brackets, separators, and refs as the papers spell them.
        let table = json!({"unit": "thousands", "rows": [
            {"ref": "CFE Sav 07", "years": {"2021/22": "(1,065)", "2022/23": "(1,450)", "2023/24": "(385)"}},
            {"ref": "MTFS Ref: CFE SAV 02", "years": {"2021/22": "(424)", "2022/23": "(158)"}},
            {"title": "staffing review", "years": {"2021/22": "1,471"}},
            {"ref": "CFE GRO99", "years": {"2021/22": "10"}},
            {"title": "A line nobody recorded", "years": {"2021/22": "10"}}
        ], "totals": [
            {"directorate": "CFE", "measure": "savings", "years": {"2021/22": "(9,433)", "2022/23": "(4,694)", "2023/24": "(2,296)"}},
            {"directorate": "CFE", "measure": "net", "years": {"2021/22": "11,000", "2022/23": "(4,609)", "2023/24": "(2,219)"}},
            {"directorate": "CFE", "measure": "growth", "years": {"2021/22": "20,434"}}
        ]});
        let reply = api.post("/api/v1/reconciliations", &table);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let result = reply.json();
        assert_eq!(
            (
                result["matched"].clone(),
                result["different"].clone(),
                result["unknown"].clone()
            ),
            (json!(2), json!(1), json!(2))
        );
        let outcomes: Vec<(String, String)> = result["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["outcome"].as_str().unwrap().to_owned(),
                    r["ref"].as_str().unwrap_or("-").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                ("matched".to_owned(), "CFE SAV07".to_owned()),
                ("different".to_owned(), "CFE SAV02".to_owned()),
                ("matched".to_owned(), "CFE SAV16".to_owned()),
                ("unknown".to_owned(), "-".to_owned()),
                ("unknown".to_owned(), "-".to_owned()),
            ]
        );
        assert_eq!(result["rows"][2]["matched_by"], "title");
        // SAV02's 2022/23 saving is £185k; the paper printed 158.
        assert_eq!(
            result["rows"][1]["years"][1],
            json!({"year": "2022/23", "tracker": "185", "published": "158", "difference": "-27", "agrees": false})
        );
        assert_eq!(result["rows"][1]["years"][0]["agrees"], true);
        assert_eq!(result["totals"][0]["outcome"], "matched");
        assert_eq!(result["totals"][1]["outcome"], "matched");
        assert_eq!(
            result["totals"][2]["years"][0],
            json!({"year": "2021/22", "tracker": "20433", "published": "20434", "difference": "1", "agrees": false})
        );
    }

    #[test]
    fn in_pounds_every_penny_counts() {
        let api = demo();
        let table = json!({"unit": "pounds", "rows": [
            {"ref": "CFE-SAV05", "years": {"2021/22": "794,000.00", "2022/23": "-1654000.01"}}
        ]});
        let result = api.post("/api/v1/reconciliations", &table).json();
        assert_eq!(result["rows"][0]["years"][0]["agrees"], true);
        assert_eq!(
            result["rows"][0]["years"][1],
            json!({"year": "2022/23", "tracker": "1654000.00", "published": "1654000.01", "difference": "0.01", "agrees": false})
        );
        api.post(
            "/api/v1/reconciliations",
            &json!({"rows": [{"ref": "CFE SAV05", "years": {"2021/22": "7,94,000"}}]}),
        )
        .assert_field_error(422, "validation", "rows[0].years.2021/22");
    }
}
