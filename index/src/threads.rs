//! Faiss's OpenMP thread count, per calling thread; and handing Faiss's freed heap back.
//!
//! Kiln owns parallelism: builds, merges and query fan-out run on engine-owned rayon pools, and
//! each pool thread gives Faiss a budget of OpenMP threads so that pool threads × OpenMP
//! threads stay within the configured total. libgomp keeps the thread count per calling thread
//! (its `nthreads-var` ICV), so the setting must be made on the thread that will call Faiss,
//! typically in the pool's `start_handler`:
//!
//! ```text
//! rayon::ThreadPoolBuilder::new()
//!     .num_threads(pool)
//!     .start_handler(move |_| kiln_index::set_faiss_threads(budget / pool))
//!     .build()?;
//! ```
//!
//! A single query is never parallelised inside Faiss (IVF and HNSW scan one query on the
//! calling thread); batches of queries, training, adding and merging use the OpenMP threads.

use crate::ffi;

/// The SIMD level the linked Faiss was compiled for: `"avx512"`, `"avx2"` or `"generic"`, chosen
/// when Kiln is built (`KILN_FAISS_SIMD`, README "Portable builds"); `"unknown"` when Faiss
/// comes from elsewhere than Kiln's faiss-sys. Unlike the exact kernels ([`crate::metric`]),
/// Faiss's level is fixed at build time: a binary built for AVX2 needs an AVX2 CPU.
pub fn faiss_simd_level() -> &'static str {
    env!("KILN_FAISS_SIMD_LEVEL")
}

/// Set how many OpenMP threads Faiss uses for calls made from the calling thread (at least 1).
pub fn set_faiss_threads(n: usize) {
    ffi::set_omp_threads(n);
}

/// How many OpenMP threads Faiss would use for a call made from the calling thread now.
pub fn faiss_threads() -> usize {
    ffi::omp_threads()
}

/// Return the process's free heap memory to the OS (glibc `malloc_trim(0)`; a no-op on other
/// C libraries).
///
/// Faiss 1.12 reading an IVF index mapped (`IO_FLAG_MMAP_IFC`) first allocates and zero-fills
/// every inverted list on the heap, then replaces each with a view of the mapping; glibc keeps
/// the freed lists for reuse, so until trimmed a mapped IVF index costs about as much resident
/// anonymous memory as an in-memory one (200k × 96 IVF-Flat: +58 MB of 79 MB; +2.4 MB after
/// this call). It walks every arena of the process heap (milliseconds, more on a large heap):
/// call it once after opening a batch of mapped IVF indexes, not per index.
pub fn release_free_heap() {
    ffi::release_free_heap();
}

/// Run `f` with the calling thread's Faiss thread count set to `n`, restoring the previous
/// count afterwards (also when `f` panics).
pub fn with_faiss_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            ffi::set_omp_threads(self.0);
        }
    }
    let _restore = Restore(faiss_threads());
    set_faiss_threads(n);
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_thread_count_is_restored() {
        set_faiss_threads(2);
        let inside = with_faiss_threads(1, faiss_threads);
        assert_eq!(inside, 1);
        assert_eq!(faiss_threads(), 2);
        set_faiss_threads(0);
        assert_eq!(faiss_threads(), 1);
    }

    #[test]
    fn releasing_free_heap_is_harmless() {
        let v: Vec<Vec<u8>> = (0..1000).map(|i| vec![1u8; 1000 + i]).collect();
        drop(v);
        release_free_heap();
        let w = vec![2u8; 1 << 20];
        assert_eq!(w.iter().map(|&b| u64::from(b)).sum::<u64>(), 2 << 20);
    }
}
