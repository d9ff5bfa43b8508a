// `mtfs_postgres_tests` is on when `MTFS_TEST_POSTGRES_URL` is set. Only its presence matters here (the tests
// read its value when they run), but cargo reruns this and rebuilds what depends on this crate whenever the
// value changes: this crate is a dev-dependency, so that is the test targets only, never the library or the
// binary (a cfg from the mtfs package's own build.rs would rebuild both as well).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(mtfs_postgres_tests)");
    println!("cargo::rerun-if-env-changed=MTFS_TEST_POSTGRES_URL");
    if std::env::var_os("MTFS_TEST_POSTGRES_URL").is_some() {
        println!("cargo::rustc-cfg=mtfs_postgres_tests");
    }
}
