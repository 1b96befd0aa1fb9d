//! `Database::verify`: check every file the catalog refers to, without trusting any of them.

use std::path::{Path, PathBuf};

use kiln_index::{load, ExpectedIndex, IndexKind, LoadMode, RowLists};
use kiln_storage::attrs::{decode_row, ColumnsReader, Schema};
use kiln_storage::blob::verify_blob;
use kiln_storage::catalog::{SegmentMeta, SegmentState};
use kiln_storage::segment::segment_file_name;
use kiln_storage::{SegmentFileInfo, SegmentReader};

use crate::error::Result;
use crate::options::CollectionConfig;
use kiln_storage::catalog::Catalog;
use kiln_storage::layout::DbLayout;
use kiln_storage::FileSystem;

/// One thing [`Database::verify`](crate::Database::verify) found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The collection.
    pub collection: String,
    /// The damaged file (or the catalog directory).
    pub path: PathBuf,
    /// What is wrong.
    pub reason: String,
    /// Whether Kiln repairs it by itself (a derived index file, rebuilt from its segment) or the
    /// data is at risk (a segment file or the catalog).
    pub repairable: bool,
}

/// What [`Database::verify`](crate::Database::verify) checked and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Collections checked.
    pub collections: usize,
    /// Segment files checked (length, CRC32, header against the catalog).
    pub segments: usize,
    /// Growing segments checked (rows decoded from the log).
    pub growing_segments: usize,
    /// Index files checked (CRC32, binding to their segment, Faiss load).
    pub indexes: usize,
    /// Trained templates checked.
    pub templates: usize,
    /// Bytes of files read and checksummed.
    pub bytes: u64,
    /// Everything found wrong.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// True when nothing was found wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Check every file `catalog` refers to, under `layout`, read through `fs`.
pub(crate) fn verify(
    catalog: &Catalog,
    layout: &DbLayout,
    fs: &dyn FileSystem,
) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    for record in catalog.collections()? {
        report.collections += 1;
        let mut check = Checker {
            fs,
            dir: layout.collection_dir(record.id),
            collection: record.name.clone(),
            report: &mut report,
        };
        let config: CollectionConfig = match serde_json::from_str(&record.config) {
            Ok(c) => c,
            Err(e) => {
                check.problem(catalog.path(), format!("configuration: {e}"), false);
                continue;
            }
        };
        let schema = match crate::validate::schema_of(&config) {
            Ok(s) => s,
            Err(e) => {
                check.problem(catalog.path(), format!("fields: {e}"), false);
                continue;
            }
        };
        for meta in catalog.segments(record.id)? {
            match meta.state {
                SegmentState::Growing => {
                    check.report.growing_segments += 1;
                    let rows =
                        catalog.growing_rows(record.id, meta.id, config.dim, |row, _, _, a| {
                            if !a.is_empty() {
                                decode_row(a, &schema).map_err(|e| {
                                    let reason =
                                        format!("segment {} row {row}: attributes: {e}", meta.id);
                                    kiln_storage::Error::corrupted(catalog.path(), reason)
                                })?;
                            }
                            Ok(())
                        });
                    if let Err(e) = rows {
                        check.problem(catalog.path(), e.to_string(), false);
                    }
                }
                SegmentState::Sealed(info) => check.sealed(&config, &schema, &meta, &info),
            }
        }
        for t in catalog.templates(record.id)? {
            check.report.templates += 1;
            match verify_blob(fs, &check.dir, &t.blob) {
                Ok(_) => check.report.bytes += t.blob.len,
                Err(e) => check.problem(&check.dir.join(&t.blob.file), e.to_string(), true),
            }
        }
    }
    Ok(report)
}

/// The checks of one collection's files.
struct Checker<'a> {
    fs: &'a dyn FileSystem,
    dir: PathBuf,
    collection: String,
    report: &'a mut VerifyReport,
}

impl Checker<'_> {
    fn problem(&mut self, path: &Path, reason: String, repairable: bool) {
        self.report.problems.push(Problem {
            collection: self.collection.clone(),
            path: path.to_path_buf(),
            reason,
            repairable,
        });
    }

    /// A sealed segment's file against its record, then its index file (if any) against its
    /// record, its segment and Faiss's loader.
    fn sealed(
        &mut self,
        config: &CollectionConfig,
        schema: &Schema,
        meta: &SegmentMeta,
        info: &SegmentFileInfo,
    ) {
        self.report.segments += 1;
        let path = self.dir.join(segment_file_name(meta.id));
        let reader = match SegmentReader::open(self.fs, &path, meta.id, config.dim, info) {
            Ok(r) => {
                self.report.bytes += info.len;
                Some(r)
            }
            Err(e) => {
                self.problem(&path, e.to_string(), false);
                None
            }
        };
        if let Some(section) = reader.as_ref().and_then(SegmentReader::attribute_section) {
            let rows = u32::try_from(info.rows).unwrap_or(u32::MAX);
            if let Err(e) = ColumnsReader::open(section, schema, rows) {
                self.problem(&path, format!("attribute section: {e}"), false);
            }
        }
        let Some(index) = &meta.index else { return };
        self.report.indexes += 1;
        let path = self.dir.join(&index.blob.file);
        let Some(reader) = reader else {
            // Still check the index files' own checksums.
            for blob in index.blobs() {
                if let Err(e) = verify_blob(self.fs, &self.dir, blob) {
                    self.problem(&self.dir.join(&blob.file), e.to_string(), true);
                }
            }
            return;
        };
        if index.segment_crc != info.crc {
            let reason = "index was built from another version of its segment".into();
            return self.problem(&path, reason, true);
        }
        if IndexKind::from_code(index.kind).is_none() {
            return self.problem(&path, format!("unknown index kind {}", index.kind), true);
        }
        if let Err(e) = verify_blob(self.fs, &self.dir, &index.blob) {
            return self.problem(&path, e.to_string(), true);
        }
        self.report.bytes += index.blob.len;
        let expected = ExpectedIndex {
            dim: config.dim,
            rows: reader.rows(),
            metric: config.metric,
        };
        if let Err(e) = load(&path, LoadMode::MappedVerifiedByCaller, &expected) {
            self.problem(&path, e.to_string(), true);
        }
        if let Some(blob) = &index.lists {
            let path = self.dir.join(&blob.file);
            match verify_blob(self.fs, &self.dir, blob) {
                Ok((_, bytes)) => {
                    self.report.bytes += blob.len;
                    if let Err(e) =
                        RowLists::from_bytes(&bytes, config.dim, reader.rows(), config.metric)
                    {
                        self.problem(&path, e.to_string(), true);
                    }
                }
                Err(e) => self.problem(&path, e.to_string(), true),
            }
        }
    }
}
