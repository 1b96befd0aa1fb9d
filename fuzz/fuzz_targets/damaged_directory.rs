//! Fuzz target: kiln_tests::fuzzing::damaged_directory (see tests/src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kiln_tests::fuzzing::damaged_directory(data);
});
