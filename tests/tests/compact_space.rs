//! `compact()` gives back the space RocksDB holds for rows already sealed into segment files:
//! its log and the rows column family. Before, the catalog directory holds about one more
//! copy of the vectors; after, a small fraction, and every row is still there.

use std::path::Path;

use kiln::{CollectionConfig, Database, DbOptions, Durability, Metric, SearchOptions};
use kiln_tests::{clustered_vectors, files_under, seeded_rng, TempDir};

fn dir_bytes(path: &Path) -> u64 {
    files_under(path).iter().map(|(_, len)| len).sum()
}

#[test]
fn compaction_gives_back_the_log_space_of_sealed_rows() {
    let (mut rng, _) = seeded_rng("compact_space", 41);
    let (n, dim) = (20_000usize, 64usize);
    let rows = clustered_vectors(&mut rng, n, dim, 20, 0.1);
    let raw = (n * dim * 4) as u64;
    let dir = TempDir::new("compact-space");
    let catalog = dir.path().join("catalog");
    {
        let db = Database::open_with(
            dir.path(),
            DbOptions::new().durability(Durability::Buffered),
        )
        .expect("open");
        let c = db
            .create_collection(
                "c",
                CollectionConfig::new(dim, Metric::L2).segment_rows(5_000),
            )
            .expect("create");
        let ids: Vec<u64> = (0..n as u64).collect();
        c.insert_batch(&ids, &rows).expect("insert");
        c.flush().expect("flush");
        c.wait_for_indexing().expect("wait");
        let before = dir_bytes(&catalog);
        c.compact().expect("compact");
        let after = dir_bytes(&catalog);
        eprintln!("catalog: {before} bytes before compact(), {after} after ({raw} of vectors)");
        assert!(before > raw / 2, "the log held the rows: {before} of {raw}");
        assert!(after < raw / 5, "given back: {after} bytes of {raw}");
        assert_eq!(c.len(), n);
    }
    // Everything is still there after a reopen.
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("reopen");
    let c = db.collection("c").expect("collection");
    assert_eq!(c.len(), n);
    for id in [0u64, 4_999, 5_000, 19_999] {
        let v = c.get(id).expect("get").expect("present");
        assert_eq!(v, rows[id as usize * dim..(id as usize + 1) * dim].to_vec());
    }
    let q = &rows[..dim];
    let hits = c
        .search(q, &SearchOptions::new(10).exact(true))
        .expect("search");
    assert_eq!(hits[0].id, 0);
}
