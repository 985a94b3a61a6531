//! The C-API fuzz interpreter on stable Rust (issue #7): replays every saved input under
//! `capi/fuzz/regressions/` (each a crash the fuzzer once found), then `WGCL_FUZZ_SEQS`
//! (default 200) sequences from a seeded PRNG (`WGCL_FUZZ_SEED`, default 7), so CI
//! exercises the interpreter without nightly or cargo-fuzz.
//!
//! `WGCL_FUZZ_INPUT=<file>` replays that one input only (to debug a crash).
//!
//! Before each generated sequence runs, it is written to
//! `<target>/tmp/fuzz_replay_last_input`: after a crash, copy that file into `regressions/`.
//!
//! One test function: the interpreter checks that libwgcl caught no panic, which needs the
//! process to itself (the panic hook counts every panic).
#[path = "../fuzz/interp.rs"]
mod interp;

use std::path::Path;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn regressions_then_seeded_sequences() {
    if let Some(one) = std::env::var_os("WGCL_FUZZ_INPUT") {
        interp::run(&std::fs::read(one).unwrap());
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    for f in &files {
        if f.extension().is_some_and(|e| e == "md") {
            continue;
        }
        eprintln!("replaying {}", f.display());
        interp::run(&std::fs::read(f).unwrap());
    }
    let seed = env_or("WGCL_FUZZ_SEED", 7);
    let last = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz_replay_last_input");
    for i in 0..env_or("WGCL_FUZZ_SEQS", 200) {
        let data = random_input(seed.wrapping_mul(1_000_003).wrapping_add(i), 2048);
        // A crash may abort the process: keep the input where it can be saved as a regression.
        std::fs::write(&last, &data).unwrap();
        interp::run(&data);
    }
}

/// A small deterministic PRNG (splitmix64) for generated sequences.
fn random_input(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}
