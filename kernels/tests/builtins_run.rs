//! Built-ins added to the OpenCL C front end, run on the device wgpu finds (lavapipe here)
//! and compared with Rust references; and the precise errors of the unsupported ones.
//! Float results are exact unless a tolerance is stated.
mod common;
use common::*;
use wgcl_kernels::{opencl_c, BuildOptions};

const SRC: &str = r#"
__kernel void fl(__global const float* x, __global const float* y, __global float* f, __global int* e)
{
    int i = get_global_id(0);
    float a = x[i], b = y[i];
    int k = i * 16;
    f[k + 0] = maxmag(a, b);
    f[k + 1] = minmag(a, b);
    f[k + 2] = remainder(a, b);
    f[k + 3] = nextafter(a, b);
    int ex;
    f[k + 4] = frexp(a, &ex);
    e[i * 4 + 0] = ex;
    float whole;
    f[k + 5] = modf(a, &whole);
    f[k + 6] = whole;
    float c;
    f[k + 7] = sincos(a, &c);
    f[k + 8] = c;
    float fl;
    f[k + 9] = fract(a, &fl);
    f[k + 10] = fl;
    f[k + 11] = logb(a);
    e[i * 4 + 1] = ilogb(a);
    float4 v = (float4)(a, b, a * 2.0f, -b);
    int4 ev;
    float4 m = frexp(v, &ev);
    f[k + 12] = m.z;
    e[i * 4 + 2] = ev.z;
    f[k + 13] = as_float(as_uint(nan(5u)) & 0x3fffffu) ;
    f[k + 14] = 0.0f;
    f[k + 15] = 0.0f;
    e[i * 4 + 3] = 0;
}

__kernel void in(__global const int* a, __global const int* b, __global int* o)
{
    int i = get_global_id(0);
    int4 va = vload4(i, a), vb = vload4(i, b);
    vstore4(mul_hi(va, vb), i, o);
    uint4 ua = as_uint4(va), ub = as_uint4(vb);
    vstore4(as_int4(mul_hi(ua, ub)), i + 8, o);
    short s = upsample((char)a[i * 4], (uchar)b[i * 4]);
    o[64 + i] = s;
    o[72 + i] = upsample((short)a[i * 4 + 1], (ushort)b[i * 4 + 1]);
    o[80 + i] = mul_hi((short)a[i * 4 + 2], (short)b[i * 4 + 2]);
    o[88 + i] = mad_hi(a[i * 4 + 3], b[i * 4 + 3], 7);
}
"#;

fn frexp(x: f32) -> (f32, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let e = x.abs().log2().floor() as i32 + 1;
    let m = x / 2f32.powi(e);
    // log2 may land one off at exact powers of two.
    if m.abs() >= 1.0 { (m / 2.0, e + 1) } else if m.abs() < 0.5 { (m * 2.0, e - 1) } else { (m, e) }
}

fn next_after(x: f32, y: f32) -> f32 {
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return if y < 0.0 { -f32::from_bits(1) } else { f32::from_bits(1) };
    }
    let b = x.to_bits() as i32;
    f32::from_bits((if (x < y) == (x > 0.0) { b + 1 } else { b - 1 }) as u32)
}

#[test]
fn float_builtins_with_output_pointers() {
    let p = build(SRC);
    let n = 8usize;
    let x: Vec<f32> = vec![5.5, -7.25, 0.1, 3.0, -0.0, 1e-3, 100.0, -2.5];
    let y: Vec<f32> = vec![2.0, 2.0, -0.3, 3.0, 1.0, -4.0, 7.0, -1.0];
    let out = run(&p, "fl", &[Arg::Buf(f32s(&x)), Arg::Buf(f32s(&y)), Arg::Buf(f32s(&vec![0.0; n * 16])), Arg::Buf(i32s(&vec![0; n * 4]))], &[n as u32], &[8]);
    let f = to_f32s(&out[2]);
    let e = to_i32s(&out[3]);
    for i in 0..n {
        let (a, b) = (x[i], y[i]);
        let r = &f[i * 16..i * 16 + 16];
        let what = format!("x = {a}, y = {b}");
        let maxmag = if a.abs() > b.abs() { a } else if b.abs() > a.abs() { b } else { a.max(b) };
        let minmag = if a.abs() < b.abs() { a } else if b.abs() < a.abs() { b } else { a.min(b) };
        assert_eq!(r[0], maxmag, "maxmag {what}");
        assert_eq!(r[1], minmag, "minmag {what}");
        // IEEE remainder, computed exactly in f64 for these operands.
        let q = (a as f64 / b as f64).round_ties_even();
        assert_eq!(r[2], (a as f64 - q * b as f64) as f32, "remainder {what}");
        assert_eq!(r[3].to_bits(), next_after(a, b).to_bits(), "nextafter {what}");
        let (m, ex) = frexp(a);
        assert_eq!((r[4], e[i * 4]), (m, ex), "frexp {what}");
        assert_eq!((r[5], r[6]), (a.fract(), a.trunc()), "modf {what}");
        // sin/cos on the device: absolute error 1e-6 on these arguments (|x| <= 100).
        assert!((r[7] - a.sin()).abs() < 2e-5 && (r[8] - a.cos()).abs() < 2e-5, "sincos {what}: {} {}", r[7], r[8]);
        assert_eq!((r[9], r[10]), ((a - a.floor()).min(0.99999994), a.floor()), "fract {what}");
        if a == 0.0 {
            assert_eq!((r[11], e[i * 4 + 1]), (f32::NEG_INFINITY, i32::MIN), "logb/ilogb {what}");
        } else {
            assert_eq!((r[11], e[i * 4 + 1]), ((ex - 1) as f32, ex - 1), "logb/ilogb {what}");
        }
        let (m2, e2) = frexp(a * 2.0);
        assert_eq!((r[12], e[i * 4 + 2]), (m2, e2), "frexp vector {what}");
        assert_eq!(r[13].to_bits(), 5, "nan(5u) payload");
    }
}

#[test]
fn integer_builtins_vector_mul_hi_and_upsample() {
    let p = build(SRC);
    let n = 8usize;
    let a: Vec<i32> = rand_u32s(n * 4, 61, u32::MAX).iter().map(|v| *v as i32).collect();
    let b: Vec<i32> = rand_u32s(n * 4, 62, u32::MAX).iter().map(|v| *v as i32).collect();
    let out = run(&p, "in", &[Arg::Buf(i32s(&a)), Arg::Buf(i32s(&b)), Arg::Buf(i32s(&vec![0; 96]))], &[n as u32], &[8]);
    let o = to_i32s(&out[2]);
    for i in 0..n {
        for c in 0..4 {
            let j = i * 4 + c;
            assert_eq!(o[j], ((a[j] as i64 * b[j] as i64) >> 32) as i32, "mul_hi int {j}");
            assert_eq!(o[32 + j] as u32, ((a[j] as u32 as u64 * b[j] as u32 as u64) >> 32) as u32, "mul_hi uint {j}");
        }
        let k = i * 4;
        assert_eq!(o[64 + i], (((a[k] as i8 as i16) << 8) | (b[k] as u8 as i16)) as i32, "upsample char {i}");
        assert_eq!(o[72 + i], ((a[k + 1] as i16 as i32) << 16) | (b[k + 1] as u16 as i32), "upsample short {i}");
        assert_eq!(o[80 + i], ((a[k + 2] as i16 as i32 * b[k + 2] as i16 as i32) >> 16) as i16 as i32, "mul_hi short {i}");
        assert_eq!(o[88 + i], (((a[k + 3] as i64 * b[k + 3] as i64) >> 32) as i32).wrapping_add(7), "mad_hi {i}");
    }
}

fn err(src: &str) -> String {
    opencl_c::build(src, &BuildOptions::default()).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn unsupported_builtins_fail_at_their_call() {
    assert_eq!(err("__kernel void k(__global float* a) {\n    a[0] = erf(a[1]);\n}"), "program.cl:2:12: error: `erf` is not supported yet");
    assert_eq!(err("__kernel void k(__global float* a) {\n  a[0] = tgamma(a[1]);\n}"), "program.cl:2:10: error: `tgamma` is not supported yet");
    assert_eq!(err("__kernel void k(__global float* a, __global short* h) {\n  a[0] = vload_half(0, h);\n}"), "program.cl:2:10: error: `vload_half` is not supported (half data in buffers)");
    assert_eq!(err("__kernel void k(__global float* a) {\n  float w;\n  a[0] = remquo(a[1], a[2], &w);\n}"), "program.cl:3:10: error: `remquo` is not supported");
    assert_eq!(
        err("__kernel void k(__global float* a) {\n  float e;\n  a[0] = frexp(a[1], &e);\n}"),
        "program.cl:3:22: error: the second argument of `frexp` must be a pointer to `int`"
    );
}
