//! Double math built-ins (software versions in math_f64.wgsl: Vulkan's Exp/Log/Pow... are
//! 32-bit only) against Rust's f64 functions on the device wgpu finds (lavapipe here). The
//! reference is glibc's libm, itself within 1 ulp, so each bound is the OpenCL one plus 1 ulp;
//! special values (C99 Annex F) must match bit for bit (any NaN for NaN).
mod common;
use common::*;

fn bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|d| d.to_le_bytes()).collect()
}
fn doubles(b: &[u8]) -> Vec<f64> {
    b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

/// Every function whose WGSL form would reach a 32-bit-only GLSL.std.450 instruction (exp
/// gave ~1e-315 on lavapipe) has a software double version now: each builds, scalar and
/// double16 (wide vectors go part by part), without the device's instruction.
#[test]
fn double_functions_all_software() {
    let opts = wgcl_kernels::BuildOptions { caps: wgcl_kernels::DeviceCaps { f64: true, i64: true, ..Default::default() }, ..Default::default() };
    let one = [
        "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp", "exp2", "log", "log2", "sin", "sinh", "tan", "tanh", "exp10",
        "log10", "expm1", "log1p", "cbrt", "acospi", "asinpi", "atanpi",
    ];
    for f in one {
        let src = format!("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n__kernel void k(__global double *a) {{\n    a[0] = {f}(a[1]);\n    vstore16({f}(vload16(1, a)), 2, a);\n}}");
        let p = wgcl_kernels::opencl_c::build(&src, &opts).unwrap_or_else(|e| panic!("{f}: {}", e.log()));
        let wgsl = p.to_wgsl().unwrap();
        assert!(wgsl.contains(&format!("wgcl_{f}_f64")), "{f} not in software");
    }
    for (f, args) in [("pow", "a[1], a[2]"), ("powr", "a[1], 2.0"), ("atan2", "a[1], a[2]"), ("atan2pi", "a[1], a[2]"), ("pown", "a[1], 3"), ("rootn", "a[1], 3"), ("sincos", "a[1], a + 2")] {
        let src = format!("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n__kernel void k(__global double *a) {{\n    a[0] = {f}({args});\n}}");
        wgcl_kernels::opencl_c::build(&src, &opts).unwrap_or_else(|e| panic!("{f}: {}", e.log()));
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

/// |got - want| in ulps of `want` (the ulp of the binade, subnormal ulp below).
fn ulps(got: f64, want: f64) -> f64 {
    let e = (want.abs().log2().floor() as i32).max(-1022);
    (got - want).abs() / f64::from_bits(((e + 1023) as u64) << 52) * 2f64.powi(52)
}

/// Runs `body` (an expression of `a` and `b`, the inputs) over `x` (pairs when `two`),
/// scalar and through double4 (which must agree bit for bit).
fn run_fn(body: &str, x: &[f64], y: &[f64]) -> Vec<f64> {
    let n = x.len();
    assert!(n.is_multiple_of(4) && y.len() == n);
    let src = format!(
        "#pragma OPENCL EXTENSION cl_khr_fp64 : enable
__kernel void k(__global const double *xs, __global const double *ys, __global double *o) {{
    int i = get_global_id(0);
    double a = xs[i], b = ys[i];
    o[i] = {b1};
}}
__kernel void k4(__global const double *xs, __global const double *ys, __global double *o) {{
    int i = get_global_id(0);
    double4 a = vload4(i, xs), b = vload4(i, ys);
    vstore4({b4}, i, o);
}}",
        b1 = body.replace("{I}", "convert_int"),
        b4 = body.replace("{I}", "convert_int4")
    );
    let p = build_with_caps(&src);
    let args = || [Arg::Buf(bytes(x)), Arg::Buf(bytes(y)), Arg::Buf(bytes(&vec![0.0; n]))];
    let o = doubles(&run(&p, "k", &args(), &[n as u32], &[64.min(n as u32)])[2]);
    let v = doubles(&run(&p, "k4", &args(), &[n as u32 / 4], &[1])[2]);
    for i in 0..n {
        assert!(o[i].to_bits() == v[i].to_bits() || (o[i].is_nan() && v[i].is_nan()), "{body} at ({:e}, {:e}): scalar {:e}, double4 {:e}", x[i], y[i], o[i], v[i]);
    }
    o
}

/// The worst ulp error of `got` against `want(x, y)`; specials bit for bit. Printed.
fn worst(name: &str, x: &[f64], y: &[f64], got: &[f64], want: impl Fn(f64, f64) -> f64, bound: f64) -> f64 {
    let mut w = 0f64;
    let mut at = (0.0, 0.0);
    for i in 0..x.len() {
        let (a, b, g) = (x[i], y[i], got[i]);
        let r = want(a, b);
        if r.is_nan() || r.is_infinite() || r == 0.0 || !a.is_finite() || !b.is_finite() {
            let same = if r.is_nan() { g.is_nan() } else { g.to_bits() == r.to_bits() };
            assert!(same, "{name}({a:e}, {b:e}) = {g:e}, want {r:e}");
            continue;
        }
        let e = ulps(g, r);
        assert!(e <= bound, "{name}({a:e}, {b:e}) = {g:e}, want {r:e}: {e:.2} ulp (bound {bound})");
        if e > w {
            w = e;
            at = (a, b);
        }
    }
    eprintln!("{name}: {} inputs, worst {w:.3} ulp at ({:e}, {:e})", x.len(), at.0, at.1);
    w
}

/// Deterministic doubles: uniform in [lo, hi) (xorshift64).
fn uniform(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// Positive doubles with random bits, exponents spread over the whole range (subnormals too).
fn any_positive(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            f64::from_bits(s >> 1 & !(1u64 << 63)).min(f64::MAX)
        })
        .collect()
}

fn pad4(mut v: Vec<f64>) -> Vec<f64> {
    v.resize(v.len().next_multiple_of(4), 1.0);
    v
}

const SPECIAL: [f64; 12] = [0.0, -0.0, 1.0, -1.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, f64::MIN_POSITIVE, 5e-324, f64::MAX, -f64::MAX, 0.5];

#[test]
fn double_exp_family() {
    let mut x = uniform(2000, -746.0, 710.0, 1);
    x.extend(uniform(1000, -2.0, 2.0, 2));
    x.extend(uniform(200, -1e-10, 1e-10, 3));
    x.extend(SPECIAL);
    x.extend([709.782712893384, 709.7827128933841, -708.3964185322641, -745.1332191019411, -745.1332191019412, 1e-300, -1e-300, 0.34, -0.34]);
    let x = pad4(x);
    let y = vec![0.0; x.len()];
    let o = run_fn("exp(a)", &x, &y);
    worst("exp", &x, &y, &o, |a, _| a.exp(), 4.0);
    let x2: Vec<f64> = x.iter().map(|v| v * std::f64::consts::LOG2_E).collect();
    let x2 = [x2, (-1074..=1023).map(f64::from).collect::<Vec<_>>(), vec![1023.9999, -1074.5, 0.5]].concat();
    let x2 = pad4(x2);
    let y2 = vec![0.0; x2.len()];
    let o = run_fn("exp2(a)", &x2, &y2);
    worst("exp2", &x2, &y2, &o, |a, _| a.exp2(), 4.0);
    for (i, k) in (-1074..=1023).enumerate() {
        assert_eq!(o[x.len() + i], f64::from_bits(if k < -1022 { 1 << (k + 1074) } else { ((k + 1023) as u64) << 52 }), "exp2({k}) exact");
    }
    let x10: Vec<f64> = pad4([x.iter().map(|v| v * std::f64::consts::LOG10_E).collect::<Vec<_>>(), (-10..=22).map(f64::from).collect()].concat());
    let y10 = vec![0.0; x10.len()];
    let o = run_fn("exp10(a)", &x10, &y10);
    // 10^a via powf's correctly-rounded-ish glibc pow (exact decimal powers up to 1e22).
    worst("exp10", &x10, &y10, &o, |a, _| 10f64.powf(a), 4.0);
    let o = run_fn("expm1(a)", &x, &y);
    worst("expm1", &x, &y, &o, |a, _| a.exp_m1(), 4.0);
}

#[test]
fn double_log_family() {
    let mut x = any_positive(2000, 5);
    x.extend(uniform(1000, 0.5, 2.0, 6));
    x.extend(uniform(200, 1.0 - 1e-8, 1.0 + 1e-8, 7));
    x.extend(SPECIAL);
    x.extend([-1e-300, 2.0, 8.0, 1024.0, 0.125, 10.0, 1e22, 1e-5, std::f64::consts::FRAC_1_SQRT_2, std::f64::consts::SQRT_2]);
    let x = pad4(x);
    let y = vec![0.0; x.len()];
    let o = run_fn("log(a)", &x, &y);
    worst("log", &x, &y, &o, |a, _| a.ln(), 4.0);
    let o = run_fn("log2(a)", &x, &y);
    worst("log2", &x, &y, &o, |a, _| a.log2(), 4.0);
    let o = run_fn("log10(a)", &x, &y);
    worst("log10", &x, &y, &o, |a, _| a.log10(), 4.0);
    let xp: Vec<f64> = pad4([x.iter().map(|v| v - 1.0).collect::<Vec<_>>(), uniform(400, -1e-6, 1e-6, 8), uniform(400, -1.0, 1.0, 9), vec![-1.0, -0.0, 1e-300, -1e-300]].concat());
    let yp = vec![0.0; xp.len()];
    let o = run_fn("log1p(a)", &xp, &yp);
    // OpenCL's log1p bound is 2 ulp.
    worst("log1p", &xp, &yp, &o, |a, _| a.ln_1p(), 3.0);
}

#[test]
fn double_pow() {
    // Results across the range: x spread over all exponents with y such that |y ln x| <= 709,
    // and bases near 1 with large y (where ln x must be carried past double precision).
    let xs = any_positive(1500, 11);
    let ys = uniform(1500, -1.0, 1.0, 12);
    let mut x: Vec<f64> = xs.clone();
    let mut y: Vec<f64> = xs.iter().zip(&ys).map(|(a, t)| t * 700.0 / a.ln().abs().max(1e-300)).collect();
    let near = uniform(800, 0.99, 1.01, 13);
    y.extend(near.iter().zip(uniform(800, -1.0, 1.0, 14)).map(|(a, t)| t * 700.0 / a.ln().abs()));
    x.extend(near);
    x.extend(uniform(400, -100.0, 100.0, 15));
    y.extend(uniform(400, -40.0, 40.0, 16).iter().map(|v| v.round()));
    // The C99 special cases.
    let sp = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e300, 2.5];
    for &a in &sp {
        for &b in &sp {
            x.push(a);
            y.push(b);
        }
    }
    x.extend([10.0, 2.0, -2.0, 1.0000001, 0.5]);
    y.extend([308.0, -1074.0, 1023.0, 1e10, 1074.5]);
    let x = pad4(x);
    y.resize(x.len(), 1.0);
    let o = run_fn("pow(a, b)", &x, &y);
    worst("pow", &x, &y, &o, f64::powf, 17.0);
    let yi: Vec<f64> = y.iter().map(|v| if v.is_finite() { v.round().clamp(-2000.0, 2000.0) } else { 3.0 }).collect();
    let o = run_fn("pown(a, {I}(b))", &x, &yi);
    worst("pown", &x, &yi, &o, f64::powf, 17.0);
}

/// sin/cos/tan/sincos over small, moderate and huge arguments (the exact reduction), the
/// doubles nearest multiples of pi/2 (6381956970095103 * 2^797 is the closest of all).
#[test]
fn double_sin_cos_tan() {
    let mut x = uniform(1200, -10.0, 10.0, 21);
    x.extend(uniform(400, -1e6, 1e6, 22));
    x.extend(any_positive(1200, 23).iter().enumerate().map(|(i, v)| if i % 2 == 0 { *v } else { -v }));
    x.extend(SPECIAL);
    let pio2 = std::f64::consts::FRAC_PI_2;
    for k in [1.0, 2.0, 3.0, 4.0, 10.0, 1e3, 1e6, 1e9, 1e15] {
        let v = pio2 * k;
        x.extend([v, f64::from_bits(v.to_bits() + 1), f64::from_bits(v.to_bits() - 1), -v]);
    }
    x.extend([6381956970095103.0 * 2f64.powi(797), 1e22, 2f64.powi(1023), 1e-300, 5e-324, std::f64::consts::FRAC_PI_4, 0.785_398_163_397_448_4, 1e300]);
    let x = pad4(x);
    let y = vec![0.0; x.len()];
    // glibc is 8 ulp off for cos and tan at the hardest argument; mpmath's values (1500 bits).
    let hard = 6381956970095103.0 * 2f64.powi(797);
    let o = run_fn("sin(a)", &x, &y);
    let sin = worst("sin", &x, &y, &o, |a, _| a.sin(), 5.0);
    let o = run_fn("cos(a)", &x, &y);
    let cos = worst("cos", &x, &y, &o, |a, _| if a == hard { -4.687165924254628e-19 } else { a.cos() }, 5.0);
    let o = run_fn("tan(a)", &x, &y);
    let tan = worst("tan", &x, &y, &o, |a, _| if a == hard { -2.133485385753704e+18 } else { a.tan() }, 6.0);
    let i = x.iter().position(|&a| a == hard).unwrap();
    assert_eq!(o[i], -2.133485385753704e+18, "tan at the hardest argument");
    eprintln!("sin {sin:.2}, cos {cos:.2}, tan {tan:.2} ulp");
    // sincos: sin returned, cos through the pointer.
    let sc = run_fn("sincos(a, &b) + b * 0.0", &x, &y);
    let s1 = run_fn("sin(a) + cos(a) * 0.0", &x, &y);
    for i in 0..x.len() {
        assert!(sc[i].to_bits() == s1[i].to_bits() || sc[i].is_nan(), "sincos({:e})", x[i]);
    }
}

/// IEEE remainder from Rust's exact `%`: |a| mod 2|b| gives the quotient's parity for the
/// tie; a zero result has a's sign, an infinite b gives a.
fn remainder_ref(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a.is_infinite() {
        return f64::NAN;
    }
    if b.is_infinite() && a.is_finite() {
        return a;
    }
    let ab = b.abs();
    let mut r = if (2.0 * ab).is_finite() { a.abs() % (2.0 * ab) } else { a.abs() };
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

/// Rust's asinh/acosh overflow for huge arguments (x * x); there ln|x| + ln 2 is exact to
/// well under an ulp.
fn asinh_ref(a: f64) -> f64 {
    if a.abs() > 1e10 && a.is_finite() { (a.abs().ln() + std::f64::consts::LN_2).copysign(a) } else { a.asinh() }
}
/// Rust's acosh rounds x + sqrt(x^2 - 1) before its log (1e-11 relative near 1): asinh of
/// sqrt((x - 1)(x + 1)) (x - 1 exact) instead below 2.
fn acosh_ref(a: f64) -> f64 {
    if a > 1e10 && a.is_finite() {
        a.ln() + std::f64::consts::LN_2
    } else if (1.0..2.0).contains(&a) {
        ((a - 1.0) * (a + 1.0)).sqrt().asinh()
    } else {
        a.acosh()
    }
}

/// (Rust's atanh of a negative x takes log1p of 2x / (1 - x), which cancels: odd symmetry.)
type One = (&'static str, fn(f64) -> f64, f64);

/// atan/asin/acos, the hyperbolics and their inverses, cbrt (inv_f64.wgsl).
#[test]
fn double_inverse_trig_hyperbolic_cbrt() {
    let mut x = uniform(700, -1.0, 1.0, 31);
    x.extend(uniform(500, -30.0, 30.0, 32));
    x.extend(any_positive(600, 33).iter().enumerate().map(|(i, v)| if i % 2 == 0 { *v } else { -v }));
    x.extend(SPECIAL);
    x.extend([0.5, -0.5, 0.9999999999, 1.0000000001, 2.0, 710.4, -710.4, 710.5, 1e-8, 22.0, 0.55, 268435457.0]);
    let x = pad4(x);
    let y = vec![0.0; x.len()];
    let fns: &[One] = &[
        ("atan", f64::atan, 6.0), ("asin", f64::asin, 5.0), ("acos", f64::acos, 5.0), ("sinh", f64::sinh, 5.0), ("cosh", f64::cosh, 5.0),
        ("tanh", f64::tanh, 6.0), ("asinh", asinh_ref, 5.0), ("acosh", acosh_ref, 5.0), ("atanh", |a| if a < 0.0 { -(-a).atanh() } else { a.atanh() }, 6.0), ("cbrt", f64::cbrt, 3.0),
    ];
    for (f, r, bound) in fns {
        let o = run_fn(&format!("{f}(a)"), &x, &y);
        worst(f, &x, &y, &o, |a, _| r(a), *bound);
    }
}

/// atan2 (C99 specials), hypot, and exact fmod and remainder (huge quotients, subnormals).
#[test]
fn double_atan2_hypot_fmod_remainder() {
    let mut a = uniform(600, -100.0, 100.0, 41);
    let mut b = uniform(600, -100.0, 100.0, 42);
    a.extend(any_positive(500, 43).iter().enumerate().map(|(i, v)| if i % 3 == 0 { -v } else { *v }));
    b.extend(any_positive(500, 44).iter().enumerate().map(|(i, v)| if i % 2 == 0 { -v } else { *v }));
    for &p in &SPECIAL {
        for &q in &SPECIAL {
            a.push(p);
            b.push(q);
        }
    }
    a.extend([1e300, 1e-300, 5.0, -5.0, 7.5, 1.0, 3e-320, f64::MAX]);
    b.extend([1e-300, 1e300, 2.0, 2.0, 5.0, 5e-324, 7e-321, 3.0]);
    let a = pad4(a);
    b.resize(a.len(), 1.0);
    let o = run_fn("atan2(a, b)", &a, &b);
    worst("atan2", &a, &b, &o, f64::atan2, 7.0);
    let o = run_fn("hypot(a, b)", &a, &b);
    worst("hypot", &a, &b, &o, f64::hypot, 5.0);
    let o = run_fn("fmod(a, b)", &a, &b);
    worst("fmod", &a, &b, &o, |p, q| p % q, 0.0);
    let o = run_fn("remainder(a, b)", &a, &b);
    worst("remainder", &a, &b, &o, remainder_ref, 0.0);
}

/// frexp on subnormal doubles (lavapipe's gives them exponent -1022 and a wrong mantissa).
#[test]
fn double_frexp_exact() {
    let mut x = any_positive(1000, 61);
    x.extend([5e-324, -1e-310, 2.2250738585072014e-308, 0.75, f64::MAX, -3.5]);
    let x = pad4(x);
    let n = x.len();
    let src = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable
    __kernel void k(__global const double *x, __global double *m, __global int *e) { int i = get_global_id(0); int q; m[i] = frexp(x[i], &q); e[i] = q; }";
    let p = build_with_caps(src);
    let out = run(&p, "k", &[Arg::Buf(bytes(&x)), Arg::Buf(bytes(&vec![0.0; n])), Arg::Buf(i32s(&vec![0; n]))], &[n as u32], &[64]);
    let (m, e) = (doubles(&out[1]), to_i32s(&out[2]));
    for i in 0..n {
        let a = x[i];
        if a == 0.0 || !a.is_finite() {
            continue;
        }
        let sub = a.abs() < f64::MIN_POSITIVE;
        let s = if sub { a * 2f64.powi(54) } else { a };
        let we = ((s.to_bits() >> 52) & 0x7ff) as i32 - 1022 - if sub { 54 } else { 0 };
        let wm = f64::from_bits((s.to_bits() & !(0x7ffu64 << 52)) | (1022u64 << 52));
        assert!(m[i] == wm && e[i] == we, "frexp({a:e}) = ({}, {}), want ({wm}, {we})", m[i], e[i]);
    }
}

/// asinpi/acospi/atanpi/atan2pi, powr, rootn and remquo.
#[test]
fn double_pi_forms_powr_rootn_remquo() {
    let mut x = uniform(600, -1.0, 1.0, 71);
    x.extend(any_positive(400, 72).iter().enumerate().map(|(i, v)| if i % 2 == 0 { *v } else { -v }));
    x.extend(SPECIAL);
    let x = pad4(x);
    let y = vec![0.0; x.len()];
    let pi = std::f64::consts::PI;
    // The reference's own division by pi adds up to 1 ulp over glibc's.
    let o = run_fn("asinpi(a)", &x, &y);
    worst("asinpi", &x, &y, &o, |a, _| a.asin() / pi, 6.0);
    let o = run_fn("acospi(a)", &x, &y);
    worst("acospi", &x, &y, &o, |a, _| a.acos() / pi, 7.0);
    let o = run_fn("atanpi(a)", &x, &y);
    worst("atanpi", &x, &y, &o, |a, _| if a.is_infinite() { 0.5f64.copysign(a) } else { a.atan() / pi }, 7.0);
    let mut a = uniform(500, -100.0, 100.0, 73);
    let mut b = uniform(500, -100.0, 100.0, 74);
    for &p in &SPECIAL {
        for &q in &SPECIAL {
            a.push(p);
            b.push(q);
        }
    }
    a.extend([1e300, 5.0, -7.5, 1e-300]);
    b.extend([3.0, -2.0, 2.0, 7e-310]);
    let a = pad4(a);
    b.resize(a.len(), 1.0);
    let o = run_fn("atan2pi(a, b)", &a, &b);
    worst("atan2pi", &a, &b, &o, |p, q| {
        let v = p.atan2(q) / pi;
        // The exact special values (0.25, 0.5, 0.75, 1).
        if p.is_infinite() || q.is_infinite() || p == 0.0 || q == 0.0 { (v * 4.0).round() / 4.0 } else { v }
    }, 8.0);
    let o = run_fn("powr(a, b)", &a, &b);
    worst("powr", &a, &b, &o, |x, y| {
        if x.is_nan() || y.is_nan() || x < 0.0 || (x == 0.0 && y == 0.0) || (x.is_infinite() && y == 0.0) || (x == 1.0 && y.is_infinite()) { f64::NAN } else { x.abs().powf(y) }
    }, 17.0);
    let ni: Vec<f64> = b.iter().enumerate().map(|(i, v)| if v.is_finite() { (v.round() % 20.0) + [0.0, 3.0][i % 2] } else { 5.0 }).collect();
    let o = run_fn("rootn(a, {I}(b))", &a, &ni);
    worst("rootn", &a, &ni, &o, rootn_ref, 17.0);
    let n = a.len();
    let src = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable
    __kernel void k(__global const double *x, __global const double *y, __global double *r, __global int *q) { int i = get_global_id(0); int n; r[i] = remquo(x[i], y[i], &n); q[i] = n; }";
    let p = build_with_caps(src);
    let out = run(&p, "k", &[Arg::Buf(bytes(&a)), Arg::Buf(bytes(&b)), Arg::Buf(bytes(&vec![0.0; n])), Arg::Buf(i32s(&vec![0; n]))], &[n as u32], &[64]);
    let (r, q) = (doubles(&out[2]), to_i32s(&out[3]));
    for i in 0..n {
        let (x, y) = (a[i], b[i]);
        let want = remainder_ref(x, y);
        assert!(r[i].to_bits() == want.to_bits() || (want.is_nan() && r[i].is_nan()), "remquo({x:e}, {y:e}) = {:e}, want {want:e}", r[i]);
        if want.is_nan() || y.is_infinite() {
            continue;
        }
        let m = if (128.0 * y.abs()).is_finite() { x.abs() % (128.0 * y.abs()) } else { x.abs() };
        let n7 = (((m - remainder_ref(m, y.abs())) / y.abs()).round() as i32) & 127;
        let n7 = if x.is_sign_negative() != (y < 0.0) { -n7 } else { n7 };
        assert_eq!(q[i], n7, "remquo({x:e}, {y:e}) quotient bits");
    }
}

/// x^(1/n): powf's 1/n is rounded (|ln y| * 2^-53 relative, ~100 ulp for tiny x), so the
/// power of two goes apart: x = m 2^(k|n| + r), root m 2^r (in [1/2, 2^|n|)), times 2^k exactly.
fn rootn_ref(x: f64, n: f64) -> f64 {
    if n == 0.0 || x.is_nan() || (x < 0.0 && n % 2.0 == 0.0) {
        return f64::NAN;
    }
    let ax = x.abs();
    let y = if ax == 0.0 || ax.is_infinite() {
        ax.powf(1.0 / n)
    } else {
        let sub = ax < f64::MIN_POSITIVE;
        let s = if sub { ax * 2f64.powi(54) } else { ax };
        let e = ((s.to_bits() >> 52) & 0x7ff) as i32 - 1022 - if sub { 54 } else { 0 };
        let m = f64::from_bits((s.to_bits() & !(0x7ffu64 << 52)) | (1022u64 << 52));
        let k = n.abs() as i32;
        let root = (m * 2f64.powi(e.rem_euclid(k))).powf(1.0 / k as f64) * 2f64.powi(e.div_euclid(k) / 2) * 2f64.powi(e.div_euclid(k) - e.div_euclid(k) / 2);
        if n < 0.0 { 1.0 / root } else { root }
    };
    y.copysign(if n % 2.0 == 0.0 { 1.0 } else { x })
}

/// fma must round once (lavapipe's f64 fma rounds the product): against Rust's mul_add, bit for
/// bit, with c cancelling the product.
#[test]
fn double_fma_correctly_rounded() {
    let a = uniform(2000, -100.0, 100.0, 91);
    let b = uniform(2000, -100.0, 100.0, 92);
    let r = uniform(2000, -1.0, 1.0, 93);
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut z = Vec::new();
    for i in 0..a.len() {
        let c = match i % 4 {
            0 => -(a[i] * b[i]),
            1 => -(a[i] * b[i]) * (1.0 + r[i] * 1e-12),
            2 => r[i] * 1e-3,
            _ => r[i] * 1e4,
        };
        x.push(a[i]);
        y.push(b[i]);
        z.push(c);
    }
    let big = any_positive(300, 94);
    for k in 0..100 {
        x.push(big[3 * k]);
        y.push(if k % 2 == 0 { 1.0 / big[3 * k + 1] } else { big[3 * k + 1] });
        z.push(-big[3 * k + 2]);
    }
    for s in SPECIAL {
        x.extend([s, 3.0, 1.5]);
        y.extend([2.0, s, 2.5]);
        z.extend([1.0, -1.0, s]);
    }
    let n = x.len().next_multiple_of(64);
    x.resize(n, 1.0);
    y.resize(n, 1.0);
    z.resize(n, 1.0);
    let src = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable
    __kernel void k(__global const double *x, __global const double *y, __global const double *z, __global double *o) { int i = get_global_id(0); o[i] = fma(x[i], y[i], z[i]); }";
    let p = build_with_caps(src);
    let o = doubles(&run(&p, "k", &[Arg::Buf(bytes(&x)), Arg::Buf(bytes(&y)), Arg::Buf(bytes(&z)), Arg::Buf(bytes(&vec![0.0; n]))], &[n as u32], &[64])[3]);
    for i in 0..n {
        let want = x[i].mul_add(y[i], z[i]);
        if (x[i] * y[i]).abs() < 1e-290 && x[i] * y[i] != 0.0 {
            continue;
        }
        assert!(o[i].to_bits() == want.to_bits() || (want.is_nan() && o[i].is_nan()), "fma({:e}, {:e}, {:e}) = {:e}, want {want:e}", x[i], y[i], z[i], o[i]);
    }
}

/// sqrt and rsqrt stay the device's (Vulkan's Sqrt/InverseSqrt take 64-bit floats): sqrt
/// correctly rounded, rsqrt within OpenCL's 2 ulp (+1 for the reference's own division).
#[test]
fn double_sqrt_rsqrt_device() {
    let mut x = any_positive(2000, 101);
    x.extend(SPECIAL);
    x.extend([4.0, 2.0, 1e-310]);
    let x = pad4(x);
    let y = vec![0.0; x.len()];
    let o = run_fn("sqrt(a)", &x, &y);
    worst("sqrt", &x, &y, &o, |a, _| a.sqrt(), 0.0);
    let o = run_fn("rsqrt(a)", &x, &y);
    worst("rsqrt", &x, &y, &o, |a, _| 1.0 / a.sqrt(), 3.0);
}
