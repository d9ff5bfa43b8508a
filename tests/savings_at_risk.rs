//! Savings at risk: monitoring periods, each period's assessment of every saving (forecast + at risk = planned,
//! exactly), copy-forward, closing, the trend of one line, the scrutiny table (`/reports/at-risk`), at-risk in
//! the summary, and all of it on the record and reproducible `as_at` an earlier instant.

mod common;

use common::feed::all_events;
use common::reads::{expect, get_ok, now, refs, with_as_at};
use common::{Reply, TestApi};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const P3: &str = "/api/v1/periods/2021-22/P3";
const P4: &str = "/api/v1/periods/2021-22/P4";
const NEXT_YEAR_P1: &str = "/api/v1/periods/2022-23/P1";
const P3_REPORT: &str = "/api/v1/reports/at-risk?year=2021/22&period=P3";
const P4_REPORT: &str = "/api/v1/reports/at-risk?year=2021/22&period=P4";
/// The reason the demo load gives each reported line.
const DEMO_REASON: &str = "Reported to scrutiny as at risk, position at 2021-06-30";
const SAV07_TITLE: &str = "Improve Practice System Efficiency";
const SAV09_TITLE: &str = "Review Children's Centres Delivery Model";
const SAV10_TITLE: &str = "Reduce Non-Statutory Education Functions";
const REPORTED: [&str; 3] = ["CFE SAV07", "CFE SAV09", "CFE SAV10"];

fn create_period(api: &TestApi, year: &str, period: &str) -> Value {
    expect(
        api.post("/api/v1/periods", &json!({"year": year, "period": period})),
        201,
    )
}

fn put_assessment(api: &TestApi, period_path: &str, line: &str, body: &Value) -> Reply {
    api.put(&format!("{period_path}/assessments/{line}"), body)
}

fn assessments(api: &TestApi, period_path: &str) -> Value {
    get_ok(api, &format!("{period_path}/assessments"))
}

fn copy(api: &TestApi, into: &str, from: &str) -> Reply {
    api.post(&format!("{into}/copy-from/{from}"), &json!({}))
}

/// The events after the first `seen`.
fn new_events(api: &TestApi, seen: usize) -> Vec<Value> {
    let all = all_events(api);
    assert!(all.len() >= seen, "events disappeared from the feed");
    all[seen..].to_vec()
}

/// An assessment without its `updated_at` (checked to be an RFC 3339 instant).
fn figures(assessment: &Value) -> Value {
    let mut object = assessment
        .as_object()
        .unwrap_or_else(|| panic!("an assessment: {assessment}"))
        .clone();
    let updated_at = object
        .remove("updated_at")
        .unwrap_or_else(|| panic!("updated_at in {assessment}"));
    assert!(
        updated_at
            .as_str()
            .is_some_and(|t| OffsetDateTime::parse(t, &Rfc3339).is_ok()),
        "{assessment}"
    );
    Value::Object(object)
}

/// A stored state as the API shows it: without the snapshot's version.
fn without_version(state: &Value) -> Value {
    let mut state = state.clone();
    if let Some(object) = state.as_object_mut() {
        object.remove("snapshot_version");
    }
    state
}

/// An assessment as the API shows it, less `updated_at`.
#[allow(clippy::too_many_arguments)]
fn assessment(
    (year, period): (&str, &str),
    line_ref: &str,
    rag: &str,
    [planned, forecast, at_risk]: [&str; 3],
    reason: Option<&str>,
    mitigation: Option<&str>,
    version: i64,
) -> Value {
    json!({
        "year": year, "period": period, "ref": line_ref, "rag": rag,
        "planned": planned, "forecast": forecast, "at_risk": at_risk,
        // Nothing says the shortfall comes later: it is permanent.
        "timing": "0.00", "permanent": at_risk,
        "reason": reason, "mitigation": mitigation, "substitutes": [], "slips_to": null,
        "version": version
    })
}

const ROW_KEYS: [&str; 18] = [
    "ref",
    "directorate",
    "title",
    "withdrawn",
    "planned",
    "forecast",
    "at_risk",
    "timing",
    "permanent",
    "over_delivery",
    "rag",
    "reason",
    "mitigation",
    "substitutes",
    "slips_to",
    "carried_from",
    "previous_period",
    "at_risk_change",
];

/// A scrutiny row with every documented key (an absent optional one read as null), and no other key.
fn row_view(row: &Value) -> Value {
    let object = row
        .as_object()
        .unwrap_or_else(|| panic!("a row is an object: {row}"));
    for key in object.keys() {
        assert!(
            ROW_KEYS.contains(&key.as_str()),
            "unexpected `{key}` in {row}"
        );
    }
    Value::Object(
        ROW_KEYS
            .iter()
            .map(|key| (key.to_string(), row[*key].clone()))
            .collect::<Map<_, _>>(),
    )
}

fn rows(report: &Value) -> Vec<Value> {
    report["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("rows in {report}"))
        .iter()
        .map(row_view)
        .collect()
}

/// The row a demo line has in the scrutiny table; `since` is the previous period and the change in at risk.
fn scrutiny_row(
    line_ref: &str,
    title: &str,
    [planned, forecast, at_risk]: [&str; 3],
    rag: &str,
    reason: &str,
    since: Option<(&str, &str)>,
) -> Value {
    json!({
        "ref": line_ref, "directorate": "CFE", "title": title, "withdrawn": false,
        "planned": planned, "forecast": forecast, "at_risk": at_risk, "rag": rag,
        // The demo's shortfalls are unexplained: permanent.
        "timing": "0.00", "permanent": at_risk, "over_delivery": "0.00",
        "reason": reason, "mitigation": null, "substitutes": [], "slips_to": null, "carried_from": null,
        "previous_period": since.map(|(period, _)| period),
        "at_risk_change": since.map(|(_, change)| change),
    })
}

/// The three rows reported to scrutiny in 2021/22 P3.
fn demo_rows() -> Vec<Value> {
    vec![
        scrutiny_row(
            "CFE SAV07",
            SAV07_TITLE,
            ["1065000.00", "0.00", "1065000.00"],
            "red",
            DEMO_REASON,
            None,
        ),
        scrutiny_row(
            "CFE SAV09",
            SAV09_TITLE,
            ["660000.00", "423000.00", "237000.00"],
            "amber",
            DEMO_REASON,
            None,
        ),
        scrutiny_row(
            "CFE SAV10",
            SAV10_TITLE,
            ["587000.00", "572000.00", "15000.00"],
            "amber",
            DEMO_REASON,
            None,
        ),
    ]
}

/// A total of the demo's assessed savings: permanent shortfalls, no substitutes, and the 7,121,000.00 of the
/// eleven savings not assessed.
fn total(directorate: Option<&str>, [planned, forecast, at_risk]: [&str; 3]) -> Value {
    json!({"directorate": directorate, "planned": planned, "forecast": forecast, "at_risk": at_risk,
        "timing": "0.00", "permanent": at_risk, "over_delivery": "0.00", "not_assessed": "7121000.00", "carried": "0.00",
        "lands": [], "substituted": "0.00", "substituted_one_off": "0.00", "substituted_ongoing": "0.00", "net_shortfall": at_risk})
}

/// From the shipped dataset: every saving with an amount in 2021/22 other than the three reported, by ref.
/// Ref-less savings take the next numbers after the highest printed saving ref, in the order they are listed.
fn not_assessed_in_the_demo() -> Vec<Value> {
    let dataset = common::demo_dataset();
    let savings: Vec<&Value> = dataset["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|line| line["kind"] == "saving")
        .collect();
    let highest = savings
        .iter()
        .filter_map(|line| line["ref"].as_str())
        .map(|r| {
            r.strip_prefix("CFE SAV")
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or_else(|| panic!("{r}"))
        })
        .max()
        .expect("printed refs");
    let mut next = highest;
    let mut expected: Vec<Value> = savings
        .iter()
        .map(|line| {
            let line_ref = match line["ref"].as_str() {
                Some(r) => r.to_owned(),
                None => {
                    next += 1;
                    format!("CFE SAV{next:02}")
                }
            };
            let planned = line["years"]
                .as_array()
                .expect("years")
                .iter()
                .find(|e| e["year"] == "2021/22")
                .map(|e| e["amount"].as_str().expect("an amount").to_owned());
            (line_ref, line["title"].clone(), planned)
        })
        .filter(|(line_ref, _, planned)| {
            !REPORTED.contains(&line_ref.as_str())
                && planned.as_deref().is_some_and(|a| a != "0.00")
        })
        .map(|(line_ref, title, planned)| json!({"ref": line_ref, "title": title, "planned": planned}))
        .collect();
    expected.sort_by(|a, b| a["ref"].as_str().cmp(&b["ref"].as_str()));
    expected
}

/// The report's `not_assessed`: how many, their planned total (both given exactly by the caller, and checked
/// against the listed amounts), and the listed savings on one page.
fn not_assessed_part(lines: Vec<Value>, count: usize, planned: &str) -> Value {
    assert_eq!(lines.len(), count);
    let pence: i64 = lines
        .iter()
        .map(|line| {
            line["planned"]
                .as_str()
                .unwrap()
                .replace('.', "")
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(format!("{}.{:02}", pence / 100, pence % 100), planned);
    json!({"count": count, "planned": planned, "lines": lines})
}

/// A period, P4 of 2021/22, freshly copied from the demo's P3, with SAV09 revised down to 137000.00 at risk.
fn p4_with_sav09_revised(api: &TestApi) {
    create_period(api, "2021/22", "P4");
    let copied = expect(copy(api, P4, "P3"), 200);
    assert_eq!(copied["copied"], json!(REPORTED), "{copied}");
    let revised = expect(
        put_assessment(
            api,
            P4,
            "CFE-SAV09",
            &json!({"rag": "amber", "at_risk": "137000.00", "reason": "Consultation ended; two hubs open in September"}),
        ),
        200,
    );
    assert_eq!(revised["version"], 2, "{revised}");
}

/// What an assessment request must not change: both periods' assessments and the length of the feed.
struct Unchanged {
    this_year: Value,
    next_year: Value,
    events: usize,
}

impl Unchanged {
    fn now(api: &TestApi) -> Unchanged {
        Unchanged {
            this_year: assessments(api, P4),
            next_year: assessments(api, NEXT_YEAR_P1),
            events: all_events(api).len(),
        }
    }

    fn check(&self, api: &TestApi, label: &str) {
        assert_eq!(assessments(api, P4), self.this_year, "{label}: P4 changed");
        assert_eq!(
            assessments(api, NEXT_YEAR_P1),
            self.next_year,
            "{label}: 2022/23 P1 changed"
        );
        assert_eq!(
            new_events(api, self.events),
            Vec::<Value>::new(),
            "{label}: recorded an event"
        );
    }
}

on_both_backends! {
    fn the_demo_scrutiny_table_to_the_penny(api: &TestApi) {
        api.with_demo();
        let dataset = common::demo_dataset();
        let printed = &dataset["savings_at_risk"];
        assert_eq!(printed["printed_total"]["at_risk"], "1317000.00");

        let not_assessed = not_assessed_in_the_demo();
        assert_eq!(
            refs(&json!(not_assessed)),
            ["CFE SAV02", "CFE SAV03", "CFE SAV04", "CFE SAV05", "CFE SAV06", "CFE SAV08", "CFE SAV12", "CFE SAV13", "CFE SAV14", "CFE SAV15", "CFE SAV16"],
            "the dataset's savings in 2021/22, less the three reported"
        );
        // The ref-less lines were numbered as the dataset promises.
        assert_eq!(get_ok(api, "/api/v1/lines/CFE-SAV15")["title"], "Release of one off investment / full year effect of savings from 2020/21");
        assert_eq!(get_ok(api, "/api/v1/lines/CFE-SAV16")["title"], "Staffing Review");
        assert_eq!(get_ok(api, "/api/v1/lines/CFE-GRO09")["title"], "Asylum Seekers Budget Correction");

        let period = get_ok(api, P3);
        for path in [P3_REPORT.to_owned(), format!("{P3_REPORT}&directorate=cfe"), format!("{P3_REPORT}&directorate=CFE")] {
            let report = get_ok(api, &path);
            assert_eq!(report["period"], period, "{path}");
            assert_eq!(period["as_at"], "2021-06-30");
            assert_eq!(period["status"], "open");
            assert_eq!(rows(&report), demo_rows(), "{path}");
            // Each row's at risk is the one printed.
            for (row, printed_row) in report["rows"].as_array().unwrap().iter().zip(printed["rows"].as_array().unwrap()) {
                assert_eq!(row["ref"], printed_row["ref"], "{path}");
                assert_eq!(row["at_risk"], printed_row["at_risk"], "{path}");
            }
            assert_eq!(report["total"], total(None, ["2312000.00", "995000.00", "1317000.00"]), "{path}");
            assert_eq!(report["total"]["at_risk"], printed["printed_total"]["at_risk"], "{path}");
            assert_eq!(report["directorates"], json!([total(Some("CFE"), ["2312000.00", "995000.00", "1317000.00"])]), "{path}");
            assert_eq!(report["not_assessed"], not_assessed_part(not_assessed.clone(), 11, "7121000.00"), "{path}");
        }

        api.get("/api/v1/reports/at-risk?year=2021/22&period=P4").assert_problem(404, "not-found");
        api.get("/api/v1/reports/at-risk?year=2022/23&period=P3").assert_problem(404, "not-found");
        for (query, field) in [
            ("period=P3", "year"),
            ("year=2021&period=P3", "year"),
            ("year=21/22&period=P3", "year"),
            ("year=2021/22", "period"),
            ("year=2021/22&period=P13", "period"),
            ("year=2021/22&period=P0", "period"),
            ("year=2021/22&period=Q3", "period"),
        ] {
            api.get(&format!("/api/v1/reports/at-risk?{query}")).assert_field_error(400, "invalid-parameter", field);
        }
    }

    fn the_savings_not_assessed_come_in_pages_with_their_count_and_total_on_each(api: &TestApi) {
        api.with_demo();
        let not_assessed = not_assessed_in_the_demo();
        let page = |query: &str| get_ok(api, &format!("{P3_REPORT}&directorate=CFE&not_assessed_limit=4{query}"))["not_assessed"].clone();
        let first = page("");
        assert_eq!(first, json!({"count": 11, "planned": "7121000.00", "lines": not_assessed[..4], "next_cursor": "CFE-SAV05"}));
        let second = page("&not_assessed_cursor=CFE-SAV05");
        assert_eq!(second, json!({"count": 11, "planned": "7121000.00", "lines": not_assessed[4..8], "next_cursor": "CFE-SAV13"}));
        let last = page("&not_assessed_cursor=CFE-SAV13");
        assert_eq!(last, json!({"count": 11, "planned": "7121000.00", "lines": not_assessed[8..]}));
        assert_eq!(refs(&last["lines"]), ["CFE SAV14", "CFE SAV15", "CFE SAV16"]);
        // Only the count and the total; the rows and totals of the table are as without paging.
        let summarised = get_ok(api, &format!("{P3_REPORT}&not_assessed_limit=0"));
        assert_eq!(summarised["not_assessed"], json!({"count": 11, "planned": "7121000.00", "lines": []}));
        assert_eq!(rows(&summarised), demo_rows());
        assert_eq!(summarised["total"], total(None, ["2312000.00", "995000.00", "1317000.00"]));
        for (query, field) in [
            ("not_assessed_limit=1001", "not_assessed_limit"),
            ("not_assessed_limit=-1", "not_assessed_limit"),
            ("not_assessed_cursor=nonsense", "not_assessed_cursor"),
        ] {
            api.get(&format!("{P3_REPORT}&{query}")).assert_field_error(400, "invalid-parameter", field);
        }
    }

    fn path_parameters_are_read_percent_decoded_as_written(api: &TestApi) {
        create_period(api, "2021/22", "P3");
        // `p%2B03` is `p+03`, a printed form of P3 (Schemathesis sends it); an encoded slash in a year also reads.
        for path in ["/api/v1/periods/2021-22/p%2B03", "/api/v1/periods/2021%2F22/P3"] {
            let period = get_ok(api, path);
            assert_eq!((period["year"].as_str(), period["period"].as_str()), (Some("2021/22"), Some("P3")), "{path}");
        }
        api.get("/api/v1/periods/2021-22/p%2B13").assert_problem(400, "invalid-parameter");
    }

    fn periods_are_opened_by_an_admin_once_within_their_month(api: &TestApi) {
        api.with_demo();
        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        let reader = api.as_key(&api.create_key("pmo-reader", "reader", &[]));
        let p4 = json!({"year": "2021/22", "period": "P4"});
        editor.post("/api/v1/periods", &p4).assert_problem(403, "forbidden");
        reader.post("/api/v1/periods", &p4).assert_problem(403, "forbidden");
        for as_at in ["2021-08-01", "2021-06-30", "2022-07-15"] {
            api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P4", "as_at": as_at}))
                .assert_field_error(422, "validation", "as_at");
        }
        api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P13"})).assert_field_error(422, "validation", "period");
        api.get(P4).assert_problem(404, "not-found");

        let created = api.post("/api/v1/periods", &p4);
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.header("location"), Some("/api/v1/periods/2021-22/P4"));
        let created = created.json();
        assert_eq!(
            (&created["year"], &created["period"], &created["as_at"], &created["status"], &created["closed_at"]),
            (&json!("2021/22"), &json!("P4"), &json!("2021-07-31"), &json!("open"), &Value::Null),
            "{created}"
        );
        assert!(created["created_at"].as_str().is_some_and(|t| OffsetDateTime::parse(t, &Rfc3339).is_ok()), "{created}");
        assert_eq!(get_ok(api, P4), created);
        api.post("/api/v1/periods", &p4).assert_problem(409, "conflict");
        api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P4", "as_at": "2021-07-15"})).assert_problem(409, "conflict");
        assert_eq!(get_ok(api, P4), created, "the duplicate changed nothing");

        let in_order = |periods: &Value| periods.as_array().unwrap().iter()
            .map(|p| format!("{} {}", p["year"].as_str().unwrap(), p["period"].as_str().unwrap()))
            .collect::<Vec<_>>();
        let listed = get_ok(api, "/api/v1/periods?year=2021/22");
        assert_eq!(in_order(&listed), ["2021/22 P3", "2021/22 P4"]);
        assert_eq!(listed[1], created);

        // P10 is January 2022; it sorts after P4 (by number, not text), and an as_at within the month is kept.
        let p10 = expect(api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P10", "as_at": "2022-01-14"})), 201);
        assert_eq!(p10["as_at"], "2022-01-14");
        create_period(api, "2022/23", "P1");
        assert_eq!(get_ok(api, NEXT_YEAR_P1)["as_at"], "2022-04-30");
        assert_eq!(in_order(&get_ok(api, "/api/v1/periods?year=2021/22")), ["2021/22 P3", "2021/22 P4", "2021/22 P10"]);
        assert_eq!(in_order(&get_ok(api, "/api/v1/periods")), ["2021/22 P3", "2021/22 P4", "2021/22 P10", "2022/23 P1"]);
        assert_eq!(get_ok(api, "/api/v1/periods?year=2023/24"), json!([]));
        assert_eq!(get_ok(api, P4), created);
        assert_eq!(reader.get(P4).json(), created, "any key may read a period");

        api.get("/api/v1/periods?year=2021").assert_field_error(400, "invalid-parameter", "year");
        api.get("/api/v1/periods/2021-22/P5").assert_problem(404, "not-found");
        api.get("/api/v1/periods/2021-22/Q4").assert_field_error(400, "invalid-parameter", "period");
        api.get("/api/v1/periods/2021/P4").assert_field_error(400, "invalid-parameter", "year");
    }

    fn an_assessment_derives_the_other_figure_exactly(api: &TestApi) {
        api.with_demo();
        create_period(api, "2021/22", "P4");
        let why = "Fewer children stepping down from care than planned";
        let first = put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "amber", "forecast": "600000.01", "reason": why}));
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(first.header("etag"), Some("\"1\""));
        assert_eq!(figures(&first.json()), assessment(("2021/22", "P4"), "CFE SAV05", "amber", ["794000.00", "600000.01", "193999.99"], Some(why), None, 1));

        let mitigated = json!({"rag": "amber", "forecast": "600000.01", "reason": why, "mitigation": "Edge of care team from September"});
        let second = put_assessment(api, P4, "CFE-SAV05", &mitigated);
        assert_eq!(second.status, 200, "{}", second.body);
        assert_eq!(second.header("etag"), Some("\"2\""));
        let second = second.json();
        assert_eq!(figures(&second), assessment(("2021/22", "P4"), "CFE SAV05", "amber", ["794000.00", "600000.01", "193999.99"], Some(why), Some("Edge of care team from September"), 2));

        // The same again changes nothing: same version, same body.
        let again = put_assessment(api, P4, "CFE-SAV05", &mitigated);
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.header("etag"), Some("\"2\""));
        assert_eq!(again.json(), second);
        assert_eq!(assessments(api, P4), json!([second]));

        // At risk only: the forecast is derived.
        let by_risk = expect(put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "amber", "at_risk": "94000.00", "reason": why})), 200);
        assert_eq!(figures(&by_risk), assessment(("2021/22", "P4"), "CFE SAV05", "amber", ["794000.00", "700000.00", "94000.00"], Some(why), None, 3));

        // Both, adding up: kept, with substitutes and slippage.
        let both = expect(put_assessment(api, P4, "CFE-SAV05", &json!({
            "rag": "amber", "forecast": "700000.00", "at_risk": "94000.00", "reason": why,
            "substitutes": [{"ref": "CFE SAV15", "amount": "50000.00"}, {"ref": "CFE-SAV16", "amount": "44000.00"}],
            "slips_to": "2022/23"
        })), 200);
        let mut expected = assessment(("2021/22", "P4"), "CFE SAV05", "amber", ["794000.00", "700000.00", "94000.00"], Some(why), None, 4);
        expected["substitutes"] = json!([{"ref": "CFE SAV15", "amount": "50000.00"}, {"ref": "CFE SAV16", "amount": "44000.00"}]);
        expected["slips_to"] = json!("2022/23");
        // Slipping, and nothing said of its nature: the shortfall is timing.
        expected["timing"] = json!("94000.00");
        expected["permanent"] = json!("0.00");
        assert_eq!(figures(&both), expected);

        // Both, not adding up; and neither.
        let unchanged = assessments(api, P4);
        put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "amber", "forecast": "700000.00", "at_risk": "94000.01", "reason": why}))
            .assert_field_error(422, "validation", "at_risk");
        put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "green", "reason": why}))
            .assert_field_error(422, "validation", "forecast");
        assert_eq!(assessments(api, P4), unchanged);

        // Delivered in full, and nothing delivered; a pound-and-pence split the other way.
        let green = expect(put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "green", "forecast": "794000.00"})), 200);
        assert_eq!(figures(&green), assessment(("2021/22", "P4"), "CFE SAV05", "green", ["794000.00", "794000.00", "0.00"], None, None, 5));
        let blue = expect(put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "blue", "at_risk": "0.00"})), 200);
        assert_eq!(figures(&blue), assessment(("2021/22", "P4"), "CFE SAV05", "blue", ["794000.00", "794000.00", "0.00"], None, None, 6));
        let red = put_assessment(api, P4, "cfe-sav06", &json!({"rag": "red", "forecast": "0.00", "reason": "Legal challenge"}));
        assert_eq!(red.status, 201, "{}", red.body);
        assert_eq!(figures(&red.json()), assessment(("2021/22", "P4"), "CFE SAV06", "red", ["295000.00", "0.00", "295000.00"], Some("Legal challenge"), None, 1));
        let pence = expect(put_assessment(api, P4, "CFE-SAV06", &json!({"rag": "amber", "at_risk": "0.01", "reason": "Rounding on one contract"})), 200);
        assert_eq!(figures(&pence), assessment(("2021/22", "P4"), "CFE SAV06", "amber", ["295000.00", "294999.99", "0.01"], Some("Rounding on one contract"), None, 2));
        assert_eq!(refs(&assessments(api, P4)), ["CFE SAV05", "CFE SAV06"]);
        // P3 is untouched.
        assert_eq!(refs(&assessments(api, P3)), REPORTED);
    }

    fn every_broken_rule_is_refused_naming_the_field_and_writes_nothing(api: &TestApi) {
        api.with_demo();
        create_period(api, "2021/22", "P4");
        create_period(api, "2022/23", "P1");
        let withdrawn = api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "withdrawn", "reason": "Music service transferred to a trust"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        expect(put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "amber", "at_risk": "94000.00", "reason": "Placements"})), 201);
        let before = Unchanged::now(api);
        assert_eq!(refs(&before.this_year), ["CFE SAV05"]);

        let sav05 = |extra: Value| {
            let mut body = json!({"rag": "amber", "at_risk": "94000.00", "reason": "Placements"});
            for (key, value) in extra.as_object().unwrap() {
                body[key] = value.clone();
            }
            (format!("{P4}/assessments/CFE-SAV05"), body)
        };
        let cases: Vec<(&str, (String, Value), &str)> = vec![
            ("a negative forecast", (format!("{P4}/assessments/CFE-SAV05"), json!({"rag": "green", "forecast": "-0.01"})), "forecast"),
            ("an over-delivering forecast with something at risk", (format!("{P4}/assessments/CFE-SAV05"), json!({"rag": "green", "forecast": "794000.01", "at_risk": "1.00", "reason": "x"})), "at_risk"),
            ("timing with no year it slips to", sav05(json!({"timing": "94000.00"})), "slips_to"),
            ("timing more than at risk", sav05(json!({"timing": "94000.01", "slips_to": "2022/23"})), "timing"),
            ("permanent more than at risk", sav05(json!({"permanent": "94000.01"})), "permanent"),
            ("a negative timing", sav05(json!({"timing": "-1.00", "slips_to": "2022/23"})), "timing"),
            ("timing and permanent that do not add up", sav05(json!({"timing": "50000.00", "permanent": "44000.01", "slips_to": "2022/23"})), "permanent"),
            ("slipping with nothing timing", sav05(json!({"permanent": "94000.00", "slips_to": "2022/23"})), "slips_to"),
            ("timing with 3 decimals", sav05(json!({"timing": "1.001", "slips_to": "2022/23"})), "timing"),
            ("a mitigation that does not exist", sav05(json!({"substitutes": [{"mitigation": 999, "amount": "1000.00"}]})), "substitutes[0].mitigation"),
            ("a substitute naming both a saving and a mitigation", sav05(json!({"substitutes": [{"ref": "CFE SAV15", "mitigation": 1, "amount": "1000.00"}]})), "substitutes[0]"),
            ("a substitute naming neither", sav05(json!({"substitutes": [{"amount": "1000.00"}]})), "substitutes[0]"),
            ("negative forecast", (format!("{P4}/assessments/CFE-SAV05"), json!({"rag": "red", "forecast": "-1.00", "reason": "x"})), "forecast"),
            ("negative at risk", sav05(json!({"at_risk": "-0.01"})), "at_risk"),
            ("at risk above planned", sav05(json!({"at_risk": "794000.01"})), "at_risk"),
            ("no reason when at risk", (format!("{P4}/assessments/CFE-SAV05"), json!({"rag": "amber", "at_risk": "1000.00"})), "reason"),
            ("a blank reason when at risk", sav05(json!({"reason": "   "})), "reason"),
            ("a growth line", (format!("{P4}/assessments/CFE-GRO01"), json!({"rag": "green", "at_risk": "0.00"})), "ref"),
            ("no saving that year (SAV03 in 2022/23)", (format!("{NEXT_YEAR_P1}/assessments/CFE-SAV03"), json!({"rag": "green", "at_risk": "0.00"})), "year"),
            ("no saving that year (SAV12 in 2022/23)", (format!("{NEXT_YEAR_P1}/assessments/CFE-SAV12"), json!({"rag": "green", "at_risk": "0.00"})), "year"),
            ("a withdrawn line", (format!("{P4}/assessments/CFE-SAV13"), json!({"rag": "green", "at_risk": "0.00"})), "ref"),
            ("a substitute that does not exist", sav05(json!({"substitutes": [{"ref": "CFE SAV99", "amount": "1000.00"}]})), "substitutes[0].ref"),
            ("a growth substitute", sav05(json!({"substitutes": [{"ref": "CFE GRO01", "amount": "1000.00"}]})), "substitutes[0].ref"),
            ("itself as substitute", sav05(json!({"substitutes": [{"ref": "CFE SAV05", "amount": "1000.00"}]})), "substitutes[0].ref"),
            ("a substitute twice", sav05(json!({"substitutes": [{"ref": "CFE SAV15", "amount": "1000.00"}, {"ref": "CFE SAV15", "amount": "2000.00"}]})), "substitutes[1].ref"),
            ("substitutes over the amount at risk", sav05(json!({"substitutes": [{"ref": "CFE SAV15", "amount": "50000.00"}, {"ref": "CFE SAV16", "amount": "44000.01"}]})), "substitutes"),
            ("a zero substitute", sav05(json!({"substitutes": [{"ref": "CFE SAV15", "amount": "0.00"}]})), "substitutes[0].amount"),
            ("a negative substitute", sav05(json!({"substitutes": [{"ref": "CFE SAV15", "amount": "-5.00"}]})), "substitutes[0].amount"),
            ("slipping to the same year", sav05(json!({"slips_to": "2021/22"})), "slips_to"),
            ("slipping to an earlier year", sav05(json!({"slips_to": "2020/21"})), "slips_to"),
            ("slipping with nothing at risk", (format!("{P4}/assessments/CFE-SAV05"), json!({"rag": "green", "at_risk": "0.00", "slips_to": "2022/23"})), "slips_to"),
            ("blue with something at risk", sav05(json!({"rag": "blue"})), "rag"),
            ("red with nothing at risk", (format!("{P4}/assessments/CFE-SAV05"), json!({"rag": "red", "at_risk": "0.00", "reason": "x"})), "rag"),
            ("an unknown rag", sav05(json!({"rag": "purple"})), "rag"),
            ("an amount with 3 decimals", sav05(json!({"at_risk": "94000.001"})), "at_risk"),
            ("an unknown field", sav05(json!({"owner": "Hannah Doughty"})), "owner"),
        ];
        for (label, (path, body), field) in cases {
            let reply = api.put(&path, &body);
            assert_eq!(reply.status, 422, "{label}: {}", reply.body);
            let problem = reply.assert_field_error(422, "validation", field);
            assert!(
                problem["errors"].as_array().unwrap().iter().all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())),
                "{label}: {problem}"
            );
            before.check(api, label);
        }
    }

    fn an_assessment_needs_a_known_line_and_period_a_fresh_etag_and_an_editor(api: &TestApi) {
        api.with_demo();
        create_period(api, "2021/22", "P4");
        create_period(api, "2022/23", "P1");
        let body = json!({"rag": "amber", "at_risk": "94000.00", "reason": "Placements"});
        let v1 = expect(put_assessment(api, P4, "CFE-SAV05", &body), 201);
        let before = Unchanged::now(api);

        put_assessment(api, P4, "CFE-SAV98", &body).assert_problem(404, "not-found");
        put_assessment(api, "/api/v1/periods/2021-22/P9", "CFE-SAV05", &body).assert_problem(404, "not-found");
        put_assessment(api, "/api/v1/periods/2023-24/P4", "CFE-SAV05", &body).assert_problem(404, "not-found");
        put_assessment(api, P4, "SAV5", &body).assert_field_error(400, "invalid-parameter", "ref");
        put_assessment(api, "/api/v1/periods/2021-22/P13", "CFE-SAV05", &body).assert_field_error(400, "invalid-parameter", "period");
        before.check(api, "unknown line or period");

        // If-Match: the current version goes through; a stale one changes nothing.
        let revised = json!({"rag": "amber", "at_risk": "94000.00", "reason": "Placements", "mitigation": "Step-down panel"});
        let stale = api.send_with("PUT", &format!("{P4}/assessments/CFE-SAV05"), &[("If-Match", "\"2\"")], Some(&revised));
        stale.assert_problem(412, "precondition-failed");
        before.check(api, "If-Match ahead");
        let v2 = api.send_with("PUT", &format!("{P4}/assessments/CFE-SAV05"), &[("If-Match", "\"1\"")], Some(&revised));
        assert_eq!(v2.status, 200, "{}", v2.body);
        assert_eq!(v2.header("etag"), Some("\"2\""));
        assert_eq!(v2.json()["version"], 2);
        let before = Unchanged::now(api);
        let again = json!({"rag": "amber", "at_risk": "90000.00", "reason": "Placements"});
        api.send_with("PUT", &format!("{P4}/assessments/CFE-SAV05"), &[("If-Match", "\"1\"")], Some(&again))
            .assert_problem(412, "precondition-failed");
        api.send_with("PUT", &format!("{P4}/assessments/CFE-SAV06"), &[("If-Match", "\"1\"")], Some(&json!({"rag": "green", "at_risk": "0.00"})))
            .assert_problem(412, "precondition-failed");
        before.check(api, "stale If-Match");
        assert_ne!(assessments(api, P4)[0], v1);

        // Who may assess: an editor of the line's directorate, or an admin.
        let reader = api.as_key(&api.create_key("pmo-reader", "reader", &[]));
        // An editor key's directorates must exist.
        api.with_directorate("ASC", "Adult Social Care");
        let editor_of_asc = api.as_key(&api.create_key("asc-finance", "editor", &["ASC"]));
        let editor_of_cfe = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        let before = Unchanged::now(api);
        let sav06 = json!({"rag": "red", "forecast": "0.00", "reason": "Legal challenge"});
        put_assessment(&reader, P4, "CFE-SAV06", &sav06).assert_problem(403, "forbidden");
        put_assessment(&editor_of_asc, P4, "CFE-SAV06", &sav06).assert_problem(403, "forbidden");
        put_assessment(&editor_of_asc, P4, "CFE-SAV05", &body).assert_problem(403, "forbidden");
        before.check(api, "refused keys");
        let by_editor = put_assessment(&editor_of_cfe, P4, "CFE-SAV06", &sav06);
        assert_eq!(by_editor.status, 201, "{}", by_editor.body);
        assert_eq!(figures(&by_editor.json()), assessment(("2021/22", "P4"), "CFE SAV06", "red", ["295000.00", "0.00", "295000.00"], Some("Legal challenge"), None, 1));
        assert_eq!(reader.get(&format!("{P4}/assessments")).json(), assessments(api, P4), "any key may read");
    }

    fn a_closed_period_is_read_only(api: &TestApi) {
        api.with_demo();
        create_period(api, "2021/22", "P4");
        expect(put_assessment(api, P4, "CFE-SAV05", &json!({"rag": "amber", "at_risk": "94000.00", "reason": "Placements"})), 201);
        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        editor.post(&format!("{P4}/close"), &json!({})).assert_problem(403, "forbidden");
        api.post("/api/v1/periods/2021-22/P5/close", &json!({})).assert_problem(404, "not-found");
        assert_eq!(get_ok(api, P4)["status"], "open");

        let closed = expect(api.post(&format!("{P4}/close"), &json!({})), 200);
        assert_eq!(closed["status"], "closed", "{closed}");
        assert!(closed["closed_at"].as_str().is_some_and(|t| OffsetDateTime::parse(t, &Rfc3339).is_ok()), "{closed}");
        assert_eq!(get_ok(api, P4), closed);
        let kept = assessments(api, P4);
        let seen = all_events(api).len();

        for (who, key) in [("admin", api), ("editor", &editor)] {
            let problem = put_assessment(key, P4, "CFE-SAV05", &json!({"rag": "green", "at_risk": "0.00"})).assert_problem(409, "conflict");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains("2021/22 P4") && detail.contains("closed"), "{who}: {detail}");
            put_assessment(key, P4, "CFE-SAV06", &json!({"rag": "green", "at_risk": "0.00"})).assert_problem(409, "conflict");
        }
        let problem = copy(api, P4, "P3").assert_problem(409, "conflict");
        assert!(problem["detail"].as_str().unwrap().contains("closed"), "{problem}");
        // Closing again is no change.
        assert_eq!(expect(api.post(&format!("{P4}/close"), &json!({})), 200), closed);
        assert_eq!(assessments(api, P4), kept, "reading a closed period still works");
        assert_eq!(refs(&kept), ["CFE SAV05"]);
        assert_eq!(get_ok(api, P4_REPORT)["period"], closed);
        assert_eq!(new_events(api, seen), Vec::<Value>::new(), "nothing recorded after closing");
        // Other periods stay open.
        expect(put_assessment(api, P3, "CFE-SAV05", &json!({"rag": "green", "at_risk": "0.00"})), 201);
    }

    fn copy_forward_starts_a_period_from_the_last(api: &TestApi) {
        api.with_demo();
        create_period(api, "2021/22", "P4");
        // An editor of another directorate copies nothing.
        // An editor key's directorates must exist.
        api.with_directorate("ASC", "Adult Social Care");
        let editor_of_asc = api.as_key(&api.create_key("asc-finance", "editor", &["ASC"]));
        let refused = expect(copy(&editor_of_asc, P4, "P3"), 200);
        assert_eq!(refused["copied"], json!([]), "{refused}");
        assert_eq!(refs(&refused["skipped"]), REPORTED, "{refused}");
        for skipped in refused["skipped"].as_array().unwrap() {
            assert!(skipped["reason"].as_str().is_some_and(|r| r.contains("CFE")), "{skipped}");
        }
        assert_eq!(assessments(api, P4), json!([]));

        let seen = all_events(api).len();
        let copied = expect(copy(api, P4, "P3"), 200);
        assert_eq!(copied, json!({"copied": REPORTED, "skipped": []}));
        let (p3, p4) = (assessments(api, P3), assessments(api, P4));
        assert_eq!(refs(&p4), REPORTED);
        for (earlier, now) in p3.as_array().unwrap().iter().zip(p4.as_array().unwrap()) {
            let mut expected = figures(earlier);
            expected["period"] = json!("P4");
            expected["version"] = json!(1);
            // Carried, not assessed afresh: marked with the period it comes from.
            expected["carried_from"] = json!("P3");
            assert_eq!(figures(now), expected);
        }
        let recorded = new_events(api, seen);
        assert_eq!(refs(&Value::Array(recorded.clone())), ["2021/22 P4 CFE SAV07", "2021/22 P4 CFE SAV09", "2021/22 P4 CFE SAV10"]);
        for event in &recorded {
            assert_eq!((&event["entity"], &event["action"], &event["actor"]), (&json!("assessment"), &json!("created"), &json!("test-admin")), "{event}");
            assert_eq!(event["reason"], "copied from 2021/22 P3", "{event}");
        }

        let revised = expect(put_assessment(api, P4, "CFE-SAV09", &json!({"rag": "amber", "at_risk": "137000.00", "reason": "Consultation ended; two hubs open in September"})), 200);
        assert_eq!(figures(&revised), assessment(("2021/22", "P4"), "CFE SAV09", "amber", ["660000.00", "523000.00", "137000.00"], Some("Consultation ended; two hubs open in September"), None, 2));
        let report = get_ok(api, P4_REPORT);
        assert_eq!(report["period"], get_ok(api, P4));
        let carried = |mut row: Value| {
            row["carried_from"] = json!("P3");
            row
        };
        assert_eq!(rows(&report), vec![
            carried(scrutiny_row("CFE SAV07", SAV07_TITLE, ["1065000.00", "0.00", "1065000.00"], "red", DEMO_REASON, Some(("P3", "0.00")))),
            scrutiny_row("CFE SAV09", SAV09_TITLE, ["660000.00", "523000.00", "137000.00"], "amber", "Consultation ended; two hubs open in September", Some(("P3", "-100000.00"))),
            carried(scrutiny_row("CFE SAV10", SAV10_TITLE, ["587000.00", "572000.00", "15000.00"], "amber", DEMO_REASON, Some(("P3", "0.00")))),
        ]);
        // SAV07 and SAV10 are carried from P3: 1,652,000.00 of the 2,312,000.00 assessed.
        let with_carried = |mut total: Value| {
            total["carried"] = json!("1652000.00");
            total
        };
        assert_eq!(report["total"], with_carried(total(None, ["2312000.00", "1095000.00", "1217000.00"])));
        assert_eq!(report["directorates"], json!([with_carried(total(Some("CFE"), ["2312000.00", "1095000.00", "1217000.00"]))]));
        assert_eq!(report["not_assessed"], not_assessed_part(not_assessed_in_the_demo(), 11, "7121000.00"));
        // P3 is as it was.
        assert_eq!(rows(&get_ok(api, P3_REPORT)), demo_rows());
        assert_eq!(get_ok(api, P3_REPORT)["total"]["at_risk"], "1317000.00");

        // Copying again keeps what P4 has.
        let seen = all_events(api).len();
        let again = expect(copy(api, P4, "P3"), 200);
        assert_eq!(again["copied"], json!([]), "{again}");
        assert_eq!(refs(&again["skipped"]), REPORTED, "{again}");
        for skipped in again["skipped"].as_array().unwrap() {
            assert!(skipped["reason"].as_str().is_some_and(|r| r.contains("already assessed")), "{skipped}");
        }
        assert_eq!(figures(&assessments(api, P4)[1]), figures(&revised));
        assert_eq!(new_events(api, seen), Vec::<Value>::new());

        // Only from an earlier period that exists.
        copy(api, P4, "P5").assert_field_error(400, "invalid-parameter", "from");
        copy(api, P4, "P4").assert_field_error(400, "invalid-parameter", "from");
        copy(api, P4, "P0").assert_field_error(400, "invalid-parameter", "from");
        copy(api, P4, "P2").assert_problem(404, "not-found");
        copy(api, "/api/v1/periods/2021-22/P6", "P3").assert_problem(404, "not-found");
    }

    fn copy_forward_measures_the_risk_against_the_plan_as_it_is_now(api: &TestApi) {
        api.with_demo();
        // Since P3: SAV07 withdrawn, SAV09 cut below its amount at risk, SAV10 cut a little.
        for reply in [
            api.patch("/api/v1/lines/CFE-SAV07", &json!({"status": "withdrawn", "reason": "Replaced by the practice review"})),
            api.put("/api/v1/lines/CFE-SAV09/years/2021-22", &json!({"amount": "200000.00"})),
            api.put("/api/v1/lines/CFE-SAV10/years/2021-22", &json!({"amount": "600000.00"})),
        ] {
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        create_period(api, "2021/22", "P4");
        let outcome = expect(copy(api, P4, "P3"), 200);
        assert_eq!(outcome["copied"], json!(["CFE SAV10"]), "{outcome}");
        assert_eq!(refs(&outcome["skipped"]), ["CFE SAV07", "CFE SAV09"], "{outcome}");
        let reason = |i: usize| outcome["skipped"][i]["reason"].as_str().unwrap().to_owned();
        assert!(reason(0).contains("withdrawn"), "{outcome}");
        assert!(reason(1).contains("at_risk"), "{outcome}");
        let mut expected = assessment(("2021/22", "P4"), "CFE SAV10", "amber", ["600000.00", "585000.00", "15000.00"], Some(DEMO_REASON), None, 1);
        expected["carried_from"] = json!("P3");
        assert_eq!(figures(&assessments(api, P4)[0]), expected);
        assert_eq!(refs(&assessments(api, P4)), ["CFE SAV10"]);
    }

    fn the_trend_of_a_line_lists_its_assessments_in_order(api: &TestApi) {
        api.with_demo();
        p4_with_sav09_revised(api);
        create_period(api, "2021/22", "P10");
        create_period(api, "2022/23", "P1");
        expect(put_assessment(api, "/api/v1/periods/2022-23/P1", "CFE-SAV09", &json!({"rag": "green", "forecast": "240000.00"})), 201);
        expect(put_assessment(api, "/api/v1/periods/2021-22/P10", "CFE-SAV09", &json!({"rag": "blue", "at_risk": "0.00"})), 201);

        let trend = get_ok(api, "/api/v1/lines/CFE-SAV09/assessments");
        let trend: Vec<Value> = trend.as_array().unwrap().iter().map(figures).collect();
        assert_eq!(trend, vec![
            assessment(("2021/22", "P3"), "CFE SAV09", "amber", ["660000.00", "423000.00", "237000.00"], Some(DEMO_REASON), None, 1),
            assessment(("2021/22", "P4"), "CFE SAV09", "amber", ["660000.00", "523000.00", "137000.00"], Some("Consultation ended; two hubs open in September"), None, 2),
            assessment(("2021/22", "P10"), "CFE SAV09", "blue", ["660000.00", "660000.00", "0.00"], None, None, 1),
            assessment(("2022/23", "P1"), "CFE SAV09", "green", ["240000.00", "240000.00", "0.00"], None, None, 1),
        ]);
        assert_eq!(get_ok(api, "/api/v1/lines/cfe_sav09/assessments").as_array().unwrap().len(), 4);
        assert_eq!(get_ok(api, "/api/v1/lines/CFE-SAV05/assessments"), json!([]));
        api.get("/api/v1/lines/CFE-SAV98/assessments").assert_problem(404, "not-found");
        api.get("/api/v1/lines/SAV9/assessments").assert_field_error(400, "invalid-parameter", "ref");
    }

    fn the_summary_puts_at_risk_beside_the_plan(api: &TestApi) {
        api.with_demo();
        // The three shortfalls are unexplained, so permanent: the ongoing gap carries into every later year.
        let plan_2022 = |gap: &str| json!({"year": "2022/23", "savings": "4694000.00", "growth": "85000.00", "net": "-4609000.00", "ongoing_gap": gap});
        let plan_2023 = |gap: &str| json!({"year": "2023/24", "savings": "2296000.00", "growth": "77000.00", "net": "-2219000.00", "ongoing_gap": gap});
        // Only the three assessed savings forecast anything: the 7,121,000.00 not assessed is not known.
        let at_p3 = json!({"year": "2021/22", "savings": "9433000.00", "growth": "20433000.00", "net": "11000000.00",
            "period": "P3", "assessed": "2312000.00", "forecast": "995000.00", "at_risk": "1317000.00",
            "not_assessed": "7121000.00", "one_off_gap": "0.00", "ongoing_gap": "1317000.00"});
        let summary = get_ok(api, "/api/v1/reports/summary?directorate=CFE");
        assert_eq!(summary["total"], json!([at_p3, plan_2022("1317000.00"), plan_2023("1317000.00")]));

        p4_with_sav09_revised(api);
        let at_p4 = json!({"year": "2021/22", "savings": "9433000.00", "growth": "20433000.00", "net": "11000000.00",
            "period": "P4", "assessed": "2312000.00", "forecast": "1095000.00", "at_risk": "1217000.00",
            "not_assessed": "7121000.00", "one_off_gap": "0.00", "ongoing_gap": "1217000.00"});
        for path in ["/api/v1/reports/summary?directorate=CFE", "/api/v1/reports/summary?directorate=cfe&period=P4", "/api/v1/reports/summary"] {
            let summary = get_ok(api, path);
            assert_eq!(summary["total"], json!([at_p4, plan_2022("1217000.00"), plan_2023("1217000.00")]), "{path}");
            assert_eq!(summary["directorates"][0]["directorate"], "CFE", "{path}");
            assert_eq!(summary["directorates"][0]["years"], summary["total"], "{path}");
        }
        let at_p3_now = get_ok(api, "/api/v1/reports/summary?directorate=CFE&period=P3");
        assert_eq!(at_p3_now["total"], json!([at_p3, plan_2022("1317000.00"), plan_2023("1317000.00")]));
        assert_eq!(at_p3_now["directorates"][0]["years"], at_p3_now["total"]);
        for row in at_p3_now["total"].as_array().unwrap().iter().skip(1) {
            let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
            assert!(!keys.iter().any(|k| ["period", "forecast", "at_risk"].contains(&k.as_str())), "{row}");
        }
        api.get("/api/v1/reports/summary?period=P13").assert_field_error(400, "invalid-parameter", "period");
    }

    fn every_change_is_on_the_record(api: &TestApi) {
        api.with_demo();
        let demo = all_events(api);
        let about = |entity: &str| demo.iter().filter(|e| e["entity"] == entity).map(|e| (e["ref"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned(), e["actor"].as_str().unwrap().to_owned())).collect::<Vec<_>>();
        assert_eq!(about("period"), [("2021/22 P3".to_owned(), "created".to_owned(), "load-demo".to_owned())]);
        assert_eq!(about("assessment"), REPORTED.iter().map(|r| (format!("2021/22 P3 {r}"), "created".to_owned(), "load-demo".to_owned())).collect::<Vec<_>>());

        let mut seen = demo.len();
        let mut recorded = |expected: usize, label: &str| {
            let fresh = new_events(api, seen);
            assert_eq!(fresh.len(), expected, "{label}: {fresh:?}");
            seen += fresh.len();
            fresh
        };
        let p4 = create_period(api, "2021/22", "P4");
        let event = &recorded(1, "opening P4")[0];
        assert_eq!((&event["entity"], &event["ref"], &event["action"], &event["actor"]), (&json!("period"), &json!("2021/22 P4"), &json!("created"), &json!("test-admin")), "{event}");
        assert_eq!(event["after"], p4, "{event}");
        assert!(event["before"].is_null(), "{event}");

        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        recorded(1, "the key");
        let why = "Fewer children stepping down from care than planned";
        let v1 = expect(put_assessment(&editor, P4, "CFE-SAV05", &json!({"rag": "amber", "at_risk": "94000.00", "reason": why})), 201);
        let event = &recorded(1, "first assessment")[0];
        assert_eq!((&event["entity"], &event["ref"], &event["action"], &event["actor"]), (&json!("assessment"), &json!("2021/22 P4 CFE SAV05"), &json!("created"), &json!("cfe-finance")), "{event}");
        assert_eq!(without_version(&event["after"]), v1, "{event}");

        let v2 = expect(put_assessment(&editor, P4, "CFE-SAV05", &json!({"rag": "red", "forecast": "0.00", "reason": why})), 200);
        let event = &recorded(1, "revision")[0];
        assert_eq!((&event["entity"], &event["ref"], &event["action"], &event["actor"]), (&json!("assessment"), &json!("2021/22 P4 CFE SAV05"), &json!("updated"), &json!("cfe-finance")), "{event}");
        assert_eq!((without_version(&event["before"]), without_version(&event["after"])), (v1, v2), "{event}");

        expect(put_assessment(&editor, P4, "CFE-SAV05", &json!({"rag": "red", "forecast": "0.00", "reason": why})), 200);
        recorded(0, "an identical PUT");
        put_assessment(&editor, P4, "CFE-SAV05", &json!({"rag": "blue", "forecast": "0.00", "reason": why})).assert_field_error(422, "validation", "rag");
        put_assessment(&api.as_key(&api.create_key("pmo-reader", "reader", &[])), P4, "CFE-SAV05", &json!({"rag": "green", "at_risk": "0.00"})).assert_problem(403, "forbidden");
        recorded(1, "the reader key only");
        api.send_with("PUT", &format!("{P4}/assessments/CFE-SAV05"), &[("If-Match", "\"1\"")], Some(&json!({"rag": "green", "at_risk": "0.00"}))).assert_problem(412, "precondition-failed");
        put_assessment(api, P4, "CFE-SAV98", &json!({"rag": "green", "at_risk": "0.00"})).assert_problem(404, "not-found");
        recorded(0, "failed PUTs");

        let closed = expect(api.post(&format!("{P4}/close"), &json!({})), 200);
        let event = &recorded(1, "closing")[0];
        assert_eq!((&event["entity"], &event["ref"], &event["action"], &event["actor"]), (&json!("period"), &json!("2021/22 P4"), &json!("closed"), &json!("test-admin")), "{event}");
        assert_eq!((&event["before"], &event["after"]), (&p4, &closed), "{event}");
        expect(api.post(&format!("{P4}/close"), &json!({})), 200);
        put_assessment(api, P4, "CFE-SAV06", &json!({"rag": "green", "at_risk": "0.00"})).assert_problem(409, "conflict");
        recorded(0, "closing again, and a PUT into a closed period");
    }

    fn the_scrutiny_table_as_it_stood(api: &TestApi) {
        let before_the_demo = "2020-01-01T00:00:00Z";
        api.with_demo();
        let then = now();
        let read_then = get_ok(api, P3_REPORT);
        let cfe_then = get_ok(api, &format!("{P3_REPORT}&directorate=CFE"));
        let summary_then = get_ok(api, "/api/v1/reports/summary?directorate=CFE");

        // Revise P3 itself, assess another line in it, withdraw a line, then open, fill and close P4.
        expect(put_assessment(api, P3, "CFE-SAV09", &json!({"rag": "amber", "at_risk": "137000.00", "reason": "Consultation ended"})), 200);
        expect(put_assessment(api, P3, "CFE-SAV05", &json!({"rag": "amber", "at_risk": "94000.00", "reason": "Placements"})), 201);
        assert_eq!(api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "withdrawn", "reason": "Music service transferred to a trust"})).status, 200);
        create_period(api, "2021/22", "P4");
        expect(copy(api, P4, "P3"), 200);
        expect(api.post(&format!("{P3}/close"), &json!({})), 200);
        let live = get_ok(api, P3_REPORT);
        assert_ne!(live, read_then, "the table changed");
        assert_eq!(live["total"]["at_risk"], "1311000.00");
    // SAV05 is assessed now, and withdrawn SAV13 is no longer expected to be.
    let still_to_assess: Vec<Value> = not_assessed_in_the_demo()
        .into_iter()
        .filter(|line| line["ref"] != "CFE SAV05" && line["ref"] != "CFE SAV13")
        .collect();
    assert_eq!(live["not_assessed"], not_assessed_part(still_to_assess, 9, "6201000.00"));
    assert_eq!(refs(&live["rows"]), ["CFE SAV05", "CFE SAV07", "CFE SAV09", "CFE SAV10"]);

        assert_eq!(get_ok(api, &with_as_at(P3_REPORT, &then)), read_then);
        assert_eq!(get_ok(api, &with_as_at(&format!("{P3_REPORT}&directorate=CFE"), &then)), cfe_then);
        assert_eq!(get_ok(api, &with_as_at("/api/v1/reports/summary?directorate=CFE", &then)), summary_then);
        assert_eq!(get_ok(api, &with_as_at(P3_REPORT, &then))["total"]["at_risk"], "1317000.00");
        api.get(&with_as_at(P4_REPORT, &then)).assert_problem(404, "not-found");
        // As at now answers as the live table does.
        let instant = now();
        assert_eq!(get_ok(api, &with_as_at(P3_REPORT, &instant)), live);
        assert_eq!(get_ok(api, &with_as_at(P4_REPORT, &instant)), get_ok(api, P4_REPORT));

        api.get(&with_as_at(P3_REPORT, before_the_demo)).assert_problem(404, "not-found");
        api.get(&with_as_at(P3_REPORT, "yesterday")).assert_field_error(400, "invalid-parameter", "as_at");
    }
}
