//! Events: the execution-status state machine and its callbacks.
//!
//! Status only moves forward, QUEUED(3) -> SUBMITTED(2) -> RUNNING(1) -> COMPLETE(0), or to a
//! negative error code from any non-final state. Each forward step collects the callbacks
//! registered for the statuses it reached or passed and hands them, in status order, to the
//! [dispatcher](crate::dispatcher) as one job, after the event's lock is released, through
//! the event's outbox ([`event_core`](crate::event_core), model-checked with loom), so that
//! two threads moving one event never reorder its callbacks. The job holds an `Arc` of the
//! event, so an event whose last reference is dropped while callbacks are pending lives until
//! they ran.
use std::sync::{Arc, Weak};

use parking_lot::{Condvar, Mutex};

use crate::clock::now_ns;
use crate::context::Context;
use crate::dispatcher::dispatch;
use crate::engine::Engine;
use crate::error::{refuse_blocking_in_callback, Error, Result};
use crate::event_core::{hand_off, Batch, Core};
use crate::queue::CommandQueue;

/// `CL_COMPLETE`.
pub const COMPLETE: i32 = 0;
/// `CL_RUNNING`.
pub const RUNNING: i32 = 1;
/// `CL_SUBMITTED`.
pub const SUBMITTED: i32 = 2;
/// `CL_QUEUED`.
pub const QUEUED: i32 = 3;
/// `CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST`: the status of a command that did not run
/// because an event it waited for ended with an error.
pub const ERROR_FOR_EVENTS_IN_WAIT_LIST: i32 = -14;

/// The statuses a callback can be registered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallbackType {
    Complete = 0,
    Running = 1,
    Submitted = 2,
}

impl CallbackType {
    /// From `CL_SUBMITTED`/`CL_RUNNING`/`CL_COMPLETE`; anything else is `CL_INVALID_VALUE`.
    pub fn from_status(status: i32) -> Result<Self> {
        match status {
            COMPLETE => Ok(Self::Complete),
            RUNNING => Ok(Self::Running),
            SUBMITTED => Ok(Self::Submitted),
            _ => Err(Error::InvalidValue("callback type must be CL_SUBMITTED, CL_RUNNING or CL_COMPLETE")),
        }
    }

    pub fn status(self) -> i32 {
        self as i32
    }
}

/// The command an event belongs to (`CL_COMMAND_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandType {
    NdRangeKernel,
    Task,
    ReadBuffer,
    WriteBuffer,
    CopyBuffer,
    MapBuffer,
    UnmapMemObject,
    Marker,
    ReadBufferRect,
    WriteBufferRect,
    CopyBufferRect,
    User,
    Barrier,
    MigrateMemObjects,
    FillBuffer,
}

impl CommandType {
    /// The `CL_COMMAND_*` number.
    pub fn code(self) -> u32 {
        use CommandType::*;
        match self {
            NdRangeKernel => 0x11F0,
            Task => 0x11F1,
            ReadBuffer => 0x11F3,
            WriteBuffer => 0x11F4,
            CopyBuffer => 0x11F5,
            MapBuffer => 0x11FB,
            UnmapMemObject => 0x11FD,
            Marker => 0x11FE,
            ReadBufferRect => 0x1201,
            WriteBufferRect => 0x1202,
            CopyBufferRect => 0x1203,
            User => 0x1204,
            Barrier => 0x1205,
            MigrateMemObjects => 0x1206,
            FillBuffer => 0x1207,
        }
    }
}

/// Profiling times in nanoseconds of the host's monotonic clock (`CL_PROFILING_COMMAND_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProfilingInfo {
    pub queued: u64,
    pub submit: u64,
    pub start: u64,
    pub end: u64,
    pub complete: u64,
}

/// Which profiling time to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfilingPoint {
    Queued,
    Submit,
    Start,
    End,
    Complete,
}

/// A user callback: receives the event and the status it fired for (or the negative error).
pub type EventCallback = Box<dyn FnOnce(&Arc<Event>, i32) + Send + 'static>;

struct State {
    /// Status, pending callbacks and the outbox of fired ones.
    core: Core<EventCallback>,
    /// Engines with commands waiting for this event; pumped when it reaches a final status.
    watchers: Vec<Weak<Engine>>,
    /// The engine the command was submitted to (lets same-engine dependents batch behind it).
    engine: Option<Weak<Engine>>,
    profiling: ProfilingInfo,
}

/// An OpenCL event: the status of one command, or a user event.
pub struct Event {
    context: Arc<Context>,
    queue: Option<Weak<CommandQueue>>,
    command_type: CommandType,
    profiling_enabled: bool,
    state: Mutex<State>,
    changed: Condvar,
    _live: crate::stats::Live,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("command_type", &self.command_type)
            .field("status", &self.status())
            .finish()
    }
}

impl Event {
    /// A command's event, QUEUED now.
    pub(crate) fn new_command(
        context: Arc<Context>,
        queue: &Arc<CommandQueue>,
        command_type: CommandType,
        profiling_enabled: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            context,
            queue: Some(Arc::downgrade(queue)),
            command_type,
            profiling_enabled,
            state: Mutex::new(State {
                core: Core::new(QUEUED),
                watchers: Vec::new(),
                engine: None,
                profiling: ProfilingInfo { queued: now_ns(), ..Default::default() },
            }),
            changed: Condvar::new(),
            _live: crate::stats::Live::new(crate::stats::Kind::Event),
        })
    }

    /// `clCreateUserEvent`: a user event starts as CL_SUBMITTED, as the spec says.
    pub fn new_user(context: &Arc<Context>) -> Arc<Self> {
        Arc::new(Self {
            context: context.clone(),
            queue: None,
            command_type: CommandType::User,
            profiling_enabled: false,
            state: Mutex::new(State {
                core: Core::new(SUBMITTED),
                watchers: Vec::new(),
                engine: None,
                profiling: ProfilingInfo::default(),
            }),
            changed: Condvar::new(),
            _live: crate::stats::Live::new(crate::stats::Kind::Event),
        })
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }

    /// The queue of a command's event (`None` for user events, or once the queue is gone).
    pub fn queue(&self) -> Option<Arc<CommandQueue>> {
        self.queue.as_ref().and_then(Weak::upgrade)
    }

    pub fn command_type(&self) -> CommandType {
        self.command_type
    }

    pub fn is_user(&self) -> bool {
        self.command_type == CommandType::User
    }

    /// `CL_EVENT_COMMAND_EXECUTION_STATUS`.
    pub fn status(&self) -> i32 {
        self.state.lock().core.status()
    }

    /// `clSetUserEventStatus`: CL_COMPLETE or a negative error, once.
    pub fn set_user_status(self: &Arc<Self>, status: i32) -> Result<()> {
        if !self.is_user() {
            return Err(Error::InvalidEvent);
        }
        if status > COMPLETE {
            return Err(Error::InvalidValue("user event status must be CL_COMPLETE or negative"));
        }
        if !self.transition(status) {
            return Err(Error::InvalidOperation("user event status was already set"));
        }
        Ok(())
    }

    /// `clSetEventCallback`. A callback for a status already reached or passed is dispatched
    /// at once (asynchronously, on the callback thread).
    pub fn set_callback(self: &Arc<Self>, ty: CallbackType, callback: EventCallback) {
        let claimed = self.state.lock().core.register(ty, callback);
        if claimed {
            self.hand_off_callbacks();
        }
    }

    /// Moves the outbox to the callback thread, one job per batch (see `event_core`).
    fn hand_off_callbacks(self: &Arc<Self>) {
        hand_off(
            || self.state.lock().core.next_batch(),
            |batch: Batch<EventCallback>| {
                let event = self.clone();
                dispatch(Box::new(move || {
                    for (cb, status) in batch {
                        // Each callback is contained on its own, so one panic loses no other.
                        let ev = event.clone();
                        let start = now_ns();
                        crate::dispatcher::run_contained(Box::new(move || cb(&ev, status)));
                        if crate::trace::enabled() {
                            let name = format!("{:?} callback (status {status})", event.command_type);
                            crate::trace::callback(&name, start, now_ns());
                        }
                    }
                }));
            },
        );
    }

    /// Moves the status forward to `new`. Returns false if that is not a forward step
    /// (the event already reached it or ended). Fires callbacks and wakes waiters.
    pub(crate) fn transition(self: &Arc<Self>, new: i32) -> bool {
        let (claimed, watchers) = {
            let mut st = self.state.lock();
            let Some(claimed) = st.core.transition(new) else {
                return false;
            };
            let now = now_ns();
            let p = &mut st.profiling;
            let reached = if new < 0 { COMPLETE } else { new };
            if reached <= SUBMITTED && p.submit == 0 {
                p.submit = now;
            }
            if reached <= RUNNING && p.start == 0 {
                p.start = now;
            }
            if reached == COMPLETE {
                p.end = now;
                p.complete = now;
            }
            let watchers = if new <= COMPLETE { std::mem::take(&mut st.watchers) } else { Vec::new() };
            if new <= COMPLETE && self.command_type != CommandType::User {
                crate::trace::command(Arc::as_ptr(self) as usize, &format!("{:?}", self.command_type), &st.profiling, new);
            }
            (claimed, watchers)
        };
        self.changed.notify_all();
        if claimed {
            self.hand_off_callbacks();
        }
        for w in watchers.iter().filter_map(Weak::upgrade) {
            w.pump();
        }
        true
    }

    /// Asks `engine` to be pumped when this event reaches a final status. Returns false (and
    /// registers nothing) if it already did.
    pub(crate) fn watch(&self, engine: &Arc<Engine>) -> bool {
        let mut st = self.state.lock();
        if st.core.status() <= COMPLETE {
            return false;
        }
        if !st.watchers.iter().any(|w| w.as_ptr() == Arc::as_ptr(engine)) {
            st.watchers.push(Arc::downgrade(engine));
        }
        true
    }

    pub(crate) fn set_engine(&self, engine: &Arc<Engine>) {
        self.state.lock().engine = Some(Arc::downgrade(engine));
    }

    /// True if the command was handed to `engine`'s device queue (so work submitted after it
    /// on that queue is ordered behind it).
    pub(crate) fn submitted_on(&self, engine: &Arc<Engine>) -> bool {
        let st = self.state.lock();
        st.core.status() <= SUBMITTED
            && st.core.status() >= 0
            && st.engine.as_ref().is_some_and(|e| e.as_ptr() == Arc::as_ptr(engine))
    }

    /// Blocks until the event is complete or failed; returns the final status.
    /// In the browser nothing may block: use [`Event::wait_async`] there.
    pub fn wait(&self) -> Result<i32> {
        refuse_blocking_in_callback()?;
        if cfg!(target_arch = "wasm32") && self.status() > COMPLETE {
            return Err(Error::InvalidOperation("blocking waits are impossible in the browser; use wait_async"));
        }
        let mut st = self.state.lock();
        while st.core.status() > COMPLETE {
            self.changed.wait(&mut st);
        }
        Ok(st.core.status())
    }

    /// Resolves to the final status (COMPLETE or a negative error) without blocking a
    /// thread: the one waiting API that works in the browser and natively alike.
    pub fn wait_async(self: &Arc<Self>) -> EventFuture {
        let shared = Arc::new(Mutex::new(FutureState { status: None, waker: None }));
        let s = shared.clone();
        self.set_callback(CallbackType::Complete, Box::new(move |_, status| {
            let waker = {
                let mut st = s.lock();
                st.status = Some(status);
                st.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }));
        EventFuture(shared)
    }

    /// `clGetEventProfilingInfo`.
    pub fn profiling(&self, point: ProfilingPoint) -> Result<u64> {
        let st = self.state.lock();
        if !self.profiling_enabled || st.core.status() != COMPLETE {
            return Err(Error::ProfilingInfoNotAvailable);
        }
        let p = st.profiling;
        Ok(match point {
            ProfilingPoint::Queued => p.queued,
            ProfilingPoint::Submit => p.submit,
            ProfilingPoint::Start => p.start,
            ProfilingPoint::End => p.end,
            ProfilingPoint::Complete => p.complete,
        })
    }

    /// All profiling times recorded so far (0 for a point not reached), even without
    /// profiling enabled: the demo's timeline and tracing use it.
    pub fn timeline(&self) -> ProfilingInfo {
        self.state.lock().profiling
    }
}

struct FutureState {
    status: Option<i32>,
    waker: Option<std::task::Waker>,
}

/// The future of [`Event::wait_async`]: the event's final status.
pub struct EventFuture(Arc<Mutex<FutureState>>);

impl std::future::Future for EventFuture {
    type Output = i32;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<i32> {
        let mut st = self.0.lock();
        match st.status {
            Some(s) => std::task::Poll::Ready(s),
            None => {
                st.waker = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }
}

/// `clWaitForEvents`: flushes the events' queues, then waits for all of them.
/// Returns `ExecStatusErrorForEventsInWaitList` if any ended with an error.
pub fn wait_for_events(events: &[Arc<Event>]) -> Result<()> {
    if events.is_empty() {
        return Err(Error::InvalidValue("empty event list"));
    }
    let ctx = events[0].context();
    if events.iter().any(|e| !Arc::ptr_eq(e.context(), ctx)) {
        return Err(Error::InvalidContext);
    }
    refuse_blocking_in_callback()?;
    // A lost device is reported through the events, which it ends with errors.
    for e in events {
        if let Some(q) = e.queue() {
            q.push_unflushed();
        }
    }
    let mut failed = false;
    for e in events {
        failed |= e.wait()? < 0;
    }
    if failed {
        Err(Error::ExecStatusErrorForEventsInWaitList)
    } else {
        Ok(())
    }
}
