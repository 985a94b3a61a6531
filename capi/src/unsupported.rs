//! Entry points of features wgcl does not offer (images, samplers, pipes, SVM, IL programs,
//! built-in kernels, sub-groups, device-side queues). They exist so that every OpenCL 3.0
//! symbol links and the ICD table is complete, validate their handles first, and then return
//! the spec's error for "not supported by any device" — never crash. Device queries agree
//! (`CL_DEVICE_IMAGE_SUPPORT` = CL_FALSE, `CL_DEVICE_SVM_CAPABILITIES` = 0, ...).
use std::ffi::{c_char, c_void};

use crate::cl::*;
use crate::context::Context;
use crate::event::wait_list;
use crate::kernel::Kernel;
use crate::platform::Device;
use crate::program::Program;
use crate::queue::Queue;
use crate::{guard, guard_create, write_opt};

/// No device supports images or pipes (OpenCL 3.0: CL_INVALID_OPERATION).
fn no_images(context: cl_context) -> Result<cl_mem, cl_int> {
    Context::get(context)?;
    Err(CL_INVALID_OPERATION)
}

/// Queue + wait list validated, then "the device does not support this".
unsafe fn queue_unsupported(queue: cl_command_queue, n: cl_uint, list: *const cl_event) -> Result<(), cl_int> {
    let q = Queue::get(queue)?;
    // SAFETY: the caller's contract on the wait list.
    unsafe { wait_list(n, list, q.data.rt.context())? };
    Err(CL_INVALID_OPERATION)
}

#[no_mangle]
pub unsafe extern "C" fn clSetDefaultDeviceCommandQueue(context: cl_context, device: cl_device_id, command_queue: cl_command_queue) -> cl_int {
    guard(|| {
        Context::get(context)?;
        Device::get(device)?;
        // No device has on-device queues (CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES = 0), so
        // CL_INVALID_OPERATION comes before the queue is looked at: the CTS passes NULL.
        let _ = command_queue;
        Err(CL_INVALID_OPERATION)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clCreateImage(
    context: cl_context,
    flags: cl_mem_flags,
    image_format: *const cl_image_format,
    image_desc: *const cl_image_desc,
    host_ptr: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    let _ = (flags, image_format, image_desc, host_ptr);
    guard_create(errcode_ret, || no_images(context))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateImageWithProperties(
    context: cl_context,
    properties: *const cl_mem_properties,
    flags: cl_mem_flags,
    image_format: *const cl_image_format,
    image_desc: *const cl_image_desc,
    host_ptr: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    let _ = (properties, flags, image_format, image_desc, host_ptr);
    guard_create(errcode_ret, || no_images(context))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateImage2D(
    context: cl_context,
    flags: cl_mem_flags,
    image_format: *const cl_image_format,
    image_width: usize,
    image_height: usize,
    image_row_pitch: usize,
    host_ptr: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    let _ = (flags, image_format, image_width, image_height, image_row_pitch, host_ptr);
    guard_create(errcode_ret, || no_images(context))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateImage3D(
    context: cl_context,
    flags: cl_mem_flags,
    image_format: *const cl_image_format,
    image_width: usize,
    image_height: usize,
    image_depth: usize,
    image_row_pitch: usize,
    image_slice_pitch: usize,
    host_ptr: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    let _ = (flags, image_format, image_width, image_height, image_depth, image_row_pitch, image_slice_pitch, host_ptr);
    guard_create(errcode_ret, || no_images(context))
}

#[no_mangle]
pub unsafe extern "C" fn clCreatePipe(
    context: cl_context,
    flags: cl_mem_flags,
    pipe_packet_size: cl_uint,
    pipe_max_packets: cl_uint,
    properties: *const cl_pipe_properties,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    let _ = (flags, pipe_packet_size, pipe_max_packets, properties);
    guard_create(errcode_ret, || no_images(context))
}

/// No image formats: the list is empty (and the call succeeds, as for any context).
#[no_mangle]
pub unsafe extern "C" fn clGetSupportedImageFormats(
    context: cl_context,
    flags: cl_mem_flags,
    image_type: cl_mem_object_type,
    num_entries: cl_uint,
    image_formats: *mut cl_image_format,
    num_image_formats: *mut cl_uint,
) -> cl_int {
    let _ = (flags, image_type);
    guard(|| {
        Context::get(context)?;
        if num_entries == 0 && !image_formats.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: NULL or writable (C contract).
        unsafe { write_opt(num_image_formats, 0) };
        Ok(())
    })
}

/// No image or pipe can exist, so every `cl_mem` is the wrong kind of memory object.
#[no_mangle]
pub unsafe extern "C" fn clGetImageInfo(
    image: cl_mem,
    param_name: cl_image_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    let _ = (image, param_name, param_value_size, param_value, param_value_size_ret);
    CL_INVALID_MEM_OBJECT
}

#[no_mangle]
pub unsafe extern "C" fn clGetPipeInfo(
    pipe: cl_mem,
    param_name: cl_pipe_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    let _ = (pipe, param_name, param_value_size, param_value, param_value_size_ret);
    CL_INVALID_MEM_OBJECT
}

/// SVM allocation fails (returns NULL) as the spec says for devices without SVM.
#[no_mangle]
pub unsafe extern "C" fn clSVMAlloc(context: cl_context, flags: cl_svm_mem_flags, size: usize, alignment: cl_uint) -> *mut c_void {
    let _ = (context, flags, size, alignment);
    std::ptr::null_mut()
}

#[no_mangle]
pub unsafe extern "C" fn clSVMFree(context: cl_context, svm_pointer: *mut c_void) {
    let _ = (context, svm_pointer);
}

#[no_mangle]
pub unsafe extern "C" fn clCreateSampler(
    context: cl_context,
    normalized_coords: cl_bool,
    addressing_mode: cl_addressing_mode,
    filter_mode: cl_filter_mode,
    errcode_ret: *mut cl_int,
) -> cl_sampler {
    let _ = (normalized_coords, addressing_mode, filter_mode);
    guard_create(errcode_ret, || {
        Context::get(context)?;
        Err(CL_INVALID_OPERATION)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clCreateSamplerWithProperties(
    context: cl_context,
    sampler_properties: *const cl_sampler_properties,
    errcode_ret: *mut cl_int,
) -> cl_sampler {
    let _ = sampler_properties;
    guard_create(errcode_ret, || {
        Context::get(context)?;
        Err(CL_INVALID_OPERATION)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clRetainSampler(sampler: cl_sampler) -> cl_int {
    let _ = sampler;
    CL_INVALID_SAMPLER
}

#[no_mangle]
pub unsafe extern "C" fn clReleaseSampler(sampler: cl_sampler) -> cl_int {
    let _ = sampler;
    CL_INVALID_SAMPLER
}

#[no_mangle]
pub unsafe extern "C" fn clGetSamplerInfo(
    sampler: cl_sampler,
    param_name: cl_sampler_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    let _ = (sampler, param_name, param_value_size, param_value, param_value_size_ret);
    CL_INVALID_SAMPLER
}

/// `CL_DEVICE_BUILT_IN_KERNELS` is empty, so every name is "not a supported built-in kernel".
#[no_mangle]
pub unsafe extern "C" fn clCreateProgramWithBuiltInKernels(
    context: cl_context,
    num_devices: cl_uint,
    device_list: *const cl_device_id,
    kernel_names: *const c_char,
    errcode_ret: *mut cl_int,
) -> cl_program {
    let _ = (num_devices, device_list, kernel_names);
    guard_create(errcode_ret, || {
        Context::get(context)?;
        Err(CL_INVALID_VALUE)
    })
}

/// `CL_DEVICE_IL_VERSION` is empty: no device supports IL programs.
#[no_mangle]
pub unsafe extern "C" fn clCreateProgramWithIL(context: cl_context, il: *const c_void, length: usize, errcode_ret: *mut cl_int) -> cl_program {
    guard_create(errcode_ret, || {
        Context::get(context)?;
        if il.is_null() || length == 0 {
            return Err(CL_INVALID_VALUE);
        }
        Err(CL_INVALID_OPERATION)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetProgramSpecializationConstant(
    program: cl_program,
    spec_id: cl_uint,
    spec_size: usize,
    spec_value: *const c_void,
) -> cl_int {
    let _ = (spec_id, spec_size, spec_value);
    guard(|| {
        Program::get(program)?;
        Err(CL_INVALID_OPERATION)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetKernelArgSVMPointer(kernel: cl_kernel, arg_index: cl_uint, arg_value: *const c_void) -> cl_int {
    let _ = (arg_index, arg_value);
    guard(|| {
        Kernel::get(kernel)?;
        Err(CL_INVALID_OPERATION)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetKernelExecInfo(
    kernel: cl_kernel,
    param_name: cl_kernel_exec_info,
    param_value_size: usize,
    param_value: *const c_void,
) -> cl_int {
    let _ = (param_value_size, param_value);
    guard(|| {
        Kernel::get(kernel)?;
        match param_name {
            CL_KERNEL_EXEC_INFO_SVM_PTRS | CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM => Err(CL_INVALID_OPERATION),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetKernelSubGroupInfo(
    kernel: cl_kernel,
    device: cl_device_id,
    param_name: cl_kernel_sub_group_info,
    input_value_size: usize,
    input_value: *const c_void,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    let _ = (device, param_name, input_value_size, input_value, param_value_size, param_value, param_value_size_ret);
    guard(|| {
        Kernel::get(kernel)?;
        Err(CL_INVALID_OPERATION)
    })
}

// Image and SVM enqueues: the queue and wait list are validated, then CL_INVALID_OPERATION.

#[no_mangle]
pub unsafe extern "C" fn clEnqueueReadImage(
    command_queue: cl_command_queue,
    image: cl_mem,
    blocking_read: cl_bool,
    origin: *const usize,
    region: *const usize,
    row_pitch: usize,
    slice_pitch: usize,
    ptr: *mut c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (image, blocking_read, origin, region, row_pitch, slice_pitch, ptr, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueWriteImage(
    command_queue: cl_command_queue,
    image: cl_mem,
    blocking_write: cl_bool,
    origin: *const usize,
    region: *const usize,
    input_row_pitch: usize,
    input_slice_pitch: usize,
    ptr: *const c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (image, blocking_write, origin, region, input_row_pitch, input_slice_pitch, ptr, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueFillImage(
    command_queue: cl_command_queue,
    image: cl_mem,
    fill_color: *const c_void,
    origin: *const usize,
    region: *const usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (image, fill_color, origin, region, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueCopyImage(
    command_queue: cl_command_queue,
    src_image: cl_mem,
    dst_image: cl_mem,
    src_origin: *const usize,
    dst_origin: *const usize,
    region: *const usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (src_image, dst_image, src_origin, dst_origin, region, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueCopyImageToBuffer(
    command_queue: cl_command_queue,
    src_image: cl_mem,
    dst_buffer: cl_mem,
    src_origin: *const usize,
    region: *const usize,
    dst_offset: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (src_image, dst_buffer, src_origin, region, dst_offset, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueCopyBufferToImage(
    command_queue: cl_command_queue,
    src_buffer: cl_mem,
    dst_image: cl_mem,
    src_offset: usize,
    dst_origin: *const usize,
    region: *const usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (src_buffer, dst_image, src_offset, dst_origin, region, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueSVMFree(
    command_queue: cl_command_queue,
    num_svm_pointers: cl_uint,
    svm_pointers: *mut *mut c_void,
    pfn_free_func: Option<unsafe extern "C" fn(queue: cl_command_queue, num_svm_pointers: cl_uint, svm_pointers: *mut *mut c_void, user_data: *mut c_void)>,
    user_data: *mut c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (num_svm_pointers, svm_pointers, pfn_free_func, user_data, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueSVMMemcpy(
    command_queue: cl_command_queue,
    blocking_copy: cl_bool,
    dst_ptr: *mut c_void,
    src_ptr: *const c_void,
    size: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (blocking_copy, dst_ptr, src_ptr, size, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueSVMMemFill(
    command_queue: cl_command_queue,
    svm_ptr: *mut c_void,
    pattern: *const c_void,
    pattern_size: usize,
    size: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (svm_ptr, pattern, pattern_size, size, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueSVMMap(
    command_queue: cl_command_queue,
    blocking_map: cl_bool,
    flags: cl_map_flags,
    svm_ptr: *mut c_void,
    size: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (blocking_map, flags, svm_ptr, size, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueSVMUnmap(
    command_queue: cl_command_queue,
    svm_ptr: *mut c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (svm_ptr, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueSVMMigrateMem(
    command_queue: cl_command_queue,
    num_svm_pointers: cl_uint,
    svm_pointers: *mut *const c_void,
    sizes: *const usize,
    flags: cl_mem_migration_flags,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (num_svm_pointers, svm_pointers, sizes, flags, event);
    // SAFETY: the wait list per the C caller's contract.
    guard(|| unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueMapImage(
    command_queue: cl_command_queue,
    image: cl_mem,
    blocking_map: cl_bool,
    map_flags: cl_map_flags,
    origin: *const usize,
    region: *const usize,
    image_row_pitch: *mut usize,
    image_slice_pitch: *mut usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
    errcode_ret: *mut cl_int,
) -> *mut c_void {
    let _ = (image, blocking_map, map_flags, origin, region, image_row_pitch, image_slice_pitch, event);
    guard_create(errcode_ret, || {
        // SAFETY: the wait list per the C caller's contract.
        unsafe { queue_unsupported(command_queue, num_events_in_wait_list, event_wait_list) }.map(|_| std::ptr::null_mut())
    })
}
