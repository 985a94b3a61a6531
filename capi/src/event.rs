//! Events: user events, waits, queries, profiling and callbacks.
//!
//! Callback lifetime rule: the spec says an event lives until all its callbacks ran, and the
//! callback receives the app's `cl_event`. So a registration takes an app-visible reference
//! on the handle, and the wrapper gives it back right after calling the C function: the
//! application may release its own reference at any time, even inside the callback.
use std::ffi::c_void;
use std::sync::Arc;

use crate::cl::*;
use crate::context::Context;
use crate::handle::{ClObject, Handle, Kind};
use crate::info::InfoOut;
use crate::queue::Queue;
use crate::{guard, guard_create, slice, ClResult, UserData};

pub struct Event {
    pub rt: Arc<wgcl::Event>,
    pub context: cl_context,
    /// NULL for user events.
    pub queue: cl_command_queue,
}
impl ClObject for Event {
    const KIND: Kind = Kind::Event;
    type C = _cl_event;
}
// SAFETY: the raw handles are addresses of handles this one retains, used only as values.
unsafe impl Send for Event {}
// SAFETY: as above.
unsafe impl Sync for Event {}

impl Event {
    pub fn get(e: cl_event) -> Result<Arc<Handle<Event>>, cl_int> {
        Handle::<Event>::get(e)
    }
}

/// Makes the app's handle for a command's event (it retains the queue and its context).
pub fn command_event(queue: &Arc<Handle<Queue>>, rt: Arc<wgcl::Event>) -> Result<cl_event, cl_int> {
    let ctx = Context::get(queue.data.context)?;
    let data = Event { rt, context: queue.data.context, queue: queue.as_ptr() };
    Ok(Handle::create(data, vec![ctx.retained(), queue.retained()]))
}

/// Finishes every enqueue: routes an abnormal termination of the command to the context's
/// `pfn_notify` (if `clCreateContext` got one), and hands the event to the application if it
/// asked for one (`event` non-NULL).
///
/// # Safety
/// `event` must be NULL or writable.
pub unsafe fn return_event(queue: &Arc<Handle<Queue>>, rt: Arc<wgcl::Event>, event: *mut cl_event) -> Result<(), cl_int> {
    if let Some(notify) = Context::get(queue.data.context)?.data.notify {
        rt.set_callback(
            wgcl::CallbackType::Complete,
            Box::new(move |ev: &Arc<wgcl::Event>, status: i32| {
                if status < 0 {
                    notify.report(&format!("wgcl: command 0x{:04X} ended with error {status}", ev.command_type().code()));
                }
            }),
        );
    }
    if !event.is_null() {
        let e = command_event(queue, rt)?;
        // SAFETY: the caller's contract.
        unsafe { event.write_unaligned(e) };
    }
    Ok(())
}

/// Converts an `event_wait_list` (every enqueue call). The events must be valid and belong
/// to `context`.
///
/// # Safety
/// `list` must be NULL or point at `n` handles.
pub unsafe fn wait_list(n: cl_uint, list: *const cl_event, context: &Arc<wgcl::Context>) -> Result<Vec<Arc<wgcl::Event>>, cl_int> {
    if list.is_null() != (n == 0) {
        return Err(CL_INVALID_EVENT_WAIT_LIST);
    }
    // SAFETY: the caller's contract.
    let events = unsafe { slice(list, n as usize) };
    let mut v = Vec::with_capacity(events.len());
    for e in events {
        let h = Event::get(*e).map_err(|_| CL_INVALID_EVENT_WAIT_LIST)?;
        if !Arc::ptr_eq(h.data.rt.context(), context) {
            return Err(CL_INVALID_CONTEXT);
        }
        v.push(h.data.rt.clone());
    }
    Ok(v)
}

/// An event list that must be non-empty (`clWaitForEvents`, `clEnqueueWaitForEvents`).
///
/// # Safety
/// As [`wait_list`].
pub unsafe fn event_list(n: cl_uint, list: *const cl_event) -> Result<Vec<Arc<wgcl::Event>>, cl_int> {
    if n == 0 || list.is_null() {
        return Err(CL_INVALID_VALUE);
    }
    // SAFETY: the caller's contract.
    let events = unsafe { slice(list, n as usize) };
    events.iter().map(|e| Event::get(*e).map(|h| h.data.rt.clone())).collect()
}

#[no_mangle]
pub unsafe extern "C" fn clCreateUserEvent(context: cl_context, errcode_ret: *mut cl_int) -> cl_event {
    guard_create(errcode_ret, || {
        let ctx = Context::get(context)?;
        let rt = wgcl::Event::new_user(&ctx.data.rt);
        let data = Event { rt, context, queue: std::ptr::null_mut() };
        Ok(Handle::create(data, vec![ctx.retained()]))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetUserEventStatus(event: cl_event, execution_status: cl_int) -> cl_int {
    guard(|| {
        let h = Event::get(event)?;
        if !h.data.rt.is_user() {
            return Err(CL_INVALID_EVENT);
        }
        h.data.rt.set_user_status(execution_status).cl()
    })
}

#[no_mangle]
pub unsafe extern "C" fn clWaitForEvents(num_events: cl_uint, event_list: *const cl_event) -> cl_int {
    guard(|| {
        // SAFETY: `event_list` holds `num_events` handles (C caller's contract).
        let events = unsafe { self::event_list(num_events, event_list)? };
        wgcl::wait_for_events(&events).cl()
    })
}

#[no_mangle]
pub unsafe extern "C" fn clRetainEvent(event: cl_event) -> cl_int {
    guard(|| Handle::<Event>::retain(event))
}

#[no_mangle]
pub unsafe extern "C" fn clReleaseEvent(event: cl_event) -> cl_int {
    guard(|| Handle::<Event>::release(event))
}

#[no_mangle]
pub unsafe extern "C" fn clGetEventInfo(
    event: cl_event,
    param_name: cl_event_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Event::get(event)?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_EVENT_COMMAND_QUEUE => out.scalar(h.data.queue),
            CL_EVENT_CONTEXT => out.scalar(h.data.context),
            CL_EVENT_COMMAND_TYPE => out.scalar::<cl_command_type>(h.data.rt.command_type().code()),
            CL_EVENT_COMMAND_EXECUTION_STATUS => out.scalar::<cl_int>(h.data.rt.status()),
            CL_EVENT_REFERENCE_COUNT => out.scalar(h.ref_count()),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetEventProfilingInfo(
    event: cl_event,
    param_name: cl_profiling_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Event::get(event)?;
        use wgcl::ProfilingPoint as P;
        let point = match param_name {
            CL_PROFILING_COMMAND_QUEUED => P::Queued,
            CL_PROFILING_COMMAND_SUBMIT => P::Submit,
            CL_PROFILING_COMMAND_START => P::Start,
            CL_PROFILING_COMMAND_END => P::End,
            CL_PROFILING_COMMAND_COMPLETE => P::Complete,
            _ => return Err(CL_INVALID_VALUE),
        };
        if h.data.rt.is_user() {
            return Err(CL_PROFILING_INFO_NOT_AVAILABLE);
        }
        let t = h.data.rt.profiling(point).cl()?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) }.scalar::<cl_ulong>(t)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetEventCallback(
    event: cl_event,
    command_exec_callback_type: cl_int,
    pfn_notify: Option<unsafe extern "C" fn(event: cl_event, event_command_status: cl_int, user_data: *mut c_void)>,
    user_data: *mut c_void,
) -> cl_int {
    guard(|| {
        let h = Event::get(event)?;
        let pfn = pfn_notify.ok_or(CL_INVALID_VALUE)?;
        let ty = wgcl::CallbackType::from_status(command_exec_callback_type).cl()?;
        // Keeps the app's handle valid until the callback ran (see the module docs).
        let keep = h.retained();
        let (addr, ud) = (event as usize, UserData(user_data));
        h.data.rt.set_callback(
            ty,
            Box::new(move |_ev: &Arc<wgcl::Event>, status: i32| {
                let ud = ud;
                // SAFETY: the application registered `pfn` for this call shape; the handle
                // is alive (retained by `keep`) during the call.
                unsafe { pfn(addr as cl_event, status, ud.0) };
                drop(keep);
            }),
        );
        Ok(())
    })
}
