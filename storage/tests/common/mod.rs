//! Helpers shared by the storage integration tests: a seeded random generator and a catalog
//! workload whose every state can be checked for completeness.
//!
//! The workload is a sequence of *steps*. Step `i` is one `WriteBatch` touching every column
//! family: growing row `i` of segment [`SEG`] (user id `i`, vector [`vector_of`]`(i)`), the id
//! map entry of `i`, a tombstone of row `i` of segment [`DEAD`], and the collection record,
//! whose `config` becomes the number of steps done. A reader that sees `n` in the record must see
//! exactly rows, locations and tombstones `0..n`: anything else is a torn or missing batch.

#![allow(dead_code)]

use kiln_storage::catalog::{Catalog, CollectionRecord, SegmentMeta};
use kiln_storage::{CollectionId, RowLocation, SegmentId};

/// The collection of the workload.
pub const COLL: CollectionId = CollectionId(1);
/// Its growing segment.
pub const SEG: SegmentId = SegmentId(2);
/// A segment whose rows the workload tombstones.
pub const DEAD: SegmentId = SegmentId(3);
/// Vector dimension.
pub const DIM: usize = 4;
/// The collection's name.
pub const NAME: &str = "steps";

/// splitmix64: a small seeded generator, enough for test schedules.
pub struct Rng(u64);

impl Rng {
    /// A generator with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The vector of row `i`.
pub fn vector_of(i: u64) -> [f32; DIM] {
    let x = i as f32;
    [x, 2.0 * x, -x, 0.5]
}

fn record(steps: u64) -> CollectionRecord {
    CollectionRecord {
        id: COLL,
        name: NAME.to_string(),
        dim: DIM as u32,
        config: steps.to_string(),
        active_segment: SEG,
    }
}

/// Create the workload's collection (0 steps done) in one synced batch.
pub fn create(cat: &Catalog) {
    let alloc = cat.allocate_ids(4);
    let mut b = cat.batch().expect("batch");
    b.put_collection(&record(0)).expect("put");
    b.put_segment(COLL, &SegmentMeta::growing(SEG))
        .expect("put");
    alloc.commit(b, true).expect("commit");
}

/// Commit step `i` (the `i + 1`-th) as one batch.
pub fn step(cat: &Catalog, i: u64, sync: bool) {
    let row = u32::try_from(i).expect("row number");
    let mut b = cat.batch().expect("batch");
    b.put_row(COLL, SEG, row, i, &vector_of(i), &[]);
    b.put_location(COLL, i, RowLocation { segment: SEG, row });
    b.put_tombstone(COLL, DEAD, row);
    b.put_collection(&record(i + 1)).expect("put");
    cat.commit(b, sync).expect("commit");
}

/// The number of steps the catalog's collection record says are done; `None` before
/// [`create`].
pub fn steps_done(cat: &Catalog) -> Option<u64> {
    let rec = cat.collection(NAME).expect("read collection")?;
    Some(rec.config.parse().expect("config is a step count"))
}

/// Check that `cat` shows a complete state: for the `n` steps its record counts, exactly rows,
/// id map entries and tombstones `0..n`, with the right contents. Returns `n` (0 before
/// [`create`], when nothing at all may be visible). Panics with a description otherwise.
pub fn check_complete(cat: &Catalog) -> u64 {
    let Some(n) = steps_done(cat) else {
        assert!(cat.collections().expect("collections").is_empty());
        assert!(cat.tombstones(COLL).expect("tombstones").is_empty());
        let mut rows = 0;
        cat.growing_rows(COLL, SEG, DIM, |_, _, _, _| {
            rows += 1;
            Ok(())
        })
        .expect("rows");
        assert_eq!(rows, 0, "rows visible without their collection");
        return 0;
    };
    assert_eq!(cat.collections().expect("collections").len(), 1);
    let segs = cat.segments(COLL).expect("segments");
    assert!(segs.contains(&SegmentMeta::growing(SEG)), "{segs:?}");
    let mut rows = 0u64;
    cat.growing_rows(COLL, SEG, DIM, |r, id, v, _| {
        assert_eq!(u64::from(r), rows, "row numbers");
        assert_eq!(id, rows, "user id of row {r}");
        assert_eq!(v, vector_of(rows), "vector of row {r}");
        rows += 1;
        Ok(())
    })
    .expect("rows");
    assert_eq!(rows, n, "rows visible vs. steps counted by the record");
    let tombs = cat.tombstones(COLL).expect("tombstones");
    assert_eq!(tombs.len() as u64, n, "tombstones vs. steps");
    for (i, (seg, row)) in tombs.iter().enumerate() {
        assert_eq!((*seg, u64::from(*row)), (DEAD, i as u64), "tombstone {i}");
    }
    let ids: Vec<u64> = (0..=n).collect();
    let locs = cat.locations(COLL, &ids).expect("locations");
    for (i, loc) in locs.iter().enumerate() {
        let i = i as u64;
        if i < n {
            assert_eq!(
                loc.map(|l| (l.segment, u64::from(l.row))),
                Some((SEG, i)),
                "location of {i}"
            );
        } else {
            assert_eq!(*loc, None, "location of {i}, one past the steps");
        }
    }
    n
}

/// The names of the table files (`*.sst`) in a RocksDB directory.
pub fn table_files(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .expect("read catalog dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".sst"))
        .collect();
    out.sort();
    out
}
