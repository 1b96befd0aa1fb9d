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
    contiguous(
        obj,
        "float32",
        &format!("{what} must be an array of numbers (float32)"),
        |_, kind| Ok(NUMERIC_KINDS.contains(&kind)),
    )
}

/// `obj` (an integer or an array of non-negative integers) as a C-contiguous uint64 array:
/// itself when it already is one, else one conversion. Negative ids and non-integer dtypes are
/// refused.
pub(crate) fn u64_array<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Bound<'py, PyArrayDyn<u64>>> {
    let wanted = format!("{what} must be an array of non-negative integers (uint64)");
    contiguous(obj, "uint64", &wanted, |a, kind| {
        let size: usize = a.getattr("size")?.extract()?;
        Ok(match kind {
            "u" => true,
            // `[]` is a float64 array: an empty list of ids is fine.
            "f" => size == 0,
            "i" => {
                if size > 0 {
                    let min: i64 = a.call_method0("min")?.extract()?;
                    if min < 0 {
                        return Err(err(
                            a.py(),
                            Kind::InvalidArgument,
                            format!("{what} must be non-negative (uint64), got {min}"),
                        ));
                    }
                }
                true
            }
            _ => false,
        })
    })
}

/// `obj` as a C-contiguous array of `T` (numpy dtype `dtype`): itself when it already is one,
/// else `numpy.asarray`, checked by `accepts(array, dtype kind)` (`Ok(false)`: a dtype error
/// that starts with `wanted`), then one `ascontiguousarray` to `dtype`.
fn contiguous<'py, T: numpy::Element>(
    obj: &Bound<'py, PyAny>,
    dtype: &str,
    wanted: &str,
    accepts: impl FnOnce(&Bound<'py, PyAny>, &str) -> PyResult<bool>,
) -> PyResult<Bound<'py, PyArrayDyn<T>>> {
    if let Ok(a) = obj.cast::<PyArrayDyn<T>>() {
        if a.is_c_contiguous() {
            return Ok(a.clone());
        }
    }
    let py = obj.py();
    let np = py.import("numpy")?;
    let a = np
        .call_method1("asarray", (obj,))
        .map_err(|e| err(py, Kind::Dtype, format!("{wanted}: {e}")))?;
    let kind: String = a.getattr("dtype")?.getattr("kind")?.extract()?;
    if !accepts(&a, &kind)? {
        let got = a.getattr("dtype")?.str()?;
        return Err(err(py, Kind::Dtype, format!("{wanted}, got dtype {got}")));
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", np.getattr(dtype)?)?;
    let c = np.call_method("ascontiguousarray", (a,), Some(&kwargs))?;
    Ok(c.cast_into::<PyArrayDyn<T>>()?)
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
