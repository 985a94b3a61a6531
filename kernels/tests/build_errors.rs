//! One test per class of build error: message and `file:line:col`.
use wgcl_kernels::{opencl_c::build, BuildOptions, DeviceCaps};

fn err(src: &str) -> String {
    build(src, &BuildOptions::default()).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn syntax_error() {
    assert_eq!(err("__kernel void k(__global int* a) {\n  a[0] = ;\n}"), "program.cl:2:10: error: expected an expression, found `;`");
}

#[test]
fn undeclared_identifier() {
    assert_eq!(err("__kernel void k(__global int* a) {\n    a[0] = nope;\n}"), "program.cl:2:12: error: use of undeclared identifier `nope`");
}

#[test]
fn images_are_refused() {
    assert_eq!(err("__kernel void k(__read_only image2d_t img) {}"), "program.cl:1:29: error: `image2d_t`: images are not supported (WebGPU storage textures are not bound by wgcl)");
}

#[test]
fn printf_needs_a_literal_format() {
    assert_eq!(
        err("__constant char f[] = {'a', 0};\n__kernel void k() {\n  printf(f);\n}"),
        "program.cl:3:10: error: printf's format must be a string literal (wgcl checks and stores formats when the program is built)"
    );
}

#[test]
fn recursion_is_refused() {
    let e = err("int f(int x) { return x <= 1 ? 1 : x * f(x - 1); }\n__kernel void k(__global int* a) { a[0] = f(a[0]); }");
    assert!(e.starts_with("program.cl:1:40: error: recursion is not supported: `f` calls itself"), "{e}");
}

#[test]
fn doubles_need_the_capability() {
    assert_eq!(err("__kernel void k(__global double* a) { a[0] = 1.0; }"), "program.cl:1:34: error: `double` needs cl_khr_fp64, which this device lacks");
    let opts = BuildOptions { caps: DeviceCaps { i64: false, ..Default::default() }, ..Default::default() };
    let e = build("__kernel void k(__global long* a) { a[0] = 1; }", &opts).map(|_| ()).unwrap_err();
    assert_eq!(e.log(), "program.cl:1:32: error: `long` needs 64-bit integer support, which this device lacks");
}

#[test]
fn errors_in_headers_name_the_header() {
    let opts = BuildOptions { headers: vec![("util.h".into(), "int f() {\n  return @;\n}".into())], ..Default::default() };
    let e = build("#include \"util.h\"\n__kernel void k() {}", &opts).map(|_| ()).unwrap_err();
    assert_eq!(e.log(), "util.h:2:10: error: unexpected character `@`");
}

#[test]
fn missing_kernel() {
    assert_eq!(err("int f() { return 1; }"), "error: the program defines no __kernel function");
}

#[test]
fn generic_address_space_and_pipes() {
    assert!(err("__kernel void k(__generic int* p) {}").contains("the generic address space is not supported"));
    assert!(err("__kernel void k(pipe int p) {}").contains("pipes are not supported"));
}

#[test]
fn swizzle_out_of_range() {
    assert_eq!(
        err("__kernel void k(__global float2* a) {\n    float2 v = a[0];\n    a[0].x = v.z;\n}"),
        "program.cl:3:15: error: invalid vector component or swizzle `.z` for a 2-component vector"
    );
}

#[test]
fn unions_that_words_cannot_hold() {
    assert_eq!(
        err("typedef union { bool b; int i; } U;\n__kernel void k(__global int* a) {\n    U u;\n    u.i = 1; a[0] = u.i;\n}"),
        "program.cl:3:7: error: member `b` of `U` has type `bool`, which a union cannot hold (it is stored as 32-bit words)"
    );
    assert_eq!(
        err("typedef union { float f; uint u; } U;\n__kernel void k(__global float* a) {\n    U u;\n    float *p = &u.f;\n}"),
        "program.cl:4:16: error: cannot take the address of a union member (unions are stored as 32-bit words)"
    );
}
