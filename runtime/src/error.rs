//! Errors of the runtime, named after the OpenCL error codes they become at the C boundary.

/// Every way a runtime call can fail. [`Error::code`] gives the OpenCL error number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("device not found")]
    DeviceNotFound,
    #[error("device not available")]
    DeviceNotAvailable,
    #[error("memory object allocation failure")]
    MemObjectAllocationFailure,
    #[error("out of resources: {0}")]
    OutOfResources(String),
    #[error("out of host memory")]
    OutOfHostMemory,
    #[error("profiling information not available")]
    ProfilingInfoNotAvailable,
    #[error("source and destination regions overlap")]
    MemCopyOverlap,
    #[error("program build failure")]
    BuildProgramFailure,
    #[error("kernel argument information not available (build with -cl-kernel-arg-info)")]
    KernelArgInfoNotAvailable,
    #[error("misaligned sub-buffer offset")]
    MisalignedSubBufferOffset,
    #[error("a command in the wait list ended with an error")]
    ExecStatusErrorForEventsInWaitList,
    #[error("compile program failure")]
    CompileProgramFailure,
    #[error("link program failure")]
    LinkProgramFailure,
    #[error("invalid value: {0}")]
    InvalidValue(&'static str),
    #[error("invalid device")]
    InvalidDevice,
    #[error("invalid context")]
    InvalidContext,
    #[error("invalid queue properties")]
    InvalidQueueProperties,
    #[error("invalid command queue")]
    InvalidCommandQueue,
    #[error("invalid host pointer")]
    InvalidHostPtr,
    #[error("invalid memory object")]
    InvalidMemObject,
    #[error("invalid buffer size")]
    InvalidBufferSize,
    #[error("invalid program")]
    InvalidProgram,
    #[error("invalid program executable")]
    InvalidProgramExecutable,
    #[error("invalid kernel name")]
    InvalidKernelName,
    #[error("invalid kernel definition")]
    InvalidKernelDefinition,
    #[error("invalid kernel")]
    InvalidKernel,
    #[error("invalid argument index")]
    InvalidArgIndex,
    #[error("invalid argument value")]
    InvalidArgValue,
    #[error("invalid argument size")]
    InvalidArgSize,
    #[error("kernel arguments not set")]
    InvalidKernelArgs,
    #[error("invalid work dimension")]
    InvalidWorkDimension,
    #[error("invalid work-group size")]
    InvalidWorkGroupSize,
    #[error("invalid work-item size")]
    InvalidWorkItemSize,
    #[error("invalid global offset")]
    InvalidGlobalOffset,
    #[error("invalid event wait list")]
    InvalidEventWaitList,
    #[error("invalid event")]
    InvalidEvent,
    #[error("invalid operation: {0}")]
    InvalidOperation(&'static str),
    #[error("invalid build options")]
    InvalidBuildOptions,
    #[error("invalid global work size")]
    InvalidGlobalWorkSize,
    #[error("invalid property")]
    InvalidProperty,
    #[error("map failure")]
    MapFailure,
}

impl Error {
    /// The OpenCL error number (`CL_INVALID_VALUE` is -30, ...).
    pub fn code(&self) -> i32 {
        use Error::*;
        match self {
            DeviceNotFound => -1,
            DeviceNotAvailable => -2,
            MemObjectAllocationFailure => -4,
            OutOfResources(_) => -5,
            OutOfHostMemory => -6,
            ProfilingInfoNotAvailable => -7,
            MemCopyOverlap => -8,
            MapFailure => -12,
            BuildProgramFailure => -11,
            KernelArgInfoNotAvailable => -19,
            MisalignedSubBufferOffset => -13,
            ExecStatusErrorForEventsInWaitList => -14,
            CompileProgramFailure => -15,
            LinkProgramFailure => -17,
            InvalidValue(_) => -30,
            InvalidDevice => -33,
            InvalidContext => -34,
            InvalidQueueProperties => -35,
            InvalidCommandQueue => -36,
            InvalidHostPtr => -37,
            InvalidMemObject => -38,
            InvalidBufferSize => -61,
            InvalidProgram => -44,
            InvalidProgramExecutable => -45,
            InvalidKernelName => -46,
            InvalidKernelDefinition => -47,
            InvalidKernel => -48,
            InvalidArgIndex => -49,
            InvalidArgValue => -50,
            InvalidArgSize => -51,
            InvalidKernelArgs => -52,
            InvalidWorkDimension => -53,
            InvalidWorkGroupSize => -54,
            InvalidWorkItemSize => -55,
            InvalidGlobalOffset => -56,
            InvalidEventWaitList => -57,
            InvalidEvent => -58,
            InvalidOperation(_) => -59,
            InvalidBuildOptions => -43,
            InvalidGlobalWorkSize => -63,
            InvalidProperty => -64,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a blocking call made from inside a callback returns: the spec calls such calls
/// undefined; wgcl refuses them instead of risking a deadlock on its own callback thread.
pub(crate) fn refuse_blocking_in_callback() -> Result<()> {
    if crate::dispatcher::in_callback() {
        Err(Error::InvalidOperation("blocking call from inside a wgcl callback"))
    } else {
        Ok(())
    }
}
