//! [`Database`]: opening a directory, the collection registry, poisoning.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use tracing::{info, warn};

use kiln_storage::catalog::{Catalog, CollectionRecord, SegmentMeta, SegmentState};
use kiln_storage::fs::FileLock;
use kiln_storage::layout::{remove_leftovers, DbLayout};
use kiln_storage::segment::segment_file_name;
use kiln_storage::watermark;
use kiln_storage::{CollectionId, Error as StorageError, SegmentId};

use crate::collection::{Collection, CollectionInner};
use crate::error::{Error, Result};
use crate::events::{Event, EventHub};
use crate::options::{CollectionConfig, DbOptions};
use crate::validate::{check_config, check_name};

/// An open database directory. Cheap to clone; the directory stays open (and locked) until the
/// last `Database` and [`Collection`] handle is dropped. Dropping the last handle stops
/// background work (running jobs finish or abandon their step) and closes the directory.
#[derive(Clone)]
pub struct Database {
    handle: Arc<DbHandle>,
    inner: Arc<DbInner>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.inner.layout.root())
            .finish_non_exhaustive()
    }
}

/// Held by every user-facing handle; the last one to go shuts the background down, so that the
/// directory is closed and unlocked when `drop` returns.
pub(crate) struct DbHandle {
    inner: Arc<DbInner>,
    /// Dropping the sender wakes the maintenance thread and makes it exit.
    maintenance: Mutex<Option<(Sender<()>, JoinHandle<()>)>>,
}

impl Drop for DbHandle {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::Release);
        for c in self.inner.collections.lock().values() {
            c.stop.store(true, Ordering::Release);
            c.bg_changed.notify_all();
        }
        if let Some((wake, thread)) = self.maintenance.lock().take() {
            drop(wake);
            let _ = thread.join();
        }
        self.inner.jobs.wait_idle();
        if self.inner.check_poisoned().is_ok() {
            self.inner.close_watermark();
        }
    }
}

/// Counts running background jobs. Separate from `DbInner` so that a job can report that it
/// finished after it has dropped its reference to the database.
#[derive(Debug, Default)]
pub(crate) struct JobTracker {
    running: Mutex<usize>,
    idle: Condvar,
}

impl JobTracker {
    fn wait_idle(&self) {
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

pub(crate) struct DbInner {
    pub(crate) options: DbOptions,
    pub(crate) layout: DbLayout,
    pub(crate) query_pool: rayon::ThreadPool,
    pub(crate) compaction_pool: rayon::ThreadPool,
    /// One thread that only seals frozen growing segments (see `CollectionInner::spawn`).
    pub(crate) seal_pool: rayon::ThreadPool,
    pub(crate) events: EventHub,
    stop: AtomicBool,
    pub(crate) jobs: Arc<JobTracker>,
    /// Test hook: background jobs left to panic on purpose.
    pub(crate) panics_to_inject: AtomicUsize,
    /// The catalog sequence number last written to the watermark file.
    watermark: Mutex<u64>,
    /// Collections opened so far, by name.
    collections: Mutex<HashMap<String, Arc<CollectionInner>>>,
    /// Serialises create, drop and first open of collections.
    ddl: Mutex<()>,
    poisoned: Mutex<Option<String>>,
    // Declared last among the resources: fields drop in order, so RocksDB closes before the
    // directory lock is released.
    pub(crate) catalog: Catalog,
    _lock: Box<dyn FileLock>,
}

impl DbInner {
    /// Record a durable catalog sequence number in the watermark file (after structural commits
    /// and at close), so that a catalog that later opens at an older state is caught.
    pub(crate) fn advance_watermark(&self) {
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
    fn close_watermark(&self) {
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

    /// Register a job about to be spawned; keep the ticket until the job's last reference to
    /// the database is gone.
    pub(crate) fn job_ticket(&self) -> JobTicket {
        *self.jobs.running.lock() += 1;
        JobTicket(Arc::clone(&self.jobs))
    }

    /// The collections loaded so far.
    fn loaded(&self) -> Vec<Arc<CollectionInner>> {
        self.collections.lock().values().cloned().collect()
    }

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
}

impl Database {
    /// Open the database in directory `path`, creating it if needed, with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        Self::open_with(path, DbOptions::default())
    }

    /// Open with `options`. Fails at once with [`Error::Locked`] if another open database
    /// (in this or another process) holds the directory. Recovers the catalog, removes leftovers
    /// of interrupted writes, and verifies segment files as collections are first used.
    pub fn open_with(path: impl AsRef<Path>, options: DbOptions) -> Result<Database> {
        let root = path.as_ref();
        let _span = tracing::info_span!("open", path = %root.display()).entered();
        let fs = options.fs.clone();
        let layout = DbLayout::new(root);
        if !options.create_if_missing {
            let has_catalog = match fs.list_dir(root) {
                Ok(entries) => entries.iter().any(|e| e.is_dir && e.name == "catalog"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(e) => return Err(StorageError::io(root, e).into()),
            };
            if !has_catalog {
                return Err(Error::DatabaseNotFound {
                    path: root.to_path_buf(),
                });
            }
        }
        fs.create_dir_all(root)
            .map_err(|e| StorageError::io(root, e))?;
        let lock_path = layout.lock_path();
        let lock = fs
            .try_lock(&lock_path)
            .map_err(|e| StorageError::io(&lock_path, e))?
            .ok_or(Error::Locked { path: lock_path })?;
        // A damaged MANIFEST or log tail makes RocksDB open at an older state without an error:
        // check the MANIFEST of the last clean close before RocksDB reads it, and refuse a
        // catalog that opens below the durable sequence number (see `watermark`).
        let mark = watermark::read(fs.as_ref(), root)?;
        if let Some(m) = &mark.manifest {
            watermark::check_manifest(&layout.catalog_dir(), m)?;
        }
        let catalog = Catalog::open(&layout.catalog_dir())?;
        let mark = mark.seq;
        if catalog.latest_sequence() < mark {
            return Err(Error::Corrupted {
                path: layout.catalog_dir(),
                reason: format!(
                    "the catalog opened at sequence {} but had durably reached {mark}: \
                     its log or MANIFEST is damaged",
                    catalog.latest_sequence()
                ),
            });
        }
        let tmp = root.join(format!(
            "{}{}",
            watermark::WATERMARK_FILE,
            kiln_storage::fs::TEMP_SUFFIX
        ));
        let _ = fs.remove_file(&tmp);
        let used = catalog.max_used_id()?;
        if used >= catalog.next_id() {
            return Err(Error::Corrupted {
                path: layout.catalog_dir(),
                reason: format!(
                    "id counter {} is not above the highest id in use {used}",
                    catalog.next_id()
                ),
            });
        }

        // Startup cleanup, only after the catalog loaded (RELIABILITY.md recipe 5).
        let mut referenced: HashMap<CollectionId, HashSet<String>> = HashMap::new();
        for c in catalog.collections()? {
            let files = referenced.entry(c.id).or_default();
            for s in catalog.segments(c.id)? {
                if let SegmentState::Sealed(_) = s.state {
                    files.insert(segment_file_name(s.id));
                }
                if let Some(index) = s.index {
                    files.insert(index.blob.file);
                }
            }
            for t in catalog.templates(c.id)? {
                files.insert(t.blob.file);
            }
        }
        let cleanup = remove_leftovers(fs.as_ref(), &layout, &referenced)?;
        if !cleanup.removed.is_empty() {
            info!(
                removed = cleanup.removed.len(),
                "removed leftovers of interrupted writes"
            );
        }
        // A single query is not parallelised inside Faiss: the fan-out across segments is what
        // uses the cores, so query threads give Faiss one OpenMP thread each.
        let query_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.query_threads)
            .thread_name(|i| format!("kiln-query-{i}"))
            .start_handler(|_| kiln_index::set_faiss_threads(1))
            .build()
            .map_err(|e| Error::invalid(format!("cannot start the query pool: {e}")))?;
        // Pool threads × Faiss OpenMP threads stay within the thread budget. OpenMP's thread
        // count is per calling thread, so it is set in each pool thread.
        let faiss_threads = options.faiss_threads_per_job();
        let compaction_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.compaction_threads)
            .thread_name(|i| format!("kiln-compact-{i}"))
            .start_handler(move |_| kiln_index::set_faiss_threads(faiss_threads))
            .build()
            .map_err(|e| Error::invalid(format!("cannot start the compaction pool: {e}")))?;
        let seal_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "kiln-seal".to_string())
            .build()
            .map_err(|e| Error::invalid(format!("cannot start the seal thread: {e}")))?;
        let inject = options.inject_job_panics;
        let inner = Arc::new(DbInner {
            options,
            layout,
            query_pool,
            compaction_pool,
            seal_pool,
            events: EventHub::default(),
            stop: AtomicBool::new(false),
            jobs: Arc::new(JobTracker::default()),
            panics_to_inject: AtomicUsize::new(inject),
            watermark: Mutex::new(mark),
            collections: Mutex::new(HashMap::new()),
            ddl: Mutex::new(()),
            poisoned: Mutex::new(None),
            catalog,
            _lock: lock,
        });
        let (wake, sleep) = channel();
        let maintenance = (wake, spawn_maintenance(Arc::downgrade(&inner), sleep)?);
        Ok(Database {
            handle: Arc::new(DbHandle {
                inner: Arc::clone(&inner),
                maintenance: Mutex::new(Some(maintenance)),
            }),
            inner,
        })
    }

    fn collection_handle(&self, inner: Arc<CollectionInner>) -> Collection {
        Collection {
            _handle: Arc::clone(&self.handle),
            db: Arc::clone(&self.inner),
            inner,
        }
    }

    /// Subscribe to background events (seals, index builds, merges, failures) of every
    /// collection.
    pub fn events(&self) -> std::sync::mpsc::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        self.inner.layout.root()
    }

    /// Create a collection. Fails with [`Error::CollectionExists`] if the name is taken,
    /// [`Error::InvalidName`] or [`Error::InvalidArgument`] for a bad name or configuration.
    pub fn create_collection(&self, name: &str, config: CollectionConfig) -> Result<Collection> {
        check_name(name)?;
        check_config(&config)?;
        let db = &self.inner;
        db.check_poisoned()?;
        let _ddl = db.ddl.lock();
        if db.catalog.collection(name)?.is_some() {
            return Err(Error::CollectionExists {
                name: name.to_string(),
            });
        }
        // Store the effective segment size so later default changes do not alter it.
        let config = CollectionConfig {
            segment_rows: Some(config.effective_segment_rows()),
            ..config
        };
        let alloc = db.catalog.allocate_ids(2);
        let mut ids = alloc.ids();
        let (Some(cid), Some(sid)) = (ids.next(), ids.next()) else {
            return Err(Error::invalid("id allocation failed"));
        };
        let record = CollectionRecord {
            id: CollectionId(cid),
            name: name.to_string(),
            dim: u32::try_from(config.dim).map_err(|_| Error::invalid("dimension too large"))?,
            config: serde_json::to_string(&config).map_err(|e| Error::invalid(e.to_string()))?,
            active_segment: SegmentId(sid),
        };
        let fs = db.options.fs.as_ref();
        let dir = db.layout.collection_dir(record.id);
        fs.create_dir_all(&dir)
            .map_err(|e| StorageError::io(&dir, e))?;
        let parent = db.layout.collections_dir();
        fs.sync_dir(&parent)
            .map_err(|e| db.poison(StorageError::sync(&parent, e)))?;
        let mut batch = db.catalog.batch()?;
        batch.put_collection(&record)?;
        batch.put_segment(record.id, &SegmentMeta::growing(record.active_segment))?;
        fail::fail_point!("create::before_commit");
        alloc.commit(batch, true).map_err(|e| db.poison(e))?;
        let inner = Arc::new(CollectionInner::load(db, record)?);
        db.collections
            .lock()
            .insert(name.to_string(), Arc::clone(&inner));
        Ok(self.collection_handle(inner))
    }

    /// A handle to collection `name`. The first call after opening loads it: growing rows from
    /// the log, segment files mapped and their checksums verified ([`Error::Corrupted`] if one
    /// fails), and seals left pending by a crash are resumed.
    pub fn collection(&self, name: &str) -> Result<Collection> {
        let db = &self.inner;
        if let Some(inner) = db.collections.lock().get(name).cloned() {
            return Ok(self.collection_handle(inner));
        }
        let _ddl = db.ddl.lock();
        if let Some(inner) = db.collections.lock().get(name).cloned() {
            return Ok(self.collection_handle(inner));
        }
        let record = db
            .catalog
            .collection(name)?
            .ok_or_else(|| Error::CollectionNotFound {
                name: name.to_string(),
            })?;
        let inner = Arc::new(CollectionInner::load(db, record)?);
        db.collections
            .lock()
            .insert(name.to_string(), Arc::clone(&inner));
        // Resume what a previous run left pending (frozen segments, merges).
        inner.resume(db);
        Ok(self.collection_handle(inner))
    }

    /// Check every file the catalog refers to: each segment file's length, CRC32 and header
    /// against the catalog, each growing segment's rows in the log, each index file's CRC32,
    /// binding to its segment and loadability, each template's CRC32. Reads everything; finds
    /// problems without fixing them (derived index files are rebuilt when their collection is
    /// used). Returns `Err` only when the catalog itself cannot be read.
    pub fn verify(&self) -> Result<crate::verify::VerifyReport> {
        crate::verify::verify(&self.inner)
    }

    /// Names of all collections, sorted.
    pub fn list_collections(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .inner
            .catalog
            .collections()?
            .into_iter()
            .map(|c| c.name)
            .collect();
        names.sort();
        Ok(names)
    }

    /// Drop collection `name` and delete its files. Handles to it fail with
    /// [`Error::CollectionNotFound`] from now on.
    pub fn drop_collection(&self, name: &str) -> Result<()> {
        let db = &self.inner;
        db.check_poisoned()?;
        let _ddl = db.ddl.lock();
        let record = db
            .catalog
            .collection(name)?
            .ok_or_else(|| Error::CollectionNotFound {
                name: name.to_string(),
            })?;
        let commit = || -> Result<()> {
            let mut batch = db.catalog.batch()?;
            batch.delete_collection(&record);
            db.catalog.commit(batch, true).map_err(|e| db.poison(e))
        };
        let loaded = db.collections.lock().get(name).cloned();
        match &loaded {
            Some(c) => c.drop_with(commit)?,
            None => commit()?,
        }
        db.collections.lock().remove(name);
        fail::fail_point!("drop::after_commit");
        // The catalog no longer refers to the files: remove them now, or at the next open.
        let dir = db.layout.collection_dir(record.id);
        if let Err(e) = db.options.fs.remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                warn!(path = %dir.display(), error = %e, "could not remove a dropped collection's files; the next open will");
            }
        }
        Ok(())
    }
}

/// The maintenance thread: every 100 ms, schedule due work of every loaded collection (which is
/// how failed jobs are retried after their backoff). Holds only a weak reference, and exits when
/// the database closes.
fn spawn_maintenance(db: Weak<DbInner>, sleep: Receiver<()>) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kiln-maintenance".into())
        .spawn(move || loop {
            if let Err(RecvTimeoutError::Disconnected) =
                sleep.recv_timeout(Duration::from_millis(100))
            {
                return;
            }
            let Some(db) = db.upgrade() else { return };
            if db.is_stopping() {
                return;
            }
            for c in db.loaded() {
                c.schedule(&db);
            }
        })
        .map_err(|e| Error::invalid(format!("cannot start the maintenance thread: {e}")))
}
