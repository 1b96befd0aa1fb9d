//! [`Database`]: opening a directory (as the writer, or read-only beside it), the registry of
//! loaded collections, create and drop, refresh, checkpoint, and the background thread.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::channel;
use std::sync::Arc;

use tracing::info;

use kiln_storage::catalog::{Catalog, CollectionRecord, SegmentMeta, SegmentState};
use kiln_storage::checkpoint::checkpoint_database;
use kiln_storage::layout::{remove_leftovers, DbLayout};
use kiln_storage::segment::segment_file_name;
use kiln_storage::watermark;
use kiln_storage::{CollectionId, Error as StorageError, SegmentId};

use crate::collection::Collection;
use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::handle::{spawn_maintenance, DbHandle, Registry};
use crate::options::{CollectionConfig, DbOptions};
use crate::updater::SegmentUpdater;
use crate::validate::{check_config, check_name};

/// An open database directory. Cheap to clone; the directory stays open (and locked) until the
/// last `Database` and [`Collection`] handle is dropped. Dropping the last handle stops
/// background work (running jobs finish or abandon their step) and closes the directory.
///
/// One process writes a directory at a time ([`Database::open`], which locks it); any number of
/// others may read it meanwhile ([`Database::open_read_only`], which takes no lock and sees
/// the writer's state as of its last [`Database::refresh`]).
#[derive(Clone)]
pub struct Database {
    handle: Arc<DbHandle>,
    core: Arc<DbCore>,
    registry: Arc<Registry>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.core.layout.root())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Open the database in directory `path`, creating it if needed, with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        Self::open_with(path, DbOptions::default())
    }

    /// Whether `path` holds a Kiln database (it has a catalog). Neither opens nor locks it.
    pub fn exists(path: impl AsRef<Path>) -> bool {
        DbLayout::new(path.as_ref()).catalog_dir().is_dir()
    }

    /// Open with `options`. Fails at once with [`Error::Locked`] if another open database
    /// (in this or another process) holds the directory. Recovers the catalog, removes leftovers
    /// of interrupted writes, and verifies segment files as collections are first used.
    pub fn open_with(path: impl AsRef<Path>, options: DbOptions) -> Result<Database> {
        let root = path.as_ref();
        let _span = tracing::info_span!("open", path = %root.display()).entered();
        let fs = options.fs.clone();
        let layout = DbLayout::new(root);
        if !options.create_if_missing && !has_catalog(fs.as_ref(), root)? {
            return Err(Error::DatabaseNotFound {
                path: root.to_path_buf(),
            });
        }
        fs.create_dir_all(root)
            .map_err(|e| StorageError::io(root, e))?;
        let lock_path = layout.lock_path();
        let lock = fs
            .try_lock(&lock_path)
            .map_err(|e| StorageError::io(&lock_path, e))?
            .ok_or(Error::Locked { path: lock_path })?;
        let (catalog, mark) = open_catalog(fs.as_ref(), &layout)?;
        // Startup cleanup, only after the catalog loaded (docs/reliability.md recipe 5).
        let cleanup = remove_leftovers(fs.as_ref(), &layout, &referenced_files(&catalog)?)?;
        if !cleanup.removed.is_empty() {
            info!(
                removed = cleanup.removed.len(),
                "removed leftovers of interrupted writes"
            );
        }
        let core = Arc::new(DbCore::new(options, layout, catalog, Some(lock), mark)?);
        let registry = Arc::new(Registry::default());
        let (wake, sleep) = channel();
        let thread = spawn_maintenance(Arc::downgrade(&core), Arc::downgrade(&registry), sleep)?;
        Ok(Database {
            handle: Arc::new(DbHandle::new(
                Arc::clone(&core),
                Arc::clone(&registry),
                Some((wake, thread)),
            )),
            core,
            registry,
        })
    }

    /// Open the database in directory `path` read-only, with default options: while another
    /// process (or this one) writes it, and without keeping any writer out. See
    /// [`Database::open_read_only_with`].
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Database> {
        Self::open_read_only_with(path, DbOptions::default())
    }

    /// Open the database in `path` read-only. It takes no lock: the writer (at most one,
    /// [`Database::open`]) may be running, start, stop or crash meanwhile, and any number of
    /// read-only handles may be open, in any processes.
    ///
    /// The handle sees the writer's state at open, and moves only when it refreshes
    /// ([`Database::refresh`], or every [`DbOptions::refresh_interval`]): then it sees every
    /// write the writer acknowledged before the refresh began (under
    /// [`Durability::Buffered`](crate::Durability::Buffered) too, before it is synced), each
    /// batch whole, and never a state the writer did not pass through. Collections read
    /// (`search`, `search_batch`, `get`, `get_payload`, `len`, `count`, `explain`, `fields`,
    /// `stats`) as in the writer; every write, DDL call, `flush`, `compact` and `checkpoint`
    /// returns [`Error::ReadOnly`] and changes nothing. Nothing is written in the database
    /// directory (RocksDB's follower keeps its info log in a private directory under the
    /// system's temporary directory, removed at close).
    ///
    /// Fails with [`Error::DatabaseNotFound`] if `path` holds no database (it never creates
    /// one), [`Error::Busy`] if the writer rewrote its catalog during every attempt to follow
    /// it, [`Error::Corrupted`] if the catalog is older than it durably was (see the
    /// watermark in docs/format.md).
    pub fn open_read_only_with(path: impl AsRef<Path>, options: DbOptions) -> Result<Database> {
        let root = path.as_ref();
        let _span = tracing::info_span!("open_read_only", path = %root.display()).entered();
        let fs = options.fs.clone();
        let layout = DbLayout::new(root);
        if !has_catalog(fs.as_ref(), root)? {
            return Err(Error::DatabaseNotFound {
                path: root.to_path_buf(),
            });
        }
        // The watermark first: every sequence number it records was committed before it was
        // written, so a follower opened after reading it opens at or above it (unless the
        // catalog lost durable state).
        let mark = watermark::read(fs.as_ref(), root)?.seq;
        let catalog = Catalog::open_follower(&layout.catalog_dir())?;
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
        let interval = options.refresh_interval;
        let core = Arc::new(DbCore::new(options, layout, catalog, None, mark)?);
        let registry = Arc::new(Registry::default());
        let background = match interval {
            Some(interval) => {
                let (wake, sleep) = channel();
                let thread = crate::reader::spawn_refresher(
                    Arc::downgrade(&core),
                    Arc::downgrade(&registry),
                    interval,
                    sleep,
                )?;
                Some((wake, thread))
            }
            None => None,
        };
        Ok(Database {
            handle: Arc::new(DbHandle::new(
                Arc::clone(&core),
                Arc::clone(&registry),
                background,
            )),
            core,
            registry,
        })
    }

    /// Whether this handle was opened read-only ([`Database::open_read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.core.is_read_only()
    }

    /// A read-only database: move to the writer's latest state. Every loaded collection is
    /// rebuilt at the writer's current catalog (segment files already mapped and indexes
    /// already loaded are kept, new ones are mapped and verified, new growing rows read) and
    /// published atomically, collection by collection once all are built; queries running
    /// meanwhile keep the snapshot they started with. Returns `true` if the state moved (the
    /// writer committed something since the last refresh), `false` if there was nothing new.
    ///
    /// A file that the writer deleted while this refresh was loading it (a merge finished)
    /// makes the refresh catch up again and rebuild (a few times). On an error the handle
    /// keeps the state it had; [`Error::Busy`] is transient (try again).
    ///
    /// On a database opened with [`Database::open`] (the writer, always current) it returns
    /// `Ok(false)`.
    pub fn refresh(&self) -> Result<bool> {
        if !self.core.is_read_only() {
            return Ok(false);
        }
        crate::reader::refresh(&self.core, &self.registry)
    }

    /// Write a consistent, independent copy of the database to the new directory `dest` (its
    /// parent must exist; `dest` must not), while writes go on. The copy opens with
    /// [`Database::open`] as a database of its own and holds every write acknowledged before
    /// the call (and possibly some acknowledged during it, each batch whole).
    ///
    /// The catalog is copied with RocksDB's checkpoint; segment, index and template files are
    /// hard-linked where the file system allows (they are never modified after they are
    /// written), copied otherwise. Writes, seals, index builds and merges continue during the
    /// call; only the deletion of files is deferred until it returns. The copy is built under
    /// `<dest>.kiln-checkpoint.tmp` and renamed into place once complete and synced, so `dest`
    /// either does not exist or is complete.
    ///
    /// [`Error::ReadOnly`] on a read-only database (a follower cannot copy the writer's
    /// catalog consistently; ask the writer, or open the directory with [`Database::open`] when
    /// no writer runs). [`Error::Io`] if `dest` exists.
    pub fn checkpoint(&self, dest: impl AsRef<Path>) -> Result<CheckpointReport> {
        let core = &self.core;
        core.check_write()?;
        let dest = dest.as_ref();
        let _span = tracing::info_span!("checkpoint", dest = %dest.display()).entered();
        // No file may be deleted from before the catalog is copied until every file it names
        // is linked or copied.
        let _pause = core.collector.pause();
        let report =
            checkpoint_database(core.options.fs.as_ref(), &core.catalog, &core.layout, dest)?;
        info!(
            dest = %dest.display(),
            linked = report.files_linked,
            copied = report.files_copied,
            "checkpoint written"
        );
        Ok(CheckpointReport {
            path: report.path,
            files_linked: report.files_linked,
            files_copied: report.files_copied,
            bytes_copied: report.bytes_copied,
            missing_derived: report.missing_derived,
        })
    }

    fn collection_handle(&self, updater: Arc<SegmentUpdater>) -> Collection {
        Collection {
            _handle: Arc::clone(&self.handle),
            core: Arc::clone(&self.core),
            updater,
        }
    }

    /// Subscribe to background events (seals, index builds, merges, failures) of every
    /// collection. Each subscriber queues at most [`DbOptions::event_capacity`] events; a
    /// subscriber that falls behind misses events (counted in `CollectionStats::events_dropped`).
    pub fn events(&self) -> std::sync::mpsc::Receiver<Event> {
        self.core.events.subscribe()
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        self.core.layout.root()
    }

    /// Create a collection. Fails with [`Error::CollectionExists`] if the name is taken,
    /// [`Error::InvalidName`] or [`Error::InvalidArgument`] for a bad name or configuration.
    pub fn create_collection(&self, name: &str, config: CollectionConfig) -> Result<Collection> {
        self.core.check_write()?;
        check_name(name)?;
        check_config(&config)?;
        let core = &self.core;
        core.check_poisoned()?;
        let _ddl = self.registry.ddl.lock();
        if core.catalog.collection(name)?.is_some() {
            return Err(Error::CollectionExists {
                name: name.to_string(),
            });
        }
        // Store the effective segment size so later default changes do not alter it.
        let config = CollectionConfig {
            segment_rows: Some(config.effective_segment_rows()),
            ..config
        };
        let alloc = core.catalog.allocate_ids(2);
        let mut ids = alloc.ids();
        let (Some(cid), Some(sid)) = (ids.next(), ids.next()) else {
            return Err(Error::Internal {
                reason: "id allocation returned fewer ids than asked".into(),
            });
        };
        let record = CollectionRecord {
            id: CollectionId(cid),
            name: name.to_string(),
            dim: u32::try_from(config.dim).map_err(|_| Error::invalid("dimension too large"))?,
            config: serde_json::to_string(&config).map_err(|e| Error::invalid(e.to_string()))?,
            active_segment: SegmentId(sid),
        };
        self.create_collection_dir(record.id)?;
        let mut batch = core.catalog.batch()?;
        batch.put_collection(&record)?;
        batch.put_segment(record.id, &SegmentMeta::growing(record.active_segment))?;
        fail::fail_point!("create::before_commit");
        alloc.commit(batch, true).map_err(|e| core.poison(e))?;
        let updater = Arc::new(SegmentUpdater::load(core, record)?);
        self.registry
            .collections
            .lock()
            .insert(name.to_string(), Arc::clone(&updater));
        Ok(self.collection_handle(updater))
    }

    /// Create a collection's directory durably: the directory, `collections/` (which may be
    /// new too) and the root are fsynced, so that the entries survive a power cut.
    fn create_collection_dir(&self, id: CollectionId) -> Result<()> {
        let core = &self.core;
        let fs = core.options.fs.as_ref();
        let dir = core.layout.collection_dir(id);
        fs.create_dir_all(&dir)
            .map_err(|e| StorageError::io(&dir, e))?;
        for parent in [
            core.layout.collections_dir(),
            core.layout.root().to_path_buf(),
        ] {
            fs.sync_dir(&parent)
                .map_err(|e| core.poison(StorageError::sync(&parent, e)))?;
        }
        Ok(())
    }

    /// A handle to collection `name`. The first call after opening loads it: growing rows from
    /// the log, segment files mapped and their checksums verified ([`Error::Corrupted`] if one
    /// fails), and seals left pending by a crash are resumed.
    pub fn collection(&self, name: &str) -> Result<Collection> {
        let registry = &self.registry;
        if let Some(u) = registry.collections.lock().get(name).cloned() {
            return Ok(self.collection_handle(u));
        }
        let _ddl = registry.ddl.lock();
        if let Some(u) = registry.collections.lock().get(name).cloned() {
            return Ok(self.collection_handle(u));
        }
        if self.core.is_read_only() {
            let updater = crate::reader::load(&self.core, registry, name)?;
            registry
                .collections
                .lock()
                .insert(name.to_string(), Arc::clone(&updater));
            return Ok(self.collection_handle(updater));
        }
        let record =
            self.core
                .catalog
                .collection(name)?
                .ok_or_else(|| Error::CollectionNotFound {
                    name: name.to_string(),
                })?;
        let updater = Arc::new(SegmentUpdater::load(&self.core, record)?);
        registry
            .collections
            .lock()
            .insert(name.to_string(), Arc::clone(&updater));
        // Resume what a previous run left pending (frozen segments, builds, merges).
        updater.schedule(&self.core);
        Ok(self.collection_handle(updater))
    }

    /// Check every file the catalog refers to: each segment file's length, CRC32 and header
    /// against the catalog, each growing segment's rows in the log, each index file's CRC32,
    /// binding to its segment and loadability, each template's CRC32. Reads everything; finds
    /// problems without fixing them (derived index files are rebuilt when their collection is
    /// used). Returns `Err` only when the catalog itself cannot be read.
    ///
    /// On a read-only database it checks the state of the last refresh; a file found missing
    /// there that the writer deleted since (after a merge) makes it refresh and check again.
    pub fn verify(&self) -> Result<crate::verify::VerifyReport> {
        let core = &self.core;
        let fs = core.options.fs.as_ref();
        if !core.is_read_only() {
            return crate::verify::verify(&core.catalog, &core.layout, fs);
        }
        let mut attempt = 1;
        loop {
            let report = {
                let _follow = core.follow.lock();
                crate::verify::verify(&core.catalog, &core.layout, fs)?
            };
            let gone = |p: &crate::verify::Problem| matches!(fs.file_len(&p.path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
            if attempt >= crate::reader::ATTEMPTS || !report.problems.iter().any(gone) {
                return Ok(report);
            }
            attempt += 1;
            crate::reader::refresh(core, &self.registry)?;
        }
    }

    /// Names of all collections, sorted.
    pub fn list_collections(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .core
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
        let core = &self.core;
        core.check_write()?;
        let _ddl = self.registry.ddl.lock();
        let record = core
            .catalog
            .collection(name)?
            .ok_or_else(|| Error::CollectionNotFound {
                name: name.to_string(),
            })?;
        let commit = || -> Result<()> {
            let mut batch = core.catalog.batch()?;
            batch.delete_collection(&record);
            core.catalog.commit(batch, true).map_err(|e| core.poison(e))
        };
        let loaded = self.registry.collections.lock().get(name).cloned();
        match &loaded {
            Some(u) => u.drop_with(commit)?,
            None => commit()?,
        }
        self.registry.collections.lock().remove(name);
        fail::fail_point!("drop::after_commit");
        // The catalog no longer refers to the files: remove them now (or after a checkpoint
        // running meanwhile), or at the next open.
        core.collector
            .remove_dir_all(core.layout.collection_dir(record.id));
        Ok(())
    }
}

/// What [`Database::checkpoint`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckpointReport {
    /// The new database directory.
    pub path: PathBuf,
    /// Segment, index and template files hard-linked.
    pub files_linked: u64,
    /// Files copied because a hard link was impossible (another file system).
    pub files_copied: u64,
    /// Bytes of the copied files.
    pub bytes_copied: u64,
    /// Index and template files the copied catalog names but the source had lost (derived
    /// data): the copy rebuilds them when the collection is used, as the source would.
    pub missing_derived: Vec<PathBuf>,
}

/// Whether `root` holds a database (a `catalog` directory).
fn has_catalog(fs: &dyn kiln_storage::FileSystem, root: &Path) -> Result<bool> {
    match fs.list_dir(root) {
        Ok(entries) => Ok(entries.iter().any(|e| e.is_dir && e.name == "catalog")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StorageError::io(root, e).into()),
    }
}

/// Open the catalog, refusing one that opens at an older state than it durably reached: a
/// damaged MANIFEST or log tail makes RocksDB open at an older state without an error, so the
/// MANIFEST of the last clean close is checked before RocksDB reads it, and the sequence
/// number against the watermark after. Returns the catalog and the watermark's sequence.
fn open_catalog(fs: &dyn kiln_storage::FileSystem, layout: &DbLayout) -> Result<(Catalog, u64)> {
    let root = layout.root();
    let mark = watermark::read(fs, root)?;
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
    Ok((catalog, mark))
}

/// The files every collection's catalog records name (segment, index and template files).
fn referenced_files(catalog: &Catalog) -> Result<HashMap<CollectionId, HashSet<String>>> {
    let mut referenced: HashMap<CollectionId, HashSet<String>> = HashMap::new();
    for c in catalog.collections()? {
        let files = referenced.entry(c.id).or_default();
        for s in catalog.segments(c.id)? {
            if let SegmentState::Sealed(_) = s.state {
                files.insert(segment_file_name(s.id));
            }
            if let Some(index) = s.index {
                files.extend(index.blobs().map(|b| b.file.clone()));
            }
        }
        for t in catalog.templates(c.id)? {
            files.insert(t.blob.file);
        }
    }
    Ok(referenced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::DbOptions;
    use kiln_index::Metric;

    /// A read-only `get` whose follower catalog is ahead of the published snapshot (a refresh
    /// between its catch-up and its publish) answers from the snapshot: ids moved, deleted or
    /// added after it are seen as they were in it.
    #[test]
    fn a_reader_get_answers_from_its_snapshot_when_the_catalog_is_ahead() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = Database::open(dir.path()).expect("open");
        let wc = w
            .create_collection("c", CollectionConfig::new(2, Metric::L2).segment_rows(1024))
            .expect("create");
        for id in 0..10u64 {
            wc.insert(id, &[id as f32, 0.0]).expect("insert");
        }
        wc.flush().expect("flush: ids 0..10 in a sealed segment");
        wc.insert(20, &[20.0, 0.0])
            .expect("insert into the growing segment");
        let r = Database::open_read_only_with(dir.path(), DbOptions::new()).expect("reader");
        let rc = r.collection("c").expect("collection");

        wc.upsert(5, &[55.0, 0.0]).expect("move 5 to a new row");
        wc.upsert(20, &[22.0, 0.0])
            .expect("move 20 within the growing segment");
        wc.delete(6).expect("delete 6");
        wc.insert(7_000, &[7.0, 7.0]).expect("insert 7000");
        wc.flush().expect("flush: a seal too");
        // The catalog catches up; the snapshot stays.
        assert!(r.core.catalog.catch_up().expect("catch up"));
        assert_ne!(
            r.core.catalog.latest_sequence(),
            rc.updater.snapshot().catalog_seq
        );
        assert_eq!(rc.get(5).expect("get"), Some(vec![5.0, 0.0]));
        assert_eq!(rc.get(20).expect("get"), Some(vec![20.0, 0.0]));
        assert_eq!(rc.get(6).expect("get"), Some(vec![6.0, 0.0]));
        assert_eq!(rc.get(7_000).expect("get"), None);
        assert_eq!(rc.get(1).expect("get"), Some(vec![1.0, 0.0]));
        assert!(rc.get_payload(6).expect("payload").is_some());
        assert_eq!(rc.len(), 11);

        // The refresh publishes the new state.
        r.refresh().expect("refresh");
        assert_eq!(rc.get(5).expect("get"), Some(vec![55.0, 0.0]));
        assert_eq!(rc.get(20).expect("get"), Some(vec![22.0, 0.0]));
        assert_eq!(rc.get(6).expect("get"), None);
        assert_eq!(rc.get(7_000).expect("get"), Some(vec![7.0, 7.0]));
        assert_eq!(rc.len(), 11);
    }
}
