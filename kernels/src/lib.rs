//! Program front ends for wgcl.
//!
//! A front end turns program source (WGSL today, OpenCL C through [`opencl_c`]) into a
//! validated [`naga::Module`] plus the reflection the runtime needs to bind kernel
//! arguments and answer `clGetKernelInfo` / `clGetKernelArgInfo`.
//!
//! # The binding contract between front ends and the runtime
//! Every kernel is a compute entry point. Its arguments live in bind group 0:
//! * `__global` / `__constant` buffers: a storage buffer at the argument's binding
//!   ([`ArgKind::Buffer`]);
//! * by-value arguments: a uniform buffer at the argument's binding holding the raw bytes
//!   ([`ArgKind::Scalar`]);
//! * `__local` arguments sized by `clSetKernelArg(size, NULL)`: a workgroup array whose
//!   element count is a pipeline-overridable constant ([`ArgKind::Local`]);
//! * an optional uniform [`DispatchInfo`] block (global offset, sizes, work dim) at
//!   [`KernelInfo::dispatch_binding`], filled by the runtime for every dispatch;
//! * an optional printf buffer at [`KernelInfo::printf_binding`], which the runtime zeroes
//!   before and prints after each launch.
//!
//! The workgroup size is either fixed in the shader or given by three overridable
//! constants ([`WorkgroupSize::Overridable`]) that the runtime specialises per enqueue.

pub mod dispatch;
pub mod wgsl;
pub mod opencl_c;
pub mod printf;
mod specialize;

pub use dispatch::DispatchInfo;

/// What the source was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceLanguage {
    Wgsl,
    OpenClC,
}

/// OpenCL's `CL_KERNEL_ARG_ADDRESS_*` values, without the C numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressQualifier {
    Global,
    Local,
    Constant,
    Private,
}

/// OpenCL's `CL_KERNEL_ARG_ACCESS_*` values (only images have anything but `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessQualifier {
    ReadOnly,
    WriteOnly,
    ReadWrite,
    None,
}

/// OpenCL's `CL_KERNEL_ARG_TYPE_*` bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TypeQualifiers {
    pub is_const: bool,
    pub is_restrict: bool,
    pub is_volatile: bool,
}

/// How the runtime binds one kernel argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A buffer (`cl_mem`) bound as a storage buffer at `binding`.
    Buffer { binding: u32, read_only: bool },
    /// A by-value argument of exactly `size` bytes at byte `offset` of the uniform buffer
    /// bound at `binding`. OpenCL C kernels pack all their by-value arguments into one
    /// binding (devices allow few uniform buffers per stage, and BLAS kernels take 20
    /// scalars); WGSL kernels have one binding per argument at offset 0.
    Scalar { binding: u32, offset: u32, size: u32 },
    /// A `__local` buffer: the runtime sets the override `len_override` to
    /// `arg_size / elem_size` elements when it builds the pipeline.
    Local { len_override: String, elem_size: u32 },
}

/// Reflection of one kernel argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelArgInfo {
    pub name: String,
    /// The OpenCL C spelling of the type, e.g. `float*` or `uint`.
    pub type_name: String,
    pub address_qualifier: AddressQualifier,
    pub access_qualifier: AccessQualifier,
    pub type_qualifiers: TypeQualifiers,
    pub kind: ArgKind,
}

/// How the local (workgroup) size of a kernel is decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkgroupSize {
    /// Fixed in the shader; an enqueue must use exactly this local size (or NULL).
    Fixed([u32; 3]),
    /// Chosen per enqueue through these three overridable constants (x, y, z).
    Overridable([String; 3]),
}

/// Reflection of one kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelInfo {
    /// The kernel's name as OpenCL knows it (`clCreateKernel`).
    pub name: String,
    /// The naga entry point that implements it.
    pub entry_point: String,
    pub args: Vec<KernelArgInfo>,
    pub workgroup_size: WorkgroupSize,
    /// `__attribute__((reqd_work_group_size(x, y, z)))`, if given.
    pub reqd_work_group_size: Option<[u32; 3]>,
    /// `__attribute__((work_group_size_hint(x, y, z)))`, if given.
    pub work_group_size_hint: Option<[u32; 3]>,
    /// The attribute text for `CL_KERNEL_ATTRIBUTES`.
    pub attributes: String,
    /// Binding (in group 0) of the uniform [`DispatchInfo`] block, if the kernel reads it.
    pub dispatch_binding: Option<u32>,
    /// Binding (in group 0) of the read-write storage buffer the kernel's printf calls append
    /// records to (layout in [`printf`]), if the kernel or a function it calls uses printf.
    pub printf_binding: Option<u32>,
    /// Bytes of workgroup memory the kernel uses besides its `__local` arguments.
    pub static_local_mem_size: u64,
    /// The entry point loops over the x group ids of its dispatch, from its work-group id
    /// in steps of the dispatched count, up to [`DispatchInfo::groups_x`]: the runtime may
    /// dispatch fewer work-groups in x than the NDRange has.
    pub virtual_groups: bool,
}

/// What a successful build produces.
#[derive(Clone, Debug)]
pub struct ProgramModule {
    pub language: SourceLanguage,
    pub module: naga::Module,
    pub module_info: naga::valid::ModuleInfo,
    pub kernels: Vec<KernelInfo>,
    /// Warnings and notes for the build log (empty when there are none).
    pub log: String,
    /// The WGSL text `module` was parsed from: the source of a WGSL program, the generated
    /// text of an OpenCL C one. `None` only for modules made elsewhere.
    pub wgsl_text: Option<String>,
    /// The program's printf formats: a record's first word indexes this table.
    pub printf_formats: std::sync::Arc<Vec<printf::PrintfFormat>>,
}

impl ProgramModule {
    pub fn kernel(&self, name: &str) -> Option<&KernelInfo> {
        self.kernels.iter().find(|k| k.name == name)
    }

    /// The module as WGSL text, e.g. for `CL_PROGRAM_BINARIES` or the browser; it keeps the
    /// overrides (local size, `__local` argument lengths), which WebGPU sets per pipeline.
    ///
    /// This is [`ProgramModule::wgsl_text`] (the text the module was parsed from), not naga's
    /// WGSL writer: naga 30's writer prints workgroup arrays sized by an override (OpenCL C
    /// `__local` pointer arguments, `array<T, wgcl_argN_len>`) as text its own front end
    /// refuses. The writer is used only for modules without a stored text.
    /// [`ProgramModule::to_wgsl_specialized`] gives the text with the overrides fixed.
    pub fn to_wgsl(&self) -> Result<String, BuildError> {
        self.wgsl_source().map(|s| s.into_owned())
    }

    /// The stored WGSL text, or naga's writer output when there is none.
    pub fn wgsl_source(&self) -> Result<std::borrow::Cow<'_, str>, BuildError> {
        if let Some(t) = &self.wgsl_text {
            return Ok(std::borrow::Cow::Borrowed(t));
        }
        naga::back::wgsl::write_string(
            &self.module,
            &self.module_info,
            naga::back::wgsl::WriterFlags::empty(),
        )
        .map(std::borrow::Cow::Owned)
        .map_err(|e| BuildError::new(format!("WGSL output failed: {e}")))
    }
}

/// A position in the source, 1-based, for build logs (`file:line:col`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourcePos {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

/// A failed build: the text that goes into the build log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.log())]
pub struct BuildError {
    pub message: String,
    pub pos: Option<SourcePos>,
}

impl BuildError {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), pos: None }
    }

    pub fn at(pos: SourcePos, message: impl Into<String>) -> Self {
        Self { message: message.into(), pos: Some(pos) }
    }

    /// The build-log line: `file:line:col: error: message`.
    pub fn log(&self) -> String {
        match &self.pos {
            Some(p) => format!("{}:{}:{}: error: {}", p.file, p.line, p.col, self.message),
            None => format!("error: {}", self.message),
        }
    }
}

/// What the target device can do; front ends refuse what it cannot.
#[derive(Clone, Debug, Default)]
pub struct DeviceCaps {
    pub f16: bool,
    pub f64: bool,
    pub i64: bool,
    /// Every 64-bit integer atomic operation on `__global` and `__local` memory (wgpu's
    /// `SHADER_INT64_ATOMIC_ALL_OPS`): cl_khr_int64_base_atomics and _extended_atomics.
    pub i64_atomics: bool,
}

/// Options of one build (`clBuildProgram`'s options string, parsed by the caller or here).
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The raw option string (`-D`, `-I`, `-cl-std=`, ...).
    pub options: String,
    /// Headers given to `clCompileProgram` (name, source).
    pub headers: Vec<(String, String)>,
    pub caps: DeviceCaps,
}

/// Guesses the source language: WGSL has `@compute`; OpenCL C has `__kernel`/`kernel`.
pub fn detect_language(source: &str) -> SourceLanguage {
    if source.contains("@compute") && !source.contains("__kernel") {
        SourceLanguage::Wgsl
    } else {
        SourceLanguage::OpenClC
    }
}

/// Builds a program from source in either language.
pub fn build(source: &str, options: &BuildOptions) -> Result<ProgramModule, BuildError> {
    let wgsl_forced = options.options.split_whitespace().any(|o| o == "-x=wgsl" || o == "-wgsl");
    if wgsl_forced || detect_language(source) == SourceLanguage::Wgsl {
        wgsl::build(source)
    } else {
        opencl_c::build(source, options)
    }
}

/// Validates a module with every capability the runtime may use.
pub fn validate(module: &naga::Module) -> Result<naga::valid::ModuleInfo, BuildError> {
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(module)
    .map_err(|e| BuildError::new(format!("naga validation failed: {}", e.emit_to_string(""))))
}
