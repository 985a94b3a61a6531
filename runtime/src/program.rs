//! Programs: source (OpenCL C or WGSL) built by the front ends of `wgcl-kernels` into a naga
//! module and a wgpu shader module, plus release callbacks.
//!
//! Release: kernels hold an `Arc` of their program and in-flight kernel commands hold the
//! kernel, so the program is destroyed only once the application released it and no kernel
//! or in-flight command needs it; then its release callbacks run in reverse order of
//! registration on the callback thread, and it is freed.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use wgcl_kernels::{BuildOptions, DeviceCaps, ProgramModule};

use crate::context::Context;
use crate::dispatcher::{dispatch, run_contained};
use crate::engine::{validation_scope, Engine};
use crate::error::{refuse_blocking_in_callback, Error, Result};

/// `cl_build_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuildStatus {
    None,
    Error,
    Success,
    InProgress,
}

impl BuildStatus {
    /// The `CL_BUILD_*` number.
    pub fn code(self) -> i32 {
        match self {
            BuildStatus::Success => 0,
            BuildStatus::None => -1,
            BuildStatus::Error => -2,
            BuildStatus::InProgress => -3,
        }
    }
}

/// A successful build on one device.
pub(crate) struct Built {
    pub module: ProgramModule,
    pub shader: wgpu::ShaderModule,
    pub engine: Arc<Engine>,
    /// Bind group layouts per kernel, and pipelines per specialisation (local size and
    /// `__local` argument sizes), so re-enqueueing never recompiles.
    pub layouts: Mutex<HashMap<String, Arc<(wgpu::BindGroupLayout, wgpu::PipelineLayout)>>>,
    pub pipelines: Mutex<HashMap<(String, Vec<u32>), Arc<wgpu::ComputePipeline>>>,
    /// The variant with every storage buffer writable, for launches that alias a read-only
    /// buffer argument with another one (see [`Built::storage_read_write`]).
    read_write: OnceLock<std::result::Result<Arc<Built>, String>>,
}

impl Built {
    fn new(module: ProgramModule, shader: wgpu::ShaderModule, engine: Arc<Engine>) -> Self {
        Built {
            module,
            shader,
            engine,
            layouts: Mutex::new(HashMap::new()),
            pipelines: Mutex::new(HashMap::new()),
            read_write: OnceLock::new(),
        }
    }

    /// The program with every storage buffer `read_write`, built on first use: wgpu refuses
    /// a dispatch that binds one buffer read-only and writable, which OpenCL allows.
    pub(crate) fn storage_read_write(&self) -> Result<Arc<Built>> {
        self.read_write
            .get_or_init(|| {
                let module = self.module.to_storage_read_write().map_err(|e| e.log())?;
                let shader = create_shader(&self.engine, &module)?;
                Ok(Arc::new(Built::new(module, shader, self.engine.clone())))
            })
            .clone()
            .map_err(|log| Error::OutOfResources(format!("aliased buffer arguments: {log}")))
    }
}

/// A wgpu shader module, or the device's refusal as build-log text.
///
/// Natively the module is built without naga's loop bounding: wgpu adds a 64-bit iteration
/// counter to every loop so that a backend compiler cannot treat an infinite loop as
/// unreachable, which costs a counter update and a branch per iteration of every inner loop
/// (N-body, matrix multiply, Mandelbrot). OpenCL C gives no such guarantee either (C11 6.8.5p6:
/// a loop without side effects may be assumed to terminate), so the kernels lose nothing
/// OpenCL promised. Bounds checks and integer-division guards stay on: they keep memory safe
/// and keep CPU drivers (lavapipe) from trapping on a division by zero.
fn create_shader(engine: &Engine, module: &ProgramModule) -> std::result::Result<wgpu::ShaderModule, String> {
    // Natively wgpu takes the naga module as it is; WebGPU takes WGSL text only (the text the
    // module came from: a WGSL program's source, an OpenCL C program's generated WGSL).
    #[cfg(not(target_arch = "wasm32"))]
    let source = wgpu::ShaderSource::Naga(std::borrow::Cow::Owned(module.module.clone()));
    #[cfg(target_arch = "wasm32")]
    let source = wgpu::ShaderSource::Wgsl(module.wgsl_source().map_err(|e| e.log())?);
    let desc = wgpu::ShaderModuleDescriptor { label: Some("wgcl program"), source };
    #[cfg(not(target_arch = "wasm32"))]
    let (shader, error) = validation_scope(&engine.device, || {
        let mut checks = wgpu::ShaderRuntimeChecks::checked();
        checks.force_loop_bounding = false;
        // SAFETY: the only check turned off is loop bounding; an OpenCL C (or WGSL) kernel
        // whose loop never ends is as undefined in OpenCL as without the bound (see above),
        // and every memory access stays bounds-checked.
        unsafe { engine.device.create_shader_module_trusted(desc, checks) }
    });
    #[cfg(target_arch = "wasm32")]
    let (shader, error) = validation_scope(&engine.device, || engine.device.create_shader_module(desc));
    match error {
        Some(err) => Err(format!("error: the device refused the program: {err}")),
        None => Ok(shader),
    }
}

struct BuildState {
    status: BuildStatus,
    log: String,
    options: String,
    built: Option<Arc<Built>>,
    /// `clCompileProgram`'s input headers (include name, source) for `#include`.
    headers: Vec<(String, String)>,
}

/// `cl_program`.
pub struct Program {
    context: Arc<Context>,
    source: String,
    from_binary: bool,
    /// For a binary holding OpenCL C (see [`Program::binary`]): the build options and
    /// headers it was built with, used when the build gives none.
    binary_build: Option<(String, Vec<(String, String)>)>,
    state: Mutex<BuildState>,
    release_callbacks: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    pub(crate) live_kernels: AtomicUsize,
    _live: crate::stats::Live,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").field("status", &self.build_status()).finish()
    }
}

impl Program {
    /// `clCreateProgramWithSource`.
    /// An empty source is valid (only missing strings are `CL_INVALID_VALUE`); it fails to build.
    pub fn with_source(context: &Arc<Context>, source: &str) -> Result<Arc<Self>> {
        Ok(Self::new(context, source.to_string(), false))
    }

    /// `clCreateProgramWithBinary`: what [`Program::binary`] returns: WGSL text, or an
    /// OpenCL C program in wgcl's binary envelope.
    pub fn with_binary(context: &Arc<Context>, binary: &[u8]) -> Result<Arc<Self>> {
        let text = std::str::from_utf8(binary).map_err(|_| Error::InvalidValue("not a wgcl binary"))?;
        if let Some((options, headers, source)) = decode_c_binary(text) {
            let mut p = Self::new(context, source, true);
            Arc::get_mut(&mut p).expect("new program").binary_build = Some((options, headers));
            return Ok(p);
        }
        if !text.contains("@compute") {
            return Err(Error::InvalidValue("not a wgcl binary"));
        }
        Ok(Self::new(context, text.to_string(), true))
    }

    fn new(context: &Arc<Context>, source: String, from_binary: bool) -> Arc<Self> {
        Arc::new(Self {
            context: context.clone(),
            source,
            from_binary,
            binary_build: None,
            state: Mutex::new(BuildState { status: BuildStatus::None, log: String::new(), options: String::new(), built: None, headers: Vec::new() }),
            release_callbacks: Mutex::new(Vec::new()),
            live_kernels: AtomicUsize::new(0),
            _live: crate::stats::Live::new(crate::stats::Kind::Program),
        })
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }

    /// `CL_PROGRAM_SOURCE` (empty for programs made from binaries).
    pub fn source(&self) -> &str {
        if self.from_binary { "" } else { &self.source }
    }

    pub fn build_status(&self) -> BuildStatus {
        self.state.lock().status
    }

    pub fn build_log(&self) -> String {
        self.state.lock().log.clone()
    }

    pub fn build_options(&self) -> String {
        self.state.lock().options.clone()
    }

    /// `clBuildProgram`. With `notify` the build runs on its own thread and `notify` is
    /// called (on the callback thread) when it ends; without, it blocks.
    pub fn build(self: &Arc<Self>, options: &str, notify: Option<Box<dyn FnOnce() + Send>>) -> Result<()> {
        check_build_options(options)?;
        self.build_with_headers(options, Vec::new(), notify)
    }

    /// `clCompileProgram`: [`Program::build`] (wgcl compiles and links in one step) with
    /// `headers` (include name, source) that `#include` directives of the source find. They
    /// are kept, so [`Program::link`] of this program finds them too.
    pub fn compile(self: &Arc<Self>, options: &str, headers: &[(String, String)], notify: Option<Box<dyn FnOnce() + Send>>) -> Result<()> {
        self.build_with_headers(options, headers.to_vec(), notify)
    }

    fn build_with_headers(self: &Arc<Self>, options: &str, headers: Vec<(String, String)>, notify: Option<Box<dyn FnOnce() + Send>>) -> Result<()> {
        if notify.is_none() {
            refuse_blocking_in_callback()?;
        }
        if self.live_kernels.load(Ordering::SeqCst) > 0 {
            return Err(Error::InvalidOperation("kernels are attached to the program"));
        }
        {
            let mut st = self.state.lock();
            if st.status == BuildStatus::InProgress {
                return Err(Error::InvalidOperation("a build is in progress"));
            }
            st.status = BuildStatus::InProgress;
            st.options = options.to_string();
            st.headers = headers;
        }
        match notify {
            // No threads in the browser: build now, notify from the event loop.
            #[cfg(target_arch = "wasm32")]
            Some(notify) => {
                let _ = self.run_build(options);
                dispatch(notify);
                Ok(())
            }
            #[cfg(not(target_arch = "wasm32"))]
            Some(notify) => {
                let me = self.clone();
                let options = options.to_string();
                std::thread::Builder::new()
                    .name("wgcl-build".into())
                    .spawn(move || {
                        let _ = me.run_build(&options);
                        dispatch(notify);
                    })
                    .map_err(|_| Error::OutOfHostMemory)?;
                Ok(())
            }
            None => self.run_build(options),
        }
    }

    fn run_build(&self, options: &str) -> Result<()> {
        let result = self.compile_module(options);
        let mut st = self.state.lock();
        match result {
            Ok(built) => {
                st.log = built.module.log.clone();
                st.built = Some(Arc::new(built));
                st.status = BuildStatus::Success;
                Ok(())
            }
            Err(log) => {
                st.log = log;
                st.built = None;
                st.status = BuildStatus::Error;
                Err(Error::BuildProgramFailure)
            }
        }
    }

    fn compile_module(&self, options: &str) -> std::result::Result<Built, String> {
        let device = &self.context.devices()[0];
        let info = device.info();
        let mut options = options.to_string();
        let mut headers = self.state.lock().headers.clone();
        match &self.binary_build {
            Some((o, h)) => {
                if options.trim().is_empty() {
                    options = o.clone();
                }
                if headers.is_empty() {
                    headers = h.clone();
                }
            }
            None if self.from_binary => options.push_str(" -x=wgsl"),
            None => {}
        }
        let opts = BuildOptions {
            options,
            headers,
            caps: DeviceCaps { f16: info.f16, f64: info.f64, i64: info.i64, i64_atomics: info.i64_atomics },
        };
        let module = wgcl_kernels::build(&self.source, &opts).map_err(|e| e.log())?;
        let engine = device.engine().map_err(|e| e.to_string())?;
        let shader = create_shader(&engine, &module)?;
        Ok(Built::new(module, shader, engine))
    }

    /// `clLinkProgram` (and `clCompileProgram` + link): a new program from the sources of
    /// `inputs`, built with `options`.
    pub fn link(context: &Arc<Context>, inputs: &[Arc<Program>], options: &str) -> Result<Arc<Self>> {
        if inputs.is_empty() {
            return Err(Error::InvalidValue("no input programs"));
        }
        // Every input must be compiled (clCompileProgram, or built). The spec also allows none
        // to be, for a device that then gets no executable; with one device per context that
        // would be a program that can never have a kernel, so it is refused like a mix.
        if let Some(s) = inputs.iter().map(|p| p.build_status()).find(|s| *s != BuildStatus::Success) {
            return Err(Error::InvalidOperation(if s == BuildStatus::InProgress {
                "an input program is still being compiled"
            } else {
                "an input program has not been compiled"
            }));
        }
        let source = inputs.iter().map(|p| p.source.as_str()).collect::<Vec<_>>().join("\n");
        let p = Self::new(context, source, inputs.iter().all(|p| p.from_binary));
        let headers = inputs.iter().flat_map(|p| p.state.lock().headers.clone()).collect();
        p.build_with_headers(options, headers, None).map_err(|_| Error::LinkProgramFailure)?;
        Ok(p)
    }

    pub(crate) fn built(&self) -> Option<Arc<Built>> {
        self.state.lock().built.clone()
    }

    /// `CL_PROGRAM_KERNEL_NAMES` (after a successful build).
    pub fn kernel_names(&self) -> Result<Vec<String>> {
        let built = self.built().ok_or(Error::InvalidProgramExecutable)?;
        Ok(built.module.kernels.iter().map(|k| k.name.clone()).collect())
    }

    /// `CL_PROGRAM_BINARIES` (empty before a build): for an OpenCL C program, its source with
    /// the build options and headers in a small text envelope, so a program made from it
    /// keeps OpenCL C's argument types, names and qualifiers (clients such as pyopencl cache
    /// binaries and rebuild from them); for a WGSL program, the module as WGSL text.
    pub fn binary(&self) -> Vec<u8> {
        let Some(built) = self.built() else { return Vec::new() };
        if built.module.language == wgcl_kernels::SourceLanguage::OpenClC {
            let (options, headers) = match &self.binary_build {
                Some((o, h)) if self.from_binary => (o.clone(), h.clone()),
                _ => {
                    let st = self.state.lock();
                    (st.options.clone(), st.headers.clone())
                }
            };
            return encode_c_binary(&options, &headers, &self.source).into_bytes();
        }
        built.module.to_wgsl().ok().map(String::into_bytes).unwrap_or_default()
    }

    /// `clSetProgramReleaseCallback`.
    pub fn set_release_callback(&self, callback: Box<dyn FnOnce() + Send>) {
        self.release_callbacks.lock().push(callback);
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let callbacks = std::mem::take(&mut *self.release_callbacks.lock());
        if !callbacks.is_empty() {
            // The built module is freed after the callbacks, as the spec orders.
            let built = self.state.get_mut().built.take();
            dispatch(Box::new(move || {
                for cb in callbacks.into_iter().rev() {
                    run_contained(cb);
                }
                drop(built);
            }));
        }
    }
}

/// First line of an OpenCL C program's binary (see [`Program::binary`]).
const C_BINARY_MAGIC: &str = "//wgcl-binary opencl-c 1\n";

/// The options the OpenCL C compiler and linker pages define (plus wgcl's `-x=wgsl`/`-wgsl`);
/// anything else makes `clBuildProgram` fail with `CL_INVALID_BUILD_OPTIONS`, as the page says,
/// rather than be ignored.
pub(crate) fn check_build_options(options: &str) -> Result<()> {
    const FLAGS: &[&str] = &[
        "-cl-single-precision-constant", "-cl-denorms-are-zero", "-cl-fp32-correctly-rounded-divide-sqrt",
        "-cl-opt-disable", "-cl-mad-enable", "-cl-no-signed-zeros", "-cl-unsafe-math-optimizations",
        "-cl-finite-math-only", "-cl-fast-relaxed-math", "-cl-uniform-work-group-size", "-cl-no-subgroup-ifp",
        "-cl-strict-aliasing", "-cl-kernel-arg-info", "-w", "-Werror", "-g", "-create-library",
        "-enable-link-options", "-x=wgsl", "-wgsl",
    ];
    let mut it = options.split_whitespace();
    while let Some(o) = it.next() {
        if let Some(rest) = ["-D", "-U", "-I"].iter().find_map(|p| o.strip_prefix(p)) {
            // The value may be the next word (`-D NAME`).
            if rest.is_empty() && it.next().is_none() {
                return Err(Error::InvalidBuildOptions);
            }
        } else if let Some(v) = o.strip_prefix("-cl-std=") {
            if !["CL1.0", "CL1.1", "CL1.2", "CL2.0", "CL3.0"].contains(&v) {
                return Err(Error::InvalidBuildOptions);
            }
        } else if !FLAGS.contains(&o) {
            return Err(Error::InvalidBuildOptions);
        }
    }
    Ok(())
}

/// `MAGIC`, then length-prefixed fields: `<len>\n<text>` for the options, the header count,
/// each header's name and source, and the program source.
fn encode_c_binary(options: &str, headers: &[(String, String)], source: &str) -> String {
    let mut out = String::from(C_BINARY_MAGIC);
    let mut field = |t: &str| {
        out.push_str(&format!("{}\n", t.len()));
        out.push_str(t);
    };
    field(options);
    field(&headers.len().to_string());
    for (n, h) in headers {
        field(n);
        field(h);
    }
    field(source);
    out
}

#[allow(clippy::type_complexity)]
fn decode_c_binary(text: &str) -> Option<(String, Vec<(String, String)>, String)> {
    let mut rest = text.strip_prefix(C_BINARY_MAGIC)?;
    let mut field = || -> Option<String> {
        let (len, after) = rest.split_once('\n')?;
        let len: usize = len.parse().ok()?;
        let t = after.get(..len)?.to_string();
        rest = &after[len..];
        Some(t)
    };
    let options = field()?;
    let n: usize = field()?.parse().ok()?;
    let mut headers = Vec::new();
    for _ in 0..n.min(4096) {
        headers.push((field()?, field()?));
    }
    let source = field()?;
    Some((options, headers, source))
}

#[cfg(test)]
mod binary_tests {
    #[test]
    fn c_binary_round_trip() {
        let h = vec![("a.h".to_string(), "#define A 1\n".to_string()), ("dir/b.h".to_string(), String::new())];
        let b = super::encode_c_binary("-D X=1 -I /tmp", &h, "__kernel void k() {}\n// 12\n");
        let (o, hh, s) = super::decode_c_binary(&b).unwrap();
        assert_eq!((o.as_str(), hh, s.as_str()), ("-D X=1 -I /tmp", h, "__kernel void k() {}\n// 12\n"));
        assert!(super::decode_c_binary("@compute fn main() {}").is_none());
        assert!(super::decode_c_binary(&b[..b.len() - 3]).is_none());
    }
}
