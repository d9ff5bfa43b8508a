use std::process::ExitCode;

use clap::Parser;
use mtfs::cli::{Cli, Command};

fn main() -> ExitCode {
    limit_malloc_arenas();
    match mtfs::logging::Format::from_env() {
        Ok(format) => mtfs::logging::init(format),
        Err(problem) => {
            eprintln!("mtfs: {problem}");
            return ExitCode::FAILURE;
        }
    }
    let cli = Cli::parse();
    match mtfs::startup::run(cli.command.unwrap_or(Command::Serve), &cli.settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mtfs: {error}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives each thread that allocates its own heap ("arena"), up to 8 per core; with a blocking pool of
/// many threads, memory freed in one arena is not reused by another, and a burst of big reports left the
/// process at 157 MB instead of 89 MB (bench/run). Two arenas serve two cores as fast.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
