//! Fuzz target: kiln_tests::fuzzing::attribute_bytes (see tests/src/fuzzing.rs): log-row
//! attributes and segment attribute sections.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kiln_tests::fuzzing::attribute_bytes(data);
});
