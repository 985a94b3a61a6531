//! `cl_khr_icd`: the dispatch table every handle points at, and the entry points the ICD
//! loader (ocl-icd, the Khronos loader) looks up by name.
//!
//! The loader calls our functions through the table in the first word of each handle, so
//! the slot order must be exactly `cl_icd_dispatch` from `<CL/cl_icd.h>` ([`SLOTS`], copied
//! from it; a test compares the two). Slots of functions we do not export stay NULL.
use std::ffi::{c_char, c_void, CStr};
use std::sync::LazyLock;

use crate::cl::*;
use crate::{guard, platform};

/// `cl_icd_dispatch`, as an array of untyped function pointers in slot order.
#[repr(C)]
pub struct IcdDispatch {
    pub slots: [*const c_void; SLOTS.len()],
}

// SAFETY: the table is built once and never written again; it holds only code addresses.
unsafe impl Send for IcdDispatch {}
// SAFETY: as above.
unsafe impl Sync for IcdDispatch {}

static DISPATCH: LazyLock<IcdDispatch> = LazyLock::new(|| {
    let exports = crate::exports();
    let mut slots = [std::ptr::null(); SLOTS.len()];
    for (slot, name) in slots.iter_mut().zip(SLOTS) {
        if let Some((_, f)) = exports.iter().find(|(n, _)| *n == name) {
            *slot = *f;
        }
    }
    IcdDispatch { slots }
});

pub fn dispatch_table() -> *const IcdDispatch {
    &*DISPATCH
}

/// Functions `clGetExtensionFunctionAddress*` hands out (extension entry points only; core
/// functions are found by the loader through the dispatch table or by linking).
fn extension_function(name: &str) -> *mut c_void {
    match name {
        "clIcdGetPlatformIDsKHR" => clIcdGetPlatformIDsKHR as *mut c_void,
        _ => std::ptr::null_mut(),
    }
}

/// The loader's way in: the same platform list as `clGetPlatformIDs`, but with
/// `CL_PLATFORM_NOT_FOUND_KHR` instead of an empty success.
#[no_mangle]
pub unsafe extern "C" fn clIcdGetPlatformIDsKHR(
    num_entries: cl_uint,
    platforms: *mut cl_platform_id,
    num_platforms: *mut cl_uint,
) -> cl_int {
    guard(|| platform::get_platform_ids(num_entries, platforms, num_platforms, CL_PLATFORM_NOT_FOUND_KHR))
}

#[no_mangle]
pub unsafe extern "C" fn clGetExtensionFunctionAddress(func_name: *const c_char) -> *mut c_void {
    std::panic::catch_unwind(|| {
        if func_name.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller passes a NUL-terminated string (checked non-NULL above).
        let name = unsafe { CStr::from_ptr(func_name) };
        name.to_str().map(extension_function).unwrap_or(std::ptr::null_mut())
    })
    .unwrap_or(std::ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn clGetExtensionFunctionAddressForPlatform(
    platform: cl_platform_id,
    func_name: *const c_char,
) -> *mut c_void {
    std::panic::catch_unwind(|| {
        if platform::Platform::get_handle(platform).is_err() {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as clGetExtensionFunctionAddress.
        unsafe { clGetExtensionFunctionAddress(func_name) }
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Slot names of `cl_icd_dispatch` in `<CL/cl_icd.h>` (OpenCL-Headers 2023.02.06) order.
pub const SLOTS: [&str; 149] = [
    "clGetPlatformIDs", "clGetPlatformInfo", "clGetDeviceIDs", "clGetDeviceInfo", "clCreateContext",
    "clCreateContextFromType", "clRetainContext", "clReleaseContext", "clGetContextInfo",
    "clCreateCommandQueue", "clRetainCommandQueue", "clReleaseCommandQueue",
    "clGetCommandQueueInfo", "clSetCommandQueueProperty", "clCreateBuffer", "clCreateImage2D",
    "clCreateImage3D", "clRetainMemObject", "clReleaseMemObject", "clGetSupportedImageFormats",
    "clGetMemObjectInfo", "clGetImageInfo", "clCreateSampler", "clRetainSampler",
    "clReleaseSampler", "clGetSamplerInfo", "clCreateProgramWithSource",
    "clCreateProgramWithBinary", "clRetainProgram", "clReleaseProgram", "clBuildProgram",
    "clUnloadCompiler", "clGetProgramInfo", "clGetProgramBuildInfo", "clCreateKernel",
    "clCreateKernelsInProgram", "clRetainKernel", "clReleaseKernel", "clSetKernelArg",
    "clGetKernelInfo", "clGetKernelWorkGroupInfo", "clWaitForEvents", "clGetEventInfo",
    "clRetainEvent", "clReleaseEvent", "clGetEventProfilingInfo", "clFlush", "clFinish",
    "clEnqueueReadBuffer", "clEnqueueWriteBuffer", "clEnqueueCopyBuffer", "clEnqueueReadImage",
    "clEnqueueWriteImage", "clEnqueueCopyImage", "clEnqueueCopyImageToBuffer",
    "clEnqueueCopyBufferToImage", "clEnqueueMapBuffer", "clEnqueueMapImage",
    "clEnqueueUnmapMemObject", "clEnqueueNDRangeKernel", "clEnqueueTask", "clEnqueueNativeKernel",
    "clEnqueueMarker", "clEnqueueWaitForEvents", "clEnqueueBarrier",
    "clGetExtensionFunctionAddress", "clCreateFromGLBuffer", "clCreateFromGLTexture2D",
    "clCreateFromGLTexture3D", "clCreateFromGLRenderbuffer", "clGetGLObjectInfo",
    "clGetGLTextureInfo", "clEnqueueAcquireGLObjects", "clEnqueueReleaseGLObjects",
    "clGetGLContextInfoKHR", "clGetDeviceIDsFromD3D10KHR", "clCreateFromD3D10BufferKHR",
    "clCreateFromD3D10Texture2DKHR", "clCreateFromD3D10Texture3DKHR",
    "clEnqueueAcquireD3D10ObjectsKHR", "clEnqueueReleaseD3D10ObjectsKHR", "clSetEventCallback",
    "clCreateSubBuffer", "clSetMemObjectDestructorCallback", "clCreateUserEvent",
    "clSetUserEventStatus", "clEnqueueReadBufferRect", "clEnqueueWriteBufferRect",
    "clEnqueueCopyBufferRect", "clCreateSubDevicesEXT", "clRetainDeviceEXT", "clReleaseDeviceEXT",
    "clCreateEventFromGLsyncKHR", "clCreateSubDevices", "clRetainDevice", "clReleaseDevice",
    "clCreateImage", "clCreateProgramWithBuiltInKernels", "clCompileProgram", "clLinkProgram",
    "clUnloadPlatformCompiler", "clGetKernelArgInfo", "clEnqueueFillBuffer", "clEnqueueFillImage",
    "clEnqueueMigrateMemObjects", "clEnqueueMarkerWithWaitList", "clEnqueueBarrierWithWaitList",
    "clGetExtensionFunctionAddressForPlatform", "clCreateFromGLTexture",
    "clGetDeviceIDsFromD3D11KHR", "clCreateFromD3D11BufferKHR", "clCreateFromD3D11Texture2DKHR",
    "clCreateFromD3D11Texture3DKHR", "clCreateFromDX9MediaSurfaceKHR",
    "clEnqueueAcquireD3D11ObjectsKHR", "clEnqueueReleaseD3D11ObjectsKHR",
    "clGetDeviceIDsFromDX9MediaAdapterKHR", "clEnqueueAcquireDX9MediaSurfacesKHR",
    "clEnqueueReleaseDX9MediaSurfacesKHR", "clCreateFromEGLImageKHR",
    "clEnqueueAcquireEGLObjectsKHR", "clEnqueueReleaseEGLObjectsKHR", "clCreateEventFromEGLSyncKHR",
    "clCreateCommandQueueWithProperties", "clCreatePipe", "clGetPipeInfo", "clSVMAlloc",
    "clSVMFree", "clEnqueueSVMFree", "clEnqueueSVMMemcpy", "clEnqueueSVMMemFill", "clEnqueueSVMMap",
    "clEnqueueSVMUnmap", "clCreateSamplerWithProperties", "clSetKernelArgSVMPointer",
    "clSetKernelExecInfo", "clGetKernelSubGroupInfoKHR", "clCloneKernel", "clCreateProgramWithIL",
    "clEnqueueSVMMigrateMem", "clGetDeviceAndHostTimer", "clGetHostTimer",
    "clGetKernelSubGroupInfo", "clSetDefaultDeviceCommandQueue", "clSetProgramReleaseCallback",
    "clSetProgramSpecializationConstant", "clCreateBufferWithProperties",
    "clCreateImageWithProperties", "clSetContextDestructorCallback",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The table order must be Khronos' byte for byte; compare with the installed header.
    #[test]
    fn slots_match_installed_cl_icd_h() {
        let Ok(text) = std::fs::read_to_string("/usr/include/CL/cl_icd.h") else { return };
        let start = text.find("typedef struct _cl_icd_dispatch {").unwrap();
        let end = text[start..].find("} cl_icd_dispatch;").unwrap() + start;
        let names: Vec<&str> = text[start..end]
            .split(';')
            .filter_map(|d| d.split_whitespace().last())
            .filter(|n| n.starts_with("cl"))
            .collect();
        assert_eq!(names, SLOTS);
    }

    /// Every exported core function the table has a slot for is in the table.
    #[test]
    fn every_export_with_a_slot_is_dispatched() {
        let t = &*DISPATCH;
        for (name, f) in crate::exports() {
            let name: &str = name;
            if let Some(i) = SLOTS.iter().position(|s| *s == name) {
                assert_eq!(t.slots[i], f, "{name}");
            }
        }
        assert!(!t.slots[0].is_null());
    }
}
