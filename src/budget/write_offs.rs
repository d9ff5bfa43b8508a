//! Write-offs: an approved saving removed from the budget, all or part of it, by a recorded decision, with the
//! reason and the funding that covers it. Recorded by an approver of the saving's directorate; never changed.
//! The revised budget is the baseline less these; a saving withdrawn without one keeps counting as planned.

use std::collections::BTreeMap;

use super::model::{CreateWriteOff, Funding, FundingSource, WriteOff};
use super::repo::{self, NewWriteOff};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::{self, DbConnection};
use crate::domain::text::{check_text, MAX_REASON};
use crate::domain::{FieldErrors, FinancialYear, LineKind, LineRef, Money};
use crate::error::ApiError;
use crate::lines;
use crate::lines::model::Line;

pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreateWriteOff,
) -> Result<WriteOff, ApiError> {
    let line = lines::repo::find(conn, &request.line_ref)?
        .ok_or_else(|| ApiError::field("ref", format!("there is no line {}", request.line_ref)))?;
    actor.require_approver_of(&line.directorate)?;
    let mut errors = FieldErrors::default();
    let reason = check_text(&request.reason, "reason", true, MAX_REASON, &mut errors);
    if line.kind != LineKind::Saving {
        errors.add(
            "ref",
            format!("{} is growth: only a saving is written off", line.line_ref),
        );
    }
    let baseline = repo::latest_baseline_of(conn, &line.line_ref)?;
    if baseline.is_none() {
        errors.add(
            "ref",
            format!(
                "{} is in no baseline: a saving not yet approved is changed, not written off",
                line.line_ref
            ),
        );
    }
    super::service::check_decision(conn, request.decision_id, &mut errors)?;
    check_funding(conn, &line, &request.funding, "funding", &mut errors)?;
    if request.years.is_empty() {
        errors.add("years", "write off at least one year's amount");
    }
    let left = match &baseline {
        Some(baseline) => left_in(conn, baseline, &line.line_ref)?,
        None => BTreeMap::new(),
    };
    let mut years: Vec<(FinancialYear, Money)> = Vec::with_capacity(request.years.len());
    for (i, entry) in request.years.iter().enumerate() {
        let field = format!("years[{i}].amount");
        if years.iter().any(|(year, _)| *year == entry.year) {
            errors.add(
                format!("years[{i}].year"),
                format!("{} is written off twice", entry.year),
            );
            continue;
        }
        if repo::outturn_closed(conn, entry.year)? {
            errors.add(
                format!("years[{i}].year"),
                format!(
                    "{}'s outturn is closed: nothing of it is written off unless a decision reopens it",
                    entry.year
                ),
            );
            continue;
        }
        if entry.amount.is_negative() || entry.amount.is_zero() {
            errors.add(field, "must be more than 0.00");
            continue;
        }
        let remaining = left.get(&entry.year).copied().unwrap_or_default();
        if baseline.is_some() && entry.amount > remaining {
            errors.add(
                field,
                format!(
                    "{} is more than the {remaining} of {}'s {} saving left to write off in the baseline",
                    entry.amount, line.line_ref, entry.year
                ),
            );
            continue;
        }
        years.push((entry.year, entry.amount));
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    let now = db::time::now();
    let id = repo::insert_write_off(
        conn,
        &NewWriteOff {
            line_ref: &line.line_ref,
            directorate: &line.directorate,
            decision_id: request.decision_id,
            reason: &reason,
            funding_source: request.funding.source,
            funding_ref: request.funding.line_ref.as_ref(),
            recorded_by: &actor.name,
            recorder: &actor.person,
            recorded_at: now,
        },
        &years,
    )?;
    let written = repo::write_offs(conn, Some(&line.line_ref))?
        .into_iter()
        .find(|write_off| write_off.id == id)
        .ok_or_else(|| ApiError::Internal(format!("write-off {id} was not recorded")))?;
    audit::record(
        conn,
        actor,
        Change::created(
            written.recorded_at,
            Entity::WriteOff,
            &id.to_string(),
            &written,
        ),
    )?;
    Ok(written)
}

/// What the baseline holds of a saving for each year, less what is written off already.
pub fn left_in(
    conn: &mut DbConnection,
    baseline: &str,
    line_ref: &LineRef,
) -> Result<BTreeMap<FinancialYear, Money>, ApiError> {
    let mut left: BTreeMap<FinancialYear, Money> =
        repo::baseline_amounts(conn, baseline, line_ref)?
            .into_iter()
            .collect();
    for earlier in repo::write_offs(conn, Some(line_ref))? {
        for year in earlier.years {
            let remaining = left.entry(year.year).or_default();
            *remaining = *remaining - year.amount;
        }
    }
    Ok(left)
}

/// A write-off's funding for `line`: a saving or growth line that covers it is another line of that kind;
/// contingency and reserves name none. Problems are added under `field`.
pub fn check_funding(
    conn: &mut DbConnection,
    line: &Line,
    funding: &Funding,
    field: &str,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    match (funding.source, &funding.line_ref) {
        (FundingSource::Saving | FundingSource::Growth, None) => errors.add(
            format!("{field}.ref"),
            "name the saving or growth line that covers the write-off",
        ),
        (FundingSource::Saving | FundingSource::Growth, Some(funding_ref)) => {
            match lines::repo::find(conn, funding_ref)? {
                None => errors.add(
                    format!("{field}.ref"),
                    format!("there is no line {funding_ref}"),
                ),
                Some(covering) => {
                    let expected = match funding.source {
                        FundingSource::Saving => LineKind::Saving,
                        _ => LineKind::Growth,
                    };
                    if covering.kind != expected || covering.line_ref == line.line_ref {
                        errors.add(
                            format!("{field}.ref"),
                            format!(
                                "{funding_ref} is not another {} line",
                                funding.source.as_str()
                            ),
                        );
                    }
                }
            }
        }
        (_, Some(_)) => errors.add(
            format!("{field}.ref"),
            "only funding from a saving or a growth line names one",
        ),
        (_, None) => {}
    }
    Ok(())
}
