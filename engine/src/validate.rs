//! Checks of user input, done before anything is written.

use std::collections::HashSet;

use kiln_index::{normalized, Metric};

use crate::error::{Error, Result};
use crate::options::{CollectionConfig, MAX_DIMENSION, MAX_SEGMENT_ROWS};

/// Longest collection name, in bytes.
pub const MAX_NAME_LEN: usize = 128;

/// The largest batch, in bytes of vector data. One batch is one catalog transaction held in
/// memory; split larger loads into several batches.
pub const MAX_BATCH_BYTES: usize = 1 << 30;

/// Collection names: 1 to 128 bytes of ASCII letters, digits, `_`, `-` and `.`, starting with a
/// letter, digit or `_`. Names never become paths (directories are named by numeric id), but the
/// rule keeps them printable and portable.
pub fn check_name(name: &str) -> Result<()> {
    let bad = |reason| {
        Err(Error::InvalidName {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.len() > MAX_NAME_LEN {
        return bad("longer than 128 bytes");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return bad("only ASCII letters, digits, '_', '-' and '.' are allowed");
    }
    if name.starts_with(['.', '-']) {
        return bad("must start with a letter, digit or '_'");
    }
    Ok(())
}

/// Check a collection configuration.
pub fn check_config(config: &CollectionConfig) -> Result<()> {
    if config.dim == 0 || config.dim > MAX_DIMENSION {
        return Err(Error::invalid(format!(
            "dimension must be between 1 and {MAX_DIMENSION}, got {}",
            config.dim
        )));
    }
    if let Some(p) = &config.merge {
        if p.merge_factor < 2 || p.deletes_ratio.is_nan() || p.deletes_ratio <= 0.0 {
            return Err(Error::invalid(
                "merge policy needs merge_factor >= 2 and deletes_ratio > 0",
            ));
        }
    }
    schema_of(config)?;
    config
        .index
        .validate(config.dim)
        .map_err(|e| Error::invalid(format!("index spec {:?}: {e}", config.index)))?;
    if let Some(r) = config.target_recall {
        check_target_recall(r)?;
    }
    if let Some(rows) = config.segment_rows {
        if rows == 0 || rows > MAX_SEGMENT_ROWS {
            return Err(Error::invalid(format!(
                "segment_rows must be between 1 and {MAX_SEGMENT_ROWS}, got {rows}"
            )));
        }
    }
    Ok(())
}

/// Check one vector and return it as stored: unchanged, or normalised under cosine.
pub fn prepare_vector(metric: Metric, dim: usize, v: &[f32], id: Option<u64>) -> Result<Vec<f32>> {
    if v.len() != dim {
        return Err(Error::DimensionMismatch {
            expected: dim,
            got: v.len(),
        });
    }
    let mut out = Vec::with_capacity(dim);
    prepare_into(metric, v, id, &mut out)?;
    Ok(out)
}

fn prepare_into(metric: Metric, v: &[f32], id: Option<u64>, out: &mut Vec<f32>) -> Result<()> {
    let invalid = |reason: String| Error::InvalidVector { id, reason };
    if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(invalid(format!("component {i} is {x}")));
    }
    let norm_sq: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    if norm_sq > f64::from(f32::MAX) {
        return Err(invalid(
            "squared norm overflows f32 (components too large)".into(),
        ));
    }
    if metric.normalizes() {
        match normalized(v) {
            Some(n) => out.extend_from_slice(&n),
            None => {
                return Err(invalid(
                    "zero vector has no direction under the cosine metric".into(),
                ))
            }
        }
    } else {
        out.extend_from_slice(v);
    }
    Ok(())
}

/// Check a batch (`flat` = `ids.len() × dim` floats, row-major) and return the stored vectors.
/// With `unique`, an id appearing twice is an error.
pub fn prepare_batch(metric: Metric, dim: usize, ids: &[u64], flat: &[f32]) -> Result<Vec<f32>> {
    let expected = ids
        .len()
        .checked_mul(dim)
        .ok_or_else(|| Error::invalid("batch too large"))?;
    if flat.len() != expected {
        return Err(Error::DimensionMismatch {
            expected,
            got: flat.len(),
        });
    }
    if expected.saturating_mul(4) > MAX_BATCH_BYTES {
        return Err(Error::invalid(format!(
            "batch of {} rows is {} bytes, over the {MAX_BATCH_BYTES}-byte limit of one transaction; split it",
            ids.len(),
            expected * 4
        )));
    }
    check_unique(ids)?;
    let mut out = Vec::with_capacity(expected);
    for (id, v) in ids.iter().zip(flat.chunks_exact(dim.max(1))) {
        prepare_into(metric, v, Some(*id), &mut out)?;
    }
    Ok(out)
}

/// Fail on the first id that appears twice.
pub fn check_unique(ids: &[u64]) -> Result<()> {
    let mut seen = HashSet::with_capacity(ids.len());
    for &id in ids {
        if !seen.insert(id) {
            return Err(Error::DuplicateIdInBatch { id });
        }
    }
    Ok(())
}

/// Check a query and return it as searched.
pub fn prepare_query(metric: Metric, dim: usize, q: &[f32]) -> Result<Vec<f32>> {
    prepare_vector(metric, dim, q, None)
}

/// Check `k`.
pub fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::invalid("k must be at least 1"));
    }
    Ok(())
}

/// Check a search's options that do not depend on the collection: `k ≥ 1`, a recall target
/// in `(0, 1]`.
pub fn check_search(options: &crate::options::SearchOptions) -> Result<()> {
    check_k(options.k)?;
    if let Some(r) = options.target_recall {
        check_target_recall(r)?;
    }
    Ok(())
}

/// A recall target must be in `(0, 1]`.
pub fn check_target_recall(r: f64) -> Result<()> {
    if !(r > 0.0 && r <= 1.0) {
        return Err(Error::invalid(format!(
            "target_recall must be in (0, 1], got {r}"
        )));
    }
    Ok(())
}

/// The schema of a configuration's fields; `InvalidArgument` for a bad or repeated name.
pub fn schema_of(config: &CollectionConfig) -> Result<kiln_storage::attrs::Schema> {
    kiln_storage::attrs::Schema::try_from(config.fields.clone())
        .map_err(|e| Error::invalid(format!("fields: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["docs", "a", "A_b-c.d", "_x", &"n".repeat(128)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            ".hidden",
            "-x",
            "a\0b",
            "é",
            &"n".repeat(129),
            "a b",
        ] {
            assert!(
                matches!(check_name(bad), Err(Error::InvalidName { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn vectors() {
        assert!(prepare_vector(Metric::L2, 2, &[1.0, 2.0], None).is_ok());
        assert!(matches!(
            prepare_vector(Metric::L2, 2, &[1.0], None),
            Err(Error::DimensionMismatch {
                expected: 2,
                got: 1
            })
        ));
        assert!(matches!(
            prepare_vector(Metric::L2, 2, &[f32::NAN, 0.0], Some(3)),
            Err(Error::InvalidVector { id: Some(3), .. })
        ));
        assert!(matches!(
            prepare_vector(Metric::L2, 1, &[f32::INFINITY], None),
            Err(Error::InvalidVector { .. })
        ));
        assert!(matches!(
            prepare_vector(Metric::L2, 1, &[1e30], None),
            Err(Error::InvalidVector { .. })
        ));
        assert!(prepare_vector(Metric::L2, 2, &[0.0, 0.0], None).is_ok());
        assert!(matches!(
            prepare_vector(Metric::Cosine, 2, &[0.0, 0.0], None),
            Err(Error::InvalidVector { .. })
        ));
        let n = prepare_vector(Metric::Cosine, 2, &[3.0, 4.0], None).expect("valid");
        assert_eq!(n, vec![0.6, 0.8]);
    }

    #[test]
    fn batches() {
        assert!(matches!(
            prepare_batch(Metric::L2, 2, &[1, 2], &[0.0; 3]),
            Err(Error::DimensionMismatch {
                expected: 4,
                got: 3
            })
        ));
        assert!(matches!(
            prepare_batch(Metric::L2, 1, &[1, 1], &[0.0; 2]),
            Err(Error::DuplicateIdInBatch { id: 1 })
        ));
        assert!(prepare_batch(Metric::L2, 1, &[], &[])
            .expect("empty")
            .is_empty());
    }
}
