//! Derived-data files (index files, trained templates): opaque bytes published durably, whose
//! length and CRC32 the catalog records and which are verified before anyone parses a byte.
//!
//! The bytes are stored as they are (no header), so that a consumer may memory-map the file
//! itself (Faiss reads its own format from offset 0); the envelope lives in the catalog record.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs::{publish, FileBytes, FileSystem};
use crate::ids::SegmentId;

/// What the catalog records about a derived file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlobInfo {
    /// File name inside the collection directory.
    pub file: String,
    /// Length in bytes.
    pub len: u64,
    /// CRC32 of the whole file.
    pub crc: u32,
}

/// The file name of index file `id`.
pub fn index_file_name(id: u64) -> String {
    format!("{}.idx", SegmentId(id))
}

/// The file name of row lists `id` (the partition that serves an index's mid-selectivity
/// filtered searches, kept beside the index it belongs to).
pub fn lists_file_name(id: u64) -> String {
    format!("{}.lst", SegmentId(id))
}

/// The file name of trained template `id`.
pub fn template_file_name(id: u64) -> String {
    format!("{}.tpl", SegmentId(id))
}

/// Whether `name` is a derived-file name Kiln creates.
pub fn is_blob_file_name(name: &str) -> bool {
    let Some((hex, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(ext, "idx" | "lst" | "tpl")
        && hex.len() == 16
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Publish `bytes` as `dir/name` (temp, fsync, rename, directory fsync).
pub fn publish_blob(
    fs: &dyn FileSystem,
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<(PathBuf, BlobInfo)> {
    let path = publish(fs, dir, name, |f| f.write_all(bytes))?;
    Ok((
        path,
        BlobInfo {
            file: name.to_string(),
            len: bytes.len() as u64,
            crc: crc32fast::hash(bytes),
        },
    ))
}

/// Map `dir/info.file` and check its length and CRC32 against `info`. A missing, short, long or
/// damaged file is `Corrupted`.
pub fn verify_blob(
    fs: &dyn FileSystem,
    dir: &Path,
    info: &BlobInfo,
) -> Result<(PathBuf, FileBytes)> {
    let path = dir.join(&info.file);
    let len = match fs.file_len(&path) {
        Ok(len) => len,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::corrupted(
                &path,
                "the catalog refers to this file but it is missing",
            ));
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    if len != info.len {
        return Err(Error::corrupted(
            &path,
            format!("file is {len} bytes, the catalog recorded {}", info.len),
        ));
    }
    let bytes = fs.map(&path).map_err(|e| Error::io(&path, e))?;
    if bytes.len() as u64 != info.len {
        return Err(Error::corrupted(
            &path,
            format!("mapped {} bytes, expected {}", bytes.len(), info.len),
        ));
    }
    let crc = crc32fast::hash(&bytes);
    if crc != info.crc {
        return Err(Error::corrupted(
            &path,
            format!(
                "checksum {crc:08x} differs from the catalog's {:08x}",
                info.crc
            ),
        ));
    }
    Ok((path, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::OsFs;

    #[test]
    fn publish_and_verify() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = index_file_name(7);
        assert!(is_blob_file_name(&name));
        assert!(is_blob_file_name(&template_file_name(7)));
        assert!(is_blob_file_name(&lists_file_name(7)));
        assert!(!is_blob_file_name("0000000000000007.seg"));
        let (path, info) = publish_blob(&OsFs, dir.path(), &name, b"faiss bytes").expect("publish");
        let (_, bytes) = verify_blob(&OsFs, dir.path(), &info).expect("verify");
        assert_eq!(&*bytes, b"faiss bytes");
        std::fs::write(&path, b"faiss bytez").expect("write");
        assert!(matches!(
            verify_blob(&OsFs, dir.path(), &info),
            Err(Error::Corrupted { .. })
        ));
        std::fs::write(&path, b"faiss").expect("write");
        assert!(matches!(
            verify_blob(&OsFs, dir.path(), &info),
            Err(Error::Corrupted { .. })
        ));
        std::fs::remove_file(&path).expect("rm");
        assert!(matches!(
            verify_blob(&OsFs, dir.path(), &info),
            Err(Error::Corrupted { .. })
        ));
    }
}
