//! The catalog: RocksDB as Kiln's write-ahead log and metadata store.
//!
//! One user write is one RocksDB `WriteBatch` touching several column families at once:
//!
//! ```text
//! column family  key                                     value
//! catalog        "V"                                     catalog format version (u32 LE)
//! catalog        "N"                                     next unused id (u64 LE)
//! catalog        "C" + name                              CollectionRecord (JSON)
//! catalog        "S" + coll (u64 BE) + segment (u64 BE)  SegmentMeta (JSON)
//! catalog        "T" + coll (u64 BE) + template (u64 BE) TemplateRecord (JSON)
//! rows           coll + segment + row (u32 BE)           user id (u64 LE) + dim f32 LE
//! idmap          coll + user id (u64 BE)                 segment (u64 BE) + row (u32 BE)
//! tombstones     coll + segment + row                    (empty)
//! ```
//!
//! Big-endian keys make RocksDB's byte order the numeric order, so a collection's keys, a
//! segment's rows and tombstones are contiguous ranges: dropping a collection or sealing a
//! segment is a range deletion.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::{Mutex, MutexGuard, RwLock, RwLockReadGuard};
use rocksdb::checkpoint::Checkpoint;
use rocksdb::{
    BlockBasedOptions, BottommostLevelCompaction, ColumnFamily, ColumnFamilyDescriptor,
    CompactOptions, DBCompressionType, DBRecoveryMode, Direction, IteratorMode, LogLevel, Options,
    ReadOptions, WriteBatch, WriteOptions, DB,
};

use crate::blob::BlobInfo;
use crate::error::{Error, Result};
use crate::fs::{FileLock, FileSystem, OsFs};
use crate::ids::{CollectionId, RowId, RowLocation, SegmentId};
use crate::segment::SegmentFileInfo;

const CF_CATALOG: &str = "catalog";
const CF_ROWS: &str = "rows";
const CF_IDMAP: &str = "idmap";
const CF_TOMBSTONES: &str = "tombstones";

const KEY_VERSION: &[u8] = b"V";
const KEY_NEXT_ID: &[u8] = b"N";
const PREFIX_COLLECTION: u8 = b'C';
const PREFIX_SEGMENT: u8 = b'S';
const PREFIX_TEMPLATE: u8 = b'T';

/// The catalog format this build writes and reads.
pub const CATALOG_FORMAT_VERSION: u32 = 1;

/// Memtable size of the row column family. A growing segment's rows are range-deleted when it is
/// sealed; when segments are smaller than this, they are usually sealed before the memtable is
/// flushed, so a vector is written to the log once and to its segment file once.
pub const ROWS_MEMTABLE_BYTES: usize = 128 << 20;

/// A collection as the catalog records it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CollectionRecord {
    /// Numeric id, never reused.
    pub id: CollectionId,
    /// The user's name for it.
    pub name: String,
    /// Vector dimension.
    pub dim: u32,
    /// The engine's configuration, opaque to storage.
    pub config: String,
    /// The growing segment new rows go to.
    pub active_segment: SegmentId,
}

/// A segment's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SegmentState {
    /// Rows live in the row column family.
    Growing,
    /// Rows live in an immutable segment file.
    Sealed(SegmentFileInfo),
}

/// A segment as the catalog records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SegmentMeta {
    /// Segment id.
    pub id: SegmentId,
    /// Where its rows are.
    pub state: SegmentState,
    /// The segment's index file, if one was built (sealed segments only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<IndexRecord>,
}

impl SegmentMeta {
    /// A growing segment's record.
    pub fn growing(id: SegmentId) -> Self {
        SegmentMeta {
            id,
            state: SegmentState::Growing,
            index: None,
        }
    }

    /// A sealed segment's record without an index.
    pub fn sealed(id: SegmentId, file: SegmentFileInfo) -> Self {
        SegmentMeta {
            id,
            state: SegmentState::Sealed(file),
            index: None,
        }
    }
}

/// A segment's index file: derived data, bound to the checksum of the segment file it was built
/// from, rebuilt when missing or damaged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndexRecord {
    /// The file and its checksum.
    pub blob: BlobInfo,
    /// The index kind (kiln-index's `IndexKind` discriminant).
    pub kind: u32,
    /// CRC32 of the segment file it was built from.
    pub segment_crc: u32,
    /// The trained template it was built on, for IVF kinds.
    #[serde(default)]
    pub template: Option<u64>,
    /// The index's measured recall curve, opaque to storage (the index layer's JSON); `None`
    /// for an index without a search knob, or written before curves were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// The row lists file that goes with the index (settled graphs have one), if any: part of
    /// the index, so missing or damaged it makes the index unusable like its own file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lists: Option<BlobInfo>,
}

impl IndexRecord {
    /// The derived files the index consists of: its own, then its row lists if any.
    pub fn blobs(&self) -> impl Iterator<Item = &BlobInfo> {
        std::iter::once(&self.blob).chain(self.lists.as_ref())
    }
}

/// A trained IVF template (shared coarse quantizer) of a collection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateRecord {
    /// Template id (from the database's id counter).
    pub id: u64,
    /// The file and its checksum.
    pub blob: BlobInfo,
    /// What the template is, opaque to storage (the index layer's description).
    pub description: String,
}

/// The catalog of one database directory.
///
/// Opened either as the **primary** ([`Catalog::open`]: the one writer, under `<root>/LOCK`) or
/// as a **follower** ([`Catalog::open_follower`]: a read-only RocksDB secondary instance that
/// any number of processes may open while the primary writes). A follower's state changes only
/// inside [`Catalog::catch_up`]; every write method of a follower returns
/// [`Error::ReadOnly`] without reaching RocksDB.
pub struct Catalog {
    db: Db,
    path: PathBuf,
    next_id: Mutex<u64>,
}

/// The RocksDB instance behind a catalog.
enum Db {
    /// The writer's.
    Primary(DB),
    /// A secondary instance, replaceable by a fresh one (see [`Catalog::catch_up`]).
    Follower(Follower),
}

struct Follower {
    // Fields drop in order: RocksDB closes before the scratch directory is removed.
    db: RwLock<DB>,
    /// Held through a catch-up, which it serialises.
    state: Mutex<FollowerState>,
    scratch: FollowerScratch,
}

struct FollowerState {
    /// The generation of the instance: its secondary directory is `g<generation>` in the
    /// scratch directory.
    generation: u64,
    /// The primary's MANIFEST up to which the instance is known to have applied every edit,
    /// with no edit since then; `None` when unknown (the next catch-up opens afresh).
    mark: Option<ManifestMark>,
}

/// A read handle on the catalog's RocksDB instance.
enum DbRef<'a> {
    Primary(&'a DB),
    Follower(RwLockReadGuard<'a, DB>),
}

impl std::ops::Deref for DbRef<'_> {
    type Target = DB;
    fn deref(&self) -> &DB {
        match self {
            DbRef::Primary(db) => db,
            DbRef::Follower(guard) => guard,
        }
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scratch = match &self.db {
            Db::Primary(_) => None,
            Db::Follower(f) => Some(&f.scratch.dir),
        };
        f.debug_struct("Catalog")
            .field("path", &self.path)
            .field("follower", &scratch)
            .finish_non_exhaustive()
    }
}

/// The name prefix of follower scratch directories: `kiln-follower-<pid>-<n>-<nanos>`.
const SCRATCH_PREFIX: &str = "kiln-follower-";
/// The file in a scratch directory its follower holds an exclusive lock on while it is open.
const SCRATCH_OWNER: &str = "OWNER";
/// A scratch directory younger than this is never swept, even if unlocked: its follower may be
/// between creating it and locking it.
const SCRATCH_SWEEP_MIN_AGE: Duration = Duration::from_secs(60);
/// How often a consistent follower instance is attempted before giving up (see
/// [`open_consistent`]), and the longest pause between attempts.
const OPEN_ATTEMPTS: u32 = 20;
const OPEN_MAX_PAUSE: Duration = Duration::from_millis(250);

/// A follower's private directory, where RocksDB's secondary instance keeps its info log.
/// Removed when the follower closes; [`sweep_scratch_dirs`] removes those of followers that
/// died without closing.
struct FollowerScratch {
    dir: PathBuf,
    _owner: Box<dyn FileLock>,
}

impl Drop for FollowerScratch {
    fn drop(&mut self) {
        // The lock is released after the directory is gone (field order), so a sweeper never
        // sees an unlocked directory of a live follower.
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %e,
                "could not remove a follower's scratch directory");
        }
    }
}

impl FollowerScratch {
    /// Create a fresh, locked scratch directory under `parent`.
    ///
    /// The directory holds only RocksDB's info log (RocksDB's file, outside the
    /// [`FileSystem`] seam like the catalog directory itself); the lock is taken through
    /// [`OsFs`] because the directory is not in the database and must be the real file system
    /// for RocksDB to use it.
    fn create(parent: &Path) -> Result<FollowerScratch> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        sweep_scratch_dirs(parent);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for _ in 0..16 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = parent.join(format!(
                "{SCRATCH_PREFIX}{}-{n}-{nanos}",
                std::process::id()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    last = Some(Error::io(&dir, e));
                    continue;
                }
                Err(e) => return Err(Error::io(&dir, e)),
            }
            let owner = dir.join(SCRATCH_OWNER);
            let lock = match OsFs.try_lock(&owner) {
                Ok(Some(lock)) => lock,
                Ok(None) => {
                    last = Some(Error::Locked { path: owner });
                    continue;
                }
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    return Err(Error::io(&owner, e));
                }
            };
            return Ok(FollowerScratch { dir, _owner: lock });
        }
        Err(last.unwrap_or_else(|| {
            Error::io(
                parent,
                std::io::Error::other("no fresh follower scratch directory name"),
            )
        }))
    }
}

/// Remove the scratch directories under `parent` left by followers that died without closing:
/// those whose `OWNER` lock nobody holds, and that are older than a minute (a follower may be
/// between creating its directory and locking it). Best effort: errors are ignored. Called by
/// every follower open; the engine need not call it.
pub fn sweep_scratch_dirs(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if !name.starts_with(SCRATCH_PREFIX) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = entry.path();
        let old_enough = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= SCRATCH_SWEEP_MIN_AGE);
        if !old_enough {
            continue;
        }
        let owner = dir.join(SCRATCH_OWNER);
        if !owner.exists() {
            continue;
        }
        if let Ok(Some(_lock)) = OsFs.try_lock(&owner) {
            tracing::info!(dir = %dir.display(), "removing the scratch directory of a dead follower");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// The key range of everything of `coll` in a column family keyed by collection first.
fn coll_range(coll: CollectionId) -> (Vec<u8>, Vec<u8>) {
    let start = coll.0.to_be_bytes().to_vec();
    let end = match coll.0.checked_add(1) {
        Some(next) => next.to_be_bytes().to_vec(),
        None => vec![0xff; 9],
    };
    (start, end)
}

fn seg_key(coll: CollectionId, seg: SegmentId) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&coll.0.to_be_bytes());
    k[8..].copy_from_slice(&seg.0.to_be_bytes());
    k
}

fn row_key(coll: CollectionId, seg: SegmentId, row: RowId) -> [u8; 20] {
    let mut k = [0u8; 20];
    k[..16].copy_from_slice(&seg_key(coll, seg));
    k[16..].copy_from_slice(&row.to_be_bytes());
    k
}

fn seg_rows_range(coll: CollectionId, seg: SegmentId) -> (Vec<u8>, Vec<u8>) {
    let start = seg_key(coll, seg).to_vec();
    let mut end = start.clone();
    end.extend_from_slice(&[0xff; 5]);
    (start, end)
}

fn idmap_key(coll: CollectionId, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&coll.0.to_be_bytes());
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

fn collection_key(name: &str) -> Vec<u8> {
    let mut k = vec![PREFIX_COLLECTION];
    k.extend_from_slice(name.as_bytes());
    k
}

fn segment_meta_key(coll: CollectionId, seg: SegmentId) -> Vec<u8> {
    let mut k = vec![PREFIX_SEGMENT];
    k.extend_from_slice(&seg_key(coll, seg));
    k
}

fn be_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn decode_location(bytes: &[u8]) -> Option<RowLocation> {
    if bytes.len() != 12 {
        return None;
    }
    Some(RowLocation {
        segment: SegmentId(be_u64(bytes, 0)?),
        row: be_u32(bytes, 8)?,
    })
}

/// Decode a growing row's value (user id, then `vector.len()` f32, then the row's attribute
/// bytes, `attrs::encode_row`, possibly none) into `vector`; returns the id and the attribute
/// bytes (empty: every field null). `None` when the value is shorter than id and vector or a
/// component is not finite (every stored vector was checked finite).
pub fn decode_row_value<'v>(value: &'v [u8], vector: &mut [f32]) -> Option<(u64, &'v [u8])> {
    let vec_len = vector.len().checked_mul(4)?.checked_add(8)?;
    if value.len() < vec_len {
        return None;
    }
    let (head, attrs) = value.split_at(vec_len);
    let (id_bytes, vec_bytes) = head.split_at(8);
    let id = u64::from_le_bytes(id_bytes.try_into().ok()?);
    for (x, b) in vector.iter_mut().zip(vec_bytes.chunks_exact(4)) {
        *x = f32::from_le_bytes(b.try_into().ok()?);
        if !x.is_finite() {
            return None;
        }
    }
    Some((id, attrs))
}

/// Run every decoder of catalog values on `bytes` (fuzzing entry point): none may panic.
#[doc(hidden)]
pub fn fuzz_decode_values(bytes: &[u8]) {
    let _ = decode_location(bytes);
    let dim = bytes.first().map_or(1, |&d| usize::from(d) + 1);
    let mut vector = vec![0f32; dim];
    let _ = decode_row_value(bytes.get(1..).unwrap_or(&[]), &mut vector);
    let _ = serde_json::from_slice::<CollectionRecord>(bytes);
    let _ = serde_json::from_slice::<SegmentMeta>(bytes);
    let _ = serde_json::from_slice::<TemplateRecord>(bytes);
}

fn encode_location(loc: RowLocation) -> [u8; 12] {
    let mut v = [0u8; 12];
    v[..8].copy_from_slice(&loc.segment.0.to_be_bytes());
    v[8..].copy_from_slice(&loc.row.to_be_bytes());
    v
}

/// Options of the catalog's RocksDB instance shared by the primary and followers.
fn db_options() -> Options {
    let mut opts = Options::default();
    opts.set_paranoid_checks(true);
    opts.set_wal_recovery_mode(DBRecoveryMode::TolerateCorruptedTailRecords);
    opts.set_compression_type(DBCompressionType::None);
    opts
}

/// The column families with their options (the same for the primary and followers: the
/// comparator and table format, with the id map's bloom filter, must match to read).
fn cf_descriptors() -> Vec<ColumnFamilyDescriptor> {
    let mut rows = Options::default();
    rows.set_compression_type(DBCompressionType::None);
    rows.set_write_buffer_size(ROWS_MEMTABLE_BYTES);
    rows.set_max_write_buffer_number(3);

    let mut idmap = Options::default();
    idmap.set_compression_type(DBCompressionType::None);
    let mut table = BlockBasedOptions::default();
    table.set_bloom_filter(10.0, false);
    idmap.set_block_based_table_factory(&table);
    idmap.set_write_buffer_size(64 << 20);

    let mut small = Options::default();
    small.set_compression_type(DBCompressionType::None);

    vec![
        ColumnFamilyDescriptor::new(CF_CATALOG, small.clone()),
        ColumnFamilyDescriptor::new(CF_ROWS, rows),
        ColumnFamilyDescriptor::new(CF_IDMAP, idmap),
        ColumnFamilyDescriptor::new(CF_TOMBSTONES, small),
    ]
}

/// Which MANIFEST `CURRENT` names in the catalog directory `dir`, and its length: it changes
/// with every edit the primary appends (flushes, compactions, file deletions follow them) and
/// when it starts a new MANIFEST. `None` if it cannot be read (a switch in progress).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ManifestMark {
    name: String,
    len: u64,
}

fn manifest_mark(dir: &Path) -> Option<ManifestMark> {
    let current = std::fs::read_to_string(dir.join("CURRENT")).ok()?;
    let name = current.trim().to_string();
    let len = std::fs::metadata(dir.join(&name)).ok()?.len();
    Some(ManifestMark { name, len })
}

/// Open a secondary instance of the catalog in `primary`, with its own files (the info log) in
/// `dir` (created).
fn open_secondary(primary: &Path, dir: &Path) -> std::result::Result<DB, rocksdb::Error> {
    let mut opts = db_options();
    // Keep every table file open: the primary deletes table files a compaction replaced, and a
    // follower that has not caught up yet still reads them.
    opts.set_max_open_files(-1);
    // With every table file kept open, RocksDB loads the table handlers of each version it
    // applies on a pool of `max_file_opening_threads` threads started per column family and per
    // call (16 by default): every catch-up, even one with nothing new, started 80 threads and
    // took ~10 ms. One thread: ~35 µs for an idle catch-up, ~0.2 ms for one with new batches.
    opts.set_max_file_opening_threads(1);
    opts.set_log_level(LogLevel::Warn);
    opts.set_keep_log_file_num(1);
    opts.set_max_log_file_size(1 << 20);
    DB::open_cf_descriptors_as_secondary(&opts, primary, dir, cf_descriptors())
}

/// Open a secondary instance that is consistent: one during whose opening the primary's
/// MANIFEST did not change. Then no table or log file the instance needed can have been
/// deleted under it (the primary deletes files only after the MANIFEST edit that makes them
/// obsolete), and the instance holds the primary's state as of some moment during the open:
/// every batch committed before the call, each whole.
///
/// RocksDB's secondary does not guarantee that by itself: when a table file named by the
/// MANIFEST is gone, it installs the last "point in time" whose files all exist while still
/// applying later log numbers, and so can show a state with batches missing from some column
/// families (seen in `tests/follower_atomic.rs`). Retries with growing pauses while the
/// MANIFEST keeps changing or files vanish under the opening; [`Error::FollowerBusy`] after
/// [`OPEN_ATTEMPTS`]. Any other failure to open is returned at once.
fn open_consistent(primary: &Path, dir: &Path) -> Result<(DB, ManifestMark)> {
    let mut pause = Duration::from_millis(1);
    let mut last = String::new();
    for attempt in 1..=OPEN_ATTEMPTS {
        if attempt > 1 {
            std::thread::sleep(pause);
            pause = (pause * 2).min(OPEN_MAX_PAUSE);
        }
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let Some(before) = manifest_mark(primary) else {
            last = "CURRENT or the MANIFEST it names could not be read".into();
            continue;
        };
        let db = match open_secondary(primary, dir) {
            Ok(db) => db,
            // A table or log file deleted between the MANIFEST read and its opening.
            Err(e)
                if e.kind() == rocksdb::ErrorKind::IOError
                    && e.as_ref().contains("No such file") =>
            {
                tracing::debug!(error = %e, attempt, "opening a follower failed");
                last = e.into_string();
                continue;
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(dir);
                return Err(Error::catalog(primary, e));
            }
        };
        if manifest_mark(primary).as_ref() == Some(&before) {
            return Ok((db, before));
        }
        tracing::debug!(attempt, "the MANIFEST changed while a follower opened");
        last = "the MANIFEST changed during the opening".into();
    }
    let _ = std::fs::remove_dir_all(dir);
    Err(Error::FollowerBusy {
        path: primary.to_path_buf(),
        attempts: OPEN_ATTEMPTS,
        last,
    })
}

impl Catalog {
    /// Open or create the catalog in `path`, with the recovery options of docs/reliability.md recipe 2:
    /// paranoid checks, and a WAL recovery mode that tolerates only a torn last record.
    pub fn open(path: &Path) -> Result<Catalog> {
        let mut opts = db_options();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_max_total_wal_size(4 * ROWS_MEMTABLE_BYTES as u64);
        opts.set_keep_log_file_num(2);
        opts.set_max_log_file_size(8 << 20);
        opts.set_max_background_jobs(2);
        let db = DB::open_cf_descriptors(&opts, path, cf_descriptors())
            .map_err(|e| Error::catalog(path, e))?;
        let catalog = Catalog {
            db: Db::Primary(db),
            path: path.to_path_buf(),
            next_id: Mutex::new(1),
        };
        catalog.check_version()?;
        *catalog.next_id.lock() = catalog.read_next_id()?;
        Ok(catalog)
    }

    /// Open the catalog in `primary` (a database's `<root>/catalog`) read-only, as a follower
    /// of the process that writes it (or of nobody: a closed database opens the same way).
    ///
    /// The follower is a RocksDB secondary instance. It sees the state of the catalog at open:
    /// everything the primary had written to its SST files **and to its write-ahead log**,
    /// synced or not (RocksDB writes each batch to the log with one `write(2)` before it
    /// acknowledges it, and the follower replays the log into its own memtables), so the
    /// growing rows of the writer are visible. After that it moves only when
    /// [`Catalog::catch_up`] is called. A `WriteBatch` is all or nothing to it, and no batch
    /// is missing below the newest it shows. Fails with [`Error::FollowerBusy`] when the
    /// primary changed its MANIFEST (flushed or compacted) during every attempt to open, which
    /// takes a flush or compaction every few milliseconds for a few seconds.
    ///
    /// RocksDB needs a directory of the follower's own for its info log: a private directory
    /// is created in [`std::env::temp_dir`] and removed when the catalog is dropped (see
    /// [`Catalog::open_follower_in`] to choose the parent). Nothing is written to the
    /// database directory, which may be read-only to the follower's process.
    ///
    /// **Locks.** A follower takes no lock in the database directory: not `<root>/LOCK` (an
    /// exclusive lock there would make a writer that starts later fail with `Locked`; a shared
    /// one would too, since the writer's lock is exclusive) and not RocksDB's `LOCK`. The
    /// writer therefore never waits for readers and keeps deleting files it no longer needs:
    /// RocksDB's table and log files (the follower opens every table file of its version
    /// eagerly, `max_open_files = -1`, and keeps each log file it reads open, so those stay
    /// readable after the primary unlinks them), and Kiln's segment and derived files (after a
    /// merge or a drop, or at a restarting writer's startup cleanup). On Linux an open or
    /// mapped file survives its unlink, so a reader loses only files it has not opened yet; it
    /// must treat a missing file named by its catalog state as "my state is stale": call
    /// [`Catalog::catch_up`] and load again. The alternative, readers registering what they
    /// use so the writer defers deletions, would make a reader that stalls or dies hold disk
    /// space in the writer's directory; it is not done.
    pub fn open_follower(primary: &Path) -> Result<Catalog> {
        Self::open_follower_in(primary, &std::env::temp_dir())
    }

    /// [`Catalog::open_follower`] with the follower's private directory created under
    /// `scratch_parent` (created if missing) instead of the system's temporary directory.
    /// Directories there left by followers that died without closing are removed (see
    /// [`sweep_scratch_dirs`]).
    pub fn open_follower_in(primary: &Path, scratch_parent: &Path) -> Result<Catalog> {
        // rust-rocksdb creates the directory it opens, even for a secondary: check first that
        // there is a catalog, so that a follower of a wrong path creates nothing there.
        let current = primary.join("CURRENT");
        match std::fs::metadata(&current) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::io(
                    primary,
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no catalog to follow here (no CURRENT file)",
                    ),
                ))
            }
            Err(e) => return Err(Error::io(&current, e)),
        }
        let scratch = FollowerScratch::create(scratch_parent)?;
        let (db, mark) = open_consistent(primary, &scratch.dir.join("g0"))?;
        let catalog = Catalog {
            db: Db::Follower(Follower {
                db: RwLock::new(db),
                state: Mutex::new(FollowerState {
                    generation: 0,
                    mark: Some(mark),
                }),
                scratch,
            }),
            path: primary.to_path_buf(),
            next_id: Mutex::new(1),
        };
        catalog.check_version()?;
        *catalog.next_id.lock() = catalog.read_next_id()?;
        Ok(catalog)
    }

    /// Whether this catalog is a read-only follower.
    pub fn is_follower(&self) -> bool {
        matches!(self.db, Db::Follower(_))
    }

    /// A follower: move to the primary's latest state (everything it has written to its SST
    /// files and write-ahead log, as [`Catalog::open_follower`] describes). Returns whether
    /// the state moved, i.e. the latest sequence number changed; `false` means there was
    /// nothing new. On the primary, which is always current, it returns `Ok(false)`.
    ///
    /// After it returns `Ok`, every batch the primary had committed (acknowledged or not)
    /// before the call started is visible, whole, and so is every earlier batch.
    ///
    /// How: if the primary's MANIFEST has not changed since the follower's state was last
    /// known consistent, only its log can have grown, and RocksDB's catch-up tails it (cheap:
    /// the new batches are read once). Otherwise (the primary flushed, compacted, or
    /// restarted) a fresh secondary instance is opened and swapped in, one during whose
    /// opening the MANIFEST did not change, and which replays the primary's live log again
    /// (its cost is that replay: up to the primary's unflushed log); RocksDB's own catch-up
    /// over MANIFEST edits
    /// is not used for that, since it can show states with batches missing from some column
    /// families when the primary has deleted files the edits name. Reads wait for the swap
    /// only, never for the opening.
    ///
    /// An error leaves the follower at a whole state (the previous one, or one caught up
    /// from the log while the MANIFEST changed, which a second pass completes); the next call
    /// opens afresh. The error to expect is [`Error::FollowerBusy`]: the primary changed its
    /// MANIFEST during every attempt to open (a flush or compaction every few milliseconds);
    /// try again later.
    ///
    /// Reads on other threads during the call see whole batches, but a sequence of reads
    /// spanning the call can mix the old and the new state: serialise `catch_up` against reads
    /// that must agree with each other (RocksDB's secondary has no snapshots).
    pub fn catch_up(&self) -> Result<bool> {
        let Db::Follower(follower) = &self.db else {
            return Ok(false);
        };
        let mut state = follower.state.lock();
        let before = self.latest_sequence();
        let mark = manifest_mark(&self.path);
        if mark.is_some() && mark == state.mark {
            let tailed = follower.db.read_recursive().try_catch_up_with_primary();
            match tailed {
                Ok(()) if manifest_mark(&self.path) == mark => {
                    drop(state);
                    *self.next_id.lock() = self.read_next_id()?;
                    return Ok(self.latest_sequence() != before);
                }
                Ok(()) => {
                    // A flush finished during the pass, and its log may have been deleted
                    // before the pass listed the logs: a second pass reads the flush's edit.
                    state.mark = None;
                    let _ = follower.db.read_recursive().try_catch_up_with_primary();
                }
                Err(e) => {
                    tracing::debug!(error = %e, "follower catch-up failed; opening afresh");
                    state.mark = None;
                }
            }
        }
        let next = state.generation + 1;
        let (db, mark) =
            open_consistent(&self.path, &follower.scratch.dir.join(format!("g{next}")))?;
        let old = std::mem::replace(&mut *follower.db.write(), db);
        drop(old);
        let _ =
            std::fs::remove_dir_all(follower.scratch.dir.join(format!("g{}", state.generation)));
        state.generation = next;
        state.mark = Some(mark);
        drop(state);
        *self.next_id.lock() = self.read_next_id()?;
        Ok(self.latest_sequence() != before)
    }

    /// The instance to write with: the primary's; [`Error::ReadOnly`] on a follower.
    fn primary(&self, operation: &'static str) -> Result<&DB> {
        match &self.db {
            Db::Primary(db) => Ok(db),
            Db::Follower(_) => Err(Error::ReadOnly {
                path: self.path.clone(),
                operation,
            }),
        }
    }

    /// The instance to read from.
    fn db(&self) -> DbRef<'_> {
        match &self.db {
            Db::Primary(db) => DbRef::Primary(db),
            // Recursive: a reader's callback may read again while a catch-up waits to swap.
            Db::Follower(f) => DbRef::Follower(f.db.read_recursive()),
        }
    }

    fn read_next_id(&self) -> Result<u64> {
        let next = match self.get_meta(KEY_NEXT_ID)? {
            Some(bytes) => u64::from_le_bytes(
                bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| self.corrupted("next-id record is not 8 bytes"))?,
            ),
            None => 1,
        };
        Ok(next.max(1))
    }

    fn check_version(&self) -> Result<()> {
        match self.get_meta(KEY_VERSION)? {
            Some(bytes) => {
                let v = u32::from_le_bytes(
                    bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| self.corrupted("version record is not 4 bytes"))?,
                );
                if v != CATALOG_FORMAT_VERSION {
                    return Err(Error::UnsupportedVersion {
                        path: self.path.clone(),
                        found: v,
                        oldest: CATALOG_FORMAT_VERSION,
                        current: CATALOG_FORMAT_VERSION,
                    });
                }
                Ok(())
            }
            // A follower of a primary that has not written its version yet (it does so right
            // after creating the catalog, before anything else) sees an empty catalog.
            None if self.is_follower() => Ok(()),
            None => {
                let mut batch = WriteBatch::default();
                batch.put_cf(
                    self.cf(self.primary("write the format version")?, CF_CATALOG)?,
                    KEY_VERSION,
                    CATALOG_FORMAT_VERSION.to_le_bytes(),
                );
                self.write(batch, true)
            }
        }
    }

    fn corrupted(&self, reason: impl Into<String>) -> Error {
        Error::corrupted(&self.path, reason)
    }

    fn cf<'d>(&self, db: &'d DB, name: &str) -> Result<&'d ColumnFamily> {
        db.cf_handle(name)
            .ok_or_else(|| self.corrupted(format!("column family {name} is missing")))
    }

    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let db = self.db();
        db.get_cf(self.cf(&db, CF_CATALOG)?, key)
            .map_err(|e| Error::catalog(&self.path, e))
    }

    fn write(&self, batch: WriteBatch, sync: bool) -> Result<()> {
        let db = self.primary("commit")?;
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        db.write_opt(batch, &wo)
            .map_err(|e| Error::catalog(&self.path, e))
    }

    /// The catalog's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new empty batch. [`Error::ReadOnly`] on a follower.
    pub fn batch(&self) -> Result<CatalogBatch<'_>> {
        let db = self.primary("write batch")?;
        Ok(CatalogBatch {
            batch: WriteBatch::default(),
            catalog: self,
            cf_catalog: self.cf(db, CF_CATALOG)?,
            cf_rows: self.cf(db, CF_ROWS)?,
            cf_idmap: self.cf(db, CF_IDMAP)?,
            cf_tombstones: self.cf(db, CF_TOMBSTONES)?,
        })
    }

    /// Commit `batch` atomically; with `sync`, fsync the log before returning.
    pub fn commit(&self, batch: CatalogBatch<'_>, sync: bool) -> Result<()> {
        self.write(batch.batch, sync)
    }

    /// Reserve `n` fresh ids (for collections and segments). The ids are final once the batch
    /// passed to [`IdAllocation::commit`] commits; holding the allocation serialises id-allocating
    /// commits so the persisted counter never goes backwards.
    pub fn allocate_ids(&self, n: u64) -> IdAllocation<'_> {
        let guard = self.next_id.lock();
        let first = *guard;
        IdAllocation {
            guard,
            first,
            n,
            catalog: self,
        }
    }

    /// Reserve `n` fresh ids now ([`Error::ReadOnly`] on a follower), committing the advanced counter at once (without sync), for
    /// work that names files long before its catalog commit (merges). Ids reserved but never
    /// used are skipped, never reused. A crash that loses the reservation loses nothing else:
    /// files named with those ids are unreferenced and removed on the next open.
    pub fn reserve_ids(&self, n: u64) -> Result<Range<u64>> {
        let alloc = self.allocate_ids(n);
        let ids = alloc.ids();
        alloc.commit(self.batch()?, false)?;
        Ok(ids)
    }

    /// The sequence number of the latest write RocksDB knows of. On a follower: of the latest
    /// write it has caught up to.
    pub fn latest_sequence(&self) -> u64 {
        self.db().latest_sequence_number()
    }

    /// A sequence number that is durable: every write up to it has been fsynced.
    /// [`Error::ReadOnly`] on a follower.
    pub fn durable_sequence(&self) -> Result<u64> {
        let seq = self
            .primary("durable sequence (log sync)")?
            .latest_sequence_number();
        self.sync_wal()?;
        Ok(seq)
    }

    /// Prepare a clean close: flush every memtable (so that recovery needs no log), fsync, and
    /// stop RocksDB's background work. Returns a durable sequence number. Nothing may write to
    /// the catalog afterwards.
    pub fn quiesce(&self) -> Result<u64> {
        let db = self.primary("quiesce")?;
        self.flush()?;
        let seq = self.durable_sequence()?;
        db.cancel_all_background_work(true);
        Ok(seq)
    }

    /// Flush every memtable to a table file (the primary then starts a new log file and
    /// deletes the old one). [`Error::ReadOnly`] on a follower.
    pub fn flush(&self) -> Result<()> {
        let db = self.primary("flush")?;
        for name in [CF_CATALOG, CF_ROWS, CF_IDMAP, CF_TOMBSTONES] {
            db.flush_cf(self.cf(db, name)?)
                .map_err(|e| Error::catalog(&self.path, e))?;
        }
        Ok(())
    }

    /// Give back the space of rows already sealed into segment files: every memtable flushed
    /// (so RocksDB deletes the log files that still held those rows) and the rows column
    /// family compacted (dropping the rows its range deletions cover). The catalog's other
    /// column families are left as they are. [`Error::ReadOnly`] on a follower.
    pub fn reclaim_rows(&self) -> Result<()> {
        self.flush()?;
        let db = self.primary("reclaim rows")?;
        let mut opts = CompactOptions::default();
        opts.set_bottommost_level_compaction(BottommostLevelCompaction::Force);
        db.compact_range_cf_opt(self.cf(db, CF_ROWS)?, None::<&[u8]>, None::<&[u8]>, &opts);
        Ok(())
    }

    /// Compact every column family completely: every table file is rewritten and the old ones
    /// are deleted. Maintenance and tests; [`Error::ReadOnly`] on a follower.
    pub fn compact(&self) -> Result<()> {
        let db = self.primary("compact")?;
        let mut opts = CompactOptions::default();
        opts.set_bottommost_level_compaction(BottommostLevelCompaction::Force);
        for name in [CF_CATALOG, CF_ROWS, CF_IDMAP, CF_TOMBSTONES] {
            db.compact_range_cf_opt(self.cf(db, name)?, None::<&[u8]>, None::<&[u8]>, &opts);
        }
        Ok(())
    }

    /// Write a consistent copy of the catalog to the new directory `dest` (which must not
    /// exist; its parent must) with RocksDB's checkpoint: the memtables are flushed first,
    /// table files are hard-linked where the file system allows (copied otherwise), the live
    /// log files are copied up to their current length, and everything written is synced
    /// before `dest` appears (RocksDB builds it as `dest.tmp` and renames it). Syncing the
    /// directory holding `dest` is the caller's (see [`crate::checkpoint`]).
    ///
    /// The copy holds every batch committed before the call, and possibly some committed
    /// during it; each batch whole or not at all. Returns the primary's latest sequence number
    /// at the call: every write acknowledged before the call is at or below it, so the copy
    /// opens at that sequence or above. [`Error::ReadOnly`] on a follower (a secondary cannot
    /// flush; a reader wanting a copy asks the writer).
    pub fn checkpoint(&self, dest: &Path) -> Result<u64> {
        let db = self.primary("checkpoint")?;
        let seq = db.latest_sequence_number();
        let checkpoint = Checkpoint::new(db).map_err(|e| Error::catalog(&self.path, e))?;
        checkpoint
            .create_checkpoint(dest)
            .map_err(|e| Error::catalog(dest, e))?;
        Ok(seq)
    }

    /// Make every committed write durable (fsync the log). [`Error::ReadOnly`] on a follower.
    pub fn sync_wal(&self) -> Result<()> {
        self.primary("log sync")?
            .flush_wal(true)
            .map_err(|e| Error::catalog(&self.path, e))
    }

    /// All collections.
    pub fn collections(&self) -> Result<Vec<CollectionRecord>> {
        let db = self.db();
        let cf = self.cf(&db, CF_CATALOG)?;
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(vec![PREFIX_COLLECTION + 1]);
        let mut out = Vec::new();
        for item in db.iterator_cf_opt(
            cf,
            ro,
            IteratorMode::From(&[PREFIX_COLLECTION], Direction::Forward),
        ) {
            let (key, value) = item.map_err(|e| Error::catalog(&self.path, e))?;
            let record: CollectionRecord = serde_json::from_slice(&value)
                .map_err(|e| self.corrupted(format!("collection record: {e}")))?;
            if key.get(1..) != Some(record.name.as_bytes()) {
                return Err(self.corrupted(format!(
                    "collection record {} under another key",
                    record.name
                )));
            }
            out.push(record);
        }
        Ok(out)
    }

    /// The collection named `name`.
    pub fn collection(&self, name: &str) -> Result<Option<CollectionRecord>> {
        match self.get_meta(&collection_key(name))? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| self.corrupted(format!("collection record {name}: {e}"))),
        }
    }

    /// The segments of `coll`, in id order.
    pub fn segments(&self, coll: CollectionId) -> Result<Vec<SegmentMeta>> {
        let db = self.db();
        let cf = self.cf(&db, CF_CATALOG)?;
        let (start, end) = coll_range(coll);
        let mut lower = vec![PREFIX_SEGMENT];
        lower.extend_from_slice(&start);
        let mut upper = vec![PREFIX_SEGMENT];
        upper.extend_from_slice(&end);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(upper);
        let mut out = Vec::new();
        for item in db.iterator_cf_opt(cf, ro, IteratorMode::From(&lower, Direction::Forward)) {
            let (key, value) = item.map_err(|e| Error::catalog(&self.path, e))?;
            let meta: SegmentMeta = serde_json::from_slice(&value)
                .map_err(|e| self.corrupted(format!("segment record: {e}")))?;
            if be_u64(&key, 9) != Some(meta.id.0) {
                return Err(self.corrupted(format!("segment record {} under another key", meta.id)));
            }
            out.push(meta);
        }
        Ok(out)
    }

    /// The trained templates of `coll`, in id order.
    pub fn templates(&self, coll: CollectionId) -> Result<Vec<TemplateRecord>> {
        let db = self.db();
        let cf = self.cf(&db, CF_CATALOG)?;
        let (start, end) = coll_range(coll);
        let mut lower = vec![PREFIX_TEMPLATE];
        lower.extend_from_slice(&start);
        let mut upper = vec![PREFIX_TEMPLATE];
        upper.extend_from_slice(&end);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(upper);
        let mut out = Vec::new();
        for item in db.iterator_cf_opt(cf, ro, IteratorMode::From(&lower, Direction::Forward)) {
            let (key, value) = item.map_err(|e| Error::catalog(&self.path, e))?;
            let t: TemplateRecord = serde_json::from_slice(&value)
                .map_err(|e| self.corrupted(format!("template record: {e}")))?;
            if be_u64(&key, 9) != Some(t.id) {
                return Err(self.corrupted(format!("template record {} under another key", t.id)));
            }
            out.push(t);
        }
        Ok(out)
    }

    /// Where the live rows of `ids` are, in the order given.
    pub fn locations(&self, coll: CollectionId, ids: &[u64]) -> Result<Vec<Option<RowLocation>>> {
        let db = self.db();
        let cf = self.cf(&db, CF_IDMAP)?;
        let keys: Vec<[u8; 16]> = ids.iter().map(|&id| idmap_key(coll, id)).collect();
        let results = db.batched_multi_get_cf(cf, &keys, false);
        let mut out = Vec::with_capacity(ids.len());
        for (r, id) in results.into_iter().zip(ids) {
            match r.map_err(|e| Error::catalog(&self.path, e))? {
                None => out.push(None),
                Some(v) => out
                    .push(Some(decode_location(&v).ok_or_else(|| {
                        self.corrupted(format!("id map entry of {id}"))
                    })?)),
            }
        }
        Ok(out)
    }

    /// Where the live row of `id` is.
    pub fn location(&self, coll: CollectionId, id: u64) -> Result<Option<RowLocation>> {
        let db = self.db();
        let v = db
            .get_pinned_cf(self.cf(&db, CF_IDMAP)?, idmap_key(coll, id))
            .map_err(|e| Error::catalog(&self.path, e))?;
        match v {
            None => Ok(None),
            Some(v) => decode_location(&v)
                .map(Some)
                .ok_or_else(|| self.corrupted(format!("id map entry of {id}"))),
        }
    }

    /// Every row of growing segment `seg`, in row order: `f(row, id, vector, attribute bytes)`
    /// (the bytes `put_row` stored; empty for a row without attributes). Fails with `Corrupted`
    /// if rows are not numbered 0, 1, 2, … or a value is too short.
    pub fn growing_rows(
        &self,
        coll: CollectionId,
        seg: SegmentId,
        dim: usize,
        f: impl FnMut(RowId, u64, &[f32], &[u8]) -> Result<()>,
    ) -> Result<()> {
        self.growing_rows_from(coll, seg, dim, 0, f)
    }

    /// [`Catalog::growing_rows`] from row `first` on (rows are only ever appended to a growing
    /// segment, so a follower that holds rows `0..first` reads only the new ones). Fails with
    /// `Corrupted` if rows are not numbered `first, first + 1, …`.
    pub fn growing_rows_from(
        &self,
        coll: CollectionId,
        seg: SegmentId,
        dim: usize,
        first: RowId,
        mut f: impl FnMut(RowId, u64, &[f32], &[u8]) -> Result<()>,
    ) -> Result<()> {
        let db = self.db();
        let cf = self.cf(&db, CF_ROWS)?;
        let (_, end) = seg_rows_range(coll, seg);
        let start = row_key(coll, seg, first);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(end);
        let mut expected: RowId = first;
        let mut vector = vec![0f32; dim];
        for item in db.iterator_cf_opt(cf, ro, IteratorMode::From(&start, Direction::Forward)) {
            let (key, value) = item.map_err(|e| Error::catalog(&self.path, e))?;
            let row = be_u32(&key, 16)
                .filter(|_| key.len() == 20)
                .ok_or_else(|| {
                    self.corrupted(format!("row key of segment {seg} has length {}", key.len()))
                })?;
            if row != expected {
                return Err(self.corrupted(format!(
                    "segment {seg}: row {row} follows row {}",
                    expected.wrapping_sub(1)
                )));
            }
            let (id, attrs) = decode_row_value(&value, &mut vector).ok_or_else(|| {
                self.corrupted(format!(
                    "segment {seg} row {row}: {} bytes, or a non-finite component",
                    value.len()
                ))
            })?;
            f(row, id, &vector, attrs)?;
            expected = expected
                .checked_add(1)
                .ok_or_else(|| self.corrupted(format!("segment {seg} has too many rows")))?;
        }
        Ok(())
    }

    /// All tombstones of `coll` as `(segment, row)`, in order.
    pub fn tombstones(&self, coll: CollectionId) -> Result<Vec<(SegmentId, RowId)>> {
        let db = self.db();
        let cf = self.cf(&db, CF_TOMBSTONES)?;
        let (start, end) = coll_range(coll);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(end);
        let mut out = Vec::new();
        for item in db.iterator_cf_opt(cf, ro, IteratorMode::From(&start, Direction::Forward)) {
            let (key, _) = item.map_err(|e| Error::catalog(&self.path, e))?;
            match (key.len(), be_u64(&key, 8), be_u32(&key, 16)) {
                (20, Some(seg), Some(row)) => out.push((SegmentId(seg), row)),
                _ => return Err(self.corrupted("tombstone key")),
            }
        }
        Ok(out)
    }

    /// The highest id used anywhere in the catalog (collections and segments), for a sanity check
    /// of the id counter on open.
    pub fn max_used_id(&self) -> Result<u64> {
        let mut max = 0;
        for c in self.collections()? {
            max = max.max(c.id.0).max(c.active_segment.0);
            for s in self.segments(c.id)? {
                max = max.max(s.id.0);
            }
            for t in self.templates(c.id)? {
                max = max.max(t.id);
            }
        }
        Ok(max)
    }

    /// The id counter (next unused id).
    pub fn next_id(&self) -> u64 {
        *self.next_id.lock()
    }
}

/// Fresh ids reserved by [`Catalog::allocate_ids`].
pub struct IdAllocation<'a> {
    guard: MutexGuard<'a, u64>,
    first: u64,
    n: u64,
    catalog: &'a Catalog,
}

impl IdAllocation<'_> {
    /// The reserved ids.
    pub fn ids(&self) -> Range<u64> {
        self.first..self.first + self.n
    }

    /// Commit `batch` together with the advanced id counter.
    pub fn commit(mut self, mut batch: CatalogBatch<'_>, sync: bool) -> Result<()> {
        let next = self.first + self.n;
        batch
            .batch
            .put_cf(batch.cf_catalog, KEY_NEXT_ID, next.to_le_bytes());
        self.catalog.commit(batch, sync)?;
        *self.guard = next;
        Ok(())
    }
}

/// One atomic catalog change under construction. Nothing happens until it is committed.
pub struct CatalogBatch<'a> {
    batch: WriteBatch,
    catalog: &'a Catalog,
    cf_catalog: &'a ColumnFamily,
    cf_rows: &'a ColumnFamily,
    cf_idmap: &'a ColumnFamily,
    cf_tombstones: &'a ColumnFamily,
}

impl CatalogBatch<'_> {
    /// Bytes of the batch so far.
    pub fn size_in_bytes(&self) -> usize {
        self.batch.size_in_bytes()
    }

    /// Create or update a collection record.
    pub fn put_collection(&mut self, record: &CollectionRecord) -> Result<()> {
        let value = serde_json::to_vec(record)
            .map_err(|e| self.catalog.corrupted(format!("encode: {e}")))?;
        self.batch
            .put_cf(self.cf_catalog, collection_key(&record.name), value);
        Ok(())
    }

    /// Remove a collection and everything under it: segment records, rows, id map, tombstones.
    pub fn delete_collection(&mut self, record: &CollectionRecord) {
        self.batch
            .delete_cf(self.cf_catalog, collection_key(&record.name));
        let (start, end) = coll_range(record.id);
        let mut seg_start = vec![PREFIX_SEGMENT];
        seg_start.extend_from_slice(&start);
        let mut seg_end = vec![PREFIX_SEGMENT];
        seg_end.extend_from_slice(&end);
        self.batch
            .delete_range_cf(self.cf_catalog, seg_start, seg_end);
        let mut tpl_start = vec![PREFIX_TEMPLATE];
        tpl_start.extend_from_slice(&start);
        let mut tpl_end = vec![PREFIX_TEMPLATE];
        tpl_end.extend_from_slice(&end);
        self.batch
            .delete_range_cf(self.cf_catalog, tpl_start, tpl_end);
        for cf in [self.cf_rows, self.cf_idmap, self.cf_tombstones] {
            self.batch.delete_range_cf(cf, &start, &end);
        }
    }

    /// Create or update a segment record.
    pub fn put_segment(&mut self, coll: CollectionId, meta: &SegmentMeta) -> Result<()> {
        let value =
            serde_json::to_vec(meta).map_err(|e| self.catalog.corrupted(format!("encode: {e}")))?;
        self.batch
            .put_cf(self.cf_catalog, segment_meta_key(coll, meta.id), value);
        Ok(())
    }

    /// Create or update a template record.
    pub fn put_template(&mut self, coll: CollectionId, t: &TemplateRecord) -> Result<()> {
        let value =
            serde_json::to_vec(t).map_err(|e| self.catalog.corrupted(format!("encode: {e}")))?;
        let mut key = vec![PREFIX_TEMPLATE];
        key.extend_from_slice(&seg_key(coll, SegmentId(t.id)));
        self.batch.put_cf(self.cf_catalog, key, value);
        Ok(())
    }

    /// Remove a template record.
    pub fn delete_template(&mut self, coll: CollectionId, id: u64) {
        let mut key = vec![PREFIX_TEMPLATE];
        key.extend_from_slice(&seg_key(coll, SegmentId(id)));
        self.batch.delete_cf(self.cf_catalog, key);
    }

    /// Remove a segment record and its tombstones.
    pub fn delete_segment(&mut self, coll: CollectionId, seg: SegmentId) {
        self.batch
            .delete_cf(self.cf_catalog, segment_meta_key(coll, seg));
        let (start, end) = seg_rows_range(coll, seg);
        self.batch.delete_range_cf(self.cf_tombstones, &start, &end);
        self.batch.delete_range_cf(self.cf_rows, &start, &end);
    }

    /// Append a row to growing segment `seg`: its user id, vector and attribute bytes
    /// (`attrs::encode_row`; empty for a row without attributes).
    pub fn put_row(
        &mut self,
        coll: CollectionId,
        seg: SegmentId,
        row: RowId,
        id: u64,
        vector: &[f32],
        attrs: &[u8],
    ) {
        let mut value = Vec::with_capacity(8 + 4 * vector.len() + attrs.len());
        value.extend_from_slice(&id.to_le_bytes());
        for x in vector {
            value.extend_from_slice(&x.to_le_bytes());
        }
        value.extend_from_slice(attrs);
        self.batch
            .put_cf(self.cf_rows, row_key(coll, seg, row), value);
    }

    /// Remove all rows of growing segment `seg` from the row column family (after sealing).
    pub fn delete_rows(&mut self, coll: CollectionId, seg: SegmentId) {
        let (start, end) = seg_rows_range(coll, seg);
        self.batch.delete_range_cf(self.cf_rows, start, end);
    }

    /// Point `id` at `loc`.
    pub fn put_location(&mut self, coll: CollectionId, id: u64, loc: RowLocation) {
        self.batch
            .put_cf(self.cf_idmap, idmap_key(coll, id), encode_location(loc));
    }

    /// Remove `id` from the id map.
    pub fn delete_location(&mut self, coll: CollectionId, id: u64) {
        self.batch.delete_cf(self.cf_idmap, idmap_key(coll, id));
    }

    /// Mark row `row` of `seg` deleted.
    pub fn put_tombstone(&mut self, coll: CollectionId, seg: SegmentId, row: RowId) {
        self.batch
            .put_cf(self.cf_tombstones, row_key(coll, seg, row), []);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_numerically() {
        assert!(
            row_key(CollectionId(1), SegmentId(2), 255)
                < row_key(CollectionId(1), SegmentId(2), 256)
        );
        assert!(
            row_key(CollectionId(1), SegmentId(2), u32::MAX)
                < row_key(CollectionId(1), SegmentId(3), 0)
        );
        let (s, e) = seg_rows_range(CollectionId(1), SegmentId(2));
        assert!(s.as_slice() <= &row_key(CollectionId(1), SegmentId(2), 0)[..]);
        assert!(&row_key(CollectionId(1), SegmentId(2), u32::MAX)[..] < e.as_slice());
        let (s, e) = coll_range(CollectionId(u64::MAX));
        assert!(s < e);
    }

    /// The premise of a follower's cheap catch-up: plain writes leave the MANIFEST as it is;
    /// a flush (after which the primary may delete a log file) changes it.
    #[test]
    fn the_manifest_mark_moves_with_flushes_not_with_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cat = Catalog::open(dir.path()).expect("open");
        let before = manifest_mark(dir.path()).expect("mark");
        let mut b = cat.batch().expect("batch");
        b.put_row(CollectionId(1), SegmentId(2), 0, 7, &[1.0], &[]);
        cat.commit(b, true).expect("commit");
        assert_eq!(manifest_mark(dir.path()), Some(before.clone()));
        cat.flush().expect("flush");
        let after = manifest_mark(dir.path()).expect("mark");
        assert_ne!(after, before);
        assert_eq!(manifest_mark(&dir.path().join("missing")), None);
    }

    #[test]
    fn growing_rows_from_reads_only_the_rows_from_there_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cat = Catalog::open(dir.path()).expect("open");
        let (coll, seg) = (CollectionId(1), SegmentId(2));
        let mut b = cat.batch().expect("batch");
        for row in 0..5u32 {
            b.put_row(coll, seg, row, 100 + u64::from(row), &[row as f32], &[]);
        }
        // A neighbour segment's rows are not read.
        b.put_row(coll, SegmentId(3), 0, 9, &[9.0], &[]);
        cat.commit(b, true).expect("commit");
        let read = |first: RowId| {
            let mut out = Vec::new();
            cat.growing_rows_from(coll, seg, 1, first, |row, id, v, _| {
                out.push((row, id, v[0]));
                Ok(())
            })
            .map(|()| out)
        };
        assert_eq!(read(3).expect("rows"), vec![(3, 103, 3.0), (4, 104, 4.0)]);
        assert_eq!(read(0).expect("rows").len(), 5);
        assert!(read(5).expect("rows").is_empty());
        assert!(read(9).expect("rows").is_empty());
        // A gap is corruption, from a later start too.
        let mut b = cat.batch().expect("batch");
        b.put_row(coll, seg, 7, 107, &[7.0], &[]);
        cat.commit(b, true).expect("commit");
        assert!(matches!(read(3), Err(Error::Corrupted { .. })));
    }

    #[test]
    fn round_trip_and_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let coll = CollectionId(5);
        {
            let cat = Catalog::open(dir.path()).expect("open");
            let alloc = cat.allocate_ids(2);
            let ids = alloc.ids();
            assert_eq!(ids, 1..3);
            let mut b = cat.batch().expect("batch");
            let rec = CollectionRecord {
                id: coll,
                name: "docs".into(),
                dim: 2,
                config: "{}".into(),
                active_segment: SegmentId(2),
            };
            b.put_collection(&rec).expect("put");
            b.put_segment(coll, &SegmentMeta::growing(SegmentId(2)))
                .expect("put");
            b.put_row(coll, SegmentId(2), 0, 77, &[1.0, 2.0], &[]);
            b.put_row(coll, SegmentId(2), 1, 78, &[3.0, 4.0], &[9, 8, 7]);
            b.put_location(
                coll,
                77,
                RowLocation {
                    segment: SegmentId(2),
                    row: 0,
                },
            );
            b.put_tombstone(coll, SegmentId(2), 1);
            alloc.commit(b, true).expect("commit");
        }
        let cat = Catalog::open(dir.path()).expect("reopen");
        assert_eq!(cat.next_id(), 3);
        assert_eq!(cat.collections().expect("colls").len(), 1);
        assert_eq!(cat.segments(coll).expect("segs").len(), 1);
        assert!(cat.segments(CollectionId(4)).expect("segs").is_empty());
        let mut rows = Vec::new();
        cat.growing_rows(coll, SegmentId(2), 2, |r, id, v, attrs| {
            rows.push((r, id, v.to_vec(), attrs.to_vec()));
            Ok(())
        })
        .expect("rows");
        assert_eq!(
            rows,
            vec![
                (0, 77, vec![1.0, 2.0], vec![]),
                (1, 78, vec![3.0, 4.0], vec![9, 8, 7])
            ]
        );
        assert_eq!(
            cat.tombstones(coll).expect("tombs"),
            vec![(SegmentId(2), 1)]
        );
        assert_eq!(
            cat.locations(coll, &[77, 78]).expect("locs"),
            vec![
                Some(RowLocation {
                    segment: SegmentId(2),
                    row: 0
                }),
                None
            ]
        );
        let rec = cat.collection("docs").expect("get").expect("exists");
        let mut b = cat.batch().expect("batch");
        b.delete_collection(&rec);
        cat.commit(b, true).expect("commit");
        assert!(cat.collections().expect("colls").is_empty());
        assert!(cat.segments(coll).expect("segs").is_empty());
        assert!(cat.tombstones(coll).expect("tombs").is_empty());
        assert_eq!(cat.location(coll, 77).expect("loc"), None);
    }
}
