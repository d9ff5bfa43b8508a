use std::process::ExitCode;

use clap::Parser;
use mtfs::cli::{Cli, Command};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match mtfs::startup::run(cli.command.unwrap_or(Command::Serve), &cli.settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mtfs: {error}");
            ExitCode::FAILURE
        }
    }
}
