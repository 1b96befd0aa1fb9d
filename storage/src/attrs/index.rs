//! [`AttrIndex`]: a sealed segment's attribute index, which turns a [`BoundFilter`] into the
//! exact bitmap of matching rows.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Bound;

use roaring::{MultiOps, RoaringBitmap};

use super::bound::{BoundFilter, Node};
use super::columns::{bit_at, code_at, u64_at, ColumnParts, ColumnsReader};
use super::error::{Error, Result};
use super::schema::{validate, Schema};
use super::value::{FieldType, Value};

/// What the index keeps for one field.
#[derive(Debug)]
pub(super) enum Kind {
    /// Row numbers sorted by value (ties by row): a range is a slice found by binary search.
    Int { values: Vec<i64>, rows: Vec<u32> },
    /// The same for floats, sorted by `total_cmp` (no NaN).
    Float { values: Vec<f64>, rows: Vec<u32> },
    Bool {
        trues: RoaringBitmap,
        falses: RoaringBitmap,
    },
    /// Keyword → rows holding it.
    Keyword(HashMap<String, RoaringBitmap>),
    /// Keyword → rows whose list contains it.
    List(HashMap<String, RoaringBitmap>),
}

#[derive(Debug)]
pub(super) struct FieldIndex {
    /// Rows where the field is null.
    pub(super) nulls: RoaringBitmap,
    pub(super) kind: Kind,
}

/// The attribute index of one segment: per field, a null bitmap and
/// - Keyword: a posting bitmap per distinct keyword;
/// - KeywordList: a posting bitmap per distinct element;
/// - Int, Float: the non-null rows sorted by value, for ranges by binary search;
/// - Bool: the rows holding `true` and those holding `false`.
///
/// Built once per sealed segment ([`AttrIndex::from_columns`]) and immutable after, so it can be
/// shared by every snapshot and query (`Send + Sync`). Fields the segment was written without
/// (appended to the schema later) are null in all its rows.
#[derive(Debug)]
pub struct AttrIndex {
    pub(super) rows: u32,
    pub(super) fields: Vec<FieldIndex>,
}

/// A result of [`AttrIndex::eval`]: a bitmap of the index's (a posting list, the null rows, the
/// universe) is lent rather than copied; only a node that computes something owns its result.
type Bits<'a> = Cow<'a, RoaringBitmap>;

/// Below one row to place in this many of the segment's, a bitmap is built from a list of row
/// numbers by sorting it; from there on, by setting (or clearing) bits in a dense byte bitmap
/// that roaring then reads a 65,536-row container at a time
/// ([`RoaringBitmap::from_lsb0_bytes`]). The dense way costs a pass over `rows / 8` bytes
/// whatever the count, but no sort, and no per-row push (which in builds with debug assertions,
/// e.g. the dev profile, rescans a container's words per row). `eval_bench`'s
/// `bitmap_of_bench` puts the crossover between one row in 256 and one in 1,024. (Bitmaps are
/// combined with roaring's own operations: reading one row by row into bytes costs more.)
const DENSE_BELOW_ONE_IN: u64 = 512;

/// Whether placing `count` rows in a bitmap of `universe` rows is best done densely.
/// (`from_lsb0_bytes` takes at most 2^32 - 8 bits.)
fn dense_pays(count: usize, universe: u32) -> bool {
    (count as u64).saturating_mul(DENSE_BELOW_ONE_IN) >= u64::from(universe) && universe < 1 << 31
}

/// The bitmap of the row numbers in `slices`: each below `universe`, in any order, duplicates
/// allowed.
fn bitmap_of(slices: &[&[u32]], universe: u32) -> RoaringBitmap {
    let total: usize = slices.iter().map(|s| s.len()).sum();
    if total == 0 {
        RoaringBitmap::new()
    } else if dense_pays(total, universe) {
        dense(universe, false, slices)
    } else {
        bitmap_sorted(slices)
    }
}

/// The rows of `0..universe` in none of `slices` (row numbers in any order, duplicates
/// allowed).
fn all_but(universe: u32, slices: &[&[u32]]) -> RoaringBitmap {
    let total: usize = slices.iter().map(|s| s.len()).sum();
    if total == 0 {
        full(universe)
    } else if dense_pays(total, universe) {
        dense(universe, true, slices)
    } else {
        full(universe) - bitmap_sorted(slices)
    }
}

/// [`bitmap_of`] by sorting the row numbers.
pub(super) fn bitmap_sorted(slices: &[&[u32]]) -> RoaringBitmap {
    let mut sorted = Vec::with_capacity(slices.iter().map(|s| s.len()).sum());
    for s in slices {
        sorted.extend_from_slice(s);
    }
    sorted.sort_unstable();
    sorted.dedup();
    RoaringBitmap::from_sorted_iter(sorted.iter().copied())
        .unwrap_or_else(|_| sorted.iter().copied().collect())
}

/// Built in a dense byte bitmap of rows `0..universe`: the rows of `slices` if not
/// `complement`, else all rows but those. Rows at or past `universe` are ignored.
pub(super) fn dense(universe: u32, complement: bool, slices: &[&[u32]]) -> RoaringBitmap {
    let len = universe.div_ceil(8) as usize;
    let rows = slices.iter().flat_map(|s| s.iter());
    let mut bytes;
    if complement {
        bytes = vec![0xFFu8; len];
        for &r in rows {
            if let Some(b) = bytes.get_mut((r / 8) as usize) {
                *b &= !(1 << (r % 8));
            }
        }
    } else {
        bytes = vec![0u8; len];
        for &r in rows {
            if let Some(b) = bytes.get_mut((r / 8) as usize) {
                *b |= 1 << (r % 8);
            }
        }
    }
    if !universe.is_multiple_of(8) {
        if let Some(last) = bytes.last_mut() {
            *last &= (1u8 << (universe % 8)) - 1;
        }
    }
    RoaringBitmap::from_lsb0_bytes(0, &bytes)
}

/// The rows of `0..rows` not in `bitmap`, as a dense bitmap: bit `r % 8` of byte `r / 8` set
/// means row `r` is not in `bitmap` (the layout of Faiss's `IDSelectorBitmap`, e.g. for a
/// search's excluded rows). Bits past `rows` in the last byte are set.
///
/// A bitmap held mostly in run containers is cleared a run at a time (a whole byte at a time
/// inside a run); any other row by row, which `eval_bench`'s `complement_bytes_bench` measures
/// as cheaper there than walking its short runs.
pub fn complement_bytes(bitmap: &RoaringBitmap, rows: usize) -> Vec<u8> {
    let mut bytes = vec![0xFFu8; rows.div_ceil(8)];
    let stats = bitmap.statistics();
    if stats.n_bitset_containers > 0 {
        // Dense containers (over 4,096 of a 65,536-row block) go word by word from roaring's
        // portable serialisation: a filter matching half of 15,000 rows cost 20–30 µs a query
        // row by row (a tenth of a graph search at that selectivity).
        if clear_serialized(bitmap, &mut bytes).is_some() {
            return bytes;
        }
        bytes.fill(0xFF);
    }
    if u64::from(stats.n_values_run_containers) * 2 < stats.cardinality {
        for r in bitmap.iter() {
            if let Some(b) = bytes.get_mut(r as usize / 8) {
                *b &= !(1 << (r % 8));
            }
        }
        return bytes;
    }
    let mut iter = bitmap.iter();
    while let Some(run) = iter.next_range() {
        if !clear_range(&mut bytes, *run.start() as usize, *run.end() as usize) {
            break;
        }
    }
    bytes
}

/// Clear bits `first..=last` of `bytes` (those past its end ignored); `false` when `first` is
/// already past the end.
fn clear_range(bytes: &mut [u8], first: usize, last: usize) -> bool {
    let end = bytes.len() * 8;
    if first >= end {
        return false;
    }
    let last = last.min(end - 1);
    let (a, b) = (first / 8, last / 8);
    // Bits first % 8 ..= 7 of byte a, 0 ..= last % 8 of byte b.
    let head = 0xFFu8 << (first % 8);
    let tail = 0xFFu8 >> (7 - last % 8);
    if a == b {
        if let Some(x) = bytes.get_mut(a) {
            *x &= !(head & tail);
        }
    } else {
        if let Some(x) = bytes.get_mut(a) {
            *x &= !head;
        }
        if let Some(mid) = bytes.get_mut(a + 1..b) {
            mid.fill(0);
        }
        if let Some(x) = bytes.get_mut(b) {
            *x &= !tail;
        }
    }
    true
}

/// Clear the bits of `bitmap`'s rows in `bytes`, reading roaring's portable serialisation
/// (github.com/RoaringBitmap/RoaringFormatSpec): bitset containers a 64-bit word at a time,
/// arrays a row at a time, runs a range at a time. `None` if the bytes do not parse as that
/// format (the caller falls back to iterating).
///
/// ```text
/// cookie u32: 12346 → container count u32 follows, no run containers, offsets present
///             12347 | (count − 1) << 16 → a bitset of which containers are runs; offsets
///                                          present only from 4 containers
/// per container: key u16 (row >> 16), cardinality − 1 u16;  then offsets (u32 each, skipped)
/// bodies: run: count u16, (start u16, length − 1 u16)…; bitset (cardinality > 4096):
///         1,024 little-endian u64; array: cardinality × u16
/// ```
fn clear_serialized(bitmap: &RoaringBitmap, bytes: &mut [u8]) -> Option<()> {
    let mut buf = Vec::with_capacity(bitmap.serialized_size());
    bitmap.serialize_into(&mut buf).ok()?;
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = buf.get(at..at.checked_add(n)?)?;
        at += n;
        Some(s)
    };
    let u16_at = |b: &[u8], i: usize| -> Option<u16> {
        Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
    };
    let cookie = u32::from_le_bytes(take(4)?.try_into().ok()?);
    let (count, runs) = if cookie == 12_346 {
        (u32::from_le_bytes(take(4)?.try_into().ok()?) as usize, None)
    } else if cookie & 0xFFFF == 12_347 {
        let count = (cookie >> 16) as usize + 1;
        (count, Some(take(count.div_ceil(8))?.to_vec()))
    } else {
        return None;
    };
    let headers = take(count * 4)?.to_vec();
    if runs.is_none() || count >= 4 {
        take(count * 4)?;
    }
    for c in 0..count {
        let key = usize::from(u16_at(&headers, c * 4)?);
        let cardinality = usize::from(u16_at(&headers, c * 4 + 2)?) + 1;
        let base = key << 16;
        let is_run = runs
            .as_ref()
            .is_some_and(|r| r.get(c / 8).is_some_and(|b| b & (1 << (c % 8)) != 0));
        if is_run {
            let n = usize::from(u16_at(take(2)?, 0)?);
            let body = take(n * 4)?;
            for r in 0..n {
                let start = usize::from(u16_at(body, r * 4)?);
                let length = usize::from(u16_at(body, r * 4 + 2)?);
                clear_range(bytes, base + start, base + start + length);
            }
        } else if cardinality > 4_096 {
            let body = take(8 * 1_024)?;
            let first = base / 8;
            for (word, chunk) in body.chunks_exact(8).enumerate() {
                let Some(dst) = bytes.get_mut(first + word * 8..) else {
                    break;
                };
                for (d, &m) in dst.iter_mut().zip(chunk) {
                    *d &= !m;
                }
            }
        } else {
            let body = take(cardinality * 2)?;
            for v in 0..cardinality {
                let row = base + usize::from(u16_at(body, v * 2)?);
                if let Some(b) = bytes.get_mut(row / 8) {
                    *b &= !(1 << (row % 8));
                }
            }
        }
    }
    Some(())
}

/// `a AND b`, computed in whichever operand is already owned.
fn and<'a>(a: Bits<'a>, b: Bits<'a>) -> Bits<'a> {
    Cow::Owned(match (a, b) {
        (Cow::Owned(mut a), b) => {
            a &= &*b;
            a
        }
        (Cow::Borrowed(a), Cow::Owned(mut b)) => {
            b &= a;
            b
        }
        (Cow::Borrowed(a), Cow::Borrowed(b)) => a & b,
    })
}

/// `a OR b`, computed in whichever operand is already owned.
fn or<'a>(a: Bits<'a>, b: Bits<'a>) -> Bits<'a> {
    Cow::Owned(match (a, b) {
        (Cow::Owned(mut a), Cow::Owned(b)) => {
            a |= b;
            a
        }
        (Cow::Owned(mut a), Cow::Borrowed(b)) | (Cow::Borrowed(b), Cow::Owned(mut a)) => {
            a |= b;
            a
        }
        (Cow::Borrowed(a), Cow::Borrowed(b)) => a | b,
    })
}

fn full(rows: u32) -> RoaringBitmap {
    let mut b = RoaringBitmap::new();
    b.insert_range(0..rows);
    b
}

/// A field index under construction.
enum Builder {
    Int(Vec<(i64, u32)>),
    Float(Vec<(f64, u32)>),
    Bool(RoaringBitmap, RoaringBitmap),
    Keyword(HashMap<String, RoaringBitmap>),
    List(HashMap<String, RoaringBitmap>),
}

impl Builder {
    fn new(ty: FieldType) -> Builder {
        match ty {
            FieldType::Int => Builder::Int(Vec::new()),
            FieldType::Float => Builder::Float(Vec::new()),
            FieldType::Bool => Builder::Bool(RoaringBitmap::new(), RoaringBitmap::new()),
            FieldType::Keyword => Builder::Keyword(HashMap::new()),
            FieldType::KeywordList => Builder::List(HashMap::new()),
        }
    }

    fn post(map: &mut HashMap<String, RoaringBitmap>, key: &str, row: u32) {
        match map.get_mut(key) {
            Some(b) => {
                b.insert(row);
            }
            None => {
                let mut b = RoaringBitmap::new();
                b.insert(row);
                map.insert(key.to_owned(), b);
            }
        }
    }

    /// Add row `row`'s non-null, already validated value.
    fn add(&mut self, row: u32, value: &Value) {
        match (self, value) {
            (Builder::Int(v), Value::Int(x)) => v.push((*x, row)),
            (Builder::Float(v), value) => {
                if let Some(x) = value.as_float() {
                    v.push((x, row));
                }
            }
            (Builder::Bool(t, f), Value::Bool(b)) => {
                if *b { t } else { f }.insert(row);
            }
            (Builder::Keyword(m), Value::Keyword(s)) => Self::post(m, s, row),
            (Builder::List(m), Value::KeywordList(list)) => {
                for s in list {
                    Self::post(m, s, row);
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> Kind {
        match self {
            Builder::Int(mut v) => {
                v.sort_unstable();
                Kind::Int {
                    values: v.iter().map(|p| p.0).collect(),
                    rows: v.iter().map(|p| p.1).collect(),
                }
            }
            Builder::Float(mut v) => {
                v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                Kind::Float {
                    values: v.iter().map(|p| p.0).collect(),
                    rows: v.iter().map(|p| p.1).collect(),
                }
            }
            Builder::Bool(trues, falses) => Kind::Bool { trues, falses },
            Builder::Keyword(m) => Kind::Keyword(m),
            Builder::List(m) => Kind::List(m),
        }
    }
}

/// Postings from a dictionary-coded column: `codes_of(row)` gives a row's codes.
fn postings(
    dict: &[&str],
    rows: usize,
    nulls: &[u8],
    mut codes_of: impl FnMut(usize, &mut dyn FnMut(u32)),
) -> HashMap<String, RoaringBitmap> {
    let mut lists: Vec<RoaringBitmap> = vec![RoaringBitmap::new(); dict.len()];
    for r in 0..rows {
        if bit_at(nulls, r) {
            continue;
        }
        codes_of(r, &mut |code| {
            if let Some(b) = lists.get_mut(code as usize) {
                // Rows arrive in order, so this appends; a repeated element of a row's list is
                // refused as not greater than the last, which is what we want.
                let _ = b.try_push(r as u32);
            }
        });
    }
    dict.iter()
        .zip(lists)
        .filter(|(_, b)| !b.is_empty())
        .map(|(s, b)| ((*s).to_owned(), b))
        .collect()
}

fn field_from_parts(parts: ColumnParts<'_>, rows: usize) -> FieldIndex {
    let mut nulls = RoaringBitmap::new();
    let null_bits = match &parts {
        ColumnParts::Int { nulls, .. }
        | ColumnParts::Float { nulls, .. }
        | ColumnParts::Bool { nulls, .. }
        | ColumnParts::Keyword { nulls, .. }
        | ColumnParts::List { nulls, .. } => *nulls,
    };
    for r in 0..rows {
        if bit_at(null_bits, r) {
            let _ = nulls.try_push(r as u32);
        }
    }
    let present = |r: usize| !bit_at(null_bits, r);
    let kind = match parts {
        ColumnParts::Int { values, .. } => {
            let mut b = Builder::Int(Vec::new());
            for r in (0..rows).filter(|&r| present(r)) {
                if let Some(v) = u64_at(values, r) {
                    b.add(r as u32, &Value::Int(v as i64));
                }
            }
            b.finish()
        }
        ColumnParts::Float { values, .. } => {
            let mut b = Builder::Float(Vec::new());
            for r in (0..rows).filter(|&r| present(r)) {
                if let Some(v) = u64_at(values, r) {
                    b.add(r as u32, &Value::Float(f64::from_bits(v)));
                }
            }
            b.finish()
        }
        ColumnParts::Bool { bits, .. } => {
            let (mut trues, mut falses) = (RoaringBitmap::new(), RoaringBitmap::new());
            for r in (0..rows).filter(|&r| present(r)) {
                let _ = if bit_at(bits, r) {
                    &mut trues
                } else {
                    &mut falses
                }
                .try_push(r as u32);
            }
            Kind::Bool { trues, falses }
        }
        ColumnParts::Keyword {
            dict, width, codes, ..
        } => Kind::Keyword(postings(&dict, rows, null_bits, |r, sink| {
            if let Some(c) = code_at(codes, r, width) {
                sink(c);
            }
        })),
        ColumnParts::List {
            dict,
            width,
            row_offsets,
            codes,
            ..
        } => Kind::List(postings(&dict, rows, null_bits, |r, sink| {
            let from = u64_at(row_offsets, r).unwrap_or(0) as usize;
            let to = u64_at(row_offsets, r + 1).unwrap_or(0) as usize;
            for k in from..to {
                if let Some(c) = code_at(codes, k, width) {
                    sink(c);
                }
            }
        })),
    };
    FieldIndex { nulls, kind }
}

impl AttrIndex {
    /// Build the index of a verified columns section (one pass over each column).
    pub fn from_columns<B: AsRef<[u8]>>(columns: &ColumnsReader<B>) -> AttrIndex {
        let rows = columns.rows();
        let fields = (0..columns.stored_fields())
            .map(|f| match columns.column_parts(f) {
                Some(parts) => field_from_parts(parts, rows as usize),
                // Unreachable for a verified section; an all-null field is the safe reading.
                None => FieldIndex {
                    nulls: full(rows),
                    kind: Kind::Keyword(HashMap::new()),
                },
            })
            .collect();
        AttrIndex { rows, fields }
    }

    /// Build the index of rows given as values in `schema` order (rows may be shorter than the
    /// schema: missing fields are null), e.g. for a frozen segment not yet sealed. Errors as
    /// [`super::encode_columns`]: a row longer than the schema, a value that does not fit its
    /// field, more than `u32::MAX` rows.
    pub fn from_rows<I>(schema: &Schema, rows: I) -> Result<AttrIndex>
    where
        I: IntoIterator,
        I::Item: AsRef<[Value]>,
    {
        let fields = schema.fields();
        let mut builders: Vec<(RoaringBitmap, Builder)> = fields
            .iter()
            .map(|f| (RoaringBitmap::new(), Builder::new(f.ty)))
            .collect();
        let mut n: u32 = 0;
        for row in rows {
            let values = row.as_ref();
            if values.len() > fields.len() {
                return Err(Error::invalid_value(
                    "",
                    format!(
                        "row {n} has {} values, the schema has {} fields",
                        values.len(),
                        fields.len()
                    ),
                ));
            }
            if n == u32::MAX {
                return Err(Error::invalid_value("", "more than 2^32 - 1 rows"));
            }
            for (i, (field, (nulls, builder))) in fields.iter().zip(&mut builders).enumerate() {
                let value = values.get(i).unwrap_or(&Value::Null);
                validate(field, value)?;
                if value.is_null() {
                    let _ = nulls.try_push(n);
                } else {
                    builder.add(n, value);
                }
            }
            n += 1;
        }
        Ok(AttrIndex {
            rows: n,
            fields: builders
                .into_iter()
                .map(|(nulls, b)| FieldIndex {
                    nulls,
                    kind: b.finish(),
                })
                .collect(),
        })
    }

    /// Rows indexed.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Approximate heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let map_bytes = |m: &HashMap<String, RoaringBitmap>| {
            m.iter()
                .map(|(k, b)| k.len() + 48 + b.serialized_size())
                .sum::<usize>()
        };
        self.fields
            .iter()
            .map(|f| {
                f.nulls.serialized_size()
                    + match &f.kind {
                        Kind::Int { values, rows } => values.len() * 8 + rows.len() * 4,
                        Kind::Float { values, rows } => values.len() * 8 + rows.len() * 4,
                        Kind::Bool { trues, falses } => {
                            trues.serialized_size() + falses.serialized_size()
                        }
                        Kind::Keyword(m) | Kind::List(m) => map_bytes(m),
                    }
            })
            .sum()
    }

    /// The rows among `0..rows` that match `filter`: exactly those `r` for which
    /// [`BoundFilter::matches`] holds on row `r`'s values.
    ///
    /// `rows` is the part of the segment the caller's snapshot sees (normally
    /// [`AttrIndex::rows`]). Rows past the indexed ones read as all-null rows, fields the index
    /// does not have as null in every row. The caller removes deleted rows. A filter bound to a
    /// schema that does not [extend](Schema::extends) the segment's gives no rows for leaves
    /// whose types disagree.
    pub fn evaluate(&self, filter: &BoundFilter, rows: u32) -> RoaringBitmap {
        let universe = full(rows);
        let mut out = self.eval(&filter.root, rows, &universe).into_owned();
        if rows < self.rows {
            out.remove_range(rows..);
        }
        out
    }

    /// How many rows among `0..rows` match `filter`: the length of [`AttrIndex::evaluate`]'s
    /// bitmap, without building it for a lone range.
    pub fn count(&self, filter: &BoundFilter, rows: u32) -> u64 {
        if rows >= self.rows {
            // Rows past the index are null, which no range matches.
            if let Some((_, s, e)) = self.range(&filter.root) {
                return (e - s) as u64;
            }
        }
        let universe = full(rows);
        let out = self.eval(&filter.root, rows, &universe);
        if rows < self.rows {
            out.range_cardinality(..rows)
        } else {
            out.len()
        }
    }

    fn kind(&self, field: usize) -> Option<&Kind> {
        self.fields.get(field).map(|f| &f.kind)
    }

    /// Indexed rows where `field` is not null.
    fn present(&self, field: usize) -> RoaringBitmap {
        self.present_but(field, &[])
    }

    /// Indexed rows where `field` is not null and which are in none of `slices`.
    fn present_but(&self, field: usize, slices: &[&[u32]]) -> RoaringBitmap {
        match self.fields.get(field) {
            Some(f) => {
                let mut out = all_but(self.rows, slices);
                if !f.nulls.is_empty() {
                    out -= &f.nulls;
                }
                out
            }
            None => RoaringBitmap::new(),
        }
    }

    /// For an Int or Float range leaf on a field of that type: the field's rows in value order
    /// and the part `s..e` of them in the range. `None` for any other node.
    fn range(&self, node: &Node) -> Option<(&[u32], usize, usize)> {
        match (node, self.kind(node_field(node)?)?) {
            (Node::IntRange { lo, hi, .. }, Kind::Int { values, rows }) => {
                let (s, e) = int_span(values, *lo, *hi);
                Some((rows, s, e))
            }
            (Node::FloatRange { lo, hi, .. }, Kind::Float { values, rows }) => {
                let (s, e) = float_span(values, lo, hi);
                Some((rows, s, e))
            }
            _ => None,
        }
    }

    /// The bitmap of `rows[s..e]`, where `rows` are `field`'s non-null rows in value order.
    /// When the range holds most of them, the rows outside it are fewer to place: the result is
    /// then the field's non-null rows minus those.
    fn range_bitmap(&self, field: usize, rows: &[u32], s: usize, e: usize) -> RoaringBitmap {
        let e = e.max(s);
        if e - s > rows.len() / 2 {
            let below = rows.get(..s).unwrap_or(&[]);
            let above = rows.get(e..).unwrap_or(&[]);
            self.present_but(field, &[below, above])
        } else {
            bitmap_of(&[rows.get(s..e).unwrap_or(&[])], self.rows)
        }
    }

    fn int_range(&self, field: usize, lo: i64, hi: i64) -> RoaringBitmap {
        match self.kind(field) {
            Some(Kind::Int { values, rows }) => {
                let (s, e) = int_span(values, lo, hi);
                self.range_bitmap(field, rows, s, e)
            }
            _ => RoaringBitmap::new(),
        }
    }

    fn float_range(&self, field: usize, lo: &Bound<f64>, hi: &Bound<f64>) -> RoaringBitmap {
        match self.kind(field) {
            Some(Kind::Float { values, rows }) => {
                let (s, e) = float_span(values, lo, hi);
                self.range_bitmap(field, rows, s, e)
            }
            _ => RoaringBitmap::new(),
        }
    }

    /// The posting list of `key` (empty for a key no row holds or a field of another type).
    fn postings(&self, field: usize, key: &str, list: bool) -> Bits<'_> {
        match (self.kind(field), list) {
            (Some(Kind::Keyword(m)), false) | (Some(Kind::List(m)), true) => match m.get(key) {
                Some(b) => Cow::Borrowed(b),
                None => Cow::Owned(RoaringBitmap::new()),
            },
            _ => Cow::Owned(RoaringBitmap::new()),
        }
    }

    fn eval<'a>(&'a self, node: &Node, rows: u32, universe: &'a RoaringBitmap) -> Bits<'a> {
        let none = || Cow::Owned(RoaringBitmap::new());
        match node {
            Node::Const(true) => Cow::Borrowed(universe),
            Node::Const(false) => none(),
            Node::IsNull(field) => match self.fields.get(*field) {
                // Rows past `rows` are removed by the caller.
                Some(f) if rows <= self.rows => Cow::Borrowed(&f.nulls),
                Some(f) => {
                    let mut b = f.nulls.clone();
                    b.insert_range(self.rows..rows);
                    Cow::Owned(b)
                }
                None => Cow::Borrowed(universe),
            },
            Node::IntRange { field, lo, hi } => Cow::Owned(self.int_range(*field, *lo, *hi)),
            Node::IntNe { field, value } => match self.kind(*field) {
                Some(Kind::Int { values, rows }) => {
                    let (s, e) = int_span(values, *value, *value);
                    let eq = rows.get(s..e).unwrap_or(&[]);
                    Cow::Owned(self.present_but(*field, &[eq]))
                }
                _ => none(),
            },
            Node::IntIn { field, values } => match self.kind(*field) {
                Some(Kind::Int {
                    values: sorted,
                    rows: by_value,
                }) => {
                    let slices: Vec<&[u32]> = values
                        .iter()
                        .map(|v| {
                            let (s, e) = int_span(sorted, *v, *v);
                            by_value.get(s..e.max(s)).unwrap_or(&[])
                        })
                        .collect();
                    Cow::Owned(bitmap_of(&slices, self.rows))
                }
                _ => none(),
            },
            Node::FloatRange { field, lo, hi } => Cow::Owned(self.float_range(*field, lo, hi)),
            Node::FloatNe { field, value } => match self.kind(*field) {
                Some(Kind::Float { values, rows }) => {
                    let eq = Bound::Included(*value);
                    let (s, e) = float_span(values, &eq, &eq);
                    let eq = rows.get(s..e).unwrap_or(&[]);
                    Cow::Owned(self.present_but(*field, &[eq]))
                }
                _ => none(),
            },
            Node::FloatIn { field, values } => match self.kind(*field) {
                Some(Kind::Float {
                    values: sorted,
                    rows: by_value,
                }) => {
                    let slices: Vec<&[u32]> = values
                        .iter()
                        .map(|v| {
                            let eq = Bound::Included(*v);
                            let (s, e) = float_span(sorted, &eq, &eq);
                            by_value.get(s..e.max(s)).unwrap_or(&[])
                        })
                        .collect();
                    Cow::Owned(bitmap_of(&slices, self.rows))
                }
                _ => none(),
            },
            Node::BoolEq { field, value } => match self.kind(*field) {
                Some(Kind::Bool { trues, falses }) => {
                    Cow::Borrowed(if *value { trues } else { falses })
                }
                _ => none(),
            },
            Node::KeywordIn { field, values } => match values.as_slice() {
                [one] => self.postings(*field, one, false),
                _ => match self.kind(*field) {
                    Some(Kind::Keyword(m)) => {
                        Cow::Owned(values.iter().filter_map(|v| m.get(v)).union())
                    }
                    _ => none(),
                },
            },
            Node::KeywordNe { field, value } => {
                if matches!(self.kind(*field), Some(Kind::Keyword(_))) {
                    let mut out = self.present(*field);
                    out -= &*self.postings(*field, value, false);
                    Cow::Owned(out)
                } else {
                    none()
                }
            }
            Node::Contains { field, value } => self.postings(*field, value, true),
            Node::And(operands) => {
                let mut iter = operands.iter();
                let Some(first) = iter.next() else {
                    return Cow::Borrowed(universe);
                };
                let mut acc = self.eval(first, rows, universe);
                for n in iter {
                    if acc.is_empty() {
                        break;
                    }
                    acc = and(acc, self.eval(n, rows, universe));
                }
                acc
            }
            Node::Or(operands) => {
                let mut iter = operands.iter();
                let Some(first) = iter.next() else {
                    return none();
                };
                let mut acc = self.eval(first, rows, universe);
                for n in iter {
                    acc = or(acc, self.eval(n, rows, universe));
                }
                acc
            }
            Node::Not(inner) => Cow::Owned(universe - &*self.eval(inner, rows, universe)),
        }
    }
}

/// The field of a leaf node.
fn node_field(node: &Node) -> Option<usize> {
    match node {
        Node::IntRange { field, .. } | Node::FloatRange { field, .. } => Some(*field),
        _ => None,
    }
}

/// The part `s..e` of sorted `values` within `lo..=hi` (`s <= e`).
fn int_span(values: &[i64], lo: i64, hi: i64) -> (usize, usize) {
    let s = values.partition_point(|v| *v < lo);
    let e = values.partition_point(|v| *v <= hi);
    (s, e.max(s))
}

/// The part `s..e` of `values` (sorted by `total_cmp`, no NaN) within the bounds (`s <= e`).
fn float_span(values: &[f64], lo: &Bound<f64>, hi: &Bound<f64>) -> (usize, usize) {
    // In total_cmp order without NaN every predicate below is monotone (-0.0 and 0.0 are
    // neighbours and compare equal).
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
    (s, e.max(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::{encode_columns, Filter, Payload};

    fn schema() -> Schema {
        Schema::new()
            .with_field("folder", FieldType::Keyword)
            .and_then(|s| s.with_field("year", FieldType::Int))
            .and_then(|s| s.with_field("rating", FieldType::Float))
            .and_then(|s| s.with_field("done", FieldType::Bool))
            .and_then(|s| s.with_field("tags", FieldType::KeywordList))
            .expect("schema")
    }

    fn rows() -> Vec<Vec<Value>> {
        let s = schema();
        [
            Payload::new()
                .set("folder", "work")
                .set("year", 2024)
                .set("rating", 4.5)
                .set("done", true)
                .set("tags", ["rust", "db"]),
            Payload::new(),
            Payload::new()
                .set("folder", "home")
                .set("year", 2019)
                .set("rating", 2)
                .set("done", false)
                .set("tags", ["go"]),
            Payload::new()
                .set("folder", "work")
                .set("year", 2021)
                .set("tags", ["db", "db"]),
            Payload::new().set("year", 2021).set("rating", -0.0),
        ]
        .iter()
        .map(|p| s.check_payload(p).expect("check").into_values())
        .collect()
    }

    fn indexes() -> Vec<AttrIndex> {
        let s = schema();
        let rows = rows();
        let bytes = encode_columns(&s, &rows).expect("encode");
        let cols = ColumnsReader::open(&bytes, &s, rows.len() as u32).expect("open");
        vec![
            AttrIndex::from_rows(&s, &rows).expect("from rows"),
            AttrIndex::from_columns(&cols),
        ]
    }

    fn hits(index: &AttrIndex, text: &str, rows: u32) -> Vec<u32> {
        let f = schema()
            .check_filter(&Filter::parse(text).expect("parse"))
            .expect("bind");
        index.evaluate(&f, rows).iter().collect()
    }

    #[test]
    fn evaluates_examples() {
        for index in indexes() {
            assert_eq!(index.rows(), 5);
            for (text, want) in [
                ("folder = 'work'", &[0, 3][..]),
                ("folder != 'work'", &[2]),
                ("NOT folder = 'work'", &[1, 2, 4]),
                ("folder IN ('home', 'work', 'x')", &[0, 2, 3]),
                ("year >= 2020 AND year <= 2024", &[0, 3, 4]),
                ("year = 2021", &[3, 4]),
                ("year != 2021", &[0, 2]),
                ("year IN (2019, 2024)", &[0, 2]),
                ("rating >= 0", &[0, 2, 4]),
                ("rating = 0", &[4]),
                ("rating != 2", &[0, 4]),
                ("rating IN (2, 4.5)", &[0, 2]),
                ("rating < 0", &[]),
                ("done", &[0]),
                ("NOT done", &[1, 2, 3, 4]),
                ("done = false", &[2]),
                ("done != false", &[0]),
                ("tags CONTAINS 'db'", &[0, 3]),
                ("tags CONTAINS 'x'", &[]),
                ("tags IS NULL", &[1, 4]),
                ("folder IS NOT NULL AND year < 2022", &[2, 3]),
                ("folder = 'work' OR tags CONTAINS 'go'", &[0, 2, 3]),
                ("TRUE", &[0, 1, 2, 3, 4]),
                ("FALSE", &[]),
            ] {
                assert_eq!(hits(&index, text, 5), want, "{text}");
            }
            assert_eq!(
                index.count(
                    &schema()
                        .check_filter(&Filter::eq("folder", "work"))
                        .expect("bind"),
                    5
                ),
                2
            );
            assert!(index.heap_bytes() > 0);
        }
    }

    #[test]
    fn rows_argument_limits_and_extends() {
        for index in indexes() {
            assert_eq!(hits(&index, "folder = 'work'", 3), [0]);
            assert_eq!(hits(&index, "NOT folder = 'work'", 3), [1, 2]);
            assert_eq!(hits(&index, "year IS NULL", 3), [1]);
            // Rows past the index read as all-null rows.
            assert_eq!(hits(&index, "year IS NULL", 7), [1, 5, 6]);
            assert_eq!(hits(&index, "NOT year = 2021", 7), [0, 1, 2, 5, 6]);
            assert_eq!(hits(&index, "year = 2021", 7), [3, 4]);
            assert_eq!(hits(&index, "TRUE", 0), Vec::<u32>::new());
        }
    }

    #[test]
    fn fields_added_later_are_null() {
        let mut newer = schema();
        newer.add_field("extra", FieldType::Int).expect("add");
        for index in indexes() {
            let f = |t: &str| {
                newer
                    .check_filter(&Filter::parse(t).expect("parse"))
                    .expect("bind")
            };
            assert_eq!(index.count(&f("extra IS NULL"), 5), 5);
            assert_eq!(index.count(&f("extra = 1"), 5), 0);
            assert_eq!(index.count(&f("NOT extra = 1"), 5), 5);
            assert_eq!(index.count(&f("extra != 1"), 5), 0);
        }
    }

    #[test]
    fn from_rows_checks_values() {
        let s = schema();
        assert!(AttrIndex::from_rows(&s, [vec![Value::Int(1)]]).is_err());
        assert!(AttrIndex::from_rows(&s, [vec![Value::Null; 6]]).is_err());
        let idx = AttrIndex::from_rows(&s, [vec![Value::Null, Value::Null, Value::Int(2)]])
            .expect("int in a float field");
        let f = s.check_filter(&Filter::eq("rating", 2.0)).expect("bind");
        assert_eq!(idx.count(&f, 1), 1);
    }
}
