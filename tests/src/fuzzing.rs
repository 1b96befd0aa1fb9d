//! Entry points that feed arbitrary bytes to every decoder of bytes from disk. The cargo-fuzz
//! targets in `fuzz/` call them under libFuzzer; `tests/tests/fuzz_smoke.rs` calls them with
//! seeded mutations of valid files on the stable toolchain. None may panic or abort: each
//! returns whether the input was accepted, and garbage must come back as an error value.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kiln::{CollectionConfig, Database, DbOptions, Durability, Metric, SearchOptions};
use kiln_index::{ExpectedIndex, IvfTemplate, SegmentIndex};
use kiln_storage::fs::OsFs;
use kiln_storage::segment::{SegmentFileInfo, SegmentReader};
use kiln_storage::SegmentId;

/// This process's scratch root, `$TMPDIR/kiln-fuzz-<pid>-XXXXXX`. libFuzzer leaves by `exit`,
/// and a test binary does not drop its statics either, so nothing here can remove its own root
/// when the process ends; instead the first call removes the roots of processes that are gone
/// (where `/proc` tells), so at most the last run's root is left behind.
fn process_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        sweep_dead_roots(&std::env::temp_dir());
        tempfile::Builder::new()
            .prefix(&format!("kiln-fuzz-{}-", std::process::id()))
            .tempdir()
            .map(tempfile::TempDir::keep)
            .unwrap_or_else(|e| panic!("cannot create a scratch directory: {e}"))
    })
}

/// Remove `kiln-fuzz-<pid>-*` directories under `tmp` whose process no longer runs.
fn sweep_dead_roots(tmp: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("kiln-fuzz-"))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A scratch directory per thread under the process root, reused across calls.
fn scratch() -> PathBuf {
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::Builder::new()
            .prefix("thread-")
            .tempdir_in(process_root())
            .unwrap_or_else(|e| panic!("cannot create a scratch directory: {e}"));
    }
    DIR.with(|d| d.path().to_path_buf())
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A segment file: the catalog's expectations are taken from the bytes themselves (the footer's
/// CRC, the header's rows, dimension and segment id), so that only the file's own consistency
/// decides.
pub fn segment_file(bytes: &[u8]) -> bool {
    let path = scratch().join("0000000000000001.seg");
    if std::fs::write(&path, bytes).is_err() {
        return false;
    }
    let footer = bytes.len().saturating_sub(24);
    let info = SegmentFileInfo {
        len: bytes.len() as u64,
        crc: u32_at(bytes, footer + 8).unwrap_or(0),
        rows: u64_at(bytes, 24).unwrap_or(0),
    };
    let dim = u32_at(bytes, 16).unwrap_or(1) as usize;
    let id = SegmentId(u64_at(bytes, 32).unwrap_or(1));
    match SegmentReader::open(&OsFs, &path, id, dim, &info) {
        Ok(r) => {
            // Touch every row the reader claims to have.
            let mut sum = 0f32;
            for row in 0..r.rows() {
                if let Some(v) = r.vector(row) {
                    sum += v.first().copied().unwrap_or(0.0);
                }
            }
            let _ = (sum, r.ids().len());
            true
        }
        Err(_) => false,
    }
}

/// A segment file whose footer (body length and CRC) is rewritten to match the body, so that
/// the header and section checks behind the checksum see arbitrary bytes.
pub fn segment_file_repaired(bytes: &[u8]) -> bool {
    let mut body = bytes.to_vec();
    let len = body.len() as u64;
    body.extend_from_slice(&len.to_le_bytes());
    let crc = crc32fast::hash(&body[..len as usize]);
    body.extend_from_slice(&crc.to_le_bytes());
    body.extend_from_slice(&0u32.to_le_bytes());
    body.extend_from_slice(b"KILNEND\0");
    segment_file(&body)
}

/// Index bytes, from memory and from a file (in memory and mapped). Faiss must never see
/// bytes that failed kiln-index's checks.
pub fn index_file(bytes: &[u8]) -> bool {
    let expected = ExpectedIndex {
        dim: 8,
        rows: u32_at(bytes, 0).unwrap_or(0) as usize % 100_000,
        metric: Metric::L2,
    };
    let a = SegmentIndex::from_bytes(bytes, &expected).is_ok();
    let path = scratch().join("0000000000000002.idx");
    if std::fs::write(&path, bytes).is_err() {
        return a;
    }
    let b = kiln_index::load(&path, kiln_index::LoadMode::InMemory, &expected).is_ok();
    let c = kiln_index::load(&path, kiln_index::LoadMode::Mapped, &expected).is_ok();
    a || b || c
}

/// Row lists bytes (`<id>.lst`), for the segment shape their own header states (dimension at
/// byte 12, rows at byte 20, capped), with the cosine metric.
pub fn row_lists(bytes: &[u8]) -> bool {
    let dim = (u32_at(bytes, 12).unwrap_or(0) as usize).min(4_096);
    let rows = (u32_at(bytes, 20).unwrap_or(0) as usize).min(1 << 20);
    kiln_index::RowLists::from_bytes(bytes, dim, rows, Metric::Cosine).is_ok()
}

/// [`row_lists`] of `body` with a valid checksum appended, so that mutations reach the
/// structural checks behind it.
pub fn row_lists_repaired(body: &[u8]) -> bool {
    let mut bytes = body.to_vec();
    bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    row_lists(&bytes)
}

/// A valid input for [`row_lists`]: the lists of 400 rows × 8 (cosine), built by kiln-index.
pub fn row_lists_seed() -> Vec<u8> {
    let rows: Vec<f32> = (0..400 * 8)
        .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0 + (i / 8 % 7) as f32)
        .collect();
    let normalised: Vec<f32> = rows
        .chunks_exact(8)
        .flat_map(|v| kiln_index::normalized(v).unwrap_or_else(|| v.to_vec()))
        .collect();
    let settings = kiln_index::CurveSettings {
        sample: 40,
        ..kiln_index::CurveSettings::default()
    };
    kiln_index::RowLists::build(&normalised, 8, Metric::Cosine, &settings)
        .and_then(|l| l.to_bytes())
        .unwrap_or_default()
}

/// Template bytes.
pub fn template_file(bytes: &[u8]) -> bool {
    IvfTemplate::from_bytes(bytes, Metric::L2, 8).is_ok()
}

/// The catalog watermark file.
pub fn watermark_file(bytes: &[u8]) -> bool {
    let dir = scratch();
    let path = dir.join(kiln_storage::watermark::WATERMARK_FILE);
    if std::fs::write(&path, bytes).is_err() {
        return false;
    }
    kiln_storage::watermark::read(&OsFs, &dir).is_ok()
}

/// Every decoder of values stored in the catalog.
pub fn catalog_values(bytes: &[u8]) -> bool {
    kiln_storage::catalog::fuzz_decode_values(bytes);
    true
}

/// A small database with sealed segments, an index, a template and rows in the log; built once.
fn pristine() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("pristine-")
            .tempdir_in(process_root())
            .map(tempfile::TempDir::keep)
            .unwrap_or_else(|e| panic!("scratch: {e}"));
        let db = Database::open_with(&dir, DbOptions::new().durability(Durability::Buffered))
            .unwrap_or_else(|e| panic!("open: {e}"));
        let c = db
            .create_collection(
                "f",
                CollectionConfig::new(8, Metric::L2)
                    .segment_rows(1_000)
                    .index(kiln::IndexSpec::IvfFlat { nlist: 16 }),
            )
            .unwrap_or_else(|e| panic!("create: {e}"));
        let ids: Vec<u64> = (0..2_500).collect();
        let flat: Vec<f32> = (0..2_500 * 8).map(|i| ((i * 7919) % 97) as f32).collect();
        c.insert_batch(&ids, &flat)
            .unwrap_or_else(|e| panic!("insert: {e}"));
        c.wait_for_indexing()
            .unwrap_or_else(|e| panic!("index: {e}"));
        c.delete_batch(&(0..100).collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("delete: {e}"));
        drop((c, db));
        dir
    })
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if p.file_name().is_some_and(|n| n != "LOCK" && n != "LOG") {
            out.push(p);
        }
    }
    out.sort();
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)?.flatten() {
        let t = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &t)?;
        } else if e.file_name() != "LOCK" {
            std::fs::copy(e.path(), &t)?;
        }
    }
    Ok(())
}

/// Open a damaged copy of the pristine database: `bytes` is read as (file, offset, xor)
/// triples of 1 + 4 + 1 bytes applied to its files (RocksDB's included). Opening, loading the
/// collection and searching must either work or fail with an error value.
pub fn damaged_directory(bytes: &[u8]) -> bool {
    let work = scratch().join("db");
    let _ = std::fs::remove_dir_all(&work);
    if copy_tree(pristine(), &work).is_err() {
        return false;
    }
    let mut files = Vec::new();
    files_under(&work, &mut files);
    if files.is_empty() {
        return false;
    }
    for m in bytes.chunks_exact(6) {
        let file = &files[m[0] as usize % files.len()];
        let Ok(mut data) = std::fs::read(file) else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        let at = u32::from_le_bytes([m[1], m[2], m[3], m[4]]) as usize % data.len();
        data[at] ^= m[5].max(1);
        let _ = std::fs::write(file, data);
    }
    let Ok(db) = Database::open(&work) else {
        return false;
    };
    let Ok(c) = db.collection("f") else {
        return false;
    };
    let _ = c.len();
    let _ = c.get(500);
    c.search(&[1.0; 8], &SearchOptions::new(5)).is_ok()
}

/// Attribute bytes from disk: a leading byte picks a schema (`attrs::fuzz_decoders`), the
/// rest is decoded both as a log row's attributes and as a segment's attribute section (and
/// indexed, and read back, when it is accepted).
pub fn attribute_bytes(bytes: &[u8]) -> bool {
    kiln_storage::attrs::fuzz_decoders(bytes);
    true
}

/// A valid input for [`attribute_bytes`]: schema selector 24 (five fields, one of each type:
/// keyword list, keyword, int, float, bool, named f0..f4) and an attribute section of 50 rows
/// under it, some values null.
pub fn attribute_seed() -> Vec<u8> {
    use kiln::{FieldType, Payload};
    let types = [
        FieldType::KeywordList,
        FieldType::Keyword,
        FieldType::Int,
        FieldType::Float,
        FieldType::Bool,
    ];
    let mut schema = kiln_storage::attrs::Schema::new();
    for (i, ty) in types.into_iter().enumerate() {
        if schema.add_field(format!("f{i}"), ty).is_err() {
            return Vec::new();
        }
    }
    let rows: Vec<_> = (0..50i64)
        .filter_map(|r| {
            let mut p = Payload::new()
                .set("f1", format!("k{}", r % 4))
                .set("f2", r * 1_000 - 7);
            if r % 3 != 0 {
                p = p.set("f0", vec!["a", if r % 2 == 0 { "b" } else { "c" }]);
                p = p.set("f3", r as f64 / 3.0);
            }
            if r % 5 != 0 {
                p = p.set("f4", r % 2 == 0);
            }
            schema.check_payload(&p).ok()
        })
        .collect();
    match kiln_storage::attrs::encode_columns(&schema, &rows) {
        Ok(section) => std::iter::once(24u8).chain(section).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_removes_only_roots_of_processes_that_are_gone() {
        if !Path::new("/proc/self").exists() {
            eprintln!("skipped: no /proc to tell which processes run");
            return;
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        // Above Linux's largest pid_max (2^22), so no process has it.
        let dead = tmp.path().join("kiln-fuzz-4194400-abc");
        let alive = tmp
            .path()
            .join(format!("kiln-fuzz-{}-def", std::process::id()));
        let other = tmp.path().join("kiln-fuzz-pristine-ghi");
        for d in [&dead, &alive, &other] {
            std::fs::create_dir_all(d.join("db")).expect("mkdir");
        }
        sweep_dead_roots(tmp.path());
        assert!(!dead.exists());
        assert!(alive.exists());
        assert!(other.exists(), "names without a pid are not ours to judge");
    }
}
