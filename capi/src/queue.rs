//! Command queues: creation (1.x and 2.0 forms), queries, lifetime, `clFlush`/`clFinish`.
use std::ffi::c_void;
use std::sync::Arc;

use crate::cl::*;
use crate::context::Context;
use crate::handle::{ClObject, Handle, Kind};
use crate::info::InfoOut;
use crate::platform::Device;
use crate::{guard, guard_create, property_list, ClResult};

pub struct Queue {
    pub rt: Arc<wgcl::CommandQueue>,
    pub context: cl_context,
    pub device: cl_device_id,
    pub properties: cl_command_queue_properties,
    /// `CL_QUEUE_PROPERTIES_ARRAY`: the list given to `...WithProperties` (empty otherwise).
    pub properties_array: Vec<cl_queue_properties>,
}
impl ClObject for Queue {
    const KIND: Kind = Kind::Queue;
    type C = _cl_command_queue;
}
// SAFETY: the raw handles are addresses of handles this one retains, used only as values.
unsafe impl Send for Queue {}
// SAFETY: as above.
unsafe impl Sync for Queue {}

impl Queue {
    pub fn get(q: cl_command_queue) -> Result<Arc<Handle<Queue>>, cl_int> {
        Handle::<Queue>::get(q)
    }
}

const SUPPORTED: cl_command_queue_properties = CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE | CL_QUEUE_PROFILING_ENABLE;
const KNOWN: cl_command_queue_properties = SUPPORTED | CL_QUEUE_ON_DEVICE | CL_QUEUE_ON_DEVICE_DEFAULT;

fn create(
    context: cl_context,
    device: cl_device_id,
    properties: cl_command_queue_properties,
    properties_array: Vec<cl_queue_properties>,
) -> Result<cl_command_queue, cl_int> {
    let ctx = Context::get(context)?;
    let dev = Device::get(device)?;
    if !ctx.data.devices.contains(&device) {
        return Err(CL_INVALID_DEVICE);
    }
    if properties & !KNOWN != 0 || (properties & CL_QUEUE_ON_DEVICE_DEFAULT != 0 && properties & CL_QUEUE_ON_DEVICE == 0) {
        return Err(CL_INVALID_VALUE);
    }
    // Valid but unsupported (no device-side enqueue).
    if properties & !dev.data.queue_properties() != 0 {
        return Err(CL_INVALID_QUEUE_PROPERTIES);
    }
    let props = wgcl::QueueProperties {
        out_of_order: properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE != 0,
        profiling: properties & CL_QUEUE_PROFILING_ENABLE != 0,
    };
    let rt = wgcl::CommandQueue::new(&ctx.data.rt, &dev.data.rt, props).cl()?;
    let data = Queue { rt, context, device, properties, properties_array };
    Ok(Handle::create(data, vec![ctx.retained()]))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateCommandQueue(
    context: cl_context,
    device: cl_device_id,
    properties: cl_command_queue_properties,
    errcode_ret: *mut cl_int,
) -> cl_command_queue {
    guard_create(errcode_ret, || create(context, device, properties, Vec::new()))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateCommandQueueWithProperties(
    context: cl_context,
    device: cl_device_id,
    properties: *const cl_queue_properties,
    errcode_ret: *mut cl_int,
) -> cl_command_queue {
    guard_create(errcode_ret, || {
        // SAFETY: `properties` is NULL or a 0-terminated list (C caller's contract).
        let list = unsafe { property_list(properties) };
        let mut bits = 0;
        for (i, (name, value)) in list.iter().enumerate() {
            if list[..i].iter().any(|(n, _)| n == name) {
                return Err(CL_INVALID_VALUE);
            }
            match *name as cl_uint {
                CL_QUEUE_PROPERTIES => bits = *value,
                // Only meaningful for device queues, which need CL_QUEUE_ON_DEVICE.
                CL_QUEUE_SIZE if bits & CL_QUEUE_ON_DEVICE != 0 => {}
                _ => return Err(CL_INVALID_VALUE),
            }
        }
        Context::get(context)?;
        create(context, device, bits, crate::flat_properties(&list, properties.is_null()))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clRetainCommandQueue(command_queue: cl_command_queue) -> cl_int {
    guard(|| Handle::<Queue>::retain(command_queue))
}

/// Every release flushes (the spec's "implicit flush"), not only the last one.
#[no_mangle]
pub unsafe extern "C" fn clReleaseCommandQueue(command_queue: cl_command_queue) -> cl_int {
    guard(|| {
        let h = Queue::get(command_queue)?;
        let _ = h.data.rt.flush(); // A lost device is clFlush's to report; release goes on.
        drop(h);
        Handle::<Queue>::release(command_queue)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetCommandQueueInfo(
    command_queue: cl_command_queue,
    param_name: cl_command_queue_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Queue::get(command_queue)?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_QUEUE_CONTEXT => out.scalar(h.data.context),
            CL_QUEUE_DEVICE => out.scalar(h.data.device),
            CL_QUEUE_REFERENCE_COUNT => out.scalar(h.ref_count()),
            CL_QUEUE_PROPERTIES => out.scalar(h.data.properties),
            CL_QUEUE_PROPERTIES_ARRAY => out.slice(&h.data.properties_array),
            // Only device queues have a size; this is a host queue.
            CL_QUEUE_SIZE => Err(CL_INVALID_COMMAND_QUEUE),
            CL_QUEUE_DEVICE_DEFAULT => out.scalar::<cl_command_queue>(std::ptr::null_mut()),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clFlush(command_queue: cl_command_queue) -> cl_int {
    guard(|| Queue::get(command_queue)?.data.rt.flush().cl())
}

#[no_mangle]
pub unsafe extern "C" fn clFinish(command_queue: cl_command_queue) -> cl_int {
    guard(|| Queue::get(command_queue)?.data.rt.finish().cl())
}

/// Deprecated 1.0 call; changing properties after creation is not supported.
#[no_mangle]
pub unsafe extern "C" fn clSetCommandQueueProperty(
    command_queue: cl_command_queue,
    properties: cl_command_queue_properties,
    enable: cl_bool,
    old_properties: *mut cl_command_queue_properties,
) -> cl_int {
    let _ = (properties, enable, old_properties);
    guard(|| {
        Queue::get(command_queue)?;
        Err(CL_INVALID_OPERATION)
    })
}
