//! Attacks on the service's inputs, replayed on both engines: each must be refused with the right status and
//! problem type, name the field at fault, and leave nothing written.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestApi;
use serde_json::{json, Value};

/// Everything stored that an attack could have touched, as the API shows it: lines, directorates, the feed.
fn snapshot(api: &TestApi) -> Vec<String> {
    [
        "/api/v1/lines?limit=500&include_withdrawn=true",
        "/api/v1/directorates",
        "/api/v1/changes",
    ]
    .iter()
    .map(|path| {
        let reply = api.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        reply.body
    })
    .collect()
}

/// An HTTP/1.1 answer read off a raw socket: its status line, headers and body.
struct RawReply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn read_raw_reply(stream: TcpStream) -> RawReply {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("a status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP status line: {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header");
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map(|(_, value)| value.parse().expect("a length"))
        .expect("a content length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    RawReply {
        status,
        headers,
        body: String::from_utf8(body).expect("UTF-8"),
    }
}

/// A new CFE saving with these fields on top of a valid title.
fn new_line(fields: Value) -> Value {
    let mut line = json!({"kind": "saving", "directorate": "CFE", "title": "Placements review",
        "years": [{"year": "2021/22", "amount": "100.00"}]});
    for (name, value) in fields.as_object().expect("fields") {
        line[name] = value.clone();
    }
    line
}

/// `count` copies of a four-byte letter (U+1D51E MATHEMATICAL FRAKTUR SMALL A).
fn four_byte_letters(count: usize) -> String {
    "\u{1d51e}".repeat(count)
}

/// The instant past the last one `time` can hold once turned into UTC: it used to panic.
const OVERFLOWING: &str = "9999-12-31T23:59:59-23:59";

on_both_backends! {
    // A client that sends its headers and then one byte a second is refused once the body deadline passes,
    // before its body is complete; meanwhile an ordinary request is answered.
    fn a_trickled_body_is_refused_and_others_are_served_meanwhile(api: &TestApi) {
        api.with_cfe();
        let token = api.create_key("trickler", "admin", &[]);
        let before = snapshot(api);
        let address = api.base.trim_start_matches("http://").to_owned();
        let body = br#"{"code":"HOS","name":"Hostile Directorate"}"#;
        let mut stream = TcpStream::connect(&address).expect("a connection");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("a read timeout");
        write!(
            stream,
            "POST /api/v1/directorates HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .expect("the head");
        let events = Arc::new(Mutex::new(Vec::new()));
        let refused_yet = Arc::new(AtomicBool::new(false));
        let mut writer = stream.try_clone().expect("a second handle");
        let trickle = {
            let refused_yet = Arc::clone(&refused_yet);
            std::thread::spawn(move || {
                // One byte a second: the whole body would take four times the deadline.
                let mut sent = 0;
                for byte in body {
                    if refused_yet.load(Ordering::SeqCst) || writer.write_all(&[*byte]).is_err() {
                        break;
                    }
                    sent += 1;
                    std::thread::sleep(Duration::from_secs(1));
                }
                sent
            })
        };
        let refusal = {
            let events = Arc::clone(&events);
            std::thread::spawn(move || {
                let reply = read_raw_reply(stream);
                refused_yet.store(true, Ordering::SeqCst);
                events.lock().unwrap().push("trickle refused");
                reply
            })
        };
        let ordinary = api.get("/api/v1/directorates/CFE");
        assert_eq!(ordinary.status, 200, "{}", ordinary.body);
        events.lock().unwrap().push("ordinary answered");

        let refused = refusal.join().expect("the refusal");
        assert_eq!(refused.status, 408, "{}", refused.body);
        let problem: serde_json::Value = serde_json::from_str(&refused.body).expect("JSON");
        assert_eq!(problem["type"], "/problems/request-timeout", "{problem}");
        assert_eq!(problem["status"], 408, "{problem}");
        let header = |wanted: &str| {
            refused
                .headers
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(header("content-type"), Some("application/problem+json"));
        assert_eq!(header("connection"), Some("close"));
        let sent = trickle.join().expect("the trickle");
        assert!(sent < body.len(), "refused only after the whole body ({sent} bytes)");
        assert_eq!(
            *events.lock().unwrap(),
            ["ordinary answered", "trickle refused"]
        );
        api.get("/api/v1/directorates/HOS")
            .assert_problem(404, "not-found");
        assert_eq!(snapshot(api), before);
    }
    // Instants that overflow when turned into UTC, or lie outside the years accepted, are 400 naming the
    // parameter on every read that takes one.
    fn instant_parameters_out_of_range_are_refused_naming_the_parameter(api: &TestApi) {
        api.with_demo();
        let before = snapshot(api);
        let cases = [
            (format!("/api/v1/lines?as_at={OVERFLOWING}"), "as_at"),
            (format!("/api/v1/lines/CFE%20SAV05?as_at={OVERFLOWING}"), "as_at"),
            (format!("/api/v1/reports/summary?as_at={OVERFLOWING}"), "as_at"),
            (format!("/api/v1/reports/at-risk?year=2021-22&period=P3&as_at={OVERFLOWING}"), "as_at"),
            (format!("/api/v1/dsg?as_at={OVERFLOWING}"), "as_at"),
            (format!("/api/v1/dsg/2020-21?as_at={OVERFLOWING}"), "as_at"),
            (format!("/api/v1/reports/changes?from={OVERFLOWING}"), "from"),
            (
                "/api/v1/reports/changes?from=2021-04-01T00:00:00Z&to=0000-01-01T00:00:00%2B23:59".to_owned(),
                "to",
            ),
            ("/api/v1/lines?as_at=2100-01-01T00:00:00Z".to_owned(), "as_at"),
            ("/api/v1/lines?as_at=1989-12-31T23:59:59Z".to_owned(), "as_at"),
        ];
        for (path, field) in &cases {
            api.get(path)
                .assert_field_error(400, "invalid-parameter", field);
        }
        // The edges of the range are answered: the year is read as written, whatever the offset makes of it in UTC.
        for at in [
            "1990-01-01T00:00:00Z",
            "1990-01-01T00:00:00%2B23:59",
            "2099-12-31T23:59:59Z",
            "2099-12-31T23:59:59-00:01",
        ] {
            let reply = api.get(&format!("/api/v1/lines?as_at={at}"));
            assert_eq!(reply.status, 200, "{at}: {}", reply.body);
        }
        assert_eq!(snapshot(api), before);
    }

    // The same in bodies: instants and dates out of range are 422 naming the field, and nothing is written.
    fn instants_and_dates_in_bodies_out_of_range_are_refused_naming_the_field(api: &TestApi) {
        api.with_demo();
        let before = snapshot(api);
        let plan = |fields: Value| {
            let mut plan = json!({"agreed_by": "Cabinet", "agreed_on": "2021-07-19", "balanced_in": "2024/25",
                "movements": [{"year": "2021/22", "block": "high_needs", "movement": "4000000.00"}]});
            for (name, value) in fields.as_object().expect("fields") {
                plan[name] = value.clone();
            }
            plan
        };
        let cases = [
            ("POST", "/api/v1/reconciliations", json!({"as_at": OVERFLOWING, "rows": []}), "as_at"),
            ("POST", "/api/v1/periods", json!({"year": "2021/22", "period": "P4", "as_at": "9999-12-31"}), "as_at"),
            ("POST", "/api/v1/periods", json!({"year": "2021/22", "period": "P4", "as_at": "0000-01-01"}), "as_at"),
            ("PUT", "/api/v1/dsg/plans/recovery", plan(json!({"agreed_on": "1000-01-01"})), "agreed_on"),
            ("PUT", "/api/v1/dsg/plans/recovery", plan(json!({"submitted_on": "2100-01-01"})), "submitted_on"),
        ];
        for (method, path, body, field) in &cases {
            api.send_with(method, path, &[], Some(body))
                .assert_field_error(422, "validation", field);
        }
        api.get("/api/v1/dsg/plans/recovery").assert_problem(404, "not-found");
        assert_eq!(snapshot(api), before);
    }

    // NUL (which PostgreSQL cannot store) and other control characters are refused in every text field,
    // naming it; line breaks only where text may run over lines.
    fn control_characters_in_text_are_refused_naming_the_field(api: &TestApi) {
        api.with_demo();
        let before = snapshot(api);
        let cases = [
            ("POST", "/api/v1/lines".to_owned(), new_line(json!({"title": "Placements\u{0}review"})), "title"),
            ("POST", "/api/v1/lines".to_owned(), new_line(json!({"title": "Placements\nreview"})), "title"),
            ("POST", "/api/v1/lines".to_owned(), new_line(json!({"owner": "Finance\u{1b}[2J BP"})), "owner"),
            ("POST", "/api/v1/lines".to_owned(), new_line(json!({"description": "Earlier\u{0}help"})), "description"),
            ("POST", "/api/v1/lines".to_owned(), new_line(json!({"status": "withdrawn", "reason": "\u{7f}"})), "reason"),
            ("PATCH", "/api/v1/lines/CFE%20SAV05".to_owned(), json!({"title": "Children\u{0}"}), "title"),
            ("PATCH", "/api/v1/lines/CFE%20SAV05".to_owned(), json!({"description": "a\u{85}b"}), "description"),
            ("POST", "/api/v1/directorates".to_owned(), json!({"code": "ABC", "name": "Adults\u{0}"}), "name"),
            (
                "POST",
                "/api/v1/dsg/2020-21/transfers".to_owned(),
                json!({"from_block": "high_needs", "to_block": "early_years", "amount": "1000.00",
                    "approved_by": "schools_forum", "reference": "Forum\u{0}minute"}),
                "reference",
            ),
        ];
        for (method, path, body, field) in &cases {
            let sent = if *method == "PATCH" {
                api.patch(path, body)
            } else {
                api.send_with(method, path, &[], Some(body))
            };
            sent.assert_field_error(422, "validation", field);
        }
        api.get("/api/v1/lines?q=care%00")
            .assert_field_error(400, "invalid-parameter", "q");
        // Line breaks and tabs are kept in a description.
        let created = api.post(
            "/api/v1/lines",
            &new_line(json!({"description": "First.\n\tSecond.\r\nThird."})),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.json()["description"], "First.\n\tSecond.\r\nThird.");
        let mut after = snapshot(api);
        // Only that line was added; remove it from the comparison by comparing the earlier lines and feed.
        let lines_after: Value = serde_json::from_str(&after[0]).expect("JSON");
        assert_eq!(lines_after["lines"].as_array().map(Vec::len), Some(22));
        after.truncate(2);
        assert_eq!(after[1], before[1]);
    }

    // Text is limited in bytes, not characters: 51 four-byte letters (204 bytes) are over a title's 200; 50
    // are not. The issue's attack, a description of 10,000 four-byte letters, is refused, and an audit event of
    // a line with every text at its limit stays small.
    fn text_is_limited_in_bytes(api: &TestApi) {
        api.with_cfe();
        let before = snapshot(api);
        let too_long = [
            (json!({"title": four_byte_letters(51)}), "title"),
            (json!({"owner": four_byte_letters(26)}), "owner"),
            (json!({"description": four_byte_letters(10_000)}), "description"),
            (json!({"description": four_byte_letters(2_501)}), "description"),
            (json!({"status": "withdrawn", "reason": four_byte_letters(501)}), "reason"),
        ];
        for (fields, field) in &too_long {
            let problem = api
                .post("/api/v1/lines", &new_line(fields.clone()))
                .assert_field_error(422, "validation", field);
            assert!(problem.to_string().contains("bytes"), "{problem}");
        }
        api.post("/api/v1/directorates", &json!({"code": "ABC", "name": four_byte_letters(51)}))
            .assert_field_error(422, "validation", "name");
        assert_eq!(snapshot(api), before);

        let at_limit = new_line(json!({
            "title": four_byte_letters(50), "owner": four_byte_letters(25),
            "description": four_byte_letters(2_500), "status": "withdrawn", "reason": four_byte_letters(500),
        }));
        let created = api.post("/api/v1/lines", &at_limit);
        assert_eq!(created.status, 201, "{}", created.body);
        let line = created.json();
        assert_eq!(line["title"], four_byte_letters(50));
        assert_eq!(line["description"], four_byte_letters(2_500));
        let history = api.get("/api/v1/lines/CFE%20SAV01/history");
        assert_eq!(history.status, 200, "{}", history.body);
        let events = history.json();
        assert_eq!(events.as_array().map(Vec::len), Some(1));
        let event_bytes = events[0].to_string().len();
        assert!(event_bytes < 16_000, "an event of {event_bytes} bytes");
    }

    // Path parameters that are free text reach no query with a NUL: each is a 4xx problem.
    fn a_line_whose_years_add_up_past_the_largest_amount_is_refused(api: &TestApi) {
        // Found by the fuzzer: each year within the largest amount, their total not, so the line's stored state
        // (which carries its total) could not be read back and the change feed answered 500.
        api.with_demo();
        let before = snapshot(api);
        let years = json!([{"year": "1997/98", "amount": "37187052620.00"}, {"year": "2079/80", "amount": "999999999998.00"}]);
        api.post("/api/v1/lines", &new_line(json!({"years": years}))).assert_field_error(422, "validation", "years[1].amount");
        api.put("/api/v1/lines/CFE-SAV05/years/2030-31", &json!({"amount": "999999999999.99"}))
            .assert_field_error(422, "validation", "amount");
        assert_eq!(snapshot(api), before, "nothing written");
        assert_eq!(api.get("/api/v1/changes").status, 200);
        // At the largest amount exactly, it is kept.
        let largest = json!([{"year": "2030/31", "amount": "999999999999.99"}]);
        assert_eq!(api.post("/api/v1/lines", &new_line(json!({"years": largest}))).status, 201);
    }

    fn nul_in_path_parameters_is_a_4xx(api: &TestApi) {
        api.with_demo();
        let before = snapshot(api);
        for path in [
            "/api/v1/dsg/plans/re%00covery",
            "/api/v1/dsg/plans/re%00covery/variance",
            "/api/v1/lines/CFE%20SAV%0005",
            "/api/v1/lines/CFE%20SAV05%00/history",
            "/api/v1/directorates/CF%00E",
            "/api/v1/periods/2021-22/P%003",
        ] {
            let reply = api.get(path);
            assert!((400..500).contains(&reply.status), "{path}: {} {}", reply.status, reply.body);
            assert_eq!(reply.content_type, "application/problem+json", "{path}");
        }
        let revoked = api.delete("/api/v1/keys/test%00admin");
        assert!((400..500).contains(&revoked.status), "{} {}", revoked.status, revoked.body);
        assert_eq!(snapshot(api), before);
    }
    // A line's history is paged with a cursor: the default page holds every event of a typical line, and the
    // `Link` header leads through smaller pages to exactly the same events, each once, in order.
    fn history_is_paged_by_a_cursor_in_the_link_header(api: &TestApi) {
        api.with_cfe();
        let created = api.post("/api/v1/lines", &new_line(json!({})));
        assert_eq!(created.status, 201, "{}", created.body);
        for n in 1..=4 {
            let patched = api.patch("/api/v1/lines/CFE%20SAV01", &json!({"title": format!("Placements review {n}")}));
            assert_eq!(patched.status, 200, "{}", patched.body);
        }
        let whole = api.get("/api/v1/lines/CFE%20SAV01/history");
        assert_eq!(whole.status, 200, "{}", whole.body);
        assert_eq!(whole.header("link"), None);
        let all = whole.json().as_array().cloned().expect("an array");
        assert_eq!(all.len(), 5);

        let mut paged = Vec::new();
        let mut next = Some("/api/v1/lines/CFE%20SAV01/history?limit=2".to_owned());
        let mut pages = 0;
        while let Some(path) = next {
            let page = api.get(&path);
            assert_eq!(page.status, 200, "{}", page.body);
            paged.extend(page.json().as_array().cloned().expect("an array"));
            pages += 1;
            next = page.header("link").map(|link| {
                let target = link
                    .strip_prefix('<')
                    .and_then(|rest| rest.split_once(">; rel=\"next\""))
                    .map(|(target, _)| target.to_owned())
                    .unwrap_or_else(|| panic!("not a next link: {link}"));
                assert!(target.starts_with("/api/v1/lines/CFE%20SAV01/history?after="), "{target}");
                target
            });
        }
        assert_eq!(pages, 3);
        assert_eq!(paged, all);

        let before = snapshot(api);
        for (query, field) in [("limit=0", "limit"), ("limit=1001", "limit"), ("after=-1", "after"), ("after=x", "after")] {
            api.get(&format!("/api/v1/lines/CFE%20SAV01/history?{query}"))
                .assert_field_error(400, "invalid-parameter", field);
        }
        assert_eq!(snapshot(api), before);
    }
}
