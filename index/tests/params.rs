//! Parameters cannot reach Faiss unchecked: `usize::MAX`, `u32::MAX` and 0 for k, nprobe,
//! efSearch, HNSW m and efConstruction, and nlist are clamped to what the index can use or
//! refused with `InvalidArgument`, on Flat, IVF and HNSW indexes; never an abort, a hang or a
//! garbage answer. (Before the clamps, an efSearch above 2^31 − 1 was undefined behaviour in
//! Faiss and a large one that fits sized a heap inside an OpenMP region.)

mod common;

use std::collections::HashSet;

use kiln_index::{
    plan_index, Error, IndexKind, IndexPlan, IndexSpec, IvfTemplate, Metric, Neighbor, RowBitmap,
    SearchParams, SegmentIndex, VectorIndex, MAX_EF_CONSTRUCTION, MAX_HNSW_M, MAX_NLIST,
};

const DIM: usize = 16;
const ROWS: usize = 1_500;

fn base() -> Vec<f32> {
    common::clustered(31, ROWS, DIM, 20, 0.15)
}

fn queries() -> Vec<f32> {
    common::clustered(32, 3, DIM, 20, 0.15)
}

/// Flat, IVF (from a template, and standalone) and HNSW indexes over `base`.
fn indexes(base: &[f32]) -> Vec<(String, SegmentIndex)> {
    let mut out = Vec::new();
    for plan in [
        IndexPlan::IvfFlat { nlist: 16 },
        IndexPlan::IvfSq8 { nlist: 16 },
        IndexPlan::IvfPq { nlist: 16, m: 4 },
    ] {
        let t = IvfTemplate::train(&plan, Metric::L2, DIM, base).expect("train");
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
        IndexPlan::IvfFlat { nlist: 8 },
    ] {
        out.push((
            format!("standalone {}", plan.factory_string()),
            SegmentIndex::build_standalone(&plan, Metric::L2, DIM, base).expect("build"),
        ));
    }
    out
}

const HUGE: [usize; 3] = [usize::MAX, u32::MAX as usize, i32::MAX as usize + 1];

fn param_sets() -> Vec<SearchParams> {
    let mut sets = vec![
        SearchParams::default(),
        SearchParams {
            nprobe: Some(0),
            ef_search: Some(0),
        },
        SearchParams {
            nprobe: Some(1),
            ef_search: Some(1),
        },
    ];
    for h in HUGE {
        sets.push(SearchParams {
            nprobe: Some(h),
            ef_search: Some(h),
        });
        sets.push(SearchParams {
            nprobe: Some(h),
            ef_search: None,
        });
        sets.push(SearchParams {
            nprobe: None,
            ef_search: Some(h),
        });
    }
    sets
}

/// What every answer promises whatever the parameters: at most `min(k, allowed)` hits, each a
/// distinct, existing, not excluded row, with a finite distance, sorted by distance then row.
fn check_answer(name: &str, hits: &[Neighbor], k: usize, allowed: usize, exclude: &RowBitmap) {
    assert!(hits.len() <= k.min(allowed), "{name} k={k}: {}", hits.len());
    let rows: HashSet<u32> = hits.iter().map(|n| n.row).collect();
    assert_eq!(rows.len(), hits.len(), "{name} k={k}: duplicate rows");
    for n in hits {
        assert!((n.row as usize) < ROWS, "{name} k={k}: row {}", n.row);
        assert!(!exclude.contains(n.row), "{name} k={k}: excluded {}", n.row);
        assert!(n.distance.is_finite(), "{name} k={k}: {n:?}");
    }
    for w in hits.windows(2) {
        let order = w[0]
            .distance
            .total_cmp(&w[1].distance)
            .then(w[0].row.cmp(&w[1].row));
        assert!(order.is_lt(), "{name} k={k}: not sorted: {w:?}");
    }
}

#[test]
fn absurd_search_parameters_are_clamped_on_every_kind() {
    let base = base();
    let queries = queries();
    let none = RowBitmap::new(ROWS);
    let third = RowBitmap::from_rows((0..ROWS as u32).filter(|r| r % 3 != 0));
    for (name, index) in indexes(&base) {
        let kind = index.info().kind;
        for exclude in [&none, &third] {
            let allowed = ROWS - exclude.count();
            for params in param_sets() {
                let exhaustive_ivf = kind.is_ivf() && params.nprobe.is_some_and(|p| p >= 16);
                for k in [1, 10, allowed, ROWS, u32::MAX as usize, usize::MAX] {
                    let res = index
                        .search(&queries, k, &params, Some(exclude))
                        .unwrap_or_else(|e| panic!("{name} {params:?} k={k}: {e}"));
                    assert_eq!(res.len(), 3, "{name}");
                    for hits in &res {
                        check_answer(&name, hits, k, allowed, exclude);
                        // Flat, and IVF probing every list, find every row they are asked for.
                        if kind == IndexKind::Flat || exhaustive_ivf {
                            assert_eq!(hits.len(), k.min(allowed), "{name} {params:?} k={k}");
                        } else if exclude.is_empty() {
                            // HNSW and IVF probing some lists may return fewer (the engine
                            // completes such answers exactly), but something, unfiltered.
                            assert!(!hits.is_empty(), "{name} {params:?} k={k}");
                        }
                    }
                }
                let res = index
                    .range_search(&queries, 1e30, &params, Some(exclude))
                    .unwrap_or_else(|e| panic!("{name} {params:?} range: {e}"));
                for hits in &res {
                    check_answer(&name, hits, usize::MAX, allowed, exclude);
                    if kind == IndexKind::Flat || exhaustive_ivf {
                        assert_eq!(hits.len(), allowed, "{name} {params:?} range");
                    }
                }
            }
        }
    }
}

#[test]
fn absurd_defaults_are_clamped_too() {
    let base = base();
    let queries = queries();
    for (name, mut index) in indexes(&base) {
        let kind = index.info().kind;
        for h in HUGE {
            index
                .set_default_params(SearchParams {
                    nprobe: Some(h),
                    ef_search: Some(h),
                })
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let d = index.default_params();
            match kind {
                IndexKind::Hnsw | IndexKind::HnswSq8 => {
                    assert_eq!(d.ef_search, Some(ROWS), "{name}")
                }
                _ => assert_eq!(d.ef_search, None, "{name}"),
            }
            assert_eq!(d.nprobe, index.info().nlist, "{name}");
            let res = index
                .search(&queries, usize::MAX, &SearchParams::default(), None)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for hits in &res {
                check_answer(&name, hits, usize::MAX, ROWS, &RowBitmap::new(ROWS));
                if !kind.is_hnsw() {
                    assert_eq!(hits.len(), ROWS, "{name}");
                }
            }
        }
        index
            .set_default_params(SearchParams {
                nprobe: Some(0),
                ef_search: Some(0),
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if kind.is_hnsw() {
            assert_eq!(index.default_params().ef_search, Some(1), "{name}");
        }
        if index.info().nlist.is_some() {
            assert_eq!(index.default_params().nprobe, Some(1), "{name}");
        }
    }
}

fn refused(r: kiln_index::Result<SegmentIndex>) -> bool {
    matches!(r, Err(Error::InvalidArgument(_)))
}

#[test]
fn absurd_build_parameters_are_refused() {
    let base = base();
    let big = [usize::MAX, u32::MAX as usize];
    for h in big {
        for plan in [
            IndexPlan::Hnsw {
                m: h,
                ef_construction: 40,
            },
            IndexPlan::Hnsw {
                m: 16,
                ef_construction: h,
            },
            IndexPlan::IvfFlat { nlist: h },
            IndexPlan::IvfSq8 { nlist: h },
            IndexPlan::IvfPq { nlist: h, m: 4 },
            IndexPlan::IvfPq { nlist: 16, m: h },
        ] {
            assert!(
                refused(SegmentIndex::build_standalone(
                    &plan,
                    Metric::L2,
                    DIM,
                    &base
                )),
                "{plan:?} built"
            );
            if plan.kind().is_ivf() {
                assert!(
                    matches!(
                        IvfTemplate::train(&plan, Metric::L2, DIM, &base),
                        Err(Error::InvalidArgument(_))
                    ),
                    "{plan:?} trained"
                );
            }
        }
    }
    let max = u32::MAX;
    for spec in [
        IndexSpec::Hnsw {
            m: max,
            ef_construction: max,
        },
        IndexSpec::Hnsw {
            m: 16,
            ef_construction: max,
        },
        IndexSpec::Hnsw {
            m: max,
            ef_construction: 40,
        },
        IndexSpec::IvfFlat { nlist: max },
        IndexSpec::IvfSq8 { nlist: max },
        IndexSpec::IvfPq { nlist: max, m: 4 },
        IndexSpec::IvfPq { nlist: 16, m: max },
        IndexSpec::Factory(format!("HNSW{max}")),
        IndexSpec::Factory(format!("IVF{max},Flat")),
    ] {
        assert!(
            matches!(spec.validate(DIM), Err(Error::InvalidArgument(_))),
            "{spec:?} valid"
        );
        assert!(
            matches!(
                plan_index(&spec, 1_000_000, DIM, u64::MAX),
                Err(Error::InvalidArgument(_))
            ),
            "{spec:?} planned"
        );
    }
    let factory = SegmentIndex::build_standalone(
        &IndexPlan::Factory(format!("HNSW{}", i32::MAX)),
        Metric::L2,
        DIM,
        &base,
    );
    assert!(refused(factory), "factory HNSW with a huge m built");
}

#[test]
fn the_largest_valid_parameters_build_on_a_small_segment() {
    // 60 rows: far fewer than nlist or efConstruction at their maximum.
    let few = common::clustered(33, 60, DIM, 4, 0.15);
    let q = &few[..DIM];
    let hnsw = IndexPlan::Hnsw {
        m: MAX_HNSW_M,
        ef_construction: MAX_EF_CONSTRUCTION,
    };
    let index = SegmentIndex::build_standalone(&hnsw, Metric::L2, DIM, &few).expect("hnsw");
    let hits = index
        .search(q, usize::MAX, &SearchParams::default(), None)
        .expect("search");
    assert!(!hits[0].is_empty() && hits[0].len() <= 60);
    assert_eq!(hits[0][0].row, 0, "the query is row 0");

    // IVF: nlist clamped to 60 / 39 = 1 list.
    for plan in [
        IndexPlan::IvfFlat { nlist: MAX_NLIST },
        IndexPlan::IvfSq8 { nlist: MAX_NLIST },
    ] {
        let index = SegmentIndex::build_standalone(&plan, Metric::L2, DIM, &few)
            .unwrap_or_else(|e| panic!("{plan:?}: {e}"));
        assert_eq!(index.info().nlist, Some(1), "{plan:?}");
        let hits = index
            .search(q, usize::MAX, &SearchParams::default(), None)
            .expect("search");
        assert_eq!(hits[0].len(), 60, "{plan:?}");
    }
    // PQ needs 256 training rows: with 300, nlist = 300 / 39 = 7.
    let more = common::clustered(34, 300, DIM, 4, 0.15);
    let pq = IndexPlan::IvfPq {
        nlist: MAX_NLIST,
        m: 4,
    };
    let index = SegmentIndex::build_standalone(&pq, Metric::L2, DIM, &more).expect("pq");
    assert_eq!(index.info().nlist, Some(7));
    // With fewer it is an error value, not an abort.
    assert!(matches!(
        SegmentIndex::build_standalone(&pq, Metric::L2, DIM, &few),
        Err(Error::NotEnoughTrainingRows { .. })
    ));
}
