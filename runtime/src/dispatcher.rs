//! The callback dispatcher: one runtime thread that runs every user callback in FIFO order.
//!
//! Why a thread of its own: callbacks must never run while the runtime holds a lock that the
//! API needs, nor on the application's thread inside an API call, nor on the completion thread
//! (a slow callback would delay the completion of everything else). FIFO order gives the
//! per-event ordering rule (SUBMITTED before RUNNING before COMPLETE) for free, because an
//! event's transitions are queued in the order they happen.
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::mpsc::{channel, Sender};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::OnceLock;

#[cfg(not(target_arch = "wasm32"))]
use parking_lot::Mutex;

pub type Job = Box<dyn FnOnce() + Send + 'static>;

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// True on a thread that is running a user callback right now.
pub fn in_callback() -> bool {
    IN_CALLBACK.with(|c| c.get())
}

#[cfg(not(target_arch = "wasm32"))]
static SENDER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();

#[cfg(not(target_arch = "wasm32"))]
fn sender() -> &'static Mutex<Sender<Job>> {
    SENDER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("wgcl-callbacks".into())
            .spawn(move || {
                IN_CALLBACK.with(|c| c.set(true));
                loop {
                    // Right after a callback the next one is likely close (a chain, a
                    // burst): on GPUs, look for it briefly before blocking (see crate::spin).
                    let job = match crate::spin::spin(crate::spin::process_window(), || rx.try_recv().ok()) {
                        Some(job) => job,
                        None => match rx.recv() {
                            Ok(job) => job,
                            Err(_) => break,
                        },
                    };
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

/// Queues `job` to run on the callback thread. Public for the C facade, whose synchronous
/// calls with a notify (`clLinkProgram`) must still call back from a runtime thread.
#[cfg(not(target_arch = "wasm32"))]
pub fn dispatch(job: Job) {
    let tx = sender().lock().clone();
    if let Err(e) = tx.send(job) {
        // The thread is gone (process teardown): run it here rather than lose it.
        run_contained(e.0);
    }
}

// In the browser there are no threads: jobs wait in a FIFO that a microtask drains, so a
// callback still never runs inside the API call (or wgpu callback) that queued it.
#[cfg(target_arch = "wasm32")]
thread_local! {
    static QUEUE: std::cell::RefCell<std::collections::VecDeque<Job>> = const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Queues `job` to run from the browser's event loop, after the current task.
#[cfg(target_arch = "wasm32")]
pub fn dispatch(job: Job) {
    QUEUE.with(|q| q.borrow_mut().push_back(job));
    if !SCHEDULED.with(|s| s.replace(true)) {
        wasm_bindgen_futures::spawn_local(async {
            SCHEDULED.with(|s| s.set(false));
            IN_CALLBACK.with(|c| c.set(true));
            while let Some(job) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
                run_contained(job);
            }
            IN_CALLBACK.with(|c| c.set(false));
        });
    }
}
