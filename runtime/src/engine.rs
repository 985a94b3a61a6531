//! The per-device engine: decides which flushed commands can go to the device, batches them
//! into wgpu submissions, and notices their completion.
//!
//! # Submission
//! [`Engine::pump`] walks the flushed commands in order. A command is ready when every event
//! in its wait list is COMPLETE, or was already handed to this engine's wgpu queue (wgpu runs
//! one queue's submissions in order, so work submitted later sees its results), or sits
//! earlier in the batch being built. Ready commands are encoded into one command encoder and
//! submitted together. A command whose wait list holds an event that ended with an error
//! ends with `CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST` without running; the implicit
//! order of its queue (predecessor, barriers) only delays it. A command waiting on
//! anything else (a user event, another device) stays, and the engine asks that event to pump
//! it again when it ends: no further call from the application is needed.
//!
//! # Status rule for RUNNING
//! wgpu has no "started" signal. A batch is marked RUNNING when it becomes the oldest
//! incomplete submission on the device queue: at submit time if nothing older is in flight,
//! otherwise when the batch before it completes.
//!
//! # Completion
//! Natively, a completion thread per device blocks in `device.poll(Wait)` for the oldest
//! batch (no spinning, no sleeping), then retires every batch whose
//! `on_submitted_work_done` fired: read-backs are copied to host memory, then the events go
//! COMPLETE. The wgpu callbacks only record facts; they may run inside `queue.submit` on an
//! application thread. Retiring is kept separate from polling so that a promise-driven
//! browser loop can call [`Engine::retire_completed`] instead.
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
#[cfg(not(target_arch = "wasm32"))]
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::command::{Command, Encoded};
use crate::error::{Error, Result};
use crate::event::{Event, ERROR_FOR_EVENTS_IN_WAIT_LIST, RUNNING, SUBMITTED};

/// Commands submitted together in one `queue.submit`.
struct Batch {
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    index: wgpu::SubmissionIndex,
    commands: Vec<Encoded>,
    done: Arc<AtomicBool>,
}

#[derive(Default)]
struct Inflight {
    batches: VecDeque<Batch>,
    shutdown: bool,
}

pub struct Engine {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) limits: wgpu::Limits,
    /// Flushed commands not yet submitted, in flush order.
    pending: Mutex<VecDeque<Command>>,
    pump_requested: AtomicBool,
    pumping: AtomicBool,
    inflight: Mutex<Inflight>,
    inflight_changed: Condvar,
    /// Set when the device is lost: every later command fails at once.
    lost: Mutex<Option<String>>,
    /// Small helper pipelines (byte-granular copies), built on first use.
    pub(crate) helpers: Mutex<HashMap<&'static str, Arc<wgpu::ComputePipeline>>>,
    me: Weak<Engine>,
}

impl Engine {
    pub(crate) fn start(device: wgpu::Device, queue: wgpu::Queue) -> Arc<Engine> {
        let limits = device.limits();
        let engine = Arc::new_cyclic(|me| Engine {
            device,
            queue,
            limits,
            pending: Mutex::new(VecDeque::new()),
            pump_requested: AtomicBool::new(false),
            pumping: AtomicBool::new(false),
            inflight: Mutex::new(Inflight::default()),
            inflight_changed: Condvar::new(),
            lost: Mutex::new(None),
            helpers: Mutex::new(HashMap::new()),
            me: me.clone(),
        });
        engine.device.on_uncaptured_error(Arc::new(|e| log::error!("wgpu error: {e}")));
        let weak = Arc::downgrade(&engine);
        engine.device.set_device_lost_callback(move |reason, msg| {
            if let Some(e) = weak.upgrade() {
                e.mark_lost(format!("device lost ({reason:?}): {msg}"));
            }
        });
        #[cfg(not(target_arch = "wasm32"))]
        {
            let e = engine.clone();
            std::thread::Builder::new()
                .name("wgcl-completion".into())
                .spawn(move || e.completion_loop())
                .expect("spawn the wgcl completion thread");
        }
        engine
    }

    fn arc(&self) -> Arc<Engine> {
        self.me.upgrade().expect("engine alive")
    }

    /// Hands flushed commands to the engine and submits what is ready.
    pub(crate) fn push(&self, commands: impl IntoIterator<Item = Command>) {
        self.pending.lock().extend(commands);
        self.pump();
    }

    /// Submits every pending command whose wait list allows it. Re-entrant calls (a status
    /// change inside a pump asking for another) are folded into the running pump.
    pub(crate) fn pump(&self) {
        self.pump_requested.store(true, Ordering::SeqCst);
        loop {
            if self.pumping.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
                return;
            }
            // Clears the busy flag even if a pump panics (a bug), so the engine is not
            // stuck for good: the next status change or flush pumps again.
            struct Busy<'a>(&'a AtomicBool);
            impl Drop for Busy<'_> {
                fn drop(&mut self) {
                    self.0.store(false, Ordering::SeqCst);
                }
            }
            let busy = Busy(&self.pumping);
            while self.pump_requested.swap(false, Ordering::SeqCst) {
                self.pump_once();
            }
            drop(busy);
            if !self.pump_requested.load(Ordering::SeqCst) {
                return;
            }
        }
    }

    fn pump_once(&self) {
        let me = self.arc();
        let mut pending = self.pending.lock();
        if pending.is_empty() {
            return;
        }
        if let Some(reason) = self.lost.lock().clone() {
            log::warn!("{reason}: failing {} pending commands", pending.len());
            for cmd in pending.drain(..) {
                cmd.event.transition(Error::OutOfResources(String::new()).code());
            }
            return;
        }
        let mut in_batch: HashSet<*const Event> = HashSet::new();
        let mut ready = Vec::new();
        let mut kept = VecDeque::with_capacity(pending.len());
        'commands: for cmd in pending.drain(..) {
            // A failed wait-list event fails the command now, whatever else it still waits
            // for (a later, never-completed one must not hold a doomed command forever).
            if cmd.deps.iter().any(|d| d.status() < 0) {
                cmd.event.transition(ERROR_FOR_EVENTS_IN_WAIT_LIST);
                continue 'commands;
            }
            let waits = cmd.deps.iter().map(|d| (d, true)).chain(cmd.after.iter().map(|d| (d, false)));
            for (dep, explicit) in waits {
                let status = dep.status();
                if status < 0 && explicit {
                    cmd.event.transition(ERROR_FOR_EVENTS_IN_WAIT_LIST);
                    continue 'commands;
                }
                let satisfied = status <= 0
                    || in_batch.contains(&Arc::as_ptr(dep))
                    || dep.submitted_on(&me);
                if !satisfied {
                    // Watch this one and every unfinished wait-list event (any may fail).
                    let unfinished = cmd.deps.iter().filter(|d| d.status() > 0);
                    for d in std::iter::once(dep).chain(unfinished) {
                        if !d.watch(&me) {
                            // It ended between the two looks: look again.
                            self.pump_requested.store(true, Ordering::SeqCst);
                        }
                    }
                    kept.push_back(cmd);
                    continue 'commands;
                }
            }
            in_batch.insert(Arc::as_ptr(&cmd.event));
            ready.push(cmd);
        }
        *pending = kept;
        if ready.is_empty() {
            return;
        }
        // Encode and submit while holding `pending`, so device order is decision order.
        let mut encoder = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("wgcl batch") });
        let mut encoded = Vec::with_capacity(ready.len());
        for cmd in ready {
            let event = cmd.event.clone();
            match cmd.encode(self, &mut encoder) {
                Ok(e) => encoded.push(e),
                Err(err) => {
                    log::error!("command failed to encode: {err}");
                    event.transition(err.code().min(-1));
                }
            }
        }
        let (index, error) = validation_scope(&self.device, || self.queue.submit([encoder.finish()]));
        let done = Arc::new(AtomicBool::new(false));
        {
            let done = done.clone();
            let me = self.me.clone();
            self.queue.on_submitted_work_done(move || {
                done.store(true, Ordering::Release);
                if let Some(e) = me.upgrade() {
                    e.inflight_changed.notify_all();
                    // No completion thread in the browser: the promise drives retiring.
                    #[cfg(target_arch = "wasm32")]
                    e.retire_completed();
                }
            });
        }
        if let Some(err) = error {
            log::error!("wgpu refused a batch: {err}");
            for e in &encoded {
                e.event.transition(Error::OutOfResources(String::new()).code());
            }
        }
        for e in &mut encoded {
            e.after_submit(&self.me);
            e.event.set_engine(&me);
        }
        let events: Vec<Arc<Event>> = encoded.iter().map(|e| e.event.clone()).collect();
        let oldest = {
            let mut inflight = self.inflight.lock();
            if inflight.shutdown {
                Err(encoded)
            } else {
                inflight.batches.push_back(Batch { index, commands: encoded, done });
                Ok(inflight.batches.len() == 1)
            }
        };
        let oldest = match oldest {
            Ok(oldest) => oldest,
            Err(encoded) => {
                // The device was lost while this batch was built: nothing will retire it.
                drop(pending);
                for e in encoded {
                    e.event.transition(Error::OutOfResources(String::new()).code());
                }
                return;
            }
        };
        self.inflight_changed.notify_all();
        drop(pending);
        for ev in &events {
            ev.transition(SUBMITTED);
        }
        if oldest {
            for ev in &events {
                ev.transition(RUNNING);
            }
        }
    }

    /// Retires every finished batch at the front of the in-flight list. Returns how many.
    pub(crate) fn retire_completed(&self) -> usize {
        let mut retired = 0;
        loop {
            let (batch, next_running) = {
                let mut inflight = self.inflight.lock();
                match inflight.batches.front() {
                    // Natively wgpu resolves a submission's maps before its work-done
                    // callback; in the browser the two promises may settle in either order.
                    Some(b) if b.done.load(Ordering::Acquire) && b.commands.iter().all(Encoded::ready) => {}
                    _ => return retired,
                }
                let batch = inflight.batches.pop_front().expect("front exists");
                let next: Vec<Arc<Event>> = inflight
                    .batches
                    .front()
                    .map(|b| b.commands.iter().map(|c| c.event.clone()).collect())
                    .unwrap_or_default();
                (batch, next)
            };
            for cmd in batch.commands {
                cmd.complete();
            }
            for ev in next_running {
                ev.transition(RUNNING);
            }
            retired += 1;
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn completion_loop(&self) {
        loop {
            let index = {
                let mut inflight = self.inflight.lock();
                loop {
                    if inflight.shutdown {
                        return;
                    }
                    if let Some(front) = inflight.batches.front() {
                        // Done and read-backs mapped: retire without polling. A read-back
                        // mapped after the work-done callback fired (another thread's poll
                        // can run that callback before `after_submit` asks for the map)
                        // resolves only in a later poll: without one this loop would spin
                        // forever while a blocking call waits for the batch.
                        if front.done.load(Ordering::Acquire) && front.commands.iter().all(Encoded::ready) {
                            break None;
                        }
                        break Some(front.index.clone());
                    }
                    self.inflight_changed.wait(&mut inflight);
                }
            };
            if let Some(index) = index {
                // A bounded wait lets a lost device or a shutdown be noticed.
                let r = self.device.poll(wgpu::PollType::Wait {
                    submission_index: Some(index),
                    timeout: Some(Duration::from_secs(2)),
                });
                match r {
                    Ok(_) | Err(wgpu::PollError::Timeout) => {}
                    Err(e) => {
                        self.mark_lost(format!("device poll failed: {e}"));
                        return;
                    }
                }
            }
            self.retire_completed();
        }
    }

    /// Ends every pending and in-flight command with an error; later commands fail at once.
    pub(crate) fn mark_lost(&self, reason: String) {
        log::error!("wgcl: {reason}");
        *self.lost.lock() = Some(reason);
        let batches: Vec<Batch> = {
            let mut inflight = self.inflight.lock();
            inflight.shutdown = true;
            inflight.batches.drain(..).collect()
        };
        self.inflight_changed.notify_all();
        let code = Error::OutOfResources(String::new()).code();
        for b in batches {
            for c in b.commands {
                c.event.transition(code);
            }
        }
        self.pump();
    }

    pub(crate) fn check_alive(&self) -> Result<()> {
        match &*self.lost.lock() {
            Some(reason) => Err(Error::OutOfResources(reason.clone())),
            None => Ok(()),
        }
    }
}

/// Runs `f` inside a wgpu validation error scope and returns the error it raised, if any.
/// Natively the scope's future resolves at once; in the browser it would need the event loop,
/// so there errors go to the uncaptured-error handler (logged) instead.
pub(crate) fn validation_scope<T>(device: &wgpu::Device, f: impl FnOnce() -> T) -> (T, Option<wgpu::Error>) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        (value, pollster::block_on(scope.pop()))
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = device;
        (f(), None)
    }
}
