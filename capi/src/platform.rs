//! Platform and device handles and their queries.
//!
//! There is one platform (`wgcl::Platform::get()`) and one root device per wgpu adapter.
//! Their handles are created once and live for the whole process, so `clRetainDevice` /
//! `clReleaseDevice` on them are no-ops that only validate (as the spec says for root
//! devices).
use std::ffi::c_void;
use std::sync::{Arc, OnceLock};

use crate::cl::*;
use crate::handle::{create_static, ClObject, Handle, Kind};
use crate::info::InfoOut;
use crate::{guard, slice, write_opt};

/// `CL_PLATFORM_ICD_SUFFIX_KHR`: what the ICD loader appends to extension function names.
pub const ICD_SUFFIX: &str = "wgcl";
pub const PLATFORM_EXTENSIONS: &[(&str, cl_version)] = &[("cl_khr_icd", make_version(1, 0, 0))];

pub struct Platform {
    pub rt: Arc<wgcl::Platform>,
    devices: Vec<usize>,
}
impl ClObject for Platform {
    const KIND: Kind = Kind::Platform;
    type C = _cl_platform_id;
}

pub struct Device {
    pub rt: Arc<wgcl::Device>,
}
impl ClObject for Device {
    const KIND: Kind = Kind::Device;
    type C = _cl_device_id;
}

static PLATFORM: OnceLock<usize> = OnceLock::new();

/// The process's platform handle (created with its device handles on first use).
pub fn platform_handle() -> cl_platform_id {
    *PLATFORM.get_or_init(|| {
        let rt = wgcl::Platform::get();
        let devices = rt.devices().iter().map(|d| create_static(Device { rt: d.clone() }) as usize).collect();
        create_static(Platform { rt, devices }) as usize
    }) as cl_platform_id
}

impl Platform {
    /// Validates a platform argument; NULL selects ours (implementation-defined, allowed by
    /// the spec for every call that takes an optional platform).
    pub fn get_handle(p: cl_platform_id) -> Result<Arc<Handle<Platform>>, cl_int> {
        let p = if p.is_null() { platform_handle() } else { p };
        Handle::<Platform>::get(p)
    }

    pub fn device_handles(&self) -> Vec<cl_device_id> {
        self.devices.iter().map(|d| *d as cl_device_id).collect()
    }
}

impl Device {
    pub fn get(d: cl_device_id) -> Result<Arc<Handle<Device>>, cl_int> {
        Handle::<Device>::get(d)
    }

    /// The handle of a runtime device (for queries that return devices).
    pub fn handle_of(rt: &Arc<wgcl::Device>) -> cl_device_id {
        let p = Handle::<Platform>::get(platform_handle()).expect("platform handle is static");
        p.data
            .device_handles()
            .into_iter()
            .find(|d| Handle::<Device>::get(*d).is_ok_and(|h| Arc::ptr_eq(&h.data.rt, rt)))
            .unwrap_or(std::ptr::null_mut())
    }

    pub fn cl_type(&self) -> cl_device_type {
        match self.rt.info().device_type {
            wgcl::DeviceType::Gpu => CL_DEVICE_TYPE_GPU,
            wgcl::DeviceType::Cpu => CL_DEVICE_TYPE_CPU,
            wgcl::DeviceType::Accelerator => CL_DEVICE_TYPE_ACCELERATOR,
            wgcl::DeviceType::Default => CL_DEVICE_TYPE_DEFAULT,
        }
    }

    /// Device extensions (with versions); only what the runtime really provides.
    pub fn extensions(&self) -> Vec<(&'static str, cl_version)> {
        let i = self.rt.info();
        let mut v = vec![("cl_khr_icd", make_version(1, 0, 0))];
        // Core since OpenCL 1.1, still looked for by name by many programs; the front end
        // lowers them on every device (32-bit atomics; byte stores as word read-modify-write).
        for name in [
            "cl_khr_byte_addressable_store",
            "cl_khr_global_int32_base_atomics",
            "cl_khr_global_int32_extended_atomics",
            "cl_khr_local_int32_base_atomics",
            "cl_khr_local_int32_extended_atomics",
        ] {
            v.push((name, make_version(1, 0, 0)));
        }
        if i.f64 {
            v.push(("cl_khr_fp64", make_version(1, 0, 0)));
        }
        if i.f16 {
            v.push(("cl_khr_fp16", make_version(1, 0, 0)));
        }
        if i.i64_atomics {
            v.push(("cl_khr_int64_base_atomics", make_version(1, 0, 0)));
            v.push(("cl_khr_int64_extended_atomics", make_version(1, 0, 0)));
        }
        v
    }

    /// `CL_DEVICE_QUEUE_ON_HOST_PROPERTIES`.
    pub fn queue_properties(&self) -> cl_command_queue_properties {
        CL_QUEUE_PROFILING_ENABLE | CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE
    }
}

fn join(ext: &[(&str, cl_version)]) -> String {
    ext.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" ")
}

/// `clGetPlatformIDs` and `clIcdGetPlatformIDsKHR` (which differ only in the code for "none").
pub(crate) fn get_platform_ids(
    num_entries: cl_uint,
    platforms: *mut cl_platform_id,
    num_platforms: *mut cl_uint,
    _none_code: cl_int,
) -> Result<(), cl_int> {
    if (num_entries == 0 && !platforms.is_null()) || (platforms.is_null() && num_platforms.is_null()) {
        return Err(CL_INVALID_VALUE);
    }
    let p = platform_handle();
    // SAFETY: the caller gives NULL or room for `num_entries` (> 0 here) platform handles.
    unsafe {
        if !platforms.is_null() {
            platforms.write(p);
        }
        write_opt(num_platforms, 1);
    }
    Ok(())
}

#[no_mangle]
pub unsafe extern "C" fn clGetPlatformIDs(
    num_entries: cl_uint,
    platforms: *mut cl_platform_id,
    num_platforms: *mut cl_uint,
) -> cl_int {
    guard(|| get_platform_ids(num_entries, platforms, num_platforms, CL_SUCCESS))
}

#[no_mangle]
pub unsafe extern "C" fn clGetPlatformInfo(
    platform: cl_platform_id,
    param_name: cl_platform_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        Platform::get_handle(platform)?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_PLATFORM_PROFILE => out.string(wgcl::Platform::PROFILE),
            CL_PLATFORM_VERSION => out.string(wgcl::Platform::VERSION),
            CL_PLATFORM_NUMERIC_VERSION => out.scalar(make_version(3, 0, 0)),
            CL_PLATFORM_NAME => out.string(wgcl::Platform::NAME),
            CL_PLATFORM_VENDOR => out.string(wgcl::Platform::VENDOR),
            CL_PLATFORM_EXTENSIONS => out.string(&join(PLATFORM_EXTENSIONS)),
            CL_PLATFORM_EXTENSIONS_WITH_VERSION => out.name_versions(PLATFORM_EXTENSIONS),
            // Device and host timestamps are both wgcl's nanosecond clock (wgcl::clock).
            CL_PLATFORM_HOST_TIMER_RESOLUTION => out.scalar::<cl_ulong>(1),
            CL_PLATFORM_ICD_SUFFIX_KHR => out.string(ICD_SUFFIX),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

const ALL_DEVICE_TYPES: cl_device_type = CL_DEVICE_TYPE_DEFAULT
    | CL_DEVICE_TYPE_CPU
    | CL_DEVICE_TYPE_GPU
    | CL_DEVICE_TYPE_ACCELERATOR
    | CL_DEVICE_TYPE_CUSTOM;

/// The platform's devices of `device_type` (DEFAULT = the first device), or an error code.
pub fn devices_of_type(platform: cl_platform_id, device_type: cl_device_type) -> Result<Vec<cl_device_id>, cl_int> {
    let p = Platform::get_handle(platform)?;
    // 0 names no type at all: invalid, not "none found".
    if device_type == 0 || (device_type != CL_DEVICE_TYPE_ALL && device_type & !ALL_DEVICE_TYPES != 0) {
        return Err(CL_INVALID_DEVICE_TYPE);
    }
    let all = p.data.device_handles();
    let found: Vec<cl_device_id> = if device_type == CL_DEVICE_TYPE_ALL {
        all
    } else {
        let mut v: Vec<cl_device_id> = all
            .iter()
            .copied()
            .filter(|d| Device::get(*d).is_ok_and(|h| h.data.cl_type() & device_type != 0))
            .collect();
        if device_type & CL_DEVICE_TYPE_DEFAULT != 0 && !all.is_empty() && !v.contains(&all[0]) {
            v.insert(0, all[0]);
        }
        v
    };
    if found.is_empty() {
        Err(CL_DEVICE_NOT_FOUND)
    } else {
        Ok(found)
    }
}

#[no_mangle]
pub unsafe extern "C" fn clGetDeviceIDs(
    platform: cl_platform_id,
    device_type: cl_device_type,
    num_entries: cl_uint,
    devices: *mut cl_device_id,
    num_devices: *mut cl_uint,
) -> cl_int {
    guard(|| {
        Platform::get_handle(platform)?;
        if (num_entries == 0 && !devices.is_null()) || (devices.is_null() && num_devices.is_null()) {
            return Err(CL_INVALID_VALUE);
        }
        let found = devices_of_type(platform, device_type)?;
        // SAFETY: `devices` is NULL or has room for `num_entries` handles; `num_devices` NULL
        // or writable.
        unsafe {
            if !devices.is_null() {
                for (i, d) in found.iter().take(num_entries as usize).enumerate() {
                    devices.add(i).write(*d);
                }
            }
            write_opt(num_devices, found.len() as cl_uint);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetDeviceInfo(
    device: cl_device_id,
    param_name: cl_device_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Device::get(device)?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        device_info(&h.data, param_name, out)
    })
}

fn device_info(d: &Device, param: cl_device_info, out: InfoOut) -> Result<(), cl_int> {
    let i = d.rt.info();
    let ext = d.extensions();
    let half = if i.f16 { 1u32 } else { 0 };
    let double = if i.f64 { 1u32 } else { 0 };
    let fp64_config = if i.f64 {
        CL_FP_FMA | CL_FP_ROUND_TO_NEAREST | CL_FP_ROUND_TO_ZERO | CL_FP_ROUND_TO_INF | CL_FP_INF_NAN | CL_FP_DENORM
    } else {
        0
    };
    match param {
        CL_DEVICE_TYPE => out.scalar(d.cl_type()),
        CL_DEVICE_VENDOR_ID => out.scalar::<cl_uint>(i.vendor_id),
        CL_DEVICE_MAX_COMPUTE_UNITS => out.scalar::<cl_uint>(i.max_compute_units),
        CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS => out.scalar::<cl_uint>(3),
        CL_DEVICE_MAX_WORK_GROUP_SIZE => out.scalar::<usize>(i.max_work_group_size),
        CL_DEVICE_MAX_WORK_ITEM_SIZES => out.slice::<usize>(&i.max_work_item_sizes),
        CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR
        | CL_DEVICE_PREFERRED_VECTOR_WIDTH_SHORT
        | CL_DEVICE_PREFERRED_VECTOR_WIDTH_INT
        | CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT
        | CL_DEVICE_NATIVE_VECTOR_WIDTH_CHAR
        | CL_DEVICE_NATIVE_VECTOR_WIDTH_SHORT
        | CL_DEVICE_NATIVE_VECTOR_WIDTH_INT
        | CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT => out.scalar::<cl_uint>(1),
        CL_DEVICE_PREFERRED_VECTOR_WIDTH_LONG | CL_DEVICE_NATIVE_VECTOR_WIDTH_LONG => {
            out.scalar::<cl_uint>(if i.i64 { 1 } else { 0 })
        }
        CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE | CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE => out.scalar(double),
        CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF | CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF => out.scalar(half),
        // wgpu does not report a clock; 0 would make some apps divide by zero.
        CL_DEVICE_MAX_CLOCK_FREQUENCY => out.scalar::<cl_uint>(1),
        // Shaders index with 32-bit integers.
        CL_DEVICE_ADDRESS_BITS => out.scalar::<cl_uint>(32),
        CL_DEVICE_MAX_MEM_ALLOC_SIZE => out.scalar::<cl_ulong>(i.max_mem_alloc_size),
        CL_DEVICE_IMAGE_SUPPORT => out.bool(false),
        CL_DEVICE_MAX_READ_IMAGE_ARGS
        | CL_DEVICE_MAX_WRITE_IMAGE_ARGS
        | CL_DEVICE_MAX_READ_WRITE_IMAGE_ARGS
        | CL_DEVICE_MAX_SAMPLERS
        | CL_DEVICE_IMAGE_PITCH_ALIGNMENT
        | CL_DEVICE_IMAGE_BASE_ADDRESS_ALIGNMENT
        | CL_DEVICE_MAX_PIPE_ARGS
        | CL_DEVICE_PIPE_MAX_ACTIVE_RESERVATIONS
        | CL_DEVICE_PIPE_MAX_PACKET_SIZE
        | CL_DEVICE_MAX_ON_DEVICE_QUEUES
        | CL_DEVICE_MAX_ON_DEVICE_EVENTS
        | CL_DEVICE_QUEUE_ON_DEVICE_PREFERRED_SIZE
        | CL_DEVICE_QUEUE_ON_DEVICE_MAX_SIZE
        | CL_DEVICE_PREFERRED_PLATFORM_ATOMIC_ALIGNMENT
        | CL_DEVICE_PREFERRED_GLOBAL_ATOMIC_ALIGNMENT
        | CL_DEVICE_PREFERRED_LOCAL_ATOMIC_ALIGNMENT
        | CL_DEVICE_MAX_NUM_SUB_GROUPS
        | CL_DEVICE_PARTITION_MAX_SUB_DEVICES => out.scalar::<cl_uint>(0),
        CL_DEVICE_IMAGE2D_MAX_WIDTH
        | CL_DEVICE_IMAGE2D_MAX_HEIGHT
        | CL_DEVICE_IMAGE3D_MAX_WIDTH
        | CL_DEVICE_IMAGE3D_MAX_HEIGHT
        | CL_DEVICE_IMAGE3D_MAX_DEPTH
        | CL_DEVICE_IMAGE_MAX_BUFFER_SIZE
        | CL_DEVICE_IMAGE_MAX_ARRAY_SIZE
        | CL_DEVICE_MAX_GLOBAL_VARIABLE_SIZE
        | CL_DEVICE_GLOBAL_VARIABLE_PREFERRED_TOTAL_SIZE => out.scalar::<usize>(0),
        CL_DEVICE_PRINTF_BUFFER_SIZE => out.scalar::<usize>(wgcl::printf::PRINTF_BUFFER_SIZE as usize),
        CL_DEVICE_MAX_PARAMETER_SIZE => out.scalar::<usize>(i.max_parameter_size),
        // In bits, per the spec.
        CL_DEVICE_MEM_BASE_ADDR_ALIGN => out.scalar::<cl_uint>(i.mem_base_addr_align * 8),
        CL_DEVICE_MIN_DATA_TYPE_ALIGN_SIZE => out.scalar::<cl_uint>(128),
        CL_DEVICE_SINGLE_FP_CONFIG => out.scalar::<cl_device_fp_config>(CL_FP_ROUND_TO_NEAREST | CL_FP_INF_NAN),
        CL_DEVICE_DOUBLE_FP_CONFIG => out.scalar::<cl_device_fp_config>(fp64_config),
        CL_DEVICE_HALF_FP_CONFIG if i.f16 => out.scalar::<cl_device_fp_config>(CL_FP_ROUND_TO_NEAREST | CL_FP_INF_NAN),
        CL_DEVICE_GLOBAL_MEM_CACHE_TYPE => out.scalar::<cl_uint>(CL_NONE),
        CL_DEVICE_GLOBAL_MEM_CACHELINE_SIZE => out.scalar::<cl_uint>(0),
        CL_DEVICE_GLOBAL_MEM_CACHE_SIZE => out.scalar::<cl_ulong>(0),
        CL_DEVICE_GLOBAL_MEM_SIZE => out.scalar::<cl_ulong>(i.global_mem_size),
        CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE => out.scalar::<cl_ulong>(i.max_constant_buffer_size),
        CL_DEVICE_MAX_CONSTANT_ARGS => out.scalar::<cl_uint>(i.max_storage_buffers.min(8)),
        CL_DEVICE_LOCAL_MEM_TYPE => out.scalar::<cl_uint>(CL_LOCAL),
        CL_DEVICE_LOCAL_MEM_SIZE => out.scalar::<cl_ulong>(i.local_mem_size),
        CL_DEVICE_ERROR_CORRECTION_SUPPORT
        | CL_DEVICE_HOST_UNIFIED_MEMORY
        | CL_DEVICE_SUB_GROUP_INDEPENDENT_FORWARD_PROGRESS
        | CL_DEVICE_WORK_GROUP_COLLECTIVE_FUNCTIONS_SUPPORT
        | CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT
        | CL_DEVICE_PIPE_SUPPORT => out.bool(false),
        // A remainder work-group runs with its real size (the front end masks the padding).
        CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT => out.bool(true),
        // Profiling times come from the host's monotonic clock in nanoseconds.
        CL_DEVICE_PROFILING_TIMER_RESOLUTION => out.scalar::<usize>(1),
        CL_DEVICE_ENDIAN_LITTLE
        | CL_DEVICE_AVAILABLE
        | CL_DEVICE_COMPILER_AVAILABLE
        | CL_DEVICE_LINKER_AVAILABLE
        | CL_DEVICE_PREFERRED_INTEROP_USER_SYNC => out.bool(true),
        CL_DEVICE_EXECUTION_CAPABILITIES => out.scalar::<cl_device_exec_capabilities>(CL_EXEC_KERNEL),
        CL_DEVICE_QUEUE_ON_HOST_PROPERTIES => out.scalar(d.queue_properties()),
        CL_DEVICE_QUEUE_ON_DEVICE_PROPERTIES => out.scalar::<cl_command_queue_properties>(0),
        CL_DEVICE_PLATFORM => out.scalar(platform_handle()),
        CL_DEVICE_NAME => out.string(&i.name),
        CL_DEVICE_VENDOR => out.string(&i.vendor),
        CL_DRIVER_VERSION => out.string(env!("CARGO_PKG_VERSION")),
        CL_DEVICE_PROFILE => out.string("FULL_PROFILE"),
        CL_DEVICE_VERSION => out.string(&format!("OpenCL 3.0 wgcl ({} {})", i.backend, i.driver_version)),
        CL_DEVICE_NUMERIC_VERSION => out.scalar(make_version(3, 0, 0)),
        CL_DEVICE_OPENCL_C_VERSION => out.string("OpenCL C 1.2 "),
        CL_DEVICE_OPENCL_C_ALL_VERSIONS => out.name_versions(&[
            ("OpenCL C", make_version(1, 0, 0)),
            ("OpenCL C", make_version(1, 1, 0)),
            ("OpenCL C", make_version(1, 2, 0)),
            ("OpenCL C", make_version(3, 0, 0)),
        ]),
        CL_DEVICE_OPENCL_C_FEATURES => {
            let mut f = Vec::new();
            if i.f64 {
                f.push(("__opencl_c_fp64", make_version(3, 0, 0)));
            }
            if i.i64 {
                f.push(("__opencl_c_int64", make_version(3, 0, 0)));
            }
            out.name_versions(&f)
        }
        CL_DEVICE_EXTENSIONS => out.string(&join(&ext)),
        CL_DEVICE_EXTENSIONS_WITH_VERSION => out.name_versions(&ext),
        CL_DEVICE_BUILT_IN_KERNELS | CL_DEVICE_IL_VERSION => out.string(""),
        CL_DEVICE_BUILT_IN_KERNELS_WITH_VERSION | CL_DEVICE_ILS_WITH_VERSION => out.name_versions(&[]),
        CL_DEVICE_PARENT_DEVICE => out.scalar::<cl_device_id>(std::ptr::null_mut()),
        // "If the device cannot be partitioned, a value of 0 will be returned."
        CL_DEVICE_PARTITION_PROPERTIES => out.slice::<cl_device_partition_property>(&[0]),
        CL_DEVICE_PARTITION_AFFINITY_DOMAIN => out.scalar::<cl_device_affinity_domain>(0),
        // A root device: size 0 is one of the two answers the spec allows.
        CL_DEVICE_PARTITION_TYPE => out.slice::<cl_device_partition_property>(&[]),
        CL_DEVICE_REFERENCE_COUNT => out.scalar::<cl_uint>(1),
        CL_DEVICE_SVM_CAPABILITIES => out.scalar::<cl_device_svm_capabilities>(0),
        // The 3.0 minimum: relaxed atomics / fences at work-group scope.
        CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES => out.scalar::<cl_device_atomic_capabilities>(
            CL_DEVICE_ATOMIC_ORDER_RELAXED | CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP,
        ),
        CL_DEVICE_ATOMIC_FENCE_CAPABILITIES => out.scalar::<cl_device_atomic_capabilities>(
            CL_DEVICE_ATOMIC_ORDER_RELAXED | CL_DEVICE_ATOMIC_ORDER_ACQ_REL | CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP,
        ),
        CL_DEVICE_PREFERRED_WORK_GROUP_SIZE_MULTIPLE => out.scalar::<usize>(if i.device_type == wgcl::DeviceType::Cpu { 1 } else { 32 }),
        CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES => out.scalar::<cl_device_device_enqueue_capabilities>(0),
        CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED => out.string("v0000-01-01-00"),
        _ => Err(CL_INVALID_VALUE),
    }
}

#[no_mangle]
pub unsafe extern "C" fn clCreateSubDevices(
    in_device: cl_device_id,
    properties: *const cl_device_partition_property,
    num_devices: cl_uint,
    out_devices: *mut cl_device_id,
    num_devices_ret: *mut cl_uint,
) -> cl_int {
    let _ = (num_devices, out_devices, num_devices_ret);
    guard(|| {
        Device::get(in_device)?;
        if properties.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // CL_DEVICE_PARTITION_PROPERTIES is empty: every partition scheme is "valid but not
        // supported by the device", which the spec maps to CL_INVALID_VALUE.
        Err(CL_INVALID_VALUE)
    })
}

/// Root devices are not reference counted; only validate.
#[no_mangle]
pub unsafe extern "C" fn clRetainDevice(device: cl_device_id) -> cl_int {
    guard(|| Device::get(device).map(|_| ()))
}

#[no_mangle]
pub unsafe extern "C" fn clReleaseDevice(device: cl_device_id) -> cl_int {
    guard(|| Device::get(device).map(|_| ()))
}

/// Profiling timestamps are taken on the host from wgcl's own clock (wgpu has no start
/// signal), so the device timer and the host timer are that one clock, read once.
#[no_mangle]
pub unsafe extern "C" fn clGetDeviceAndHostTimer(
    device: cl_device_id,
    device_timestamp: *mut cl_ulong,
    host_timestamp: *mut cl_ulong,
) -> cl_int {
    guard(|| {
        let d = Device::get(device)?;
        if device_timestamp.is_null() || host_timestamp.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        let (dev, host) = d.data.rt.device_and_host_timer();
        // SAFETY: both checked non-NULL; the caller provides writable cl_ulongs.
        unsafe {
            device_timestamp.write(dev);
            host_timestamp.write(host);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetHostTimer(device: cl_device_id, host_timestamp: *mut cl_ulong) -> cl_int {
    guard(|| {
        let d = Device::get(device)?;
        if host_timestamp.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: checked non-NULL; the caller provides a writable cl_ulong.
        unsafe { host_timestamp.write(d.data.rt.host_timer()) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clUnloadPlatformCompiler(platform: cl_platform_id) -> cl_int {
    guard(|| {
        if platform.is_null() {
            return Err(CL_INVALID_PLATFORM);
        }
        Platform::get_handle(platform).map(|_| ())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clUnloadCompiler() -> cl_int {
    CL_SUCCESS
}

/// Validates a device list against the platform; an empty or NULL list is `CL_INVALID_VALUE`.
///
/// # Safety
/// `devices` must be NULL or point at `n` handles.
pub(crate) unsafe fn device_list(devices: *const cl_device_id, n: cl_uint) -> Result<Vec<Arc<Handle<Device>>>, cl_int> {
    if devices.is_null() || n == 0 {
        return Err(CL_INVALID_VALUE);
    }
    // SAFETY: the caller's contract.
    let list = unsafe { slice(devices, n as usize) };
    list.iter().map(|d| Device::get(*d)).collect()
}
