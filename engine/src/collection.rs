//! [`Collection`]: the public handle of one collection. It validates what the caller passes,
//! then asks the collection's `SegmentUpdater` to change state, or searches the snapshot the
//! updater published.

use std::sync::Arc;

use rayon::prelude::*;

use kiln_index::{Hit, Metric};
use kiln_storage::attrs::{CheckedRow, Field, FieldType, Filter, Payload};

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::handle::DbHandle;
use crate::options::{CollectionConfig, SearchOptions};
use crate::search::{search_snapshot, FanOut, Selection};
use crate::snapshot::Snapshot;
use crate::stats::{CollectionStats, SearchExplain, SegmentInfo};
use crate::updater::{SegmentUpdater, WriteMode};
use crate::validate::{check_search, prepare_batch, prepare_query, prepare_vector};

/// A handle to one collection: cheap to clone, `Send + Sync`. It keeps the database open.
#[derive(Clone)]
pub struct Collection {
    /// Keeps the database open; the last handle's drop shuts the background down.
    pub(crate) _handle: Arc<DbHandle>,
    pub(crate) core: Arc<DbCore>,
    pub(crate) updater: Arc<SegmentUpdater>,
}

impl std::fmt::Debug for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collection")
            .field("name", &self.updater.info.name)
            .field("config", &self.updater.info.config)
            .finish_non_exhaustive()
    }
}

impl Collection {
    fn metric(&self) -> Metric {
        self.updater.info.config.metric
    }

    /// `Err(ReadOnly)` in a read-only database: checked before anything else, so that every
    /// write, whatever its arguments, is refused the same way and changes nothing.
    fn check_not_read_only(&self) -> Result<()> {
        if self.core.is_read_only() {
            return Err(Error::ReadOnly);
        }
        Ok(())
    }

    /// The collection's name.
    pub fn name(&self) -> &str {
        &self.updater.info.name
    }

    /// The collection's configuration as of when the collection was created or the database
    /// opened: a field added since by [`add_field`](Self::add_field) is in
    /// [`fields`](Self::fields) at once, and here after the database is reopened.
    pub fn config(&self) -> &CollectionConfig {
        &self.updater.info.config
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.updater.info.config.dim
    }

    /// Insert `vector` under `id`, every attribute null. Fails with [`Error::DuplicateId`] if
    /// `id` is live.
    pub fn insert(&self, id: u64, vector: &[f32]) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_vector(self.metric(), self.dim(), vector, Some(id))?;
        self.write(&[id], &v, Vec::new(), WriteMode::Insert)
    }

    /// Insert `vector` under `id`, replacing the live row with that id if there is one (its
    /// attributes too: every attribute null).
    pub fn upsert(&self, id: u64, vector: &[f32]) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_vector(self.metric(), self.dim(), vector, Some(id))?;
        self.write(&[id], &v, Vec::new(), WriteMode::Upsert)
    }

    /// Insert many rows at once, all or nothing. `vectors` holds `ids.len() × dim` floats,
    /// row-major. Fails, writing nothing, if any id is live ([`Error::DuplicateId`]), appears
    /// twice ([`Error::DuplicateIdInBatch`]) or any vector is invalid.
    pub fn insert_batch(&self, ids: &[u64], vectors: &[f32]) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_batch(self.metric(), self.dim(), ids, vectors)?;
        self.write(ids, &v, Vec::new(), WriteMode::Insert)
    }

    /// Insert or replace many rows at once, all or nothing. An id may appear only once.
    pub fn upsert_batch(&self, ids: &[u64], vectors: &[f32]) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_batch(self.metric(), self.dim(), ids, vectors)?;
        self.write(ids, &v, Vec::new(), WriteMode::Upsert)
    }

    /// [`insert`](Self::insert) with attributes. A field the payload does not set is null.
    /// Fails, writing nothing, with [`Error::UnknownField`] or [`Error::FieldTypeMismatch`]
    /// for a payload that does not fit the collection's fields, or `InvalidArgument` for a
    /// value its field cannot hold (a NaN, an over-long keyword).
    pub fn insert_with(&self, id: u64, vector: &[f32], payload: &Payload) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_vector(self.metric(), self.dim(), vector, Some(id))?;
        let rows = self.check_payloads(std::slice::from_ref(payload), 1)?;
        self.write(&[id], &v, rows, WriteMode::Insert)
    }

    /// [`upsert`](Self::upsert) with attributes: the row's attributes become `payload`'s.
    pub fn upsert_with(&self, id: u64, vector: &[f32], payload: &Payload) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_vector(self.metric(), self.dim(), vector, Some(id))?;
        let rows = self.check_payloads(std::slice::from_ref(payload), 1)?;
        self.write(&[id], &v, rows, WriteMode::Upsert)
    }

    /// [`insert_batch`](Self::insert_batch) with attributes: `payloads[i]` for `ids[i]` (as
    /// many payloads as ids, else `InvalidArgument`).
    pub fn insert_batch_with(
        &self,
        ids: &[u64],
        vectors: &[f32],
        payloads: &[Payload],
    ) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_batch(self.metric(), self.dim(), ids, vectors)?;
        let rows = self.check_payloads(payloads, ids.len())?;
        self.write(ids, &v, rows, WriteMode::Insert)
    }

    /// [`upsert_batch`](Self::upsert_batch) with attributes: `payloads[i]` for `ids[i]`.
    pub fn upsert_batch_with(
        &self,
        ids: &[u64],
        vectors: &[f32],
        payloads: &[Payload],
    ) -> Result<()> {
        self.check_not_read_only()?;
        let v = prepare_batch(self.metric(), self.dim(), ids, vectors)?;
        let rows = self.check_payloads(payloads, ids.len())?;
        self.write(ids, &v, rows, WriteMode::Upsert)
    }

    /// `payloads` checked against the collection's fields; exactly `n` of them.
    fn check_payloads(&self, payloads: &[Payload], n: usize) -> Result<Vec<CheckedRow>> {
        if payloads.len() != n {
            return Err(Error::invalid(format!(
                "{} payloads for {n} ids: give one payload per id",
                payloads.len()
            )));
        }
        let snap = self.updater.snapshot();
        payloads
            .iter()
            .map(|p| snap.schema.check_payload(p).map_err(Error::from))
            .collect()
    }

    /// Validated rows to the updater, after backpressure; a write that froze a segment
    /// schedules its seal.
    fn write(
        &self,
        ids: &[u64],
        vectors: &[f32],
        attrs: Vec<CheckedRow>,
        mode: WriteMode,
    ) -> Result<()> {
        let _span =
            tracing::debug_span!("write", collection = %self.name(), rows = ids.len(), ?mode)
                .entered();
        if ids.is_empty() {
            return self.updater.check_writable(&self.core);
        }
        self.updater.apply_backpressure(&self.core)?;
        if self
            .updater
            .write_rows(&self.core, ids, vectors, attrs, mode)?
        {
            self.updater.schedule(&self.core);
        }
        Ok(())
    }

    /// Delete `id`. Returns whether it was live.
    pub fn delete(&self, id: u64) -> Result<bool> {
        Ok(self.delete_batch(&[id])? == 1)
    }

    /// Delete many ids in one transaction. Unknown ids are skipped and repeated ids count once;
    /// returns how many were live.
    pub fn delete_batch(&self, ids: &[u64]) -> Result<usize> {
        self.check_not_read_only()?;
        let _span =
            tracing::debug_span!("delete", collection = %self.name(), ids = ids.len()).entered();
        if ids.is_empty() {
            self.updater.check_writable(&self.core)?;
            return Ok(0);
        }
        let n = self.updater.delete_ids(&self.core, ids)?;
        if n > 0 {
            // Deletes can make a segment due for a rewrite.
            self.updater.schedule(&self.core);
        }
        Ok(n)
    }

    /// The stored vector of `id` (normalised, under cosine), or `None` if it is not live.
    pub fn get(&self, id: u64) -> Result<Option<Vec<f32>>> {
        self.updater.check_live()?;
        self.updater.get(&self.core, id)
    }

    /// The attributes of `id` (null fields left out), or `None` if it is not live.
    pub fn get_payload(&self, id: u64) -> Result<Option<Payload>> {
        self.updater.check_live()?;
        self.updater.get_payload(&self.core, id)
    }

    /// Replace every attribute of live row `id` with `payload`'s (fields it does not set become
    /// null); the vector stays. Returns `false`, changing nothing, if `id` is not live.
    pub fn update_payload(&self, id: u64, payload: &Payload) -> Result<bool> {
        self.check_not_read_only()?;
        let row = self.check_payloads(std::slice::from_ref(payload), 1)?;
        let row = row.into_iter().next().unwrap_or_default();
        self.updater.apply_backpressure(&self.core)?;
        self.updater.update_payload(&self.core, id, row)
    }

    /// Add attribute field `name` of type `ty`; rows written before have it null. Fails with
    /// `InvalidArgument` for a bad or taken name.
    pub fn add_field(&self, name: &str, ty: FieldType) -> Result<()> {
        self.check_not_read_only()?;
        self.updater.add_field(&self.core, name, ty)
    }

    /// The collection's attribute fields now, in order (those given at creation, then those
    /// added by [`add_field`](Self::add_field)).
    pub fn fields(&self) -> Vec<Field> {
        self.updater.snapshot().schema.fields().to_vec()
    }

    /// Live rows that match `filter`.
    pub fn count(&self, filter: &Filter) -> Result<usize> {
        self.updater.check_live()?;
        let snap = self.updater.snapshot();
        let bound = snap.schema.check_filter(filter)?;
        Ok(Selection::matching(&snap, &bound)?.count(&snap))
    }

    /// Delete every live row that matches `filter`, in one transaction (all or nothing).
    /// Returns how many were deleted.
    pub fn delete_where(&self, filter: &Filter) -> Result<usize> {
        self.check_not_read_only()?;
        let n = self.updater.delete_where(&self.core, filter)?;
        if n > 0 {
            self.updater.schedule(&self.core);
        }
        Ok(n)
    }

    /// Live rows.
    pub fn len(&self) -> usize {
        self.updater.snapshot().live_rows
    }

    /// True when no row is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k` live vectors nearest to `query`, nearest first; ties go to the smaller id.
    /// With [`SearchOptions::filter`], only rows that match the filter qualify. Returns exactly
    /// `min(k, qualifying rows)` hits, whatever the parameters.
    pub fn search(&self, query: &[f32], options: &SearchOptions) -> Result<Vec<Hit>> {
        let _span =
            tracing::debug_span!("search", collection = %self.name(), k = options.k).entered();
        Ok(self.search_one(query, options)?.hits)
    }

    /// [`search`](Self::search), and how each segment was searched: its matching rows, the
    /// plan chosen (exact scan, index and at which parameters, index finished exactly) and the
    /// candidates examined.
    pub fn explain(&self, query: &[f32], options: &SearchOptions) -> Result<SearchExplain> {
        self.search_one(query, options)
    }

    /// The recall target of a search: its own, else the collection's.
    fn target_recall(&self, options: &SearchOptions) -> f64 {
        options
            .target_recall
            .unwrap_or_else(|| self.config().effective_target_recall())
    }

    fn search_one(&self, query: &[f32], options: &SearchOptions) -> Result<SearchExplain> {
        check_search(options)?;
        self.updater.check_live()?;
        let q = prepare_query(self.metric(), self.dim(), query)?;
        let snap = self.updater.snapshot();
        let selection = selection(&snap, options)?;
        let pool = FanOut::Pool(&self.core.pools.query);
        let target = self.target_recall(options);
        let (hits, segments) =
            search_snapshot(&snap, &selection, self.metric(), &q, options, target, pool);
        Ok(SearchExplain { hits, segments })
    }

    /// Search many queries (`queries` holds `n × dim` floats) against one snapshot; one result
    /// list per query, in order.
    pub fn search_batch(&self, queries: &[f32], options: &SearchOptions) -> Result<Vec<Vec<Hit>>> {
        let _span = tracing::debug_span!("search_batch", collection = %self.name(), k = options.k)
            .entered();
        check_search(options)?;
        self.updater.check_live()?;
        let dim = self.dim();
        if !queries.len().is_multiple_of(dim) {
            return Err(Error::DimensionMismatch {
                expected: queries.len().div_ceil(dim) * dim,
                got: queries.len(),
            });
        }
        let prepared: Vec<Vec<f32>> = queries
            .chunks_exact(dim)
            .map(|q| prepare_query(self.metric(), dim, q))
            .collect::<Result<_>>()?;
        let snap = self.updater.snapshot();
        let selection = selection(&snap, options)?;
        let metric = self.metric();
        let pool = &self.core.pools.query;
        let target = self.target_recall(options);
        let one = |q: &Vec<f32>, fan_out| {
            search_snapshot(&snap, &selection, metric, q, options, target, fan_out).0
        };
        if prepared.len() <= 1 {
            return Ok(prepared
                .iter()
                .map(|q| one(q, FanOut::Pool(pool)))
                .collect());
        }
        Ok(pool.install(|| {
            prepared
                .par_iter()
                .map(|q| one(q, FanOut::Caller))
                .collect()
        }))
    }

    /// Seal the growing segment into a segment file now, wait until every pending seal is done,
    /// and make every acknowledged write durable (also under
    /// [`Durability::Buffered`](crate::Durability::Buffered)).
    pub fn flush(&self) -> Result<()> {
        self.check_not_read_only()?;
        let _span = tracing::info_span!("flush", collection = %self.name()).entered();
        self.updater.freeze_active(&self.core)?;
        self.updater.seal_frozen_now(&self.core)?;
        self.core
            .catalog
            .sync_wal()
            .map_err(|e| self.core.poison(e))?;
        Ok(())
    }

    /// Wait until the background has nothing left to do for this collection: every frozen
    /// segment sealed, every sealed segment indexed (when its index spec asks for one), and the
    /// merge policy satisfied. Returns the error of a background job that failed three times
    /// in a row instead of waiting for it forever.
    ///
    /// In a read-only database it returns `Ok(())` at once: the handle runs no background
    /// work (the writer seals, indexes and merges; a refresh picks the results up).
    pub fn wait_for_indexing(&self) -> Result<()> {
        if self.core.is_read_only() {
            return Ok(());
        }
        self.updater.wait_for_indexing(&self.core)
    }

    /// Seal the growing segment, run the merge policy and every pending index build now, then
    /// merge the segments that are not final (under half the merge policy's
    /// `max_segment_rows`) into as few as that limit allows, and wait until nothing is left.
    /// Call it when a load is done: a settled collection of few large segments answers a
    /// query with one index search per segment instead of many (the dev set's 15,000 rows:
    /// one segment instead of two). With `MergePolicy::disabled()` it only seals and indexes.
    /// Under `IndexSpec::Auto` the merged segments are settled and get a graph (see the README,
    /// "Settled segments get a graph"). Last, the space RocksDB still holds for rows already
    /// sealed into segment files (its log and the rows column family) is given back
    /// (dev set: the directory from 2.5× to about 1.5× the raw vectors).
    pub fn compact(&self) -> Result<()> {
        self.check_not_read_only()?;
        self.flush()?;
        self.updater.compact(&self.core)?;
        self.core
            .catalog
            .reclaim_rows()
            .map_err(|e| self.core.poison_if_fatal(e))
    }

    /// Counts, per-segment state and background progress.
    pub fn stats(&self) -> CollectionStats {
        self.updater.stats(&self.core)
    }

    /// Subscribe to background events of the whole database (seals, index builds, merges,
    /// failures). Each subscriber queues at most `DbOptions::event_capacity` events; a
    /// subscriber that falls behind misses events (counted in `CollectionStats::events_dropped`).
    pub fn events(&self) -> std::sync::mpsc::Receiver<Event> {
        self.core.events.subscribe()
    }

    /// Search segment `segment` alone, as it would be searched as part of a query (benchmark
    /// breakdowns; cargo feature `testing`). `InvalidArgument` if the current snapshot has no
    /// such segment.
    #[cfg(feature = "testing")]
    pub fn search_segment(
        &self,
        segment: u64,
        query: &[f32],
        options: &SearchOptions,
    ) -> Result<Vec<Hit>> {
        check_search(options)?;
        let q = prepare_query(self.metric(), self.dim(), query)?;
        let snap = self.updater.snapshot();
        let view = snap
            .segment(kiln_storage::SegmentId(segment))
            .ok_or_else(|| Error::invalid(format!("no segment {segment:016x}")))?;
        let knobs = crate::search::Knobs {
            params: options.params(),
            target: self.target_recall(options),
            exact: options.exact,
            total: view.live_rows(),
        };
        let rows = crate::search::Rows::Live;
        let none = crate::search::SharedCoarse::none();
        let (top, _) =
            crate::search::search_segment(view, self.metric(), &q, options.k, &knobs, rows, &none);
        Ok(top.into_sorted())
    }

    /// Segment ids with their state, rows and deleted rows (a preview of `stats`).
    pub fn segments(&self) -> Vec<SegmentInfo> {
        self.updater.segment_infos()
    }
}

/// The rows a search may return: all live rows, or those matching the options' filter.
fn selection(snap: &Snapshot, options: &SearchOptions) -> Result<Selection> {
    match &options.filter {
        None => Ok(Selection::live()),
        Some(f) => Selection::matching(snap, &snap.schema.check_filter(f)?),
    }
}
