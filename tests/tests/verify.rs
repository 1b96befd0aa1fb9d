//! Guards `Database::verify`: a healthy database verifies clean; a flipped bit in a segment file
//! is reported as a non-repairable problem and one in an index file as a repairable one, naming
//! the file; verify itself never panics or trusts a damaged file.

use kiln::{CollectionConfig, Database, DbOptions, Durability, MergePolicy, Metric};
use kiln_tests::{clustered_vectors, seeded_rng, TempDir};

fn files(root: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(root.join("collections"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|c| std::fs::read_dir(c.path()).into_iter().flatten().flatten())
        .map(|f| f.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

fn flip(path: &std::path::Path, at: usize) {
    let mut b = std::fs::read(path).expect("read");
    let at = at.min(b.len() - 1);
    b[at] ^= 0x01;
    std::fs::write(path, b).expect("write");
}

#[test]
fn verify_reports_damage_by_file_and_kind() {
    let (mut rng, _) = seeded_rng("verify", 8);
    let dir = TempDir::new("verify");
    {
        let db = Database::open_with(
            dir.path(),
            DbOptions::new().durability(Durability::Buffered),
        )
        .expect("open");
        let c = db
            .create_collection(
                "v",
                CollectionConfig::new(16, Metric::L2)
                    .segment_rows(12_000)
                    .merge_policy(MergePolicy::disabled()),
            )
            .expect("create");
        let data = clustered_vectors(&mut rng, 25_000, 16, 50, 0.1);
        let ids: Vec<u64> = (0..25_000).collect();
        // The template is trained on the rows sealed when the first build starts, and its
        // nlist decides whether the 1,000-row tail is big enough to index (≥ 2 rows per list).
        // Compacting after the first full segment fixes that sample at 12,000 rows (nlist 307)
        // instead of leaving it to how far the second seal got.
        for (ci, cv) in ids.chunks(4000).zip(data.chunks(4000 * 16)) {
            c.insert_batch(ci, cv).expect("insert");
            if ci[0] == 8000 {
                c.compact().expect("compact the first segment");
            }
        }
        c.compact().expect("compact");
        let report = db.verify().expect("verify");
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(
            (
                report.collections,
                report.segments,
                report.indexes,
                report.templates
            ),
            // Two full segments and the 1,000-row tail, indexed on the shared template.
            (1, 3, 3, 1),
            "{report:?}"
        );
        assert_eq!(report.growing_segments, 1);
    }
    let seg = files(dir.path(), "seg");
    let idx = files(dir.path(), "idx");
    flip(&seg[0], 100);
    flip(&idx[0], 5000);
    let db = Database::open(dir.path()).expect("open");
    let report = db.verify().expect("verify");
    assert_eq!(report.problems.len(), 2, "{report:?}");
    let seg_problem = report
        .problems
        .iter()
        .find(|p| p.path == seg[0])
        .expect("segment reported");
    assert!(!seg_problem.repairable);
    let idx_problem = report
        .problems
        .iter()
        .find(|p| p.path == idx[0])
        .expect("index reported");
    assert!(idx_problem.repairable);
}
