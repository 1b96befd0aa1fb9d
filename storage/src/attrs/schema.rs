//! [`Schema`]: a collection's ordered list of typed fields, and [`CheckedRow`], a payload
//! validated against it.

use std::collections::BTreeMap;

use super::error::{Error, Result};
use super::value::{FieldType, Payload, Value};

/// Longest field name, in bytes.
pub const MAX_FIELD_NAME_LEN: usize = 64;
/// Most fields a schema can have.
pub const MAX_FIELDS: usize = 1024;
/// Longest keyword (a Keyword value or one element of a KeywordList), in bytes.
pub const MAX_KEYWORD_LEN: usize = 65_535;
/// Most elements of one KeywordList value.
pub const MAX_LIST_LEN: usize = 65_535;
/// Words of the filter language, which cannot be field names (compared ignoring ASCII case).
pub const RESERVED_WORDS: [&str; 9] = [
    "and", "or", "not", "in", "is", "null", "contains", "true", "false",
];

static NULL: Value = Value::Null;

/// One field of a [`Schema`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    /// The field's name (see [`Schema::add_field`] for the rules).
    pub name: String,
    /// The field's type.
    #[serde(rename = "type")]
    pub ty: FieldType,
}

/// A collection's fields, in the order they were added.
///
/// Fields are only ever appended, never removed, renamed or retyped: a field's position is its
/// identity in log rows and columns sections, and data written under an older schema (a prefix
/// of this one) reads with the newer fields null. [`Schema::extends`] checks that rule.
///
/// Serialises (serde) as a list of `{"name": ..., "type": ...}`; deserialising validates every
/// name again.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<Field>", into = "Vec<Field>")]
pub struct Schema {
    fields: Vec<Field>,
    by_name: BTreeMap<String, usize>,
}

/// Whether `name` is a valid field name; the reason when it is not.
pub(crate) fn check_field_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("a field name cannot be empty".into());
    }
    if name.len() > MAX_FIELD_NAME_LEN {
        return Err(format!(
            "field name `{name}` is {} bytes; the limit is {MAX_FIELD_NAME_LEN}",
            name.len()
        ));
    }
    if !is_plain_identifier(name) {
        return Err(format!(
            "field name `{name}` must be ASCII letters, digits and `_`, not starting with a digit"
        ));
    }
    if is_reserved(name) {
        return Err(format!(
            "`{name}` is a word of the filter language and cannot be a field name"
        ));
    }
    Ok(())
}

/// ASCII letters, digits and `_`, not empty, not starting with a digit.
pub(crate) fn is_plain_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// One of [`RESERVED_WORDS`], ignoring ASCII case.
pub(crate) fn is_reserved(s: &str) -> bool {
    RESERVED_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

impl Schema {
    /// A schema without fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// This schema with field `name` of type `ty` appended (builder form of
    /// [`Schema::add_field`]).
    pub fn with_field(mut self, name: impl Into<String>, ty: FieldType) -> Result<Self> {
        self.add_field(name, ty)?;
        Ok(self)
    }

    /// Append field `name` of type `ty`; returns its index.
    ///
    /// A name is 1 to [`MAX_FIELD_NAME_LEN`] bytes of ASCII letters, digits and `_`, does not
    /// start with a digit, is not one of [`RESERVED_WORDS`] in any case, and is not already in
    /// the schema (names are case-sensitive). At most [`MAX_FIELDS`] fields.
    /// Errors: [`Error::InvalidSchema`].
    pub fn add_field(&mut self, name: impl Into<String>, ty: FieldType) -> Result<usize> {
        let name = name.into();
        check_field_name(&name).map_err(|reason| Error::InvalidSchema { reason })?;
        if self.by_name.contains_key(&name) {
            return Err(Error::InvalidSchema {
                reason: format!("field `{name}` already exists"),
            });
        }
        if self.fields.len() >= MAX_FIELDS {
            return Err(Error::InvalidSchema {
                reason: format!("a schema has at most {MAX_FIELDS} fields"),
            });
        }
        let index = self.fields.len();
        self.by_name.insert(name.clone(), index);
        self.fields.push(Field { name, ty });
        Ok(index)
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the schema has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `index`.
    pub fn field(&self, index: usize) -> Option<&Field> {
        self.fields.get(index)
    }

    /// The index of the field called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Whether `self` is `older` with zero or more fields appended: the only schema change
    /// under which data written with `older` stays readable with `self`.
    pub fn extends(&self, older: &Schema) -> bool {
        self.fields.get(..older.fields.len()) == Some(&older.fields[..])
    }

    /// Validate `payload` and lay it out in schema order.
    ///
    /// Every name must be a field ([`Error::UnknownField`]) and every value fit its field's
    /// type ([`Error::FieldTypeMismatch`]): a Keyword field takes a string, an Int field only an
    /// integer, a Float field a float or an integer (stored as `f64`), a Bool field a boolean, a
    /// KeywordList field a list of strings. A NaN, a keyword over [`MAX_KEYWORD_LEN`] bytes or
    /// a list over [`MAX_LIST_LEN`] elements is [`Error::InvalidValue`]. Fields the payload does
    /// not set are null.
    pub fn check_payload(&self, payload: &Payload) -> Result<CheckedRow> {
        let mut values = vec![Value::Null; self.fields.len()];
        for (name, value) in payload.iter() {
            let index = self.index_of(name).ok_or_else(|| Error::UnknownField {
                name: name.to_owned(),
            })?;
            let (Some(field), Some(slot)) = (self.fields.get(index), values.get_mut(index)) else {
                return Err(Error::UnknownField {
                    name: name.to_owned(),
                });
            };
            *slot = check_value(field, value)?;
        }
        Ok(CheckedRow { values })
    }

    /// A deterministic schema of one to five fields picked by `pick` (for fuzzing).
    pub(crate) fn fuzz_schema(pick: u8) -> Schema {
        let count = 1 + usize::from(pick / 5) % 5;
        let mut schema = Schema::new();
        for i in 0..count {
            let ty = FieldType::ALL
                .get((usize::from(pick) + i) % FieldType::ALL.len())
                .copied()
                .unwrap_or(FieldType::Int);
            // Names f0..f4 are valid and distinct, so this cannot fail.
            let _ = schema.add_field(format!("f{i}"), ty);
        }
        schema
    }
}

/// Check one value against its field without copying it.
pub(crate) fn validate(field: &Field, value: &Value) -> Result<()> {
    match (field.ty, value) {
        (_, Value::Null)
        | (FieldType::Int, Value::Int(_))
        | (FieldType::Bool, Value::Bool(_))
        | (FieldType::Float, Value::Int(_)) => Ok(()),
        (FieldType::Keyword, Value::Keyword(s)) => check_keyword(&field.name, s),
        (FieldType::Float, Value::Float(x)) => {
            if x.is_nan() {
                Err(Error::invalid_value(&field.name, "NaN is not a value"))
            } else {
                Ok(())
            }
        }
        (FieldType::KeywordList, Value::KeywordList(list)) => {
            if list.len() > MAX_LIST_LEN {
                return Err(Error::invalid_value(
                    &field.name,
                    format!(
                        "a list of {} keywords; the limit is {MAX_LIST_LEN}",
                        list.len()
                    ),
                ));
            }
            list.iter().try_for_each(|s| check_keyword(&field.name, s))
        }
        _ => Err(Error::mismatch(
            &field.name,
            field.ty.name(),
            value.type_name(),
        )),
    }
}

/// Check one value against its field; the stored form (an integer in a Float field becomes a
/// float).
pub(crate) fn check_value(field: &Field, value: &Value) -> Result<Value> {
    validate(field, value)?;
    Ok(match (field.ty, value) {
        (FieldType::Float, Value::Int(i)) => Value::Float(*i as f64),
        _ => value.clone(),
    })
}

fn check_keyword(field: &str, s: &str) -> Result<()> {
    if s.len() > MAX_KEYWORD_LEN {
        return Err(Error::invalid_value(
            field,
            format!(
                "a keyword of {} bytes; the limit is {MAX_KEYWORD_LEN}",
                s.len()
            ),
        ));
    }
    Ok(())
}

impl TryFrom<Vec<Field>> for Schema {
    type Error = Error;

    fn try_from(fields: Vec<Field>) -> Result<Self> {
        let mut schema = Schema::new();
        for f in fields {
            schema.add_field(f.name, f.ty)?;
        }
        Ok(schema)
    }
}

impl From<Schema> for Vec<Field> {
    fn from(schema: Schema) -> Self {
        schema.fields
    }
}

/// A payload checked against a [`Schema`]: one value per field, in schema order, null where the
/// payload set nothing, Float fields holding [`Value::Float`].
///
/// Made only by [`Schema::check_payload`], [`super::decode_row`] and
/// [`super::ColumnsReader::row`], so its values always fit the schema they were checked against.
/// A row checked under an older schema is shorter; [`CheckedRow::get`] reads the missing fields
/// as null.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckedRow {
    values: Vec<Value>,
}

impl CheckedRow {
    /// Wrap values already known to fit a schema.
    pub(crate) fn from_checked(values: Vec<Value>) -> Self {
        CheckedRow { values }
    }

    /// The values in schema order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The values in schema order, owned.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The value of field `index`; null past the end.
    pub fn get(&self, index: usize) -> &Value {
        self.values.get(index).unwrap_or(&NULL)
    }

    /// True when every field is null.
    pub fn is_all_null(&self) -> bool {
        self.values.iter().all(Value::is_null)
    }

    /// The row as a [`Payload`] (null fields left out), naming fields by `schema`, which must be
    /// the schema the row was checked against or one that [extends](Schema::extends) it.
    pub fn to_payload(&self, schema: &Schema) -> Payload {
        let mut p = Payload::new();
        for (field, value) in schema.fields().iter().zip(&self.values) {
            if !value.is_null() {
                p.insert(field.name.clone(), value.clone());
            }
        }
        p
    }
}

impl AsRef<[Value]> for CheckedRow {
    fn as_ref(&self) -> &[Value] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema::new()
            .with_field("folder", FieldType::Keyword)
            .and_then(|s| s.with_field("year", FieldType::Int))
            .and_then(|s| s.with_field("rating", FieldType::Float))
            .and_then(|s| s.with_field("done", FieldType::Bool))
            .and_then(|s| s.with_field("tags", FieldType::KeywordList))
            .expect("schema")
    }

    #[test]
    fn field_names() {
        for good in [
            "a",
            "_",
            "folder",
            "Year_2",
            "_x9",
            &"a".repeat(64),
            "notes",
            "India",
        ] {
            assert!(check_field_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "9a",
            "a-b",
            "a b",
            "é",
            "a.b",
            &"a".repeat(65),
            "AND",
            "or",
            "Not",
            "in",
            "IS",
            "null",
            "contains",
            "TRUE",
            "false",
        ] {
            let mut s = Schema::new();
            assert!(
                matches!(
                    s.add_field(bad, FieldType::Int),
                    Err(Error::InvalidSchema { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn add_field_appends_and_rejects_duplicates() {
        let mut s = sample();
        assert_eq!(s.len(), 5);
        assert_eq!(s.index_of("rating"), Some(2));
        assert_eq!(s.index_of("Rating"), None);
        assert!(matches!(
            s.add_field("year", FieldType::Float),
            Err(Error::InvalidSchema { .. })
        ));
        let old = s.clone();
        assert_eq!(s.add_field("Year", FieldType::Float), Ok(5));
        assert!(s.extends(&old));
        assert!(s.extends(&Schema::new()));
        assert!(!old.extends(&s));
        let other = Schema::new()
            .with_field("folder", FieldType::Int)
            .expect("schema");
        assert!(!s.extends(&other));
        let mut full = Schema::new();
        for i in 0..MAX_FIELDS {
            full.add_field(format!("f{i}"), FieldType::Int)
                .expect("add");
        }
        assert!(full.add_field("one_more", FieldType::Int).is_err());
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let s = sample();
        let json = serde_json::to_string(&s).expect("json");
        assert!(
            json.starts_with(r#"[{"name":"folder","type":"Keyword"}"#),
            "{json}"
        );
        let back: Schema = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, s);
        assert_eq!(back.index_of("tags"), Some(4));
        let bad = r#"[{"name":"a","type":"Int"},{"name":"a","type":"Int"}]"#;
        assert!(serde_json::from_str::<Schema>(bad).is_err());
        let bad = r#"[{"name":"1a","type":"Int"}]"#;
        assert!(serde_json::from_str::<Schema>(bad).is_err());
        let bad = r#"[{"name":"a","type":"Decimal"}]"#;
        assert!(serde_json::from_str::<Schema>(bad).is_err());
    }

    #[test]
    fn check_payload_orders_and_converts() {
        let s = sample();
        let p = Payload::new()
            .set("tags", ["rust", "db"])
            .set("rating", 4)
            .set("folder", "work");
        let row = s.check_payload(&p).expect("check");
        assert_eq!(
            row.values(),
            &[
                Value::from("work"),
                Value::Null,
                Value::Float(4.0),
                Value::Null,
                Value::from(["rust", "db"]),
            ]
        );
        assert_eq!(row.get(99), &Value::Null);
        let back = row.to_payload(&s);
        assert_eq!(back.get("rating"), Some(&Value::Float(4.0)));
        assert_eq!(back.get("folder"), Some(&Value::from("work")));
        assert_eq!(back.len(), 3);
        assert!(s
            .check_payload(&Payload::new())
            .expect("empty")
            .is_all_null());
    }

    #[test]
    fn check_payload_errors() {
        let s = sample();
        let err = |p: Payload| s.check_payload(&p).expect_err("must fail");
        assert_eq!(
            err(Payload::new().set("colour", "red")),
            Error::UnknownField {
                name: "colour".into()
            }
        );
        assert_eq!(
            err(Payload::new().set("year", 2024.0)),
            Error::FieldTypeMismatch {
                field: "year".into(),
                expected: "Int".into(),
                got: "Float".into()
            }
        );
        for p in [
            Payload::new().set("folder", 1),
            Payload::new().set("folder", ["a"]),
            Payload::new().set("done", 1),
            Payload::new().set("tags", "rust"),
            Payload::new().set("rating", "4"),
            Payload::new().set("rating", true),
        ] {
            assert!(matches!(err(p), Error::FieldTypeMismatch { .. }));
        }
        assert!(matches!(
            err(Payload::new().set("rating", f64::NAN)),
            Error::InvalidValue { .. }
        ));
        assert!(s
            .check_payload(&Payload::new().set("rating", f64::INFINITY))
            .is_ok());
        assert!(matches!(
            err(Payload::new().set("folder", "x".repeat(MAX_KEYWORD_LEN + 1))),
            Error::InvalidValue { .. }
        ));
        assert!(matches!(
            err(Payload::new().set("tags", vec!["x"; MAX_LIST_LEN + 1])),
            Error::InvalidValue { .. }
        ));
        assert!(matches!(
            err(Payload::new().set("tags", vec!["x".repeat(MAX_KEYWORD_LEN + 1)])),
            Error::InvalidValue { .. }
        ));
    }

    #[test]
    fn fuzz_schemas_are_valid() {
        for pick in 0..=255u8 {
            let s = Schema::fuzz_schema(pick);
            assert!((1..=5).contains(&s.len()));
        }
    }
}
