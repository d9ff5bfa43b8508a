//! Attacks by a hostile or careless key on authorisation, secrets, concurrency rules, keys and refs (issue 11
//! items 1, 4, 6 and 7), each replayed against the real service on both engines: the status, the problem
//! type, and that nothing was written (the audit feed and the figures unchanged).

mod common;

use common::feed::{events_after, feed_end};
use common::{Reply, TestApi};
use serde_json::{json, Value};

const P3: &str = "/api/v1/periods/2021-22/P3";
const P4: &str = "/api/v1/periods/2021-22/P4";

/// What a refused request must leave as it was: the feed, the lines, the keys, DSG and the assessments.
struct Unchanged {
    cursor: String,
    lines: Value,
    keys: Value,
    dsg: Value,
    assessments: Value,
}

fn snapshot(api: &TestApi) -> Unchanged {
    let body = |path: &str| {
        let reply = api.get(path);
        // A test without the demo has no P3: that it stays absent is kept too.
        if reply.status == 404 {
            return Value::Null;
        }
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let mut value = reply.json();
        // Refusals are counted on the key listing: that count is meant to move.
        if let Some(keys) = value.as_array_mut() {
            for key in keys {
                if let Some(key) = key.as_object_mut() {
                    key.remove("refused_requests");
                }
            }
        }
        value
    };
    Unchanged {
        cursor: feed_end(api),
        lines: body("/api/v1/lines?limit=500"),
        keys: body("/api/v1/keys"),
        dsg: body("/api/v1/dsg/2020-21"),
        assessments: body(&format!("{P3}/assessments")),
    }
}

impl Unchanged {
    fn check(&self, api: &TestApi, label: &str) {
        let now = snapshot(api);
        assert_eq!(
            events_after(api, &self.cursor),
            Vec::<Value>::new(),
            "{label}: recorded an event"
        );
        assert_eq!(now.lines, self.lines, "{label}: the lines changed");
        assert_eq!(now.keys, self.keys, "{label}: the keys changed");
        assert_eq!(now.dsg, self.dsg, "{label}: the DSG figures changed");
        assert_eq!(
            now.assessments, self.assessments,
            "{label}: P3's assessments changed"
        );
    }
}

/// Every write whose role is known from its path alone: method and path.
const WRITES: [(&str, &str); 17] = [
    ("POST", "/api/v1/directorates"),
    ("POST", "/api/v1/keys"),
    ("POST", "/api/v1/periods"),
    ("POST", "/api/v1/periods/2021-22/P3/close"),
    ("PUT", "/api/v1/periods/2021-22/P3/assessments/CFE-SAV09"),
    ("POST", "/api/v1/periods/2021-22/P3/copy-from/P2"),
    ("POST", "/api/v1/lines"),
    ("PATCH", "/api/v1/lines/CFE-SAV05"),
    ("PUT", "/api/v1/lines/CFE-SAV05/years/2021-22"),
    ("POST", "/api/v1/dsg/2020-21/transfers"),
    ("PUT", "/api/v1/dsg/2020-21/schools"),
    ("PUT", "/api/v1/dsg/plans/recovery"),
    // Known to need more than a reader before the body would matter.
    ("POST", "/api/v1/lines?ref=anything"),
    ("PATCH", "/api/v1/lines/ASC-SAV01"),
    ("PUT", "/api/v1/dsg/2021-22/high_needs"),
    // Another directorate's line, named by the ref in the path.
    ("PUT", "/api/v1/lines/ASC-SAV01/years/2021-22"),
    ("PUT", "/api/v1/periods/2021-22/P3/assessments/ASC-SAV01"),
];

/// Which writes an editor of CFE alone may not make, whatever its body: admin and council-wide ones, and
/// those on another directorate's line.
fn beyond_a_cfe_editor(path: &str) -> bool {
    path.contains("/ASC-")
        || path.starts_with("/api/v1/directorates")
        || path.starts_with("/api/v1/keys")
        || path == "/api/v1/periods"
        || path.ends_with("/close")
        || path.starts_with("/api/v1/dsg")
}

fn refused(reply: &Reply, label: &str) {
    assert_eq!(reply.status, 403, "{label}: {}", reply.body);
    reply.assert_problem(403, "forbidden");
}

fn plan(agreed_by: &str) -> Value {
    json!({
        "agreed_by": agreed_by, "agreed_on": "2021-06-30", "balanced_in": "2024/25",
        "movements": [{"year": "2021/22", "block": "high_needs", "movement": "3000000.00"}]
    })
}

fn asc_saving(api: &TestApi) {
    api.with_directorate("ASC", "Adult Social Care");
    let line = api.post(
        "/api/v1/lines",
        &json!({"ref": "ASC SAV01", "kind": "saving", "directorate": "ASC", "title": "Care home placements",
                "status": "agreed", "years": [{"year": "2021/22", "amount": "250000.00"}]}),
    );
    assert_eq!(line.status, 201, "{}", line.body);
}

/// Every bytes of the test's database, searched for `needle`: on SQLite the database file and its WAL (so a
/// secret once written and then deleted would still be caught in a free page); on PostgreSQL every row of
/// every table of the test's schema, as text.
fn database_holds(api: &TestApi, needle: &str) -> Vec<String> {
    if let Some(path) = api.database_url.strip_prefix("sqlite://") {
        let mut found = Vec::new();
        for file in [path.to_owned(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
            {
                found.push(file);
            }
        }
        return found;
    }
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        table_name: String,
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let mut conn = diesel::PgConnection::establish(&api.database_url).expect("PostgreSQL");
    let tables: Vec<Table> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .load(&mut conn)
    .expect("the tables");
    assert!(tables.len() >= 5, "found the schema's tables");
    tables
        .into_iter()
        .filter(|table| {
            let count: Count = diesel::sql_query(format!(
                "SELECT count(*) AS count FROM \"{}\" AS row WHERE row::text LIKE '%' || $1 || '%'",
                table.table_name
            ))
            .bind::<Text, _>(needle)
            .get_result(&mut conn)
            .expect("a count");
            count.count > 0
        })
        .map(|table| table.table_name)
        .collect()
}

on_both_backends! {
    fn a_lesser_key_is_refused_before_its_body_is_read(api: &TestApi) {
        api.with_demo();
        asc_saving(api);
        let reader = api.create_key("reader", "reader", &[]);
        let editor_of_cfe = api.create_key("editor-cfe", "editor", &["CFE"]);
        let before = snapshot(api);
        // Not JSON, too big for the body limit, or not JSON at all by its type: a 400, 413 or 415 for an
        // admin, but a lesser key is refused first, so its body is never read.
        let oversized = format!("{{\"title\": \"{}\"}}", "x".repeat(1024 * 1024 + 1));
        let bodies = [
            ("application/json", "{not json".to_owned()),
            ("application/json", oversized),
            ("text/plain", "hello".to_owned()),
        ];
        for (method, path) in WRITES {
            for (content_type, body) in &bodies {
                let label = format!("reader {method} {path} ({content_type}, {} bytes)", body.len());
                refused(&api.as_key(&reader).send(method, path, content_type, body), &label);
                if beyond_a_cfe_editor(path) {
                    let label = format!("CFE editor {method} {path} ({content_type}, {} bytes)", body.len());
                    refused(&api.as_key(&editor_of_cfe).send(method, path, content_type, body), &label);
                }
            }
        }
        for (method, path) in [("DELETE", "/api/v1/keys/reader"), ("DELETE", "/api/v1/lines/CFE-SAV05/years/2021-22")] {
            let reply = api.as_key(&reader).send_with(method, path, &[], None);
            refused(&reply, &format!("reader {method} {path}"));
        }
        let reply = api.as_key(&editor_of_cfe).send_with("DELETE", "/api/v1/lines/ASC-SAV01/years/2021-22", &[], None);
        refused(&reply, "CFE editor deletes an ASC year");
        // The same bad body from an admin is read, and refused for what it is.
        api.send("POST", "/api/v1/lines", "application/json", "{not json").assert_problem(400, "malformed-request");
        before.check(api, "the refused writes");
    }

    fn a_readers_copy_forward_is_refused_at_once(api: &TestApi) {
        api.with_demo();
        assert_eq!(api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P4"})).status, 201);
        let reader = api.create_key("reader", "reader", &[]);
        let before = snapshot(api);
        let p4_before = api.get(&format!("{P4}/assessments")).json();
        let reply = api.as_key(&reader).send_with("POST", &format!("{P4}/copy-from/P3"), &[], Some(&json!({})));
        refused(&reply, "a reader's copy-from");
        assert_eq!(api.get(&format!("{P4}/assessments")).json(), p4_before, "P4 is as it was");
        assert_eq!(p4_before, json!([]));
        before.check(api, "a reader's copy-from");
    }

    fn an_editor_may_not_name_another_directorates_saving_as_a_substitute(api: &TestApi) {
        api.with_demo();
        asc_saving(api);
        let editor_of_cfe = api.create_key("editor-cfe", "editor", &["CFE"]);
        let editor_of_both = api.create_key("editor-both", "editor", &["CFE", "ASC"]);
        let sav09 = format!("{P3}/assessments/CFE-SAV09");
        let with_asc = json!({"rag": "amber", "at_risk": "237000.00", "reason": "Two centres close in September",
                              "substitutes": [{"ref": "CFE SAV16", "amount": "50000.00"}, {"ref": "ASC SAV01", "amount": "50000.00"}]});
        let before = snapshot(api);
        let reply = api.as_key(&editor_of_cfe).put(&sav09, &with_asc);
        refused(&reply, "a CFE editor naming ASC SAV01");
        assert!(reply.json()["detail"].as_str().unwrap().contains("ASC SAV01"), "{}", reply.body);
        before.check(api, "a CFE editor naming ASC SAV01");
        // An editor of both directorates may, and so may an admin.
        let allowed = api.as_key(&editor_of_both).put(&sav09, &with_asc);
        assert_eq!(allowed.status, 200, "{}", allowed.body);
        assert_eq!(allowed.json()["substitutes"][1], json!({"ref": "ASC SAV01", "amount": "50000.00"}));

        // Copied forward by the CFE editor, SAV09 (whose cover is ASC's) is skipped, saying why; SAV07 and
        // SAV10 are copied.
        assert_eq!(api.post("/api/v1/periods", &json!({"year": "2021/22", "period": "P4"})).status, 201);
        let copied = api.as_key(&editor_of_cfe).send_with("POST", &format!("{P4}/copy-from/P3"), &[], Some(&json!({})));
        assert_eq!(copied.status, 200, "{}", copied.body);
        let copied = copied.json();
        assert_eq!(copied["copied"], json!(["CFE SAV07", "CFE SAV10"]), "{copied}");
        assert_eq!(copied["skipped"][0]["ref"], "CFE SAV09", "{copied}");
        assert!(copied["skipped"][0]["reason"].as_str().unwrap().contains("ASC SAV01"), "{copied}");
        let p4: Vec<String> = api.get(&format!("{P4}/assessments")).json().as_array().unwrap()
            .iter().map(|a| a["ref"].as_str().unwrap().to_owned()).collect();
        assert_eq!(p4, ["CFE SAV07", "CFE SAV10"]);
    }

    fn a_replayed_key_creation_gives_the_record_without_the_token_and_no_table_holds_it(api: &TestApi) {
        let request = json!({"name": "pmo-tracker", "role": "reader"});
        let first = api.send_with("POST", "/api/v1/keys", &[("Idempotency-Key", "pmo-1")], Some(&request));
        assert_eq!(first.status, 201, "{}", first.body);
        let created = first.json();
        let token = created["token"].as_str().expect("the token, shown once").to_owned();
        let secret = token.rsplit('_').next().unwrap().to_owned();
        assert_eq!(secret.len(), 64);
        assert_eq!(api.as_key(&token).get("/api/v1/lines").status, 200, "the token works");

        let cursor = feed_end(api);
        let replay = api.send_with("POST", "/api/v1/keys", &[("Idempotency-Key", "pmo-1")], Some(&request));
        assert_eq!(replay.status, 201, "{}", replay.body);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        let mut expected = created.clone();
        expected["token"] = Value::Null;
        assert_eq!(replay.json(), expected, "the key's record, with the token withheld");
        assert!(!replay.body.contains(&secret));
        assert_eq!(events_after(api, &cursor), Vec::<Value>::new(), "the replay created nothing");

        assert_eq!(database_holds(api, &secret), Vec::<String>::new(), "the token's secret is at rest");
        // The check can fail: the key's stored hash is found.
        let hash = mtfs::auth::token::hash(&secret);
        assert!(!database_holds(api, &hash).is_empty(), "the check finds what is stored");
    }

    fn if_match_guards_dsg_plans_and_balances(api: &TestApi) {
        api.with_demo();
        let plans = "/api/v1/dsg/plans/recovery";
        // No plan yet: any version named is premature.
        api.send_with("PUT", plans, &[("If-Match", "\"1\"")], Some(&plan("Schools Forum")))
            .assert_problem(412, "precondition-failed");
        let created = api.put(plans, &plan("Schools Forum"));
        assert_eq!((created.status, created.header("etag")), (201, Some("\"1\"")), "{}", created.body);
        assert_eq!(api.get(plans).header("etag"), Some("\"1\""));
        let revised = api.send_with("PUT", plans, &[("If-Match", "\"1\"")], Some(&plan("Cabinet")));
        assert_eq!((revised.status, revised.header("etag")), (200, Some("\"2\"")), "{}", revised.body);
        let before = snapshot(api);
        let stale = api.send_with("PUT", plans, &[("If-Match", "\"1\"")], Some(&plan("Someone else")));
        stale.assert_problem(412, "precondition-failed");
        assert_eq!(api.get(plans).json()["agreed_by"], "Cabinet");
        before.check(api, "a stale plan");

        let balance = "/api/v1/dsg/2020-21/high_needs";
        let current = api.get("/api/v1/dsg/2020-21").json();
        let high_needs = current["blocks"].as_array().unwrap().iter()
            .find(|b| b["block"] == "high_needs").expect("high needs").clone();
        let version = high_needs["version"].as_i64().expect("a version");
        let figures = json!({"opening_balance": "1.00", "movement": "2.00"});
        let stale = api.send_with("PUT", balance, &[("If-Match", &format!("\"{}\"", version + 1))], Some(&figures));
        stale.assert_problem(412, "precondition-failed");
        before.check(api, "a stale balance");
        let fresh = api.send_with("PUT", balance, &[("If-Match", &format!("\"{version}\""))], Some(&figures));
        assert_eq!(fresh.status, 200, "{}", fresh.body);
        assert_eq!(fresh.header("etag"), Some(format!("\"{}\"", version + 1).as_str()));
    }

    fn every_creating_post_is_answered_once_per_idempotency_key(api: &TestApi) {
        api.with_demo();
        let period = "/api/v1/periods/2021-22/P4";
        let creations = [
            ("/api/v1/directorates", json!({"code": "ASC", "name": "Adult Social Care"})),
            ("/api/v1/lines", json!({"kind": "saving", "directorate": "CFE", "title": "Transport review"})),
            ("/api/v1/periods", json!({"year": "2021/22", "period": "P4"})),
            ("/api/v1/dsg/2020-21/transfers", json!({"from_block": "high_needs", "to_block": "early_years",
                                                   "amount": "1000.00", "approved_by": "schools_forum",
                                                   "reference": "Forum 2021-03"})),
            ("/api/v1/keys", json!({"name": "another", "role": "reader"})),
        ];
        for (index, (path, body)) in creations.iter().enumerate() {
            let key = format!("retry-{index}");
            let cursor = feed_end(api);
            let first = api.send_with("POST", path, &[("Idempotency-Key", &key)], Some(body));
            assert_eq!(first.status, 201, "{path}: {}", first.body);
            assert_eq!(events_after(api, &cursor).len(), 1, "{path}: one event");
            let cursor = feed_end(api);
            let again = api.send_with("POST", path, &[("Idempotency-Key", &key)], Some(body));
            assert_eq!(again.status, 201, "{path}: {}", again.body);
            assert_eq!(again.header("idempotent-replayed"), Some("true"), "{path}");
            assert_eq!(events_after(api, &cursor), Vec::<Value>::new(), "{path}: the retry created nothing");
        }
        // A copy-forward creates assessments: a retry copies nothing more and gives the first answer.
        let copy = format!("{period}/copy-from/P3");
        let first = api.send_with("POST", &copy, &[("Idempotency-Key", "copy-1")], Some(&json!({})));
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.json()["copied"], json!(["CFE SAV07", "CFE SAV09", "CFE SAV10"]));
        let cursor = feed_end(api);
        let again = api.send_with("POST", &copy, &[("Idempotency-Key", "copy-1")], Some(&json!({})));
        assert_eq!((again.status, again.header("idempotent-replayed")), (200, Some("true")), "{}", again.body);
        assert_eq!(again.body, first.body);
        assert_eq!(events_after(api, &cursor), Vec::<Value>::new());

        // The query is part of the request: the same key, path and body with another query is another request.
        let body = json!({"kind": "saving", "directorate": "CFE", "title": "Query matters"});
        let first = api.send_with("POST", "/api/v1/lines", &[("Idempotency-Key", "q-1")], Some(&body));
        assert_eq!(first.status, 201, "{}", first.body);
        let cursor = feed_end(api);
        api.send_with("POST", "/api/v1/lines?dry_run=true", &[("Idempotency-Key", "q-1")], Some(&body))
            .assert_field_error(422, "validation", "Idempotency-Key");
        assert_eq!(events_after(api, &cursor), Vec::<Value>::new());
    }

    fn the_last_active_admin_key_cannot_be_revoked(api: &TestApi) {
        let before = snapshot(api);
        let reply = api.delete("/api/v1/keys/test-admin");
        let problem = reply.assert_problem(409, "conflict");
        assert!(problem["detail"].as_str().unwrap().contains("last active admin"), "{problem}");
        before.check(api, "revoking the last admin");
        assert_eq!(api.get("/api/v1/keys").status, 200, "the key still works");
        // With a second admin, the first may go; then the second is the last.
        let second = api.create_key("second-admin", "admin", &[]);
        assert_eq!(api.delete("/api/v1/keys/test-admin").status, 200);
        let second = api.as_key(&second);
        second.delete("/api/v1/keys/second-admin").assert_problem(409, "conflict");
        assert_eq!(second.get("/api/v1/keys").status, 200);
    }

    fn a_key_may_not_take_an_operator_name_or_name_a_directorate_that_does_not_exist(api: &TestApi) {
        api.with_cfe();
        let before = snapshot(api);
        for name in ["cli", "load-demo", "import", "CLI", "Load-Demo"] {
            api.post("/api/v1/keys", &json!({"name": name, "role": "admin"}))
                .assert_field_error(422, "validation", "name");
        }
        let reply = api.post("/api/v1/keys", &json!({"name": "typo", "role": "editor", "directorates": ["CFE", "CEF"]}));
        let problem = reply.assert_field_error(422, "validation", "directorates[1]");
        assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "CFE exists: {problem}");
        before.check(api, "reserved names and unknown directorates");
        assert_eq!(api.post("/api/v1/keys", &json!({"name": "cli-tools", "role": "reader"})).status, 201);
    }

    fn an_editors_ref_far_past_the_highest_in_use_is_refused(api: &TestApi) {
        api.with_demo();
        let editor = api.as_key(&api.create_key("editor-cfe", "editor", &["CFE"]));
        let saving = |line_ref: Option<&str>| {
            let mut line = json!({"kind": "saving", "directorate": "CFE", "title": "Transport review"});
            if let Some(line_ref) = line_ref {
                line["ref"] = json!(line_ref);
            }
            line
        };
        let before = snapshot(api);
        // The demo's highest CFE saving is SAV16 (two lines printed without a ref get SAV15 and SAV16): up to SAV116 is within reach, SAV117 is not.
        editor.post("/api/v1/lines", &saving(Some("CFE SAV9999"))).assert_field_error(422, "validation", "ref");
        editor.post("/api/v1/lines", &saving(Some("CFE SAV117"))).assert_field_error(422, "validation", "ref");
        before.check(api, "refs past the reach");
        let gap = editor.post("/api/v1/lines", &saving(Some("CFE SAV116")));
        assert_eq!(gap.status, 201, "{}", gap.body);
        let next = editor.post("/api/v1/lines", &saving(None));
        assert_eq!((next.status, next.json()["ref"].clone()), (201, json!("CFE SAV117")), "{}", next.body);
        // A growth line's reach is measured from the growth numbers (the demo's highest is GRO09, given to its line printed without a ref).
        let growth = json!({"ref": "CFE GRO110", "kind": "growth", "directorate": "CFE", "title": "Far"});
        editor.post("/api/v1/lines", &growth).assert_field_error(422, "validation", "ref");
        // An admin may set any free number, as a printed plan has it.
        let admin = api.post("/api/v1/lines", &saving(Some("CFE SAV9000")));
        assert_eq!(admin.status, 201, "{}", admin.body);
    }

    fn two_admins_revoking_each_other_at_once_leave_one(api: &TestApi) {
        let first = api.as_key(&api.create_key("first-admin", "admin", &[]));
        let second = api.as_key(&api.create_key("second-admin", "admin", &[]));
        assert_eq!(first.delete("/api/v1/keys/test-admin").status, 200);
        // Both keys are known to the process before the race, so neither is refused for being revoked.
        assert_eq!((first.get("/api/v1/keys").status, second.get("/api/v1/keys").status), (200, 200));
        let barrier = std::sync::Barrier::new(2);
        let (by_first, by_second) = std::thread::scope(|scope| {
            let (barrier, first, second) = (&barrier, &first, &second);
            let a = scope.spawn(move || {
                barrier.wait();
                first.delete("/api/v1/keys/second-admin")
            });
            let b = scope.spawn(move || {
                barrier.wait();
                second.delete("/api/v1/keys/first-admin")
            });
            (a.join().expect("first"), b.join().expect("second"))
        });
        // One revocation wins. The other is refused: 409 when its key was checked before the winner committed
        // (revoking would leave no admin), 401 when the winner's revocation came first (its own key is gone).
        // Either way exactly one admin stays.
        let (won, lost) = if by_first.status == 200 { (&by_first, &by_second) } else { (&by_second, &by_first) };
        assert_eq!(won.status, 200, "{by_first:?} {by_second:?}");
        match lost.status {
            409 => drop(lost.assert_problem(409, "conflict")),
            401 => drop(lost.assert_problem(401, "unauthorized")),
            _ => panic!("the losing revocation must be refused: {by_first:?} {by_second:?}"),
        }
        let (survivor, as_survivor) = if by_first.status == 200 { ("first-admin", &first) } else { ("second-admin", &second) };
        let keys = as_survivor.get("/api/v1/keys").json();
        let active: Vec<&str> = keys.as_array().unwrap().iter()
            .filter(|k| k["role"] == "admin" && k["revoked_at"].is_null())
            .map(|k| k["name"].as_str().unwrap())
            .collect();
        assert_eq!(active, [survivor]);
    }

    fn simultaneous_retries_of_a_key_creation_show_the_token_once(api: &TestApi) {
        const SENDERS: usize = 8;
        let request = json!({"name": "burst", "role": "reader"});
        let replies = api.send_at_once(SENDERS, "POST", "/api/v1/keys", &[("Idempotency-Key", "burst-1")], Some(&request));
        assert!(replies.iter().all(|r| r.status == 201), "{replies:?}");
        let with_token = replies.iter().filter(|r| r.json()["token"].is_string()).count();
        assert_eq!(with_token, 1, "exactly one answer carries the token: {replies:?}");
        let replayed = replies.iter().filter(|r| r.header("idempotent-replayed") == Some("true")).count();
        assert_eq!(replayed, SENDERS - 1);
        let first = replies.iter().find(|r| r.header("idempotent-replayed").is_none()).unwrap();
        assert!(first.json()["token"].is_string(), "the first answer is the one with the token");
        let names: Vec<String> = api.get("/api/v1/keys").json().as_array().unwrap().iter()
            .map(|k| k["name"].as_str().unwrap().to_owned()).collect();
        assert_eq!(names, ["burst", "test-admin"], "one key created");
    }

    fn refused_requests_are_counted_per_key_without_a_write(api: &TestApi) {
        api.with_demo();
        let reader = api.create_key("reader", "reader", &[]);
        let revoked = api.create_key("gone", "reader", &[]);
        assert_eq!(api.delete("/api/v1/keys/gone").status, 200);
        let cursor = feed_end(api);
        for _ in 0..3 {
            refused(&api.as_key(&reader).send("POST", "/api/v1/lines", "application/json", "{}"), "reader");
        }
        refused(&api.as_key(&reader).get("/api/v1/keys"), "reader lists keys");
        for _ in 0..2 {
            api.as_key(&revoked).get("/api/v1/lines").assert_problem(401, "unauthorized");
        }
        let wrong_secret = format!("{}{}", &revoked[..22], "0".repeat(64));
        api.as_key(&wrong_secret).get("/api/v1/lines").assert_problem(401, "unauthorized");
        api.anonymous().get("/api/v1/lines").assert_problem(401, "unauthorized");
        api.as_key("mtfs_not-a-token").get("/api/v1/lines").assert_problem(401, "unauthorized");

        let listed = api.get("/api/v1/keys");
        assert_eq!(listed.status, 200, "{}", listed.body);
        let counts: Vec<(String, u64)> = listed.json().as_array().unwrap().iter()
            .map(|k| (k["name"].as_str().unwrap().to_owned(), k["refused_requests"].as_u64().expect("a count")))
            .collect();
        let expected: Vec<(String, u64)> = [("gone", 3), ("reader", 4), ("test-admin", 0)]
            .iter().map(|(n, c)| (n.to_string(), *c)).collect();
        assert_eq!(counts, expected);
        assert_eq!(listed.header("refused-without-key"), Some("2"));
        assert_eq!(events_after(api, &cursor), Vec::<Value>::new(), "counting writes nothing");
    }
}

/// A database from before the fix holds key creations' tokens in `idempotency_keys`: the migration forgets
/// each token (a retry still replays the record) and leaves every other stored answer as it was.
mod stored_tokens_of_an_older_database {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel_migrations::{FileBasedMigrations, MigrationHarness};
    use serde_json::{json, Value};

    use super::common;

    const MIGRATION: &str = "forget_stored_tokens";
    const VERSION: &str = "20261201000001";
    const TOKEN: &str =
        "mtfs_0123456789abcdef_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[derive(QueryableByName)]
    struct Body {
        #[diesel(sql_type = Text)]
        response_body: String,
    }

    fn stored_before() -> [(&'static str, Value); 2] {
        [
            (
                "key-1",
                json!({"name": "pmo", "role": "reader", "token": TOKEN}),
            ),
            (
                "line-1",
                json!({"ref": "CFE SAV17", "title": "token rotation mtfs", "version": 1}),
            ),
        ]
    }

    fn insert_sql() -> String {
        stored_before()
            .iter()
            .map(|(key, body)| {
                format!(
                    "INSERT INTO idempotency_keys (actor, idempotency_key, request_hash, status, response_body, location, created_at) \
                     VALUES ('test-admin', '{key}', 'hash', 201, '{body}', NULL, CURRENT_TIMESTAMP);"
                )
            })
            .collect()
    }

    fn check(bodies: Vec<Body>) {
        let bodies: Vec<Value> = bodies
            .iter()
            .map(|b| serde_json::from_str(&b.response_body).unwrap())
            .collect();
        let [(_, mut key), (_, line)] = stored_before();
        key["token"] = Value::Null;
        assert_eq!(bodies, [key, line]);
    }

    macro_rules! migrate_around_the_fix {
        ($conn:expr, $dir:literal) => {{
            let conn = $conn;
            let source =
                FileBasedMigrations::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir))
                    .unwrap();
            for migration in conn.pending_migrations(source.clone()).unwrap() {
                if migration.name().to_string().contains(MIGRATION) {
                    break;
                }
                conn.run_migration(&*migration).unwrap();
            }
            conn.batch_execute(&insert_sql()).unwrap();
            let applied = conn.run_pending_migrations(source).unwrap();
            assert!(
                applied.iter().any(|m| m.to_string() == VERSION),
                "{applied:?}"
            );
            let bodies: Vec<Body> = diesel::sql_query(
                "SELECT response_body FROM idempotency_keys ORDER BY idempotency_key",
            )
            .load(conn)
            .unwrap();
            check(bodies);
        }};
    }

    #[test]
    fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        migrate_around_the_fix!(&mut conn, "migrations/sqlite");
    }

    mtfs_postgres_gate::postgres_test! {
        fn postgres() {
            let url = common::postgres_test_url();
            let schema = format!("old_tokens_{}", std::process::id());
            let mut admin = PgConnection::establish(&url).unwrap();
            admin
                .batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                ))
                .unwrap();
            let mut conn = PgConnection::establish(&common::schema_url(&url, &schema)).unwrap();
            migrate_around_the_fix!(&mut conn, "migrations/postgres");
            drop(conn);
            admin
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .unwrap();
        }
    }
}
