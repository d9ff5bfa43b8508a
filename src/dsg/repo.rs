//! Queries for DSG balances, transfers and plans.

use diesel::dsl::max;
use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::model::{Approval, DsgPlan, PlannedMovement, StoredBalance, Transfer};
use crate::db::schema::{dsg_balances, dsg_plans, dsg_transfers};
use crate::db::{self, DbConnection};
use crate::domain::dsg::DsgBlock;
use crate::domain::{FinancialYear, Money};
use crate::error::ApiError;
use crate::lines::repo::stored_year;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dsg_balances, treat_none_as_null = true)]
struct BalanceRow {
    year_start: i32,
    block: String,
    opening_pence: i64,
    movement_pence: i64,
    closing_reported_pence: Option<i64>,
    allocation_pence: Option<i64>,
    expenditure_pence: Option<i64>,
    note: Option<String>,
    updated_at: PrimitiveDateTime,
    version: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = dsg_transfers)]
struct TransferRow {
    id: i64,
    year_start: i32,
    from_block: String,
    to_block: String,
    amount_pence: i64,
    approved_by: String,
    reference: String,
    created_at: PrimitiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = dsg_transfers)]
struct NewTransferRow {
    year_start: i32,
    from_block: String,
    to_block: String,
    amount_pence: i64,
    approved_by: String,
    reference: String,
    created_at: PrimitiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dsg_plans, treat_none_as_null = true)]
struct PlanRow {
    name: String,
    agreed_by: String,
    agreed_on: Date,
    submitted_on: Option<Date>,
    balanced_in: i32,
    movements: String,
    updated_at: PrimitiveDateTime,
    version: i64,
}

pub fn find_balance(
    conn: &mut DbConnection,
    year: FinancialYear,
    block: DsgBlock,
) -> Result<Option<StoredBalance>, ApiError> {
    let row: Option<BalanceRow> = dsg_balances::table
        .find((year.start(), block.as_str()))
        .select(BalanceRow::as_select())
        .first(conn)
        .optional()?;
    row.map(balance_from_row).transpose()
}

pub fn all_balances(conn: &mut DbConnection) -> Result<Vec<StoredBalance>, ApiError> {
    let rows: Vec<BalanceRow> = dsg_balances::table
        .order((dsg_balances::year_start, dsg_balances::block))
        .select(BalanceRow::as_select())
        .load(conn)?;
    rows.into_iter().map(balance_from_row).collect()
}

pub fn save_balance(
    conn: &mut DbConnection,
    balance: &StoredBalance,
    is_new: bool,
) -> Result<(), ApiError> {
    let row = BalanceRow {
        year_start: balance.year.start(),
        block: balance.block.as_str().to_owned(),
        opening_pence: balance.opening.pence(),
        movement_pence: balance.movement.pence(),
        closing_reported_pence: balance.closing_reported.map(Money::pence),
        allocation_pence: balance.allocation.map(Money::pence),
        expenditure_pence: balance.expenditure.map(Money::pence),
        note: balance.note.clone(),
        updated_at: db::time::stored(balance.updated_at),
        version: balance.version,
    };
    if is_new {
        diesel::insert_into(dsg_balances::table)
            .values(&row)
            .execute(conn)?;
    } else {
        diesel::update(dsg_balances::table.find((row.year_start, row.block.clone())))
            .set(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Records a transfer and returns it with its id. Write transactions are serialised, so the highest id is ours.
pub fn insert_transfer(conn: &mut DbConnection, transfer: &Transfer) -> Result<Transfer, ApiError> {
    let row = NewTransferRow {
        year_start: transfer.year.start(),
        from_block: transfer.from_block.as_str().to_owned(),
        to_block: transfer.to_block.as_str().to_owned(),
        amount_pence: transfer.amount.pence(),
        approved_by: approval_name(transfer.approved_by).to_owned(),
        reference: transfer.reference.clone(),
        created_at: db::time::stored(transfer.created_at),
    };
    diesel::insert_into(dsg_transfers::table)
        .values(&row)
        .execute(conn)?;
    let id: Option<i64> = dsg_transfers::table
        .select(max(dsg_transfers::id))
        .first(conn)?;
    Ok(Transfer {
        id: id.unwrap_or_default().to_string(),
        ..transfer.clone()
    })
}

pub fn all_transfers(conn: &mut DbConnection) -> Result<Vec<Transfer>, ApiError> {
    let rows: Vec<TransferRow> = dsg_transfers::table
        .order(dsg_transfers::id)
        .select(TransferRow::as_select())
        .load(conn)?;
    rows.into_iter().map(transfer_from_row).collect()
}

pub fn find_plan(conn: &mut DbConnection, name: &str) -> Result<Option<DsgPlan>, ApiError> {
    let row: Option<PlanRow> = dsg_plans::table
        .find(name)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?;
    row.map(plan_from_row).transpose()
}

pub fn save_plan(conn: &mut DbConnection, plan: &DsgPlan, is_new: bool) -> Result<(), ApiError> {
    let row = PlanRow {
        name: plan.name.clone(),
        agreed_by: plan.agreed_by.clone(),
        agreed_on: plan.agreed_on,
        submitted_on: plan.submitted_on,
        balanced_in: plan.balanced_in.start(),
        movements: serde_json::to_string(&plan.movements)
            .map_err(|e| ApiError::Internal(format!("plan movements: {e}")))?,
        updated_at: db::time::stored(plan.updated_at),
        version: plan.version,
    };
    if is_new {
        diesel::insert_into(dsg_plans::table)
            .values(&row)
            .execute(conn)?;
    } else {
        diesel::update(dsg_plans::table.find(row.name.clone()))
            .set(&row)
            .execute(conn)?;
    }
    Ok(())
}

fn approval_name(approval: Approval) -> &'static str {
    match approval {
        Approval::SchoolsForum => "schools_forum",
        Approval::SecretaryOfState => "secretary_of_state",
    }
}

fn stored_block(name: &str) -> Result<DsgBlock, ApiError> {
    DsgBlock::from_name(name)
        .ok_or_else(|| ApiError::Internal(format!("stored DSG block {name} is unknown")))
}

fn balance_from_row(row: BalanceRow) -> Result<StoredBalance, ApiError> {
    Ok(StoredBalance {
        year: stored_year(row.year_start)?,
        block: stored_block(&row.block)?,
        opening: Money::from_pence(row.opening_pence),
        movement: Money::from_pence(row.movement_pence),
        closing_reported: row.closing_reported_pence.map(Money::from_pence),
        allocation: row.allocation_pence.map(Money::from_pence),
        expenditure: row.expenditure_pence.map(Money::from_pence),
        note: row.note,
        updated_at: db::time::utc(row.updated_at),
        version: row.version,
    })
}

fn transfer_from_row(row: TransferRow) -> Result<Transfer, ApiError> {
    Ok(Transfer {
        id: row.id.to_string(),
        year: stored_year(row.year_start)?,
        from_block: stored_block(&row.from_block)?,
        to_block: stored_block(&row.to_block)?,
        amount: Money::from_pence(row.amount_pence),
        approved_by: match row.approved_by.as_str() {
            "secretary_of_state" => Approval::SecretaryOfState,
            _ => Approval::SchoolsForum,
        },
        reference: row.reference,
        created_at: db::time::utc(row.created_at),
    })
}

fn plan_from_row(row: PlanRow) -> Result<DsgPlan, ApiError> {
    let movements: Vec<PlannedMovement> = serde_json::from_str(&row.movements)
        .map_err(|e| ApiError::Internal(format!("plan {} movements: {e}", row.name)))?;
    Ok(DsgPlan {
        balanced_in: stored_year(row.balanced_in)?,
        updated_at: db::time::utc(row.updated_at),
        name: row.name,
        agreed_by: row.agreed_by,
        agreed_on: row.agreed_on,
        submitted_on: row.submitted_on,
        movements,
        version: row.version,
    })
}
