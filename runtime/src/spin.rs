//! Spin-then-block waiting, the way vendor OpenCL drivers deliver callbacks fast.
//!
//! Waking a thread blocked in the kernel (a fence wait, a futex) costs tens of microseconds on
//! a GPU driver, more than a trivial kernel takes to run. So the completion thread and the
//! callback thread first spin for a short window, checking cheaply, and block only when nothing
//! came. The window is zero on CPU devices (lavapipe): there, spinning would take a core from
//! the device itself. `WGCL_SPIN_US` overrides the window (0 turns spinning off).
//! In the browser nothing spins: there are no threads to spin on.
#![cfg_attr(target_arch = "wasm32", allow(dead_code))]
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The default window on GPUs: longer than submit + a trivial kernel + completion on a
/// discrete GPU, short enough that a long kernel costs little spinning before the block.
const GPU_WINDOW_US: u64 = 200;

/// The widest window of any open device; the callback thread (one per process) uses it.
static PROCESS_WINDOW_NS: AtomicU64 = AtomicU64::new(0);

/// The spin window for a device of this type, and registers it for the callback thread.
pub(crate) fn window_for(device_type: wgpu::DeviceType) -> Duration {
    let us = std::env::var("WGCL_SPIN_US").ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(match device_type {
        wgpu::DeviceType::Cpu => 0,
        _ => GPU_WINDOW_US,
    });
    let window = Duration::from_micros(us);
    PROCESS_WINDOW_NS.fetch_max(window.as_nanos() as u64, Ordering::Relaxed);
    window
}

/// The window the callback thread spins for after running a callback.
pub(crate) fn process_window() -> Duration {
    Duration::from_nanos(PROCESS_WINDOW_NS.load(Ordering::Relaxed))
}

/// Calls `poll` until it returns `Some` or `window` has passed.
pub(crate) fn spin<T>(window: Duration, mut poll: impl FnMut() -> Option<T>) -> Option<T> {
    if window.is_zero() {
        return None;
    }
    let start = Instant::now();
    loop {
        if let Some(v) = poll() {
            return Some(v);
        }
        if start.elapsed() >= window {
            return None;
        }
        std::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_returns_the_first_value_and_gives_up_after_the_window() {
        let mut n = 0;
        assert_eq!(spin(Duration::from_secs(5), || { n += 1; (n == 3).then_some(n) }), Some(3));
        assert_eq!(spin(Duration::from_micros(50), || None::<()>), None);
        let mut calls = 0;
        assert_eq!(spin(Duration::ZERO, || { calls += 1; Some(()) }), None);
        assert_eq!(calls, 0, "a zero window never polls");
    }
}
