//! Reports as they stood: `as_at` answers exactly what the service answered at that instant, and the changes
//! report says what was added, withdrawn and changed in between, and why.

mod common;

use common::migrations::upgrade_through;
use common::reads::{now, refs, with_as_at};
use common::TestApi;
use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

/// The reads a report is drawn from.
const READS: [&str; 6] = [
    "/api/v1/lines?limit=500",
    "/api/v1/lines?directorate=CFE&kind=saving&year=2022-23",
    "/api/v1/lines?q=review&limit=2",
    "/api/v1/lines/CFE-SAV05",
    "/api/v1/reports/summary",
    "/api/v1/reports/summary?directorate=CFE&include_withdrawn=true",
];

/// Every read `as_at` answers, for the two ways of answering it to be held to each other.
const READS_AS_AT: [&str; 14] = [
    "/api/v1/lines?limit=500&include_withdrawn=true",
    "/api/v1/lines?directorate=CFE&kind=saving&year=2022-23",
    "/api/v1/lines?status=withdrawn&include_withdrawn=true",
    "/api/v1/lines?q=review&limit=2",
    "/api/v1/lines?directorate=cfe&limit=3&cursor=CFE-GRO08",
    "/api/v1/lines/CFE-SAV05",
    "/api/v1/lines/CFE-SAV13",
    "/api/v1/lines/CFE-GRO10",
    "/api/v1/reports/summary",
    "/api/v1/reports/summary?directorate=CFE&include_withdrawn=true",
    "/api/v1/reports/summary?view=cumulative",
    "/api/v1/reports/at-risk?year=2021/22&period=P3",
    "/api/v1/reports/at-risk?year=2021/22&period=P4&directorate=cfe",
    "/api/v1/reports/summary?period=P4",
];

/// A new period, P4, and a saving assessed in it and then revised.
fn assess_p4(api: &TestApi) {
    let p4 = "/api/v1/periods/2021-22/P4";
    let replies = [
        api.post(
            "/api/v1/periods",
            &json!({"year": "2021/22", "period": "P4"}),
        ),
        api.put(
            &format!("{p4}/assessments/CFE-SAV05"),
            &json!({"rag": "amber", "forecast": "600000.01", "reason": "Placements cost more"}),
        ),
        api.put(
            &format!("{p4}/assessments/CFE-SAV05"),
            &json!({"rag": "red", "forecast": "500000.00", "reason": "Placements cost more"}),
        ),
    ];
    for reply in replies {
        assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
    }
}

/// Makes the service answer every `as_at` from the audit trail, as it does for instants before the kept
/// states began on a database that had figures already.
fn replay_everything(api: &TestApi) {
    api.connection()
        .batch_execute("UPDATE states_complete SET from_instant = '2999-01-01 00:00:00'")
        .expect("states_complete");
}

/// Takes the kept states away and makes them again, as upgrading a database that had figures before them did.
fn upgrade_to_kept_states(api: &TestApi) {
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
            ("20261202000002", "the kept states came before them"),
        ],
    );
}

/// A live answer (`at` None) or one as at an instant: its status and, on a 200, its body, the next-page link
/// (which carries the as_at) left out.
/// A live answer less what is answered now only (a line's baselines and pending changes).
fn now_only_removed(mut body: Value) -> Value {
    if let Some(object) = body.as_object_mut() {
        object.remove("baselines");
        object.remove("pending_changes");
    }
    body
}

fn answer(api: &TestApi, path: &str, at: Option<&str>) -> (u16, Value) {
    let reply = match at {
        None => api.get(path),
        Some(at) => api.get(&with_as_at(path, at)),
    };
    if reply.status != 200 {
        return (reply.status, Value::Null);
    }
    let mut body = reply.json();
    if let Some(object) = body.as_object_mut() {
        object.remove("next");
        // The upgrade takes the approved budget's tables away with their migration and makes them again empty,
        // as a database from before them has no baseline: the summary's budget is not what is compared here.
        object.remove("budget");
    }
    (reply.status, now_only_removed(body))
}

fn change_the_plan(api: &TestApi) {
    let replies = [
        api.patch("/api/v1/lines/CFE-SAV05", &json!({"years": [
            {"year": "2021/22", "amount": "700000.00"}, {"year": "2022/23", "amount": "1654000.00"}, {"year": "2023/24", "amount": "1500000.50"}
        ], "owner": "Debbie Jones"})),
        api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "withdrawn", "reason": "Music service transferred to a trust"})),
        api.post("/api/v1/lines", &json!({"kind": "growth", "directorate": "CFE", "title": "Home to school transport", "owner": "Finance BP",
            "years": [{"year": "2022/23", "amount": "300000.00"}]})),
        api.put("/api/v1/lines/CFE-GRO01/years/2024-25", &json!({"amount": "50000.00"})),
    ];
    for reply in replies {
        assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
    }
}

on_both_backends! {
    fn reproduces_earlier_answers_to_the_penny(api: &TestApi) {
        api.with_demo();
        let then = now();
        let answered: Vec<Value> = READS.iter().map(|path| now_only_removed(api.get(path).json())).collect();
        change_the_plan(api);
        assert_ne!(api.get(READS[4]).json(), answered[4], "the plan changed");
        for (path, earlier) in READS.iter().zip(&answered) {
            let reply = api.get(&with_as_at(path, &then));
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
            let mut reproduced = reply.json();
            if let (Some(next), Some(_)) = (reproduced.get_mut("next"), earlier.get("next")) {
                // The next-page link carries the as_at it was asked with.
                if let Some(link) = next.as_str() {
                    assert!(link.contains("as_at="), "{link}");
                    *next = earlier["next"].clone();
                }
            }
            assert_eq!(&reproduced, earlier, "{path} as at {then}");
        }
        assert_eq!(api.get(&with_as_at("/api/v1/reports/summary?directorate=CFE", &then)).json()["total"][0],
            json!({"year": "2021/22", "savings": "9433000.00", "growth": "20433000.00", "net": "11000000.00",
                "period": "P3", "assessed": "2312000.00", "forecast": "995000.00", "at_risk": "1317000.00",
                "not_assessed": "7121000.00", "one_off_gap": "0.00", "ongoing_gap": "1317000.00"}));
    }

    fn as_at_now_answers_as_the_live_queries_do(api: &TestApi) {
        api.with_demo();
        change_the_plan(api);
        let at = now();
        for path in READS.iter().chain(&["/api/v1/lines?status=withdrawn", "/api/v1/lines?include_withdrawn=true&limit=3&cursor=CFE-GRO08", "/api/v1/lines?q=NANA"]) {
            let live = now_only_removed(api.get(path).json());
            let mut rebuilt = api.get(&with_as_at(path, &at)).json();
            if let Some(next) = rebuilt.get_mut("next") {
                *next = live["next"].clone();
            }
            assert_eq!(rebuilt, live, "{path}");
        }
    }

    fn the_kept_states_answer_as_the_replayed_trail_does(api: &TestApi) {
        let before = "2020-01-01T00:00:00Z".to_owned();
        api.with_demo();
        let loaded = now();
        change_the_plan(api);
        assess_p4(api);
        let changed = now();
        // Changed twice: the first state of SAV05's second change is kept, then replaced.
        let again = api.patch("/api/v1/lines/CFE-SAV05", &json!({"owner": "Hannah Doughty"}));
        assert_eq!(again.status, 200, "{}", again.body);
        let instants = [before, loaded, changed, now()];
        let read = |api: &TestApi| -> Vec<(String, u16, String)> {
            let mut answers = Vec::new();
            for at in &instants {
                for path in READS_AS_AT {
                    let reply = api.get(&with_as_at(path, at));
                    answers.push((format!("{path} as at {at}"), reply.status, reply.comparable_body()));
                }
            }
            answers
        };
        let from_states = read(api);
        assert!(from_states.iter().any(|(_, status, _)| *status == 200));
        // The kept states answer what was printed then: CFE SAV05 before its change, to the penny.
        let sav05 = api.get(&with_as_at("/api/v1/lines/CFE-SAV05", &instants[1])).json();
        assert_eq!(sav05["years"][0], json!({"year": "2021/22", "amount": "794000.00"}));
        assert_eq!(sav05["owner"], "Hannah Doughty");
        replay_everything(api);
        let replayed = read(api);
        for (states, trail) in from_states.iter().zip(&replayed) {
            assert_eq!(states, trail);
        }
    }

    fn an_upgraded_database_answers_before_and_after_its_states_began(api: &TestApi) {
        api.with_demo();
        let loaded = now();
        let as_loaded: Vec<_> = READS_AS_AT.iter().map(|path| answer(api, path, None)).collect();
        change_the_plan(api);
        assess_p4(api);
        let changed = now();
        let as_changed: Vec<_> = READS_AS_AT.iter().map(|path| answer(api, path, None)).collect();
        upgrade_to_kept_states(api);
        let again = api.patch("/api/v1/lines/CFE-SAV07", &json!({"owner": "Finance BP"}));
        assert_eq!(again.status, 200, "{}", again.body);
        for (i, path) in READS_AS_AT.iter().enumerate() {
            // Before the states began: replayed from the trail; after: read from the states kept since.
            assert_eq!(answer(api, path, Some(&loaded)), as_loaded[i], "{path} as at {loaded}");
            assert_eq!(answer(api, path, Some(&changed)), as_changed[i], "{path} as at {changed}");
            let live = answer(api, path, None);
            assert_eq!(live.0, 200, "{path}");
            assert_eq!(answer(api, path, Some(&now())), live, "{path} as at now");
        }
        assert_eq!(as_loaded[7].0, 404, "CFE GRO10 came with the change");
    }

    fn before_anything_there_was_nothing(api: &TestApi) {
        let before = "2020-01-01T00:00:00Z";
        api.with_demo();
        let page = api.get(&with_as_at("/api/v1/lines", before)).json();
        assert_eq!(page["lines"], json!([]));
        assert_eq!(page["totals"], json!([]));
        api.get(&with_as_at("/api/v1/lines/CFE-SAV05", before)).assert_problem(404, "not-found");
        assert_eq!(api.get(&with_as_at("/api/v1/reports/summary", before)).json()["directorates"], json!([]));
        api.get("/api/v1/lines?as_at=yesterday").assert_field_error(400, "invalid-parameter", "as_at");
    }

    fn the_changes_report_says_what_dropped_off_and_why(api: &TestApi) {
        api.with_demo();
        let then = now();
        change_the_plan(api);
        let report = api.get(&format!("/api/v1/reports/changes?from={then}&directorate=cfe"));
        assert_eq!(report.status, 200, "{}", report.body);
        let report = report.json();
        assert_eq!(refs(&report["added"]), ["CFE GRO10"]);
        assert_eq!(refs(&report["withdrawn"]), ["CFE SAV13"]);
        assert_eq!(report["withdrawn"][0]["withdrawal_reason"], "Music service transferred to a trust");
        assert_eq!(report["reinstated"], json!([]));
        assert_eq!(refs(&report["changed"]), ["CFE GRO01", "CFE SAV05"]);
        assert_eq!(report["changed"][0]["years"], json!([{"year": "2024/25", "before": "0.00", "after": "50000.00", "difference": "50000.00"}]));
        assert_eq!(report["changed"][1]["years"], json!([
            {"year": "2021/22", "before": "794000.00", "after": "700000.00", "difference": "-94000.00"},
            {"year": "2023/24", "before": "1385000.00", "after": "1500000.50", "difference": "115000.50"}
        ]));
        // Summary then + totals = summary now.
        assert_eq!(report["totals"], json!([
            {"year": "2021/22", "savings": "-220000.00", "growth": "0.00", "net": "220000.00"},
            {"year": "2022/23", "savings": "0.00", "growth": "300000.00", "net": "300000.00"},
            {"year": "2023/24", "savings": "115000.50", "growth": "0.00", "net": "-115000.50"},
            {"year": "2024/25", "savings": "0.00", "growth": "50000.00", "net": "50000.00"}
        ]));
        let nothing = api.get(&format!("/api/v1/reports/changes?from={then}&to={then}")).json();
        assert_eq!((nothing["added"].clone(), nothing["changed"].clone(), nothing["withdrawn"].clone()), (json!([]), json!([]), json!([])));
        api.get("/api/v1/reports/changes").assert_field_error(400, "invalid-parameter", "from");
        api.get(&format!("/api/v1/reports/changes?from={then}&to=2020-01-01T00:00:00Z")).assert_field_error(400, "invalid-parameter", "to");
    }
}
