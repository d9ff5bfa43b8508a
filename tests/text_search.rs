//! The `q` filter answered through the text indexes (FTS5 trigrams on SQLite, pg_trgm on PostgreSQL) gives
//! exactly what a plain scan gives: the lines whose ref, title or owner holds the text in any case, with
//! `%`, `_` and `\` meaning themselves, in ref order, page after page.

mod common;

use common::migrations::upgrade_through;
use common::reads::{expect, refs};
use common::TestApi;
use serde_json::{json, Value};

/// Lines whose texts the queries below find, miss, or find only in part: mixed case, wildcards, quotes, a
/// non-ASCII letter (in lower case, where both engines fold alike), owners set and NULL.
const LINES: [(&str, &str, &str, Option<&str>); 14] = [
    ("CFE", "saving", "Staffing Review", Some("Nana Bonsu")),
    ("CFE", "saving", "REVIEW of voids", None),
    ("CFE", "growth", "50% cut in printing", Some("Owner 5")),
    ("CFE", "growth", "5000 savings", Some("Owner 50")),
    ("CFE", "saving", "a_b testing", Some("100%")),
    (
        "HOU",
        "saving",
        r"Back\slash route",
        Some(r#"O'Brien "Pat""#),
    ),
    ("HOU", "saving", "café provision", None),
    ("HOU", "growth", "Line 12", Some("owner 5")),
    ("HOU", "saving", "Line 123", Some("Owner 51")),
    ("HOU", "saving", "Line 1234", None),
    (
        "HOU",
        "growth",
        "Temporary accommodation review",
        Some("ab"),
    ),
    ("HOU", "saving", "Owner 5 lookalike", Some("Line 5")),
    ("CFE", "saving", "axbtesting", Some("50 percent")),
    (
        "HOU",
        "saving",
        "Sav in the title",
        Some("Gro in the owner"),
    ),
];

/// Short and long, wildcards and escapes, mixed case, matches in each column, and none.
const QUERIES: [&str; 44] = [
    "review",
    "REVIEW",
    "ReViEw",
    " review ",
    "re",
    "r",
    "50%",
    "%",
    "_",
    "a_b",
    "a_",
    "\\",
    r"k\s",
    r"back\",
    "slash",
    "5",
    "50",
    "500",
    "5000",
    "50 ",
    "café",
    "CAFÉ",
    "caf",
    "line 12",
    "Line 123",
    "LINE 1234",
    "line 5",
    "owner 5",
    "Owner 51",
    "\"pat\"",
    "o'b",
    "\"",
    "cfe sav0",
    "hou gro",
    "cfe",
    "sav",
    "gro",
    "ab",
    "x",
    "nomatch",
    "zzz",
    "100%",
    "% c",
    "in the",
];

fn create_lines(api: &TestApi) {
    api.with_cfe().with_directorate("HOU", "Housing");
    for (directorate, kind, title, owner) in LINES {
        let status = if kind == "growth" {
            "proposed"
        } else {
            "agreed"
        };
        let body = json!({"kind": kind, "directorate": directorate, "title": title, "owner": owner, "status": status,
            "years": [{"year": "2021/22", "amount": "1000.00"}]});
        expect(api.post("/api/v1/lines", &body), 201);
    }
}

/// Every byte but letters and digits percent-encoded, for a query string.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Every page of a list, three lines at a time, following `next`.
fn every_page(api: &TestApi, query: &str) -> Vec<Value> {
    let mut lines = Vec::new();
    let mut next = Some(format!("/api/v1/lines?limit=3&{query}"));
    while let Some(url) = next {
        let page = expect(api.get(&url), 200);
        lines.extend(page["lines"].as_array().expect("lines").iter().cloned());
        next = page["next"].as_str().map(str::to_owned);
    }
    lines
}

/// The plain scan: of every line listed without `q` (in ref order), those whose ref, title or owner holds
/// the trimmed text in lower case.
fn scanned(every_line: &[Value], q: &str) -> Vec<String> {
    let wanted = q.trim().to_lowercase();
    let holds = |field: &Value| {
        field
            .as_str()
            .is_some_and(|text| text.to_lowercase().contains(&wanted))
    };
    refs(&json!(every_line
        .iter()
        .filter(|line| holds(&line["ref"]) || holds(&line["title"]) || holds(&line["owner"]))
        .collect::<Vec<_>>()))
}

/// For each query alone and beside other filters, the indexed answer, page by page, equals the scan.
fn assert_every_query_matches_the_scan(api: &TestApi) {
    for others in [
        "",
        "kind=saving&",
        "directorate=HOU&status=agreed&",
        "kind=growth&year=2021-22&",
    ] {
        let every_line = every_page(api, others);
        for q in QUERIES {
            let found = refs(&json!(every_page(
                api,
                &format!("{others}q={}", encoded(q))
            )));
            assert_eq!(found, scanned(&every_line, q), "{others}q={q:?}");
        }
    }
}

/// Takes the text indexes away and makes them again, as upgrading a database that had lines before them did.
fn upgrade_to_text_indexes(api: &TestApi) {
    upgrade_through(
        api,
        &[
            ("20261208000001", "delivery plans came last"),
            ("20261207000003", "return receipts came before them"),
            ("20261207000002", "year-end outturn came before them"),
            ("20261207000001", "the shortfall's nature came before it"),
            ("20261203000007", "plan proposals came before it"),
            (
                "20261203000006",
                "DSG transfers by decision came before them",
            ),
            ("20261203000005", "write-offs came before them"),
            ("20261203000004", "change control came before them"),
            ("20261203000003", "the approved budget came before it"),
            ("20261203000002", "the created ETag came before it"),
            ("20261203000001", "the audit chain came before it"),
            ("20261202000005", "the savings counted came before it"),
            ("20261202000004", "the stored JSON came before them"),
            ("20261202000003", "the text indexes came before it"),
        ],
    );
}

on_both_backends! {
    fn the_indexed_text_filter_answers_what_a_scan_answers(api: &TestApi) {
        create_lines(api);
        assert_every_query_matches_the_scan(api);
        // A few exact answers, so that the scan itself is checked too.
        let found = |q: &str| refs(&json!(every_page(api, &format!("q={}", encoded(q)))));
        assert_eq!(found("50%"), ["CFE GRO01"]);
        assert_eq!(found("a_b"), ["CFE SAV03"]);
        assert_eq!(found("review"), ["CFE SAV01", "CFE SAV02", "HOU GRO02"]);
        assert_eq!(found("owner 5"), ["CFE GRO01", "CFE GRO02", "HOU GRO01", "HOU SAV03", "HOU SAV05"]);
        assert_eq!(found("nomatch"), Vec::<String>::new());
    }

    fn the_index_follows_every_write_of_a_ref_title_or_owner(api: &TestApi) {
        create_lines(api);
        let patched = api.patch("/api/v1/lines/CFE-SAV01", &json!({"title": "Zebra crossings", "owner": null}));
        assert_eq!(patched.status, 200, "{}", patched.body);
        let patched = api.patch("/api/v1/lines/HOU-SAV02", &json!({"owner": "Review panel"}));
        assert_eq!(patched.status, 200, "{}", patched.body);
        // A write that leaves the texts as they were.
        let patched = api.patch("/api/v1/lines/HOU-SAV03", &json!({"status": "in_delivery"}));
        assert_eq!(patched.status, 200, "{}", patched.body);
        let created = api.post("/api/v1/lines", &json!({"kind": "saving", "directorate": "HOU", "title": "Late review",
            "years": [{"year": "2021/22", "amount": "1.00"}]}));
        assert_eq!(created.status, 201, "{}", created.body);
        assert_every_query_matches_the_scan(api);
        let found = |q: &str| refs(&json!(every_page(api, &format!("q={}", encoded(q)))));
        assert_eq!(found("zebra"), ["CFE SAV01"]);
        assert_eq!(found("review"), ["CFE SAV02", "HOU GRO02", "HOU SAV02", "HOU SAV07"]);
        assert_eq!(found("nana"), Vec::<String>::new());
    }

    fn an_upgraded_database_finds_the_lines_it_had_before_the_indexes(api: &TestApi) {
        create_lines(api);
        upgrade_to_text_indexes(api);
        assert_every_query_matches_the_scan(api);
        let found = refs(&json!(every_page(api, "q=REVIEW")));
        assert_eq!(found, ["CFE SAV01", "CFE SAV02", "HOU GRO02"]);
    }
}
