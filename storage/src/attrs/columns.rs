//! The attribute columns of a sealed segment: [`encode_columns`] and the verifying
//! [`ColumnsReader`].
//!
//! ```text
//! Attribute columns section, version 1. All integers little-endian; offsets are from the start
//! of the section, which needs no alignment (values are read with from_le_bytes).
//!
//! offset      size          field
//! 0           8             magic "KILNATTR"
//! 8           2             section version (u16) = 1
//! 10          2             reserved, 0
//! 12          4             field count F (u32): the schema's fields when written, a prefix of
//!                           the reader's schema; the reader's later fields are all null
//! 16          4             row count R (u32)
//! 20          4             reserved, 0
//! 24          24 * F        field directory, one entry per field in schema order:
//!               +0    1       type code (1 Keyword, 2 Int, 3 Float, 4 Bool, 5 KeywordList)
//!               +1    1       name length N (1..=64)
//!               +2    6       reserved, 0
//!               +8    8       column offset (u64)
//!               +16   8       column length (u64)
//! 24 + 24F    sum of N      field names (ASCII), concatenated in field order
//! C           ..            the columns, in field order, back to back: column 0 starts at C,
//!                           each next one where the previous ended
//! E           4             CRC32 (IEEE, crc32fast) of bytes [0, E)
//! section length = E + 4
//!
//! Every column starts with a null bitmap of B = ceil(R / 8) bytes: bit (r % 8) of byte r / 8
//! set means row r is null; bits past R are 0. Then, by type:
//!
//! Int          8 * R        i64 per row (0 for a null row)
//! Float        8 * R        f64 per row, never NaN (+0.0 for a null row)
//! Bool         B            value bitmap, same bit order (0 for a null row, 0 past R)
//! Keyword      4            dictionary size D (u32)
//!              1            code width W: 1 if D <= 2^8, 2 if D <= 2^16, else 4
//!              3            reserved, 0
//!              8 * (D + 1)  dictionary offsets (u64): 0 = o_0 <= o_1 <= ... <= o_D = S
//!              S            dictionary bytes: entry d is bytes [o_d, o_d+1), UTF-8 of at most
//!                           65,535 bytes; entries strictly increasing in byte order
//!              W * R        per row, the dictionary code (< D; 0 for a null row)
//! KeywordList  4            dictionary size D (u32)
//!              1            code width W, as for Keyword
//!              3            reserved, 0
//!              8            element count E (u64)
//!              8 * (D + 1)  dictionary offsets, as for Keyword
//!              S            dictionary bytes, as for Keyword
//!              8 * (R + 1)  row offsets into the elements (u64): 0 = e_0 <= ... <= e_R = E; row
//!                           r's list is elements [e_r, e_r+1), at most 65,535 of them, empty
//!                           for a null row
//!              W * E        per element, its dictionary code (< D), rows' lists in order with
//!                           duplicates kept
//! ```
//!
//! Only the encoder writes this, so a reader insists on its exact output: every length, offset,
//! reserved field, padding bit, dictionary order and code is checked at open, after the CRC.

use std::collections::HashMap;

use super::error::{Error, Result};
use super::schema::{validate, CheckedRow, Schema, MAX_KEYWORD_LEN, MAX_LIST_LEN};
use super::value::{FieldType, Payload, Value};

/// The section's magic.
pub const COLUMNS_MAGIC: [u8; 8] = *b"KILNATTR";
/// The section version [`encode_columns`] writes and [`ColumnsReader`] reads.
pub const COLUMNS_VERSION: u16 = 1;

const HEADER_LEN: usize = 24;
const DIR_ENTRY_LEN: usize = 24;
const CRC_LEN: usize = 4;

fn code_width(dict_len: usize) -> usize {
    if dict_len <= 1 << 8 {
        1
    } else if dict_len <= 1 << 16 {
        2
    } else {
        4
    }
}

fn bitmap_len(rows: usize) -> usize {
    rows.div_ceil(8)
}

fn set_bit(bitmap: &mut [u8], row: usize) {
    if let Some(b) = bitmap.get_mut(row / 8) {
        *b |= 1 << (row % 8);
    }
}

/// A dictionary under construction: strings in first-seen order, then sorted by `finish`.
#[derive(Default)]
struct DictBuilder {
    ids: HashMap<String, u32>,
    strings: Vec<String>,
}

impl DictBuilder {
    fn code(&mut self, s: &str) -> Result<u32> {
        if let Some(&c) = self.ids.get(s) {
            return Ok(c);
        }
        let c = u32::try_from(self.strings.len())
            .map_err(|_| Error::invalid_value("", "more than 2^32 distinct keywords"))?;
        self.ids.insert(s.to_owned(), c);
        self.strings.push(s.to_owned());
        Ok(c)
    }

    /// Sort the dictionary; returns the sorted strings and old code → new code.
    fn finish(self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.strings.len() as u32).collect();
        order.sort_unstable_by(|a, b| {
            let sa = self.strings.get(*a as usize).map_or("", String::as_str);
            let sb = self.strings.get(*b as usize).map_or("", String::as_str);
            sa.cmp(sb)
        });
        let mut remap = vec![0u32; order.len()];
        for (new, old) in order.iter().enumerate() {
            if let Some(slot) = remap.get_mut(*old as usize) {
                *slot = new as u32;
            }
        }
        let mut strings = self.strings;
        let mut sorted = Vec::with_capacity(strings.len());
        for old in &order {
            sorted.push(std::mem::take(
                strings.get_mut(*old as usize).unwrap_or(&mut String::new()),
            ));
        }
        (sorted, remap)
    }
}

enum ColumnBuilder {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Bool(Vec<u8>),
    Keyword {
        dict: DictBuilder,
        codes: Vec<u32>,
    },
    List {
        dict: DictBuilder,
        row_ends: Vec<u64>,
        codes: Vec<u32>,
    },
}

fn put_dict(out: &mut Vec<u8>, strings: &[String]) {
    let mut off = 0u64;
    out.extend_from_slice(&off.to_le_bytes());
    for s in strings {
        off += s.len() as u64;
        out.extend_from_slice(&off.to_le_bytes());
    }
    for s in strings {
        out.extend_from_slice(s.as_bytes());
    }
}

fn put_codes(out: &mut Vec<u8>, codes: &[u32], remap: &[u32], width: usize) {
    for c in codes {
        let code = remap.get(*c as usize).copied().unwrap_or(0);
        let le = code.to_le_bytes();
        out.extend_from_slice(le.get(..width).unwrap_or(&le));
    }
}

/// Encode the attribute values of a segment's rows, in row order, as a columns section.
///
/// Each item of `rows` is one row's values in `schema` order: a [`CheckedRow`] (or a
/// `Vec<Value>`, a `&[Value]`, ...). A row may be shorter than the schema (its missing fields
/// are null), e.g. one read under an older schema; a longer row, a value that does not fit
/// its field ([`Schema::check_payload`]'s rules) or more than `u32::MAX` rows is an error.
/// Write the result into the segment file; read it back with [`ColumnsReader::open`].
pub fn encode_columns<I>(schema: &Schema, rows: I) -> Result<Vec<u8>>
where
    I: IntoIterator,
    I::Item: AsRef<[Value]>,
{
    let fields = schema.fields();
    let mut nulls: Vec<Vec<u8>> = vec![Vec::new(); fields.len()];
    let mut columns: Vec<ColumnBuilder> = fields
        .iter()
        .map(|f| match f.ty {
            FieldType::Int => ColumnBuilder::Int(Vec::new()),
            FieldType::Float => ColumnBuilder::Float(Vec::new()),
            FieldType::Bool => ColumnBuilder::Bool(Vec::new()),
            FieldType::Keyword => ColumnBuilder::Keyword {
                dict: DictBuilder::default(),
                codes: Vec::new(),
            },
            FieldType::KeywordList => ColumnBuilder::List {
                dict: DictBuilder::default(),
                row_ends: Vec::new(),
                codes: Vec::new(),
            },
        })
        .collect();
    let mut n_rows: usize = 0;
    for row in rows {
        let values = row.as_ref();
        if values.len() > fields.len() {
            return Err(Error::invalid_value(
                "",
                format!(
                    "row {n_rows} has {} values, the schema has {} fields",
                    values.len(),
                    fields.len()
                ),
            ));
        }
        if n_rows >= u32::MAX as usize {
            return Err(Error::invalid_value("", "more than 2^32 - 1 rows"));
        }
        let r = n_rows;
        n_rows += 1;
        for ((field, (col, null_bits)), i) in fields
            .iter()
            .zip(columns.iter_mut().zip(nulls.iter_mut()))
            .zip(0..)
        {
            let value = values.get(i).unwrap_or(&Value::Null);
            validate(field, value)?;
            if r.is_multiple_of(8) {
                null_bits.push(0);
            }
            if value.is_null() {
                set_bit(null_bits, r);
            }
            match (col, value) {
                (ColumnBuilder::Int(v), value) => v.push(value.as_int().unwrap_or(0)),
                (ColumnBuilder::Float(v), value) => v.push(value.as_float().unwrap_or(0.0)),
                (ColumnBuilder::Bool(v), value) => {
                    if r.is_multiple_of(8) {
                        v.push(0);
                    }
                    if value.as_bool() == Some(true) {
                        set_bit(v, r);
                    }
                }
                (ColumnBuilder::Keyword { dict, codes }, value) => {
                    codes.push(match value.as_str() {
                        Some(s) => dict.code(s)?,
                        None => u32::MAX,
                    });
                }
                (
                    ColumnBuilder::List {
                        dict,
                        row_ends,
                        codes,
                    },
                    value,
                ) => {
                    for s in value.as_list().unwrap_or(&[]) {
                        codes.push(dict.code(s)?);
                    }
                    row_ends.push(codes.len() as u64);
                }
            }
        }
    }

    let rows_u32 = n_rows as u32;
    let dir_start = HEADER_LEN;
    let names_start = dir_start + DIR_ENTRY_LEN * fields.len();
    let mut out = Vec::new();
    out.extend_from_slice(&COLUMNS_MAGIC);
    out.extend_from_slice(&COLUMNS_VERSION.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    out.extend_from_slice(&rows_u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.resize(names_start, 0);
    for f in fields {
        out.extend_from_slice(f.name.as_bytes());
    }
    for (i, ((field, col), null_bits)) in fields.iter().zip(columns).zip(nulls).enumerate() {
        let start = out.len();
        out.extend_from_slice(&null_bits);
        match col {
            ColumnBuilder::Int(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            ColumnBuilder::Float(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            ColumnBuilder::Bool(v) => out.extend_from_slice(&v),
            ColumnBuilder::Keyword { dict, codes } => {
                let (strings, remap) = dict.finish();
                let width = code_width(strings.len());
                out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
                out.extend_from_slice(&[width as u8, 0, 0, 0]);
                put_dict(&mut out, &strings);
                // Null rows were given code u32::MAX, which `remap` does not have: they get 0.
                put_codes(&mut out, &codes, &remap, width);
            }
            ColumnBuilder::List {
                dict,
                row_ends,
                codes,
            } => {
                let (strings, remap) = dict.finish();
                let width = code_width(strings.len());
                out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
                out.extend_from_slice(&[width as u8, 0, 0, 0]);
                out.extend_from_slice(&(codes.len() as u64).to_le_bytes());
                put_dict(&mut out, &strings);
                out.extend_from_slice(&0u64.to_le_bytes());
                row_ends
                    .iter()
                    .for_each(|e| out.extend_from_slice(&e.to_le_bytes()));
                put_codes(&mut out, &codes, &remap, width);
            }
        }
        let len = out.len() - start;
        let entry = dir_start + DIR_ENTRY_LEN * i;
        let mut dir = [0u8; DIR_ENTRY_LEN];
        dir[0] = field.ty.code();
        dir[1] = field.name.len() as u8;
        dir[8..16].copy_from_slice(&(start as u64).to_le_bytes());
        dir[16..24].copy_from_slice(&(len as u64).to_le_bytes());
        if let Some(slot) = out.get_mut(entry..entry + DIR_ENTRY_LEN) {
            slot.copy_from_slice(&dir);
        }
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Where a verified dictionary lives.
#[derive(Debug, Clone, Copy)]
struct Dict {
    len: usize,
    offsets: usize,
    strings: usize,
}

/// Where a verified column's parts live (absolute offsets into the section).
#[derive(Debug, Clone, Copy)]
enum ColumnData {
    Int {
        values: usize,
    },
    Float {
        values: usize,
    },
    Bool {
        bits: usize,
    },
    Keyword {
        dict: Dict,
        width: usize,
        codes: usize,
    },
    List {
        dict: Dict,
        width: usize,
        row_offsets: usize,
        codes: usize,
    },
}

#[derive(Debug, Clone, Copy)]
struct Column {
    nulls: usize,
    data: ColumnData,
}

/// A verified attribute columns section over bytes `B` (a mapping, a `Vec<u8>`, a `&[u8]`, or
/// a wrapper of the engine's that derefs to the section inside a segment file): values are read
/// in place, nothing is copied at open.
///
/// [`ColumnsReader::open`] checks everything before the first read, so the accessors never fail:
/// they return null for a field or row out of range.
pub struct ColumnsReader<B> {
    bytes: B,
    schema: Schema,
    rows: u32,
    columns: Vec<Column>,
}

impl<B> std::fmt::Debug for ColumnsReader<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColumnsReader")
            .field("rows", &self.rows)
            .field("stored_fields", &self.columns.len())
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn le_code(b: &[u8], at: usize, width: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(width)?)?;
    let mut buf = [0u8; 4];
    buf.get_mut(..width)?.copy_from_slice(s);
    Some(u32::from_le_bytes(buf))
}

fn bit(b: &[u8], at: usize, row: usize) -> bool {
    b.get(at.saturating_add(row / 8))
        .is_some_and(|byte| byte & (1 << (row % 8)) != 0)
}

type V<T> = std::result::Result<T, String>;

/// A cursor over one column's bytes `[pos, end)` of the section.
struct Region<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl Region<'_> {
    /// Reserve `n` bytes, returning their absolute offset.
    fn take(&mut self, n: usize, what: &str) -> V<usize> {
        let at = self.pos;
        let next = at
            .checked_add(n)
            .filter(|&e| e <= self.end)
            .ok_or_else(|| format!("{what} ({n} bytes) runs past the column's end"))?;
        self.pos = next;
        Ok(at)
    }

    fn take_mul(&mut self, count: usize, size: usize, what: &str) -> V<usize> {
        let n = count
            .checked_mul(size)
            .ok_or_else(|| format!("{what} size overflows"))?;
        self.take(n, what)
    }

    fn u32(&mut self, what: &str) -> V<u32> {
        let at = self.take(4, what)?;
        le_u32(self.bytes, at).ok_or_else(|| format!("short {what}"))
    }

    fn u64(&mut self, what: &str) -> V<u64> {
        let at = self.take(8, what)?;
        le_u64(self.bytes, at).ok_or_else(|| format!("short {what}"))
    }
}

fn to_usize(v: u64, what: &str) -> V<usize> {
    usize::try_from(v).map_err(|_| format!("{what} {v} does not fit in memory"))
}

/// Check a bitmap of `rows` bits at `at`: bits past `rows` are zero.
fn check_padding_bits(bytes: &[u8], at: usize, rows: usize, what: &str) -> V<()> {
    let len = bitmap_len(rows);
    if !rows.is_multiple_of(8) {
        let last = bytes
            .get(at + len - 1)
            .ok_or_else(|| format!("short {what}"))?;
        if last >> (rows % 8) != 0 {
            return Err(format!("{what} has bits set past the last row"));
        }
    }
    Ok(())
}

/// Read and check a dictionary header's size and code width, then its offsets and strings.
fn check_dict(r: &mut Region<'_>, len: usize, width_byte: u8) -> V<(Dict, usize)> {
    let width = code_width(len);
    if usize::from(width_byte) != width {
        return Err(format!(
            "code width {width_byte} for a dictionary of {len}, expected {width}"
        ));
    }
    let count = len
        .checked_add(1)
        .ok_or_else(|| "dictionary size overflows".to_string())?;
    let offsets = r.take_mul(count, 8, "dictionary offsets")?;
    let total = le_u64(r.bytes, offsets.saturating_add(8 * len))
        .ok_or_else(|| "short dictionary offsets".to_string())?;
    let total = to_usize(total, "dictionary length")?;
    let strings = r.take(total, "dictionary strings")?;
    let mut prev_end = 0usize;
    let mut prev: Option<&[u8]> = None;
    for d in 0..=len {
        let off = le_u64(r.bytes, offsets + 8 * d)
            .ok_or_else(|| "short dictionary offsets".to_string())?;
        let off = to_usize(off, "dictionary offset")?;
        if d == 0 {
            if off != 0 {
                return Err("first dictionary offset is not 0".into());
            }
            continue;
        }
        if off < prev_end || off > total {
            return Err(format!("dictionary offset {off} out of order"));
        }
        if off - prev_end > MAX_KEYWORD_LEN {
            return Err("dictionary entry longer than a keyword can be".into());
        }
        let s = r
            .bytes
            .get(strings + prev_end..strings + off)
            .ok_or_else(|| "dictionary entry out of bounds".to_string())?;
        if std::str::from_utf8(s).is_err() {
            return Err(format!("dictionary entry {} is not UTF-8", d - 1));
        }
        if prev.is_some_and(|p| p >= s) {
            return Err(format!("dictionary entry {} is out of order", d - 1));
        }
        prev = Some(s);
        prev_end = off;
    }
    Ok((
        Dict {
            len,
            offsets,
            strings,
        },
        width,
    ))
}

fn check_column(bytes: &[u8], start: usize, end: usize, ty: FieldType, rows: usize) -> V<Column> {
    let mut r = Region {
        bytes,
        pos: start,
        end,
    };
    let blen = bitmap_len(rows);
    let nulls = r.take(blen, "null bitmap")?;
    check_padding_bits(bytes, nulls, rows, "null bitmap")?;
    let is_null = |row: usize| bit(bytes, nulls, row);
    let data = match ty {
        FieldType::Int | FieldType::Float => {
            let values = r.take_mul(rows, 8, "values")?;
            for row in 0..rows {
                let v = le_u64(bytes, values + 8 * row).ok_or("short values")?;
                if is_null(row) && v != 0 {
                    return Err(format!("null row {row} has a value"));
                }
                if ty == FieldType::Float && f64::from_bits(v).is_nan() {
                    return Err(format!("row {row} is NaN"));
                }
            }
            if ty == FieldType::Int {
                ColumnData::Int { values }
            } else {
                ColumnData::Float { values }
            }
        }
        FieldType::Bool => {
            let bits = r.take(blen, "value bitmap")?;
            check_padding_bits(bytes, bits, rows, "value bitmap")?;
            if (0..rows).any(|row| is_null(row) && bit(bytes, bits, row)) {
                return Err("a null row has a value".into());
            }
            ColumnData::Bool { bits }
        }
        FieldType::Keyword | FieldType::KeywordList => {
            let len = to_usize(u64::from(r.u32("dictionary size")?), "dictionary size")?;
            let head = r.take(4, "code width")?;
            let width_byte = bytes.get(head).copied().ok_or("short code width")?;
            if bytes.get(head + 1..head + 4) != Some(&[0u8; 3][..]) {
                return Err("reserved bytes are not zero".into());
            }
            let elements = if ty == FieldType::KeywordList {
                Some(to_usize(r.u64("element count")?, "element count")?)
            } else {
                None
            };
            let (dict, width) = check_dict(&mut r, len, width_byte)?;
            match elements {
                None => {
                    let codes = r.take_mul(rows, width, "codes")?;
                    for row in 0..rows {
                        let c = le_code(bytes, codes + width * row, width).ok_or("short codes")?;
                        if is_null(row) {
                            if c != 0 {
                                return Err(format!("null row {row} has a code"));
                            }
                        } else if c as usize >= len {
                            return Err(format!("row {row}: code {c} not in the dictionary"));
                        }
                    }
                    ColumnData::Keyword { dict, width, codes }
                }
                Some(elements) => {
                    let count = rows.checked_add(1).ok_or("row count overflows")?;
                    let row_offsets = r.take_mul(count, 8, "row offsets")?;
                    let codes = r.take_mul(elements, width, "element codes")?;
                    let mut prev = 0usize;
                    for row in 0..=rows {
                        let e = le_u64(bytes, row_offsets + 8 * row).ok_or("short row offsets")?;
                        let e = to_usize(e, "row offset")?;
                        if row == 0 {
                            if e != 0 {
                                return Err("first row offset is not 0".into());
                            }
                            continue;
                        }
                        if e < prev || e > elements {
                            return Err(format!("row offset {e} out of order"));
                        }
                        if e - prev > MAX_LIST_LEN {
                            return Err(format!("row {} has too many elements", row - 1));
                        }
                        if is_null(row - 1) && e != prev {
                            return Err(format!("null row {} has elements", row - 1));
                        }
                        prev = e;
                    }
                    if prev != elements {
                        return Err("last row offset is not the element count".into());
                    }
                    for k in 0..elements {
                        let c = le_code(bytes, codes + width * k, width).ok_or("short codes")?;
                        if c as usize >= len {
                            return Err(format!("element {k}: code {c} not in the dictionary"));
                        }
                    }
                    ColumnData::List {
                        dict,
                        width,
                        row_offsets,
                        codes,
                    }
                }
            }
        }
    };
    if r.pos != end {
        return Err(format!(
            "column has {} bytes after its data",
            end.saturating_sub(r.pos)
        ));
    }
    Ok(Column { nulls, data })
}

fn verify(bytes: &[u8], schema: &Schema, rows: u32) -> V<Vec<Column>> {
    let len = bytes.len();
    let body_len = len
        .checked_sub(CRC_LEN)
        .filter(|&b| b >= HEADER_LEN)
        .ok_or_else(|| format!("section of {len} bytes is shorter than its header"))?;
    let body = bytes.get(..body_len).ok_or("short section")?;
    let stored_crc = le_u32(bytes, body_len).ok_or("short section")?;
    let crc = crc32fast::hash(body);
    if crc != stored_crc {
        return Err(format!(
            "checksum mismatch: stored {stored_crc:08x}, bytes hash to {crc:08x}"
        ));
    }
    if body.get(..8) != Some(&COLUMNS_MAGIC[..]) {
        return Err("bad magic".into());
    }
    let version = le_u16(body, 8).ok_or("short header")?;
    if version != COLUMNS_VERSION {
        return Err(format!(
            "section version {version}; this build reads {COLUMNS_VERSION}"
        ));
    }
    if le_u16(body, 10) != Some(0) || le_u32(body, 20) != Some(0) {
        return Err("reserved header field is not zero".into());
    }
    let fields = le_u32(body, 12).ok_or("short header")? as usize;
    if fields > schema.len() {
        return Err(format!(
            "section has {fields} fields, the schema only {}",
            schema.len()
        ));
    }
    let file_rows = le_u32(body, 16).ok_or("short header")?;
    if file_rows != rows {
        return Err(format!("section has {file_rows} rows, expected {rows}"));
    }
    let rows = rows as usize;
    // `fields` is at most the schema's field count, so these cannot overflow.
    let mut names_at = HEADER_LEN + DIR_ENTRY_LEN * fields;
    let mut names_len = 0usize;
    for f in schema.fields().iter().take(fields) {
        names_len += f.name.len();
    }
    let mut cursor = names_at
        .checked_add(names_len)
        .filter(|&c| c <= body_len)
        .ok_or("field directory runs past the end")?;
    let mut columns = Vec::with_capacity(fields);
    for (i, field) in schema.fields().iter().take(fields).enumerate() {
        let entry = HEADER_LEN + DIR_ENTRY_LEN * i;
        let e = body
            .get(entry..entry + DIR_ENTRY_LEN)
            .ok_or("short field directory")?;
        let code = e.first().copied().ok_or("short field directory")?;
        if code != field.ty.code() {
            return Err(format!(
                "field {i} has type code {code}, the schema says `{}` is {}",
                field.name, field.ty
            ));
        }
        let name_len = usize::from(e.get(1).copied().ok_or("short field directory")?);
        if e.get(2..8) != Some(&[0u8; 6][..]) {
            return Err("reserved directory bytes are not zero".into());
        }
        let name = body.get(names_at..names_at + name_len);
        if name != Some(field.name.as_bytes()) {
            return Err(format!("field {i} is not named `{}`", field.name));
        }
        names_at += name_len;
        let offset = le_u64(e, 8).ok_or("short field directory")?;
        let length = le_u64(e, 16).ok_or("short field directory")?;
        if offset != cursor as u64 {
            return Err(format!("column {i} starts at {offset}, expected {cursor}"));
        }
        let end = to_usize(length, "column length")?
            .checked_add(cursor)
            .filter(|&e| e <= body_len)
            .ok_or_else(|| format!("column {i} runs past the end"))?;
        let column = check_column(body, cursor, end, field.ty, rows)
            .map_err(|reason| format!("column `{}`: {reason}", field.name))?;
        columns.push(column);
        cursor = end;
    }
    if cursor != body_len {
        return Err(format!("{} bytes after the last column", body_len - cursor));
    }
    Ok(columns)
}

impl<B: AsRef<[u8]>> ColumnsReader<B> {
    /// Verify `bytes` as a columns section of `rows` rows written under `schema` or an older
    /// schema (a prefix of it), and keep them for reading in place.
    ///
    /// Checks, before anything is read: the CRC32, magic, version and reserved fields, the row
    /// count, that the stored fields are a prefix of `schema` (same types and names), every
    /// column's offsets, lengths and bitmaps, dictionary order and UTF-8, and every code.
    /// Fields of `schema` the section does not have read as null. Any failure is
    /// [`Error::Corrupted`]. Cost: one pass over the bytes.
    pub fn open(bytes: B, schema: &Schema, rows: u32) -> Result<Self> {
        let columns = verify(bytes.as_ref(), schema, rows).map_err(Error::corrupted)?;
        Ok(ColumnsReader {
            bytes,
            schema: schema.clone(),
            rows,
            columns,
        })
    }

    /// Row count.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// The schema the section was opened with.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How many of the schema's fields the section stores (the others are null in every row).
    pub fn stored_fields(&self) -> usize {
        self.columns.len()
    }

    /// The section's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// The bytes, given back.
    pub fn into_inner(self) -> B {
        self.bytes
    }

    fn column(&self, field: usize, row: u32) -> Option<(&[u8], &Column, usize)> {
        if row >= self.rows {
            return None;
        }
        let c = self.columns.get(field)?;
        let bytes = self.bytes.as_ref();
        let row = row as usize;
        if bit(bytes, c.nulls, row) {
            return None;
        }
        Some((bytes, c, row))
    }

    /// Whether field `field` of row `row` is null (true out of range).
    pub fn is_null(&self, field: usize, row: u32) -> bool {
        self.column(field, row).is_none()
    }

    /// The integer of Int field `field` in row `row`; `None` when null or not an Int field.
    pub fn int(&self, field: usize, row: u32) -> Option<i64> {
        match self.column(field, row)? {
            (
                b,
                Column {
                    data: ColumnData::Int { values },
                    ..
                },
                r,
            ) => le_u64(b, values + 8 * r).map(|v| v as i64),
            _ => None,
        }
    }

    /// The number of Float field `field` in row `row`; `None` when null or not a Float field.
    pub fn float(&self, field: usize, row: u32) -> Option<f64> {
        match self.column(field, row)? {
            (
                b,
                Column {
                    data: ColumnData::Float { values },
                    ..
                },
                r,
            ) => le_u64(b, values + 8 * r).map(f64::from_bits),
            _ => None,
        }
    }

    /// The boolean of Bool field `field` in row `row`; `None` when null or not a Bool field.
    pub fn bool(&self, field: usize, row: u32) -> Option<bool> {
        match self.column(field, row)? {
            (
                b,
                Column {
                    data: ColumnData::Bool { bits },
                    ..
                },
                r,
            ) => Some(bit(b, *bits, r)),
            _ => None,
        }
    }

    /// Entry `code` of a verified dictionary, in place.
    fn dict_entry<'s>(bytes: &'s [u8], dict: &Dict, code: u32) -> Option<&'s str> {
        let code = code as usize;
        if code >= dict.len {
            return None;
        }
        let from = to_usize(le_u64(bytes, dict.offsets + 8 * code)?, "").ok()?;
        let to = to_usize(le_u64(bytes, dict.offsets + 8 * (code + 1))?, "").ok()?;
        let s = bytes.get(dict.strings.checked_add(from)?..dict.strings.checked_add(to)?)?;
        std::str::from_utf8(s).ok()
    }

    /// The string of Keyword field `field` in row `row`, in place; `None` when null or not a
    /// Keyword field.
    pub fn keyword(&self, field: usize, row: u32) -> Option<&str> {
        match self.column(field, row)? {
            (
                b,
                Column {
                    data: ColumnData::Keyword { dict, width, codes },
                    ..
                },
                r,
            ) => Self::dict_entry(b, dict, le_code(b, codes + width * r, *width)?),
            _ => None,
        }
    }

    /// The strings of KeywordList field `field` in row `row`, in place; `None` when null or not
    /// a KeywordList field.
    pub fn keyword_list(&self, field: usize, row: u32) -> Option<Vec<&str>> {
        match self.column(field, row)? {
            (
                b,
                Column {
                    data:
                        ColumnData::List {
                            dict,
                            width,
                            row_offsets,
                            codes,
                        },
                    ..
                },
                r,
            ) => {
                let from = to_usize(le_u64(b, row_offsets + 8 * r)?, "").ok()?;
                let to = to_usize(le_u64(b, row_offsets + 8 * (r + 1))?, "").ok()?;
                (from..to)
                    .map(|k| Self::dict_entry(b, dict, le_code(b, codes + width * k, *width)?))
                    .collect()
            }
            _ => None,
        }
    }

    /// The value of field `field` in row `row` (null when null or out of range).
    pub fn value(&self, field: usize, row: u32) -> Value {
        let Some(ty) = self.schema.field(field).map(|f| f.ty) else {
            return Value::Null;
        };
        let v = match ty {
            FieldType::Int => self.int(field, row).map(Value::Int),
            FieldType::Float => self.float(field, row).map(Value::Float),
            FieldType::Bool => self.bool(field, row).map(Value::Bool),
            FieldType::Keyword => self
                .keyword(field, row)
                .map(|s| Value::Keyword(s.to_owned())),
            FieldType::KeywordList => self
                .keyword_list(field, row)
                .map(|l| Value::KeywordList(l.into_iter().map(str::to_owned).collect())),
        };
        v.unwrap_or(Value::Null)
    }

    /// Row `row`'s values in the order of the schema given to [`ColumnsReader::open`] (all
    /// null past the last row); what [`encode_columns`] takes, e.g. for a merge.
    pub fn row(&self, row: u32) -> CheckedRow {
        CheckedRow::from_checked(
            (0..self.schema.len())
                .map(|field| self.value(field, row))
                .collect(),
        )
    }

    /// Row `row` as a [`Payload`] (null fields left out).
    pub fn payload(&self, row: u32) -> Payload {
        self.row(row).to_payload(&self.schema)
    }

    /// Field `field`'s verified column: its type and parts (for [`super::AttrIndex`]).
    pub(crate) fn column_parts(&self, field: usize) -> Option<ColumnParts<'_>> {
        let c = self.columns.get(field)?;
        let bytes = self.bytes.as_ref();
        let rows = self.rows as usize;
        let nulls = bytes.get(c.nulls..c.nulls.checked_add(bitmap_len(rows))?)?;
        Some(match c.data {
            ColumnData::Int { values } => ColumnParts::Int {
                nulls,
                values: bytes.get(values..values.checked_add(8 * rows)?)?,
            },
            ColumnData::Float { values } => ColumnParts::Float {
                nulls,
                values: bytes.get(values..values.checked_add(8 * rows)?)?,
            },
            ColumnData::Bool { bits } => ColumnParts::Bool {
                nulls,
                bits: bytes.get(bits..bits.checked_add(bitmap_len(rows))?)?,
            },
            ColumnData::Keyword { dict, width, codes } => ColumnParts::Keyword {
                nulls,
                dict: (0..dict.len as u32)
                    .map(|d| Self::dict_entry(bytes, &dict, d))
                    .collect::<Option<Vec<&str>>>()?,
                width,
                codes: bytes.get(codes..codes.checked_add(width * rows)?)?,
            },
            ColumnData::List {
                dict,
                width,
                row_offsets,
                codes,
            } => {
                let end = le_u64(bytes, row_offsets + 8 * rows)?;
                let elements = to_usize(end, "").ok()?;
                ColumnParts::List {
                    nulls,
                    dict: (0..dict.len as u32)
                        .map(|d| Self::dict_entry(bytes, &dict, d))
                        .collect::<Option<Vec<&str>>>()?,
                    width,
                    row_offsets: bytes
                        .get(row_offsets..row_offsets.checked_add(8 * (rows + 1))?)?,
                    codes: bytes.get(codes..codes.checked_add(width.checked_mul(elements)?)?)?,
                }
            }
        })
    }
}

/// A verified column, sliced into its parts.
pub(crate) enum ColumnParts<'a> {
    Int {
        nulls: &'a [u8],
        values: &'a [u8],
    },
    Float {
        nulls: &'a [u8],
        values: &'a [u8],
    },
    Bool {
        nulls: &'a [u8],
        bits: &'a [u8],
    },
    Keyword {
        nulls: &'a [u8],
        dict: Vec<&'a str>,
        width: usize,
        codes: &'a [u8],
    },
    List {
        nulls: &'a [u8],
        dict: Vec<&'a str>,
        width: usize,
        row_offsets: &'a [u8],
        codes: &'a [u8],
    },
}

/// Code `k` of a code array of width `width`.
pub(crate) fn code_at(codes: &[u8], k: usize, width: usize) -> Option<u32> {
    le_code(codes, k.checked_mul(width)?, width)
}

/// Bit `row` of a bitmap.
pub(crate) fn bit_at(bitmap: &[u8], row: usize) -> bool {
    bit(bitmap, 0, row)
}

/// Element `k` of a u64 array.
pub(crate) fn u64_at(array: &[u8], k: usize) -> Option<u64> {
    le_u64(array, k.checked_mul(8)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::new()
            .with_field("folder", FieldType::Keyword)
            .and_then(|s| s.with_field("year", FieldType::Int))
            .and_then(|s| s.with_field("rating", FieldType::Float))
            .and_then(|s| s.with_field("done", FieldType::Bool))
            .and_then(|s| s.with_field("tags", FieldType::KeywordList))
            .expect("schema")
    }

    fn rows() -> Vec<CheckedRow> {
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
                .set("year", -1)
                .set("rating", 2)
                .set("done", false)
                .set("tags", Vec::<String>::new()),
            Payload::new()
                .set("folder", "work")
                .set("tags", ["db", "db"]),
            Payload::new().set("year", i64::MIN).set("rating", -0.0),
            Payload::new().set("folder", "").set("done", true),
            Payload::new()
                .set("tags", ["ünï"])
                .set("rating", f64::INFINITY),
            Payload::new().set("year", i64::MAX),
            Payload::new().set("folder", "a'b"),
        ]
        .iter()
        .map(|p| s.check_payload(p).expect("check"))
        .collect()
    }

    #[test]
    fn round_trip() {
        let s = schema();
        let rows = rows();
        let bytes = encode_columns(&s, &rows).expect("encode");
        let r = ColumnsReader::open(&bytes[..], &s, rows.len() as u32).expect("open");
        assert_eq!(r.stored_fields(), 5);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(&r.row(i as u32), row, "row {i}");
            assert_eq!(r.payload(i as u32), row.to_payload(&s));
        }
        assert!(r.row(rows.len() as u32).is_all_null());
        assert_eq!(r.keyword(0, 0), Some("work"));
        assert_eq!(r.keyword(1, 0), None, "wrong type");
        assert_eq!(r.int(1, 4), Some(i64::MIN));
        assert_eq!(r.keyword_list(4, 3), Some(vec!["db", "db"]));
        assert_eq!(r.keyword_list(4, 2), Some(vec![]));
        assert_eq!(r.keyword_list(4, 1), None);
        assert!(r.is_null(0, 1) && !r.is_null(0, 5));
        assert_eq!(r.value(9, 0), Value::Null);
    }

    #[test]
    fn empty_and_all_null_sections() {
        for s in [Schema::new(), schema()] {
            let bytes = encode_columns(&s, Vec::<Vec<Value>>::new()).expect("encode");
            let r = ColumnsReader::open(bytes.as_slice(), &s, 0).expect("open");
            assert_eq!(r.rows(), 0);
            let nulls = vec![Vec::<Value>::new(); 13];
            let bytes = encode_columns(&s, &nulls).expect("encode");
            let r = ColumnsReader::open(bytes, &s, 13).expect("open");
            assert!((0..13).all(|i| r.row(i).is_all_null()));
        }
    }

    #[test]
    fn dictionaries_are_sorted_and_widths_grow() {
        let s = Schema::new()
            .with_field("k", FieldType::Keyword)
            .and_then(|s| s.with_field("l", FieldType::KeywordList))
            .expect("schema");
        for distinct in [1usize, 255, 256, 257, 65_536, 65_537] {
            let rows: Vec<Vec<Value>> = (0..distinct)
                .rev()
                .map(|i| {
                    vec![
                        Value::from(format!("k{i}")),
                        Value::from(vec![format!("l{i}")]),
                    ]
                })
                .collect();
            let bytes = encode_columns(&s, &rows).expect("encode");
            let r = ColumnsReader::open(&bytes, &s, distinct as u32).expect("open");
            for probe in [0, distinct / 2, distinct - 1] {
                let want = distinct - 1 - probe;
                assert_eq!(
                    r.keyword(0, probe as u32),
                    Some(format!("k{want}").as_str())
                );
                assert_eq!(
                    r.keyword_list(1, probe as u32),
                    Some(vec![format!("l{want}").as_str()])
                );
            }
        }
    }

    #[test]
    fn older_sections_read_under_a_newer_schema() {
        let old = schema();
        let rows = rows();
        let bytes = encode_columns(&old, &rows).expect("encode");
        let mut new = old.clone();
        new.add_field("extra", FieldType::Int).expect("add");
        let r = ColumnsReader::open(&bytes, &new, rows.len() as u32).expect("open");
        assert_eq!(r.stored_fields(), 5);
        assert_eq!(r.row(0).values().len(), 6);
        assert_eq!(r.value(5, 0), Value::Null);
        assert_eq!(r.row(0).get(0), &Value::from("work"));
        // Not the other way round, and not under a different schema.
        let newer = encode_columns(&new, &rows).expect("encode");
        assert!(ColumnsReader::open(&newer, &old, rows.len() as u32).is_err());
        let renamed = Schema::new()
            .with_field("folders", FieldType::Keyword)
            .expect("schema");
        assert!(ColumnsReader::open(&bytes, &renamed, rows.len() as u32).is_err());
        let retyped = Schema::new()
            .with_field("folder", FieldType::Int)
            .expect("schema");
        assert!(ColumnsReader::open(&bytes, &retyped, rows.len() as u32).is_err());
        assert!(ColumnsReader::open(&bytes, &old, rows.len() as u32 + 1).is_err());
    }

    #[test]
    fn encoder_rejects_rows_that_do_not_fit() {
        let s = schema();
        let too_long = vec![vec![Value::Null; 6]];
        assert!(matches!(
            encode_columns(&s, &too_long),
            Err(Error::InvalidValue { .. })
        ));
        let wrong = vec![vec![Value::Int(1)]];
        assert!(matches!(
            encode_columns(&s, &wrong),
            Err(Error::FieldTypeMismatch { .. })
        ));
        let nan = vec![vec![Value::Null, Value::Null, Value::Float(f64::NAN)]];
        assert!(matches!(
            encode_columns(&s, &nan),
            Err(Error::InvalidValue { .. })
        ));
        // An integer in a Float field is accepted and stored as a float.
        let int = vec![vec![Value::Null, Value::Null, Value::Int(3)]];
        let bytes = encode_columns(&s, &int).expect("encode");
        let r = ColumnsReader::open(&bytes, &s, 1).expect("open");
        assert_eq!(r.float(2, 0), Some(3.0));
    }

    #[test]
    fn every_truncation_and_single_bit_flip_is_refused() {
        let s = schema();
        let rows = rows();
        let n = rows.len() as u32;
        let good = encode_columns(&s, &rows).expect("encode");
        for len in 0..good.len() {
            assert!(ColumnsReader::open(&good[..len], &s, n).is_err(), "{len}");
        }
        let mut bad = good.clone();
        for i in 0..bad.len() * 8 {
            bad[i / 8] ^= 1 << (i % 8);
            assert!(ColumnsReader::open(&bad[..], &s, n).is_err(), "bit {i}");
            bad[i / 8] ^= 1 << (i % 8);
        }
        assert!(ColumnsReader::open(&bad[..], &s, n).is_ok());
    }
}
