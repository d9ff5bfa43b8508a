//! Changes to DSG figures, each inside the caller's write transaction, checked and recorded in the audit trail.

use super::model::{
    transfers_of, Approval, CreateTransfer, DsgPlan, ForumDecision, ForumOutcome, PutPlan,
    SecretaryOfStateDecision, SetBalance, StoredBalance, Transfer,
};
use super::repo;
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::budget::model::{Decision, DecisionBody};
use crate::db::{self, DbConnection};
use crate::domain::dsg::{above_schools_limit, schools_limit, DsgBlock};
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
    if let Some(before) = request.allocation_before_recoupment {
        if block != DsgBlock::Schools {
            errors.add(
                "allocation_before_recoupment",
                "only the Schools block's allocation before academy recoupment is recorded: it is the base of the 0.5% limit on transfers out of it",
            );
        } else if before.is_negative() {
            errors.add(
                "allocation_before_recoupment",
                "an allocation cannot be negative",
            );
        }
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
        allocation_before_recoupment: request.allocation_before_recoupment,
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

/// Records a block transfer. One out of the Schools block rests on recorded decisions ([`schools_approval`]);
/// one between other blocks names who approved it and the reference, as before.
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
    let approval = if request.from_block == DsgBlock::Schools {
        schools_approval(conn, year, &request, &mut errors)?
    } else {
        other_approval(&request, &mut errors)
    };
    errors.into_result(()).map_err(ApiError::Validation)?;
    let Some(approval) = approval else {
        return Err(ApiError::Internal(
            "a transfer's approval was not worked out".to_owned(),
        ));
    };
    let transfer = Transfer {
        id: String::new(),
        year,
        from_block: request.from_block,
        to_block: request.to_block,
        amount: request.amount,
        approved_by: approval.approved_by,
        reference: approval.reference,
        // Only a transfer out of the Schools block may name them (refused above on any other).
        forum: request.forum,
        secretary_of_state: request.secretary_of_state,
        allocation_before_recoupment: approval.base,
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

/// Who approved a transfer, under which reference, and for one out of the Schools block the base of the 0.5%
/// limit it was checked against.
struct Approved {
    approved_by: Approval,
    reference: String,
    base: Option<Money>,
}

/// A transfer between other blocks: `approved_by` and `reference`, as before; decisions are for the Schools block.
fn other_approval(request: &CreateTransfer, errors: &mut FieldErrors) -> Option<Approved> {
    for (given, field) in [
        (request.forum.is_some(), "forum"),
        (request.secretary_of_state.is_some(), "secretary_of_state"),
    ] {
        if given {
            errors.add(
                field,
                "only a transfer out of the Schools block names its decisions: give approved_by and reference",
            );
        }
    }
    if request.approved_by.is_none() {
        errors.add(
            "approved_by",
            "say who approved the transfer: schools_forum or secretary_of_state",
        );
    }
    let reference = match &request.reference {
        Some(reference) => check_text(reference, "reference", true, MAX_TITLE, errors),
        None => {
            errors.add(
                "reference",
                "give the decision's reference (minute, letter)",
            );
            String::new()
        }
    };
    request.approved_by.map(|approved_by| Approved {
        approved_by,
        reference,
        base: None,
    })
}

/// A transfer out of the Schools block needs a decision. The year's transfers out of it, this one included, up
/// to 0.5% of its allocation before academy recoupment (recorded on its figures) with the Schools Forum's
/// approval; above that, or where the Forum refused, with the Secretary of State's (a disapplication). It is
/// approved by the Secretary of State when their decision is named, else by the Forum, under that decision's
/// reference.
fn schools_approval(
    conn: &mut DbConnection,
    year: FinancialYear,
    request: &CreateTransfer,
    errors: &mut FieldErrors,
) -> Result<Option<Approved>, ApiError> {
    let before = errors.len();
    for (given, field) in [
        (request.approved_by.is_some(), "approved_by"),
        (request.reference.is_some(), "reference"),
    ] {
        if given {
            errors.add(
                field,
                "a transfer out of the Schools block rests on recorded decisions: name them in forum and \
                 secretary_of_state (each a decision_id); its approver and reference are theirs",
            );
        }
    }
    let forum = match &request.forum {
        Some(ForumDecision { decision_id, .. }) => decision_of(
            conn,
            *decision_id,
            DecisionBody::SchoolsForum,
            "forum.decision_id",
            errors,
        )?,
        None => None,
    };
    let secretary_of_state = match &request.secretary_of_state {
        Some(SecretaryOfStateDecision { decision_id }) => decision_of(
            conn,
            *decision_id,
            DecisionBody::SecretaryOfState,
            "secretary_of_state.decision_id",
            errors,
        )?,
        None => None,
    };
    let base = repo::find_balance(conn, year, DsgBlock::Schools)?
        .and_then(|schools| schools.allocation_before_recoupment);
    let Some(base) = base else {
        errors.add(
            "from_block",
            format!(
                "record the Schools block's allocation for {year} before academy recoupment first \
                 (allocation_before_recoupment, on PUT /api/v1/dsg/{}/schools): the 0.5% limit on transfers out \
                 of it is of that allocation",
                year.to_string().replace('/', "-")
            ),
        );
        return Ok(None);
    };
    if errors.len() > before || request.amount.is_negative() || request.amount.is_zero() {
        return Ok(None);
    }
    if let Some(secretary_of_state) = secretary_of_state {
        return Ok(Some(Approved {
            approved_by: Approval::SecretaryOfState,
            reference: secretary_of_state.reference,
            base: Some(base),
        }));
    }
    let (Some(outcome), Some(forum)) = (request.forum.as_ref().map(|f| f.outcome), forum) else {
        errors.add(
            "forum",
            "a transfer out of the Schools block needs the Schools Forum's approval (forum: its decision_id and \
             outcome) or, above 0.5% of the block's allocation before academy recoupment or where the Forum \
             refused, the Secretary of State's (secretary_of_state: its decision_id)",
        );
        return Ok(None);
    };
    if outcome == ForumOutcome::Refused {
        errors.add(
            "secretary_of_state",
            format!(
                "the Schools Forum refused this transfer (decision {}): it needs the Secretary of State's \
                 approval (a disapplication): record it and give secretary_of_state with its decision_id",
                forum.id
            ),
        );
        return Ok(None);
    }
    let (_, already_out) = transfers_of(&repo::all_transfers(conn)?, year, DsgBlock::Schools);
    let total_out = already_out + request.amount;
    if above_schools_limit(total_out, base) {
        errors.add(
            "secretary_of_state",
            format!(
                "transfers out of the Schools block in {year} would total {total_out}, above {}, 0.5% of its \
                 allocation before academy recoupment of {base}: that needs the Secretary of State's approval \
                 (a disapplication): record it and give secretary_of_state with its decision_id",
                schools_limit(base)
            ),
        );
        return Ok(None);
    }
    Ok(Some(Approved {
        approved_by: Approval::SchoolsForum,
        reference: forum.reference,
        base: Some(base),
    }))
}

/// The recorded decision `id`, if it is of `body`; else an error on `field` saying what is needed.
fn decision_of(
    conn: &mut DbConnection,
    id: i64,
    body: DecisionBody,
    field: &str,
    errors: &mut FieldErrors,
) -> Result<Option<Decision>, ApiError> {
    let whose = match body {
        DecisionBody::SecretaryOfState => "the Secretary of State's",
        _ => "the Schools Forum's",
    };
    match crate::budget::repo::find_decision(conn, id)? {
        None => {
            errors.add(
                field,
                format!(
                    "there is no decision {id}: record {whose} decision first (POST /api/v1/decisions, body {})",
                    body.as_str()
                ),
            );
            Ok(None)
        }
        Some(decision) if decision.body != body => {
            errors.add(
                field,
                format!(
                    "decision {id} is of body {}: name {whose} decision (body {})",
                    decision.body.as_str(),
                    body.as_str()
                ),
            );
            Ok(None)
        }
        Some(decision) => Ok(Some(decision)),
    }
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
