// exp/exp2/exp10/expm1, log/log2/log10/log1p and pow for f64 in software: Vulkan defines
// GLSL.std.450 Exp/Log/Pow only for 16/32-bit floats. Only add, mul, fma, floor, round,
// frexp and exact power-of-two products are used. Polynomials are Taylor series (exp: 1/k!;
// log: 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5...) cut where the next term is below 2^-60
// relative on the reduced range. Double-double (hi, lo) carries log for pow so that y*log(x)
// stays good to ~2^-62 relative (pow's 16 ulp allows ~2^-49 absolute in the exponent).

struct wgcl_dd { hi: f64, lo: f64 }

fn wgcl_inf_f64() -> f64 { return f64(bitcast<f32>(wgcl_inf_bits)); }
fn wgcl_nan_f64() -> f64 { return f64(bitcast<f32>(wgcl_nan_bits)); }

// NaN test by the bits of the f32 conversion (which keeps NaN and sends large values to inf):
// lavapipe folds `x != x` to false.
fn wgcl_isnan_f64(x: f64) -> bool { return (bitcast<u32>(f32(x)) & 0x7fffffffu) > 0x7f800000u; }

// `v`, in a form the device compiler cannot see through: lavapipe's NIR rewrites
// (a + b) - a to b (it treats SPIR-V float ops without NoContraction as reassociable),
// which zeroes the rounding errors the double-double steps below depend on.
// (The condition is never true; infinities pass unchanged.)
fn wgcl_keep_f64(v: f64) -> f64 { return select(v, 0.0lf, abs(v) > 1.7976931348623157e308lf && abs(v) < wgcl_inf_f64()); }

// a * b exactly as hi + lo by Dekker's split (Vulkan's Fma need not be fused: lavapipe's
// f64 fma rounds the product).
fn wgcl_two_prod(a: f64, b: f64) -> wgcl_dd {
    let p = a * b;
    let ca = wgcl_keep_f64(134217729.0lf * a);
    let ah = wgcl_keep_f64(ca - (ca - a));
    let cb = wgcl_keep_f64(134217729.0lf * b);
    let bh = wgcl_keep_f64(cb - (cb - b));
    let al = a - ah;
    let bl = b - bh;
    return wgcl_dd(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl);
}

fn wgcl_two_sum(a: f64, b: f64) -> wgcl_dd {
    let s = wgcl_keep_f64(a + b);
    let bb = s - a;
    return wgcl_dd(s, (a - (s - bb)) + (b - bb));
}

// v * 2^n for n in [-1100, 1100], in two exact power-of-two steps so that neither factor
// overflows or underflows (the second product rounds once into the subnormals or overflows to inf).
fn wgcl_scale_f64(v: f64, n: f64) -> f64 {
    let a = floor(n * 0.5lf);
    return (v * ldexp(1.0lf, i32(a))) * ldexp(1.0lf, i32(n - a));
}

// e^r - 1 for |r| <= 0.35: r + r^2 (1/2 + r/6 + ... + r^11/13!).
fn wgcl_expm1_poly_f64(r: f64) -> f64 {
    var p = 1.6059043836821613e-10lf;
    p = fma(p, r, 2.08767569878681e-09lf);
    p = fma(p, r, 2.505210838544172e-08lf);
    p = fma(p, r, 2.755731922398589e-07lf);
    p = fma(p, r, 2.7557319223985893e-06lf);
    p = fma(p, r, 2.48015873015873e-05lf);
    p = fma(p, r, 0.0001984126984126984lf);
    p = fma(p, r, 0.001388888888888889lf);
    p = fma(p, r, 0.008333333333333333lf);
    p = fma(p, r, 0.041666666666666664lf);
    p = fma(p, r, 0.16666666666666666lf);
    p = fma(p, r, 0.5lf);
    return fma(r * r, p, r);
}

// e^(hi + lo) for |lo| <= 2^-40 |hi|: n = round((hi) / ln 2), r = hi - n ln2 exact with a
// 42-bit ln2 (n has at most 11 bits), the rest of ln2 and lo folded in as a correction.
fn wgcl_exp_dd_f64(hi: f64, lo: f64) -> f64 {
    if (wgcl_isnan_f64(hi)) { return hi; }
    if (hi > 709.8lf) { return wgcl_inf_f64(); }
    if (hi < -745.2lf) { return 0.0lf; }
    let n = round(hi * 1.4426950408889634lf);
    let rh = hi - n * 0.6931471805598903lf;
    let rl = lo - n * 5.497923018708371e-14lf;
    let r = wgcl_keep_f64(rh + rl);
    let c = (rh - r) + rl;
    let q = wgcl_expm1_poly_f64(r);
    // e^(r + c) = (1 + q)(1 + c) to first order in c.
    return wgcl_scale_f64(1.0lf + (q + c * (1.0lf + q)), n);
}

fn wgcl_exp_f64(x: f64) -> f64 { return wgcl_exp_dd_f64(x, 0.0lf); }

// x ln 2 as a double-double, then e^.
fn wgcl_exp2_f64(x: f64) -> f64 {
    let h = wgcl_two_prod(x, 0.6931471805599453lf);
    return wgcl_exp_dd_f64(h.hi, h.lo + x * 2.3190468138462996e-17lf);
}

fn wgcl_exp10_f64(x: f64) -> f64 {
    let h = wgcl_two_prod(x, 2.302585092994046lf);
    return wgcl_exp_dd_f64(h.hi, h.lo + x * -2.1707562233822494e-16lf);
}

// Near 0 the polynomial itself; elsewhere 2^n (1 + q) - 1 as (2^n - 1) + 2^n q, with
// 2^n - 1 exact for the n that matter (below -54 the result is -1 within half an ulp).
fn wgcl_expm1_f64(x: f64) -> f64 {
    if (wgcl_isnan_f64(x) || x == 0.0lf) { return x; }
    if (abs(x) <= 0.34lf) { return wgcl_expm1_poly_f64(x); }
    if (x > 709.8lf) { return wgcl_inf_f64(); }
    if (x < -40.0lf) { return -1.0lf; }
    let n = round(x * 1.4426950408889634lf);
    let rh = x - n * 0.6931471805598903lf;
    let rl = -n * 5.497923018708371e-14lf;
    let r = wgcl_keep_f64(rh + rl);
    let c = (rh - r) + rl;
    let q = wgcl_expm1_poly_f64(r);
    let q2 = q + c * (1.0lf + q);
    if (n > 1000.0lf) { return wgcl_scale_f64(1.0lf + q2, n); }
    let p = ldexp(1.0lf, i32(n));
    return (p - 1.0lf) + p * q2;
}

// ln(x) as hi + lo for finite x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), s = (m-1)/(m+1)
// in double-double, ln m = 2s + 2s^3/3 + s^5 P(s^2) with the s^3 term in double-double too.
fn wgcl_log_dd_f64(x: f64) -> wgcl_dd {
    // Subnormals scaled up first (frexp gives them the minimum exponent on lavapipe).
    let sub = x < 2.2250738585072014e-308lf;
    let fr = frexp(select(x, x * 18014398509481984.0lf, sub));
    var m = fr.fract;
    var e = f64(fr.exp) - select(0.0lf, 54.0lf, sub);
    if (m < 0.7071067811865476lf) { m = m * 2.0lf; e = e - 1.0lf; }
    let f = m - 1.0lf;
    let den = wgcl_two_sum(m, 1.0lf);
    let s = f / den.hi;
    let sd = wgcl_two_prod(s, den.hi);
    let sl = (((f - sd.hi) - sd.lo) - s * den.lo) / den.hi;
    let z = wgcl_two_prod(s, s);
    let zh = z.hi;
    let s3d = wgcl_two_prod(s, zh);
    let s3 = s3d.hi;
    let s3l = s3d.lo + s * z.lo;
    let td = wgcl_two_prod(s3, 0.6666666666666666lf);
    let t = td.hi;
    let tl = td.lo + s3l * 0.6666666666666666lf + s3 * 3.700743415417188e-17lf;
    // 2/5 z + 2/7 z^2 + ... + 2/25 z^10, times s^3.
    var p = 0.08lf;
    p = fma(p, zh, 0.08695652173913043lf);
    p = fma(p, zh, 0.09523809523809523lf);
    p = fma(p, zh, 0.10526315789473684lf);
    p = fma(p, zh, 0.11764705882352941lf);
    p = fma(p, zh, 0.13333333333333333lf);
    p = fma(p, zh, 0.15384615384615385lf);
    p = fma(p, zh, 0.18181818181818182lf);
    p = fma(p, zh, 0.2222222222222222lf);
    p = fma(p, zh, 0.2857142857142857lf);
    p = fma(p, zh, 0.4lf);
    let rest = s3 * zh * p;
    // 2s + t, and the terms the rounding of s leaves (d/ds of 2s + 2s^3/3 is 2 + 2s^2).
    let a = wgcl_two_sum(2.0lf * s, t);
    let lm_lo = a.lo + tl + rest + 2.0lf * sl * (1.0lf + zh);
    // e ln2 with a 42-bit ln2 (exact product) and its remainder.
    let b = wgcl_two_sum(e * 0.6931471805598903lf, a.hi);
    let lo = b.lo + lm_lo + e * 5.497923018708371e-14lf;
    let hi = wgcl_keep_f64(b.hi + lo);
    return wgcl_dd(hi, (b.hi - hi) + lo);
}

// NaN for x < 0 or NaN, -inf for zeros, inf for inf, else `v`.
fn wgcl_log_special_f64(x: f64, v: f64) -> f64 {
    let inf = wgcl_inf_f64();
    if (x == 0.0lf) { return -inf; }
    if (x < 0.0lf || wgcl_isnan_f64(x)) { return wgcl_nan_f64(); }
    if (x == inf) { return x; }
    return v;
}

fn wgcl_log_f64(x: f64) -> f64 {
    if (x > 0.0lf && x < wgcl_inf_f64()) { return wgcl_log_dd_f64(x).hi; }
    return wgcl_log_special_f64(x, x);
}

fn wgcl_log2_f64(x: f64) -> f64 {
    if (x > 0.0lf && x < wgcl_inf_f64()) {
        let l = wgcl_log_dd_f64(x);
        let h = wgcl_two_prod(l.hi, 1.4426950408889634lf);
        return h.hi + (h.lo + l.lo * 1.4426950408889634lf + l.hi * 2.0355273740931033e-17lf);
    }
    return wgcl_log_special_f64(x, x);
}

fn wgcl_log10_f64(x: f64) -> f64 {
    if (x > 0.0lf && x < wgcl_inf_f64()) {
        let l = wgcl_log_dd_f64(x);
        let h = wgcl_two_prod(l.hi, 0.4342944819032518lf);
        return h.hi + (h.lo + l.lo * 0.4342944819032518lf + l.hi * 1.098319650216765e-17lf);
    }
    return wgcl_log_special_f64(x, x);
}

// ln(1 + x) = ln(u) + (the rounding error of u = 1 + x) / u.
fn wgcl_log1p_f64(x: f64) -> f64 {
    if (x == 0.0lf) { return x; }
    if (x == -1.0lf) { return -wgcl_inf_f64(); }
    if (!(x > -1.0lf) || x == wgcl_inf_f64()) { return wgcl_log_special_f64(x + 1.0lf, x); }
    let u = wgcl_two_sum(1.0lf, x);
    let l = wgcl_log_dd_f64(u.hi);
    return l.hi + (l.lo + u.lo / u.hi);
}

// 0 for non-integers (and non-finite), 1 for even integers, 2 for odd ones.
fn wgcl_int_kind_f64(y: f64) -> i32 {
    if (floor(y) != y || abs(y) == wgcl_inf_f64()) { return 0; }
    if (abs(y) >= 9007199254740992.0lf) { return 1; }
    return select(1, 2, y - 2.0lf * floor(y * 0.5lf) == 1.0lf);
}

// C99 Annex F pow: e^(y ln|x|) with ln in double-double, the sign from odd integer y.
fn wgcl_pow_f64(x: f64, y: f64) -> f64 {
    let inf = wgcl_inf_f64();
    if (y == 0.0lf || x == 1.0lf) { return 1.0lf; }
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y)) { return wgcl_nan_f64(); }
    let k = wgcl_int_kind_f64(y);
    let ax = abs(x);
    if (abs(y) == inf) {
        if (ax == 1.0lf) { return 1.0lf; }
        return select(0.0lf, inf, (ax > 1.0lf) == (y > 0.0lf));
    }
    var r: f64;
    if (ax == 0.0lf) {
        r = select(inf, 0.0lf, y > 0.0lf);
    } else if (ax == inf) {
        r = select(0.0lf, inf, y > 0.0lf);
    } else if (x < 0.0lf && k == 0) {
        return wgcl_nan_f64();
    } else {
        let l = wgcl_log_dd_f64(ax);
        let h = wgcl_two_prod(y, l.hi);
        r = wgcl_exp_dd_f64(h.hi, h.lo + y * l.lo);
    }
    // Odd integer powers keep x's sign (including -0 and -inf).
    let neg = k == 2 && (x < 0.0lf || 1.0lf / x < 0.0lf);
    return select(r, -r, neg);
}

fn wgcl_pown_f64(x: f64, n: i32) -> f64 { return wgcl_pow_f64(x, f64(n)); }
