//! Delivery plans, the people directory and the plan reports tried as a hostile key-holder would: each attack is
//! refused with the right status (401/403 before the body, else a problem naming the field), writes nothing,
//! leaks nothing and costs no more than the input's size.

mod common;

use std::time::{Duration, Instant};

use common::feed::feed_end;
use common::reads::{expect, get_ok};
use common::TestApi;
use serde_json::{json, Value};

const PLAN: &str = "/api/v1/lines/CFE-SAV09/actions";
const IMPORT: &str = "/api/v1/directorates/CFE/delivery-plan";
const HEADER: &str = "line,ref,action,owners,by_when,progress,critical,depends_on";
const EMAIL: &str = "shelley.davies@example.gov.uk";

/// The demo's lines, Shelley Davies (SD) in the directory, and SAV09's consultation (6.3) with the Cabinet
/// decision that waits on it (6.4).
fn seeded(api: &TestApi) -> i64 {
    api.with_demo();
    let person = expect(
        api.post(
            "/api/v1/people",
            &json!({"name": "Shelley Davies", "directorate": "CFE", "email": EMAIL, "aliases": ["SD"]}),
        ),
        201,
    );
    expect(
        api.post(PLAN, &json!({"action": "6.3", "text": "Launch public consultation", "due": "1st March 2021"})),
        201,
    );
    expect(
        api.post(
            PLAN,
            &json!({"action": "6.4", "text": "Full Cabinet to agree children's centres strategy",
                "owners": ["SD"], "due": "June 2021", "critical": true, "depends_on": ["6.3"]}),
        ),
        201,
    );
    person["id"].as_i64().unwrap()
}

/// The events recorded so far, as a cursor: equal before and after means nothing was written.
fn written(api: &TestApi) -> String {
    feed_end(api)
}

fn import(api: &TestApi, csv: &str) -> common::Reply {
    api.send("POST", &format!("{IMPORT}?layout=actions"), "text/csv", csv)
}

fn action(api: &TestApi, action_ref: &str) -> Value {
    get_ok(api, &format!("{PLAN}/{action_ref}"))["action"].clone()
}

/// `on_both_backends!` for an attack that gets through today: each half ignored, saying what happens, so that
/// the lead sees it; `cargo test -- --ignored` runs them.
macro_rules! findings_on_both_backends {
    ($(#[ignore = $why:literal] fn $name:ident($api:ident: &TestApi) $body:block)*) => {
        mod findings {
            mod sqlite {
                #[allow(unused_imports)]
                use super::super::*;
                $(#[test]
                #[ignore = $why]
                fn $name() {
                    let $api = &crate::common::TestApi::start(crate::common::Backend::Sqlite);
                    $body
                })*
            }
            mod postgres {
                #[allow(unused_imports)]
                use super::super::*;
                $(#[test]
                #[ignore = $why]
                fn $name() {
                    let $api = &crate::common::TestApi::start(crate::common::Backend::Postgres);
                    $body
                })*
            }
        }
    };
}

findings_on_both_backends! {
    #[ignore = "a timing: run by hand (PLAN_ROWS=…); fixed by the 200-action cap, one read of each line's plan per import and one walk of a plan per save"]
    fn a_big_plan_with_chains_of_dependencies_imports_in_bounded_time(api: &TestApi) {
        api.with_demo();
        // Each action waits on the 20 before it: every earlier action is reachable from each new one.
        let count: usize = std::env::var("PLAN_ROWS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000);
        let rows = plan_rows(count);
        let started = Instant::now();
        let reply = import(api, &rows);
        let took = started.elapsed();
        assert_eq!(reply.status, 200, "{}", &reply.body[..reply.body.len().min(500)]);
        assert_eq!(reply.json()["created"].as_array().unwrap().len(), count);
        eprintln!("{count} chained actions imported in {took:?}");
        assert!(took < Duration::from_secs(30), "{count} chained actions took {took:?}");
    }

}

on_both_backends! {
    fn names_and_aliases_with_direction_overrides_are_refused(api: &TestApi) {
        seeded(api);
        let before = written(api);
        for (i, text) in ["\u{202E}DS", "S\u{2066}D", "SD\u{200F}"].into_iter().enumerate() {
            api.post("/api/v1/people", &json!({"name": format!("Mallory {i}"), "directorate": "CFE", "aliases": [text]}))
                .assert_field_error(422, "validation", "aliases[0]");
            api.post("/api/v1/people", &json!({"name": format!("Mallory {text}"), "directorate": "CFE"}))
                .assert_field_error(422, "validation", "name");
        }
        assert_eq!(written(api), before);
    }

    fn a_rename_cannot_close_a_circle_of_dependencies(api: &TestApi) {
        seeded(api);
        // 6.4 waits on 6.3; 6.3 renamed and made to wait on 6.4 would go round in a circle.
        let before = written(api);
        let reply = api.send_with(
            "PATCH",
            &format!("{PLAN}/6.3"),
            &[("If-Match", "\"1\"")],
            Some(&json!({"action": "6.3a", "depends_on": ["6.4"]})),
        );
        reply.assert_field_error(422, "validation", "depends_on[0]");
        assert_eq!(action(api, "6.3")["depends_on"], json!([]));
        assert_eq!(written(api), before);
    }
    fn every_write_refuses_a_reader_and_another_directorates_editor_whatever_the_body(api: &TestApi) {
        let person = seeded(api);
        api.with_directorate("ASC", "Adult Social Care");
        let reader = api.create_key("reader", "reader", &[]);
        let approver = api.create_key("approver-cfe", "approver", &["CFE"]);
        let editor_of_asc = api.create_key("editor-asc", "editor", &["ASC"]);
        let before = written(api);
        let writes = [
            ("POST", PLAN.to_owned(), "application/json"),
            ("PATCH", format!("{PLAN}/6.4"), "application/merge-patch+json"),
            ("POST", format!("{IMPORT}?layout=actions"), "text/csv"),
            ("POST", format!("{IMPORT}?layout=milestones"), "application/json"),
            ("PATCH", format!("/api/v1/people/{person}"), "application/merge-patch+json"),
        ];
        for token in [&reader, &approver, &editor_of_asc] {
            for (method, path, content_type) in &writes {
                let reply = api.as_key(token).send(method, path, content_type, "{\"not\": [json");
                reply.assert_problem(403, "forbidden");
            }
        }
        for (method, path, content_type) in &writes {
            api.anonymous().send(method, path, content_type, "{\"not\": [json").assert_problem(401, "unauthorized");
        }
        // A new person's directorate is in the body: a well-formed one of CFE is refused to ASC's editor.
        api.as_key(&editor_of_asc)
            .post("/api/v1/people", &json!({"name": "Mallory", "directorate": "CFE", "aliases": ["SD"]}))
            .assert_problem(403, "forbidden");
        api.as_key(&reader)
            .post("/api/v1/people", &json!({"name": "Mallory", "directorate": "CFE"}))
            .assert_problem(403, "forbidden");
        // Nor may ASC's editor move CFE's person into ASC.
        api.as_key(&editor_of_asc)
            .patch(&format!("/api/v1/people/{person}"), &json!({"directorate": "ASC"}))
            .assert_problem(403, "forbidden");
        assert_eq!(written(api), before);
    }

    fn a_rename_onto_another_actions_ref_is_refused_naming_action(api: &TestApi) {
        seeded(api);
        let before = written(api);
        api.send_with("PATCH", &format!("{PLAN}/6.3"), &[], Some(&json!({"action": "6.4"})))
            .assert_field_error(422, "validation", "action");
        // A ref that is no ref, in the body and in the path (`%2F` decodes to a `/`).
        api.send_with("PATCH", &format!("{PLAN}/6.3"), &[], Some(&json!({"action": "6/4"})))
            .assert_problem(422, "validation");
        for path in [format!("{PLAN}/6%2F4"), format!("{PLAN}/6.3%2F..%2F6.4"), format!("{PLAN}/%E2%80%AE6.4")] {
            let reply = api.send_with("PATCH", &path, &[], Some(&json!({"text": "moved"})));
            assert_eq!(reply.status, 400, "{path}: {}", reply.body);
            assert_eq!(reply.content_type, "application/problem+json", "{path}");
            let reply = api.get(&path);
            assert!(reply.status == 400 || reply.status == 404, "{path}: {}", reply.body);
        }
        assert_eq!(action(api, "6.3")["text"], "Launch public consultation");
        assert_eq!(written(api), before);
    }

    fn a_due_date_that_is_no_day_is_refused_naming_due(api: &TestApi) {
        seeded(api);
        let before = written(api);
        let bad = ["31/02/21", "0/0/0", "00/00/00", "ongoing from 9999-01-01", "99999-01-01", "1066-10-14",
            "2021-13", "2021-06-31", "32/01/21", "2021-09-01/2021-08-01", "2100-01", "-2021-06",
            "+002021-06-30", "June 2021\u{0}", "June\u{202E} 2021", &"1".repeat(101)];
        for due in bad {
            let reply = api.post(PLAN, &json!({"action": "9.9", "text": "Attack", "due": due}));
            reply.assert_field_error(422, "validation", "due");
            let reply = api.send_with("PATCH", &format!("{PLAN}/6.4"), &[], Some(&json!({"due": due})));
            reply.assert_field_error(422, "validation", "due");
        }
        assert_eq!(written(api), before);
        // The tracker's last year is a plan's last year: December 2099 is due on its last day.
        let far = expect(api.post(PLAN, &json!({"action": "9.9", "text": "Far off", "due": "2099-12"})), 201);
        assert_eq!(far["due_by"], "2099-12-31");
    }

    fn a_day_or_instant_far_out_of_range_is_a_400_never_a_500(api: &TestApi) {
        seeded(api);
        let reads = [PLAN.to_owned(), format!("{PLAN}/6.4"), "/api/v1/reports/delivery-plan?directorate=CFE".to_owned(),
            "/api/v1/reports/overdue-actions?directorate=CFE".to_owned()];
        for read in &reads {
            let join = if read.contains('?') { '&' } else { '?' };
            for query in ["on=9999-12-31", "on=0001-01-01", "on=-9999-01-01", "on=2021-02-29", "on=99999-01-01",
                "as_at=0001-01-01T00:00:00Z", "as_at=9999-12-31T23:59:59Z", "as_at=9999-12-31T23:59:59-23:59",
                "as_at=1970-01-01T00:00:00Z", "year=9999/00&period=P12", "year=2021-22&period=P13",
                "as_at=2021-07-31T00:00:00Z&on=9999-12-31"] {
                let path = format!("{read}{join}{query}");
                let reply = api.get(&path);
                assert!(
                    reply.status == 200 || reply.status == 400 || reply.status == 404,
                    "{path}: {} {}", reply.status, reply.body
                );
                if reply.status == 400 {
                    assert_eq!(reply.content_type, "application/problem+json", "{path}");
                }
            }
        }
    }

    fn owners_and_dependencies_by_the_thousand_are_refused_by_their_count(api: &TestApi) {
        seeded(api);
        let before = written(api);
        let owners: Vec<String> = (0..10_000).map(|i| format!("O{i}")).collect();
        let started = Instant::now();
        api.post(PLAN, &json!({"action": "9.9", "text": "Attack", "owners": owners}))
            .assert_field_error(422, "validation", "owners");
        let deps: Vec<String> = (0..10_000).map(|i| format!("D{i}")).collect();
        api.post(PLAN, &json!({"action": "9.9", "text": "Attack", "depends_on": deps}))
            .assert_field_error(422, "validation", "depends_on");
        api.send_with("PATCH", &format!("{PLAN}/6.4"), &[], Some(&json!({"owners": owners})))
            .assert_field_error(422, "validation", "owners");
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        // 11 owners is one too many; 21 dependencies too.
        let eleven: Vec<String> = (0..11).map(|i| format!("O{i}")).collect();
        api.post(PLAN, &json!({"action": "9.9", "text": "Attack", "owners": eleven}))
            .assert_field_error(422, "validation", "owners");
        // A deeply nested body is a 400, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let reply = api.send("POST", PLAN, "application/json", &deep);
        assert!(reply.status == 400 || reply.status == 422, "{}", reply.body);
        assert_eq!(reply.content_type, "application/problem+json");
        assert_eq!(written(api), before);
    }

    fn aliases_of_control_or_direction_characters_are_refused(api: &TestApi) {
        seeded(api);
        let before = written(api);
        let mut accepted = Vec::new();
        for (i, alias) in ["S\u{0}D", "SD\u{7}", "S\nD", "\u{1b}[31mSD", "...", " "].into_iter().enumerate() {
            let reply = api.post("/api/v1/people", &json!({"name": format!("Mallory {i}"), "directorate": "CFE", "aliases": [alias]}));
            if reply.status == 201 {
                accepted.push(format!("alias {alias:?}"));
            } else {
                reply.assert_field_error(422, "validation", "aliases[0]");
            }
            if alias.trim_matches(['.', ' ']).is_empty() {
                continue; // nothing to match by as an alias, but fine inside a name
            }
            let reply = api.post("/api/v1/people", &json!({"name": format!("Mallory {alias} Davies"), "directorate": "CFE"}));
            if reply.status == 201 {
                accepted.push(format!("name {alias:?}"));
            } else {
                reply.assert_field_error(422, "validation", "name");
            }
            let reply = api.get(&format!("/api/v1/people/resolve?owner={}", urlencode(alias)));
            assert!(reply.status == 400 || reply.status == 200, "{alias:?}: {}", reply.body);
        }
        assert_eq!(accepted, Vec::<String>::new());
        let many: Vec<String> = (0..10_000).map(|i| format!("A{i}")).collect();
        api.post("/api/v1/people", &json!({"name": "Mallory", "directorate": "CFE", "aliases": many}))
            .assert_field_error(422, "validation", "aliases");
        assert_eq!(written(api), before);
    }

    fn a_persons_email_never_reaches_a_reader(api: &TestApi) {
        let person = seeded(api);
        api.send_with("PATCH", &format!("{PLAN}/6.4"), &[], Some(&json!({"due": "31/08/21", "reason": "moved"})));
        let reader = api.create_key("reader", "reader", &[]);
        let approver = api.create_key("approver", "approver", &[]);
        for token in [&reader, &approver] {
            let as_key = api.as_key(token);
            for path in [
                "/api/v1/people".to_owned(),
                format!("/api/v1/people/{person}"),
                "/api/v1/people/resolve?owner=SD".to_owned(),
                "/api/v1/changes?after=0&limit=1000".to_owned(),
                format!("{PLAN}?on=2021-09-30"),
                format!("{PLAN}/6.4"),
                "/api/v1/reports/delivery-plan?directorate=CFE&on=2021-09-30".to_owned(),
                "/api/v1/reports/overdue-actions?directorate=CFE&on=2021-09-30".to_owned(),
                "/api/v1/reports/overdue-actions?directorate=CFE&on=2021-09-30&format=csv".to_owned(),
                "/api/v1/people?after=abc".to_owned(),
                "/api/v1/people/999999".to_owned(),
            ] {
                let reply = as_key.get(&path);
                assert!(reply.status < 500, "{path}: {}", reply.body);
                assert!(!reply.body.to_lowercase().contains(EMAIL), "{path} leaks the email: {}", reply.body);
            }
        }
        // An editor's answer holds it.
        assert!(api.get(&format!("/api/v1/people/{person}")).body.contains(EMAIL));
    }

    fn formulas_in_an_action_are_neutralised_in_the_reports_csv(api: &TestApi) {
        seeded(api);
        let formula = "=cmd|' /C calc'!A0";
        expect(
            api.post(PLAN, &json!({"action": "9.9", "text": formula, "owners": ["@SUM(1+1)"], "due": "01/06/21",
                "critical": true})),
            201,
        );
        let csv = api.get("/api/v1/reports/overdue-actions?directorate=CFE&on=2021-09-30&format=csv");
        assert_eq!(csv.status, 200, "{}", csv.body);
        let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.body.as_bytes())
            .records()
            .map(|record| record.unwrap().iter().map(str::to_owned).collect())
            .collect();
        let row = rows.iter().find(|row| row.iter().any(|cell| cell.contains("cmd|"))).expect("the action's row");
        assert!(row.contains(&format!("'{formula}")), "{row:?}");
        assert!(row.contains(&"'@SUM(1+1)".to_owned()), "{row:?}");
        for cell in rows.iter().flatten() {
            assert!(!cell.starts_with(['=', '+', '@']), "a live formula: {cell}");
        }
        let report = api.get("/api/v1/reports/delivery-plan?directorate=CFE&on=2021-09-30&format=csv");
        assert_eq!(report.status, 200, "{}", report.body);
        for line in report.body.lines() {
            for cell in line.split(',') {
                assert!(!cell.trim_matches('"').starts_with(['=', '@']), "a live formula: {line}");
            }
        }
    }

    fn the_same_idempotency_key_with_another_body_creates_nothing(api: &TestApi) {
        seeded(api);
        let key = [("Idempotency-Key", "plan-attack-1")];
        let first = api.send_with("POST", PLAN, &key, Some(&json!({"action": "9.1", "text": "First"})));
        assert_eq!(first.status, 201, "{}", first.body);
        let again = api.send_with("POST", PLAN, &key, Some(&json!({"action": "9.1", "text": "First"})));
        assert_eq!(again.status, 201, "{}", again.body);
        assert_eq!(again.json()["id"], first.json()["id"]);
        let before = written(api);
        let other = api.send_with("POST", PLAN, &key, Some(&json!({"action": "9.2", "text": "Second"})));
        assert_eq!(other.status, 422, "{}", other.body);
        // Another key's same Idempotency-Key is its own request, never the first key's answer.
        let editor = api.create_key("editor-cfe", "editor", &["CFE"]);
        let before = if before == written(api) { before } else { written(api) };
        let theirs = api.as_key(&editor).send_with("POST", PLAN, &key, Some(&json!({"action": "9.1", "text": "First"})));
        assert_ne!(theirs.status, 201, "another key was answered the first key's action: {}", theirs.body);
        assert_eq!(written(api), before);
        api.get(&format!("{PLAN}/9.2")).assert_problem(404, "not-found");
    }

    fn an_import_naming_another_directorates_line_writes_nothing(api: &TestApi) {
        seeded(api);
        api.with_directorate("ASC", "Adult Social Care");
        expect(
            api.post("/api/v1/lines", &json!({"ref": "ASC SAV01", "kind": "saving", "directorate": "ASC",
                "title": "Care home placements", "status": "agreed", "years": [{"year": "2021/22", "amount": "250000.00"}]})),
            201,
        );
        let cfe = api.create_key("editor-cfe", "editor", &["CFE"]);
        let before = written(api);
        let csv = format!("{HEADER}\nCFE SAV09,6.5,Procure,SD,30/11/21,Not started,,\nASC SAV01,1.1,Close a home,SD,01/06/21,Not started,,\n");
        let problem = import(api, &csv).assert_problem(422, "validation");
        assert!(problem.to_string().contains("ASC SAV01"), "{problem}");
        assert_eq!(written(api), before);
        api.get(&format!("{PLAN}/6.5")).assert_problem(404, "not-found");
        // CFE's editor may not import into ASC.
        api.as_key(&cfe)
            .send("POST", "/api/v1/directorates/ASC/delivery-plan?layout=actions", "text/csv", &csv)
            .assert_problem(403, "forbidden");
        assert_eq!(written(api), before);
    }

    fn a_plan_file_past_its_limits_is_refused_and_writes_nothing(api: &TestApi) {
        seeded(api);
        let before = written(api);
        // 10,001 rows.
        let mut csv = String::from(HEADER);
        for i in 0..10_001 {
            csv.push_str(&format!("\nCFE SAV09,R{i},Step {i},SD,01/06/21,Not started,,"));
        }
        let reply = import(api, &csv);
        assert_eq!(reply.status, 422, "{}", &reply.body[..reply.body.len().min(500)]);
        // A cell of 1 MB.
        let cell = "x".repeat(1 << 20);
        let reply = import(api, &format!("{HEADER}\nCFE SAV09,6.5,{cell},SD,30/11/21,Not started,,\n"));
        reply.assert_problem(422, "validation");
        assert!(reply.body.len() < 10_000, "the cell came back: {} bytes", reply.body.len());
        // Past 16 MiB, refused by its declared length.
        let big = "x".repeat(16 * 1024 * 1024 + 1);
        let reply = import(api, &big);
        assert_eq!(reply.status, 413, "{}", &reply.body[..reply.body.len().min(500)]);
        // Deeply nested JSON.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let reply = api.send("POST", &format!("{IMPORT}?layout=actions"), "application/json", &deep);
        assert!(reply.status == 400 || reply.status == 422, "{}", reply.body);
        assert_eq!(reply.content_type, "application/problem+json");
        // A zip bomb: a sheet that unpacks to 1 GiB.
        let reply = api.send_bytes("POST", &format!("{IMPORT}?layout=actions"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &zip_bomb());
        assert!(reply.status == 400 || reply.status == 413 || reply.status == 422, "{}", reply.body);
        assert_eq!(written(api), before);
    }
}

fn plan_rows(count: usize) -> String {
    let mut csv = String::from(HEADER);
    for i in 0..count {
        // 200 actions a line (as many as a plan holds), each waiting on the 20 before it in its line.
        let line = [
            "CFE SAV02",
            "CFE SAV04",
            "CFE SAV05",
            "CFE SAV06",
            "CFE SAV09",
        ][(i / 200) % 5];
        let first = i - i % 200;
        let deps: Vec<String> = (i.saturating_sub(20).max(first)..i)
            .map(|d| format!("R{d}"))
            .collect();
        csv.push_str(&format!(
            "\n{line},R{i},Step {i},SD,01/06/21,Not started,,\"{}\"",
            deps.join(";")
        ));
    }
    csv
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// An XLSX whose one sheet unpacks to 1 GiB of blank cells.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#).unwrap();
    zip.start_file("xl/workbook.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>"#).unwrap();
    zip.start_file("xl/_rels/workbook.xml.rels", options)
        .unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#).unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
    let filler = vec![b' '; 1 << 20];
    for _ in 0..1024 {
        zip.write_all(&filler).unwrap();
    }
    zip.write_all(b"</sheetData></worksheet>").unwrap();
    zip.finish().unwrap().into_inner()
}
