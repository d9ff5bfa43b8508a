//! Issue 18: the monthly return. A directorate's return for a period goes out pre-filled: a row per saving with
//! an amount in the year, its latest assessment of the year up to the period beside it.

mod common;

use common::feed::all_events;
use common::TestApi;

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
        let xlsx_bytes = bytes.clone();
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
        // The RAG column takes only the four ratings, and the sheet is protected with only the figures unlocked.
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx_bytes)).expect("a zip");
        let mut sheet_xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").expect("the sheet"), &mut sheet_xml).unwrap();
        assert!(sheet_xml.contains("<sheetProtection"), "protected");
        assert!(sheet_xml.contains(r#"sqref="I4:I17""#) && sheet_xml.contains("blue,green,amber,red"), "{sheet_xml}");
        // Any key may read it; what is not there is 404, what cannot be read 400.
        let reader = api.as_key(&api.create_key("pmo-reader", "reader", &[]));
        assert_eq!(reader.get(RETURN).status, 200);
        api.get("/api/v1/periods/2021-22/P5/returns/CFE").assert_problem(404, "not-found");
        api.get("/api/v1/periods/2021-22/P4/returns/XYZ").assert_problem(404, "not-found");
        assert_eq!(api.get("/api/v1/periods/2021-22/P4/returns/cfe").json(), api.get(RETURN).json(), "any case");
        api.get("/api/v1/periods/2021-22/P4/returns/C").assert_field_error(400, "invalid-parameter", "code");
    }

    fn a_return_comes_back_whole_and_only_what_changed_is_recorded(api: &TestApi) {
        api.with_approved_demo();
        start_p4_from_p3(api);
        let sent = csv_of(api);
        // The service revises SAV09 only: 137,000.00 at risk now, 523,000.00 forecast, all of it permanent.
        let back = revise_sav09(&sent);
        let events = all_events(api).len();
        let dry = import(api, "?dry_run=true", &back);
        assert_eq!(dry.status, 200, "{}", dry.body);
        let dry = dry.json();
        assert_eq!((&dry["dry_run"], &dry["revised"], &dry["unchanged"]), (&json!(true), &json!(["CFE SAV09"]), &json!(["CFE SAV07", "CFE SAV10"])));
        assert_eq!(all_events(api).len(), events, "a dry run writes nothing");
        assert_eq!(sav09_p4(api)["at_risk"], "237000.00");

        let applied = import(api, "", &back);
        assert_eq!(applied.status, 200, "{}", applied.body);
        let applied = applied.json();
        assert_eq!((&applied["dry_run"], &applied["created"], &applied["revised"], &applied["unchanged"]),
            (&json!(false), &json!([]), &json!(["CFE SAV09"]), &json!(["CFE SAV07", "CFE SAV10"])));
        assert_eq!(applied["not_assessed"].as_array().unwrap().len(), 11);
        let fresh: Vec<Value> = all_events(api).into_iter().skip(events).collect();
        assert_eq!(fresh.len(), 1, "only SAV09's revision: {fresh:?}");
        assert_eq!((&fresh[0]["entity"], &fresh[0]["ref"], &fresh[0]["action"], &fresh[0]["actor"]),
            (&json!("assessment"), &json!("2021/22 P4 CFE SAV09"), &json!("updated"), &json!("test-admin")));
        let sav09 = sav09_p4(api);
        assert_eq!((&sav09["forecast"], &sav09["at_risk"], &sav09["permanent"]), (&json!("523000.00"), &json!("137000.00"), &json!("137000.00")));
        assert!(sav09.get("carried_from").is_none(), "assessed afresh: {sav09}");
        // The same file again changes nothing.
        let again = import(api, "", &back).json();
        assert_eq!((&again["revised"], &again["unchanged"]), (&json!([]), &json!(["CFE SAV07", "CFE SAV09", "CFE SAV10"])));
        assert_eq!(all_events(api).len(), events + 1);
        // The XLSX the service sends out comes back unchanged too.
        let (status, _, xlsx) = api.get_bytes(&format!("{RETURN}?format=xlsx"), "*/*");
        assert_eq!(status, 200);
        let from_xlsx = api.send_bytes("POST", RETURN, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &xlsx);
        assert_eq!(from_xlsx.status, 200, "{}", from_xlsx.body);
        assert_eq!(from_xlsx.json()["unchanged"], json!(["CFE SAV07", "CFE SAV09", "CFE SAV10"]));
        assert_eq!(all_events(api).len(), events + 1);
        // A saving rated for the first time in the return is created; amounts as printed, in £000s.
        let sav05 = "CFE,2021/22,P4,CFE SAV05,,,,,amber,,(94),,,,Fewer children stepping down from care,,\n";
        let header = sent.lines().next().unwrap();
        let created = import(api, "?unit=thousands", &format!("{header}\n{sav05}"));
        assert_eq!(created.status, 200, "{}", created.body);
        assert_eq!(created.json()["created"], json!(["CFE SAV05"]));
        let p4 = api.get("/api/v1/periods/2021-22/P4/assessments").json();
        let sav05 = p4.as_array().unwrap().iter().find(|a| a["ref"] == "CFE SAV05").unwrap().clone();
        assert_eq!((&sav05["at_risk"], &sav05["forecast"]), (&json!("94000.00"), &json!("700000.00")));
        // And as JSON: SAV10 rated green with nothing at risk.
        let json_rows = json!({"rows": [{"ref": "CFE SAV10", "rag": "green", "at_risk": 0, "reason": null}]});
        let reply = api.send_bytes("POST", RETURN, "application/json", json_rows.to_string().as_bytes());
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["revised"], json!(["CFE SAV10"]));
        // Who sent what: five returns came in for CFE; ten of its fourteen savings are still not assessed in P4.
        let statuses = api.get("/api/v1/periods/2021-22/P4/returns");
        assert_eq!(statuses.status, 200, "{}", statuses.body);
        let statuses = statuses.json();
        let cfe = statuses.as_array().unwrap().iter().find(|s| s["directorate"] == "CFE").unwrap().clone();
        assert_eq!((&cfe["received"], &cfe["not_assessed"]), (&json!(5), &json!(10)));
        assert_eq!((&cfe["latest"]["by"], &cfe["latest"]["revised"], &cfe["latest"]["rows"]), (&json!("test-admin"), &json!(1), &json!(1)));
        api.get("/api/v1/periods/2021-22/P9/returns").assert_problem(404, "not-found");
    }

    fn a_return_that_breaks_a_rule_is_refused_whole(api: &TestApi) {
        api.with_demo();
        start_p4_from_p3(api);
        let sent = csv_of(api);
        // A withdrawn saving (the demo not yet approved: withdrawn directly), after the return went out.
        let withdrawn = api.patch("/api/v1/lines/CFE-SAV16", &json!({"status": "withdrawn", "reason": "Merged into SAV15"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        let header = sent.lines().next().unwrap().to_owned();
        let row = |line_ref: &str| sent.lines().find(|line| line.contains(&format!(",{line_ref},"))).unwrap().to_owned();
        let before = (all_events(api).len(), api.get("/api/v1/periods/2021-22/P4/assessments").body);
        let nothing_written = |label: &str| {
            assert_eq!((all_events(api).len(), api.get("/api/v1/periods/2021-22/P4/assessments").body), before.clone(), "{label}");
        };
        let refused = |label: &str, file: String, field: &str| {
            let reply = import(api, "", &file);
            assert_eq!(reply.status, 422, "{label}: {}", reply.body);
            reply.assert_field_error(422, "validation", field);
            nothing_written(label);
        };
        let with = |rows: &[String]| format!("{header}\n{}\n", rows.join("\n"));
        let sav09 = revise_sav09(&sent).lines().find(|line| line.contains(",CFE SAV09,")).unwrap().to_owned();
        // Another directorate's saving, the same saving twice, another period's row, a bad rating or amount.
        refused("another directorate's saving", with(&[sav09.clone(), row("CFE SAV10").replace("CFE SAV10", "ASC SAV01")]), "row 2: ref");
        refused("a ref twice", with(&[sav09.clone(), sav09.clone()]), "row 2: ref");
        refused("another period", with(&[sav09.replace(",P4,", ",P3,")]), "row 1: period");
        refused("an unknown rating", with(&[sav09.replace(",amber,", ",purple,")]), "row 1: rag");
        refused("three decimals", with(&[sav09.replace("137000.00", "137000.001")]), "row 1: at_risk");
        refused("figures without a rating", with(&[sav09.replace(",amber,", ",,")]), "row 1: rag");
        // At most 10,000 rows: the rows beyond are not read.
        let many: String = (0..10_001).map(|n| format!("CFE SAV{n:02},\n")).collect();
        refused("too many rows", format!("ref,rag\n{many}"), "rows");
        refused("an unknown column", format!("{header},notes\n{sav09},x\n"), "row 0: notes");
        let sav16 = row("CFE SAV16").replace(",,,,,,,,,,", ",,amber,,1000.00,,,,Staff kept,,");
        refused("a withdrawn saving", with(&[sav09.clone(), sav16]), "row 2: ref");
        refused("a pair that does not add up", with(&[sav09.replace(",523000.00,", ",423000.00,")]), "row 1: at_risk");
        // A substitute without room: SAV07's whole plan is at risk.
        assert!(sav09.ends_with(','), "substitutes is the last column: {sav09}");
        let claim = format!("{sav09}CFE SAV07: 50000.00");
        refused("a substitute without room", with(&[claim]), "row 1: substitutes[0].amount");
        // As JSON too: the columns as keys, each problem by row and column.
        let json_rows = json!({"rows": [{"ref": "CFE SAV09", "rag": "amber", "at_risk": 137000, "reason": "Two hubs"},
            {"ref": "CFE SAV10", "rag": "amber", "at_risk": "15,000.001"}]});
        let reply = api.send_bytes("POST", RETURN, "application/json", json_rows.to_string().as_bytes());
        reply.assert_field_error(422, "validation", "row 2: at_risk");
        nothing_written("a JSON return with a bad amount");
        let unknown = json!({"rows": [{"ref": "CFE SAV09", "rag": "amber", "notes": "x"}]});
        api.send_bytes("POST", RETURN, "application/json", unknown.to_string().as_bytes())
            .assert_field_error(422, "validation", "row 0: notes");
        // Only an editor of CFE, refused before the body is read; only CSV, XLSX or JSON.
        let reader = api.as_key(&api.create_key("pmo-reader", "reader", &[]));
        reader.send_bytes("POST", RETURN, "text/csv", sent.as_bytes()).assert_problem(403, "forbidden");
        api.with_directorate("ASC", "Adult Social Care");
        let asc = api.as_key(&api.create_key("asc-finance", "editor", &["ASC"]));
        asc.send_bytes("POST", RETURN, "text/csv", sent.as_bytes()).assert_problem(403, "forbidden");
        api.send_bytes("POST", RETURN, "application/pdf", b"%PDF").assert_problem(415, "unsupported-media-type");
        // Nothing refused was received: CFE's return has not come in.
        let statuses = api.get("/api/v1/periods/2021-22/P4/returns").json();
        let cfe = statuses.as_array().unwrap().iter().find(|s| s["directorate"] == "CFE").unwrap().clone();
        assert_eq!(cfe["received"], 0, "{cfe}");
        assert!(cfe.get("latest").is_none(), "{cfe}");
        // A period or directorate that is not there is 404.
        api.send_bytes("POST", "/api/v1/periods/2021-22/P9/returns/CFE", "text/csv", sent.as_bytes()).assert_problem(404, "not-found");
        api.send_bytes("POST", "/api/v1/periods/2021-22/P4/returns/XYZ", "text/csv", sent.as_bytes()).assert_problem(404, "not-found");
        // A closed period takes nothing.
        assert_eq!(api.post("/api/v1/periods/2021-22/P4/close", &json!({})).status, 200);
        import(api, "", &with(&[sav09])).assert_problem(409, "conflict");
    }
}

fn start_p4_from_p3(api: &TestApi) {
    let opened = api.post(
        "/api/v1/periods",
        &json!({"year": "2021/22", "period": "P4"}),
    );
    assert_eq!(opened.status, 201, "{}", opened.body);
    let copied = api.post("/api/v1/periods/2021-22/P4/copy-from/P3", &json!({}));
    assert_eq!(copied.status, 200, "{}", copied.body);
}

fn csv_of(api: &TestApi) -> String {
    let sent = api.get(&format!("{RETURN}?format=csv"));
    assert_eq!(sent.status, 200, "{}", sent.body);
    sent.body
}

/// The return with SAV09 revised: 137,000.00 at risk (so 523,000.00 forecast), all of it permanent; the other
/// rows as sent.
fn revise_sav09(sent: &str) -> String {
    sent.lines()
        .map(|line| {
            if line.contains(",CFE SAV09,") {
                let revised = line.replace(
                    ",423000.00,237000.00,0.00,237000.00,",
                    ",523000.00,137000.00,0.00,137000.00,",
                );
                assert_ne!(revised, line, "SAV09's figures as sent: {line}");
                revised
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn import(api: &TestApi, query: &str, file: &str) -> common::Reply {
    api.send_bytes(
        "POST",
        &format!("{RETURN}{query}"),
        "text/csv",
        file.as_bytes(),
    )
}

fn sav09_p4(api: &TestApi) -> Value {
    let p4 = api.get("/api/v1/periods/2021-22/P4/assessments").json();
    p4.as_array()
        .unwrap()
        .iter()
        .find(|a| a["ref"] == "CFE SAV09")
        .unwrap()
        .clone()
}
