//! Helpers shared by the runtime test files (each file is its own crate; not every helper is
//! used by every file).
#![allow(dead_code)]
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use wgcl::*;

/// Generous bound for waiting on an asynchronous callback; never a timing assertion, only a
/// guard so that a missing callback fails the test instead of hanging it.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Env {
    pub device: Arc<Device>,
    pub ctx: Arc<Context>,
}

pub fn env() -> Env {
    let device = Platform::get().default_device().expect("a device (lavapipe)");
    let ctx = Context::new(&[device.clone()]).expect("context");
    Env { device, ctx }
}

impl Env {
    pub fn queue(&self) -> Arc<CommandQueue> {
        CommandQueue::new(&self.ctx, &self.device, QueueProperties::default()).unwrap()
    }
    pub fn queue_with(&self, out_of_order: bool, profiling: bool) -> Arc<CommandQueue> {
        CommandQueue::new(&self.ctx, &self.device, QueueProperties { out_of_order, profiling }).unwrap()
    }
    pub fn buffer(&self, size: u64) -> Arc<MemObject> {
        MemObject::new_buffer(&self.ctx, MemFlags(MemFlags::READ_WRITE), size, HostInit::None).unwrap()
    }
    pub fn buffer_with(&self, data: &[u8]) -> Arc<MemObject> {
        MemObject::new_buffer(
            &self.ctx,
            MemFlags(MemFlags::READ_WRITE | MemFlags::COPY_HOST_PTR),
            data.len() as u64,
            HostInit::Copy(data),
        )
        .unwrap()
    }
    pub fn user_event(&self) -> Arc<Event> {
        Event::new_user(&self.ctx)
    }
    /// A built WGSL program.
    pub fn program(&self, src: &str) -> Arc<Program> {
        let p = Program::with_source(&self.ctx, src).unwrap();
        if let Err(e) = p.build("", None) {
            panic!("build failed: {e}: {}", p.build_log());
        }
        p
    }
    /// Waits until every callback job dispatched so far has run: the dispatcher is one FIFO
    /// thread, so a callback on an already-complete user event, queued now, runs after them.
    pub fn drain_callbacks(&self) {
        drain_callbacks(&self.ctx)
    }
}

pub fn drain_callbacks(ctx: &Arc<Context>) {
    let u = Event::new_user(ctx);
    u.set_user_status(COMPLETE).unwrap();
    let (tx, rx) = channel();
    u.set_callback(CallbackType::Complete, Box::new(move |_, _| tx.send(()).unwrap()));
    rx.recv_timeout(TIMEOUT).expect("callback thread drained");
}

/// The error code of a call that must fail.
pub fn code<T>(r: wgcl::Result<T>) -> i32 {
    match r {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e.code(),
    }
}

/// A thread-safe log that callbacks append to, and tests wait on.
#[derive(Clone)]
pub struct Log<T> {
    inner: Arc<(Mutex<Vec<T>>, Condvar)>,
}

impl<T: Clone + Send + 'static> Default for Log<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Send + 'static> Log<T> {
    pub fn new() -> Self {
        Self { inner: Arc::new((Mutex::new(Vec::new()), Condvar::new())) }
    }
    pub fn push(&self, v: T) {
        self.inner.0.lock().unwrap().push(v);
        self.inner.1.notify_all();
    }
    pub fn get(&self) -> Vec<T> {
        self.inner.0.lock().unwrap().clone()
    }
    pub fn len(&self) -> usize {
        self.inner.0.lock().unwrap().len()
    }
    /// Waits until at least `n` entries were logged (panics after [`TIMEOUT`]); returns them.
    pub fn wait_len(&self, n: usize) -> Vec<T> {
        let (m, cv) = &*self.inner;
        let g = m.lock().unwrap();
        let (g, to) = cv.wait_timeout_while(g, TIMEOUT, |v| v.len() < n).unwrap();
        assert!(!to.timed_out(), "timed out waiting for {n} log entries, have {}", g.len());
        g.clone()
    }
}

/// An event callback that logs `(tag, status)`.
pub fn logger(log: &Log<(&'static str, i32)>, tag: &'static str) -> EventCallback {
    let log = log.clone();
    Box::new(move |_, s| log.push((tag, s)))
}

/// A one-shot channel whose receiver waits with [`TIMEOUT`].
pub fn oneshot<T: Send + 'static>() -> (std::sync::mpsc::Sender<T>, Receiver<T>) {
    channel()
}

pub fn recv<T>(rx: &Receiver<T>) -> T {
    rx.recv_timeout(TIMEOUT).expect("callback within the timeout")
}

/// Blocking read of a whole buffer.
pub fn read_all(q: &Arc<CommandQueue>, m: &Arc<MemObject>) -> Vec<u8> {
    let mut out = vec![0u8; m.size() as usize];
    q.read_buffer_into(m, 0, &mut out, &[]).unwrap();
    out
}

/// Deterministic test bytes.
pub fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}
