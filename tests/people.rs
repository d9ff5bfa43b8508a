//! The people directory (issue 19): the owners of the CFE delivery plans, as the February and July 2021 plans
//! print them (`data/plans/cfe-plan-versions.json`): Shelley Davies, Pasquale Brammer ("Head of Commissioning
//! CFE"), Rodica Cobarzan (printed once "Rodica Cobrzan"), Kathy Roberts (KR), Iain Low (IL), and the issue's
//! Debbie McCormack ("Debby MacCormack", DM). A printed `SD` shared with a second person is refused, naming both.

mod common;

use common::feed::all_events;
use common::reads::{expect, get_ok};
use common::TestApi;
use serde_json::{json, Value};

fn shelley() -> Value {
    json!({"name": "Shelley Davies", "role": "Head of Service, Early Help",
        "email": "Shelley.Davies@Example.gov.uk", "directorate": "CFE", "aliases": ["SD"]})
}

fn pasquale() -> Value {
    json!({"name": "Pasquale Brammer", "role": "Head of Commissioning CFE", "directorate": "CFE",
        "aliases": ["PB"]})
}

fn debbie() -> Value {
    json!({"name": "Debbie McCormack", "directorate": "CFE", "aliases": ["DM", "Debby MacCormack"]})
}

/// Adds a person (as the API's admin); answers their id.
fn add(api: &TestApi, person: &Value) -> i64 {
    expect(api.post("/api/v1/people", person), 201)["id"]
        .as_i64()
        .expect("an id")
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|person| person["name"].as_str().expect("a name"))
        .collect()
}

fn person_events(api: &TestApi) -> Vec<Value> {
    all_events(api)
        .into_iter()
        .filter(|event| event["entity"] == "person")
        .collect()
}

fn resolve(api: &TestApi, owner: &str) -> common::Reply {
    let owner: String = form_urlencoded::byte_serialize(owner.as_bytes()).collect();
    api.get(&format!("/api/v1/people/resolve?owner={owner}"))
}

on_both_backends! {
    fn a_person_is_created_listed_read_and_changed_against_their_version(api: &TestApi) {
        api.with_cfe();
        let created = api.post("/api/v1/people", &shelley());
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.header("location"), Some("/api/v1/people/1"));
        assert_eq!(created.header("etag"), Some("\"1\""));
        let person = created.json();
        assert_eq!(person["id"], 1);
        assert_eq!(person["name"], "Shelley Davies");
        assert_eq!(person["role"], "Head of Service, Early Help");
        assert_eq!(person["email"], "shelley.davies@example.gov.uk");
        assert_eq!(person["directorate"], "CFE");
        assert_eq!(person["aliases"], json!([{"alias": "SD", "shared_with": []}]));
        assert_eq!(person["keys"], json!([]));
        assert_eq!(person["version"], 1);
        assert_eq!(person["updated_by"], "test-admin");

        let listed = get_ok(api, "/api/v1/people");
        assert_eq!(names(&listed), ["Shelley Davies"]);
        assert_eq!(listed[0]["email"], "shelley.davies@example.gov.uk");
        let read = api.get("/api/v1/people/1");
        assert_eq!(read.status, 200, "{}", read.body);
        assert_eq!(read.header("etag"), Some("\"1\""));
        assert_eq!(read.json(), person);

        let patched = api.send_with(
            "PATCH",
            "/api/v1/people/1",
            &[("If-Match", "\"1\""), ("content-type", "application/merge-patch+json")],
            Some(&json!({"role": "Head of Early Help", "aliases": ["SD", "S Davies"]})),
        );
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.header("etag"), Some("\"2\""));
        let patched = patched.json();
        assert_eq!(patched["role"], "Head of Early Help");
        assert_eq!(patched["version"], 2);
        // In their keys' order: `s davies` before `sd`.
        assert_eq!(
            patched["aliases"],
            json!([{"alias": "S Davies", "shared_with": []}, {"alias": "SD", "shared_with": []}])
        );
        assert_eq!(patched["email"], "shelley.davies@example.gov.uk");

        // A stale version changes nothing.
        let stale = api.send_with(
            "PATCH",
            "/api/v1/people/1",
            &[("If-Match", "\"1\"")],
            Some(&json!({"role": "Director"})),
        );
        stale.assert_problem(412, "precondition-failed");
        assert_eq!(get_ok(api, "/api/v1/people/1")["role"], "Head of Early Help");

        // Without If-Match, as a line's PATCH: the change applies; `null` clears the role and the email.
        let cleared = expect(api.patch("/api/v1/people/1", &json!({"role": null, "email": null})), 200);
        assert_eq!(cleared["role"], Value::Null);
        assert_eq!(cleared["email"], Value::Null);
        assert_eq!(cleared["version"], 3);
        // The role is no longer what it is found by.
        assert_eq!(expect(resolve(api, "Head of Early Help"), 200)["person"], Value::Null);

        // A patch that changes nothing writes nothing.
        let events = person_events(api).len();
        let same = expect(api.patch("/api/v1/people/1", &json!({"name": "Shelley Davies"})), 200);
        assert_eq!(same["version"], 3);
        assert_eq!(person_events(api).len(), events);

        api.get("/api/v1/people/2").assert_problem(404, "not-found");
        api.patch("/api/v1/people/2", &json!({"role": "Director"})).assert_problem(404, "not-found");
        api.get("/api/v1/people/two").assert_field_error(400, "invalid-parameter", "id");
    }

    fn a_repeated_post_with_its_idempotency_key_adds_no_one(api: &TestApi) {
        api.with_cfe();
        let send = || api.send_with("POST", "/api/v1/people", &[("Idempotency-Key", "people-1")], Some(&pasquale()));
        let first = send();
        assert_eq!(first.status, 201, "{}", first.body);
        let again = send();
        assert_eq!(again.status, 201, "{}", again.body);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.header("location"), Some("/api/v1/people/1"));
        assert_eq!(again.header("etag"), Some("\"1\""));
        assert_eq!(again.json(), first.json());
        assert_eq!(names(&get_ok(api, "/api/v1/people")), ["Pasquale Brammer"]);
        let other = api.send_with("POST", "/api/v1/people", &[("Idempotency-Key", "people-1")], Some(&shelley()));
        other.assert_field_error(422, "validation", "Idempotency-Key");
    }

    fn emails_and_keys_are_shown_to_editors_and_admins_only(api: &TestApi) {
        api.with_cfe();
        add(api, &shelley());
        let held = json!({"name": "shelley-laptop", "person": "Shelley Davies", "role": "editor", "directorates": ["CFE"]});
        let editor = api.as_key(expect(api.post("/api/v1/keys", &held), 201)["token"].as_str().expect("a token"));
        let revoked = json!({"name": "shelley-old", "person": "Shelley Davies", "role": "reader"});
        expect(api.post("/api/v1/keys", &revoked), 201);
        expect(api.delete("/api/v1/keys/shelley-old"), 200);
        let reader = api.as_key(&api.create_key("cfe-reader", "reader", &["CFE"]));
        let approver = api.as_key(&api.create_key("cfe-sro", "approver", &["CFE"]));

        for hidden in [&reader, &approver] {
            let one = get_ok(hidden, "/api/v1/people/1");
            assert!(one.get("email").is_none(), "{one}");
            assert!(one.get("keys").is_none(), "{one}");
            assert_eq!(one["name"], "Shelley Davies");
            let listed = get_ok(hidden, "/api/v1/people");
            assert!(listed[0].get("email").is_none(), "{listed}");
            assert!(!listed.to_string().contains("@example"), "{listed}");
        }
        for shown in [&editor, api] {
            let one = get_ok(shown, "/api/v1/people/1");
            assert_eq!(one["email"], "shelley.davies@example.gov.uk");
            // Only the unrevoked key she holds.
            assert_eq!(one["keys"], json!(["shelley-laptop"]));
            let listed = get_ok(shown, "/api/v1/people");
            assert_eq!(listed[0]["email"], "shelley.davies@example.gov.uk");
            assert!(listed[0].get("keys").is_none(), "{listed}");
        }
        // A person with no email shows `null` to an editor, nothing to a reader.
        add(api, &pasquale());
        assert_eq!(get_ok(&editor, "/api/v1/people/2")["email"], Value::Null);
        assert!(get_ok(&reader, "/api/v1/people/2").get("email").is_none());
    }

    fn an_editor_of_another_directorate_is_refused_before_the_body_is_read(api: &TestApi) {
        api.with_cfe();
        api.with_directorate("ASC", "Adult Social Care");
        add(api, &shelley());
        let asc = api.as_key(&api.create_key("asc-editor", "editor", &["ASC"]));
        let cfe = api.as_key(&api.create_key("cfe-editor", "editor", &["CFE"]));
        let council = api.as_key(&api.create_key("council-editor", "editor", &[]));
        let reader = api.as_key(&api.create_key("reader", "reader", &[]));
        let before = all_events(api).len();

        // A body that is not JSON, and one that breaks every rule: 403 either way, never 400 or 422.
        let malformed = asc.send("PATCH", "/api/v1/people/1", "application/merge-patch+json", "{not json");
        malformed.assert_problem(403, "forbidden");
        asc.patch("/api/v1/people/1", &json!({"name": 5, "email": "no"})).assert_problem(403, "forbidden");
        reader.send("POST", "/api/v1/people", "application/json", "{not json").assert_problem(403, "forbidden");
        reader.send("PATCH", "/api/v1/people/1", "application/merge-patch+json", "{not json").assert_problem(403, "forbidden");
        // A new person's directorate is in the body: refused once it is read, before its other fields.
        asc.post("/api/v1/people", &json!({"name": "Kathy Roberts", "directorate": "CFE", "email": "bad"}))
            .assert_problem(403, "forbidden");
        // A council-wide person is an editor of every directorate's, or an admin's.
        cfe.post("/api/v1/people", &json!({"name": "Kathy Roberts"})).assert_problem(403, "forbidden");
        // Moving a person needs the directorate after as well as before.
        cfe.patch("/api/v1/people/1", &json!({"directorate": "ASC"})).assert_problem(403, "forbidden");
        cfe.patch("/api/v1/people/1", &json!({"directorate": null})).assert_problem(403, "forbidden");
        assert_eq!(all_events(api).len(), before);
        assert_eq!(get_ok(api, "/api/v1/people/1")["version"], 1);

        // Those who may: the directorate's editor, a council-wide editor, who may also move them.
        assert_eq!(expect(cfe.patch("/api/v1/people/1", &json!({"aliases": ["SD", "Shelley"]})), 200)["version"], 2);
        let iain = add(&council, &json!({"name": "Iain Low", "aliases": ["IL"]}));
        assert_eq!(get_ok(api, &format!("/api/v1/people/{iain}"))["directorate"], Value::Null);
        let moved = expect(council.patch("/api/v1/people/1", &json!({"directorate": "ASC"})), 200);
        assert_eq!(moved["directorate"], "ASC");
        // Now ASC's: CFE's editor may no longer change her, ASC's may.
        cfe.send("PATCH", "/api/v1/people/1", "application/merge-patch+json", "{not json").assert_problem(403, "forbidden");
        assert_eq!(expect(asc.patch("/api/v1/people/1", &json!({"role": "Head of Service"})), 200)["version"], 4);
    }

    fn bad_inputs_are_refused_naming_the_field_and_nothing_is_written(api: &TestApi) {
        api.with_cfe();
        add(api, &debbie());
        let before = (all_events(api).len(), get_ok(api, "/api/v1/people"));
        let refused = |body: Value, field: &str| {
            api.post("/api/v1/people", &body).assert_field_error(422, "validation", field);
        };
        // Taken whatever the case and spacing.
        refused(json!({"name": "debbie  mccormack"}), "name");
        refused(json!({"name": " DEBBIE McCORMACK. "}), "name");
        refused(json!({"role": "Director"}), "name");
        refused(json!({"name": "   "}), "name");
        refused(json!({"name": "..."}), "name");
        refused(json!({"name": "Kathy\nRoberts"}), "name");
        refused(json!({"name": "K".repeat(201)}), "name");
        refused(json!({"name": 7}), "name");
        refused(json!({"name": "Kathy Roberts", "role": " "}), "role");
        refused(json!({"name": "Kathy Roberts", "role": "R".repeat(201)}), "role");
        for email in ["kathy.roberts", "kathy@roberts@example.gov.uk", "@example.gov.uk", "kathy@localhost",
            "kathy@example.", "kathy@.gov.uk", "kathy roberts@example.gov.uk", " kathy@example.gov.uk", ""] {
            refused(json!({"name": "Kathy Roberts", "email": email}), "email");
        }
        let long = format!("{}@example.gov.uk", "k".repeat(240));
        refused(json!({"name": "Kathy Roberts", "email": long}), "email");
        refused(json!({"name": "Kathy Roberts", "directorate": "ZZZ"}), "directorate");
        refused(json!({"name": "Kathy Roberts", "directorate": "cfe"}), "directorate");
        refused(json!({"name": "Kathy Roberts", "aliases": ["KR", "Kathy", "K Roberts", "k  roberts"]}), "aliases[3]");
        refused(json!({"name": "Kathy Roberts", "aliases": ["KR", ""]}), "aliases[1]");
        refused(json!({"name": "Kathy Roberts", "aliases": ["K".repeat(101)]}), "aliases[0]");
        refused(json!({"name": "Kathy Roberts", "aliases": ["K\tR"]}), "aliases[0]");
        let many: Vec<String> = (1..=21).map(|n| format!("KR{n}")).collect();
        refused(json!({"name": "Kathy Roberts", "aliases": many}), "aliases");
        refused(json!({"name": "Kathy Roberts", "nickname": "Kath"}), "nickname");
        // Every problem at once.
        let all = api.post("/api/v1/people", &json!({"name": "Debbie McCormack", "email": "x", "directorate": "ZZZ"}));
        let problem = all.assert_field_error(422, "validation", "name");
        assert_eq!(problem["errors"].as_array().expect("errors").len(), 3, "{problem}");

        // A patch is held to the same rules; `name` may not be cleared.
        let patch_refused = |body: Value, field: &str| {
            api.patch("/api/v1/people/1", &body).assert_field_error(422, "validation", field);
        };
        patch_refused(json!({"name": null}), "name");
        patch_refused(json!({"email": "debbie.mccormack"}), "email");
        patch_refused(json!({"directorate": "ZZZ"}), "directorate");
        patch_refused(json!({"aliases": ["DM", "dm"]}), "aliases[1]");
        api.send("PATCH", "/api/v1/people/1", "application/merge-patch+json", "{not json")
            .assert_problem(400, "malformed-request");

        assert_eq!(all_events(api).len(), before.0);
        assert_eq!(get_ok(api, "/api/v1/people"), before.1);
    }

    fn the_list_is_in_name_order_of_a_directorate_and_paged(api: &TestApi) {
        api.with_cfe();
        add(api, &shelley());
        add(api, &json!({"name": "Kathy Roberts", "directorate": "CFE", "aliases": ["KR"]}));
        add(api, &json!({"name": "Iain Low", "aliases": ["IL"]}));
        add(api, &pasquale());
        let all = get_ok(api, "/api/v1/people");
        assert_eq!(names(&all), ["Iain Low", "Kathy Roberts", "Pasquale Brammer", "Shelley Davies"]);
        let cfe = get_ok(api, "/api/v1/people?directorate=cfe");
        assert_eq!(names(&cfe), ["Kathy Roberts", "Pasquale Brammer", "Shelley Davies"]);

        let first = api.get("/api/v1/people?limit=2");
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(names(&first.json()), ["Iain Low", "Kathy Roberts"]);
        // Kathy Roberts is person 2.
        assert_eq!(first.header("link"), Some("</api/v1/people?after=2&limit=2>; rel=\"next\""));
        let second = api.get("/api/v1/people?after=2&limit=2");
        assert_eq!(names(&second.json()), ["Pasquale Brammer", "Shelley Davies"]);
        assert_eq!(second.header("link"), None);
        let filtered = api.get("/api/v1/people?directorate=CFE&limit=1");
        assert_eq!(filtered.header("link"), Some("</api/v1/people?directorate=CFE&after=2&limit=1>; rel=\"next\""));

        api.get("/api/v1/people?limit=0").assert_field_error(400, "invalid-parameter", "limit");
        api.get("/api/v1/people?limit=1001").assert_field_error(400, "invalid-parameter", "limit");
        api.get("/api/v1/people?after=Iain").assert_field_error(400, "invalid-parameter", "after");
        api.get("/api/v1/people?after=99").assert_field_error(400, "invalid-parameter", "after");
        api.get("/api/v1/people?directorate=C").assert_field_error(400, "invalid-parameter", "directorate");
    }

    fn a_printed_owner_is_resolved_by_name_role_or_alias_never_guessed(api: &TestApi) {
        api.with_cfe();
        let shelley = add(api, &shelley());
        let pasquale = add(api, &pasquale());
        let debbie = add(api, &debbie());
        let rodica = add(api, &json!({"name": "Rodica Cobarzan", "role": "new HoS", "directorate": "CFE",
            "aliases": ["RC", "Rodica Cobrzan"]}));
        let found = |owner: &str, id: i64, name: &str| {
            let answer = expect(resolve(api, owner), 200);
            assert_eq!(answer, json!({"owner": owner, "person": {"id": id, "name": name}}), "{owner}");
        };
        found("Shelley Davies", shelley, "Shelley Davies");
        found("SD", shelley, "Shelley Davies");
        found("Head of Commissioning CFE", pasquale, "Pasquale Brammer");
        found("head of commissioning  cfe", pasquale, "Pasquale Brammer");
        found("dm", debbie, "Debbie McCormack");
        found("Debby MacCormack", debbie, "Debbie McCormack");
        found("DEBBY   maccormack,", debbie, "Debbie McCormack");
        found("Rodica Cobrzan", rodica, "Rodica Cobarzan");
        // Nobody: kept as printed.
        for nobody in ["Lead TBC", "JF", "Pasquale"] {
            assert_eq!(expect(resolve(api, nobody), 200), json!({"owner": nobody, "person": null}));
        }

        // An alias another person has too is allowed, and shown to whoever adds it, and on both people.
        let sam = expect(api.post("/api/v1/people", &json!({"name": "Sam Dyer", "directorate": "CFE", "aliases": ["SD"]})), 201);
        assert_eq!(sam["aliases"], json!([{"alias": "SD", "shared_with": [{"id": shelley, "name": "Shelley Davies"}]}]));
        let sam_id = sam["id"].as_i64().expect("an id");
        assert_eq!(
            get_ok(api, &format!("/api/v1/people/{shelley}"))["aliases"],
            json!([{"alias": "SD", "shared_with": [{"id": sam_id, "name": "Sam Dyer"}]}])
        );
        // From then on a printed SD names both: refused, naming them (in name order).
        let ambiguous = resolve(api, "SD").assert_problem(409, "conflict");
        assert_eq!(ambiguous["detail"], "SD names 2 people: Sam Dyer, Shelley Davies");
        let ambiguous = resolve(api, "sd").assert_problem(409, "conflict");
        assert_eq!(ambiguous["detail"], "sd names 2 people: Sam Dyer, Shelley Davies");
        // Still found by their names.
        found("Sam Dyer", sam_id, "Sam Dyer");
        // Once Sam Dyer's alias goes, SD is Shelley Davies again.
        expect(api.patch(&format!("/api/v1/people/{sam_id}"), &json!({"aliases": null})), 200);
        found("SD", shelley, "Shelley Davies");

        // Any key may ask.
        let reader = api.as_key(&api.create_key("reader", "reader", &[]));
        assert_eq!(expect(resolve(&reader, "PB"), 200)["person"]["name"], "Pasquale Brammer");

        api.get("/api/v1/people/resolve").assert_field_error(400, "invalid-parameter", "owner");
        resolve(api, "  ").assert_field_error(400, "invalid-parameter", "owner");
        resolve(api, &"S".repeat(201)).assert_field_error(400, "invalid-parameter", "owner");
        resolve(api, "S\u{0}D").assert_field_error(400, "invalid-parameter", "owner");
    }

    fn the_change_feed_carries_person_events_and_no_email(api: &TestApi) {
        api.with_cfe();
        add(api, &shelley());
        expect(api.patch("/api/v1/people/1", &json!({"email": "s.davies@example.gov.uk", "aliases": ["SD", "S Davies"]})), 200);
        expect(api.patch("/api/v1/people/1", &json!({"email": null})), 200);
        let events = person_events(api);
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0]["action"], "created");
        assert_eq!(events[0]["ref"], "1");
        assert_eq!(events[0]["actor"], "test-admin");
        assert_eq!(events[0]["before"], Value::Null);
        assert_eq!(
            events[0]["after"],
            json!({"id": 1, "name": "Shelley Davies", "role": "Head of Service, Early Help", "email_set": true,
                "directorate": "CFE", "aliases": ["SD"], "version": 1})
        );
        assert_eq!(events[1]["action"], "updated");
        assert_eq!(events[1]["before"], events[0]["after"]);
        assert_eq!(events[1]["after"]["aliases"], json!(["S Davies", "SD"]));
        assert_eq!(events[1]["after"]["version"], 2);
        assert_eq!(events[2]["after"]["email_set"], false);
        for event in all_events(api) {
            let text = event.to_string();
            assert!(!text.contains("@example"), "an email in the feed: {text}");
            assert!(!text.contains("\"email\""), "an email field in the feed: {text}");
        }
    }
}
