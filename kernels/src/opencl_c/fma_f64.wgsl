// fma for f64, correctly rounded in software: Vulkan's Fma may round the product (lavapipe's
// does, for f32 and f64). a b = ph + pl (Dekker), ph + c = sh + sl, sl + pl = th + tl (all
// exact); the result sh + th + tl is rounded once as RN(sh + RO(th + tl)), th rounded to odd
// by its last bit when tl is not zero (Boldo and Melquiond's rounding to odd; th is at most
// ~2 ulp of sh, so its odd bit lies below the final rounding point). Needs 64-bit integers.
// Not handled: products below the normal range (the plain a b + c) and the sticky effect of a
// c below 2^-900 next to a product above 2^900 (scaled by 2^-64 first).

fn wgcl_fma_core_f64(a: f64, b: f64, c: f64) -> f64 {
    let p = wgcl_two_prod(a, b);
    let s = wgcl_two_sum(p.hi, c);
    let t = wgcl_two_sum(s.lo, p.lo);
    var v = t.hi;
    if (t.lo != 0.0lf && (bitcast<u64>(v) & 1lu) == 0lu) {
        // One step towards tl: away from zero when they have the same sign.
        // (th is not 0 here: a zero two_sum has a zero error.)
        let away = (v > 0.0lf) == (t.lo > 0.0lf);
        v = select(bitcast<f64>(bitcast<u64>(v) - 1lu), bitcast<f64>(bitcast<u64>(v) + 1lu), away);
    }
    return s.hi + v;
}

fn wgcl_fma_f64(a: f64, b: f64, c: f64) -> f64 {
    let p = a * b;
    let inf = wgcl_inf_f64();
    let finite_ab = !(wgcl_isnan_f64(a) || wgcl_isnan_f64(b) || abs(a) == inf || abs(b) == inf);
    // An infinite c wins over a finite product that overflows (a b + c would give NaN).
    if (finite_ab && abs(c) == inf) { return c; }
    if (!finite_ab || wgcl_isnan_f64(c) || abs(p) < 2.2250738585072014e-308lf * 18014398509481984.0lf) {
        return p + c;
    }
    let big = 6.668014432879854e+240lf;
    if (abs(a) > big || abs(b) > big || abs(p) > big) {
        let k = 5.421010862427522e-20lf;
        let sa = select(a, a * k, abs(a) >= abs(b));
        let sb = select(b * k, b, abs(a) >= abs(b));
        // Still overflowing: |a b| >= 2^1088 and c is finite, so the sum overflows too.
        if (abs(sa * sb) == inf) { return p; }
        let s = wgcl_fma_core_f64(sa, sb, c * k);
        return s * 18446744073709551616.0lf;
    }
    return wgcl_fma_core_f64(a, b, c);
}
