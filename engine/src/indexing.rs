//! Faiss indexes in the engine: which sealed segment needs one, the shared trained template of
//! a collection, building, persisting, loading at open and merging.
//!
//! # Templates and generations
//!
//! IVF segments of a collection are built from one trained [`IvfTemplate`] (shared coarse
//! quantizer), so merging two of them concatenates inverted lists. The template is trained when
//! the first segment needs an IVF index, on a sample of the sealed rows, with the nlist the Auto
//! rule gives for the collection's size then. When the collection grows past
//! [`RETRAIN_GROWTH`] times that size (nlist ∝ √rows, so the right nlist has quadrupled), a new
//! template generation is trained; later builds use it, and a merge whose inputs come from
//! different generations rebuilds the merged index from its rows instead of concatenating.
//!
//! # Files
//!
//! Index and template bytes are published as derived files (`<id>.idx`, `<id>.tpl`) with their
//! length and CRC32 in the catalog; an index record is also bound to the CRC of the segment
//! file it was built from. At open, a file that is missing, fails its checksum or its binding
//! is dropped: the segment is searched exactly and the index is rebuilt in the background.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use tracing::{info, warn};

use kiln_index::{
    load, measure_recall_curve, plan_index, CurveSettings, ExpectedIndex, IndexKind, IndexPlan,
    IvfTemplate, LoadMode, LoadedIndex, MergePart, RecallCurve, RowBitmap, RowLists, SegmentIndex,
    VectorIndex,
};
use kiln_storage::blob::{
    index_file_name, lists_file_name, publish_blob, template_file_name, verify_blob,
};
use kiln_storage::catalog::{IndexRecord, TemplateRecord};
use kiln_storage::{CollectionId, SegmentReader};

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::gc::FileGuard;
use crate::options::CollectionConfig;

/// A new template generation is trained when the collection has grown this many times past the
/// rows its current template was planned for.
pub const RETRAIN_GROWTH: usize = 16;

/// The index attached to a sealed segment in a snapshot.
#[derive(Debug)]
pub struct AttachedIndex {
    pub(crate) index: IndexHandle,
    pub(crate) record: IndexRecord,
    pub(crate) file: FileGuard,
    /// The index's measured recall curve (from `record`): searches pick their nprobe /
    /// efSearch from it. `None` for an index without a search knob.
    pub(crate) curve: Option<RecallCurve>,
    /// The segment's row lists, for the filtered searches that neither the index nor an exact
    /// scan of the matches serves cheaply (settled graphs have them; see [`lists_for`]).
    pub(crate) lists: Option<AttachedLists>,
}

/// Row lists in memory, with the guard that keeps their file.
#[derive(Debug)]
pub(crate) struct AttachedLists {
    pub(crate) lists: RowLists,
    _file: FileGuard,
}

/// An index just written: its record, its file, and the row lists written with it.
#[derive(Debug)]
pub(crate) struct Persisted {
    pub(crate) record: IndexRecord,
    pub(crate) path: PathBuf,
    pub(crate) lists: Option<AttachedLists>,
}

/// Whether an index of `info` gets row lists: graphs of at least
/// [`AUTO_MIN_ROWS`](kiln_index::AUTO_MIN_ROWS) rows (the settled segments). Between the
/// selectivities where the graph with the filter as its selector pays and those where an
/// exact scan of the matches does, the lists' probes examine a fraction of the matches (dev
/// set, a tenth of the rows matching: 9,350–9,645 queries a second through the lists at
/// recall 0.971, where the exact scan of the 1,500 matches answered 6,781); an IVF index
/// already is such a partition.
pub(crate) fn lists_for(info: &kiln_index::IndexInfo) -> bool {
    info.kind.is_hnsw() && info.rows >= kiln_index::AUTO_MIN_ROWS
}

/// A built (in memory) or loaded (usually mapped) index.
#[derive(Debug)]
pub(crate) enum IndexHandle {
    Built(SegmentIndex),
    Loaded(LoadedIndex),
}

impl AttachedIndex {
    /// `index`, described by `record` (whose curve it takes), kept alive by `file`.
    pub(crate) fn new(index: IndexHandle, record: IndexRecord, file: FileGuard) -> AttachedIndex {
        let curve = curve_of(&record);
        AttachedIndex {
            index,
            record,
            file,
            curve,
            lists: None,
        }
    }

    /// The same, with the row lists that go with it.
    pub(crate) fn with_lists(mut self, lists: Option<AttachedLists>) -> AttachedIndex {
        self.lists = lists;
        self
    }

    /// The row lists, if the index has them.
    pub(crate) fn lists(&self) -> Option<&RowLists> {
        self.lists.as_ref().map(|l| &l.lists)
    }

    pub(crate) fn index(&self) -> &dyn VectorIndex {
        match &self.index {
            IndexHandle::Built(i) => i,
            IndexHandle::Loaded(i) => i,
        }
    }

    /// The kind, e.g. for stats.
    pub fn kind(&self) -> IndexKind {
        self.index().info().kind
    }

    /// The template fingerprint, for IVF indexes.
    pub(crate) fn fingerprint(&self) -> Option<u64> {
        self.index().info().fingerprint
    }

    /// An in-memory copy that a merge may consume (Faiss empties merge sources, and mapped
    /// indexes cannot be sources).
    pub(crate) fn mergeable_copy(
        &self,
        dir: &std::path::Path,
        expected: &ExpectedIndex,
    ) -> Result<SegmentIndex> {
        match &self.index {
            IndexHandle::Built(i) | IndexHandle::Loaded(LoadedIndex::InMemory(i)) => {
                Ok(i.try_clone()?)
            }
            IndexHandle::Loaded(LoadedIndex::Mapped(_)) => {
                let path = dir.join(&self.record.blob.file);
                match load(&path, LoadMode::InMemory, expected)? {
                    LoadedIndex::InMemory(i) => Ok(i),
                    LoadedIndex::Mapped(_) => {
                        Err(Error::invalid("index loaded mapped when asked in memory"))
                    }
                }
            }
        }
    }
}

/// The recall curve stored in `record`, if it has a readable one.
pub(crate) fn curve_of(record: &IndexRecord) -> Option<RecallCurve> {
    serde_json::from_str(record.curve.as_deref()?).ok()
}

/// How recall curves are measured when an index is built: recall@10 over 1,000 rows (at most a tenth) held out as
/// queries, candidates up to 4·k re-ranked for indexes whose distances are estimates.
pub(crate) fn curve_settings() -> CurveSettings {
    CurveSettings::default()
}

/// The recall curve of an IVF index over all of `vectors` (`None` when it has no knob or too
/// few rows), e.g. of a merged index.
pub(crate) fn measure_curve(
    index: &SegmentIndex,
    metric: kiln_index::Metric,
    vectors: &[f32],
) -> Result<Option<RecallCurve>> {
    let info = index.info();
    if info.nlist.is_none() || info.rows < 2 {
        return Ok(None);
    }
    let s = curve_settings();
    Ok(Some(measure_recall_curve(
        index,
        vectors,
        metric,
        s.k,
        s.rerank_factor,
        s.sample,
        s.seed,
    )?))
}

/// Whether an index of this kind is searched at a knob, and so must carry a recall curve.
fn has_knob(info: &kiln_index::IndexInfo) -> bool {
    info.rows >= 2 && (info.nlist.is_some() || info.kind.is_hnsw())
}

/// The handle to keep for a freshly built and persisted index: the file mapped read-only, so
/// that the index lives in the page cache like the segment it belongs to instead of a second
/// time in the heap. Falls back to the built copy if mapping fails.
pub(crate) fn attach_persisted(
    built: SegmentIndex,
    path: &std::path::Path,
    config: &CollectionConfig,
    rows: usize,
) -> IndexHandle {
    let expected = ExpectedIndex {
        dim: config.dim,
        rows,
        metric: config.metric,
    };
    // The file holds exactly the bytes just written and fsynced.
    match load(path, LoadMode::MappedVerifiedByCaller, &expected) {
        Ok(mapped) => IndexHandle::Loaded(mapped),
        Err(e) => {
            warn!(path = %path.display(), error = %e, "could not map a fresh index; keeping it in memory");
            IndexHandle::Built(built)
        }
    }
}

/// A trained template of a collection, with what it was planned for.
#[derive(Debug)]
pub(crate) struct Template {
    pub(crate) id: u64,
    pub(crate) template: IvfTemplate,
    pub(crate) planned_rows: usize,
    pub(crate) _file: FileGuard,
}

/// What a template record's description holds.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TemplateDescription {
    plan: IndexPlan,
    planned_rows: usize,
    fingerprint: u64,
}

/// The templates of a collection: the current generation (older ones stay on disk while
/// catalog records refer to them; indexes carry their own copy of the quantizer).
///
/// Builds read `current` and never wait for a retrain: a new generation is trained by its own
/// background job while builds keep using the old one. Only the very first template is
/// trained inside a build (there is nothing to use meanwhile); `trainer` makes sure one
/// thread trains at a time.
#[derive(Debug, Default)]
pub(crate) struct Templates {
    current: Mutex<Option<Arc<Template>>>,
    trainer: Mutex<()>,
}

impl Templates {
    /// The current generation.
    pub(crate) fn current(&self) -> Option<Arc<Template>> {
        self.current.lock().clone()
    }

    /// Whether the collection has grown past what the current generation was planned for.
    pub(crate) fn retrain_due(&self, collection_rows: usize) -> bool {
        self.current()
            .is_some_and(|c| collection_rows > c.planned_rows.saturating_mul(RETRAIN_GROWTH))
    }
}

/// The plan for a segment of `rows` rows, or `None` when it is searched exactly.
pub(crate) fn segment_plan(
    db: &DbCore,
    config: &CollectionConfig,
    rows: usize,
) -> Option<IndexPlan> {
    plan_index(
        &config.index,
        rows,
        config.dim,
        db.options.index_memory_budget,
    )
    .ok()
    .flatten()
}

/// The HNSW `m` of the graphs the Auto rule gives settled segments ([`settled_plan`]).
pub const SETTLED_GRAPH_M: usize = 32;
/// The HNSW `efConstruction` of those graphs (Faiss's and hnswlib's usual 200 for a good
/// graph; the build costs about 6 CPU seconds for the dev set's 15k × 384 rows).
pub const SETTLED_EF_CONSTRUCTION: usize = 200;

/// The index the Auto rule gives a *settled* segment of `rows` rows — one `compact()` made, or
/// final by the merge policy, or rewritten from one that has a graph: HNSW32 over SQ8 codes
/// ([`IndexPlan::HnswSq8`]), searched for a few more candidates that are re-ranked with the
/// segment's own exact vectors. `None` (keep the IVF rule) under an explicit spec, below
/// [`AUTO_MIN_ROWS`](kiln_index::AUTO_MIN_ROWS) rows, or when the graph would not fit the
/// index memory budget.
///
/// Why: queries spend their time in the large segments a settled collection ends with, and
/// there a graph answers the unfiltered and the broadly filtered query several times faster
/// than IVF at the same recall (dev set, raw Faiss at recall@10 ≥ 0.95: HNSW32 150 µs, IVF
/// 167 µs at half the rows matching; unfiltered HNSW32 67 µs, IVF 167 µs). IVF stays where it
/// pays: growing collections (IVF segments of one template merge by concatenating lists,
/// without a rebuild) and collections past the budget. The codes are a byte per component
/// with ranges trained on the segment's own rows (nothing clipped), so the vectors are held
/// once in full, in the segment file: graph and codes add 0.43× the raw vectors at 384-d.
pub(crate) fn settled_plan(
    db: &DbCore,
    config: &CollectionConfig,
    rows: usize,
) -> Option<IndexPlan> {
    if !matches!(config.index, kiln_index::IndexSpec::Auto) || rows < kiln_index::AUTO_MIN_ROWS {
        return None;
    }
    let plan = IndexPlan::HnswSq8 {
        m: SETTLED_GRAPH_M,
        ef_construction: SETTLED_EF_CONSTRUCTION,
    };
    (plan.validate(config.dim).is_ok()
        && plan.estimated_bytes(rows, config.dim) <= db.options.index_memory_budget)
        .then_some(plan)
}

/// A segment under the Auto rule's size floor is indexed on an existing template only with at
/// least this many rows per inverted list: below it, the coarse search over the template's
/// centroids costs about as much as scanning the rows.
pub const SMALL_SEGMENT_LIST_FACTOR: usize = 2;

/// What to build for a sealed segment of `rows` rows: the Auto rule of [`segment_plan`],
/// except that once the collection has a trained IVF template, a segment the rule leaves to
/// an exact scan (under `AUTO_MIN_ROWS`) is indexed on that template too when it has at
/// least [`SMALL_SEGMENT_LIST_FACTOR`] rows per list: the build costs no training, only
/// adding the rows, and a probe then costs less than scanning them (the dev set's 4,078-row
/// tail segment: 335 µs per query exact, 88 µs through the template at nprobe 48).
pub(crate) fn plan_for(
    db: &DbCore,
    config: &CollectionConfig,
    templates: &Templates,
    rows: usize,
) -> Option<IndexPlan> {
    let plan = segment_plan(db, config, rows);
    if plan.is_some()
        || !matches!(config.index, kiln_index::IndexSpec::Auto)
        || rows < kiln_index::MIN_INDEXED_ROWS
    {
        return plan;
    }
    let current = templates.current()?;
    let tplan = current.template.plan();
    let nlist = tplan.nlist()?;
    (rows >= nlist.saturating_mul(SMALL_SEGMENT_LIST_FACTOR)).then(|| tplan.clone())
}

/// Load the templates of a collection at open. A damaged template is skipped (with a warning):
/// indexes built on it still load, and a new generation is trained when one is needed.
pub(crate) fn load_templates(
    db: &DbCore,
    dir: &std::path::Path,
    config: &CollectionConfig,
    records: &[TemplateRecord],
) -> Templates {
    let t = Templates::default();
    for r in records {
        let loaded = (|| -> Result<Template> {
            let desc: TemplateDescription =
                serde_json::from_str(&r.description).map_err(|e| Error::Corrupted {
                    path: dir.join(&r.blob.file),
                    reason: format!("template description: {e}"),
                })?;
            let (path, bytes) = verify_blob(db.options.fs.as_ref(), dir, &r.blob)?;
            let template = IvfTemplate::from_bytes(&bytes, config.metric, config.dim)?;
            if template.fingerprint() != desc.fingerprint {
                return Err(Error::Corrupted {
                    path,
                    reason: "template fingerprint differs from its record".into(),
                });
            }
            Ok(Template {
                id: r.id,
                template,
                planned_rows: desc.planned_rows,
                _file: FileGuard::new(&db.collector, path),
            })
        })();
        match loaded {
            Ok(tpl) => *t.current.lock() = Some(Arc::new(tpl)),
            Err(e) => {
                warn!(template = r.id, error = %e, "skipping a damaged template; a new one will be trained")
            }
        }
    }
    t
}

/// Load a segment's index at open: verify the file against its record (checksum, binding to
/// the segment file) before Faiss reads a byte, then map it. `None` (with a warning) when
/// anything is wrong: the segment is answered exactly and rebuilt.
pub(crate) fn load_index(
    db: &DbCore,
    dir: &std::path::Path,
    config: &CollectionConfig,
    reader: &SegmentReader,
    record: &IndexRecord,
) -> Option<Arc<AttachedIndex>> {
    match try_load_index(db, dir, config, reader, record) {
        Ok(a) => Some(a),
        Err(e) => {
            warn!(segment = %reader.id(), error = %e, "index unusable: answering exactly and rebuilding");
            // The file (if any) is no longer referenced once the rebuilt index commits; the
            // next open collects it.
            None
        }
    }
}

/// `load_index`, with the reason an index cannot be used as the error.
pub(crate) fn try_load_index(
    db: &DbCore,
    dir: &std::path::Path,
    config: &CollectionConfig,
    reader: &SegmentReader,
    record: &IndexRecord,
) -> Result<Arc<AttachedIndex>> {
    let attempt = || -> Result<Arc<AttachedIndex>> {
        let path = dir.join(&record.blob.file);
        if record.segment_crc != reader.info().crc {
            return Err(Error::Corrupted {
                path,
                reason: "index was built from another version of its segment".into(),
            });
        }
        if IndexKind::from_code(record.kind).is_none() {
            return Err(Error::Corrupted {
                path,
                reason: format!("unknown index kind {}", record.kind),
            });
        }
        let (path, _bytes) = verify_blob(db.options.fs.as_ref(), dir, &record.blob)?;
        let expected = ExpectedIndex {
            dim: config.dim,
            rows: reader.rows(),
            metric: config.metric,
        };
        let index = load(&path, LoadMode::MappedVerifiedByCaller, &expected)?;
        let lists = match &record.lists {
            Some(blob) => {
                let (lists_path, bytes) = verify_blob(db.options.fs.as_ref(), dir, blob)?;
                let lists = RowLists::from_bytes(&bytes, config.dim, reader.rows(), config.metric)
                    .map_err(|e| Error::Corrupted {
                        path: lists_path.clone(),
                        reason: e.to_string(),
                    })?;
                Some(AttachedLists {
                    lists,
                    _file: FileGuard::new(&db.collector, lists_path),
                })
            }
            None => None,
        };
        let attached = AttachedIndex::new(
            IndexHandle::Loaded(index),
            record.clone(),
            FileGuard::new(&db.collector, path.clone()),
        )
        .with_lists(lists);
        if attached.curve.is_none() && has_knob(attached.index().info()) {
            // Written before recall curves were recorded (or its curve is unreadable): the
            // index would be searched at a guessed setting, so it is rebuilt, measured.
            return Err(Error::Corrupted {
                path,
                reason: "index record has no readable recall curve".into(),
            });
        }
        Ok(Arc::new(attached))
    };
    attempt()
}

/// Build the index of a segment's rows under `plan` (IVF kinds from the collection's current
/// template, trained first if needed), write it as a derived file, and return it with its
/// record. The caller commits the record.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_index(
    db: &DbCore,
    coll: CollectionId,
    dir: &std::path::Path,
    config: &CollectionConfig,
    templates: &Templates,
    collection_rows: usize,
    sample_from: &[&SegmentReader],
    plan: &IndexPlan,
    reader: &SegmentReader,
    vectors: &[f32],
) -> Result<(SegmentIndex, Persisted)> {
    let settings = curve_settings();
    let (index, curve, template) = if plan.kind().is_ivf() {
        let tpl = current_template(
            db,
            coll,
            dir,
            config,
            templates,
            plan,
            collection_rows,
            sample_from,
        )?;
        let (index, curve) = SegmentIndex::build_measured(&tpl.template, vectors, &settings)?;
        (index, curve, Some(tpl.id))
    } else {
        let (index, curve) = SegmentIndex::build_standalone_measured(
            plan,
            config.metric,
            config.dim,
            vectors,
            &settings,
        )?;
        (index, curve, None)
    };
    let persisted = persist_index(db, dir, config, &index, reader, template, curve.as_ref())?;
    Ok((index, persisted))
}

/// Write `index` (of the segment read by `reader`) as a derived file, with row lists of the
/// segment's rows when it gets them ([`lists_for`]); return its record, which carries `curve`.
pub(crate) fn persist_index(
    db: &DbCore,
    dir: &std::path::Path,
    config: &CollectionConfig,
    index: &SegmentIndex,
    reader: &SegmentReader,
    template: Option<u64>,
    curve: Option<&RecallCurve>,
) -> Result<Persisted> {
    let curve = curve
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::invalid(format!("recall curve: {e}")))?;
    let bytes = index.to_bytes()?;
    fail::fail_point!("index::before_publish");
    let id = db.catalog.reserve_ids(1)?.start;
    let (path, blob) = publish_blob(db.options.fs.as_ref(), dir, &index_file_name(id), &bytes)
        .map_err(|e| db.poison_if_fatal(e))?;
    let lists = if lists_for(index.info()) {
        let lists = RowLists::build(
            reader.vectors(),
            config.dim,
            config.metric,
            &curve_settings(),
        )?;
        let bytes = lists.to_bytes()?;
        let id = db.catalog.reserve_ids(1)?.start;
        let (path, blob) = publish_blob(db.options.fs.as_ref(), dir, &lists_file_name(id), &bytes)
            .map_err(|e| db.poison_if_fatal(e))?;
        Some((
            AttachedLists {
                lists,
                _file: FileGuard::new(&db.collector, path),
            },
            blob,
        ))
    } else {
        None
    };
    let (lists, lists_blob) = lists.unzip();
    Ok(Persisted {
        record: IndexRecord {
            blob,
            kind: index.info().kind as u32,
            segment_crc: reader.info().crc,
            template,
            curve,
            lists: lists_blob,
        },
        path,
        lists,
    })
}

/// The template new IVF indexes are built from: the current generation if it is of the plan's
/// kind (however much the collection grew: a retrain runs as its own job), else a first one
/// trained now.
#[allow(clippy::too_many_arguments)]
fn current_template(
    db: &DbCore,
    coll: CollectionId,
    dir: &std::path::Path,
    config: &CollectionConfig,
    templates: &Templates,
    plan: &IndexPlan,
    collection_rows: usize,
    sample_from: &[&SegmentReader],
) -> Result<Arc<Template>> {
    if let Some(cur) = templates.current() {
        if cur.template.plan().kind() == plan.kind() {
            return Ok(cur);
        }
    }
    train_template(
        db,
        coll,
        dir,
        config,
        templates,
        plan,
        collection_rows,
        sample_from,
        false,
    )
}

/// Train a new template generation on a sample of the sealed rows, publish it, commit its
/// record and make it current. Without `force`, a template of the plan's kind trained by
/// someone else meanwhile is used instead.
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_template(
    db: &DbCore,
    coll: CollectionId,
    dir: &std::path::Path,
    config: &CollectionConfig,
    templates: &Templates,
    plan: &IndexPlan,
    collection_rows: usize,
    sample_from: &[&SegmentReader],
    force: bool,
) -> Result<Arc<Template>> {
    let _trainer = templates.trainer.lock();
    if !force {
        if let Some(cur) = templates.current() {
            if cur.template.plan().kind() == plan.kind() {
                return Ok(cur);
            }
        }
    }
    let available: usize = sample_from.iter().map(|r| r.rows()).sum();
    let planned_rows = collection_rows.max(available);
    // The collection-wide plan decides nlist; the sample bounds it (≥ 39 rows per list).
    let wanted = plan_index(
        &config.index,
        planned_rows,
        config.dim,
        db.options.index_memory_budget,
    )?
    .filter(|p| p.kind() == plan.kind())
    .unwrap_or_else(|| plan.clone());
    let nlist = wanted
        .nlist()
        .unwrap_or(1)
        .min(kiln_index::auto_nlist(available))
        .max(1);
    let tplan = with_nlist(&wanted, nlist);
    let take = IvfTemplate::sample_rows(nlist, available).min(available);
    let sample = sample_rows(sample_from, take, config.dim);
    let started = std::time::Instant::now();
    let template = IvfTemplate::train(&tplan, config.metric, config.dim, &sample)?;
    let bytes = template.to_bytes()?;
    let id = db.catalog.reserve_ids(1)?.start;
    let (path, blob) = publish_blob(db.options.fs.as_ref(), dir, &template_file_name(id), &bytes)
        .map_err(|e| db.poison_if_fatal(e))?;
    let desc = TemplateDescription {
        plan: tplan,
        planned_rows,
        fingerprint: template.fingerprint(),
    };
    let record = TemplateRecord {
        id,
        blob,
        description: serde_json::to_string(&desc).map_err(|e| Error::invalid(e.to_string()))?,
    };
    fail::fail_point!("template::before_commit");
    let mut batch = db.catalog.batch()?;
    batch.put_template(coll, &record)?;
    db.catalog.commit(batch, true).map_err(|e| db.poison(e))?;
    info!(template = id, nlist, sample = take, planned_rows, took = ?started.elapsed(), "trained IVF template");
    let tpl = Arc::new(Template {
        id,
        template,
        planned_rows,
        _file: FileGuard::new(&db.collector, path),
    });
    *templates.current.lock() = Some(Arc::clone(&tpl));
    Ok(tpl)
}

fn with_nlist(plan: &IndexPlan, nlist: usize) -> IndexPlan {
    match plan {
        IndexPlan::IvfFlat { .. } => IndexPlan::IvfFlat { nlist },
        IndexPlan::IvfSq8 { .. } => IndexPlan::IvfSq8 { nlist },
        IndexPlan::IvfPq { m, .. } => IndexPlan::IvfPq { nlist, m: *m },
        other => other.clone(),
    }
}

/// `take` rows spread evenly over the segments, in order.
fn sample_rows(from: &[&SegmentReader], take: usize, dim: usize) -> Vec<f32> {
    let total: usize = from.iter().map(|r| r.rows()).sum();
    let mut out = Vec::with_capacity(take * dim);
    if total == 0 || take == 0 {
        return out;
    }
    let step = total as f64 / take as f64;
    let mut next = 0.0f64;
    let mut base = 0usize;
    for r in from {
        let v = r.vectors();
        while (next as usize) < base + r.rows() && out.len() < take * dim {
            let row = next as usize - base;
            if let Some(x) = v.get(row * dim..(row + 1) * dim) {
                out.extend_from_slice(x);
            }
            next += step;
        }
        base += r.rows();
    }
    out
}

/// Merge the IVF indexes of merge inputs by list concatenation when they share a template;
/// `None` when they do not (the caller rebuilds from the merged rows).
pub(crate) fn merge_indexes(
    dir: &std::path::Path,
    config: &CollectionConfig,
    parts: &[(Arc<AttachedIndex>, usize, RowBitmap)],
) -> Result<Option<(SegmentIndex, Option<u64>)>> {
    let Some(first) = parts.first() else {
        return Ok(None);
    };
    let fp = first.0.fingerprint();
    if fp.is_none()
        || parts
            .iter()
            .any(|p| p.0.fingerprint() != fp || p.0.kind() != first.0.kind())
    {
        return Ok(None);
    }
    let mut inputs = Vec::with_capacity(parts.len());
    for (ix, rows, _) in parts {
        let expected = ExpectedIndex {
            dim: config.dim,
            rows: *rows,
            metric: config.metric,
        };
        inputs.push(ix.mergeable_copy(dir, &expected)?);
    }
    let merge_parts = inputs
        .into_iter()
        .zip(parts)
        .map(|(index, (_, _, deleted))| MergePart {
            index,
            deleted: Some(deleted),
        })
        .collect();
    match SegmentIndex::merge(merge_parts) {
        Ok(m) => Ok(Some((m, first.0.record.template))),
        Err(kiln_index::Error::NotMergeable { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
