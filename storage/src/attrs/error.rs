//! The attribute module's error type.

/// Errors of schemas, payloads, filters and the attribute codecs.
///
/// `Clone` and `PartialEq` so that the engine can keep and compare them; the engine maps each
/// variant to its own public error (decoder failures to `Corrupted` with the file's path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A payload or filter names a field the schema does not have.
    #[error("unknown field `{name}`")]
    UnknownField {
        /// The name as given.
        name: String,
    },
    /// A value, literal or operator does not fit the field's type.
    ///
    /// For a payload value or a filter literal, `expected` is the field's type and `got` the
    /// value's; for an operator that does not apply to the field's type (a range on a Keyword,
    /// `CONTAINS` on an Int), `expected` names the types the operator needs and `got` the
    /// field's type.
    #[error("field `{field}`: expected {expected}, got {got}")]
    FieldTypeMismatch {
        /// The field.
        field: String,
        /// What was needed.
        expected: String,
        /// What was found.
        got: String,
    },
    /// A filter that cannot be parsed or bound: a syntax error (with its byte position), a
    /// comparison with NULL or NaN, nesting deeper than [`super::MAX_FILTER_DEPTH`].
    #[error("invalid filter: {reason}")]
    InvalidFilter {
        /// What is wrong; for a parse error it ends with "at byte N".
        reason: String,
        /// The byte offset in the filter text where the parse error was found; `None` for
        /// errors found while binding.
        position: Option<usize>,
    },
    /// A payload value the field's type cannot hold: a NaN, a keyword or keyword list over its
    /// length limit, a row with more values than the schema has fields.
    #[error("invalid value for field `{field}`: {reason}")]
    InvalidValue {
        /// The field (empty when the problem is the row's shape).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A schema change that is not allowed: an invalid or duplicate field name, too many fields.
    #[error("invalid schema: {reason}")]
    InvalidSchema {
        /// What is wrong.
        reason: String,
    },
    /// Encoded attribute bytes (a log row or a columns section) failed verification.
    #[error("corrupted attribute data: {reason}")]
    Corrupted {
        /// What check failed.
        reason: String,
    },
}

/// `Result` with the attribute module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn corrupted(reason: impl Into<String>) -> Self {
        Error::Corrupted {
            reason: reason.into(),
        }
    }

    pub(crate) fn mismatch(
        field: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Self {
        Error::FieldTypeMismatch {
            field: field.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }

    pub(crate) fn invalid_filter(reason: impl Into<String>) -> Self {
        Error::InvalidFilter {
            reason: reason.into(),
            position: None,
        }
    }

    pub(crate) fn invalid_value(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
