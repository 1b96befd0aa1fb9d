//! Payload dicts and field types: Python values to `kiln::Value` and back.

use kiln::{FieldType, Payload, Value};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::errors::{err, Kind};

/// A field type from its Python name: `"keyword"`, `"int"`, `"float"`, `"bool"`,
/// `"keyword_list"` (case and `-`/`_` do not matter).
pub(crate) fn field_type(py: Python<'_>, name: &str) -> PyResult<FieldType> {
    let norm: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    match norm.as_str() {
        "keyword" | "str" => Ok(FieldType::Keyword),
        "int" | "integer" => Ok(FieldType::Int),
        "float" => Ok(FieldType::Float),
        "bool" | "boolean" => Ok(FieldType::Bool),
        "keywordlist" => Ok(FieldType::KeywordList),
        _ => Err(err(
            py,
            Kind::InvalidArgument,
            format!(
                "unknown field type {name:?}: use \"keyword\", \"int\", \"float\", \"bool\" or \
                 \"keyword_list\""
            ),
        )),
    }
}

/// The Python name of a field type.
pub(crate) fn field_type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Keyword => "keyword",
        FieldType::Int => "int",
        FieldType::Float => "float",
        FieldType::Bool => "bool",
        FieldType::KeywordList => "keyword_list",
    }
}

/// A Python value as a payload value: `None`, `bool`, `int`, `float`, `str`, or a list or
/// tuple of `str`.
fn value(field: &str, v: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = v.py();
    if v.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int.
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        return match v.extract::<i64>() {
            Ok(i) => Ok(Value::Int(i)),
            Err(_) => Err(err(
                py,
                Kind::InvalidArgument,
                format!(
                    "field `{field}`: integer {} does not fit in 64 bits",
                    v.str()?
                ),
            )),
        };
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(v.extract::<f64>()?));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::Keyword(s.to_cow()?.into_owned()));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in v.try_iter()? {
            let item = item?;
            match item.cast::<PyString>() {
                Ok(s) => out.push(s.to_cow()?.into_owned()),
                Err(_) => {
                    return Err(err(
                        py,
                        Kind::Dtype,
                        format!(
                            "field `{field}`: a list value holds strings only, got {}",
                            item.get_type().name()?
                        ),
                    ))
                }
            }
        }
        return Ok(Value::KeywordList(out));
    }
    // numpy scalars and other numbers: through their Python number protocols.
    if let Ok(i) = v.call_method0("__index__") {
        if let Ok(i) = i.extract::<i64>() {
            return Ok(Value::Int(i));
        }
    }
    if v.hasattr("__float__")? {
        if let Ok(f) = v.extract::<f64>() {
            return Ok(Value::Float(f));
        }
    }
    Err(err(
        py,
        Kind::Dtype,
        format!(
            "field `{field}`: unsupported value type {} (use None, bool, int, float, str or a \
             list of str)",
            v.get_type().name()?
        ),
    ))
}

/// A payload dict as a `Payload`.
pub(crate) fn payload(obj: &Bound<'_, PyAny>) -> PyResult<Payload> {
    let py = obj.py();
    let dict = obj.cast::<PyDict>().map_err(|_| {
        err(
            py,
            Kind::Dtype,
            "a payload must be a dict of field name to value".to_string(),
        )
    })?;
    let mut p = Payload::new();
    for (k, v) in dict.iter() {
        let name = k.cast::<PyString>().map_err(|_| {
            err(
                py,
                Kind::Dtype,
                "payload keys must be field names (str)".to_string(),
            )
        })?;
        let name = name.to_cow()?;
        let val = value(&name, &v)?;
        p.insert(name.into_owned(), val);
    }
    Ok(p)
}

/// A list of payload dicts (or `None` for an empty payload).
pub(crate) fn payloads(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Payload>> {
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        if item.is_none() {
            out.push(Payload::new());
        } else {
            out.push(payload(&item)?);
        }
    }
    Ok(out)
}

/// A payload value as a Python object.
fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Keyword(s) => PyString::new(py, s).into_any(),
        Value::KeywordList(l) => PyList::new(py, l)?.into_any(),
        Value::Null => py.None().into_bound(py),
    })
}

/// A `Payload` as a dict (null fields left out, as the engine returns them).
pub(crate) fn payload_to_py<'py>(py: Python<'py>, p: &Payload) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in p.iter() {
        d.set_item(k, value_to_py(py, v)?)?;
    }
    Ok(d)
}
