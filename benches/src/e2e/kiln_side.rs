//! Kiln's side: ingest (Sync and Buffered), time from first insert to fully indexed with
//! segments sampled over time, then in a fresh process cold open, QPS at nprobe points, and the
//! same while a writer ingests at full speed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use kiln::{
    Collection, CollectionConfig, CollectionStats, Database, DbOptions, Durability, Event,
    SearchOptions, SegmentState,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::data::{distance, prepared, Dataset, Truth, K};
use super::sys::{self, Trace};
use super::{ladder, pass, secs, Job, Point};

/// The collection's name in every benchmark database.
pub const COLLECTION: &str = "bench";
/// Rows per insert_batch.
pub const BATCH: usize = 1_000;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn options(job: &Job, durability: Durability) -> DbOptions {
    DbOptions::new()
        .durability(durability)
        .compaction_threads(job.compaction_threads)
        .thread_budget(job.threads)
}

/// The short Sync measure: `sync_rows` rows in batches of 1,000, every batch fsynced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncIngest {
    pub rows: usize,
    pub seconds: f64,
    pub rows_per_s: f64,
}

pub fn sync_ingest(job: &Job) -> Res<SyncIngest> {
    let ds = Dataset::open(&job.data)?;
    let db = Database::open_with(&job.target, options(job, Durability::Sync))?;
    let c = db.create_collection(
        COLLECTION,
        CollectionConfig::new(ds.meta.dim, ds.meta.metric),
    )?;
    let rows = job.sync_rows.min(ds.meta.rows);
    let mut stream = ds.stream_base(BATCH)?;
    let mut next = 0u64;
    let start = Instant::now();
    while (next as usize) < rows {
        let Some(batch) = stream.next_batch()? else {
            break;
        };
        let n = (batch.len() / ds.meta.dim) as u64;
        let ids: Vec<u64> = (next..next + n).collect();
        c.insert_batch(&ids, batch)?;
        next += n;
    }
    let seconds = secs(start);
    drop(c);
    drop(db);
    Ok(SyncIngest {
        rows: next as usize,
        seconds,
        rows_per_s: next as f64 / seconds,
    })
}

/// `stats()` sampled every 0.5 s while building.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sample {
    pub t: f64,
    /// Rows acknowledged by the writer so far.
    pub written: u64,
    pub live_rows: usize,
    pub growing: usize,
    pub frozen: usize,
    pub sealed: usize,
    pub indexed: usize,
    pub rows_pending_seal: usize,
    pub rows_pending_indexing: usize,
    pub pending_merges: usize,
    pub jobs_running: usize,
    pub seals_done: u64,
    pub indexes_built: u64,
    pub indexes_merged: u64,
    pub merges_done: u64,
    pub writes_stalled: u64,
    pub writes_throttled: u64,
    /// Rows (deleted ones included) in segments a query scans exactly: growing, frozen, and
    /// sealed segments without an index.
    pub exact_rows: usize,
    /// Rows in indexed segments.
    pub indexed_rows: usize,
    pub deleted_rows: usize,
}

fn sample(t: f64, written: u64, s: &CollectionStats) -> Sample {
    let count = |st: SegmentState| s.segments.iter().filter(|x| x.state == st).count();
    Sample {
        t,
        written,
        live_rows: s.rows,
        growing: count(SegmentState::Growing),
        frozen: count(SegmentState::Frozen),
        sealed: count(SegmentState::Sealed),
        indexed: s.segments.iter().filter(|x| x.index.is_some()).count(),
        rows_pending_seal: s.rows_pending_seal,
        rows_pending_indexing: s.rows_pending_indexing,
        pending_merges: s.pending_merges,
        jobs_running: s.jobs_running,
        seals_done: s.seals_done,
        indexes_built: s.indexes_built,
        indexes_merged: s.indexes_merged,
        merges_done: s.merges_done,
        writes_stalled: s.writes_stalled,
        writes_throttled: s.writes_throttled,
        exact_rows: s
            .segments
            .iter()
            .filter(|x| x.index.is_none())
            .map(|x| x.rows)
            .sum(),
        indexed_rows: s
            .segments
            .iter()
            .filter(|x| x.index.is_some())
            .map(|x| x.rows)
            .sum(),
        deleted_rows: s.deleted_rows,
    }
}

/// A background event, with its time since the first insert.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimedEvent {
    pub t: f64,
    pub kind: String,
    pub segment: u64,
    pub rows: usize,
    pub took_s: f64,
    pub detail: String,
}

fn timed(t: f64, e: Event) -> Option<TimedEvent> {
    Some(match e {
        Event::SegmentSealed { segment, rows, .. } => TimedEvent {
            t,
            kind: "sealed".into(),
            segment,
            rows,
            took_s: 0.0,
            detail: String::new(),
        },
        Event::IndexBuilt {
            segment,
            kind,
            rows,
            took,
            ..
        } => TimedEvent {
            t,
            kind: "index built".into(),
            segment,
            rows,
            took_s: took.as_secs_f64(),
            detail: kind,
        },
        Event::MergeFinished {
            inputs,
            output,
            rows,
            took,
            ..
        } => TimedEvent {
            t,
            kind: "merged".into(),
            segment: output,
            rows,
            took_s: took.as_secs_f64(),
            detail: format!("{} inputs", inputs.len()),
        },
        Event::JobFailed { job, error, .. } => TimedEvent {
            t,
            kind: "job failed".into(),
            segment: 0,
            rows: 0,
            took_s: 0.0,
            detail: format!("{job}: {error}"),
        },
        _ => return None,
    })
}

/// A segment at the end of the build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinalSegment {
    pub id: u64,
    pub state: String,
    pub rows: usize,
    pub bytes: u64,
    pub index: Option<String>,
}

/// Kiln's build: Buffered ingest at full speed, then flush and wait until fully indexed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KilnBuild {
    pub compaction_threads: usize,
    pub thread_budget: usize,
    pub rows: usize,
    /// First insert to the last insert_batch returning.
    pub ingest_s: f64,
    pub ingest_rows_per_s: f64,
    /// First insert to flush() returning (every row durable).
    pub flushed_s: f64,
    /// First insert to wait_for_indexing() returning: the headline build time.
    pub indexed_s: f64,
    pub close_s: f64,
    pub rss_start: u64,
    pub peak_rss: u64,
    pub write_bytes: u64,
    pub samples: Vec<Sample>,
    pub events: Vec<TimedEvent>,
    pub trace: Trace,
    pub final_segments: Vec<FinalSegment>,
    pub final_stats: Option<Sample>,
}

impl KilnBuild {
    /// The index kind of the largest indexed segment.
    pub fn main_index_kind(&self) -> Option<String> {
        self.final_segments
            .iter()
            .filter(|s| s.index.is_some())
            .max_by_key(|s| s.rows)
            .and_then(|s| s.index.clone())
    }
}

pub fn build(job: &Job, recorder: &sys::SpanRecorder) -> Res<KilnBuild> {
    let ds = Dataset::open(&job.data)?;
    let rss_start = sys::rss();
    let written0 = sys::write_bytes();
    let db = Database::open_with(&job.target, options(job, Durability::Buffered))?;
    let c = db.create_collection(
        COLLECTION,
        CollectionConfig::new(ds.meta.dim, ds.meta.metric),
    )?;
    let events: Receiver<Event> = c.events();
    let written = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let mut out = KilnBuild {
        compaction_threads: job.compaction_threads,
        thread_budget: job.threads,
        rows: ds.meta.rows,
        rss_start,
        ..KilnBuild::default()
    };
    let (cr, wr, dr) = (&c, &written, &done);
    let (samples, evs, events) = std::thread::scope(
        |s| -> Res<(Vec<Sample>, Vec<TimedEvent>, Receiver<Event>)> {
            let sampler = s.spawn(move || {
                let (c, written, done) = (cr, wr, dr);
                let mut v = Vec::new();
                let mut evs = Vec::new();
                loop {
                    let t = secs(start);
                    v.push(sample(t, written.load(Ordering::Relaxed), &c.stats()));
                    while let Ok(e) = events.try_recv() {
                        evs.extend(timed(secs(start), e));
                    }
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    let next = Duration::from_millis(500 * v.len() as u64);
                    std::thread::sleep(next.saturating_sub(start.elapsed()));
                }
                (v, evs, events)
            });
            let result = (|| -> Res<()> {
                let mut stream = ds.stream_base(BATCH)?;
                let mut next = 0u64;
                while let Some(batch) = stream.next_batch()? {
                    let n = (batch.len() / ds.meta.dim) as u64;
                    let ids: Vec<u64> = (next..next + n).collect();
                    c.insert_batch(&ids, batch)?;
                    next += n;
                    written.store(next, Ordering::Relaxed);
                }
                out.ingest_s = secs(start);
                c.flush()?;
                out.flushed_s = secs(start);
                c.wait_for_indexing()?;
                out.indexed_s = secs(start);
                Ok(())
            })();
            done.store(true, Ordering::Relaxed);
            let joined = sampler.join().map_err(|_| "sampler panicked")?;
            result?;
            Ok(joined)
        },
    )?;
    // Events still queued.
    let mut evs = evs;
    while let Ok(e) = events.try_recv() {
        evs.extend(timed(secs(start), e));
    }
    out.ingest_rows_per_s = ds.meta.rows as f64 / out.ingest_s;
    out.samples = samples;
    out.events = evs;
    let st = c.stats();
    out.final_stats = Some(sample(secs(start), ds.meta.rows as u64, &st));
    out.final_segments = st
        .segments
        .iter()
        .map(|s| FinalSegment {
            id: s.id,
            state: format!("{:?}", s.state),
            rows: s.rows,
            bytes: s.bytes,
            index: s.index.clone(),
        })
        .collect();
    let closing = Instant::now();
    drop(c);
    drop(db);
    out.close_s = secs(closing);
    out.trace = recorder.trace();
    out.peak_rss = sys::peak_rss();
    out.write_bytes = sys::write_bytes().saturating_sub(written0);
    eprintln!(
        "    kiln build: ingest {:.1}s ({:.0} rows/s), flushed {:.1}s, fully indexed {:.1}s, {} segments",
        out.ingest_s,
        out.ingest_rows_per_s,
        out.flushed_s,
        out.indexed_s,
        out.final_segments.len()
    );
    Ok(out)
}

/// Searches while a writer ingests at full speed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ingesting {
    pub points: Vec<Point>,
    pub rows_at_start: usize,
    pub rows_at_end: usize,
    pub rows_added: u64,
    pub seconds: f64,
    pub rows_per_s: f64,
    pub stats_at_start: Option<Sample>,
    pub stats_at_end: Option<Sample>,
    /// `stats()` every 0.5 s during the phase.
    pub samples: Vec<Sample>,
    /// How recall is counted while rows arrive (see `live_recall`).
    pub recall_note: String,
}

/// Kiln's query-side figures (a fresh process).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KilnQuery {
    pub evicted_bytes: u64,
    pub cached_after_evict: u64,
    /// Database::open_with + collection() + one search, cold page cache (median of the runs;
    /// the parts are those of the median run).
    pub cold_open_ms: f64,
    pub cold_open_runs_ms: Vec<f64>,
    pub open_ms: f64,
    pub collection_ms: f64,
    pub first_search_ms: f64,
    pub query_threads: usize,
    pub idle: Vec<Point>,
    pub idle_default: Point,
    pub idle_exact: Point,
    pub qt1: Vec<Point>,
    pub qt1_default: Point,
    pub qt1_exact: Point,
    /// Where one query's time goes, at `breakdown_nprobe`: each segment searched alone.
    pub breakdown_nprobe: Option<usize>,
    pub breakdown: Vec<SegmentCost>,
    pub ingesting: Ingesting,
}

/// Mean time of one query on one segment alone (one thread).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SegmentCost {
    pub id: u64,
    pub rows: usize,
    pub indexed: bool,
    pub us_per_query: f64,
}

/// Each segment of the current snapshot searched alone, every query, at `nprobe`.
fn breakdown(c: &Collection, queries: &[f32], dim: usize, nprobe: usize) -> Vec<SegmentCost> {
    let metric = c.config().metric();
    let qs: Vec<Vec<f32>> = queries
        .chunks_exact(dim)
        .map(|q| prepared(metric, q))
        .collect();
    let options = kiln::SearchOptions::new(K).nprobe(nprobe);
    c.stats()
        .segments
        .iter()
        .filter(|s| s.rows > s.deleted)
        .map(|s| {
            let search = |q: &[f32]| c.search_segment(s.id, q, &options).expect("segment search");
            for q in qs.iter().take(10) {
                std::hint::black_box(search(q));
            }
            let t = Instant::now();
            for q in &qs {
                std::hint::black_box(search(q));
            }
            SegmentCost {
                id: s.id,
                rows: s.rows,
                indexed: s.index.is_some(),
                us_per_query: secs(t) * 1e6 / qs.len().max(1) as f64,
            }
        })
        .collect()
}

fn ids(hits: &[kiln::Hit]) -> Vec<u64> {
    hits.iter().map(|h| h.id).collect()
}

fn kiln_pass(
    c: &Collection,
    queries: &[f32],
    dim: usize,
    truth: &[Truth],
    nprobe: Option<usize>,
    exact: bool,
) -> Point {
    let mut opts = SearchOptions::new(K).exact(exact);
    if let Some(n) = nprobe {
        opts = opts.nprobe(n);
    }
    pass(queries, dim, truth, nprobe, exact, |q| {
        ids(&c.search(q, &opts).expect("search"))
    })
}

/// The idle figures of one open database: nprobe ladder, default, exact.
fn idle_figures(
    c: &Collection,
    queries: &[f32],
    dim: usize,
    truth: &[Truth],
    points: Option<&[usize]>,
    cap: usize,
) -> (Vec<Point>, Point, Point) {
    // Warm-up: one untimed pass at the default setting.
    let _ = kiln_pass(c, queries, dim, truth, None, false);
    let ladder_points = match points {
        Some(ps) => ps
            .iter()
            .map(|&n| {
                let p = kiln_pass(c, queries, dim, truth, Some(n), false);
                eprintln!(
                    "    {:>12}: recall {:.4}  {:>8.0} QPS",
                    p.setting, p.recall, p.qps
                );
                p
            })
            .collect(),
        None => ladder(cap, |n| kiln_pass(c, queries, dim, truth, Some(n), false)),
    };
    let default = kiln_pass(c, queries, dim, truth, None, false);
    let nq_warm = (truth.len() / 10).max(1);
    let _ = kiln_pass(
        c,
        &queries[..nq_warm * dim],
        dim,
        &truth[..nq_warm],
        None,
        true,
    );
    let exact = kiln_pass(c, queries, dim, truth, None, true);
    eprintln!(
        "    default: recall {:.4} {:.0} QPS; exact: recall {:.4} {:.0} QPS",
        default.recall, default.qps, exact.recall, exact.qps
    );
    (ladder_points, default, exact)
}

pub fn query(job: &Job) -> Res<KilnQuery> {
    let ds = Dataset::open(&job.data)?;
    let dim = ds.meta.dim;
    let queries = ds.queries()?;
    let truth = ds.truth()?;
    let mut out = KilnQuery::default();
    let opts = options(job, Durability::Buffered);

    // Cold open to first answer: the median of COLD_OPENS runs, each after evicting the
    // database's files from the page cache.
    let mut runs = Vec::new();
    for _ in 0..super::COLD_OPENS {
        out.evicted_bytes = sys::evict(&job.target);
        out.cached_after_evict = sys::cached_bytes(&job.target);
        let t0 = Instant::now();
        let db = Database::open_with(&job.target, opts.clone())?;
        let t1 = Instant::now();
        let c = db.collection(COLLECTION)?;
        let t2 = Instant::now();
        let first = c.search(&queries[..dim], &SearchOptions::new(K))?;
        let t3 = Instant::now();
        assert!(!first.is_empty());
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        runs.push((ms(t0, t3), ms(t0, t1), ms(t1, t2), ms(t2, t3)));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = runs[runs.len() / 2];
    out.cold_open_runs_ms = runs.iter().map(|r| r.0).collect();
    (
        out.cold_open_ms,
        out.open_ms,
        out.collection_ms,
        out.first_search_ms,
    ) = median;
    let db = Database::open_with(&job.target, opts.clone())?;
    let c = db.collection(COLLECTION)?;
    out.query_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!(
        "    kiln cold open {:.1} ms (open {:.1}, collection {:.1}, first search {:.1}); {} MB evicted, {} MB still cached",
        out.cold_open_ms,
        out.open_ms,
        out.collection_ms,
        out.first_search_ms,
        out.evicted_bytes >> 20,
        out.cached_after_evict >> 20
    );

    // Idle, default query threads.
    sys::read_all(&job.target);
    let (l, d, e) = idle_figures(&c, &queries, dim, &truth, None, job.ladder_cap);
    (out.idle, out.idle_default, out.idle_exact) = (l, d, e);
    out.breakdown_nprobe = super::best_at(&out.idle, super::TARGETS[0]).and_then(|p| p.nprobe);
    if let Some(n) = out.breakdown_nprobe {
        out.breakdown = breakdown(&c, &queries, dim, n);
    }
    drop(c);
    drop(db);

    // Idle, one query thread (no fan-out across segments): like-for-like with one Faiss thread.
    {
        let db = Database::open_with(&job.target, opts.clone().query_threads(1))?;
        let c = db.collection(COLLECTION)?;
        let points: Vec<usize> = out.idle.iter().filter_map(|p| p.nprobe).collect();
        eprintln!("    query_threads 1:");
        let (l, d, e) = idle_figures(&c, &queries, dim, &truth, Some(&points), job.ladder_cap);
        (out.qt1, out.qt1_default, out.qt1_exact) = (l, d, e);
    }

    // While a writer ingests at full speed.
    let db = Database::open_with(&job.target, opts)?;
    let c = db.collection(COLLECTION)?;
    // The smallest idle nprobe reaching each of these recalls.
    let mut points = Vec::new();
    for target in [0.90, 0.95, 0.99] {
        if let Some(n) = out
            .idle
            .iter()
            .find(|p| p.recall >= target)
            .and_then(|p| p.nprobe)
        {
            if !points.contains(&n) {
                points.push(n);
            }
        }
    }
    out.ingesting = while_ingesting(&ds, &c, &queries, &truth, &points)?;
    Ok(out)
}

/// One query's answer while rows arrive: the writer's acknowledged rows before it started
/// (surely visible) and the rows it had submitted when it ended (possibly visible).
struct LiveAnswer {
    before: u64,
    upper: u64,
    ids: Vec<u64>,
}

fn while_ingesting(
    ds: &Dataset,
    c: &Collection,
    queries: &[f32],
    truth: &[Truth],
    points: &[usize],
) -> Res<Ingesting> {
    let dim = ds.meta.dim;
    let base_rows = ds.meta.rows as u64;
    let pool = ds.pool()?;
    let pool_rows = pool.len() / dim;
    let acked = AtomicU64::new(0);
    let submitted = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let mut out = Ingesting {
        rows_at_start: c.len(),
        stats_at_start: Some(sample(0.0, 0, &c.stats())),
        recall_note: "the writer upserts pool vectors (new ids on its first pass over the pool, then the same ids and vectors again); recall@10 against the exact top-10 of base rows plus the pool rows acknowledged before the query started; a returned row counts when it is no farther than that top-10's 10th distance (pool rows submitted before the query ended may count)".into(),
        ..Ingesting::default()
    };
    let mut settings: Vec<(Option<usize>, bool)> =
        points.iter().map(|&n| (Some(n), false)).collect();
    settings.push((None, false));
    settings.push((None, true));
    let mut answers: Vec<Vec<LiveAnswer>> = Vec::new();
    let mut timing: Vec<Point> = Vec::new();
    let start = Instant::now();
    let mut samples = Vec::new();
    let writer_result = std::thread::scope(|s| -> Res<()> {
        let writer = s.spawn(|| -> Result<(), kiln::Error> {
            let mut buf = vec![0f32; BATCH * dim];
            let mut off = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let n = BATCH as u64;
                let mut ids = Vec::with_capacity(BATCH);
                for i in 0..BATCH {
                    let j = ((off as usize) + i) % pool_rows;
                    buf[i * dim..(i + 1) * dim].copy_from_slice(&pool[j * dim..(j + 1) * dim]);
                    ids.push(base_rows + j as u64);
                }
                submitted.store(off + n, Ordering::SeqCst);
                // New ids on the first pass over the pool, then the same ids again with the
                // same vectors: every write is a full write (log, seal, index, and a delete of
                // the old version that merges must clean up) while the visible set stays at
                // base + pool rows.
                c.upsert_batch(&ids, &buf)?;
                off += n;
                acked.store(off, Ordering::SeqCst);
            }
            Ok(())
        });
        let sampler = s.spawn(|| {
            let mut v = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                v.push(sample(
                    secs(start),
                    acked.load(Ordering::Relaxed),
                    &c.stats(),
                ));
                let next = Duration::from_millis(500 * v.len() as u64);
                let mut left = next.saturating_sub(start.elapsed());
                while left > Duration::ZERO && !stop.load(Ordering::Relaxed) {
                    let nap = left.min(Duration::from_millis(50));
                    std::thread::sleep(nap);
                    left = left.saturating_sub(nap);
                }
            }
            v
        });
        // Let the writer reach full speed.
        while acked.load(Ordering::SeqCst) < 5 * BATCH as u64 && !writer.is_finished() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let measured = (|| -> Res<()> {
            // Settings interleaved query by query, so that each sees the same mix of states
            // of the collection as the writer goes on.
            let opts: Vec<SearchOptions> = settings
                .iter()
                .map(|&(nprobe, exact)| {
                    let o = SearchOptions::new(K).exact(exact);
                    match nprobe {
                        Some(n) => o.nprobe(n),
                        None => o,
                    }
                })
                .collect();
            let mut lat = vec![Vec::with_capacity(truth.len()); settings.len()];
            answers = (0..settings.len())
                .map(|_| Vec::with_capacity(truth.len()))
                .collect();
            for q in queries.chunks_exact(dim) {
                for (si, o) in opts.iter().enumerate() {
                    let before = acked.load(Ordering::SeqCst);
                    let s = Instant::now();
                    let hits = c.search(q, o)?;
                    lat[si].push(s.elapsed().as_secs_f64() * 1e3);
                    let upper = submitted.load(Ordering::SeqCst);
                    answers[si].push(LiveAnswer {
                        before,
                        upper,
                        ids: ids(&hits),
                    });
                }
            }
            for (&(nprobe, exact), l) in settings.iter().zip(lat.iter_mut()) {
                let total: f64 = l.iter().sum::<f64>() / 1e3;
                let (p50, p99) = super::percentiles(l);
                timing.push(Point {
                    setting: Point::label(nprobe, exact),
                    nprobe,
                    exact,
                    recall: 0.0,
                    qps: truth.len() as f64 / total,
                    p50_ms: p50,
                    p99_ms: p99,
                    queries: truth.len(),
                });
                eprintln!(
                    "    ingesting, {:>12}: {:>8.0} QPS",
                    Point::label(nprobe, exact),
                    truth.len() as f64 / total
                );
            }
            Ok(())
        })();
        stop.store(true, Ordering::SeqCst);
        writer.join().map_err(|_| "writer panicked")??;
        samples = sampler.join().map_err(|_| "sampler panicked")?;
        measured
    });
    writer_result?;
    out.seconds = secs(start);
    out.rows_added = acked.load(Ordering::SeqCst);
    out.rows_per_s = out.rows_added as f64 / out.seconds;
    out.rows_at_end = c.len();
    out.stats_at_end = Some(sample(out.seconds, out.rows_added, &c.stats()));
    out.samples = samples;
    let recalls = live_recall(ds, queries, truth, &pool, &answers);
    for (p, r) in timing.iter_mut().zip(recalls) {
        p.recall = r;
    }
    out.points = timing;
    eprintln!(
        "    writer meanwhile: {} rows in {:.1}s = {:.0} rows/s",
        out.rows_added, out.seconds, out.rows_per_s
    );
    Ok(out)
}

/// Recall of answers given while rows arrived. For each query, the exact top-10 of the base
/// rows (from the ground truth) merged with the writer's rows acknowledged before the query
/// started (the pool cycles, so a pool row acknowledged m times is present m times); a returned
/// row counts when its distance is within that merged top-10's 10th distance (a base row must
/// be in the base top-10; a writer row must have been submitted before the query ended).
fn live_recall(
    ds: &Dataset,
    queries: &[f32],
    truth: &[Truth],
    pool: &[f32],
    answers: &[Vec<LiveAnswer>],
) -> Vec<f64> {
    let (dim, metric) = (ds.meta.dim, ds.meta.metric);
    let base_rows = ds.meta.rows as u64;
    let pool_p: Vec<f32> = pool
        .chunks_exact(dim)
        .flat_map(|v| prepared(metric, v))
        .collect();
    let prows = pool_p.len() / dim;
    let per_query: Vec<Vec<usize>> = queries
        .par_chunks_exact(dim)
        .zip(truth.par_iter())
        .enumerate()
        .map(|(qi, (q, t))| {
            let q = prepared(metric, q);
            let d: Vec<f32> = pool_p
                .chunks_exact(dim)
                .map(|v| distance(metric, &q, v))
                .collect();
            answers
                .iter()
                .map(|point| {
                    let a = &point[qi];
                    let mut top: Vec<f32> = t.distances.clone();
                    top.sort_by(f32::total_cmp);
                    let seen = a.before as usize;
                    for &dj in d.iter().take(seen.min(prows)) {
                        if top.len() >= K && dj >= top[K - 1] {
                            continue;
                        }
                        let at = top.partition_point(|&x| x <= dj);
                        top.insert(at, dj);
                        top.truncate(K);
                    }
                    let d10 = top.get(K - 1).copied().unwrap_or(f32::INFINITY);
                    let tol = 1e-4 * d10.abs().max(1e-3);
                    a.ids
                        .iter()
                        .take(K)
                        .filter(|&&id| {
                            if id < base_rows {
                                t.ids
                                    .iter()
                                    .position(|&x| x == id)
                                    .is_some_and(|i| t.distances[i] <= d10 + tol)
                            } else {
                                let off = id - base_rows;
                                off < a.upper
                                    && d.get(off as usize).is_some_and(|&x| x <= d10 + tol)
                            }
                        })
                        .count()
                })
                .collect()
        })
        .collect();
    (0..answers.len())
        .map(|p| {
            per_query.iter().map(|v| v[p]).sum::<usize>() as f64 / (K * truth.len()).max(1) as f64
        })
        .collect()
}
