//! `Database::verify`: check every file the catalog refers to, without trusting any of them.

use std::path::PathBuf;

use kiln_index::{load, ExpectedIndex, IndexKind, LoadMode};
use kiln_storage::blob::verify_blob;
use kiln_storage::catalog::SegmentState;
use kiln_storage::segment::segment_file_name;
use kiln_storage::SegmentReader;

use crate::db::DbInner;
use crate::error::Result;
use crate::options::CollectionConfig;

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

pub(crate) fn verify(db: &DbInner) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let fs = db.options.fs.as_ref();
    for record in db.catalog.collections()? {
        report.collections += 1;
        let dir = db.layout.collection_dir(record.id);
        let name = record.name.clone();
        let problem = |path: PathBuf, reason: String, repairable: bool| Problem {
            collection: name.clone(),
            path,
            reason,
            repairable,
        };
        let config: CollectionConfig = match serde_json::from_str(&record.config) {
            Ok(c) => c,
            Err(e) => {
                report.problems.push(problem(
                    db.catalog.path().to_path_buf(),
                    format!("configuration: {e}"),
                    false,
                ));
                continue;
            }
        };
        let dim = config.dim;
        for meta in db.catalog.segments(record.id)? {
            match meta.state {
                SegmentState::Growing => {
                    report.growing_segments += 1;
                    if let Err(e) = db
                        .catalog
                        .growing_rows(record.id, meta.id, dim, |_, _, _| {})
                    {
                        report.problems.push(problem(
                            db.catalog.path().to_path_buf(),
                            e.to_string(),
                            false,
                        ));
                    }
                }
                SegmentState::Sealed(info) => {
                    report.segments += 1;
                    let path = dir.join(segment_file_name(meta.id));
                    let reader = match SegmentReader::open(fs, &path, meta.id, dim, &info) {
                        Ok(r) => {
                            report.bytes += info.len;
                            r
                        }
                        Err(e) => {
                            report.problems.push(problem(path, e.to_string(), false));
                            // Still check the index file's own checksum.
                            if let Some(index) = &meta.index {
                                report.indexes += 1;
                                if let Err(e) = verify_blob(fs, &dir, &index.blob) {
                                    report.problems.push(problem(
                                        dir.join(&index.blob.file),
                                        e.to_string(),
                                        true,
                                    ));
                                }
                            }
                            continue;
                        }
                    };
                    let Some(index) = meta.index else { continue };
                    report.indexes += 1;
                    let path = dir.join(&index.blob.file);
                    if index.segment_crc != info.crc {
                        report.problems.push(problem(
                            path,
                            "index was built from another version of its segment".into(),
                            true,
                        ));
                        continue;
                    }
                    if IndexKind::from_code(index.kind).is_none() {
                        report.problems.push(problem(
                            path,
                            format!("unknown index kind {}", index.kind),
                            true,
                        ));
                        continue;
                    }
                    match verify_blob(fs, &dir, &index.blob) {
                        Ok(_) => report.bytes += index.blob.len,
                        Err(e) => {
                            report.problems.push(problem(path, e.to_string(), true));
                            continue;
                        }
                    }
                    let expected = ExpectedIndex {
                        dim,
                        rows: reader.rows(),
                        metric: config.metric,
                    };
                    if let Err(e) = load(&path, LoadMode::MappedVerifiedByCaller, &expected) {
                        report.problems.push(problem(path, e.to_string(), true));
                    }
                }
            }
        }
        for t in db.catalog.templates(record.id)? {
            report.templates += 1;
            match verify_blob(fs, &dir, &t.blob) {
                Ok(_) => report.bytes += t.blob.len,
                Err(e) => {
                    report
                        .problems
                        .push(problem(dir.join(&t.blob.file), e.to_string(), true))
                }
            }
        }
    }
    Ok(report)
}
