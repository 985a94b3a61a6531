//! `cargo fuzz run c_api`: random `cl*` call sequences (see `../interp.rs`).
#![no_main]

#[path = "../interp.rs"]
mod interp;

libfuzzer_sys::fuzz_target!(|data: &[u8]| interp::run(data));
