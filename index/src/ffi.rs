//! The binding gap: every call into Faiss's C API and every `unsafe` block of kiln-index.
//!
//! The safe `faiss` crate lacks `&self` search for most index types, `merge_from`, the
//! `Not` selector, memory I/O and the mmap flags, and it leaks the selector of every
//! `SearchParameters` it builds. This module calls `faiss_sys` directly and exposes a small
//! owned handle, [`RawIndex`], whose methods are safe: each checks every length and pointer it
//! hands to C++ itself, so no caller can make them read or write out of bounds.
//!
//! Rules this module keeps:
//! - Every C API call that can fail is checked; a nonzero code becomes [`Error::Faiss`] with
//!   the message of `faiss_get_last_error` (thread-local in the C API, copied at once). The C
//!   API catches every C++ exception at its boundary, so nothing unwinds into Rust.
//! - Searches call `faiss_Index_search[_with_params]` on a `const` index pointer: concurrent
//!   const calls on a CPU index are safe in Faiss. The only `&self` mutation is an index-level
//!   search setting (HNSW `efSearch`, IVF `nprobe` for range search) that the C API cannot pass
//!   per query; it happens under the index's own write lock while every other `&self` use of the
//!   index holds the read lock (see [`RawIndex::search`]).
//! - `SearchParameters` and selectors are built per call, owned by RAII guards, and freed after
//!   the call, which never shares them between threads (Faiss's `IndexIDMap` rewrites the
//!   selector of the params it is given during a search).
//! - Mapped indexes (read with an mmap flag) are never mutated: [`RawIndex`] refuses to add to,
//!   train, merge or clone them (Faiss aborts the process on some of those), and the public
//!   type that holds one has no method that could try.

use std::cell::Cell;
use std::ffi::{c_int, c_void, CStr, CString};
use std::path::Path;
use std::ptr::{self, NonNull};

use faiss_sys as sys;
use parking_lot::RwLock;

use crate::error::{Error, Result};

/// Faiss 1.12 `IO_FLAG_MMAP` (`IO_FLAG_SKIP_IVF_DATA | 0x646f0000`): IVF inverted lists become
/// an `OnDiskInvertedLists` mapping of the file ("ilod" hook), read-only (it is always
/// read-only when read this way; `IO_FLAG_READ_ONLY` = 2 is for "ilod" files). The `faiss`
/// crate's `IoFlags::MEM_MAP` (= 1) is `IO_FLAG_SKIP_STORAGE` in 1.12 and maps nothing. Kiln
/// does not use this flag (see `MappedSegmentIndex`); `read_file` recognises it.
pub(crate) const IO_FLAG_MMAP: c_int = 0x646f_0008;
/// Faiss 1.12 `IO_FLAG_MMAP_IFC`: every `MaybeOwnedVector` in the file (flat codes, HNSW
/// storage and graph, IVF `ArrayInvertedLists` codes and ids) becomes a view of one read-only
/// mapping of the file.
pub(crate) const IO_FLAG_MMAP_IFC: c_int = 1 << 9;

/// The two metrics Kiln asks Faiss for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaissMetric {
    /// Squared L2.
    L2,
    /// Inner product (larger is closer).
    InnerProduct,
}

impl FaissMetric {
    fn to_sys(self) -> sys::FaissMetricType {
        match self {
            FaissMetric::L2 => sys::FaissMetricType_METRIC_L2,
            FaissMetric::InnerProduct => sys::FaissMetricType_METRIC_INNER_PRODUCT,
        }
    }
}

/// Index-level search settings currently set on a Faiss index, for the ones the C API cannot
/// pass per query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tuning {
    /// The IVF index's own `nprobe` (used by range search; k-NN search passes nprobe per call).
    pub(crate) nprobe: Option<usize>,
    /// The HNSW index's `efSearch`; `None` for indexes that are not HNSW.
    pub(crate) ef_search: Option<usize>,
}

/// Per-call search settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Knobs {
    /// IVF probes; `None` = the index's own.
    pub(crate) nprobe: Option<usize>,
    /// HNSW beam width; `None` = the index's own. Ignored by indexes that are not HNSW.
    pub(crate) ef_search: Option<usize>,
}

/// Turn a C API return code into a `Result`, fetching Faiss's message on failure.
fn check(op: &'static str, code: c_int) -> Result<()> {
    if code == 0 {
        return Ok(());
    }
    // SAFETY: `faiss_get_last_error` takes no arguments and returns either null or a pointer to
    // the message of the exception the C API stored in a thread-local on this thread; it stays
    // valid until the next failing Faiss call on this thread, and is copied before any.
    let message = unsafe {
        let p = sys::faiss_get_last_error();
        if p.is_null() {
            String::from("(no message)")
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    Err(Error::Faiss { op, code, message })
}

/// `value` as the `double` that `ParameterSpace::set_index_parameter` turns back into a C `int`
/// with `int(val)` (HNSW's efSearch and efConstruction), which is undefined behaviour when the
/// value does not fit: such values are refused here, whatever the callers clamped.
fn int_parameter(name: &str, value: usize) -> Result<f64> {
    let v = c_int::try_from(value)
        .map_err(|_| Error::InvalidArgument(format!("{name} = {value} does not fit a C int")))?;
    Ok(f64::from(v))
}

fn to_idx(n: usize, what: &str) -> Result<sys::idx_t> {
    sys::idx_t::try_from(n).map_err(|_| Error::InvalidArgument(format!("{what} {n} is too large")))
}

/// An owned Faiss index (`faiss::Index*`), freed on drop.
pub(crate) struct RawIndex {
    ptr: NonNull<sys::FaissIndex>,
    /// `faiss_IndexIVF_cast(ptr)` was not null when the index was created or read.
    ivf: bool,
    /// Read with an mmap flag: must never be mutated, cloned or merged.
    mapped: bool,
    /// Guards index-level search settings: every `&self` use of the index holds the read lock;
    /// changing a setting through `&self` holds the write lock.
    tuning: RwLock<Tuning>,
}

// SAFETY: a Faiss CPU index is a plain heap object with no thread affinity; moving the owning
// handle to another thread is fine.
unsafe impl Send for RawIndex {}
// SAFETY: `&self` methods only make const calls (search, range search, serialise, clone, getters),
// which Faiss supports concurrently on CPU indexes, except setting an index-level search
// parameter, which happens under the write lock of `tuning` while all the others hold its read
// lock. The OpenMP threads Faiss may start inside a call finish before the call returns.
unsafe impl Sync for RawIndex {}

impl Drop for RawIndex {
    fn drop(&mut self) {
        // SAFETY: `ptr` was returned by Faiss (factory, read or clone), is owned by this handle
        // alone and is freed exactly once, here; nothing borrows it past the drop.
        unsafe { sys::faiss_Index_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for RawIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawIndex")
            .field("dim", &self.dim())
            .field("ntotal", &self.ntotal())
            .field("ivf", &self.ivf)
            .field("mapped", &self.mapped)
            .finish()
    }
}

impl RawIndex {
    fn from_ptr(ptr: *mut sys::FaissIndex, op: &'static str, mapped: bool) -> Result<Self> {
        let ptr = NonNull::new(ptr).ok_or(Error::Faiss {
            op,
            code: 0,
            message: "returned a null index".into(),
        })?;
        // SAFETY: `ptr` is a valid index just returned by Faiss; the cast is a `dynamic_cast`
        // that returns null when the index is not an `IndexIVF` and does not retain the pointer.
        let ivf = unsafe { !sys::faiss_IndexIVF_cast(ptr.as_ptr()).is_null() };
        let index = RawIndex {
            ptr,
            ivf,
            mapped,
            tuning: RwLock::new(Tuning::default()),
        };
        if ivf {
            // SAFETY: the index is an IVF (checked above) and not yet shared.
            let nprobe = unsafe { sys::faiss_IndexIVF_nprobe(index.ptr.as_ptr()) };
            index.tuning.write().nprobe = Some(nprobe);
        }
        Ok(index)
    }

    /// `faiss::index_factory(dim, description, metric)`.
    pub(crate) fn factory(dim: usize, description: &str, metric: FaissMetric) -> Result<Self> {
        let d = c_int::try_from(dim)
            .ok()
            .filter(|&d| d > 0)
            .ok_or_else(|| Error::InvalidArgument(format!("dimension {dim} out of range")))?;
        let desc = CString::new(description).map_err(|_| {
            Error::InvalidArgument(format!("factory string {description:?} contains NUL"))
        })?;
        let mut out: *mut sys::FaissIndex = ptr::null_mut();
        // SAFETY: `out` is a valid out-pointer and `desc` a NUL-terminated string that outlives
        // the call; Faiss does not keep either.
        let code = unsafe { sys::faiss_index_factory(&mut out, d, desc.as_ptr(), metric.to_sys()) };
        check("index_factory", code)?;
        Self::from_ptr(out, "index_factory", false)
    }

    /// The dimension.
    pub(crate) fn dim(&self) -> usize {
        // SAFETY: `ptr` is a valid index for the lifetime of `self`; a getter of an immutable
        // field.
        let d = unsafe { sys::faiss_Index_d(self.ptr.as_ptr()) };
        usize::try_from(d).unwrap_or(0)
    }

    /// The number of vectors stored.
    pub(crate) fn ntotal(&self) -> u64 {
        // SAFETY: as in `dim`; `ntotal` only changes through `&mut self` methods.
        let n = unsafe { sys::faiss_Index_ntotal(self.ptr.as_ptr()) };
        u64::try_from(n).unwrap_or(0)
    }

    /// Whether the index is trained.
    pub(crate) fn is_trained(&self) -> bool {
        // SAFETY: as in `dim`.
        unsafe { sys::faiss_Index_is_trained(self.ptr.as_ptr()) != 0 }
    }

    /// The metric, if it is one Kiln uses.
    pub(crate) fn metric(&self) -> Option<FaissMetric> {
        // SAFETY: as in `dim`.
        let m = unsafe { sys::faiss_Index_metric_type(self.ptr.as_ptr()) };
        match m {
            sys::FaissMetricType_METRIC_L2 => Some(FaissMetric::L2),
            sys::FaissMetricType_METRIC_INNER_PRODUCT => Some(FaissMetric::InnerProduct),
            _ => None,
        }
    }

    /// Whether the index is an `IndexIVF`.
    pub(crate) fn is_ivf(&self) -> bool {
        self.ivf
    }

    /// The number of inverted lists of an IVF index.
    pub(crate) fn nlist(&self) -> Option<usize> {
        if !self.ivf {
            return None;
        }
        // SAFETY: the index is an IVF (checked at creation; its type never changes).
        Some(unsafe { sys::faiss_IndexIVF_nlist(self.ptr.as_ptr()) })
    }

    /// The length of every inverted list of an IVF index.
    pub(crate) fn list_sizes(&self) -> Option<Vec<u64>> {
        let nlist = self.nlist()?;
        let _guard = self.tuning.read();
        let sizes = (0..nlist)
            .map(|i| {
                // SAFETY: IVF index, `i < nlist`; a const read of the list's size.
                unsafe { sys::faiss_IndexIVF_get_list_size(self.ptr.as_ptr(), i) as u64 }
            })
            .collect();
        Some(sizes)
    }

    /// The settings currently on the index.
    pub(crate) fn tuning(&self) -> Tuning {
        *self.tuning.read()
    }

    fn rows_of(&self, x: &[f32]) -> Result<usize> {
        let d = self.dim();
        if d == 0 || !x.len().is_multiple_of(d) {
            return Err(Error::DimensionMismatch {
                expected: d,
                got: x.len(),
            });
        }
        Ok(x.len() / d)
    }

    fn refuse_if_mapped(&self, op: &str) -> Result<()> {
        if self.mapped {
            return Err(Error::Unsupported(format!(
                "{op} on a memory-mapped index (read-only)"
            )));
        }
        Ok(())
    }

    /// Train on `x` (row-major, `dim` floats per row).
    pub(crate) fn train(&mut self, x: &[f32]) -> Result<()> {
        self.refuse_if_mapped("train")?;
        let n = to_idx(self.rows_of(x)?, "row count")?;
        // SAFETY: `x` holds exactly `n * d` floats (checked) and outlives the call; `&mut self`
        // gives exclusive access to the index.
        let code = unsafe { sys::faiss_Index_train(self.ptr.as_ptr(), n, x.as_ptr()) };
        check("train", code)
    }

    /// Add `x`; labels continue from `ntotal`.
    pub(crate) fn add(&mut self, x: &[f32]) -> Result<()> {
        self.refuse_if_mapped("add")?;
        let n = to_idx(self.rows_of(x)?, "row count")?;
        if n == 0 {
            return Ok(());
        }
        // SAFETY: as in `train`.
        let code = unsafe { sys::faiss_Index_add(self.ptr.as_ptr(), n, x.as_ptr()) };
        check("add", code)
    }

    /// Add `x` with one label per row.
    pub(crate) fn add_with_ids(&mut self, x: &[f32], ids: &[i64]) -> Result<()> {
        self.refuse_if_mapped("add_with_ids")?;
        let rows = self.rows_of(x)?;
        // The `faiss` crate does not check this and C++ reads past `ids`.
        if ids.len() != rows {
            return Err(Error::InvalidArgument(format!(
                "{} labels for {rows} vectors",
                ids.len()
            )));
        }
        if rows == 0 {
            return Ok(());
        }
        let n = to_idx(rows, "row count")?;
        // SAFETY: `x` holds `n * d` floats and `ids` `n` labels (both checked) and outlive the
        // call; exclusive access through `&mut self`.
        let code = unsafe {
            sys::faiss_Index_add_with_ids(self.ptr.as_ptr(), n, x.as_ptr(), ids.as_ptr())
        };
        check("add_with_ids", code)
    }

    /// The `k` nearest coarse centroids of each row of `x`, nearest first (the IVF index's
    /// quantizer searched directly: row `r`'s first label is the list Faiss assigns it to, and
    /// a query's first `nprobe` labels are the lists a search at `nprobe` probes).
    pub(crate) fn quantizer_search(&self, x: &[f32], k: usize) -> Result<Vec<i64>> {
        Ok(self.quantizer_search_with_distances(x, k)?.1)
    }

    /// [`quantizer_search`](RawIndex::quantizer_search) with the centroid distances as Faiss
    /// gives them: `(distances, lists)`, each `rows · k` long.
    pub(crate) fn quantizer_search_with_distances(
        &self,
        x: &[f32],
        k: usize,
    ) -> Result<(Vec<f32>, Vec<i64>)> {
        if !self.ivf {
            return Err(Error::Unsupported(
                "a coarse quantizer search of an index that is not IVF".into(),
            ));
        }
        let rows = self.rows_of(x)?;
        let nlist = self.nlist().unwrap_or(0);
        if k == 0 || k > nlist {
            return Err(Error::InvalidArgument(format!(
                "{k} nearest of {nlist} centroids"
            )));
        }
        let len = rows
            .checked_mul(k)
            .ok_or_else(|| Error::InvalidArgument(format!("{rows} rows × {k}")))?;
        let mut distances = vec![0f32; len];
        let mut labels = vec![-1i64; len];
        if rows == 0 {
            return Ok((distances, labels));
        }
        let (n, k_idx) = (to_idx(rows, "row count")?, to_idx(k, "k")?);
        // SAFETY: `ptr` is an IVF index (`self.ivf`, checked above) alive for `&self`; the
        // quantizer it returns is owned by it and lives as long.
        let quantizer = unsafe {
            sys::faiss_IndexIVF_quantizer(
                self.ptr.as_ptr().cast::<sys::FaissIndexIVF>().cast_const(),
            )
        };
        if quantizer.is_null() {
            return Err(Error::Unsupported(
                "an IVF index without a quantizer".into(),
            ));
        }
        // SAFETY: `quantizer` is live (above) and has the index's dimension; `x` holds
        // `n * d` floats, `distances` and `labels` `n * k` entries each, all outliving the call;
        // search is a const operation of the quantizer, which searches of the index also use
        // concurrently.
        let code = unsafe {
            sys::faiss_Index_search(
                quantizer.cast_const(),
                n,
                x.as_ptr(),
                k_idx,
                distances.as_mut_ptr(),
                labels.as_mut_ptr(),
            )
        };
        check("quantizer search", code)?;
        Ok((distances, labels))
    }

    /// IVF k-NN search of the one query `x` with its coarse assignment given: `assign` the
    /// lists nearest first and `centroid_dis` their distances, as
    /// [`quantizer_search_with_distances`](RawIndex::quantizer_search_with_distances) gives
    /// them for this index or for any clone of the same trained template (same centroids);
    /// the first `nprobe` (after the clamp below) are probed. Returns `k` distances and labels
    /// as [`search`](RawIndex::search) does, `exclude` applied the same way.
    ///
    /// Through Kiln's C++ shim (`index/cpp/ivf_preassigned.cpp`) over
    /// `IndexIVF::search_preassigned`, since Faiss's C API version takes neither a per-call
    /// nprobe nor a selector.
    pub(crate) fn search_preassigned(
        &self,
        x: &[f32],
        k: usize,
        nprobe: Option<usize>,
        assign: &[i64],
        centroid_dis: &[f32],
        exclude: Option<&[u8]>,
    ) -> Result<(Vec<f32>, Vec<i64>)> {
        if !self.ivf {
            return Err(Error::Unsupported(
                "a preassigned search of an index that is not IVF".into(),
            ));
        }
        if self.rows_of(x)? != 1 {
            return Err(Error::InvalidArgument(
                "a preassigned search takes one query".into(),
            ));
        }
        if k == 0 {
            return Err(Error::ZeroK);
        }
        if c_int::try_from(k).is_err() {
            return Err(Error::InvalidArgument(format!(
                "k = {k} does not fit a C int"
            )));
        }
        let nlist = self.nlist().unwrap_or(0);
        let guard = self.tuning.read();
        let nprobe = nprobe.or(guard.nprobe).unwrap_or(1).clamp(1, nlist.max(1));
        // Faiss reads the inverted list of every probed entry without checking it.
        let probed = assign.get(..nprobe).unwrap_or(&[]);
        if probed.len() < nprobe
            || centroid_dis.len() < nprobe
            || probed.iter().any(|&l| l < -1 || l >= nlist as i64)
        {
            return Err(Error::InvalidArgument(format!(
                "a coarse assignment of {} lists ({} distances) for nprobe {nprobe} of {nlist} \
                 lists",
                assign.len(),
                centroid_dis.len()
            )));
        }
        let mut distances = vec![0f32; k];
        let mut labels = vec![-1i64; k];
        let selector = ExcludeSelector::for_exclusions(exclude)?;
        let sel_ptr = selector
            .as_ref()
            .map_or(ptr::null(), |s| s.as_ptr().cast_const().cast::<c_void>());
        // SAFETY: the index pointer is live for `&self` and used as `const` (a search); `x`
        // holds one query of `d` floats (checked), `probed` and `centroid_dis` at least
        // `nprobe` entries (checked) with every list number below nlist or -1 (checked: Faiss
        // skips -1), `distances` and `labels` `k` entries each; `sel_ptr` is null or a live
        // selector that outlives the call. The shim catches every C++ exception.
        let code = unsafe {
            kiln_ivf_search_preassigned(
                self.ptr.as_ptr().cast_const().cast::<c_void>(),
                1,
                x.as_ptr(),
                to_idx(k, "k")?,
                probed.as_ptr(),
                centroid_dis.as_ptr(),
                to_idx(nprobe, "nprobe")?,
                sel_ptr,
                distances.as_mut_ptr(),
                labels.as_mut_ptr(),
            )
        };
        drop(guard);
        match code {
            0 => Ok((distances, labels)),
            1 => Err(Error::Unsupported(
                "a preassigned search of an index that is not IVF".into(),
            )),
            2 => Err(Error::InvalidArgument(
                "preassigned search: arguments refused".into(),
            )),
            _ => Err(Error::Faiss {
                op: "search_preassigned",
                code,
                message: "Faiss threw during a preassigned IVF search".into(),
            }),
        }
    }

    /// Set the IVF index's own `nprobe` (used where the C API has no per-call parameters).
    pub(crate) fn set_nprobe(&mut self, nprobe: usize) -> Result<()> {
        if !self.ivf {
            return Err(Error::Unsupported(
                "nprobe on an index that is not IVF".into(),
            ));
        }
        if nprobe == 0 {
            return Err(Error::InvalidArgument("nprobe must be at least 1".into()));
        }
        // SAFETY: IVF index (checked), exclusive access through `&mut self`.
        unsafe { sys::faiss_IndexIVF_set_nprobe(self.ptr.as_ptr(), nprobe) };
        self.tuning.get_mut().nprobe = Some(nprobe);
        Ok(())
    }

    /// Set HNSW's `efConstruction` (before adding).
    pub(crate) fn set_ef_construction(&mut self, ef: usize) -> Result<()> {
        self.refuse_if_mapped("setting efConstruction")?;
        if ef == 0 {
            return Err(Error::InvalidArgument(
                "efConstruction must be at least 1".into(),
            ));
        }
        let value = int_parameter("efConstruction", ef)?;
        // SAFETY: exclusive access through `&mut self`.
        unsafe { self.set_parameter_raw(c"efConstruction", value) }
    }

    /// Set HNSW's `efSearch` and remember it as the index's own (the default of its searches).
    pub(crate) fn set_ef_search(&mut self, ef: usize) -> Result<()> {
        if ef == 0 {
            return Err(Error::InvalidArgument("efSearch must be at least 1".into()));
        }
        let value = int_parameter("efSearch", ef)?;
        // SAFETY: exclusive access through `&mut self`.
        unsafe { self.set_parameter_raw(c"efSearch", value)? };
        self.tuning.get_mut().ef_search = Some(ef);
        Ok(())
    }

    /// `ParameterSpace::set_index_parameter(index, name, value)`.
    ///
    /// # Safety
    /// The caller must hold exclusive access to the index: `&mut self`, or the write lock of
    /// `tuning`.
    unsafe fn set_parameter_raw(&self, name: &CStr, value: f64) -> Result<()> {
        let mut space: *mut sys::FaissParameterSpace = ptr::null_mut();
        // SAFETY: valid out-pointer.
        check("ParameterSpace_new", unsafe {
            sys::faiss_ParameterSpace_new(&mut space)
        })?;
        let space = Owned::new(space, free_parameter_space);
        // SAFETY: `space` is a valid ParameterSpace, `name` is NUL-terminated, and the caller
        // guarantees no other thread uses the index during the call.
        let code = unsafe {
            sys::faiss_ParameterSpace_set_index_parameter(
                space.ptr,
                self.ptr.as_ptr(),
                name.as_ptr(),
                value,
            )
        };
        check("ParameterSpace_set_index_parameter", code)
    }

    /// A deep copy (`faiss::clone_index`). Refused for mapped indexes.
    pub(crate) fn try_clone(&self) -> Result<Self> {
        self.refuse_if_mapped("clone")?;
        let tuning = self.tuning();
        let mut out: *mut sys::FaissIndex = ptr::null_mut();
        let code = {
            let _guard = self.tuning.read();
            // SAFETY: const call on a valid index (concurrent settings changes excluded by the
            // read lock); valid out-pointer.
            unsafe { sys::faiss_clone_index(self.ptr.as_ptr(), &mut out) }
        };
        check("clone_index", code)?;
        let mut clone = Self::from_ptr(out, "clone_index", false)?;
        *clone.tuning.get_mut() = tuning;
        Ok(clone)
    }

    /// k-NN search of the `x.len() / dim` queries in `x`. Returns `n * k` distances and labels
    /// as Faiss gives them (per query best first; `-1` labels where fewer than `k` were found).
    ///
    /// `exclude`: bitmap bytes (bit `r` of byte `r / 8` set = label `r` excluded), applied
    /// inside Faiss as `IDSelectorNot(IDSelectorBitmap)`, so excluded labels never come back.
    ///
    /// `knobs.nprobe` is passed per call (`SearchParametersIVF`) to IVF indexes. The C API has
    /// no per-call `efSearch`: when `knobs.ef_search` differs from the HNSW index's own, the
    /// call takes the index's write lock, sets it, searches and restores it, so such calls run
    /// one at a time on that index while calls at the index's own setting run concurrently under
    /// the read lock.
    pub(crate) fn search(
        &self,
        x: &[f32],
        k: usize,
        knobs: Knobs,
        exclude: Option<&[u8]>,
    ) -> Result<(Vec<f32>, Vec<i64>)> {
        let rows = self.rows_of(x)?;
        if k == 0 {
            return Err(Error::ZeroK);
        }
        // Faiss takes k as a 64-bit `idx_t`, but HNSW's search narrows it to an `int`. (Callers
        // clamp k to the index's rows first; the answer buffers below are `rows · k` long.)
        if c_int::try_from(k).is_err() {
            return Err(Error::InvalidArgument(format!(
                "k = {k} does not fit a C int"
            )));
        }
        let len = rows
            .checked_mul(k)
            .ok_or_else(|| Error::InvalidArgument(format!("{rows} queries × k = {k}")))?;
        let mut distances = vec![0f32; len];
        let mut labels = vec![-1i64; len];
        if rows == 0 {
            return Ok((distances, labels));
        }
        let n = to_idx(rows, "query count")?;
        let k_idx = to_idx(k, "k")?;

        let guard = self.tuning.read();
        let current = *guard;
        let nprobe = knobs.nprobe.or(current.nprobe).unwrap_or(1).max(1);
        let retune = match (knobs.ef_search, current.ef_search) {
            (Some(want), Some(have)) if want != have && want > 0 => Some((
                int_parameter("efSearch", want)?,
                int_parameter("efSearch", have)?,
            )),
            _ => None,
        };

        // Per-call selector and parameters, freed when the guards drop (after the search).
        let selector = ExcludeSelector::for_exclusions(exclude)?;
        let sel_ptr = selector.as_ref().map_or(ptr::null_mut(), |s| s.as_ptr());
        let params = if self.ivf {
            let mut p: *mut sys::FaissSearchParametersIVF = ptr::null_mut();
            // SAFETY: valid out-pointer; `sel_ptr` is null or a live selector that outlives
            // `params` (declared before it, so dropped after it). The params do not own it.
            check("SearchParametersIVF_new_with", unsafe {
                sys::faiss_SearchParametersIVF_new_with(&mut p, sel_ptr, nprobe, 0)
            })?;
            Some(Owned::new(p, free_search_parameters))
        } else if !sel_ptr.is_null() {
            let mut p: *mut sys::FaissSearchParameters = ptr::null_mut();
            // SAFETY: as above.
            check("SearchParameters_new", unsafe {
                sys::faiss_SearchParameters_new(&mut p, sel_ptr)
            })?;
            Some(Owned::new(p, free_search_parameters))
        } else {
            None
        };
        let params_ptr = params.as_ref().map_or(ptr::null(), |p| p.ptr.cast_const());

        let run = |distances: &mut [f32], labels: &mut [i64]| -> Result<()> {
            // SAFETY: `x` holds `n * d` floats; `distances` and `labels` hold `n * k` entries
            // each (allocated above, lengths checked); `params_ptr` is null or live params whose
            // selector is live; the index pointer is used as `const`. The caller holds the read
            // or write lock of `tuning`.
            let code = unsafe {
                if params_ptr.is_null() {
                    sys::faiss_Index_search(
                        self.ptr.as_ptr(),
                        n,
                        x.as_ptr(),
                        k_idx,
                        distances.as_mut_ptr(),
                        labels.as_mut_ptr(),
                    )
                } else {
                    sys::faiss_Index_search_with_params(
                        self.ptr.as_ptr(),
                        n,
                        x.as_ptr(),
                        k_idx,
                        params_ptr,
                        distances.as_mut_ptr(),
                        labels.as_mut_ptr(),
                    )
                }
            };
            check("search", code)
        };

        match retune {
            None => {
                run(&mut distances, &mut labels)?;
                drop(guard);
            }
            Some((want, have)) => {
                drop(guard);
                let _write = self.tuning.write();
                // SAFETY: the write lock excludes every other `&self` use of the index.
                unsafe { self.set_parameter_raw(c"efSearch", want)? };
                let result = run(&mut distances, &mut labels);
                // SAFETY: still under the write lock.
                let restored = unsafe { self.set_parameter_raw(c"efSearch", have) };
                result?;
                restored?;
            }
        }
        Ok((distances, labels))
    }

    /// Range search: per query, every label Faiss finds with distance `< radius` (L2) or
    /// similarity `> radius` (inner product), unsorted, as `(label, faiss distance)`.
    ///
    /// The C API has no range search with parameters: no selector (callers filter excluded rows
    /// afterwards, which is exact since range search has no `k`), and `nprobe` / `efSearch` are
    /// the index's own unless `knobs` asks otherwise, in which case they are set under the write
    /// lock for the call and restored.
    pub(crate) fn range_search(
        &self,
        x: &[f32],
        radius: f32,
        knobs: Knobs,
    ) -> Result<Vec<Vec<(i64, f32)>>> {
        let rows = self.rows_of(x)?;
        if rows == 0 {
            return Ok(Vec::new());
        }
        let n = to_idx(rows, "query count")?;

        let run = || -> Result<Vec<Vec<(i64, f32)>>> {
            let mut rsr: *mut sys::FaissRangeSearchResult = ptr::null_mut();
            // SAFETY: valid out-pointer.
            check("RangeSearchResult_new", unsafe {
                sys::faiss_RangeSearchResult_new(&mut rsr, n)
            })?;
            let rsr = Owned::new(rsr, free_range_search_result);
            // SAFETY: `x` holds `n * d` floats; `rsr` was allocated for `n` queries; const call
            // under the caller's lock.
            check("range_search", unsafe {
                sys::faiss_Index_range_search(self.ptr.as_ptr(), n, x.as_ptr(), radius, rsr.ptr)
            })?;
            let mut lims: *mut usize = ptr::null_mut();
            let mut labels: *mut sys::idx_t = ptr::null_mut();
            let mut dists: *mut f32 = ptr::null_mut();
            // SAFETY: `rsr` is a filled result; the getters write its internal array pointers.
            unsafe {
                sys::faiss_RangeSearchResult_lims(rsr.ptr, &mut lims);
                sys::faiss_RangeSearchResult_labels(rsr.ptr, &mut labels, &mut dists);
            }
            if lims.is_null() {
                return Err(Error::Faiss {
                    op: "range_search",
                    code: 0,
                    message: "no result limits".into(),
                });
            }
            // SAFETY: `lims` has `n + 1` entries (allocated by the result for `n` queries).
            let lims = unsafe { std::slice::from_raw_parts(lims, rows + 1) };
            let total = lims.last().copied().unwrap_or(0);
            if total > 0 && (labels.is_null() || dists.is_null()) {
                return Err(Error::Faiss {
                    op: "range_search",
                    code: 0,
                    message: "missing result arrays".into(),
                });
            }
            let (labels, dists) = if total == 0 {
                (&[][..], &[][..])
            } else {
                // SAFETY: after range_search the result's buffers hold `lims[n]` labels and
                // distances; they live until `rsr` is freed at the end of this closure.
                unsafe {
                    (
                        std::slice::from_raw_parts(labels, total),
                        std::slice::from_raw_parts(dists, total),
                    )
                }
            };
            let mut out = Vec::with_capacity(rows);
            for q in 0..rows {
                let (Some(&a), Some(&b)) = (lims.get(q), lims.get(q + 1)) else {
                    return Err(Error::corrupted("range search limits out of bounds"));
                };
                let (Some(l), Some(d)) = (labels.get(a..b), dists.get(a..b)) else {
                    return Err(Error::corrupted("range search limits out of order"));
                };
                out.push(l.iter().copied().zip(d.iter().copied()).collect());
            }
            Ok(out)
        };

        let guard = self.tuning.read();
        let current = *guard;
        let want_nprobe = knobs.nprobe.filter(|&p| self.ivf && p > 0);
        let want_ef = knobs
            .ef_search
            .filter(|&e| current.ef_search.is_some() && e > 0)
            .map(|e| int_parameter("efSearch", e).map(|v| (e, v)))
            .transpose()?;
        let have_ef = current
            .ef_search
            .map(|e| int_parameter("efSearch", e))
            .transpose()?;
        let differs = want_nprobe.is_some_and(|p| Some(p) != current.nprobe)
            || want_ef.is_some_and(|(e, _)| Some(e) != current.ef_search);
        if !differs {
            let out = run();
            drop(guard);
            return out;
        }
        drop(guard);
        let _write = self.tuning.write();
        if let Some(p) = want_nprobe {
            // SAFETY: IVF index; the write lock excludes every other `&self` use.
            unsafe { sys::faiss_IndexIVF_set_nprobe(self.ptr.as_ptr(), p) };
        }
        if let Some((_, value)) = want_ef {
            // SAFETY: under the write lock.
            unsafe { self.set_parameter_raw(c"efSearch", value)? };
        }
        let out = run();
        if let (Some(_), Some(p)) = (want_nprobe, current.nprobe) {
            // SAFETY: as above.
            unsafe { sys::faiss_IndexIVF_set_nprobe(self.ptr.as_ptr(), p) };
        }
        if let (Some(_), Some(value)) = (want_ef, have_ef) {
            // SAFETY: as above.
            unsafe { self.set_parameter_raw(c"efSearch", value)? };
        }
        out
    }

    /// `IndexIVF::merge_from(other, add_id)`: moves `other`'s inverted lists to the end of
    /// `self`'s with `add_id` added to every label, leaving `other` empty. Faiss checks that
    /// both are the same IVF type with the same `d`, `nlist`, code size and bit-identical
    /// centroids; it does not compare SQ/PQ codebooks (callers compare template fingerprints).
    pub(crate) fn merge_from(&mut self, other: &mut RawIndex, add_id: i64) -> Result<()> {
        self.refuse_if_mapped("merge into")?;
        // Faiss aborts the process when the source's lists are a read-only mapping.
        other.refuse_if_mapped("merge from")?;
        if !self.ivf || !other.ivf {
            return Err(Error::NotMergeable {
                reason: "merge_from needs two IVF indexes".into(),
            });
        }
        // SAFETY: both are in-memory IVF indexes (checked), distinct (two `&mut`), exclusively
        // borrowed for the call.
        let code = unsafe {
            sys::faiss_IndexIVF_merge_from(self.ptr.as_ptr(), other.ptr.as_ptr(), add_id)
        };
        check("IndexIVF_merge_from", code)
    }

    /// Serialise with `faiss::write_index` into `out` (appended).
    pub(crate) fn write_into(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut writer: *mut sys::FaissCustomIOWriter = ptr::null_mut();
        // SAFETY: valid out-pointer; `write_callback` has the signature the C API expects and
        // stays valid forever.
        check("CustomIOWriter_new", unsafe {
            sys::faiss_CustomIOWriter_new(&mut writer, Some(write_callback))
        })?;
        let writer = Owned::new(writer, free_custom_writer);
        let buffer = std::mem::take(out);
        WRITE_BUFFER.with(|b| b.set(Some(buffer)));
        let code = {
            let _guard = self.tuning.read();
            // SAFETY: const call on a valid index; `CustomIOWriter` derives from `IOWriter` by
            // single inheritance, so the pointer cast is the C API's own reinterpret_cast. The
            // callback runs on this thread only (index writing is sequential) and appends to
            // this thread's buffer, set just above.
            unsafe {
                sys::faiss_write_index_custom(
                    self.ptr.as_ptr(),
                    writer.ptr.cast::<sys::FaissIOWriter>(),
                    0,
                )
            }
        };
        *out = WRITE_BUFFER.with(|b| b.take()).unwrap_or_default();
        check("write_index", code)
    }

    /// Deserialise an in-memory index from `bytes` (`faiss::read_index` through a custom
    /// reader). Returns the index and how many bytes Faiss consumed.
    pub(crate) fn read_bytes(bytes: &[u8]) -> Result<(Self, usize)> {
        let mut reader: *mut sys::FaissCustomIOReader = ptr::null_mut();
        // SAFETY: valid out-pointer; `read_callback` matches the expected signature.
        check("CustomIOReader_new", unsafe {
            sys::faiss_CustomIOReader_new(&mut reader, Some(read_callback))
        })?;
        let reader = Owned::new(reader, free_custom_reader);
        let previous = READ_CURSOR.with(|c| {
            c.replace(ReadCursor {
                ptr: bytes.as_ptr(),
                len: bytes.len(),
                pos: 0,
            })
        });
        let mut out: *mut sys::FaissIndex = ptr::null_mut();
        // SAFETY: the reader's callback reads this thread's cursor, which points into `bytes`,
        // borrowed for the whole call; index reading is sequential on the calling thread; the
        // cast is the single-inheritance IOReader base; valid out-pointer.
        let code = unsafe {
            sys::faiss_read_index_custom(reader.ptr.cast::<sys::FaissIOReader>(), 0, &mut out)
        };
        let cursor = READ_CURSOR.with(|c| c.replace(previous));
        check("read_index", code)?;
        let index = Self::from_ptr(out, "read_index", false)?;
        Ok((index, cursor.pos))
    }

    /// `faiss::read_index(path, flags)`. With an mmap flag the index is marked mapped.
    pub(crate) fn read_file(path: &Path, flags: c_int) -> Result<Self> {
        let cpath = path_to_cstring(path)?;
        let mut out: *mut sys::FaissIndex = ptr::null_mut();
        // SAFETY: NUL-terminated path that outlives the call; valid out-pointer.
        let code = unsafe { sys::faiss_read_index_fname(cpath.as_ptr(), flags, &mut out) };
        check("read_index", code)?;
        let mapped = flags & (IO_FLAG_MMAP_IFC | IO_FLAG_MMAP) != 0;
        Self::from_ptr(out, "read_index", mapped)
    }
}

fn path_to_cstring(path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::InvalidArgument(format!("path {} contains NUL", path.display())))
}

/// An owned C API object with its free function.
struct Owned<T> {
    ptr: *mut T,
    free: unsafe fn(*mut T),
}

impl<T> Owned<T> {
    fn new(ptr: *mut T, free: unsafe fn(*mut T)) -> Self {
        Owned { ptr, free }
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: `ptr` was created by the matching `_new` function, is owned by this guard
            // alone and freed once.
            unsafe { (self.free)(self.ptr) }
        }
    }
}

unsafe fn free_parameter_space(p: *mut sys::FaissParameterSpace) {
    // SAFETY: the caller (`Owned::drop`) passes a pointer from `faiss_ParameterSpace_new`.
    unsafe { sys::faiss_ParameterSpace_free(p) }
}
unsafe fn free_search_parameters(p: *mut sys::FaissSearchParameters) {
    // SAFETY: a pointer from `faiss_SearchParameters[IVF]_new*`; the destructor is virtual and
    // does not free the selector.
    unsafe { sys::faiss_SearchParameters_free(p) }
}
unsafe fn free_selector(p: *mut sys::FaissIDSelector) {
    // SAFETY: a pointer from a `faiss_IDSelector*_new`; the destructor is virtual.
    unsafe { sys::faiss_IDSelector_free(p) }
}
unsafe fn free_range_search_result(p: *mut sys::FaissRangeSearchResult) {
    // SAFETY: a pointer from `faiss_RangeSearchResult_new`.
    unsafe { sys::faiss_RangeSearchResult_free(p) }
}
unsafe fn free_custom_writer(p: *mut sys::FaissCustomIOWriter) {
    // SAFETY: a pointer from `faiss_CustomIOWriter_new`.
    unsafe { sys::faiss_CustomIOWriter_free(p) }
}
unsafe fn free_custom_reader(p: *mut sys::FaissCustomIOReader) {
    // SAFETY: a pointer from `faiss_CustomIOReader_new`.
    unsafe { sys::faiss_CustomIOReader_free(p) }
}

/// `IDSelectorNot(IDSelectorBitmap(bytes))`: members are the labels whose bit is *not* set.
/// Borrows `bytes` (Faiss's bitmap selector keeps the pointer, not a copy).
struct ExcludeSelector<'a> {
    // Field order = drop order: the `Not` (which points at the bitmap) goes first.
    not: Owned<sys::FaissIDSelector>,
    _bitmap: Owned<sys::FaissIDSelector>,
    _bytes: std::marker::PhantomData<&'a [u8]>,
}

impl<'a> ExcludeSelector<'a> {
    /// The selector for `exclude`'s bitmap bytes; `None` when no row is excluded (no bitmap,
    /// or no bit set), so that Faiss runs without one.
    fn for_exclusions(exclude: Option<&'a [u8]>) -> Result<Option<Self>> {
        match exclude {
            Some(bytes) if bytes.iter().any(|&b| b != 0) => Ok(Some(ExcludeSelector::new(bytes)?)),
            _ => Ok(None),
        }
    }

    fn new(bytes: &'a [u8]) -> Result<Self> {
        let mut bitmap: *mut sys::FaissIDSelectorBitmap = ptr::null_mut();
        // SAFETY: `bytes` is valid for `bytes.len()` bytes for `'a`, which outlives the selector
        // (the lifetime parameter ties them); valid out-pointer.
        check("IDSelectorBitmap_new", unsafe {
            sys::faiss_IDSelectorBitmap_new(&mut bitmap, bytes.len(), bytes.as_ptr())
        })?;
        let bitmap = Owned::new(bitmap.cast::<sys::FaissIDSelector>(), free_selector);
        let mut not: *mut sys::FaissIDSelectorNot = ptr::null_mut();
        // SAFETY: `bitmap` is a live selector that outlives `not` (dropped after it).
        check("IDSelectorNot_new", unsafe {
            sys::faiss_IDSelectorNot_new(&mut not, bitmap.ptr)
        })?;
        Ok(ExcludeSelector {
            not: Owned::new(not.cast::<sys::FaissIDSelector>(), free_selector),
            _bitmap: bitmap,
            _bytes: std::marker::PhantomData,
        })
    }

    fn as_ptr(&self) -> *mut sys::FaissIDSelector {
        self.not.ptr
    }

    #[cfg(test)]
    fn is_member(&self, id: i64) -> bool {
        // SAFETY: live selector; a const membership test.
        unsafe { sys::faiss_IDSelector_is_member(self.not.ptr, id) != 0 }
    }
}

// The custom IO callbacks carry no user-data pointer, so each thread's in-flight buffer lives
// in a thread-local. Faiss reads and writes an index sequentially on the calling thread.
thread_local! {
    static WRITE_BUFFER: Cell<Option<Vec<u8>>> = const { Cell::new(None) };
    static READ_CURSOR: Cell<ReadCursor> = const {
        Cell::new(ReadCursor { ptr: ptr::null(), len: 0, pos: 0 })
    };
}

#[derive(Clone, Copy)]
struct ReadCursor {
    ptr: *const u8,
    len: usize,
    pos: usize,
}

/// `IOWriter` callback: append `size * nitems` bytes at `src` to this thread's buffer.
/// Returns `nitems` on success, 0 when no buffer is installed. Never unwinds.
unsafe extern "C" fn write_callback(src: *const c_void, size: usize, nitems: usize) -> usize {
    let Some(bytes) = size.checked_mul(nitems) else {
        return 0;
    };
    let Some(mut buffer) = WRITE_BUFFER.with(|b| b.take()) else {
        return 0;
    };
    if bytes > 0 {
        if src.is_null() {
            WRITE_BUFFER.with(|b| b.set(Some(buffer)));
            return 0;
        }
        // SAFETY: Faiss passes `size * nitems` readable bytes at `src` for the call.
        let data = unsafe { std::slice::from_raw_parts(src.cast::<u8>(), bytes) };
        buffer.extend_from_slice(data);
    }
    WRITE_BUFFER.with(|b| b.set(Some(buffer)));
    nitems
}

/// `IOReader` callback: copy up to `nitems` items of `size` bytes from this thread's cursor to
/// `dst`; returns the number of whole items copied (fewer at the end of the bytes, which Faiss
/// turns into a read error). Never unwinds.
unsafe extern "C" fn read_callback(dst: *mut c_void, size: usize, nitems: usize) -> usize {
    if size == 0 || nitems == 0 {
        return nitems;
    }
    let mut cursor = READ_CURSOR.with(|c| c.get());
    if cursor.ptr.is_null() || dst.is_null() {
        return 0;
    }
    let available = cursor.len.saturating_sub(cursor.pos);
    let items = nitems.min(available / size);
    let bytes = items * size;
    if bytes > 0 {
        // SAFETY: `cursor.ptr[pos..pos + bytes]` lies inside the slice installed by
        // `read_bytes`, borrowed for the whole read; Faiss provides `size * nitems ≥ bytes`
        // writable bytes at `dst`; the regions cannot overlap (Faiss writes into its own memory).
        unsafe {
            ptr::copy_nonoverlapping(cursor.ptr.add(cursor.pos), dst.cast::<u8>(), bytes);
        }
        cursor.pos += bytes;
        READ_CURSOR.with(|c| c.set(cursor));
    }
    items
}

/// A read-only memory map of a whole file.
///
/// Sound as long as nobody modifies or truncates the file while it is mapped (the reason
/// memmap2's constructor is `unsafe`): Kiln index files are written once under a temporary name,
/// renamed into place and never modified; they are deleted only when nothing refers to them.
pub(crate) fn map_read_only(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: see above; the map is only read, and only while the caller holds it.
    unsafe { memmap2::Mmap::map(file) }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    fn malloc_trim(pad: usize) -> c_int;
}

/// Return free heap memory to the OS (glibc `malloc_trim(0)`; a no-op elsewhere).
pub(crate) fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: glibc's malloc_trim is thread-safe (it locks each arena) and only releases memory
    // that is free.
    unsafe {
        malloc_trim(0);
    }
}

// Kiln's C++ shim (index/cpp/ivf_preassigned.cpp, compiled by index/build.rs).
unsafe extern "C" {
    fn kiln_ivf_search_preassigned(
        index: *const c_void,
        n: i64,
        x: *const f32,
        k: i64,
        assign: *const i64,
        centroid_dis: *const f32,
        nprobe: i64,
        selector: *const c_void,
        distances: *mut f32,
        labels: *mut i64,
    ) -> c_int;
}

unsafe extern "C" {
    fn omp_set_num_threads(n: c_int);
    fn omp_get_max_threads() -> c_int;
}

/// Set the number of OpenMP threads Faiss uses for calls made from the calling thread
/// (libgomp's `nthreads-var` is per thread).
pub(crate) fn set_omp_threads(n: usize) {
    let n = c_int::try_from(n.max(1)).unwrap_or(c_int::MAX);
    // SAFETY: libgomp's setter takes a plain integer and touches only the calling thread's ICV.
    unsafe { omp_set_num_threads(n) }
}

/// The number of OpenMP threads the next parallel region started from this thread would use.
pub(crate) fn omp_threads() -> usize {
    // SAFETY: a getter of the calling thread's ICV.
    let n = unsafe { omp_get_max_threads() };
    usize::try_from(n).unwrap_or(1).max(1)
}

/// K-means of `sample` (row-major, `dim` floats per row) into `k` centroids with Faiss's
/// `Clustering` (squared L2, `niter` iterations, `seed`), on the calling thread's OpenMP
/// threads. Needs at least `k` rows.
pub(crate) fn kmeans(
    dim: usize,
    sample: &[f32],
    k: usize,
    niter: usize,
    seed: u64,
) -> Result<Vec<f32>> {
    let d = c_int::try_from(dim)
        .ok()
        .filter(|&d| d > 0)
        .ok_or_else(|| Error::InvalidArgument(format!("dimension {dim} out of range")))?;
    let kk = c_int::try_from(k)
        .ok()
        .filter(|&k| k > 0)
        .ok_or_else(|| Error::InvalidArgument(format!("{k} centroids out of range")))?;
    let rows = sample.len() / dim;
    if rows * dim != sample.len() || rows < k {
        return Err(Error::NotEnoughTrainingRows {
            needed: k,
            got: rows,
        });
    }
    let n = to_idx(rows, "row count")?;
    let assign = RawIndex::factory(dim, "Flat", FaissMetric::L2)?;
    let mut cp = std::mem::MaybeUninit::<sys::FaissClusteringParameters>::uninit();
    // SAFETY: the initialiser writes every field of the struct it is given.
    let mut cp = unsafe {
        sys::faiss_ClusteringParameters_init(cp.as_mut_ptr());
        cp.assume_init()
    };
    cp.niter = c_int::try_from(niter.max(1)).unwrap_or(c_int::MAX);
    cp.seed = (seed & 0x7fff_ffff) as c_int;
    cp.max_points_per_centroid = c_int::try_from(rows.div_ceil(k).max(1)).unwrap_or(c_int::MAX);
    cp.min_points_per_centroid = 1;
    let mut clustering: *mut sys::FaissClustering = ptr::null_mut();
    // SAFETY: valid out-pointer and parameters that outlive the call (Faiss copies them).
    check("Clustering_new_with_params", unsafe {
        sys::faiss_Clustering_new_with_params(&mut clustering, d, kk, &cp)
    })?;
    let clustering = Owned::new(clustering, free_clustering);
    // SAFETY: `sample` holds `n * d` floats (checked) and outlives the call; `assign` is a
    // live flat index of dimension `d` owned here, which Faiss uses only during the call.
    check("Clustering_train", unsafe {
        sys::faiss_Clustering_train(clustering.ptr, n, sample.as_ptr(), assign.ptr.as_ptr())
    })?;
    let mut centroids: *mut f32 = ptr::null_mut();
    let mut size = 0usize;
    // SAFETY: out-pointers to locals; the centroids stay owned by the clustering, which is
    // alive until after they are copied below.
    unsafe { sys::faiss_Clustering_centroids(clustering.ptr, &mut centroids, &mut size) };
    if centroids.is_null() || size != k * dim {
        return Err(Error::Faiss {
            op: "Clustering_centroids",
            code: -1,
            message: format!("{size} floats for {k} × {dim}"),
        });
    }
    // SAFETY: Faiss reported `size` floats at `centroids`, alive while `clustering` is.
    let out = unsafe { std::slice::from_raw_parts(centroids, size) }.to_vec();
    drop(clustering);
    drop(assign);
    Ok(out)
}

unsafe fn free_clustering(p: *mut sys::FaissClustering) {
    // SAFETY: the caller (`Owned::drop`) passes a pointer from `faiss_Clustering_new_with_params`.
    unsafe { sys::faiss_Clustering_free(p) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct rows (no two equal), deterministic.
    fn grid(n: usize, d: usize) -> Vec<f32> {
        (0..n * d)
            .map(|i| (i as f32 * 0.618_034).sin() * 10.0 + (i / d) as f32 * 0.001)
            .collect()
    }

    #[test]
    fn factory_add_search_flat() {
        let mut idx = RawIndex::factory(2, "Flat", FaissMetric::L2).expect("ok");
        assert!(idx.is_trained() && !idx.is_ivf());
        idx.add(&[0.0, 0.0, 1.0, 1.0, 5.0, 5.0]).expect("ok");
        assert_eq!(idx.ntotal(), 3);
        let (d, l) = idx
            .search(&[0.9, 0.9], 2, Knobs::default(), None)
            .expect("ok");
        assert_eq!(l, vec![1, 0]);
        assert!((d[0] - 0.02).abs() < 1e-6);
        // k larger than ntotal: -1 labels for the missing ones.
        let (_, l) = idx
            .search(&[0.0, 0.0], 5, Knobs::default(), None)
            .expect("ok");
        assert_eq!(&l[3..], &[-1, -1]);
        assert!(matches!(
            idx.search(&[0.0, 0.0], 0, Knobs::default(), None),
            Err(Error::ZeroK)
        ));
    }

    #[test]
    fn errors_are_values_with_messages() {
        let err = RawIndex::factory(8, "NoSuchIndex", FaissMetric::L2).expect_err("must fail");
        match err {
            Error::Faiss { op, message, .. } => {
                assert_eq!(op, "index_factory");
                assert!(!message.is_empty());
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut idx = RawIndex::factory(4, "Flat", FaissMetric::L2).expect("ok");
        assert!(matches!(
            idx.add(&[1.0; 6]),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            idx.add_with_ids(&[1.0; 8], &[1]),
            Err(Error::InvalidArgument(_))
        ));
        // IndexFlat does not support add_with_ids: a Faiss exception, caught.
        assert!(matches!(
            idx.add_with_ids(&[1.0; 4], &[7]),
            Err(Error::Faiss { .. })
        ));
    }

    #[test]
    fn exclude_selector_is_not_bitmap() {
        let bytes = [0b0000_0101u8, 0b1000_0000];
        let sel = ExcludeSelector::new(&bytes).expect("ok");
        let members: Vec<i64> = (0..20).filter(|&i| sel.is_member(i)).collect();
        let expected: Vec<i64> = (0..20).filter(|&i| i != 0 && i != 2 && i != 15).collect();
        assert_eq!(members, expected);
    }

    #[test]
    fn search_excludes_inside_faiss_for_every_k() {
        let d = 4;
        let x = grid(50, d);
        let mut idx = RawIndex::factory(d, "Flat", FaissMetric::L2).expect("ok");
        idx.add(&x).expect("ok");
        let mut bytes = vec![0u8; 7];
        for r in (0..50).filter(|r| r % 2 == 0) {
            bytes[r / 8] |= 1 << (r % 8);
        }
        for k in [1, 10, 25, 50] {
            let (_, l) = idx
                .search(&x[..d], k, Knobs::default(), Some(&bytes))
                .expect("ok");
            let found: Vec<i64> = l.iter().copied().filter(|&l| l >= 0).collect();
            assert_eq!(found.len(), k.min(25), "k={k}");
            assert!(found.iter().all(|l| l % 2 == 1), "k={k}: {found:?}");
        }
    }

    #[test]
    fn ivf_nprobe_per_call_and_merge_from() {
        let d = 8;
        let x = grid(400, d);
        let mut template = RawIndex::factory(d, "IVF4,Flat", FaissMetric::L2).expect("ok");
        assert!(template.is_ivf() && !template.is_trained());
        template.train(&x).expect("ok");
        assert_eq!(template.nlist(), Some(4));
        let mut a = template.try_clone().expect("ok");
        let mut b = template.try_clone().expect("ok");
        let ids_a: Vec<i64> = (0..200).collect();
        let ids_b: Vec<i64> = (0..200).collect();
        a.add_with_ids(&x[..200 * d], &ids_a).expect("ok");
        b.add_with_ids(&x[200 * d..], &ids_b).expect("ok");
        a.merge_from(&mut b, 200).expect("ok");
        assert_eq!(a.ntotal(), 400);
        assert_eq!(b.ntotal(), 0);
        let sizes = a.list_sizes().expect("ok");
        assert_eq!(sizes.iter().sum::<u64>(), 400);
        let q = &x[300 * d..301 * d];
        let knobs = Knobs {
            nprobe: Some(4),
            ef_search: None,
        };
        let (dist, l) = a.search(q, 1, knobs, None).expect("ok");
        assert_eq!(l[0], 300);
        assert_eq!(dist[0], 0.0);

        // A separately trained IVF is refused by Faiss's centroid check.
        let mut other = RawIndex::factory(d, "IVF4,Flat", FaissMetric::L2).expect("ok");
        let shifted: Vec<f32> = x.iter().map(|v| v + 3.0).collect();
        other.train(&shifted).expect("ok");
        assert!(matches!(
            a.merge_from(&mut other, 0),
            Err(Error::Faiss { .. })
        ));
        let mut flat = RawIndex::factory(d, "Flat", FaissMetric::L2).expect("ok");
        assert!(matches!(
            a.merge_from(&mut flat, 0),
            Err(Error::NotMergeable { .. })
        ));
    }

    #[test]
    fn bytes_round_trip_and_truncation() {
        let d = 8;
        let x = grid(300, d);
        let mut idx = RawIndex::factory(d, "IVF4,SQ8", FaissMetric::InnerProduct).expect("ok");
        idx.train(&x).expect("ok");
        idx.add(&x).expect("ok");
        let mut bytes = Vec::new();
        idx.write_into(&mut bytes).expect("ok");
        let (back, used) = RawIndex::read_bytes(&bytes).expect("ok");
        assert_eq!(used, bytes.len());
        assert_eq!(back.ntotal(), 300);
        assert_eq!(back.metric(), Some(FaissMetric::InnerProduct));
        let mut again = Vec::new();
        back.write_into(&mut again).expect("ok");
        assert_eq!(again, bytes);
    }

    /// Faiss's reader notices every truncation of these kinds (a short read is an exception,
    /// caught by the C API). Bit flips are another story: Faiss loads many of them without
    /// complaint and then crashes (SIGSEGV, or an exception inside an OpenMP region →
    /// SIGABRT), or allocates what a flipped size field says until the process is OOM-killed.
    /// That is why every Kiln index file carries a CRC that is checked before Faiss sees a
    /// byte (see `segment.rs`); it is not tested here because it kills the test process.
    #[test]
    fn every_truncation_is_an_error_value() {
        let d = 8;
        let x = grid(300, d);
        for desc in ["Flat", "IVF4,Flat", "IVF4,SQ8", "IVF4,PQ4x8np", "HNSW8"] {
            let mut idx = RawIndex::factory(d, desc, FaissMetric::L2).expect("ok");
            if !idx.is_trained() {
                idx.train(&x).expect("ok");
            }
            idx.add(&x).expect("ok");
            let mut bytes = Vec::new();
            idx.write_into(&mut bytes).expect("ok");
            for cut in 0..bytes.len() {
                assert!(
                    RawIndex::read_bytes(&bytes[..cut]).is_err(),
                    "{desc} truncated at {cut} of {} loaded",
                    bytes.len()
                );
            }
        }
    }

    #[test]
    fn hnsw_ef_search_per_call_restores_the_default() {
        let d = 8;
        let x = grid(500, d);
        let mut idx = RawIndex::factory(d, "HNSW8", FaissMetric::L2).expect("ok");
        idx.set_ef_construction(40).expect("ok");
        idx.add(&x).expect("ok");
        idx.set_ef_search(16).expect("ok");
        assert_eq!(idx.tuning().ef_search, Some(16));
        let knobs = Knobs {
            nprobe: None,
            ef_search: Some(128),
        };
        let (_, l) = idx.search(&x[..d], 5, knobs, None).expect("ok");
        assert_eq!(l[0], 0);
        assert_eq!(idx.tuning().ef_search, Some(16));
        // A Flat index has no efSearch: the knob is ignored, not an error.
        let mut flat = RawIndex::factory(d, "Flat", FaissMetric::L2).expect("ok");
        flat.add(&x).expect("ok");
        assert!(flat.search(&x[..d], 1, knobs, None).is_ok());
        assert!(flat.set_ef_search(10).is_err());
    }

    #[test]
    fn values_beyond_a_c_int_never_reach_faiss() {
        assert_eq!(int_parameter("x", 7).expect("fits"), 7.0);
        assert_eq!(
            int_parameter("x", i32::MAX as usize).expect("fits"),
            f64::from(i32::MAX)
        );
        for big in [i32::MAX as usize + 1, u32::MAX as usize, usize::MAX] {
            assert!(matches!(
                int_parameter("x", big),
                Err(Error::InvalidArgument(_))
            ));
        }
        let d = 8;
        let x = grid(100, d);
        let mut idx = RawIndex::factory(d, "HNSW8", FaissMetric::L2).expect("ok");
        for big in [i32::MAX as usize + 1, usize::MAX] {
            assert!(matches!(
                idx.set_ef_construction(big),
                Err(Error::InvalidArgument(_))
            ));
            assert!(matches!(
                idx.set_ef_search(big),
                Err(Error::InvalidArgument(_))
            ));
        }
        assert!(matches!(
            idx.set_ef_construction(0),
            Err(Error::InvalidArgument(_))
        ));
        idx.set_ef_construction(40).expect("ok");
        idx.add(&x).expect("ok");
        idx.set_ef_search(16).expect("ok");
        assert_eq!(idx.tuning().ef_search, Some(16));
        // Refused before the answer buffers (queries × k) are allocated.
        for big in [i32::MAX as usize + 1, usize::MAX] {
            assert!(matches!(
                idx.search(&x[..d], big, Knobs::default(), None),
                Err(Error::InvalidArgument(_))
            ));
            let knobs = Knobs {
                nprobe: None,
                ef_search: Some(big),
            };
            assert!(matches!(
                idx.search(&x[..d], 1, knobs, None),
                Err(Error::InvalidArgument(_))
            ));
            assert!(matches!(
                idx.range_search(&x[..d], 1.0, knobs),
                Err(Error::InvalidArgument(_))
            ));
        }
        // Nothing was changed on the way.
        assert_eq!(idx.tuning().ef_search, Some(16));
        let (_, l) = idx.search(&x[..d], 1, Knobs::default(), None).expect("ok");
        assert_eq!(l, vec![0]);
    }

    #[test]
    fn range_search_flat() {
        let mut idx = RawIndex::factory(1, "Flat", FaissMetric::L2).expect("ok");
        idx.add(&[0.0, 1.0, 2.0, 3.0]).expect("ok");
        let r = idx
            .range_search(&[0.0, 3.0], 1.5, Knobs::default())
            .expect("ok");
        let mut a: Vec<i64> = r[0].iter().map(|p| p.0).collect();
        a.sort();
        assert_eq!(a, vec![0, 1]);
        let mut b: Vec<i64> = r[1].iter().map(|p| p.0).collect();
        b.sort();
        assert_eq!(b, vec![2, 3]);
    }

    #[test]
    fn omp_threads_are_per_thread() {
        set_omp_threads(1);
        assert_eq!(omp_threads(), 1);
        let other = std::thread::spawn(|| {
            set_omp_threads(2);
            omp_threads()
        })
        .join()
        .expect("ok");
        assert_eq!(other, 2);
        assert_eq!(omp_threads(), 1);
    }
}
