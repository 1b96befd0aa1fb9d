//! Seeded randomised tests across the module:
//! - `AttrIndex::evaluate` (built from rows and from a columns section) agrees with
//!   `BoundFilter::matches` on every row, and both agree with a naive reference interpreter of
//!   the documented semantics working on the unbound `Filter`;
//! - `Filter::parse(&f.to_string()) == f` for random filters;
//! - the log-row and columns decoders survive truncated, bit-flipped, spliced and random bytes
//!   (with and without a repaired checksum) without panicking, and accept only consistent data.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::attrs::schema::validate;

const KEYWORDS: [&str; 6] = ["a", "b", "c", "", "ü x", "it's"];
const FLOATS: [f64; 9] = [
    -1.5,
    -0.0,
    0.0,
    1.0,
    2.5,
    3.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
];
const INTS: [i64; 8] = [-3, -1, 0, 1, 2, 3, i64::MIN, i64::MAX];

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    *xs.choose(rng).expect("non-empty")
}

fn random_type(rng: &mut ChaCha8Rng) -> FieldType {
    pick(rng, &FieldType::ALL)
}

fn random_schema(rng: &mut ChaCha8Rng) -> Schema {
    let mut s = Schema::new();
    for i in 0..rng.gen_range(1..=6) {
        s.add_field(format!("f{i}"), random_type(rng)).expect("add");
    }
    s
}

fn random_value(rng: &mut ChaCha8Rng, ty: FieldType) -> Value {
    match ty {
        FieldType::Keyword => Value::from(pick(rng, &KEYWORDS)),
        FieldType::Int => Value::Int(pick(rng, &INTS)),
        FieldType::Float => {
            if rng.gen_bool(0.2) {
                Value::Int(pick(rng, &INTS[..6]))
            } else {
                Value::Float(pick(rng, &FLOATS))
            }
        }
        FieldType::Bool => Value::Bool(rng.gen()),
        FieldType::KeywordList => Value::KeywordList(
            (0..rng.gen_range(0..4))
                .map(|_| pick(rng, &KEYWORDS).to_owned())
                .collect(),
        ),
    }
}

/// A random payload checked into a row; sometimes a row of an older schema (shorter).
fn random_row(rng: &mut ChaCha8Rng, schema: &Schema) -> CheckedRow {
    let mut p = Payload::new();
    let fields = if rng.gen_bool(0.1) {
        rng.gen_range(0..=schema.len())
    } else {
        schema.len()
    };
    for f in schema.fields().iter().take(fields) {
        if rng.gen_bool(0.7) {
            p.insert(f.name.clone(), random_value(rng, f.ty));
        }
    }
    let row = schema.check_payload(&p).expect("random payload fits");
    let mut values = row.into_values();
    if rng.gen_bool(0.1) {
        // As a row written before the last fields existed would be.
        let keep = values
            .iter()
            .rposition(|v| !v.is_null())
            .map_or(0, |i| i + 1);
        values.truncate(keep);
    }
    CheckedRow::from_checked(values)
}

/// A random literal: usually of the field's type, sometimes of any type.
fn random_literal(rng: &mut ChaCha8Rng, ty: Option<FieldType>) -> Value {
    match ty {
        Some(ty) if rng.gen_bool(0.85) => {
            let v = random_value(rng, ty);
            // A list literal only makes sense in CONTAINS, which takes a keyword instead.
            match v {
                Value::KeywordList(_) => Value::from(pick(rng, &KEYWORDS)),
                v => v,
            }
        }
        _ => {
            if rng.gen_bool(0.05) {
                Value::Null
            } else {
                let ty = random_type(rng);
                random_value(rng, ty)
            }
        }
    }
}

fn random_field_name(rng: &mut ChaCha8Rng, schema: &Schema) -> (String, Option<FieldType>) {
    if rng.gen_bool(0.03) {
        let name = pick(rng, &["zz", "and", "a b", "x\"y", "9"]);
        return (name.to_owned(), None);
    }
    let f = schema.fields().choose(rng).expect("schema has fields");
    (f.name.clone(), Some(f.ty))
}

fn random_filter(rng: &mut ChaCha8Rng, schema: &Schema, depth: u32) -> Filter {
    if depth > 0 && rng.gen_bool(0.45) {
        let sub = |rng: &mut ChaCha8Rng| random_filter(rng, schema, depth - 1);
        return match rng.gen_range(0..6) {
            0 => sub(rng) & sub(rng),
            1 => sub(rng) | sub(rng),
            2 => !sub(rng),
            3 => Filter::all(
                (0..rng.gen_range(0..4))
                    .map(|_| sub(rng))
                    .collect::<Vec<_>>(),
            ),
            4 => Filter::any(
                (0..rng.gen_range(0..4))
                    .map(|_| sub(rng))
                    .collect::<Vec<_>>(),
            ),
            _ => Filter::Not(Box::new(Filter::And(vec![sub(rng), sub(rng)]))),
        };
    }
    let (name, ty) = random_field_name(rng, schema);
    // Pick an operator that fits the type most of the time.
    let numeric = matches!(ty, Some(FieldType::Int | FieldType::Float));
    let lit = |rng: &mut ChaCha8Rng| random_literal(rng, ty);
    match rng.gen_range(0..12) {
        0 => Filter::eq(name, lit(rng)),
        1 => Filter::ne(name, lit(rng)),
        2 | 3 if numeric || rng.gen_bool(0.1) => {
            let v = lit(rng);
            match rng.gen_range(0..4) {
                0 => Filter::lt(name, v),
                1 => Filter::le(name, v),
                2 => Filter::gt(name, v),
                _ => Filter::ge(name, v),
            }
        }
        4 if numeric => {
            let (a, b) = (lit(rng), lit(rng));
            match rng.gen_range(0..4) {
                0 => Filter::range(name, a..b),
                1 => Filter::range(name, a..=b),
                2 => Filter::range(name, a..),
                _ => Filter::range(name, ..=b),
            }
        }
        5 | 6 => Filter::one_of(
            name,
            (0..rng.gen_range(0..4))
                .map(|_| lit(rng))
                .collect::<Vec<_>>(),
        ),
        7 | 8 if ty == Some(FieldType::KeywordList) || rng.gen_bool(0.1) => {
            let v = if rng.gen_bool(0.9) {
                Value::from(pick(rng, &KEYWORDS))
            } else {
                lit(rng)
            };
            Filter::contains(name, v)
        }
        9 => Filter::is_null(name),
        10 => Filter::is_not_null(name),
        _ => Filter::eq(name, lit(rng)),
    }
}

/// The documented semantics, straight from the unbound filter: a leaf on a null field is false
/// except IS NULL; NOT negates; Int fields compare integers; Float fields compare as f64 with
/// integer literals converted.
fn reference(filter: &Filter, schema: &Schema, row: &[Value]) -> bool {
    let value_of = |name: &str| {
        let i = schema
            .index_of(name)
            .expect("bound filters name known fields");
        row.get(i).cloned().unwrap_or(Value::Null)
    };
    let cmp = |v: &Value, op: CompareOp, lit: &Value| -> bool {
        use std::cmp::Ordering;
        let ord: Option<Ordering> = match (v, lit) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Float(a), l) => l.as_float().and_then(|b| a.partial_cmp(&b)),
            (Value::Bool(a), Value::Bool(b)) => {
                return match op {
                    CompareOp::Eq => a == b,
                    CompareOp::Ne => a != b,
                    _ => panic!("bound filters do not order booleans"),
                }
            }
            (Value::Keyword(a), Value::Keyword(b)) => {
                return match op {
                    CompareOp::Eq => a == b,
                    CompareOp::Ne => a != b,
                    _ => panic!("bound filters do not order keywords"),
                }
            }
            (Value::Null, _) => return false,
            other => panic!("bound filter compares {other:?}"),
        };
        let Some(ord) = ord else { return false };
        match op {
            CompareOp::Eq => ord == Ordering::Equal,
            CompareOp::Ne => ord != Ordering::Equal,
            CompareOp::Lt => ord == Ordering::Less,
            CompareOp::Le => ord != Ordering::Greater,
            CompareOp::Gt => ord == Ordering::Greater,
            CompareOp::Ge => ord != Ordering::Less,
        }
    };
    match filter {
        Filter::Compare { field, op, value } => cmp(&value_of(field), *op, value),
        Filter::OneOf { field, values } => {
            let v = value_of(field);
            values.iter().any(|l| cmp(&v, CompareOp::Eq, l))
        }
        Filter::Contains { field, value } => match (value_of(field), value) {
            (Value::KeywordList(list), Value::Keyword(k)) => list.contains(k),
            (Value::Null, _) => false,
            other => panic!("bound CONTAINS on {other:?}"),
        },
        Filter::IsNull { field } => value_of(field).is_null(),
        Filter::And(v) => v.iter().all(|f| reference(f, schema, row)),
        Filter::Or(v) => v.iter().any(|f| reference(f, schema, row)),
        Filter::Not(f) => !reference(f, schema, row),
    }
}

#[test]
fn index_matches_and_reference_agree_on_random_data() {
    let mut bound_count = 0usize;
    let mut rejected = 0usize;
    for seed in 0..60u64 {
        let mut rng = rng(seed);
        let schema = random_schema(&mut rng);
        let n = rng.gen_range(0..300usize);
        let rows: Vec<CheckedRow> = (0..n).map(|_| random_row(&mut rng, &schema)).collect();
        let n32 = n as u32;

        let from_rows = AttrIndex::from_rows(&schema, &rows).expect("index from rows");
        let section = encode_columns(&schema, &rows).expect("encode");
        let cols = ColumnsReader::open(&section[..], &schema, n32).expect("open");
        let from_cols = AttrIndex::from_columns(&cols);
        for (r, row) in rows.iter().enumerate() {
            let padded: Vec<Value> = (0..schema.len()).map(|i| row.get(i).clone()).collect();
            assert_eq!(
                cols.row(r as u32).values(),
                &padded[..],
                "seed {seed} row {r}"
            );
            let decoded = decode_row(&encode_row(row), &schema).expect("decode");
            assert_eq!(decoded.values(), &padded[..], "seed {seed} row {r}");
        }

        for _ in 0..80 {
            let filter = random_filter(&mut rng, &schema, 3);
            let text = filter.to_string();
            assert_eq!(
                Filter::parse(&text).as_ref(),
                Ok(&filter),
                "seed {seed}: {text}"
            );
            let bound = match schema.check_filter(&filter) {
                Ok(b) => b,
                Err(e) => {
                    assert!(
                        matches!(
                            e,
                            Error::UnknownField { .. }
                                | Error::FieldTypeMismatch { .. }
                                | Error::InvalidFilter { .. }
                        ),
                        "{e:?}"
                    );
                    rejected += 1;
                    continue;
                }
            };
            bound_count += 1;
            let expected: Vec<u32> = rows
                .iter()
                .enumerate()
                .filter(|(_, row)| {
                    let m = bound.matches(row.values());
                    assert_eq!(
                        m,
                        reference(&filter, &schema, row.values()),
                        "seed {seed}: {text} on {row:?}"
                    );
                    m
                })
                .map(|(r, _)| r as u32)
                .collect();
            if let Some(b) = bound.is_const() {
                assert!(rows.iter().all(|row| bound.matches(row.values()) == b));
            }
            for index in [&from_rows, &from_cols] {
                let got: Vec<u32> = index.evaluate(&bound, n32).iter().collect();
                assert_eq!(got, expected, "seed {seed}: {text}");
                assert_eq!(index.count(&bound, n32), expected.len() as u64);
                // A shorter view, and one with extra (all-null) rows.
                let half = n32 / 2;
                let got: Vec<u32> = index.evaluate(&bound, half).iter().collect();
                let want: Vec<u32> = expected.iter().copied().filter(|&r| r < half).collect();
                assert_eq!(got, want, "seed {seed}: {text} over {half} rows");
                let null_matches = bound.matches(&[]);
                let got: Vec<u32> = index.evaluate(&bound, n32 + 3).iter().collect();
                let mut want = expected.clone();
                if null_matches {
                    want.extend(n32..n32 + 3);
                }
                assert_eq!(got, want, "seed {seed}: {text} over {} rows", n32 + 3);
            }
        }
    }
    // The generator must exercise both paths substantially.
    assert!(bound_count > 2000, "{bound_count} filters bound");
    assert!(rejected > 200, "{rejected} filters rejected");
}

#[test]
fn display_round_trips_through_parse() {
    let mut rng = rng(7);
    for _ in 0..3000 {
        let schema = random_schema(&mut rng);
        let f = random_filter(&mut rng, &schema, 4);
        let text = f.to_string();
        assert_eq!(Filter::parse(&text), Ok(f), "{text}");
    }
}

/// Random text over the filter language's tokens and some junk: the parser never panics, and
/// whatever it accepts prints back to text that parses to the same filter.
#[test]
fn parser_survives_random_text() {
    const PIECES: [&str; 32] = [
        "a",
        "done",
        "\"q\"\"x\"",
        " AND ",
        " or ",
        "NOT ",
        "(",
        ")",
        "[",
        "]",
        ",",
        " = ",
        "!=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        "==",
        " IN ",
        " CONTAINS ",
        " IS ",
        " NULL",
        "'s''x'",
        "-",
        "12",
        "-3.5e2",
        "1e999",
        "TRUE",
        "false",
        "é",
        "'",
    ];
    let mut rng = rng(11);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let text: String = (0..rng.gen_range(0..12))
            .map(|_| pick(&mut rng, &PIECES))
            .collect();
        if let Ok(f) = Filter::parse(&text) {
            accepted += 1;
            assert_eq!(Filter::parse(&f.to_string()), Ok(f), "{text}");
        }
    }
    assert!(accepted > 200, "{accepted}");
}

fn mutate(rng: &mut ChaCha8Rng, seed: &[u8], donor: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..rng.gen_range(1..4) {
        match rng.gen_range(0..6) {
            0 | 1 if !b.is_empty() => {
                let i = rng.gen_range(0..b.len());
                b[i] ^= 1 << rng.gen_range(0..8);
            }
            2 if !b.is_empty() => {
                let i = rng.gen_range(0..b.len());
                b[i] = rng.gen();
            }
            3 if !b.is_empty() => {
                let n = rng.gen_range(0..b.len());
                b.truncate(n);
            }
            4 => {
                let n = rng.gen_range(1..16);
                b.extend((0..n).map(|_| rng.gen::<u8>()));
            }
            _ if !b.is_empty() && !donor.is_empty() => {
                // Splice a piece of another valid encoding in.
                let at = rng.gen_range(0..b.len());
                let from = rng.gen_range(0..donor.len());
                let n = rng.gen_range(1..=(donor.len() - from).min(16));
                let end = (at + n).min(b.len());
                b.splice(at..end, donor[from..from + n].iter().copied());
            }
            _ => {}
        }
    }
    b
}

/// Make the trailing CRC of a columns section match its body again.
fn repair_crc(b: &mut [u8]) {
    if b.len() >= 4 {
        let body = b.len() - 4;
        let crc = crc32fast::hash(&b[..body]);
        b[body..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Everything a verified reader offers, exercised (must not panic).
fn use_reader(cols: &ColumnsReader<&[u8]>, schema: &Schema) {
    let index = AttrIndex::from_columns(cols);
    for r in 0..cols.rows().min(64) {
        let row = cols.row(r);
        for (f, v) in schema.fields().iter().zip(row.values()) {
            assert!(validate(f, v).is_ok(), "reader produced {v:?} for {f:?}");
        }
        let _ = cols.payload(r);
    }
    for f in schema.fields() {
        let filter = schema
            .check_filter(&Filter::is_not_null(f.name.clone()))
            .expect("bind");
        let n = index.count(&filter, cols.rows());
        assert!(n <= u64::from(cols.rows()));
    }
}

#[test]
fn decoders_survive_mutations() {
    let mut rng = rng(3);
    let mut accepted_rows = 0;
    let mut accepted_sections = 0;
    for round in 0..200 {
        let schema = random_schema(&mut rng);
        let rows: Vec<CheckedRow> = (0..rng.gen_range(0..40))
            .map(|_| random_row(&mut rng, &schema))
            .collect();
        let n = rows.len() as u32;
        let section = encode_columns(&schema, &rows).expect("encode");
        let encoded: Vec<Vec<u8>> = rows.iter().map(encode_row).collect();
        let donor = encoded.first().cloned().unwrap_or_default();
        for i in 0..50 {
            // Log rows.
            if let Some(good) = encoded.get(i % encoded.len().max(1)) {
                let bad = mutate(&mut rng, good, &section);
                if let Ok(row) = decode_row(&bad, &schema) {
                    accepted_rows += 1;
                    assert_eq!(row.values().len(), schema.len());
                    for (f, v) in schema.fields().iter().zip(row.values()) {
                        assert!(validate(f, v).is_ok(), "decoded {v:?} for {f:?}");
                    }
                }
            }
            // Columns sections: unrepaired damage is always refused (the CRC), repaired damage
            // exercises the structural checks behind it.
            let mut bad = mutate(&mut rng, &section, &donor);
            let repaired = rng.gen_bool(0.7);
            if repaired {
                repair_crc(&mut bad);
            }
            match ColumnsReader::open(&bad[..], &schema, n) {
                Ok(cols) => {
                    assert!(
                        repaired || bad == section,
                        "round {round}: damage not caught"
                    );
                    accepted_sections += 1;
                    use_reader(&cols, &schema);
                }
                Err(e) => assert!(matches!(e, Error::Corrupted { .. })),
            }
            // The same bytes under another schema and row count.
            let other = random_schema(&mut rng);
            if let Ok(cols) = ColumnsReader::open(&bad[..], &other, n) {
                use_reader(&cols, &other);
            }
        }
    }
    // Some mutations are harmless (a flipped value bit in a row); most are not.
    assert!(accepted_rows > 0 && accepted_sections > 0);
}

#[test]
fn decoders_survive_random_bytes() {
    let mut rng = rng(5);
    for i in 0..10_000 {
        let schema = Schema::fuzz_schema(rng.gen());
        let len = rng.gen_range(0..200);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        if i % 2 == 0 && bytes.len() >= 28 {
            // A plausible header, so the structural checks are reached.
            bytes[..8].copy_from_slice(&COLUMNS_MAGIC);
            bytes[8..10].copy_from_slice(&COLUMNS_VERSION.to_le_bytes());
            bytes[10..12].fill(0);
            bytes[12..16].copy_from_slice(&(rng.gen_range(0..6u32)).to_le_bytes());
            bytes[16..20].copy_from_slice(&(rng.gen_range(0..10u32)).to_le_bytes());
            bytes[20..24].fill(0);
            repair_crc(&mut bytes);
        }
        if i % 3 == 0 && !bytes.is_empty() {
            bytes[0] = ROW_CODEC_VERSION;
        }
        let _ = decode_row(&bytes, &schema);
        let rows = bytes
            .get(16..20)
            .map_or(0, |b| u32::from_le_bytes(b.try_into().expect("4 bytes")));
        if let Ok(cols) = ColumnsReader::open(&bytes[..], &schema, rows) {
            use_reader(&cols, &schema);
        }
        fuzz_decoders(&bytes);
    }
}

#[test]
fn fuzz_entry_point_accepts_valid_input() {
    // The fuzz entry point's schema for pick 0 is one Keyword field; a valid section for it
    // must get through to the index.
    let schema = Schema::fuzz_schema(0);
    let rows = vec![vec![Value::from("x")], vec![Value::Null]];
    let section = encode_columns(&schema, &rows).expect("encode");
    let mut input = vec![0u8];
    input.extend_from_slice(&section);
    fuzz_decoders(&input);
    assert!(ColumnsReader::open(&section[..], &schema, 2).is_ok());
}

/// A random Int literal near the values of `wide_segments_agree_with_row_by_row_matching`.
fn int_near(rng: &mut ChaCha8Rng, spread: i64) -> i64 {
    match rng.gen_range(0..10) {
        0 => pick(rng, &[i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 1]),
        1 => pick(rng, &[-spread - 1, spread + 1, 0]),
        _ => rng.gen_range(-spread..=spread),
    }
}

/// Segments large enough for every way `AttrIndex` builds a bitmap (by sorting row numbers or
/// in a dense byte bitmap; a range holding most rows as the complement of the rows outside it;
/// complements and unions densely or by roaring's operations) and for several 65,536-row
/// containers: the index's rows are exactly those `BoundFilter::matches` accepts, for ranges
/// that are empty, full, at the values' extremes (i64::MIN/MAX, ±infinity, -0.0), on fields
/// with and without nulls.
#[test]
fn wide_segments_agree_with_row_by_row_matching() {
    let schema = Schema::new()
        .with_field("i", FieldType::Int)
        .and_then(|s| s.with_field("f", FieldType::Float))
        .and_then(|s| s.with_field("k", FieldType::Keyword))
        .and_then(|s| s.with_field("l", FieldType::KeywordList))
        .expect("schema");
    let sizes = [
        0usize, 1, 7, 9, 511, 513, 4_095, 4_097, 9_000, 65_535, 65_537, 140_000,
    ];
    for (seed, &n) in sizes.iter().enumerate() {
        let mut rng = rng(1_000 + seed as u64);
        let spread: i64 = pick(&mut rng, &[3, 1_000, 1_000_000]);
        let keys: u32 = pick(&mut rng, &[3, 600, 20_000]);
        let nulls = pick(&mut rng, &[0.0, 0.002, 0.1]);
        let rows: Vec<Vec<Value>> = (0..n)
            .map(|_| {
                let i = Value::Int(match rng.gen_range(0..50) {
                    0 => i64::MIN,
                    1 => i64::MAX,
                    _ => rng.gen_range(-spread..=spread),
                });
                let f = Value::Float(match rng.gen_range(0..50) {
                    0 => f64::NEG_INFINITY,
                    1 => f64::INFINITY,
                    2 => -0.0,
                    _ => rng.gen_range(-spread..=spread) as f64 / 4.0,
                });
                let k = Value::from(format!("k{}", rng.gen_range(0..keys)));
                let l = Value::from(vec![
                    format!("k{}", rng.gen_range(0..keys)),
                    format!("k{}", rng.gen_range(0..3)),
                ]);
                [i, f, k, l]
                    .into_iter()
                    .map(|v| if rng.gen_bool(nulls) { Value::Null } else { v })
                    .collect()
            })
            .collect();
        let n32 = n as u32;
        let section = encode_columns(&schema, &rows).expect("encode");
        let cols = ColumnsReader::open(&section[..], &schema, n32).expect("open");
        let indexes = [
            AttrIndex::from_rows(&schema, &rows).expect("index from rows"),
            AttrIndex::from_columns(&cols),
        ];
        let key = |rng: &mut ChaCha8Rng| format!("k{}", rng.gen_range(0..keys + 1));
        let float = |rng: &mut ChaCha8Rng| match rng.gen_range(0..8) {
            0 => pick(rng, &[f64::NEG_INFINITY, f64::INFINITY, -0.0, 0.0]),
            _ => int_near(rng, spread) as f64 / 4.0,
        };
        for _ in 0..60 {
            let leaf = |rng: &mut ChaCha8Rng| match rng.gen_range(0..14) {
                0 => Filter::lt("i", int_near(rng, spread)),
                1 => Filter::ge("i", int_near(rng, spread)),
                2 => {
                    let (a, b) = (int_near(rng, spread), int_near(rng, spread));
                    Filter::range("i", a..=b)
                }
                3 => Filter::range("i", i64::MIN..=i64::MAX),
                4 => Filter::ne("i", int_near(rng, spread)),
                5 => Filter::one_of(
                    "i",
                    (0..rng.gen_range(1..6))
                        .map(|_| int_near(rng, spread))
                        .collect::<Vec<_>>(),
                ),
                6 => {
                    let (a, b) = (float(rng), float(rng));
                    Filter::range("f", a..b)
                }
                7 => Filter::gt("f", float(rng)),
                8 => Filter::ne("f", float(rng)),
                9 => Filter::one_of("f", vec![float(rng), float(rng), -0.0]),
                10 => Filter::eq("k", key(rng)),
                11 => Filter::ne("k", key(rng)),
                12 => Filter::one_of(
                    "k",
                    (0..rng.gen_range(1..5))
                        .map(|_| key(rng))
                        .collect::<Vec<_>>(),
                ),
                _ => match rng.gen_range(0..3) {
                    0 => Filter::contains("l", key(rng)),
                    1 => Filter::is_null(pick(rng, &["i", "f", "k", "l"])),
                    _ => Filter::is_not_null(pick(rng, &["i", "f", "k", "l"])),
                },
            };
            let filter = match rng.gen_range(0..6) {
                0 => !leaf(&mut rng),
                1 => leaf(&mut rng) & leaf(&mut rng),
                2 => leaf(&mut rng) | leaf(&mut rng),
                3 => !(leaf(&mut rng) | !leaf(&mut rng)),
                _ => leaf(&mut rng),
            };
            let bound = schema.check_filter(&filter).expect("bind");
            let expected: Vec<u32> = rows
                .iter()
                .enumerate()
                .filter(|(_, row)| bound.matches(row))
                .map(|(r, _)| r as u32)
                .collect();
            let null_matches = bound.matches(&[]);
            for index in &indexes {
                for view in [n32, n32 / 3, n32 + 9] {
                    let mut want: Vec<u32> =
                        expected.iter().copied().filter(|&r| r < view).collect();
                    if null_matches {
                        want.extend(n32..view);
                    }
                    let got = index.evaluate(&bound, view);
                    assert_eq!(
                        got.iter().collect::<Vec<_>>(),
                        want,
                        "n {n}: {filter} over {view} rows"
                    );
                    assert_eq!(
                        index.count(&bound, view),
                        want.len() as u64,
                        "n {n}: {filter} over {view} rows"
                    );
                }
            }
        }
    }
}
