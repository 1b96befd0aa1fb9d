//! Fuzz target: kiln_tests::fuzzing::watermark_file (see tests/src/fuzzing.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kiln_tests::fuzzing::watermark_file(data);
});
