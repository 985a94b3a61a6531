//! Double math built-ins against f64 references on the device wgpu finds (lavapipe here).
mod common;
use common::*;

fn bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|d| d.to_le_bytes()).collect()
}
fn doubles(b: &[u8]) -> Vec<f64> {
    b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

/// Functions without a software `double` version yet: a build error at the call, never the
/// device's 32-bit-only instruction's garbage (exp gave ~1e-315 on lavapipe).
const REFUSED: &[&str] = &[
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp", "exp2", "log", "log2", "sin", "sinh",
    "tan", "tanh", "exp10", "log10", "expm1", "log1p", "cbrt", "acospi", "asinpi", "atanpi",
];

#[test]
fn unimplemented_double_functions_are_build_errors() {
    let opts = wgcl_kernels::BuildOptions { caps: wgcl_kernels::DeviceCaps { f64: true, ..Default::default() }, ..Default::default() };
    for f in REFUSED {
        let src = format!("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n__kernel void k(__global double *a) {{\n    a[0] = {f}(a[1]);\n}}");
        let e = wgcl_kernels::opencl_c::build(&src, &opts).map(|_| ()).expect_err(f).log();
        assert!(e.starts_with(&format!("program.cl:3:12: error: `{f}` is not supported for `double`")), "{f}: {e}");
        // Vectors too (wide ones go part by part).
        let src = src.replace("a[0] = ", "vstore16(").replace("(a[1]);", "(vload16(0, a)), 1, a);");
        assert!(wgcl_kernels::opencl_c::build(&src, &opts).is_err(), "{f} on double16");
    }
    for (f, args) in [("pow", "a[1], a[2]"), ("powr", "a[1], 2.0"), ("atan2", "a[1], a[2]"), ("atan2pi", "a[1], a[2]"), ("pown", "a[1], 3"), ("rootn", "a[1], 3"), ("sincos", "a[1], a + 2")] {
        let src = format!("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n__kernel void k(__global double *a) {{\n    a[0] = {f}({args});\n}}");
        let e = wgcl_kernels::opencl_c::build(&src, &opts).map(|_| ()).expect_err(f).log();
        assert!(e.contains("error: `") && e.contains("is not supported for `double`"), "{f}: {e}");
    }
}

/// degrees/radians are products (GLSL.std.450's Degrees/Radians are 32-bit only).
#[test]
fn double_degrees_radians() {
    let src = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n__kernel void k(__global const double *x, __global double *o) { int i = get_global_id(0); o[i * 2] = degrees(x[i]); o[i * 2 + 1] = radians(x[i]); }";
    let p = build_with_caps(src);
    let x = [0.5f64, -1.0, 3.0, 1e300];
    let o = doubles(&run(&p, "k", &[Arg::Buf(bytes(&x)), Arg::Buf(bytes(&[0.0; 8]))], &[4], &[1])[1]);
    for (i, &a) in x.iter().enumerate() {
        assert_eq!(o[i * 2], a.to_degrees(), "degrees({a})");
        assert_eq!(o[i * 2 + 1], a * (std::f64::consts::PI / 180.0), "radians({a})");
    }
}
