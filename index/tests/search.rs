//! Search behaviour every index kind must keep: excluded rows never come back whatever k;
//! k > rows, k = 0 and empty segments behave as documented; distances are Kiln's and sorted;
//! bad queries are error values; concurrent searches from 8 threads equal sequential ones;
//! range search.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use kiln_index::{
    Error, IndexKind, IndexPlan, IvfTemplate, Metric, Neighbor, RowBitmap, SearchParams,
    SegmentIndex, VectorIndex,
};

const DIM: usize = 16;
const ROWS: usize = 2_000;

fn data(metric: Metric, seed: u64, n: usize) -> Vec<f32> {
    let mut x = common::clustered(seed, n, DIM, 30, 0.15);
    if metric == Metric::Cosine {
        common::normalise(&mut x, DIM);
    }
    x
}

/// One index of every kind on `base`.
fn every_kind(metric: Metric, base: &[f32]) -> Vec<(String, SegmentIndex)> {
    let mut out = Vec::new();
    for plan in [
        IndexPlan::IvfFlat { nlist: 16 },
        IndexPlan::IvfSq8 { nlist: 16 },
        IndexPlan::IvfPq { nlist: 16, m: 4 },
    ] {
        let t = IvfTemplate::train(&plan, metric, DIM, base).expect("train");
        out.push((
            plan.factory_string(),
            SegmentIndex::build(&t, base).expect("build"),
        ));
    }
    for plan in [
        IndexPlan::Flat,
        IndexPlan::Hnsw {
            m: 16,
            ef_construction: 80,
        },
        IndexPlan::HnswSq8 {
            m: 16,
            ef_construction: 80,
        },
        IndexPlan::Factory("IVF8,Flat".into()),
    ] {
        out.push((
            plan.factory_string(),
            SegmentIndex::build_standalone(&plan, metric, DIM, base).expect("build"),
        ));
    }
    out
}

/// Parameters under which every candidate is examined (exhaustive for IVF, wide for HNSW).
fn exhaustive() -> SearchParams {
    SearchParams {
        nprobe: Some(1 << 20),
        ef_search: Some(4_096),
    }
}

#[test]
fn index_types_are_send_and_sync() {
    fn shareable<T: Send + Sync>() {}
    shareable::<SegmentIndex>();
    shareable::<kiln_index::MappedSegmentIndex>();
    shareable::<kiln_index::LoadedIndex>();
    shareable::<kiln_index::IvfTemplate>();
    shareable::<Arc<dyn VectorIndex>>();
}

#[test]
fn excluded_rows_never_come_back_whatever_k() {
    let base = data(Metric::L2, 1, ROWS);
    let queries = data(Metric::L2, 2, 5);
    // Exclude every row but one in three, and the whole first cluster of rows 0..100.
    let exclude = RowBitmap::from_rows((0..ROWS as u32).filter(|r| r % 3 != 0 || *r < 100));
    let allowed = ROWS - exclude.count();
    for (name, index) in every_kind(Metric::L2, &base) {
        for params in [SearchParams::default(), exhaustive()] {
            for k in [1, 7, 100, allowed, ROWS, ROWS + 50] {
                let res = index
                    .search(&queries, k, &params, Some(&exclude))
                    .expect("search");
                for hits in &res {
                    for n in hits {
                        assert!(
                            !exclude.contains(n.row),
                            "{name} k={k}: excluded row {} returned",
                            n.row
                        );
                    }
                    let rows: HashSet<u32> = hits.iter().map(|n| n.row).collect();
                    assert_eq!(rows.len(), hits.len(), "{name}: duplicate rows");
                    assert!(hits.len() <= k.min(allowed), "{name} k={k}");
                    // Exhaustive IVF and Flat find every allowed row they are asked for.
                    let exact_kind = matches!(
                        index.info().kind,
                        IndexKind::Flat | IndexKind::IvfFlat | IndexKind::IvfSq8 | IndexKind::IvfPq
                    );
                    if params == exhaustive() && exact_kind {
                        assert_eq!(hits.len(), k.min(allowed), "{name} k={k}");
                    }
                }
            }
        }
        // Everything excluded: nothing comes back.
        let all = RowBitmap::from_rows(0..ROWS as u32);
        let res = index
            .search(&queries, 10, &SearchParams::default(), Some(&all))
            .expect("search");
        assert!(res.iter().all(Vec::is_empty), "{name}");
    }
}

#[test]
fn k_beyond_rows_returns_what_exists_and_k_zero_is_an_error() {
    let base = data(Metric::Cosine, 3, 300);
    let q = data(Metric::Cosine, 4, 2);
    for (name, index) in every_kind(Metric::Cosine, &base) {
        let res = index
            .search(&q, 10_000, &exhaustive(), None)
            .expect("search");
        assert_eq!(res.len(), 2);
        for hits in &res {
            assert!(!hits.is_empty() && hits.len() <= 300, "{name}");
            if !index.info().kind.is_hnsw() {
                assert_eq!(hits.len(), 300, "{name}");
            }
            assert!(hits.iter().all(|n| (n.row as usize) < 300), "{name}");
        }
        assert!(
            matches!(
                index.search(&q, 0, &SearchParams::default(), None),
                Err(Error::ZeroK)
            ),
            "{name}"
        );
    }
}

#[test]
fn empty_segments_answer_nothing() {
    let sample = data(Metric::L2, 5, 500);
    let t = IvfTemplate::train(&IndexPlan::IvfFlat { nlist: 8 }, Metric::L2, DIM, &sample)
        .expect("train");
    let q = data(Metric::L2, 6, 3);
    let mut indexes = vec![SegmentIndex::build(&t, &[]).expect("empty ivf")];
    for plan in [
        IndexPlan::Flat,
        IndexPlan::Hnsw {
            m: 8,
            ef_construction: 40,
        },
    ] {
        indexes.push(SegmentIndex::build_standalone(&plan, Metric::L2, DIM, &[]).expect("empty"));
    }
    for index in indexes {
        assert_eq!(index.info().rows, 0);
        let res = index
            .search(&q, 5, &SearchParams::default(), None)
            .expect("search");
        assert_eq!(res, vec![Vec::<Neighbor>::new(); 3]);
        let res = index
            .range_search(&q, 10.0, &SearchParams::default(), None)
            .expect("range");
        assert_eq!(res, vec![Vec::<Neighbor>::new(); 3]);
        assert!(matches!(
            index.search(&q, 0, &SearchParams::default(), None),
            Err(Error::ZeroK)
        ));
        // No queries: no answers.
        assert!(index
            .search(&[], 5, &SearchParams::default(), None)
            .expect("search")
            .is_empty());
    }
}

#[test]
fn bad_vectors_are_error_values() {
    let base = data(Metric::L2, 7, 500);
    let mut with_nan = base.clone();
    with_nan[DIM * 3 + 2] = f32::NAN;
    let t = IvfTemplate::train(&IndexPlan::IvfFlat { nlist: 8 }, Metric::L2, DIM, &base)
        .expect("train");
    assert!(matches!(
        SegmentIndex::build(&t, &with_nan),
        Err(Error::NonFinite {
            vector: 3,
            component: 2
        })
    ));
    let hnsw = IndexPlan::Hnsw {
        m: 8,
        ef_construction: 40,
    };
    let mut with_inf = base.clone();
    with_inf[5] = f32::INFINITY;
    assert!(matches!(
        SegmentIndex::build_standalone(&hnsw, Metric::L2, DIM, &with_inf),
        Err(Error::NonFinite { vector: 0, .. })
    ));
    assert!(matches!(
        SegmentIndex::build(&t, &base[..DIM + 1]),
        Err(Error::DimensionMismatch { .. })
    ));
    for (name, index) in every_kind(Metric::L2, &base) {
        let mut q = base[..DIM].to_vec();
        q[0] = f32::NEG_INFINITY;
        assert!(
            matches!(
                index.search(&q, 3, &SearchParams::default(), None),
                Err(Error::NonFinite { .. })
            ),
            "{name}"
        );
        assert!(
            matches!(
                index.search(&base[..DIM - 1], 3, &SearchParams::default(), None),
                Err(Error::DimensionMismatch { .. })
            ),
            "{name}"
        );
        assert!(index
            .range_search(&q, 1.0, &SearchParams::default(), None)
            .is_err());
    }
}

#[test]
fn distances_are_kilns_and_sorted_with_ties_by_row() {
    for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
        let base = data(metric, 8, 600);
        let queries = data(metric, 9, 4);
        for (name, index) in every_kind(metric, &base) {
            let exact_codes = matches!(
                index.info().kind,
                IndexKind::Flat | IndexKind::IvfFlat | IndexKind::Hnsw | IndexKind::Factory
            );
            let res = index
                .search(&queries, 20, &SearchParams::default(), None)
                .expect("search");
            for (q, hits) in queries.chunks_exact(DIM).zip(&res) {
                for w in hits.windows(2) {
                    assert!(
                        w[0].distance < w[1].distance
                            || (w[0].distance == w[1].distance && w[0].row < w[1].row),
                        "{name} {metric:?}: not sorted: {w:?}"
                    );
                }
                if exact_codes {
                    for n in hits {
                        let v = &base[n.row as usize * DIM..(n.row as usize + 1) * DIM];
                        let d = metric.distance(q, v);
                        assert!(
                            (d - n.distance).abs() <= 1e-4 * d.abs().max(1.0),
                            "{name} {metric:?}: row {} distance {} vs {d}",
                            n.row,
                            n.distance
                        );
                    }
                }
            }
        }
    }
    // Identical vectors: equal distances, rows ascending.
    let mut base = vec![0.5f32; DIM * 10];
    base.extend(data(Metric::L2, 10, 100));
    let flat =
        SegmentIndex::build_standalone(&IndexPlan::Flat, Metric::L2, DIM, &base).expect("flat");
    let res = flat
        .search(&[0.5f32; DIM], 10, &SearchParams::default(), None)
        .expect("search");
    let rows: Vec<u32> = res[0].iter().map(|n| n.row).collect();
    assert_eq!(rows, (0..10).collect::<Vec<u32>>());
    assert!(res[0].iter().all(|n| n.distance == 0.0));
}

#[test]
fn batch_search_equals_one_query_at_a_time() {
    let base = data(Metric::L2, 11, ROWS);
    let queries = data(Metric::L2, 12, 40);
    let exclude = RowBitmap::from_rows((0..ROWS as u32).step_by(5));
    for (name, index) in every_kind(Metric::L2, &base) {
        let batch = index
            .search(&queries, 10, &SearchParams::default(), Some(&exclude))
            .expect("batch");
        for (q, expected) in queries.chunks_exact(DIM).zip(&batch) {
            let one = index
                .search(q, 10, &SearchParams::default(), Some(&exclude))
                .expect("one");
            if index.info().kind == IndexKind::IvfPq {
                // L2 IVF-PQ computes its per-query tables with BLAS for a batch and without for
                // one query: the same rows, distances equal to the last bits.
                let rows = |v: &[Neighbor]| v.iter().map(|n| n.row).collect::<Vec<_>>();
                assert_eq!(rows(&one[0]), rows(expected), "{name}");
                for (a, b) in one[0].iter().zip(expected) {
                    assert!((a.distance - b.distance).abs() <= 1e-5 * a.distance.abs().max(1.0));
                }
            } else {
                assert_eq!(&one[0], expected, "{name}");
            }
        }
    }
}

#[test]
fn concurrent_searches_equal_sequential_ones() {
    let base = data(Metric::Cosine, 13, 4_000);
    let queries = data(Metric::Cosine, 14, 64);
    let exclude = RowBitmap::from_rows((0..4_000u32).filter(|r| r % 11 == 0));
    // Mixed parameters, including HNSW efSearch values other than the default (which take the
    // index's write lock) interleaved with default ones.
    let params = [
        SearchParams::default(),
        SearchParams {
            nprobe: Some(4),
            ef_search: Some(16),
        },
        SearchParams {
            nprobe: Some(12),
            ef_search: Some(200),
        },
    ];
    for (name, index) in every_kind(Metric::Cosine, &base) {
        let index = Arc::new(index);
        let job = |i: usize| {
            let q = &queries[(i % 64) * DIM..(i % 64 + 1) * DIM];
            let p = &params[i % params.len()];
            let ex = i.is_multiple_of(2).then_some(&exclude);
            index.search(q, 10, p, ex).expect("search")
        };
        let sequential: Vec<_> = (0..512).map(job).collect();
        let concurrent: Vec<Vec<_>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let job = &job;
                    s.spawn(move || (t..512).step_by(8).map(|i| (i, job(i))).collect::<Vec<_>>())
                })
                .collect();
            let mut all = vec![Vec::new(); 512];
            for h in handles {
                for (i, r) in h.join().expect("thread") {
                    all[i] = r;
                }
            }
            all
        });
        assert_eq!(sequential, concurrent, "{name}");
        // The default efSearch is back after the non-default searches.
        assert_eq!(
            index
                .search(&queries[..DIM], 10, &SearchParams::default(), None)
                .expect("s"),
            sequential[0],
            "{name}"
        );
    }
}

#[test]
fn range_search_finds_rows_within_the_radius() {
    for metric in [Metric::L2, Metric::Cosine, Metric::InnerProduct] {
        let base = data(metric, 15, 800);
        let queries = data(metric, 16, 3);
        let exclude = RowBitmap::from_rows((0..800u32).filter(|r| r % 4 == 0));
        // A radius around the 20th-nearest distance of the first query.
        let flat =
            SegmentIndex::build_standalone(&IndexPlan::Flat, metric, DIM, &base).expect("flat");
        let knn = flat
            .search(&queries[..DIM], 20, &SearchParams::default(), None)
            .expect("knn");
        let radius = knn[0][19].distance;
        for (name, index) in every_kind(metric, &base) {
            let res = index
                .range_search(&queries, radius, &exhaustive(), Some(&exclude))
                .expect("range");
            for (q, hits) in queries.chunks_exact(DIM).zip(&res) {
                let exact: HashSet<u32> = base
                    .chunks_exact(DIM)
                    .enumerate()
                    .filter(|(r, v)| r % 4 != 0 && metric.distance(q, v) < radius)
                    .map(|(r, _)| r as u32)
                    .collect();
                let found: HashSet<u32> = hits.iter().map(|n| n.row).collect();
                assert!(hits.iter().all(|n| n.distance < radius && n.row % 4 != 0));
                for w in hits.windows(2) {
                    assert!(w[0].distance <= w[1].distance, "{name}: unsorted");
                }
                match index.info().kind {
                    IndexKind::Flat | IndexKind::IvfFlat | IndexKind::Factory => {
                        // Exact codes, every list probed: within rounding of the boundary.
                        let missing = exact.difference(&found).count();
                        let extra = found.difference(&exact).count();
                        assert!(
                            missing <= 1 && extra <= 1,
                            "{name} {metric:?}: {missing} missing, {extra} extra"
                        );
                    }
                    _ if exact.is_empty() => {}
                    _ => {
                        // Quantised or graph: approximate.
                        let recall =
                            exact.intersection(&found).count() as f64 / exact.len().max(1) as f64;
                        assert!(recall >= 0.5, "{name} {metric:?}: range recall {recall:.2}");
                    }
                }
            }
        }
    }
}

#[test]
fn default_params_can_be_set_before_sharing() {
    let base = data(Metric::L2, 17, ROWS);
    let queries = data(Metric::L2, 18, 20);
    let hnsw = IndexPlan::Hnsw {
        m: 8,
        ef_construction: 40,
    };
    let mut index = SegmentIndex::build_standalone(&hnsw, Metric::L2, DIM, &base).expect("hnsw");
    assert_eq!(
        index.default_params().ef_search,
        Some(kiln_index::DEFAULT_EF_SEARCH)
    );
    let narrow = SearchParams {
        nprobe: None,
        ef_search: Some(10),
    };
    let want = index.search(&queries, 10, &narrow, None).expect("search");
    index.set_default_params(narrow).expect("set");
    assert_eq!(index.default_params().ef_search, Some(10));
    assert_eq!(index.default_params().nprobe, None);
    let got = index
        .search(&queries, 10, &SearchParams::default(), None)
        .expect("search");
    assert_eq!(got, want);

    let t = IvfTemplate::train(&IndexPlan::IvfFlat { nlist: 32 }, Metric::L2, DIM, &base)
        .expect("train");
    let mut ivf = SegmentIndex::build(&t, &base).expect("ivf");
    assert_eq!(
        ivf.default_params().nprobe,
        Some(kiln_index::default_nprobe(32))
    );
    let two = SearchParams {
        nprobe: Some(2),
        ef_search: None,
    };
    let want = ivf.search(&queries, 10, &two, None).expect("search");
    ivf.set_default_params(SearchParams {
        nprobe: Some(2),
        ef_search: Some(99),
    })
    .expect("set");
    assert_eq!(
        ivf.default_params(),
        SearchParams {
            nprobe: Some(2),
            ef_search: None
        }
    );
    let got = ivf
        .search(&queries, 10, &SearchParams::default(), None)
        .expect("search");
    assert_eq!(got, want);
    // Range search uses the index's own nprobe, which is now 2.
    let r_default = ivf
        .range_search(&queries, 5.0, &SearchParams::default(), None)
        .expect("range");
    let r_two = ivf.range_search(&queries, 5.0, &two, None).expect("range");
    assert_eq!(r_default, r_two);
    // Out-of-range values are clamped.
    ivf.set_default_params(SearchParams {
        nprobe: Some(10_000),
        ef_search: None,
    })
    .expect("set");
    assert_eq!(ivf.default_params().nprobe, Some(32));
}
