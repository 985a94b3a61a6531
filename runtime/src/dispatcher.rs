//! The callback dispatcher: one runtime thread that runs every user callback in FIFO order.
//!
//! Why a thread of its own: callbacks must never run while the runtime holds a lock that the
//! API needs, nor on the application's thread inside an API call, nor on the completion thread
//! (a slow callback would delay the completion of everything else). FIFO order gives the
//! per-event ordering rule (SUBMITTED before RUNNING before COMPLETE) for free, because an
//! event's transitions are queued in the order they happen.
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Sender};
use std::sync::OnceLock;

use parking_lot::Mutex;

pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// True on a thread that is running a user callback right now.
pub fn in_callback() -> bool {
    IN_CALLBACK.with(|c| c.get())
}

static SENDER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();

fn sender() -> &'static Mutex<Sender<Job>> {
    SENDER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("wgcl-callbacks".into())
            .spawn(move || {
                IN_CALLBACK.with(|c| c.set(true));
                while let Ok(job) = rx.recv() {
                    run_contained(job);
                }
            })
            .expect("spawn the wgcl callback thread");
        Mutex::new(tx)
    })
}

/// Runs one callback, containing a panic so that the runtime carries on.
pub(crate) fn run_contained(job: Job) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(job)) {
        let msg = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic".into());
        log::error!("a wgcl callback panicked: {msg}; the runtime carries on");
    }
}

/// Queues `job` to run on the callback thread.
pub(crate) fn dispatch(job: Job) {
    let tx = sender().lock().clone();
    if let Err(e) = tx.send(job) {
        // The thread is gone (process teardown): run it here rather than lose it.
        run_contained(e.0);
    }
}
