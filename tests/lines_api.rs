//! The lines API over HTTP: recording, reading, listing, changing and withdrawing MTFS lines.

mod common;

use common::reads::{line_count, refs};
use common::TestApi;
use serde_json::{json, Value};

/// CFE SAV05 with its years out of order and its amounts in every form a request may send: a string, a
/// whole JSON number, a string without pence.
fn sav05() -> Value {
    let mut line = common::fixtures::sav05();
    line["years"] = json!([
        {"year": "2022/23", "amount": "1654000.00"},
        {"year": "2021/22", "amount": 794000},
        {"year": "2023/24", "amount": "1385000"}
    ]);
    line
}

on_both_backends! {
    fn a_created_line_answers_its_version_as_the_etag_so_the_first_change_needs_no_read(api: &TestApi) {
        api.with_cfe();
        let created = api.send_with("POST", "/api/v1/lines", &[("Idempotency-Key", "sav05-first")], Some(&sav05()));
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.header("etag"), Some("\"1\""));
        let replayed = api.send_with("POST", "/api/v1/lines", &[("Idempotency-Key", "sav05-first")], Some(&sav05()));
        assert_eq!((replayed.status, replayed.header("etag")), (201, Some("\"1\"")), "a retry gets the same ETag");
        assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
        let changed = api.send_with(
            "PATCH",
            "/api/v1/lines/CFE-SAV05",
            &[("If-Match", created.header("etag").unwrap())],
            Some(&json!({"owner": "Debbie Jones"})),
        );
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(changed.header("etag"), Some("\"2\""));
    }

    fn creates_a_line_and_reads_it_back_exactly(api: &TestApi) {
        api.with_cfe();
        let created = api.post("/api/v1/lines", &sav05());
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.header("location"), Some("/api/v1/lines/CFE-SAV05"));
        let line = created.json();
        assert_eq!(line["ref"], "CFE SAV05");
        assert_eq!(line["kind"], "saving");
        assert_eq!(line["status"], "agreed");
        assert_eq!(line["nature"], "ongoing");
        assert_eq!(line["version"], 1);
        assert_eq!(line["years"], json!([
            {"year": "2021/22", "amount": "794000.00"},
            {"year": "2022/23", "amount": "1654000.00"},
            {"year": "2023/24", "amount": "1385000.00"}
        ]));
        assert_eq!(line["total"], "3833000.00");
        assert_eq!(line["created_at"], line["updated_at"]);

        for form in ["CFE-SAV05", "CFE%20SAV05", "cfesav05", "cfe-sav-5", "CFE%20Sav%2005"] {
            let read = api.get(&format!("/api/v1/lines/{form}"));
            assert_eq!(read.status, 200, "{form}: {}", read.body);
            let mut read = read.json();
            // Read now, the line says where change control has it: in no baseline, nothing pending.
            let object = read.as_object_mut().unwrap();
            assert_eq!((object.remove("baselines"), object.remove("pending_changes")), (Some(json!([])), Some(json!([]))), "{form}");
            assert_eq!(read, line, "{form}");
        }
    }

    fn assigns_the_next_number_never_used(api: &TestApi) {
        api.with_demo();
        let new = |kind: &str, title: &str| json!({"kind": kind, "directorate": "CFE", "title": title, "owner": "Finance BP"});
        // The demo's highest printed saving is SAV14, then its two unprinted savings took 15 and 16.
        assert_eq!(api.get("/api/v1/lines/CFE-SAV15").json()["title"], "Release of one off investment / full year effect of savings from 2020/21");
        assert_eq!(api.get("/api/v1/lines/CFE-SAV16").json()["title"], "Staffing Review");
        assert_eq!(api.get("/api/v1/lines/CFE-GRO09").json()["title"], "Asylum Seekers Budget Correction");
        assert_eq!(api.post("/api/v1/lines", &new("saving", "A")).json()["ref"], "CFE SAV17");
        assert_eq!(api.post("/api/v1/lines", &new("growth", "B")).json()["ref"], "CFE GRO10");
        // Withdrawing the highest does not free its number.
        let withdrawn = api.patch("/api/v1/lines/CFE-SAV17", &json!({"status": "withdrawn", "reason": "Duplicate of SAV16"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        assert_eq!(api.post("/api/v1/lines", &new("saving", "C")).json()["ref"], "CFE SAV18");
    }

    fn rejects_a_duplicate_ref_and_refs_that_disagree(api: &TestApi) {
        api.with_cfe();
        assert_eq!(api.post("/api/v1/lines", &sav05()).status, 201);
        let mut again = sav05();
        again["ref"] = json!("cfe sav 5");
        api.post("/api/v1/lines", &again).assert_problem(409, "conflict");

        let mut growth_ref = sav05();
        growth_ref["ref"] = json!("CFE GRO20");
        growth_ref.assert_field(api, "ref");
        let mut other_directorate = sav05();
        other_directorate["ref"] = json!("ASC SAV20");
        other_directorate.assert_field(api, "ref");
        let mut unknown_directorate = sav05();
        unknown_directorate["ref"] = json!("ASC SAV20");
        unknown_directorate["directorate"] = json!("ASC");
        unknown_directorate.assert_field(api, "directorate");
        assert_eq!(line_count(api), 1);
    }

    fn patches_fields_and_replaces_the_profile(api: &TestApi) {
        api.with_cfe();
        let created = api.post("/api/v1/lines", &sav05()).json();
        let patched = api.patch("/api/v1/lines/CFE-SAV05", &json!({"owner": "Debbie Jones", "status": "in_delivery"}));
        assert_eq!(patched.status, 200, "{}", patched.body);
        let line = patched.json();
        assert_eq!(line["owner"], "Debbie Jones");
        assert_eq!(line["status"], "in_delivery");
        assert_eq!(line["title"], created["title"]);
        assert_eq!(line["years"], created["years"]);
        assert_eq!(line["version"], 2);
        assert_ne!(line["updated_at"], created["updated_at"]);
        assert_eq!(line["created_at"], created["created_at"]);

        let replaced = api.patch("/api/v1/lines/CFE-SAV05", &json!({"years": [{"year": "2021/22", "amount": "800000.01"}]})).json();
        assert_eq!(replaced["years"], json!([{"year": "2021/22", "amount": "800000.01"}]));
        assert_eq!(replaced["total"], "800000.01");
        assert_eq!(replaced["version"], 3);

        // A patch that changes nothing leaves the version as it is.
        assert_eq!(api.patch("/api/v1/lines/CFE-SAV05", &json!({"owner": "Debbie Jones"})).json()["version"], 3);
        // The ref, kind and directorate identify the line and cannot be patched.
        api.patch("/api/v1/lines/CFE-SAV05", &json!({"kind": "growth"})).assert_field_error(422, "validation", "kind");
        api.patch("/api/v1/lines/CFE-SAV09", &json!({"owner": "X"})).assert_problem(404, "not-found");
    }

    fn sets_and_removes_one_years_amount(api: &TestApi) {
        api.with_cfe();
        api.post("/api/v1/lines", &sav05());
        let set = api.put("/api/v1/lines/CFE-SAV05/years/2024-25", &json!({"amount": "100.10"}));
        assert_eq!(set.status, 200, "{}", set.body);
        assert_eq!(set.json()["years"][3], json!({"year": "2024/25", "amount": "100.10"}));
        assert_eq!(set.json()["total"], "3833100.10");
        let changed = api.put("/api/v1/lines/CFE-SAV05/years/2021%2F22", &json!({"amount": "0"})).json();
        assert_eq!(changed["years"][0], json!({"year": "2021/22", "amount": "0.00"}));
        assert_eq!(changed["version"], 3);

        let removed = api.delete("/api/v1/lines/CFE-SAV05/years/2024-25");
        assert_eq!(removed.status, 200, "{}", removed.body);
        assert_eq!(removed.json()["years"].as_array().unwrap().len(), 3);
        api.delete("/api/v1/lines/CFE-SAV05/years/2024-25").assert_problem(404, "not-found");
        api.delete("/api/v1/lines/CFE-SAV05/years/2024").assert_field_error(400, "invalid-parameter", "year");
        api.put("/api/v1/lines/CFE-SAV05/years/2021-22", &json!({"amount": "-1.00"})).assert_field_error(422, "validation", "amount");
    }

    fn withdrawing_needs_a_reason_and_leaves_the_totals(api: &TestApi) {
        api.with_demo();
        let before = api.get("/api/v1/lines?directorate=CFE").json()["totals"].clone();
        api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "withdrawn"})).assert_field_error(422, "validation", "reason");
        let withdrawn = api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "withdrawn", "reason": "Service transferred to a trust"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        assert_eq!(withdrawn.json()["withdrawal_reason"], "Service transferred to a trust");

        let page = api.get("/api/v1/lines?directorate=CFE").json();
        assert_eq!(page["totals_include_withdrawn"], false);
        // CFE SAV13 was £126,000 of 2021/22 savings.
        assert_eq!(before[0]["savings"], "9433000.00");
        assert_eq!(page["totals"][0]["savings"], "9307000.00");
        assert_eq!(page["totals"][0]["net"], "11126000.00");
        let with = api.get("/api/v1/lines?directorate=CFE&include_withdrawn=true").json();
        assert_eq!(with["totals"], before);
        // Still listed, and findable by status.
        let listed = api.get("/api/v1/lines?status=withdrawn").json();
        assert_eq!(listed["lines"].as_array().unwrap().len(), 1);
        assert_eq!(listed["lines"][0]["ref"], "CFE SAV13");
        // Back in the plan: the reason goes.
        let back = api.patch("/api/v1/lines/CFE-SAV13", &json!({"status": "agreed"})).json();
        assert_eq!(back["withdrawal_reason"], Value::Null);
    }

    fn lists_filtered_in_ref_order_with_totals_of_the_whole_set(api: &TestApi) {
        api.with_demo();
        let all = api.get("/api/v1/lines").json();
        let every_ref = refs(&all["lines"]);
        assert_eq!(every_ref.len(), 21);
        assert_eq!(&every_ref[..3], ["CFE GRO01", "CFE GRO02", "CFE GRO03"]);
        assert_eq!(every_ref.last().map(String::as_str), Some("CFE SAV16"));
        assert_eq!(all["next_cursor"], Value::Null);

        let growth = api.get("/api/v1/lines?kind=growth").json();
        assert_eq!(growth["lines"].as_array().unwrap().len(), 7);
        assert_eq!(growth["totals"][0], json!({"year": "2021/22", "savings": "0.00", "growth": "20433000.00", "net": "20433000.00"}));

        // Lines with an amount in 2022/23: the zero amounts do not count.
        let in_2022 = api.get("/api/v1/lines?year=2022-23&kind=saving").json();
        assert_eq!(refs(&in_2022["lines"]), ["CFE SAV02", "CFE SAV04", "CFE SAV05", "CFE SAV06", "CFE SAV07", "CFE SAV09", "CFE SAV10"]);
        assert_eq!(in_2022.get("totals"), None, "a year filter's totals are asked for");
        let in_2022 = api.get("/api/v1/lines?year=2022-23&kind=saving&totals=true").json();
        assert_eq!(refs(&in_2022["lines"]), ["CFE SAV02", "CFE SAV04", "CFE SAV05", "CFE SAV06", "CFE SAV07", "CFE SAV09", "CFE SAV10"]);
        assert_eq!(in_2022["totals"][1]["savings"], "4694000.00");

        let by_text = api.get("/api/v1/lines?q=NANA%20bonsu").json();
        assert_eq!(refs(&by_text["lines"]), ["CFE SAV03", "CFE SAV08"]);
        assert_eq!(api.get("/api/v1/lines?q=sav07").json()["lines"][0]["title"], "Improve Practice System Efficiency");
        assert_eq!(api.get("/api/v1/lines?q=100%25").json()["lines"], json!([]));
        assert_eq!(api.get("/api/v1/lines?directorate=cfe&status=proposed").json()["lines"], json!([]));
    }

    fn kept_totals_agree_with_totals_added_up_from_every_amount(api: &TestApi) {
        // `?kind=saving` reads the maintained totals; adding `q=cfe` (which every demo ref matches) makes the
        // service add up every amount instead. The two must agree, through edits and withdrawals.
        api.with_demo();
        let totals = |query: &str| api.get(&format!("/api/v1/lines?{query}")).json()["totals"].clone();
        let agree = |when: &str| {
            for extra in ["", "&include_withdrawn=true", "&directorate=CFE", "&view=cumulative"] {
                let kept = totals(&format!("kind=saving{extra}"));
                assert_eq!(kept, totals(&format!("kind=saving&q=cfe&totals=true{extra}")), "{when}{extra}");
                assert_ne!(kept, Value::Null, "{when}{extra}");
            }
            totals("kind=saving")
        };
        let before = agree("as loaded");
        assert_eq!(before[0]["savings"], "9433000.00");

        let edited = api.patch("/api/v1/lines/CFE-SAV05", &json!({"years": [{"year": "2021/22", "amount": "800000.01"}]}));
        assert_eq!(edited.status, 200, "{}", edited.body);
        let after_edit = agree("after an edit");
        assert_eq!(after_edit[0]["savings"], "9439000.01"); // 9,433,000.00 − 794,000.00 + 800,000.01
        assert_eq!(after_edit[1]["savings"], "3040000.00"); // SAV05's 1,654,000.00 left 2022/23

        let withdrawn = api.patch("/api/v1/lines/CFE-SAV05", &json!({"status": "withdrawn", "reason": "Superseded"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        let after_withdrawal = agree("after a withdrawal");
        assert_eq!(after_withdrawal[0]["savings"], "8639000.00");
        assert_eq!(totals("kind=saving&include_withdrawn=true")[0]["savings"], "9439000.01");
    }

    fn totals_come_by_default_where_kept_and_over_other_filters_when_asked(api: &TestApi) {
        api.with_demo();
        let page = |query: &str| api.get(&format!("/api/v1/lines?{query}")).json();
        let savings_2021 = |page: &Value| page["totals"][0]["savings"].clone();
        // Directorate and kind alone: the kept totals, on every page.
        for query in ["kind=saving", "kind=saving&directorate=CFE", "kind=saving&limit=2&cursor=CFE-SAV09"] {
            assert_eq!(savings_2021(&page(query)), "9433000.00", "{query}");
        }
        assert_eq!(page("kind=saving&totals=false").get("totals"), None);
        // A status, year or text filter: none unless asked, then over every line the filter covers.
        for filter in ["status=agreed", "year=2021-22", "q=cfe", "status=agreed&year=2021-22&q=sav"] {
            let without = page(&format!("kind=saving&{filter}"));
            assert_eq!(without.get("totals"), None, "{filter}");
            assert!(!without["lines"].as_array().unwrap().is_empty(), "{filter}");
            let asked = page(&format!("kind=saving&{filter}&totals=true&limit=1"));
            assert_eq!(asked["lines"][0], without["lines"][0], "{filter}");
            assert_eq!(asked["totals"].as_array().unwrap().len(), 3, "{filter}");
        }
        assert_eq!(savings_2021(&page("kind=saving&q=cfe&totals=true")), "9433000.00");
        assert_eq!(savings_2021(&page("kind=saving&year=2021-22&totals=true")), "9433000.00");
        // The savings with an amount in 2022/23 (SAV02, 04, 05, 06, 07, 09, 10) planned 4,209,000.00 in 2021/22.
        assert_eq!(page("kind=saving&year=2022-23&totals=true")["totals"][0]["savings"], "4209000.00");
        // A CSV page has the totals rows when the JSON page has the totals; the whole set always, unless told not to.
        let csv = |query: &str| api.get(&format!("/api/v1/lines?format=csv&{query}")).body;
        assert!(csv("kind=saving&limit=5").contains("Total efficiencies"));
        assert!(!csv("kind=saving&year=2021-22&limit=5").contains("Total efficiencies"));
        assert!(csv("kind=saving&year=2021-22&limit=5&totals=true").contains("Total efficiencies"));
        assert!(csv("kind=saving&year=2021-22").contains("Total efficiencies"));
        assert!(!csv("kind=saving&year=2021-22&totals=false").contains("Total efficiencies"));
        api.get("/api/v1/lines?totals=perhaps").assert_field_error(400, "invalid-parameter", "totals");
    }

    fn a_page_filtered_by_status_year_and_text_follows_its_cursor_across_directorates(api: &TestApi) {
        api.with_demo();
        assert_eq!(api.post("/api/v1/directorates", &json!({"code": "HOU", "name": "Housing"})).status, 201);
        for title in ["Review of voids", "Temporary accommodation review"] {
            let created = api.post("/api/v1/lines", &json!({"kind": "saving", "directorate": "HOU", "title": title, "status": "agreed",
                "years": [{"year": "2021/22", "amount": "1000.00"}, {"year": "2022/23", "amount": "0.00"}]}));
            assert_eq!(created.status, 201, "{}", created.body);
        }
        let mut seen = Vec::new();
        let mut next = Some("/api/v1/lines?limit=2&q=review&year=2021-22&status=agreed".to_owned());
        while let Some(url) = next {
            let page = api.get(&url).json();
            seen.extend(refs(&page["lines"]));
            next = page["next"].as_str().map(str::to_owned);
        }
        let every = api.get("/api/v1/lines?limit=500&q=review&year=2021-22&status=agreed").json();
        assert_eq!(seen, refs(&every["lines"]));
        assert_eq!(seen.iter().filter(|r| r.starts_with("HOU")).collect::<Vec<_>>(), ["HOU SAV01", "HOU SAV02"]);
        assert!(seen.len() > 2, "{seen:?}");
        // Not in 2022/23: the zero amounts do not count.
        let in_2022 = api.get("/api/v1/lines?limit=500&directorate=HOU&year=2022-23").json();
        assert_eq!(in_2022["lines"], json!([]));
        // A cursor outside the filter's directorate or kind: before it, every line; after it, none.
        let listed = |query: &str| refs(&api.get(&format!("/api/v1/lines?limit=500&{query}")).json()["lines"]);
        assert_eq!(listed("directorate=HOU&cursor=CFE-SAV05"), ["HOU SAV01", "HOU SAV02"]);
        assert_eq!(listed("directorate=CFE&cursor=HOU-SAV01"), Vec::<String>::new());
        assert_eq!(listed("directorate=CFE&kind=saving&cursor=CFE-GRO09"), listed("directorate=CFE&kind=saving"));
        assert_eq!(listed("directorate=CFE&kind=growth&cursor=CFE-SAV02"), Vec::<String>::new());
        assert_eq!(listed("directorate=CFE&kind=saving&cursor=CFE-SAV15"), ["CFE SAV16"]);
        assert_eq!(listed("kind=saving&cursor=CFE-SAV16"), ["HOU SAV01", "HOU SAV02"]);
        assert_eq!(listed("kind=saving&cursor=CFE-GRO01").len(), 16);
        assert_eq!(listed("kind=growth&cursor=CFE-SAV02"), Vec::<String>::new());
        // Every page of a directorate's list, growth then savings, in turn.
        let mut seen = Vec::new();
        let mut next = Some("/api/v1/lines?limit=5&directorate=CFE".to_owned());
        while let Some(url) = next {
            let page = api.get(&url).json();
            seen.extend(refs(&page["lines"]));
            next = page["next"].as_str().map(str::to_owned);
        }
        assert_eq!(seen, listed("directorate=CFE"));
        assert_eq!(seen.len(), 21);
    }

    fn pages_with_a_cursor_that_never_skips_or_repeats(api: &TestApi) {
        api.with_demo();
        let mut seen = Vec::new();
        let mut next = Some("/api/v1/lines?limit=4&kind=saving".to_owned());
        while let Some(url) = next {
            let page = api.get(&url).json();
            let lines = page["lines"].as_array().unwrap();
            assert!(lines.len() <= 4);
            seen.extend(lines.iter().map(|l| l["ref"].as_str().unwrap().to_owned()));
            assert_eq!(page["totals"][0]["savings"], "9433000.00", "totals cover every page");
            next = page["next"].as_str().map(str::to_owned);
        }
        let expected: Vec<String> = (2..=16).map(|n| format!("CFE SAV{n:02}")).filter(|r| r != "CFE SAV11").collect();
        assert_eq!(seen, expected);
        api.get("/api/v1/lines?limit=0").assert_field_error(400, "invalid-parameter", "limit");
        api.get("/api/v1/lines?limit=501").assert_field_error(400, "invalid-parameter", "limit");
        assert_eq!(api.get("/api/v1/lines?limit=500").json()["lines"].as_array().unwrap().len(), 21);
        api.get("/api/v1/lines?cursor=nonsense").assert_field_error(400, "invalid-parameter", "cursor");
    }

    fn directorates_are_listed_and_checked(api: &TestApi) {
        api.with_cfe();
        let created = api.post("/api/v1/directorates", &json!({"code": "ASC", "name": "Adult Social Care"}));
        assert_eq!(created.status, 201);
        assert_eq!(created.header("location"), Some("/api/v1/directorates/ASC"));
        let codes: Vec<Value> = api.get("/api/v1/directorates").json().as_array().unwrap().iter().map(|d| d["code"].clone()).collect();
        assert_eq!(codes, [json!("ASC"), json!("CFE")]);
        assert_eq!(api.get("/api/v1/directorates/cfe").json()["name"], "Children, Families & Education");
        api.post("/api/v1/directorates", &json!({"code": "CFE", "name": "Again"})).assert_problem(409, "conflict");
        api.post("/api/v1/directorates", &json!({"code": "cfe", "name": "Lower"})).assert_field_error(422, "validation", "code");
        api.post("/api/v1/directorates", &json!({"code": "ABCDEFGHI", "name": "Long"})).assert_field_error(422, "validation", "code");
        api.post("/api/v1/directorates", &json!({"code": "HR", "name": " "})).assert_field_error(422, "validation", "name");
        api.get("/api/v1/directorates/XYZ").assert_problem(404, "not-found");
    }
}

trait AssertField {
    fn assert_field(&self, api: &TestApi, field: &str);
}

impl AssertField for Value {
    /// Posting this line is rejected with a validation error on `field`.
    fn assert_field(&self, api: &TestApi, field: &str) {
        api.post("/api/v1/lines", self)
            .assert_field_error(422, "validation", field);
    }
}
