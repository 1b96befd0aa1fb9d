//! The merge policy: a pure function from segment metadata to merge candidates.
//!
//! Tiered by size, like a log-structured merge: sealed segments are sorted by live rows and
//! grouped into *levels* whose sizes lie within a factor of `merge_factor` of each other
//! (everything below `floor_rows` counts as one level). A level holding at least `merge_factor`
//! segments is merged, `merge_factor` at a time, smallest first. Segments whose live rows reach
//! half of `max_segment_rows` are never merged by size again. Independently, a segment whose
//! deleted fraction reaches `deletes_ratio` is rewritten on its own, which drops the deleted rows.
//!
//! ```text
//! merge_factor = 4, floor_rows = 1000, live rows of sealed segments:
//!
//!   level 0 (≥ 16,000 ÷ 4): 16,000  9,000                  2 segments: wait
//!   level 1 (< 4,000):      3,000  1,000  800  500  400    5 segments: merge 400+500+800+1,000
//!                                                          (the 4 smallest), 3,000 waits
//!   segment 7: 10,000 rows, 2,100 deleted (21 % ≥ 15 %)    rewrite alone
//! ```
//!
//! Tested on synthetic metadata, no I/O.

use kiln_storage::SegmentId;

/// What the policy sees of one sealed segment. The caller leaves out segments already being
/// merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeInput {
    /// The segment.
    pub id: SegmentId,
    /// Rows in the file, deleted ones included.
    pub rows: usize,
    /// Deleted rows.
    pub deleted: usize,
}

impl MergeInput {
    fn live(&self) -> usize {
        self.rows.saturating_sub(self.deleted)
    }
}

/// Why a merge was proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeReason {
    /// Too many segments of similar size.
    Tier,
    /// Too many deleted rows in one segment.
    Deletes,
    /// An explicit `compact()`: the collection's segments packed into as few as the size
    /// limit allows.
    Compact,
}

/// A proposed merge: these segments become one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeCandidate {
    /// Inputs, in id order (the merged segment keeps their rows in this order).
    pub segments: Vec<SegmentId>,
    /// Why.
    pub reason: MergeReason,
}

/// Default segments per merge.
pub const DEFAULT_MERGE_FACTOR: usize = 8;
/// Default largest merged segment, in rows.
pub const DEFAULT_MAX_SEGMENT_ROWS: usize = 2_000_000;
/// Default deleted fraction that triggers a rewrite.
pub const DEFAULT_DELETES_RATIO: f64 = 0.15;

/// The tiered merge policy's parameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MergePolicy {
    /// Segments merged at once, and the size ratio between levels. At least 2.
    pub merge_factor: usize,
    /// Segments below this many live rows are all in the lowest level.
    pub floor_rows: usize,
    /// No merge produces more live rows than this; segments at half of it are final.
    pub max_segment_rows: usize,
    /// Deleted fraction at which a segment is rewritten alone.
    pub deletes_ratio: f64,
}

impl MergePolicy {
    /// The default policy for a collection whose growing segments hold `segment_rows`.
    pub fn for_segment_rows(segment_rows: usize) -> Self {
        MergePolicy {
            merge_factor: DEFAULT_MERGE_FACTOR,
            floor_rows: segment_rows.max(1),
            max_segment_rows: DEFAULT_MAX_SEGMENT_ROWS.max(segment_rows),
            deletes_ratio: DEFAULT_DELETES_RATIO,
        }
    }

    /// Never merge (segments are still sealed and indexed).
    pub fn disabled() -> Self {
        MergePolicy {
            merge_factor: usize::MAX,
            floor_rows: 1,
            max_segment_rows: 0,
            // Above 1: no segment can have more deleted rows than rows.
            deletes_ratio: 2.0,
        }
    }

    /// The merges to run now. Each segment appears in at most one candidate.
    pub fn compute_merge_candidates(&self, segments: &[MergeInput]) -> Vec<MergeCandidate> {
        let factor = self.merge_factor.max(2);
        let mut out = Vec::new();
        let mut taken = std::collections::HashSet::new();

        // Deletes first: a rewrite is cheap and frees the most.
        for s in segments {
            if s.rows > 0 && s.deleted as f64 >= self.deletes_ratio * s.rows as f64 {
                out.push(MergeCandidate {
                    segments: vec![s.id],
                    reason: MergeReason::Deletes,
                });
                taken.insert(s.id);
            }
        }

        let final_size = self.max_segment_rows / 2;
        let mut eligible: Vec<&MergeInput> = segments
            .iter()
            .filter(|s| !taken.contains(&s.id) && s.live() < final_size.max(1))
            .collect();
        // Largest first; ties by id for determinism.
        eligible.sort_by(|a, b| b.live().cmp(&a.live()).then(a.id.cmp(&b.id)));

        let mut levels: Vec<Vec<&MergeInput>> = Vec::new();
        let mut head = usize::MAX;
        for s in eligible {
            let size = s.live().max(self.floor_rows);
            // A new level starts when this segment is more than `factor` times smaller than the
            // level's largest.
            if levels.is_empty() || size.saturating_mul(factor) <= head {
                levels.push(Vec::new());
                head = size;
            }
            if let Some(level) = levels.last_mut() {
                level.push(s);
            }
        }
        for mut level in levels {
            // Smallest first within a level.
            level.reverse();
            let mut i = 0;
            while level.len() - i >= factor {
                let mut group = Vec::new();
                let mut total = 0usize;
                for s in &level[i..] {
                    if group.len() == factor || total + s.live() > self.max_segment_rows {
                        break;
                    }
                    total += s.live();
                    group.push(s.id);
                }
                if group.len() < 2 {
                    break;
                }
                i += group.len();
                group.sort();
                out.push(MergeCandidate {
                    segments: group,
                    reason: MergeReason::Tier,
                });
            }
        }
        out
    }
}

impl MergePolicy {
    /// The merges an explicit compaction runs once the tiered merges are done: the segments
    /// not yet final (live rows under half of `max_segment_rows`), largest first, packed into
    /// groups of at most `max_segment_rows` live rows; every group of two or more is merged.
    /// A settled collection then has few large segments, each searched with one index (one
    /// coarse search, one graph) instead of many small ones. Empty when merging is disabled
    /// (`max_segment_rows` 0) or nothing pairs up.
    ///
    /// ```text
    /// max_segment_rows = 20,000 (final at 10,000), live rows 12,000  9,000  6,000  4,000  500
    ///   12,000 is final; groups (first fit, largest first): {9,000 6,000 4,000 500} → one merge
    /// ```
    pub fn compaction_candidates(&self, segments: &[MergeInput]) -> Vec<MergeCandidate> {
        let final_size = self.max_segment_rows / 2;
        let mut eligible: Vec<&MergeInput> =
            segments.iter().filter(|s| s.live() < final_size).collect();
        eligible.sort_by(|a, b| b.live().cmp(&a.live()).then(a.id.cmp(&b.id)));
        // First fit, largest first.
        let mut groups: Vec<(usize, Vec<SegmentId>)> = Vec::new();
        for s in eligible {
            match groups
                .iter_mut()
                .find(|(total, _)| total.saturating_add(s.live()) <= self.max_segment_rows)
            {
                Some((total, ids)) => {
                    *total += s.live();
                    ids.push(s.id);
                }
                None => groups.push((s.live(), vec![s.id])),
            }
        }
        groups
            .into_iter()
            .filter(|(_, ids)| ids.len() >= 2)
            .map(|(_, mut ids)| {
                ids.sort();
                MergeCandidate {
                    segments: ids,
                    reason: MergeReason::Compact,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_packs_segments_that_are_not_final_into_few() {
        let policy = MergePolicy {
            merge_factor: 8,
            floor_rows: 100,
            max_segment_rows: 20_000,
            deletes_ratio: 0.15,
        };
        let segs = [
            seg(1, 12_000, 0),
            seg(2, 9_000, 0),
            seg(3, 6_000, 0),
            seg(4, 4_000, 0),
            seg(5, 600, 100),
        ];
        let c = policy.compaction_candidates(&segs);
        assert_eq!(c.len(), 1);
        assert_eq!(ids(&c[0]), vec![2, 3, 4, 5]);
        assert_eq!(c[0].reason, MergeReason::Compact);
        // Two segments that together exceed the limit stay apart.
        let c =
            policy.compaction_candidates(&[seg(1, 9_000, 0), seg(2, 9_500, 0), seg(3, 3_000, 0)]);
        assert_eq!(c.iter().map(ids).collect::<Vec<_>>(), vec![vec![1, 2]]);
        let c =
            policy.compaction_candidates(&[seg(1, 9_900, 0), seg(2, 9_900, 0), seg(3, 9_900, 0)]);
        assert_eq!(c.iter().map(ids).collect::<Vec<_>>(), vec![vec![1, 2]]);
        // One segment, or merging disabled: nothing.
        assert!(policy.compaction_candidates(&[seg(1, 50, 0)]).is_empty());
        assert!(MergePolicy::disabled()
            .compaction_candidates(&[seg(1, 50, 0), seg(2, 60, 0)])
            .is_empty());
    }

    fn seg(id: u64, rows: usize, deleted: usize) -> MergeInput {
        MergeInput {
            id: SegmentId(id),
            rows,
            deleted,
        }
    }

    fn policy() -> MergePolicy {
        MergePolicy {
            merge_factor: 4,
            floor_rows: 1000,
            max_segment_rows: 100_000,
            deletes_ratio: 0.15,
        }
    }

    fn ids(c: &MergeCandidate) -> Vec<u64> {
        c.segments.iter().map(|s| s.0).collect()
    }

    #[test]
    fn doc_example() {
        let segs = [
            seg(1, 16_000, 0),
            seg(2, 9_000, 0),
            seg(3, 3_000, 0),
            seg(4, 1_000, 0),
            seg(5, 800, 0),
            seg(6, 500, 0),
            seg(7, 10_000, 2_100),
            seg(8, 400, 0),
        ];
        let c = policy().compute_merge_candidates(&segs);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!((ids(&c[0]), c[0].reason), (vec![7], MergeReason::Deletes));
        assert_eq!(
            (ids(&c[1]), c[1].reason),
            (vec![4, 5, 6, 8], MergeReason::Tier)
        );
    }

    #[test]
    fn nothing_to_do() {
        assert!(policy().compute_merge_candidates(&[]).is_empty());
        let three = [seg(1, 1000, 0), seg(2, 1000, 0), seg(3, 1000, 0)];
        assert!(policy().compute_merge_candidates(&three).is_empty());
    }

    #[test]
    fn equal_segments_merge_in_groups_of_factor() {
        let segs: Vec<MergeInput> = (1..=9).map(|i| seg(i, 1000, 0)).collect();
        let c = policy().compute_merge_candidates(&segs);
        assert_eq!(c.len(), 2);
        assert!(c
            .iter()
            .all(|c| c.segments.len() == 4 && c.reason == MergeReason::Tier));
        let mut all: Vec<u64> = c.iter().flat_map(ids).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 8);
    }

    #[test]
    fn levels_are_separated_by_the_factor() {
        // 4 big (8k) and 3 small (1k): neither level has 4 of a kind... the big level has 4.
        let segs = [
            seg(1, 8000, 0),
            seg(2, 8000, 0),
            seg(3, 8000, 0),
            seg(4, 8000, 0),
            seg(5, 1000, 0),
            seg(6, 1000, 0),
            seg(7, 1000, 0),
        ];
        let c = policy().compute_merge_candidates(&segs);
        assert_eq!(c.len(), 1);
        assert_eq!(ids(&c[0]), vec![1, 2, 3, 4]);
    }

    #[test]
    fn final_segments_are_left_alone_and_size_is_capped() {
        let p = policy();
        let segs: Vec<MergeInput> = (1..=4).map(|i| seg(i, 50_000, 0)).collect();
        assert!(
            p.compute_merge_candidates(&segs).is_empty(),
            "segments at half the max are final"
        );
        let segs: Vec<MergeInput> = (1..=5).map(|i| seg(i, 30_000, 0)).collect();
        let c = p.compute_merge_candidates(&segs);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].segments.len(),
            3,
            "3 × 30k fits under 100k, a 4th would not"
        );
    }

    #[test]
    fn each_segment_in_at_most_one_candidate() {
        let segs: Vec<MergeInput> = (1..=40)
            .map(|i| {
                seg(
                    i,
                    100 * i as usize,
                    if i % 5 == 0 { 50 * i as usize } else { 0 },
                )
            })
            .collect();
        let c = policy().compute_merge_candidates(&segs);
        let mut seen = std::collections::HashSet::new();
        for cand in &c {
            for s in &cand.segments {
                assert!(seen.insert(*s), "{s:?} twice in {c:?}");
            }
        }
        assert!(c.iter().any(|c| c.reason == MergeReason::Deletes));
    }
}
