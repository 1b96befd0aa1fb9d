//! The Kiln index file: Faiss's own serialisation followed by a fixed 64-byte trailer, and the
//! byte-level view of an IVF index's inverted lists that merge uses to renumber labels.
//!
//! ```text
//! Kiln index file (little-endian)
//! +--------------------------------------------+  0
//! | Faiss bytes, exactly as faiss::write_index |     (readable as-is by faiss::read_index,
//! |                                            |      which stops at the Faiss end: the
//! |                                            |      trailer is invisible to it)
//! +--------------------------------------------+  faiss_len
//! | trailer, 64 bytes:                         |
//! |   0 magic           [u8; 8] "KILNIDX\0"    |
//! |   8 format version  u32 (1)                |
//! |  12 kind            u32 (IndexKind)        |
//! |  16 metric          u32 (0 L2, 1 IP, 2 cos)|
//! |  20 dim             u32                    |
//! |  24 rows            u64                    |
//! |  32 faiss_len       u64                    |
//! |  40 ivf_lists_at    u64 (0: not IVF)       |
//! |  48 fingerprint     u64 (0: not IVF)       |
//! |  56 body crc32      u32 (of Faiss bytes)   |
//! |  60 trailer crc32   u32 (of bytes 0..60)   |
//! +--------------------------------------------+  faiss_len + 64
//! ```
//!
//! `ivf_lists_at` is where the IVF index's `ArrayInvertedLists` section starts in the Faiss
//! bytes (Faiss 1.12 `write_InvertedLists`, fourcc "ilar"); for IVF-Flat, IVF-SQ and IVF-PQ
//! it is the last section of the Faiss bytes:
//!
//! ```text
//! "ilar" u32 | nlist u64 | code_size u64 | "full" u32 | nlist u64 | size[nlist] u64
//!                                        | "sprs" u32 | 2m u64    | (list, size)[m] u64
//! then for each non-empty list in order: codes [size · code_size] u8, ids [size] i64
//! ```
//! Faiss writes "full" when more than nlist / 2 lists are non-empty, else "sprs".
//!
//! `fingerprint` identifies the IVF template an index was cloned from: a 64-bit FNV-1a hash
//! of the Faiss bytes before the lists with the header's `ntotal` (bytes 8..16) and `nprobe`
//! (bytes 45..53) read as zero.
//! That prefix holds the coarse centroids and the SQ or PQ codebooks, everything that must be
//! bit-identical for two indexes' lists to be concatenated.

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::spec::IndexKind;

/// Length of the trailer.
pub(crate) const TRAILER_LEN: usize = 64;
const MAGIC: [u8; 8] = *b"KILNIDX\0";
/// The trailer format this build writes and reads.
pub(crate) const FORMAT_VERSION: u32 = 1;

const MAGIC_AT: usize = 0;
const VERSION_AT: usize = MAGIC_AT + 8;
const KIND_AT: usize = VERSION_AT + 4;
const METRIC_AT: usize = KIND_AT + 4;
const DIM_AT: usize = METRIC_AT + 4;
const ROWS_AT: usize = DIM_AT + 4;
const FAISS_LEN_AT: usize = ROWS_AT + 8;
const LISTS_AT: usize = FAISS_LEN_AT + 8;
const FINGERPRINT_AT: usize = LISTS_AT + 8;
const BODY_CRC_AT: usize = FINGERPRINT_AT + 8;
const TRAILER_CRC_AT: usize = BODY_CRC_AT + 4;
const _: () = assert!(TRAILER_CRC_AT + 4 == TRAILER_LEN);

/// Where Faiss's index header keeps `ntotal` (after the fourcc and the `int d`).
pub(crate) const NTOTAL_AT: usize = 8;
/// Where an IVF header keeps `nlist`: after `ntotal`, two `idx_t` dummies, `bool is_trained`
/// and `int metric_type` (L2 and inner product write no `metric_arg`).
pub(crate) const NLIST_AT: usize = NTOTAL_AT + 8 + 8 + 8 + 1 + 4;
/// Where an IVF header keeps `nprobe`, a search setting that is not part of the template.
pub(crate) const NPROBE_AT: usize = NLIST_AT + 8;

/// The decoded trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Trailer {
    pub(crate) kind: IndexKind,
    pub(crate) metric: Metric,
    pub(crate) dim: u32,
    pub(crate) rows: u64,
    pub(crate) faiss_len: u64,
    pub(crate) ivf_lists_at: u64,
    pub(crate) fingerprint: u64,
    pub(crate) body_crc: u32,
}

fn metric_code(m: Metric) -> u32 {
    match m {
        Metric::L2 => 0,
        Metric::InnerProduct => 1,
        Metric::Cosine => 2,
    }
}

fn metric_from_code(c: u32) -> Option<Metric> {
    match c {
        0 => Some(Metric::L2),
        1 => Some(Metric::InnerProduct),
        2 => Some(Metric::Cosine),
        _ => None,
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

impl Trailer {
    pub(crate) fn encode(&self) -> [u8; TRAILER_LEN] {
        let mut t = [0u8; TRAILER_LEN];
        put(&mut t, MAGIC_AT, &MAGIC);
        put(&mut t, VERSION_AT, &FORMAT_VERSION.to_le_bytes());
        put(&mut t, KIND_AT, &(self.kind as u32).to_le_bytes());
        put(&mut t, METRIC_AT, &metric_code(self.metric).to_le_bytes());
        put(&mut t, DIM_AT, &self.dim.to_le_bytes());
        put(&mut t, ROWS_AT, &self.rows.to_le_bytes());
        put(&mut t, FAISS_LEN_AT, &self.faiss_len.to_le_bytes());
        put(&mut t, LISTS_AT, &self.ivf_lists_at.to_le_bytes());
        put(&mut t, FINGERPRINT_AT, &self.fingerprint.to_le_bytes());
        put(&mut t, BODY_CRC_AT, &self.body_crc.to_le_bytes());
        let crc = crc32fast::hash(t.get(..TRAILER_CRC_AT).unwrap_or(&[]));
        put(&mut t, TRAILER_CRC_AT, &crc.to_le_bytes());
        t
    }

    /// Decode and check the trailer at the end of a file of `file_len` bytes.
    pub(crate) fn decode(t: &[u8], file_len: u64) -> Result<Self> {
        if t.len() != TRAILER_LEN {
            return Err(Error::corrupted(format!(
                "file of {file_len} bytes is too short for a Kiln index"
            )));
        }
        if t.get(MAGIC_AT..MAGIC_AT + 8) != Some(&MAGIC[..]) {
            return Err(Error::corrupted("no Kiln index trailer (bad magic)"));
        }
        let stored = u32_at(t, TRAILER_CRC_AT).unwrap_or(0);
        let crc = crc32fast::hash(t.get(..TRAILER_CRC_AT).unwrap_or(&[]));
        if stored != crc {
            return Err(Error::ChecksumMismatch {
                path: None,
                expected: stored,
                got: crc,
            });
        }
        let bad = |what: &str| Error::corrupted(format!("trailer: bad {what}"));
        let version = u32_at(t, VERSION_AT).ok_or_else(|| bad("version"))?;
        if version != FORMAT_VERSION {
            return Err(Error::corrupted(format!(
                "index format version {version} unknown (this build reads {FORMAT_VERSION})"
            )));
        }
        let kind = u32_at(t, KIND_AT)
            .and_then(IndexKind::from_code)
            .ok_or_else(|| bad("kind"))?;
        let metric = u32_at(t, METRIC_AT)
            .and_then(metric_from_code)
            .ok_or_else(|| bad("metric"))?;
        let trailer = Trailer {
            kind,
            metric,
            dim: u32_at(t, DIM_AT).ok_or_else(|| bad("dim"))?,
            rows: u64_at(t, ROWS_AT).ok_or_else(|| bad("rows"))?,
            faiss_len: u64_at(t, FAISS_LEN_AT).ok_or_else(|| bad("length"))?,
            ivf_lists_at: u64_at(t, LISTS_AT).ok_or_else(|| bad("lists offset"))?,
            fingerprint: u64_at(t, FINGERPRINT_AT).ok_or_else(|| bad("fingerprint"))?,
            body_crc: u32_at(t, BODY_CRC_AT).ok_or_else(|| bad("checksum"))?,
        };
        if trailer.faiss_len.checked_add(TRAILER_LEN as u64) != Some(file_len) {
            return Err(Error::corrupted(format!(
                "file is {file_len} bytes, trailer says {} + {TRAILER_LEN}",
                trailer.faiss_len
            )));
        }
        if trailer.ivf_lists_at >= trailer.faiss_len.max(1) && trailer.ivf_lists_at != 0 {
            return Err(bad("lists offset"));
        }
        Ok(trailer)
    }
}

/// CRC32 of the Faiss bytes.
pub(crate) fn body_crc(faiss: &[u8]) -> u32 {
    crc32fast::hash(faiss)
}

/// 64-bit FNV-1a over `prefix` (an IVF index's bytes before its lists) with the header's
/// `ntotal` and `nprobe` read as zero.
pub(crate) fn fingerprint(prefix: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for (i, &b) in prefix.iter().enumerate() {
        let b =
            if (NTOTAL_AT..NTOTAL_AT + 8).contains(&i) || (NPROBE_AT..NPROBE_AT + 8).contains(&i) {
                0
            } else {
                b
            };
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

const ILAR: [u8; 4] = *b"ilar";
const FULL: [u8; 4] = *b"full";
const SPRS: [u8; 4] = *b"sprs";

/// Where an IVF index's lists start in its Faiss bytes, and their code size: fixed by the
/// template, shared by every index cloned from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListsPlace {
    pub(crate) at: u64,
    pub(crate) code_size: usize,
}

impl ListsPlace {
    /// An upper bound of the Faiss bytes of an index with `ntotal` entries in `nlist` lists
    /// (the header, the largest size vector, the entries), to size buffers once.
    pub(crate) fn max_len(&self, nlist: usize, ntotal: u64) -> usize {
        let entries = ntotal.saturating_mul(self.code_size as u64 + 8);
        (self.at + 32 + 16 * nlist as u64).saturating_add(entries) as usize
    }
}

/// Where things are in an IVF index's serialised `ArrayInvertedLists`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListsLayout {
    /// Offset of the "ilar" fourcc.
    pub(crate) start: usize,
    pub(crate) nlist: usize,
    pub(crate) code_size: usize,
    /// Offset of the list-type fourcc ("full" / "sprs").
    pub(crate) sizes_at: usize,
    /// Per list, its length.
    pub(crate) sizes: Vec<u64>,
    /// Offset of the first list's codes.
    pub(crate) data_at: usize,
    /// Offset just past the last list's ids.
    pub(crate) end: usize,
}

impl ListsLayout {
    /// Where the lists start and their code size.
    pub(crate) fn place(&self) -> ListsPlace {
        ListsPlace {
            at: self.start as u64,
            code_size: self.code_size,
        }
    }

    /// Total entries in the lists.
    pub(crate) fn ntotal(&self) -> u64 {
        self.sizes.iter().sum()
    }
}

/// Parse the inverted-lists section starting at `start` of the Faiss bytes `b`, checking that
/// every offset stays inside `b`.
pub(crate) fn parse_lists(b: &[u8], start: usize) -> Result<ListsLayout> {
    let bad = |what: &str| Error::corrupted(format!("IVF lists at {start}: {what}"));
    if b.get(start..start + 4) != Some(&ILAR[..]) {
        return Err(bad("no \"ilar\" section"));
    }
    let nlist = u64_at(b, start + 4).ok_or_else(|| bad("truncated"))?;
    let code_size = u64_at(b, start + 12).ok_or_else(|| bad("truncated"))?;
    let nlist = usize::try_from(nlist)
        .ok()
        .filter(|&n| n > 0 && n <= b.len())
        .ok_or_else(|| bad("nlist"))?;
    let code_size = usize::try_from(code_size)
        .ok()
        .filter(|&c| c > 0 && c <= b.len())
        .ok_or_else(|| bad("code size"))?;
    let sizes_at = start + 20;
    let kind = b
        .get(sizes_at..sizes_at + 4)
        .ok_or_else(|| bad("truncated"))?;
    let count = u64_at(b, sizes_at + 4).ok_or_else(|| bad("truncated"))?;
    let count = usize::try_from(count)
        .ok()
        .filter(|&c| c <= b.len() / 8)
        .ok_or_else(|| bad("size vector length"))?;
    let mut at = sizes_at + 12;
    let mut sizes = vec![0u64; nlist];
    if kind == FULL {
        if count != nlist {
            return Err(bad("full size vector length"));
        }
        for s in sizes.iter_mut() {
            *s = u64_at(b, at).ok_or_else(|| bad("truncated sizes"))?;
            at += 8;
        }
    } else if kind == SPRS {
        if count % 2 != 0 {
            return Err(bad("odd sparse size vector"));
        }
        for _ in 0..count / 2 {
            let list = u64_at(b, at).ok_or_else(|| bad("truncated sizes"))?;
            let n = u64_at(b, at + 8).ok_or_else(|| bad("truncated sizes"))?;
            at += 16;
            let slot = usize::try_from(list)
                .ok()
                .and_then(|l| sizes.get_mut(l))
                .ok_or_else(|| bad("sparse list number"))?;
            *slot = n;
        }
    } else {
        return Err(bad("unknown list type"));
    }
    let data_at = at;
    let entry = (code_size + 8) as u64;
    let mut end = data_at as u64;
    for &n in &sizes {
        end = n
            .checked_mul(entry)
            .and_then(|x| end.checked_add(x))
            .ok_or_else(|| bad("list sizes overflow"))?;
    }
    if end > b.len() as u64 {
        return Err(bad("lists run past the end"));
    }
    Ok(ListsLayout {
        start,
        nlist,
        code_size,
        sizes_at,
        sizes,
        data_at,
        end: end as usize,
    })
}

/// Rewrite, in place, the inverted lists of the serialised IVF index `b` (Faiss bytes only,
/// lists ending at `b.len()`): every entry whose label `map` sends to `None` is dropped, every
/// other one gets the label `map` returns. Entries keep their order inside each list, so when
/// `map` is increasing on the kept labels the bytes are exactly what Faiss would write for an
/// index built by adding the kept rows in their new order. The header's `ntotal` is updated.
/// Returns the new number of entries.
///
/// In place: the new size vector is never longer than the old one (dropping entries never
/// makes an empty list non-empty, and "full" is only written when the old lists were mostly
/// non-empty too), and every entry moves towards the start, so each write lands at or before
/// the position being read.
pub(crate) fn compact_lists(
    b: &mut Vec<u8>,
    layout: &ListsLayout,
    map: impl Fn(i64) -> Option<i64>,
) -> Result<u64> {
    if layout.end != b.len() {
        return Err(Error::corrupted(
            "IVF lists are not the last section of the index",
        ));
    }
    let cs = layout.code_size;
    let old_ntotal = u64_at(b, NTOTAL_AT).ok_or_else(|| Error::corrupted("short header"))?;
    if old_ntotal != layout.ntotal() {
        return Err(Error::corrupted(format!(
            "header ntotal {old_ntotal} but lists hold {}",
            layout.ntotal()
        )));
    }

    // Pass 1: the new list sizes.
    let mut new_sizes = Vec::with_capacity(layout.nlist);
    let mut at = layout.data_at;
    for &n in &layout.sizes {
        let n = n as usize;
        let ids_at = at + n * cs;
        let mut kept = 0u64;
        for j in 0..n {
            let id = u64_at(b, ids_at + j * 8).ok_or_else(|| Error::corrupted("short ids"))?;
            if map(id as i64).is_some() {
                kept += 1;
            }
        }
        new_sizes.push(kept);
        at = ids_at + n * 8;
    }
    let non_empty = new_sizes.iter().filter(|&&n| n > 0).count();
    let full = non_empty > layout.nlist / 2;
    let mut sizes_section = Vec::new();
    if full {
        sizes_section.extend_from_slice(&FULL);
        sizes_section.extend_from_slice(&(layout.nlist as u64).to_le_bytes());
        for &n in &new_sizes {
            sizes_section.extend_from_slice(&n.to_le_bytes());
        }
    } else {
        sizes_section.extend_from_slice(&SPRS);
        sizes_section.extend_from_slice(&(2 * non_empty as u64).to_le_bytes());
        for (list, &n) in new_sizes.iter().enumerate() {
            if n > 0 {
                sizes_section.extend_from_slice(&(list as u64).to_le_bytes());
                sizes_section.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
    let new_data_at = layout.sizes_at + sizes_section.len();
    if new_data_at > layout.data_at {
        return Err(Error::corrupted("size vector would grow"));
    }

    // Pass 2: move the kept entries.
    let mut read = layout.data_at;
    let mut write = new_data_at;
    let mut ids = Vec::new();
    let mut total = 0u64;
    for &n in &layout.sizes {
        let n = n as usize;
        let codes_at = read;
        let ids_at = read + n * cs;
        ids.clear();
        for j in 0..n {
            let id = u64_at(b, ids_at + j * 8).ok_or_else(|| Error::corrupted("short ids"))?;
            ids.push(map(id as i64));
        }
        let mut w = write;
        for (j, new) in ids.iter().enumerate() {
            if new.is_some() {
                let from = codes_at + j * cs;
                if from != w {
                    b.copy_within(from..from + cs, w);
                }
                w += cs;
            }
        }
        for new in ids.iter().flatten() {
            put(b, w, &new.to_le_bytes());
            w += 8;
            total += 1;
        }
        write = w;
        read = ids_at + n * 8;
    }
    put(b, layout.sizes_at, &sizes_section);
    b.truncate(write);
    put(b, NTOTAL_AT, &total.to_le_bytes());
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailer() -> Trailer {
        Trailer {
            kind: IndexKind::IvfSq8,
            metric: Metric::Cosine,
            dim: 384,
            rows: 12345,
            faiss_len: 1000,
            ivf_lists_at: 900,
            fingerprint: 0xdead_beef_0123_4567,
            body_crc: 42,
        }
    }

    #[test]
    fn trailer_round_trip_and_damage() {
        let t = trailer();
        let bytes = t.encode();
        assert_eq!(Trailer::decode(&bytes, 1064).expect("decodes"), t);
        assert!(Trailer::decode(&bytes, 1063).is_err());
        assert!(Trailer::decode(&bytes[..63], 1063).is_err());
        for i in 0..TRAILER_LEN {
            for bit in 0..8 {
                let mut b = bytes;
                b[i] ^= 1 << bit;
                assert!(Trailer::decode(&b, 1064).is_err(), "byte {i} bit {bit}");
            }
        }
    }

    /// Hand-made Faiss-like bytes: a 16-byte header with ntotal at 8, then "ilar" lists.
    fn fake_ivf(lists: &[Vec<(i64, u8)>], cs: usize) -> (Vec<u8>, usize) {
        let mut b = vec![0u8; 16];
        let ntotal: u64 = lists.iter().map(|l| l.len() as u64).sum();
        b[8..16].copy_from_slice(&ntotal.to_le_bytes());
        let start = b.len();
        b.extend_from_slice(b"ilar");
        b.extend_from_slice(&(lists.len() as u64).to_le_bytes());
        b.extend_from_slice(&(cs as u64).to_le_bytes());
        let non_empty = lists.iter().filter(|l| !l.is_empty()).count();
        if non_empty > lists.len() / 2 {
            b.extend_from_slice(b"full");
            b.extend_from_slice(&(lists.len() as u64).to_le_bytes());
            for l in lists {
                b.extend_from_slice(&(l.len() as u64).to_le_bytes());
            }
        } else {
            b.extend_from_slice(b"sprs");
            b.extend_from_slice(&(2 * non_empty as u64).to_le_bytes());
            for (i, l) in lists.iter().enumerate() {
                if !l.is_empty() {
                    b.extend_from_slice(&(i as u64).to_le_bytes());
                    b.extend_from_slice(&(l.len() as u64).to_le_bytes());
                }
            }
        }
        for l in lists {
            for &(_, c) in l {
                b.extend(std::iter::repeat_n(c, cs));
            }
            for &(id, _) in l {
                b.extend_from_slice(&id.to_le_bytes());
            }
        }
        (b, start)
    }

    #[test]
    fn compact_matches_building_the_kept_entries() {
        let cs = 3;
        let lists = vec![
            vec![(0, 10), (3, 13), (5, 15)],
            vec![(1, 11), (4, 14)],
            vec![(2, 12), (6, 16)],
            vec![],
        ];
        let (mut b, start) = fake_ivf(&lists, cs);
        let layout = parse_lists(&b, start).expect("parses");
        assert_eq!(layout.ntotal(), 7);
        assert_eq!(layout.end, b.len());
        // Drop rows 1, 2 and 4: "full" (3 of 4 non-empty) becomes "sprs" (2 of 4).
        let map = |id: i64| match id {
            1 | 2 | 4 => None,
            0 => Some(0),
            3 => Some(1),
            5 => Some(2),
            6 => Some(3),
            _ => None,
        };
        let n = compact_lists(&mut b, &layout, map).expect("compacts");
        assert_eq!(n, 4);
        let expected = vec![
            vec![(0, 10), (1, 13), (2, 15)],
            vec![],
            vec![(3, 16)],
            vec![],
        ];
        let (want, _) = fake_ivf(&expected, cs);
        assert_eq!(b, want);
    }

    #[test]
    fn parse_rejects_damage() {
        let lists = vec![vec![(0, 1)], vec![(1, 2), (2, 3)]];
        let (b, start) = fake_ivf(&lists, 4);
        assert!(parse_lists(&b, start).is_ok());
        assert!(parse_lists(&b, start + 1).is_err());
        assert!(parse_lists(&b[..b.len() - 1], start).is_err());
        let mut big = b.clone();
        // list 0's size → huge
        let at = start + 20 + 12;
        big[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(parse_lists(&big, start).is_err());
    }

    #[test]
    fn fingerprint_ignores_ntotal_only() {
        let mut a = vec![7u8; 64];
        let f = fingerprint(&a);
        a[9] = 1;
        assert_eq!(fingerprint(&a), f);
        a[NPROBE_AT + 3] = 1;
        assert_eq!(fingerprint(&a), f);
        a[20] = 1;
        assert_ne!(fingerprint(&a), f);
    }
}
