//! Fuzz target: kiln_tests::fuzzing::row_lists (see tests/src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kiln_tests::fuzzing::row_lists(data);
});
