//! Trust: who may do what (keys and roles), that every change is on the record (the audit trail and the
//! changes feed), that no update is lost (ETag / If-Match), that a retried POST creates nothing twice
//! (Idempotency-Key), and that the spec says all of this.

mod common;

use std::collections::BTreeSet;
use std::sync::Barrier;

use common::fixtures::sav05;
use common::reads::line_count;
use common::{Reply, TestApi};
use serde_json::{json, Value};

/// Well formed (`mtfs_` + 16 hex + `_` + 64 hex) but belonging to no key.
const UNKNOWN_TOKEN: &str = concat!(
    "mtfs_0123456789abcdef_",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
);

const SAV05: &str = "/api/v1/lines/CFE-SAV05";

fn asc_sav01() -> Value {
    json!({
        "ref": "ASC SAV01", "kind": "saving", "directorate": "ASC",
        "title": "Review of care home placements", "owner": "Adult Finance BP",
        "status": "agreed",
        "years": [{"year": "2021/22", "amount": "250000.00"}]
    })
}

fn history(api: &TestApi, line: &str) -> Vec<Value> {
    let reply = api.get(&format!("{line}/history"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json().as_array().expect("an array of events").clone()
}

/// Every event in the changes feed, read from the start a page of `limit` at a time.
fn whole_feed(api: &TestApi, limit: usize) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let url = match &cursor {
            None => format!("/api/v1/changes?limit={limit}"),
            Some(after) => format!("/api/v1/changes?after={after}&limit={limit}"),
        };
        let reply = api.get(&url);
        assert_eq!(reply.status, 200, "{url}: {}", reply.body);
        let page = reply.json();
        let page_events = page["events"].as_array().expect("events").clone();
        let next = page["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("{url}: next_cursor is always a string: {page}"))
            .to_owned();
        assert!(page_events.len() <= limit, "{url}: {page}");
        if page_events.is_empty() {
            let expected = cursor.clone().unwrap_or_else(|| "0".to_owned());
            assert_eq!(
                next, expected,
                "{url}: at the end the cursor stays where it is"
            );
            return (events, next);
        }
        assert_eq!(
            page_events.last().unwrap()["id"].as_str(),
            Some(next.as_str()),
            "{url}: the cursor is the last event's id"
        );
        events.extend(page_events);
        cursor = Some(next);
    }
    panic!("the feed never ended");
}

fn event_ids(events: &[Value]) -> Vec<u64> {
    events
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("an event id is a number in a string: {e}"))
        })
        .collect()
}

fn assert_strictly_increasing(ids: &[u64], what: &str) {
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "{what}: ids must be unique and in increasing order: {ids:?}"
    );
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `mtfs_` + 16 hex (the key id) + `_` + 64 hex (256 bits of secret): 5 + 16 + 1 + 64 = 86 characters.
fn assert_token_shape(token: &str) {
    assert_eq!(token.len(), 86, "{token}");
    let rest = token
        .strip_prefix("mtfs_")
        .unwrap_or_else(|| panic!("{token}"));
    let (key_id, secret) = rest.split_once('_').unwrap_or_else(|| panic!("{token}"));
    assert!(is_lower_hex(key_id, 16), "key id of {token}");
    assert!(is_lower_hex(secret, 64), "secret of {token}");
}

/// The same request as any caller: `body` is sent for POST, PUT and PATCH.
fn call(api: &TestApi, method: &str, path: &str, body: Option<&Value>) -> Reply {
    match (method, body) {
        ("GET", None) => api.get(path),
        ("DELETE", None) => api.delete(path),
        ("POST", Some(body)) => api.post(path, body),
        ("PUT", Some(body)) => api.put(path, body),
        ("PATCH", Some(body)) => api.patch(path, body),
        other => panic!("no such call: {other:?}"),
    }
}

/// What an endpoint needs of the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Needs {
    /// Any valid key.
    Read,
    /// An editor of CFE (or of every directorate), or an admin.
    EditCfe,
    /// An editor of ASC (or of every directorate), or an admin.
    EditAsc,
    /// An admin key.
    Admin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    NoKey,
    Malformed,
    Unknown,
    Revoked,
    Reader,
    EditorOfCfe,
    EditorOfAll,
    Admin,
}

impl Caller {
    /// The status the rules promise this caller, for an endpoint that answers `ok` when allowed.
    fn expects(self, needs: Needs, ok: u16) -> u16 {
        match self {
            Caller::NoKey | Caller::Malformed | Caller::Unknown | Caller::Revoked => 401,
            Caller::Reader if needs == Needs::Read => ok,
            Caller::EditorOfCfe if matches!(needs, Needs::Read | Needs::EditCfe) => ok,
            Caller::EditorOfAll if needs != Needs::Admin => ok,
            Caller::Admin => ok,
            _ => 403,
        }
    }
}

struct Endpoint {
    label: &'static str,
    needs: Needs,
    ok: u16,
    /// Method, path and body, given the caller's tag (so each caller creates something new).
    request: fn(&str) -> (&'static str, String, Option<Value>),
}

fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint {
            label: "GET /api/v1/directorates",
            needs: Needs::Read,
            ok: 200,
            request: |_| ("GET", "/api/v1/directorates".into(), None),
        },
        Endpoint {
            label: "POST /api/v1/directorates",
            needs: Needs::Admin,
            ok: 201,
            request: |tag| {
                (
                    "POST",
                    "/api/v1/directorates".into(),
                    Some(json!({"code": format!("Z{tag}"), "name": format!("Directorate {tag}")})),
                )
            },
        },
        Endpoint {
            label: "GET /api/v1/directorates/CFE",
            needs: Needs::Read,
            ok: 200,
            request: |_| ("GET", "/api/v1/directorates/CFE".into(), None),
        },
        Endpoint {
            label: "GET /api/v1/lines",
            needs: Needs::Read,
            ok: 200,
            request: |_| ("GET", "/api/v1/lines".into(), None),
        },
        Endpoint {
            label: "POST /api/v1/lines (CFE)",
            needs: Needs::EditCfe,
            ok: 201,
            request: |tag| {
                (
                    "POST",
                    "/api/v1/lines".into(),
                    Some(
                        json!({"kind": "saving", "directorate": "CFE", "title": format!("CFE saving {tag}")}),
                    ),
                )
            },
        },
        Endpoint {
            label: "POST /api/v1/lines (ASC)",
            needs: Needs::EditAsc,
            ok: 201,
            request: |tag| {
                (
                    "POST",
                    "/api/v1/lines".into(),
                    Some(
                        json!({"kind": "growth", "directorate": "ASC", "title": format!("ASC growth {tag}")}),
                    ),
                )
            },
        },
        Endpoint {
            label: "GET /api/v1/lines/CFE-SAV05",
            needs: Needs::Read,
            ok: 200,
            request: |_| ("GET", SAV05.into(), None),
        },
        Endpoint {
            label: "PATCH /api/v1/lines/CFE-SAV05",
            needs: Needs::EditCfe,
            ok: 200,
            request: |tag| {
                (
                    "PATCH",
                    SAV05.into(),
                    Some(json!({"owner": format!("Owner {tag}")})),
                )
            },
        },
        Endpoint {
            label: "PATCH /api/v1/lines/ASC-SAV01",
            needs: Needs::EditAsc,
            ok: 200,
            request: |tag| {
                (
                    "PATCH",
                    "/api/v1/lines/ASC-SAV01".into(),
                    Some(json!({"owner": format!("Owner {tag}")})),
                )
            },
        },
        Endpoint {
            label: "PUT /api/v1/lines/CFE-SAV05/years/2024-25",
            needs: Needs::EditCfe,
            ok: 200,
            request: |_| {
                (
                    "PUT",
                    "/api/v1/lines/CFE-SAV05/years/2024-25".into(),
                    Some(json!({"amount": "1000.00"})),
                )
            },
        },
        Endpoint {
            label: "DELETE /api/v1/lines/CFE-SAV05/years/2024-25",
            needs: Needs::EditCfe,
            ok: 200,
            request: |_| {
                (
                    "DELETE",
                    "/api/v1/lines/CFE-SAV05/years/2024-25".into(),
                    None,
                )
            },
        },
        Endpoint {
            label: "PUT /api/v1/lines/ASC-SAV01/years/2024-25",
            needs: Needs::EditAsc,
            ok: 200,
            request: |_| {
                (
                    "PUT",
                    "/api/v1/lines/ASC-SAV01/years/2024-25".into(),
                    Some(json!({"amount": "1000.00"})),
                )
            },
        },
        Endpoint {
            label: "DELETE /api/v1/lines/ASC-SAV01/years/2024-25",
            needs: Needs::EditAsc,
            ok: 200,
            request: |_| {
                (
                    "DELETE",
                    "/api/v1/lines/ASC-SAV01/years/2024-25".into(),
                    None,
                )
            },
        },
        Endpoint {
            label: "GET /api/v1/lines/CFE-SAV05/history",
            needs: Needs::Read,
            ok: 200,
            request: |_| ("GET", format!("{SAV05}/history"), None),
        },
        Endpoint {
            label: "GET /api/v1/changes",
            needs: Needs::Read,
            ok: 200,
            request: |_| ("GET", "/api/v1/changes".into(), None),
        },
        Endpoint {
            label: "GET /api/v1/reports/summary",
            needs: Needs::Read,
            ok: 200,
            request: |_| ("GET", "/api/v1/reports/summary".into(), None),
        },
        Endpoint {
            label: "GET /api/v1/keys",
            needs: Needs::Admin,
            ok: 200,
            request: |_| ("GET", "/api/v1/keys".into(), None),
        },
        Endpoint {
            label: "POST /api/v1/keys",
            needs: Needs::Admin,
            ok: 201,
            request: |tag| {
                (
                    "POST",
                    "/api/v1/keys".into(),
                    Some(json!({"name": format!("made-by-{tag}"), "role": "reader"})),
                )
            },
        },
        Endpoint {
            label: "DELETE /api/v1/keys/{name}",
            needs: Needs::Admin,
            ok: 200,
            request: |tag| ("DELETE", format!("/api/v1/keys/victim-{tag}"), None),
        },
    ]
}

/// What is wrong with one answer, if anything.
fn mismatch(reply: &Reply, expected: u16) -> Option<String> {
    let problem_type = |reply: &Reply| -> String {
        serde_json::from_str::<Value>(&reply.body)
            .ok()
            .and_then(|p| p["type"].as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    if reply.status != expected {
        return Some(format!(
            "expected {expected}, got {} {}",
            reply.status,
            truncate(&reply.body)
        ));
    }
    match expected {
        401 => {
            let mut wrong = Vec::new();
            if reply.header("www-authenticate") != Some("Bearer") {
                wrong.push(format!(
                    "www-authenticate {:?}",
                    reply.header("www-authenticate")
                ));
            }
            if reply.content_type != "application/problem+json"
                || problem_type(reply) != "/problems/unauthorized"
            {
                wrong.push(format!("{} {}", reply.content_type, truncate(&reply.body)));
            }
            (!wrong.is_empty()).then(|| format!("401 but {}", wrong.join("; ")))
        }
        403 => (reply.content_type != "application/problem+json"
            || problem_type(reply) != "/problems/forbidden")
            .then(|| format!("403 but {} {}", reply.content_type, truncate(&reply.body))),
        _ => None,
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(160).collect()
}

on_both_backends! {
    fn every_caller_gets_exactly_what_its_key_allows_on_every_endpoint(api: &TestApi) {
        // As admin: the two directorates, a line in each, the keys to call with, and one key per caller to revoke.
        api.with_cfe();
        api.with_directorate("ASC", "Adult Social Care");
        assert_eq!(api.post("/api/v1/lines", &sav05()).status, 201);
        assert_eq!(api.post("/api/v1/lines", &asc_sav01()).status, 201);
        let reader = api.create_key("reader", "reader", &[]);
        let editor_of_cfe = api.create_key("editor-cfe", "editor", &["CFE"]);
        let editor_of_all = api.create_key("editor-all", "editor", &[]);
        let revoked = api.create_key("revoked-admin", "admin", &[]);
        assert_eq!(api.as_key(&revoked).get("/api/v1/changes").status, 200);
        assert_eq!(api.delete("/api/v1/keys/revoked-admin").status, 200);

        let callers = [
            (Caller::NoKey, "A", api.anonymous()),
            (Caller::Malformed, "B", api.as_key("mtfs_not-a-token")),
            (Caller::Unknown, "C", api.as_key(UNKNOWN_TOKEN)),
            (Caller::Revoked, "D", api.as_key(&revoked)),
            (Caller::Reader, "E", api.as_key(&reader)),
            (Caller::EditorOfCfe, "F", api.as_key(&editor_of_cfe)),
            (Caller::EditorOfAll, "G", api.as_key(&editor_of_all)),
            (Caller::Admin, "H", api.clone()),
        ];
        for (_, tag, _) in &callers {
            api.create_key(&format!("victim-{tag}"), "reader", &[]);
        }

        let endpoints = endpoints();
        let mut wrong = Vec::new();
        let mut cells = 0;
        for (caller, tag, as_caller) in &callers {
            for endpoint in &endpoints {
                let (method, path, body) = (endpoint.request)(tag);
                let reply = call(as_caller, method, &path, body.as_ref());
                let expected = caller.expects(endpoint.needs, endpoint.ok);
                cells += 1;
                if let Some(what) = mismatch(&reply, expected) {
                    wrong.push(format!("{caller:?} × {}: {what}", endpoint.label));
                }
            }
        }
        assert_eq!(cells, 8 * 19);
        for public in ["/health", "/ready", "/docs/", "/api-docs/openapi.json"] {
            let reply = api.anonymous().get(public);
            if reply.status != 200 {
                wrong.push(format!("NoKey × GET {public}: expected 200, got {} {}", reply.status, truncate(&reply.body)));
            }
        }
        assert!(wrong.is_empty(), "{} of {} cells are wrong:\n{}", wrong.len(), cells + 4, wrong.join("\n"));
    }

    fn a_revoked_key_stops_working_at_once_and_no_listing_shows_a_secret(api: &TestApi) {
        let created = api.post("/api/v1/keys", &json!({"name": "pmo-tracker", "role": "reader"}));
        assert_eq!(created.status, 201, "{}", created.body);
        let key = created.json();
        let token = key["token"].as_str().expect("the token, shown once").to_owned();
        assert_token_shape(&token);
        assert_eq!(key["name"], "pmo-tracker");
        assert_eq!(key["role"], "reader");
        assert_eq!(key["directorates"], json!([]));
        assert_eq!(key["revoked_at"], Value::Null);
        assert!(key["created_at"].as_str().is_some(), "{key}");
        let key_id = &token[5..21];

        let pmo = api.as_key(&token);
        let before = pmo.get("/api/v1/changes");
        assert_eq!(before.status, 200, "{}", before.body);

        let revoked = api.delete("/api/v1/keys/pmo-tracker");
        assert_eq!(revoked.status, 200, "{}", revoked.body);
        let revoked = revoked.json();
        assert_eq!(revoked["name"], "pmo-tracker");
        let revoked_at = revoked["revoked_at"].as_str().expect("revoked_at is set").to_owned();

        // The very next request is refused, and so is every later one.
        for path in ["/api/v1/changes", "/api/v1/lines", "/api/v1/keys"] {
            let refused = pmo.get(path);
            refused.assert_problem(401, "unauthorized");
            assert_eq!(refused.header("www-authenticate"), Some("Bearer"), "{path}");
        }

        let listed = api.get("/api/v1/keys");
        assert_eq!(listed.status, 200, "{}", listed.body);
        for secret in ["token", "secret", "hash", "mtfs_", "key_id", key_id, &token[22..]] {
            assert!(!listed.body.contains(secret), "the key list shows `{secret}`: {}", listed.body);
        }
        let keys = listed.json();
        let names: Vec<&str> = keys.as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["pmo-tracker", "test-admin"]);
        for key in keys.as_array().unwrap() {
            let fields: BTreeSet<&str> = key.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(fields, BTreeSet::from(["created_at", "directorates", "name", "person", "refused_requests", "revoked_at", "role"]), "{key}");
        }
        assert_eq!(keys[0]["revoked_at"], revoked_at.as_str());
        assert_eq!(keys[1]["revoked_at"], Value::Null);
        assert_eq!(keys[1]["role"], "admin");

        // Nor does the audit trail of the key's creation carry its token.
        let feed = api.get("/api/v1/changes");
        assert_eq!(feed.status, 200);
        for secret in ["mtfs_", "secret", key_id] {
            assert!(!feed.body.contains(secret), "the changes feed shows `{secret}`: {}", feed.body);
        }
        let key_events: Vec<(String, String)> = feed.json()["events"].as_array().unwrap().iter()
            .filter(|e| e["ref"] == "pmo-tracker")
            .map(|e| (e["entity"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(key_events, [("key".to_owned(), "created".to_owned()), ("key".to_owned(), "revoked".to_owned())]);

        // Names are never reused, revoked or not.
        api.post("/api/v1/keys", &json!({"name": "pmo-tracker", "role": "editor"})).assert_problem(409, "conflict");
        api.with_cfe(); // an editor key's directorates must exist
        let second = api.post("/api/v1/keys", &json!({"name": "cfe-finance", "role": "editor", "directorates": ["CFE"]}));
        assert_eq!(second.status, 201, "{}", second.body);
        let second_token = second.json()["token"].as_str().unwrap().to_owned();
        assert_token_shape(&second_token);
        assert_ne!(second_token, token);
        assert_eq!(second.json()["directorates"], json!(["CFE"]));
        api.post("/api/v1/keys", &json!({"name": "cfe-finance", "role": "reader"})).assert_problem(409, "conflict");
        api.post("/api/v1/keys", &json!({"name": "all-powerful", "role": "admin", "directorates": ["CFE"]}))
            .assert_field_error(422, "validation", "directorates");
        api.delete("/api/v1/keys/no-such-key").assert_problem(404, "not-found");
        let names: Vec<String> = api.get("/api/v1/keys").json().as_array().unwrap().iter()
            .map(|k| k["name"].as_str().unwrap().to_owned()).collect();
        assert_eq!(names, ["cfe-finance", "pmo-tracker", "test-admin"]);
        // The other key still works.
        assert_eq!(api.as_key(&second_token).get("/api/v1/changes").status, 200);
    }

    fn the_audit_trail_holds_one_event_per_change_and_nothing_else(api: &TestApi) {
        api.with_cfe();
        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        let reader = api.as_key(&api.create_key("pmo-reader", "reader", &[]));
        let mut returned: Vec<Value> = Vec::new();
        let mut ok = |reply: Reply| {
            assert_eq!(reply.status, if returned.is_empty() { 201 } else { 200 }, "{}", reply.body);
            returned.push(reply.json());
            reply.json()
        };

        ok(editor.post("/api/v1/lines", &sav05()));
        let patched = ok(editor.patch(SAV05, &json!({"owner": "Debbie Jones", "status": "in_delivery"})));
        // A patch that changes nothing: answered, but not a change.
        let same = editor.patch(SAV05, &json!({"owner": "Debbie Jones", "status": "in_delivery"}));
        assert_eq!(same.status, 200, "{}", same.body);
        assert_eq!(same.json(), patched);
        // Writes that fail change nothing and record nothing.
        editor.patch(SAV05, &json!({"kind": "growth"})).assert_field_error(422, "validation", "kind");
        editor.patch(SAV05, &json!({"status": "withdrawn"})).assert_field_error(422, "validation", "reason");
        editor.put(&format!("{SAV05}/years/2021-22"), &json!({"amount": "-1.00"})).assert_field_error(422, "validation", "amount");
        editor.delete(&format!("{SAV05}/years/2030-31")).assert_problem(404, "not-found");
        editor.send_with("PATCH", SAV05, &[("If-Match", "\"1\"")], Some(&json!({"owner": "Stale Writer"})))
            .assert_problem(412, "precondition-failed");
        reader.patch(SAV05, &json!({"owner": "A Reader"})).assert_problem(403, "forbidden");
        reader.put(&format!("{SAV05}/years/2024-25"), &json!({"amount": "1.00"})).assert_problem(403, "forbidden");
        ok(editor.put(&format!("{SAV05}/years/2024-25"), &json!({"amount": "250000.00"})));
        ok(editor.delete(&format!("{SAV05}/years/2024-25")));
        ok(editor.patch(SAV05, &json!({"status": "withdrawn", "reason": "Duplicate of CFE SAV06"})));
        editor.delete(&format!("{SAV05}/years/2024-25")).assert_problem(404, "not-found");
        ok(editor.patch(SAV05, &json!({"status": "agreed", "reason": "Restored by Cabinet, 14 June 2021"})));
        assert_eq!(common::reads::line_now(api, SAV05), returned[5]);

        let events = history(api, SAV05);
        let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["created", "updated", "updated", "updated", "withdrawn", "reinstated"]);
        let reasons = [None, None, None, None, Some("Duplicate of CFE SAV06"), Some("Restored by Cabinet, 14 June 2021")];
        for (i, event) in events.iter().enumerate() {
            assert_eq!(event["actor"], "cfe-finance", "{event}");
            assert_eq!(event["entity"], "line", "{event}");
            assert_eq!(event["ref"], "CFE SAV05", "{event}");
            assert_eq!(event["after"], returned[i], "event {i}: after is what the write returned");
            assert_eq!(event["after"]["version"], i as i64 + 1, "{event}");
            assert_eq!(event["occurred_at"], returned[i]["updated_at"], "{event}");
            assert_eq!(event["reason"], json!(reasons[i]), "{event}");
            if i == 0 {
                assert_eq!(event["before"], Value::Null, "{event}");
            } else {
                assert_eq!(event["before"], returned[i - 1], "event {i}: before is the line as it was");
                assert_eq!(
                    event["before"]["version"].as_i64().unwrap() + 1,
                    event["after"]["version"].as_i64().unwrap()
                );
            }
        }
        assert_eq!(events[4]["after"]["withdrawal_reason"], "Duplicate of CFE SAV06");
        assert_eq!(events[5]["before"]["status"], "withdrawn");
        assert_eq!(events[5]["after"]["status"], "agreed");
        assert_strictly_increasing(&event_ids(&events), "history");

        // The feed, two at a time: every event once, in order, and the same events as the history.
        let (feed, cursor) = whole_feed(api, 2);
        let ids = event_ids(&feed);
        assert_strictly_increasing(&ids, "feed");
        let summary: Vec<String> = feed.iter()
            .map(|e| format!("{} {} {} by {}", e["entity"].as_str().unwrap(), e["ref"].as_str().unwrap(), e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
            .collect();
        assert_eq!(summary, [
            "key test-admin created by test-setup",
            "directorate CFE created by test-admin",
            "key cfe-finance created by test-admin",
            "key pmo-reader created by test-admin",
            "line CFE SAV05 created by cfe-finance",
            "line CFE SAV05 updated by cfe-finance",
            "line CFE SAV05 updated by cfe-finance",
            "line CFE SAV05 updated by cfe-finance",
            "line CFE SAV05 withdrawn by cfe-finance",
            "line CFE SAV05 reinstated by cfe-finance",
        ]);
        assert_eq!(&feed[4..], &events[..]);
        assert_eq!(cursor, ids.last().unwrap().to_string());
        // Polling with the last cursor: nothing new, and the cursor stays.
        for _ in 0..2 {
            let again = api.get(&format!("/api/v1/changes?after={cursor}&limit=2"));
            assert_eq!(again.status, 200, "{}", again.body);
            let head = feed.last().unwrap()["hash"].clone();
            assert_eq!(again.json(), json!({"events": [], "next_cursor": cursor, "head": head}));
        }
        // A bigger page gives the same events.
        assert_eq!(api.get("/api/v1/changes?limit=1000").json()["events"], json!(feed));
        api.get("/api/v1/changes?after=abc").assert_field_error(400, "invalid-parameter", "after");
        api.get("/api/v1/changes?limit=0").assert_field_error(400, "invalid-parameter", "limit");
    }

    fn every_line_answer_carries_its_version_as_the_etag(api: &TestApi) {
        api.with_cfe();
        assert_eq!(api.post("/api/v1/lines", &sav05()).status, 201);
        let mut wrong = Vec::new();
        let mut check = |what: &str, reply: Reply, version: i64| {
            let expected = format!("\"{version}\"");
            if reply.status != 200 || reply.json()["version"] != version || reply.header("etag") != Some(expected.as_str()) {
                wrong.push(format!("{what}: expected 200, version {version} and ETag {expected}; got {}, ETag {:?}, {}", reply.status, reply.header("etag"), truncate(&reply.body)));
            }
        };
        check("GET", api.get(SAV05), 1);
        check("PATCH", api.patch(SAV05, &json!({"owner": "Debbie Jones"})), 2);
        check("PUT year", api.put(&format!("{SAV05}/years/2024-25"), &json!({"amount": "10.00"})), 3);
        check("DELETE year", api.delete(&format!("{SAV05}/years/2024-25")), 4);
        check("GET again", api.get(SAV05), 4);
        check("GET in another form", api.get("/api/v1/lines/cfesav05"), 4);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    fn a_stale_if_match_is_refused_and_changes_nothing(api: &TestApi) {
        api.with_cfe();
        assert_eq!(api.post("/api/v1/lines", &sav05()).status, 201);
        let v2 = api.send_with("PATCH", SAV05, &[("If-Match", "\"1\"")], Some(&json!({"owner": "Debbie Jones"})));
        assert_eq!(v2.status, 200, "{}", v2.body);
        assert_eq!(v2.header("etag"), Some("\"2\""));
        let v2 = v2.json();
        assert_eq!(v2["version"], 2);

        // Someone still holding version 1 is refused, however they write.
        for stale in ["\"1\"", "W/\"1\"", "\"3\""] {
            let headers = [("If-Match", stale)];
            let refused = api.send_with("PATCH", SAV05, &headers, Some(&json!({"owner": "Stale Writer", "title": "Overwritten"})));
            let problem = refused.assert_problem(412, "precondition-failed");
            assert!(problem["detail"].as_str().unwrap().contains("version 2"), "{problem}");
            api.send_with("PUT", &format!("{SAV05}/years/2024-25"), &headers, Some(&json!({"amount": "5.00"})))
                .assert_problem(412, "precondition-failed");
            api.send_with("DELETE", &format!("{SAV05}/years/2021-22"), &headers, None)
                .assert_problem(412, "precondition-failed");
        }
        let now = common::reads::line_now(api, SAV05);
        assert_eq!(now, v2, "a refused write changes nothing");
        assert_eq!(now["owner"], "Debbie Jones");
        assert_eq!(now["title"], "Reduction in the numbers of children in care");
        assert_eq!(history(api, SAV05).len(), 2);
        api.send_with("PATCH", SAV05, &[("If-Match", "version two")], Some(&json!({"owner": "X"})))
            .assert_field_error(400, "invalid-parameter", "If-Match");

        // Without If-Match the write goes ahead; so it does with `*`, and with the current (weak) ETag.
        let v3 = api.patch(SAV05, &json!({"owner": "Third Owner"}));
        assert_eq!(v3.status, 200, "{}", v3.body);
        assert_eq!(v3.json()["version"], 3);
        let v4 = api.send_with("PATCH", SAV05, &[("If-Match", "*")], Some(&json!({"owner": "Fourth Owner"})));
        assert_eq!(v4.status, 200, "{}", v4.body);
        assert_eq!(v4.json()["version"], 4);
        assert_eq!(v4.header("etag"), Some("\"4\""));
        let v5 = api.send_with("PUT", &format!("{SAV05}/years/2024-25"), &[("If-Match", "W/\"4\"")], Some(&json!({"amount": "5.00"})));
        assert_eq!(v5.status, 200, "{}", v5.body);
        assert_eq!(v5.json()["version"], 5);
        let v6 = api.send_with("DELETE", &format!("{SAV05}/years/2024-25"), &[("If-Match", "\"5\"")], None);
        assert_eq!(v6.status, 200, "{}", v6.body);
        assert_eq!(v6.json()["version"], 6);
        assert_eq!(api.get(SAV05).json()["owner"], "Fourth Owner");
        assert_eq!(history(api, SAV05).len(), 6);
    }

    fn twenty_simultaneous_patches_of_one_version_make_exactly_one_change(api: &TestApi) {
        api.with_cfe();
        assert_eq!(api.post("/api/v1/lines", &sav05()).status, 201);
        assert_eq!(api.patch(SAV05, &json!({"status": "in_delivery"})).status, 200);
        let current = common::reads::line_now(api, SAV05);
        let version = current["version"].as_i64().unwrap();
        assert_eq!(version, 2);
        let etag = format!("\"{version}\"");
        let events_before = history(api, SAV05).len();

        const WRITERS: usize = 20;
        let barrier = Barrier::new(WRITERS);
        let replies: Vec<(usize, Reply)> = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..WRITERS)
                .map(|i| {
                    let (barrier, etag) = (&barrier, &etag);
                    scope.spawn(move || {
                        let body = json!({"owner": format!("Owner {i:02}")});
                        barrier.wait();
                        (i, api.send_with("PATCH", SAV05, &[("If-Match", etag.as_str())], Some(&body)))
                    })
                })
                .collect();
            writers.into_iter().map(|w| w.join().expect("a writer")).collect()
        });

        let statuses: Vec<u16> = replies.iter().map(|(_, r)| r.status).collect();
        let winners: Vec<&(usize, Reply)> = replies.iter().filter(|(_, r)| r.status == 200).collect();
        assert_eq!(winners.len(), 1, "exactly one writer wins: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 412).count(), WRITERS - 1, "{statuses:?}");
        for (_, reply) in replies.iter().filter(|(_, r)| r.status != 200) {
            reply.assert_problem(412, "precondition-failed");
        }
        let (winner, won) = winners[0];
        let won = won.json();
        assert_eq!(won["version"], version + 1);
        assert_eq!(won["owner"], format!("Owner {winner:02}"));
        assert_eq!(common::reads::line_now(api, SAV05), won);
        let events = history(api, SAV05);
        assert_eq!(events.len(), events_before + 1);
        let last = events.last().unwrap();
        assert_eq!(last["before"], current);
        assert_eq!(last["after"], won);
    }

    fn a_repeated_post_with_an_idempotency_key_creates_one_line(api: &TestApi) {
        api.with_cfe();
        let body = json!({"kind": "saving", "directorate": "CFE", "title": "Staffing Review", "owner": "Robert Henderson",
            "years": [{"year": "2021/22", "amount": "1471000.00"}]});
        let first = api.send_with("POST", "/api/v1/lines", &[("Idempotency-Key", "k1")], Some(&body));
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(first.header("location"), Some("/api/v1/lines/CFE-SAV01"));
        assert_eq!(first.header("idempotent-replayed"), None);
        assert_eq!(first.json()["ref"], "CFE SAV01");

        let again = api.send_with("POST", "/api/v1/lines", &[("Idempotency-Key", "k1")], Some(&body));
        assert_eq!(again.status, 201, "{}", again.body);
        assert_eq!(again.body, first.body, "the first answer, byte for byte");
        assert_eq!(again.header("location"), first.header("location"));
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(line_count(api), 1);
        let events = history(api, "/api/v1/lines/CFE-SAV01");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["action"], "created");

        // The same key for another request is refused, and creates nothing.
        let mut other = body.clone();
        other["title"] = json!("Another Staffing Review");
        api.send_with("POST", "/api/v1/lines", &[("Idempotency-Key", "k1")], Some(&other))
            .assert_field_error(422, "validation", "Idempotency-Key");
        assert_eq!(line_count(api), 1);
        // Without a key, the same body is a new line.
        let unkeyed = api.post("/api/v1/lines", &body);
        assert_eq!(unkeyed.status, 201, "{}", unkeyed.body);
        assert_eq!(unkeyed.json()["ref"], "CFE SAV02");
        assert_eq!(line_count(api), 2);
        let line_events = whole_feed(api, 1000).0.into_iter().filter(|e| e["entity"] == "line").count();
        assert_eq!(line_events, 2);
    }

    fn ten_simultaneous_posts_with_one_idempotency_key_create_one_line(api: &TestApi) {
        api.with_cfe();
        let body = json!({"kind": "growth", "directorate": "CFE", "title": "Home to school transport demand", "owner": "Finance BP"});
        const SENDERS: usize = 10;
        let replies = api.send_at_once(SENDERS, "POST", "/api/v1/lines", &[("Idempotency-Key", "burst-1")], Some(&body));
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [201; SENDERS], "{replies:?}");
        for reply in &replies {
            assert_eq!(reply.body, replies[0].body);
            assert_eq!(reply.header("location"), Some("/api/v1/lines/CFE-GRO01"));
        }
        let replayed = replies.iter().filter(|r| r.header("idempotent-replayed") == Some("true")).count();
        assert_eq!(replayed, SENDERS - 1);
        assert_eq!(replies[0].json()["ref"], "CFE GRO01");
        assert_eq!(line_count(api), 1);
        assert_eq!(history(api, "/api/v1/lines/CFE-GRO01").len(), 1);
    }

    fn an_idempotency_key_belongs_to_the_api_key_that_sent_it(api: &TestApi) {
        api.with_cfe();
        let editor = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        let body = json!({"kind": "saving", "directorate": "CFE", "title": "Staffing Review"});
        let headers = [("Idempotency-Key", "k1")];
        let by_admin = api.send_with("POST", "/api/v1/lines", &headers, Some(&body));
        assert_eq!(by_admin.status, 201, "{}", by_admin.body);
        assert_eq!(by_admin.json()["ref"], "CFE SAV01");
        let by_editor = editor.send_with("POST", "/api/v1/lines", &headers, Some(&body));
        assert_eq!(by_editor.status, 201, "{}", by_editor.body);
        assert_eq!(by_editor.header("idempotent-replayed"), None);
        assert_eq!(by_editor.json()["ref"], "CFE SAV02");
        assert_eq!(line_count(api), 2);
        // Each replays its own.
        let admin_again = api.send_with("POST", "/api/v1/lines", &headers, Some(&body));
        assert_eq!((admin_again.status, admin_again.body.as_str()), (201, by_admin.body.as_str()));
        assert_eq!(admin_again.header("idempotent-replayed"), Some("true"));
        let editor_again = editor.send_with("POST", "/api/v1/lines", &headers, Some(&body));
        assert_eq!((editor_again.status, editor_again.body.as_str()), (201, by_editor.body.as_str()));
        assert_eq!(editor_again.header("idempotent-replayed"), Some("true"));
        assert_eq!(line_count(api), 2);
        let actors: Vec<String> = [("CFE-SAV01"), ("CFE-SAV02")].iter()
            .map(|line| history(api, &format!("/api/v1/lines/{line}"))[0]["actor"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(actors, ["test-admin", "cfe-finance"]);
    }

    fn a_repeated_post_of_a_directorate_creates_it_once(api: &TestApi) {
        let body = json!({"code": "ASC", "name": "Adult Social Care"});
        let headers = [("Idempotency-Key", "d1")];
        let first = api.send_with("POST", "/api/v1/directorates", &headers, Some(&body));
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(first.header("location"), Some("/api/v1/directorates/ASC"));
        assert_eq!(first.header("idempotent-replayed"), None);
        let again = api.send_with("POST", "/api/v1/directorates", &headers, Some(&body));
        assert_eq!(again.status, 201, "{}", again.body);
        assert_eq!(again.body, first.body);
        assert_eq!(again.header("location"), Some("/api/v1/directorates/ASC"));
        assert_eq!(again.header("idempotent-replayed"), Some("true"));

        api.send_with("POST", "/api/v1/directorates", &headers, Some(&json!({"code": "ASC", "name": "Adults"})))
            .assert_field_error(422, "validation", "Idempotency-Key");
        // Without the key it is a second attempt at the same code.
        api.post("/api/v1/directorates", &body).assert_problem(409, "conflict");
        let listed = api.get("/api/v1/directorates");
        assert_eq!(listed.status, 200);
        assert_eq!(listed.json(), json!([first.json()]));
        let created: Vec<Value> = whole_feed(api, 1000).0.into_iter().filter(|e| e["entity"] == "directorate").collect();
        assert_eq!(created.len(), 1, "{created:?}");
        assert_eq!(created[0]["after"], first.json());
    }

    fn the_spec_requires_a_bearer_key_on_every_api_operation_and_none_on_health(api: &TestApi) {
        let reply = api.anonymous().get("/api-docs/openapi.json");
        assert_eq!(reply.status, 200, "{}", reply.body);
        let spec = reply.json();
        let schemes = spec["components"]["securitySchemes"].as_object().expect("security schemes");
        let bearer: Vec<&String> = schemes.iter()
            .filter(|(_, s)| s["type"] == "http" && s["scheme"].as_str().is_some_and(|x| x.eq_ignore_ascii_case("bearer")))
            .map(|(name, _)| name)
            .collect();
        assert_eq!(bearer.len(), 1, "one http bearer scheme: {schemes:?}");
        let name = bearer[0].as_str();
        assert_eq!(name, "bearer");
        let requirement = json!([{name: []}]);

        let mut wrong = Vec::new();
        let mut seen = BTreeSet::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
                let Some(operation) = item.get(method) else { continue };
                seen.insert(format!("{} {path}", method.to_uppercase()));
                let security = operation.get("security");
                if path.starts_with("/api/v1/") {
                    if security != Some(&requirement) {
                        wrong.push(format!("{method} {path}: security {security:?}"));
                    }
                } else if security.is_some_and(|s| s != &json!([])) {
                    wrong.push(format!("{method} {path} needs no key, but has security {security:?}"));
                }
            }
        }
        // Nothing outside /api/v1 inherits a key from the root either.
        assert!(spec.get("security").is_none_or(|s| s == &json!([])), "root security {}", spec["security"]);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        for operation in [
            "GET /health", "GET /ready",
            "GET /api/v1/directorates", "POST /api/v1/directorates", "GET /api/v1/directorates/{code}",
            "GET /api/v1/lines", "POST /api/v1/lines", "GET /api/v1/lines/{ref}", "PATCH /api/v1/lines/{ref}",
            "PUT /api/v1/lines/{ref}/years/{year}", "DELETE /api/v1/lines/{ref}/years/{year}",
            "GET /api/v1/lines/{ref}/history", "GET /api/v1/changes", "GET /api/v1/reports/summary",
            "GET /api/v1/keys", "POST /api/v1/keys", "DELETE /api/v1/keys/{name}",
        ] {
            assert!(seen.contains(operation), "{operation} is not in the spec: {seen:?}");
        }
    }
}
