//! Imports, reconciliations and exports tried as an attacker (or a careless script) would: each attack is
//! refused with the right status, problem type and named field or limit, writes nothing, and costs no more
//! than a look at the part of the input that is wrong.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;

use common::reads::lines_and_feed;
use common::TestApi;
use serde_json::{json, Value};

const IMPORT: &str = "/api/v1/imports/lines";
const RECONCILE: &str = "/api/v1/reconciliations";

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The 320 KB file of issue 11: a header that names the year columns again and again, and rows filling them.
fn repeated_year_columns() -> String {
    let years: Vec<String> = (0..40)
        .flat_map(|_| (2021..2031).map(|y| format!("{y}/{:02}", (y + 1) % 100)))
        .collect();
    let mut csv = format!("ref,kind,directorate,title,{}\n", years.join(","));
    let mut row = 0;
    while csv.len() < 320 * 1024 {
        row += 1;
        let amounts: Vec<String> = (0..years.len()).map(|i| (1 + i * 7).to_string()).collect();
        csv.push_str(&format!(",saving,CFE,Row {row},{}\n", amounts.join(",")));
    }
    csv
}

/// Sends a request's head, with `length` as its body's length, and `body` (all of it, or only its start) over
/// a raw connection, so that a test can act while the server is still working on it.
fn start_request(
    api: &TestApi,
    token: &str,
    content_type: &str,
    length: usize,
    body: &[u8],
) -> TcpStream {
    let address = api.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("a connection");
    // Only a guard against hanging forever if the server waits for the body; the test asserts no timing.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    let head = format!(
        "POST {IMPORT} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    stream
}

/// Reads an answer's status and body (the server closes the connection after it).
fn read_answer(mut stream: TcpStream) -> (u16, String, String) {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 65536];
    loop {
        let n = stream.read(&mut buffer).expect("an answer");
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if length.is_some_and(|length| body.len() >= length) {
                break;
            }
        }
    }
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// A request whose body is announced as 100 MB but only begins: only a server that answers before reading
/// the body can answer at all.
fn answer_before_the_body(api: &TestApi, token: &str, content_type: &str) -> (u16, Value) {
    let start = b"ref,kind,directorate,title,2021/22\n,saving,CFE,First row,1\n";
    let stream = start_request(api, token, content_type, 100_000_000, start);
    let (status, head, body) = read_answer(stream);
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    (status, serde_json::from_str(&body).unwrap())
}

on_both_backends! {
    fn a_reader_is_refused_before_the_file_is_read(api: &TestApi) {
        api.with_demo();
        let reader = api.create_key("reader", "reader", &[]);
        let before = lines_and_feed(api);
        // The 320 KB file that took seconds of CPU to be refused: now 403 at once, the body unread.
        let reply = api.as_key(&reader).send("POST", IMPORT, "text/csv", &repeated_year_columns());
        let problem = reply.assert_problem(403, "forbidden");
        assert!(problem["detail"].as_str().unwrap().contains("reader"), "{problem}");
        // Whatever the media type, the role is checked first.
        api.as_key(&reader).send("POST", IMPORT, "text/plain", "anything").assert_problem(403, "forbidden");
        // The answer comes before the body has been sent: it was never read.
        let (status, problem) = answer_before_the_body(api, &reader, "text/csv");
        assert_eq!((status, problem["type"].as_str()), (403, Some("/problems/forbidden")));
        assert_eq!(lines_and_feed(api), before);
    }

    fn an_editor_is_refused_naming_the_rows_of_other_directorates(api: &TestApi) {
        api.with_demo();
        api.with_directorate("ASC", "Adults");
        let editor = api.create_key("cfe-editor", "editor", &["CFE"]);
        let before = lines_and_feed(api);
        let mut csv = String::from("ref,kind,directorate,title,2021/22\n");
        for row in 1..=300 {
            // Every third row is another directorate's; rows 2 and 5 also have a bad kind, found only by planning.
            let code = if row % 3 == 0 { "ASC" } else { "CFE" };
            let kind = if row == 2 || row == 5 { "capex" } else { "saving" };
            csv.push_str(&format!(",{kind},{code},Row {row},100\n"));
        }
        let problem = api.as_key(&editor).send("POST", IMPORT, "text/csv", &csv).assert_problem(403, "forbidden");
        // The first linear pass names the rows (the first 10 of them) and counts the rest, before any planning.
        assert_eq!(
            problem["detail"],
            "key cfe-editor may not change ASC's figures: rows 3, 6, 9, 12, 15, 18, 21, 24, 27, 30 and 90 more"
        );
        assert_eq!(lines_and_feed(api), before);
        // Its own directorate's rows import as usual.
        let own = api.as_key(&editor).send("POST", IMPORT, "text/csv", "ref,kind,directorate,title,2021/22\n,saving,CFE,Own,1\n");
        assert_eq!(own.status, 200, "{}", own.body);
        assert_eq!(own.json()["created"], json!(["CFE SAV17"]));
    }

    fn an_amount_too_large_for_any_unit_is_a_problem_not_a_panic(api: &TestApi) {
        api.with_demo();
        let before = lines_and_feed(api);
        for unit in ["thousands", "pounds"] {
            for cell in ["9999999999999999999999999999", "-9999999999999999999999999999", "99999999999999999999999999999999999999999", "1000000000000", "999999999999.999"] {
                let csv = format!("ref,kind,directorate,title,2021/22,2022/23\n,saving,CFE,Huge,{cell},1\n");
                let problem = api
                    .send("POST", &format!("{IMPORT}?unit={unit}"), "text/csv", &csv)
                    .assert_field_error(422, "validation", "row 1: 2021/22");
                assert_eq!(fields(&problem), ["row 1: 2021/22"], "{unit} {cell}: {problem}");
            }
        }
        // The largest amount there is, in £000s: still exact.
        let csv = "ref,kind,directorate,title,2021/22\n,saving,CFE,Largest,999999999.99999\n";
        let reply = api.send("POST", &format!("{IMPORT}?unit=thousands&dry_run=true"), "text/csv", csv);
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(lines_and_feed(api), before);
    }

    fn a_header_naming_a_column_twice_is_refused_at_the_header(api: &TestApi) {
        api.with_demo();
        let before = lines_and_feed(api);
        for (header, field, first) in [
            ("ref,kind,directorate,title,2021/22,2021/22", "row 0: 2021/22", "column 5"),
            ("ref,kind,directorate,title,2021/22,2021-22", "row 0: 2021-22", "column 5"),
            ("ref,kind,directorate,Title,2021/22,title", "row 0: title", "column 4"),
        ] {
            let csv = format!("{header}\n,saving,CFE,A,1,2\n");
            let problem = api.send("POST", IMPORT, "text/csv", &csv).assert_field_error(422, "validation", field);
            assert_eq!(fields(&problem), [field]);
            let message = problem["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(first), "{message}");
        }
        // The 320 KB file of repeated year columns: refused at the header, for its editor too.
        let problem = api.send("POST", IMPORT, "text/csv", &repeated_year_columns()).assert_problem(422, "validation");
        assert_eq!(fields(&problem), ["columns"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("at most 64 columns"), "{problem}");
        // Within the column limit, its repeats are named one by one.
        let years: Vec<String> = (0..5).flat_map(|_| (2021..2031).map(|y| format!("{y}-{:02}", (y + 1) % 100))).collect();
        let csv = format!("ref,kind,directorate,title,{}\n", years.join(","));
        let problem = api.send("POST", IMPORT, "text/csv", &csv).assert_problem(422, "validation");
        assert_eq!(fields(&problem).len(), 40);
        assert_eq!(fields(&problem)[0], "row 0: 2021-22");
        assert_eq!(lines_and_feed(api), before);
    }

    fn problems_are_listed_up_to_a_cap_with_the_total(api: &TestApi) {
        api.with_demo();
        let before = lines_and_feed(api);
        let mut csv = String::from("ref,kind,directorate,title,2021/22\n");
        for row in 1..=300 {
            csv.push_str(&format!(",capex,CFE,Row {row},1\n"));
        }
        let problem = api.send("POST", IMPORT, "text/csv", &csv).assert_problem(422, "validation");
        let listed = fields(&problem);
        assert_eq!(listed.len(), 100);
        assert_eq!((listed[0].as_str(), listed[99].as_str()), ("row 1: kind", "row 100: kind"));
        assert_eq!(problem["errors_total"], 300);
        assert_eq!(problem["detail"], "the request has 300 problems; the first 100 are listed");
        // Rows that cannot be read at all are capped the same way.
        let mut csv = String::from("ref,kind,directorate,title,2021/22\n");
        for _ in 0..250 {
            csv.push_str(",saving,CFE,Too many cells,1,2,3\n");
        }
        let problem = api.send("POST", IMPORT, "text/csv", &csv).assert_problem(422, "validation");
        assert_eq!((fields(&problem).len(), problem["errors_total"].as_u64()), (100, Some(250)));
        assert_eq!(lines_and_feed(api), before);
    }

    fn rows_columns_and_cells_have_limits(api: &TestApi) {
        api.with_demo();
        let before = lines_and_feed(api);
        // One row past the limit: refused as soon as it is read, naming the limit.
        let mut csv = String::from("ref,kind,directorate,title,2021/22\n");
        for _ in 0..50_001 {
            csv.push_str(",saving,CFE,t,1\n");
        }
        let problem = api.send("POST", IMPORT, "text/csv", &csv).assert_field_error(422, "validation", "rows");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("at most 50000 rows"), "{problem}");
        let rows: Vec<Value> = (0..50_001).map(|_| json!({"kind": "saving"})).collect();
        api.post(IMPORT, &json!({"rows": rows})).assert_field_error(422, "validation", "rows");
        // A cell past the limit, by bytes: 2,049 four-byte letters are 8,196 bytes.
        let title = "𝔸".repeat(2_049);
        let csv = format!("ref,kind,directorate,title,2021/22\n,saving,CFE,{title},1\n");
        let problem = api.send("POST", IMPORT, "text/csv", &csv).assert_field_error(422, "validation", "row 1: title");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("8192 bytes"), "{problem}");
        let problem = api.post(IMPORT, &json!({"rows": [{"kind": "saving", "title": title}]}))
            .assert_field_error(422, "validation", "row 1: title");
        assert_eq!(fields(&problem), ["row 1: title"]);
        // A JSON row naming a year twice (in its two spellings).
        api.post(IMPORT, &json!({"rows": [{"kind": "saving", "directorate": "CFE", "title": "T", "years": {"2021/22": "1", "2021-22": "2"}}]}))
            .assert_field_error(422, "validation", "row 1: 2021/22");
        // A body past the byte limit: 413 naming it.
        let huge = "x".repeat(16 * 1024 * 1024 + 1);
        let problem = api.send("POST", IMPORT, "text/csv", &huge).assert_problem(413, "payload-too-large");
        assert!(problem["detail"].as_str().unwrap().contains("16777216 bytes"), "{problem}");
        assert_eq!(lines_and_feed(api), before);
    }

    fn a_retried_import_creates_nothing_twice(api: &TestApi) {
        api.with_demo();
        let rows = json!({"rows": [
            {"kind": "saving", "directorate": "CFE", "title": "Transport review", "years": {"2022/23": "150000.00"}},
            {"kind": "growth", "directorate": "CFE", "title": "Youth justice", "years": {"2021/22": "25000.00"}}
        ]});
        let key = [("Idempotency-Key", "import-7d1c")];
        let first = api.send_with("POST", IMPORT, &key, Some(&rows));
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.json()["created"], json!(["CFE SAV17", "CFE GRO10"]));
        let after_first = lines_and_feed(api);
        let again = api.send_with("POST", IMPORT, &key, Some(&rows));
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.header("Idempotent-Replayed"), Some("true"));
        assert_eq!(again.json(), first.json());
        assert_eq!(lines_and_feed(api), after_first, "the retry created nothing");
        // The same key for another file is refused, and writes nothing.
        let other = json!({"rows": [{"kind": "saving", "directorate": "CFE", "title": "Other", "years": {}}]});
        api.send_with("POST", IMPORT, &key, Some(&other)).assert_field_error(422, "validation", "Idempotency-Key");
        assert_eq!(lines_and_feed(api), after_first);
        // Without a key the same file is a new import.
        let without = api.post(IMPORT, &rows);
        assert_eq!(without.json()["created"], json!(["CFE SAV18", "CFE GRO11"]));
    }

    fn health_and_another_writer_are_answered_while_a_big_import_runs(api: &TestApi) {
        api.with_cfe();
        api.with_directorate("ASC", "Adults");
        // 20,000 rows without refs (refs have four digits: a third each to CFE savings, CFE growth, ASC savings).
        let mut csv = String::from("ref,kind,directorate,title,owner,2021/22,2022/23,2023/24,2024/25,2025/26\n");
        for row in 1..=20_000 {
            let (kind, code) = [("saving", "CFE"), ("growth", "CFE"), ("saving", "ASC")][row % 3];
            csv.push_str(&format!(",{kind},{code},Line {row},Owner {},{row}.01,2{row},3{row}.5,4{row},5{row}\n", row % 97));
        }
        let importer = api.create_key("importer", "editor", &[]);
        // The whole file is handed over before anything else is sent: once the last byte is written, the
        // server has read most of it and is still to parse, plan and write 20,000 rows.
        let stream = start_request(api, &importer, "text/csv", csv.len(), csv.as_bytes());
        let (done, order) = mpsc::channel();
        let tx = done.clone();
        let import = std::thread::spawn(move || {
            let answer = read_answer(stream);
            tx.send("import").unwrap();
            answer
        });
        let health = api.anonymous().get("/health");
        assert_eq!(health.status, 200);
        done.send("health").unwrap();
        let line = json!({"kind": "growth", "directorate": "CFE", "title": "Written meanwhile", "years": [{"year": "2021/22", "amount": "1.00"}]});
        let writer = api.post("/api/v1/lines", &line);
        assert_eq!(writer.status, 201, "{}", writer.body);
        done.send("writer").unwrap();
        let (status, _, body) = import.join().unwrap();
        assert_eq!(status, 200, "{}", &body[..body.len().min(300)]);
        let order: Vec<&str> = order.iter().take(3).collect();
        assert_eq!(order, ["health", "writer", "import"]);
        // The other writer's line went in first, while the import was planned: its write turn came after.
        assert_eq!(writer.json()["ref"], "CFE GRO01");
        let report: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(report["created"].as_array().unwrap().len(), 20_000);
        assert_eq!(report["created"][0], "CFE GRO02");
        assert_eq!(report["created"][1], "ASC SAV01");
    }

    fn a_printed_amount_past_the_largest_is_a_problem_not_a_panic(api: &TestApi) {
        api.with_demo();
        let before = lines_and_feed(api);
        for amount in ["999,999,999,999.99", "(999,999,999,999.99)", "100000000000"] {
            let table = json!({"unit": "thousands", "rows": [{"ref": "CFE SAV05", "years": {"2021/22": "794", "2022/23": amount}}],
                "totals": [{"directorate": "CFE", "measure": "net", "years": {"2021/22": amount}}]});
            let problem = api.post(RECONCILE, &table).assert_problem(422, "validation");
            assert_eq!(fields(&problem), ["rows[0].years.2022/23", "totals[0].years.2021/22"], "{amount}");
        }
        // The largest amount there is, in pounds, compares (and differs) without overflowing.
        let table = json!({"unit": "pounds", "rows": [{"ref": "CFE SAV05", "years": {"2021/22": "-999,999,999,999.99"}}],
            "totals": [{"directorate": "CFE", "measure": "net", "years": {"2021/22": "-999999999999.99"}}]});
        let result = api.post(RECONCILE, &table).json();
        assert_eq!(result["rows"][0]["years"][0]["difference"], "999999205999.99");
        assert_eq!(result["totals"][0]["years"][0]["difference"], "-1000010999999.99");
        assert_eq!(lines_and_feed(api), before);
    }

    fn a_table_past_the_row_limit_is_refused_naming_it(api: &TestApi) {
        api.with_demo();
        let rows: Vec<Value> = (0..50_001).map(|_| json!({"years": {}})).collect();
        let problem = api.post(RECONCILE, &json!({"rows": rows})).assert_field_error(422, "validation", "rows");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("at most 50000 rows"), "{problem}");
        let totals: Vec<Value> = (0..1_001).map(|_| json!({"directorate": "CFE", "measure": "net", "years": {}})).collect();
        api.post(RECONCILE, &json!({"totals": totals})).assert_field_error(422, "validation", "totals");
    }

    fn many_rows_match_by_ref_and_title_through_one_lookup(api: &TestApi) {
        api.with_demo();
        // Every demo line by ref, 500 times over: each matched, with the same figures; and one by title.
        let lines = api.get("/api/v1/lines?limit=500").json()["lines"].as_array().unwrap().clone();
        let mut rows = Vec::new();
        for _ in 0..500 {
            for line in &lines {
                let years: serde_json::Map<String, Value> = line["years"].as_array().unwrap().iter()
                    .map(|e| (e["year"].as_str().unwrap().to_owned(), e["amount"].clone())).collect();
                rows.push(json!({"ref": line["ref"], "years": years}));
            }
        }
        rows.push(json!({"title": "  Staffing REVIEW ", "years": {"2021/22": "1471000.00"}}));
        let result = api.post(RECONCILE, &json!({"unit": "pounds", "rows": rows})).json();
        assert_eq!((result["matched"].as_u64(), result["different"].as_u64(), result["unknown"].as_u64()), (Some(10_501), Some(0), Some(0)));
        assert_eq!(result["rows"][10_500]["matched_by"], "title");
        assert_eq!(result["rows"][10_500]["ref"], "CFE SAV16");
    }
}

mod exports {
    use std::io::Cursor;

    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use serde_json::json;

    use super::common::{Backend, TestApi};
    use super::{lines_and_feed, IMPORT};

    const FORMULA: &str = "=HYPERLINK(\"https://x\",\"y\")";

    fn with_formulas(api: &TestApi) {
        api.with_demo();
        let line = json!({"kind": "saving", "directorate": "CFE", "title": FORMULA, "owner": "@finance",
            "description": "+1 for this", "years": [{"year": "2022/23", "amount": "150000.00"}]});
        let reply = api.post("/api/v1/lines", &line);
        assert_eq!(reply.status, 201, "{}", reply.body);
        // A title that already starts with the neutralising mark keeps it, through an export and back.
        let marked = json!({"kind": "growth", "directorate": "CFE", "title": "'-not a formula", "owner": "BP",
            "years": [{"year": "2021/22", "amount": "10.00"}]});
        assert_eq!(api.post("/api/v1/lines", &marked).status, 201);
    }

    crate::on_both_backends! {
        fn csv_cells_that_would_run_as_formulas_are_neutralised_and_read_back_unchanged(api: &TestApi) {
            with_formulas(api);
            let (status, _, bytes) = api.get_bytes("/api/v1/lines?limit=500&format=csv", "*/*");
            assert_eq!(status, 200);
            let text = String::from_utf8(bytes).unwrap();
            let row = text.lines().find(|l| l.starts_with("CFE SAV17,")).unwrap();
            // The text cells neutralised; the amounts, negative savings included, stay numbers.
            assert_eq!(
                row,
                "CFE SAV17,saving,CFE,\"'=HYPERLINK(\"\"https://x\"\",\"\"y\"\")\",'@finance,proposed,ongoing,,-150000.00,,-150000.00"
            );
            assert!(
                text.lines()
                    .any(|l| l.starts_with("CFE GRO10,growth,CFE,''-not a formula,BP,")),
                "{text}"
            );
            assert!(text.contains("CFE SAV05,saving,CFE,Reduction in the numbers of children in care,Hannah Doughty,agreed,ongoing,-794000.00,-1654000.00,-1385000.00,-3833000.00"), "{text}");
            // The tracker reads its own export back, and nothing changes.
            let before = lines_and_feed(api);
            let reply = api.send("POST", IMPORT, "text/csv", &text);
            assert_eq!(reply.status, 200, "{}", reply.body);
            let report = reply.json();
            assert_eq!(
                (report["created"].clone(), report["updated"].clone()),
                (json!([]), json!([])),
                "{report}"
            );
            assert_eq!(report["unchanged"].as_array().unwrap().len(), 23);
            assert_eq!(lines_and_feed(api), before);
            let line = api.get("/api/v1/lines/CFE-SAV17").json();
            assert_eq!(
                (
                    line["title"].as_str(),
                    line["owner"].as_str(),
                    line["version"].as_i64()
                ),
                (Some(FORMULA), Some("@finance"), Some(1))
            );
            assert_eq!(
                api.get("/api/v1/lines/CFE-GRO10").json()["title"],
                "'-not a formula"
            );
        }
    }

    #[test]
    fn xlsx_writes_text_as_text_never_as_a_formula() {
        let api = TestApi::start(Backend::Sqlite);
        with_formulas(&api);
        let (status, _, bytes) = api.get_bytes("/api/v1/lines?limit=500&format=xlsx", "*/*");
        assert_eq!(status, 200);
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let range = workbook.worksheet_range_at(0).unwrap().unwrap();
        let row = (0..range.height() as u32)
            .find(|&r| range.get_value((r, 0)) == Some(&Data::String("CFE SAV17".to_owned())))
            .unwrap();
        assert_eq!(
            range.get_value((row, 3)),
            Some(&Data::String(FORMULA.to_owned()))
        );
        assert_eq!(range.get_value((row, 8)), Some(&Data::Float(-150000.0)));
        let sheet = workbook.sheet_names()[0].clone();
        let formulas = workbook.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no cell is a formula"
        );
    }
}
