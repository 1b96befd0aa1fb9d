//! Typed attributes ("payloads") of rows and filters over them: the self-contained building
//! blocks of filtered search.
//!
//! | piece | what it is | who uses it |
//! |---|---|---|
//! | [`FieldType`], [`Value`], [`Payload`] | the user's typed values | the public API |
//! | [`Schema`] | a collection's ordered list of fields; fields are only ever appended | collection config |
//! | [`Schema::check_payload`] → [`CheckedRow`] | a payload validated and laid out in schema order | write path |
//! | [`Filter`], [`Filter::parse`] | a filter expression as built or written by the user | the public API |
//! | [`Schema::check_filter`] → [`BoundFilter`] | a filter with names resolved and types checked | search |
//! | [`encode_row`] / [`decode_row`] | one row's values in the write-ahead log | write path, recovery |
//! | [`encode_columns`] / [`ColumnsReader`] | all rows of a sealed segment, column by column | seal, merge, open |
//! | [`AttrIndex`] | per-segment postings and sorted values: filter → exact row bitmap | search on sealed segments |
//! | [`BoundFilter::matches`] | the same filter evaluated on one row | search on growing segments |
//!
//! # How the engine is meant to use it
//!
//! ```text
//! create/alter collection   Schema::new().with_field(..)? / schema.add_field(..)?  (stored as JSON, serde)
//! insert                    row = schema.check_payload(&payload)?       // UnknownField, FieldTypeMismatch, InvalidValue
//!                           wal value += encode_row(&row)               // growing segment keeps `row`
//! recovery                  row = decode_row(bytes, &schema)?           // older rows: missing fields are null
//! seal / merge              section = encode_columns(&schema, rows)?    // rows: CheckedRow, Vec<Value>, ...
//! open sealed segment       cols = ColumnsReader::open(section_bytes, &schema, rows)?   // verifies CRC & structure
//!                           index = AttrIndex::from_columns(&cols)
//! search                    bound = schema.check_filter(&filter)?       // once per query
//!                           sealed:  allowed = index.evaluate(&bound, visible_rows) - deleted
//!                           growing: bound.matches(row.values())        // row by row
//! get                       cols.payload(row) / growing row.to_payload(&schema)
//! ```
//!
//! # Semantics
//!
//! - **Missing is null.** A field a payload does not set, or sets to [`Value::Null`], is null,
//!   and so is every field added to the schema after a row was written.
//! - **Two-valued logic.** A leaf (`=`, `!=`, `<`, `<=`, `>`, `>=`, `IN`, `CONTAINS`) on a null
//!   field is **false**; only `IS NULL` is true on it. `NOT` negates the boolean its operand
//!   evaluated to, so `NOT (x = 1)` is true on a row where `x` is null while `x != 1` is false
//!   there. `AND`, `OR` are the usual boolean operators. There is no "unknown".
//! - **Int and Float.** An `Int` field holds `i64` and accepts only integers, in payloads and in
//!   filter literals (a float literal on an Int field is a [`Error::FieldTypeMismatch`]). A
//!   `Float` field holds a non-NaN `f64` (±infinity allowed) and accepts integers too, converted
//!   with `as f64` (rounded to nearest for magnitudes above 2^53), both in payloads and in filter
//!   literals; comparisons are IEEE comparisons, so `-0.0 = 0.0`.
//! - **Operators per type.** Keyword: `=`, `!=`, `IN`. Int and Float: all comparisons and `IN`.
//!   Bool: `=`, `!=`, `IN`. KeywordList: `CONTAINS` (an empty list is a value, not null, and
//!   contains nothing). Every type: `IS NULL`, `IS NOT NULL`. Anything else is a
//!   [`Error::FieldTypeMismatch`].

// Decoders and the parser read untrusted bytes and text: no indexing that can panic, anywhere
// in this module (unit tests may index).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod bound;
mod columns;
mod error;
mod filter;
mod index;
mod parse;
mod row;
mod schema;
mod value;

#[cfg(test)]
mod eval_bench;
#[cfg(test)]
mod tests;

pub use bound::BoundFilter;
pub use columns::{encode_columns, ColumnsReader, COLUMNS_MAGIC, COLUMNS_VERSION};
pub use error::{Error, Result};
pub use filter::{CompareOp, Filter};
pub use index::{complement_bytes, AttrIndex};
pub use parse::MAX_FILTER_DEPTH;
pub use row::{decode_row, encode_row, ROW_CODEC_VERSION};
pub use schema::{
    CheckedRow, Field, Schema, MAX_FIELDS, MAX_FIELD_NAME_LEN, MAX_KEYWORD_LEN, MAX_LIST_LEN,
    RESERVED_WORDS,
};
pub use value::{FieldType, Payload, Value};

/// The bitmap type of [`AttrIndex::evaluate`], re-exported so that users need not depend on
/// `roaring` themselves (and get the same version).
pub use roaring::RoaringBitmap;

/// Run every attribute decoder on `bytes` (fuzzing entry point): none may panic. The first byte
/// picks a schema, the rest is fed to [`decode_row`] and [`ColumnsReader::open`].
#[doc(hidden)]
pub fn fuzz_decoders(bytes: &[u8]) {
    let (pick, rest) = bytes.split_first().map_or((0, bytes), |(p, r)| (*p, r));
    let schema = Schema::fuzz_schema(pick);
    let _ = decode_row(rest, &schema);
    let rows = rest
        .get(16..20)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes);
    if let Ok(cols) = ColumnsReader::open(rest, &schema, rows) {
        let index = AttrIndex::from_columns(&cols);
        let _ = index.rows();
        for r in 0..cols.rows().min(64) {
            let _ = cols.row(r);
        }
    }
}
