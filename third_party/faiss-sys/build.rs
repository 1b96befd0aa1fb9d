//! Builds the vendored Faiss (static) for the SIMD level chosen by `KILN_FAISS_SIMD`.
//!
//! Kiln's changes to upstream faiss-sys 0.7.0's build script (see VENDORED.md):
//! - Faiss is compiled for a SIMD level: `native` (the default: the best level the build
//!   machine supports, AVX-512 or AVX2 on x86-64), `avx512`, `avx2`, or `generic` (portable
//!   x86-64, upstream's behaviour). The flags are the ones Faiss's own
//!   `FAISS_OPT_LEVEL=avx2|avx512` builds use, so Faiss's `__AVX2__`/`__AVX512F__` kernels
//!   (scalar quantizer codes, distances, HNSW/IVF scanning) are compiled in. They go to Faiss
//!   only: RocksDB and the other C/C++ dependencies keep their own flags.
//! - `KILN_FAISS_SIMD` is a rerun trigger, so changing it rebuilds Faiss (and nothing else).
//! - The level is published as `links` metadata (`DEP_FAISS_C_SIMD_LEVEL` for dependents).
//! - `FAISS_ENABLE_EXTRAS=OFF`: the demos/benchmarks/tutorial are not vendored.
//! - No GPU feature (the GPU sources are not vendored).

/// The switch; documented in README "Portable builds".
const SIMD_ENV: &str = "KILN_FAISS_SIMD";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=faiss");
    println!("cargo:rerun-if-env-changed={SIMD_ENV}");
    #[cfg(feature = "static")]
    static_link_faiss();
    #[cfg(not(feature = "static"))]
    {
        // A system libfaiss_c, built by someone else: the level is not known here.
        println!("cargo:rustc-link-lib=faiss_c");
    }
}

/// A SIMD level Faiss can be compiled for.
#[cfg(feature = "static")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SimdLevel {
    Generic,
    Avx2,
    Avx512,
}

#[cfg(feature = "static")]
impl SimdLevel {
    fn name(self) -> &'static str {
        match self {
            SimdLevel::Generic => "generic",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    /// The compiler flags, as in Faiss's faiss/CMakeLists.txt for `faiss_avx2`/`faiss_avx512`.
    fn flags(self, msvc: bool) -> &'static [&'static str] {
        match (self, msvc) {
            (SimdLevel::Generic, _) => &[],
            (SimdLevel::Avx2, false) => &["-mavx2", "-mfma", "-mf16c", "-mpopcnt"],
            (SimdLevel::Avx2, true) => &["/arch:AVX2"],
            (SimdLevel::Avx512, false) => &[
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
            (SimdLevel::Avx512, true) => &["/arch:AVX512"],
        }
    }
}

/// `KILN_FAISS_SIMD`: unset or `native` → the build machine's best level; `avx512`, `avx2`;
/// `generic` (or `portable`, `off`, `0`, `false`, `no`) → no SIMD flags, runs on any x86-64.
#[cfg(feature = "static")]
fn simd_level() -> SimdLevel {
    let requested = std::env::var(SIMD_ENV).unwrap_or_default();
    let requested = requested.trim().to_ascii_lowercase();
    let x86_64 = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64");
    let level = match requested.as_str() {
        "" | "native" | "auto" => native_level(),
        "generic" | "portable" | "off" | "0" | "false" | "no" => SimdLevel::Generic,
        "avx2" => SimdLevel::Avx2,
        "avx512" => SimdLevel::Avx512,
        other => {
            panic!("{SIMD_ENV}={other:?}: expected native (the default), avx512, avx2 or generic")
        }
    };
    if level != SimdLevel::Generic && !x86_64 {
        panic!("{SIMD_ENV}={requested}: AVX levels are for x86-64 targets only");
    }
    level
}

/// The best level of the machine running this build, when it also is the target (not a cross
/// build) and is x86-64; generic otherwise. (On aarch64 Faiss uses NEON unconditionally.)
#[cfg(feature = "static")]
fn native_level() -> SimdLevel {
    let host = std::env::var("HOST").unwrap_or_default();
    let target = std::env::var("TARGET").unwrap_or_default();
    if host != target {
        return SimdLevel::Generic;
    }
    host_level()
}

#[cfg(all(feature = "static", target_arch = "x86_64"))]
fn host_level() -> SimdLevel {
    use std::is_x86_feature_detected as has;
    let avx2 = has!("avx2") && has!("fma") && has!("f16c") && has!("popcnt");
    let avx512 = avx2
        && has!("avx512f")
        && has!("avx512cd")
        && has!("avx512vl")
        && has!("avx512dq")
        && has!("avx512bw");
    if avx512 {
        SimdLevel::Avx512
    } else if avx2 {
        SimdLevel::Avx2
    } else {
        SimdLevel::Generic
    }
}

#[cfg(all(feature = "static", not(target_arch = "x86_64")))]
fn host_level() -> SimdLevel {
    SimdLevel::Generic
}

#[cfg(feature = "static")]
fn static_link_faiss() {
    let level = simd_level();
    let msvc = std::env::var("TARGET").unwrap_or_default().contains("msvc");
    // `links` metadata: build scripts of crates that depend on faiss-sys see it as
    // DEP_FAISS_C_SIMD_LEVEL (kiln-index reports it as `faiss_simd_level()`).
    println!("cargo:simd_level={}", level.name());

    let mut cfg = cmake::Config::new("faiss");
    cfg.define("FAISS_ENABLE_C_API", "ON")
        .define("BUILD_SHARED_LIBS", "OFF")
        .define("CMAKE_BUILD_TYPE", "Release")
        .define("FAISS_ENABLE_GPU", "OFF")
        .define("FAISS_ENABLE_PYTHON", "OFF")
        .define("FAISS_ENABLE_EXTRAS", "OFF")
        .define("BUILD_TESTING", "OFF")
        .very_verbose(true);
    // One library at the chosen level (FAISS_OPT_LEVEL would build the generic one as well).
    for flag in level.flags(msvc) {
        cfg.cxxflag(flag);
    }
    let dst = cfg.build();
    let faiss_location = dst.join("lib");
    let faiss_c_location = dst.join("build/c_api");
    println!(
        "cargo:rustc-link-search=native={}",
        faiss_location.display()
    );
    println!(
        "cargo:rustc-link-search=native={}",
        faiss_c_location.display()
    );
    println!("cargo:rustc-link-lib=static=faiss_c");
    println!("cargo:rustc-link-lib=static=faiss");
    link_cxx();
    println!("cargo:rustc-link-lib=gomp");
    println!("cargo:rustc-link-lib=blas");
    println!("cargo:rustc-link-lib=lapack");
}

#[cfg(feature = "static")]
fn link_cxx() {
    let cxx = match std::env::var("CXXSTDLIB") {
        Ok(s) if s.is_empty() => None,
        Ok(s) => Some(s),
        Err(_) => {
            let target = std::env::var("TARGET").unwrap();
            if target.contains("msvc") {
                None
            } else if target.contains("apple")
                | target.contains("freebsd")
                | target.contains("openbsd")
            {
                Some("c++".to_string())
            } else {
                Some("stdc++".to_string())
            }
        }
    };
    if let Some(cxx) = cxx {
        println!("cargo:rustc-link-lib={}", cxx);
    }
}
