//! Fuzz target: kiln_tests::fuzzing::segment_file_repaired (see tests/src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kiln_tests::fuzzing::segment_file_repaired(data);
});
