//! The per-device engine: decides which flushed commands can go to the device, batches them
//! into wgpu submissions, and notices their completion.
//!
//! # Submission
//! [`Engine::pump`] walks the flushed commands in order. A command is ready when every event
//! in its wait list is COMPLETE, or was already handed to this engine's wgpu queue (wgpu runs
//! one queue's submissions in order, so work submitted later sees its results), or sits
//! earlier in the batch being built. Ready commands are recorded by one [`Recorder`] (one
//! compute pass for consecutive dispatches, a few command encoders of bounded size) and
//! submitted together; if wgpu refuses the batch, it is recorded again one command at a time,
//! and only the refused commands fail (see [`Engine::encode_batch`]). Once
//! [`MAX_ENCODERS_IN_FLIGHT`] command encoders are in flight, ready commands stay pending
//! until a batch retires. A command whose wait list holds an event that ended with an error
//! ends with `CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST` without running; the implicit
//! order of its queue (predecessor, barriers) only delays it. A command waiting on
//! anything else (a user event, another device) stays, and the engine asks that event to pump
//! it again when it ends: no further call from the application is needed.
//!
//! # Status rule for RUNNING
//! wgpu has no "started" signal. A batch is marked RUNNING when it becomes the oldest
//! incomplete submission on the device queue: at submit time if nothing older is in flight,
//! otherwise when the batch before it completes. A command whose wait list names a command
//! of its own batch is not RUNNING with it (it may be RUNNING only once every event it waits
//! for is COMPLETE): it goes RUNNING when its batch completes, right before COMPLETE.
//!
//! # Completion
//! Natively, a completion thread per device waits for the oldest batch: on a GPU it first
//! polls for a short window (see [`crate::spin`]; a blocked wait wakes tens of microseconds
//! late), then blocks in `device.poll(Wait)` (no sleeping). Then it retires every batch whose
//! `on_submitted_work_done` fired: read-backs are copied to host memory, then the events go
//! COMPLETE. The wgpu callbacks only record facts; they may run inside `queue.submit` on an
//! application thread. Retiring is kept separate from polling so that a promise-driven
//! browser loop can call [`Engine::retire_completed`] instead.
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::command::{Command, Encoded, Recorder};
use crate::error::{Error, Result};
use crate::event::{Event, COMPLETE, ERROR_FOR_EVENTS_IN_WAIT_LIST, RUNNING, SUBMITTED};

/// Commands submitted together in one `queue.submit`.
struct Batch {
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    index: wgpu::SubmissionIndex,
    commands: Vec<Encoded>,
    /// The command encoders it was recorded in.
    encoders: usize,
    done: Arc<AtomicBool>,
}

#[derive(Default)]
struct Inflight {
    batches: VecDeque<Batch>,
    /// The sum of the batches' encoders.
    encoders: usize,
    shutdown: bool,
}

/// The command encoders in flight at which ready commands wait for a batch to retire (the
/// device has plenty queued by then); a batch may pass it by the encoders of its last
/// command. wgpu-core keeps every raw encoder that was ever in flight at once, with its
/// command buffers (see [`Recorder`]), in a pool for good: this bounds that pool.
const MAX_ENCODERS_IN_FLIGHT: usize = 32;

pub struct Engine {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) limits: wgpu::Limits,
    /// Flushed commands not yet submitted, in flush order.
    pending: Mutex<VecDeque<Command>>,
    pump_requested: AtomicBool,
    pumping: AtomicBool,
    /// Set when ready commands were left pending for [`MAX_ENCODERS_IN_FLIGHT`]: retiring a
    /// batch then pumps.
    throttled: AtomicBool,
    inflight: Mutex<Inflight>,
    inflight_changed: Condvar,
    /// Set when the device is lost: every later command fails at once.
    lost: Mutex<Option<String>>,
    /// Small helper pipelines (byte-granular copies), built on first use.
    /// (A BTreeMap: its nodes are referenced by their start address, so leak checkers see
    /// the cached pipelines of a device that lives until exit as reachable.)
    pub(crate) helpers: Mutex<BTreeMap<&'static str, Arc<wgpu::ComputePipeline>>>,
    /// The driver's limit on loop iterations per invocation, past which it silently leaves a
    /// loop (see [`driver_loop_limit`]): the runtime's own loop over virtual work-groups must
    /// then not multiply a kernel's iterations.
    pub(crate) loop_limit: Option<u32>,
    /// How long the completion thread polls before it blocks (zero on CPU devices).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    spin: Duration,
    me: Weak<Engine>,
}

impl Engine {
    pub(crate) fn start(device: wgpu::Device, queue: wgpu::Queue) -> Arc<Engine> {
        let limits = device.limits();
        let spin = crate::spin::window_for(device.adapter_info().device_type);
        let loop_limit = driver_loop_limit(&device.adapter_info());
        let engine = Arc::new_cyclic(|me| Engine {
            device,
            queue,
            limits,
            pending: Mutex::new(VecDeque::new()),
            pump_requested: AtomicBool::new(false),
            pumping: AtomicBool::new(false),
            throttled: AtomicBool::new(false),
            inflight: Mutex::new(Inflight::default()),
            inflight_changed: Condvar::new(),
            lost: Mutex::new(None),
            helpers: Mutex::new(BTreeMap::new()),
            loop_limit,
            spin,
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
                .spawn(move || {
                    // A panic here (a wgpu bug) would leave every blocking call waiting for
                    // good: end what is pending and in flight with an error instead.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| e.completion_loop())).is_err() {
                        e.mark_lost("the completion thread panicked".into());
                    }
                })
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
        if ready.is_empty() {
            *pending = kept;
            return;
        }
        // Set before the in-flight count is read, so a batch retiring after that read sees it.
        self.throttled.store(true, Ordering::SeqCst);
        let budget = MAX_ENCODERS_IN_FLIGHT.saturating_sub(self.inflight.lock().encoders);
        // Ready commands stay first: none of them waits for a command kept.
        let mut ready = VecDeque::from(ready);
        if budget == 0 {
            ready.extend(kept);
            *pending = ready;
            return;
        }
        self.throttled.store(false, Ordering::SeqCst);
        // Encode and submit while holding `pending`, so device order is decision order.
        let (buffers, mut encoded, encoders) = self.encode_batch(&mut ready, budget);
        if !ready.is_empty() {
            self.throttled.store(true, Ordering::SeqCst);
        }
        ready.extend(kept);
        *pending = ready;
        if encoded.is_empty() {
            // Every command recorded failed: nothing will retire to pump the rest.
            self.pump_requested.store(true, Ordering::SeqCst);
            return;
        }
        let (index, error) = validation_scope(&self.device, || self.queue.submit(buffers));
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
            log::error!("wgpu refused a submission: {err}");
            for e in &encoded {
                e.event.transition(Error::OutOfResources(String::new()).code());
            }
            // Nothing was submitted: its index may be past the device's last submission, and
            // waiting for it made wgpu-core panic in the completion thread ("current
            // submission index should be at least the wait submission index"). Retire it
            // without waiting.
            done.store(true, Ordering::Release);
        }
        for e in &mut encoded {
            e.after_submit(&self.me);
            e.event.set_engine(&me);
        }
        let events: Vec<Arc<Event>> = encoded.iter().map(|e| e.event.clone()).collect();
        let runnable: Vec<bool> = encoded.iter().map(Encoded::may_run).collect();
        let oldest = {
            let mut inflight = self.inflight.lock();
            if inflight.shutdown {
                Err(encoded)
            } else {
                inflight.batches.push_back(Batch { index, commands: encoded, encoders, done });
                inflight.encoders += encoders;
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
            for (ev, _) in events.iter().zip(&runnable).filter(|(_, r)| **r) {
                ev.transition(RUNNING);
            }
        }
    }

    /// Records commands from the front of `ready` into command buffers for one submission,
    /// leaving in `ready` those past `budget` command encoders (the command that crosses it is
    /// recorded whole). The batch goes into one [`Recorder`]; only when wgpu refuses it is each
    /// command recorded again into its own recorder and validation scope, so that the refused
    /// ones fail alone (with -5, their dependents in this batch with -14) and the rest still
    /// run, at no cost to batches that pass. Returns the buffers, the commands submitted or
    /// failed, and the encoders used.
    fn encode_batch(&self, ready: &mut VecDeque<Command>, budget: usize) -> (Vec<wgpu::CommandBuffer>, Vec<Encoded>, usize) {
        let mut rec = Recorder::new(&self.device);
        let ((batch_buffers, recorded), refused) = validation_scope(&self.device, || {
            let mut recorded = Vec::new();
            for cmd in ready.iter() {
                if rec.encoders() > budget {
                    break;
                }
                recorded.push(cmd.record(self, &mut rec));
            }
            (rec.finish(), recorded)
        });
        let taken: Vec<Command> = ready.drain(..recorded.len()).collect();
        let recorded: Result<Vec<_>> = recorded.into_iter().collect();
        if let (None, Ok(recorded)) = (&refused, recorded) {
            let encoders = batch_buffers.len();
            let encoded = taken.into_iter().zip(recorded).map(|(cmd, r)| cmd.into_encoded(r)).collect();
            return (batch_buffers, encoded, encoders);
        }
        drop(batch_buffers);
        if let Some(err) = refused {
            log::warn!("wgpu refused a batch of {} commands ({err}): recording them one by one", taken.len());
        }
        let mut failed: HashSet<*const Event> = HashSet::new();
        let mut buffers = Vec::with_capacity(taken.len());
        let mut encoded = Vec::with_capacity(taken.len());
        let mut taken = VecDeque::from(taken);
        while let Some(cmd) = taken.pop_front() {
            if buffers.len() >= budget {
                // One encoder per command here: the rest waits, as past the budget above.
                taken.push_front(cmd);
                break;
            }
            if cmd.deps.iter().any(|d| failed.contains(&Arc::as_ptr(d))) {
                failed.insert(Arc::as_ptr(&cmd.event));
                cmd.event.transition(ERROR_FOR_EVENTS_IN_WAIT_LIST);
                continue;
            }
            let mut rec = Recorder::new(&self.device);
            let ((command_buffers, recorded), refused) = validation_scope(&self.device, || {
                let recorded = cmd.record(self, &mut rec);
                (rec.finish(), recorded)
            });
            let code = match (refused, recorded) {
                (None, Ok(r)) => {
                    buffers.extend(command_buffers);
                    encoded.push(cmd.into_encoded(r));
                    continue;
                }
                (Some(err), _) => {
                    log::error!("wgpu refused a command: {err}");
                    Error::OutOfResources(String::new()).code()
                }
                (None, Err(err)) => {
                    log::error!("command failed to encode: {err}");
                    err.code().min(-1)
                }
            };
            failed.insert(Arc::as_ptr(&cmd.event));
            cmd.event.transition(code);
        }
        while let Some(cmd) = taken.pop_back() {
            ready.push_front(cmd);
        }
        let encoders = buffers.len();
        (buffers, encoded, encoders)
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
                    _ => break,
                }
                let batch = inflight.batches.pop_front().expect("front exists");
                inflight.encoders -= batch.encoders;
                let next: Vec<(Arc<Event>, Vec<Arc<Event>>)> = inflight
                    .batches
                    .front()
                    .map(|b| b.commands.iter().map(|c| (c.event.clone(), c.deps.clone())).collect())
                    .unwrap_or_default();
                (batch, next)
            };
            for cmd in batch.commands {
                cmd.complete();
            }
            // After this batch's events are COMPLETE: a wait list may name them.
            for (ev, deps) in next_running {
                if deps.iter().all(|d| d.status() == COMPLETE) {
                    ev.transition(RUNNING);
                }
            }
            retired += 1;
        }
        // Room for the commands held back for MAX_ENCODERS_IN_FLIGHT.
        if retired > 0 && self.throttled.swap(false, Ordering::SeqCst) {
            self.pump();
        }
        retired
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn completion_loop(&self) {
        loop {
            let front = {
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
                        break Some((front.index.clone(), front.done.clone()));
                    }
                    self.inflight_changed.wait(&mut inflight);
                }
            };
            if let Some((index, done)) = front {
                let landed = crate::spin::spin(self.spin, || {
                    let _ = self.device.poll(wgpu::PollType::Poll);
                    done.load(Ordering::Acquire).then_some(())
                });
                if landed.is_some() {
                    self.retire_completed();
                    continue;
                }
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
            inflight.encoders = 0;
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

/// Whether the driver stops loops after a number of iterations. llvmpipe (lavapipe, Mesa's
/// CPU Vulkan) counts every loop-header execution of an invocation, over all its loops, and
/// leaves whatever loop it is in after 65,535 (gallivm's `LP_MAX_TGSI_LOOP_ITERATIONS`),
/// without an error: measured in `runtime/tests/launch.rs` (`loop_limit_of_the_driver`).
pub(crate) fn driver_loop_limit(info: &wgpu::AdapterInfo) -> Option<u32> {
    let llvmpipe = info.name.to_lowercase().contains("llvmpipe") || info.driver.to_lowercase().contains("llvmpipe");
    llvmpipe.then_some(65_535)
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
