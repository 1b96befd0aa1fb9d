//! [`BoundFilter`]: a [`Filter`] checked against a [`Schema`], with names resolved to field
//! indexes and literals converted to the field's type; evaluated row by row
//! ([`BoundFilter::matches`]) or over a segment's index ([`super::AttrIndex::evaluate`]).

use std::ops::Bound;

use super::error::{Error, Result};
use super::filter::{CompareOp, Filter};
use super::parse::{depth_within, MAX_FILTER_DEPTH};
use super::schema::{Field, Schema};
use super::value::{FieldType, Value};

/// A bound filter node. Every leaf is false on a null field except `IsNull`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// Always this value, whatever the row.
    Const(bool),
    IsNull(usize),
    /// An Int field within `lo..=hi` (`lo <= hi`).
    IntRange {
        field: usize,
        lo: i64,
        hi: i64,
    },
    IntNe {
        field: usize,
        value: i64,
    },
    /// An Int field equal to one of `values` (sorted, distinct, not empty).
    IntIn {
        field: usize,
        values: Vec<i64>,
    },
    /// A Float field within the bounds (never NaN bounds).
    FloatRange {
        field: usize,
        lo: Bound<f64>,
        hi: Bound<f64>,
    },
    FloatNe {
        field: usize,
        value: f64,
    },
    /// A Float field equal to one of `values` (sorted by `total_cmp`, distinct by `==`, not
    /// empty).
    FloatIn {
        field: usize,
        values: Vec<f64>,
    },
    BoolEq {
        field: usize,
        value: bool,
    },
    /// A Keyword field equal to one of `values` (sorted, distinct, not empty).
    KeywordIn {
        field: usize,
        values: Vec<String>,
    },
    KeywordNe {
        field: usize,
        value: String,
    },
    /// A KeywordList field with `value` as an element.
    Contains {
        field: usize,
        value: String,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// A [`Filter`] bound to a [`Schema`] by [`Schema::check_filter`]: field names resolved to
/// indexes, operators and literals checked against the fields' types, literals converted
/// (integers on Float fields become floats), `IN` lists sorted, constant parts folded.
///
/// It refers to fields by index, so it applies to rows and segments written under the schema
/// it was bound with or under an older one (a prefix): fields a row or segment does not have
/// are null there. Bind again after the schema changes; binding is cheap.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundFilter {
    pub(crate) root: Node,
}

impl BoundFilter {
    /// Whether the filter holds for a row with `values` (in schema order; fields past the end
    /// are null). Meant for rows a [`Schema`] checked ([`super::CheckedRow::values`]); a value
    /// of the wrong type for its field makes every leaf on that field false.
    pub fn matches(&self, values: &[Value]) -> bool {
        self.root.matches(values)
    }

    /// `Some(b)` when the filter is `b` for every row whatever its values (e.g. `TRUE`,
    /// `x < -9223372036854775808`, `a IN ()`), so the caller can skip evaluating it.
    pub fn is_const(&self) -> Option<bool> {
        match self.root {
            Node::Const(b) => Some(b),
            _ => None,
        }
    }
}

static NULL: Value = Value::Null;

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) => Some(*x),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    }
}

pub(crate) fn above(x: f64, lo: &Bound<f64>) -> bool {
    match lo {
        Bound::Included(l) => x >= *l,
        Bound::Excluded(l) => x > *l,
        Bound::Unbounded => true,
    }
}

pub(crate) fn below(x: f64, hi: &Bound<f64>) -> bool {
    match hi {
        Bound::Included(h) => x <= *h,
        Bound::Excluded(h) => x < *h,
        Bound::Unbounded => true,
    }
}

/// Index of the first element of `sorted` (sorted by `total_cmp`, no NaN) equal to `x`, if any.
pub(crate) fn float_position(sorted: &[f64], x: f64) -> Option<usize> {
    let i = sorted.partition_point(|v| *v < x);
    sorted.get(i).filter(|v| **v == x).map(|_| i)
}

impl Node {
    fn matches(&self, row: &[Value]) -> bool {
        let get = |f: &usize| row.get(*f).unwrap_or(&NULL);
        match self {
            Node::Const(b) => *b,
            Node::IsNull(f) => get(f).is_null(),
            Node::IntRange { field, lo, hi } => {
                matches!(get(field), Value::Int(v) if lo <= v && v <= hi)
            }
            Node::IntNe { field, value } => matches!(get(field), Value::Int(v) if v != value),
            Node::IntIn { field, values } => {
                matches!(get(field), Value::Int(v) if values.binary_search(v).is_ok())
            }
            Node::FloatRange { field, lo, hi } => {
                float_of(get(field)).is_some_and(|x| above(x, lo) && below(x, hi))
            }
            Node::FloatNe { field, value } => float_of(get(field)).is_some_and(|x| x != *value),
            Node::FloatIn { field, values } => {
                float_of(get(field)).is_some_and(|x| float_position(values, x).is_some())
            }
            Node::BoolEq { field, value } => matches!(get(field), Value::Bool(b) if b == value),
            Node::KeywordIn { field, values } => matches!(
                get(field),
                Value::Keyword(s) if values.binary_search_by(|v| v.as_str().cmp(s)).is_ok()
            ),
            Node::KeywordNe { field, value } => {
                matches!(get(field), Value::Keyword(s) if s != value)
            }
            Node::Contains { field, value } => {
                matches!(get(field), Value::KeywordList(l) if l.iter().any(|s| s == value))
            }
            Node::And(v) => v.iter().all(|n| n.matches(row)),
            Node::Or(v) => v.iter().any(|n| n.matches(row)),
            Node::Not(n) => !n.matches(row),
        }
    }
}

impl Schema {
    /// Check `filter` against this schema and bind it.
    ///
    /// Errors:
    /// - [`Error::UnknownField`] for a name the schema does not have;
    /// - [`Error::FieldTypeMismatch`] for an operator the field's type does not support (a
    ///   range on a Keyword, `CONTAINS` on anything but a KeywordList, `=` on a KeywordList)
    ///   or a literal of the wrong type (a float or string on an Int field, a number on a Bool
    ///   field, ...); integers are accepted on Float fields;
    /// - [`Error::InvalidFilter`] for a NULL literal (use `IS NULL`), a NaN literal, or nesting
    ///   deeper than [`MAX_FILTER_DEPTH`].
    pub fn check_filter(&self, filter: &Filter) -> Result<BoundFilter> {
        if depth_within(filter, MAX_FILTER_DEPTH).is_none() {
            return Err(Error::invalid_filter(format!(
                "filter nested deeper than {MAX_FILTER_DEPTH} levels"
            )));
        }
        Ok(BoundFilter {
            root: self.bind(filter)?,
        })
    }

    fn resolve(&self, name: &str) -> Result<(usize, &Field)> {
        self.index_of(name)
            .and_then(|i| Some((i, self.field(i)?)))
            .ok_or_else(|| Error::UnknownField {
                name: name.to_owned(),
            })
    }

    fn bind(&self, filter: &Filter) -> Result<Node> {
        Ok(match filter {
            Filter::Compare { field, op, value } => {
                let (i, f) = self.resolve(field)?;
                bind_compare(i, f, *op, value)?
            }
            Filter::OneOf { field, values } => {
                let (i, f) = self.resolve(field)?;
                bind_one_of(i, f, values)?
            }
            Filter::Contains { field, value } => {
                let (i, f) = self.resolve(field)?;
                if f.ty != FieldType::KeywordList {
                    return Err(Error::mismatch(
                        &f.name,
                        "KeywordList for `CONTAINS`",
                        f.ty.name(),
                    ));
                }
                match value {
                    Value::Keyword(s) => Node::Contains {
                        field: i,
                        value: s.clone(),
                    },
                    other => return Err(literal_error(f, other, "Keyword")),
                }
            }
            Filter::IsNull { field } => Node::IsNull(self.resolve(field)?.0),
            Filter::And(v) => and(v.iter().map(|f| self.bind(f)).collect::<Result<_>>()?),
            Filter::Or(v) => or(v.iter().map(|f| self.bind(f)).collect::<Result<_>>()?),
            Filter::Not(inner) => match self.bind(inner)? {
                Node::Const(b) => Node::Const(!b),
                n => Node::Not(Box::new(n)),
            },
        })
    }
}

/// The error for literal `v` that does not fit field `f`, which needs `expected`.
fn literal_error(f: &Field, v: &Value, expected: &str) -> Error {
    match v {
        Value::Null => Error::invalid_filter(format!(
            "field `{}` compared with NULL, which matches nothing; use `IS NULL` or `IS NOT NULL`",
            f.name
        )),
        Value::Float(x) if x.is_nan() => {
            Error::invalid_filter(format!("field `{}` compared with NaN", f.name))
        }
        _ => Error::mismatch(&f.name, expected, format!("{} literal", v.type_name())),
    }
}

/// The literal `v` as a number for Float field `f`.
fn float_literal(f: &Field, v: &Value) -> Result<f64> {
    match v {
        Value::Float(x) if !x.is_nan() => Ok(*x),
        Value::Int(i) => Ok(*i as f64),
        _ => Err(literal_error(f, v, "Float (or Int)")),
    }
}

fn bind_compare(i: usize, f: &Field, op: CompareOp, v: &Value) -> Result<Node> {
    use CompareOp::*;
    let ordering = matches!(op, Lt | Le | Gt | Ge);
    match f.ty {
        FieldType::Int => {
            let Value::Int(x) = *v else {
                return Err(literal_error(f, v, "Int"));
            };
            let range = |lo: Option<i64>, hi: Option<i64>| match (lo, hi) {
                (Some(lo), Some(hi)) => Node::IntRange { field: i, lo, hi },
                _ => Node::Const(false),
            };
            Ok(match op {
                Eq => range(Some(x), Some(x)),
                Ne => Node::IntNe { field: i, value: x },
                Lt => range(Some(i64::MIN), x.checked_sub(1)),
                Le => range(Some(i64::MIN), Some(x)),
                Gt => range(x.checked_add(1), Some(i64::MAX)),
                Ge => range(Some(x), Some(i64::MAX)),
            })
        }
        FieldType::Float => {
            let x = float_literal(f, v)?;
            let range = |lo, hi| Node::FloatRange { field: i, lo, hi };
            Ok(match op {
                Eq => range(Bound::Included(x), Bound::Included(x)),
                Ne => Node::FloatNe { field: i, value: x },
                Lt => range(Bound::Unbounded, Bound::Excluded(x)),
                Le => range(Bound::Unbounded, Bound::Included(x)),
                Gt => range(Bound::Excluded(x), Bound::Unbounded),
                Ge => range(Bound::Included(x), Bound::Unbounded),
            })
        }
        FieldType::Bool | FieldType::Keyword if ordering => Err(Error::mismatch(
            &f.name,
            format!("Int or Float for `{}`", op.symbol()),
            f.ty.name(),
        )),
        FieldType::Bool => {
            let Value::Bool(b) = *v else {
                return Err(literal_error(f, v, "Bool"));
            };
            Ok(Node::BoolEq {
                field: i,
                value: if op == Ne { !b } else { b },
            })
        }
        FieldType::Keyword => {
            let Value::Keyword(s) = v else {
                return Err(literal_error(f, v, "Keyword"));
            };
            Ok(if op == Ne {
                Node::KeywordNe {
                    field: i,
                    value: s.clone(),
                }
            } else {
                Node::KeywordIn {
                    field: i,
                    values: vec![s.clone()],
                }
            })
        }
        FieldType::KeywordList => Err(Error::mismatch(
            &f.name,
            format!(
                "Keyword, Int, Float or Bool for `{}` (CONTAINS tests a KeywordList)",
                op.symbol()
            ),
            f.ty.name(),
        )),
    }
}

fn bind_one_of(i: usize, f: &Field, values: &[Value]) -> Result<Node> {
    let node = match f.ty {
        FieldType::Int => {
            let mut v = values
                .iter()
                .map(|v| match v {
                    Value::Int(x) => Ok(*x),
                    _ => Err(literal_error(f, v, "Int")),
                })
                .collect::<Result<Vec<i64>>>()?;
            v.sort_unstable();
            v.dedup();
            Node::IntIn {
                field: i,
                values: v,
            }
        }
        FieldType::Float => {
            let mut v = values
                .iter()
                .map(|v| float_literal(f, v))
                .collect::<Result<Vec<f64>>>()?;
            v.sort_unstable_by(f64::total_cmp);
            v.dedup_by(|a, b| a == b);
            Node::FloatIn {
                field: i,
                values: v,
            }
        }
        FieldType::Bool => {
            let (mut t, mut fa) = (false, false);
            for v in values {
                match v {
                    Value::Bool(true) => t = true,
                    Value::Bool(false) => fa = true,
                    _ => return Err(literal_error(f, v, "Bool")),
                }
            }
            match (t, fa) {
                (true, true) => Node::Not(Box::new(Node::IsNull(i))),
                (true, false) => Node::BoolEq {
                    field: i,
                    value: true,
                },
                (false, true) => Node::BoolEq {
                    field: i,
                    value: false,
                },
                (false, false) => Node::Const(false),
            }
        }
        FieldType::Keyword => {
            let mut v = values
                .iter()
                .map(|v| match v {
                    Value::Keyword(s) => Ok(s.clone()),
                    _ => Err(literal_error(f, v, "Keyword")),
                })
                .collect::<Result<Vec<String>>>()?;
            v.sort_unstable();
            v.dedup();
            Node::KeywordIn {
                field: i,
                values: v,
            }
        }
        FieldType::KeywordList => return Err(Error::mismatch(
            &f.name,
            "Keyword, Int, Float or Bool for `IN` (for a KeywordList, combine CONTAINS with OR)",
            f.ty.name(),
        )),
    };
    Ok(match node {
        Node::IntIn { values, .. } if values.is_empty() => Node::Const(false),
        Node::FloatIn { values, .. } if values.is_empty() => Node::Const(false),
        Node::KeywordIn { values, .. } if values.is_empty() => Node::Const(false),
        n => n,
    })
}

/// The intersection of two bounds on the low side: the tighter one.
fn max_low(a: Bound<f64>, b: Bound<f64>) -> Bound<f64> {
    use Bound::*;
    match (a, b) {
        (Unbounded, x) | (x, Unbounded) => x,
        (Included(x), Included(y)) => Included(x.max(y)),
        (Excluded(x), Excluded(y)) => Excluded(x.max(y)),
        (Included(i), Excluded(e)) | (Excluded(e), Included(i)) => {
            if i > e {
                Included(i)
            } else {
                Excluded(e)
            }
        }
    }
}

/// The intersection of two bounds on the high side: the tighter one.
fn min_high(a: Bound<f64>, b: Bound<f64>) -> Bound<f64> {
    use Bound::*;
    match (a, b) {
        (Unbounded, x) | (x, Unbounded) => x,
        (Included(x), Included(y)) => Included(x.min(y)),
        (Excluded(x), Excluded(y)) => Excluded(x.min(y)),
        (Included(i), Excluded(e)) | (Excluded(e), Included(i)) => {
            if i < e {
                Included(i)
            } else {
                Excluded(e)
            }
        }
    }
}

/// AND of bound operands: constants folded, ranges on the same field intersected (so
/// `range(..)`'s two comparisons become one lookup).
fn and(operands: Vec<Node>) -> Node {
    let mut out: Vec<Node> = Vec::with_capacity(operands.len());
    for n in operands {
        match n {
            Node::Const(true) => {}
            Node::Const(false) => return Node::Const(false),
            Node::IntRange { field, lo, hi } => {
                let merged = out.iter_mut().find_map(|m| match m {
                    Node::IntRange {
                        field: f,
                        lo: l,
                        hi: h,
                    } if *f == field => Some((l, h)),
                    _ => None,
                });
                match merged {
                    Some((l, h)) => {
                        *l = (*l).max(lo);
                        *h = (*h).min(hi);
                        if *l > *h {
                            return Node::Const(false);
                        }
                    }
                    None => out.push(Node::IntRange { field, lo, hi }),
                }
            }
            Node::FloatRange { field, lo, hi } => {
                let merged = out.iter_mut().find_map(|m| match m {
                    Node::FloatRange {
                        field: f,
                        lo: l,
                        hi: h,
                    } if *f == field => Some((l, h)),
                    _ => None,
                });
                match merged {
                    Some((l, h)) => {
                        *l = max_low(*l, lo);
                        *h = min_high(*h, hi);
                    }
                    None => out.push(Node::FloatRange { field, lo, hi }),
                }
            }
            n => out.push(n),
        }
    }
    match out.len() {
        0 => Node::Const(true),
        1 => out.pop().unwrap_or(Node::Const(true)),
        _ => Node::And(out),
    }
}

/// OR of bound operands, constants folded.
fn or(operands: Vec<Node>) -> Node {
    let mut out: Vec<Node> = Vec::with_capacity(operands.len());
    for n in operands {
        match n {
            Node::Const(false) => {}
            Node::Const(true) => return Node::Const(true),
            n => out.push(n),
        }
    }
    match out.len() {
        0 => Node::Const(false),
        1 => out.pop().unwrap_or(Node::Const(false)),
        _ => Node::Or(out),
    }
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

    fn bind(s: &str) -> BoundFilter {
        let f = Filter::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        schema()
            .check_filter(&f)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn bind_err(s: &str) -> Error {
        let f = Filter::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        schema().check_filter(&f).expect_err(s)
    }

    fn row(p: Payload) -> Vec<Value> {
        schema().check_payload(&p).expect("payload").into_values()
    }

    #[test]
    fn binding_errors() {
        assert_eq!(
            bind_err("colour = 'red'"),
            Error::UnknownField {
                name: "colour".into()
            }
        );
        assert_eq!(
            bind_err("folder = 'a' AND NOT (x IS NULL)"),
            Error::UnknownField { name: "x".into() }
        );
        for s in [
            "folder < 'm'",
            "folder >= 'm'",
            "done < true",
            "folder CONTAINS 'x'",
            "year CONTAINS 'x'",
            "tags = 'rust'",
            "tags != 'rust'",
            "tags IN ('rust')",
            "tags CONTAINS 1",
            "year = 2020.5",
            "year IN (1, 2.0)",
            "year = '2020'",
            "rating = 'x'",
            "rating IN (true)",
            "done = 1",
            "done IN ('x')",
            "folder = 1",
            "folder IN ('a', 1)",
            "folder = ['a']",
        ] {
            assert!(
                matches!(bind_err(s), Error::FieldTypeMismatch { .. }),
                "{s}: {:?}",
                bind_err(s)
            );
        }
        assert_eq!(
            bind_err("folder < 'm'"),
            Error::FieldTypeMismatch {
                field: "folder".into(),
                expected: "Int or Float for `<`".into(),
                got: "Keyword".into()
            }
        );
        assert_eq!(
            bind_err("year = 2020.5"),
            Error::FieldTypeMismatch {
                field: "year".into(),
                expected: "Int".into(),
                got: "Float literal".into()
            }
        );
        for s in [
            "year = NULL",
            "folder != null",
            "tags CONTAINS NULL",
            "year IN (1, NULL)",
        ] {
            assert!(
                matches!(bind_err(s), Error::InvalidFilter { position: None, .. }),
                "{s}"
            );
        }
        let nan = Filter::eq("rating", f64::NAN);
        assert!(matches!(
            schema().check_filter(&nan),
            Err(Error::InvalidFilter { .. })
        ));
        let mut deep = Filter::is_null("year");
        for _ in 0..10_000 {
            deep = !deep;
        }
        assert!(matches!(
            schema().check_filter(&deep),
            Err(Error::InvalidFilter { .. })
        ));
        // Dropping a 10,000-deep filter is fine; parsing refuses to make one.
        drop(deep);
    }

    #[test]
    fn constants_fold_and_ranges_merge() {
        assert_eq!(bind("TRUE").is_const(), Some(true));
        assert_eq!(bind("FALSE").is_const(), Some(false));
        assert_eq!(bind("year < -9223372036854775808").is_const(), Some(false));
        assert_eq!(bind("year > 9223372036854775807").is_const(), Some(false));
        assert_eq!(bind("year IN ()").is_const(), Some(false));
        assert_eq!(bind("NOT folder IN ()").is_const(), Some(true));
        assert_eq!(bind("year >= 5 AND year < 5").is_const(), Some(false));
        assert_eq!(
            bind("year >= 2020 AND folder = 'a' AND year <= 2024").root,
            Node::And(vec![
                Node::IntRange {
                    field: 1,
                    lo: 2020,
                    hi: 2024
                },
                Node::KeywordIn {
                    field: 0,
                    values: vec!["a".into()]
                }
            ])
        );
        assert_eq!(
            bind("rating > 1 AND rating <= 2.5").root,
            Node::FloatRange {
                field: 2,
                lo: Bound::Excluded(1.0),
                hi: Bound::Included(2.5)
            }
        );
        assert_eq!(
            bind("done IN (true, false)").root,
            Node::Not(Box::new(Node::IsNull(3)))
        );
        assert_eq!(
            bind("year IN (3, 1, 3)").root,
            Node::IntIn {
                field: 1,
                values: vec![1, 3]
            }
        );
        assert_eq!(
            bind("done != true").root,
            Node::BoolEq {
                field: 3,
                value: false
            }
        );
    }

    #[test]
    fn null_semantics() {
        let empty = row(Payload::new());
        let set = row(Payload::new()
            .set("folder", "work")
            .set("year", 2024)
            .set("rating", 4.5)
            .set("done", false)
            .set("tags", Vec::<String>::new()));
        for (s, on_null, on_set) in [
            ("year = 1", false, false),
            ("year != 1", false, true),
            ("NOT year = 1", true, true),
            ("year < 3000", false, true),
            ("NOT year < 3000", true, false),
            ("year IS NULL", true, false),
            ("year IS NOT NULL", false, true),
            ("folder != 'x'", false, true),
            ("NOT folder = 'x'", true, true),
            ("folder NOT IN ('x')", true, true),
            ("done != true", false, true),
            ("NOT done", true, true),
            ("done", false, false),
            ("rating != 1", false, true),
            ("tags CONTAINS 'x'", false, false),
            ("NOT tags CONTAINS 'x'", true, true),
            ("tags IS NULL", true, false),
            ("TRUE", true, true),
            ("FALSE", false, false),
        ] {
            let f = bind(s);
            assert_eq!(f.matches(&empty), on_null, "{s} on nulls");
            assert_eq!(f.matches(&set), on_set, "{s} on values");
            assert_eq!(f.matches(&[]), on_null, "{s} on a row of an older schema");
        }
    }

    #[test]
    fn int_and_float() {
        let r = row(Payload::new().set("year", 2024).set("rating", 3));
        assert_eq!(r.get(2), Some(&Value::Float(3.0)));
        for (s, want) in [
            ("rating = 3", true),
            ("rating = 3.0", true),
            ("rating > 2", true),
            ("rating IN (1, 3)", true),
            ("rating IN (1.5, 3.0)", true),
            ("rating < 3", false),
            ("rating <= 3", true),
            ("year = 2024", true),
            ("year IN (2023, 2024)", true),
            ("year >= 2025", false),
        ] {
            assert_eq!(bind(s).matches(&r), want, "{s}");
        }
        let neg_zero = row(Payload::new().set("rating", -0.0));
        assert!(bind("rating = 0.0").matches(&neg_zero));
        assert!(bind("rating >= 0").matches(&neg_zero));
        assert!(!bind("rating < 0").matches(&neg_zero));
        assert!(bind("rating IN (0.0)").matches(&neg_zero));
        let inf = row(Payload::new().set("rating", f64::INFINITY));
        assert!(bind("rating > 1e308").matches(&inf));
        assert!(bind("rating = 1e999").matches(&inf));
        let big = row(Payload::new().set("year", i64::MAX).set("rating", i64::MAX));
        assert!(bind("year = 9223372036854775807").matches(&big));
        assert!(bind("year > 9223372036854775806").matches(&big));
        assert!(bind("rating = 9223372036854775807").matches(&big));
    }

    #[test]
    fn keywords_and_lists() {
        let r = row(Payload::new()
            .set("folder", "work")
            .set("tags", ["rust", "db", "rust"]));
        for (s, want) in [
            ("folder = 'work'", true),
            ("folder = 'Work'", false),
            ("folder IN ('home', 'work')", true),
            ("folder != 'work'", false),
            ("tags CONTAINS 'rust'", true),
            ("tags CONTAINS 'go'", false),
            ("tags CONTAINS 'db' AND NOT tags CONTAINS 'go'", true),
            ("folder = 'work' OR tags CONTAINS 'go'", true),
        ] {
            assert_eq!(bind(s).matches(&r), want, "{s}");
        }
    }
}
