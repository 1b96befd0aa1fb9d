//! `kiln import`: stream a vector file into a collection in batches, Buffered, then flush so
//! every row is durable, then follow the background work until the collection is indexed.

use std::process::ExitCode;
use std::time::Instant;

use kiln::{DbOptions, Durability};

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

    let bar = progress::import_bar(rows);
    let start = Instant::now();
    let mut done = 0u64;
    let mut vectors = Vec::new();
    let mut ids = Vec::new();
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
        let written = if a.upsert {
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
        "imported {} rows into {} in {} ({} rows/s), ids {}..{}; durable",
        table::count(done),
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
