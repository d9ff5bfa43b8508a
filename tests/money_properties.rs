//! Money is exact: text round-trips, and sums of thousands of amounts equal the exact decimal sum,
//! in the domain and through the API on a real database.

mod common;

use mtfs::domain::Money;
use proptest::prelude::*;
use serde_json::json;

/// Any amount the API accepts, in pence.
fn pence() -> impl Strategy<Value = i64> {
    0..=mtfs::domain::money::MAX_PENCE
}

fn as_text(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

proptest! {
    #[test]
    fn text_round_trips(pence in pence(), negative in any::<bool>()) {
        let text = format!("{}{}", if negative && pence != 0 { "-" } else { "" }, as_text(pence));
        let money = Money::parse(&text).unwrap();
        prop_assert_eq!(money.to_string(), text);
        prop_assert_eq!(money.pence(), if negative { -pence } else { pence });
        let json: Money = serde_json::from_str(&format!("\"{}\"", money)).unwrap();
        prop_assert_eq!(json, money);
    }

    #[test]
    fn short_fractions_gain_their_zeros(whole in 0u64..1_000_000_000_000, tenth in 0u8..10) {
        let (text, expected) = (format!("{}.{}", whole, tenth), format!("{}.{}0", whole, tenth));
        prop_assert_eq!(Money::parse(&text).unwrap().to_string(), expected);
        prop_assert_eq!(Money::parse(&whole.to_string()).unwrap().to_string(), format!("{whole}.00"));
    }

    #[test]
    fn three_decimals_are_never_rounded(pence in pence(), digit in 1u8..10) {
        let text = format!("{}{}", as_text(pence), digit);
        prop_assert!(Money::parse(&text).is_err());
    }

    #[test]
    fn sums_of_thousands_are_exact(amounts in prop::collection::vec(pence(), 1000..3000)) {
        let total: Money = amounts.iter().map(|&p| Money::from_pence(p)).sum();
        let exact: i128 = amounts.iter().map(|&p| i128::from(p)).sum();
        prop_assert_eq!(total.to_string(), format!("{}.{:02}", exact / 100, exact % 100));
    }
}

on_both_backends! {
    fn totals_of_many_random_amounts_are_exact_through_the_api(api: &TestApi) {
        api.with_cfe();
        // Deterministic pseudo-random amounts with awkward pence (no float could add these exactly).
        let mut seed: u64 = 0x5eed;
        let mut next = move || { seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); seed >> 11 };
        let mut expected: [i128; 3] = [0; 3];
        for n in 0..120 {
            let amounts: Vec<i64> = (0..3).map(|_| (next() % 99_999_999_999) as i64 + 1).collect();
            let years: Vec<_> = amounts.iter().enumerate().map(|(i, &p)| {
                expected[i] += i128::from(p);
                json!({"year": format!("{}/{:02}", 2021 + i, 22 + i), "amount": as_text(p)})
            }).collect();
            let created = api.post("/api/v1/lines", &json!({"kind": "saving", "directorate": "CFE", "title": format!("Saving {n}"), "owner": "BP", "years": years}));
            assert_eq!(created.status, 201, "{}", created.body);
        }
        let totals = api.get("/api/v1/lines?limit=1").json()["totals"].clone();
        for (i, exact) in expected.iter().enumerate() {
            assert_eq!(totals[i]["savings"].as_str().unwrap(), format!("{}.{:02}", exact / 100, exact % 100));
        }
        let summary = api.get("/api/v1/reports/summary").json();
        assert_eq!(summary["total"], totals);
    }
}
