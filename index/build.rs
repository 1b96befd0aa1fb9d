//! Records the SIMD level the linked Faiss was compiled for, for [`faiss_simd_level`], and
//! compiles Kiln's C++ shim over Faiss (`cpp/ivf_preassigned.cpp`) with the same flags.
//!
//! Kiln's faiss-sys (third_party/faiss-sys) publishes the level as `links` metadata
//! (`DEP_FAISS_C_SIMD_LEVEL`); any other faiss-sys (the crates.io release, a system
//! libfaiss_c) does not, and the level is then reported as unknown. Cargo reruns this script
//! whenever faiss-sys's own build script reruns.
//!
//! The shim includes Faiss's headers from the vendored source (third_party/faiss-sys/faiss)
//! and links against the Faiss library faiss-sys links; it is compiled with Faiss's SIMD
//! flags so that inline functions both emit are the same code.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cpp/ivf_preassigned.cpp");
    let level = std::env::var("DEP_FAISS_C_SIMD_LEVEL").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=KILN_FAISS_SIMD_LEVEL={level}");

    let manifest = std::path::PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let faiss_src = manifest.join("../third_party/faiss-sys/faiss");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++17")
        .include(&faiss_src)
        .file("cpp/ivf_preassigned.cpp")
        .warnings(false);
    let flags: &[&str] = match level.as_str() {
        "avx2" => &["-mavx2", "-mfma", "-mf16c", "-mpopcnt"],
        "avx512" => &[
            "-mavx2",
            "-mfma",
            "-mf16c",
            "-mavx512f",
            "-mavx512cd",
            "-mavx512vl",
            "-mavx512dq",
            "-mavx512bw",
            "-mpopcnt",
        ],
        _ => &[],
    };
    for flag in flags {
        build.flag(flag);
    }
    build.compile("kiln_faiss_shim");
}
