//! Every `clEnqueue*` for buffers, kernels, markers and barriers.
//!
//! Shape of each: validate the queue, the memory objects (same context as the queue), the
//! wait list and pointers; call the runtime; hand the event back if asked. Host memory of
//! non-blocking reads/writes is wrapped in `wgcl::HostPtr`, whose contract is the spec's
//! rule that the application keeps it valid until the command completes.
use std::ffi::c_void;
use std::sync::Arc;

use crate::cl::*;
use crate::event::{event_list, return_event, wait_list};
use crate::handle::Handle;
use crate::kernel::Kernel;
use crate::memory::Mem;
use crate::queue::Queue;
use crate::{guard, guard_create, slice, ClResult};

type QueueHandle = Arc<Handle<Queue>>;

/// Queue + wait list, the start of every enqueue.
///
/// # Safety
/// `list` must be NULL or point at `n` event handles.
unsafe fn begin(
    queue: cl_command_queue,
    n: cl_uint,
    list: *const cl_event,
) -> Result<(QueueHandle, Vec<Arc<wgcl::Event>>), cl_int> {
    let q = Queue::get(queue)?;
    // SAFETY: the caller's contract.
    let wait = unsafe { wait_list(n, list, q.data.rt.context())? };
    Ok((q, wait))
}

/// A memory object used by a command on `q`.
fn mem_for(q: &Handle<Queue>, m: cl_mem) -> Result<Arc<Handle<Mem>>, cl_int> {
    let h = Mem::get(m)?;
    if h.data.context != q.data.context {
        return Err(CL_INVALID_CONTEXT);
    }
    Ok(h)
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueReadBuffer(
    command_queue: cl_command_queue,
    buffer: cl_mem,
    blocking_read: cl_bool,
    offset: usize,
    size: usize,
    ptr: *mut c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let m = mem_for(&q, buffer)?;
        if ptr.is_null() || size == 0 {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: the spec requires `ptr` to stay valid for `size` bytes until the read
        // completes (before return when blocking) — HostPtr's contract.
        let dst = unsafe { wgcl::HostPtr::new(ptr as *mut u8, size) };
        let ev = q.data.rt.enqueue_read_buffer_host(&m.data.rt, blocking_read != 0, offset as u64, dst, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueWriteBuffer(
    command_queue: cl_command_queue,
    buffer: cl_mem,
    blocking_write: cl_bool,
    offset: usize,
    size: usize,
    ptr: *const c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let m = mem_for(&q, buffer)?;
        if ptr.is_null() || size == 0 {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: the spec requires `ptr` to stay valid (and unchanged) for `size` bytes
        // until the write completes — HostPtr's read-only contract.
        let src = unsafe { wgcl::HostPtr::new_const(ptr as *const u8, size) };
        let ev = q.data.rt.enqueue_write_buffer_host(&m.data.rt, blocking_write != 0, offset as u64, src, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueCopyBuffer(
    command_queue: cl_command_queue,
    src_buffer: cl_mem,
    dst_buffer: cl_mem,
    src_offset: usize,
    dst_offset: usize,
    size: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let s = mem_for(&q, src_buffer)?;
        let d = mem_for(&q, dst_buffer)?;
        if size == 0 {
            return Err(CL_INVALID_VALUE);
        }
        let ev = q
            .data
            .rt
            .enqueue_copy_buffer(&s.data.rt, &d.data.rt, src_offset as u64, dst_offset as u64, size as u64, &wait)
            .cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueFillBuffer(
    command_queue: cl_command_queue,
    buffer: cl_mem,
    pattern: *const c_void,
    pattern_size: usize,
    offset: usize,
    size: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let m = mem_for(&q, buffer)?;
        // The size is checked before `pattern` is read: a wrong size must not make us read
        // (or slice) more memory than the application has.
        if pattern.is_null() || !pattern_size.is_power_of_two() || pattern_size > 128 {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: `pattern` points at `pattern_size` bytes (copied before returning).
        let pat = unsafe { slice(pattern as *const u8, pattern_size) };
        let ev = q.data.rt.enqueue_fill_buffer(&m.data.rt, pat, offset as u64, size as u64, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueMapBuffer(
    command_queue: cl_command_queue,
    buffer: cl_mem,
    blocking_map: cl_bool,
    map_flags: cl_map_flags,
    offset: usize,
    size: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
    errcode_ret: *mut cl_int,
) -> *mut c_void {
    guard_create(errcode_ret, || {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let m = mem_for(&q, buffer)?;
        if map_flags & !(CL_MAP_READ | CL_MAP_WRITE | CL_MAP_WRITE_INVALIDATE_REGION) != 0 {
            return Err(CL_INVALID_VALUE);
        }
        let flags = wgcl::MapFlags {
            read: map_flags & CL_MAP_READ != 0,
            write: map_flags & CL_MAP_WRITE != 0,
            invalidate: map_flags & CL_MAP_WRITE_INVALIDATE_REGION != 0,
        };
        let (ev, ptr) = q
            .data
            .rt
            .enqueue_map_buffer(&m.data.rt, blocking_map != 0, flags, offset as u64, size as u64, &wait)
            .cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event)? };
        Ok(ptr.as_ptr() as *mut c_void)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueUnmapMemObject(
    command_queue: cl_command_queue,
    memobj: cl_mem,
    mapped_ptr: *mut c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let m = mem_for(&q, memobj)?;
        let ev = q.data.rt.enqueue_unmap(&m.data.rt, mapped_ptr as usize, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

/// Reads a `[usize; 3]` origin or region.
///
/// # Safety
/// `p` must be NULL or point at 3 `size_t`s.
unsafe fn triple(p: *const usize) -> Result<[u64; 3], cl_int> {
    if p.is_null() {
        return Err(CL_INVALID_VALUE);
    }
    // SAFETY: the caller's contract.
    let v = unsafe { std::slice::from_raw_parts(p, 3) };
    Ok([v[0] as u64, v[1] as u64, v[2] as u64])
}

/// The host side of a rectangular read/write: the layout, and how many bytes from `ptr`
/// the region spans (what the `HostPtr` must cover).
///
/// # Safety
/// `origin`/`region` as for [`triple`].
unsafe fn host_rect(origin: *const usize, region: *const usize, row: usize, slice: usize) -> Result<(wgcl::RectLayout, [u64; 3], usize), cl_int> {
    // SAFETY: the caller's contract.
    let (o, r) = unsafe { (triple(origin)?, triple(region)?) };
    if r.contains(&0) {
        return Err(CL_INVALID_VALUE);
    }
    let row_p = if row == 0 { r[0] } else { row as u64 };
    let slice_p = if slice == 0 { r[1] * row_p } else { slice as u64 };
    if row_p < r[0] || slice_p < r[1] * row_p {
        return Err(CL_INVALID_VALUE);
    }
    let end = (|| o[0].checked_add((o[1] + r[1] - 1).checked_mul(row_p)?)?.checked_add((o[2] + r[2] - 1).checked_mul(slice_p)?)?.checked_add(r[0]))()
        .ok_or(CL_INVALID_VALUE)?;
    Ok((wgcl::RectLayout::new(o, row as u64, slice as u64), r, usize::try_from(end).map_err(|_| CL_INVALID_VALUE)?))
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueReadBufferRect(
    command_queue: cl_command_queue,
    buffer: cl_mem,
    blocking_read: cl_bool,
    buffer_origin: *const usize,
    host_origin: *const usize,
    region: *const usize,
    buffer_row_pitch: usize,
    buffer_slice_pitch: usize,
    host_row_pitch: usize,
    host_slice_pitch: usize,
    ptr: *mut c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let m = mem_for(&q, buffer)?;
        if ptr.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: origins and region point at 3 size_t (C contract; NULL is refused).
        let (host, r, span) = unsafe { host_rect(host_origin, region, host_row_pitch, host_slice_pitch)? };
        let buf = wgcl::RectLayout::new(unsafe { triple(buffer_origin)? }, buffer_row_pitch as u64, buffer_slice_pitch as u64);
        // SAFETY: the spec requires the host rectangle (the first `span` bytes from `ptr`
        // cover it) to stay valid until the read completes — HostPtr's contract.
        let dst = unsafe { wgcl::HostPtr::new(ptr as *mut u8, span) };
        let ev = q.data.rt.enqueue_read_buffer_rect_host(&m.data.rt, blocking_read != 0, buf, host, r, dst, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueWriteBufferRect(
    command_queue: cl_command_queue,
    buffer: cl_mem,
    blocking_write: cl_bool,
    buffer_origin: *const usize,
    host_origin: *const usize,
    region: *const usize,
    buffer_row_pitch: usize,
    buffer_slice_pitch: usize,
    host_row_pitch: usize,
    host_slice_pitch: usize,
    ptr: *const c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let m = mem_for(&q, buffer)?;
        if ptr.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: origins and region point at 3 size_t (C contract; NULL is refused).
        let (host, r, span) = unsafe { host_rect(host_origin, region, host_row_pitch, host_slice_pitch)? };
        let buf = wgcl::RectLayout::new(unsafe { triple(buffer_origin)? }, buffer_row_pitch as u64, buffer_slice_pitch as u64);
        // SAFETY: the spec requires the host rectangle to stay valid and unchanged until
        // the write completes — HostPtr's read-only contract.
        let src = unsafe { wgcl::HostPtr::new_const(ptr as *const u8, span) };
        let ev = q.data.rt.enqueue_write_buffer_rect_host(&m.data.rt, blocking_write != 0, buf, host, r, src, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueCopyBufferRect(
    command_queue: cl_command_queue,
    src_buffer: cl_mem,
    dst_buffer: cl_mem,
    src_origin: *const usize,
    dst_origin: *const usize,
    region: *const usize,
    src_row_pitch: usize,
    src_slice_pitch: usize,
    dst_row_pitch: usize,
    dst_slice_pitch: usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let s = mem_for(&q, src_buffer)?;
        let d = mem_for(&q, dst_buffer)?;
        // SAFETY: origins and region point at 3 size_t (C contract; NULL is refused).
        let (so, dor, r) = unsafe { (triple(src_origin)?, triple(dst_origin)?, triple(region)?) };
        let sl = wgcl::RectLayout::new(so, src_row_pitch as u64, src_slice_pitch as u64);
        let dl = wgcl::RectLayout::new(dor, dst_row_pitch as u64, dst_slice_pitch as u64);
        // The spec: copying within one buffer needs equal pitches.
        if src_buffer == dst_buffer && (sl.row_pitch != dl.row_pitch || sl.slice_pitch != dl.slice_pitch) {
            return Err(CL_INVALID_VALUE);
        }
        let ev = q.data.rt.enqueue_copy_buffer_rect(&s.data.rt, &d.data.rt, sl, dl, r, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

/// Migration is a no-op for one device: a command with no work, ordered like any other, that
/// reports `CL_COMMAND_MIGRATE_MEM_OBJECTS`.
#[no_mangle]
pub unsafe extern "C" fn clEnqueueMigrateMemObjects(
    command_queue: cl_command_queue,
    num_mem_objects: cl_uint,
    mem_objects: *const cl_mem,
    flags: cl_mem_migration_flags,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        if num_mem_objects == 0 || mem_objects.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        if flags & !(CL_MIGRATE_MEM_OBJECT_HOST | CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED) != 0 {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: `mem_objects` holds `num_mem_objects` handles (C caller's contract).
        let mut mems = Vec::new();
        for m in unsafe { slice(mem_objects, num_mem_objects as usize) } {
            mems.push(mem_for(&q, *m)?.data.rt.clone());
        }
        let ev = q.data.rt.enqueue_migrate_mem_objects(&mems, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueNDRangeKernel(
    command_queue: cl_command_queue,
    kernel: cl_kernel,
    work_dim: cl_uint,
    global_work_offset: *const usize,
    global_work_size: *const usize,
    local_work_size: *const usize,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        let q = Queue::get(command_queue)?;
        let k = Kernel::get(kernel)?;
        if k.data.context != q.data.context {
            return Err(CL_INVALID_CONTEXT);
        }
        if !(1..=3).contains(&work_dim) {
            return Err(CL_INVALID_WORK_DIMENSION);
        }
        let n = work_dim as usize;
        // SAFETY: non-NULL size/offset/local arrays have `work_dim` entries (spec).
        let range = unsafe {
            wgcl::NdRange {
                offset: if global_work_offset.is_null() { vec![0; n] } else { slice(global_work_offset, n).to_vec() },
                // NULL is a zero-sized NDRange since 2.1 (CL_INVALID_GLOBAL_WORK_SIZE for it is
                // deprecated): it trivially succeeds.
                global: if global_work_size.is_null() { vec![0; n] } else { slice(global_work_size, n).to_vec() },
                local: (!local_work_size.is_null()).then(|| slice(local_work_size, n).to_vec()),
            }
        };
        // SAFETY: wait list per the C caller's contract.
        let wait = unsafe { wait_list(num_events_in_wait_list, event_wait_list, q.data.rt.context())? };
        let ev = q.data.rt.enqueue_nd_range(&k.data.rt, &range, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueTask(
    command_queue: cl_command_queue,
    kernel: cl_kernel,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        let q = Queue::get(command_queue)?;
        let k = Kernel::get(kernel)?;
        if k.data.context != q.data.context {
            return Err(CL_INVALID_CONTEXT);
        }
        // SAFETY: wait list per the C caller's contract.
        let wait = unsafe { wait_list(num_events_in_wait_list, event_wait_list, q.data.rt.context())? };
        let ev = q.data.rt.enqueue_task(&k.data.rt, &wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueMarkerWithWaitList(
    command_queue: cl_command_queue,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let ev = q.data.rt.enqueue_marker(&wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueBarrierWithWaitList(
    command_queue: cl_command_queue,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        let (q, wait) = unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        let ev = q.data.rt.enqueue_barrier(&wait).cl()?;
        // SAFETY: `event` is NULL or writable (C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

/// OpenCL 1.0 marker: waits for every earlier command; the event is mandatory.
#[no_mangle]
pub unsafe extern "C" fn clEnqueueMarker(command_queue: cl_command_queue, event: *mut cl_event) -> cl_int {
    guard(|| {
        let q = Queue::get(command_queue)?;
        if event.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        let ev = q.data.rt.enqueue_marker(&[]).cl()?;
        // SAFETY: `event` is writable (checked non-NULL; C caller's contract).
        unsafe { return_event(&q, ev, event) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueBarrier(command_queue: cl_command_queue) -> cl_int {
    guard(|| {
        let q = Queue::get(command_queue)?;
        q.data.rt.enqueue_barrier(&[]).cl().map(|_| ())
    })
}

/// OpenCL 1.0: later commands wait for `event_list` — a barrier on exactly those events.
#[no_mangle]
pub unsafe extern "C" fn clEnqueueWaitForEvents(
    command_queue: cl_command_queue,
    num_events: cl_uint,
    event_list: *const cl_event,
) -> cl_int {
    guard(|| {
        let q = Queue::get(command_queue)?;
        // SAFETY: `event_list` holds `num_events` handles (C caller's contract).
        let events = unsafe { self::event_list(num_events, event_list)? };
        if events.iter().any(|e| !Arc::ptr_eq(e.context(), q.data.rt.context())) {
            return Err(CL_INVALID_CONTEXT);
        }
        q.data.rt.enqueue_barrier(&events).cl().map(|_| ())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clEnqueueNativeKernel(
    command_queue: cl_command_queue,
    user_func: Option<unsafe extern "C" fn(args: *mut c_void)>,
    args: *mut c_void,
    cb_args: usize,
    num_mem_objects: cl_uint,
    mem_list: *const cl_mem,
    args_mem_loc: *mut *const c_void,
    num_events_in_wait_list: cl_uint,
    event_wait_list: *const cl_event,
    event: *mut cl_event,
) -> cl_int {
    let _ = (user_func, args, cb_args, num_mem_objects, mem_list, args_mem_loc, event);
    guard(|| {
        // SAFETY: wait list per the C caller's contract.
        unsafe { begin(command_queue, num_events_in_wait_list, event_wait_list)? };
        // CL_DEVICE_EXECUTION_CAPABILITIES lacks CL_EXEC_NATIVE_KERNEL.
        Err(CL_INVALID_OPERATION)
    })
}
