//! [`DbCore`]: what every part of an open database shares — options, paths, the catalog (the
//! writer's primary, or a read-only follower), the engine's thread pools, events, the poison
//! flag, the catalog watermark and the file collector.
//!
//! It sits below everything else in the engine: `db`, `collection`, the updater and the jobs
//! get an `&DbCore`; nothing here knows of collections, so nothing below `db.rs` needs to
//! import it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};
use tracing::warn;

use kiln_storage::catalog::{Catalog, IdAllocation};
use kiln_storage::fs::FileLock;
use kiln_storage::layout::DbLayout;
use kiln_storage::{watermark, CatalogBatch, Error as StorageError};

use crate::error::{Error, Result};
use crate::events::EventHub;
use crate::gc::Collector;
use crate::options::DbOptions;

/// The engine's thread pools.
pub(crate) struct Pools {
    /// `kiln-query-*`: fans queries out across segments.
    pub(crate) query: rayon::ThreadPool,
    /// `kiln-compact-*`: index builds, merges and template training.
    pub(crate) compaction: rayon::ThreadPool,
    /// `kiln-seal`: one thread that only seals frozen segments, so seals (which writers may
    /// wait for under backpressure) never queue behind builds and merges that take seconds.
    pub(crate) seal: rayon::ThreadPool,
}

impl Pools {
    /// Start the pools. Every pool has a panic handler: a panic that escapes a job's own
    /// `catch_unwind` is logged instead of aborting the process.
    /// A read-only database runs no background job: its compaction pool gets one thread.
    pub(crate) fn start(options: &DbOptions, read_only: bool) -> Result<Pools> {
        fn on_panic(pool: &'static str) -> impl Fn(Box<dyn std::any::Any + Send>) + Send + Sync {
            move |panic| {
                warn!(
                    pool,
                    panic = %panic_message(panic.as_ref()),
                    "a task panicked outside a job's own panic handling"
                )
            }
        }
        let failed = |pool: &str, e: rayon::ThreadPoolBuildError| Error::Internal {
            reason: format!("cannot start the {pool} pool: {e}"),
        };
        // A single query is not parallelised inside Faiss: the fan-out across segments is what
        // uses the cores, so query threads give Faiss one OpenMP thread each.
        let query = rayon::ThreadPoolBuilder::new()
            .num_threads(options.query_threads)
            .thread_name(|i| format!("kiln-query-{i}"))
            .start_handler(|_| kiln_index::set_faiss_threads(1))
            .panic_handler(on_panic("query"))
            .build()
            .map_err(|e| failed("query", e))?;
        // Pool threads × Faiss OpenMP threads stay within the thread budget. OpenMP's thread
        // count is per calling thread, so it is set in each pool thread.
        let faiss_threads = options.faiss_threads_per_job();
        let compaction = rayon::ThreadPoolBuilder::new()
            .num_threads(if read_only {
                1
            } else {
                options.compaction_threads
            })
            .thread_name(|i| format!("kiln-compact-{i}"))
            .start_handler(move |_| kiln_index::set_faiss_threads(faiss_threads))
            .panic_handler(on_panic("compaction"))
            .build()
            .map_err(|e| failed("compaction", e))?;
        let seal = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "kiln-seal".to_string())
            .panic_handler(on_panic("seal"))
            .build()
            .map_err(|e| failed("seal", e))?;
        Ok(Pools {
            query,
            compaction,
            seal,
        })
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Counts running background jobs. Separate from `DbCore` so that a job can report that it
/// finished after it has dropped its reference to the database.
#[derive(Debug, Default)]
pub(crate) struct JobTracker {
    running: Mutex<usize>,
    idle: Condvar,
}

impl JobTracker {
    /// Block until no job runs.
    pub(crate) fn wait_idle(&self) {
        let mut n = self.running.lock();
        while *n > 0 {
            self.idle.wait(&mut n);
        }
    }
}

/// Marks one running job; dropping it marks the job finished.
pub(crate) struct JobTicket(Arc<JobTracker>);

impl Drop for JobTicket {
    fn drop(&mut self) {
        let mut n = self.0.running.lock();
        *n = n.saturating_sub(1);
        if *n == 0 {
            self.0.idle.notify_all();
        }
    }
}

/// The shared state of an open database.
pub(crate) struct DbCore {
    pub(crate) options: DbOptions,
    pub(crate) layout: DbLayout,
    pub(crate) pools: Pools,
    pub(crate) events: EventHub,
    stop: AtomicBool,
    jobs: Arc<JobTracker>,
    /// Test hook: background jobs left to panic on purpose.
    pub(crate) panics_to_inject: AtomicUsize,
    /// The catalog sequence number last written to the watermark file.
    watermark: Mutex<u64>,
    poisoned: Mutex<Option<String>>,
    /// Every deletion of the database's files goes through it; checkpoints pause it.
    pub(crate) collector: Arc<Collector>,
    /// Read-only databases: held while the follower catalog catches up and the loaded
    /// collections are rebuilt from it, and while anything reads several catalog records that
    /// must agree (loading a collection, `verify`), so that no catch-up runs in between.
    pub(crate) follow: Mutex<()>,
    // Declared last among the resources: fields drop in order, so RocksDB closes before the
    // directory lock is released.
    pub(crate) catalog: Catalog,
    /// The writer's exclusive lock on `<root>/LOCK`; `None` for a read-only database, which
    /// takes no lock.
    _lock: Option<Box<dyn FileLock>>,
}

impl DbCore {
    /// Assemble the core of a database whose catalog is open: the writer's, whose lock is
    /// taken, or a read-only one (`lock` is `None` and `catalog` a follower).
    pub(crate) fn new(
        options: DbOptions,
        layout: DbLayout,
        catalog: Catalog,
        lock: Option<Box<dyn FileLock>>,
        watermark_seq: u64,
    ) -> Result<DbCore> {
        let pools = Pools::start(&options, catalog.is_follower())?;
        let inject = options.inject_job_panics;
        let events = EventHub::new(options.event_capacity);
        let collector = Arc::new(Collector::new(Arc::clone(&options.fs)));
        Ok(DbCore {
            options,
            layout,
            pools,
            events,
            stop: AtomicBool::new(false),
            jobs: Arc::new(JobTracker::default()),
            panics_to_inject: AtomicUsize::new(inject),
            watermark: Mutex::new(watermark_seq),
            poisoned: Mutex::new(None),
            collector,
            follow: Mutex::new(()),
            catalog,
            _lock: lock,
        })
    }

    /// Whether the database was opened read-only (its catalog is a follower).
    pub(crate) fn is_read_only(&self) -> bool {
        self.catalog.is_follower()
    }

    /// `Err(ReadOnly)` on a read-only database, else `check_poisoned`: what every write, DDL,
    /// flush, compact and checkpoint checks first.
    pub(crate) fn check_write(&self) -> Result<()> {
        if self.is_read_only() {
            return Err(Error::ReadOnly);
        }
        self.check_poisoned()
    }

    /// Record a durable catalog sequence number in the watermark file (after structural commits
    /// and at close), so that a catalog that later opens at an older state is caught.
    pub(crate) fn advance_watermark(&self) {
        if self.is_read_only() {
            return;
        }
        let mut last = self.watermark.lock();
        let seq = match self.catalog.durable_sequence() {
            Ok(seq) => seq,
            Err(e) => {
                self.poison(e);
                return;
            }
        };
        if seq <= *last {
            return;
        }
        fail::fail_point!("watermark::before_write");
        let mark = watermark::Watermark {
            seq,
            manifest: None,
        };
        match watermark::write(self.options.fs.as_ref(), self.layout.root(), &mark) {
            Ok(()) => *last = seq,
            Err(e) => {
                warn!(error = %e, "could not write the catalog watermark");
                self.poison_if_fatal(e);
            }
        }
    }

    /// At a clean close: flush the catalog so recovery needs no log, stop RocksDB's background
    /// work, and record the sequence number and the MANIFEST in the watermark.
    pub(crate) fn close_watermark(&self) {
        if self.is_read_only() {
            return;
        }
        let mut last = self.watermark.lock();
        let seq = match self.catalog.quiesce() {
            Ok(seq) => seq,
            Err(e) => {
                warn!(error = %e, "could not flush the catalog at close");
                return;
            }
        };
        let manifest = match watermark::capture_manifest(&self.layout.catalog_dir()) {
            Ok(m) => m,
            Err(e) => {
                warn!(error = %e, "could not read the catalog MANIFEST at close");
                None
            }
        };
        let mark = watermark::Watermark {
            seq: seq.max(*last),
            manifest,
        };
        match watermark::write(self.options.fs.as_ref(), self.layout.root(), &mark) {
            Ok(()) => *last = mark.seq,
            Err(e) => warn!(error = %e, "could not write the catalog watermark at close"),
        }
    }

    /// Whether the database is closing.
    pub(crate) fn is_stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Start closing: background work stops scheduling.
    pub(crate) fn begin_stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Block until every background job has finished.
    pub(crate) fn wait_jobs_idle(&self) {
        self.jobs.wait_idle();
    }

    /// Register a job about to be spawned; keep the ticket until the job's last reference to
    /// the database is gone.
    pub(crate) fn job_ticket(&self) -> JobTicket {
        *self.jobs.running.lock() += 1;
        JobTicket(Arc::clone(&self.jobs))
    }

    /// `Err(Poisoned)` once a failure made the database refuse writes.
    pub(crate) fn check_poisoned(&self) -> Result<()> {
        match &*self.poisoned.lock() {
            Some(cause) => Err(Error::Poisoned {
                cause: cause.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Refuse writes from now on, remembering why; returns the error for the caller.
    pub(crate) fn poison(&self, e: StorageError) -> Error {
        let mut p = self.poisoned.lock();
        if p.is_none() {
            warn!(error = %e, "database poisoned: refusing writes until reopened");
            *p = Some(e.to_string());
        }
        Error::from(e)
    }

    /// Poison for errors after which retrying is unsafe (failed fsync); pass others through.
    pub(crate) fn poison_if_fatal(&self, e: StorageError) -> Error {
        if e.is_poisoning() {
            self.poison(e)
        } else {
            Error::from(e)
        }
    }

    /// Commit a catalog batch; a failure poisons the database (the outcome is ambiguous).
    pub(crate) fn commit(
        &self,
        batch: CatalogBatch<'_>,
        alloc: Option<IdAllocation<'_>>,
        sync: bool,
    ) -> Result<()> {
        let result = match alloc {
            Some(a) => a.commit(batch, sync),
            None => self.catalog.commit(batch, sync),
        };
        result.map_err(|e| self.poison(e))
    }
}
