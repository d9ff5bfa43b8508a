//! The rules of outturn: when a year's outturn can be recorded (its P12 closed, the year not closed), by whom
//! (an approver of the saving's directorate), what it must say (amounts adding up to the saving's revised
//! budget exactly, each part with what it needs), and closing and reopening a year by a recorded decision.
//! Every change is audited in its write transaction.

use std::collections::{BTreeMap, HashMap};

use super::model::{
    outturn_key, CloseOutturn, LineOutturns, Outturn, OutturnClose, OutturnRequest, OutturnSaving,
    OutturnStatus, OutturnYear, ReopenOutturn,
};
use super::{proposal, repo};
use crate::audit::{self, Change, Entity};
use crate::auth::{Actor, Role};
use crate::budget;
use crate::db::{self, DbConnection};
use crate::domain::monitoring::Period;
use crate::domain::text::{check_text, MAX_REASON};
use crate::domain::{
    version, DirectorateCode, FieldErrors, FinancialYear, LineKind, LineNature, LineRef, Money,
};
use crate::error::ApiError;
use crate::lines;
use crate::monitoring;
use crate::monitoring::model::{Assessment, PeriodStatus};

/// An approved saving of a year: held in the latest baseline with an amount that year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approved {
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub title: String,
    pub baseline: Money,
    pub written_off: Money,
}

impl Approved {
    /// The baseline less what is written off: what an outturn adds up to.
    pub fn revised_budget(&self) -> Money {
        self.baseline - self.written_off
    }
}

/// The latest baseline's name, and its approved savings of `year` by ref.
pub fn approved_savings(
    conn: &mut DbConnection,
    year: FinancialYear,
) -> Result<(Option<String>, Vec<Approved>), ApiError> {
    let Some(baseline) = budget::repo::list_baselines(conn, None)?.into_iter().next() else {
        return Ok((None, Vec::new()));
    };
    let mut written_off: HashMap<LineRef, Money> = HashMap::new();
    for write_off in budget::repo::write_offs(conn, None)? {
        for entry in write_off.years.iter().filter(|entry| entry.year == year) {
            let sum = written_off.entry(write_off.line_ref.clone()).or_default();
            *sum = *sum + entry.amount;
        }
    }
    let approved = budget::repo::lines_of(conn, &baseline.name)?
        .into_iter()
        .filter(|line| line.kind == LineKind::Saving)
        .filter_map(|line| {
            let amount = line.years.iter().find(|entry| entry.year == year)?.amount;
            (!amount.is_zero()).then(|| Approved {
                written_off: written_off.get(&line.line_ref).copied().unwrap_or_default(),
                line_ref: line.line_ref,
                directorate: line.directorate,
                title: line.title,
                baseline: amount,
            })
        })
        .collect();
    Ok((Some(baseline.name), approved))
}

/// One saving's approved figures for `year`, if the latest baseline holds it with an amount that year.
fn approved_one(
    conn: &mut DbConnection,
    year: FinancialYear,
    line: &lines::model::Line,
) -> Result<Option<Approved>, ApiError> {
    let Some(baseline) = budget::repo::list_baselines(conn, None)?.into_iter().next() else {
        return Ok(None);
    };
    let Some(amount) = budget::repo::baseline_amounts(conn, &baseline.name, &line.line_ref)?
        .into_iter()
        .find(|(held, _)| *held == year)
        .map(|(_, amount)| amount)
        .filter(|amount| !amount.is_zero())
    else {
        return Ok(None);
    };
    let written_off = budget::repo::write_offs(conn, Some(&line.line_ref))?
        .iter()
        .flat_map(|write_off| write_off.years.iter())
        .filter(|entry| entry.year == year)
        .map(|entry| entry.amount)
        .sum();
    Ok(Some(Approved {
        line_ref: line.line_ref.clone(),
        directorate: line.directorate.clone(),
        title: line.title.clone(),
        baseline: amount,
        written_off,
    }))
}

/// Where a year's outturn stands, with its latest close or reopening.
pub fn status(
    conn: &mut DbConnection,
    year: FinancialYear,
) -> Result<(OutturnStatus, Option<OutturnClose>), ApiError> {
    let close = repo::find_close(conn, year)?;
    if close
        .as_ref()
        .is_some_and(|close| close.status == OutturnStatus::Closed)
    {
        return Ok((OutturnStatus::Closed, close));
    }
    let p12 = monitoring::repo::find_period(conn, year, last_period())?;
    let status = match p12 {
        Some(period) if period.status == PeriodStatus::Closed => OutturnStatus::Open,
        _ => OutturnStatus::NotDue,
    };
    Ok((status, close))
}

fn last_period() -> Period {
    Period::new(12).expect("P12 is a period")
}

/// 409 unless outturns of the year can be recorded: its P12 closed, the year not closed.
fn require_open(status: OutturnStatus, year: FinancialYear) -> Result<(), ApiError> {
    match status {
        OutturnStatus::Open => Ok(()),
        OutturnStatus::NotDue => Err(ApiError::Conflict(format!(
            "{year}'s P12 is not closed: outturns are recorded once the year's last monitoring period is closed"
        ))),
        OutturnStatus::Closed => Err(ApiError::Conflict(format!(
            "{year}'s outturn is closed: its outturns are read-only until a decision reopens it (POST /api/v1/outturns/{}/reopen)",
            year.path_form()
        ))),
    }
}

/// The last assessment of the year of each saving, by ref.
fn last_assessments(
    conn: &mut DbConnection,
    year: FinancialYear,
) -> Result<HashMap<LineRef, Assessment>, ApiError> {
    let mut last = HashMap::new();
    // In period order: a later period's assessment replaces an earlier one's.
    for assessment in monitoring::repo::assessments_of(conn, year, None)? {
        last.insert(assessment.line_ref.clone(), assessment);
    }
    Ok(last)
}

/// A year's outturn: its status, and each approved saving with its revised budget, the proposal from its last
/// assessment (none when never assessed) and its outturn as recorded.
pub fn year(conn: &mut DbConnection, year: FinancialYear) -> Result<OutturnYear, ApiError> {
    let (status, close) = status(conn, year)?;
    let (baseline, approved) = approved_savings(conn, year)?;
    let last = last_assessments(conn, year)?;
    let mut recorded: BTreeMap<LineRef, Outturn> = repo::of_year(conn, year)?
        .into_iter()
        .map(|outturn| (outturn.line_ref.clone(), outturn))
        .collect();
    let savings: Vec<OutturnSaving> = approved
        .into_iter()
        .map(|saving| {
            let revised_budget = saving.revised_budget();
            let proposal = last
                .get(&saving.line_ref)
                .map(|assessment| proposal::propose(revised_budget, assessment));
            OutturnSaving {
                not_assessed: proposal.is_none(),
                proposal,
                outturn: recorded.remove(&saving.line_ref),
                revised_budget,
                line_ref: saving.line_ref,
                directorate: saving.directorate,
                title: saving.title,
                baseline: saving.baseline,
                written_off: saving.written_off,
            }
        })
        .collect();
    let done = savings.iter().filter(|s| s.outturn.is_some()).count();
    Ok(OutturnYear {
        year,
        status,
        close,
        baseline,
        recorded: done,
        to_record: savings.len() - done,
        savings,
    })
}

/// Records or revises one approved saving's outturn of a year (an approver of its directorate). Answers it,
/// and whether it is new.
pub fn put(
    conn: &mut DbConnection,
    actor: &Actor,
    year: FinancialYear,
    line_ref: &LineRef,
    if_match: Option<i64>,
    request: OutturnRequest,
) -> Result<(Outturn, bool), ApiError> {
    let line = lines::service::find(conn, line_ref)?;
    actor.require_approver_of(&line.directorate)?;
    let (status, _) = status(conn, year)?;
    require_open(status, year)?;
    let existing = repo::find(conn, year, line_ref)?;
    version::check(
        if_match,
        existing.as_ref().map(|e| e.version),
        "this outturn",
    )?;
    let mut errors = FieldErrors::default();
    let approved = if line.kind == LineKind::Saving {
        approved_one(conn, year, &line)?
    } else {
        errors.add(
            "ref",
            format!(
                "{} is growth: only an approved saving has an outturn",
                line.line_ref
            ),
        );
        None
    };
    if line.kind == LineKind::Saving && approved.is_none() {
        errors.add(
            "ref",
            format!(
                "{} has no amount in {year} in the latest baseline: only an approved saving has an outturn",
                line.line_ref
            ),
        );
    }
    let parts = [
        ("delivered", request.delivered),
        ("slipped", request.slipped),
        ("unachieved", request.unachieved),
        ("written_off", request.written_off),
        ("replaced", request.replaced),
    ];
    for (field, amount) in parts {
        if amount.is_negative() {
            errors.add(field, "must be 0.00 or more");
        }
    }
    let sum = parts
        .iter()
        .map(|(_, amount)| *amount)
        .fold(Money::ZERO, |a, b| a + b);
    if let Some(approved) = &approved {
        let revised = approved.revised_budget();
        if sum != revised && parts.iter().all(|(_, amount)| !amount.is_negative()) {
            errors.add(
                "unachieved",
                format!(
                    "delivered + slipped + unachieved + written_off + replaced is {sum}, not {}'s revised budget of {revised} in {year} (so unachieved would be {})",
                    line.line_ref,
                    request.unachieved + revised - sum
                ),
            );
        }
    }
    match (request.slipped.is_zero(), request.slips_to) {
        (false, None) => errors.add(
            "slips_to",
            "name the year the slipped amount is delivered in",
        ),
        (true, Some(_)) => errors.add("slips_to", "only a slipped amount slips to a year"),
        (false, Some(to)) if to <= year => errors.add(
            "slips_to",
            format!("{to} is not after {year}: a slipped amount is delivered in a later year"),
        ),
        _ => {}
    }
    let decision_known = match request.decision_id {
        Some(id) => budget::repo::find_decision(conn, id)?.is_some(),
        None => false,
    };
    match (request.written_off.is_zero(), request.decision_id) {
        (false, None) => errors.add(
            "decision_id",
            "a write-off at outturn needs the recorded decision that writes it off",
        ),
        (true, Some(_)) => errors.add("decision_id", "only an amount written off names a decision"),
        (false, Some(id)) if !decision_known => errors.add(
            "decision_id",
            format!("there is no decision {id}: record it first"),
        ),
        _ => {}
    }
    if let Some(carried) = &request.carried_to {
        check_carried_to(conn, &line, year, carried, request.unachieved, &mut errors)?;
    }
    let note = request
        .note
        .as_deref()
        .map(|note| check_text(note, "note", false, MAX_REASON, &mut errors))
        .filter(|note| !note.is_empty());
    errors.into_result(()).map_err(ApiError::Validation)?;
    let revised_budget = approved.map_or(sum, |approved| approved.revised_budget());
    let outturn = Outturn {
        year,
        line_ref: line.line_ref.clone(),
        directorate: line.directorate.clone(),
        revised_budget,
        delivered: request.delivered,
        slipped: request.slipped,
        slips_to: request.slips_to,
        unachieved: request.unachieved,
        written_off: request.written_off,
        decision_id: request.decision_id,
        replaced: request.replaced,
        carried_to: request.carried_to,
        note,
        recorded_by: actor.name.clone(),
        recorder: actor.person.clone(),
        updated_at: db::time::utc(db::time::now()),
        version: existing.as_ref().map_or(1, |e| e.version + 1),
    };
    if let Some(current) = existing.as_ref().filter(|current| same(current, &outturn)) {
        return Ok((current.clone(), false));
    }
    repo::save(conn, &outturn, existing.is_some())?;
    let key = outturn_key(year, line_ref);
    let change = match &existing {
        None => Change::created(outturn.updated_at, Entity::Outturn, &key, &outturn),
        Some(before) => Change::updated(
            outturn.updated_at,
            Entity::Outturn,
            &key,
            "updated",
            before,
            &outturn,
            None,
        ),
    };
    audit::record(conn, actor, change)?;
    Ok((outturn, existing.is_none()))
}

/// The same outturn, whoever recorded it and when.
fn same(current: &Outturn, new: &Outturn) -> bool {
    Outturn {
        recorded_by: current.recorded_by.clone(),
        recorder: current.recorder.clone(),
        updated_at: current.updated_at,
        version: current.version,
        ..new.clone()
    } == *current
}

/// The growth line an unachieved ongoing saving is carried into: of the same directorate, with an amount in
/// the next year.
fn check_carried_to(
    conn: &mut DbConnection,
    saving: &lines::model::Line,
    year: FinancialYear,
    carried: &LineRef,
    unachieved: Money,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    let field = "carried_to";
    if unachieved.is_zero() || unachieved.is_negative() {
        errors.add(
            field,
            "only an unachieved amount is carried into the next year",
        );
        return Ok(());
    }
    if saving.nature == LineNature::OneOff {
        errors.add(
            field,
            format!(
                "{} is one-off: it leaves no gap in the next year's budget to carry",
                saving.line_ref
            ),
        );
        return Ok(());
    }
    let Some(growth) = lines::repo::find(conn, carried)? else {
        errors.add(field, format!("there is no line {carried}"));
        return Ok(());
    };
    let next = year.next();
    if growth.kind != LineKind::Growth {
        errors.add(field, format!("{carried} is a saving, not a growth line"));
    } else if growth.directorate != saving.directorate {
        errors.add(
            field,
            format!(
                "{carried} is {}'s, not {}'s: a gap is carried into its own directorate's budget",
                growth.directorate, saving.directorate
            ),
        );
    } else if !growth
        .years
        .iter()
        .any(|entry| entry.year == next && !entry.amount.is_zero())
    {
        errors.add(
            field,
            format!("{carried} has no amount in {next}, the year the gap is carried into"),
        );
    }
    Ok(())
}

/// An admin, or an approver of every directorate with an approved saving in the year (all, when none has).
fn require_closer(actor: &Actor, approved: &[Approved]) -> Result<(), ApiError> {
    if actor.role == Role::Admin {
        return Ok(());
    }
    if actor.role != Role::Approver {
        return Err(ApiError::Forbidden(format!(
            "key {} is {} key; closing or reopening a year's outturn needs an approver or admin key",
            actor.name,
            actor.role.with_article()
        )));
    }
    if approved.is_empty() && !actor.directorates.is_empty() {
        return Err(ApiError::Forbidden(format!(
            "key {} is an approver of some directorates; a year without approved savings is closed by an approver of every directorate or an admin",
            actor.name
        )));
    }
    for saving in approved {
        actor.require_approver_of(&saving.directorate)?;
    }
    Ok(())
}

/// Closes a year's outturn by a recorded decision, once every approved saving's outturn is recorded against
/// its revised budget as it is now. Its outturns are read-only afterwards.
pub fn close(
    conn: &mut DbConnection,
    actor: &Actor,
    year: FinancialYear,
    request: CloseOutturn,
) -> Result<OutturnClose, ApiError> {
    let (_, approved) = approved_savings(conn, year)?;
    require_closer(actor, &approved)?;
    let (status, before) = status(conn, year)?;
    require_open(status, year)?;
    let mut errors = FieldErrors::default();
    budget::service::check_decision(conn, request.decision_id, &mut errors)?;
    let reason = request
        .reason
        .as_deref()
        .map(|reason| check_text(reason, "reason", false, MAX_REASON, &mut errors))
        .filter(|reason| !reason.is_empty());
    errors.into_result(()).map_err(ApiError::Validation)?;
    let recorded: HashMap<LineRef, Outturn> = repo::of_year(conn, year)?
        .into_iter()
        .map(|outturn| (outturn.line_ref.clone(), outturn))
        .collect();
    let missing: Vec<String> = approved
        .iter()
        .filter(|saving| !saving.revised_budget().is_zero())
        .filter(|saving| {
            recorded
                .get(&saving.line_ref)
                .is_none_or(|outturn| outturn.revised_budget != saving.revised_budget())
        })
        .map(|saving| saving.line_ref.to_string())
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(20).map(String::as_str).collect();
        return Err(ApiError::Conflict(format!(
            "{} approved saving(s) of {year} have no outturn recorded against their revised budget as it is now: {}{}",
            missing.len(),
            shown.join(", "),
            if missing.len() > shown.len() { ", …" } else { "" }
        )));
    }
    change_close(
        conn,
        actor,
        year,
        before,
        OutturnStatus::Closed,
        request.decision_id,
        reason,
    )
}

/// Reopens a closed year's outturn by a recorded decision, with the reason.
pub fn reopen(
    conn: &mut DbConnection,
    actor: &Actor,
    year: FinancialYear,
    request: ReopenOutturn,
) -> Result<OutturnClose, ApiError> {
    let (_, approved) = approved_savings(conn, year)?;
    require_closer(actor, &approved)?;
    let (status, before) = status(conn, year)?;
    if status != OutturnStatus::Closed {
        return Err(ApiError::Conflict(format!(
            "{year}'s outturn is not closed: there is nothing to reopen"
        )));
    }
    let mut errors = FieldErrors::default();
    if budget::repo::find_decision(conn, request.decision_id)?.is_none() {
        errors.add(
            "decision_id",
            format!(
                "there is no decision {}: reopening a closed year needs the recorded decision that reopens it",
                request.decision_id
            ),
        );
    }
    let reason = check_text(&request.reason, "reason", true, MAX_REASON, &mut errors);
    errors.into_result(()).map_err(ApiError::Validation)?;
    change_close(
        conn,
        actor,
        year,
        before,
        OutturnStatus::Open,
        request.decision_id,
        Some(reason),
    )
}

fn change_close(
    conn: &mut DbConnection,
    actor: &Actor,
    year: FinancialYear,
    before: Option<OutturnClose>,
    status: OutturnStatus,
    decision_id: i64,
    reason: Option<String>,
) -> Result<OutturnClose, ApiError> {
    let close = OutturnClose {
        year,
        status,
        decision_id,
        reason,
        changed_by: actor.name.clone(),
        changed_at: db::time::utc(db::time::now()),
        version: before.as_ref().map_or(1, |b| b.version + 1),
    };
    repo::save_close(conn, &close, before.is_some())?;
    let action = match status {
        OutturnStatus::Closed => "closed",
        _ => "reopened",
    };
    let key = year.to_string();
    let mut change = match &before {
        None => Change::created(close.changed_at, Entity::OutturnYear, &key, &close),
        Some(before) => Change::updated(
            close.changed_at,
            Entity::OutturnYear,
            &key,
            action,
            before,
            &close,
            close.reason.as_deref(),
        ),
    };
    change.action = action.to_owned();
    change.reason = close.reason.clone();
    audit::record(conn, actor, change)?;
    Ok(close)
}

/// A line's outturns: its own (as a saving), and those carried into it (as growth).
pub fn of_line(conn: &mut DbConnection, line_ref: &LineRef) -> Result<LineOutturns, ApiError> {
    let line = lines::service::find(conn, line_ref)?;
    Ok(LineOutturns {
        outturns: repo::of_line(conn, &line.line_ref)?,
        carried_here: repo::carried_to(conn, &line.line_ref)?,
        line_ref: line.line_ref,
    })
}
