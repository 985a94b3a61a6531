//! The `opencl3` crate (crates.io), unchanged, through the ICD loader on the wgcl platform:
//! a kernel gated by a user event, event callbacks for every status, a memory-object
//! destructor callback, rectangular read, all results asserted.
//!
//! Needs `OCL_ICD_VENDORS` pointing at a directory whose only `.icd` names libwgcl
//! (scripts/test-clients.sh sets it up); fails when no platform named `wgcl*` is found.
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use opencl3::command_queue::{CommandQueue, CL_QUEUE_PROFILING_ENABLE};
use opencl3::context::Context;
use opencl3::device::{Device, CL_DEVICE_TYPE_ALL};
use opencl3::event::{create_user_event, set_user_event_status, Event, CL_COMPLETE, CL_RUNNING, CL_SUBMITTED};
use opencl3::kernel::{ExecuteKernel, Kernel};
use opencl3::memory::{set_mem_object_destructor_callback, Buffer, ClMem, CL_MEM_READ_ONLY, CL_MEM_READ_WRITE};
use opencl3::platform::get_platforms;
use opencl3::program::Program;
use opencl3::types::{cl_event, cl_float, cl_int, cl_mem, CL_BLOCKING};

const SRC: &str = r#"
__kernel void scale_add(__global float *out, __global const float *a, __global const float *b, float k)
{
    size_t i = get_global_id(0);
    out[i] = k * a[i] + b[i];
}
"#;

fn wgcl_context() -> Context {
    let platforms = get_platforms().expect("clGetPlatformIDs");
    let p = platforms
        .iter()
        .find(|p| p.name().is_ok_and(|n| n.starts_with("wgcl")))
        .unwrap_or_else(|| panic!("no wgcl platform (found {:?})", platforms.iter().map(|p| p.name()).collect::<Vec<_>>()));
    let dev = p.get_devices(CL_DEVICE_TYPE_ALL).expect("devices")[0];
    Context::from_device(&Device::new(dev)).expect("context")
}

fn wait_until(pred: impl Fn() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(30) {
        if pred() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    pred()
}

/// Records (callback kind, status) pairs; `user_data` points at this.
static SEEN: Mutex<Vec<(i32, i32)>> = Mutex::new(Vec::new());

extern "C" fn on_status(_ev: cl_event, status: cl_int, user_data: *mut c_void) {
    SEEN.lock().unwrap().push((user_data as usize as i32, status));
}

static DESTROYED: AtomicUsize = AtomicUsize::new(0);
static DESTROYED_TAG: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_destroy(_mem: cl_mem, user_data: *mut c_void) {
    DESTROYED_TAG.store(user_data as usize as i32, Ordering::SeqCst);
    DESTROYED.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn kernel_with_event_callbacks_and_destructor() {
    let ctx = wgcl_context();
    let queue = CommandQueue::create_default(&ctx, CL_QUEUE_PROFILING_ENABLE).expect("queue");
    let program = Program::create_and_build_from_source(&ctx, SRC, "").expect("build");
    let kernel = Kernel::create(&program, "scale_add").expect("kernel");

    const N: usize = 1000;
    let a: Vec<cl_float> = (0..N).map(|i| i as f32 * 0.5).collect();
    let b: Vec<cl_float> = (0..N).map(|i| 1000.0 - i as f32).collect();
    // SAFETY: no host pointers; sizes match the vectors.
    let (mut ab, mut bb, out) = unsafe {
        (
            Buffer::<cl_float>::create(&ctx, CL_MEM_READ_ONLY, N, ptr::null_mut()).unwrap(),
            Buffer::<cl_float>::create(&ctx, CL_MEM_READ_ONLY, N, ptr::null_mut()).unwrap(),
            Buffer::<cl_float>::create(&ctx, CL_MEM_READ_WRITE, N, ptr::null_mut()).unwrap(),
        )
    };
    // SAFETY: blocking writes from live slices.
    unsafe {
        queue.enqueue_write_buffer(&mut ab, CL_BLOCKING, 0, &a, &[]).unwrap();
        queue.enqueue_write_buffer(&mut bb, CL_BLOCKING, 0, &b, &[]).unwrap();
    }

    // The kernel waits for a user event, so callbacks can be registered before it runs.
    let gate = Event::new(create_user_event(ctx.get()).expect("user event"));
    let k: cl_float = 3.0;
    // SAFETY: argument types match the kernel's signature.
    let kev = unsafe {
        ExecuteKernel::new(&kernel)
            .set_arg(&out)
            .set_arg(&ab)
            .set_arg(&bb)
            .set_arg(&k)
            .set_global_work_size(N)
            .set_wait_event(&gate)
            .enqueue_nd_range(&queue)
            .expect("enqueue")
    };
    for (tag, st) in [(1usize, CL_SUBMITTED), (2, CL_RUNNING), (3, CL_COMPLETE)] {
        kev.set_callback(st, on_status, tag as *mut c_void).expect("set_callback");
    }
    queue.flush().unwrap();
    assert!(SEEN.lock().unwrap().iter().all(|(t, _)| *t != 3), "completed before its gate opened");
    assert!(kev.command_execution_status().unwrap().0 > CL_RUNNING);
    set_user_event_status(gate.get(), CL_COMPLETE).unwrap();

    let mut result = vec![0.0f32; N];
    // SAFETY: blocking read into a live slice.
    unsafe { queue.enqueue_read_buffer(&out, CL_BLOCKING, 0, &mut result, &[kev.get()]).unwrap() };
    for i in 0..N {
        assert_eq!(result[i], 3.0 * a[i] + b[i], "element {i}");
    }
    assert_eq!(kev.command_execution_status().unwrap().0, CL_COMPLETE);
    assert!(wait_until(|| SEEN.lock().unwrap().len() == 3), "{:?}", SEEN.lock().unwrap());
    assert_eq!(*SEEN.lock().unwrap(), vec![(1, CL_SUBMITTED), (2, CL_RUNNING), (3, CL_COMPLETE)]);
    let (start, end) = (kev.profiling_command_start().unwrap(), kev.profiling_command_end().unwrap());
    assert!(start <= end);

    // Rectangular read of a 4x3 block (rows of 10 floats) through opencl3's wrapper.
    let mut block = vec![0.0f32; 12];
    // SAFETY: the host rectangle (4 floats x 3 rows, pitch 16 bytes) lies inside `block`.
    unsafe {
        queue
            .enqueue_read_buffer_rect(&out, CL_BLOCKING, [2 * 4, 5, 0].as_ptr(), [0, 0, 0].as_ptr(), [16, 3, 1].as_ptr(), 40, 0, 16, 0, block.as_mut_ptr() as *mut c_void, &[])
            .expect("read rect");
    }
    for r in 0..3 {
        for c in 0..4 {
            assert_eq!(block[r * 4 + c], result[(5 + r) * 10 + 2 + c]);
        }
    }

    // Destructor callback: runs once, when the last reference is gone (not before).
    // SAFETY: valid buffer, callback with the right signature.
    unsafe { set_mem_object_destructor_callback(out.get(), on_destroy, 42 as *mut c_void).unwrap() };
    assert_eq!(DESTROYED.load(Ordering::SeqCst), 0);
    drop(out);
    assert!(wait_until(|| DESTROYED.load(Ordering::SeqCst) == 1));
    assert_eq!(DESTROYED_TAG.load(Ordering::SeqCst), 42);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(DESTROYED.load(Ordering::SeqCst), 1);
}
