//! numpy arrays in and out.
//!
//! In: a C-contiguous float32 (vectors) or uint64 (ids) ndarray is read in place; anything
//! else numpy can turn into numbers (other float or integer dtypes, lists, non-contiguous
//! views) is converted once with `numpy.ascontiguousarray`; other dtypes (strings, objects,
//! complex, bool) are refused with `kiln.DtypeError`. Out: result vectors are moved into numpy
//! arrays without a copy.

use numpy::{PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{err, Kind};

/// The numpy dtype `kind` characters a vector array may have: floats, signed and unsigned
/// integers.
const NUMERIC_KINDS: [&str; 3] = ["f", "i", "u"];

/// `obj` as a C-contiguous float32 array: `obj` itself when it already is one, else one
/// conversion. `what` names the argument in messages.
pub(crate) fn f32_array<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    if let Ok(a) = obj.cast::<PyArrayDyn<f32>>() {
        if a.is_c_contiguous() {
            return Ok(a.clone());
        }
    }
    let py = obj.py();
    let np = py.import("numpy")?;
    let a = np.call_method1("asarray", (obj,)).map_err(|e| {
        err(
            py,
            Kind::Dtype,
            format!("{what} must be an array of numbers (float32): {e}"),
        )
    })?;
    let dtype = a.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    if !NUMERIC_KINDS.contains(&kind.as_str()) {
        return Err(err(
            py,
            Kind::Dtype,
            format!(
                "{what} must be an array of numbers (float32), got dtype {}",
                dtype.str()?
            ),
        ));
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", np.getattr("float32")?)?;
    let c = np.call_method("ascontiguousarray", (a,), Some(&kwargs))?;
    Ok(c.cast_into::<PyArrayDyn<f32>>()?)
}

/// `obj` (an integer or an array of non-negative integers) as a C-contiguous uint64 array:
/// itself when it already is one, else one conversion. Negative ids and non-integer dtypes are
/// refused.
pub(crate) fn u64_array<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Bound<'py, PyArrayDyn<u64>>> {
    if let Ok(a) = obj.cast::<PyArrayDyn<u64>>() {
        if a.is_c_contiguous() {
            return Ok(a.clone());
        }
    }
    let py = obj.py();
    let np = py.import("numpy")?;
    let a = np.call_method1("asarray", (obj,)).map_err(|e| {
        err(
            py,
            Kind::Dtype,
            format!("{what} must be an array of non-negative integers (uint64): {e}"),
        )
    })?;
    let dtype = a.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    let size: usize = a.getattr("size")?.extract()?;
    match kind.as_str() {
        "u" => {}
        // `[]` is a float64 array: an empty list of ids is fine.
        "f" if size == 0 => {}
        "i" => {
            if size > 0 {
                let min: i64 = a.call_method0("min")?.extract()?;
                if min < 0 {
                    return Err(err(
                        py,
                        Kind::InvalidArgument,
                        format!("{what} must be non-negative (uint64), got {min}"),
                    ));
                }
            }
        }
        _ => {
            return Err(err(
                py,
                Kind::Dtype,
                format!(
                    "{what} must be an array of non-negative integers (uint64), got dtype {}",
                    dtype.str()?
                ),
            ))
        }
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", np.getattr("uint64")?)?;
    let c = np.call_method("ascontiguousarray", (a,), Some(&kwargs))?;
    Ok(c.cast_into::<PyArrayDyn<u64>>()?)
}

/// A read-only borrow of a C-contiguous array and its flat contents.
pub(crate) fn borrow<'py, T: numpy::Element>(
    a: &Bound<'py, PyArrayDyn<T>>,
    what: &str,
) -> PyResult<PyReadonlyArrayDyn<'py, T>> {
    a.try_readonly().map_err(|e| {
        err(
            a.py(),
            Kind::InvalidArgument,
            format!("{what} cannot be read: {e}"),
        )
    })
}

/// The flat contents of a borrowed array (C-contiguous by construction).
pub(crate) fn flat<'a, T: numpy::Element>(
    py: Python<'_>,
    a: &'a PyReadonlyArrayDyn<'_, T>,
    what: &str,
) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|e| {
        err(
            py,
            Kind::InvalidArgument,
            format!("{what} is not contiguous: {e}"),
        )
    })
}
