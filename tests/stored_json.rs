//! Lines and pages are served from each line's stored JSON (`lines::stored`): byte for byte what decoding the
//! rows and writing JSON afresh answers, now and as at an instant; written by every change; never served when
//! missing or of another format, and rewritten at start-up.

mod common;

use common::reads::{now, with_as_at};
use common::TestApi;
use serde_json::json;

/// Reads whose answers come from stored JSON when it is there: lines, and pages with every filter and cursor.
const READS: [&str; 12] = [
    "/api/v1/lines/CFE-SAV05",
    "/api/v1/lines/cfe%20gro01",
    "/api/v1/lines/CFE-SAV13",
    "/api/v1/lines/CFE-GRO10",
    "/api/v1/lines",
    "/api/v1/lines?directorate=cfe&kind=saving&limit=4&cursor=CFE-SAV03",
    "/api/v1/lines?year=2022-23&limit=5",
    "/api/v1/lines?status=withdrawn&include_withdrawn=true",
    "/api/v1/lines?q=review&totals=true",
    "/api/v1/lines?kind=growth&status=agreed&limit=3&cursor=CFE-GRO02",
    "/api/v1/lines?directorate=CFE&limit=2&totals=false",
    "/api/v1/lines?directorate=CFE&year=2023/24&status=agreed&q=e&limit=3",
];

/// Makes every stored JSON unservable, as a database from before bodies were kept, or an older format, has it.
fn forget_bodies(api: &TestApi, how: &str) {
    use diesel::connection::SimpleConnection;
    api.connection()
        .batch_execute(&format!(
            "UPDATE lines SET {how}; UPDATE line_states SET {how}"
        ))
        .expect("bodies forgotten");
}

/// How many rows of `table` have a body in the current format.
fn servable(api: &TestApi, table: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    // A line's body is for the version it was written for; a state's row is one version.
    let of_its_version = if table == "lines" {
        " AND body_version = version"
    } else {
        ""
    };
    let mut conn = api.connection();
    diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {table} WHERE body IS NOT NULL AND body_format = {}{of_its_version}",
        mtfs::lines::stored::FORMAT
    ))
    .get_result::<Count>(&mut **conn)
    .expect("count")
    .n
}

/// Each read's status, ETag and body text, exactly as sent.
fn answers(api: &TestApi, at: Option<&str>) -> Vec<(u16, Option<String>, String)> {
    READS
        .iter()
        .map(|path| {
            let path = match at {
                None => path.to_string(),
                Some(at) => with_as_at(path, at),
            };
            let reply = api.get(&path);
            assert!(
                reply.status == 200 || reply.status == 404,
                "{path}: {}",
                reply.body
            );
            (
                reply.status,
                reply.header("etag").map(str::to_owned),
                reply.comparable_body(),
            )
        })
        .collect()
}

fn change_the_plan(api: &TestApi) {
    let replies = [
        api.patch("/api/v1/lines/CFE-SAV05", &json!({"years": [
            {"year": "2021/22", "amount": "700000.00"}, {"year": "2022/23", "amount": "1654000.00"}
        ], "owner": "Debbie \"DJ\" Jones"})),
        api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "withdrawn", "reason": "Music service transferred to a trust"})),
        api.post("/api/v1/lines", &json!({"kind": "growth", "directorate": "CFE", "title": "Home to school transport",
            "description": "Line one\nline two\ttabbed, café", "years": [{"year": "2022/23", "amount": "300000.00"}]})),
        api.put("/api/v1/lines/CFE-GRO01/years/2024-25", &json!({"amount": "50000.00"})),
        api.delete("/api/v1/lines/CFE-SAV02/years/2022-23"),
    ];
    for reply in replies {
        assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
    }
}

on_both_backends! {
    fn stored_json_is_what_decoding_answers_byte_for_byte(api: &TestApi) {
        api.with_demo();
        let loaded = now();
        change_the_plan(api);
        let changed = now();
        assert_eq!(servable(api, "lines"), 22, "every line has its JSON, created or changed");
        let stored: Vec<_> = [None, Some(loaded.as_str()), Some(changed.as_str())]
            .iter()
            .map(|at| answers(api, *at))
            .collect();
        assert_eq!(stored[0][3].0, 200, "the new line is served");
        assert_eq!(stored[1][3].0, 404, "and was not there when loaded");
        assert!(stored[0][0].2.contains(r#""owner":"Debbie \"DJ\" Jones""#), "{}", stored[0][0].2);
        assert_ne!(stored[0][0], stored[1][0], "the line changed");
        forget_bodies(api, "body_format = 0");
        assert_eq!(servable(api, "lines"), 0);
        for (i, at) in [None, Some(loaded.as_str()), Some(changed.as_str())].iter().enumerate() {
            assert_eq!(answers(api, *at), stored[i], "decoded as at {at:?}");
        }
    }

    fn start_up_rewrites_bodies_that_cannot_be_served(api: &TestApi) {
        api.with_demo();
        let loaded = now();
        change_the_plan(api);
        let live = answers(api, None);
        let then = answers(api, Some(&loaded));
        let states = servable(api, "line_states");
        assert!(states > 22, "{states} states");
        forget_bodies(api, "body = NULL");
        assert_eq!((servable(api, "lines"), servable(api, "line_states")), (0, 0));
        let rewritten = mtfs::lines::service::refresh_bodies(&mut api.connection()).expect("refresh");
        assert_eq!(rewritten as i64, 22 + states);
        assert_eq!((servable(api, "lines"), servable(api, "line_states")), (22, states));
        assert_eq!(answers(api, None), live);
        assert_eq!(answers(api, Some(&loaded)), then);
        assert_eq!(mtfs::lines::service::refresh_bodies(&mut api.connection()).expect("refresh"), 0,
            "nothing left to rewrite");
    }

    fn a_line_changed_by_an_older_release_is_not_served_its_old_json(api: &TestApi) {
        use diesel::connection::SimpleConnection;
        api.with_demo();
        assert!(api.get("/api/v1/lines/CFE-SAV05").body.contains("Hannah Doughty"));
        // What a process of a release before the stored JSON writes: the row and its version, not the body.
        api.connection()
            .batch_execute("UPDATE lines SET owner = 'Debbie Jones', version = version + 1 WHERE line_ref = 'CFE SAV05'")
            .expect("an older release's write");
        let line = api.get("/api/v1/lines/CFE-SAV05");
        assert_eq!((line.json()["owner"].clone(), line.header("etag")), (json!("Debbie Jones"), Some("\"2\"")));
        let page = api.get("/api/v1/lines?directorate=CFE&kind=saving&limit=5").json();
        let sav05 = page["lines"].as_array().expect("lines").iter()
            .find(|line| line["ref"] == "CFE SAV05").expect("SAV05").clone();
        assert_eq!(sav05["owner"], json!("Debbie Jones"));
        assert_eq!(servable(api, "lines"), 20);
        let before = answers(api, None);
        assert_eq!(mtfs::lines::service::refresh_bodies(&mut api.connection()).expect("refresh"), 1,
            "start-up rewrites that body alone");
        assert_eq!(servable(api, "lines"), 21);
        assert_eq!(answers(api, None), before, "and serves what was decoded");
    }

    fn pages_in_other_forms_are_written_afresh(api: &TestApi) {
        api.with_demo();
        // Not JSON in pounds, incremental: the stored JSON does not answer these, and nothing of it leaks in.
        let thousands = api.get("/api/v1/lines?directorate=CFE&unit=thousands&limit=1").json();
        assert_eq!(thousands["lines"][0]["years"][0], json!({"year": "2021/22", "amount": "8211"}));
        let page = api.get("/api/v1/lines?directorate=CFE&kind=saving&view=cumulative&limit=50").json();
        let sav05 = page["lines"].as_array().expect("lines").iter()
            .find(|line| line["ref"] == "CFE SAV05").expect("SAV05").clone();
        assert_eq!(sav05["years"][2], json!({"year": "2023/24", "amount": "3833000.00"}));
        let (status, content_type, csv) = api.get_bytes("/api/v1/lines?directorate=CFE&limit=2", "text/csv");
        assert_eq!((status, content_type.as_str()), (200, "text/csv"));
        let csv = String::from_utf8(csv).expect("utf-8");
        assert!(csv.contains("Ref,Kind,Directorate,Title") && csv.contains("CFE GRO01"), "{csv}");
    }
}
