//! What each command does, from settings to a running service.

use std::net::TcpListener;

use crate::app::{self, AppState};
use crate::cli::{Command, Settings};
use crate::db::{self, DatabaseUrl, Pool};
use crate::demo;

pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Connects and applies pending migrations, so every command starts on an up-to-date schema.
pub fn open_database(settings: &Settings) -> Result<Pool, StartError> {
    let url = DatabaseUrl::parse(&settings.database_url)?;
    let pool = db::connect(&url, settings.pool_size)?;
    let applied = db::migrations::run_pending(&mut *pool.get()?)?;
    if applied > 0 {
        log::info!(
            "applied {applied} migration(s) to the {} database",
            url.backend_name()
        );
    }
    Ok(pool)
}

pub fn run(command: Command, settings: &Settings) -> Result<(), StartError> {
    match command {
        Command::Openapi => {
            println!("{}", app::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::Migrate => open_database(settings).map(|_| ()),
        Command::LoadDemo => {
            let pool = open_database(settings)?;
            match demo::load(&mut *pool.get()?)? {
                demo::Loaded::Lines(count) => println!("loaded {count} CFE 2021-24 lines"),
                demo::Loaded::AlreadyThere => {
                    println!("the CFE 2021-24 demo data is already loaded")
                }
            }
            Ok(())
        }
        Command::Serve => {
            let pool = open_database(settings)?;
            let listener = TcpListener::bind(&settings.bind)
                .map_err(|error| format!("cannot listen on {}: {error}", settings.bind))?;
            let workers = settings
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
            log::info!(
                "serving on http://{} (docs at /docs)",
                listener.local_addr()?
            );
            actix_web::rt::System::new()
                .block_on(async move { app::serve(AppState { pool }, listener, workers)?.await })?;
            Ok(())
        }
    }
}
