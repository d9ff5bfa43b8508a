// Embedded migrations must be rebuilt when only a migration file changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
