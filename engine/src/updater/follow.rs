//! The collections of a read-only database: built from the follower catalog, and rebuilt from
//! it at every refresh.
//!
//! A read-only database has no writer in its process: its catalog is a follower of the writer's
//! (`Catalog::open_follower`), which moves only when the database refreshes. A refresh builds
//! each loaded collection's state at the follower's new position ([`SegmentUpdater::follow`])
//! and then publishes it ([`SegmentUpdater::install`]) through the same writer lock and
//! `publish` as the writer's changes: in a read-only database the refresh is the one updater.
//!
//! What a rebuild reuses from the snapshot before:
//!
//! ```text
//! catalog says                     snapshot before holds               new snapshot
//! sealed S, file info F            S sealed with F                     the same mapping (no I/O)
//! sealed S, index record R         S with index R                      the same index
//! sealed S (new, or new index)     -                                   S mapped and verified, index loaded
//! growing G with n rows            G with m <= n rows                  the same rows + rows m..n read from the log
//! tombstones of S: d rows          S with d deleted rows               the same deletion bitmap
//! ```
//!
//! The writer deletes files as if alone (kiln-storage `layout`): a file the follower's state
//! names may be gone by the time it is opened, when the writer merged or dropped it after that
//! state. The rebuild then reports [`Attempt::Stale`] and the caller catches up and tries again.
//! Files already mapped stay readable after their deletion.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use rayon::prelude::*;
use tracing::warn;

use kiln_storage::attrs::Schema;
use kiln_storage::catalog::{CollectionRecord, SegmentMeta, SegmentState};
use kiln_storage::segment::segment_file_name;
use kiln_storage::{GrowingSegment, RowId, SegmentId, SegmentReader};

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::gc::FileGuard;
use crate::indexing::{try_load_index, AttachedIndex, Templates};
use crate::meta::{CollectionInfo, StopSignal};
use crate::snapshot::{SealedSegment, SegmentData, SegmentView, Snapshot};
use crate::updater::load::{
    growing_rows_from, no_active_segment, stored_config, tombstones_by_segment,
};
use crate::updater::{SegmentUpdater, WriterState};

/// The outcome of building a state from the follower catalog.
#[derive(Debug)]
pub(crate) enum Attempt<T> {
    /// Built.
    Done(T),
    /// A file the catalog state names is gone: the writer has moved on and deleted it. Catch
    /// up and try again.
    Stale {
        /// The missing file.
        path: PathBuf,
    },
}

/// A collection's state at the follower catalog's position, ready to be installed.
#[derive(Debug)]
pub(crate) struct Followed {
    record: CollectionRecord,
    schema: Arc<Schema>,
    views: Vec<SegmentView>,
    active: Arc<GrowingSegment>,
    /// The follower catalog's sequence number the state was read at.
    seq: u64,
}

/// What the rebuild of one collection found.
#[derive(Debug)]
pub(crate) enum Rebuild {
    /// The collection's new state.
    State(Followed),
    /// The catalog no longer has the collection (the writer dropped it, or dropped it and
    /// created another one under its name).
    Dropped,
}

impl SegmentUpdater {
    /// Load collection `record` from the follower catalog of a read-only database: like
    /// [`SegmentUpdater::load`], without resuming anything (no seal, no build) and without
    /// templates (a reader builds no index). The caller holds `core.follow`.
    pub(crate) fn load_follower(
        core: &DbCore,
        record: CollectionRecord,
    ) -> Result<Attempt<SegmentUpdater>> {
        let _span =
            tracing::info_span!("load_collection_read_only", collection = %record.name).entered();
        let (config, _) = stored_config(core, &record)?;
        let info = CollectionInfo {
            id: record.id,
            name: record.name.clone(),
            segment_rows: config.effective_segment_rows() as usize,
            policy: config.effective_merge_policy(),
            dir: core.layout.collection_dir(record.id),
            config,
        };
        let none = Mutex::new(HashSet::new());
        let followed = match build(core, &info, record, &Snapshot::default(), &none, false)? {
            Attempt::Done(f) => f,
            Attempt::Stale { path } => return Ok(Attempt::Stale { path }),
        };
        Ok(Attempt::Done(SegmentUpdater {
            info,
            state: Mutex::new(WriterState {
                record: followed.record,
                active: followed.active,
            }),
            published: RwLock::new(Arc::new(
                Snapshot::new(1, followed.views, followed.schema).at_catalog_seq(followed.seq),
            )),
            board: Arc::default(),
            templates: Templates::default(),
            stop: StopSignal::default(),
            dropped: AtomicBool::new(false),
            unusable_indexes: none,
        }))
    }

    /// Build this collection's state at the follower catalog's current position, reusing what
    /// the published snapshot holds; nothing is published. `last_attempt`: an index file found
    /// missing is then left out (the segment is searched exactly) instead of reported stale.
    /// The caller holds `core.follow`.
    pub(crate) fn follow(&self, core: &DbCore, last_attempt: bool) -> Result<Attempt<Rebuild>> {
        let record = match core.catalog.collection(&self.info.name)? {
            Some(r) if r.id == self.info.id => r,
            _ => return Ok(Attempt::Done(Rebuild::Dropped)),
        };
        let current = self.snapshot();
        Ok(
            match build(
                core,
                &self.info,
                record,
                &current,
                &self.unusable_indexes,
                last_attempt,
            )? {
                Attempt::Done(f) => Attempt::Done(Rebuild::State(f)),
                Attempt::Stale { path } => Attempt::Stale { path },
            },
        )
    }

    /// Publish a state built by [`SegmentUpdater::follow`] (under the writer lock, as every
    /// change of collection state).
    pub(crate) fn install(&self, rebuild: Rebuild) {
        let mut w = self.lock_writer();
        match rebuild {
            Rebuild::State(f) => {
                w.0.record = f.record;
                w.0.active = f.active;
                self.publish_at(&mut w, f.views, f.schema, f.seq);
            }
            Rebuild::Dropped => {
                self.stop.set();
                self.dropped.store(true, Ordering::Release);
                drop(w);
                self.board.notify();
            }
        }
    }

    /// The live row of `id` in `snap`, in a read-only database. The follower catalog's id map
    /// may be ahead of `snap` (a refresh caught up and has not published yet, or published
    /// other collections only), never behind: a location that `snap` holds live is `snap`'s
    /// answer (rows never change once written); otherwise, unless the catalog is exactly at
    /// `snap`'s position, the answer comes from scanning `snap`'s segments.
    pub(crate) fn locate_followed(
        &self,
        core: &DbCore,
        snap: &Snapshot,
        id: u64,
    ) -> Result<Option<(SegmentId, RowId)>> {
        let before = core.catalog.latest_sequence();
        let loc = core.catalog.location(self.info.id, id)?;
        if let Some(loc) = loc {
            if snap
                .segment(loc.segment)
                .is_some_and(|v| v.holds_live(loc.row, id))
            {
                return Ok(Some((loc.segment, loc.row)));
            }
        }
        let after = core.catalog.latest_sequence();
        if loc.is_none() && before == after && after == snap.catalog_seq {
            return Ok(None);
        }
        Ok(snap.find_live(id))
    }
}

/// The state of collection `record` at the follower catalog's position, reusing what
/// `previous` holds. `unusable`: index files found damaged, by name, not loaded again.
fn build(
    core: &DbCore,
    info: &CollectionInfo,
    record: CollectionRecord,
    previous: &Snapshot,
    unusable: &Mutex<HashSet<String>>,
    last_attempt: bool,
) -> Result<Attempt<Followed>> {
    let catalog = &core.catalog;
    let seq = catalog.latest_sequence();
    // The fields may have grown since `info` was made (the writer's `add_field`).
    let (_, schema) = stored_config(core, &record)?;
    let metas = catalog.segments(record.id)?;
    let mut tombstones = tombstones_by_segment(core, &record)?;
    let loaded: Vec<Result<Attempt<SegmentData>>> = core.pools.query.install(|| {
        metas
            .par_iter()
            .map(|meta| {
                follow_segment(
                    core,
                    info,
                    &schema,
                    &record,
                    meta,
                    previous.segment(meta.id),
                    unusable,
                    last_attempt,
                )
            })
            .collect()
    });
    let mut views = Vec::with_capacity(metas.len());
    let mut active = None;
    for (meta, data) in metas.iter().zip(loaded) {
        let data = match data? {
            Attempt::Done(d) => d,
            Attempt::Stale { path } => return Ok(Attempt::Stale { path }),
        };
        if let SegmentData::Growing(g) = &data {
            active = Some(Arc::clone(g));
        }
        let rows = data.rows();
        let mut dead = tombstones.remove(&meta.id).unwrap_or_default();
        dead.retain(|&r| (r as usize) < rows);
        views.push(SegmentView::followed(
            meta.id,
            data,
            rows,
            &dead,
            previous.segment(meta.id),
        ));
    }
    let active = active.ok_or_else(|| no_active_segment(core, &record))?;
    Ok(Attempt::Done(Followed {
        record,
        schema,
        views,
        active,
        seq,
    }))
}

/// Whether `path` is gone (a file the writer deleted).
fn missing(core: &DbCore, path: &Path) -> bool {
    matches!(core.options.fs.file_len(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

/// One segment's data at the follower catalog's position, reusing `previous` (the same
/// segment in the snapshot before).
#[allow(clippy::too_many_arguments)]
fn follow_segment(
    core: &DbCore,
    info: &CollectionInfo,
    schema: &Schema,
    record: &CollectionRecord,
    meta: &SegmentMeta,
    previous: Option<&SegmentView>,
    unusable: &Mutex<HashSet<String>>,
    last_attempt: bool,
) -> Result<Attempt<SegmentData>> {
    let dim = info.config.dim;
    match meta.state {
        SegmentState::Growing => {
            // Rows are only ever appended to a growing segment: read the new ones into the
            // segment the snapshot before holds (whose views see only their own row counts).
            let g = match previous.map(|v| &v.data) {
                Some(SegmentData::Growing(g) | SegmentData::Frozen(g)) => Arc::clone(g),
                _ => Arc::new(GrowingSegment::new(meta.id, dim)),
            };
            let first = RowId::try_from(g.len())
                .map_err(|_| Error::invalid("segment row number overflows u32"))?;
            let (ids, vectors, attrs) =
                growing_rows_from(core, record, meta.id, dim, schema, first)?;
            if !ids.is_empty() {
                g.append_with(&ids, &vectors, attrs);
            }
            Ok(Attempt::Done(if meta.id == record.active_segment {
                SegmentData::Growing(g)
            } else {
                SegmentData::Frozen(g)
            }))
        }
        SegmentState::Sealed(file) => {
            let (old_segment, old_index) = match previous.map(|v| &v.data) {
                Some(SegmentData::Sealed { segment, index }) if segment.reader.info() == &file => {
                    (Some(Arc::clone(segment)), index.clone())
                }
                _ => (None, None),
            };
            let segment = match old_segment {
                Some(s) => s,
                None => {
                    let path = info.dir.join(segment_file_name(meta.id));
                    match SegmentReader::open(core.options.fs.as_ref(), &path, meta.id, dim, &file)
                    {
                        Ok(reader) => Arc::new(SealedSegment::new(
                            reader,
                            FileGuard::new(&core.collector, path),
                        )),
                        Err(_) if missing(core, &path) => return Ok(Attempt::Stale { path }),
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            let index = match &meta.index {
                None => None,
                Some(r) if old_index.as_ref().is_some_and(|i| &i.record == r) => old_index,
                Some(r) if unusable.lock().contains(&r.blob.file) => None,
                Some(r) => {
                    match try_load_index(core, &info.dir, &info.config, &segment.reader, r) {
                        Ok(i) => Some(i),
                        Err(e) => {
                            let path = info.dir.join(&r.blob.file);
                            let gone = missing(core, &path);
                            if gone && !last_attempt {
                                return Ok(Attempt::Stale { path });
                            }
                            warn!(segment = %meta.id, error = %e,
                                "index unusable in a read-only database: searching the segment exactly");
                            if !gone {
                                // Damaged: not loaded again (the writer rebuilds it under a
                                // new record). A missing one is tried again at the next refresh.
                                unusable.lock().insert(r.blob.file.clone());
                            }
                            None::<Arc<AttachedIndex>>
                        }
                    }
                }
            };
            Ok(Attempt::Done(SegmentData::Sealed { segment, index }))
        }
    }
}
