//! [`IvfTemplate`]: one trained, empty IVF index per collection generation, cloned by every
//! segment index of that generation.

use std::fmt;

use crate::error::{Error, Result};
use crate::ffi::RawIndex;
use crate::format::{self, ListsPlace, Trailer, TRAILER_LEN};
use crate::metric::Metric;
use crate::segment::{check_finite, default_nprobe, faiss_metric};
use crate::spec::{IndexKind, IndexPlan, MIN_TRAINING_ROWS_PER_LIST};

/// Training rows per list a template asks for by default: above Faiss's floor of 39 (which
/// only warns), below its cap of 256 (above which it subsamples anyway).
pub const TRAINING_ROWS_PER_LIST: usize = 64;

/// A trained, empty IVF index (coarse centroids, plus the SQ or PQ codebooks), shared by all
/// IVF segment indexes of one collection generation.
///
/// Every segment index is a clone of the template with its own rows added, so their inverted
/// lists refer to bit-identical centroids and codebooks and can be concatenated by
/// [`SegmentIndex::merge`](crate::SegmentIndex::merge) without retraining or re-encoding. The
/// template's [`fingerprint`](IvfTemplate::fingerprint) identifies it; a segment index carries
/// its template's fingerprint, and only indexes with equal fingerprints merge.
///
/// Persist it with [`to_bytes`](IvfTemplate::to_bytes) like any index file (same format,
/// zero rows).
pub struct IvfTemplate {
    raw: RawIndex,
    plan: IndexPlan,
    metric: Metric,
    dim: usize,
    lists: ListsPlace,
    fingerprint: u64,
}

impl fmt::Debug for IvfTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IvfTemplate")
            .field("plan", &self.plan)
            .field("metric", &self.metric)
            .field("dim", &self.dim)
            .field("fingerprint", &format_args!("{:016x}", self.fingerprint))
            .finish()
    }
}

impl IvfTemplate {
    /// How many sample rows to train a template of `nlist` lists on, given `available` rows:
    /// `min(available, 64 · nlist)`.
    pub fn sample_rows(nlist: usize, available: usize) -> usize {
        available.min(nlist.saturating_mul(TRAINING_ROWS_PER_LIST))
    }

    /// Train a template for `plan` (an IVF plan) on `sample` (row-major, `dim` floats per row).
    ///
    /// Refuses with [`Error::NotEnoughTrainingRows`] when the sample has fewer than `nlist`
    /// rows (Faiss's k-means cannot run); between `nlist` and `39 · nlist` rows it trains but
    /// logs a warning (so does Faiss, on stderr). Runs on the calling thread with its OpenMP
    /// thread count (see [`set_faiss_threads`](crate::set_faiss_threads)); costs a k-means of
    /// the sample (Faiss subsamples to 256 · nlist rows).
    pub fn train(plan: &IndexPlan, metric: Metric, dim: usize, sample: &[f32]) -> Result<Self> {
        plan.validate(dim)?;
        if !plan.kind().is_ivf() {
            return Err(Error::InvalidArgument(format!(
                "a template needs an IVF plan, not {}",
                plan.kind().name()
            )));
        }
        let nlist = plan.nlist().unwrap_or(0);
        let rows = check_finite(sample, dim)?;
        if rows < nlist {
            return Err(Error::NotEnoughTrainingRows {
                needed: nlist,
                got: rows,
            });
        }
        if rows < nlist * MIN_TRAINING_ROWS_PER_LIST {
            tracing::warn!(
                rows,
                nlist,
                "training an IVF template on fewer than 39 rows per list"
            );
        }
        if let IndexPlan::IvfPq { .. } = plan {
            if rows < 256 {
                return Err(Error::NotEnoughTrainingRows {
                    needed: 256,
                    got: rows,
                });
            }
        }
        let _span = tracing::debug_span!("train_template", nlist, rows, dim).entered();
        let mut raw = RawIndex::factory(dim, &plan.factory_string(), faiss_metric(metric))?;
        if !raw.is_ivf() {
            return Err(Error::InvalidArgument(format!(
                "{} did not build an IVF index",
                plan.factory_string()
            )));
        }
        raw.train(sample)?;
        if !raw.is_trained() {
            return Err(Error::Faiss {
                op: "train",
                code: 0,
                message: "index still untrained after training".into(),
            });
        }
        raw.set_nprobe(default_nprobe(nlist))?;
        Self::from_raw(raw, plan.clone(), metric)
    }

    fn from_raw(raw: RawIndex, plan: IndexPlan, metric: Metric) -> Result<Self> {
        if raw.ntotal() != 0 {
            return Err(Error::corrupted("template holds vectors"));
        }
        let mut bytes = Vec::new();
        raw.write_into(&mut bytes)?;
        // An empty ArrayInvertedLists serialises as "ilar", nlist, code_size, "sprs", 0: 32
        // bytes at the very end.
        let lists_at = bytes
            .len()
            .checked_sub(32)
            .ok_or_else(|| Error::corrupted("template too short"))?;
        let layout = format::parse_lists(&bytes, lists_at)?;
        if layout.end != bytes.len() || Some(layout.nlist) != raw.nlist() {
            return Err(Error::corrupted(
                "template's inverted lists are not where expected",
            ));
        }
        check_ivf_header(&bytes, layout.nlist)?;
        let fingerprint = format::fingerprint(bytes.get(..lists_at).unwrap_or(&[]));
        Ok(IvfTemplate {
            dim: raw.dim(),
            raw,
            plan,
            metric,
            lists: layout.place(),
            fingerprint,
        })
    }

    /// The plan the template was trained for.
    pub fn plan(&self) -> &IndexPlan {
        &self.plan
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number of inverted lists.
    pub fn nlist(&self) -> usize {
        self.plan.nlist().unwrap_or(0)
    }

    /// Identifies the trained centroids and codebooks: segment indexes built from templates
    /// with equal fingerprints can be merged.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    pub(crate) fn raw(&self) -> &RawIndex {
        &self.raw
    }

    pub(crate) fn lists(&self) -> ListsPlace {
        self.lists
    }

    /// The template as a Kiln index file (Faiss bytes and trailer, zero rows).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.raw.write_into(&mut bytes)?;
        let trailer = Trailer {
            kind: self.plan.kind(),
            metric: self.metric,
            dim: self.dim as u32,
            rows: 0,
            faiss_len: bytes.len() as u64,
            ivf_lists_at: self.lists.at,
            fingerprint: self.fingerprint,
            body_crc: format::body_crc(&bytes),
        };
        bytes.extend_from_slice(&trailer.encode());
        Ok(bytes)
    }

    /// Read a template written by [`to_bytes`](IvfTemplate::to_bytes), checking its checksums,
    /// that it is an empty trained IVF index of `metric` and `dim`, and its fingerprint.
    pub fn from_bytes(bytes: &[u8], metric: Metric, dim: usize) -> Result<Self> {
        let split = bytes
            .len()
            .checked_sub(TRAILER_LEN)
            .ok_or_else(|| Error::corrupted("too short for a Kiln index"))?;
        let (faiss, t) = bytes.split_at(split);
        let trailer = Trailer::decode(t, bytes.len() as u64)?;
        let crc = format::body_crc(faiss);
        if crc != trailer.body_crc {
            return Err(Error::ChecksumMismatch {
                path: None,
                expected: trailer.body_crc,
                got: crc,
            });
        }
        if !trailer.kind.is_ivf() || trailer.rows != 0 {
            return Err(Error::corrupted("not an IVF template"));
        }
        if trailer.metric != metric || trailer.dim as usize != dim {
            return Err(Error::Mismatch {
                what: "template metric and dimension",
                expected: format!("{} / {dim}", metric.name()),
                got: format!("{} / {}", trailer.metric.name(), trailer.dim),
            });
        }
        let (raw, used) = RawIndex::read_bytes(faiss)?;
        if used != faiss.len() {
            return Err(Error::corrupted("bytes after the Faiss index"));
        }
        if !raw.is_ivf() || !raw.is_trained() || raw.dim() != dim {
            return Err(Error::corrupted("not a trained IVF index"));
        }
        let nlist = raw.nlist().unwrap_or(0);
        let layout = format::parse_lists(faiss, trailer.ivf_lists_at as usize)?;
        let plan = match trailer.kind {
            IndexKind::IvfFlat => IndexPlan::IvfFlat { nlist },
            IndexKind::IvfSq8 => IndexPlan::IvfSq8 { nlist },
            _ => IndexPlan::IvfPq {
                nlist,
                m: layout.code_size,
            },
        };
        let template = Self::from_raw(raw, plan, metric)?;
        if template.fingerprint != trailer.fingerprint || template.lists.at != trailer.ivf_lists_at
        {
            return Err(Error::corrupted("template fingerprint does not match"));
        }
        Ok(template)
    }
}

/// Faiss's IVF header: fourcc, `int d`, `idx_t ntotal` at 8, two dummies, `bool is_trained`,
/// `int metric` (no `metric_arg` for L2 and IP), then `size_t nlist` at 37 and `size_t nprobe`
/// at 45. The fingerprint skips `ntotal` and `nprobe`; check that they are where it assumes.
pub(crate) fn check_ivf_header(bytes: &[u8], nlist: usize) -> Result<()> {
    let at = |o: usize| {
        bytes
            .get(o..o + 8)
            .and_then(|s| s.try_into().ok())
            .map(u64::from_le_bytes)
    };
    if at(format::NLIST_AT) != Some(nlist as u64) {
        return Err(Error::corrupted("IVF header layout not as expected"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::clustered;

    #[test]
    fn train_refuses_too_few_rows_and_non_ivf() {
        let x = clustered(1, 50, 8, 4);
        let err = IvfTemplate::train(&IndexPlan::IvfFlat { nlist: 64 }, Metric::L2, 8, &x)
            .expect_err("too few rows");
        assert!(matches!(
            err,
            Error::NotEnoughTrainingRows {
                needed: 64,
                got: 50
            }
        ));
        assert!(IvfTemplate::train(&IndexPlan::Flat, Metric::L2, 8, &x).is_err());
        let mut bad = x.clone();
        bad[17] = f32::NAN;
        assert!(matches!(
            IvfTemplate::train(&IndexPlan::IvfFlat { nlist: 4 }, Metric::L2, 8, &bad),
            Err(Error::NonFinite {
                vector: 2,
                component: 1
            })
        ));
    }

    #[test]
    fn template_round_trips_with_its_fingerprint() {
        let dim = 16;
        let x = clustered(2, 2_000, dim, 20);
        for plan in [
            IndexPlan::IvfFlat { nlist: 16 },
            IndexPlan::IvfSq8 { nlist: 16 },
            IndexPlan::IvfPq { nlist: 16, m: 4 },
        ] {
            let t = IvfTemplate::train(&plan, Metric::Cosine, dim, &x).expect("trains");
            let bytes = t.to_bytes().expect("serialises");
            let back = IvfTemplate::from_bytes(&bytes, Metric::Cosine, dim).expect("reads");
            assert_eq!(back.fingerprint(), t.fingerprint());
            assert_eq!(back.plan(), &plan);
            assert!(IvfTemplate::from_bytes(&bytes, Metric::L2, dim).is_err());
            let mut flipped = bytes.clone();
            flipped[100] ^= 1;
            assert!(IvfTemplate::from_bytes(&flipped, Metric::Cosine, dim).is_err());
            // Another training run (other data) gives another fingerprint.
            let y = clustered(3, 2_000, dim, 20);
            let other = IvfTemplate::train(&plan, Metric::Cosine, dim, &y).expect("trains");
            assert_ne!(other.fingerprint(), t.fingerprint());
        }
    }
}
