//! Changes to DSG figures, each inside the caller's write transaction, checked and recorded in the audit trail.

use super::model::{
    transfers_of, Approval, CreateTransfer, DsgPlan, PutPlan, SetBalance, StoredBalance, Transfer,
};
use super::repo;
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::{self, DbConnection};
use crate::domain::dsg::{above_schools_limit, DsgBlock};
use crate::domain::line::{check_name, check_text, MAX_REASON, MAX_TITLE};
use crate::domain::money::MAX_PENCE;
use crate::domain::version;
use crate::domain::{FieldErrors, FinancialYear, Money};
use crate::error::ApiError;

/// Records a block's figures for a year; returns them and whether they are new. A reported closing balance
/// that does not agree is kept as reported (the year's checks flag it).
pub fn set_balance(
    conn: &mut DbConnection,
    actor: &Actor,
    (year, block): (FinancialYear, DsgBlock),
    if_match: Option<i64>,
    request: SetBalance,
) -> Result<(StoredBalance, bool), ApiError> {
    actor.require_council_editor()?;
    let mut errors = FieldErrors::default();
    let note = request
        .note
        .map(|note| check_text(&note, "note", false, MAX_REASON, &mut errors))
        .filter(|n| !n.is_empty());
    if request.funding.is_some_and(|funding| funding.is_negative()) {
        errors.add("funding", "an allocation cannot be negative");
    }
    if request
        .expenditure
        .is_some_and(|expenditure| expenditure.is_negative())
    {
        errors.add("expenditure", "expenditure cannot be negative");
    }
    // The closing balance worked out from these must itself be an amount the contract can answer.
    let closing = request.opening_balance + request.movement;
    if closing.pence().unsigned_abs() > MAX_PENCE.unsigned_abs() {
        errors.add(
            "movement",
            format!(
                "opening_balance + movement is {closing}, beyond the largest amount, {}",
                Money::from_pence(MAX_PENCE)
            ),
        );
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    let existing = repo::find_balance(conn, year, block)?;
    version::check(
        if_match,
        existing.as_ref().map(|e| e.version),
        "these figures",
    )?;
    let balance = StoredBalance {
        year,
        block,
        opening: request.opening_balance,
        movement: request.movement,
        closing_reported: request.closing_balance,
        allocation: request.funding,
        expenditure: request.expenditure,
        note,
        updated_at: db::time::utc(db::time::now()),
        version: existing.as_ref().map_or(1, |e| e.version + 1),
    };
    if let Some(current) = existing.as_ref() {
        let unchanged = StoredBalance {
            updated_at: current.updated_at,
            version: current.version,
            ..balance.clone()
        };
        if &unchanged == current {
            return Ok((current.clone(), false));
        }
    }
    repo::save_balance(conn, &balance, existing.is_none())?;
    let key = format!("{year} {}", block.as_str());
    let change = match &existing {
        None => Change::created(balance.updated_at, Entity::DsgBalance, &key, &balance),
        Some(before) => Change::updated(
            balance.updated_at,
            Entity::DsgBalance,
            &key,
            "updated",
            before,
            &balance,
            None,
        ),
    };
    audit::record(conn, actor, change)?;
    Ok((balance, existing.is_none()))
}

/// Records a block transfer. A transfer out of the Schools block that takes the year's transfers out of it
/// above 0.5% of its allocation needs the Secretary of State's approval.
pub fn create_transfer(
    conn: &mut DbConnection,
    actor: &Actor,
    year: FinancialYear,
    request: CreateTransfer,
) -> Result<Transfer, ApiError> {
    actor.require_council_editor()?;
    let mut errors = FieldErrors::default();
    if request.from_block == request.to_block {
        errors.add(
            "to_block",
            "a transfer moves funding between two different blocks",
        );
    }
    if request.amount.is_negative() || request.amount.is_zero() {
        errors.add("amount", "must be more than 0.00");
    }
    let reference = check_text(
        &request.reference,
        "reference",
        true,
        MAX_TITLE,
        &mut errors,
    );
    if request.from_block == DsgBlock::Schools && !request.amount.is_negative() {
        match repo::find_balance(conn, year, DsgBlock::Schools)?
            .and_then(|schools| schools.allocation)
        {
            None => errors.add(
                "from_block",
                format!(
                    "record the Schools block's funding for {year} first: the 0.5% rule needs it"
                ),
            ),
            Some(allocation) => {
                let (_, already_out) =
                    transfers_of(&repo::all_transfers(conn)?, year, DsgBlock::Schools);
                let total_out = already_out + request.amount;
                if above_schools_limit(total_out, allocation)
                    && request.approved_by != Approval::SecretaryOfState
                {
                    errors.add(
                        "approved_by",
                        format!(
                            "transfers out of the Schools block in {year} would total {total_out}, above 0.5% of its {allocation} funding: \
                             that needs the Secretary of State's approval (approved_by: secretary_of_state, with its reference)"
                        ),
                    );
                }
            }
        }
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    let transfer = Transfer {
        id: String::new(),
        year,
        from_block: request.from_block,
        to_block: request.to_block,
        amount: request.amount,
        approved_by: request.approved_by,
        reference,
        created_at: db::time::utc(db::time::now()),
    };
    let recorded = repo::insert_transfer(conn, &transfer)?;
    let key = format!("{year} transfer {}", recorded.id);
    audit::record(
        conn,
        actor,
        Change::created(recorded.created_at, Entity::DsgTransfer, &key, &recorded),
    )?;
    Ok(recorded)
}

const MAX_PLAN_NAME: usize = 64;

/// Records or replaces a deficit management plan; returns it and whether it is new.
pub fn put_plan(
    conn: &mut DbConnection,
    actor: &Actor,
    name: &str,
    if_match: Option<i64>,
    request: PutPlan,
) -> Result<(DsgPlan, bool), ApiError> {
    actor.require_council_editor()?;
    let mut errors = FieldErrors::default();
    check_name(name, "name", MAX_PLAN_NAME, &mut errors);
    let agreed_by = check_text(
        &request.agreed_by,
        "agreed_by",
        true,
        MAX_TITLE,
        &mut errors,
    );
    if request.movements.is_empty() {
        errors.add(
            "movements",
            "give the planned movement of at least one year and block",
        );
    }
    for (index, movement) in request.movements.iter().enumerate() {
        let earlier = &request.movements[..index];
        if earlier
            .iter()
            .any(|m| m.year == movement.year && m.block == movement.block)
        {
            errors.add(
                format!("movements[{index}]"),
                format!(
                    "{} {} appears more than once",
                    movement.year,
                    movement.block.as_str()
                ),
            );
        }
    }
    if let Some(first) = request.movements.iter().map(|m| m.year).min() {
        if request.balanced_in < first {
            errors.add(
                "balanced_in",
                format!("must be {first} or later, within the plan"),
            );
        }
    }
    if request
        .submitted_on
        .is_some_and(|submitted| submitted < request.agreed_on)
    {
        errors.add("submitted_on", "cannot be before the plan was agreed");
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    let existing = repo::find_plan(conn, name)?;
    version::check(
        if_match,
        existing.as_ref().map(|e| e.version),
        &format!("DSG plan {name}"),
    )?;
    let mut movements = request.movements;
    movements.sort_by_key(|m| (m.year, m.block));
    let plan = DsgPlan {
        name: name.to_owned(),
        agreed_by,
        agreed_on: request.agreed_on,
        submitted_on: request.submitted_on,
        balanced_in: request.balanced_in,
        movements,
        updated_at: db::time::utc(db::time::now()),
        version: existing.as_ref().map_or(1, |e| e.version + 1),
    };
    if let Some(current) = existing.as_ref() {
        let unchanged = DsgPlan {
            updated_at: current.updated_at,
            version: current.version,
            ..plan.clone()
        };
        if &unchanged == current {
            return Ok((current.clone(), false));
        }
    }
    repo::save_plan(conn, &plan, existing.is_none())?;
    let change = match &existing {
        None => Change::created(plan.updated_at, Entity::DsgPlan, name, &plan),
        Some(before) => Change::updated(
            plan.updated_at,
            Entity::DsgPlan,
            name,
            "updated",
            before,
            &plan,
            None,
        ),
    };
    audit::record(conn, actor, change)?;
    Ok((plan, existing.is_none()))
}
