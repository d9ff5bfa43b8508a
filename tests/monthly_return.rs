//! Issue 18: the monthly return. A directorate's return for a period goes out pre-filled: a row per saving with
//! an amount in the year, its latest assessment of the year up to the period beside it.

mod common;

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use serde_json::{json, Value};

const RETURN: &str = "/api/v1/periods/2021-22/P4/returns/CFE";

on_both_backends! {
    fn a_return_goes_out_pre_filled_from_the_last_assessment(api: &TestApi) {
        api.with_approved_demo();
        let opened = api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P4"}));
        assert_eq!(opened.status, 201, "{}", opened.body);
        let sent = api.get(RETURN);
        assert_eq!(sent.status, 200, "{}", sent.body);
        let sent = sent.json();
        assert_eq!((&sent["directorate"], &sent["year"], &sent["period"], &sent["as_at"]),
            (&json!("CFE"), &json!("2021/22"), &json!("P4"), &json!("2021-07-31")));
        let rows = sent["rows"].as_array().unwrap();
        let refs: Vec<&str> = rows.iter().map(|row| row["ref"].as_str().unwrap()).collect();
        // The fourteen CFE savings with a 2021/22 amount, by ref.
        assert_eq!(refs, ["CFE SAV02", "CFE SAV03", "CFE SAV04", "CFE SAV05", "CFE SAV06", "CFE SAV07", "CFE SAV08",
            "CFE SAV09", "CFE SAV10", "CFE SAV12", "CFE SAV13", "CFE SAV14", "CFE SAV15", "CFE SAV16"]);
        let planned: Vec<&str> = rows.iter().take(3).map(|row| row["planned"].as_str().unwrap()).collect();
        assert_eq!(planned, ["424000.00", "1608000.00", "384000.00"]);
        let sav09 = rows.iter().find(|row| row["ref"] == "CFE SAV09").unwrap();
        assert_eq!(sav09, &json!({"ref": "CFE SAV09", "title": "Review Children's Centres Delivery Model", "owner": sav09["owner"],
            "planned": "660000.00", "assessed_in": "P3", "rag": "amber", "forecast": "423000.00", "at_risk": "237000.00",
            "timing": "0.00", "permanent": "237000.00", "slips_to": null, "reason": "Reported to scrutiny as at risk, position at 2021-06-30",
            "mitigation": null, "substitutes": null}));
        let sav05 = rows.iter().find(|row| row["ref"] == "CFE SAV05").unwrap();
        assert_eq!((&sav05["planned"], &sav05["assessed_in"], &sav05["rag"]), (&json!("794000.00"), &Value::Null, &Value::Null));
        // Revised in P4 with a substitute: the return shows P4's figures, the substitute in one cell.
        let decision = api.post("/api/v1/decisions", &json!({"body": "cabinet", "decided_on": "2021-07-19",
            "reference": "Cabinet, minute 12", "summary": "In-year mitigations"})).json()["id"].clone();
        let grant = api.post("/api/v1/mitigations", &json!({"directorate": "CFE", "year": "2021/22", "kind": "grant",
            "amount": "50000.00", "source": "HAF grant", "decision_id": decision, "found_by": "Finance BP"})).json();
        let revised = api.put("/api/v1/periods/2021-22/P4/assessments/CFE-SAV09", &json!({"rag": "amber", "at_risk": "137000.00",
            "timing": "137000.00", "slips_to": "2022/23", "reason": "Two centres close in September",
            "substitutes": [{"mitigation": grant["id"], "amount": "50000.00"}]}));
        assert_eq!(revised.status, 201, "{}", revised.body);
        let sent = api.get(RETURN).json();
        let sav09 = sent["rows"].as_array().unwrap().iter().find(|row| row["ref"] == "CFE SAV09").unwrap().clone();
        assert_eq!((&sav09["assessed_in"], &sav09["at_risk"], &sav09["timing"], &sav09["slips_to"], &sav09["substitutes"]),
            (&json!("P4"), &json!("137000.00"), &json!("137000.00"), &json!("2022/23"), &json!(format!("mitigation {}: 50000.00", grant["id"]))));
        // As CSV: every row names its return; the header as the services' template has it.
        let csv = api.get(&format!("{RETURN}?format=csv"));
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")), "{:?}", csv.header("content-type"));
        let mut lines = csv.body.lines();
        assert_eq!(lines.next(), Some("directorate,year,period,ref,title,owner,planned,assessed_in,rag,forecast,at_risk,timing,permanent,slips_to,reason,mitigation,substitutes"));
        let sav09_line = csv.body.lines().find(|line| line.contains("CFE SAV09")).unwrap();
        assert!(sav09_line.starts_with("CFE,2021/22,P4,CFE SAV09,Review Children's Centres Delivery Model,"), "{sav09_line}");
        assert!(sav09_line.contains(",660000.00,P4,amber,523000.00,137000.00,137000.00,0.00,2022/23,Two centres close in September,,"), "{sav09_line}");
        // In £000s, and as XLSX.
        let thousands = api.get(&format!("{RETURN}?unit=thousands")).json();
        assert_eq!(thousands["rows"][7]["planned"], "660");
        let (status, content_type, bytes) = api.get_bytes(&format!("{RETURN}?format=xlsx"), "*/*");
        assert_eq!((status, content_type.as_str()), (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX file");
        let sheet = workbook.worksheet_range_at(0).expect("a sheet").expect("a readable sheet");
        let text = |row: u32, column: u32| match sheet.get_value((row, column)) {
            Some(Data::String(text)) => text.clone(),
            other => panic!("({row}, {column}) is not text: {other:?}"),
        };
        // The title names the return and its as-at date; then the header and a row per saving.
        assert!(text(0, 0).starts_with("Savings return CFE 2021/22 P4, as at 2021-07-31"), "{}", text(0, 0));
        assert_eq!((text(2, 0), text(2, 3), text(2, 8)), ("directorate".to_owned(), "ref".to_owned(), "rag".to_owned()));
        assert_eq!(text(3, 3), "CFE SAV02");
        // Any key may read it; what is not there is 404, what cannot be read 400.
        let reader = api.as_key(&api.create_key("pmo-reader", "reader", &[]));
        assert_eq!(reader.get(RETURN).status, 200);
        api.get("/api/v1/periods/2021-22/P5/returns/CFE").assert_problem(404, "not-found");
        api.get("/api/v1/periods/2021-22/P4/returns/XYZ").assert_problem(404, "not-found");
        assert_eq!(api.get("/api/v1/periods/2021-22/P4/returns/cfe").json(), api.get(RETURN).json(), "any case");
        api.get("/api/v1/periods/2021-22/P4/returns/C").assert_field_error(400, "invalid-parameter", "code");
    }
}
