//! Merging IVF segment indexes by list concatenation: the merged index is exactly the index
//! built on the concatenated (kept) rows from the same template — same bytes, same answers —
//! and indexes that do not share a template are refused.

mod common;

use kiln_index::{
    Error, ExpectedIndex, IndexPlan, IvfTemplate, MergePart, Metric, RowBitmap, SearchParams,
    SegmentIndex, VectorIndex,
};

const DIM: usize = 32;

fn template(plan: &IndexPlan, metric: Metric, seed: u64) -> IvfTemplate {
    let mut sample = common::clustered(seed, 3_000, DIM, 40, 0.1);
    if metric == Metric::Cosine {
        common::normalise(&mut sample, DIM);
    }
    IvfTemplate::train(plan, metric, DIM, &sample).expect("train")
}

fn rows(seed: u64, n: usize, metric: Metric) -> Vec<f32> {
    let mut x = common::clustered(seed, n, DIM, 40, 0.1);
    if metric == Metric::Cosine {
        common::normalise(&mut x, DIM);
    }
    x
}

/// The rows of `x` not in `deleted`, in order.
fn kept(x: &[f32], deleted: Option<&RowBitmap>) -> Vec<f32> {
    x.chunks_exact(DIM)
        .enumerate()
        .filter(|(r, _)| !deleted.is_some_and(|d| d.contains(*r as u32)))
        .flat_map(|(_, v)| v.iter().copied())
        .collect()
}

fn same_answers(a: &SegmentIndex, b: &SegmentIndex, queries: &[f32], nlist: usize) {
    for params in [
        SearchParams::default(),
        SearchParams {
            nprobe: Some(nlist),
            ef_search: None,
        },
        SearchParams {
            nprobe: Some(1),
            ef_search: None,
        },
    ] {
        for k in [1, 10, 1_000] {
            let ra = a.search(queries, k, &params, None).expect("search");
            let rb = b.search(queries, k, &params, None).expect("search");
            assert_eq!(ra, rb, "k={k} {params:?}");
        }
    }
}

fn check_merge_equals_rebuild(plan: IndexPlan, metric: Metric) {
    let t = template(&plan, metric, 1);
    let nlist = t.nlist();
    let parts = [
        rows(2, 700, metric),
        rows(3, 1, metric),
        rows(4, 1_300, metric),
    ];
    let deletions = [
        Some(RowBitmap::from_rows((0..700).filter(|r| r % 7 == 3))),
        None,
        Some(RowBitmap::from_rows([0, 1, 2, 1_299, 5_000])),
    ];
    let queries = rows(9, 20, metric);

    for with_deletes in [false, true] {
        let inputs: Vec<MergePart<'_>> = parts
            .iter()
            .zip(&deletions)
            .map(|(x, d)| MergePart {
                index: SegmentIndex::build(&t, x).expect("build part"),
                deleted: if with_deletes { d.as_ref() } else { None },
            })
            .collect();
        let merged = SegmentIndex::merge(inputs).expect("merge");

        let concat: Vec<f32> = parts
            .iter()
            .zip(&deletions)
            .flat_map(|(x, d)| kept(x, if with_deletes { d.as_ref() } else { None }))
            .collect();
        let rebuilt = SegmentIndex::build(&t, &concat).expect("rebuild");
        assert_eq!(merged.info(), rebuilt.info());
        assert_eq!(
            merged.to_bytes().expect("bytes"),
            rebuilt.to_bytes().expect("bytes"),
            "{plan:?} {metric:?} deletes={with_deletes}: merged bytes differ from a rebuild"
        );
        same_answers(&merged, &rebuilt, &queries, nlist);
    }
}

#[test]
fn merged_ivf_flat_equals_rebuild() {
    check_merge_equals_rebuild(IndexPlan::IvfFlat { nlist: 16 }, Metric::L2);
    check_merge_equals_rebuild(IndexPlan::IvfFlat { nlist: 16 }, Metric::Cosine);
}

#[test]
fn merged_ivf_sq8_equals_rebuild() {
    check_merge_equals_rebuild(IndexPlan::IvfSq8 { nlist: 16 }, Metric::L2);
    check_merge_equals_rebuild(IndexPlan::IvfSq8 { nlist: 16 }, Metric::InnerProduct);
}

#[test]
fn merged_ivf_pq_equals_rebuild() {
    check_merge_equals_rebuild(IndexPlan::IvfPq { nlist: 16, m: 8 }, Metric::L2);
    check_merge_equals_rebuild(IndexPlan::IvfPq { nlist: 16, m: 8 }, Metric::Cosine);
}

#[test]
fn merging_many_sparse_lists_switches_size_encoding() {
    // 300 lists and few rows: the lists are stored "sparse"; dropping rows keeps them so, and
    // a merge that fills most lists switches to "full".
    let plan = IndexPlan::IvfFlat { nlist: 300 };
    let t = template(&plan, Metric::L2, 5);
    let a = rows(6, 50, Metric::L2);
    let b = rows(7, 2_000, Metric::L2);
    let del = RowBitmap::from_rows(0..1_990);
    let merged = SegmentIndex::merge(vec![
        MergePart {
            index: SegmentIndex::build(&t, &a).expect("a"),
            deleted: None,
        },
        MergePart {
            index: SegmentIndex::build(&t, &b).expect("b"),
            deleted: Some(&del),
        },
    ])
    .expect("merge");
    let concat: Vec<f32> = a.iter().chain(&b[1_990 * DIM..]).copied().collect();
    let rebuilt = SegmentIndex::build(&t, &concat).expect("rebuild");
    assert_eq!(merged.info().rows, 60);
    assert_eq!(
        merged.to_bytes().expect("bytes"),
        rebuilt.to_bytes().expect("bytes")
    );
}

#[test]
fn merge_of_everything_deleted_is_empty() {
    let t = template(&IndexPlan::IvfFlat { nlist: 8 }, Metric::L2, 1);
    let x = rows(2, 100, Metric::L2);
    let all = RowBitmap::from_rows(0..100);
    let merged = SegmentIndex::merge(vec![
        MergePart {
            index: SegmentIndex::build(&t, &x).expect("build"),
            deleted: Some(&all),
        },
        MergePart {
            index: SegmentIndex::build(&t, &[]).expect("empty"),
            deleted: None,
        },
    ])
    .expect("merge");
    assert_eq!(merged.info().rows, 0);
    let r = merged
        .search(&x[..DIM], 5, &SearchParams::default(), None)
        .expect("search");
    assert_eq!(r, vec![vec![]]);
}

#[test]
fn merge_after_a_round_trip_through_bytes() {
    let t = template(&IndexPlan::IvfSq8 { nlist: 16 }, Metric::Cosine, 1);
    let a = rows(2, 500, Metric::Cosine);
    let b = rows(3, 400, Metric::Cosine);
    let load = |x: &[f32]| {
        let bytes = SegmentIndex::build(&t, x)
            .expect("build")
            .to_bytes()
            .expect("bytes");
        SegmentIndex::from_bytes(
            &bytes,
            &ExpectedIndex {
                dim: DIM,
                rows: x.len() / DIM,
                metric: Metric::Cosine,
            },
        )
        .expect("from bytes")
    };
    let del = RowBitmap::from_rows([10, 20, 30]);
    let merged = SegmentIndex::merge(vec![
        MergePart {
            index: load(&a),
            deleted: Some(&del),
        },
        MergePart {
            index: load(&b),
            deleted: None,
        },
    ])
    .expect("merge");
    let concat: Vec<f32> = kept(&a, Some(&del)).into_iter().chain(b).collect();
    let rebuilt = SegmentIndex::build(&t, &concat).expect("rebuild");
    assert_eq!(
        merged.to_bytes().expect("bytes"),
        rebuilt.to_bytes().expect("bytes")
    );
}

#[test]
fn merge_refuses_indexes_without_a_shared_template() {
    let plan = IndexPlan::IvfFlat { nlist: 8 };
    let t1 = template(&plan, Metric::L2, 1);
    let t2 = template(&plan, Metric::L2, 2);
    let x = rows(3, 400, Metric::L2);
    let not_mergeable = |parts: Vec<MergePart<'_>>| {
        let err = SegmentIndex::merge(parts).expect_err("must be refused");
        assert!(matches!(err, Error::NotMergeable { .. }), "{err}");
    };
    let part = |index| MergePart {
        index,
        deleted: None,
    };
    // Another training run: different centroids.
    not_mergeable(vec![
        part(SegmentIndex::build(&t1, &x).expect("a")),
        part(SegmentIndex::build(&t2, &x).expect("b")),
    ]);
    // Same centroids would not be enough for SQ8 (codebooks): another kind is refused anyway.
    let sq = template(&IndexPlan::IvfSq8 { nlist: 8 }, Metric::L2, 1);
    not_mergeable(vec![
        part(SegmentIndex::build(&t1, &x).expect("a")),
        part(SegmentIndex::build(&sq, &x).expect("b")),
    ]);
    // HNSW and Flat have no shared quantizer: rebuild instead.
    let hnsw = IndexPlan::Hnsw {
        m: 8,
        ef_construction: 40,
    };
    not_mergeable(vec![
        part(SegmentIndex::build_standalone(&hnsw, Metric::L2, DIM, &x).expect("h1")),
        part(SegmentIndex::build_standalone(&hnsw, Metric::L2, DIM, &x).expect("h2")),
    ]);
    not_mergeable(vec![part(
        SegmentIndex::build_standalone(&IndexPlan::Flat, Metric::L2, DIM, &x).expect("flat"),
    )]);
    // A factory IVF is standalone too.
    not_mergeable(vec![part(
        SegmentIndex::build_standalone(
            &IndexPlan::Factory("IVF8,Flat".into()),
            Metric::L2,
            DIM,
            &x,
        )
        .expect("factory"),
    )]);
    assert!(matches!(
        SegmentIndex::merge(Vec::new()),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn try_clone_keeps_the_source_searchable() {
    let t = template(&IndexPlan::IvfFlat { nlist: 8 }, Metric::L2, 1);
    let a = SegmentIndex::build(&t, &rows(2, 300, Metric::L2)).expect("a");
    let b = SegmentIndex::build(&t, &rows(3, 300, Metric::L2)).expect("b");
    let q = rows(4, 3, Metric::L2);
    let before = a.search(&q, 5, &SearchParams::default(), None).expect("s");
    let merged = SegmentIndex::merge(vec![
        MergePart {
            index: a.try_clone().expect("clone"),
            deleted: None,
        },
        MergePart {
            index: b.try_clone().expect("clone"),
            deleted: None,
        },
    ])
    .expect("merge");
    assert_eq!(merged.info().rows, 600);
    assert_eq!(
        a.search(&q, 5, &SearchParams::default(), None).expect("s"),
        before
    );
    assert_eq!(b.info().rows, 300);
}
