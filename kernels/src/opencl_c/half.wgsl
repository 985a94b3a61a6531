// IEEE binary16 <-> f32 in integer arithmetic, so that every rounding mode of vstore_half
// is exact and overflow is defined (WGSL leaves pack2x16float out of range indeterminate).
fn wgcl_half_to_float(h: u32) -> f32 {
    let s = (h & 0x8000u) << 16u;
    let e = (h >> 10u) & 0x1fu;
    let m = h & 0x3ffu;
    if (e == 0x1fu) {
        return bitcast<f32>(s | 0x7f800000u | (m << 13u));
    }
    if (e == 0u) {
        let v = f32(m) * 5.9604644775390625e-8f;
        return select(v, -v, s != 0u);
    }
    return bitcast<f32>(s | ((e + 112u) << 23u) | (m << 13u));
}

// mode: 0 to nearest even, 1 toward zero, 2 toward +inf, 3 toward -inf.
fn wgcl_float_to_half(x: f32, mode: u32) -> u32 {
    let b = bitcast<u32>(x);
    let sign = (b >> 16u) & 0x8000u;
    let a = b & 0x7fffffffu;
    if (a > 0x7f800000u) {
        return sign | 0x7e00u | ((a >> 13u) & 0x3ffu);
    }
    let neg = sign != 0u;
    // Inexact magnitudes round up (away from zero) / stay truncated.
    let up = (mode == 2u && !neg) || (mode == 3u && neg);
    let keep = mode == 1u || (mode == 2u && neg) || (mode == 3u && !neg);
    if (a == 0x7f800000u) {
        return sign | 0x7c00u;
    }
    if (a >= 0x47800000u) {
        return sign | select(0x7c00u, 0x7bffu, keep);
    }
    if (a < 0x00800000u) {
        return sign | select(0u, 1u, up && a != 0u);
    }
    let e = i32(a >> 23u) - 127i;
    let s = (a & 0x7fffffu) | 0x800000u;
    let shift = u32(min(select(-1i - e, 13i, e >= -14i), 25i));
    var h = s >> shift;
    let rem = s & ((1u << shift) - 1u);
    let mid = 1u << (shift - 1u);
    if (mode == 0u) {
        if (rem > mid || (rem == mid && (h & 1u) == 1u)) {
            h = h + 1u;
        }
    } else if (up && rem != 0u) {
        h = h + 1u;
    }
    var bits = h;
    if (e >= -14i) {
        bits = u32(e + 14i) * 1024u + h;
    }
    if (bits >= 0x7c00u) {
        return sign | select(0x7c00u, 0x7bffu, keep);
    }
    return sign | bits;
}
