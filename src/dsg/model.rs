//! DSG balances, transfers and plans as the API presents them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::dsg::{BlockYear, Check, DsgBlock, Figure};
use crate::domain::money::Unit;
use crate::domain::{FinancialYear, Money};
use crate::present::table::{Cell, Table, Tabular};
use crate::present::{rounding_differences, RoundingDifference, Summed};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A block's balance for a year, as recorded (the audit trail keeps these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBalance {
    pub year: FinancialYear,
    pub block: DsgBlock,
    pub opening: Money,
    pub movement: Money,
    pub closing_reported: Option<Money>,
    /// Funding after recoupment, before the transfers recorded in the tracker.
    pub allocation: Option<Money>,
    pub expenditure: Option<Money>,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: i64,
    /// The Schools block only: its allocation as announced, before academy recoupment (the 0.5% limit's base).
    pub allocation_before_recoupment: Option<Money>,
}

/// The body of `PUT /dsg/{year}/{block}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"opening_balance": "-1423000.00", "movement": "500000.01", "funding": "81234567.00",
    "allocation_before_recoupment": "200000000.00", "expenditure": "81734567.01"}))]
pub struct SetBalance {
    /// Positive = cumulative deficit, negative = surplus.
    pub opening_balance: Money,
    /// The in-year movement: positive adds to the deficit.
    pub movement: Money,
    /// As reported. When absent it is computed as opening + movement; when it differs from that it is kept as
    /// reported and flagged, never corrected.
    pub closing_balance: Option<Money>,
    /// The year's allocation after recoupment, before the block transfers recorded in the tracker.
    pub funding: Option<Money>,
    /// The Schools block only (422 on any other): its allocation as the DfE announced it, before academy
    /// recoupment (for 2021/22, the "total schools block of which a percentage can be transferred"). The year's
    /// transfers out of the Schools block up to 0.5% of it need the Schools Forum's approval, above it the
    /// Secretary of State's; a transfer out of the Schools block needs it recorded first.
    pub allocation_before_recoupment: Option<Money>,
    pub expenditure: Option<Money>,
    /// At most 2,000 bytes of UTF-8 (tabs and line breaks allowed, no other control characters).
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A block's balance for a year, with each figure's position and the checks that concern it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DsgBalance {
    pub year: FinancialYear,
    pub block: DsgBlock,
    pub opening_balance: Figure,
    pub movement: Figure,
    pub closing_balance: Figure,
    /// Whether `closing_balance` is as reported (true) or computed as opening + movement (false).
    pub closing_as_reported: bool,
    /// The allocation after recoupment, before transfers.
    pub allocation: Option<Money>,
    /// The Schools block's allocation before academy recoupment, the base of the 0.5% limit on transfers out of
    /// it; null on other blocks and when not recorded.
    pub allocation_before_recoupment: Option<Money>,
    pub transfers_in: Money,
    pub transfers_out: Money,
    /// The allocation after the transfers recorded for the year.
    pub funding: Option<Money>,
    pub expenditure: Option<Money>,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Opening, movement and closing summed over the blocks present.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DsgTotals {
    pub opening_balance: Figure,
    pub movement: Figure,
    pub closing_balance: Figure,
}

/// A year's DSG table.
#[derive(Debug, Serialize, ToSchema)]
pub struct DsgYear {
    pub year: FinancialYear,
    /// The blocks recorded, in the council's order.
    pub blocks: Vec<DsgBalance>,
    pub total: DsgTotals,
    /// Every figure that does not agree, and every block missing.
    pub checks: Vec<Check>,
    pub unit: Unit,
    /// In thousands: each total whose rounded blocks do not add up to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounding_differences: Vec<RoundingDifference>,
}

/// Years side by side.
#[derive(Debug, Serialize, ToSchema)]
pub struct DsgRange {
    pub from: FinancialYear,
    pub to: FinancialYear,
    pub years: Vec<DsgYear>,
    /// Every check across the range, carry-forward between its years included.
    pub checks: Vec<Check>,
    pub unit: Unit,
}

/// Who approved a block transfer.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    SchoolsForum,
    /// Needed for the year's transfers out of the Schools block above 0.5% of its allocation before academy
    /// recoupment, or where the Schools Forum refused (a disapplication).
    SecretaryOfState,
}

crate::domain::text_enum!(Approval {
    SchoolsForum => "schools_forum",
    SecretaryOfState => "secretary_of_state",
});

/// What the Schools Forum decided on a transfer out of the Schools block.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ForumOutcome {
    Approved,
    /// The transfer then needs the Secretary of State's approval.
    Refused,
}

crate::domain::text_enum!(ForumOutcome {
    Approved => "approved",
    Refused => "refused",
});

/// The Schools Forum's decision on a transfer out of the Schools block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision_id": 3, "outcome": "approved"}))]
pub struct ForumDecision {
    /// A recorded decision (`POST /decisions`) of body `schools_forum`.
    pub decision_id: i64,
    pub outcome: ForumOutcome,
}

/// The Secretary of State's approval of a transfer out of the Schools block (a disapplication).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision_id": 4}))]
pub struct SecretaryOfStateDecision {
    /// A recorded decision (`POST /decisions`) of body `secretary_of_state`.
    pub decision_id: i64,
}

/// A block transfer to record.
///
/// **Out of the Schools block** it names the decisions it rests on, never `approved_by` or `reference`: the
/// Schools Forum's approval (`forum`, outcome `approved`) while the year's transfers out of the block total no
/// more than 0.5% of its allocation before academy recoupment (recorded on its figures first); above that, or
/// where the Forum refused, the Secretary of State's (`secretary_of_state`). **Between other blocks**, as
/// before: `approved_by` and `reference`, and no decisions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from_block": "schools", "to_block": "high_needs", "amount": "1000000.00",
    "forum": {"decision_id": 3, "outcome": "approved"}}))]
pub struct CreateTransfer {
    pub from_block: DsgBlock,
    pub to_block: DsgBlock,
    pub amount: Money,
    /// Between other blocks only (required there): who approved it.
    pub approved_by: Option<Approval>,
    /// Between other blocks only (required there): the decision's reference (minute, letter).
    /// At most 200 bytes of UTF-8 (one line, no control characters).
    #[schema(max_length = 200)]
    pub reference: Option<String>,
    /// Out of the Schools block: the Schools Forum's decision on it.
    pub forum: Option<ForumDecision>,
    /// Out of the Schools block: the Secretary of State's approval, needed above 0.5% or where the Forum refused.
    pub secretary_of_state: Option<SecretaryOfStateDecision>,
}

/// A block transfer as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "1", "year": "2021/22", "from_block": "schools", "to_block": "high_needs",
    "amount": "1000000.00", "approved_by": "schools_forum", "reference": "Schools Forum 14 January 2021, item 6",
    "forum": {"decision_id": 3, "outcome": "approved"}, "secretary_of_state": null,
    "allocation_before_recoupment": "200000000.00", "created_at": "2021-01-15T09:00:00Z"}))]
pub struct Transfer {
    pub id: String,
    pub year: FinancialYear,
    pub from_block: DsgBlock,
    pub to_block: DsgBlock,
    pub amount: Money,
    /// Who approved it: out of the Schools block, the Secretary of State when their decision is named, else the
    /// Schools Forum.
    pub approved_by: Approval,
    /// The approving decision's reference: out of the Schools block, that recorded decision's.
    pub reference: String,
    /// Out of the Schools block: the Schools Forum's decision; null between other blocks and on transfers
    /// recorded before transfers named decisions.
    pub forum: Option<ForumDecision>,
    /// Out of the Schools block: the Secretary of State's approval, when it rests on one.
    pub secretary_of_state: Option<SecretaryOfStateDecision>,
    /// Out of the Schools block: the allocation before academy recoupment whose 0.5% the year's transfers were
    /// checked against when this one was recorded.
    pub allocation_before_recoupment: Option<Money>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One year's planned in-year movement for one block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": "2021/22", "block": "high_needs", "movement": "4000000.00"}))]
pub struct PlannedMovement {
    pub year: FinancialYear,
    pub block: DsgBlock,
    pub movement: Money,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "agreed_by": "Cabinet", "agreed_on": "2021-07-19", "submitted_on": "2021-07-30", "balanced_in": "2025/26",
    "movements": [{"year": "2021/22", "block": "high_needs", "movement": "4000000.00"}, {"year": "2022/23", "block": "high_needs", "movement": "2500000.00"}]
}))]
pub struct PutPlan {
    /// At most 200 bytes of UTF-8 (one line, no control characters).
    #[schema(max_length = 200)]
    pub agreed_by: String,
    #[serde(deserialize_with = "crate::domain::instant::date")]
    #[schema(value_type = String, format = Date)]
    pub agreed_on: Date,
    #[serde(default, deserialize_with = "crate::domain::instant::optional_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub submitted_on: Option<Date>,
    /// The year the in-year position is planned to balance.
    pub balanced_in: FinancialYear,
    pub movements: Vec<PlannedMovement>,
}

/// A deficit management (recovery) plan agreed with the Department for Education.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DsgPlan {
    pub name: String,
    pub agreed_by: String,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub agreed_on: Date,
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub submitted_on: Option<Date>,
    pub balanced_in: FinancialYear,
    /// By year, then block.
    pub movements: Vec<PlannedMovement>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Plan against actual, year by year.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVariance {
    pub plan: String,
    pub years: Vec<VarianceYear>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VarianceYear {
    pub year: FinancialYear,
    pub blocks: Vec<VarianceRow>,
    pub total: VarianceRow,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VarianceRow {
    /// Absent on the total.
    pub block: Option<DsgBlock>,
    pub planned: Money,
    /// The recorded movement; absent when the year's figures are not recorded.
    pub actual: Option<Money>,
    /// actual − planned: positive means a larger deficit than planned.
    pub variance: Option<Money>,
    /// The sum of the known variances so far in the plan (for the total: the blocks' gaps added up).
    pub cumulative_gap: Money,
}

impl StoredBalance {
    pub fn block_year(&self, transfers: &[Transfer]) -> BlockYear {
        BlockYear {
            year: self.year,
            block: self.block,
            opening: self.opening,
            movement: self.movement,
            closing_reported: self.closing_reported,
            funding: self
                .allocation
                .map(|allocation| allocation + net_transfers(transfers, self.year, self.block)),
            expenditure: self.expenditure,
        }
    }
}

/// Transfers into a block less transfers out of it, in a year.
pub fn net_transfers(transfers: &[Transfer], year: FinancialYear, block: DsgBlock) -> Money {
    let (into, out) = transfers_of(transfers, year, block);
    into - out
}

/// (in, out) for a block in a year.
pub fn transfers_of(
    transfers: &[Transfer],
    year: FinancialYear,
    block: DsgBlock,
) -> (Money, Money) {
    let of_year = transfers.iter().filter(|t| t.year == year);
    let into = of_year
        .clone()
        .filter(|t| t.to_block == block)
        .map(|t| t.amount)
        .sum();
    let out = of_year
        .filter(|t| t.from_block == block)
        .map(|t| t.amount)
        .sum();
    (into, out)
}

/// Opening, movement and closing amounts.
type Figure3 = (Money, Money, Money);

impl DsgBalance {
    fn figures(&self) -> Figure3 {
        (
            self.opening_balance.amount,
            self.movement.amount,
            self.closing_balance.amount,
        )
    }
}

impl DsgTotals {
    fn figures(&self) -> Figure3 {
        (
            self.opening_balance.amount,
            self.movement.amount,
            self.closing_balance.amount,
        )
    }
}

impl DsgYear {
    /// The table to be written in `unit`, noting where rounded blocks do not add up to a rounded total.
    pub fn in_unit(mut self, unit: Unit) -> DsgYear {
        let summed = |figure: &str, of: fn(&Figure3) -> Money| Summed {
            figure: format!("{} total {figure}", self.year),
            rows: self.blocks.iter().map(|b| of(&b.figures())).collect(),
            total: of(&self.total.figures()),
        };
        let totals = vec![
            summed("opening balance", |f| f.0),
            summed("movement", |f| f.1),
            summed("closing balance", |f| f.2),
        ];
        self.rounding_differences = rounding_differences(unit, totals);
        self.unit = unit;
        self
    }
}

impl DsgRange {
    pub fn in_unit(mut self, unit: Unit) -> DsgRange {
        self.years = self
            .years
            .into_iter()
            .map(|year| year.in_unit(unit))
            .collect();
        self.unit = unit;
        self
    }
}

impl Tabular for DsgYear {
    fn table(&self) -> Table {
        let columns = [
            "Block",
            "Opening balance",
            "Movement",
            "Closing balance",
            "Funding",
            "Expenditure",
        ];
        let mut table = Table::new(format!("DSG balances {}", self.year), columns);
        for block in &self.blocks {
            table.row([
                Cell::from(block.block.as_str()),
                block.opening_balance.amount.into(),
                block.movement.amount.into(),
                block.closing_balance.amount.into(),
                block.funding.into(),
                block.expenditure.into(),
            ]);
        }
        let total = &self.total;
        table.row([
            Cell::from("Total"),
            total.opening_balance.amount.into(),
            total.movement.amount.into(),
            total.closing_balance.amount.into(),
        ]);
        table
    }
}

impl Tabular for DsgRange {
    fn table(&self) -> Table {
        let columns = [
            "Year",
            "Block",
            "Opening balance",
            "Movement",
            "Closing balance",
        ];
        let mut table = Table::new(
            format!("DSG balances {} to {}", self.from, self.to),
            columns,
        );
        for year in &self.years {
            for row in year.table().rows {
                table.row(
                    [Cell::from(year.year.to_string())]
                        .into_iter()
                        .chain(row.into_iter().take(4)),
                );
            }
        }
        table
    }
}
