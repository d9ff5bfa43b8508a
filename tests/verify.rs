//! `mtfs verify`'s checks of the kept totals: a total changed behind the service's back is named, with the
//! amount kept and the amount its entries sum to (the CFE 2021-24 plan and its P3 assessments).

mod common;

use common::TestApi;
use diesel::connection::SimpleConnection;
use mtfs::maintenance::verify::verify;

on_both_backends! {
    fn the_kept_totals_of_the_cfe_plan_agree_with_their_amounts(api: &TestApi) {
        api.with_demo();
        let verification = verify(&mut api.connection(), None).unwrap();
        assert!(verification.is_sound(), "{verification}");
        assert!(verification.totals_wrong.is_empty());
        assert!(verification.totals_checked > 0, "{verification}");
    }

    fn a_line_total_or_an_at_risk_total_changed_directly_is_named(api: &TestApi) {
        api.with_demo();
        api.connection()
            .batch_execute(
                "UPDATE line_totals SET amount_pence = amount_pence + 1
                   WHERE directorate = 'CFE' AND kind = 'saving' AND nature = 'ongoing' AND year_start = 2021
                     AND withdrawn = false;
                 UPDATE at_risk_totals SET at_risk_pence = at_risk_pence + 100
                   WHERE directorate = 'CFE' AND year_start = 2021 AND period = 3 AND withdrawn = false;",
            )
            .unwrap();
        let verification = verify(&mut api.connection(), None).unwrap();
        assert!(!verification.is_sound());
        assert!(verification.chain.is_ok(), "the trail itself is untouched");
        let summed = verify_sum_of_cfe_ongoing_savings_2021(api);
        assert_eq!(
            verification.totals_wrong,
            vec![
                format!(
                    "line totals CFE saving ongoing 2021/22: kept {}, the amounts sum to {summed}",
                    add_a_penny(&summed)
                ),
                "at-risk totals 2021/22 P3 CFE at risk: kept 1317001.00, the amounts sum to 1317000.00".to_owned(),
            ]
        );
    }
}

/// The 2021/22 amounts of CFE's ongoing, not withdrawn savings, added up from the lines themselves.
fn verify_sum_of_cfe_ongoing_savings_2021(api: &TestApi) -> String {
    let lines = common::reads::get_ok(api, "/api/v1/lines?directorate=CFE&kind=saving&limit=200");
    let mut pence: i64 = 0;
    for line in lines["lines"].as_array().unwrap() {
        if line["nature"] != "ongoing" || line["status"] == "withdrawn" {
            continue;
        }
        for year in line["years"].as_array().unwrap() {
            if year["year"] == "2021/22" {
                let amount = year["amount"].as_str().unwrap().replace('.', "");
                pence += amount.parse::<i64>().unwrap();
            }
        }
    }
    format!("{}.{:02}", pence / 100, pence % 100)
}

fn add_a_penny(amount: &str) -> String {
    let pence: i64 = amount.replace('.', "").parse::<i64>().unwrap() + 1;
    format!("{}.{:02}", pence / 100, pence % 100)
}
