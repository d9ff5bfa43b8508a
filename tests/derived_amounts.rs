//! A figure the service works out from two that are each within the amounts it accepts must itself be one:
//! a DSG block's closing balance (opening + movement) beyond ±999,999,999,999.99 would be answered in a form the
//! published contract does not allow (found by Schemathesis), so the balance is refused and nothing is written.

mod common;

use serde_json::json;

on_both_backends! {
    fn a_closing_balance_beyond_the_largest_amount_is_refused_and_nothing_is_written(api: &TestApi) {
        let path = "/api/v1/dsg/2021-22/high_needs";
        let refused = api.put(path, &json!({"opening_balance": 999999999998i64, "movement": "999999999998.00"}));
        let problem = refused.assert_field_error(422, "validation", "movement");
        assert_eq!(
            problem["errors"][0]["message"],
            "opening_balance + movement is 1999999999996.00, beyond the largest amount, 999999999999.99"
        );
        let year = api.get("/api/v1/dsg/2021-22");
        assert_eq!(year.status, 200, "{}", year.body);
        assert_eq!(year.json()["blocks"], json!([]));

        // Below zero too; and the largest amount itself is a closing balance like any other.
        let below = api.put(path, &json!({"opening_balance": "-999999999999.99", "movement": "-0.01"}));
        below.assert_field_error(422, "validation", "movement");
        let largest = api.put(path, &json!({"opening_balance": "500000000000.00", "movement": "499999999999.99"}));
        assert_eq!(largest.status, 201, "{}", largest.body);
        assert_eq!(largest.json()["closing_balance"]["amount"], "999999999999.99");
    }
}
