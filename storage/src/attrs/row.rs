//! The attribute values of one row as stored in the write-ahead log (the catalog's `rows`
//! column family): [`encode_row`] and [`decode_row`].
//!
//! ```text
//! Log row attributes, codec version 1.
//!
//! size        field
//! 1           codec version (u8) = 1
//! varint      n: values stored (fields n.. of the schema are null; trailing nulls are not stored)
//! n times     a value: tag (u8) then its payload
//!               tag 0      null, no payload
//!               tag 1      Keyword      varint byte length, UTF-8 bytes
//!               tag 2      Int          zigzag varint
//!               tag 3      Float        8 bytes, f64 little-endian, never NaN
//!               tag 4      Bool         1 byte, 0 or 1
//!               tag 5      KeywordList  varint count, then count × (varint byte length, UTF-8 bytes)
//!             a non-null tag is the field's type code and must match the schema
//! varint = unsigned LEB128, at most 10 bytes, no redundant trailing zero groups.
//! zigzag: 0, -1, 1, -2, ... ↦ 0, 1, 2, 3, ...
//! ```
//!
//! Fields are only ever appended to a schema, so a row written before a field existed simply
//! stores fewer values and decodes with the new field null.

use super::error::{Error, Result};
use super::schema::{CheckedRow, Schema, MAX_KEYWORD_LEN, MAX_LIST_LEN};
use super::value::{FieldType, Value};

/// The version byte [`encode_row`] writes and [`decode_row`] reads.
pub const ROW_CODEC_VERSION: u8 = 1;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Encode a checked row's values for the log. Infallible: a [`CheckedRow`] always fits.
pub fn encode_row(row: &CheckedRow) -> Vec<u8> {
    let values = row.values();
    let stored = values
        .iter()
        .rposition(|v| !v.is_null())
        .map_or(0, |i| i + 1);
    let mut out = Vec::with_capacity(2 + 9 * stored);
    out.push(ROW_CODEC_VERSION);
    put_varint(&mut out, stored as u64);
    for v in values.iter().take(stored) {
        match v {
            Value::Null => out.push(0),
            Value::Keyword(s) => {
                out.push(FieldType::Keyword.code());
                put_str(&mut out, s);
            }
            Value::Int(i) => {
                out.push(FieldType::Int.code());
                put_varint(&mut out, zigzag(*i));
            }
            Value::Float(x) => {
                out.push(FieldType::Float.code());
                out.extend_from_slice(&x.to_le_bytes());
            }
            Value::Bool(b) => {
                out.push(FieldType::Bool.code());
                out.push(u8::from(*b));
            }
            Value::KeywordList(list) => {
                out.push(FieldType::KeywordList.code());
                put_varint(&mut out, list.len() as u64);
                for s in list {
                    put_str(&mut out, s);
                }
            }
        }
    }
    out
}

/// A bounds-checked cursor over untrusted bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| Error::corrupted("length overflows"))?;
        let b = self.bytes.get(self.pos..end).ok_or_else(|| {
            Error::corrupted(format!(
                "needs {n} bytes at offset {}, {} left",
                self.pos,
                self.remaining()
            ))
        })?;
        self.pos = end;
        Ok(b)
    }

    fn byte(&mut self) -> Result<u8> {
        let b = self.take(1)?;
        b.first()
            .copied()
            .ok_or_else(|| Error::corrupted("unexpected end"))
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for i in 0..10u32 {
            let b = self.byte()?;
            let group = u64::from(b & 0x7f);
            if i == 9 && b > 1 {
                return Err(Error::corrupted("varint overflows 64 bits"));
            }
            v |= group << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(Error::corrupted("varint with a redundant zero group"));
                }
                return Ok(v);
            }
        }
        Err(Error::corrupted("varint longer than 10 bytes"))
    }

    /// A length that must be at most `limit` and at most the bytes left (each unit of it
    /// takes at least one byte), so that allocations are capped by the input.
    fn length(&mut self, limit: usize, what: &str) -> Result<usize> {
        let n = self.varint()?;
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= limit && n <= self.remaining())
            .ok_or_else(|| {
                Error::corrupted(format!(
                    "{what} {n} exceeds the limit {limit} or the {} bytes left",
                    self.remaining()
                ))
            })?;
        Ok(n)
    }

    fn string(&mut self) -> Result<String> {
        let n = self.length(MAX_KEYWORD_LEN, "keyword length")?;
        let b = self.take(n)?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| Error::corrupted("keyword is not UTF-8"))
    }
}

/// Decode a row written by [`encode_row`] under `schema` or under an older schema (a prefix of
/// it); fields the row does not store are null. The result has one value per field of
/// `schema`.
///
/// `bytes` must be exactly the encoded row. Never panics; any malformed input (wrong version,
/// a tag that does not match the schema's type, a length past the end, bad UTF-8, a NaN,
/// trailing bytes) is [`Error::Corrupted`].
pub fn decode_row(bytes: &[u8], schema: &Schema) -> Result<CheckedRow> {
    let mut c = Cursor { bytes, pos: 0 };
    let version = c.byte()?;
    if version != ROW_CODEC_VERSION {
        return Err(Error::corrupted(format!(
            "row codec version {version}; this build reads {ROW_CODEC_VERSION}"
        )));
    }
    let stored = c.varint()?;
    let stored = usize::try_from(stored)
        .ok()
        .filter(|&n| n <= schema.len())
        .ok_or_else(|| {
            Error::corrupted(format!(
                "row stores {stored} values, the schema has {} fields",
                schema.len()
            ))
        })?;
    let mut values = Vec::with_capacity(schema.len());
    for field in schema.fields().iter().take(stored) {
        let tag = c.byte()?;
        if tag == 0 {
            values.push(Value::Null);
            continue;
        }
        if tag != field.ty.code() {
            return Err(Error::corrupted(format!(
                "field `{}` is {} but the row stores type tag {tag}",
                field.name, field.ty
            )));
        }
        let v = match field.ty {
            FieldType::Keyword => Value::Keyword(c.string()?),
            FieldType::Int => Value::Int(unzigzag(c.varint()?)),
            FieldType::Float => {
                let b: [u8; 8] = c
                    .take(8)?
                    .try_into()
                    .map_err(|_| Error::corrupted("short float"))?;
                let x = f64::from_le_bytes(b);
                if x.is_nan() {
                    return Err(Error::corrupted(format!("field `{}` is NaN", field.name)));
                }
                Value::Float(x)
            }
            FieldType::Bool => match c.byte()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => return Err(Error::corrupted(format!("boolean byte {b}"))),
            },
            FieldType::KeywordList => {
                let n = c.length(MAX_LIST_LEN, "list length")?;
                let mut list = Vec::with_capacity(n);
                for _ in 0..n {
                    list.push(c.string()?);
                }
                Value::KeywordList(list)
            }
        };
        values.push(v);
    }
    if c.remaining() != 0 {
        return Err(Error::corrupted(format!(
            "{} bytes after the last value",
            c.remaining()
        )));
    }
    values.resize(schema.len(), Value::Null);
    Ok(CheckedRow::from_checked(values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::Payload;

    fn schema() -> Schema {
        Schema::new()
            .with_field("folder", FieldType::Keyword)
            .and_then(|s| s.with_field("year", FieldType::Int))
            .and_then(|s| s.with_field("rating", FieldType::Float))
            .and_then(|s| s.with_field("done", FieldType::Bool))
            .and_then(|s| s.with_field("tags", FieldType::KeywordList))
            .expect("schema")
    }

    #[test]
    fn varints() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            let mut c = Cursor { bytes: &b, pos: 0 };
            assert_eq!(c.varint().expect("varint"), v);
            assert_eq!(c.remaining(), 0);
        }
        for i in [0i64, -1, 1, -2, i64::MIN, i64::MAX, 12345, -12345] {
            assert_eq!(unzigzag(zigzag(i)), i);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        for bad in [
            &[0x80u8][..],
            &[0x80, 0x00],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            &[0xff; 11],
        ] {
            assert!(Cursor { bytes: bad, pos: 0 }.varint().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn round_trip() {
        let s = schema();
        for p in [
            Payload::new(),
            Payload::new().set("folder", "work"),
            Payload::new().set("tags", ["rust", "", "db", "rust"]),
            Payload::new()
                .set("folder", "ünï 'x'")
                .set("year", i64::MIN)
                .set("rating", f64::NEG_INFINITY)
                .set("done", true)
                .set("tags", Vec::<String>::new()),
            Payload::new().set("year", i64::MAX).set("rating", -0.0),
            Payload::new().set("done", false),
        ] {
            let row = s.check_payload(&p).expect("check");
            let bytes = encode_row(&row);
            let back = decode_row(&bytes, &s).expect("decode");
            assert_eq!(back, row);
            assert_eq!(back.to_payload(&s), p);
        }
        let row = s.check_payload(&Payload::new()).expect("check");
        assert_eq!(
            encode_row(&row),
            [ROW_CODEC_VERSION, 0],
            "trailing nulls are not stored"
        );
        let row = s
            .check_payload(&Payload::new().set("year", 5))
            .expect("check");
        assert_eq!(encode_row(&row), [ROW_CODEC_VERSION, 2, 0, 2, 10]);
    }

    #[test]
    fn older_rows_read_under_a_newer_schema() {
        let old = schema();
        let row = old
            .check_payload(&Payload::new().set("tags", ["a"]).set("year", 1))
            .expect("check");
        let bytes = encode_row(&row);
        let mut new = old.clone();
        new.add_field("extra", FieldType::Int).expect("add");
        let back = decode_row(&bytes, &new).expect("decode");
        assert_eq!(back.values().len(), 6);
        assert_eq!(back.get(5), &Value::Null);
        assert_eq!(back.get(4), &Value::from(["a"]));
        // The other way round is refused: the row has more values than the schema fields.
        let newer_row = new
            .check_payload(&Payload::new().set("extra", 7))
            .expect("check");
        assert!(matches!(
            decode_row(&encode_row(&newer_row), &old),
            Err(Error::Corrupted { .. })
        ));
        // A schema whose field changed type does not decode the row.
        let other = Schema::new()
            .with_field("folder", FieldType::Keyword)
            .and_then(|s| s.with_field("year", FieldType::Float))
            .expect("schema");
        assert!(decode_row(&bytes, &other).is_err());
    }

    #[test]
    fn malformed_rows() {
        let s = schema();
        for bad in [
            &[][..],
            &[2, 0],
            &[1],
            &[1, 6],
            &[1, 1],
            &[1, 1, 2],
            &[1, 1, 5],
            &[1, 1, 1, 5, b'a'],
            &[1, 1, 1, 2, 0xc3, 0x28],
            &[1, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f],
            &[1, 4, 0, 0, 0, 4, 2],
            &[1, 1, 0, 0],
            &[1, 5, 0, 0, 0, 0, 5, 0xff, 0xff, 0x03],
            &[1, 5, 0, 0, 0, 0, 5, 2, 0],
        ] {
            assert!(
                matches!(decode_row(bad, &s), Err(Error::Corrupted { .. })),
                "{bad:?}"
            );
        }
    }
}
