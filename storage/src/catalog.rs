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

use parking_lot::{Mutex, MutexGuard};
use rocksdb::{
    BlockBasedOptions, ColumnFamily, ColumnFamilyDescriptor, DBCompressionType, DBRecoveryMode,
    Direction, IteratorMode, Options, ReadOptions, WriteBatch, WriteOptions, DB,
};

use crate::blob::BlobInfo;
use crate::error::{Error, Result};
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
pub struct Catalog {
    db: DB,
    path: PathBuf,
    next_id: Mutex<u64>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("path", &self.path)
            .finish_non_exhaustive()
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

impl Catalog {
    /// Open or create the catalog in `path`, with the recovery options of RELIABILITY.md recipe 2:
    /// paranoid checks, and a WAL recovery mode that tolerates only a torn last record.
    pub fn open(path: &Path) -> Result<Catalog> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_paranoid_checks(true);
        opts.set_wal_recovery_mode(DBRecoveryMode::TolerateCorruptedTailRecords);
        opts.set_compression_type(DBCompressionType::None);
        opts.set_max_total_wal_size(4 * ROWS_MEMTABLE_BYTES as u64);
        opts.set_keep_log_file_num(2);
        opts.set_max_log_file_size(8 << 20);
        opts.set_max_background_jobs(2);

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

        let cfs = vec![
            ColumnFamilyDescriptor::new(CF_CATALOG, small.clone()),
            ColumnFamilyDescriptor::new(CF_ROWS, rows),
            ColumnFamilyDescriptor::new(CF_IDMAP, idmap),
            ColumnFamilyDescriptor::new(CF_TOMBSTONES, small),
        ];
        let db = DB::open_cf_descriptors(&opts, path, cfs).map_err(|e| Error::catalog(path, e))?;
        let catalog = Catalog {
            db,
            path: path.to_path_buf(),
            next_id: Mutex::new(1),
        };
        catalog.check_version()?;
        let next = match catalog.get_meta(KEY_NEXT_ID)? {
            Some(bytes) => u64::from_le_bytes(
                bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| catalog.corrupted("next-id record is not 8 bytes"))?,
            ),
            None => 1,
        };
        *catalog.next_id.lock() = next.max(1);
        Ok(catalog)
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
            None => {
                let mut batch = WriteBatch::default();
                batch.put_cf(
                    self.cf(CF_CATALOG)?,
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

    fn cf(&self, name: &str) -> Result<&ColumnFamily> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| self.corrupted(format!("column family {name} is missing")))
    }

    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db
            .get_cf(self.cf(CF_CATALOG)?, key)
            .map_err(|e| Error::catalog(&self.path, e))
    }

    fn write(&self, batch: WriteBatch, sync: bool) -> Result<()> {
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        self.db
            .write_opt(batch, &wo)
            .map_err(|e| Error::catalog(&self.path, e))
    }

    /// The catalog's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new empty batch.
    pub fn batch(&self) -> Result<CatalogBatch<'_>> {
        Ok(CatalogBatch {
            batch: WriteBatch::default(),
            catalog: self,
            cf_catalog: self.cf(CF_CATALOG)?,
            cf_rows: self.cf(CF_ROWS)?,
            cf_idmap: self.cf(CF_IDMAP)?,
            cf_tombstones: self.cf(CF_TOMBSTONES)?,
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

    /// Reserve `n` fresh ids now, committing the advanced counter at once (without sync), for
    /// work that names files long before its catalog commit (merges). Ids reserved but never
    /// used are skipped, never reused. A crash that loses the reservation loses nothing else:
    /// files named with those ids are unreferenced and removed on the next open.
    pub fn reserve_ids(&self, n: u64) -> Result<Range<u64>> {
        let alloc = self.allocate_ids(n);
        let ids = alloc.ids();
        alloc.commit(self.batch()?, false)?;
        Ok(ids)
    }

    /// The sequence number of the latest write RocksDB knows of.
    pub fn latest_sequence(&self) -> u64 {
        self.db.latest_sequence_number()
    }

    /// A sequence number that is durable: every write up to it has been fsynced.
    pub fn durable_sequence(&self) -> Result<u64> {
        let seq = self.db.latest_sequence_number();
        self.sync_wal()?;
        Ok(seq)
    }

    /// Prepare a clean close: flush every memtable (so that recovery needs no log), fsync, and
    /// stop RocksDB's background work. Returns a durable sequence number. Nothing may write to
    /// the catalog afterwards.
    pub fn quiesce(&self) -> Result<u64> {
        for name in [CF_CATALOG, CF_ROWS, CF_IDMAP, CF_TOMBSTONES] {
            self.db
                .flush_cf(self.cf(name)?)
                .map_err(|e| Error::catalog(&self.path, e))?;
        }
        let seq = self.durable_sequence()?;
        self.db.cancel_all_background_work(true);
        Ok(seq)
    }

    /// Make every committed write durable (fsync the log).
    pub fn sync_wal(&self) -> Result<()> {
        self.db
            .flush_wal(true)
            .map_err(|e| Error::catalog(&self.path, e))
    }

    /// All collections.
    pub fn collections(&self) -> Result<Vec<CollectionRecord>> {
        let cf = self.cf(CF_CATALOG)?;
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(vec![PREFIX_COLLECTION + 1]);
        let mut out = Vec::new();
        for item in self.db.iterator_cf_opt(
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
        let cf = self.cf(CF_CATALOG)?;
        let (start, end) = coll_range(coll);
        let mut lower = vec![PREFIX_SEGMENT];
        lower.extend_from_slice(&start);
        let mut upper = vec![PREFIX_SEGMENT];
        upper.extend_from_slice(&end);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(upper);
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf_opt(cf, ro, IteratorMode::From(&lower, Direction::Forward))
        {
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
        let cf = self.cf(CF_CATALOG)?;
        let (start, end) = coll_range(coll);
        let mut lower = vec![PREFIX_TEMPLATE];
        lower.extend_from_slice(&start);
        let mut upper = vec![PREFIX_TEMPLATE];
        upper.extend_from_slice(&end);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(upper);
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf_opt(cf, ro, IteratorMode::From(&lower, Direction::Forward))
        {
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
        let cf = self.cf(CF_IDMAP)?;
        let keys: Vec<[u8; 16]> = ids.iter().map(|&id| idmap_key(coll, id)).collect();
        let results = self.db.batched_multi_get_cf(cf, &keys, false);
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
        let v = self
            .db
            .get_pinned_cf(self.cf(CF_IDMAP)?, idmap_key(coll, id))
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
        mut f: impl FnMut(RowId, u64, &[f32], &[u8]) -> Result<()>,
    ) -> Result<()> {
        let cf = self.cf(CF_ROWS)?;
        let (start, end) = seg_rows_range(coll, seg);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(end);
        let mut expected: RowId = 0;
        let mut vector = vec![0f32; dim];
        for item in self
            .db
            .iterator_cf_opt(cf, ro, IteratorMode::From(&start, Direction::Forward))
        {
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
        let cf = self.cf(CF_TOMBSTONES)?;
        let (start, end) = coll_range(coll);
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(end);
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf_opt(cf, ro, IteratorMode::From(&start, Direction::Forward))
        {
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
