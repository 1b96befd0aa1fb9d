//! The catalog watermark: what Kiln knows the catalog (RocksDB) reached durably, kept in a
//! small file of Kiln's own (`<root>/CATALOG-SEQ`), to catch a catalog that silently opens at
//! an older state.
//!
//! RocksDB treats a damaged tail of its MANIFEST or write-ahead log like a write torn by a
//! crash: it drops it and opens at an older state without an error. After damage to those
//! files (truncation, a flipped bit in the last record) that older state can be silently wrong
//! (deletes undone, rows resurrected) and can refer to files Kiln already collected. Two marks
//! guard against it:
//!
//! - a **sequence number** the catalog reached durably, written after every structural commit
//!   (seal, index build, merge) and at close: a catalog that opens below it is refused;
//! - at a **clean close**, after the memtables were flushed (so recovery needs no log) and
//!   RocksDB's background work stopped, the MANIFEST's number, length and CRC32: if the next
//!   open finds that same MANIFEST shorter or different, it is refused before RocksDB reads it.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "KILNSEQ\0"
//! 8       8     sequence number (u64 LE)
//! 16      8     MANIFEST number (u64 LE), 0 = no MANIFEST mark
//! 24      8     MANIFEST length (u64 LE)
//! 32      4     MANIFEST CRC32 (of its first `length` bytes)
//! 36      4     CRC32 of bytes [0, 36)
//! ```
//!
//! RocksDB's files are read here with `std::fs` (they are not Kiln's own files and sit outside
//! the [`FileSystem`] seam); the watermark file itself goes through the seam.

use std::path::Path;

use crate::error::{Error, Result};
use crate::fs::{publish, FileSystem};

/// The watermark's file name in the database directory.
pub const WATERMARK_FILE: &str = "CATALOG-SEQ";
const MAGIC: [u8; 8] = *b"KILNSEQ\0";
const LEN: usize = 40;

/// The MANIFEST as it was at a clean close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManifestMark {
    /// The number in `MANIFEST-<number>`.
    pub number: u64,
    /// Its length.
    pub len: u64,
    /// CRC32 of its first `len` bytes.
    pub crc: u32,
}

/// The watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Watermark {
    /// A sequence number the catalog reached durably.
    pub seq: u64,
    /// The MANIFEST at the last clean close, if the last write was at a clean close.
    pub manifest: Option<ManifestMark>,
}

/// Read the watermark of the database at `root`; the default (sequence 0, no MANIFEST mark)
/// when there is none yet.
pub fn read(fs: &dyn FileSystem, root: &Path) -> Result<Watermark> {
    let path = root.join(WATERMARK_FILE);
    let bytes = match fs.map(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Watermark::default()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let bad = |reason: &str| Error::corrupted(&path, reason.to_string());
    if bytes.len() != LEN {
        return Err(bad("watermark file has the wrong length"));
    }
    let u64_at = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| bad("short watermark"))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| bad("short watermark"))
    };
    let body = bytes.get(..36).ok_or_else(|| bad("short watermark"))?;
    if crc32fast::hash(body) != u32_at(36)? {
        return Err(bad("watermark checksum mismatch"));
    }
    if bytes.get(..8) != Some(&MAGIC[..]) {
        return Err(bad("bad watermark magic"));
    }
    let number = u64_at(16)?;
    Ok(Watermark {
        seq: u64_at(8)?,
        manifest: (number != 0).then_some(ManifestMark {
            number,
            len: u64_at(24)?,
            crc: u32_at(32)?,
        }),
    })
}

/// Durably record `mark` (temp file, fsync, rename, directory fsync).
pub fn write(fs: &dyn FileSystem, root: &Path, mark: &Watermark) -> Result<()> {
    let mut bytes = [0u8; LEN];
    bytes[..8].copy_from_slice(&MAGIC);
    bytes[8..16].copy_from_slice(&mark.seq.to_le_bytes());
    if let Some(m) = mark.manifest {
        bytes[16..24].copy_from_slice(&m.number.to_le_bytes());
        bytes[24..32].copy_from_slice(&m.len.to_le_bytes());
        bytes[32..36].copy_from_slice(&m.crc.to_le_bytes());
    }
    let crc = crc32fast::hash(&bytes[..36]);
    bytes[36..].copy_from_slice(&crc.to_le_bytes());
    publish(fs, root, WATERMARK_FILE, |f| f.write_all(&bytes))?;
    Ok(())
}

/// The MANIFEST `CURRENT` names in `catalog_dir`: its number and path.
fn current_manifest(catalog_dir: &Path) -> std::io::Result<Option<(u64, std::path::PathBuf)>> {
    let current = match std::fs::read_to_string(catalog_dir.join("CURRENT")) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let name = current.trim();
    let number = name
        .strip_prefix("MANIFEST-")
        .and_then(|n| n.parse::<u64>().ok());
    Ok(number.map(|n| (n, catalog_dir.join(name))))
}

/// Capture the MANIFEST mark. Call only when RocksDB writes nothing more (clean close).
pub fn capture_manifest(catalog_dir: &Path) -> std::io::Result<Option<ManifestMark>> {
    let Some((number, path)) = current_manifest(catalog_dir)? else {
        return Ok(None);
    };
    let bytes = std::fs::read(path)?;
    Ok(Some(ManifestMark {
        number,
        len: bytes.len() as u64,
        crc: crc32fast::hash(&bytes),
    }))
}

/// Before RocksDB opens: if `CURRENT` still names the MANIFEST of the last clean close, it must
/// be at least as long as it was and its recorded prefix unchanged.
pub fn check_manifest(catalog_dir: &Path, mark: &ManifestMark) -> Result<()> {
    let Some((number, path)) =
        current_manifest(catalog_dir).map_err(|e| Error::io(catalog_dir, e))?
    else {
        return Ok(());
    };
    if number != mark.number {
        return Ok(());
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let prefix = bytes.get(..mark.len as usize).ok_or_else(|| {
        Error::corrupted(
            &path,
            format!(
                "MANIFEST is {} bytes, it was {} at the last clean close",
                bytes.len(),
                mark.len
            ),
        )
    })?;
    if crc32fast::hash(prefix) != mark.crc {
        return Err(Error::corrupted(
            &path,
            "MANIFEST changed since the last clean close",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::OsFs;

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(read(&OsFs, dir.path()).expect("read"), Watermark::default());
        let mark = Watermark {
            seq: 12345,
            manifest: Some(ManifestMark {
                number: 7,
                len: 99,
                crc: 0xdead_beef,
            }),
        };
        write(&OsFs, dir.path(), &mark).expect("write");
        assert_eq!(read(&OsFs, dir.path()).expect("read"), mark);
        let path = dir.path().join(WATERMARK_FILE);
        let good = std::fs::read(&path).expect("read");
        for i in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[i / 8] ^= 1 << (i % 8);
            std::fs::write(&path, &bad).expect("write");
            assert!(read(&OsFs, dir.path()).is_err(), "flip {i} undetected");
        }
        std::fs::write(&path, &good[..10]).expect("write");
        assert!(read(&OsFs, dir.path()).is_err());
    }

    #[test]
    fn manifest_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("CURRENT"), "MANIFEST-000005\n").expect("write");
        std::fs::write(dir.path().join("MANIFEST-000005"), b"0123456789").expect("write");
        let mark = capture_manifest(dir.path())
            .expect("capture")
            .expect("some");
        assert_eq!((mark.number, mark.len), (5, 10));
        check_manifest(dir.path(), &mark).expect("unchanged");
        std::fs::write(dir.path().join("MANIFEST-000005"), b"0123456789more").expect("write");
        check_manifest(dir.path(), &mark).expect("appended is fine");
        std::fs::write(dir.path().join("MANIFEST-000005"), b"01234").expect("write");
        assert!(check_manifest(dir.path(), &mark).is_err());
        std::fs::write(dir.path().join("MANIFEST-000005"), b"0123456788").expect("write");
        assert!(check_manifest(dir.path(), &mark).is_err());
        std::fs::write(dir.path().join("CURRENT"), "MANIFEST-000006\n").expect("write");
        check_manifest(dir.path(), &mark).expect("another manifest is not compared");
    }
}
