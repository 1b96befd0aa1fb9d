//! Merging IVF segment indexes by inverted-list concatenation.
//!
//! ```text
//! parts (same template):   A rows 0..4, deleted {1}        B rows 0..3, deleted {}
//! 1. merge_from(A, B, add_id = 4): lists of A then B, labels 0..4 ++ 4..7 (Faiss, O(codes))
//! 2. drop deleted and renumber, in the serialised lists (only when something is deleted):
//!        old 0 1 2 3 4 5 6
//!        new 0 - 1 2 3 4 5      new = old − deleted rows before it
//! 3. read the rewritten bytes back: an index whose labels are the merged segment's rows
//! ```
//!
//! Why step 2 goes through the serialised bytes: Faiss's C API can append lists with a label
//! offset (`merge_from`), copy ranges of labels and remove labels, but it has no way to change
//! a stored label in place, and renumbering after dropping rows is exactly that. Removing with
//! `remove_ids` would also reorder entries within lists (it swaps the last entry into the hole).
//! Rewriting the serialised `ArrayInvertedLists` (format in [`crate::format`]) is one
//! sequential pass that keeps each list's order: since the renumbering is increasing, the
//! result is byte-for-byte the index Faiss builds by adding the kept rows in order to a clone
//! of the same template (tested). Codes are moved, never decoded or re-encoded. Cost: one
//! serialisation and one deserialisation of the merged index (memory copies) on top of
//! `merge_from`; peak memory about twice the merged index.

use crate::bitmap::{Renumbering, RowBitmap};
use crate::error::{Error, Result};
use crate::ffi::RawIndex;
use crate::format::{self, ListsPlace};
use crate::segment::{IndexInfo, SegmentIndex, VectorIndex};

/// One input of [`SegmentIndex::merge`]: an in-memory index (consumed: Faiss empties merge
/// sources) and the rows of its segment to drop.
#[derive(Debug)]
pub struct MergePart<'a> {
    /// The segment's index.
    pub index: SegmentIndex,
    /// The segment's deleted rows (bits at or past its row count are ignored).
    pub deleted: Option<&'a RowBitmap>,
}

impl SegmentIndex {
    /// Merge the indexes of consecutive segments into the index of their merged segment, whose
    /// rows are the parts' rows in order with the deleted ones dropped: row `r` of part `i`
    /// becomes row `Σ_{j<i} kept_j + (r − deleted rows of part i before r)`.
    ///
    /// Only IVF indexes cloned from the same [`IvfTemplate`](crate::IvfTemplate) (equal
    /// fingerprints, same kind, metric and dimension) merge; anything else is refused with
    /// [`Error::NotMergeable`] before any work, and the caller rebuilds from the merged rows.
    /// Mapped indexes cannot be passed (the type does not allow it): Faiss aborts when a mapped
    /// index is a merge source. Runs on the calling thread with its OpenMP threads.
    pub fn merge(parts: Vec<MergePart<'_>>) -> Result<SegmentIndex> {
        let Some(first) = parts.first() else {
            return Err(Error::InvalidArgument("nothing to merge".into()));
        };
        let head = first.index.info().clone();
        let Some(fingerprint) = head.fingerprint else {
            return Err(Error::NotMergeable {
                reason: format!("{} index not built from an IVF template", head.kind.name()),
            });
        };
        for (i, p) in parts.iter().enumerate() {
            let info = p.index.info();
            if info.fingerprint != Some(fingerprint)
                || info.kind != head.kind
                || info.metric != head.metric
                || info.dim != head.dim
            {
                return Err(Error::NotMergeable {
                    reason: format!(
                        "part {i} ({} {}-d, template {:016x?}) differs from part 0 ({} {}-d, template {:016x})",
                        info.kind.name(),
                        info.dim,
                        info.fingerprint,
                        head.kind.name(),
                        head.dim,
                        fingerprint
                    ),
                });
            }
        }
        let shape: Vec<(u64, Option<&RowBitmap>)> = parts
            .iter()
            .map(|p| (p.index.info().rows as u64, p.deleted))
            .collect();
        let renumbering = Renumbering::new(&shape);
        if renumbering.kept() > u64::from(u32::MAX) {
            return Err(Error::InvalidArgument(format!(
                "merged segment would hold {} rows (at most 2^32 − 1)",
                renumbering.kept()
            )));
        }
        let _span = tracing::debug_span!(
            "merge_ivf",
            parts = parts.len(),
            rows = renumbering.total(),
            kept = renumbering.kept()
        )
        .entered();

        let mut iter = parts.into_iter();
        let Some(first) = iter.next() else {
            return Err(Error::InvalidArgument("nothing to merge".into()));
        };
        let (mut dst, info, place) = first.index.into_parts();
        let Some(place) = place else {
            return Err(Error::NotMergeable {
                reason: "IVF index without a lists offset".into(),
            });
        };
        let mut offset = info.rows as i64;
        for part in iter {
            let (mut src, src_info, _) = part.index.into_parts();
            dst.merge_from(&mut src, offset)?;
            offset += src_info.rows as i64;
        }
        if dst.ntotal() != renumbering.total() {
            return Err(Error::Faiss {
                op: "IndexIVF_merge_from",
                code: 0,
                message: format!(
                    "merged index holds {} vectors, parts {}",
                    dst.ntotal(),
                    renumbering.total()
                ),
            });
        }

        let raw = if renumbering.drops_any() {
            drop_and_renumber(dst, place, info.nlist.unwrap_or(0), &renumbering)?
        } else {
            dst
        };
        let info = IndexInfo {
            rows: renumbering.kept() as usize,
            ..info
        };
        SegmentIndex::from_parts(raw, info, Some(place))
    }
}

/// Step 2 of the merge: serialise, rewrite the lists, read back.
fn drop_and_renumber(
    index: RawIndex,
    place: ListsPlace,
    nlist: usize,
    renumbering: &Renumbering,
) -> Result<RawIndex> {
    // Sized once: growing a buffer of this size by doubling costs more than the copy itself.
    let mut bytes = Vec::with_capacity(place.max_len(nlist, renumbering.total()));
    index.write_into(&mut bytes)?;
    drop(index);
    let layout = format::parse_lists(&bytes, place.at as usize)?;
    let kept = format::compact_lists(&mut bytes, &layout, |old| renumbering.map(old))?;
    if kept != renumbering.kept() {
        return Err(Error::corrupted(format!(
            "kept {kept} entries, expected {}",
            renumbering.kept()
        )));
    }
    let (raw, used) = RawIndex::read_bytes(&bytes)?;
    if used != bytes.len() || raw.ntotal() != kept {
        return Err(Error::corrupted("rewritten lists did not read back"));
    }
    Ok(raw)
}
