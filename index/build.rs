//! Records the SIMD level the linked Faiss was compiled for, for [`faiss_simd_level`].
//!
//! Kiln's faiss-sys (third_party/faiss-sys) publishes it as `links` metadata
//! (`DEP_FAISS_C_SIMD_LEVEL`); any other faiss-sys (the crates.io release, a system
//! libfaiss_c) does not, and the level is then reported as unknown. Cargo reruns this script
//! whenever faiss-sys's own build script reruns.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let level = std::env::var("DEP_FAISS_C_SIMD_LEVEL").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=KILN_FAISS_SIMD_LEVEL={level}");
}
