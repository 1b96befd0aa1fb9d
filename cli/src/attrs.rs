//! Attributes on the command line: `name:type` field specs, filters, payloads printed as JSON,
//! and the JSON-lines files `kiln import --attrs` reads (line i: the attributes of vector row i).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use kiln::{Collection, Field, FieldType, Filter, Payload, Value};

use crate::error::CliError;
use crate::table;

/// Longest keyword the engine stores, in bytes (`kiln_storage::attrs::MAX_KEYWORD_LEN`, which
/// `kiln` does not re-export). Checked here too so that the error names the line.
const MAX_KEYWORD_LEN: usize = 65_535;
/// Most elements of one keyword list (`kiln_storage::attrs::MAX_LIST_LEN`).
const MAX_LIST_LEN: usize = 65_535;

/// A field of `--field` / `add-field`: `name:type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// The name (checked by the engine).
    pub name: String,
    /// The type.
    pub ty: FieldType,
}

/// The type's command-line name: keyword, int, float, bool, keyword-list.
pub fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Keyword => "keyword",
        FieldType::Int => "int",
        FieldType::Float => "float",
        FieldType::Bool => "bool",
        FieldType::KeywordList => "keyword-list",
    }
}

/// Parse a type name (any case; `_` for `-`; `KeywordList`, `integer`, `boolean` too).
pub fn parse_type(s: &str) -> Result<FieldType, String> {
    match s.to_ascii_lowercase().replace('_', "-").as_str() {
        "keyword" => Ok(FieldType::Keyword),
        "int" | "integer" => Ok(FieldType::Int),
        "float" => Ok(FieldType::Float),
        "bool" | "boolean" => Ok(FieldType::Bool),
        "keyword-list" | "keywordlist" => Ok(FieldType::KeywordList),
        _ => Err(format!(
            "unknown field type {s:?}: use keyword, int, float, bool or keyword-list"
        )),
    }
}

/// Parse `name:type`.
pub fn parse_field_spec(s: &str) -> Result<FieldSpec, String> {
    let Some((name, ty)) = s.split_once(':') else {
        return Err(format!(
            "{s:?} is not NAME:TYPE (types: keyword, int, float, bool, keyword-list)"
        ));
    };
    if name.is_empty() {
        return Err(format!("{s:?} has an empty field name"));
    }
    Ok(FieldSpec {
        name: name.to_string(),
        ty: parse_type(ty)?,
    })
}

/// `name type, name type` (or `none`).
pub fn fields_line(fields: &[Field]) -> String {
    if fields.is_empty() {
        return "none".into();
    }
    fields
        .iter()
        .map(|f| format!("{} {}", f.name, type_name(f.ty)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parse filter text given to `option` (`--filter`, `--where`).
pub fn parse_filter(option: &str, text: &str) -> Result<Filter, CliError> {
    Filter::parse(text).map_err(|e| CliError::new(format!("bad {option} {text:?}"), e))
}

/// The error of a command that used a filter: the filter's own problems (an unknown field, a
/// type mismatch, an invalid filter) are blamed on `option`; anything else on `what`.
pub fn filter_error(
    c: &Collection,
    option: &str,
    text: &str,
    what: impl FnOnce() -> String,
    e: kiln::Error,
) -> CliError {
    match e {
        kiln::Error::UnknownField { .. } => {
            let fields = c.fields();
            let known = if fields.is_empty() {
                format!("collection {} has no fields", c.name())
            } else {
                format!(
                    "the fields of collection {} are {}",
                    c.name(),
                    fields_line(&fields)
                )
            };
            CliError::new(format!("bad {option} {text:?}"), format!("{e} ({known})"))
        }
        kiln::Error::FieldTypeMismatch { .. } | kiln::Error::InvalidFilter { .. } => {
            CliError::new(format!("bad {option} {text:?}"), e)
        }
        e => CliError::new(what(), e),
    }
}

/// A payload as one JSON object, fields in `fields` order (those not set are left out).
pub fn payload_json(payload: &Payload, fields: &[Field]) -> String {
    let mut parts = Vec::with_capacity(payload.len());
    let mut push = |name: &str, value: &Value| {
        parts.push(format!("{}:{}", json_string(name), value_json(value)));
    };
    for f in fields {
        if let Some(v) = payload.get(&f.name) {
            push(&f.name, v);
        }
    }
    // Fields the schema does not list (none, today) still print, after the others.
    for (name, v) in payload.iter() {
        if !fields.iter().any(|f| f.name == name) {
            push(name, v);
        }
    }
    format!("{{{}}}", parts.join(","))
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// One value as JSON. Infinite floats, which JSON cannot write, print as `Infinity` and
/// `-Infinity` (as Python's `json` does).
fn value_json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) if x.is_infinite() => {
            if *x > 0.0 { "Infinity" } else { "-Infinity" }.into()
        }
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or_else(
            || "null".into(),
            |n| serde_json::Value::Number(n).to_string(),
        ),
        Value::Bool(b) => b.to_string(),
        Value::Keyword(s) => json_string(s),
        Value::KeywordList(l) => serde_json::Value::from(l.clone()).to_string(),
    }
}

/// A JSON value in an error message: short, on one line.
fn describe(v: &serde_json::Value) -> String {
    let text = v.to_string();
    let short = if text.chars().count() > 40 {
        format!("{}...", text.chars().take(37).collect::<String>())
    } else {
        text
    };
    match v {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(_) => short,
        serde_json::Value::Number(_) => format!("the number {short}"),
        serde_json::Value::String(_) => format!("the string {short}"),
        serde_json::Value::Array(_) => format!("the array {short}"),
        serde_json::Value::Object(_) => format!("the object {short}"),
    }
}

/// A JSON value as the value of `field`; `Null` for JSON null.
pub fn json_to_value(field: &Field, v: &serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    if v.is_null() {
        return Ok(Value::Null);
    }
    let mismatch = |expected: &str| {
        format!(
            "field `{}` is {}: expected {expected}, got {}",
            field.name,
            type_name(field.ty),
            describe(v)
        )
    };
    let keyword = |s: &str| -> Result<(), String> {
        if s.len() > MAX_KEYWORD_LEN {
            return Err(format!(
                "field `{}`: a keyword of {} bytes; the limit is {}",
                field.name,
                table::count_usize(s.len()),
                table::count_usize(MAX_KEYWORD_LEN)
            ));
        }
        Ok(())
    };
    match (field.ty, v) {
        (FieldType::Keyword, J::String(s)) => {
            keyword(s)?;
            Ok(Value::Keyword(s.clone()))
        }
        (FieldType::Int, J::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Ok(Value::Int(i));
            }
            // -2^63 and 2^63 are exact as f64: [-2^63, 2^63) is i64's range.
            let min = i64::MIN as f64;
            match n.as_f64() {
                Some(x) if x.fract() == 0.0 && (min..-min).contains(&x) => Ok(Value::Int(x as i64)),
                _ if n.is_u64() => Err(format!(
                    "field `{}` is int: {n} is out of its range (-2^63 to 2^63-1)",
                    field.name
                )),
                _ => Err(mismatch("an integer")),
            }
        }
        (FieldType::Float, J::Number(n)) => match n.as_f64() {
            Some(x) => Ok(Value::Float(x)),
            None => Err(mismatch("a number")),
        },
        (FieldType::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
        (FieldType::KeywordList, J::Array(items)) => {
            if items.len() > MAX_LIST_LEN {
                return Err(format!(
                    "field `{}`: a list of {} keywords; the limit is {}",
                    field.name,
                    table::count_usize(items.len()),
                    table::count_usize(MAX_LIST_LEN)
                ));
            }
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    J::String(s) => {
                        keyword(s)?;
                        list.push(s.clone());
                    }
                    other => {
                        return Err(format!(
                            "field `{}` is keyword-list: element {} of the array is {}, \
                             expected a string",
                            field.name,
                            i + 1,
                            describe(other)
                        ))
                    }
                }
            }
            Ok(Value::KeywordList(list))
        }
        (FieldType::Keyword, _) => Err(mismatch("a string")),
        (FieldType::Int, _) => Err(mismatch("an integer")),
        (FieldType::Float, _) => Err(mismatch("a number")),
        (FieldType::Bool, _) => Err(mismatch("true or false")),
        (FieldType::KeywordList, _) => Err(mismatch("an array of strings")),
    }
}

/// One line of a JSON-lines attributes file as a payload for `fields`.
pub fn parse_line(line: &str, fields: &[Field]) -> Result<Payload, String> {
    if line.trim().is_empty() {
        return Err("the line is empty: give a JSON object ({} for no attributes)".into());
    }
    let json: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        // The error is about this one line: say the column, not "line 1".
        let text = e.to_string();
        let text = text.split(" at line ").next().unwrap_or(&text).to_string();
        format!("invalid JSON at column {}: {text}", e.column())
    })?;
    let serde_json::Value::Object(map) = json else {
        return Err(format!("expected a JSON object, got {}", describe(&json)));
    };
    let mut payload = Payload::new();
    for (name, v) in &map {
        let Some(field) = fields.iter().find(|f| &f.name == name) else {
            let known = if fields.is_empty() {
                "the collection has no fields".to_string()
            } else {
                format!("the fields are {}", fields_line(fields))
            };
            return Err(format!("unknown field {} ({known})", json_string(name)));
        };
        payload.insert(name.clone(), json_to_value(field, v)?);
    }
    Ok(payload)
}

/// A JSON-lines attributes file, read line by line.
pub struct AttrLines {
    path: PathBuf,
    reader: BufReader<File>,
    line: String,
    /// Lines read so far.
    read: u64,
}

impl AttrLines {
    /// Open `path`.
    pub fn open(path: &Path) -> Result<AttrLines, CliError> {
        let file = File::open(path).map_err(|e| CliError::new(what(path), e))?;
        Ok(AttrLines {
            path: path.to_path_buf(),
            reader: BufReader::new(file),
            line: String::new(),
            read: 0,
        })
    }

    /// The next line (without its line ending), `None` at the end.
    fn next_line(&mut self) -> Result<Option<&str>, CliError> {
        self.line.clear();
        let n = self.reader.read_line(&mut self.line).map_err(|e| {
            CliError::new(
                what(&self.path),
                format!("line {}: {e}", self.read.saturating_add(1)),
            )
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.read += 1;
        let line = self.line.strip_suffix('\n').unwrap_or(&self.line);
        Ok(Some(line.strip_suffix('\r').unwrap_or(line)))
    }

    /// The payload of the next line, `None` at the end of the file.
    pub fn next_payload(&mut self, fields: &[Field]) -> Result<Option<Payload>, CliError> {
        let Some(line) = self.next_line()? else {
            return Ok(None);
        };
        match parse_line(line, fields) {
            Ok(p) => Ok(Some(p)),
            Err(e) => Err(CliError::new(
                what(&self.path),
                format!("line {}: {e}", self.read),
            )),
        }
    }

    /// The error of a file that ended before the vectors did (it changed since it was checked).
    pub fn ended_early(&self) -> CliError {
        CliError::new(
            what(&self.path),
            format!(
                "it ended after {} lines, before the vectors did (did it change during the \
                 import?)",
                table::count(self.read)
            ),
        )
    }

    /// Check the first `take` lines against `fields` and count every line: the number of
    /// lines in the file.
    pub fn check(path: &Path, fields: &[Field], take: u64) -> Result<u64, CliError> {
        let mut f = AttrLines::open(path)?;
        while f.read < take {
            if f.next_payload(fields)?.is_none() {
                return Ok(f.read);
            }
        }
        while f.next_line()?.is_some() {}
        Ok(f.read)
    }
}

/// The `what` of an error in attributes file `path`.
fn what(path: &Path) -> String {
    format!("cannot import attributes from {}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<Field> {
        [
            ("folder", FieldType::Keyword),
            ("year", FieldType::Int),
            ("score", FieldType::Float),
            ("done", FieldType::Bool),
            ("tags", FieldType::KeywordList),
        ]
        .into_iter()
        .map(|(name, ty)| Field {
            name: name.into(),
            ty,
        })
        .collect()
    }

    #[test]
    fn field_specs_parse() {
        assert_eq!(
            parse_field_spec("tags:keyword-list"),
            Ok(FieldSpec {
                name: "tags".into(),
                ty: FieldType::KeywordList
            })
        );
        assert_eq!(parse_field_spec("n:INT").map(|f| f.ty), Ok(FieldType::Int));
        for t in FieldType::ALL {
            assert_eq!(parse_type(type_name(t)), Ok(t));
            assert_eq!(parse_type(t.name()), Ok(t));
        }
        for bad in ["year", ":int", "year:", "year:string", "a:b:c"] {
            assert!(parse_field_spec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lines_convert_by_field_type() {
        let f = schema();
        let p = parse_line(
            r#"{"folder":"work","year":2024,"score":3,"done":false,"tags":["a","b"]}"#,
            &f,
        )
        .expect("line");
        assert_eq!(p.get("year"), Some(&Value::Int(2024)));
        assert_eq!(p.get("score"), Some(&Value::Float(3.0)));
        assert_eq!(p.get("tags"), Some(&Value::from(["a", "b"])));
        assert_eq!(p.get("done"), Some(&Value::Bool(false)));
        // Null and missing are null; an integral float fits an Int field.
        let p = parse_line(r#"{"folder":null,"year":7.0}"#, &f).expect("line");
        assert_eq!(p.get("folder"), None);
        assert_eq!(p.get("year"), Some(&Value::Int(7)));
        assert!(parse_line("{}", &f).expect("empty").is_empty());
        assert!(parse_line(" {} \t", &f).is_ok());

        let e = parse_line(r#"{"year":2.5}"#, &f).expect_err("float in int");
        assert!(
            e.contains("field `year` is int") && e.contains("2.5"),
            "{e}"
        );
        let e = parse_line(r#"{"year":"2020"}"#, &f).expect_err("string in int");
        assert!(e.contains("the string \"2020\""), "{e}");
        let e = parse_line(r#"{"year":18446744073709551615}"#, &f).expect_err("big");
        assert!(e.contains("out of its range"), "{e}");
        let e = parse_line(r#"{"tags":["a",3]}"#, &f).expect_err("list");
        assert!(e.contains("element 2"), "{e}");
        let e = parse_line(r#"{"color":"red"}"#, &f).expect_err("unknown");
        assert!(e.contains("unknown field \"color\""), "{e}");
        let e = parse_line(r#"{"year":"#, &f).expect_err("json");
        assert!(e.starts_with("invalid JSON at column"), "{e}");
        assert!(!e.contains("line"), "{e}");
        assert!(parse_line("[1]", &f).is_err());
        let p = parse_line(r#"{"year":-9.223372036854775808e18}"#, &f).expect("i64::MIN");
        assert_eq!(p.get("year"), Some(&Value::Int(i64::MIN)));
        assert!(parse_line(r#"{"year":9.223372036854775808e18}"#, &f).is_err());
        assert!(parse_line("", &f).is_err());
        let long = format!(r#"{{"folder":"{}"}}"#, "x".repeat(MAX_KEYWORD_LEN + 1));
        assert!(parse_line(&long, &f).is_err());
    }

    #[test]
    fn payloads_print_in_schema_order_and_read_back() {
        let f = schema();
        let p = Payload::new()
            .set("tags", ["x", "y\"z"])
            .set("year", 2024)
            .set("folder", "w")
            .set("score", 0.5)
            .set("done", true);
        let text = payload_json(&p, &f);
        assert_eq!(
            text,
            r#"{"folder":"w","year":2024,"score":0.5,"done":true,"tags":["x","y\"z"]}"#
        );
        assert_eq!(parse_line(&text, &f), Ok(p));
        let whole = Payload::new().set("score", 2.0);
        assert_eq!(payload_json(&whole, &f), r#"{"score":2.0}"#);
        assert_eq!(
            payload_json(&Payload::new().set("score", f64::NEG_INFINITY), &f),
            r#"{"score":-Infinity}"#
        );
        assert_eq!(payload_json(&Payload::new(), &f), "{}");
    }
}
