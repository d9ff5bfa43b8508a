//! Optimistic concurrency, a rule of every versioned figure: a change that names the version it was made
//! against (`If-Match`) applies only to that version, so two editors never overwrite each other unseen.

/// A change made against a version that is not the current one; nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StaleVersion(String);

/// Checks the version a change was made against (`None`: the change names none) with the current version of
/// `what` (`None`: it does not exist yet).
pub fn check(expected: Option<i64>, current: Option<i64>, what: &str) -> Result<(), StaleVersion> {
    match (expected, current) {
        (Some(wanted), Some(current)) if wanted != current => Err(StaleVersion(format!(
            "{what} is at version {current}, not {wanted}: read it again, then reapply the change"
        ))),
        (Some(_), None) => Err(StaleVersion(format!("there is no {what} yet to match"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_against_the_current_version_or_none_applies() {
        assert_eq!(check(Some(3), Some(3), "line CFE SAV05"), Ok(()));
        assert_eq!(check(None, Some(3), "line CFE SAV05"), Ok(()));
        assert_eq!(check(None, None, "these figures"), Ok(()));
    }

    #[test]
    fn a_stale_or_premature_version_is_refused_with_both_versions_named() {
        assert_eq!(
            check(Some(2), Some(3), "line CFE SAV05")
                .unwrap_err()
                .to_string(),
            "line CFE SAV05 is at version 3, not 2: read it again, then reapply the change"
        );
        assert_eq!(
            check(Some(1), None, "these figures")
                .unwrap_err()
                .to_string(),
            "there is no these figures yet to match"
        );
    }
}
