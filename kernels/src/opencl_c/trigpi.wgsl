// sinpi, cospi and tanpi for f32 (OpenCL asks 4, 4 and 6 ulp over the whole range), without
// the device's sine and cosine, which are accurate only in absolute terms (WGSL allows 2^-11:
// no correct digit near the zeros), and without x * pi, which loses the argument for large |x|.
// |x| = 2m + k/2 + r exactly, with k in 0..4 and |r| <= 1/4; sin(pi r) and cos(pi r) are
// Taylor polynomials (truncation below 1e-9 relative). Zeros and poles take the signs OpenCL
// gives them, set on the bits (drivers may assume no signed zeros in float arithmetic).

struct wgcl_pi_parts { k: f32, r: f32, s: f32, c: f32 }

fn wgcl_pi_reduce(x: f32) -> wgcl_pi_parts {
    let ax = abs(x);
    // |x| mod 2, exact: both terms are multiples of ulp(|x|). NaN for inf and NaN.
    let a = ax - 2.0f * floor(ax * 0.5f);
    let k = round(2.0f * a);
    let r = a - 0.5f * k;
    let z = r * r;
    let s = r * (3.141592653589793f + z * (-5.16771278004997f + z * (2.5501640398773455f + z * (-0.5992645293207921f + z * (0.08214588661112823f + z * -0.0073704309457143504f)))));
    let c = 1.0f + z * (-4.934802200544679f + z * (4.0587121264167685f + z * (-1.3352627688545895f + z * (0.2353306303588932f + z * -0.02580689139001406f))));
    return wgcl_pi_parts(k, r, s, c);
}

// The bits of v, +0 for either zero.
fn wgcl_pi_bits(v: f32) -> u32 {
    return select(bitcast<u32>(v), 0u, (bitcast<u32>(v) << 1u) == 0u);
}

// sinpi(n) is +0 for n > 0 and -0 for n < 0; sinpi is odd.
fn wgcl_sinpi(x: f32) -> f32 {
    let p = wgcl_pi_reduce(x);
    let v = select(p.s, p.c, p.k == 1.0f || p.k == 3.0f);
    let b = wgcl_pi_bits(select(v, -v, p.k == 2.0f || p.k == 3.0f));
    return bitcast<f32>(b ^ (bitcast<u32>(x) & 0x80000000u));
}

// cospi(n + 1/2) is +0; cospi is even.
fn wgcl_cospi(x: f32) -> f32 {
    let p = wgcl_pi_reduce(x);
    let v = select(p.c, p.s, p.k == 1.0f || p.k == 3.0f);
    return bitcast<f32>(wgcl_pi_bits(select(v, -v, p.k == 1.0f || p.k == 2.0f)));
}

// tanpi is odd; for |x| = n (r = 0, k even) it is +0 for even n, -0 for odd n, and for
// |x| = n + 1/2 (r = 0, k odd) +inf for even n, -inf for odd n: OpenCL sets the signs by the
// parity of n, not by tan's period.
fn wgcl_tanpi(x: f32) -> f32 {
    let p = wgcl_pi_reduce(x);
    let odd = p.k == 1.0f || p.k == 3.0f;
    let exact = select(select(0u, 0x80000000u, p.k == 2.0f), select(0xff800000u, 0x7f800000u, p.k == 1.0f), odd);
    let b = select(bitcast<u32>(select(p.s / p.c, -p.c / p.s, odd)), exact, p.r == 0.0f);
    return bitcast<f32>(b ^ (bitcast<u32>(x) & 0x80000000u));
}
