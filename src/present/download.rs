//! A table too big to hold in memory, as a download: written row by row to an anonymous temporary file (CSV, or
//! XLSX in rust_xlsxwriter's constant-memory mode) off the HTTP workers, then streamed from the file in chunks.
//! A few downloads at a time, each within a deadline, so that files waiting on idle clients cannot fill the disk;
//! the file has no name and goes when its last handle closes, even if the process dies.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use rust_xlsxwriter::Workbook;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::table::{write_csv_header, write_csv_row, xlsx_failed, Cell, XlsxRows};
use super::{file_name, TableFormat, CSV, XLSX};
use crate::domain::money::Unit;
use crate::error::ApiError;

/// Downloads being written or read at once, in a process.
const SLOTS: usize = 4;
/// How long a download may take, from its slot being taken; then its file is closed and the answer cut short.
const DEADLINE: Duration = Duration::from_secs(600);
/// How much of the file each read sends.
const CHUNK: usize = 256 * 1024;

/// The download slots of a process.
pub struct Downloads {
    slots: Arc<Semaphore>,
}

impl Default for Downloads {
    fn default() -> Downloads {
        Downloads {
            slots: Arc::new(Semaphore::new(SLOTS)),
        }
    }
}

impl Downloads {
    /// A slot for one more download, or 503 while every slot is taken.
    pub fn slot(&self) -> Result<Slot, ApiError> {
        self.slots
            .clone()
            .try_acquire_owned()
            .map(|permit| Slot { _permit: permit })
            .map_err(|_| {
                ApiError::Unavailable(format!(
                    "{SLOTS} downloads are being prepared or sent: try again in a minute"
                ))
            })
    }
}

/// A taken download slot, given back when the download ends, fails or passes its deadline.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

/// A table being written to its file, row by row.
pub struct TableFile {
    unit: Unit,
    sink: Sink,
}

enum Sink {
    Csv(csv::Writer<File>),
    Xlsx {
        workbook: Box<Workbook>,
        rows: XlsxRows,
    },
}

impl TableFile {
    /// A file in `format` with its header written: for XLSX, a title row first.
    pub fn begin(
        format: TableFormat,
        unit: Unit,
        title: &str,
        columns: &[String],
    ) -> Result<TableFile, ApiError> {
        let sink = match format {
            TableFormat::Csv => {
                let mut writer = csv::Writer::from_writer(temporary_file()?);
                write_csv_header(&mut writer, columns)?;
                Sink::Csv(writer)
            }
            TableFormat::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
                let mut rows = XlsxRows::new(unit);
                let sheet = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_failed)?;
                rows.begin(sheet, title, columns)?;
                Sink::Xlsx { workbook, rows }
            }
        };
        Ok(TableFile { unit, sink })
    }

    pub fn row(&mut self, row: &[Cell]) -> Result<(), ApiError> {
        match &mut self.sink {
            Sink::Csv(writer) => write_csv_row(writer, row, self.unit),
            Sink::Xlsx { workbook, rows } => {
                let sheet = workbook.worksheet_from_index(0).map_err(xlsx_failed)?;
                rows.write(sheet, row)
            }
        }
    }

    /// The finished file, read from its start, and its length.
    pub fn finish(self) -> Result<(File, u64), ApiError> {
        let mut file = match self.sink {
            Sink::Csv(writer) => writer
                .into_inner()
                .map_err(|error| file_failed(error.into_error()))?,
            Sink::Xlsx { mut workbook, .. } => {
                let mut file = temporary_file()?;
                workbook.save_to_writer(&mut file).map_err(xlsx_failed)?;
                file
            }
        };
        let len = file.seek(SeekFrom::End(0)).map_err(file_failed)?;
        file.rewind().map_err(file_failed)?;
        Ok((file, len))
    }
}

fn temporary_file() -> Result<File, ApiError> {
    tempfile::tempfile().map_err(file_failed)
}

fn file_failed(error: io::Error) -> ApiError {
    ApiError::Internal(format!("writing a download's file: {error}"))
}

/// The file as an attachment named after `title`, sent in chunks read off the HTTP workers, holding `slot`
/// until the last chunk is sent, the client goes, or the deadline passes.
pub fn respond(
    slot: Slot,
    (file, len): (File, u64),
    format: TableFormat,
    title: &str,
) -> HttpResponse {
    let (content_type, extension) = match format {
        TableFormat::Csv => (CSV, "csv"),
        TableFormat::Xlsx => (XLSX, "xlsx"),
    };
    let open: Open = Arc::new(Mutex::new(Some((file, slot))));
    close_at_deadline(Arc::downgrade(&open));
    let chunks = futures_util::stream::try_unfold(open, |open| async move {
        let (open, chunk) = web::block(move || {
            let chunk = next_chunk(&open);
            (open, chunk)
        })
        .await
        .map_err(io::Error::other)?;
        let chunk = chunk?;
        Ok::<_, io::Error>((!chunk.is_empty()).then(|| (Bytes::from(chunk), open)))
    });
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.{extension}\"", file_name(title)),
        ))
        .body(SizedStream::new(len, chunks))
}

/// The file being sent and its slot; `None` once sent or past the deadline.
type Open = Arc<Mutex<Option<(File, Slot)>>>;

/// The next chunk of the file, empty at its end (when the file and slot are let go).
fn next_chunk(open: &Open) -> io::Result<Vec<u8>> {
    let mut open = open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some((file, _)) = open.as_mut() else {
        return Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the download passed its deadline",
        ));
    };
    let mut chunk = Vec::with_capacity(CHUNK);
    file.take(CHUNK as u64).read_to_end(&mut chunk)?;
    if chunk.is_empty() {
        *open = None;
    }
    Ok(chunk)
}

/// Closes the file and gives back the slot at the deadline, unless the download has gone by then (it holds the
/// only strong handle).
fn close_at_deadline(open: Weak<Mutex<Option<(File, Slot)>>>) {
    actix_web::rt::spawn(async move {
        actix_web::rt::time::sleep(DEADLINE).await;
        if let Some(open) = open.upgrade() {
            let mut open = open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *open = None;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_past_the_slots_is_refused_until_one_is_given_back() {
        let downloads = Downloads::default();
        let mut taken: Vec<Slot> = (0..SLOTS).map(|_| downloads.slot().unwrap()).collect();
        let refused = downloads.slot().err().expect("no slot left");
        assert!(
            matches!(&refused, ApiError::Unavailable(message) if message.starts_with("4 downloads")),
            "{refused:?}"
        );
        taken.pop();
        assert!(downloads.slot().is_ok());
    }

    #[test]
    fn a_file_is_sent_in_chunks_and_then_let_go() {
        let downloads = Downloads::default();
        let mut file =
            TableFile::begin(TableFormat::Csv, Unit::Pounds, "", &["Ref".to_owned()]).unwrap();
        for n in 0..100_000 {
            file.row(&[Cell::Text(format!("CFE SAV{n:05}"))]).unwrap();
        }
        let (file, len) = file.finish().unwrap();
        assert_eq!(len, 4 + 100_000 * 13);
        let open: Open = Arc::new(Mutex::new(Some((file, downloads.slot().unwrap()))));
        let mut sent = Vec::new();
        loop {
            let chunk = next_chunk(&open).unwrap();
            if chunk.is_empty() {
                break;
            }
            assert!(chunk.len() <= CHUNK);
            sent.extend(chunk);
        }
        assert_eq!(sent.len() as u64, len);
        assert!(sent.starts_with(b"Ref\nCFE SAV00000\n"));
        // At its end the file is closed and every slot is free again.
        assert!(open.lock().unwrap().is_none());
        let all: Vec<Slot> = (0..SLOTS).map(|_| downloads.slot().unwrap()).collect();
        assert_eq!(all.len(), SLOTS);
    }
}
