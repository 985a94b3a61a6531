//! Float math built-ins against f64 references (Rust's f64 functions, ~1e-16 relative: far
//! below a float ulp) on the device wgpu finds (lavapipe here), to OpenCL's float ulp table
//! over sweeps that include large arguments and the C99 Annex F special values (bit for bit,
//! any NaN for NaN). Vector forms must agree with the scalar one.
mod common;
use common::*;
use std::f64::consts::PI;

/// |got - want| in float ulps of `want` (subnormal ulp below the normal range).
fn ulps(got: f64, want: f64) -> f64 {
    let e = (want.abs().log2().floor() as i32).max(-126);
    (got - want).abs() / 2f64.powi(e - 23)
}

/// Runs `body` (of `a`, `b`) over the pairs, scalar and float4 (agreeing bit for bit).
fn run_fn(body: &str, x: &[f32], y: &[f32]) -> Vec<f32> {
    let n = x.len();
    assert!(n.is_multiple_of(4) && y.len() == n);
    let src = format!(
        "__kernel void k(__global const float *xs, __global const float *ys, __global float *o) {{
    int i = get_global_id(0);
    float a = xs[i], b = ys[i];
    o[i] = {b1};
}}
__kernel void k4(__global const float *xs, __global const float *ys, __global float *o) {{
    int i = get_global_id(0);
    float4 a = vload4(i, xs), b = vload4(i, ys);
    vstore4({b4}, i, o);
}}",
        b1 = body.replace("{I}", "convert_int"),
        b4 = body.replace("{I}", "convert_int4")
    );
    let p = build(&src);
    let args = || [Arg::Buf(f32s(x)), Arg::Buf(f32s(y)), Arg::Buf(f32s(&vec![0.0; n]))];
    let o = to_f32s(&run(&p, "k", &args(), &[n as u32], &[64.min(n as u32)])[2]);
    let v = to_f32s(&run(&p, "k4", &args(), &[n as u32 / 4], &[1])[2]);
    for i in 0..n {
        assert!(o[i].to_bits() == v[i].to_bits() || (o[i].is_nan() && v[i].is_nan()), "{body} at ({:e}, {:e}): scalar {:e}, float4 {:e}", x[i], y[i], o[i], v[i]);
    }
    o
}

/// The worst ulp error against `want` (f64); specials (NaN, inf, 0 results or non-finite
/// inputs) bit for bit. Returns (worst, failures listed).
fn worst(name: &str, x: &[f32], y: &[f32], got: &[f32], want: impl Fn(f64, f64) -> f64, bound: f64) -> Vec<String> {
    let mut w = 0f64;
    let mut at = (0.0, 0.0);
    let mut bad = Vec::new();
    for i in 0..x.len() {
        let (a, b, g) = (x[i] as f64, y[i] as f64, got[i]);
        let r = want(a, b);
        let rf = r as f32;
        if rf.is_nan() || rf.is_infinite() || rf == 0.0 || !a.is_finite() || !b.is_finite() {
            let same = if rf.is_nan() { g.is_nan() } else { g.to_bits() == rf.to_bits() };
            if !same {
                bad.push(format!("{name}({a:e}, {b:e}) = {g:e}, want {rf:e}"));
            }
            continue;
        }
        let e = ulps(g as f64, r);
        if e > bound {
            bad.push(format!("{name}({a:e}, {b:e}) = {g:e}, want {r:e}: {e:.2} ulp (bound {bound})"));
        }
        if e > w {
            w = e;
            at = (a, b);
        }
    }
    eprintln!("{name}: {} inputs, worst {w:.3} ulp at ({:e}, {:e}); {} failures {:?}", x.len(), at.0, at.1, bad.len(), bad.iter().take(3).collect::<Vec<_>>());
    bad
}

fn uniform(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)) as f32
        })
        .collect()
}

/// Floats with random bits over every exponent (subnormals, both signs).
fn any_float(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = f32::from_bits((s >> 32) as u32);
            if v.is_finite() { v } else { 1.5 }
        })
        .collect()
}

fn pad4(mut v: Vec<f32>) -> Vec<f32> {
    v.resize(v.len().next_multiple_of(4), 1.0);
    v
}

const SPECIAL: [f32; 12] = [0.0, -0.0, 1.0, -1.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MIN_POSITIVE, 1e-45, f32::MAX, -f32::MAX, 0.5];

fn one_arg_inputs() -> Vec<f32> {
    let mut x = uniform(1500, -10.0, 10.0, 1);
    x.extend(uniform(500, -1.0, 1.0, 2));
    x.extend(any_float(1500, 3));
    x.extend(SPECIAL);
    x.extend([1e5, 1e6, 3e7, 1e10, 1e20, 1e38, -1e30, 88.7, 89.0, -87.5, -103.0, 0.9999, -0.9999, 1.0001]);
    pad4(x)
}

/// One-argument functions: (name, f64 reference, OpenCL float bound in ulp).
type One = (&'static str, fn(f64) -> f64, f64);
type Two = (&'static str, fn(f64, f64) -> f64, f64);

/// The software versions (math_f32.wgsl, trig_f32.wgsl, inv_f32.wgsl): lavapipe's own were up
/// to 10^9 ulp off (sin/cos/tan of large arguments gave +-1), exp/log/pow 4-70 ulp, asin/acos
/// ~3800, atan/atan2 ~350, the hyperbolics and cbrt wrong near 0 or overflowing early, pow NaN
/// for negative bases, hypot overflowing, fmod/remainder inexact or NaN for large quotients.
const DONE1: &[One] = &[
    ("sin", f64::sin, 4.0), ("cos", f64::cos, 4.0), ("tan", f64::tan, 5.0), ("exp", f64::exp, 3.0), ("exp2", f64::exp2, 3.0),
    ("exp10", |a| 10f64.powf(a), 3.0), ("log", f64::ln, 3.0), ("log2", f64::log2, 3.0), ("log10", f64::log10, 3.0),
    ("expm1", f64::exp_m1, 3.0), ("log1p", f64::ln_1p, 2.0), ("sqrt", f64::sqrt, 3.0),
    ("asin", f64::asin, 4.0), ("acos", f64::acos, 4.0), ("atan", f64::atan, 5.0), ("sinh", f64::sinh, 4.0), ("cosh", f64::cosh, 4.0),
    ("tanh", f64::tanh, 5.0), ("asinh", f64::asinh, 4.0), ("acosh", acosh_ref, 4.0), ("atanh", f64::atanh, 5.0), ("cbrt", f64::cbrt, 2.0),
    ("rsqrt", |a| 1.0 / a.sqrt(), 2.0), ("asinpi", |a| a.asin() / PI, 4.0), ("acospi", |a| a.acos() / PI, 5.0), ("atanpi", |a| a.atan() / PI, 5.0),
];
const DONE2: &[Two] = &[
    ("pow", f64::powf, 16.0), ("atan2", f64::atan2, 6.0), ("hypot", f64::hypot, 4.0), ("fmod", |a, b| a % b, 0.0),
    ("remainder", remainder_ref, 0.0), ("atan2pi", |a, b| a.atan2(b) / PI, 6.0), ("powr", powr_ref, 16.0),
];

/// OpenCL's powr: pow for x >= 0 with NaN for x < 0, 0^0, inf^0 and 1^inf.
fn powr_ref(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() || x < 0.0 || (x == 0.0 && y == 0.0) || (x.is_infinite() && y == 0.0) || (x == 1.0 && y.is_infinite()) {
        return f64::NAN;
    }
    x.abs().powf(y)
}

/// Rust's acosh rounds x + sqrt(x^2 - 1) before its log: asinh of sqrt((x - 1)(x + 1))
/// below 2 (good to ~1e-16 here, far below a float ulp either way).
fn acosh_ref(a: f64) -> f64 {
    if (1.0..2.0).contains(&a) { ((a - 1.0) * (a + 1.0)).sqrt().asinh() } else { a.acosh() }
}

/// IEEE remainder from Rust's exact `%` (f32 inputs in f64): |a| mod 2|b| gives the
/// quotient's parity for the tie; a zero result has a's sign, an infinite b gives a.
fn remainder_ref(a: f64, b: f64) -> f64 {
    if b.is_infinite() && a.is_finite() {
        return a;
    }
    let ab = b.abs();
    let mut r = a.abs() % (2.0 * ab);
    let mut odd = false;
    if r >= ab {
        r -= ab;
        odd = true;
    }
    if 2.0 * r > ab || (2.0 * r == ab && odd) {
        r -= ab;
    }
    if a.is_sign_negative() { -r } else { r }
}


fn two_arg_inputs() -> (Vec<f32>, Vec<f32>) {
    let mut a2 = uniform(1000, -100.0, 100.0, 5);
    let mut b2 = uniform(1000, -100.0, 100.0, 6);
    for &p in &SPECIAL {
        for &q in &SPECIAL {
            a2.push(p);
            b2.push(q);
        }
    }
    a2.extend(any_float(600, 7));
    b2.extend(any_float(600, 8));
    a2.extend([-2.0, -2.0, -3.0, -8.0, 2.0, 1e30, 3.0, 1e10, 5.0, -0.0, -0.0, -1e-45]);
    b2.extend([3.0, 2.0, -1.0, 1.0 / 3.0, 0.5, 1e-30, 1e-8, 1.0, 3.0, 3.0, -3.0, 3.0]);
    let a2 = pad4(a2);
    b2.resize(a2.len(), 1.0);
    (a2, b2)
}

fn sweep(one: &[One], two: &[Two]) -> Vec<String> {
    let x = one_arg_inputs();
    let z = vec![0.0f32; x.len()];
    let mut bad = Vec::new();
    for (f, r, bound) in one {
        let o = run_fn(&format!("{f}(a)"), &x, &z);
        bad.extend(worst(f, &x, &z, &o, |a, _| r(a), *bound));
    }
    let (a2, b2) = two_arg_inputs();
    for (f, r, bound) in two {
        let o = run_fn(&format!("{f}(a, b)"), &a2, &b2);
        bad.extend(worst(f, &a2, &b2, &o, r, *bound));
    }
    bad
}

#[test]
fn float_software_functions_within_bounds() {
    let bad = sweep(DONE1, DONE2);
    assert!(bad.is_empty(), "{} failures: {:?}", bad.len(), &bad[..bad.len().min(10)]);
    // pown: integer exponents, negative bases.
    let (a2, b2) = two_arg_inputs();
    let bi: Vec<f32> = b2.iter().map(|v| if v.is_finite() { v.round().clamp(-300.0, 300.0) } else { 3.0 }).collect();
    let o = run_fn("pown(a, {I}(b))", &a2, &bi);
    let bad = worst("pown", &a2, &bi, &o, f64::powf, 16.0);
    assert!(bad.is_empty(), "{bad:?}");
}

/// frexp of a nonzero finite value through f64 (where every float is normal): mantissa in
/// [0.5, 1) and exponent.
fn frexp_ref(a: f64) -> (f64, i32) {
    let e = ((a.to_bits() >> 52) & 0x7ff) as i32 - 1022;
    (a / 2f64.powi(e), e)
}

/// frexp, ilogb and logb on subnormals too (lavapipe's frexp gave them exponent -126 and a
/// wrong mantissa).
#[test]
fn float_frexp_ilogb_logb_exact() {
    let mut x = any_float(2000, 51);
    x.extend([1e-40, -3e-45, 1e-45, 1.1754942e-38, 0.75, 1.0, f32::MAX]);
    let x = pad4(x);
    let n = x.len();
    let src = "__kernel void k(__global const float *x, __global float *m, __global int *e, __global int *il, __global float *lb) {
        int i = get_global_id(0); int q; m[i] = frexp(x[i], &q); e[i] = q; il[i] = ilogb(x[i]); lb[i] = logb(x[i]); }
    __kernel void k4(__global const float *x, __global float *m, __global int *e, __global int *il, __global float *lb) {
        int i = get_global_id(0); int4 q; vstore4(frexp(vload4(i, x), &q), i, m); vstore4(q, i, e); }";
    let p = build(src);
    let args = || [Arg::Buf(f32s(&x)), Arg::Buf(f32s(&vec![0.0; n])), Arg::Buf(i32s(&vec![0; n])), Arg::Buf(i32s(&vec![0; n])), Arg::Buf(f32s(&vec![0.0; n]))];
    let out = run(&p, "k", &args(), &[n as u32], &[64]);
    let (m, e, il, lb) = (to_f32s(&out[1]), to_i32s(&out[2]), to_i32s(&out[3]), to_f32s(&out[4]));
    let out4 = run(&p, "k4", &args(), &[n as u32 / 4], &[1]);
    let (m4, e4) = (to_f32s(&out4[1]), to_i32s(&out4[2]));
    for i in 0..n {
        let a = x[i] as f64;
        if a == 0.0 || !a.is_finite() {
            continue;
        }
        let (wm, we) = frexp_ref(a);
        assert!(m[i] as f64 == wm && e[i] == we, "frexp({a:e}) = ({}, {}), want ({wm}, {we})", m[i], e[i]);
        assert!(m4[i] as f64 == wm && e4[i] == we, "frexp float4 ({a:e}) = ({}, {}), want ({wm}, {we})", m4[i], e4[i]);
        assert_eq!(il[i], we - 1, "ilogb({a:e})");
        assert_eq!(lb[i], (we - 1) as f32, "logb({a:e})");
    }
}

/// rootn (x^(1/n) as e^(ln x / n), 16 ulp) and remquo (exact remainder, quotient's low 7 bits
/// and sign) including huge quotients.
#[test]
fn float_rootn_remquo() {
    let (a2, b2) = two_arg_inputs();
    let ni: Vec<f32> = b2.iter().enumerate().map(|(i, v)| if v.is_finite() { (v.round() % 20.0) + [0.0, 3.0][i % 2] } else { 5.0 }).collect();
    let o = run_fn("rootn(a, {I}(b))", &a2, &ni);
    let bad = worst("rootn", &a2, &ni, &o, |x, n| {
        if n == 0.0 || (x < 0.0 && n % 2.0 == 0.0) { f64::NAN } else { x.abs().powf(1.0 / n).copysign(if n % 2.0 == 0.0 { 1.0 } else { x }) }
    }, 16.0);
    assert!(bad.is_empty(), "{bad:?}");
    let n = a2.len();
    let src = "__kernel void k(__global const float *x, __global const float *y, __global float *r, __global int *q) {
        int i = get_global_id(0); int n; r[i] = remquo(x[i], y[i], &n); q[i] = n; }";
    let p = build(src);
    let out = run(&p, "k", &[Arg::Buf(f32s(&a2)), Arg::Buf(f32s(&b2)), Arg::Buf(f32s(&vec![0.0; n])), Arg::Buf(i32s(&vec![0; n]))], &[n as u32], &[64]);
    let (r, q) = (to_f32s(&out[2]), to_i32s(&out[3]));
    for i in 0..n {
        let (x, y) = (a2[i] as f64, b2[i] as f64);
        let want = remainder_ref(x, y);
        assert!(r[i].to_bits() == (want as f32).to_bits() || (want.is_nan() && r[i].is_nan()), "remquo({x:e}, {y:e}) = {:e}, want {want:e}", r[i]);
        if want.is_nan() || y.is_infinite() {
            continue;
        }
        let m = if (128.0 * y.abs()).is_finite() { x.abs() % (128.0 * y.abs()) } else { x.abs() };
        let n7 = (((m - remainder_ref(m, y.abs())) / y.abs()).round() as i32) & 127;
        let n7 = if (x < 0.0 || (x == 0.0 && x.is_sign_negative())) != (y < 0.0) { -n7 } else { n7 };
        assert_eq!(q[i], n7, "remquo({x:e}, {y:e}) quotient bits");
    }
}

/// fma must round once (lavapipe's rounds the product: fma(a, a, -(a * a)) gave 0): against
/// Rust's (correctly rounded) mul_add, bit for bit, with c cancelling the product.
#[test]
fn float_fma_correctly_rounded() {
    let a = uniform(2000, -100.0, 100.0, 81);
    let b = uniform(2000, -100.0, 100.0, 82);
    let r = uniform(2000, -1.0, 1.0, 83);
    let mut xs = Vec::new();
    for i in 0..a.len() {
        let c = match i % 4 {
            0 => -(a[i] * b[i]),
            1 => -(a[i] * b[i]) * (1.0 + r[i] * 1e-6),
            2 => r[i] * 1e-3,
            _ => r[i] * 1e4,
        };
        xs.push([a[i], b[i], c]);
    }
    let any = any_float(600, 84);
    for k in 0..200 {
        xs.push([any[3 * k], any[3 * k + 1], any[3 * k + 2]]);
    }
    for s in SPECIAL {
        xs.push([s, 2.0, 1.0]);
        xs.push([3.0, s, -1.0]);
        xs.push([1.5, 2.5, s]);
    }
    xs.extend([[1.0 + 1.0 / 4096.0, 1.0 + 1.0 / 4096.0, -(1.0 + 1.0 / 2048.0)], [3e38, 3e38, -f32::INFINITY], [1e30, 1e8, -f32::MAX]]);
    while xs.len() % 4 != 0 {
        xs.push([1.0, 1.0, 1.0]);
    }
    let n = xs.len();
    let flat: Vec<f32> = xs.iter().flatten().copied().collect();
    let src = "__kernel void k(__global const float *x, __global float *o) { int i = get_global_id(0); o[i] = fma(x[3 * i], x[3 * i + 1], x[3 * i + 2]); }";
    let p = build(src);
    let o = to_f32s(&run(&p, "k", &[Arg::Buf(f32s(&flat)), Arg::Buf(f32s(&vec![0.0; n]))], &[n as u32], &[64])[1]);
    let mut skipped = 0;
    for (i, [a, b, c]) in xs.iter().enumerate() {
        let want = a.mul_add(*b, *c);
        // Products below the normal range take the plain a * b + c (documented).
        if (a * b).abs() < 1e-30 && (a * b) != 0.0 {
            skipped += 1;
            continue;
        }
        assert!(o[i].to_bits() == want.to_bits() || (want.is_nan() && o[i].is_nan()), "fma({a:e}, {b:e}, {c:e}) = {:e}, want {want:e}", o[i]);
    }
    eprintln!("fma: {n} inputs bit for bit ({skipped} with tiny products skipped)");
}

/// f32 to the nearest half (ties to even), as f64; overflow to inf.
fn round_half(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    let e = (v.abs().log2().floor() as i32).max(-14);
    let q = 2f64.powi(e - 10);
    let r = (v / q).round_ties_even() * q;
    if r.abs() > 65504.0 { f64::INFINITY.copysign(v) } else { r }
}

type Two1 = fn(f64, f64) -> f64;

/// half math goes through the f32 software versions and rounds once: within one half ulp of
/// the f64 reference (cl_khr_fp16 allows 2-4 for these), the specials exact.
#[test]
fn half_math_through_float() {
    assert!(device_caps().f16, "this test needs SHADER_F16 (lavapipe has it)");
    let fns: &[(&str, Two1)] = &[
        ("exp(h)", |a, _| a.exp()), ("log(h)", |a, _| a.ln()), ("sin(h)", |a, _| a.sin()), ("cos(h)", |a, _| a.cos()), ("tan(h)", |a, _| a.tan()),
        ("pow(h, g)", f64::powf), ("atan2(h, g)", f64::atan2), ("asin(h)", |a, _| a.asin()), ("tanh(h)", |a, _| a.tanh()), ("cbrt(h)", |a, _| a.cbrt()),
    ];
    // Halves only: a grid, large arguments for sin/cos, specials.
    let mut x: Vec<f32> = (-1000..=1000).map(|i| i as f32 / 97.0).collect();
    x.extend([1000.0, 65504.0, -30000.0, 0.0, -0.0, 6.1e-5, f32::INFINITY, f32::NAN, 11.0, -3.5]);
    let x: Vec<f32> = x.iter().map(|&v| round_half(v as f64) as f32).collect();
    let y: Vec<f32> = x.iter().rev().copied().collect();
    let n = x.len();
    for (body, r) in fns {
        let src = format!("#pragma OPENCL EXTENSION cl_khr_fp16 : enable
__kernel void k(__global const float *x, __global const float *y, __global float *o) {{ int i = get_global_id(0); half h = (half)x[i], g = (half)y[i]; o[i] = {body}; }}");
        let p = build_with_caps(&src);
        let o = to_f32s(&run(&p, "k", &[Arg::Buf(f32s(&x)), Arg::Buf(f32s(&y)), Arg::Buf(f32s(&vec![0.0; n]))], &[n as u32], &[1])[2]);
        let mut w = 0f64;
        for i in 0..n {
            let want = r(x[i] as f64, y[i] as f64);
            let wh = round_half(want);
            let g = o[i] as f64;
            if wh.is_nan() || wh.is_infinite() || wh == 0.0 {
                assert!(if wh.is_nan() { g.is_nan() } else { g == wh }, "{body} at ({}, {}) = {g:e}, want {wh:e}", x[i], y[i]);
                continue;
            }
            let e = (want.abs().log2().floor() as i32).max(-14);
            let err = (g - want).abs() / 2f64.powi(e - 10);
            assert!(err <= 1.0, "{body} at ({}, {}) = {g:e}, want {want:e}: {err:.2} half ulp", x[i], y[i]);
            w = w.max(err);
        }
        eprintln!("half {body}: worst {w:.3} ulp");
    }
}
