//! `kiln import`: stream a vector file (and, with `--attrs`, a JSON-lines file of attributes
//! beside it) into a collection in batches, Buffered, then flush so every row is durable, then
//! follow the background work until the collection is indexed.
//!
//! The attributes file is checked whole before anything is written, so that a bad line or a
//! line count that does not match the vectors leaves the collection unchanged.

use std::process::ExitCode;
use std::time::Instant;

use kiln::{DbOptions, Durability};

use crate::attrs::AttrLines;
use crate::commands::{open_collection, open_existing};
use crate::error::{CliError, Context};
use crate::progress;
use crate::table;
use crate::vecfile::VecFile;
use crate::{CliResult, ImportArgs};

/// `kiln import`.
pub fn run(a: &ImportArgs) -> CliResult {
    let file_what = || format!("cannot import {}", a.file.display());
    let mut file = VecFile::open(&a.file).context(file_what)?;
    let db = open_existing(&a.dir, DbOptions::new().durability(Durability::Buffered))?;
    let c = open_collection(&db, &a.collection)?;
    if file.dim() != c.dim() {
        return Err(CliError::new(
            file_what(),
            format!(
                "the file has vectors of dimension {}, collection {} has dimension {}",
                file.dim(),
                c.name(),
                c.dim()
            ),
        ));
    }
    let rows = a.limit.map_or(file.rows(), |l| l.min(file.rows()));
    if a.start_id.checked_add(rows).is_none() {
        return Err(CliError::new(
            file_what(),
            format!(
                "--start-id {} plus {rows} rows overflows the u64 id space",
                a.start_id
            ),
        ));
    }

    let fields = c.fields();
    let mut attrs = match &a.attrs {
        None => None,
        Some(path) => {
            let lines = AttrLines::check(path, &fields, rows)?;
            // Line i belongs to vector row i: the file has a line per imported vector, or (when
            // --limit imports a prefix) a line per vector of the whole file.
            if lines != rows && !(rows < file.rows() && lines == file.rows()) {
                let vectors = if rows < file.rows() {
                    format!(
                        "the import takes {} of the {} vectors in {} (give {} or {} lines)",
                        table::count(rows),
                        table::count(file.rows()),
                        a.file.display(),
                        table::count(rows),
                        table::count(file.rows())
                    )
                } else {
                    format!(
                        "{} has {} vectors: give one line per vector",
                        a.file.display(),
                        table::count(rows)
                    )
                };
                return Err(CliError::new(
                    format!("cannot import attributes from {}", path.display()),
                    format!("it has {} lines, but {vectors}", table::count(lines)),
                ));
            }
            Some(AttrLines::open(path)?)
        }
    };

    let bar = progress::import_bar(rows);
    let start = Instant::now();
    let mut done = 0u64;
    let mut vectors = Vec::new();
    let mut ids = Vec::new();
    let mut payloads = Vec::new();
    let mut failure = None;
    while done < rows {
        let want = (rows - done).min(a.batch) as usize;
        vectors.clear();
        let n = match file.read_rows(want, &mut vectors) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                failure = Some(CliError::new(file_what(), e));
                break;
            }
        };
        ids.clear();
        ids.extend((0..n as u64).map(|i| a.start_id + done + i));
        let written = if let Some(lines) = &mut attrs {
            payloads.clear();
            if let Err(e) = read_payloads(lines, &fields, n, &mut payloads) {
                failure = Some(e);
                break;
            }
            if a.upsert {
                c.upsert_batch_with(&ids, &vectors, &payloads)
            } else {
                c.insert_batch_with(&ids, &vectors, &payloads)
            }
        } else if a.upsert {
            c.upsert_batch(&ids, &vectors)
        } else {
            c.insert_batch(&ids, &vectors)
        };
        if let Err(e) = written {
            failure = Some(CliError::new(
                format!(
                    "cannot import rows {}..{} of {}",
                    done,
                    done + n as u64,
                    a.file.display()
                ),
                e,
            ));
            break;
        }
        done += n as u64;
        bar.set_position(done);
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("{} rows/s", table::rate(done as f64 / secs)));
    }
    bar.finish_and_clear();
    // Whatever was written is made durable, also when the import stopped on an error.
    let flushed = c.flush();
    let took = start.elapsed();
    if let Some(e) = failure {
        if done > 0 && flushed.is_ok() {
            return Err(e.append(&format!(
                "(the {} rows before it were imported and are durable: ids {}..{})",
                table::count(done),
                a.start_id,
                a.start_id + done
            )));
        }
        return Err(e);
    }
    flushed.context(|| format!("cannot flush collection {}", c.name()))?;
    println!(
        "imported {} rows{} into {} in {} ({} rows/s), ids {}..{}; durable",
        table::count(done),
        if attrs.is_some() {
            " with attributes"
        } else {
            ""
        },
        c.name(),
        table::duration(took),
        table::rate(done as f64 / took.as_secs_f64().max(1e-9)),
        a.start_id,
        a.start_id + done,
    );
    if a.no_wait {
        let s = c.stats();
        println!(
            "not waiting: {} rows still to index; background work resumes when the database is \
             next opened (kiln compact waits for it)",
            table::count_usize(s.rows_pending_indexing + s.rows_pending_seal)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let t = Instant::now();
    let worker = c.clone();
    progress::watch_background(&c, "indexing", move || worker.wait_for_indexing())
        .context(|| format!("background work on {} failed", c.name()))?;
    let s = c.stats();
    println!(
        "fully indexed {} after the import ({} segments, {} live rows; {} seals, {} index \
         builds, {} merges)",
        table::duration(t.elapsed()),
        s.segments.len(),
        table::count_usize(s.rows),
        s.seals_done,
        s.indexes_built,
        s.merges_done
    );
    Ok(ExitCode::SUCCESS)
}

/// The payloads of the next `n` lines of `lines`.
fn read_payloads(
    lines: &mut AttrLines,
    fields: &[kiln::Field],
    n: usize,
    out: &mut Vec<kiln::Payload>,
) -> Result<(), CliError> {
    for _ in 0..n {
        match lines.next_payload(fields)? {
            Some(p) => out.push(p),
            None => return Err(lines.ended_early()),
        }
    }
    Ok(())
}
