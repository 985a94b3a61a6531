//! sinpi, cospi and tanpi (exact reduction + polynomials, trigpi.wgsl) run on the device wgpu
//! finds (lavapipe here) against f64 references: OpenCL 1.2's 4 ulp (sinpi, cospi) and 6 ulp
//! (tanpi) over the whole float range, and the exact zeros, ones and infinities it fixes at
//! integers and half-integers. Vector forms must equal the scalar one bit for bit; `half`
//! within 1 ulp of half (cl_khr_fp16 asks 2), `double` within 4 and 6 ulp.
mod common;
use common::*;

const SRC: &str = r#"
__kernel void trig(__global const float *x, __global float *o)
{
    int i = get_global_id(0);
    o[i * 3 + 0] = sinpi(x[i]);
    o[i * 3 + 1] = cospi(x[i]);
    o[i * 3 + 2] = tanpi(x[i]);
}

// Each group of 16 inputs through float16, float8, float4, float3 and float2 (the last two
// on lanes 0-2 and 3-4 of the float4 slots).
__kernel void trig_vec(__global const float *x, __global float *o)
{
    int i = get_global_id(0);
    float16 v = vload16(i, x);
    vstore16(sinpi(v), i * 3 + 0, o);
    vstore16(cospi(v), i * 3 + 1, o);
    vstore16(tanpi(v), i * 3 + 2, o);
    __global float *w = o + 48 * (get_global_size(0) + i);
    vstore8(sinpi(v.lo), 0, w);
    vstore8(cospi(v.hi), 1, w);
    vstore4(tanpi(v.s0123), 4, w);
    vstore3(sinpi(v.s456), 0, w + 20);
    vstore2(cospi(v.s78), 0, w + 23);
}
"#;

/// `a` as f64 reduced exactly: |a| = 2m + k/2 + r, k in 0..4, |r| <= 1/4.
fn reduce(a: f64) -> (f64, f64) {
    let m = a.abs() % 2.0;
    let k = (2.0 * m).round();
    (k, m - k / 2.0)
}

/// sin(pi r) and cos(pi r) for |r| <= 1/4, pi r carried in two parts (the product's rounding
/// and pi's own) so that both are good to about half an f64 ulp.
fn sincos_pi(r: f64) -> (f64, f64) {
    const PI_LO: f64 = 1.224_646_799_147_353_2e-16;
    let y = std::f64::consts::PI * r;
    let e = std::f64::consts::PI.mul_add(r, -y) + PI_LO * r;
    (y.sin() + y.cos() * e, y.cos() - y.sin() * e)
}

/// (sinpi, cospi, tanpi) of finite `a` away from the exact cases.
fn trig_pi64(a: f64) -> [f64; 3] {
    let (k, r) = reduce(a);
    let (s, c) = sincos_pi(r);
    let (sa, ca) = match k as u32 {
        0 | 4 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    };
    let sa = if a < 0.0 { -sa } else { sa };
    [sa, ca, sa / ca]
}

/// |got - want| in units of the last place of `want` rounded to a float with `mant` fraction
/// bits (23 for float, 52 for double, 10 for half).
fn ulps(got: f64, want: f64, mant: i32) -> f64 {
    let min_exp = match mant { 52 => -1022, 10 => -14, _ => -126 };
    let e = (want.abs().log2().floor() as i32).max(min_exp);
    (got - want).abs() / 2f64.powi(e) * 2f64.powi(mant)
}

/// The values OpenCL fixes exactly (as f64; exact in every width), or None.
fn exact(a: f64) -> Option<[f64; 3]> {
    if a.is_nan() || a.is_infinite() {
        return Some([f64::NAN; 3]);
    }
    let zero = if a.is_sign_negative() { -0.0 } else { 0.0 };
    if a == a.trunc() {
        let even = a % 2.0 == 0.0;
        let one = if even { 1.0 } else { -1.0 };
        return Some([zero, one, if even { zero } else { -zero }]);
    }
    if 2.0 * a == (2.0 * a).trunc() {
        let n = a.floor();
        let even = n % 2.0 == 0.0;
        return Some([if even { 1.0 } else { -1.0 }, 0.0, if even { f64::INFINITY } else { f64::NEG_INFINITY }]);
    }
    None
}

fn wide(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&f| f as f64).collect()
}

/// The worst error of sinpi/cospi/tanpi over inputs `x` with outputs `o` (three per input),
/// each checked by [`check`]; printed for the log.
fn worst_errors(x: &[f64], o: &[f64], mant: i32, what: &str) -> [f64; 3] {
    let mut worst = [0f64; 3];
    for (i, &a) in x.iter().enumerate() {
        let e = check(a, [o[i * 3], o[i * 3 + 1], o[i * 3 + 2]], mant, what);
        worst = [0, 1, 2].map(|f| worst[f].max(e[f]));
    }
    eprintln!("{what}, {} inputs: max error sinpi {:.2}, cospi {:.2}, tanpi {:.2} ulp", x.len(), worst[0], worst[1], worst[2]);
    worst
}

/// Checks one result triple; returns the worst ulp errors seen (sinpi, cospi, tanpi).
fn check(a: f64, got: [f64; 3], mant: i32, what: &str) -> [f64; 3] {
    if let Some(want) = exact(a) {
        for f in 0..3 {
            let ok = if want[f].is_nan() { got[f].is_nan() } else { got[f].to_bits() == want[f].to_bits() };
            assert!(ok, "{what} {}({a:e}) = {:e}, want {:e}", ["sinpi", "cospi", "tanpi"][f], got[f], want[f]);
        }
        return [0.0; 3];
    }
    let want = trig_pi64(a);
    let e = [0, 1, 2].map(|f| ulps(got[f], want[f], mant));
    for (f, bound) in [4.0, 4.0, 6.0].into_iter().enumerate() {
        assert!(e[f] <= bound, "{what} {}({a:e}) = {:e}, want {:e}: {:.2} ulp", ["sinpi", "cospi", "tanpi"][f], got[f], want[f], e[f]);
    }
    e
}

/// Normal floats across the range (exponent -40..40), and the neighbours of integers and
/// half-integers, where sin/cos of x * pi lose everything.
fn grid() -> Vec<f32> {
    let mut x: Vec<f32> = (-1024..=1024).map(|i| i as f32 / 256.0).collect();
    let mut s = 0x2545_f491u32;
    for _ in 0..3000 {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let e = (s >> 8) % 80;
        let bits = ((e + 127 - 40) << 23) | (s.rotate_left(13) & 0x007f_ffff) | (s & 0x8000_0000);
        x.push(f32::from_bits(bits));
    }
    for n in [0.0f32, 0.5, 1.0, 1.5, 2.0, 7.5, 1000.0, 4097.5, 1e6 + 0.5, 8_388_607.5, 8_388_608.0] {
        for v in [n, -n] {
            x.extend([v, f32::from_bits(v.to_bits() + 1), f32::from_bits(v.to_bits().wrapping_sub(1))]);
        }
    }
    x.retain(|v| v.abs() >= f32::MIN_POSITIVE || *v == 0.0);
    x.extend([0.0, -0.0, 0.25, -0.75, 1e-30, -1e-30, 16_777_217.0, 33_554_434.0, -33_554_438.0, 3e38, -3e38, f32::MAX]);
    x.extend([f32::INFINITY, f32::NEG_INFINITY, f32::NAN]);
    x.resize(x.len().next_multiple_of(64), 0.125);
    x
}

#[test]
fn float_sinpi_cospi_tanpi_against_f64_references() {
    let p = build(SRC);
    assert_wgsl_round_trip(&p);
    let x = grid();
    let n = x.len();
    let o = to_f32s(&run(&p, "trig", &[Arg::Buf(f32s(&x)), Arg::Buf(f32s(&vec![0.0; n * 3]))], &[n as u32], &[64])[1]);
    worst_errors(&wide(&x), &wide(&o), 23, "float");
    // The headline cases of the issue, by value.
    let at = |v: f32| x.iter().position(|&a| a.to_bits() == v.to_bits()).unwrap() * 3;
    assert_eq!(o[at(1e6 + 0.5)], 1.0);
    assert_eq!(o[at(-1e6 - 0.5)], -1.0);
    assert_eq!(o[at(-3e38)].to_bits(), (-0.0f32).to_bits());
    assert_eq!(o[at(7.5) + 1].to_bits(), 0.0f32.to_bits());

    // Vector forms: per component, the scalar result bit for bit.
    let groups = n / 16;
    let v = to_f32s(&run(&p, "trig_vec", &[Arg::Buf(f32s(&x)), Arg::Buf(f32s(&vec![0.0; n * 6]))], &[groups as u32], &[1])[1]);
    let same = |g: f32, s: f32, what: &str| assert!(g.to_bits() == s.to_bits() || (g.is_nan() && s.is_nan()), "{what}: {g:e} vs scalar {s:e}");
    for gi in 0..groups {
        for l in 0..16 {
            let i = gi * 16 + l;
            for f in 0..3 {
                same(v[gi * 48 + f * 16 + l], o[i * 3 + f], &format!("float16 fn {f} x = {:e}", x[i]));
            }
        }
        let w = &v[48 * (groups + gi)..48 * (groups + gi + 1)];
        let s = |l: usize, f: usize| o[(gi * 16 + l) * 3 + f];
        for l in 0..8 {
            same(w[l], s(l, 0), "float8 sinpi");
            same(w[8 + l], s(8 + l, 1), "float8 cospi");
        }
        for l in 0..4 {
            same(w[16 + l], s(l, 2), "float4 tanpi");
        }
        for l in 0..3 {
            same(w[20 + l], s(4 + l, 0), "float3 sinpi");
        }
        for l in 0..2 {
            same(w[23 + l], s(7 + l, 1), "float2 cospi");
        }
    }
}

const HALF_SRC: &str = r#"
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
__kernel void trig_half(__global const float *x, __global float *o)
{
    int i = get_global_id(0);
    half h = (half)x[i];
    o[i * 3 + 0] = sinpi(h);
    o[i * 3 + 2] = tanpi(h);
    half4 v = (half4)(h);
    o[i * 3 + 1] = cospi(v).z;
}
"#;

#[test]
fn half_sinpi_cospi_tanpi_against_f64_references() {
    assert!(device_caps().f16, "this test needs SHADER_F16 (lavapipe has it)");
    let p = build_with_caps(HALF_SRC);
    assert_wgsl_round_trip(&p);
    // Halves only (the conversion in the kernel is exact): a fine grid, integers and
    // half-integers past 2^10 where halves are whole, the largest half, inf and NaN.
    let mut x: Vec<f32> = (-2048..=2048).map(|i| i as f32 / 512.0).collect();
    x.extend([500.25, 1023.5, -511.5, 2047.0, 2050.0, 65504.0, -65504.0, 0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN]);
    let n = x.len();
    let o = to_f32s(&run(&p, "trig_half", &[Arg::Buf(f32s(&x)), Arg::Buf(f32s(&vec![0.0; n * 3]))], &[n as u32], &[1])[1]);
    let worst = worst_errors(&wide(&x), &wide(&o), 10, "half");
    assert!(worst.iter().all(|&e| e <= 1.0), "half: {worst:?} ulp");
}

const DOUBLE_SRC: &str = r#"
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
__kernel void trig_double(__global const double *x, __global double *o)
{
    int i = get_global_id(0);
    o[i * 3 + 0] = sinpi(x[i]);
    o[i * 3 + 1] = cospi(x[i]);
    double2 t = tanpi((double2)(x[i], -x[i]));
    o[i * 3 + 2] = -t.y;
}
"#;

#[test]
fn double_sinpi_cospi_tanpi_against_f64_references() {
    assert!(device_caps().f64, "this test needs SHADER_F64 (lavapipe has it)");
    let p = build_with_caps(DOUBLE_SRC);
    assert_wgsl_round_trip(&p);
    let mut x: Vec<f64> = grid().into_iter().map(f64::from).collect();
    x.extend([1e15 + 0.5, -4_503_599_627_370_495.5, 2f64.powi(54) + 4.0, 1.0 / 3.0, 0.1, 2.5e-300, f64::MAX, -f64::MAX]);
    x.extend([0.5 + f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0, 3.0 + 4.0 * f64::EPSILON]);
    let n = x.len();
    let bytes = |v: &[f64]| v.iter().flat_map(|d| d.to_le_bytes()).collect::<Vec<u8>>();
    let out = run(&p, "trig_double", &[Arg::Buf(bytes(&x)), Arg::Buf(bytes(&vec![0.0; n * 3]))], &[n as u32], &[1]);
    let o: Vec<f64> = out[1].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    worst_errors(&x, &o, 52, "double");
}
