//! What each command does, from settings to a running service.

use std::net::TcpListener;

use crate::app;
use crate::audit;
use crate::auth::{self, Actor};
use crate::cli::{Command, KeysCommand, Settings, UnitArg};
use crate::db::{self, DatabaseUrl, Pool};
use crate::demo;
use crate::domain::money::Unit;
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear};
use crate::error::ApiError;
use crate::imports::{self, api::ImportFile};
use crate::keys;
use crate::lines;
use crate::maintenance;
use crate::returns;
use crate::state::AppState;
use indicatif::{ProgressBar, ProgressStyle};

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
    let chained = db::write_transaction(&mut *pool.get()?, |conn| Ok(audit::seal_unchained(conn)?))
        .map_err(describe)?;
    if chained > 0 {
        log::info!("chained {chained} audit event(s) by hash");
    }
    let rewritten = lines::service::refresh_bodies(&mut *pool.get()?).map_err(describe)?;
    if rewritten > 0 {
        log::info!("wrote the stored JSON of {rewritten} line(s) and kept state(s)");
    }
    Ok(pool)
}

pub fn run(command: Command, settings: &Settings) -> Result<(), StartError> {
    match command {
        Command::Openapi => {
            println!("{}", app::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::Migrate { check: false } => open_database(settings).map(|_| ()),
        Command::Migrate { check: true } => {
            let url = DatabaseUrl::parse(&settings.database_url)?;
            let pool = db::connect(&url, 1)?;
            let pending = db::migrations::pending(&mut *pool.get()?)?;
            if pending.is_empty() {
                println!("up to date: no migration to apply");
            } else {
                for name in &pending {
                    println!("would apply {name}");
                }
            }
            Ok(())
        }
        Command::Verify { head } => {
            let pool = open_database(settings)?;
            let verification = maintenance::verify::verify(&mut *pool.get()?, head.as_deref())
                .map_err(describe)?;
            println!("{verification}");
            if verification.is_sound() {
                Ok(())
            } else {
                Err("the database does not verify".into())
            }
        }
        Command::Backup { path, keep } => {
            let pool = open_database(settings)?;
            let operator = Actor::operator(auth::OPERATOR_CLI);
            let backup = maintenance::backup::backup(&mut *pool.get()?, &operator, &path, keep)?;
            println!(
                "backed up to {} ({} bytes)\n{}",
                backup.path.display(),
                backup.bytes,
                backup.verification
            );
            for pruned in &backup.pruned {
                println!("removed the older backup {}", pruned.display());
            }
            Ok(())
        }
        Command::Restore { path } => {
            let DatabaseUrl::Sqlite { path: target } = DatabaseUrl::parse(&settings.database_url)?
            else {
                return Err(
                    "mtfs restore restores an SQLite database; on PostgreSQL use pg_restore \
                            (see the README), then mtfs verify"
                        .into(),
                );
            };
            let verification = maintenance::backup::restore(&target, &path)?;
            let pool = open_database(settings)?;
            let operator = Actor::operator(auth::OPERATOR_CLI);
            maintenance::backup::record_restore(
                &mut *pool.get()?,
                &operator,
                &path,
                &verification,
            )?;
            println!("restored {} into {target}\n{verification}", path.display());
            Ok(())
        }
        Command::LoadDemo => {
            let pool = open_database(settings)?;
            match demo::load(
                &mut *pool.get()?,
                &Actor::operator(auth::OPERATOR_LOAD_DEMO),
            )? {
                demo::Loaded::Lines(count) => println!("loaded {count} CFE 2021-24 lines"),
                demo::Loaded::AlreadyThere => {
                    println!("the CFE 2021-24 demo data is already loaded")
                }
            }
            Ok(())
        }
        Command::Keys(command) => run_keys(command, settings),
        Command::Import {
            file,
            unit,
            dry_run,
        } => run_import(&file, unit, dry_run, settings),
        Command::ImportReturn {
            file,
            period,
            directorate,
            unit,
            dry_run,
        } => run_import_return(
            &file,
            &period,
            directorate.as_deref(),
            unit,
            dry_run,
            settings,
        ),
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
            actix_web::rt::System::new().block_on(async move {
                app::serve(AppState::new(pool), listener, workers)?.await
            })?;
            Ok(())
        }
    }
}

fn run_keys(command: KeysCommand, settings: &Settings) -> Result<(), StartError> {
    let pool = open_database(settings)?;
    let conn = &mut *pool.get()?;
    let operator = Actor::operator(auth::OPERATOR_CLI);
    match command {
        KeysCommand::Create {
            name,
            person,
            role,
            directorates,
        } => {
            let directorates = directorates
                .iter()
                .map(|code| DirectorateCode::parse_lenient(code))
                .collect::<Result<Vec<_>, _>>()?;
            let created = db::write_transaction(conn, |conn| {
                keys::service::create(
                    conn,
                    &operator,
                    name.as_deref(),
                    person.as_deref(),
                    role,
                    &directorates,
                )
            })
            .map_err(describe)?;
            println!("{}", created.token);
            eprintln!(
                "created key {} ({}); the token above is shown only this once",
                created.key.name,
                created.key.role.as_str()
            );
        }
        KeysCommand::List => {
            for key in keys::service::list(conn)? {
                let scope = if key.directorates.is_empty() {
                    "all".to_owned()
                } else {
                    key.directorates
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                let state = key
                    .revoked_at
                    .map_or("active".to_owned(), |at| format!("revoked {at}"));
                println!("{}\t{}\t{scope}\t{state}", key.name, key.role.as_str());
            }
        }
        KeysCommand::Revoke { name } => {
            db::write_transaction(conn, |conn| keys::service::revoke(conn, &operator, &name))
                .map_err(describe)?;
            println!("revoked key {name}");
        }
    }
    Ok(())
}

/// An API error as a command-line message: the detail and every field at fault.
fn describe(error: ApiError) -> StartError {
    let problem = error.problem();
    let fields: Vec<String> = problem
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    if fields.is_empty() {
        problem.detail.into()
    } else {
        fields.join("; ").into()
    }
}

/// `mtfs import-return`: the return read and checked, then applied in one write transaction as the operator
/// `import`, a bar counting the rows applied.
fn run_import_return(
    file: &std::path::Path,
    period: &[String],
    directorate: Option<&str>,
    unit: UnitArg,
    dry_run: bool,
    settings: &Settings,
) -> Result<(), StartError> {
    let bytes =
        std::fs::read(file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let xlsx = file
        .extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"));
    let return_file = || {
        if xlsx {
            returns::read::ReturnFile::Xlsx(&bytes)
        } else {
            returns::read::ReturnFile::Csv(&bytes)
        }
    };
    let [year, month] = period else {
        return Err("--period takes a year and a period, e.g. --period 2021/22 P4".into());
    };
    let year = FinancialYear::parse(year).map_err(|error| format!("--period: {error}"))?;
    let month = Period::parse(month).map_err(|error| format!("--period: {error}"))?;
    let directorate = match directorate {
        Some(code) => DirectorateCode::parse_lenient(code)
            .map_err(|error| format!("--directorate: {error}"))?,
        None => returns::read::directorate_named(return_file())
            .ok_or("the file names no directorate: give it with --directorate")?,
    };
    let expected = returns::read::Expected {
        directorate: directorate.clone(),
        year,
        period: month,
        unit: match unit {
            UnitArg::Pounds => Unit::Pounds,
            UnitArg::Thousands => Unit::Thousands,
        },
    };
    let lines = returns::read::rows(return_file(), &expected).map_err(describe)?;
    let pool = open_database(settings)?;
    let conn = &mut *pool.get()?;
    let bar = ProgressBar::new(lines.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows applied ({eta} left)")
            .expect("a valid template"),
    );
    let operator = Actor::operator(auth::OPERATOR_IMPORT);
    let report = db::write_transaction(conn, |conn| {
        let apply = |conn: &mut db::DbConnection| {
            returns::service::apply(
                conn,
                &operator,
                &directorate,
                (year, month),
                &lines,
                &|done| bar.set_position(done as u64),
            )
        };
        if dry_run {
            db::undone(conn, apply)
        } else {
            let report = apply(conn)?;
            let at = (year, month);
            returns::service::record_receipt(
                conn,
                &operator,
                &directorate,
                at,
                lines.len(),
                &report,
            )?;
            Ok(report)
        }
    });
    bar.finish_and_clear();
    let report = report.map_err(describe)?;
    let verb = if dry_run {
        "checked (dry run, nothing written)"
    } else {
        "imported"
    };
    println!(
        "{verb}: the {directorate} return for {year} {month}: {} created, {} revised, {} unchanged, {} not assessed",
        report.created.len(),
        report.revised.len(),
        report.unchanged.len(),
        report.not_assessed.len()
    );
    Ok(())
}

fn run_import(
    file: &std::path::Path,
    unit: UnitArg,
    dry_run: bool,
    settings: &Settings,
) -> Result<(), StartError> {
    let bytes =
        std::fs::read(file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let extension = file
        .extension()
        .and_then(|ext| ext.to_str())
        .map(str::to_ascii_lowercase);
    let file_kind = match extension.as_deref() {
        Some("json") => ImportFile::Json(bytes.into()),
        Some("xlsx") => ImportFile::Xlsx(bytes.into()),
        _ => ImportFile::Csv(bytes.into()),
    };
    let rows = file_kind.rows().map_err(describe)?;
    let unit = match unit {
        UnitArg::Pounds => Unit::Pounds,
        UnitArg::Thousands => Unit::Thousands,
    };
    let pool = open_database(settings)?;
    let conn = &mut *pool.get()?;
    let bar = ProgressBar::new(rows.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows checked ({eta} left)")
            .expect("a valid template"),
    );
    let report = db::write_transaction(conn, |conn| {
        imports::import_lines(
            conn,
            &Actor::operator(auth::OPERATOR_IMPORT),
            &rows,
            unit,
            dry_run,
            &|done| bar.set_position(done as u64),
        )
    });
    bar.finish_and_clear();
    let report = report.map_err(describe)?;
    for warning in &report.warnings {
        eprintln!(
            "warning: row {} {}: {}",
            warning.row,
            warning.column.as_deref().unwrap_or(""),
            warning.message
        );
    }
    let verb = if report.applied {
        "imported"
    } else {
        "checked (dry run, nothing written)"
    };
    println!(
        "{verb}: {} created, {} updated, {} unchanged, {} warnings",
        report.created.len(),
        report.updated.len(),
        report.unchanged.len(),
        report.warnings.len()
    );
    Ok(())
}
