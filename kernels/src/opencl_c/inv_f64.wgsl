// atan/atan2/asin/acos, sinh/cosh/tanh, asinh/acosh/atanh, cbrt, hypot, fmod and remainder
// for f64 in software (uses math_f64.wgsl; gen_f32.py derives the f32 versions). atan
// reduces to |t| <= 1/8 around c = k/4 (atan(c) in two parts) and sums the Taylor series to
// t^21; asin and acos are atan of y/x with sqrt((1-x)(1+x)), whose factors are exact or
// nearly; the hyperbolics go through exp and expm1 with the ln 2 folded into the argument so
// that cosh/sinh stay finite up to their own overflow. fmod is exact (binary long division,
// one exact subtraction per quotient bit); remainder is fmod by 2y and a final exact step.

fn wgcl_atan_c_hi(k: i32) -> f64 {
    switch (k) {
        case 1: { return 0.24497866312686414lf; }
        case 2: { return 0.4636476090008061lf; }
        case 3: { return 0.6435011087932844lf; }
        case 4: { return 0.7853981633974483lf; }
        default: { return 0.0lf; }
    }
}

fn wgcl_atan_c_lo(k: i32) -> f64 {
    switch (k) {
        case 1: { return 1.0698755618734451e-17lf; }
        case 2: { return 2.2698777452961687e-17lf; }
        case 3: { return 1.5834785051444286e-17lf; }
        case 4: { return 3.061616997868383e-17lf; }
        default: { return 0.0lf; }
    }
}

// atan(y / x) for 0 <= y, x finite, not both 0; the quotient carried in two parts.
fn wgcl_atan_q_f64(y: f64, x: f64) -> f64 {
    let inv = y > x;
    let n = select(y, x, inv);
    let d = select(x, y, inv);
    let v = n / d;
    let p = wgcl_two_prod(v, d);
    var vl = ((n - p.hi) - p.lo) / d;
    if (wgcl_isnan_f64(vl) || abs(vl) == wgcl_inf_f64()) { vl = 0.0lf; }
    let k = i32(round(v * 4.0lf));
    let c = f64(k) * 0.25lf;
    let t = ((v - c) + vl) / (1.0lf + v * c);
    let z = t * t;
    var q = 0.047619047619047616lf;
    q = q * z - 0.05263157894736842lf;
    q = q * z + 0.058823529411764705lf;
    q = q * z - 0.06666666666666667lf;
    q = q * z + 0.07692307692307693lf;
    q = q * z - 0.09090909090909091lf;
    q = q * z + 0.1111111111111111lf;
    q = q * z - 0.14285714285714285lf;
    q = q * z + 0.2lf;
    q = q * z - 0.3333333333333333lf;
    let at = t + t * z * q;
    if (inv) {
        return (1.5707963267948966lf - wgcl_atan_c_hi(k)) + ((6.123233995736766e-17lf - wgcl_atan_c_lo(k)) - at);
    }
    return wgcl_atan_c_hi(k) + (wgcl_atan_c_lo(k) + at);
}

fn wgcl_signbit_f64(x: f64) -> bool { return x < 0.0lf || 1.0lf / x < 0.0lf; }

fn wgcl_atan_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    let ax = abs(x);
    var a = 1.5707963267948966lf;
    if (ax != wgcl_inf_f64()) { a = wgcl_atan_q_f64(ax, 1.0lf); }
    return select(a, -a, x < 0.0lf);
}

// C99 Annex F atan2, with pi - a for x < 0 (or -0).
fn wgcl_atan2_f64(y: f64, x: f64) -> f64 {
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y)) { return wgcl_nan_f64(); }
    let inf = wgcl_inf_f64();
    let ay = abs(y);
    let ax = abs(x);
    var a: f64;
    if (ay == inf && ax == inf) {
        a = 0.7853981633974483lf;
    } else if (ay == 0.0lf) {
        a = 0.0lf;
    } else if (ay == inf || ax == 0.0lf) {
        a = 1.5707963267948966lf;
    } else if (ax == inf) {
        a = 0.0lf;
    } else {
        // Scaled near 1 (subnormals first by 2^54) so that the quotient's exact residual
        // neither overflows nor underflows.
        var sy = ay;
        var sx = ax;
        if (max(sy, sx) < 2.2250738585072014e-308lf) { sy = sy * 18014398509481984.0lf; sx = sx * 18014398509481984.0lf; }
        let e = f64(frexp(max(sy, sx)).exp);
        a = wgcl_atan_q_f64(wgcl_scale_f64(sy, -e), wgcl_scale_f64(sx, -e));
    }
    if (wgcl_signbit_f64(x)) {
        a = (3.141592653589793lf - a) + 1.2246467991473532e-16lf;
    }
    return select(a, -a, wgcl_signbit_f64(y));
}

fn wgcl_asin_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    let ax = abs(x);
    if (ax > 1.0lf) { return wgcl_nan_f64(); }
    let a = wgcl_atan_q_f64(ax, sqrt((1.0lf - ax) * (1.0lf + ax)));
    return select(a, -a, x < 0.0lf);
}

fn wgcl_acos_f64(x: f64) -> f64 {
    if (wgcl_isnan_f64(x) || abs(x) > 1.0lf) { return wgcl_nan_f64(); }
    if (x == 1.0lf) { return 0.0lf; }
    let ax = abs(x);
    let a = wgcl_atan_q_f64(sqrt((1.0lf - ax) * (1.0lf + ax)), ax);
    if (x < 0.0lf) { return (3.141592653589793lf - a) + 1.2246467991473532e-16lf; }
    return a;
}

// e^(|x| - ln 2) = e^|x| / 2, finite up to cosh's own overflow.
fn wgcl_exp_half_f64(ax: f64) -> f64 {
    let s = wgcl_two_sum(ax, -0.6931471805599453lf);
    return wgcl_exp_dd_f64(s.hi, s.lo - 2.3190468138462996e-17lf);
}

fn wgcl_cosh_f64(x: f64) -> f64 {
    if (wgcl_isnan_f64(x)) { return x; }
    let e = wgcl_exp_half_f64(abs(x));
    return e + 0.25lf / e;
}

// (u + u / (1 + u)) / 2 with u = expm1(|x|): no cancellation near 0.
fn wgcl_sinh_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    let ax = abs(x);
    var v: f64;
    if (ax < 22.0lf) {
        let u = wgcl_expm1_f64(ax);
        v = 0.5lf * (u + u / (1.0lf + u));
    } else {
        let e = wgcl_exp_half_f64(ax);
        v = e - 0.25lf / e;
    }
    return select(v, -v, x < 0.0lf);
}

// u / (u + 2) with u = expm1(2|x|) near 0, 1 - 2 / (u + 2) beyond.
fn wgcl_tanh_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    let ax = abs(x);
    var v = 1.0lf;
    if (ax < 40.0lf) {
        let u = wgcl_expm1_f64(2.0lf * ax);
        v = select(1.0lf - 2.0lf / (u + 2.0lf), u / (u + 2.0lf), ax < 0.55lf);
    }
    return select(v, -v, x < 0.0lf);
}

// log1p(a + a^2 / (1 + sqrt(1 + a^2))) = log(a + sqrt(a^2 + 1)); log(a) + ln 2 where a^2 + 1 = a^2.
fn wgcl_asinh_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x) || abs(x) == wgcl_inf_f64()) { return x; }
    let ax = abs(x);
    var v: f64;
    if (ax > 268435456.0lf) {
        let l = wgcl_log_dd_f64(ax);
        v = l.hi + (l.lo + 0.6931471805599453lf);
    } else {
        let a2 = ax * ax;
        v = wgcl_log1p_f64(ax + a2 / (1.0lf + sqrt(1.0lf + a2)));
    }
    return select(v, -v, x < 0.0lf);
}

// log1p(t + sqrt(2t + t^2)) with t = x - 1 (exact below 2); log(x) + ln 2 for large x.
fn wgcl_acosh_f64(x: f64) -> f64 {
    if (wgcl_isnan_f64(x) || x < 1.0lf) { return wgcl_nan_f64(); }
    if (x == wgcl_inf_f64()) { return x; }
    if (x > 268435456.0lf) {
        let l = wgcl_log_dd_f64(x);
        return l.hi + (l.lo + 0.6931471805599453lf);
    }
    if (x < 2.0lf) {
        let t = x - 1.0lf;
        return wgcl_log1p_f64(t + sqrt(2.0lf * t + t * t));
    }
    return wgcl_log_f64(2.0lf * x - 1.0lf / (x + sqrt(x * x - 1.0lf)));
}

// log1p(2x / (1 - x)) / 2; 1 - x is exact for x >= 1/2 and its rounding harmless below.
fn wgcl_atanh_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    let ax = abs(x);
    if (ax > 1.0lf) { return wgcl_nan_f64(); }
    if (ax == 1.0lf) { return select(wgcl_inf_f64(), -wgcl_inf_f64(), x < 0.0lf); }
    let v = 0.5lf * wgcl_log1p_f64(2.0lf * ax / (1.0lf - ax));
    return select(v, -v, x < 0.0lf);
}

// x = m 2^(3q) with m in [1/8, 1) (subnormals scaled first): a float guess for m^(1/3), two
// Newton steps, the last with the residual m - y^3 computed exactly.
fn wgcl_cbrt_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x) || abs(x) == wgcl_inf_f64()) { return x; }
    let ax = abs(x);
    let sub = ax < 2.2250738585072014e-308lf;
    let fr = frexp(select(ax, ax * 18014398509481984.0lf, sub));
    let e = i32(fr.exp) - select(0, 54, sub);
    let q = i32(floor(f32(e) / 3.0f));
    let m = ldexp(fr.fract, e - 3i * q - 3i);
    var y = f64(pow(f32(m), 0.333333343f));
    y = y - (y * y * y - m) / (3.0lf * y * y);
    y = y - (y * y * y - m) / (3.0lf * y * y);
    let y2 = wgcl_two_prod(y, y);
    let y3 = wgcl_two_prod(y2.hi, y);
    let r = ((m - y3.hi) - y3.lo) - y2.lo * y;
    y = y + r / (3.0lf * y * y);
    let v = ldexp(y, q + 1i);
    return select(v, -v, x < 0.0lf);
}

// Scaled by a power of two near the larger argument so that the squares neither overflow nor
// underflow; inf wins over NaN (C99).
fn wgcl_hypot_f64(x: f64, y: f64) -> f64 {
    let inf = wgcl_inf_f64();
    let ax = abs(x);
    let ay = abs(y);
    if (ax == inf || ay == inf) { return inf; }
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y)) { return wgcl_nan_f64(); }
    let a = max(ax, ay);
    let b = min(ax, ay);
    if (b == 0.0lf) { return a; }
    let e = i32(frexp(a).exp);
    let sa = ldexp(a, -e);
    let sb = ldexp(b, -e);
    return ldexp(sqrt(sa * sa + sb * sb), e);
}

// |x| mod |y| exactly for finite x, nonzero y: subtract the largest y 2^j not above it (an
// exact subtraction) until below |y|. frexp gives subnormals the minimum exponent on
// lavapipe, so a subnormal y goes through y 2^54 and a rescaled second pass.
fn wgcl_fmod_loop_f64(ax: f64, ay: f64) -> f64 {
    var r = ax;
    for (var i = 0; i < 2200 && r >= ay; i++) {
        var yk = ldexp(ay, i32(frexp(r).exp) - i32(frexp(ay).exp));
        if (yk > r) { yk = yk * 0.5lf; }
        if (yk * 2.0lf <= r) { yk = yk * 2.0lf; }
        r = r - yk;
    }
    return r;
}

fn wgcl_fmod_abs_f64(ax: f64, ay: f64) -> f64 {
    if (ay >= 2.2250738585072014e-308lf) { return wgcl_fmod_loop_f64(ax, ay); }
    let big = ay * 18014398509481984.0lf;
    let r = wgcl_fmod_loop_f64(ax, big);
    return wgcl_fmod_loop_f64(r * 18014398509481984.0lf, big) / 18014398509481984.0lf;
}

fn wgcl_fmod_f64(x: f64, y: f64) -> f64 {
    let inf = wgcl_inf_f64();
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y) || abs(x) == inf || y == 0.0lf) { return wgcl_nan_f64(); }
    if (abs(y) == inf) { return x; }
    let r = wgcl_fmod_abs_f64(abs(x), abs(y));
    return select(r, -r, wgcl_signbit_f64(x));
}

// x - n y with n = x / y rounded to nearest even, exactly: |x| mod 2|y| decides n's parity.
fn wgcl_remainder_f64(x: f64, y: f64) -> f64 {
    let inf = wgcl_inf_f64();
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y) || abs(x) == inf || y == 0.0lf) { return wgcl_nan_f64(); }
    if (abs(y) == inf) { return x; }
    let ay = abs(y);
    var r = abs(x);
    var odd = false;
    if (2.0lf * ay < inf) { r = wgcl_fmod_abs_f64(r, 2.0lf * ay); }
    if (r >= ay) { r = r - ay; odd = true; }
    if (2.0lf * r > ay || (2.0lf * r == ay && odd)) { r = r - ay; }
    return select(r, -r, wgcl_signbit_f64(x));
}

// n mod 128 (with the sign of x/y) for remquo, n = x/y rounded to nearest even as in
// remainder: |x| mod 128|y| keeps n's low bits; the quotient of that by |y| is small and whole.
fn wgcl_remquo_q_f64(x: f64, y: f64) -> i32 {
    let inf = wgcl_inf_f64();
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y) || abs(x) == inf || y == 0.0lf || abs(y) == inf) { return 0; }
    let ay = abs(y);
    var m = abs(x);
    if (128.0lf * ay < inf) { m = wgcl_fmod_abs_f64(m, 128.0lf * ay); }
    let n = i32(round((m - wgcl_remainder_f64(m, ay)) / ay)) & 127;
    return select(n, -n, wgcl_signbit_f64(x) != wgcl_signbit_f64(y));
}

// x^(1/n) as e^(ln|x| / n), the quotient in two parts (a rounded 1/n would cost |ln x| ulp).
fn wgcl_rootn_f64(x: f64, n: i32) -> f64 {
    if (n == 0 || wgcl_isnan_f64(x)) { return wgcl_nan_f64(); }
    let odd = (n & 1) != 0;
    if (x < 0.0lf && !odd) { return wgcl_nan_f64(); }
    let ax = abs(x);
    let inf = wgcl_inf_f64();
    var r: f64;
    if (ax == 0.0lf) {
        r = select(inf, 0.0lf, n > 0);
    } else if (ax == inf) {
        r = select(0.0lf, inf, n > 0);
    } else {
        let l = wgcl_log_dd_f64(ax);
        let fn_ = f64(n);
        let q = l.hi / fn_;
        let p = wgcl_two_prod(q, fn_);
        r = wgcl_exp_dd_f64(q, (((l.hi - p.hi) - p.lo) + l.lo) / fn_);
    }
    return select(r, -r, odd && wgcl_signbit_f64(x));
}

// pow for x >= 0 with OpenCL's powr special values (NaN for x < 0, 0^0, inf^0, 1^inf).
fn wgcl_powr_f64(x: f64, y: f64) -> f64 {
    let inf = wgcl_inf_f64();
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y) || x < 0.0lf) { return wgcl_nan_f64(); }
    if (x == 0.0lf || x == inf) {
        if (y == 0.0lf) { return wgcl_nan_f64(); }
        return select(0.0lf, inf, (y < 0.0lf) == (x == 0.0lf));
    }
    if (x == 1.0lf) { return select(1.0lf, wgcl_nan_f64(), abs(y) == inf); }
    return wgcl_pow_f64(x, y);
}

// a / pi with 1/pi in two parts.
fn wgcl_div_pi_f64(a: f64) -> f64 {
    let p = wgcl_two_prod(a, 0.3183098861837907lf);
    return p.hi + (p.lo + a * -1.9678676675182486e-17lf);
}

fn wgcl_asinpi_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    return wgcl_div_pi_f64(wgcl_asin_f64(x));
}

fn wgcl_acospi_f64(x: f64) -> f64 { return wgcl_div_pi_f64(wgcl_acos_f64(x)); }

fn wgcl_atanpi_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    if (abs(x) == wgcl_inf_f64()) { return select(0.5lf, -0.5lf, x < 0.0lf); }
    return wgcl_div_pi_f64(wgcl_atan_f64(x));
}

// atan2 / pi with the special values exact (0.25, 0.5, 0.75, 1).
fn wgcl_atan2pi_f64(y: f64, x: f64) -> f64 {
    if (wgcl_isnan_f64(x) || wgcl_isnan_f64(y)) { return wgcl_nan_f64(); }
    let inf = wgcl_inf_f64();
    let ay = abs(y);
    let ax = abs(x);
    var a: f64;
    if (ay == inf && ax == inf) {
        a = 0.25lf;
    } else if (ay == 0.0lf) {
        a = 0.0lf;
    } else if (ay == inf || ax == 0.0lf) {
        a = 0.5lf;
    } else if (ax == inf) {
        a = 0.0lf;
    } else {
        var sy = ay;
        var sx = ax;
        if (max(sy, sx) < 2.2250738585072014e-308lf) { sy = sy * 18014398509481984.0lf; sx = sx * 18014398509481984.0lf; }
        let e = f64(frexp(max(sy, sx)).exp);
        a = wgcl_div_pi_f64(wgcl_atan_q_f64(wgcl_scale_f64(sy, -e), wgcl_scale_f64(sx, -e)));
    }
    if (wgcl_signbit_f64(x)) { a = 1.0lf - a; }
    return select(a, -a, wgcl_signbit_f64(y));
}
