//! The live at-risk report reads only what its page needs (the period's assessed savings, what they compare
//! to, a page of the savings not assessed and their count and total); the report as at an instant still builds
//! from every saving and assessment. Asked at an instant after the last write, the two must answer the same,
//! page by page, on the CFE figures and on a bigger generated set (refs past 99, withdrawn lines, lines with no
//! or a zero amount in the year, growth lines, two directorates), and the count and total must be exact.

mod common;

use common::reads::{expect, get_ok, now, with_as_at};
use common::TestApi;
use serde_json::{json, Value};

const P3_REPORT: &str = "/api/v1/reports/at-risk?year=2021/22&period=P3";

/// Every page of the report `query` asks for, `limit` at a time from `cursor`, live and as at `at` (the full
/// build): each live page must equal the full build's. Returns the refs listed, in order.
fn walk_pages(
    api: &TestApi,
    query: &str,
    limit: u32,
    cursor: Option<&str>,
    at: &str,
) -> Vec<String> {
    let mut cursor = cursor.map(str::to_owned);
    let mut listed = Vec::new();
    for _ in 0..1000 {
        let mut path = format!("{P3_REPORT}{query}&not_assessed_limit={limit}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&not_assessed_cursor={cursor}"));
        }
        let live = get_ok(api, &path);
        let full = get_ok(api, &with_as_at(&path, at));
        assert_eq!(live, full, "{path}");
        let lines = live["not_assessed"]["lines"].as_array().unwrap();
        assert!(lines.len() <= limit as usize, "{path}");
        listed.extend(lines.iter().map(|l| l["ref"].as_str().unwrap().to_owned()));
        match live["not_assessed"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return listed,
        }
    }
    panic!("no last page for {query}");
}

/// The same report in pounds and thousands, JSON and CSV, live and as at `at`.
fn same_in_every_form(api: &TestApi, query: &str, at: &str) {
    for form in [
        "",
        "&unit=thousands",
        "&format=csv",
        "&unit=thousands&format=csv",
    ] {
        let path = format!("{P3_REPORT}{query}{form}");
        let (live, full) = (api.get(&path), api.get(&with_as_at(&path, at)));
        assert_eq!((live.status, &live.body), (200, &full.body), "{path}");
    }
}

/// A saving of the generated set: its directorate, number, amount in 2021/22 (pence; None for no amount).
struct Generated {
    code: &'static str,
    number: u32,
    amount: Option<i64>,
}

impl Generated {
    fn path(&self) -> String {
        format!("{}-SAV{:02}", self.code, self.number)
    }
    fn withdrawn(&self) -> bool {
        self.number % 11 == 0
    }
    fn assessed_in(&self, period: u32) -> bool {
        self.amount.is_some_and(|a| a > 0)
            && match period {
                1 => self.number % 3 == 0,
                2 => self.number % 4 == 0,
                _ => self.number % 5 == 0 || self.number % 6 == 1,
            }
    }
}

fn generated() -> Vec<Generated> {
    let mut savings = Vec::new();
    for code in ["ABC", "XYZ"] {
        for number in 1..=125u32 {
            let amount = match number % 13 {
                0 => None,
                7 => Some(0),
                _ => Some(i64::from(number) * 1_234_567 + if code == "ABC" { 1 } else { 2 }),
            };
            savings.push(Generated {
                code,
                number,
                amount,
            });
        }
    }
    savings
}

fn pounds(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

/// Loads the generated set: the savings and a few growth lines by one import, P1-P3 assessed as `assessed_in`
/// says, then the withdrawals.
fn load_generated(api: &TestApi) -> Vec<Generated> {
    api.with_directorate("ABC", "Alpha")
        .with_directorate("XYZ", "Omega");
    let savings = generated();
    let mut csv = String::from("ref,kind,directorate,title,owner,status,2021/22,2022/23\n");
    for s in &savings {
        let amount = s.amount.map(pounds).unwrap_or_default();
        csv.push_str(&format!(
            "{} SAV{:02},saving,{},Saving {} {},Owner,agreed,{amount},5.00\n",
            s.code, s.number, s.code, s.code, s.number
        ));
    }
    for code in ["ABC", "XYZ"] {
        for number in 1..=5 {
            csv.push_str(&format!(
                "{code} GRO{number:02},growth,{code},Growth {number},Owner,agreed,100.00,\n"
            ));
        }
    }
    expect(
        api.send("POST", "/api/v1/imports/lines", "text/csv", &csv),
        200,
    );
    for period in 1..=3u32 {
        expect(
            api.post(
                "/api/v1/periods",
                &json!({"year": "2021/22", "period": format!("P{period}")}),
            ),
            201,
        );
        for s in savings.iter().filter(|s| s.assessed_in(period)) {
            let at_risk = s.amount.unwrap() * i64::from(s.number % 4 + period) / 8;
            let body =
                json!({"rag": "amber", "at_risk": pounds(at_risk), "reason": format!("P{period}")});
            expect(
                api.put(
                    &format!("/api/v1/periods/2021-22/P{period}/assessments/{}", s.path()),
                    &body,
                ),
                201,
            );
        }
    }
    for s in savings.iter().filter(|s| s.withdrawn()) {
        expect(
            api.patch(
                &format!("/api/v1/lines/{}", s.path()),
                &json!({"status": "withdrawn", "reason": "Generated"}),
            ),
            200,
        );
    }
    savings
}

/// The count and total of the savings not assessed in P3, one directorate's.
fn not_assessed_of(api: &TestApi, code: &str) -> (u64, String) {
    let report = get_ok(
        api,
        &format!("{P3_REPORT}&directorate={code}&not_assessed_limit=0"),
    );
    let section = &report["not_assessed"];
    (
        section["count"].as_u64().unwrap(),
        section["planned"].as_str().unwrap().to_owned(),
    )
}

fn profile(amount_2021: &str) -> Value {
    json!({"years": [{"year": "2021/22", "amount": amount_2021}, {"year": "2022/23", "amount": "5.00"}]})
}

on_both_backends! {
    fn the_cfe_report_live_page_by_page_equals_the_full_build(api: &TestApi) {
        api.with_demo();
        let at = now();
        for query in ["&directorate=CFE", "&directorate=cfe", ""] {
            same_in_every_form(api, query, &at);
            let all = walk_pages(api, query, 1000, None, &at);
            assert_eq!(all.len(), 11, "{query}");
            for limit in [0, 1, 4] {
                let paged = walk_pages(api, query, limit, None, &at);
                assert_eq!(paged, if limit == 0 { vec![] } else { all.clone() }, "{query} limit {limit}");
            }
            // Cursors between, before and after the list, of the other kind and of another directorate.
            for cursor in ["CFE-SAV07", "CFE-SAV01", "CFE-SAV99", "CFE-GRO05", "ABC-SAV03", "ZZZ-SAV01", "CFE-SAV16"] {
                walk_pages(api, query, 3, Some(cursor), &at);
            }
        }
    }

    fn a_generated_set_live_page_by_page_equals_the_full_build_with_exact_counts(api: &TestApi) {
        let savings = load_generated(api);
        let at = now();
        for (query, code) in [("&directorate=ABC", Some("ABC")), ("&directorate=xyz", Some("XYZ")), ("", None)] {
            same_in_every_form(api, query, &at);
            // The savings not assessed, worked out here from what was loaded: by directorate, then number.
            let expected: Vec<&Generated> = savings
                .iter()
                .filter(|s| code.is_none_or(|c| s.code == c))
                .filter(|s| !s.withdrawn() && s.amount.is_some_and(|a| a != 0) && !s.assessed_in(3))
                .collect();
            let refs: Vec<String> = expected.iter().map(|s| format!("{} SAV{:02}", s.code, s.number)).collect();
            let planned: i64 = expected.iter().map(|s| s.amount.unwrap()).sum();
            let report = get_ok(api, &format!("{P3_REPORT}{query}&not_assessed_limit=1000"));
            assert_eq!(report["not_assessed"]["count"], json!(refs.len()), "{query}");
            assert_eq!(report["not_assessed"]["planned"], json!(pounds(planned)), "{query}");
            let rows: Vec<&str> = report["rows"].as_array().unwrap().iter().map(|r| r["ref"].as_str().unwrap()).collect();
            let assessed = savings.iter().filter(|s| code.is_none_or(|c| s.code == c) && s.assessed_in(3)).count();
            assert_eq!(rows.len(), assessed, "{query}");
            assert_eq!(walk_pages(api, query, 1000, None, &at), refs, "{query}");
            assert_eq!(walk_pages(api, query, 17, None, &at), refs, "{query}");
            for cursor in ["ABC-SAV99", "ABC-SAV100", "XYZ-SAV09", "XYZ-GRO02", "ABC-SAV125", "MMM-SAV01"] {
                walk_pages(api, query, 9, Some(cursor), &at);
            }
        }
        let value: Value = get_ok(api, &format!("{P3_REPORT}&directorate=ABC&not_assessed_limit=2&not_assessed_cursor=ABC-SAV99"));
        assert_eq!(value["not_assessed"]["lines"][0]["ref"], "ABC SAV101", "refs in number order, not as text (SAV100 is assessed)");
    }

    fn re_profiling_and_reinstating_move_the_count_of_savings_not_assessed_exactly(api: &TestApi) {
        let savings = load_generated(api);
        let amount = |number: u32| savings.iter().find(|s| s.code == "ABC" && s.number == number).unwrap().amount.unwrap();
        let pence = |planned: &str| -> i64 { planned.replace('.', "").parse().unwrap() };
        let (count, planned) = not_assessed_of(api, "ABC");
        let mut expected = (count, pence(&planned));

        // SAV05 is assessed in P3: taking its amount to zero leaves the savings not assessed as they were.
        assert!(savings.iter().any(|s| s.code == "ABC" && s.number == 5 && s.assessed_in(3) && !s.withdrawn()));
        expect(api.patch("/api/v1/lines/ABC-SAV05", &profile("0.00")), 200);
        assert_eq!(not_assessed_of(api, "ABC"), (expected.0, pounds(expected.1)), "an assessed saving re-profiled");
        // SAV07 had a zero amount: given one, it is planned and not assessed.
        assert_eq!(amount(7), 0);
        expect(api.patch("/api/v1/lines/ABC-SAV07", &profile("100.00")), 200);
        expected = (expected.0 + 1, expected.1 + 10_000);
        assert_eq!(not_assessed_of(api, "ABC"), (expected.0, pounds(expected.1)), "a zero amount made real");
        // SAV08 is not assessed: its amount taken to zero, it drops out.
        expect(api.patch("/api/v1/lines/ABC-SAV08", &profile("0.00")), 200);
        expected = (expected.0 - 1, expected.1 - amount(8));
        assert_eq!(not_assessed_of(api, "ABC"), (expected.0, pounds(expected.1)), "an amount taken to zero");
        // SAV08 again, from zero to zero by another profile: nothing moves.
        expect(api.patch("/api/v1/lines/ABC-SAV08", &json!({"years": [{"year": "2021/22", "amount": "0.00"}]})), 200);
        assert_eq!(not_assessed_of(api, "ABC"), (expected.0, pounds(expected.1)), "zero to zero");
        // SAV22 was withdrawn, never assessed: reinstated, it counts again.
        expect(api.patch("/api/v1/lines/ABC-SAV22", &json!({"status": "agreed"})), 200);
        expected = (expected.0 + 1, expected.1 + amount(22));
        assert_eq!(not_assessed_of(api, "ABC"), (expected.0, pounds(expected.1)), "a saving reinstated");
        // SAV55, withdrawn and assessed in P3: reinstated, it is assessed, so not counted.
        assert!(savings.iter().any(|s| s.code == "ABC" && s.number == 55 && s.assessed_in(3) && s.withdrawn()));
        expect(api.patch("/api/v1/lines/ABC-SAV55", &json!({"status": "agreed"})), 200);
        assert_eq!(not_assessed_of(api, "ABC"), (expected.0, pounds(expected.1)), "an assessed saving reinstated");
        // The other directorate did not move, and every page still equals the full build from every saving.
        let at = now();
        for query in ["&directorate=ABC", "&directorate=XYZ", ""] {
            walk_pages(api, query, 40, None, &at);
        }
    }
}
