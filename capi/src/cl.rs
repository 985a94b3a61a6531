//! The Khronos C types, spelled as in `<CL/cl.h>` / `<CL/cl_platform.h>` (Linux, 64-bit).
//!
//! cbindgen emits only functions (`capi/cbindgen.toml`); `wgcl.h` includes `<CL/cl.h>` for
//! these names, so every declaration in `wgcl.h` is checked against Khronos' by a C compiler
//! (`tests/c/header_agrees.c`).
#![allow(non_camel_case_types)]

use std::ffi::c_void;

pub use crate::cl_consts::*;

pub type cl_char = i8;
pub type cl_uchar = u8;
pub type cl_short = i16;
pub type cl_ushort = u16;
pub type cl_int = i32;
pub type cl_uint = u32;
pub type cl_long = i64;
pub type cl_ulong = u64;
pub type cl_bool = cl_uint;
pub type cl_bitfield = cl_ulong;
pub type cl_properties = cl_ulong;

pub type cl_device_type = cl_bitfield;
pub type cl_platform_info = cl_uint;
pub type cl_device_info = cl_uint;
pub type cl_device_fp_config = cl_bitfield;
pub type cl_device_mem_cache_type = cl_uint;
pub type cl_device_local_mem_type = cl_uint;
pub type cl_device_exec_capabilities = cl_bitfield;
pub type cl_device_svm_capabilities = cl_bitfield;
pub type cl_command_queue_properties = cl_bitfield;
pub type cl_device_partition_property = isize;
pub type cl_device_affinity_domain = cl_bitfield;
pub type cl_context_properties = isize;
pub type cl_context_info = cl_uint;
pub type cl_queue_properties = cl_properties;
pub type cl_command_queue_info = cl_uint;
pub type cl_channel_order = cl_uint;
pub type cl_channel_type = cl_uint;
pub type cl_mem_flags = cl_bitfield;
pub type cl_svm_mem_flags = cl_bitfield;
pub type cl_mem_object_type = cl_uint;
pub type cl_mem_info = cl_uint;
pub type cl_mem_migration_flags = cl_bitfield;
pub type cl_image_info = cl_uint;
pub type cl_buffer_create_type = cl_uint;
pub type cl_addressing_mode = cl_uint;
pub type cl_filter_mode = cl_uint;
pub type cl_sampler_info = cl_uint;
pub type cl_map_flags = cl_bitfield;
pub type cl_pipe_properties = isize;
pub type cl_pipe_info = cl_uint;
pub type cl_program_info = cl_uint;
pub type cl_program_build_info = cl_uint;
pub type cl_program_binary_type = cl_uint;
pub type cl_build_status = cl_int;
pub type cl_kernel_info = cl_uint;
pub type cl_kernel_arg_info = cl_uint;
pub type cl_kernel_arg_address_qualifier = cl_uint;
pub type cl_kernel_arg_access_qualifier = cl_uint;
pub type cl_kernel_arg_type_qualifier = cl_bitfield;
pub type cl_kernel_work_group_info = cl_uint;
pub type cl_kernel_sub_group_info = cl_uint;
pub type cl_event_info = cl_uint;
pub type cl_command_type = cl_uint;
pub type cl_profiling_info = cl_uint;
pub type cl_sampler_properties = cl_properties;
pub type cl_kernel_exec_info = cl_uint;
pub type cl_device_atomic_capabilities = cl_bitfield;
pub type cl_device_device_enqueue_capabilities = cl_bitfield;
pub type cl_khronos_vendor_id = cl_uint;
pub type cl_mem_properties = cl_properties;
pub type cl_version = cl_uint;

macro_rules! opaque {
    ($($st:ident => $ptr:ident),* $(,)?) => {$(
        /// Opaque C struct (only pointers to it exist).
        #[repr(C)]
        pub struct $st {
            _private: [u8; 0],
        }
        pub type $ptr = *mut $st;
    )*};
}
opaque! {
    _cl_platform_id => cl_platform_id,
    _cl_device_id => cl_device_id,
    _cl_context => cl_context,
    _cl_command_queue => cl_command_queue,
    _cl_mem => cl_mem,
    _cl_program => cl_program,
    _cl_kernel => cl_kernel,
    _cl_event => cl_event,
    _cl_sampler => cl_sampler,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct cl_image_format {
    pub image_channel_order: cl_channel_order,
    pub image_channel_data_type: cl_channel_type,
}

#[repr(C)]
pub struct cl_image_desc {
    pub image_type: cl_mem_object_type,
    pub image_width: usize,
    pub image_height: usize,
    pub image_depth: usize,
    pub image_array_size: usize,
    pub image_row_pitch: usize,
    pub image_slice_pitch: usize,
    pub num_mip_levels: cl_uint,
    pub num_samples: cl_uint,
    pub mem_object: cl_mem,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct cl_buffer_region {
    pub origin: usize,
    pub size: usize,
}

pub const CL_NAME_VERSION_MAX_NAME_SIZE: usize = 64;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct cl_name_version {
    pub version: cl_version,
    pub name: [u8; CL_NAME_VERSION_MAX_NAME_SIZE],
}

pub const CL_TRUE: cl_bool = 1;
pub const CL_FALSE: cl_bool = 0;

/// `CL_MAKE_VERSION(major, minor, patch)`.
pub const fn make_version(major: u32, minor: u32, patch: u32) -> cl_version {
    (major << 22) | (minor << 12) | patch
}

pub type ContextNotify =
    Option<unsafe extern "C" fn(errinfo: *const std::ffi::c_char, private_info: *const c_void, cb: usize, user_data: *mut c_void)>;
pub type EventNotify = Option<unsafe extern "C" fn(event: cl_event, event_command_status: cl_int, user_data: *mut c_void)>;
pub type MemNotify = Option<unsafe extern "C" fn(memobj: cl_mem, user_data: *mut c_void)>;
pub type ProgramNotify = Option<unsafe extern "C" fn(program: cl_program, user_data: *mut c_void)>;
pub type ContextDestructorNotify = Option<unsafe extern "C" fn(context: cl_context, user_data: *mut c_void)>;
pub type SvmFreeNotify = Option<
    unsafe extern "C" fn(queue: cl_command_queue, num_svm_pointers: cl_uint, svm_pointers: *mut *mut c_void, user_data: *mut c_void),
>;
pub type NativeKernelFn = Option<unsafe extern "C" fn(args: *mut c_void)>;
