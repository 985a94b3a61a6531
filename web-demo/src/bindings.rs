//! The wasm-bindgen API (wasm32 only). One session per page: `init()` opens the GPU through
//! `navigator.gpu`, makes a context and an in-order, profiling command queue; every other
//! call uses them.
//!
//! Objects handed to JavaScript (buffers, programs, kernels, events) own an `Arc` of the
//! runtime object. Where a call takes a *list* or a *union* of them (wait lists,
//! `setArg`'s value) it finds them again through a small registry of weak references keyed
//! by each object's `id`, so that JavaScript keeps its objects (wasm-bindgen would otherwise
//! move them into Rust).
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, Weak};

use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use parking_lot::Mutex;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use wgcl::kernels::ArgKind;
use wgcl::{CallbackType, CommandQueue, Context, HostInit, KernelArg, MemFlags, MemObject, NdRange, QueueProperties};

use crate::common::{dims, ns_to_ms, status_name, Scalar};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(s: &str);
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(s: &str);
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn console_log(s: &str);
}

#[derive(Clone)]
struct Session {
    device: Arc<wgcl::Device>,
    context: Arc<Context>,
    queue: Arc<CommandQueue>,
}

enum Handle {
    Event(Weak<wgcl::Event>),
    Mem(Weak<MemObject>),
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    static HANDLES: RefCell<HashMap<u32, Handle>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

fn register(h: Handle) -> u32 {
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    HANDLES.with(|m| {
        let mut m = m.borrow_mut();
        // Forget handles whose objects are gone now and then, so the map stays small.
        if id % 256 == 0 {
            m.retain(|_, h| match h {
                Handle::Event(w) => w.strong_count() > 0,
                Handle::Mem(w) => w.strong_count() > 0,
            });
        }
        m.insert(id, h);
    });
    id
}

fn error(msg: impl AsRef<str>) -> JsValue {
    js_sys::Error::new(msg.as_ref()).into()
}

/// A runtime error as a JavaScript `Error` with the OpenCL error number in `code`.
fn cl_error(e: wgcl::Error) -> JsValue {
    let err = js_sys::Error::new(&format!("{e} (OpenCL error {})", e.code()));
    let _ = Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

fn session() -> Result<Session, JsValue> {
    SESSION
        .with(|s| s.borrow().clone())
        .ok_or_else(|| error("wgcl is not initialised: call `await wgcl.init()` first"))
}

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &key.into(), &value.into());
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() || obj.is_function() {
        Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// Sends runtime log lines (warnings and errors) to the browser console.
struct ConsoleLog;

impl log::Log for ConsoleLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Warn
    }

    fn log(&self, r: &log::Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let line = format!("wgcl [{}] {}", r.target(), r.args());
        match r.level() {
            log::Level::Error => console_error(&line),
            _ => console_warn(&line),
        }
    }

    fn flush(&self) {}
}

static LOGGER: ConsoleLog = ConsoleLog;

fn install_hooks() {
    // A panic aborts the wasm instance: say why on the console before it does.
    std::panic::set_hook(Box::new(|info| console_error(&format!("wgcl panicked: {info}"))));
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

/// True when the page's global object has `navigator.gpu` (WebGPU).
#[wasm_bindgen(js_name = hasWebGPU)]
pub fn has_webgpu() -> bool {
    let gpu = get(&get(&js_sys::global(), "navigator"), "gpu");
    !gpu.is_undefined() && !gpu.is_null()
}

/// `await wgcl.init()`: opens the GPU and makes the context and queue. Resolves to a
/// description of the device. Rejects with an error named `NoWebGPU` when the browser has
/// no `navigator.gpu`. Calling it again returns the same device.
#[wasm_bindgen]
pub async fn init() -> Result<JsValue, JsValue> {
    if SESSION.with(|s| s.borrow().is_none()) {
        install_hooks();
        if !has_webgpu() {
            let err = js_sys::Error::new(
                "this browser has no WebGPU (navigator.gpu is missing): wgcl needs WebGPU; \
                 try a recent Chrome/Edge, or Firefox/Safari with WebGPU enabled",
            );
            err.set_name("NoWebGPU");
            return Err(err.into());
        }
        let platform = wgcl::Platform::init().await.map_err(|e| {
            let err = js_sys::Error::new(&format!("WebGPU is present but no adapter/device could be opened: {e}"));
            err.set_name("NoWebGPU");
            JsValue::from(err)
        })?;
        let device = platform.default_device().map_err(cl_error)?;
        let context = Context::new(&[device.clone()]).map_err(cl_error)?;
        let queue = CommandQueue::new(&context, &device, QueueProperties { out_of_order: false, profiling: true })
            .map_err(cl_error)?;
        if SESSION.with(|s| s.borrow().is_none()) {
            SESSION.with(|s| *s.borrow_mut() = Some(Session { device, context, queue }));
        }
    }
    let s = session()?;
    let i = s.device.info();
    let o = Object::new();
    set(&o, "name", i.name.as_str());
    set(&o, "vendor", i.vendor.as_str());
    set(&o, "backend", i.backend.as_str());
    set(&o, "driver", i.driver_version.as_str());
    set(&o, "maxWorkGroupSize", i.max_work_group_size as u32);
    set(&o, "maxMemAllocSize", i.max_mem_alloc_size as f64);
    set(&o, "localMemSize", i.local_mem_size as f64);
    Ok(o.into())
}

/// The runtime clock in milliseconds: the time base of `timeline()` and of the times given
/// to `onStatus` callbacks.
#[wasm_bindgen]
pub fn now() -> f64 {
    wgcl::clock::now_ns() as f64 / 1e6
}

/// The name of an execution status (`0` → `COMPLETE`, `-14` → `ERROR_FOR_EVENTS_IN_WAIT_LIST`).
#[wasm_bindgen(js_name = statusName)]
pub fn status_name_js(status: i32) -> String {
    status_name(status).to_string()
}

// ---------------------------------------------------------------------------------------
// Buffers

/// A `cl_mem` buffer (read-write).
#[wasm_bindgen]
pub struct Buffer {
    inner: Arc<MemObject>,
    id: u32,
}

#[wasm_bindgen]
impl Buffer {
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.inner.size() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    #[wasm_bindgen(getter = __wgclKind)]
    pub fn kind(&self) -> String {
        "buffer".into()
    }
}

/// `createBuffer(size)`: a read-write buffer of `size` bytes.
#[wasm_bindgen(js_name = createBuffer)]
pub fn create_buffer(size: f64) -> Result<Buffer, JsValue> {
    let s = session()?;
    if !(size >= 1.0 && size.fract() == 0.0) {
        return Err(error(format!("createBuffer: size must be a positive whole number of bytes, got {size}")));
    }
    let inner = MemObject::new_buffer(&s.context, MemFlags(MemFlags::READ_WRITE), size as u64, HostInit::None)
        .map_err(cl_error)?;
    let id = register(Handle::Mem(Arc::downgrade(&inner)));
    Ok(Buffer { inner, id })
}

fn lookup_buffer(v: &JsValue) -> Option<Arc<MemObject>> {
    if get(v, "__wgclKind").as_string().as_deref() != Some("buffer") {
        return None;
    }
    let id = get(v, "id").as_f64()? as u32;
    HANDLES.with(|m| match m.borrow().get(&id) {
        Some(Handle::Mem(w)) => w.upgrade(),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------
// Programs and kernels

/// A built program.
#[wasm_bindgen]
pub struct Program {
    inner: Arc<wgcl::Program>,
}

#[wasm_bindgen]
impl Program {
    #[wasm_bindgen(getter = buildLog)]
    pub fn build_log(&self) -> String {
        self.inner.build_log()
    }

    #[wasm_bindgen(getter = kernelNames)]
    pub fn kernel_names(&self) -> Array {
        self.inner.kernel_names().unwrap_or_default().into_iter().map(JsValue::from).collect()
    }

    /// The WGSL the program became (what WebGPU compiled).
    pub fn wgsl(&self) -> String {
        String::from_utf8_lossy(&self.inner.binary()).into_owned()
    }
}

/// `buildProgram(source, options?)`: builds OpenCL C or WGSL (WGSL when the source has
/// `@compute` and no `__kernel`). On failure throws an `Error` named `BuildError` whose
/// message and `log` hold the build log (`file:line:col: error: ...`).
#[wasm_bindgen(js_name = buildProgram)]
pub fn build_program(source: &str, options: Option<String>) -> Result<Program, JsValue> {
    let s = session()?;
    let inner = wgcl::Program::with_source(&s.context, source).map_err(cl_error)?;
    if let Err(e) = inner.build(options.as_deref().unwrap_or(""), None) {
        let log = inner.build_log();
        let err = js_sys::Error::new(&format!("build failed:\n{log}"));
        err.set_name("BuildError");
        let _ = Reflect::set(&err, &"log".into(), &log.as_str().into());
        let _ = Reflect::set(&err, &"code".into(), &e.code().into());
        return Err(err.into());
    }
    Ok(Program { inner })
}

/// A kernel of a built program.
#[wasm_bindgen]
pub struct Kernel {
    inner: Arc<wgcl::Kernel>,
}

/// `kernel(program, name)`.
#[wasm_bindgen]
pub fn kernel(program: &Program, name: &str) -> Result<Kernel, JsValue> {
    let inner = wgcl::Kernel::new(&program.inner, name).map_err(|e| {
        if matches!(e, wgcl::Error::InvalidKernelName) {
            let names = program.inner.kernel_names().unwrap_or_default().join(", ");
            error(format!("no kernel named '{name}' (the program has: {names})"))
        } else {
            cl_error(e)
        }
    })?;
    Ok(Kernel { inner })
}

#[wasm_bindgen]
impl Kernel {
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// `[{name, type}]` for each argument.
    #[wasm_bindgen(getter)]
    pub fn args(&self) -> Array {
        self.inner
            .info()
            .args
            .iter()
            .map(|a| {
                let o = Object::new();
                set(&o, "name", a.name.as_str());
                set(&o, "type", a.type_name.as_str());
                JsValue::from(o)
            })
            .collect()
    }

    /// `setArg(i, value)`: a `Buffer` (or `null`), a number (typed from the kernel's
    /// argument type, or explicitly `{f32: x}` / `{u32: x}` / `{i32: x}`), `{local: bytes}`
    /// for a `__local` argument, or raw bytes (`Uint8Array`, any typed array).
    #[wasm_bindgen(js_name = setArg)]
    pub fn set_arg(&self, index: u32, value: JsValue) -> Result<(), JsValue> {
        let i = index as usize;
        let info = self.inner.arg_info(i).map_err(cl_error)?.clone();
        let fail = |msg: String| error(format!("setArg({index}) [{} {}]: {msg}", info.type_name, info.name));
        let result = if value.is_null() || value.is_undefined() {
            self.inner.set_arg(i, KernelArg::Mem(None))
        } else if let Some(mem) = lookup_buffer(&value) {
            self.inner.set_arg(i, KernelArg::Mem(Some(&mem)))
        } else if let Some(x) = value.as_f64() {
            let scalar = Scalar::from_type_name(&info.type_name).ok_or_else(|| {
                fail(format!("cannot tell the type of a bare number here: pass {{f32: {x}}}, {{u32: {x}}} or {{i32: {x}}}"))
            })?;
            let bytes = scalar.encode(x).map_err(fail)?;
            self.inner.set_arg(i, KernelArg::Bytes(&bytes))
        } else if let Some(local) = get(&value, "local").as_f64() {
            if matches!(info.kind, ArgKind::Local { .. }) && local >= 1.0 {
                self.inner.set_arg(i, KernelArg::Local(local as u64))
            } else {
                return Err(fail(format!("{{local: {local}}} needs a __local argument and a positive size")));
            }
        } else if let Some((tag, x)) =
            ["f32", "u32", "i32"].iter().find_map(|t| get(&value, t).as_f64().map(|x| (*t, x)))
        {
            let bytes = Scalar::from_tag(tag).expect("known tag").encode(x).map_err(fail)?;
            self.inner.set_arg(i, KernelArg::Bytes(&bytes))
        } else if let Ok(bytes) = bytes_of(&value) {
            self.inner.set_arg(i, KernelArg::Bytes(&bytes))
        } else {
            return Err(fail("expected a Buffer, a number, {f32|u32|i32: x}, {local: bytes} or bytes".into()));
        };
        result.map_err(|e| fail(format!("{e} (OpenCL error {})", e.code())))
    }
}

// ---------------------------------------------------------------------------------------
// Events

/// An event: a command's or a user event.
#[wasm_bindgen]
pub struct Event {
    inner: Arc<wgcl::Event>,
    id: u32,
    /// For `enqueueRead`: where the bytes land.
    read: Option<Arc<Mutex<Vec<u8>>>>,
}

impl Event {
    fn new(inner: Arc<wgcl::Event>, read: Option<Arc<Mutex<Vec<u8>>>>) -> Self {
        let id = register(Handle::Event(Arc::downgrade(&inner)));
        Self { inner, id, read }
    }
}

/// A JavaScript function moved into a runtime callback. The runtime wants `Send` callbacks;
/// wasm32 without threads has exactly one thread, so this never crosses one.
struct JsCallback(Function);
// SAFETY: wasm32-unknown-unknown built without atomics is single-threaded.
unsafe impl Send for JsCallback {}

impl JsCallback {
    fn call(&self, status: i32, time_ms: f64) {
        if let Err(e) = self.0.call2(&JsValue::NULL, &status.into(), &time_ms.into()) {
            console_error(&format!("an onStatus callback threw: {e:?}"));
        }
    }
}

#[wasm_bindgen]
impl Event {
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    #[wasm_bindgen(getter = __wgclKind)]
    pub fn kind(&self) -> String {
        "event".into()
    }

    /// The execution status now (3 QUEUED, 2 SUBMITTED, 1 RUNNING, 0 COMPLETE, < 0 error).
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> i32 {
        self.inner.status()
    }

    #[wasm_bindgen(getter = commandType)]
    pub fn command_type(&self) -> String {
        format!("{:?}", self.inner.command_type())
    }

    /// `onStatus(status, fn)`: `clSetEventCallback` for SUBMITTED (2), RUNNING (1) or
    /// COMPLETE (0). `fn(status, timeMs)` runs from a microtask once the event reached or
    /// passed `status` (with the negative error instead if it failed), with the runtime
    /// clock's time when it ran (see `now()`).
    #[wasm_bindgen(js_name = onStatus)]
    pub fn on_status(&self, status: i32, callback: Function) -> Result<(), JsValue> {
        let ty = CallbackType::from_status(status).map_err(cl_error)?;
        let cb = JsCallback(callback);
        self.inner.set_callback(ty, Box::new(move |_, st| cb.call(st, now())));
        Ok(())
    }

    /// `setStatus(n)`: `clSetUserEventStatus` (0 for COMPLETE or a negative error).
    #[wasm_bindgen(js_name = setStatus)]
    pub fn set_status(&self, status: i32) -> Result<(), JsValue> {
        self.inner.set_user_status(status).map_err(cl_error)
    }

    /// `{queued, submit, start, end}` in milliseconds of the runtime clock (`null` where
    /// the event has not got that far; user events have no `queued`).
    pub fn timeline(&self) -> Object {
        let t = self.inner.timeline();
        let o = Object::new();
        for (k, v) in [("queued", t.queued), ("submit", t.submit), ("start", t.start), ("end", t.end)] {
            set(&o, k, ns_to_ms(v).map(JsValue::from).unwrap_or(JsValue::NULL));
        }
        o
    }

    /// Resolves to the final status (0, or the negative error). Flushes the queue first.
    pub fn wait(&self) -> Promise {
        let ev = self.inner.clone();
        if let Ok(s) = session() {
            let _ = s.queue.flush();
        }
        future_to_promise(async move { Ok(JsValue::from(ev.wait_async().await)) })
    }

    /// For an `enqueueRead` event: resolves to the bytes once it completed (rejects if it
    /// failed). Flushes the queue first.
    pub fn data(&self) -> Result<Promise, JsValue> {
        let out = self.read.clone().ok_or_else(|| error("data(): not the event of an enqueueRead"))?;
        let ev = self.inner.clone();
        if let Ok(s) = session() {
            let _ = s.queue.flush();
        }
        Ok(future_to_promise(async move {
            let status = ev.wait_async().await;
            if status < 0 {
                return Err(error(format!("the read failed with status {status} ({})", status_name(status))));
            }
            let bytes = std::mem::take(&mut *out.lock());
            Ok(Uint8Array::from(&bytes[..]).into())
        }))
    }
}

/// `userEvent()`: a user event (SUBMITTED until `setStatus`).
#[wasm_bindgen(js_name = userEvent)]
pub fn user_event() -> Result<Event, JsValue> {
    let s = session()?;
    Ok(Event::new(wgcl::Event::new_user(&s.context), None))
}

fn wait_list(v: &JsValue) -> Result<Vec<Arc<wgcl::Event>>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    let items: Vec<JsValue> = if Array::is_array(v) { Array::from(v).iter().collect() } else { vec![v.clone()] };
    items
        .iter()
        .map(|e| {
            let found = if get(e, "__wgclKind").as_string().as_deref() == Some("event") {
                get(e, "id").as_f64().and_then(|id| {
                    HANDLES.with(|m| match m.borrow().get(&(id as u32)) {
                        Some(Handle::Event(w)) => w.upgrade(),
                        _ => None,
                    })
                })
            } else {
                None
            };
            found.ok_or_else(|| error("a wait list holds wgcl events only (and live ones)"))
        })
        .collect()
}

fn bytes_of(v: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(ab) = v.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(ab).to_vec());
    }
    if ArrayBuffer::is_view(v) {
        let buffer = get(v, "buffer");
        let offset = get(v, "byteOffset").as_f64().unwrap_or(0.0) as u32;
        let len = get(v, "byteLength").as_f64().unwrap_or(0.0) as u32;
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset, len).to_vec());
    }
    Err(error("expected bytes: an ArrayBuffer, a Uint8Array, a Float32Array or another typed array"))
}

fn sizes(v: &JsValue, what: &str) -> Result<Vec<usize>, JsValue> {
    let raw: Vec<f64> = if let Some(x) = v.as_f64() {
        vec![x]
    } else if Array::is_array(v) {
        Array::from(v).iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()
    } else {
        return Err(error(format!("{what} must be a number or an array of 1 to 3 numbers")));
    };
    dims(&raw, what).map_err(error)
}

/// `enqueueWrite(buffer, data, waitList?, offset?)`: writes `data` (any typed array or
/// ArrayBuffer) at `offset` bytes. Returns the command's event.
#[wasm_bindgen(js_name = enqueueWrite)]
pub fn enqueue_write(buffer: &Buffer, data: JsValue, wait: JsValue, offset: Option<f64>) -> Result<Event, JsValue> {
    let s = session()?;
    let bytes = bytes_of(&data)?;
    let ev = s
        .queue
        .enqueue_write_buffer(&buffer.inner, offset.unwrap_or(0.0) as u64, bytes, &wait_list(&wait)?)
        .map_err(cl_error)?;
    Ok(Event::new(ev, None))
}

/// `enqueueNDRange(kernel, global, local?, waitList?)`: `global`/`local` are a number or an
/// array of 1–3 numbers; `local` may be `null` (the runtime picks). Returns the event.
#[wasm_bindgen(js_name = enqueueNDRange)]
pub fn enqueue_nd_range(kernel: &Kernel, global: JsValue, local: JsValue, wait: JsValue) -> Result<Event, JsValue> {
    let s = session()?;
    let global = sizes(&global, "global")?;
    let local = if local.is_null() || local.is_undefined() { None } else { Some(sizes(&local, "local")?) };
    let range = NdRange { offset: vec![0; global.len()], global, local };
    let ev = s.queue.enqueue_nd_range(&kernel.inner, &range, &wait_list(&wait)?).map_err(cl_error)?;
    Ok(Event::new(ev, None))
}

/// `enqueueRead(buffer, waitList?)`: reads the whole buffer; `event.data()` resolves to the
/// bytes.
#[wasm_bindgen(js_name = enqueueRead)]
pub fn enqueue_read(buffer: &Buffer, wait: JsValue) -> Result<Event, JsValue> {
    let s = session()?;
    let (ev, out) = s
        .queue
        .enqueue_read_buffer(&buffer.inner, 0, buffer.inner.size(), &wait_list(&wait)?)
        .map_err(cl_error)?;
    Ok(Event::new(ev, Some(out)))
}

/// `await read(buffer, waitList?)`: flushes and resolves to the buffer's bytes (`Uint8Array`).
#[wasm_bindgen]
pub fn read(buffer: &Buffer, wait: JsValue) -> Result<Promise, JsValue> {
    let s = session()?;
    let mem = buffer.inner.clone();
    let waits = wait_list(&wait)?;
    Ok(future_to_promise(async move {
        let bytes = s.queue.read_buffer_async(&mem, 0, mem.size(), &waits).await.map_err(cl_error)?;
        Ok(Uint8Array::from(&bytes[..]).into())
    }))
}

/// `flush()`: hands every enqueued command to the GPU (`clFlush`).
#[wasm_bindgen]
pub fn flush() -> Result<(), JsValue> {
    session()?.queue.flush().map_err(cl_error)
}

/// `await finish()`: flushes and resolves (to 0) once everything enqueued so far ended.
#[wasm_bindgen]
pub fn finish() -> Result<Promise, JsValue> {
    let s = session()?;
    let marker = s.queue.enqueue_marker(&[]).map_err(cl_error)?;
    s.queue.flush().map_err(cl_error)?;
    Ok(future_to_promise(async move { Ok(JsValue::from(marker.wait_async().await)) }))
}

#[allow(dead_code)]
fn debug(s: &str) {
    console_log(s);
}
