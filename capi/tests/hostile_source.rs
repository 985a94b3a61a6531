//! Program sources through the C API: an empty source is valid (and fails to build),
//! invalid UTF-8 in a comment is harmless, and hostile source is a build failure with a
//! positioned log, never a crash of the calling application.
use std::ffi::c_char;
use std::ptr::{null, null_mut};

use wgcl::cl::*;
use wgcl::*;

struct Setup {
    device: cl_device_id,
    ctx: cl_context,
}

fn setup() -> Setup {
    unsafe {
        let mut platform = null_mut();
        assert_eq!(clGetPlatformIDs(1, &mut platform, null_mut()), CL_SUCCESS);
        let mut device = null_mut();
        assert_eq!(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &mut device, null_mut()), CL_SUCCESS);
        let mut err = 0;
        let ctx = clCreateContext(null(), 1, &device, None, null_mut(), &mut err);
        assert_eq!(err, CL_SUCCESS);
        Setup { device, ctx }
    }
}

/// Creates a program from `bytes` (with an explicit length), returning it and the error code.
fn create(s: &Setup, bytes: &[u8]) -> (cl_program, cl_int) {
    let mut err = 0;
    let ptr = bytes.as_ptr() as *const c_char;
    let mut strings = [ptr];
    let lens = [bytes.len()];
    // `b"\0"`: the empty string, NUL-terminated (no lengths).
    let lens = if bytes == b"\0" { null() } else { lens.as_ptr() };
    let p = unsafe { clCreateProgramWithSource(s.ctx, 1, strings.as_mut_ptr(), lens, &mut err) };
    (p, err)
}

fn build_log(s: &Setup, p: cl_program) -> (cl_int, String) {
    unsafe {
        let r = clBuildProgram(p, 1, &s.device, null(), None, null_mut());
        let mut size = 0;
        assert_eq!(clGetProgramBuildInfo(p, s.device, CL_PROGRAM_BUILD_LOG, 0, null_mut(), &mut size), CL_SUCCESS);
        let mut buf = vec![0u8; size];
        assert_eq!(clGetProgramBuildInfo(p, s.device, CL_PROGRAM_BUILD_LOG, size, buf.as_mut_ptr().cast(), null_mut()), CL_SUCCESS);
        (r, String::from_utf8_lossy(&buf).trim_end_matches('\0').to_string())
    }
}

#[test]
fn empty_source_is_valid_and_fails_to_build() {
    let s = setup();
    let (p, err) = create(&s, b"\0");
    assert_eq!(err, CL_SUCCESS);
    let (r, log) = build_log(&s, p);
    assert_eq!(r, CL_BUILD_PROGRAM_FAILURE, "{log}");
    assert!(log.contains("no __kernel"), "{log}");
    unsafe { clReleaseProgram(p) };
}

#[test]
fn invalid_utf8_in_a_comment_builds() {
    let s = setup();
    let src = b"/* caf\xe9 \xff\xfe */\n__kernel void k(__global int* a) { a[0] = 1; } // \xc3\n";
    let (p, err) = create(&s, src);
    assert_eq!(err, CL_SUCCESS);
    let (r, log) = build_log(&s, p);
    assert_eq!(r, CL_SUCCESS, "{log}");
    unsafe { clReleaseProgram(p) };
    // In code it is an error at its position.
    let (p, err) = create(&s, b"__kernel void k(__global int* a) {\n  a[0] = 1;\xff\n}\n");
    assert_eq!(err, CL_SUCCESS);
    let (r, log) = build_log(&s, p);
    assert_eq!(r, CL_BUILD_PROGRAM_FAILURE);
    assert!(log.contains("program.cl:2:12: error: unexpected character"), "{log}");
    unsafe { clReleaseProgram(p) };
}

#[test]
fn hostile_nesting_is_a_build_failure() {
    let s = setup();
    let src = format!("__kernel void k(__global int* a) {{\n  a[0] = {}1{};\n}}\n", "(".repeat(10_000), ")".repeat(10_000));
    let (p, err) = create(&s, src.as_bytes());
    assert_eq!(err, CL_SUCCESS);
    let (r, log) = build_log(&s, p);
    assert_eq!(r, CL_BUILD_PROGRAM_FAILURE);
    assert!(log.contains("program.cl:2:") && log.contains("nesting level exceeded maximum of 256"), "{log}");
    unsafe { clReleaseProgram(p) };
}
