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
//!                                 bit 0 ATTRIBUTES: the body ends with an attribute section
//! 48                8             attribute section offset A (u64), 0 without ATTRIBUTES
//! 56                8             attribute section length L (u64), 0 without ATTRIBUTES
//! 64                8 * rows      id column: user id of each row (u64)
//! ..                ..            zero padding up to the vector block
//! V = align64(64 + 8 * rows)
//! V                 4*dim*rows    vector block: row-major f32
//! E = V + 4*dim*rows
//! without ATTRIBUTES: B = E        (end of body)
//! with ATTRIBUTES:    A = align8(E), zero padding [E, A), attribute section [A, A + L),
//!                     B = A + L    (the section's own layout: kiln_storage::attrs::encode_columns)
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
/// Feature flag: the body ends with an attribute section (the rows' typed attributes, column
/// by column). Files without attributes leave it unset and are byte for byte what builds
/// before attributes wrote; builds before attributes refuse files that set it.
pub const FLAG_ATTRIBUTES: u64 = 1;
/// Every feature flag this build reads.
pub const KNOWN_FEATURE_FLAGS: u64 = FLAG_ATTRIBUTES;
/// Alignment of the attribute section within the file.
pub const ATTRIBUTES_ALIGN: usize = 8;

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
const OFF_ATTRS_OFFSET: usize = OFF_FLAGS + 8;
const OFF_ATTRS_LEN: usize = OFF_ATTRS_OFFSET + 8;
const _: () = assert!(OFF_ATTRS_LEN + 8 == HEADER_LEN);

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
    vectors_end: usize,
    /// The attribute section's offset and length, when there is one.
    attrs: Option<(usize, usize)>,
    body_len: usize,
    file_len: usize,
}

impl Layout {
    /// Checked arithmetic: `None` when the sizes overflow. `attrs_len` is the attribute
    /// section's length, `None` for a file without one.
    fn new(dim: usize, rows: usize, attrs_len: Option<usize>) -> Option<Layout> {
        let ids_end = rows.checked_mul(8)?.checked_add(HEADER_LEN)?;
        let vectors_start = ids_end.checked_next_multiple_of(VECTOR_ALIGN)?;
        let vector_bytes = rows.checked_mul(dim)?.checked_mul(4)?;
        let vectors_end = vectors_start.checked_add(vector_bytes)?;
        let (attrs, body_len) = match attrs_len {
            None => (None, vectors_end),
            Some(len) => {
                let start = vectors_end.checked_next_multiple_of(ATTRIBUTES_ALIGN)?;
                (Some((start, len)), start.checked_add(len)?)
            }
        };
        let file_len = body_len.checked_add(FOOTER_LEN)?;
        Some(Layout {
            ids_start: HEADER_LEN,
            ids_end,
            vectors_start,
            vectors_end,
            attrs,
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
/// vectors in row order, in blocks of whole rows, `ids.len() * dim` floats in all. `attributes`
/// is the rows' attribute section (`attrs::encode_columns`), or `None` for rows without
/// attributes (the file is then exactly what builds before attributes wrote).
///
/// Returns the path and what the catalog must record. The caller commits the catalog entry only
/// after this returns.
pub fn write_segment(
    fs: &dyn FileSystem,
    dir: &Path,
    id: SegmentId,
    dim: usize,
    ids: &[u64],
    attributes: Option<&[u8]>,
    vectors: impl FnOnce(&mut dyn FnMut(&[f32]) -> std::io::Result<()>) -> std::io::Result<()>,
) -> Result<(PathBuf, SegmentFileInfo)> {
    let rows = ids.len();
    let name = segment_file_name(id);
    let layout = Layout::new(dim, rows, attributes.map(<[u8]>::len))
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
        if let Some((start, len)) = layout.attrs {
            header[OFF_FLAGS..OFF_FLAGS + 8].copy_from_slice(&FLAG_ATTRIBUTES.to_le_bytes());
            header[OFF_ATTRS_OFFSET..OFF_ATTRS_OFFSET + 8]
                .copy_from_slice(&(start as u64).to_le_bytes());
            header[OFF_ATTRS_LEN..OFF_ATTRS_LEN + 8].copy_from_slice(&(len as u64).to_le_bytes());
        }
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
        if w.written != layout.vectors_end {
            return Err(std::io::Error::other(format!(
                "segment {id}: {} bytes of vectors written, expected {}",
                w.written - layout.vectors_start,
                layout.vectors_end - layout.vectors_start
            )));
        }
        if let (Some((start, _)), Some(section)) = (layout.attrs, attributes) {
            w.write(&vec![0u8; start - layout.vectors_end])?;
            w.write(section)?;
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
        if read_u32(body, OFF_RESERVED0) != Some(0) {
            return Err("reserved header field is not zero".into());
        }
        let attrs_offset = read_u64(body, OFF_ATTRS_OFFSET).ok_or("short header")?;
        let attrs_len = read_u64(body, OFF_ATTRS_LEN).ok_or("short header")?;
        let attrs_len = if flags & FLAG_ATTRIBUTES != 0 {
            Some(usize::try_from(attrs_len).map_err(|_| "attribute section too large")?)
        } else if attrs_offset != 0 || attrs_len != 0 {
            return Err("attribute section fields set without the ATTRIBUTES flag".into());
        } else {
            None
        };
        let rows = usize::try_from(rows).map_err(|_| "row count too large")?;
        let layout = Layout::new(dim, rows, attrs_len).ok_or("section sizes overflow")?;
        if layout.file_len != len {
            return Err(format!(
                "{rows} rows of dimension {dim} need {} bytes, file has {len}",
                layout.file_len
            ));
        }
        if let Some((start, _)) = layout.attrs {
            if attrs_offset != start as u64 {
                return Err(format!(
                    "attribute section at {attrs_offset}, the layout puts it at {start}"
                ));
            }
        }
        let padding = body
            .get(layout.ids_end..layout.vectors_start)
            .ok_or("short padding")?;
        let attrs_padding = match layout.attrs {
            Some((start, _)) => body.get(layout.vectors_end..start).ok_or("short padding")?,
            None => &[],
        };
        if padding.iter().chain(attrs_padding).any(|&b| b != 0) {
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
            .get(self.layout.vectors_start..self.layout.vectors_end)
            .unwrap_or(&[])
    }

    /// The attribute section (`attrs::ColumnsReader` reads it), or `None` when the file has
    /// none (its rows have no attributes: every field is null).
    pub fn attribute_section(&self) -> Option<&[u8]> {
        let (start, len) = self.layout.attrs?;
        self.bytes.get(start..start.checked_add(len)?)
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
        write_with(dir, rows, dim, None)
    }

    fn write_with(
        dir: &Path,
        rows: usize,
        dim: usize,
        attrs: Option<&[u8]>,
    ) -> (PathBuf, SegmentFileInfo, Vec<u64>, Vec<f32>) {
        let (ids, vecs) = sample(rows, dim);
        let (path, info) = write_segment(&OsFs, dir, SegmentId(42), dim, &ids, attrs, |sink| {
            sink(&vecs)
        })
        .expect("write");
        (path, info, ids, vecs)
    }

    #[test]
    fn attribute_section_round_trips_after_the_vectors() {
        let dir = tempfile::tempdir().expect("tempdir");
        for &(rows, dim, section_len) in
            &[(0usize, 3usize, 0usize), (1, 1, 5), (5, 3, 17), (9, 7, 64)]
        {
            let section: Vec<u8> = (0..section_len).map(|i| (i * 31 + 7) as u8).collect();
            let (path, info, ids, vecs) = write_with(dir.path(), rows, dim, Some(&section));
            let r = SegmentReader::open(&OsFs, &path, SegmentId(42), dim, &info).expect("open");
            assert_eq!(r.ids(), &ids[..]);
            assert_eq!(r.vectors(), &vecs[..]);
            assert_eq!(r.attribute_section(), Some(&section[..]));
            let bytes = std::fs::read(&path).expect("read");
            let flags = u64::from_le_bytes(bytes[OFF_FLAGS..OFF_FLAGS + 8].try_into().expect("8"));
            assert_eq!(flags, FLAG_ATTRIBUTES);
            let start = usize::try_from(read_u64(&bytes, OFF_ATTRS_OFFSET).expect("offset"))
                .expect("usize");
            assert_eq!(start % ATTRIBUTES_ALIGN, 0);
            assert_eq!(&bytes[start..start + section_len], &section[..]);
        }
        // Without attributes the file is what builds before attributes wrote: no flag, zeros.
        let (path, info, _, _) = write(dir.path(), 4, 3);
        let r = SegmentReader::open(&OsFs, &path, SegmentId(42), 3, &info).expect("open");
        assert_eq!(r.attribute_section(), None);
        let bytes = std::fs::read(&path).expect("read");
        assert!(bytes[OFF_FLAGS..HEADER_LEN].iter().all(|&b| b == 0));
    }

    #[test]
    fn every_single_bit_flip_of_a_file_with_attributes_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, info, _, _) = write_with(dir.path(), 3, 2, Some(b"some attribute bytes"));
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
        let l = Layout::new(3, 5, None).expect("layout");
        assert_eq!(l.ids_end, 64 + 40);
        assert_eq!(l.vectors_start, 128);
        assert_eq!(l.body_len, 128 + 60);
        assert_eq!(l.file_len, 128 + 60 + 24);
        assert!(Layout::new(usize::MAX / 2, usize::MAX / 2, None).is_none());
        // 188 bytes of header, ids and vectors; the section starts 8-aligned at 192.
        let l = Layout::new(3, 5, Some(10)).expect("layout");
        assert_eq!(l.vectors_end, 188);
        assert_eq!(l.attrs, Some((192, 10)));
        assert_eq!(l.body_len, 202);
        assert!(Layout::new(3, 5, Some(usize::MAX)).is_none());
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
