//! The host clock for profiling: nanoseconds on a monotonic clock, from one process-wide epoch.
use std::sync::OnceLock;
use web_time::Instant;

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds since the first call in this process; never decreases.
pub fn now_ns() -> u64 {
    let epoch = *EPOCH.get_or_init(Instant::now);
    // Start at 1 so that 0 can mean "not reached yet".
    epoch.elapsed().as_nanos() as u64 + 1
}
