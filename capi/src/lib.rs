//! libwgcl: the OpenCL 3.0 C ABI (and `cl_khr_icd`) over the `wgcl` runtime.
//!
//! Modelled on Mesa rusticl's `api/` layer and wgpu-native: every entry point checks its
//! arguments, turns handles into runtime objects ([`handle`]), calls the runtime, and turns
//! the result back into C. Nothing here implements OpenCL semantics beyond argument rules.
//!
//! * [`handle`]: handle boxes (dispatch pointer first) and the registry that validates them.
//! * [`icd`]: the `cl_icd_dispatch` table and the loader's entry points.
//! * [`info`]: the `param_value_size` rules shared by every `clGet*Info`.
//! * one module per object: [`platform`], [`context`], [`queue`], [`memory`], [`program`],
//!   [`kernel`], [`event`], [`enqueue`]; [`unsupported`] holds the images/samplers/pipes/SVM
//!   entry points that exist only to return the spec's "not supported" error.
//!
//! Every entry point body runs under [`guard`] (`catch_unwind`): no panic crosses into C.
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_snake_case, clippy::missing_safety_doc)]

// The runtime crate (a renamed dependency, see Cargo.toml), as `wgcl` in every module.
extern crate wgcl_runtime as wgcl;

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub mod cl;
mod cl_consts;
pub mod handle;
pub mod icd;
pub mod info;

pub mod context;
pub mod enqueue;
pub mod event;
pub mod kernel;
pub mod memory;
pub mod platform;
pub mod program;
pub mod queue;
pub mod unsupported;

pub use context::*;
pub use enqueue::*;
pub use event::*;
pub use icd::*;
pub use kernel::*;
pub use memory::*;
pub use platform::*;
pub use program::*;
pub use queue::*;
pub use unsupported::*;

use cl::*;

/// Runs an entry point body; a panic becomes `CL_OUT_OF_HOST_MEMORY` (the spec's catch-all
/// for "the implementation failed on the host").
pub(crate) fn guard(f: impl FnOnce() -> Result<(), cl_int>) -> cl_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => CL_SUCCESS,
        Ok(Err(code)) => code,
        Err(_) => CL_OUT_OF_HOST_MEMORY,
    }
}

/// [`guard`] for entry points that return an object and report through `errcode_ret`
/// (which may be NULL). On error the result is NULL.
pub(crate) fn guard_create<T>(errcode_ret: *mut cl_int, f: impl FnOnce() -> Result<*mut T, cl_int>) -> *mut T {
    let (ptr, code) = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(p)) => (p, CL_SUCCESS),
        Ok(Err(code)) => (std::ptr::null_mut(), code),
        Err(_) => (std::ptr::null_mut(), CL_OUT_OF_HOST_MEMORY),
    };
    // SAFETY: `errcode_ret` is NULL or points at a cl_int the caller owns (every entry point
    // with an errcode_ret parameter documents it so).
    unsafe { write_opt(errcode_ret, code) };
    ptr
}

/// Runtime results into OpenCL codes.
pub(crate) trait ClResult<T> {
    fn cl(self) -> Result<T, cl_int>;
}

impl<T> ClResult<T> for wgcl::Result<T> {
    fn cl(self) -> Result<T, cl_int> {
        self.map_err(|e| {
            log::debug!("wgcl: {e}");
            e.code()
        })
    }
}

/// Writes an optional out-parameter.
///
/// # Safety
/// `p` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn write_opt<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: non-NULL, and the caller promises it is writable.
        unsafe { p.write_unaligned(v) }
    }
}

/// Borrows a C array; NULL or empty gives an empty slice.
///
/// # Safety
/// `p` must be NULL or point at `n` readable `T`s that outlive the returned slice.
pub(crate) unsafe fn slice<'a, T>(p: *const T, n: usize) -> &'a [T] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(p, n) }
    }
}

/// Reads a zero-terminated property list (`cl_context_properties`, `cl_queue_properties`,
/// ...) into (name, value) pairs. NULL is an empty list.
///
/// # Safety
/// `p` must be NULL or point at a list terminated by a 0 name.
pub(crate) unsafe fn property_list<T: Copy + PartialEq + Default>(p: *const T) -> Vec<(T, T)> {
    let mut out = Vec::new();
    if p.is_null() {
        return out;
    }
    let mut i = 0;
    loop {
        // SAFETY: the caller's contract: entries up to and including the 0 name are readable.
        let name = unsafe { p.add(i).read_unaligned() };
        if name == T::default() {
            return out;
        }
        // SAFETY: a non-zero name is followed by its value.
        let value = unsafe { p.add(i + 1).read_unaligned() };
        out.push((name, value));
        i += 2;
    }
}

/// The same list flattened back with its terminator (what `CL_*_PROPERTIES` queries return;
/// empty when the app passed NULL).
pub(crate) fn flat_properties<T: Copy + Default>(props: &[(T, T)], was_null: bool) -> Vec<T> {
    if was_null {
        return Vec::new();
    }
    let mut v: Vec<T> = props.iter().flat_map(|(a, b)| [*a, *b]).collect();
    v.push(T::default());
    v
}

macro_rules! export_table {
    ($($f:ident),* $(,)?) => {
        /// Every C entry point by name (fills the ICD dispatch table).
        pub fn exports() -> Vec<(&'static str, *const c_void)> {
            vec![$((stringify!($f), $f as *const c_void)),*]
        }
    };
}

export_table![
    clGetPlatformIDs, clGetPlatformInfo, clGetDeviceIDs, clGetDeviceInfo, clCreateSubDevices,
    clRetainDevice, clReleaseDevice, clSetDefaultDeviceCommandQueue, clGetDeviceAndHostTimer,
    clGetHostTimer, clCreateContext, clCreateContextFromType, clRetainContext, clReleaseContext,
    clGetContextInfo, clSetContextDestructorCallback, clCreateCommandQueueWithProperties,
    clRetainCommandQueue, clReleaseCommandQueue, clGetCommandQueueInfo, clCreateBuffer,
    clCreateSubBuffer, clCreateImage, clCreatePipe, clCreateBufferWithProperties,
    clCreateImageWithProperties, clRetainMemObject, clReleaseMemObject, clGetSupportedImageFormats,
    clGetMemObjectInfo, clGetImageInfo, clGetPipeInfo, clSetMemObjectDestructorCallback, clSVMAlloc,
    clSVMFree, clCreateSamplerWithProperties, clRetainSampler, clReleaseSampler, clGetSamplerInfo,
    clCreateProgramWithSource, clCreateProgramWithBinary, clCreateProgramWithBuiltInKernels,
    clCreateProgramWithIL, clRetainProgram, clReleaseProgram, clBuildProgram, clCompileProgram,
    clLinkProgram, clSetProgramReleaseCallback, clSetProgramSpecializationConstant,
    clUnloadPlatformCompiler, clGetProgramInfo, clGetProgramBuildInfo, clCreateKernel,
    clCreateKernelsInProgram, clCloneKernel, clRetainKernel, clReleaseKernel, clSetKernelArg,
    clSetKernelArgSVMPointer, clSetKernelExecInfo, clGetKernelInfo, clGetKernelArgInfo,
    clGetKernelWorkGroupInfo, clGetKernelSubGroupInfo, clWaitForEvents, clGetEventInfo,
    clCreateUserEvent, clRetainEvent, clReleaseEvent, clSetUserEventStatus, clSetEventCallback,
    clGetEventProfilingInfo, clFlush, clFinish, clEnqueueReadBuffer, clEnqueueReadBufferRect,
    clEnqueueWriteBuffer, clEnqueueWriteBufferRect, clEnqueueFillBuffer, clEnqueueCopyBuffer,
    clEnqueueCopyBufferRect, clEnqueueReadImage, clEnqueueWriteImage, clEnqueueFillImage,
    clEnqueueCopyImage, clEnqueueCopyImageToBuffer, clEnqueueCopyBufferToImage, clEnqueueMapBuffer,
    clEnqueueMapImage, clEnqueueUnmapMemObject, clEnqueueMigrateMemObjects, clEnqueueNDRangeKernel,
    clEnqueueNativeKernel, clEnqueueMarkerWithWaitList, clEnqueueBarrierWithWaitList,
    clEnqueueSVMFree, clEnqueueSVMMemcpy, clEnqueueSVMMemFill, clEnqueueSVMMap, clEnqueueSVMUnmap,
    clEnqueueSVMMigrateMem, clGetExtensionFunctionAddressForPlatform, clSetCommandQueueProperty,
    clCreateImage2D, clCreateImage3D, clEnqueueMarker, clEnqueueWaitForEvents, clEnqueueBarrier,
    clUnloadCompiler, clGetExtensionFunctionAddress, clCreateCommandQueue, clCreateSampler,
    clEnqueueTask, clIcdGetPlatformIDsKHR,
];

/// An application's `user_data` pointer, carried to the callback thread untouched.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub *mut c_void);
// SAFETY: wgcl never dereferences it; it is handed back to the application's callback, which
// the spec requires to be thread-safe.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_do_not_cross_the_boundary() {
        assert_eq!(guard(|| panic!("boom")), CL_OUT_OF_HOST_MEMORY);
        let mut err = 0;
        let p: *mut c_void = guard_create(&mut err, || panic!("boom"));
        assert!(p.is_null());
        assert_eq!(err, CL_OUT_OF_HOST_MEMORY);
        assert_eq!(guard(|| Err(CL_INVALID_VALUE)), CL_INVALID_VALUE);
    }

    #[test]
    fn property_lists() {
        let list: [isize; 5] = [1, 2, 3, 4, 0];
        // SAFETY: a 0-terminated local list.
        let pairs = unsafe { property_list(list.as_ptr()) };
        assert_eq!(pairs, vec![(1, 2), (3, 4)]);
        assert_eq!(flat_properties(&pairs, false), list.to_vec());
        assert!(flat_properties::<isize>(&[], true).is_empty());
    }
}
