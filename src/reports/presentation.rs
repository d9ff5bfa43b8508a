//! How a report is written: in pounds, or in whole £000s as council tables print them. Figures are always
//! computed exactly; in thousands each is rounded half away from zero when written, totals from their exact
//! values, and the report lists where the rounded rows do not add up to the rounded total.

use actix_web::HttpResponse;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::money::{written_in, Unit};
use crate::domain::Money;
use crate::error::ApiError;

/// Where rounding to £000s makes a table not add up: the rounded rows' sum differs from the rounded total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"figure": "2021/22 savings", "rows_add_up_to": "9432", "total": "9433"}))]
pub struct RoundingDifference {
    /// Which total.
    pub figure: String,
    /// The rounded rows added up, in £000s.
    pub rows_add_up_to: String,
    /// The total rounded from its exact value, in £000s.
    pub total: String,
}

/// A total and the rows it is the sum of, to check after rounding.
pub struct Summed {
    pub figure: String,
    pub rows: Vec<Money>,
    pub total: Money,
}

/// In thousands, every total whose rounded rows do not add up to it; in pounds, none (they always do).
pub fn rounding_differences(
    unit: Unit,
    totals: impl IntoIterator<Item = Summed>,
) -> Vec<RoundingDifference> {
    if unit == Unit::Pounds {
        return Vec::new();
    }
    totals
        .into_iter()
        .filter_map(|summed| {
            let rows_add_up_to: Decimal = summed.rows.iter().map(|row| row.thousands()).sum();
            let total = summed.total.thousands();
            (rows_add_up_to != total).then(|| RoundingDifference {
                figure: summed.figure,
                rows_add_up_to: rows_add_up_to.to_string(),
                total: total.to_string(),
            })
        })
        .collect()
}

/// A report as JSON, with its amounts written in `unit`.
pub fn present<T: Serialize>(unit: Unit, report: &T) -> Result<HttpResponse, ApiError> {
    let body = written_in(unit, || serde_json::to_vec(report))
        .map_err(|error| ApiError::Internal(format!("writing a report: {error}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}
