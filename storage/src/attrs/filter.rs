//! [`Filter`]: the filter expression a user builds or writes, before it is checked against a
//! schema.

use std::fmt;
use std::ops::{Bound, RangeBounds};

use super::schema::{is_plain_identifier, is_reserved};
use super::value::Value;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=` (false on a null field; see the module's semantics)
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written in filter text.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A filter over a row's attributes: names and literals as the user gave them, checked against
/// a schema only by [`super::Schema::check_filter`].
///
/// Build it with the constructors and the operators `&`, `|`, `!`, or parse it from text with
/// [`Filter::parse`]:
///
/// ```
/// # use kiln_storage::attrs::Filter;
/// let f = Filter::eq("folder", "work") & Filter::range("year", 2020..=2024) & !Filter::eq("done", true);
/// let g = Filter::parse("folder = 'work' AND year >= 2020 AND year <= 2024 AND NOT done").unwrap();
/// assert_eq!(f, g);
/// assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
/// ```
///
/// Semantics (nulls, `NOT`, Int vs Float) are in the [module documentation](super).
///
/// `Display` writes filter text that [`Filter::parse`] reads back to an equal filter, for every
/// filter the constructors, operators and parser make, except literals that are NaN (which no
/// schema accepts). `And`/`Or` of no operand print as `TRUE`/`FALSE`; one of a single operand,
/// which only a hand-made variant can be, prints as that operand.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Filter {
    /// `field op value`.
    Compare {
        /// The field's name.
        field: String,
        /// The operator.
        op: CompareOp,
        /// The literal.
        value: Value,
    },
    /// `field IN (values...)`: equal to one of the values (none: false).
    OneOf {
        /// The field's name.
        field: String,
        /// The literals.
        values: Vec<Value>,
    },
    /// `field CONTAINS value`: a KeywordList field has `value` as an element.
    Contains {
        /// The field's name.
        field: String,
        /// The literal.
        value: Value,
    },
    /// `field IS NULL`.
    IsNull {
        /// The field's name.
        field: String,
    },
    /// All operands hold (none: true).
    And(Vec<Filter>),
    /// At least one operand holds (none: false).
    Or(Vec<Filter>),
    /// The operand does not hold.
    Not(Box<Filter>),
}

fn compare(field: impl Into<String>, op: CompareOp, value: impl Into<Value>) -> Filter {
    Filter::Compare {
        field: field.into(),
        op,
        value: value.into(),
    }
}

impl Filter {
    /// `field = value`.
    pub fn eq(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        compare(field, CompareOp::Eq, value)
    }

    /// `field != value`: false where the field is null (unlike `!Filter::eq(..)`).
    pub fn ne(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        compare(field, CompareOp::Ne, value)
    }

    /// `field < value`.
    pub fn lt(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        compare(field, CompareOp::Lt, value)
    }

    /// `field <= value`.
    pub fn le(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        compare(field, CompareOp::Le, value)
    }

    /// `field > value`.
    pub fn gt(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        compare(field, CompareOp::Gt, value)
    }

    /// `field >= value`.
    pub fn ge(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        compare(field, CompareOp::Ge, value)
    }

    /// `field` within `bounds`, as comparisons: `range("y", 2020..=2024)` is
    /// `y >= 2020 AND y <= 2024`, `range("y", 2020..)` is `y >= 2020`; an unbounded range is
    /// `y IS NOT NULL`.
    pub fn range<T: Into<Value> + Clone>(
        field: impl Into<String>,
        bounds: impl RangeBounds<T>,
    ) -> Filter {
        let field = field.into();
        let low = match bounds.start_bound() {
            Bound::Included(v) => Some(Filter::ge(field.clone(), v.clone())),
            Bound::Excluded(v) => Some(Filter::gt(field.clone(), v.clone())),
            Bound::Unbounded => None,
        };
        let high = match bounds.end_bound() {
            Bound::Included(v) => Some(Filter::le(field.clone(), v.clone())),
            Bound::Excluded(v) => Some(Filter::lt(field.clone(), v.clone())),
            Bound::Unbounded => None,
        };
        match (low, high) {
            (Some(l), Some(h)) => Filter::And(vec![l, h]),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => Filter::is_not_null(field),
        }
    }

    /// `field IN (values...)`: equal to one of `values`; false for none.
    pub fn one_of<V: Into<Value>>(
        field: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Filter {
        Filter::OneOf {
            field: field.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `field CONTAINS value`: the KeywordList `field` has `value` as an element.
    pub fn contains(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        Filter::Contains {
            field: field.into(),
            value: value.into(),
        }
    }

    /// `field IS NULL`: the row has no value for `field`.
    pub fn is_null(field: impl Into<String>) -> Filter {
        Filter::IsNull {
            field: field.into(),
        }
    }

    /// `field IS NOT NULL`, which is `NOT field IS NULL`.
    pub fn is_not_null(field: impl Into<String>) -> Filter {
        Filter::Not(Box::new(Filter::is_null(field)))
    }

    /// All of `filters` hold; true when there are none. One filter is returned as it is.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Filter {
        let mut v: Vec<Filter> = filters.into_iter().collect();
        if v.len() == 1 {
            if let Some(one) = v.pop() {
                return one;
            }
        }
        Filter::And(v)
    }

    /// At least one of `filters` holds; false when there are none. One filter is returned as
    /// it is.
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Filter {
        let mut v: Vec<Filter> = filters.into_iter().collect();
        if v.len() == 1 {
            if let Some(one) = v.pop() {
                return one;
            }
        }
        Filter::Or(v)
    }

    /// `self AND other` (the `&` operator). Chains flatten: `a & b & c` is one `And` of three.
    #[allow(clippy::should_implement_trait)]
    pub fn and(self, other: Filter) -> Filter {
        let mut v = match self {
            Filter::And(v) => v,
            f => vec![f],
        };
        match other {
            Filter::And(w) => v.extend(w),
            f => v.push(f),
        }
        Filter::all(v)
    }

    /// `self OR other` (the `|` operator). Chains flatten: `a | b | c` is one `Or` of three.
    #[allow(clippy::should_implement_trait)]
    pub fn or(self, other: Filter) -> Filter {
        let mut v = match self {
            Filter::Or(v) => v,
            f => vec![f],
        };
        match other {
            Filter::Or(w) => v.extend(w),
            f => v.push(f),
        }
        Filter::any(v)
    }

    /// `NOT self` (the `!` operator): true exactly where `self` is false, nulls included.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }

    /// The operand a single-operand `And`/`Or` stands for (itself otherwise).
    fn effective(&self) -> &Filter {
        let mut f = self;
        while let Filter::And(v) | Filter::Or(v) = f {
            match v.as_slice() {
                [one] => f = one,
                _ => break,
            }
        }
        f
    }

    /// Whether printing `self` as an operand of AND, OR or NOT needs parentheses.
    fn is_compound(&self) -> bool {
        matches!(self.effective(), Filter::And(v) | Filter::Or(v) if v.len() >= 2)
    }
}

impl std::ops::BitAnd for Filter {
    type Output = Filter;
    fn bitand(self, rhs: Filter) -> Filter {
        self.and(rhs)
    }
}

impl std::ops::BitOr for Filter {
    type Output = Filter;
    fn bitor(self, rhs: Filter) -> Filter {
        self.or(rhs)
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;
    fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }
}

/// Write `name` as filter text: bare when it is a plain identifier and not a reserved word,
/// otherwise in double quotes with `"` doubled.
pub(crate) fn write_field(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if is_plain_identifier(name) && !is_reserved(name) {
        f.write_str(name)
    } else {
        write!(f, "\"{}\"", name.replace('"', "\"\""))
    }
}

fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    write!(f, "'{}'", s.replace('\'', "''"))
}

/// Write `v` as a literal of filter text.
pub(crate) fn write_value(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    match v {
        Value::Null => f.write_str("NULL"),
        Value::Int(i) => write!(f, "{i}"),
        // `{:?}` is the shortest text that reads back to the same f64 and always has a `.` or
        // an exponent, so it never reads back as an integer. Infinities are written as a
        // number that overflows to them; NaN has no literal.
        Value::Float(x) if x.is_infinite() => {
            f.write_str(if *x > 0.0 { "1e999" } else { "-1e999" })
        }
        Value::Float(x) if x.is_nan() => f.write_str("NaN"),
        Value::Float(x) => write!(f, "{x:?}"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Keyword(s) => write_string(f, s),
        Value::KeywordList(list) => {
            f.write_str("[")?;
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_string(f, s)?;
            }
            f.write_str("]")
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, filter: &Filter) -> fmt::Result {
    if filter.is_compound() {
        write!(f, "({filter})")
    } else {
        write!(f, "{filter}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { field, op, value } => {
                write_field(f, field)?;
                write!(f, " {} ", op.symbol())?;
                write_value(f, value)
            }
            Filter::OneOf { field, values } => {
                write_field(f, field)?;
                f.write_str(" IN (")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_value(f, v)?;
                }
                f.write_str(")")
            }
            Filter::Contains { field, value } => {
                write_field(f, field)?;
                f.write_str(" CONTAINS ")?;
                write_value(f, value)
            }
            Filter::IsNull { field } => {
                write_field(f, field)?;
                f.write_str(" IS NULL")
            }
            Filter::Not(inner) => match &**inner {
                Filter::IsNull { field } => {
                    write_field(f, field)?;
                    f.write_str(" IS NOT NULL")
                }
                inner => {
                    f.write_str("NOT ")?;
                    write_operand(f, inner)
                }
            },
            Filter::And(v) | Filter::Or(v) => {
                let (empty, sep) = match self {
                    Filter::And(_) => ("TRUE", " AND "),
                    _ => ("FALSE", " OR "),
                };
                match v.as_slice() {
                    [] => f.write_str(empty),
                    [one] => write!(f, "{one}"),
                    many => {
                        for (i, operand) in many.iter().enumerate() {
                            if i > 0 {
                                f.write_str(sep)?;
                            }
                            write_operand(f, operand)?;
                        }
                        Ok(())
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders() {
        assert_eq!(
            Filter::range("y", 2020..=2024),
            Filter::And(vec![Filter::ge("y", 2020), Filter::le("y", 2024)])
        );
        assert_eq!(
            Filter::range("y", 2020..2024),
            Filter::And(vec![Filter::ge("y", 2020), Filter::lt("y", 2024)])
        );
        assert_eq!(Filter::range("y", 1.5..), Filter::ge("y", 1.5));
        assert_eq!(Filter::range("y", ..=3), Filter::le("y", 3));
        assert_eq!(
            Filter::range::<i64>("y", (Bound::Excluded(1), Bound::Unbounded)),
            Filter::gt("y", 1)
        );
        assert_eq!(
            Filter::range::<i64>("y", ..),
            Filter::Not(Box::new(Filter::is_null("y")))
        );
        assert_eq!(
            Filter::one_of("f", ["a", "b"]),
            Filter::OneOf {
                field: "f".into(),
                values: vec![Value::from("a"), Value::from("b")]
            }
        );
        assert_eq!(Filter::all([Filter::is_null("a")]), Filter::is_null("a"));
        assert_eq!(Filter::all(Vec::new()), Filter::And(vec![]));
        assert_eq!(Filter::any(Vec::new()), Filter::Or(vec![]));
    }

    #[test]
    fn operators_flatten_chains() {
        let (a, b, c) = (Filter::eq("a", 1), Filter::eq("b", 2), Filter::eq("c", 3));
        assert_eq!(
            a.clone() & b.clone() & c.clone(),
            Filter::And(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(
            a.clone() & (b.clone() & c.clone()),
            Filter::And(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(
            a.clone() | b.clone() | c.clone(),
            Filter::Or(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(
            (a.clone() | b.clone()) & c.clone(),
            Filter::And(vec![Filter::Or(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(!a.clone(), Filter::Not(Box::new(a.clone())));
        assert_eq!(a.clone().not(), !a.clone());
        assert_eq!(Filter::all(Vec::new()) & a.clone(), a.clone());
        assert_eq!(Filter::any(Vec::new()) | a.clone(), a);
    }

    #[test]
    fn display() {
        let f = Filter::eq("folder", "it's")
            & Filter::range("year", 2020..=2024)
            & !Filter::eq("done", true)
            & (Filter::contains("tags", "rust") | Filter::is_null("tags"))
            & Filter::one_of("rating", [1.0, 2.5])
            & Filter::is_not_null("x")
            & Filter::ne("select", -3);
        assert_eq!(
            f.to_string(),
            "folder = 'it''s' AND year >= 2020 AND year <= 2024 AND NOT done = true AND \
             (tags CONTAINS 'rust' OR tags IS NULL) AND rating IN (1.0, 2.5) AND x IS NOT NULL \
             AND select != -3"
        );
        assert_eq!(Filter::eq("and", 1).to_string(), "\"and\" = 1");
        assert_eq!(Filter::eq("a \"b\"", 1).to_string(), "\"a \"\"b\"\"\" = 1");
        assert_eq!(Filter::eq("x", f64::INFINITY).to_string(), "x = 1e999");
        assert_eq!(Filter::eq("x", f64::NEG_INFINITY).to_string(), "x = -1e999");
        assert_eq!(Filter::eq("x", 1e300).to_string(), "x = 1e300");
        assert_eq!(Filter::eq("x", Value::Null).to_string(), "x = NULL");
        assert_eq!(Filter::eq("x", ["a", "b"]).to_string(), "x = ['a', 'b']");
        assert_eq!(Filter::And(vec![]).not().to_string(), "NOT TRUE");
        assert_eq!(
            Filter::Not(Box::new(Filter::And(vec![Filter::Or(vec![
                Filter::is_null("a"),
                Filter::is_null("b")
            ])])))
            .to_string(),
            "NOT (a IS NULL OR b IS NULL)"
        );
        assert_eq!(
            Filter::one_of("a", Vec::<i64>::new()).to_string(),
            "a IN ()"
        );
    }
}
