//! Sealed segment files: format v1, the writer and the verified, memory-mapped reader.
//!
//! ```text
//! Segment file, format v1. All integers little-endian. docs/format.md has the same table.
//!
//! offset            size          field
//! 0                 8             magic "KILNSEG\0"
//! 8                 4             format version (u32) = 1
//! 12                4             kind (u32) = 1: f32 vectors with u64 ids
//! 16                4             dimension (u32), >= 1
//! 20                4             reserved, 0
//! 24                8             row count (u64)
//! 32                8             segment id (u64)
//! 40                8             feature flags (u64); a reader refuses unknown bits
//! 48                16            reserved, 0
//! 64                8 * rows      id column: user id of each row (u64)
//! ..                ..            zero padding up to the vector block
//! V = align64(64 + 8 * rows)
//! V                 4*dim*rows    vector block: row-major f32
//! B = V + 4*dim*rows              (end of body)
//! B                 8             body length (u64) = B
//! B + 8             4             CRC32 (IEEE, crc32fast) of bytes [0, B)
//! B + 12            4             reserved, 0
//! B + 16            8             footer magic "KILNEND\0"
//! file length = B + 24
//! ```
//!
//! Rows are never reordered; row `r` of the file is row `r` of the growing segment it was sealed
//! from, so ids maps and tombstones survive a seal unchanged. Deleted rows are kept; merges drop
//! them.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs::{publish, FileBytes, FileSystem, WritableFile};
use crate::ids::SegmentId;

#[cfg(target_endian = "big")]
compile_error!("Kiln's file formats are little-endian and are used in place; big-endian targets are not supported");

/// Header magic.
pub const SEGMENT_MAGIC: [u8; 8] = *b"KILNSEG\0";
/// Footer magic.
pub const FOOTER_MAGIC: [u8; 8] = *b"KILNEND\0";
/// The oldest segment format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
/// The segment format version this build writes.
pub const CURRENT_FORMAT_VERSION: u32 = 1;
/// Kind 1: f32 vectors with u64 ids.
pub const KIND_F32: u32 = 1;
/// No feature flags are defined in v1.
pub const KNOWN_FEATURE_FLAGS: u64 = 0;

/// Header length; the id column starts here.
pub const HEADER_LEN: usize = 64;
/// Footer length.
pub const FOOTER_LEN: usize = 24;
/// Alignment of the vector block within the file.
pub const VECTOR_ALIGN: usize = 64;

const OFF_MAGIC: usize = 0;
const OFF_VERSION: usize = OFF_MAGIC + 8;
const OFF_KIND: usize = OFF_VERSION + 4;
const OFF_DIM: usize = OFF_KIND + 4;
const OFF_RESERVED0: usize = OFF_DIM + 4;
const OFF_ROWS: usize = OFF_RESERVED0 + 4;
const OFF_SEGMENT_ID: usize = OFF_ROWS + 8;
const OFF_FLAGS: usize = OFF_SEGMENT_ID + 8;
const OFF_RESERVED1: usize = OFF_FLAGS + 8;
const _: () = assert!(OFF_RESERVED1 + 16 == HEADER_LEN);

const FOFF_BODY_LEN: usize = 0;
const FOFF_CRC: usize = FOFF_BODY_LEN + 8;
const FOFF_RESERVED: usize = FOFF_CRC + 4;
const FOFF_MAGIC: usize = FOFF_RESERVED + 4;
const _: () = assert!(FOFF_MAGIC + 8 == FOOTER_LEN);

/// The file name of segment `id`.
pub fn segment_file_name(id: SegmentId) -> String {
    format!("{id}.seg")
}

/// Parse a segment file name back to its id.
pub fn parse_segment_file_name(name: &str) -> Option<SegmentId> {
    let hex = name.strip_suffix(".seg")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok().map(SegmentId)
}

/// What the catalog records about a segment file, checked against the file on every open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SegmentFileInfo {
    /// File length in bytes.
    pub len: u64,
    /// CRC32 of the body (as stored in the footer).
    pub crc: u32,
    /// Row count.
    pub rows: u64,
}

/// Byte offsets of a segment's sections, derived from its dimension and row count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    ids_start: usize,
    ids_end: usize,
    vectors_start: usize,
    body_len: usize,
    file_len: usize,
}

impl Layout {
    /// Checked arithmetic: `None` when the sizes overflow.
    fn new(dim: usize, rows: usize) -> Option<Layout> {
        let ids_end = rows.checked_mul(8)?.checked_add(HEADER_LEN)?;
        let vectors_start = ids_end.checked_next_multiple_of(VECTOR_ALIGN)?;
        let vector_bytes = rows.checked_mul(dim)?.checked_mul(4)?;
        let body_len = vectors_start.checked_add(vector_bytes)?;
        let file_len = body_len.checked_add(FOOTER_LEN)?;
        Some(Layout {
            ids_start: HEADER_LEN,
            ids_end,
            vectors_start,
            body_len,
            file_len,
        })
    }
}

/// Wraps a [`WritableFile`], computing the CRC32 and length of everything written.
struct ChecksumWriter<'a> {
    inner: &'a mut dyn WritableFile,
    hasher: crc32fast::Hasher,
    written: usize,
}

impl ChecksumWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.written += bytes.len();
        self.inner.write_all(bytes)
    }
}

/// Write segment `id` into `dir` with the publish recipe (temp file, fsync, rename, directory
/// fsync). `ids[r]` is the user id of row `r`; `vectors(sink)` must call `sink` with the rows'
/// vectors in row order, in blocks of whole rows, `ids.len() * dim` floats in all.
///
/// Returns the path and what the catalog must record. The caller commits the catalog entry only
/// after this returns.
pub fn write_segment(
    fs: &dyn FileSystem,
    dir: &Path,
    id: SegmentId,
    dim: usize,
    ids: &[u64],
    vectors: impl FnOnce(&mut dyn FnMut(&[f32]) -> std::io::Result<()>) -> std::io::Result<()>,
) -> Result<(PathBuf, SegmentFileInfo)> {
    let rows = ids.len();
    let name = segment_file_name(id);
    let layout = Layout::new(dim, rows)
        .ok_or_else(|| Error::corrupted(dir.join(&name), "segment size overflows"))?;
    let dim_u32 =
        u32::try_from(dim).map_err(|_| Error::corrupted(dir.join(&name), "dimension too large"))?;

    let mut crc = 0;
    let path = publish(fs, dir, &name, |file| {
        let mut w = ChecksumWriter {
            inner: file,
            hasher: crc32fast::Hasher::new(),
            written: 0,
        };
        let mut header = [0u8; HEADER_LEN];
        header[OFF_MAGIC..OFF_MAGIC + 8].copy_from_slice(&SEGMENT_MAGIC);
        header[OFF_VERSION..OFF_VERSION + 4].copy_from_slice(&CURRENT_FORMAT_VERSION.to_le_bytes());
        header[OFF_KIND..OFF_KIND + 4].copy_from_slice(&KIND_F32.to_le_bytes());
        header[OFF_DIM..OFF_DIM + 4].copy_from_slice(&dim_u32.to_le_bytes());
        header[OFF_ROWS..OFF_ROWS + 8].copy_from_slice(&(rows as u64).to_le_bytes());
        header[OFF_SEGMENT_ID..OFF_SEGMENT_ID + 8].copy_from_slice(&id.0.to_le_bytes());
        header[OFF_FLAGS..OFF_FLAGS + 8].copy_from_slice(&KNOWN_FEATURE_FLAGS.to_le_bytes());
        w.write(&header)?;

        let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
        for chunk in ids.chunks(4096) {
            buf.clear();
            for id in chunk {
                buf.extend_from_slice(&id.to_le_bytes());
            }
            w.write(&buf)?;
        }
        w.write(&vec![0u8; layout.vectors_start - layout.ids_end])?;
        vectors(&mut |block: &[f32]| w.write(bytemuck::cast_slice(block)))?;
        if w.written != layout.body_len {
            return Err(std::io::Error::other(format!(
                "segment {id}: {} bytes of vectors written, expected {}",
                w.written - layout.vectors_start,
                layout.body_len - layout.vectors_start
            )));
        }
        crc = w.hasher.finalize();
        let mut footer = [0u8; FOOTER_LEN];
        footer[FOFF_BODY_LEN..FOFF_BODY_LEN + 8]
            .copy_from_slice(&(layout.body_len as u64).to_le_bytes());
        footer[FOFF_CRC..FOFF_CRC + 4].copy_from_slice(&crc.to_le_bytes());
        footer[FOFF_MAGIC..FOFF_MAGIC + 8].copy_from_slice(&FOOTER_MAGIC);
        w.inner.write_all(&footer)
    })?;
    Ok((
        path,
        SegmentFileInfo {
            len: layout.file_len as u64,
            crc,
            rows: rows as u64,
        },
    ))
}

/// A sealed segment file, verified and memory-mapped. Immutable; shared through `Arc` by every
/// snapshot that contains the segment.
#[derive(Debug)]
pub struct SegmentReader {
    path: PathBuf,
    id: SegmentId,
    bytes: FileBytes,
    dim: usize,
    rows: usize,
    layout: Layout,
    info: SegmentFileInfo,
}

fn read_u32(bytes: &[u8], off: usize) -> Option<u32> {
    let b = bytes.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

fn read_u64(bytes: &[u8], off: usize) -> Option<u64> {
    let b = bytes.get(off..off.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

impl SegmentReader {
    /// Map and verify segment `id` at `path`, which the catalog says has `expected` length,
    /// checksum and rows and dimension `dim`. Every check happens before a row is served:
    /// length, footer, CRC32 of the whole body, header fields, section bounds and alignment.
    pub fn open(
        fs: &dyn FileSystem,
        path: &Path,
        id: SegmentId,
        dim: usize,
        expected: &SegmentFileInfo,
    ) -> Result<SegmentReader> {
        let corrupted = |reason: String| Error::corrupted(path, reason);
        let len = match fs.file_len(path) {
            Ok(len) => len,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(corrupted(
                    "the catalog refers to this segment file but it is missing".into(),
                ));
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        if len != expected.len {
            return Err(corrupted(format!(
                "file is {len} bytes, the catalog recorded {}",
                expected.len
            )));
        }
        if len < (HEADER_LEN + FOOTER_LEN) as u64 {
            return Err(corrupted(format!(
                "file is {len} bytes, shorter than header and footer"
            )));
        }
        let bytes = fs.map(path).map_err(|e| Error::io(path, e))?;
        let reader = Self::verify(path, id, dim, expected, bytes).map_err(corrupted)?;
        Ok(reader)
    }

    fn verify(
        path: &Path,
        id: SegmentId,
        dim: usize,
        expected: &SegmentFileInfo,
        bytes: FileBytes,
    ) -> std::result::Result<SegmentReader, String> {
        let len = bytes.len();
        if len as u64 != expected.len {
            return Err(format!("mapped {len} bytes, expected {}", expected.len));
        }
        let footer_start = len
            .checked_sub(FOOTER_LEN)
            .ok_or("file shorter than its footer")?;
        let footer = bytes
            .get(footer_start..)
            .ok_or("file shorter than its footer")?;
        if footer.get(FOFF_MAGIC..FOFF_MAGIC + 8) != Some(&FOOTER_MAGIC[..]) {
            return Err("bad footer magic".into());
        }
        let body_len = read_u64(footer, FOFF_BODY_LEN).ok_or("short footer")?;
        if body_len != footer_start as u64 {
            return Err(format!(
                "footer says body is {body_len} bytes, file has {footer_start}"
            ));
        }
        if read_u32(footer, FOFF_RESERVED) != Some(0) {
            return Err("reserved footer field is not zero".into());
        }
        let stored_crc = read_u32(footer, FOFF_CRC).ok_or("short footer")?;
        let body = bytes.get(..footer_start).ok_or("short body")?;
        let actual_crc = crc32fast::hash(body);
        if actual_crc != stored_crc {
            return Err(format!(
                "checksum mismatch: footer has {stored_crc:08x}, body hashes to {actual_crc:08x}"
            ));
        }
        if stored_crc != expected.crc {
            return Err(format!(
                "checksum {stored_crc:08x} differs from the catalog's {:08x} (file replaced?)",
                expected.crc
            ));
        }
        // The body is now known to be what was written; check it is what we expect.
        if body.get(OFF_MAGIC..OFF_MAGIC + 8) != Some(&SEGMENT_MAGIC[..]) {
            return Err("bad header magic".into());
        }
        let version = read_u32(body, OFF_VERSION).ok_or("short header")?;
        if !(OLDEST_FORMAT_VERSION..=CURRENT_FORMAT_VERSION).contains(&version) {
            return Err(format!("unknown format version {version}"));
        }
        let kind = read_u32(body, OFF_KIND).ok_or("short header")?;
        if kind != KIND_F32 {
            return Err(format!("unknown segment kind {kind}"));
        }
        let file_dim = read_u32(body, OFF_DIM).ok_or("short header")? as usize;
        if file_dim != dim || dim == 0 {
            return Err(format!("dimension {file_dim}, the collection has {dim}"));
        }
        let rows = read_u64(body, OFF_ROWS).ok_or("short header")?;
        if rows != expected.rows {
            return Err(format!(
                "{rows} rows, the catalog recorded {}",
                expected.rows
            ));
        }
        let file_id = read_u64(body, OFF_SEGMENT_ID).ok_or("short header")?;
        if file_id != id.0 {
            return Err(format!("segment id {file_id:016x}, expected {id}"));
        }
        let flags = read_u64(body, OFF_FLAGS).ok_or("short header")?;
        if flags & !KNOWN_FEATURE_FLAGS != 0 {
            return Err(format!("unknown feature flags {flags:#x}"));
        }
        if read_u32(body, OFF_RESERVED0) != Some(0)
            || body.get(OFF_RESERVED1..OFF_RESERVED1 + 16) != Some(&[0u8; 16][..])
        {
            return Err("reserved header field is not zero".into());
        }
        let rows = usize::try_from(rows).map_err(|_| "row count too large")?;
        let layout = Layout::new(dim, rows).ok_or("section sizes overflow")?;
        if layout.file_len != len {
            return Err(format!(
                "{rows} rows of dimension {dim} need {} bytes, file has {len}",
                layout.file_len
            ));
        }
        let padding = body
            .get(layout.ids_end..layout.vectors_start)
            .ok_or("short padding")?;
        if padding.iter().any(|&b| b != 0) {
            return Err("padding is not zero".into());
        }
        let reader = SegmentReader {
            path: path.to_path_buf(),
            id,
            bytes,
            dim,
            rows,
            layout,
            info: *expected,
        };
        // Alignment: a mapping starts on a page and an owned buffer on 64 bytes.
        if bytemuck::try_cast_slice::<u8, u64>(reader.id_bytes()).is_err()
            || bytemuck::try_cast_slice::<u8, f32>(reader.vector_bytes()).is_err()
        {
            return Err("columns are not aligned in memory".into());
        }
        Ok(reader)
    }

    fn id_bytes(&self) -> &[u8] {
        self.bytes
            .get(self.layout.ids_start..self.layout.ids_end)
            .unwrap_or(&[])
    }

    fn vector_bytes(&self) -> &[u8] {
        self.bytes
            .get(self.layout.vectors_start..self.layout.body_len)
            .unwrap_or(&[])
    }

    /// The segment's id.
    pub fn id(&self) -> SegmentId {
        self.id
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row count, deleted rows included.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// What the catalog recorded for this file.
    pub fn info(&self) -> &SegmentFileInfo {
        &self.info
    }

    /// The id column, in place: `ids()[r]` is the user id of row `r`.
    pub fn ids(&self) -> &[u64] {
        // Length and alignment were checked in `open`, so the cast cannot fail.
        bytemuck::try_cast_slice(self.id_bytes()).unwrap_or(&[])
    }

    /// The vector block, in place: `rows * dim` floats, row-major.
    pub fn vectors(&self) -> &[f32] {
        bytemuck::try_cast_slice(self.vector_bytes()).unwrap_or(&[])
    }

    /// Row `row`'s vector, or `None` past the end.
    pub fn vector(&self, row: usize) -> Option<&[f32]> {
        let start = row.checked_mul(self.dim)?;
        self.vectors().get(start..start.checked_add(self.dim)?)
    }

    /// Whether the bytes are a memory mapping (as opposed to an owned copy).
    pub fn is_mapped(&self) -> bool {
        matches!(self.bytes, FileBytes::Mapped(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::OsFs;

    fn sample(rows: usize, dim: usize) -> (Vec<u64>, Vec<f32>) {
        let ids = (0..rows as u64).map(|i| i * 7 + 1).collect();
        let vecs = (0..rows * dim).map(|i| i as f32 * 0.5 - 3.0).collect();
        (ids, vecs)
    }

    fn write(
        dir: &Path,
        rows: usize,
        dim: usize,
    ) -> (PathBuf, SegmentFileInfo, Vec<u64>, Vec<f32>) {
        let (ids, vecs) = sample(rows, dim);
        let (path, info) =
            write_segment(&OsFs, dir, SegmentId(42), dim, &ids, |sink| sink(&vecs)).expect("write");
        (path, info, ids, vecs)
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        for &(rows, dim) in &[(0usize, 3usize), (1, 1), (5, 3), (1000, 17)] {
            let (path, info, ids, vecs) = write(dir.path(), rows, dim);
            let r = SegmentReader::open(&OsFs, &path, SegmentId(42), dim, &info).expect("open");
            assert_eq!(r.ids(), &ids[..]);
            assert_eq!(r.vectors(), &vecs[..]);
            assert_eq!(r.rows(), rows);
            assert_eq!(info.len, std::fs::metadata(&path).expect("meta").len());
            assert_eq!(r.vectors().as_ptr() as usize % 64, 0);
        }
    }

    #[test]
    fn layout_offsets() {
        let l = Layout::new(3, 5).expect("layout");
        assert_eq!(l.ids_end, 64 + 40);
        assert_eq!(l.vectors_start, 128);
        assert_eq!(l.body_len, 128 + 60);
        assert_eq!(l.file_len, 128 + 60 + 24);
        assert!(Layout::new(usize::MAX / 2, usize::MAX / 2).is_none());
    }

    #[test]
    fn every_single_bit_flip_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, info, _, _) = write(dir.path(), 3, 2);
        let good = std::fs::read(&path).expect("read");
        for byte in 0..good.len() {
            for bit in 0..8 {
                let mut bad = good.clone();
                bad[byte] ^= 1 << bit;
                std::fs::write(&path, &bad).expect("write");
                let err = SegmentReader::open(&OsFs, &path, SegmentId(42), 2, &info)
                    .expect_err("a flipped bit must be detected");
                assert!(matches!(err, Error::Corrupted { .. }), "{err}");
            }
        }
    }

    #[test]
    fn truncation_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, info, _, _) = write(dir.path(), 10, 4);
        let good = std::fs::read(&path).expect("read");
        for cut in 0..good.len() {
            std::fs::write(&path, &good[..cut]).expect("write");
            let err =
                SegmentReader::open(&OsFs, &path, SegmentId(42), 4, &info).expect_err("truncated");
            assert!(matches!(err, Error::Corrupted { .. }), "{err}");
        }
    }

    #[test]
    fn wrong_id_or_dim_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, info, _, _) = write(dir.path(), 4, 4);
        assert!(SegmentReader::open(&OsFs, &path, SegmentId(43), 4, &info).is_err());
        assert!(SegmentReader::open(&OsFs, &path, SegmentId(42), 2, &info).is_err());
        let other = SegmentFileInfo {
            crc: info.crc ^ 1,
            ..info
        };
        assert!(SegmentReader::open(&OsFs, &path, SegmentId(42), 4, &other).is_err());
    }

    #[test]
    fn file_names() {
        assert_eq!(segment_file_name(SegmentId(255)), "00000000000000ff.seg");
        assert_eq!(
            parse_segment_file_name("00000000000000ff.seg"),
            Some(SegmentId(255))
        );
        assert_eq!(parse_segment_file_name("ff.seg"), None);
        assert_eq!(parse_segment_file_name("00000000000000ff.seg.tmp"), None);
    }
}
