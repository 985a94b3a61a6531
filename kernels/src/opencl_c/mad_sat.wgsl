// mad_sat for 32-bit integers: the 64-bit product as (mul_hi, low word), plus c with carry,
// saturated when the high word is not the low word's sign extension.
fn wgcl_mad_sat_u32(a: u32, b: u32, c: u32) -> u32 {
    let lo = a * b;
    let s = lo + c;
    let hi = wgcl_mul_hi_u32(a, b) + select(0u, 1u, s < lo);
    return select(s, 0xffffffffu, hi != 0u);
}

fn wgcl_mad_sat_i32(a: i32, b: i32, c: i32) -> i32 {
    let lo = bitcast<u32>(a) * bitcast<u32>(b);
    let s = lo + bitcast<u32>(c);
    let hi = wgcl_mul_hi_i32(a, b) + select(0i, -1i, c < 0i) + select(0i, 1i, s < lo);
    if (hi == (bitcast<i32>(s) >> 31u)) {
        return bitcast<i32>(s);
    }
    return select(2147483647i, -2147483647i - 1i, hi < 0i);
}
