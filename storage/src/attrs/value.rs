//! [`FieldType`], [`Value`] and [`Payload`]: the user's typed attribute values.

use std::collections::BTreeMap;
use std::fmt;

/// The type of a schema field.
///
/// The discriminants are stable file-format codes (see [`FieldType::code`]): they appear in log
/// rows and in columns sections and are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum FieldType {
    /// A UTF-8 string compared for equality (`=`, `!=`, `IN`).
    Keyword = 1,
    /// A signed 64-bit integer: equality, comparisons, ranges, `IN`.
    Int = 2,
    /// A 64-bit float, never NaN: equality, comparisons, ranges, `IN`. Accepts integers.
    Float = 3,
    /// A boolean: `=`, `!=`, `IN`, and a bare field name in filter text means `field = true`.
    Bool = 4,
    /// A list of UTF-8 strings: `CONTAINS`.
    KeywordList = 5,
}

impl FieldType {
    /// Every field type, in code order.
    pub const ALL: [FieldType; 5] = [
        FieldType::Keyword,
        FieldType::Int,
        FieldType::Float,
        FieldType::Bool,
        FieldType::KeywordList,
    ];

    /// The stable one-byte code of this type in Kiln's files (1 Keyword, 2 Int, 3 Float,
    /// 4 Bool, 5 KeywordList; 0 is never a type and means null in a log row).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The type with file-format code `code`, if any.
    pub fn from_code(code: u8) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The type's name as written in messages: `Keyword`, `Int`, `Float`, `Bool`, `KeywordList`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Keyword => "Keyword",
            FieldType::Int => "Int",
            FieldType::Float => "Float",
            FieldType::Bool => "Bool",
            FieldType::KeywordList => "KeywordList",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One attribute value. [`Value::Null`] is the absence of a value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// No value: what a field the payload does not set reads as.
    #[default]
    Null,
    /// An integer (for Int fields, and accepted by Float fields).
    Int(i64),
    /// A float (for Float fields; NaN is rejected wherever a value is checked).
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Keyword(String),
    /// A list of strings, kept in the given order with duplicates.
    KeywordList(Vec<String>),
}

impl Value {
    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The field type this value naturally belongs to; `None` for null. (An Int also fits a
    /// Float field.)
    pub fn field_type(&self) -> Option<FieldType> {
        match self {
            Value::Null => None,
            Value::Int(_) => Some(FieldType::Int),
            Value::Float(_) => Some(FieldType::Float),
            Value::Bool(_) => Some(FieldType::Bool),
            Value::Keyword(_) => Some(FieldType::Keyword),
            Value::KeywordList(_) => Some(FieldType::KeywordList),
        }
    }

    /// The value's kind as written in messages (`Null`, `Int`, ...).
    pub fn type_name(&self) -> &'static str {
        self.field_type().map_or("Null", FieldType::name)
    }

    /// The integer, for [`Value::Int`].
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The number as `f64`, for [`Value::Float`] and [`Value::Int`] (converted with `as`).
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(v) => Some(*v),
            Value::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The boolean, for [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(v) => Some(*v),
            _ => None,
        }
    }

    /// The string, for [`Value::Keyword`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Keyword(v) => Some(v),
            _ => None,
        }
    }

    /// The strings, for [`Value::KeywordList`].
    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            Value::KeywordList(v) => Some(v),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Keyword(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Keyword(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Keyword(v.clone())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(f64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<const N: usize> From<[&str; N]> for Value {
    fn from(v: [&str; N]) -> Self {
        Value::KeywordList(v.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl From<Vec<&str>> for Value {
    fn from(v: Vec<&str>) -> Self {
        Value::KeywordList(v.into_iter().map(str::to_owned).collect())
    }
}

impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Self {
        Value::KeywordList(v)
    }
}

impl From<&[&str]> for Value {
    fn from(v: &[&str]) -> Self {
        Value::KeywordList(v.iter().map(|s| (*s).to_owned()).collect())
    }
}

/// `None` is [`Value::Null`].
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A row's attributes: field name → value, ordered by name.
///
/// Setting a field to [`Value::Null`] removes it, since a missing field *is* null; so a payload
/// never holds a null and one read back from storage compares equal to the one written (up to
/// integers stored in Float fields, which read back as floats).
///
/// ```
/// # use kiln_storage::attrs::{Payload, Value};
/// let p = Payload::new().set("folder", "work").set("year", 2024).set("tags", ["rust", "db"]);
/// assert_eq!(p.get("year"), Some(&Value::Int(2024)));
/// assert_eq!(p.get("done"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Payload {
    entries: BTreeMap<String, Value>,
}

impl Payload {
    /// An empty payload.
    pub fn new() -> Self {
        Self::default()
    }

    /// This payload with `name` set to `value` (replacing an earlier value; a null removes it).
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(name, value);
        self
    }

    /// Set `name` to `value` in place, returning the previous value. A null removes the field.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let name = name.into();
        match value.into() {
            Value::Null => self.entries.remove(&name),
            value => self.entries.insert(name, value),
        }
    }

    /// Remove `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.entries.remove(name)
    }

    /// The value of `name`, or `None` when it is not set (null).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.get(name)
    }

    /// The fields that are set, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of fields set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Payload {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut p = Payload::new();
        for (k, v) in iter {
            p.insert(k, v);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_round_trip() {
        let codes: Vec<u8> = FieldType::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5]);
        for t in FieldType::ALL {
            assert_eq!(FieldType::from_code(t.code()), Some(t));
        }
        assert_eq!(FieldType::from_code(0), None);
        assert_eq!(FieldType::from_code(6), None);
        assert_eq!(
            serde_json::to_string(&FieldType::KeywordList).expect("json"),
            "\"KeywordList\""
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(Value::from("a"), Value::Keyword("a".into()));
        assert_eq!(Value::from(String::from("a")), Value::Keyword("a".into()));
        assert_eq!(Value::from(3i64), Value::Int(3));
        assert_eq!(Value::from(3i32), Value::Int(3));
        assert_eq!(Value::from(2.5f64), Value::Float(2.5));
        assert_eq!(Value::from(true), Value::Bool(true));
        let list = Value::KeywordList(vec!["a".into(), "b".into()]);
        assert_eq!(Value::from(["a", "b"]), list);
        assert_eq!(Value::from(vec!["a", "b"]), list);
        assert_eq!(Value::from(vec!["a".to_string(), "b".to_string()]), list);
        assert_eq!(Value::from(None::<i64>), Value::Null);
        assert_eq!(Value::from(Some(1)), Value::Int(1));
        assert_eq!(Value::Int(2).as_float(), Some(2.0));
        assert_eq!(Value::Null.type_name(), "Null");
    }

    #[test]
    fn payload_set_replaces_and_null_removes() {
        let p = Payload::new()
            .set("folder", "work")
            .set("year", 2024)
            .set("tags", ["rust", "db"])
            .set("year", 2025);
        assert_eq!(p.get("year"), Some(&Value::Int(2025)));
        assert_eq!(p.len(), 3);
        let p = p.set("folder", Value::Null);
        assert_eq!(p.get("folder"), None);
        assert_eq!(p.len(), 2);
        let q: Payload = [
            ("year", Value::Int(2025)),
            ("tags", Value::from(["rust", "db"])),
        ]
        .into_iter()
        .collect();
        assert_eq!(p, q, "equality does not depend on insertion order");
        let names: Vec<&str> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["tags", "year"]);
    }
}
