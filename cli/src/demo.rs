//! `kiln demo` (`make demo`): ingest a few hundred thousand vectors at full speed while the
//! background seals, indexes and merges, with queries running all along; then measure recall@10
//! and QPS of the default search against exact search, and the time from reopen to first answer.
//!
//! The data is the shared dev set (15,000 real 384-d sentence embeddings) repeated with small
//! seeded noise when it is present, else synthetic clustered vectors.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar};
use kiln::{Collection, CollectionConfig, DbOptions, Durability, Event, Metric, SearchOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::bench::{measure, quantile, results_table, Measured};
use crate::commands::{metric_name, segment_table};
use crate::error::{CliError, Context};
use crate::progress::{self, BackgroundBar};
use crate::table::{self, Table};
use crate::vecfile::read_all;
use crate::{CliResult, DemoArgs};

/// Rows ingested by default: enough for dozens of seals, index builds and a few merges, small
/// enough to finish in about three minutes on two cores in the dev profile.
pub const DEFAULT_ROWS: usize = 300_000;
/// Rows per write batch.
const BATCH: usize = 1000;
/// Standard deviation of the per-component noise added to repeated dev-set rows (the rows are
/// unit vectors of 384 components, each about 0.05 in size).
const DEV_NOISE: f32 = 0.01;
/// The repository (the root crate's directory).
const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// The vectors to ingest and the queries to measure with.
struct Workload {
    description: String,
    metric: Metric,
    dim: usize,
    rows: Vec<f32>,
    queries: Vec<f32>,
}

/// Where the dev set is: `$KILN_DEV_SET`, else `<repo>/../shared/data/dev-minilm-15k`.
fn dev_set() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("KILN_DEV_SET").map(PathBuf::from),
        Some(Path::new(REPO).join("../shared/data/dev-minilm-15k")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("base.fvecs").is_file() && p.join("query.fvecs").is_file())
}

/// About-Gaussian noise of standard deviation 1 (sum of three uniforms, rescaled).
fn noise(rng: &mut impl Rng) -> f32 {
    // Each uniform on [-1, 1) has variance 1/3.
    rng.gen_range(-1.0f32..1.0) + rng.gen_range(-1.0f32..1.0) + rng.gen_range(-1.0f32..1.0)
}

fn workload(a: &crate::DemoArgs) -> Result<Workload, CliError> {
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
    let dev = if a.synthetic { None } else { dev_set() };
    if let Some(dir) = dev {
        let dir = dir.canonicalize().unwrap_or(dir);
        let what = || format!("cannot read the dev set in {}", dir.display());
        let (dim, base) = read_all(&dir.join("base.fvecs")).context(what)?;
        let (qdim, mut queries) = read_all(&dir.join("query.fvecs")).context(what)?;
        if qdim != dim || base.is_empty() {
            return Err(CliError::new(what(), "base and query dimensions differ"));
        }
        queries.truncate(a.queries * dim);
        let n_base = base.len() / dim;
        let mut rows = Vec::with_capacity(a.rows * dim);
        for i in 0..a.rows {
            let src = &base[(i % n_base) * dim..][..dim];
            if i < n_base {
                rows.extend_from_slice(src);
            } else {
                rows.extend(src.iter().map(|x| x + DEV_NOISE * noise(&mut rng)));
            }
        }
        return Ok(Workload {
            description: format!(
                "the dev set ({} real {dim}-d sentence embeddings, {}) repeated to {} rows with \
                 seeded noise; its {} held-out queries",
                table::count_usize(n_base),
                dir.display(),
                table::count_usize(a.rows),
                queries.len() / dim
            ),
            metric: Metric::Cosine,
            dim,
            rows,
            queries,
        });
    }
    if a.dim == 0 || a.dim > kiln::MAX_DIMENSION {
        return Err(CliError::new(
            "bad --dim",
            format!("{} is outside 1..={}", a.dim, kiln::MAX_DIMENSION),
        ));
    }
    let dim = a.dim;
    let clusters = 1024;
    let centres: Vec<f32> = (0..clusters * dim)
        .map(|_| rng.gen_range(-1.0f32..1.0))
        .collect();
    let point = |rng: &mut ChaCha8Rng, out: &mut Vec<f32>| {
        let c = rng.gen_range(0..clusters);
        let centre = &centres[c * dim..][..dim];
        out.extend(centre.iter().map(|x| x + 0.6 * noise(rng)));
    };
    let mut rows = Vec::with_capacity(a.rows * dim);
    for _ in 0..a.rows {
        point(&mut rng, &mut rows);
    }
    let mut queries = Vec::with_capacity(a.queries * dim);
    for _ in 0..a.queries {
        point(&mut rng, &mut queries);
    }
    Ok(Workload {
        description: format!(
            "{} synthetic {dim}-d vectors around {clusters} centres (seed {}); {} fresh queries \
             from the same distribution",
            table::count_usize(a.rows),
            a.seed,
            a.queries
        ),
        metric: Metric::L2,
        dim,
        rows,
        queries,
    })
}

/// The demo directory, wiped; refuses to wipe a non-empty directory that is not a Kiln database.
fn prepare_dir(dir: &Path) -> Result<(), CliError> {
    let what = || format!("cannot prepare the demo directory {}", dir.display());
    if dir.exists() {
        let empty = std::fs::read_dir(dir).context(what)?.next().is_none();
        let kiln_db = kiln::Database::exists(dir);
        if !empty && !kiln_db {
            return Err(CliError::new(
                what(),
                "it is not empty and not a Kiln database; the demo wipes its directory, so give \
                 it an empty or new one",
            ));
        }
        std::fs::remove_dir_all(dir).context(what)?;
    }
    std::fs::create_dir_all(dir).context(what)
}

/// Counters shared by the ingest loop, the query thread, the event thread and the display.
#[derive(Default)]
struct Live {
    seals: AtomicU64,
    builds: AtomicU64,
    merges: AtomicU64,
    failures: AtomicU64,
    index_kind: Mutex<String>,
    queries: AtomicU64,
    latencies: Mutex<Vec<Duration>>,
    query_error: Mutex<Option<String>>,
    stop_queries: AtomicBool,
    queries_stopped: Mutex<Option<Instant>>,
    stop_events: AtomicBool,
}

/// Lock a mutex whose holder cannot leave it inconsistent (plain counters and lists).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where progress goes: live bars on a terminal, plain lines every few seconds otherwise.
struct Screen {
    multi: MultiProgress,
    tty: bool,
}

impl Screen {
    fn line(&self, text: &str) {
        if self.tty {
            // A failed write to the terminal only loses a progress line.
            let _ = self.multi.println(text);
        } else {
            println!("{text}");
        }
    }
}

/// Follow background events, log the interesting ones and count them all.
fn follow_events(events: Receiver<Event>, live: &Live, screen: &Screen, start: Instant) {
    loop {
        let event = match events.recv_timeout(Duration::from_millis(100)) {
            Ok(e) => e,
            Err(RecvTimeoutError::Timeout) => {
                if live.stop_events.load(Ordering::Acquire) {
                    return;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let at = format!("{:>6.1}s", start.elapsed().as_secs_f64());
        match event {
            Event::SegmentSealed { segment, rows, .. } => {
                let n = live.seals.fetch_add(1, Ordering::Relaxed) + 1;
                screen.line(&format!(
                    "{at}  seal #{n}: segment {} ({} rows) written to its file",
                    table::segment_id(segment),
                    table::count_usize(rows)
                ));
            }
            Event::IndexBuilt {
                segment,
                kind,
                rows,
                took,
                ..
            } => {
                let n = live.builds.fetch_add(1, Ordering::Relaxed) + 1;
                screen.line(&format!(
                    "{at}  index #{n}: {kind} of segment {} ({} rows) built in {}",
                    table::segment_id(segment),
                    table::count_usize(rows),
                    table::duration(took)
                ));
                *lock(&live.index_kind) = kind;
            }
            Event::MergeFinished {
                inputs,
                output,
                rows,
                took,
                ..
            } => {
                let n = live.merges.fetch_add(1, Ordering::Relaxed) + 1;
                screen.line(&format!(
                    "{at}  merge #{n}: {} segments into {} ({} rows) in {}",
                    inputs.len(),
                    table::segment_id(output),
                    table::count_usize(rows),
                    table::duration(took)
                ));
            }
            Event::JobFailed {
                job,
                error,
                retry_in,
                ..
            } => {
                live.failures.fetch_add(1, Ordering::Relaxed);
                screen.line(&format!(
                    "{at}  background job {job} failed, retrying in {}: {error}",
                    table::duration(retry_in)
                ));
            }
            _ => {}
        }
    }
}

/// Search continuously until told to stop, recording latencies.
fn query_loop(c: &Collection, queries: &[f32], live: &Live) {
    let opts = SearchOptions::new(10);
    let dim = c.dim();
    let n = queries.len() / dim;
    let mut i = 0;
    while !live.stop_queries.load(Ordering::Acquire) && n > 0 {
        let q = &queries[(i % n) * dim..][..dim];
        i += 1;
        let t = Instant::now();
        match c.search(q, &opts) {
            Ok(_) => {
                lock(&live.latencies).push(t.elapsed());
                live.queries.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                *lock(&live.query_error) = Some(e.to_string());
                return;
            }
        }
        // Leave the cores to ingestion and the background most of the time: an application
        // serving queries while it ingests, not a load test.
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// One line about the queries answered so far.
fn query_message(live: &Live, since: Instant) -> String {
    let n = live.queries.load(Ordering::Relaxed);
    let end = lock(&live.queries_stopped).unwrap_or_else(Instant::now);
    let mut lat = lock(&live.latencies).clone();
    lat.sort_unstable();
    format!(
        "{} answered ({} QPS), p50 {}, p99 {}",
        table::count(n),
        table::rate(n as f64 / end.duration_since(since).as_secs_f64().max(1e-9)),
        table::millis(quantile(&lat, 0.5)),
        table::millis(quantile(&lat, 0.99)),
    )
}

/// What the background has done (from events) and is doing now (from stats): two lines.
fn status_lines(c: &Collection, live: &Live) -> (String, String) {
    let s = c.stats();
    let kind = lock(&live.index_kind).clone();
    let done = format!(
        "{} sealed · {} indexes built{} · {} merges done",
        live.seals.load(Ordering::Relaxed),
        live.builds.load(Ordering::Relaxed),
        if kind.is_empty() {
            String::new()
        } else {
            format!(" ({kind})")
        },
        live.merges.load(Ordering::Relaxed),
    );
    let now = format!(
        "now: {} jobs · {} rows to seal or index · {} merges due",
        s.jobs_running,
        table::count_usize(s.rows_pending_indexing + s.rows_pending_seal),
        s.pending_merges,
    );
    (done, now)
}

/// `kiln demo`.
pub fn run(a: &DemoArgs) -> CliResult {
    let total_start = Instant::now();
    if a.rows == 0 {
        return Err(CliError::new("bad --rows", "must be at least 1"));
    }
    let dir = a
        .dir
        .clone()
        .unwrap_or_else(|| Path::new(REPO).join("target").join("kiln-demo"));
    let tty = std::io::stderr().is_terminal();
    let screen = Screen {
        multi: MultiProgress::new(),
        tty,
    };

    println!("Kiln demo: a database in {}", dir.display());
    let t = Instant::now();
    let work = workload(a)?;
    let dim = work.dim;
    let rows = work.rows.len() / dim;
    let nq = work.queries.len() / dim;
    println!("data: {}", work.description);
    println!("      (prepared in {})", table::duration(t.elapsed()));
    prepare_dir(&dir)?;

    let db = crate::commands::open_with(&dir, DbOptions::new().durability(Durability::Buffered))?;
    let c = db
        .create_collection(
            "docs",
            CollectionConfig::new(dim, work.metric).segment_rows(a.segment_rows),
        )
        .context(|| "cannot create the demo collection".into())?;
    println!(
        "collection docs: dimension {dim}, metric {}, index auto, segments of {} rows; \
         Buffered writes in batches of {}, {} background threads",
        metric_name(work.metric),
        table::count(c.config().effective_segment_rows()),
        table::count_usize(BATCH),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    println!();
    println!("Ingesting at full speed; a thread searches all along (k = 10, default search).");

    let live = Live::default();
    let events = db.events();
    let ingest_start = Instant::now();
    let outcome = std::thread::scope(|scope| -> Result<Phases, CliError> {
        scope.spawn(|| follow_events(events, &live, &screen, ingest_start));
        let querier = c.clone();
        let queries = &work.queries;
        let live_ref = &live;
        scope.spawn(move || query_loop(&querier, queries, live_ref));
        let result = ingest_and_index(&c, &work, &live, &screen, ingest_start);
        live.stop_queries.store(true, Ordering::Release);
        *lock(&live.queries_stopped) = Some(Instant::now());
        live.stop_events.store(true, Ordering::Release);
        result
    });
    let phases = outcome?;
    if let Some(e) = lock(&live.query_error).take() {
        return Err(CliError::new("a query during ingestion failed", e));
    }
    let stats = c.stats();
    println!();
    println!(
        "ingested {} rows in {} ({} rows/s); flush made them durable in {}",
        table::count_usize(rows),
        table::duration(phases.ingest),
        table::rate(rows as f64 / phases.ingest.as_secs_f64().max(1e-9)),
        table::duration(phases.flush),
    );
    println!(
        "fully indexed {} after the last write ({} from the first)",
        table::duration(phases.indexed_after_ingest),
        table::duration(phases.indexed_total),
    );
    println!(
        "queries while ingesting and indexing: {}",
        query_message(&live, ingest_start)
    );
    println!();
    segment_table(&stats).print();

    // Exact search first: its answers are the ground truth of the others.
    println!();
    println!(
        "Measuring {nq} queries one at a time against {} rows (k = 10)...",
        table::count_usize(c.len())
    );
    let failed = || "search failed".to_string();
    let warm = nq.min(20) * dim;
    measure(
        &c,
        &work.queries[..warm],
        &SearchOptions::new(10),
        "warm-up",
        None,
    )
    .context(failed)?;
    let (exact, truth) = measure(
        &c,
        &work.queries,
        &SearchOptions::new(10).exact(true),
        "exact",
        None,
    )
    .context(failed)?;
    let (default, _) = measure(
        &c,
        &work.queries,
        &SearchOptions::new(10),
        "default (indexed)",
        Some(&truth),
    )
    .context(failed)?;
    let mut results: Vec<Measured> = vec![default];
    for nprobe in [8usize, 32] {
        let (m, _) = measure(
            &c,
            &work.queries,
            &SearchOptions::new(10).nprobe(nprobe),
            &format!("nprobe {nprobe}"),
            Some(&truth),
        )
        .context(failed)?;
        results.push(m);
    }
    results.push(exact.clone());

    // Reopen: close everything, then time open + collection + first search.
    let first_query = work.queries[..dim].to_vec();
    drop(c);
    drop(db);
    let t = Instant::now();
    let db = crate::commands::open_with(&dir, DbOptions::new())?;
    let c = db
        .collection("docs")
        .context(|| "cannot reopen the demo collection".into())?;
    let hits = c
        .search(&first_query, &SearchOptions::new(10))
        .context(failed)?;
    let reopen = t.elapsed();

    println!();
    results_table(&results, 10).print();
    let speedup = results[0].qps / exact.qps.max(1e-9);
    println!();
    let mut summary = Table::new(&["summary", ""]);
    let mut add = |k: &str, v: String| summary.row(vec![k.to_string(), v]);
    add("rows", format!("{} × {dim}-d", table::count_usize(rows)));
    add(
        "ingest (Buffered, batches of 1,000)",
        format!(
            "{} rows/s ({})",
            table::rate(rows as f64 / phases.ingest.as_secs_f64().max(1e-9)),
            table::duration(phases.ingest)
        ),
    );
    add(
        "fully indexed",
        format!(
            "{} after the last write",
            table::duration(phases.indexed_after_ingest)
        ),
    );
    add(
        "background work",
        format!(
            "{} seals, {} index builds, {} merges, {} failures",
            live.seals.load(Ordering::Relaxed),
            live.builds.load(Ordering::Relaxed),
            live.merges.load(Ordering::Relaxed),
            live.failures.load(Ordering::Relaxed)
        ),
    );
    add(
        "segments at the end",
        format!(
            "{} ({} with an index)",
            stats.segments.len(),
            stats.segments.iter().filter(|s| s.index.is_some()).count()
        ),
    );
    add("queries during ingest", query_message(&live, ingest_start));
    add(
        "default search vs exact",
        format!("recall@10 {:.3}, {speedup:.1}x the QPS", results[0].recall),
    );
    add(
        "reopen to first answer",
        format!(
            "{} ({} hits, top id {})",
            table::duration(reopen),
            hits.len(),
            hits.first().map_or("-".into(), |h| h.id.to_string())
        ),
    );
    add("demo total", table::duration(total_start.elapsed()));
    summary.print();
    println!();
    println!(
        "The database stays in {}; try: kiln stats {} docs",
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// How long the phases took.
struct Phases {
    ingest: Duration,
    flush: Duration,
    indexed_after_ingest: Duration,
    indexed_total: Duration,
}

/// Ingest every row, flush, then wait until fully indexed, while a display thread redraws the
/// live view.
fn ingest_and_index(
    c: &Collection,
    work: &Workload,
    live: &Live,
    screen: &Screen,
    start: Instant,
) -> Result<Phases, CliError> {
    let dim = work.dim;
    let rows = work.rows.len() / dim;
    let ingested = AtomicU64::new(0);
    let phase = Mutex::new("ingesting");
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            display(
                c,
                live,
                screen,
                start,
                rows as u64,
                &ingested,
                &phase,
                &finished,
            )
        });
        let result = (|| {
            let ids: Vec<u64> = (0..rows as u64).collect();
            for (chunk_ids, chunk) in ids.chunks(BATCH).zip(work.rows.chunks(BATCH * dim)) {
                c.insert_batch(chunk_ids, chunk).context(|| {
                    let first = chunk_ids.first().copied().unwrap_or(0);
                    format!("cannot insert rows from id {first}")
                })?;
                ingested.fetch_add(chunk_ids.len() as u64, Ordering::Relaxed);
            }
            let ingest = start.elapsed();
            *lock(&phase) = "flushing: sealing the last rows and syncing";
            let t = Instant::now();
            c.flush().context(|| "flush failed".into())?;
            let flush = t.elapsed();
            *lock(&phase) = "durable; waiting for background indexing and merges";
            c.wait_for_indexing()
                .context(|| "background work failed".into())?;
            let indexed = start.elapsed();
            Ok(Phases {
                ingest,
                flush,
                indexed_after_ingest: indexed.saturating_sub(ingest),
                indexed_total: indexed,
            })
        })();
        finished.store(true, Ordering::Release);
        result
    })
}

/// The live view: bars on a terminal (redrawn every 150 ms), a plain line every 3 s otherwise.
#[allow(clippy::too_many_arguments)]
fn display(
    c: &Collection,
    live: &Live,
    screen: &Screen,
    start: Instant,
    rows: u64,
    ingested: &AtomicU64,
    phase: &Mutex<&'static str>,
    finished: &AtomicBool,
) {
    let line = |template: &str| {
        let bar = screen.multi.add(ProgressBar::new_spinner());
        bar.set_style(progress::style(template));
        bar
    };
    let ingest = screen.multi.add(ProgressBar::new(rows));
    ingest.set_style(progress::style(
        "ingest     [{bar:30}] {human_pos}/{human_len} rows  {msg}",
    ));
    let done = line("background {spinner} {wide_msg}");
    let now = line("             {wide_msg}");
    let queries = line("queries    {spinner} {wide_msg}");
    let mut indexing: Option<BackgroundBar> = None;
    let mut last_plain = Instant::now();
    let mut ingest_done: Option<Duration> = None;
    loop {
        let stop = finished.load(Ordering::Acquire);
        let n = ingested.load(Ordering::Relaxed);
        let elapsed = start.elapsed();
        if n >= rows && ingest_done.is_none() {
            ingest_done = Some(elapsed);
        }
        let rate = n as f64 / ingest_done.unwrap_or(elapsed).as_secs_f64().max(1e-9);
        let (done_text, now_text) = status_lines(c, live);
        let q = query_message(live, start);
        let phase_text = *lock(phase);
        if screen.tty {
            ingest.set_position(n);
            ingest.set_message(match ingest_done {
                None if n == 0 => String::new(),
                None => {
                    let eta = (rows - n) as f64 / rate.max(1.0);
                    format!("{} rows/s  eta {eta:.0} s", table::rate(rate))
                }
                Some(_) => format!("{} rows/s · {phase_text}", table::rate(rate)),
            });
            done.set_message(done_text);
            now.set_message(now_text);
            queries.set_message(q);
            for bar in [&done, &queries] {
                bar.tick();
            }
            if ingest_done.is_some() {
                let bar = indexing.get_or_insert_with(|| {
                    BackgroundBar::wrap(screen.multi.add(ProgressBar::new(1).with_style(
                        progress::style(
                            "indexing   [{bar:30}] {human_pos}/{human_len} waiting rows sealed \
                             and indexed",
                        ),
                    )))
                });
                bar.update(&c.stats());
                bar.bar().set_message("");
            }
        } else if stop || last_plain.elapsed() >= Duration::from_secs(3) {
            last_plain = Instant::now();
            println!(
                "{:>6.1}s  {} rows ingested ({phase_text}) | {done_text} | {now_text} | queries \
                 {q}",
                elapsed.as_secs_f64(),
                table::count(n),
            );
        }
        if stop {
            break;
        }
        std::thread::sleep(progress::POLL);
    }
    ingest.finish();
    for bar in [&done, &now, &queries] {
        bar.finish();
    }
    if let Some(bar) = indexing {
        bar.bar().finish();
    }
}
