//! `AttrIndex::evaluate` against the implementation it replaced, side by side in one process:
//! results must be equal, and `cargo test -p kiln-storage eval_bench -- --ignored --nocapture`
//! prints the ns per call of each (alternating rounds, best round each).
//!
//! Data as `filtered_bench`'s: `bucket` (Int) = `(r · 2654435761) mod 10000`, so
//! `bucket < t` matches t / 10000 of the rows, in no order of row; `score` (Float) =
//! `bucket / 10000`; `tag` (Keyword) = one of 10 values; `tags` (KeywordList) = two elements,
//! one of 4 values and one of 50.

use std::hint::black_box;
use std::ops::Bound;
use std::time::{Duration, Instant};

use roaring::RoaringBitmap;

use super::bound::{BoundFilter, Node};
use super::index::Kind;
use super::*;

/// The evaluation as it was before (kept verbatim but for names), for the comparison.
mod legacy {
    use super::*;

    fn bitmap_of(rows: &[u32]) -> RoaringBitmap {
        let mut sorted = rows.to_vec();
        sorted.sort_unstable();
        RoaringBitmap::from_sorted_iter(sorted.iter().copied())
            .unwrap_or_else(|_| sorted.iter().copied().collect())
    }

    fn full(rows: u32) -> RoaringBitmap {
        let mut b = RoaringBitmap::new();
        b.insert_range(0..rows);
        b
    }

    pub fn evaluate(ix: &AttrIndex, filter: &BoundFilter, rows: u32) -> RoaringBitmap {
        let universe = full(rows);
        let mut out = eval(ix, &filter.root, rows, &universe);
        if rows < ix.rows {
            out.remove_range(rows..);
        }
        out
    }

    fn kind(ix: &AttrIndex, field: usize) -> Option<&Kind> {
        ix.fields.get(field).map(|f| &f.kind)
    }

    fn present(ix: &AttrIndex, field: usize) -> RoaringBitmap {
        match ix.fields.get(field) {
            Some(f) => full(ix.rows) - &f.nulls,
            None => RoaringBitmap::new(),
        }
    }

    fn int_range(ix: &AttrIndex, field: usize, lo: i64, hi: i64) -> RoaringBitmap {
        match kind(ix, field) {
            Some(Kind::Int { values, rows }) => {
                let s = values.partition_point(|v| *v < lo);
                let e = values.partition_point(|v| *v <= hi);
                bitmap_of(rows.get(s..e.max(s)).unwrap_or(&[]))
            }
            _ => RoaringBitmap::new(),
        }
    }

    fn float_range(
        ix: &AttrIndex,
        field: usize,
        lo: &Bound<f64>,
        hi: &Bound<f64>,
    ) -> RoaringBitmap {
        match kind(ix, field) {
            Some(Kind::Float { values, rows }) => {
                let s = match lo {
                    Bound::Included(l) => values.partition_point(|v| v < l),
                    Bound::Excluded(l) => values.partition_point(|v| v <= l),
                    Bound::Unbounded => 0,
                };
                let e = match hi {
                    Bound::Included(h) => values.partition_point(|v| v <= h),
                    Bound::Excluded(h) => values.partition_point(|v| v < h),
                    Bound::Unbounded => values.len(),
                };
                bitmap_of(rows.get(s..e.max(s)).unwrap_or(&[]))
            }
            _ => RoaringBitmap::new(),
        }
    }

    fn postings(ix: &AttrIndex, field: usize, key: &str, list: bool) -> RoaringBitmap {
        match (kind(ix, field), list) {
            (Some(Kind::Keyword(m)), false) | (Some(Kind::List(m)), true) => {
                m.get(key).cloned().unwrap_or_default()
            }
            _ => RoaringBitmap::new(),
        }
    }

    fn eval(ix: &AttrIndex, node: &Node, rows: u32, universe: &RoaringBitmap) -> RoaringBitmap {
        match node {
            Node::Const(true) => universe.clone(),
            Node::Const(false) => RoaringBitmap::new(),
            Node::IsNull(field) => {
                let mut b = match ix.fields.get(*field) {
                    Some(f) => f.nulls.clone(),
                    None => universe.clone(),
                };
                if rows > ix.rows {
                    b.insert_range(ix.rows..rows);
                }
                b
            }
            Node::IntRange { field, lo, hi } => int_range(ix, *field, *lo, *hi),
            Node::IntNe { field, value } => {
                if matches!(kind(ix, *field), Some(Kind::Int { .. })) {
                    present(ix, *field) - int_range(ix, *field, *value, *value)
                } else {
                    RoaringBitmap::new()
                }
            }
            Node::IntIn { field, values } => values
                .iter()
                .map(|v| int_range(ix, *field, *v, *v))
                .fold(RoaringBitmap::new(), |a, b| a | b),
            Node::FloatRange { field, lo, hi } => float_range(ix, *field, lo, hi),
            Node::FloatNe { field, value } => {
                if matches!(kind(ix, *field), Some(Kind::Float { .. })) {
                    let eq = Bound::Included(*value);
                    present(ix, *field) - float_range(ix, *field, &eq, &eq)
                } else {
                    RoaringBitmap::new()
                }
            }
            Node::FloatIn { field, values } => values
                .iter()
                .map(|v| float_range(ix, *field, &Bound::Included(*v), &Bound::Included(*v)))
                .fold(RoaringBitmap::new(), |a, b| a | b),
            Node::BoolEq { field, value } => match kind(ix, *field) {
                Some(Kind::Bool { trues, falses }) => if *value { trues } else { falses }.clone(),
                _ => RoaringBitmap::new(),
            },
            Node::KeywordIn { field, values } => values
                .iter()
                .map(|v| postings(ix, *field, v, false))
                .fold(RoaringBitmap::new(), |a, b| a | b),
            Node::KeywordNe { field, value } => {
                if matches!(kind(ix, *field), Some(Kind::Keyword(_))) {
                    present(ix, *field) - postings(ix, *field, value, false)
                } else {
                    RoaringBitmap::new()
                }
            }
            Node::Contains { field, value } => postings(ix, *field, value, true),
            Node::And(operands) => {
                let mut iter = operands.iter();
                let Some(first) = iter.next() else {
                    return universe.clone();
                };
                let mut acc = eval(ix, first, rows, universe);
                for n in iter {
                    if acc.is_empty() {
                        break;
                    }
                    acc &= eval(ix, n, rows, universe);
                }
                acc
            }
            Node::Or(operands) => {
                let mut acc = RoaringBitmap::new();
                for n in operands {
                    acc |= eval(ix, n, rows, universe);
                }
                acc
            }
            Node::Not(inner) => universe - eval(ix, inner, rows, universe),
        }
    }
}

fn schema() -> Schema {
    Schema::new()
        .with_field("bucket", FieldType::Int)
        .and_then(|s| s.with_field("score", FieldType::Float))
        .and_then(|s| s.with_field("tag", FieldType::Keyword))
        .and_then(|s| s.with_field("tags", FieldType::KeywordList))
        .expect("schema")
}

fn index(rows: u64) -> AttrIndex {
    let s = schema();
    let rows: Vec<Vec<Value>> = (0..rows)
        .map(|r| {
            let bucket = ((r * 2_654_435_761) % 10_000) as i64;
            vec![
                Value::Int(bucket),
                Value::Float(bucket as f64 / 10_000.0),
                Value::from(format!("t{}", (r * 7) % 10)),
                Value::from(vec![format!("a{}", r % 4), format!("b{}", (r * 13) % 50)]),
            ]
        })
        .collect();
    let section = encode_columns(&s, &rows).expect("encode");
    let cols = ColumnsReader::open(&section[..], &s, rows.len() as u32).expect("open");
    AttrIndex::from_columns(&cols)
}

const CASES: [&str; 16] = [
    "bucket < 5000",
    "bucket < 1000",
    "bucket < 100",
    "bucket < 10",
    "bucket >= 1000",
    "score < 0.5",
    "bucket IN (1, 5, 9, 500, 777, 9999)",
    "bucket != 7",
    "tag = 't3'",
    "tag IN ('t1', 't3', 't5')",
    "tag != 't3'",
    "tags CONTAINS 'a1'",
    "tags CONTAINS 'b7'",
    "bucket < 5000 AND tag = 't3'",
    "NOT tag = 't3'",
    "NOT bucket < 100",
];

/// Nanoseconds per call of `f`: the best of `rounds` rounds of about 20 ms each.
fn time(mut f: impl FnMut() -> u64, calls: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        black_box(f());
    }
    start.elapsed().as_nanos() as f64 / f64::from(calls)
}

#[test]
fn new_evaluation_equals_the_old_on_bench_data() {
    let s = schema();
    for n in [7_500u64, 20_000, 70_000] {
        let ix = index(n);
        for text in CASES {
            let f = s
                .check_filter(&Filter::parse(text).expect("parse"))
                .expect("bind");
            for rows in [n as u32, n as u32 / 3, n as u32 + 5] {
                let new = ix.evaluate(&f, rows);
                assert_eq!(
                    new,
                    legacy::evaluate(&ix, &f, rows),
                    "{text} over {rows} rows"
                );
                assert_eq!(ix.count(&f, rows), new.len(), "{text} over {rows} rows");
            }
        }
    }
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
#[allow(clippy::print_stdout)] // a benchmark's report
fn eval_bench() {
    let s = schema();
    let target = Duration::from_millis(20);
    for n in [7_500u64, 15_000, 100_000] {
        let ix = index(n);
        let rows = n as u32;
        println!(
            "{n} rows: ns per call, old evaluate / new evaluate / new count (best of 7 rounds)"
        );
        for text in CASES {
            let f = s
                .check_filter(&Filter::parse(text).expect("parse"))
                .expect("bind");
            let matches = ix.evaluate(&f, rows).len();
            // Calls per round: about `target` of the old code's time.
            let once = time(|| legacy::evaluate(&ix, &f, rows).len(), 3);
            let calls = ((target.as_nanos() as f64 / once.max(1.0)) as u32).clamp(3, 1_000_000);
            let (mut old, mut new, mut count) = (f64::MAX, f64::MAX, f64::MAX);
            for _ in 0..7 {
                old = old.min(time(|| legacy::evaluate(&ix, &f, rows).len(), calls));
                new = new.min(time(|| ix.evaluate(&f, rows).len(), calls));
                count = count.min(time(|| ix.count(&f, rows), calls));
            }
            println!(
                "  {text:<38} {matches:>7} rows  {old:>10.0} {new:>10.0} {count:>10.0}  x{:.1}",
                old / new
            );
        }
    }
}

/// Where building a bitmap by sorting row numbers stops being cheaper than setting bits in a
/// dense bitmap (`DENSE_BELOW_ONE_IN`).
#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
#[allow(clippy::print_stdout)] // a benchmark's report
fn bitmap_of_bench() {
    use super::index::{bitmap_sorted, dense};
    for n in [7_500u32, 15_000, 100_000, 1_000_000] {
        println!("{n} rows: ns per bitmap, sorted / dense, by rows in the bitmap");
        for one_in in [4u32, 16, 32, 64, 128, 256, 1024] {
            let k = n / one_in;
            // Row numbers in no order, as a range of `bucket` gives them.
            let rows: Vec<u32> = (0..n)
                .map(|r| ((u64::from(r) * 2_654_435_761) % u64::from(n)) as u32)
                .take(k as usize)
                .collect();
            let calls = (20_000_000 / (k as u64 * 20 + 2_000)).max(3) as u32;
            let (mut by_sort, mut by_bits) = (f64::MAX, f64::MAX);
            for _ in 0..5 {
                by_sort = by_sort.min(time(|| bitmap_sorted(&[&rows]).len(), calls));
                by_bits = by_bits.min(time(|| dense(n, false, &[&rows]).len(), calls));
            }
            println!("  1 in {one_in:>5}: {k:>7} rows  {by_sort:>10.0} {by_bits:>10.0}");
        }
    }
}

/// The engine's `not_in` as it was: one row at a time.
fn complement_bytes_by_row(m: &RoaringBitmap, rows: usize) -> Vec<u8> {
    let mut bytes = vec![0xFFu8; rows.div_ceil(8)];
    for r in m.iter() {
        if let Some(b) = bytes.get_mut(r as usize / 8) {
            *b &= !(1 << (r % 8));
        }
    }
    bytes
}

/// Bitmaps of `n` rows: random (a `bucket` range), in runs, and edge cases.
fn complement_inputs(n: u32) -> Vec<(String, RoaringBitmap)> {
    let ix = index(u64::from(n));
    let s = schema();
    let mut out = Vec::new();
    for text in [
        "bucket < 5000",
        "bucket < 1000",
        "bucket < 10",
        "NOT bucket < 10",
    ] {
        let f = s
            .check_filter(&Filter::parse(text).expect("parse"))
            .expect("bind");
        out.push((text.to_owned(), ix.evaluate(&f, n)));
    }
    let mut runs = RoaringBitmap::new();
    for start in (0..n).step_by(1_000) {
        runs.insert_range(start + 3..(start + 517).min(n));
    }
    out.push(("runs of 514 rows".to_owned(), runs));
    let mut all = RoaringBitmap::new();
    all.insert_range(0..n);
    out.push(("all rows".to_owned(), all));
    out.push(("none".to_owned(), RoaringBitmap::new()));
    // The same held in run containers where roaring finds them smaller.
    let optimized: Vec<_> = out
        .iter()
        .map(|(what, m)| {
            let mut m = m.clone();
            m.optimize();
            (format!("{what} (optimize)"), m)
        })
        .collect();
    out.extend(optimized);
    out
}

#[test]
fn complement_bytes_equals_row_by_row() {
    for n in [0u32, 1, 7, 8, 9, 63, 64, 65, 7_500, 70_001] {
        for (what, m) in complement_inputs(n) {
            for rows in [n as usize, n as usize / 2, n as usize + 13] {
                assert_eq!(
                    complement_bytes(&m, rows),
                    complement_bytes_by_row(&m, rows),
                    "{what} of {n} rows over {rows}"
                );
            }
        }
    }
    // Every run boundary within and across bytes.
    for first in 0..40u32 {
        for last in first..40 {
            let mut m = RoaringBitmap::new();
            m.insert_range(first..=last);
            m.insert(45);
            m.optimize();
            for rows in [0usize, 20, 41, 48, 60] {
                assert_eq!(
                    complement_bytes(&m, rows),
                    complement_bytes_by_row(&m, rows),
                    "{first}..={last} over {rows}"
                );
            }
        }
    }
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
#[allow(clippy::print_stdout)] // a benchmark's report
fn complement_bytes_bench() {
    for n in [7_500u32, 100_000] {
        println!("{n} rows: ns per dense complement, row by row / by runs (best of 7 rounds)");
        for (what, m) in complement_inputs(n) {
            let rows = n as usize;
            let calls = (20_000_000 / (m.len() * 3 + 2_000)).max(3) as u32;
            let (mut old, mut new) = (f64::MAX, f64::MAX);
            for _ in 0..7 {
                old = old.min(time(
                    || complement_bytes_by_row(&m, rows).len() as u64,
                    calls,
                ));
                new = new.min(time(|| complement_bytes(&m, rows).len() as u64, calls));
            }
            println!("  {what:<31} {:>7} rows  {old:>10.0} {new:>10.0}", m.len());
        }
    }
}
