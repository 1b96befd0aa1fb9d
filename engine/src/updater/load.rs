//! A collection loaded from the catalog: growing rows read back from the row log, sealed
//! segments mapped and verified (in parallel), index files verified and mapped (a damaged one
//! is dropped, to be rebuilt), tombstones turned into deletion bitmaps.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use rayon::prelude::*;
use tracing::warn;

use kiln_storage::attrs::{decode_row, CheckedRow, Schema};
use kiln_storage::catalog::{CollectionRecord, SegmentMeta, SegmentState};
use kiln_storage::segment::segment_file_name;
use kiln_storage::{DeletionBitmap, GrowingSegment, RowId, SegmentId, SegmentReader};

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::gc::FileGuard;
use crate::indexing::{load_index, load_templates};
use crate::meta::{CollectionInfo, StopSignal};
use crate::options::CollectionConfig;
use crate::snapshot::{SealedSegment, SegmentData, SegmentView, Snapshot};
use crate::updater::{SegmentUpdater, WriterState};

impl SegmentUpdater {
    /// Load the collection `record` describes.
    pub(crate) fn load(core: &DbCore, record: CollectionRecord) -> Result<SegmentUpdater> {
        let _span = tracing::info_span!("load_collection", collection = %record.name).entered();
        let catalog = &core.catalog;
        let (config, schema) = stored_config(core, &record)?;
        let dir = core.layout.collection_dir(record.id);
        let templates = load_templates(core, &dir, &config, &catalog.templates(record.id)?);
        let metas = catalog.segments(record.id)?;
        let mut tombstones = tombstones_by_segment(core, &record)?;
        let info = CollectionInfo {
            id: record.id,
            name: record.name.clone(),
            segment_rows: config.effective_segment_rows() as usize,
            policy: config.effective_merge_policy(),
            config,
            dir,
        };
        let loaded: Vec<Result<SegmentData>> = core.pools.query.install(|| {
            metas
                .par_iter()
                .map(|meta| load_segment(core, &info, &schema, &record, meta))
                .collect()
        });
        let mut views = Vec::with_capacity(metas.len());
        let mut active = None;
        for (meta, data) in metas.iter().zip(loaded) {
            let data = data?;
            if let SegmentData::Growing(g) = &data {
                active = Some(Arc::clone(g));
            }
            let rows = data.rows();
            let mut dead = tombstones.remove(&meta.id).unwrap_or_default();
            dead.retain(|&r| (r as usize) < rows);
            views.push(SegmentView::new(
                meta.id,
                data,
                rows,
                DeletionBitmap::from_rows(&dead),
            ));
        }
        if !tombstones.is_empty() {
            warn!(collection = %record.name, segments = tombstones.len(), "ignoring tombstones of unknown segments");
        }
        let active = active.ok_or_else(|| no_active_segment(core, &record))?;
        Ok(SegmentUpdater {
            info,
            state: Mutex::new(WriterState { record, active }),
            published: RwLock::new(Arc::new(Snapshot::new(1, views, schema))),
            board: Arc::default(),
            templates,
            stop: StopSignal::default(),
            dropped: AtomicBool::new(false),
            unusable_indexes: Mutex::default(),
        })
    }
}

/// The configuration and fields stored in `record`, checked against it.
pub(super) fn stored_config(
    core: &DbCore,
    record: &CollectionRecord,
) -> Result<(CollectionConfig, Arc<Schema>)> {
    let corrupted = |reason: String| Error::Corrupted {
        path: core.catalog.path().to_path_buf(),
        reason,
    };
    let config: CollectionConfig = serde_json::from_str(&record.config)
        .map_err(|e| corrupted(format!("configuration of collection {}: {e}", record.name)))?;
    if config.dim != record.dim as usize {
        return Err(corrupted(format!(
            "collection {}: dimension {} vs config {}",
            record.name, record.dim, config.dim
        )));
    }
    let schema = crate::validate::schema_of(&config)
        .map_err(|e| corrupted(format!("collection {}: {e}", record.name)))?;
    Ok((config, Arc::new(schema)))
}

/// The collection's tombstones, grouped by segment.
pub(super) fn tombstones_by_segment(
    core: &DbCore,
    record: &CollectionRecord,
) -> Result<HashMap<SegmentId, Vec<RowId>>> {
    let mut tombstones: HashMap<SegmentId, Vec<RowId>> = HashMap::new();
    for (seg, row) in core.catalog.tombstones(record.id)? {
        tombstones.entry(seg).or_default().push(row);
    }
    Ok(tombstones)
}

/// The error of a collection record whose active segment is not a growing one.
pub(super) fn no_active_segment(core: &DbCore, record: &CollectionRecord) -> Error {
    Error::Corrupted {
        path: core.catalog.path().to_path_buf(),
        reason: format!(
            "collection {}: active segment {} is not a growing segment",
            record.name, record.active_segment
        ),
    }
}

/// The rows of growing segment `seg` from row `first` on, read from the row log: ids, vectors
/// (row-major) and checked attributes (an attribute value that does not decode is `Corrupted`).
pub(super) fn growing_rows_from(
    core: &DbCore,
    record: &CollectionRecord,
    seg: SegmentId,
    dim: usize,
    schema: &Schema,
    first: RowId,
) -> Result<(Vec<u64>, Vec<f32>, Vec<CheckedRow>)> {
    let mut ids = Vec::new();
    let mut vectors = Vec::new();
    let mut attrs = Vec::new();
    let catalog = &core.catalog;
    catalog.growing_rows_from(record.id, seg, dim, first, |row, id, v, bytes| {
        ids.push(id);
        vectors.extend_from_slice(v);
        attrs.push(if bytes.is_empty() {
            CheckedRow::default()
        } else {
            decode_row(bytes, schema).map_err(|e| {
                kiln_storage::Error::corrupted(
                    catalog.path(),
                    format!("segment {seg} row {row}: attributes: {e}"),
                )
            })?
        });
        Ok(())
    })?;
    Ok((ids, vectors, attrs))
}

/// One segment's data: a growing segment's rows from the row log (the active one `Growing`,
/// others `Frozen`), or a sealed segment's verified mapping and its index if it loads.
fn load_segment(
    core: &DbCore,
    info: &CollectionInfo,
    schema: &Schema,
    record: &CollectionRecord,
    meta: &SegmentMeta,
) -> Result<SegmentData> {
    let dim = info.config.dim;
    match meta.state {
        SegmentState::Growing => {
            let g = GrowingSegment::new(meta.id, dim);
            let (ids, vectors, attrs) = growing_rows_from(core, record, meta.id, dim, schema, 0)?;
            g.append_with(&ids, &vectors, attrs);
            let g = Arc::new(g);
            Ok(if meta.id == record.active_segment {
                SegmentData::Growing(g)
            } else {
                SegmentData::Frozen(g)
            })
        }
        SegmentState::Sealed(file) => {
            let fs = &core.options.fs;
            let path = info.dir.join(segment_file_name(meta.id));
            let reader = SegmentReader::open(fs.as_ref(), &path, meta.id, dim, &file)?;
            let index = meta
                .index
                .as_ref()
                .and_then(|r| load_index(core, &info.dir, &info.config, &reader, r));
            // A graph's record says the segment was settled, even when its file is unusable.
            let settled = meta
                .index
                .as_ref()
                .and_then(|r| kiln_index::IndexKind::from_code(r.kind))
                .is_some_and(|k| k.is_hnsw());
            Ok(SegmentData::Sealed {
                segment: Arc::new(
                    SealedSegment::new(reader, FileGuard::new(&core.collector, path))
                        .settled(settled),
                ),
                index,
            })
        }
    }
}
