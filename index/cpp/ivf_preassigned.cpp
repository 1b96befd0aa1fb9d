// Kiln's one C++ shim over Faiss: an IVF search with the coarse assignment given by the
// caller (`IndexIVF::search_preassigned`) and per-call parameters (nprobe, selector), which
// Faiss's C API lacks (its `faiss_IndexIVF_search_preassigned` takes neither: it reads the
// index's own nprobe and cannot exclude rows). Every C++ exception is caught and reported as
// a return code; nothing unwinds into Rust.
//
// Segments of an IVF collection are clones of one trained template, so they share the coarse
// quantizer: the engine assigns a query to the template's lists once and hands the same
// assignment to every segment (see kiln-index `VectorIndex::search_preassigned`).

#include <cstdint>
#include <exception>

#include <faiss/IndexIVF.h>
#include <faiss/impl/IDSelector.h>

extern "C" {

// Return codes.
// 0: searched; 1: `index` is not an IndexIVF; 2: bad arguments; 3: a Faiss or std exception;
// 4: any other exception.
int kiln_ivf_search_preassigned(
        const void* index,
        int64_t n,
        const float* x,
        int64_t k,
        const int64_t* assign,
        const float* centroid_dis,
        int64_t nprobe,
        const void* selector,
        float* distances,
        int64_t* labels) {
    try {
        const auto* ivf = dynamic_cast<const faiss::IndexIVF*>(
                static_cast<const faiss::Index*>(index));
        if (ivf == nullptr) {
            return 1;
        }
        if (n < 0 || k <= 0 || nprobe <= 0 || x == nullptr || assign == nullptr ||
            centroid_dis == nullptr || distances == nullptr || labels == nullptr) {
            return 2;
        }
        faiss::SearchParametersIVF params;
        params.nprobe = static_cast<size_t>(nprobe);
        params.sel = static_cast<faiss::IDSelector*>(const_cast<void*>(selector));
        ivf->search_preassigned(
                n, x, k, assign, centroid_dis, distances, labels, false, &params);
        return 0;
    } catch (const std::exception&) {
        return 3;
    } catch (...) {
        return 4;
    }
}

} // extern "C"
