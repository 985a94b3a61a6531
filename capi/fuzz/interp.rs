//! The C-API fuzz interpreter (issue #7): input bytes become a sequence of `cl*` calls.
//!
//! Shared by the libFuzzer target (`capi/fuzz/fuzz_targets/c_api.rs`) and the stable
//! replay test (`capi/tests/fuzz_replay.rs`), both through `#[path]`.
//!
//! It keeps a pool of handles and hands every call valid, released (stale), NULL,
//! wrong-kind and garbage handles, random sizes (some far too large) and random wait
//! lists. Asserted (a violation panics, which libFuzzer reports as a crash):
//! * no crash, and no panic inside libwgcl (its `catch_unwind` guard would hide one as
//!   `CL_OUT_OF_HOST_MEMORY`: a panic hook counts them);
//! * every return code is one the spec allows for that call, and a bad primary handle fails;
//! * every event callback registered with `CL_SUCCESS` fires exactly once, with its event
//!   and its status (or an error), once the input's user events are set and queues finished;
//! * every build notification (`clBuildProgram`/`clCompileProgram`/`clLinkProgram` with a
//!   `pfn_notify`) fires exactly once, with its program, iff the call succeeded, and sees a
//!   final build status (`CL_BUILD_SUCCESS` or `CL_BUILD_ERROR`);
//! * context error notifications carry a message, and never come after that context's
//!   destructor callbacks;
//! * every `clSetContextDestructorCallback` / `clSetProgramReleaseCallback` registration fires
//!   exactly once, the ones of an object in reverse registration order; a context's only once
//!   every object of the context is gone, and after the release callbacks of its programs.
//!
//! Nothing may hang: the interpreter tracks which unset user events each command and queue
//! (conservatively: every queue counts as in-order) depends on, and never makes a blocking
//! call that could wait on one. Host memory that it hands to the API is always at least as
//! large as the size it claims, unless that size is larger than any buffer, so the call
//! must refuse it before touching memory.
#![allow(clippy::missing_safety_doc)]

use std::collections::{BTreeSet, HashMap};
use std::ffi::{c_char, c_void};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use wgcl::cl::*;
use wgcl::handle::{is_kind, Kind};
use wgcl::*;

/// Panics caught by libwgcl's entry-point guards since the process started.
static CAUGHT_PANICS: AtomicUsize = AtomicUsize::new(0);

/// The interpreter creates no buffer larger than this, so a transfer larger than this must
/// be refused without touching the (this large) host memory passed along.
const HOST_CAP: usize = 1 << 20;

/// OpenCL C and WGSL kernels with `saxpy(x, y, a, n)` and `square(x, y, a, n)`; one with a
/// `__local` argument; and broken sources.
const SOURCES: &[&str] = &[
    "__kernel void saxpy(__global const float *x, __global float *y, float a, uint n) {\n\
     size_t i = get_global_id(0); if (i < n) y[i] = a * x[i] + y[i]; }\n\
     __kernel void square(__global const float *x, __global float *y, float a, uint n) {\n\
     size_t i = get_global_id(0); if (i < n) y[i] = y[i] * y[i] + 0.0f * a + 0.0f * x[0]; }\n",
    "override wgcl_local_size_x: u32 = 64;\noverride wgcl_local_size_y: u32 = 1;\n\
     override wgcl_local_size_z: u32 = 1;\n\
     @group(0) @binding(0) var<storage, read> x: array<f32>;\n\
     @group(0) @binding(1) var<storage, read_write> y: array<f32>;\n\
     @group(0) @binding(2) var<uniform> a: f32;\n@group(0) @binding(3) var<uniform> n: u32;\n\
     @compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)\n\
     fn saxpy(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < n) { y[g.x] = a * x[g.x] + y[g.x]; } }\n",
    "__kernel void sum(__global const int *x, __global int *out, __local int *tmp, uint n) {\n\
     size_t l = get_local_id(0); tmp[l] = get_global_id(0) < n ? x[get_global_id(0)] : 0;\n\
     barrier(CLK_LOCAL_MEM_FENCE); if (l == 0) { int s = 0; for (size_t i = 0; i < get_local_size(0); i++) s += tmp[i];\n\
     atomic_add(out, s); } }\n",
    "__kernel void k(void) { int x = ; }",
    "@compute @workgroup_size(1) fn k() { let x = ; }",
];
const KERNEL_NAMES: &[&[u8]] = &[b"saxpy\0", b"square\0", b"sum\0", b"k\0", b"nope\0", b"\0", b"\xff\xfe\0"];
const BUILD_OPTIONS: &[&[u8]] = &[b"\0", b"-cl-kernel-arg-info\0", b"-DX=1 -cl-fast-relaxed-math\0", b"-cl-std=CL9.9 --bogus\0"];
/// Pieces that random option strings are made of: macros (some malformed), include paths
/// (some missing), and other flags.
const OPTION_PARTS: &[&[u8]] = &[
    b"-DX",
    b"-DX=1",
    b"-D Y=2",
    b"-D",
    b"-DDEFS_VALUE=5",
    b"-D=3",
    b"-I",
    b"-I.",
    b"-I /nonexistent",
    b"-Isub",
    b"-cl-fast-relaxed-math",
    b"-cl-std=CL3.0",
    b"-cl-std=CL1.2",
    b"-Werror",
    b"-w",
    b"--bogus",
    b"-cl-kernel-arg-info",
    b"\xff\xfe",
];
/// A source for `clCompileProgram` that needs a header, and header sources (one broken).
const INCLUDING_SOURCE: &str = "#include \"defs.h\"\n__kernel void inc(__global int *x) { x[get_global_id(0)] = DEFS_VALUE; }\n";
const HEADER_SOURCES: &[&str] = &["#define DEFS_VALUE 3\n", "#define DEFS_VALUE (\n", "int helper(int x) { return x + 1; }\n"];
const HEADER_NAMES: &[&[u8]] = &[b"defs.h\0", b"sub/defs.h\0", b"\0", b"missing.h\0", b"../defs.h\0"];

/// Interesting sizes: zero, small, odd, unaligned, just past a buffer, huge.
const SIZES: &[usize] = &[
    0,
    1,
    3,
    4,
    8,
    12,
    16,
    64,
    100,
    128,
    255,
    256,
    257,
    1024,
    4096,
    65536,
    1 << 20,
    1 << 32,
    1 << 40,
    usize::MAX / 2,
    usize::MAX - 3,
    usize::MAX,
];

/// Garbage that looks like a handle to nobody: the registry must refuse it.
static JUNK: [u64; 8] = [0xdead_beef_dead_beef; 8];

/// Input bytes; reads past the end give zeros.
struct Bytes<'a> {
    d: &'a [u8],
    i: usize,
}

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.d.get(self.i).copied().unwrap_or(0);
        self.i += 1;
        b
    }
    /// True once in `n` (by the next byte).
    fn one_in(&mut self, n: u8) -> bool {
        self.u8().is_multiple_of(n)
    }
    fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.u8() as usize % from.len()]
    }
    fn size(&mut self) -> usize {
        let b = self.u8();
        if b < 0xC0 {
            SIZES[b as usize % SIZES.len()]
        } else {
            (b - 0xC0) as usize * 4 + self.u8() as usize % 4
        }
    }
    fn at_end(&self) -> bool {
        self.i >= self.d.len()
    }
}

/// What a user event is known to be.
#[derive(Clone, Copy, PartialEq)]
enum UserState {
    Unset,
    Set,
    /// A callback may set it (or may already have).
    Pending,
}

/// Something a command may wait for.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Dep {
    /// A user event (its handle): until it is set.
    User(usize),
    /// The commands enqueued on a queue (its handle) in one flush epoch: they only reach the
    /// device once that queue is flushed (the spec leaves cross-queue waits on unflushed
    /// commands to the application, so they may block forever).
    Unflushed(usize, u64),
    /// An event the interpreter knows nothing about.
    Unknown,
}

/// What a command (or everything enqueued on a queue) may wait for.
type Deps = BTreeSet<Dep>;

/// A handle the interpreter holds app references on.
struct Live {
    ptr: usize,
    kind: Kind,
    refs: u32,
}

/// One `clSetEventCallback` registration and what happened to it.
struct CallbackRecord {
    event: usize,
    ty: cl_int,
    action: u8,
    /// A user event (kept alive by the interpreter) the callback sets.
    user_event: usize,
    /// A queue (kept alive by the interpreter) the callback enqueues a marker on.
    queue: usize,
    fired: AtomicU32,
    /// Calls that have returned: the record may be dropped only once every call returned.
    returned: AtomicU32,
    status: AtomicI32,
    seen_event: AtomicUsize,
    violations: Mutex<Vec<String>>,
}

impl CallbackRecord {
    fn expect(&self, what: &str, got: cl_int, allowed: &[cl_int]) {
        if !allowed.contains(&got) {
            self.violations.lock().unwrap().push(format!("in callback: {what} -> {got}, allowed {allowed:?}"));
        }
    }
}

/// The event callback; `user_data` is a `CallbackRecord` kept alive until the input ends.
unsafe extern "C" fn on_event(event: cl_event, status: cl_int, user_data: *mut c_void) {
    // SAFETY: the interpreter registered this record's address and drops the record only
    // after every callback returned (`returned`, the last access here).
    let rec = unsafe { &*(user_data as *const CallbackRecord) };
    rec.fired.fetch_add(1, Ordering::SeqCst);
    rec.status.store(status, Ordering::SeqCst);
    rec.seen_event.store(event as usize, Ordering::SeqCst);
    // SAFETY (all calls below): handles the interpreter keeps alive for the whole input (the
    // event is retained by the registration), and out-pointers to locals.
    unsafe {
        match rec.action {
            1 => {
                rec.expect("clRetainEvent", clRetainEvent(event), &[CL_SUCCESS]);
                rec.expect("clReleaseEvent", clReleaseEvent(event), &[CL_SUCCESS]);
            }
            2 => {
                let code = clSetUserEventStatus(rec.user_event as cl_event, if status < 0 { -1234 } else { CL_COMPLETE });
                rec.expect("clSetUserEventStatus", code, &[CL_SUCCESS, CL_INVALID_OPERATION]);
            }
            3 => {
                let q = rec.queue as cl_command_queue;
                let mut ev: cl_event = null_mut();
                rec.expect("clEnqueueMarkerWithWaitList", clEnqueueMarkerWithWaitList(q, 0, null(), &mut ev), &[CL_SUCCESS]);
                if !ev.is_null() {
                    rec.expect("clReleaseEvent(marker)", clReleaseEvent(ev), &[CL_SUCCESS]);
                }
                rec.expect("clFlush", clFlush(q), &[CL_SUCCESS]);
            }
            4 => {
                // Blocking calls in a callback are refused rather than deadlocking.
                let q = rec.queue as cl_command_queue;
                rec.expect("clFinish", clFinish(q), &[CL_SUCCESS, CL_INVALID_OPERATION]);
                rec.expect(
                    "clWaitForEvents",
                    clWaitForEvents(1, &event),
                    &[CL_SUCCESS, CL_INVALID_OPERATION, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST],
                );
            }
            5 => {
                let mut st: cl_int = 99;
                let code = clGetEventInfo(event, CL_EVENT_COMMAND_EXECUTION_STATUS, 4, &mut st as *mut _ as *mut c_void, null_mut());
                rec.expect("clGetEventInfo", code, &[CL_SUCCESS]);
                if status <= CL_COMPLETE && st != status {
                    rec.violations.lock().unwrap().push(format!("callback status {status} but the event reports {st}"));
                }
            }
            _ => {}
        }
    }
    rec.returned.fetch_add(1, Ordering::SeqCst);
}

/// Mem-object destructor callback: counts into the `AtomicU32` it was given.
unsafe extern "C" fn on_mem_destroyed(_mem: cl_mem, user_data: *mut c_void) {
    // SAFETY: the interpreter passes an `AtomicU32` it keeps alive until the input ends.
    unsafe { &*(user_data as *const AtomicU32) }.fetch_add(1, Ordering::SeqCst);
}

/// A build notification (`pfn_notify` of `clBuildProgram`, `clCompileProgram` or
/// `clLinkProgram`) and what it saw.
struct BuildRecord {
    device: usize,
    fired: AtomicU32,
    returned: AtomicU32,
    program_seen: AtomicUsize,
    /// `CL_PROGRAM_BUILD_STATUS` inside the notification (`i32::MIN`: the query failed).
    status_seen: AtomicI32,
}

/// The build notification; `user_data` is a `BuildRecord` kept alive until the input ends.
unsafe extern "C" fn on_build(program: cl_program, user_data: *mut c_void) {
    // SAFETY: the interpreter registered this record's address and keeps it alive.
    let rec = unsafe { &*(user_data as *const BuildRecord) };
    rec.fired.fetch_add(1, Ordering::SeqCst);
    rec.program_seen.store(program as usize, Ordering::SeqCst);
    let mut st: cl_build_status = 99;
    // SAFETY: the notification holds the program; an out-parameter of the right size.
    let code = unsafe {
        clGetProgramBuildInfo(program, rec.device as cl_device_id, CL_PROGRAM_BUILD_STATUS, 4, &mut st as *mut _ as *mut c_void, null_mut())
    };
    rec.status_seen.store(if code == CL_SUCCESS { st } else { i32::MIN }, Ordering::SeqCst);
    rec.returned.fetch_add(1, Ordering::SeqCst);
}

/// A lifetime callback that ran: (object serial, registration index, whether a context's,
/// the program's context serial).
type Fired = (u64, usize, bool, Option<u64>);

/// State the callbacks below share with the interpreter.
#[derive(Default)]
struct Shared {
    /// Lifetime callbacks in the order they fired.
    fired: Mutex<Vec<Fired>>,
    /// Every handle created, in order, with its context's serial (0: unknown).
    created: Mutex<Vec<(usize, Kind, u64)>>,
    /// Set once the interpreter creates nothing more, so `created` is complete.
    quiescent: AtomicBool,
    violations: Mutex<Vec<String>>,
}

impl Shared {
    fn violation(&self, v: String) {
        self.violations.lock().unwrap().push(v);
    }
}

/// A `clSetContextDestructorCallback` or `clSetProgramReleaseCallback` registration.
struct LifetimeRecord {
    /// The handle it was registered on, and the serial of that object (addresses are reused).
    ptr: usize,
    object: u64,
    /// For a program: its context's serial.
    context: Option<u64>,
    nth: usize,
    fired: AtomicU32,
    shared: Arc<Shared>,
}

/// Context destructor callback; `user_data` is a `LifetimeRecord` kept alive until the end.
unsafe extern "C" fn on_context_destroyed(context: cl_context, user_data: *mut c_void) {
    // SAFETY: the interpreter registered this record's address and keeps it alive.
    let rec = unsafe { &*(user_data as *const LifetimeRecord) };
    lifetime_ended(rec, context as usize, true);
}

/// Program release callback; `user_data` is a `LifetimeRecord` kept alive until the end.
unsafe extern "C" fn on_program_released(program: cl_program, user_data: *mut c_void) {
    // SAFETY: as in `on_context_destroyed`.
    let rec = unsafe { &*(user_data as *const LifetimeRecord) };
    lifetime_ended(rec, program as usize, false);
}

fn lifetime_ended(rec: &LifetimeRecord, ptr: usize, is_context: bool) {
    rec.fired.fetch_add(1, Ordering::SeqCst);
    if ptr != rec.ptr {
        rec.shared.violation(format!("lifetime callback of {:#x} got {ptr:#x}", rec.ptr));
    }
    if is_context && rec.shared.quiescent.load(Ordering::SeqCst) {
        let created = rec.shared.created.lock().unwrap();
        for (i, (p, kind, ctx)) in created.iter().enumerate() {
            let reused = created[i + 1..].iter().any(|(q, _, _)| q == p);
            if *ctx == rec.object && !reused && is_kind(*p as *const c_void, *kind) {
                rec.shared.violation(format!("destructor of context {:#x} ran while its {kind:?} {p:#x} lives", rec.ptr));
            }
        }
    }
    rec.shared.fired.lock().unwrap().push((rec.object, rec.nth, is_context, rec.context));
}

/// A context's error notifications (`pfn_notify` of `clCreateContext*`).
struct ContextNotifyRecord {
    context: AtomicU64,
    calls: AtomicU32,
    shared: Arc<Shared>,
}

/// The context error notification; `user_data` is a `ContextNotifyRecord` kept alive until
/// the callback thread ran everything queued before the input's end.
unsafe extern "C" fn on_context_error(errinfo: *const c_char, private_info: *const c_void, cb: usize, user_data: *mut c_void) {
    // SAFETY: the interpreter registered this record's address and keeps it alive.
    let rec = unsafe { &*(user_data as *const ContextNotifyRecord) };
    rec.calls.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the API passes a NUL-terminated message (checked non-NULL first).
    if errinfo.is_null() || unsafe { std::ffi::CStr::from_ptr(errinfo) }.is_empty() {
        rec.shared.violation("context error notification without a message".into());
    }
    if private_info.is_null() != (cb == 0) {
        rec.shared.violation(format!("context error notification: private_info {private_info:?} with cb {cb}"));
    }
    let ctx = rec.context.load(Ordering::SeqCst);
    if rec.shared.fired.lock().unwrap().iter().any(|(o, _, is_ctx, _)| *is_ctx && *o == ctx) {
        rec.shared.violation("context error notification after the context's destructor callback".into());
    }
}

/// A build call's `pfn_notify`.
type ProgramNotify = Option<unsafe extern "C" fn(cl_program, *mut c_void)>;

/// State for one input.
struct Interp {
    platform: cl_platform_id,
    device: cl_device_id,
    /// `CL_DEVICE_MAX_MEM_ALLOC_SIZE`.
    max_alloc: usize,
    live: Vec<Live>,
    /// Handles released to zero by the interpreter (they may or may not still exist).
    stale: Vec<(usize, Kind)>,
    /// Handle -> its context (for mem, queues, events, programs, kernels).
    context_of: HashMap<usize, usize>,
    mem_size: HashMap<usize, usize>,
    /// Events and queues -> user events they may wait for.
    deps: HashMap<usize, Deps>,
    /// Queue -> its flush epoch (commands of earlier epochs were flushed).
    epoch: HashMap<usize, u64>,
    /// Command event -> its queue.
    event_queue: HashMap<usize, usize>,
    /// User event handle (kept alive with one extra reference) -> state.
    user: Vec<(usize, UserState)>,
    /// Queues, kept alive with one extra reference so the end can finish them.
    queues: Vec<usize>,
    callbacks: Vec<Arc<CallbackRecord>>,
    mem_destructors: Vec<(Arc<AtomicU32>, usize)>,
    /// Host memory handed to non-blocking commands: freed only after everything finished.
    host: Vec<Vec<u8>>,
    /// Mapped regions: (queue, buffer, pointer, the buffer's serial when it was mapped).
    mapped: Vec<(usize, usize, usize, u64)>,
    /// Every handle created during the input: all must be gone once it released them.
    created: Vec<(usize, Kind)>,
    /// Handle -> serial of the object it is now (addresses are reused within an input).
    serial: HashMap<usize, u64>,
    /// Build notifications, with the program each must fire for (None: it must not fire).
    builds: Vec<(Arc<BuildRecord>, Option<usize>, u64)>,
    /// Build and compile calls made so far on each program address.
    build_calls: HashMap<usize, u64>,
    /// Context error notifications.
    notifies: Vec<Arc<ContextNotifyRecord>>,
    /// Destructor and release callback registrations.
    lifetimes: Vec<Arc<LifetimeRecord>>,
    /// Object serial -> how many lifetime callbacks it has.
    registered: HashMap<u64, usize>,
    shared: Arc<Shared>,
}

/// A handle for an argument and whether it is a live handle of the wanted kind.
struct Pick {
    ptr: usize,
    valid: bool,
}

fn fail(msg: String) -> ! {
    panic!("fuzz invariant violated: {msg}")
}

fn expect(call: &str, got: cl_int, allowed: &[cl_int]) {
    if !allowed.contains(&got) {
        fail(format!("{call} -> {got}, allowed {allowed:?}"));
    }
}

fn install_panic_counter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            CAUGHT_PANICS.fetch_add(1, Ordering::SeqCst);
            prev(info);
        }));
    });
}

impl Interp {
    fn new() -> Self {
        let mut platform: cl_platform_id = null_mut();
        let mut device: cl_device_id = null_mut();
        // SAFETY: out-pointers to locals, one entry each.
        unsafe {
            expect("clGetPlatformIDs", clGetPlatformIDs(1, &mut platform, null_mut()), &[CL_SUCCESS]);
            expect("clGetDeviceIDs", clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &mut device, null_mut()), &[CL_SUCCESS]);
        }
        let mut max_alloc: cl_ulong = 0;
        // SAFETY: a cl_ulong out-parameter of the right size.
        let code = unsafe { clGetDeviceInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, 8, &mut max_alloc as *mut _ as *mut c_void, null_mut()) };
        expect("clGetDeviceInfo(CL_DEVICE_MAX_MEM_ALLOC_SIZE)", code, &[CL_SUCCESS]);
        Interp {
            platform,
            device,
            max_alloc: max_alloc as usize,
            live: Vec::new(),
            stale: Vec::new(),
            context_of: HashMap::new(),
            mem_size: HashMap::new(),
            deps: HashMap::new(),
            epoch: HashMap::new(),
            event_queue: HashMap::new(),
            user: Vec::new(),
            queues: Vec::new(),
            callbacks: Vec::new(),
            mem_destructors: Vec::new(),
            host: Vec::new(),
            mapped: Vec::new(),
            created: Vec::new(),
            serial: HashMap::new(),
            builds: Vec::new(),
            build_calls: HashMap::new(),
            notifies: Vec::new(),
            lifetimes: Vec::new(),
            registered: HashMap::new(),
            shared: Arc::default(),
        }
    }

    fn add(&mut self, ptr: usize, kind: Kind, context: usize) {
        self.stale.retain(|(p, _)| *p != ptr);
        self.live.push(Live { ptr, kind, refs: 1 });
        self.created.push((ptr, kind));
        self.context_of.insert(ptr, context);
        let serial = self.created.len() as u64;
        self.serial.insert(ptr, serial);
        let ctx_serial = self.serial.get(&context).copied().unwrap_or(0);
        self.shared.created.lock().unwrap().push((ptr, kind, ctx_serial));
    }

    fn pick(&mut self, b: &mut Bytes, kind: Kind) -> Pick {
        let of_kind: Vec<usize> = if kind == Kind::Device {
            vec![self.device as usize]
        } else {
            self.live.iter().filter(|l| l.kind == kind).map(|l| l.ptr).collect()
        };
        let sel = b.u8();
        let ptr = match sel % 16 {
            10 => 0,
            11 => {
                let s: Vec<usize> = self.stale.iter().filter(|(_, k)| *k == kind).map(|(p, _)| *p).collect();
                if s.is_empty() {
                    0
                } else {
                    s[b.u8() as usize % s.len()]
                }
            }
            12 => {
                let others: Vec<usize> = self.live.iter().filter(|l| l.kind != kind).map(|l| l.ptr).collect();
                if others.is_empty() {
                    0
                } else {
                    others[b.u8() as usize % others.len()]
                }
            }
            13 => JUNK.as_ptr() as usize + 8 * (b.u8() as usize % 4),
            14 => [1usize, usize::MAX, 0x1000][b.u8() as usize % 3],
            _ => {
                if of_kind.is_empty() {
                    0
                } else {
                    of_kind[b.u8() as usize % of_kind.len()]
                }
            }
        };
        Pick { ptr, valid: is_kind(ptr as *const c_void, kind) }
    }

    /// Whether waiting for `deps` could block forever, for a call that flushes `flushing`.
    fn blocked(&self, deps: &Deps, flushing: &[usize]) -> bool {
        deps.iter().any(|d| match *d {
            Dep::User(ue) => self.user.iter().find(|(p, _)| *p == ue).is_none_or(|(_, s)| *s != UserState::Set),
            Dep::Unflushed(q, e) => !flushing.contains(&q) && self.epoch.get(&q).is_none_or(|now| *now <= e),
            Dep::Unknown => true,
        })
    }

    /// After `q` was flushed: everything enqueued on it so far reaches the device.
    fn flushed(&mut self, q: usize) {
        if let Some(e) = self.epoch.get_mut(&q) {
            *e += 1;
        }
    }

    fn deps_of(&self, ptr: usize) -> Deps {
        self.deps.get(&ptr).cloned().unwrap_or_else(|| BTreeSet::from([Dep::Unknown]))
    }

    /// A random wait list; returns it with the user events it may wait for.
    fn wait_list(&mut self, b: &mut Bytes) -> (Vec<cl_event>, Deps, bool) {
        let n = b.u8() % 8;
        let n = if n > 4 { 0 } else { n };
        let mut list = Vec::new();
        let mut deps = Deps::new();
        let mut all_valid = true;
        for _ in 0..n {
            let e = self.pick(b, Kind::Event);
            all_valid &= e.valid;
            if e.valid {
                deps.extend(self.deps_of(e.ptr));
            }
            list.push(e.ptr as cl_event);
        }
        (list, deps, all_valid)
    }

    /// After a successful enqueue on `q`: what its event waits for, and the queue's new deps.
    fn enqueued(&mut self, q: usize, wait_deps: Deps, event: cl_event) {
        let token = Dep::Unflushed(q, self.epoch.get(&q).copied().unwrap_or(0));
        let qd = self.deps.entry(q).or_default();
        qd.extend(wait_deps);
        qd.insert(token);
        let d = qd.clone();
        if !event.is_null() {
            let ctx = self.context_of.get(&q).copied().unwrap_or(0);
            self.add(event as usize, Kind::Event, ctx);
            self.deps.insert(event as usize, d);
            self.event_queue.insert(event as usize, q);
        }
    }

    fn step(&mut self, b: &mut Bytes) {
        // Bytes 240..=255 pick the ops added later, so older inputs keep their meaning.
        let raw = b.u8();
        let op = if raw >= 240 { 24 + (raw - 240) % 6 } else { raw % 24 };
        // SAFETY: every pointer handed to the API below is NULL, a handle (maybe invalid,
        // which the API must detect), or host memory at least as large as the size passed
        // with it (or a size no buffer can hold, which the API must refuse first).
        unsafe {
            match op {
                0 => self.create_context(b),
                1 => self.create_queue(b),
                2 => self.create_buffer(b),
                3 => self.create_sub_buffer(b),
                4 => self.create_user_event(b),
                5 => self.create_program(b),
                6 => self.build_program(b),
                7 => self.create_kernel(b),
                8 => self.set_kernel_arg(b),
                9 => self.read_write(b),
                10 => self.copy(b),
                11 => self.fill(b),
                12 => self.ndrange(b),
                13 => self.marker_barrier(b),
                14 => self.set_user_status(b),
                15 => self.set_callback(b),
                16 => self.wait(b),
                17 => self.flush_finish(b),
                18 => self.retain_release(b),
                19 => self.info(b),
                20 => self.map_unmap(b),
                21 => self.rect(b),
                22 => self.mem_destructor(b),
                23 => self.set_callback(b),
                24 => self.build_notify(b),
                25 => self.compile(b),
                26 => self.link(b),
                27 => self.create_context_notify(b),
                28 => self.context_destructor(b),
                _ => self.program_release_callback(b),
            }
        }
    }

    unsafe fn create_context(&mut self, b: &mut Bytes) {
        let mut err = 0;
        let props: [cl_context_properties; 5] = match b.u8() % 4 {
            0 => [CL_CONTEXT_PLATFORM as isize, self.platform as isize, 0, 0, 0],
            1 => [0; 5],
            2 => [CL_CONTEXT_PLATFORM as isize, JUNK.as_ptr() as isize, 0, 0, 0],
            _ => [0x7FFF, 1, 0, 0, 0],
        };
        let dev = self.pick(b, Kind::Device);
        let c = if b.bool() {
            let n = b.u8() % 3;
            let devs = [dev.ptr as cl_device_id; 2];
            clCreateContext(
                props.as_ptr(),
                n as cl_uint,
                if n == 0 && b.bool() { null() } else { devs.as_ptr() },
                None,
                null_mut(),
                &mut err,
            )
        } else {
            let ty = b.pick(&[CL_DEVICE_TYPE_ALL, CL_DEVICE_TYPE_DEFAULT, CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_CUSTOM, 1 << 40]);
            clCreateContextFromType(props.as_ptr(), ty, None, null_mut(), &mut err)
        };
        expect(
            "clCreateContext*",
            err,
            &[
                CL_SUCCESS,
                CL_INVALID_PLATFORM,
                CL_INVALID_PROPERTY,
                CL_INVALID_VALUE,
                CL_INVALID_DEVICE,
                CL_DEVICE_NOT_AVAILABLE,
                CL_DEVICE_NOT_FOUND,
                CL_INVALID_DEVICE_TYPE,
                CL_OUT_OF_RESOURCES,
            ],
        );
        if (err == CL_SUCCESS) == c.is_null() {
            fail(format!("clCreateContext*: code {err} with result {c:?}"));
        }
        if !c.is_null() {
            self.add(c as usize, Kind::Context, c as usize);
        }
    }

    unsafe fn create_queue(&mut self, b: &mut Bytes) {
        let ctx = self.pick(b, Kind::Context);
        let bits: cl_command_queue_properties =
            b.pick(&[0, CL_QUEUE_PROFILING_ENABLE, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, 1 << 40, CL_QUEUE_ON_DEVICE]);
        let props: [cl_queue_properties; 3] = [CL_QUEUE_PROPERTIES as cl_queue_properties, bits, 0];
        let mut err = 0;
        let q = clCreateCommandQueueWithProperties(
            ctx.ptr as cl_context,
            self.device,
            if b.bool() { props.as_ptr() } else { null() },
            &mut err,
        );
        expect(
            "clCreateCommandQueueWithProperties",
            err,
            &[CL_SUCCESS, CL_INVALID_CONTEXT, CL_INVALID_DEVICE, CL_INVALID_VALUE, CL_INVALID_QUEUE_PROPERTIES, CL_OUT_OF_RESOURCES],
        );
        if !ctx.valid && err == CL_SUCCESS {
            fail("queue created on an invalid context".into());
        }
        if !q.is_null() {
            self.add(q as usize, Kind::Queue, ctx.ptr);
            expect("clRetainCommandQueue(keeper)", clRetainCommandQueue(q), &[CL_SUCCESS]);
            self.queues.push(q as usize);
            self.deps.insert(q as usize, Deps::new());
            self.epoch.insert(q as usize, 0);
        }
    }

    unsafe fn create_buffer(&mut self, b: &mut Bytes) {
        let ctx = self.pick(b, Kind::Context);
        let flags: cl_mem_flags = b.pick(&[
            CL_MEM_READ_WRITE,
            CL_MEM_READ_ONLY,
            CL_MEM_WRITE_ONLY,
            CL_MEM_COPY_HOST_PTR,
            CL_MEM_ALLOC_HOST_PTR,
            CL_MEM_USE_HOST_PTR,
            CL_MEM_READ_WRITE | CL_MEM_READ_ONLY,
            CL_MEM_HOST_NO_ACCESS,
            1 << 40,
        ]);
        let size = b.size();
        if size > HOST_CAP && size <= self.max_alloc {
            return;
        }
        let mut host = vec![0xA5u8; size.min(HOST_CAP)];
        let hp = if b.bool() { host.as_mut_ptr() as *mut c_void } else { null_mut() };
        let mut err = 0;
        let m = clCreateBuffer(ctx.ptr as cl_context, flags, size, hp, &mut err);
        expect(
            "clCreateBuffer",
            err,
            &[
                CL_SUCCESS,
                CL_INVALID_CONTEXT,
                CL_INVALID_VALUE,
                CL_INVALID_BUFFER_SIZE,
                CL_INVALID_HOST_PTR,
                CL_MEM_OBJECT_ALLOCATION_FAILURE,
                CL_OUT_OF_RESOURCES,
            ],
        );
        if !m.is_null() {
            if size > HOST_CAP && !hp.is_null() {
                fail(format!("clCreateBuffer accepted size {size} with a host pointer"));
            }
            self.add(m as usize, Kind::Mem, ctx.ptr);
            self.mem_size.insert(m as usize, size);
            // CL_MEM_USE_HOST_PTR keeps using `host`.
            self.host.push(host);
        }
    }

    unsafe fn create_sub_buffer(&mut self, b: &mut Bytes) {
        let parent = self.pick(b, Kind::Mem);
        let region = [b.size(), b.size()];
        let ty = if b.one_in(8) { 0x7FFF } else { CL_BUFFER_CREATE_TYPE_REGION };
        let info = if b.one_in(8) { null() } else { region.as_ptr() as *const c_void };
        let mut err = 0;
        let m = clCreateSubBuffer(parent.ptr as cl_mem, b.pick(&[0, CL_MEM_READ_ONLY, CL_MEM_WRITE_ONLY, 1 << 40]), ty, info, &mut err);
        expect(
            "clCreateSubBuffer",
            err,
            &[
                CL_SUCCESS,
                CL_INVALID_MEM_OBJECT,
                CL_INVALID_VALUE,
                CL_INVALID_BUFFER_SIZE,
                CL_MISALIGNED_SUB_BUFFER_OFFSET,
                CL_MEM_OBJECT_ALLOCATION_FAILURE,
                CL_OUT_OF_RESOURCES,
            ],
        );
        if !parent.valid && err == CL_SUCCESS {
            fail("sub-buffer of an invalid buffer".into());
        }
        if !m.is_null() {
            let ctx = self.context_of.get(&parent.ptr).copied().unwrap_or(0);
            self.add(m as usize, Kind::Mem, ctx);
            self.mem_size.insert(m as usize, region[1]);
        }
    }

    unsafe fn create_user_event(&mut self, b: &mut Bytes) {
        let ctx = self.pick(b, Kind::Context);
        let mut err = 0;
        let e = clCreateUserEvent(ctx.ptr as cl_context, &mut err);
        expect("clCreateUserEvent", err, &[CL_SUCCESS, CL_INVALID_CONTEXT]);
        if ctx.valid != (err == CL_SUCCESS) {
            fail(format!("clCreateUserEvent on a context valid={} -> {err}", ctx.valid));
        }
        if !e.is_null() {
            self.add(e as usize, Kind::Event, ctx.ptr);
            expect("clRetainEvent(keeper)", clRetainEvent(e), &[CL_SUCCESS]);
            self.user.push((e as usize, UserState::Unset));
            self.deps.insert(e as usize, BTreeSet::from([Dep::User(e as usize)]));
        }
    }

    unsafe fn create_program(&mut self, b: &mut Bytes) {
        let ctx = self.pick(b, Kind::Context);
        let sel = b.u8() as usize;
        // NUL-terminated either way: a zero length means "up to the NUL".
        let src: Vec<u8> = if sel < 200 {
            [SOURCES[sel % SOURCES.len()].as_bytes(), b"\0"].concat()
        } else {
            let n = b.u8() as usize;
            let start = b.i.min(b.d.len());
            let end = (start + n).min(b.d.len());
            b.i += n;
            let prefix: &[u8] = if sel & 1 == 0 { b"__kernel void f(" } else { b"" };
            [prefix, &b.d[start..end], b"\0"].concat()
        };
        let strings = [src.as_ptr() as *const c_char];
        let lengths = [if b.one_in(4) { 0 } else { src.len() - 1 }];
        let lp = if b.one_in(8) { null() } else { lengths.as_ptr() };
        let mut err = 0;
        let p = clCreateProgramWithSource(ctx.ptr as cl_context, 1, strings.as_ptr() as *mut _, lp, &mut err);
        expect("clCreateProgramWithSource", err, &[CL_SUCCESS, CL_INVALID_CONTEXT, CL_INVALID_VALUE]);
        if !ctx.valid && err == CL_SUCCESS {
            fail("program on an invalid context".into());
        }
        if !p.is_null() {
            self.add(p as usize, Kind::Program, ctx.ptr);
            if b.bool() {
                self.note_build(p as usize);
                let code = clBuildProgram(p, 0, null(), BUILD_OPTIONS[1].as_ptr() as *const c_char, None, null_mut());
                expect("clBuildProgram", code, &[CL_SUCCESS, CL_BUILD_PROGRAM_FAILURE, CL_INVALID_BUILD_OPTIONS]);
            }
        }
    }

    unsafe fn build_program(&mut self, b: &mut Bytes) {
        let p = self.pick(b, Kind::Program);
        let dev = self.pick(b, Kind::Device);
        let n = b.u8() % 3;
        let devs = [dev.ptr as cl_device_id; 2];
        let opts = b.pick(BUILD_OPTIONS);
        self.note_build(p.ptr);
        let code = clBuildProgram(
            p.ptr as cl_program,
            n as cl_uint,
            if n > 0 || b.bool() { devs.as_ptr() } else { null() },
            if b.bool() { opts.as_ptr() as *const c_char } else { null() },
            None,
            null_mut(),
        );
        expect(
            "clBuildProgram",
            code,
            &[
                CL_SUCCESS,
                CL_INVALID_PROGRAM,
                CL_INVALID_VALUE,
                CL_INVALID_DEVICE,
                CL_INVALID_BUILD_OPTIONS,
                CL_BUILD_PROGRAM_FAILURE,
                CL_INVALID_OPERATION,
            ],
        );
        if !p.valid && code == CL_SUCCESS {
            fail("built an invalid program".into());
        }
    }

    unsafe fn create_kernel(&mut self, b: &mut Bytes) {
        let p = self.pick(b, Kind::Program);
        let mut err = 0;
        if b.one_in(8) {
            let mut ks: [cl_kernel; 4] = [null_mut(); 4];
            let mut n: cl_uint = 0;
            let want = b.u8() % 5;
            let code = clCreateKernelsInProgram(
                p.ptr as cl_program,
                want as cl_uint,
                if want > 0 || b.bool() { ks.as_mut_ptr() } else { null_mut() },
                &mut n,
            );
            expect("clCreateKernelsInProgram", code, &[CL_SUCCESS, CL_INVALID_PROGRAM, CL_INVALID_PROGRAM_EXECUTABLE, CL_INVALID_VALUE]);
            if code == CL_SUCCESS && want > 0 {
                for k in ks.iter().take(n as usize) {
                    self.add(*k as usize, Kind::Kernel, self.context_of.get(&p.ptr).copied().unwrap_or(0));
                }
            }
            return;
        }
        let k = if b.one_in(8) {
            let src = self.pick(b, Kind::Kernel);
            let k = clCloneKernel(src.ptr as cl_kernel, &mut err);
            expect("clCloneKernel", err, &[CL_SUCCESS, CL_INVALID_KERNEL]);
            k
        } else {
            let name = b.pick(KERNEL_NAMES);
            let k = clCreateKernel(p.ptr as cl_program, if b.one_in(16) { null() } else { name.as_ptr() as *const c_char }, &mut err);
            expect(
                "clCreateKernel",
                err,
                &[
                    CL_SUCCESS,
                    CL_INVALID_PROGRAM,
                    CL_INVALID_PROGRAM_EXECUTABLE,
                    CL_INVALID_KERNEL_NAME,
                    CL_INVALID_KERNEL_DEFINITION,
                    CL_INVALID_VALUE,
                ],
            );
            k
        };
        if !k.is_null() {
            self.add(k as usize, Kind::Kernel, 0);
        }
    }

    unsafe fn set_kernel_arg(&mut self, b: &mut Bytes) {
        let k = self.pick(b, Kind::Kernel);
        let idx = b.u8() % 6;
        let code = if b.one_in(2) {
            let m = self.pick(b, Kind::Mem);
            let val = m.ptr as cl_mem;
            let size = if b.one_in(4) { b.size() } else { std::mem::size_of::<cl_mem>() };
            let host = vec![0u8; size.min(HOST_CAP)];
            let p = if size <= 8 { &val as *const cl_mem as *const c_void } else { host.as_ptr() as *const c_void };
            clSetKernelArg(k.ptr as cl_kernel, idx as cl_uint, size, if b.one_in(8) { null() } else { p })
        } else {
            let size = b.size();
            let mut host = vec![0u8; size.min(HOST_CAP)];
            if let Some(x) = host.get_mut(0) {
                *x = b.u8();
            }
            clSetKernelArg(k.ptr as cl_kernel, idx as cl_uint, size, if b.one_in(4) { null() } else { host.as_ptr() as *const c_void })
        };
        expect(
            "clSetKernelArg",
            code,
            &[
                CL_SUCCESS,
                CL_INVALID_KERNEL,
                CL_INVALID_ARG_INDEX,
                CL_INVALID_ARG_VALUE,
                CL_INVALID_MEM_OBJECT,
                CL_INVALID_ARG_SIZE,
                CL_OUT_OF_RESOURCES,
            ],
        );
        if !k.valid && code == CL_SUCCESS {
            fail("set an argument of an invalid kernel".into());
        }
    }

    /// Queue, wait list and the event out-pointer shared by every enqueue.
    fn begin(&mut self, b: &mut Bytes) -> (Pick, Vec<cl_event>, Deps, bool) {
        let q = self.pick(b, Kind::Queue);
        let (list, deps, valid) = self.wait_list(b);
        let want_event = !b.one_in(4);
        let mut all = deps;
        if q.valid {
            all.extend(self.deps_of(q.ptr));
        }
        let _ = valid;
        (q, list, all, want_event)
    }

    fn finish_enqueue(&mut self, call: &str, code: cl_int, q: &Pick, deps: Deps, ev: cl_event, allowed: &[cl_int]) {
        let mut all = vec![CL_SUCCESS, CL_INVALID_COMMAND_QUEUE, CL_INVALID_CONTEXT, CL_INVALID_EVENT_WAIT_LIST, CL_OUT_OF_RESOURCES];
        all.extend_from_slice(allowed);
        expect(call, code, &all);
        if !q.valid && code == CL_SUCCESS {
            fail(format!("{call} succeeded on an invalid queue"));
        }
        if code == CL_SUCCESS || code == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST {
            self.enqueued(q.ptr, deps, ev);
        } else if !ev.is_null() {
            fail(format!("{call} failed with {code} but returned an event"));
        }
    }

    fn list_ptr(list: &[cl_event]) -> *const cl_event {
        if list.is_empty() {
            null()
        } else {
            list.as_ptr()
        }
    }

    unsafe fn read_write(&mut self, b: &mut Bytes) {
        let (q, list, deps, want_event) = self.begin(b);
        let m = self.pick(b, Kind::Mem);
        let (offset, size) = (b.size(), b.size());
        let blocking = b.bool() && !self.blocked(&deps, &[q.ptr]);
        let mut host = vec![0x5Au8; size.clamp(1, HOST_CAP)];
        let ptr = if b.one_in(16) { null_mut() } else { host.as_mut_ptr() as *mut c_void };
        let mut ev: cl_event = null_mut();
        let evp = if want_event { &mut ev as *mut cl_event } else { null_mut() };
        let n = b.u8() % 8;
        let n = if n < 5 { list.len() as cl_uint } else { n as cl_uint };
        let wl = if n as usize > list.len() { null() } else { Self::list_ptr(&list) };
        let write = b.bool();
        let code = if write {
            clEnqueueWriteBuffer(q.ptr as cl_command_queue, m.ptr as cl_mem, blocking as cl_bool, offset, size, ptr, n, wl, evp)
        } else {
            clEnqueueReadBuffer(q.ptr as cl_command_queue, m.ptr as cl_mem, blocking as cl_bool, offset, size, ptr, n, wl, evp)
        };
        self.host.push(host);
        if code == CL_SUCCESS && size > HOST_CAP {
            fail(format!("read/write of {size} bytes accepted"));
        }
        self.finish_enqueue(
            "clEnqueueRead/WriteBuffer",
            code,
            &q,
            deps,
            ev,
            &[
                CL_INVALID_MEM_OBJECT,
                CL_INVALID_VALUE,
                CL_MEM_OBJECT_ALLOCATION_FAILURE,
                CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST,
                CL_INVALID_OPERATION,
            ],
        );
    }

    unsafe fn copy(&mut self, b: &mut Bytes) {
        let (q, list, deps, want_event) = self.begin(b);
        let (s, d) = (self.pick(b, Kind::Mem), self.pick(b, Kind::Mem));
        let (so, dof, size) = (b.size(), b.size(), b.size());
        let mut ev: cl_event = null_mut();
        let evp = if want_event { &mut ev as *mut cl_event } else { null_mut() };
        let code = clEnqueueCopyBuffer(
            q.ptr as cl_command_queue,
            s.ptr as cl_mem,
            d.ptr as cl_mem,
            so,
            dof,
            size,
            list.len() as cl_uint,
            Self::list_ptr(&list),
            evp,
        );
        self.finish_enqueue(
            "clEnqueueCopyBuffer",
            code,
            &q,
            deps,
            ev,
            &[
                CL_INVALID_MEM_OBJECT,
                CL_INVALID_VALUE,
                CL_MEM_COPY_OVERLAP,
                CL_MISALIGNED_SUB_BUFFER_OFFSET,
                CL_MEM_OBJECT_ALLOCATION_FAILURE,
            ],
        );
    }

    unsafe fn fill(&mut self, b: &mut Bytes) {
        let (q, list, deps, want_event) = self.begin(b);
        let m = self.pick(b, Kind::Mem);
        let psize = b.size();
        let pattern = vec![b.u8(); psize.clamp(1, HOST_CAP)];
        let (offset, size) = (b.size(), b.size());
        let mut ev: cl_event = null_mut();
        let evp = if want_event { &mut ev as *mut cl_event } else { null_mut() };
        let pp = if b.one_in(16) { null() } else { pattern.as_ptr() as *const c_void };
        let code = clEnqueueFillBuffer(
            q.ptr as cl_command_queue,
            m.ptr as cl_mem,
            pp,
            psize,
            offset,
            size,
            list.len() as cl_uint,
            Self::list_ptr(&list),
            evp,
        );
        if code == CL_SUCCESS && psize > 128 {
            fail(format!("fill with a {psize}-byte pattern accepted"));
        }
        self.finish_enqueue(
            "clEnqueueFillBuffer",
            code,
            &q,
            deps,
            ev,
            &[CL_INVALID_MEM_OBJECT, CL_INVALID_VALUE, CL_MISALIGNED_SUB_BUFFER_OFFSET, CL_MEM_OBJECT_ALLOCATION_FAILURE],
        );
    }

    unsafe fn ndrange(&mut self, b: &mut Bytes) {
        let (q, list, deps, want_event) = self.begin(b);
        let k = self.pick(b, Kind::Kernel);
        let dims = b.u8() % 5;
        let pick_dim = |b: &mut Bytes| b.pick(&[1usize, 2, 3, 7, 16, 64, 100, 256, 1000, 4096, 0, 1 << 20, 1 << 32, usize::MAX]);
        let global = [pick_dim(b), 1 + b.u8() as usize % 4, 1];
        let local = [b.pick(&[1usize, 2, 16, 64, 3, 0, 128, 1024, 1 << 20]), 1, 1];
        let offset = [b.size(), 0, 0];
        let mut ev: cl_event = null_mut();
        let evp = if want_event { &mut ev as *mut cl_event } else { null_mut() };
        let sel = b.u8();
        let code = if sel & 15 == 0 {
            clEnqueueTask(q.ptr as cl_command_queue, k.ptr as cl_kernel, list.len() as cl_uint, Self::list_ptr(&list), evp)
        } else {
            clEnqueueNDRangeKernel(
                q.ptr as cl_command_queue,
                k.ptr as cl_kernel,
                dims as cl_uint,
                if sel & 2 != 0 { offset.as_ptr() } else { null() },
                if sel & 4 != 0 || sel & 1 == 0 { global.as_ptr() } else { null() },
                if sel & 8 != 0 { local.as_ptr() } else { null() },
                list.len() as cl_uint,
                Self::list_ptr(&list),
                evp,
            )
        };
        self.finish_enqueue(
            "clEnqueueNDRangeKernel",
            code,
            &q,
            deps,
            ev,
            &[
                CL_INVALID_PROGRAM_EXECUTABLE,
                CL_INVALID_KERNEL,
                CL_INVALID_KERNEL_ARGS,
                CL_INVALID_WORK_DIMENSION,
                CL_INVALID_GLOBAL_WORK_SIZE,
                CL_INVALID_GLOBAL_OFFSET,
                CL_INVALID_WORK_GROUP_SIZE,
                CL_INVALID_WORK_ITEM_SIZE,
                CL_MISALIGNED_SUB_BUFFER_OFFSET,
                CL_INVALID_VALUE,
                CL_MEM_OBJECT_ALLOCATION_FAILURE,
                CL_INVALID_MEM_OBJECT,
            ],
        );
    }

    unsafe fn marker_barrier(&mut self, b: &mut Bytes) {
        let (q, list, deps, want_event) = self.begin(b);
        let mut ev: cl_event = null_mut();
        let evp = if want_event { &mut ev as *mut cl_event } else { null_mut() };
        let qp = q.ptr as cl_command_queue;
        let n = list.len() as cl_uint;
        let (call, code) = match b.u8() % 5 {
            0 => ("clEnqueueMarkerWithWaitList", clEnqueueMarkerWithWaitList(qp, n, Self::list_ptr(&list), evp)),
            1 => ("clEnqueueBarrierWithWaitList", clEnqueueBarrierWithWaitList(qp, n, Self::list_ptr(&list), evp)),
            2 => ("clEnqueueMarker", clEnqueueMarker(qp, evp)),
            3 => ("clEnqueueBarrier", clEnqueueBarrier(qp)),
            _ => ("clEnqueueWaitForEvents", clEnqueueWaitForEvents(qp, n, Self::list_ptr(&list))),
        };
        self.finish_enqueue(call, code, &q, deps, ev, &[CL_INVALID_VALUE, CL_INVALID_EVENT]);
    }

    unsafe fn set_user_status(&mut self, b: &mut Bytes) {
        let e = self.pick(b, Kind::Event);
        let status = b.pick(&[CL_COMPLETE, CL_COMPLETE, -1, -9999, CL_RUNNING, 5, i32::MIN]);
        let code = clSetUserEventStatus(e.ptr as cl_event, status);
        expect("clSetUserEventStatus", code, &[CL_SUCCESS, CL_INVALID_EVENT, CL_INVALID_VALUE, CL_INVALID_OPERATION]);
        if let Some(entry) = self.user.iter_mut().find(|(p, _)| *p == e.ptr) {
            match (entry.1, code) {
                (UserState::Unset, CL_SUCCESS) | (UserState::Pending, CL_SUCCESS) => entry.1 = UserState::Set,
                (UserState::Unset, CL_INVALID_OPERATION) => fail("clSetUserEventStatus: an unset user event reported as set".into()),
                (UserState::Set, CL_SUCCESS) => fail("clSetUserEventStatus succeeded twice".into()),
                (UserState::Pending, CL_INVALID_OPERATION) => entry.1 = UserState::Set,
                _ => {}
            }
        } else if code == CL_SUCCESS {
            fail("clSetUserEventStatus succeeded on a non-user event".into());
        }
    }

    unsafe fn set_callback(&mut self, b: &mut Bytes) {
        let e = self.pick(b, Kind::Event);
        let ty = b.pick(&[CL_COMPLETE, CL_COMPLETE, CL_SUBMITTED, CL_RUNNING, CL_QUEUED, -1]);
        let action = b.u8() % 6;
        let user_event = if self.user.is_empty() { 0 } else { self.user[b.u8() as usize % self.user.len()].0 };
        let queue = if self.queues.is_empty() { 0 } else { self.queues[b.u8() as usize % self.queues.len()] };
        let action = match action {
            2 if user_event == 0 => 0,
            3 | 4 if queue == 0 => 0,
            a => a,
        };
        let rec = Arc::new(CallbackRecord {
            event: e.ptr,
            ty,
            action,
            user_event,
            queue,
            fired: AtomicU32::new(0),
            returned: AtomicU32::new(0),
            status: AtomicI32::new(i32::MAX),
            seen_event: AtomicUsize::new(0),
            violations: Mutex::new(Vec::new()),
        });
        let pfn = if b.one_in(16) { None } else { Some(on_event as unsafe extern "C" fn(cl_event, cl_int, *mut c_void)) };
        let code = clSetEventCallback(e.ptr as cl_event, ty, pfn, Arc::as_ptr(&rec) as *mut c_void);
        expect("clSetEventCallback", code, &[CL_SUCCESS, CL_INVALID_EVENT, CL_INVALID_VALUE]);
        if code == CL_SUCCESS {
            if !e.valid || pfn.is_none() || ![CL_COMPLETE, CL_SUBMITTED, CL_RUNNING].contains(&ty) {
                fail(format!("clSetEventCallback(valid={}, type {ty}) succeeded", e.valid));
            }
            if action == 2 {
                if let Some(entry) = self.user.iter_mut().find(|(p, _)| *p == user_event) {
                    if entry.1 == UserState::Unset {
                        entry.1 = UserState::Pending;
                    }
                }
            }
            self.callbacks.push(rec);
        }
    }

    unsafe fn wait(&mut self, b: &mut Bytes) {
        let (list, deps, _) = self.wait_list(b);
        // clWaitForEvents flushes the queues of the events it waits for.
        let queues: Vec<usize> = list.iter().filter_map(|e| self.event_queue.get(&(*e as usize)).copied()).collect();
        if self.blocked(&deps, &queues) {
            return;
        }
        let n = if b.one_in(16) { list.len() as cl_uint + 1 } else { list.len() as cl_uint };
        let lp = if n as usize > list.len() { null() } else { Self::list_ptr(&list) };
        let code = clWaitForEvents(n, lp);
        expect(
            "clWaitForEvents",
            code,
            &[CL_SUCCESS, CL_INVALID_VALUE, CL_INVALID_CONTEXT, CL_INVALID_EVENT, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST],
        );
        if code == CL_SUCCESS || code == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST {
            for q in queues {
                self.flushed(q);
            }
        }
    }

    unsafe fn flush_finish(&mut self, b: &mut Bytes) {
        let q = self.pick(b, Kind::Queue);
        let finish = b.bool() && !(q.valid && self.blocked(&self.deps_of(q.ptr), &[q.ptr]));
        let code = if finish { clFinish(q.ptr as cl_command_queue) } else { clFlush(q.ptr as cl_command_queue) };
        expect("clFlush/clFinish", code, &[CL_SUCCESS, CL_INVALID_COMMAND_QUEUE, CL_OUT_OF_RESOURCES]);
        if q.valid != (code == CL_SUCCESS) {
            fail(format!("clFlush/clFinish on a queue valid={} -> {code}", q.valid));
        }
        if code == CL_SUCCESS {
            self.flushed(q.ptr);
        }
    }

    unsafe fn retain_release(&mut self, b: &mut Bytes) {
        let kind = b.pick(&[Kind::Context, Kind::Queue, Kind::Mem, Kind::Program, Kind::Kernel, Kind::Event, Kind::Device]);
        let h = self.pick(b, kind);
        let live = self.live.iter().position(|l| l.ptr == h.ptr && l.kind == kind);
        // Never drop references the interpreter does not own (a released handle that other
        // objects still retain): that is the application's undefined behaviour, not ours.
        if live.is_none() && h.valid && kind != Kind::Device {
            return;
        }
        let retain = b.bool();
        let p = h.ptr as *mut c_void;
        let code = match (kind, retain) {
            (Kind::Context, true) => clRetainContext(p as _),
            (Kind::Context, false) => clReleaseContext(p as _),
            (Kind::Queue, true) => clRetainCommandQueue(p as _),
            (Kind::Queue, false) => clReleaseCommandQueue(p as _),
            (Kind::Mem, true) => clRetainMemObject(p as _),
            (Kind::Mem, false) => clReleaseMemObject(p as _),
            (Kind::Program, true) => clRetainProgram(p as _),
            (Kind::Program, false) => clReleaseProgram(p as _),
            (Kind::Kernel, true) => clRetainKernel(p as _),
            (Kind::Kernel, false) => clReleaseKernel(p as _),
            (Kind::Event, true) => clRetainEvent(p as _),
            (Kind::Event, false) => clReleaseEvent(p as _),
            (_, true) => clRetainDevice(p as _),
            (_, false) => clReleaseDevice(p as _),
        };
        let want = if h.valid { CL_SUCCESS } else { kind.invalid_code() };
        expect(&format!("clRetain/Release {kind:?} valid={}", h.valid), code, &[want]);
        if let Some(i) = live {
            if retain {
                self.live[i].refs += 1;
            } else {
                self.live[i].refs -= 1;
                if self.live[i].refs == 0 {
                    let l = self.live.swap_remove(i);
                    self.stale.push((l.ptr, l.kind));
                }
            }
        }
    }

    unsafe fn info(&mut self, b: &mut Bytes) {
        let size = b.pick(&[0usize, 1, 4, 8, 16, 256, 4096]);
        let mut value = vec![0u8; size];
        let vp = if b.one_in(4) { null_mut() } else { value.as_mut_ptr() as *mut c_void };
        let mut ret = 0usize;
        let rp = if b.bool() { &mut ret as *mut usize } else { null_mut() };
        let sel = b.u8() % 8;
        let garbage = b.one_in(8);
        let (call, h, code) = match sel {
            0 => {
                let h = self.pick(b, Kind::Context);
                let name = if garbage { 0x7FFF } else { 0x1080 + b.u8() as cl_uint % 5 };
                ("clGetContextInfo", h.valid, clGetContextInfo(h.ptr as _, name, size, vp, rp))
            }
            1 => {
                let h = self.pick(b, Kind::Queue);
                let name = if garbage { 0x7FFF } else { 0x1090 + b.u8() as cl_uint % 10 };
                ("clGetCommandQueueInfo", h.valid, clGetCommandQueueInfo(h.ptr as _, name, size, vp, rp))
            }
            2 => {
                let h = self.pick(b, Kind::Mem);
                let name = if garbage { 0x7FFF } else { 0x1100 + b.u8() as cl_uint % 11 };
                ("clGetMemObjectInfo", h.valid, clGetMemObjectInfo(h.ptr as _, name, size, vp, rp))
            }
            3 => {
                let h = self.pick(b, Kind::Program);
                let name = if garbage { 0x7FFF } else { 0x1160 + b.u8() as cl_uint % 12 };
                ("clGetProgramInfo", h.valid, clGetProgramInfo(h.ptr as _, name, size, vp, rp))
            }
            4 => {
                let h = self.pick(b, Kind::Program);
                let name = if garbage { 0x7FFF } else { 0x1181 + b.u8() as cl_uint % 5 };
                ("clGetProgramBuildInfo", h.valid, clGetProgramBuildInfo(h.ptr as _, self.device, name, size, vp, rp))
            }
            5 => {
                let h = self.pick(b, Kind::Kernel);
                let name = if garbage { 0x7FFF } else { 0x1190 + b.u8() as cl_uint % 6 };
                ("clGetKernelInfo", h.valid, clGetKernelInfo(h.ptr as _, name, size, vp, rp))
            }
            6 => {
                let h = self.pick(b, Kind::Kernel);
                let name = if garbage { 0x7FFF } else { 0x1196 + b.u8() as cl_uint % 5 };
                let idx = b.u8() as cl_uint % 6;
                ("clGetKernelArgInfo", h.valid, clGetKernelArgInfo(h.ptr as _, idx, name, size, vp, rp))
            }
            _ => {
                let h = self.pick(b, Kind::Event);
                if b.bool() {
                    let name = if garbage { 0x7FFF } else { 0x11D0 + b.u8() as cl_uint % 5 };
                    ("clGetEventInfo", h.valid, clGetEventInfo(h.ptr as _, name, size, vp, rp))
                } else {
                    let name = if garbage { 0x7FFF } else { 0x1280 + b.u8() as cl_uint % 5 };
                    ("clGetEventProfilingInfo", h.valid, clGetEventProfilingInfo(h.ptr as _, name, size, vp, rp))
                }
            }
        };
        expect(
            call,
            code,
            &[
                CL_SUCCESS,
                CL_INVALID_VALUE,
                CL_INVALID_CONTEXT,
                CL_INVALID_COMMAND_QUEUE,
                CL_INVALID_MEM_OBJECT,
                CL_INVALID_PROGRAM,
                CL_INVALID_DEVICE,
                CL_INVALID_KERNEL,
                CL_INVALID_EVENT,
                CL_INVALID_PROGRAM_EXECUTABLE,
                CL_INVALID_ARG_INDEX,
                CL_KERNEL_ARG_INFO_NOT_AVAILABLE,
                CL_PROFILING_INFO_NOT_AVAILABLE,
            ],
        );
        if !h && code == CL_SUCCESS {
            fail(format!("{call} succeeded on an invalid handle"));
        }
        if code == CL_SUCCESS && !rp.is_null() && !vp.is_null() && ret > size {
            fail(format!("{call} wrote {ret} bytes into {size}"));
        }
    }

    unsafe fn map_unmap(&mut self, b: &mut Bytes) {
        if b.bool() && !self.mapped.is_empty() {
            let i = b.u8() as usize % self.mapped.len();
            let (q, m, ptr, _) = self.mapped[i];
            let qd = self.deps_of(q);
            let bad = b.one_in(8);
            let mut ev: cl_event = null_mut();
            let p = if bad { ptr.wrapping_add(1) } else { ptr };
            let code = clEnqueueUnmapMemObject(q as _, m as _, p as *mut c_void, 0, null(), &mut ev);
            let pq = Pick { ptr: q, valid: is_kind(q as *const c_void, Kind::Queue) };
            self.finish_enqueue("clEnqueueUnmapMemObject", code, &pq, qd, ev, &[CL_INVALID_MEM_OBJECT, CL_INVALID_VALUE]);
            if code == CL_SUCCESS {
                self.mapped.swap_remove(i);
            }
            return;
        }
        let (q, list, deps, want_event) = self.begin(b);
        let m = self.pick(b, Kind::Mem);
        let flags: cl_map_flags = b.pick(&[CL_MAP_READ, CL_MAP_WRITE, CL_MAP_READ | CL_MAP_WRITE, CL_MAP_WRITE_INVALIDATE_REGION, 1 << 20]);
        let (offset, size) = (b.size(), b.size());
        let blocking = b.bool() && !self.blocked(&deps, &[q.ptr]);
        let mut ev: cl_event = null_mut();
        let evp = if want_event { &mut ev as *mut cl_event } else { null_mut() };
        let mut err = 0;
        let p = clEnqueueMapBuffer(
            q.ptr as _,
            m.ptr as _,
            blocking as cl_bool,
            flags,
            offset,
            size,
            list.len() as cl_uint,
            Self::list_ptr(&list),
            evp,
            &mut err,
        );
        self.finish_enqueue(
            "clEnqueueMapBuffer",
            err,
            &q,
            deps,
            ev,
            &[
                CL_INVALID_MEM_OBJECT,
                CL_INVALID_VALUE,
                CL_INVALID_OPERATION,
                CL_MAP_FAILURE,
                CL_MEM_OBJECT_ALLOCATION_FAILURE,
                CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST,
            ],
        );
        if err == CL_SUCCESS {
            if p.is_null() {
                fail("clEnqueueMapBuffer succeeded with NULL".into());
            }
            let serial = self.serial.get(&m.ptr).copied().unwrap_or(0);
            self.mapped.push((q.ptr, m.ptr, p as usize, serial));
        }
    }

    unsafe fn rect(&mut self, b: &mut Bytes) {
        let (q, list, deps, want_event) = self.begin(b);
        let m = self.pick(b, Kind::Mem);
        let small = |b: &mut Bytes| b.pick(&[0usize, 1, 2, 4, 8, 16, 1 << 40]);
        let (bo, ho, region) = ([small(b), small(b), small(b)], [small(b), 0, 0], [small(b), small(b), small(b)]);
        let (brp, bsp, hrp, hsp) = (b.size(), b.size(), b.size(), b.size());
        let mut ev: cl_event = null_mut();
        let evp = if want_event { &mut ev as *mut cl_event } else { null_mut() };
        if b.one_in(3) {
            let dst = self.pick(b, Kind::Mem);
            let code = clEnqueueCopyBufferRect(
                q.ptr as _,
                m.ptr as _,
                dst.ptr as _,
                bo.as_ptr(),
                ho.as_ptr(),
                region.as_ptr(),
                brp,
                bsp,
                hrp,
                hsp,
                list.len() as cl_uint,
                Self::list_ptr(&list),
                evp,
            );
            self.finish_enqueue(
                "clEnqueueCopyBufferRect",
                code,
                &q,
                deps,
                ev,
                &[CL_INVALID_MEM_OBJECT, CL_INVALID_VALUE, CL_MEM_COPY_OVERLAP, CL_MEM_OBJECT_ALLOCATION_FAILURE],
            );
            return;
        }
        // The host side of a rect transfer must hold the whole host rectangle: compute its
        // extent and only hand over memory that large (else skip: the call would be ours to break).
        let row = if hrp == 0 { region[0] } else { hrp }.max(region[0]);
        let slice = if hsp == 0 { row.saturating_mul(region[1]) } else { hsp }.max(row.saturating_mul(region[1]));
        let extent = ho[0].saturating_add(slice.saturating_mul(region[2].max(1)));
        if extent > HOST_CAP {
            return;
        }
        let mut host = vec![0u8; extent.max(1)];
        let blocking = b.bool() && !self.blocked(&deps, &[q.ptr]);
        let (call, code) = if b.bool() {
            (
                "clEnqueueReadBufferRect",
                clEnqueueReadBufferRect(
                    q.ptr as _,
                    m.ptr as _,
                    blocking as cl_bool,
                    bo.as_ptr(),
                    ho.as_ptr(),
                    region.as_ptr(),
                    brp,
                    bsp,
                    hrp,
                    hsp,
                    host.as_mut_ptr() as *mut c_void,
                    list.len() as cl_uint,
                    Self::list_ptr(&list),
                    evp,
                ),
            )
        } else {
            (
                "clEnqueueWriteBufferRect",
                clEnqueueWriteBufferRect(
                    q.ptr as _,
                    m.ptr as _,
                    blocking as cl_bool,
                    bo.as_ptr(),
                    ho.as_ptr(),
                    region.as_ptr(),
                    brp,
                    bsp,
                    hrp,
                    hsp,
                    host.as_ptr() as *const c_void,
                    list.len() as cl_uint,
                    Self::list_ptr(&list),
                    evp,
                ),
            )
        };
        self.host.push(host);
        self.finish_enqueue(
            call,
            code,
            &q,
            deps,
            ev,
            &[
                CL_INVALID_MEM_OBJECT,
                CL_INVALID_VALUE,
                CL_MEM_OBJECT_ALLOCATION_FAILURE,
                CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST,
                CL_INVALID_OPERATION,
            ],
        );
    }

    unsafe fn mem_destructor(&mut self, b: &mut Bytes) {
        let m = self.pick(b, Kind::Mem);
        let counter = Arc::new(AtomicU32::new(0));
        let pfn = if b.one_in(8) { None } else { Some(on_mem_destroyed as unsafe extern "C" fn(cl_mem, *mut c_void)) };
        let code = clSetMemObjectDestructorCallback(m.ptr as _, pfn, Arc::as_ptr(&counter) as *mut c_void);
        expect("clSetMemObjectDestructorCallback", code, &[CL_SUCCESS, CL_INVALID_MEM_OBJECT, CL_INVALID_VALUE]);
        if code == CL_SUCCESS {
            self.mem_destructors.push((counter, m.ptr));
        }
    }

    /// A random NUL-terminated option string made of `OPTION_PARTS`.
    fn random_options(b: &mut Bytes) -> Vec<u8> {
        let mut o = Vec::new();
        for i in 0..b.u8() % 5 {
            if i > 0 {
                o.push(b' ');
            }
            o.extend_from_slice(b.pick(OPTION_PARTS));
        }
        o.push(0);
        o
    }

    /// A notification record for a build call, its `pfn_notify` and `user_data`: usually a
    /// notification; sometimes none, with or without (invalid) user data.
    fn build_notify_args(&self, b: &mut Bytes) -> (Arc<BuildRecord>, ProgramNotify, *mut c_void) {
        let rec = Arc::new(BuildRecord {
            device: self.device as usize,
            fired: AtomicU32::new(0),
            returned: AtomicU32::new(0),
            program_seen: AtomicUsize::new(0),
            status_seen: AtomicI32::new(0),
        });
        let with_notify = !b.one_in(8);
        let ud = if with_notify || b.bool() { Arc::as_ptr(&rec) as *mut c_void } else { null_mut() };
        (rec, with_notify.then_some(on_build as unsafe extern "C" fn(cl_program, *mut c_void)), ud)
    }

    /// A program from `src` on `ctx` (added to the pool), or None if the context is invalid.
    unsafe fn program_from(&mut self, ctx: usize, src: &str) -> Option<cl_program> {
        let strings = [src.as_ptr() as *const c_char];
        let lengths = [src.len()];
        let mut err = 0;
        let p = clCreateProgramWithSource(ctx as cl_context, 1, strings.as_ptr() as *mut _, lengths.as_ptr(), &mut err);
        expect("clCreateProgramWithSource(fresh)", err, &[CL_SUCCESS, CL_INVALID_CONTEXT]);
        if p.is_null() {
            return None;
        }
        self.add(p as usize, Kind::Program, ctx);
        Some(p)
    }

    unsafe fn build_status(&self, p: cl_program) -> cl_build_status {
        let mut st: cl_build_status = 99;
        let code = clGetProgramBuildInfo(p, self.device, CL_PROGRAM_BUILD_STATUS, 4, &mut st as *mut _ as *mut c_void, null_mut());
        expect("clGetProgramBuildInfo(CL_PROGRAM_BUILD_STATUS)", code, &[CL_SUCCESS]);
        st
    }

    /// After a build call with a notification: it must fire iff the call succeeded, and the
    /// status is never NONE again.
    fn note_build(&mut self, p: usize) {
        *self.build_calls.entry(p).or_insert(0) += 1;
    }

    unsafe fn built_with_notify(&mut self, rec: Arc<BuildRecord>, notify: ProgramNotify, code: cl_int, p: usize) {
        let fires = notify.is_some() && code == CL_SUCCESS;
        if fires {
            let st = self.build_status(p as cl_program);
            if ![CL_BUILD_IN_PROGRESS, CL_BUILD_SUCCESS as cl_int, CL_BUILD_ERROR].contains(&st) {
                fail(format!("build status {st} right after a build with a notification began"));
            }
        }
        let calls = self.build_calls.get(&p).copied().unwrap_or(0);
        self.builds.push((rec, fires.then_some(p), calls));
    }

    unsafe fn build_notify(&mut self, b: &mut Bytes) {
        let p = self.pick(b, Kind::Program);
        let opts = Self::random_options(b);
        let (rec, notify, ud) = self.build_notify_args(b);
        self.note_build(p.ptr);
        let code = clBuildProgram(p.ptr as cl_program, 0, null(), opts.as_ptr() as *const c_char, notify, ud);
        expect(
            "clBuildProgram(notify)",
            code,
            &[CL_SUCCESS, CL_INVALID_PROGRAM, CL_INVALID_VALUE, CL_INVALID_BUILD_OPTIONS, CL_BUILD_PROGRAM_FAILURE, CL_INVALID_OPERATION],
        );
        let stray = notify.is_none() && !ud.is_null();
        let want = if !p.valid {
            Some(CL_INVALID_PROGRAM)
        } else if stray && std::str::from_utf8(&opts).is_ok() {
            Some(CL_INVALID_VALUE)
        } else {
            None
        };
        if want.is_some_and(|w| w != code) {
            fail(format!("clBuildProgram(notify) -> {code}, want {want:?}"));
        }
        self.built_with_notify(rec, notify, code, p.ptr);
        if p.valid && b.bool() {
            // A second build at once: refused while the first is in progress.
            self.note_build(p.ptr);
            let again = clBuildProgram(p.ptr as cl_program, 0, null(), null(), None, null_mut());
            expect("clBuildProgram(again)", again, &[CL_SUCCESS, CL_BUILD_PROGRAM_FAILURE, CL_INVALID_OPERATION]);
        }
    }

    unsafe fn compile(&mut self, b: &mut Bytes) {
        let ctx = self.pick(b, Kind::Context);
        let p = if b.bool() {
            let ptr = self.program_from(ctx.ptr, INCLUDING_SOURCE).map_or(0, |p| p as usize);
            Pick { ptr, valid: ptr != 0 }
        } else {
            self.pick(b, Kind::Program)
        };
        let mut headers = Vec::new();
        let mut names = Vec::new();
        for _ in 0..b.u8() % 4 {
            let h = if b.bool() {
                let src = b.pick(HEADER_SOURCES);
                self.program_from(ctx.ptr, src).map_or(0, |p| p as usize)
            } else {
                self.pick(b, Kind::Program).ptr
            };
            headers.push(h as cl_program);
            names.push(b.pick(HEADER_NAMES).as_ptr() as *const c_char);
        }
        // Mostly consistent lists; sometimes one of them NULL (or both non-NULL but empty).
        let shape = b.u8() % 8;
        let hp = if shape == 0 || (headers.is_empty() && shape != 1) { null() } else { headers.as_ptr() };
        let np = if shape == 2 || (headers.is_empty() && shape != 1) { null_mut() } else { names.as_mut_ptr() };
        let opts = Self::random_options(b);
        let (rec, notify, ud) = self.build_notify_args(b);
        // A header program made above may have reused a stale program's address.
        let p = Pick { ptr: p.ptr, valid: is_kind(p.ptr as *const c_void, Kind::Program) };
        self.note_build(p.ptr);
        let code = clCompileProgram(
            p.ptr as cl_program,
            0,
            null(),
            opts.as_ptr() as *const c_char,
            headers.len() as cl_uint,
            hp,
            np,
            notify,
            ud,
        );
        expect(
            "clCompileProgram",
            code,
            &[
                CL_SUCCESS,
                CL_INVALID_PROGRAM,
                CL_INVALID_VALUE,
                CL_INVALID_COMPILER_OPTIONS,
                CL_INVALID_OPERATION,
                CL_COMPILE_PROGRAM_FAILURE,
            ],
        );
        if !p.valid && code != CL_INVALID_PROGRAM {
            fail(format!("clCompileProgram of an invalid program -> {code}"));
        }
        if p.valid && notify.is_none() && !ud.is_null() && code == CL_SUCCESS {
            fail("clCompileProgram accepted user data without pfn_notify".into());
        }
        self.built_with_notify(rec, notify, code, p.ptr);
    }

    unsafe fn link(&mut self, b: &mut Bytes) {
        let ctx = self.pick(b, Kind::Context);
        let mut inputs = Vec::new();
        for _ in 0..b.u8() % 4 {
            inputs.push(self.pick(b, Kind::Program).ptr as cl_program);
        }
        let list = if b.one_in(8) { null() } else { inputs.as_ptr() };
        let opts = Self::random_options(b);
        let (rec, notify, ud) = self.build_notify_args(b);
        let mut err = 0;
        let p = clLinkProgram(
            ctx.ptr as cl_context,
            0,
            null(),
            opts.as_ptr() as *const c_char,
            inputs.len() as cl_uint,
            list,
            notify,
            ud,
            &mut err,
        );
        expect(
            "clLinkProgram",
            err,
            &[
                CL_SUCCESS,
                CL_INVALID_CONTEXT,
                CL_INVALID_VALUE,
                CL_INVALID_PROGRAM,
                CL_INVALID_DEVICE,
                CL_INVALID_LINKER_OPTIONS,
                CL_INVALID_OPERATION,
                CL_LINK_PROGRAM_FAILURE,
                CL_LINKER_NOT_AVAILABLE,
            ],
        );
        if (err == CL_SUCCESS) == p.is_null() {
            fail(format!("clLinkProgram: code {err} with result {p:?}"));
        }
        if !ctx.valid && err != CL_INVALID_CONTEXT {
            fail(format!("clLinkProgram on an invalid context -> {err}"));
        }
        if !p.is_null() {
            self.add(p as usize, Kind::Program, ctx.ptr);
        }
        let code = if p.is_null() { err } else { CL_SUCCESS };
        self.built_with_notify(rec, notify, code, p as usize);
    }

    unsafe fn create_context_notify(&mut self, b: &mut Bytes) {
        let rec = Arc::new(ContextNotifyRecord { context: AtomicU64::new(0), calls: AtomicU32::new(0), shared: self.shared.clone() });
        let with_notify = !b.one_in(8);
        let stray = !with_notify && b.bool();
        let ud = if with_notify || stray { Arc::as_ptr(&rec) as *mut c_void } else { null_mut() };
        let pfn = with_notify.then_some(on_context_error as unsafe extern "C" fn(*const c_char, *const c_void, usize, *mut c_void));
        let props: [cl_context_properties; 3] = [CL_CONTEXT_PLATFORM as isize, self.platform as isize, 0];
        let mut err = 0;
        let c = if b.bool() {
            clCreateContext(props.as_ptr(), 1, &self.device, pfn, ud, &mut err)
        } else {
            clCreateContextFromType(props.as_ptr(), CL_DEVICE_TYPE_ALL, pfn, ud, &mut err)
        };
        expect("clCreateContext*(notify)", err, &[if stray { CL_INVALID_VALUE } else { CL_SUCCESS }]);
        if c.is_null() {
            return;
        }
        self.add(c as usize, Kind::Context, c as usize);
        rec.context.store(self.serial[&(c as usize)], Ordering::SeqCst);
        self.notifies.push(rec);
        for _ in 0..b.u8() % 3 {
            self.register_lifetime(c as usize, Kind::Context, true);
        }
    }

    /// Registers a destructor (context) or release (program) callback on `ptr`, which the
    /// caller says is `valid` or not; `with_pfn` false passes a NULL `pfn_notify`.
    unsafe fn register_lifetime(&mut self, ptr: usize, kind: Kind, with_pfn: bool) {
        let object = self.serial.get(&ptr).copied().unwrap_or(0);
        let context = (kind == Kind::Program).then(|| self.context_of.get(&ptr).and_then(|c| self.serial.get(c)).copied().unwrap_or(0));
        let rec = Arc::new(LifetimeRecord {
            ptr,
            object,
            context,
            nth: self.registered.get(&object).copied().unwrap_or(0),
            fired: AtomicU32::new(0),
            shared: self.shared.clone(),
        });
        let ud = Arc::as_ptr(&rec) as *mut c_void;
        let valid = is_kind(ptr as *const c_void, kind);
        let code = if kind == Kind::Context {
            clSetContextDestructorCallback(ptr as cl_context, with_pfn.then_some(on_context_destroyed as _), ud)
        } else {
            clSetProgramReleaseCallback(ptr as cl_program, with_pfn.then_some(on_program_released as _), ud)
        };
        // wgcl supports program release callbacks (3.0 lets it refuse with INVALID_OPERATION).
        let want = if !valid {
            kind.invalid_code()
        } else if !with_pfn {
            CL_INVALID_VALUE
        } else {
            CL_SUCCESS
        };
        expect(&format!("set a {kind:?} lifetime callback"), code, &[want]);
        if code == CL_SUCCESS {
            *self.registered.entry(object).or_default() += 1;
            self.lifetimes.push(rec);
        }
    }

    unsafe fn context_destructor(&mut self, b: &mut Bytes) {
        let c = self.pick(b, Kind::Context);
        self.register_lifetime(c.ptr, Kind::Context, !b.one_in(8));
    }

    unsafe fn program_release_callback(&mut self, b: &mut Bytes) {
        let p = self.pick(b, Kind::Program);
        self.register_lifetime(p.ptr, Kind::Program, !b.one_in(8));
    }

    /// A context, queue, buffer, user event and built program with a kernel, so that even
    /// short inputs reach the interesting calls.
    unsafe fn prelude(&mut self) {
        let mut err = 0;
        let ctx = clCreateContext(null(), 1, &self.device, None, null_mut(), &mut err);
        expect("clCreateContext(prelude)", err, &[CL_SUCCESS]);
        self.add(ctx as usize, Kind::Context, ctx as usize);
        let q = clCreateCommandQueueWithProperties(ctx, self.device, null(), &mut err);
        expect("clCreateCommandQueueWithProperties(prelude)", err, &[CL_SUCCESS]);
        self.add(q as usize, Kind::Queue, ctx as usize);
        expect("clRetainCommandQueue(keeper)", clRetainCommandQueue(q), &[CL_SUCCESS]);
        self.queues.push(q as usize);
        self.deps.insert(q as usize, Deps::new());
        self.epoch.insert(q as usize, 0);
        for size in [1024, 4096] {
            let m = clCreateBuffer(ctx, CL_MEM_READ_WRITE, size, null_mut(), &mut err);
            expect("clCreateBuffer(prelude)", err, &[CL_SUCCESS]);
            self.add(m as usize, Kind::Mem, ctx as usize);
            self.mem_size.insert(m as usize, size);
        }
        let e = clCreateUserEvent(ctx, &mut err);
        expect("clCreateUserEvent(prelude)", err, &[CL_SUCCESS]);
        self.add(e as usize, Kind::Event, ctx as usize);
        expect("clRetainEvent(keeper)", clRetainEvent(e), &[CL_SUCCESS]);
        self.user.push((e as usize, UserState::Unset));
        self.deps.insert(e as usize, BTreeSet::from([Dep::User(e as usize)]));
        let src = SOURCES[1];
        let strings = [src.as_ptr() as *const c_char];
        let lengths = [src.len()];
        let p = clCreateProgramWithSource(ctx, 1, strings.as_ptr() as *mut _, lengths.as_ptr(), &mut err);
        expect("clCreateProgramWithSource(prelude)", err, &[CL_SUCCESS]);
        self.add(p as usize, Kind::Program, ctx as usize);
        self.note_build(p as usize);
        expect("clBuildProgram(prelude)", clBuildProgram(p, 0, null(), null(), None, null_mut()), &[CL_SUCCESS]);
        let k = clCreateKernel(p, c"saxpy".as_ptr(), &mut err);
        expect("clCreateKernel(prelude)", err, &[CL_SUCCESS]);
        self.add(k as usize, Kind::Kernel, ctx as usize);
    }

    /// Sets every user event, finishes every queue, and checks the callbacks.
    unsafe fn settle(&mut self, fail_user_events: bool) {
        for (e, st) in self.user.clone() {
            if st != UserState::Set {
                let code = clSetUserEventStatus(e as cl_event, if fail_user_events { -77 } else { CL_COMPLETE });
                let allowed: &[cl_int] = if st == UserState::Pending { &[CL_SUCCESS, CL_INVALID_OPERATION] } else { &[CL_SUCCESS] };
                expect("clSetUserEventStatus(settle)", code, allowed);
            }
        }
        for st in self.user.iter_mut() {
            st.1 = UserState::Set;
        }
        // Flush every queue first: a queue's commands may wait for another queue's.
        let finish_all = |queues: &[usize]| {
            for q in queues {
                expect("clFlush(settle)", clFlush(*q as cl_command_queue), &[CL_SUCCESS]);
            }
            for q in queues {
                expect("clFinish(settle)", clFinish(*q as cl_command_queue), &[CL_SUCCESS]);
            }
        };
        finish_all(&self.queues);
        // Callbacks run on the callback thread; give them time (a lost callback fails).
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.callbacks.iter().any(|r| r.returned.load(Ordering::SeqCst) == 0) {
            if Instant::now() > deadline {
                let lost: Vec<_> =
                    self.callbacks.iter().filter(|r| r.returned.load(Ordering::SeqCst) == 0).map(|r| (r.event, r.ty)).collect();
                fail(format!("event callbacks never fired: {lost:x?}"));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Build notifications come from build threads.
        while self.builds.iter().any(|(r, p, _)| p.is_some() && r.returned.load(Ordering::SeqCst) == 0) {
            if Instant::now() > deadline {
                fail("a build notification never fired".into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Callbacks may have enqueued markers.
        finish_all(&self.queues);
        for r in &self.callbacks {
            let fired = r.fired.load(Ordering::SeqCst);
            let status = r.status.load(Ordering::SeqCst);
            if fired != 1 {
                fail(format!("callback for type {} on {:#x} fired {fired} times", r.ty, r.event));
            }
            if status != r.ty && status >= 0 {
                fail(format!("callback for type {} called with status {status}", r.ty));
            }
            if r.seen_event.load(Ordering::SeqCst) != r.event {
                fail("callback got another event".into());
            }
            if let Some(v) = r.violations.lock().unwrap().first() {
                fail(v.clone());
            }
        }
    }

    /// Releases every reference the interpreter holds; mem destructors must then have run.
    unsafe fn release_all(&mut self) {
        // Nothing is created from here on (settled callbacks enqueue no more markers).
        self.shared.quiescent.store(true, Ordering::SeqCst);
        for (q, m, p, m_serial) in std::mem::take(&mut self.mapped) {
            let code = clEnqueueUnmapMemObject(q as _, m as _, p as *mut c_void, 0, null(), null_mut());
            // A buffer released since the map may have left its address to a new buffer of
            // another context: then the queue and the buffer disagree on their context.
            let same = self.live.iter().any(|l| l.ptr == m) && self.serial.get(&m) == Some(&m_serial);
            let allowed: &[cl_int] = if same {
                &[CL_SUCCESS, CL_INVALID_MEM_OBJECT, CL_INVALID_VALUE]
            } else {
                &[CL_SUCCESS, CL_INVALID_MEM_OBJECT, CL_INVALID_VALUE, CL_INVALID_CONTEXT]
            };
            expect("clEnqueueUnmapMemObject(release)", code, allowed);
        }
        for q in &self.queues {
            expect("clFlush(release)", clFlush(*q as cl_command_queue), &[CL_SUCCESS]);
        }
        for q in &self.queues {
            expect("clFinish(release)", clFinish(*q as cl_command_queue), &[CL_SUCCESS]);
        }
        // Children before parents is not required (handles retain their parents), so any
        // order works; release kernels and events first to exercise the other orders too.
        for l in std::mem::take(&mut self.live) {
            for _ in 0..l.refs {
                let code = match l.kind {
                    Kind::Context => clReleaseContext(l.ptr as _),
                    Kind::Queue => clReleaseCommandQueue(l.ptr as _),
                    Kind::Mem => clReleaseMemObject(l.ptr as _),
                    Kind::Program => clReleaseProgram(l.ptr as _),
                    Kind::Kernel => clReleaseKernel(l.ptr as _),
                    Kind::Event => clReleaseEvent(l.ptr as _),
                    Kind::Device => clReleaseDevice(l.ptr as _),
                    Kind::Platform => CL_SUCCESS,
                };
                expect(&format!("release {:?} at the end", l.kind), code, &[CL_SUCCESS]);
            }
        }
        for (e, _) in std::mem::take(&mut self.user) {
            expect("clReleaseEvent(keeper)", clReleaseEvent(e as _), &[CL_SUCCESS]);
        }
        for q in std::mem::take(&mut self.queues) {
            expect("clReleaseCommandQueue(keeper)", clReleaseCommandQueue(q as _), &[CL_SUCCESS]);
        }
        // Callback registrations hold their event until just after the callback returned.
        let deadline = Instant::now() + Duration::from_secs(60);
        let leaked =
            |created: &[(usize, Kind)]| created.iter().copied().filter(|(p, k)| is_kind(*p as *const c_void, *k)).collect::<Vec<_>>();
        while !leaked(&self.created).is_empty() {
            if Instant::now() > deadline {
                fail(format!("handles still alive after releasing every reference: {:x?}", leaked(&self.created)));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Destructor callbacks run once the runtime lets go of the object (asynchronously).
        while self.mem_destructors.iter().any(|(c, _)| c.load(Ordering::SeqCst) == 0) {
            if Instant::now() > deadline {
                fail("a mem-object destructor callback never ran".into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some((c, m)) = self.mem_destructors.iter().find(|(c, _)| c.load(Ordering::SeqCst) != 1) {
            fail(format!("destructor callback of {m:#x} ran {} times", c.load(Ordering::SeqCst)));
        }
        while self.lifetimes.iter().any(|r| r.fired.load(Ordering::SeqCst) == 0) {
            if Instant::now() > deadline {
                fail("a context destructor or program release callback never ran".into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        drain_callbacks(self.device);
        self.check_callbacks();
    }

    /// Build notifications, error notifications and lifetime callbacks, once all have run.
    fn check_callbacks(&self) {
        for (r, program, calls) in &self.builds {
            let fired = r.fired.load(Ordering::SeqCst);
            if fired != u32::from(program.is_some()) {
                fail(format!("build notification for {program:x?} fired {fired} times"));
            }
            if let Some(p) = program {
                let seen = r.program_seen.load(Ordering::SeqCst);
                if seen != *p {
                    fail(format!("build notification for {p:#x} got {seen:#x}"));
                }
                let st = r.status_seen.load(Ordering::SeqCst);
                // The status is the program's: a build started after this one returned may
                // be running while this notification runs.
                let rebuilt = self.build_calls.get(p).is_some_and(|n| n > calls);
                let in_progress_ok = rebuilt && st == CL_BUILD_IN_PROGRESS;
                if st != CL_BUILD_SUCCESS as cl_int && st != CL_BUILD_ERROR && !in_progress_ok {
                    fail(format!("build status {st} inside the build notification of {p:#x}"));
                }
            }
        }
        if let Some(r) = self.lifetimes.iter().find(|r| r.fired.load(Ordering::SeqCst) != 1) {
            fail(format!("lifetime callback on {:#x} ran {} times", r.ptr, r.fired.load(Ordering::SeqCst)));
        }
        let fired = self.shared.fired.lock().unwrap().clone();
        // Each object's callbacks run in reverse registration order.
        let mut next: HashMap<u64, usize> = HashMap::new();
        for (object, nth, _, _) in &fired {
            let want = next.get(object).copied().unwrap_or_else(|| self.registered[object]) - 1;
            if *nth != want {
                fail(format!("lifetime callback #{nth} of object {object} ran when #{want} was due"));
            }
            next.insert(*object, *nth);
        }
        // A program's release callbacks run before its context's destructor callbacks.
        for (i, (program, _, _, ctx)) in fired.iter().enumerate() {
            let destroyed = fired.iter().position(|(o, _, is_ctx, _)| *is_ctx && Some(*o) == *ctx);
            if destroyed.is_some_and(|j| j < i) {
                fail(format!("release callback of program {program} after its context's destructor"));
            }
        }
        if let Some(v) = self.shared.violations.lock().unwrap().first() {
            fail(v.clone());
        }
    }
}

/// Counts context destructor calls into the `AtomicU32` it was given.
unsafe extern "C" fn on_drain(_context: cl_context, user_data: *mut c_void) {
    // SAFETY: `drain_callbacks` passes an `AtomicU32` it keeps alive until this ran.
    unsafe { &*(user_data as *const AtomicU32) }.fetch_add(1, Ordering::SeqCst);
}

/// Waits until the callback thread ran every callback queued so far (it runs them in FIFO
/// order: a context destroyed now queues its destructor behind them), so no callback can
/// still reach this input's records.
fn drain_callbacks(device: cl_device_id) {
    let done = AtomicU32::new(0);
    let mut err = 0;
    // SAFETY: an out-pointer to a local; `done` outlives the callback (waited for below).
    unsafe {
        let c = clCreateContext(null(), 1, &device, None, null_mut(), &mut err);
        expect("clCreateContext(drain)", err, &[CL_SUCCESS]);
        let code = clSetContextDestructorCallback(c, Some(on_drain), &done as *const AtomicU32 as *mut c_void);
        expect("clSetContextDestructorCallback(drain)", code, &[CL_SUCCESS]);
        expect("clReleaseContext(drain)", clReleaseContext(c), &[CL_SUCCESS]);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while done.load(Ordering::SeqCst) == 0 {
        if Instant::now() > deadline {
            fail("the callback thread never drained".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs one input. Panics when an invariant is violated.
pub fn run(data: &[u8]) {
    install_panic_counter();
    let panics_before = CAUGHT_PANICS.load(Ordering::SeqCst);
    let mut b = Bytes { d: data, i: 0 };
    let mut it = Interp::new();
    let fail_user_events = b.bool();
    // SAFETY: handles the interpreter just made and out-pointers to locals.
    unsafe { it.prelude() };
    let mut steps = 0;
    while !b.at_end() && steps < 256 {
        it.step(&mut b);
        steps += 1;
        let panics = CAUGHT_PANICS.load(Ordering::SeqCst);
        if panics != panics_before {
            fail(format!("libwgcl panicked inside an entry point (step {steps})"));
        }
    }
    // SAFETY: only handles and memory the interpreter owns.
    unsafe {
        it.settle(fail_user_events);
        it.release_all();
    }
    if CAUGHT_PANICS.load(Ordering::SeqCst) != panics_before {
        fail("libwgcl panicked inside an entry point (while settling)".into());
    }
}
