//! Every OpenCL C program of the front end's corpus (`kernels/tests/corpus/*.cl`) through the
//! C ABI, in process: `clCreateProgramWithSource` + `clBuildProgram`, `clCreateKernel`,
//! `clSetKernelArg` (cl_mem, by-value bytes, `__local` sizes with a NULL value),
//! `clEnqueueNDRangeKernel`, `clEnqueueReadBuffer`, compared with the CPU references shared with
//! the raw-wgpu harness and the Rust API test (`kernels/tests/common/reference.rs`). Sizes,
//! NDRanges and tolerances are those of `runtime/tests/opencl_c.rs`, so a kernel that passes
//! there and fails here is a bug of the C ABI layer.
//!
//! The entry points are those of the built `libwgcl.so` (next to this test binary, as for the
//! C tests), opened with `dlopen` and called through `dlsym` pointers: the capi rlib cannot be
//! named from here (`wgcl` is both the runtime crate and this crate's lib), and this way the
//! test goes through the exported C symbols a C program links against.
#![allow(non_camel_case_types, non_snake_case, clippy::too_many_arguments)]
#[path = "../../kernels/tests/common/reference.rs"]
mod reference;

use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use reference::*;

// ------------------------------------------------------------------ the C ABI, by dlopen

type cl_int = i32;
type cl_uint = u32;
type cl_ulong = u64;
type cl_bitfield = u64;
type cl_build_status = cl_int;
type cl_queue_properties = u64;
type cl_platform_id = *mut c_void;
type cl_device_id = *mut c_void;
type cl_context = *mut c_void;
type cl_command_queue = *mut c_void;
type cl_mem = *mut c_void;
type cl_program = *mut c_void;
type cl_kernel = *mut c_void;
type cl_event = *mut c_void;

const CL_SUCCESS: cl_int = 0;
const CL_COMPLETE: cl_int = 0;
const CL_TRUE: cl_uint = 1;
const CL_INVALID_ARG_VALUE: cl_int = -50;
const CL_INVALID_ARG_SIZE: cl_int = -51;
const CL_INVALID_WORK_GROUP_SIZE: cl_int = -54;
const CL_DEVICE_TYPE_DEFAULT: cl_bitfield = 1;
const CL_QUEUE_PROPERTIES: cl_queue_properties = 0x1093;
const CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE: cl_bitfield = 1;
const CL_MEM_READ_WRITE: cl_bitfield = 1;
const CL_MEM_COPY_HOST_PTR: cl_bitfield = 1 << 5;
const CL_PROGRAM_KERNEL_NAMES: cl_uint = 0x1168;
const CL_PROGRAM_BUILD_STATUS: cl_uint = 0x1181;
const CL_PROGRAM_BUILD_LOG: cl_uint = 0x1183;
const CL_BUILD_SUCCESS: cl_build_status = 0;
const CL_KERNEL_NUM_ARGS: cl_uint = 0x1191;
const CL_KERNEL_WORK_GROUP_SIZE: cl_uint = 0x11B0;
const CL_KERNEL_COMPILE_WORK_GROUP_SIZE: cl_uint = 0x11B1;
const CL_KERNEL_LOCAL_MEM_SIZE: cl_uint = 0x11B2;
const CL_EVENT_COMMAND_EXECUTION_STATUS: cl_uint = 0x11D3;

extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}
const RTLD_NOW: c_int = 2;

/// Declares the entry points used here: a table of `dlsym` pointers and a same-named
/// `unsafe fn` per entry point that calls through it.
macro_rules! entry_points {
    ($(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {
        struct Api { $($name: unsafe extern "C" fn($($ty),*) -> $ret,)* }
        fn api() -> &'static Api {
            static API: OnceLock<Api> = OnceLock::new();
            API.get_or_init(|| {
                let lib = lib_path();
                let c = CString::new(lib.to_str().unwrap()).unwrap();
                // SAFETY: dlopen/dlsym of a library this workspace built; each symbol is
                // transmuted to the signature it has in <CL/cl.h>.
                unsafe {
                    let h = dlopen(c.as_ptr(), RTLD_NOW);
                    assert!(!h.is_null(), "dlopen {}: {:?}", lib.display(), std::ffi::CStr::from_ptr(dlerror()));
                    Api {$($name: {
                        let p = dlsym(h, concat!(stringify!($name), "\0").as_ptr().cast());
                        assert!(!p.is_null(), "{} not exported by {}", stringify!($name), lib.display());
                        std::mem::transmute::<*mut c_void, unsafe extern "C" fn($($ty),*) -> $ret>(p)
                    },)*}
                }
            })
        }
        $(unsafe fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: the caller keeps the C contract of the entry point.
            unsafe { (api().$name)($($arg),*) }
        })*
    };
}

entry_points! {
    fn clGetPlatformIDs(n: cl_uint, platforms: *mut cl_platform_id, num: *mut cl_uint) -> cl_int;
    fn clGetDeviceIDs(p: cl_platform_id, ty: cl_bitfield, n: cl_uint, devices: *mut cl_device_id, num: *mut cl_uint) -> cl_int;
    fn clCreateContext(props: *const isize, n: cl_uint, devices: *const cl_device_id, notify: *const c_void, user: *mut c_void, err: *mut cl_int) -> cl_context;
    fn clReleaseContext(c: cl_context) -> cl_int;
    fn clCreateCommandQueueWithProperties(c: cl_context, d: cl_device_id, props: *const cl_queue_properties, err: *mut cl_int) -> cl_command_queue;
    fn clReleaseCommandQueue(q: cl_command_queue) -> cl_int;
    fn clFinish(q: cl_command_queue) -> cl_int;
    fn clCreateBuffer(c: cl_context, flags: cl_bitfield, size: usize, host: *mut c_void, err: *mut cl_int) -> cl_mem;
    fn clReleaseMemObject(m: cl_mem) -> cl_int;
    fn clCreateProgramWithSource(c: cl_context, n: cl_uint, strings: *const *const c_char, lengths: *const usize, err: *mut cl_int) -> cl_program;
    fn clBuildProgram(p: cl_program, n: cl_uint, devices: *const cl_device_id, options: *const c_char, notify: *const c_void, user: *mut c_void) -> cl_int;
    fn clGetProgramInfo(p: cl_program, param: cl_uint, size: usize, value: *mut c_void, size_ret: *mut usize) -> cl_int;
    fn clGetProgramBuildInfo(p: cl_program, d: cl_device_id, param: cl_uint, size: usize, value: *mut c_void, size_ret: *mut usize) -> cl_int;
    fn clReleaseProgram(p: cl_program) -> cl_int;
    fn clCreateKernel(p: cl_program, name: *const c_char, err: *mut cl_int) -> cl_kernel;
    fn clReleaseKernel(k: cl_kernel) -> cl_int;
    fn clGetKernelInfo(k: cl_kernel, param: cl_uint, size: usize, value: *mut c_void, size_ret: *mut usize) -> cl_int;
    fn clGetKernelWorkGroupInfo(k: cl_kernel, d: cl_device_id, param: cl_uint, size: usize, value: *mut c_void, size_ret: *mut usize) -> cl_int;
    fn clSetKernelArg(k: cl_kernel, index: cl_uint, size: usize, value: *const c_void) -> cl_int;
    fn clEnqueueNDRangeKernel(q: cl_command_queue, k: cl_kernel, dims: cl_uint, offset: *const usize, global: *const usize, local: *const usize, nwait: cl_uint, wait: *const cl_event, event: *mut cl_event) -> cl_int;
    fn clEnqueueReadBuffer(q: cl_command_queue, m: cl_mem, blocking: cl_uint, offset: usize, size: usize, ptr: *mut c_void, nwait: cl_uint, wait: *const cl_event, event: *mut cl_event) -> cl_int;
    fn clGetEventInfo(e: cl_event, param: cl_uint, size: usize, value: *mut c_void, size_ret: *mut usize) -> cl_int;
    fn clReleaseEvent(e: cl_event) -> cl_int;
}

/// `target/<profile>/libwgcl.so`, built by cargo for this test (as for `c_tests.rs`).
fn lib_path() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let p = exe.parent().unwrap().parent().unwrap().join("libwgcl.so");
    assert!(p.exists(), "{} not found", p.display());
    p
}

fn ok(code: cl_int, what: &str) {
    assert_eq!(code, CL_SUCCESS, "{what} returned {code}");
}

// ------------------------------------------------------------------ owned handles

macro_rules! owned {
    ($name:ident, $raw:ty, $release:ident) => {
        struct $name($raw);
        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: a live handle this test created and still owns.
                let code = unsafe { $release(self.0) };
                if !std::thread::panicking() {
                    ok(code, stringify!($release));
                }
            }
        }
    };
}
owned!(Ctx, cl_context, clReleaseContext);
owned!(Queue, cl_command_queue, clReleaseCommandQueue);
owned!(Mem, cl_mem, clReleaseMemObject);
owned!(Prog, cl_program, clReleaseProgram);
owned!(Kern, cl_kernel, clReleaseKernel);
owned!(Event, cl_event, clReleaseEvent);

struct Env {
    dev: cl_device_id,
    ctx: Ctx,
}

fn env() -> Env {
    unsafe {
        let mut n = 0;
        ok(clGetPlatformIDs(0, null_mut(), &mut n), "clGetPlatformIDs");
        assert!(n >= 1, "no platform");
        let mut p = null_mut();
        ok(clGetPlatformIDs(1, &mut p, null_mut()), "clGetPlatformIDs");
        let mut dev = null_mut();
        ok(clGetDeviceIDs(p, CL_DEVICE_TYPE_DEFAULT, 1, &mut dev, null_mut()), "clGetDeviceIDs");
        let mut err = 0;
        let ctx = clCreateContext(null(), 1, &dev, null(), null_mut(), &mut err);
        ok(err, "clCreateContext");
        Env { dev, ctx: Ctx(ctx) }
    }
}

impl Env {
    fn queue(&self, out_of_order: bool) -> Queue {
        let props: [cl_queue_properties; 3] =
            [CL_QUEUE_PROPERTIES, if out_of_order { CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE } else { 0 }, 0];
        let mut err = 0;
        let q = unsafe { clCreateCommandQueueWithProperties(self.ctx.0, self.dev, props.as_ptr(), &mut err) };
        ok(err, "clCreateCommandQueueWithProperties");
        Queue(q)
    }

    fn buffer(&self, size: usize) -> Mem {
        let mut err = 0;
        let m = unsafe { clCreateBuffer(self.ctx.0, CL_MEM_READ_WRITE, size, null_mut(), &mut err) };
        ok(err, "clCreateBuffer");
        Mem(m)
    }

    fn buffer_with(&self, data: &[u8]) -> Mem {
        let mut err = 0;
        // COPY_HOST_PTR only reads the host memory.
        let m = unsafe {
            clCreateBuffer(self.ctx.0, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, data.len(), data.as_ptr() as *mut c_void, &mut err)
        };
        ok(err, "clCreateBuffer(COPY_HOST_PTR)");
        Mem(m)
    }

    fn f32_buf(&self, v: &[f32]) -> Mem {
        self.buffer_with(&f32s(v))
    }

    /// Builds a corpus file from its OpenCL C source; a failed build panics with the log.
    fn build(&self, file: &str) -> Prog {
        let src = corpus(file);
        let csrc = CString::new(src.clone()).unwrap();
        let ptr = csrc.as_ptr();
        let len = src.len();
        let mut err = 0;
        let p = Prog(unsafe { clCreateProgramWithSource(self.ctx.0, 1, &ptr, &len, &mut err) });
        ok(err, "clCreateProgramWithSource");
        let opts = CString::new("").unwrap();
        let code = unsafe { clBuildProgram(p.0, 1, &self.dev, opts.as_ptr(), null(), null_mut()) };
        if code != CL_SUCCESS {
            panic!("{file}: clBuildProgram = {code}:\n{}", self.build_log(&p));
        }
        let mut status: cl_build_status = -100;
        ok(
            unsafe {
                clGetProgramBuildInfo(p.0, self.dev, CL_PROGRAM_BUILD_STATUS, 4, &mut status as *mut _ as *mut c_void, null_mut())
            },
            "CL_PROGRAM_BUILD_STATUS",
        );
        assert_eq!(status, CL_BUILD_SUCCESS, "{file}: build status");
        p
    }

    fn build_log(&self, p: &Prog) -> String {
        let mut size = 0;
        unsafe {
            ok(clGetProgramBuildInfo(p.0, self.dev, CL_PROGRAM_BUILD_LOG, 0, null_mut(), &mut size), "CL_PROGRAM_BUILD_LOG size");
            let mut buf = vec![0u8; size];
            ok(
                clGetProgramBuildInfo(p.0, self.dev, CL_PROGRAM_BUILD_LOG, size, buf.as_mut_ptr() as *mut c_void, null_mut()),
                "CL_PROGRAM_BUILD_LOG",
            );
            String::from_utf8_lossy(&buf).trim_end_matches('\0').to_string()
        }
    }

    fn work_group_info<T: Default + Copy>(&self, k: &Kern, param: cl_uint) -> T {
        let mut v = T::default();
        ok(
            unsafe {
                clGetKernelWorkGroupInfo(k.0, self.dev, param, std::mem::size_of::<T>(), &mut v as *mut T as *mut c_void, null_mut())
            },
            "clGetKernelWorkGroupInfo",
        );
        v
    }
}

fn corpus(name: &str) -> String {
    let p = format!("{}/../kernels/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn kernel(p: &Prog, name: &str) -> Kern {
    let cname = CString::new(name).unwrap();
    let mut err = 0;
    let k = unsafe { clCreateKernel(p.0, cname.as_ptr(), &mut err) };
    ok(err, &format!("clCreateKernel({name})"));
    Kern(k)
}

fn num_args(k: &Kern) -> usize {
    let mut n: cl_uint = 0;
    ok(unsafe { clGetKernelInfo(k.0, CL_KERNEL_NUM_ARGS, 4, &mut n as *mut _ as *mut c_void, null_mut()) }, "CL_KERNEL_NUM_ARGS");
    n as usize
}

/// A kernel argument as a C program passes it to `clSetKernelArg`.
enum A<'a> {
    Mem(&'a Mem),
    Bytes(Vec<u8>),
    /// A `__local` pointer argument: its size in bytes, value NULL.
    Local(usize),
}

fn set_arg(k: &Kern, i: usize, a: &A) -> cl_int {
    unsafe {
        match a {
            A::Mem(m) => clSetKernelArg(k.0, i as cl_uint, std::mem::size_of::<cl_mem>(), &m.0 as *const cl_mem as *const c_void),
            A::Bytes(b) => clSetKernelArg(k.0, i as cl_uint, b.len(), b.as_ptr() as *const c_void),
            A::Local(n) => clSetKernelArg(k.0, i as cl_uint, *n, null()),
        }
    }
}

fn set_args(k: &Kern, args: &[A]) {
    assert_eq!(num_args(k), args.len(), "argument count");
    for (i, a) in args.iter().enumerate() {
        ok(set_arg(k, i, a), &format!("clSetKernelArg({i})"));
    }
}

/// `clEnqueueNDRangeKernel` over `global` in groups of `local` (None: NULL local size).
fn enqueue(q: &Queue, k: &Kern, global: &[usize], local: Option<&[usize]>, wait: &[&Event]) -> Result<Event, cl_int> {
    let wait: Vec<cl_event> = wait.iter().map(|e| e.0).collect();
    let mut ev = null_mut();
    let code = unsafe {
        clEnqueueNDRangeKernel(
            q.0,
            k.0,
            global.len() as cl_uint,
            null(),
            global.as_ptr(),
            local.map_or(null(), <[usize]>::as_ptr),
            wait.len() as cl_uint,
            if wait.is_empty() { null() } else { wait.as_ptr() },
            &mut ev,
        )
    };
    if code == CL_SUCCESS {
        Ok(Event(ev))
    } else {
        assert!(ev.is_null(), "an event returned by a failed enqueue");
        Err(code)
    }
}

fn launch(q: &Queue, k: &Kern, args: &[A], global: &[usize], local: Option<&[usize]>) -> Event {
    set_args(k, args);
    enqueue(q, k, global, local, &[]).unwrap_or_else(|e| panic!("clEnqueueNDRangeKernel = {e}"))
}

/// Blocking `clEnqueueReadBuffer` of `size` bytes after `wait`.
fn read_after(q: &Queue, m: &Mem, size: usize, wait: &[&Event]) -> Vec<u8> {
    let wait: Vec<cl_event> = wait.iter().map(|e| e.0).collect();
    let mut out = vec![0u8; size];
    let code = unsafe {
        clEnqueueReadBuffer(
            q.0,
            m.0,
            CL_TRUE,
            0,
            size,
            out.as_mut_ptr() as *mut c_void,
            wait.len() as cl_uint,
            if wait.is_empty() { null() } else { wait.as_ptr() },
            null_mut(),
        )
    };
    ok(code, "clEnqueueReadBuffer");
    out
}

fn read(q: &Queue, m: &Mem, size: usize) -> Vec<u8> {
    read_after(q, m, size, &[])
}

fn read_f32(q: &Queue, m: &Mem, n: usize) -> Vec<f32> {
    to_f32s(&read(q, m, n * 4))
}

fn status(e: &Event) -> cl_int {
    let mut s: cl_int = -100;
    ok(
        unsafe { clGetEventInfo(e.0, CL_EVENT_COMMAND_EXECUTION_STATUS, 4, &mut s as *mut _ as *mut c_void, null_mut()) },
        "CL_EVENT_COMMAND_EXECUTION_STATUS",
    );
    s
}

fn finish(q: &Queue) {
    ok(unsafe { clFinish(q.0) }, "clFinish");
}

// ------------------------------------------------------------------ the corpus

#[test]
fn vector_add() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("vector_add.cl");
    let k = kernel(&p, "vector_add");
    let n = 1000;
    let (a, b) = (rand_f32s(n, 1), rand_f32s(n, 2));
    let (ba, bb, bc) = (env.f32_buf(&a), env.f32_buf(&b), env.buffer(n * 4));
    let ev = launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bc), A::Bytes(u32s(&[n as u32]))], &[1024], Some(&[64]));
    // Exact: one IEEE add per element.
    assert_eq!(read_f32(&q, &bc, n), reference::vector_add(&a, &b));
    assert_eq!(status(&ev), CL_COMPLETE);
    // NULL local size: the implementation picks one (global 1000 is not a multiple of 64).
    let bc2 = env.buffer(n * 4);
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bc2), A::Bytes(u32s(&[n as u32]))], &[n], None);
    assert_eq!(read_f32(&q, &bc2, n), reference::vector_add(&a, &b));
}

#[test]
fn saxpy() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("saxpy.cl");
    let k = kernel(&p, "saxpy");
    let n = 256;
    let (x, y) = (rand_f32s(n, 3), rand_f32s(n, 4));
    let (bx, by) = (env.f32_buf(&x), env.f32_buf(&y));
    launch(&q, &k, &[A::Bytes(f32s(&[2.5])), A::Mem(&bx), A::Mem(&by)], &[n], Some(&[32]));
    // A device may fuse the multiply-add: one rounding difference.
    assert_close(&read_f32(&q, &by, n), &reference::saxpy(2.5, &x, &y), 1e-6);
}

#[test]
fn dot_reduce_local_argument() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("reduce.cl");
    let k = kernel(&p, "dot_reduce");
    let (n, ls) = (1000usize, 64usize);
    let groups = n.div_ceil(ls);
    let (a, b) = (rand_f32s(n, 5), rand_f32s(n, 6));
    let (ba, bb, bp) = (env.f32_buf(&a), env.f32_buf(&b), env.buffer(groups * 4));
    // A __local argument takes a size and a NULL value; a non-NULL value is refused.
    assert_eq!(set_arg(&k, 3, &A::Bytes(vec![0; 4])), CL_INVALID_ARG_VALUE);
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bp), A::Local(ls * 4), A::Bytes(u32s(&[n as u32]))], &[groups * ls], Some(&[ls]));
    assert_eq!(env.work_group_info::<cl_ulong>(&k, CL_KERNEL_LOCAL_MEM_SIZE), ls as u64 * 4);
    let got = read_f32(&q, &bp, groups);
    let want = dot_partials(&a, &b, n, ls);
    for g in 0..groups {
        // Tree order differs from the sequential sum: 64 terms of magnitude <= 1.
        assert!((got[g] - want[g]).abs() < 1e-4, "group {g}: {} vs {}", got[g], want[g]);
    }
}

#[test]
fn histogram_uchar_buffer_and_atomics() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("histogram.cl");
    let k = kernel(&p, "histogram");
    let n = 1000;
    let data = histogram_input(n);
    let (bd, bh) = (env.buffer_with(&data), env.buffer_with(&u32s(&[0; 16])));
    launch(&q, &k, &[A::Mem(&bd), A::Bytes(u32s(&[n as u32])), A::Mem(&bh)], &[1024], Some(&[64]));
    assert_eq!(to_u32s(&read(&q, &bh, 64)), histogram16(&data));
}

#[test]
fn tiled_matmul_reqd_work_group_size() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("matmul_tiled.cl");
    let k = kernel(&p, "matmul");
    assert_eq!(env.work_group_info::<usize>(&k, CL_KERNEL_WORK_GROUP_SIZE), 64);
    assert_eq!(env.work_group_info::<[usize; 3]>(&k, CL_KERNEL_COMPILE_WORK_GROUP_SIZE), [8, 8, 1]);
    let n = 32;
    let (a, b) = (rand_f32s(n * n, 7), rand_f32s(n * n, 8));
    let (ba, bb, bc) = (env.f32_buf(&a), env.f32_buf(&b), env.buffer(n * n * 4));
    set_args(&k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bc), A::Bytes(i32s(&[n as i32]))]);
    // A local size other than reqd_work_group_size is refused; NULL picks the required one.
    assert_eq!(enqueue(&q, &k, &[n, n], Some(&[4, 4]), &[]).err(), Some(CL_INVALID_WORK_GROUP_SIZE));
    enqueue(&q, &k, &[n, n], None, &[]).unwrap();
    // 32-term dot products of values in [-1, 1]; summation order and fma differ.
    assert_close(&read_f32(&q, &bc, n * n), &reference::matmul(&a, &b, n), 1e-5);
}

#[test]
fn transpose_2d_local_argument() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("transpose.cl");
    let k = kernel(&p, "transpose");
    let (w, h) = (20usize, 13usize);
    let a = rand_f32s(w * h, 9);
    let (ba, bt) = (env.f32_buf(&a), env.buffer(w * h * 4));
    // Global size padded to whole 8x8 tiles; the kernel bounds-checks.
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bt), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32])), A::Local(8 * 9 * 4)], &[24, 16], Some(&[8, 8]));
    // A copy: exact.
    assert_eq!(read_f32(&q, &bt, w * h), reference::transpose(&a, w, h));
}

#[test]
fn struct_by_value_argument() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("struct_params.cl");
    let k = kernel(&p, "apply");
    let bias = [0.5, 1.0, 1.5, 2.0];
    let data = rand_f32s(8 * 4, 10);
    let bd = env.f32_buf(&data);
    // A by-value argument of the wrong size is refused (the struct is 48 bytes in C layout).
    assert_eq!(set_arg(&k, 0, &A::Bytes(vec![0; 16])), CL_INVALID_ARG_SIZE);
    // A cl_mem argument passed with the wrong size is refused too.
    assert_eq!(unsafe { clSetKernelArg(k.0, 1, 4, &bd.0 as *const cl_mem as *const c_void) }, CL_INVALID_ARG_SIZE);
    launch(&q, &k, &[A::Bytes(params_bytes(2.0, -3, bias, 5)), A::Mem(&bd)], &[8], Some(&[8]));
    // Items 5..8 stay untouched; a multiply-add may be fused: 1e-6.
    assert_close(&read_f32(&q, &bd, 32), &struct_apply(2.0, -3, bias, 5, &data), 1e-6);
}

#[test]
fn swizzles_and_saturating_conversions() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("swizzle_convert.cl");
    let k = kernel(&p, "swz");
    let n = 16;
    let mut v = rand_f32s(n * 4, 11);
    v[0] = 1e9; // saturates
    let (bv, bi, bf) = (env.f32_buf(&v), env.buffer(n * 16), env.buffer(n * 8));
    launch(&q, &k, &[A::Mem(&bv), A::Mem(&bi), A::Mem(&bf)], &[n], Some(&[16]));
    let (wi, wf) = swz(&v);
    // Conversions are exact; the dot product may be fused (1e-5).
    assert_eq!(to_i32s(&read(&q, &bi, n * 16)), wi);
    assert_close(&read_f32(&q, &bf, n * 2), &wf, 1e-5);
}

#[test]
fn helper_functions_with_pointer_arguments() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("helpers_ptr.cl");
    let k = kernel(&p, "helpers");
    let n = 40;
    let a = rand_f32s(n, 12);
    let (ba, bo) = (env.f32_buf(&a), env.buffer(n * 4));
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bo), A::Bytes(i32s(&[n as i32]))], &[n], Some(&[8]));
    // Same operations in the same order; 1e-5 for a contracted add.
    assert_close(&read_f32(&q, &bo, n), &helpers(&a), 1e-5);
}

#[test]
fn non_uniform_ndrange_padding_items_do_not_write() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("nonuniform.cl");
    let k = kernel(&p, "fill_index");
    let out = env.buffer_with(&i32s(&[-1; 128]));
    launch(&q, &k, &[A::Mem(&out)], &[100], Some(&[32]));
    assert_eq!(to_i32s(&read(&q, &out, 128 * 4)), fill_index(100, 128));
}

#[test]
fn mandelbrot_2d() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("mandelbrot.cl");
    let k = kernel(&p, "mandelbrot");
    let (w, h, max) = (32usize, 24usize, 64);
    let out = env.buffer(w * h * 4);
    launch(&q, &k, &[A::Mem(&out), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32])), A::Bytes(i32s(&[max]))], &[w, h], Some(&[8, 8]));
    let got = to_u32s(&read(&q, &out, w * h * 4));
    let mismatches = got.iter().zip(reference::mandelbrot(w, h, max)).filter(|(g, w)| **g != *w).count();
    // Escape counts are chaotic near the set's boundary: 2% of the pixels may differ.
    assert!(mismatches <= w * h / 50, "{mismatches} pixels differ");
}

/// Two-level scan on an out-of-order queue, ordered only by event wait lists.
#[test]
fn prefix_scan_three_enqueues_ordered_by_events() {
    let env = env();
    let q = env.queue(true);
    let p = env.build("prefix_scan.cl");
    let (scan, scan2, add) = (kernel(&p, "scan_groups"), kernel(&p, "scan_groups"), kernel(&p, "add_offsets"));
    let (n, ls) = (1000usize, 64usize);
    let groups = n.div_ceil(ls);
    let input = rand_u32s(n, 31, 1000);
    let bin = env.buffer_with(&u32s(&input));
    let (bout, bsums, bscanned, btotal) = (env.buffer(n * 4), env.buffer(groups * 4), env.buffer(groups * 4), env.buffer(4));
    set_args(&scan, &[A::Mem(&bin), A::Mem(&bout), A::Mem(&bsums), A::Local(ls * 4), A::Bytes(u32s(&[n as u32]))]);
    set_args(&scan2, &[A::Mem(&bsums), A::Mem(&bscanned), A::Mem(&btotal), A::Local(ls * 4), A::Bytes(u32s(&[groups as u32]))]);
    set_args(&add, &[A::Mem(&bout), A::Mem(&bscanned), A::Bytes(u32s(&[n as u32]))]);
    let e1 = enqueue(&q, &scan, &[groups * ls], Some(&[ls]), &[]).unwrap();
    let e2 = enqueue(&q, &scan2, &[ls], Some(&[ls]), &[&e1]).unwrap();
    let e3 = enqueue(&q, &add, &[groups * ls], Some(&[ls]), &[&e2]).unwrap();
    let got = read_after(&q, &bout, n * 4, &[&e3]);
    let total = read_after(&q, &btotal, 4, &[&e2]);
    // Integer sums: exact.
    assert_eq!(to_u32s(&got), exclusive_scan(&input));
    assert_eq!(to_u32s(&total)[0], input.iter().sum::<u32>());
    assert_eq!(status(&e3), CL_COMPLETE);
}

/// 36 + 36 enqueues of one kernel whose by-value arguments change between enqueues; each
/// command must see the arguments set when it was enqueued (clSetKernelArg copies the value).
#[test]
fn bitonic_sort_many_enqueues_with_scalar_arguments() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("bitonic_sort.cl");
    let k = kernel(&p, "bitonic_step");
    let n = 256usize;
    let input: Vec<i32> = rand_u32s(n, 41, 2000).iter().map(|x| *x as i32 - 1000).collect();
    for ascending in [1u32, 0] {
        let data = env.buffer_with(&i32s(&input));
        ok(set_arg(&k, 0, &A::Mem(&data)), "arg 0");
        ok(set_arg(&k, 3, &A::Bytes(u32s(&[ascending]))), "arg 3");
        for (stage, pass) in bitonic_passes(n) {
            // The values live on this stack frame only until the next iteration.
            let (s, ps) = (stage, pass);
            ok(unsafe { clSetKernelArg(k.0, 1, 4, &s as *const u32 as *const c_void) }, "arg 1");
            ok(unsafe { clSetKernelArg(k.0, 2, 4, &ps as *const u32 as *const c_void) }, "arg 2");
            enqueue(&q, &k, &[n / 2], Some(&[32]), &[]).unwrap();
        }
        assert_eq!(to_i32s(&read(&q, &data, n * 4)), sorted(&input, ascending == 1), "ascending = {ascending}");
    }
}

#[test]
fn nbody_float4_with_local_tiles() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("nbody.cl");
    let k = kernel(&p, "nbody_step");
    let (n, ls) = (100usize, 32usize);
    let (pos, vel) = nbody_input(n);
    let (dt, eps2) = (0.01f32, 0.01f32);
    let (bp, bv, bnp) = (env.f32_buf(&pos), env.f32_buf(&vel), env.buffer(n * 16));
    // Global 100 (not a multiple of 32): the kernel has barriers, so padding items run them.
    launch(
        &q,
        &k,
        &[A::Mem(&bp), A::Mem(&bv), A::Mem(&bnp), A::Local(ls * 16), A::Bytes(i32s(&[n as i32])), A::Bytes(f32s(&[dt])), A::Bytes(f32s(&[eps2]))],
        &[n],
        Some(&[ls]),
    );
    let (got_v, got_p) = (read_f32(&q, &bv, n * 4), read_f32(&q, &bnp, n * 4));
    let (wv, wp, scale) = nbody_step(&pos, &vel, dt, eps2);
    for i in 0..n {
        // A few ulps of rsqrt/product error per term: 1e-5 of the terms' magnitudes plus 1e-6.
        let tol = 1e-5 * scale[i] as f32 + 1e-6;
        for c in 0..3 {
            let j = i * 4 + c;
            assert!((got_v[j] - wv[j]).abs() <= tol, "vel {i}.{c}: {} vs {} (tol {tol})", got_v[j], wv[j]);
            assert!((got_p[j] - wp[j]).abs() <= tol * dt + 1e-6, "pos {i}.{c}: {} vs {}", got_p[j], wp[j]);
        }
        assert_eq!(got_v[i * 4 + 3], vel[i * 4 + 3]);
        assert_eq!(got_p[i * 4 + 3], pos[i * 4 + 3]);
    }
}

#[test]
fn convolution_constant_filter_and_jacobi_stencil() {
    let env = env();
    let q = env.queue(false);
    let p = env.build("convolution.cl");
    let (conv, jac) = (kernel(&p, "convolve2d"), kernel(&p, "jacobi5"));
    let (w, h) = (37usize, 21usize);
    let img = rand_f32s(w * h, 51);
    let filt = conv_filter();
    let (bi, bf, bo, bj) = (env.f32_buf(&img), env.f32_buf(&filt), env.buffer(w * h * 4), env.buffer(w * h * 4));
    launch(&q, &conv, &[A::Mem(&bi), A::Mem(&bo), A::Mem(&bf), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32]))], &[w, h], Some(&[8, 8]));
    launch(&q, &jac, &[A::Mem(&bi), A::Mem(&bj), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32]))], &[w, h], None);
    // 25 products of |x| <= 1 with weights summing to 1, possibly fused: 1e-5.
    assert_close(&read_f32(&q, &bo, w * h), &convolve2d(&img, &filt, w, h), 1e-5);
    // Same adds in the same order, times 0.25 (exact): 1e-6.
    assert_close(&read_f32(&q, &bj, w * h), &jacobi5(&img, w, h), 1e-6);
    finish(&q);
}

/// Every corpus program builds through `clBuildProgram` and `CL_PROGRAM_KERNEL_NAMES` lists
/// the kernels the tests above use.
#[test]
fn every_corpus_program_builds_through_the_c_abi() {
    let env = env();
    let dir = format!("{}/../kernels/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    let mut kernels = Vec::new();
    for f in &names {
        let p = env.build(f);
        let mut size = 0;
        unsafe {
            ok(clGetProgramInfo(p.0, CL_PROGRAM_KERNEL_NAMES, 0, null_mut(), &mut size), "CL_PROGRAM_KERNEL_NAMES size");
            let mut buf = vec![0u8; size];
            ok(clGetProgramInfo(p.0, CL_PROGRAM_KERNEL_NAMES, size, buf.as_mut_ptr() as *mut c_void, null_mut()), "CL_PROGRAM_KERNEL_NAMES");
            assert_eq!(buf.last(), Some(&0), "{f}: kernel names not NUL-terminated");
            let s = String::from_utf8(buf[..size - 1].to_vec()).unwrap();
            kernels.extend(s.split(';').map(str::to_string));
        }
    }
    kernels.sort();
    assert_eq!(
        kernels,
        [
            "add_offsets", "apply", "bitonic_step", "convolve2d", "dot_reduce", "fill_index", "helpers", "histogram", "jacobi5", "mandelbrot",
            "matmul", "nbody_step", "saxpy", "scan_groups", "swz", "transpose", "vector_add"
        ]
    );
    assert_eq!(names.len(), 15, "corpus programs: {names:?}");
}
