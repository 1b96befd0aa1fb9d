//! Persisting and loading index files: every load mode answers exactly like the index that was
//! written; truncated, bit-flipped, foreign or mismatched files are error values and the process
//! lives (all in this one test process).

mod common;

use std::path::Path;

use kiln_index::{
    load, Error, ExpectedIndex, IndexPlan, IvfTemplate, LoadMode, LoadedIndex, Metric, RowBitmap,
    SearchParams, SegmentIndex, VectorIndex,
};

const DIM: usize = 24;
const ROWS: usize = 1_500;

fn indexes(metric: Metric) -> (Vec<f32>, Vec<(String, SegmentIndex)>) {
    let mut base = common::clustered(1, ROWS, DIM, 25, 0.1);
    if metric == Metric::Cosine {
        common::normalise(&mut base, DIM);
    }
    let mut out = Vec::new();
    for plan in [
        IndexPlan::IvfFlat { nlist: 12 },
        IndexPlan::IvfSq8 { nlist: 12 },
        IndexPlan::IvfPq { nlist: 12, m: 6 },
    ] {
        let t = IvfTemplate::train(&plan, metric, DIM, &base).expect("train");
        out.push((
            plan.factory_string(),
            SegmentIndex::build(&t, &base).expect("build"),
        ));
    }
    for plan in [
        IndexPlan::Flat,
        IndexPlan::Hnsw {
            m: 12,
            ef_construction: 60,
        },
        IndexPlan::HnswSq8 {
            m: 12,
            ef_construction: 60,
        },
        IndexPlan::Factory("IVF8,SQ8".into()),
    ] {
        out.push((
            plan.factory_string(),
            SegmentIndex::build_standalone(&plan, metric, DIM, &base).expect("build"),
        ));
    }
    (base, out)
}

fn expected(metric: Metric) -> ExpectedIndex {
    ExpectedIndex {
        dim: DIM,
        rows: ROWS,
        metric,
    }
}

const MODES: [LoadMode; 3] = [
    LoadMode::InMemory,
    LoadMode::Mapped,
    LoadMode::MappedVerifiedByCaller,
];

#[test]
fn every_load_mode_answers_like_the_original() {
    let dir = tempfile::tempdir().expect("tempdir");
    for metric in [Metric::L2, Metric::Cosine] {
        let (base, indexes) = indexes(metric);
        let queries = &base[..DIM * 25];
        let exclude = RowBitmap::from_rows((0..ROWS as u32).step_by(3));
        for (name, index) in &indexes {
            let path = dir.path().join(format!("{}.kidx", name.replace(',', "_")));
            std::fs::write(&path, index.to_bytes().expect("bytes")).expect("write");
            let want = index
                .search(queries, 10, &SearchParams::default(), Some(&exclude))
                .expect("search");
            let want_range = index
                .range_search(&queries[..DIM], 0.5, &SearchParams::default(), None)
                .expect("range");
            for mode in MODES {
                let loaded = load(&path, mode, &expected(metric)).expect("load");
                assert_eq!(loaded.info(), index.info(), "{name} {mode:?}");
                match (&loaded, mode) {
                    (LoadedIndex::InMemory(_), LoadMode::InMemory)
                    | (LoadedIndex::Mapped(_), LoadMode::Mapped)
                    | (LoadedIndex::Mapped(_), LoadMode::MappedVerifiedByCaller) => {}
                    _ => panic!("{name}: {mode:?} gave the wrong variant"),
                }
                let got = loaded
                    .search(queries, 10, &SearchParams::default(), Some(&exclude))
                    .expect("search");
                assert_eq!(got, want, "{name} {metric:?} {mode:?}");
                let got_range = loaded
                    .range_search(&queries[..DIM], 0.5, &SearchParams::default(), None)
                    .expect("range");
                assert_eq!(got_range, want_range, "{name} {metric:?} {mode:?}");
            }
            // And straight from bytes.
            let bytes = std::fs::read(&path).expect("read");
            let back = SegmentIndex::from_bytes(&bytes, &expected(metric)).expect("from bytes");
            assert_eq!(back.to_bytes().expect("bytes"), bytes, "{name}: not stable");
        }
    }
}

fn all_modes_fail(path: &Path, what: &str) {
    for mode in MODES {
        let r = load(path, mode, &expected(Metric::L2));
        assert!(r.is_err(), "{what}: {mode:?} loaded");
    }
}

#[test]
fn truncated_files_are_error_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, indexes) = indexes(Metric::L2);
    let path = dir.path().join("t.kidx");
    for (name, index) in &indexes {
        let bytes = index.to_bytes().expect("bytes");
        let len = bytes.len();
        let cuts = (0..len).step_by(len / 60 + 1).chain(len - 80..len);
        for cut in cuts {
            std::fs::write(&path, &bytes[..cut]).expect("write");
            all_modes_fail(&path, &format!("{name} cut at {cut}/{len}"));
            assert!(SegmentIndex::from_bytes(&bytes[..cut], &expected(Metric::L2)).is_err());
        }
        // Extra bytes at the end are corruption too.
        let mut longer = bytes.clone();
        longer.push(0);
        std::fs::write(&path, &longer).expect("write");
        all_modes_fail(&path, &format!("{name} one byte longer"));
    }
}

#[test]
fn bit_flips_are_error_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, indexes) = indexes(Metric::L2);
    let path = dir.path().join("f.kidx");
    for (name, index) in &indexes {
        let bytes = index.to_bytes().expect("bytes");
        let len = bytes.len();
        // Header, a spread over the body, and the whole trailer.
        let positions: Vec<usize> = (0..200.min(len))
            .chain((200..len).step_by(len / 150 + 1))
            .chain(len - 64..len)
            .collect();
        for (i, &at) in positions.iter().enumerate() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1 << (i % 8);
            assert!(
                matches!(
                    SegmentIndex::from_bytes(&flipped, &expected(Metric::L2)),
                    Err(Error::ChecksumMismatch { .. } | Error::Corrupted { .. })
                ),
                "{name}: flip at {at}/{len} loaded from bytes"
            );
            std::fs::write(&path, &flipped).expect("write");
            for mode in [LoadMode::InMemory, LoadMode::Mapped] {
                assert!(
                    load(&path, mode, &expected(Metric::L2)).is_err(),
                    "{name}: flip at {at}/{len} loaded {mode:?}"
                );
            }
            // Without the body checksum only the trailer is guarded (by its own CRC).
            if at >= len - 64 {
                assert!(load(
                    &path,
                    LoadMode::MappedVerifiedByCaller,
                    &expected(Metric::L2)
                )
                .is_err());
            }
        }
    }
}

#[test]
fn files_of_another_segment_or_no_index_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, indexes) = indexes(Metric::L2);
    let (_, index) = &indexes[0];
    let path = dir.path().join("x.kidx");
    std::fs::write(&path, index.to_bytes().expect("bytes")).expect("write");
    let wrong = [
        ExpectedIndex {
            dim: DIM + 1,
            ..expected(Metric::L2)
        },
        ExpectedIndex {
            rows: ROWS - 1,
            ..expected(Metric::L2)
        },
        expected(Metric::Cosine),
    ];
    for e in wrong {
        for mode in MODES {
            assert!(
                matches!(load(&path, mode, &e), Err(Error::Mismatch { .. })),
                "{e:?} {mode:?}"
            );
        }
    }
    // Missing file.
    for mode in MODES {
        assert!(matches!(
            load(&dir.path().join("missing"), mode, &expected(Metric::L2)),
            Err(Error::Io { .. })
        ));
    }
    // Not a Kiln index: empty, text, zeros.
    for junk in [&b""[..], b"not an index at all", &[0u8; 4096]] {
        std::fs::write(&path, junk).expect("write");
        all_modes_fail(&path, "junk");
    }
}

/// A mapped HNSW-SQ8 index is a view of its file, not a copy: Faiss's `IO_FLAG_MMAP_IFC`
/// maps `IndexHNSWSQ`'s codes and graph (Faiss 1.12 reads both through `read_vector`), so the
/// file stays mapped while the index lives, and searches answer from the mapping.
#[test]
fn mapped_hnsw_sq8_indexes_search_from_their_file() {
    let maps = std::path::Path::new("/proc/self/maps");
    if !maps.exists() {
        eprintln!("mapped_hnsw_sq8_indexes_search_from_their_file: no /proc/self/maps");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let base = common::clustered(5, ROWS, DIM, 25, 0.1);
    let plan = IndexPlan::HnswSq8 {
        m: 12,
        ef_construction: 60,
    };
    let index = SegmentIndex::build_standalone(&plan, Metric::L2, DIM, &base).expect("build");
    let path = dir.path().join("hnsw-sq8-mapped.kidx");
    std::fs::write(&path, index.to_bytes().expect("bytes")).expect("write");
    let mapped = || {
        std::fs::read_to_string(maps)
            .expect("maps")
            .lines()
            .any(|l| l.ends_with("hnsw-sq8-mapped.kidx"))
    };
    assert!(!mapped());
    for (mode, maps_file) in [
        (LoadMode::Mapped, true),
        (LoadMode::MappedVerifiedByCaller, true),
        (LoadMode::InMemory, false),
    ] {
        let loaded = load(&path, mode, &expected(Metric::L2)).expect("load");
        assert_eq!(mapped(), maps_file, "{mode:?}");
        assert!(loaded.info().approximate_distances);
        let q = &base[..DIM * 5];
        let params = SearchParams {
            nprobe: None,
            ef_search: Some(64),
        };
        assert_eq!(
            loaded.search(q, 10, &params, None).expect("search"),
            index.search(q, 10, &params, None).expect("search"),
            "{mode:?}"
        );
        drop(loaded);
        assert!(!mapped(), "{mode:?}: the mapping outlived the index");
    }
}
