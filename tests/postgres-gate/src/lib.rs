//! The tests' PostgreSQL half runs where `MTFS_TEST_POSTGRES_URL` is set when they are built (CI sets it);
//! elsewhere each PostgreSQL test is reported as ignored, saying why, instead of passing without running.
//!
//! `postgres_test! { fn name() { … } }` is a `#[test]`, ignored unless the variable is set. The choice is
//! made when this crate is built (build.rs turns on `mtfs_postgres_tests`), so that setting or changing the
//! variable rebuilds the test targets and nothing else.

/// A PostgreSQL test: runs (and fails when PostgreSQL cannot be reached), the variable being set.
#[cfg(mtfs_postgres_tests)]
#[macro_export]
macro_rules! postgres_test {
    ($(#[$meta:meta])* fn $name:ident() $body:block) => {
        #[test]
        $(#[$meta])*
        fn $name() $body
    };
}

/// A PostgreSQL test: ignored, saying why, the variable not being set.
#[cfg(not(mtfs_postgres_tests))]
#[macro_export]
macro_rules! postgres_test {
    ($(#[$meta:meta])* fn $name:ident() $body:block) => {
        #[test]
        #[ignore = "set MTFS_TEST_POSTGRES_URL to run on PostgreSQL"]
        $(#[$meta])*
        fn $name() $body
    };
}

/// Whether the PostgreSQL tests run in this build.
pub const RUNS: bool = cfg!(mtfs_postgres_tests);
