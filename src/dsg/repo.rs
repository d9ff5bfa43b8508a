//! Queries for DSG balances, transfers and plans.

use diesel::dsl::max;
use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::model::{
    Approval, DsgPlan, ForumDecision, ForumOutcome, PlannedMovement, SecretaryOfStateDecision,
    StoredBalance, Transfer,
};
use crate::db::columns::Json;
use crate::db::schema::{dsg_balances, dsg_plans, dsg_transfers};
use crate::db::{self, DbConnection};
use crate::domain::dsg::DsgBlock;
use crate::domain::{FinancialYear, Money};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dsg_balances, treat_none_as_null = true)]
struct BalanceRow {
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    block: DsgBlock,
    #[diesel(column_name = opening_pence)]
    opening: Money,
    #[diesel(column_name = movement_pence)]
    movement: Money,
    #[diesel(column_name = closing_reported_pence)]
    closing_reported: Option<Money>,
    #[diesel(column_name = allocation_pence)]
    allocation: Option<Money>,
    #[diesel(column_name = expenditure_pence)]
    expenditure: Option<Money>,
    note: Option<String>,
    updated_at: PrimitiveDateTime,
    version: i64,
    #[diesel(column_name = allocation_before_recoupment_pence)]
    allocation_before_recoupment: Option<Money>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = dsg_transfers)]
struct TransferRow {
    id: i64,
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    from_block: DsgBlock,
    to_block: DsgBlock,
    #[diesel(column_name = amount_pence)]
    amount: Money,
    approved_by: Approval,
    reference: String,
    created_at: PrimitiveDateTime,
    forum_decision_id: Option<i64>,
    forum_outcome: Option<ForumOutcome>,
    secretary_of_state_decision_id: Option<i64>,
    #[diesel(column_name = limit_base_pence)]
    allocation_before_recoupment: Option<Money>,
}

#[derive(Insertable)]
#[diesel(table_name = dsg_transfers)]
struct NewTransferRow {
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    from_block: DsgBlock,
    to_block: DsgBlock,
    #[diesel(column_name = amount_pence)]
    amount: Money,
    approved_by: Approval,
    reference: String,
    created_at: PrimitiveDateTime,
    forum_decision_id: Option<i64>,
    forum_outcome: Option<ForumOutcome>,
    secretary_of_state_decision_id: Option<i64>,
    #[diesel(column_name = limit_base_pence)]
    allocation_before_recoupment: Option<Money>,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dsg_plans, treat_none_as_null = true)]
struct PlanRow {
    name: String,
    agreed_by: String,
    agreed_on: Date,
    submitted_on: Option<Date>,
    balanced_in: FinancialYear,
    movements: Json<Vec<PlannedMovement>>,
    updated_at: PrimitiveDateTime,
    version: i64,
}

pub fn find_balance(
    conn: &mut DbConnection,
    year: FinancialYear,
    block: DsgBlock,
) -> QueryResult<Option<StoredBalance>> {
    let row: Option<BalanceRow> = dsg_balances::table
        .find((year, block))
        .select(BalanceRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(balance_from_row))
}

pub fn all_balances(conn: &mut DbConnection) -> QueryResult<Vec<StoredBalance>> {
    let rows: Vec<BalanceRow> = dsg_balances::table
        .order((dsg_balances::year_start, dsg_balances::block))
        .select(BalanceRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(balance_from_row).collect())
}

pub fn save_balance(
    conn: &mut DbConnection,
    balance: &StoredBalance,
    is_new: bool,
) -> QueryResult<()> {
    let row = BalanceRow {
        year: balance.year,
        block: balance.block,
        opening: balance.opening,
        movement: balance.movement,
        closing_reported: balance.closing_reported,
        allocation: balance.allocation,
        expenditure: balance.expenditure,
        note: balance.note.clone(),
        updated_at: db::time::stored(balance.updated_at),
        version: balance.version,
        allocation_before_recoupment: balance.allocation_before_recoupment,
    };
    if is_new {
        diesel::insert_into(dsg_balances::table)
            .values(&row)
            .execute(conn)?;
    } else {
        diesel::update(dsg_balances::table.find((row.year, row.block)))
            .set(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Records a transfer and returns it with its id. Write transactions are serialised, so the highest id is ours.
pub fn insert_transfer(conn: &mut DbConnection, transfer: &Transfer) -> QueryResult<Transfer> {
    let row = NewTransferRow {
        year: transfer.year,
        from_block: transfer.from_block,
        to_block: transfer.to_block,
        amount: transfer.amount,
        approved_by: transfer.approved_by,
        reference: transfer.reference.clone(),
        created_at: db::time::stored(transfer.created_at),
        forum_decision_id: transfer.forum.as_ref().map(|f| f.decision_id),
        forum_outcome: transfer.forum.as_ref().map(|f| f.outcome),
        secretary_of_state_decision_id: transfer.secretary_of_state.as_ref().map(|s| s.decision_id),
        allocation_before_recoupment: transfer.allocation_before_recoupment,
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

pub fn all_transfers(conn: &mut DbConnection) -> QueryResult<Vec<Transfer>> {
    let rows: Vec<TransferRow> = dsg_transfers::table
        .order(dsg_transfers::id)
        .select(TransferRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(transfer_from_row).collect())
}

pub fn find_plan(conn: &mut DbConnection, name: &str) -> QueryResult<Option<DsgPlan>> {
    let row: Option<PlanRow> = dsg_plans::table
        .find(name)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(plan_from_row))
}

pub fn save_plan(conn: &mut DbConnection, plan: &DsgPlan, is_new: bool) -> QueryResult<()> {
    let row = PlanRow {
        name: plan.name.clone(),
        agreed_by: plan.agreed_by.clone(),
        agreed_on: plan.agreed_on,
        submitted_on: plan.submitted_on,
        balanced_in: plan.balanced_in,
        movements: Json(plan.movements.clone()),
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

fn balance_from_row(row: BalanceRow) -> StoredBalance {
    StoredBalance {
        year: row.year,
        block: row.block,
        opening: row.opening,
        movement: row.movement,
        closing_reported: row.closing_reported,
        allocation: row.allocation,
        expenditure: row.expenditure,
        note: row.note,
        updated_at: db::time::utc(row.updated_at),
        version: row.version,
        allocation_before_recoupment: row.allocation_before_recoupment,
    }
}

fn transfer_from_row(row: TransferRow) -> Transfer {
    Transfer {
        id: row.id.to_string(),
        year: row.year,
        from_block: row.from_block,
        to_block: row.to_block,
        amount: row.amount,
        approved_by: row.approved_by,
        reference: row.reference,
        // The outcome is stored exactly when the decision is (a CHECK on both engines).
        forum: row
            .forum_decision_id
            .zip(row.forum_outcome)
            .map(|(decision_id, outcome)| ForumDecision {
                decision_id,
                outcome,
            }),
        secretary_of_state: row
            .secretary_of_state_decision_id
            .map(|decision_id| SecretaryOfStateDecision { decision_id }),
        allocation_before_recoupment: row.allocation_before_recoupment,
        created_at: db::time::utc(row.created_at),
    }
}

fn plan_from_row(row: PlanRow) -> DsgPlan {
    DsgPlan {
        balanced_in: row.balanced_in,
        updated_at: db::time::utc(row.updated_at),
        name: row.name,
        agreed_by: row.agreed_by,
        agreed_on: row.agreed_on,
        submitted_on: row.submitted_on,
        movements: row.movements.0,
        version: row.version,
    }
}
