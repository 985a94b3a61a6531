// sin, cos, tan for f64 in software (Vulkan's Sin/Cos are 32-bit only), for every finite x:
// |x| > pi/4 is reduced exactly by the digits of 2/pi (24 bits each, 1200 bits: enough for
// the largest double), schoolbook-multiplied by x's mantissa in three 24-bit digits (every
// product and digit sum is an exact f64 integer), the carries propagated, and the fraction
// summed from non-negative digits (its complement when rounding up to the next quadrant) so
// that no floating cancellation is left: the remainder is good to ~2^-100 relative even for
// the doubles nearest a multiple of pi/2. Kernels are Taylor series on |r| <= pi/4.

var<private> wgcl_2opi_f64: array<f64, 50> = array<f64, 50>(10680707.0lf, 7228996.0lf, 1387004.0lf, 2578385.0lf, 16069853.0lf, 12639074.0lf, 9804092.0lf, 4427841.0lf, 16666979.0lf, 11263675.0lf, 12935607.0lf, 2387514.0lf, 4345298.0lf, 14681673.0lf, 3074569.0lf, 13734428.0lf, 16653803.0lf, 1880361.0lf, 10960616.0lf, 8533493.0lf, 3062596.0lf, 8710556.0lf, 7349940.0lf, 6258241.0lf, 3772886.0lf, 3769171.0lf, 3798172.0lf, 8675211.0lf, 12450088.0lf, 3874808.0lf, 9961438.0lf, 366607.0lf, 15675153.0lf, 9132554.0lf, 7151469.0lf, 3571407.0lf, 2607881.0lf, 12013382.0lf, 4155038.0lf, 6285869.0lf, 7677882.0lf, 13102053.0lf, 15825725.0lf, 473591.0lf, 9065106.0lf, 15363067.0lf, 6271263.0lf, 9264392.0lf, 5636912.0lf, 4652155.0lf);

fn wgcl_2opi_digit(i: i32) -> f64 {
    if (i < 0 || i >= 50) { return 0.0lf; }
    return wgcl_2opi_f64[i];
}

// |x| = (q + r) pi/2 with q in 0..3 (mod 4) and r = hi + lo in [-1/2, 1/2] pi/2.
struct wgcl_red_f64 { q: i32, hi: f64, lo: f64 }

fn wgcl_reduce_pio2_f64(ax: f64) -> wgcl_red_f64 {
    if (ax <= 0.7853981633974483lf) { return wgcl_red_f64(0, ax, 0.0lf); }
    let t24 = 16777216.0lf;
    let fr = frexp(ax);
    let q = i32(fr.exp) - 53i;
    let mm = ldexp(fr.fract, 53i);
    let m12 = floor(mm / t24);
    let m0 = mm - m12 * t24;
    let m2 = floor(m12 / t24);
    let m1 = m12 - m2 * t24;
    // Digit k of x * 2/pi weighs 2^(q - 24(k+1)); those weighing 4 or more are 0 mod 4.
    let kmin = i32(floor(f64(q - 2) / 24.0lf));
    let s = q - 24 * (kmin + 1);
    var d: array<f64, 8>;
    var carry = 0.0lf;
    for (var k = 7; k >= 0; k--) {
        let i = kmin + k;
        let p = m0 * wgcl_2opi_digit(i) + m1 * wgcl_2opi_digit(i + 1) + m2 * wgcl_2opi_digit(i + 2) + carry;
        if (k == 0) {
            d[0] = p;
        } else {
            carry = floor(p / t24);
            d[k] = p - carry * t24;
        }
    }
    // The integer bits and the first fraction bits, exactly (under 50 bits), mod 4.
    var t = ldexp(d[0], s);
    t = t - 4.0lf * floor(t * 0.25lf);
    t = t + ldexp(d[1], s - 24i);
    t = t - 4.0lf * floor(t * 0.25lf);
    var n = floor(t);
    let f0 = t - n;
    let up = f0 >= 0.5lf;
    // The fraction (or 1 - it) as non-negative terms, smallest first.
    var hi = select(0.0lf, ldexp(1.0lf, s - 168i), up);
    var lo = 0.0lf;
    for (var k = 7; k >= 2; k--) {
        let dk = select(d[k], t24 - 1.0lf - d[k], up);
        let a = wgcl_two_sum(hi, ldexp(dk, s - 24i * k));
        hi = a.hi;
        lo = lo + a.lo;
    }
    let top = select(f0, (1.0lf - f0) - ldexp(1.0lf, s - 24i), up);
    let a = wgcl_two_sum(top, hi);
    let b = wgcl_two_sum(a.hi, a.lo + lo);
    // r = f pi/2.
    let p = wgcl_two_prod(b.hi, 1.5707963267948966lf);
    let rl = p.lo + b.hi * 6.123233995736766e-17lf + b.lo * 1.5707963267948966lf;
    let r = wgcl_two_sum(p.hi, rl);
    if (up) { n = n + 1.0lf; }
    return wgcl_red_f64(i32(n) & 3, select(r.hi, -r.hi, up), select(r.lo, -r.lo, up));
}

// sin(h + l), |h| <= pi/4, |l| tiny: h + h^3 P(h^2) + l cos h.
fn wgcl_sin_kern_f64(h: f64, l: f64) -> f64 {
    let z = h * h;
    var p = 2.8114572543455206e-15lf;
    p = p * z - 7.647163731819816e-13lf;
    p = p * z + 1.6059043836821613e-10lf;
    p = p * z - 2.505210838544172e-08lf;
    p = p * z + 2.7557319223985893e-06lf;
    p = p * z - 0.0001984126984126984lf;
    p = p * z + 0.008333333333333333lf;
    p = p * z - 0.16666666666666666lf;
    return h + (h * z * p + l * (1.0lf - 0.5lf * z));
}

// cos(h + l): 1 - h^2/2 with its rounding error recovered, + h^4 Q(h^2) - l sin h.
fn wgcl_cos_kern_f64(h: f64, l: f64) -> f64 {
    let z = h * h;
    var p = -1.5619206968586225e-16lf;
    p = p * z + 4.779477332387385e-14lf;
    p = p * z - 1.1470745597729725e-11lf;
    p = p * z + 2.08767569878681e-09lf;
    p = p * z - 2.755731922398589e-07lf;
    p = p * z + 2.48015873015873e-05lf;
    p = p * z - 0.001388888888888889lf;
    p = p * z + 0.041666666666666664lf;
    let hz = 0.5lf * z;
    let w = wgcl_keep_f64(1.0lf - hz);
    // hz's own rounding (z = h*h) as a product error.
    let zz = wgcl_two_prod(h, h);
    return w + (((1.0lf - w) - hz) + (z * z * p - 0.5lf * zz.lo - h * l));
}

fn wgcl_sin_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    if (abs(x) == wgcl_inf_f64()) { return wgcl_nan_f64(); }
    let r = wgcl_reduce_pio2_f64(abs(x));
    var v: f64;
    switch (r.q) {
        case 0: { v = wgcl_sin_kern_f64(r.hi, r.lo); }
        case 1: { v = wgcl_cos_kern_f64(r.hi, r.lo); }
        case 2: { v = -wgcl_sin_kern_f64(r.hi, r.lo); }
        default: { v = -wgcl_cos_kern_f64(r.hi, r.lo); }
    }
    return select(v, -v, x < 0.0lf);
}

fn wgcl_cos_f64(x: f64) -> f64 {
    if (wgcl_isnan_f64(x)) { return x; }
    if (abs(x) == wgcl_inf_f64()) { return wgcl_nan_f64(); }
    let r = wgcl_reduce_pio2_f64(abs(x));
    switch (r.q) {
        case 0: { return wgcl_cos_kern_f64(r.hi, r.lo); }
        case 1: { return -wgcl_sin_kern_f64(r.hi, r.lo); }
        case 2: { return -wgcl_cos_kern_f64(r.hi, r.lo); }
        default: { return wgcl_sin_kern_f64(r.hi, r.lo); }
    }
}

fn wgcl_tan_f64(x: f64) -> f64 {
    if (x == 0.0lf || wgcl_isnan_f64(x)) { return x; }
    if (abs(x) == wgcl_inf_f64()) { return wgcl_nan_f64(); }
    let r = wgcl_reduce_pio2_f64(abs(x));
    let s = wgcl_sin_kern_f64(r.hi, r.lo);
    let c = wgcl_cos_kern_f64(r.hi, r.lo);
    let v = select(s / c, -c / s, (r.q & 1) == 1);
    return select(v, -v, x < 0.0lf);
}
