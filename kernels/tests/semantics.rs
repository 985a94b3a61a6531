//! C semantics the front end once got silently wrong, each run on the device and compared
//! with a CPU reference computed here: postfix `++`/`--`, integer conversions, relational
//! built-ins on NaN, 64-bit integer built-ins, `switch` fall-through.
mod common;
use common::*;

fn u64s(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
fn to_u64s(b: &[u8]) -> Vec<u64> {
    b.chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect()
}

// ---------------------------------------------------------------- postfix ++ / --

const INCDEC: &str = r#"
typedef struct { int a; float b; } S;
__kernel void incdec(__global int* o, __global float* f, __global long* l)
{
    int i = 0;
    o[i++] = 10;
    o[i++] = 11;
    o[i--] = 12;
    int j = 5;
    o[3] = j++;
    o[4] = j;
    o[5] = ++j;
    o[6] = j--;
    o[7] = --j;
    uint u = 0u;
    o[8] = (int)(u--);
    o[9] = (int)u;
    char c = 127;
    o[10] = c++;
    o[11] = c;
    short s = -32768;
    o[12] = s--;
    o[13] = s;
    uchar uc = 255;
    o[14] = uc++;
    o[15] = uc;
    int4 v = (int4)(1, 2, 3, 4);
    o[16] = v.y++;
    o[17] = v.y;
    o[18] = v.s3--;
    o[19] = v.w;
    S st; st.a = 40; st.b = 1.5f;
    o[20] = st.a++;
    o[21] = st.a;
    f[0] = st.b++;
    f[1] = st.b;
    float x = 2.5f;
    f[2] = x--;
    f[3] = x;
    long q = 0x7fffffffffffffffL;
    l[0] = q++;
    l[1] = q;
    __global int* p = o + 22;
    *p++ = 100;
    *p++ = 101;
    *p = 102;
    int arr[3] = {7, 8, 9};
    int k = 0;
    o[25] = arr[k++];
    o[26] = arr[k++];
    o[27] = k;
    o[28] = arr[1]++;
    o[29] = arr[1];
    int m = 0;
    for (int n = 0; n < 3; n++) m += n;
    o[30] = m;
    int w = 3;
    while (w-- > 0) m++;
    o[31] = m * 100 + w;
}
"#;

#[test]
fn postfix_increment_yields_the_old_value() {
    let p = build_with_caps(INCDEC);
    let out = run(&p, "incdec", &[Arg::Buf(i32s(&[0; 32])), Arg::Buf(f32s(&[0.0; 4])), Arg::Buf(u64s(&[0; 2]))], &[1], &[1]);
    let o = to_i32s(&out[0]);
    let f = to_f32s(&out[1]);
    let l = to_u64s(&out[2]);
    // The reference: the same statements in Rust, with C's postfix meaning spelt out.
    let mut r = [0i32; 32];
    let mut i = 0usize;
    r[i] = 10;
    i += 1;
    r[i] = 11;
    i += 1;
    r[i] = 12;
    let mut j = 5;
    r[3] = j;
    j += 1;
    r[4] = j;
    j += 1;
    r[5] = j;
    r[6] = j;
    j -= 1;
    j -= 1;
    r[7] = j;
    let u = 0u32;
    r[8] = u as i32;
    r[9] = u.wrapping_sub(1) as i32;
    r[10] = 127;
    r[11] = 127i8.wrapping_add(1) as i32;
    r[12] = -32768;
    r[13] = (-32768i16).wrapping_sub(1) as i32;
    r[14] = 255;
    r[15] = 255u8.wrapping_add(1) as i32;
    r[16] = 2;
    r[17] = 3;
    r[18] = 4;
    r[19] = 3;
    r[20] = 40;
    r[21] = 41;
    r[22] = 100;
    r[23] = 101;
    r[24] = 102;
    r[25] = 7;
    r[26] = 8;
    r[27] = 2;
    r[28] = 8;
    r[29] = 9;
    r[30] = 3;
    r[31] = 6 * 100 - 1;
    assert_eq!(o, r.to_vec());
    assert_eq!(f, vec![1.5, 2.5, 2.5, 1.5]);
    assert_eq!(l, vec![i64::MAX as u64, i64::MIN as u64]);
}

// ---------------------------------------------------------------- integer conversions

/// (C name, bytes, signed) of the eight integer types.
const INTS: [(&str, usize, bool); 8] =
    [("char", 1, true), ("uchar", 1, false), ("short", 2, true), ("ushort", 2, false), ("int", 4, true), ("uint", 4, false), ("long", 8, true), ("ulong", 8, false)];

/// C's modular conversion of `v` to an integer of `bytes` bytes.
fn wrap(v: i128, bytes: usize, signed: bool) -> i128 {
    let bits = bytes as u32 * 8;
    let m = v & ((1i128 << bits) - 1);
    if signed && m >= 1i128 << (bits - 1) { m - (1i128 << bits) } else { m }
}
fn range(bytes: usize, signed: bool) -> (i128, i128) {
    let bits = bytes as u32 * 8;
    if signed { (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1) } else { (0, (1i128 << bits) - 1) }
}
fn sat(v: i128, bytes: usize, signed: bool) -> i128 {
    let (lo, hi) = range(bytes, signed);
    v.clamp(lo, hi)
}
fn encode(vals: &[i128], bytes: usize) -> Vec<u8> {
    vals.iter().flat_map(|v| v.to_le_bytes()[..bytes].to_vec()).collect()
}
fn decode(b: &[u8], bytes: usize, signed: bool) -> Vec<i128> {
    b.chunks(bytes)
        .map(|c| {
            let mut w = [0u8; 16];
            w[..bytes].copy_from_slice(c);
            wrap(i128::from_le_bytes(w), bytes, signed)
        })
        .collect()
}
/// Edge values of every width (each source type wraps them to its own range).
fn int_edges() -> Vec<i128> {
    let mut v: Vec<i128> = vec![0, 1, -1, 2, -2, 7, -100];
    for bits in [8u32, 16, 32, 64] {
        let p = 1i128 << (bits - 1);
        v.extend([p - 1, p, p + 1, -p, -p - 1, 2 * p - 1, 2 * p, -2 * p + 1]);
    }
    v.extend(rand_u32s(8, 77, u32::MAX).iter().map(|x| (*x as i128) * 0x1_0001_2345));
    v
}

/// Eight ways to convert: cast, convert_T, convert_T_sat, assignment, argument passing,
/// arithmetic with a T (usual conversions), convert_T4 and convert_T4_sat of a vector.
const SLOTS: usize = 8;

fn conversion_kernel(s: &str) -> String {
    let mut src = String::new();
    for (t, _, _) in INTS {
        src += &format!("{t} pass_{t}({t} a) {{ return a; }}\n");
    }
    let params: Vec<String> = INTS.iter().map(|(t, _, _)| format!("__global {t}* o_{t}")).collect();
    src += &format!("__kernel void from_{s}(__global const {s}* in, int n, {})\n{{\n    for (int i = 0; i < n; i++) {{\n        {s} x = in[i];\n", params.join(", "));
    for (t, _, _) in INTS {
        src += &format!(
            "        o_{t}[i * 8 + 0] = ({t})x;\n        o_{t}[i * 8 + 1] = convert_{t}(x);\n        o_{t}[i * 8 + 2] = convert_{t}_sat(x);\n        \
             {{ {t} y; y = x; o_{t}[i * 8 + 3] = y; }}\n        o_{t}[i * 8 + 4] = pass_{t}(x);\n        o_{t}[i * 8 + 5] = ({t})(x + ({t})0);\n        \
             o_{t}[i * 8 + 6] = convert_{t}4(vload4(0, in + i)).x;\n        o_{t}[i * 8 + 7] = convert_{t}4_sat(vload4(0, in + i)).w;\n"
        );
    }
    src + "    }\n}\n"
}

#[test]
fn integer_conversions_of_every_width_and_signedness() {
    let edges = int_edges();
    let mut failures = Vec::new();
    for (s, sb, ss) in INTS {
        let src = conversion_kernel(s);
        let p = build_with_caps(&src);
        let xs: Vec<i128> = edges.iter().map(|v| wrap(*v, sb, ss)).collect();
        let n = xs.len();
        let mut padded = xs.clone();
        padded.extend([0, 0, 0]);
        let mut args = vec![Arg::Buf(encode(&padded, sb)), Arg::Val((n as i32).to_le_bytes().to_vec())];
        for (_, tb, _) in INTS {
            args.push(Arg::Buf(vec![0u8; n * SLOTS * tb]));
        }
        let out = run(&p, &format!("from_{s}"), &args, &[1], &[1]);
        for (k, (t, tb, ts)) in INTS.iter().enumerate() {
            let got = decode(&out[2 + k], *tb, *ts);
            for i in 0..n {
                for slot in 0..SLOTS {
                    let x = match slot {
                        7 => padded[i + 3],
                        _ => xs[i],
                    };
                    let want = if slot == 2 || slot == 7 { sat(x, *tb, *ts) } else { wrap(x, *tb, *ts) };
                    if got[i * SLOTS + slot] != want {
                        failures.push(format!("{s} {x} -> {t} (way {slot}): got {}, want {want}", got[i * SLOTS + slot]));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong:\n{}", failures.len(), failures[..failures.len().min(60)].join("\n"));
}

// ---------------------------------------------------------------- float <-> integer conversions

/// Float-to-integer conversions: (suffix, rounding, saturating); non-saturating ones are only
/// compared where the rounded value is in range (C leaves the rest undefined).
const F2I: [(&str, &str, bool); 10] = [
    ("", "rtz", false),
    ("_rte", "rte", false),
    ("_rtz", "rtz", false),
    ("_rtp", "rtp", false),
    ("_rtn", "rtn", false),
    ("_sat", "rtz", true),
    ("_sat_rte", "rte", true),
    ("_sat_rtz", "rtz", true),
    ("_sat_rtp", "rtp", true),
    ("_sat_rtn", "rtn", true),
];

fn float_edges() -> Vec<f64> {
    let mut v = vec![
        0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.49999997, 1.0000001, -0.9999999, 127.5, 128.0, -128.5, -129.0, 255.5, 256.0,
        32767.5, -32768.5, 65535.4, 65536.0, 1e-30, -1e-30, 1e30, -1e30, f64::INFINITY, f64::NEG_INFINITY, f64::NAN,
    ];
    for p in [31, 32, 63, 64] {
        let x = 2f64.powi(p);
        v.extend([x, -x, x * (1.0 - 2f64.powi(-24)), -x * (1.0 - 2f64.powi(-24)), x * (1.0 + 2f64.powi(-23))]);
    }
    v
}

fn round(x: f64, mode: &str) -> f64 {
    match mode {
        "rte" => x.round_ties_even(),
        "rtp" => x.ceil(),
        "rtn" => x.floor(),
        _ => x.trunc(),
    }
}

fn float_to_int_kernel(f: &str) -> String {
    let params: Vec<String> = INTS.iter().map(|(t, _, _)| format!("__global {t}* o_{t}")).collect();
    let mut src = format!("__kernel void from_{f}(__global const {f}* in, int n, {})\n{{\n    for (int i = 0; i < n; i++) {{\n        {f} x = in[i];\n", params.join(", "));
    for (t, _, _) in INTS {
        for (k, (suffix, _, _)) in F2I.iter().enumerate() {
            let conv = if suffix.is_empty() { format!("({t})x") } else { format!("convert_{t}{suffix}(x)") };
            src += &format!("        o_{t}[i * {} + {k}] = {conv};\n", F2I.len() + 1);
        }
        src += &format!("        o_{t}[i * {} + {}] = convert_{t}4_sat_rtn(vload4(0, in + i)).x;\n", F2I.len() + 1, F2I.len());
    }
    src + "    }\n}\n"
}

fn check_float_to_int(f: &str, fbytes: usize, to_type: impl Fn(f64) -> f64, enc: impl Fn(f64) -> Vec<u8>) {
    let p = build_with_caps(&float_to_int_kernel(f));
    let xs: Vec<f64> = float_edges().into_iter().map(&to_type).collect();
    let n = xs.len();
    let mut bytes: Vec<u8> = xs.iter().flat_map(|x| enc(*x)).collect();
    bytes.extend(vec![0u8; 3 * fbytes]);
    let slots = F2I.len() + 1;
    let mut args = vec![Arg::Buf(bytes), Arg::Val((n as i32).to_le_bytes().to_vec())];
    for (_, tb, _) in INTS {
        args.push(Arg::Buf(vec![0u8; n * slots * tb]));
    }
    let out = run(&p, &format!("from_{f}"), &args, &[1], &[1]);
    let mut failures = Vec::new();
    for (k, (t, tb, ts)) in INTS.iter().enumerate() {
        let got = decode(&out[2 + k], *tb, *ts);
        let (lo, hi) = range(*tb, *ts);
        for (i, &x) in xs.iter().enumerate() {
            for (slot, (suffix, mode, is_sat)) in F2I.iter().chain([&("4_sat_rtn", "rtn", true)]).enumerate() {
                let r = round(x, mode);
                // `as i128` is exact for these integral values (and saturates the infinities).
                let ri = r as i128;
                let want = if x.is_nan() { 0 } else { ri.clamp(lo, hi) };
                let in_range = !x.is_nan() && ri >= lo && ri <= hi;
                if (*is_sat || in_range) && got[i * slots + slot] != want {
                    failures.push(format!("convert_{t}{suffix}(({f}){x:e}): got {}, want {want}", got[i * slots + slot]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong:\n{}", failures.len(), failures[..failures.len().min(60)].join("\n"));
}

#[test]
fn float_to_integer_conversions_round_and_saturate() {
    check_float_to_int("float", 4, |x| x as f32 as f64, |x| (x as f32).to_le_bytes().to_vec());
}

#[test]
fn double_to_integer_conversions_round_and_saturate() {
    if !device_caps().f64 {
        return;
    }
    check_float_to_int("double", 8, |x| x, |x| x.to_le_bytes().to_vec());
}

/// `x` rounded to f32 (or, `double`, to f64) in `mode`, as an f64.
fn int_to_float(x: i128, mode: &str, double: bool) -> f64 {
    let near = if double { x as f64 } else { x as f32 as f64 };
    let step = |f: f64, up: bool| -> f64 {
        if double {
            let b = f.to_bits() as i64;
            // Positive magnitudes: one ulp up or down; negatives mirrored.
            f64::from_bits((if (f >= 0.0) == up { b + 1 } else { b - 1 }) as u64)
        } else {
            let f = f as f32;
            let b = f.to_bits() as i32;
            f32::from_bits((if (f >= 0.0) == up { b + 1 } else { b - 1 }) as u32) as f64
        }
    };
    let exact = near as i128;
    match mode {
        "rtp" if exact < x => step(near, true),
        "rtn" if exact > x => step(near, false),
        "rtz" if exact.abs() > x.abs() => step(near, x < 0),
        _ => near,
    }
}

fn int_to_float_kernel(s: &str, f: &str) -> String {
    format!(
        "__kernel void to_{f}(__global const {s}* in, int n, __global {f}* o)\n{{\n    for (int i = 0; i < n; i++) {{\n        {s} x = in[i];\n        \
         o[i * 6 + 0] = ({f})x;\n        o[i * 6 + 1] = convert_{f}_rte(x);\n        o[i * 6 + 2] = convert_{f}_rtz(x);\n        \
         o[i * 6 + 3] = convert_{f}_rtp(x);\n        o[i * 6 + 4] = convert_{f}_rtn(x);\n        o[i * 6 + 5] = convert_{f}2_rtz(vload2(0, in + i)).x;\n    }}\n}}\n"
    )
}

#[test]
fn integer_to_float_conversions_round_as_asked() {
    let edges = int_edges();
    let mut extra: Vec<i128> = vec![16777217, -16777217, 16777219, 33554435, -33554435, (1 << 53) + 1, -(1 << 53) - 1, (1 << 60) + 3];
    extra.extend(edges);
    let mut failures = Vec::new();
    for (f, double) in [("float", false), ("double", true)] {
        if double && !device_caps().f64 {
            continue;
        }
        for (s, sb, ss) in INTS {
            let xs: Vec<i128> = extra.iter().map(|v| wrap(*v, sb, ss)).collect();
            let n = xs.len();
            let mut padded = xs.clone();
            padded.push(0);
            let p = build_with_caps(&int_to_float_kernel(s, f));
            let fb = if double { 8 } else { 4 };
            let out = run(&p, &format!("to_{f}"), &[Arg::Buf(encode(&padded, sb)), Arg::Val((n as i32).to_le_bytes().to_vec()), Arg::Buf(vec![0u8; n * 6 * fb])], &[1], &[1]);
            let got: Vec<f64> = if double { to_u64s(&out[2]).iter().map(|b| f64::from_bits(*b)).collect() } else { to_f32s(&out[2]).iter().map(|v| *v as f64).collect() };
            for (i, &x) in xs.iter().enumerate() {
                for (slot, mode) in ["rte", "rte", "rtz", "rtp", "rtn", "rtz"].iter().enumerate() {
                    let want = int_to_float(x, mode, double);
                    if got[i * 6 + slot] != want {
                        failures.push(format!("{s} {x} -> {f} ({mode}, way {slot}): got {:e}, want {want:e}", got[i * 6 + slot]));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong:\n{}", failures.len(), failures[..failures.len().min(60)].join("\n"));
}

fn build_err(src: &str) -> String {
    let opts = wgcl_kernels::BuildOptions { caps: device_caps(), ..Default::default() };
    wgcl_kernels::opencl_c::build(src, &opts).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn unsupported_rounding_modes_are_refused_at_the_call() {
    if device_caps().f64 {
        assert_eq!(
            build_err("__kernel void k(__global double* a, __global float* b) {\n  b[0] = convert_float_rtz(a[0]);\n}"),
            "program.cl:2:10: error: `convert_float_rtz` of a `double` (a rounding mode other than _rte) is not supported"
        );
    }
}

// ---------------------------------------------------------------- relational built-ins

const REL: &str = r#"
__kernel void rel(__global const float* x, __global const float* y, __global int* o, __global int* v, __global float* nx)
{
    int i = get_global_id(0);
    float a = x[i], b = y[i];
    int k = i * 16;
    o[k + 0] = isequal(a, b);
    o[k + 1] = isnotequal(a, b);
    o[k + 2] = isgreater(a, b);
    o[k + 3] = isgreaterequal(a, b);
    o[k + 4] = isless(a, b);
    o[k + 5] = islessequal(a, b);
    o[k + 6] = islessgreater(a, b);
    o[k + 7] = isfinite(a);
    o[k + 8] = isinf(a);
    o[k + 9] = isnan(a);
    o[k + 10] = isnormal(a);
    o[k + 11] = isordered(a, b);
    o[k + 12] = isunordered(a, b);
    o[k + 13] = signbit(a);
    o[k + 14] = a != b;
    o[k + 15] = a == b;
    float4 va = (float4)(a, b, a, b), vb = (float4)(b, a, a, b);
    int4 r0 = isnotequal(va, vb);
    int4 r1 = isnan(va);
    int4 r2 = isunordered(va, vb);
    int4 r3 = islessgreater(va, vb);
    vstore4(r0, i * 4 + 0, v);
    vstore4(r1, i * 4 + 1, v);
    vstore4(r2, i * 4 + 2, v);
    vstore4(r3, i * 4 + 3, v);
    nx[i] = nextafter(a, b);
}
"#;

/// The relational built-ins of C99 (names as OpenCL's), for scalar results (1/0).
fn rel_ref(name: &str, a: f64, b: f64) -> bool {
    match name {
        "isequal" => a == b,
        "isnotequal" => a != b,
        "isgreater" => a > b,
        "isgreaterequal" => a >= b,
        "isless" => a < b,
        "islessequal" => a <= b,
        "islessgreater" => a < b || a > b,
        "isfinite" => a.is_finite(),
        "isinf" => a.is_infinite(),
        "isnan" => a.is_nan(),
        // Classified as the `float` it is (an f32 subnormal is an f64 normal).
        "isnormal" => (a as f32).is_normal(),
        "isordered" => !a.is_nan() && !b.is_nan(),
        "isunordered" => a.is_nan() || b.is_nan(),
        "signbit" => a.is_sign_negative(),
        _ => unreachable!(),
    }
}
const REL_NAMES: [&str; 14] =
    ["isequal", "isnotequal", "isgreater", "isgreaterequal", "isless", "islessequal", "islessgreater", "isfinite", "isinf", "isnan", "isnormal", "isordered", "isunordered", "signbit"];

fn rel_pairs() -> Vec<(f32, f32)> {
    let specials = [0.0f32, -0.0, 1.0, -1.5, f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MIN_POSITIVE, 1e-40, -1e-40, f32::MAX];
    let mut v = Vec::new();
    for a in specials {
        for b in [0.0f32, 1.0, f32::NAN, f32::INFINITY, -1e-40] {
            v.push((a, b));
        }
    }
    v
}

#[test]
fn relational_builtins_see_nan() {
    let p = build(REL);
    let pairs = rel_pairs();
    let n = pairs.len();
    let x: Vec<f32> = pairs.iter().map(|p| p.0).collect();
    let y: Vec<f32> = pairs.iter().map(|p| p.1).collect();
    let out = run(&p, "rel", &[Arg::Buf(f32s(&x)), Arg::Buf(f32s(&y)), Arg::Buf(i32s(&vec![7; n * 16])), Arg::Buf(i32s(&vec![7; n * 16])), Arg::Buf(f32s(&vec![0.0; n]))], &[n as u32], &[1]);
    let o = to_i32s(&out[2]);
    let nx = to_f32s(&out[4]);
    let v = to_i32s(&out[3]);
    let mut failures = Vec::new();
    for (i, &(a, b)) in pairs.iter().enumerate() {
        if (a.is_nan() || b.is_nan()) != nx[i].is_nan() {
            failures.push(format!("nextafter({a}, {b}): got {}", nx[i]));
        }
        let (a, b) = (a as f64, b as f64);
        for (k, name) in REL_NAMES.iter().enumerate() {
            let want = rel_ref(name, a, b) as i32;
            if o[i * 16 + k] != want {
                failures.push(format!("{name}({a}, {b}): got {}, want {want}", o[i * 16 + k]));
            }
        }
        let ops = [(14, "!=", a != b), (15, "==", a == b)];
        for (k, op, want) in ops {
            if o[i * 16 + k] != want as i32 {
                failures.push(format!("{a} {op} {b}: got {}, want {}", o[i * 16 + k], want as i32));
            }
        }
        let (va, vb) = ([a, b, a, b], [b, a, a, b]);
        for (r, name) in ["isnotequal", "isnan", "isunordered", "islessgreater"].iter().enumerate() {
            for c in 0..4 {
                let want = -(rel_ref(name, va[c], vb[c]) as i32);
                let got = v[i * 16 + r * 4 + c];
                if got != want {
                    failures.push(format!("{name}(float4 lane {c}: {}, {}): got {got}, want {want}", va[c], vb[c]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong:\n{}", failures.len(), failures[..failures.len().min(60)].join("\n"));
}

/// The relational built-ins of `double` and `half` (scalar 1/0, vectors -1/0 as long/short).
fn rel_kernel(f: &str, vt: &str) -> String {
    let mut src = format!("__kernel void rel(__global const {f}* x, __global const {f}* y, __global int* o, __global {vt}* v)\n{{\n    int i = get_global_id(0);\n    {f} a = x[i], b = y[i];\n    {f}2 va = ({f}2)(a, b), vb = ({f}2)(b, a);\n");
    for (k, name) in REL_NAMES.iter().enumerate() {
        let one = matches!(*name, "isfinite" | "isinf" | "isnan" | "isnormal" | "signbit");
        let (s, vv) = if one { (format!("{name}(a)"), format!("{name}(va)")) } else { (format!("{name}(a, b)"), format!("{name}(va, vb)")) };
        src += &format!("    o[i * 16 + {k}] = {s};\n    {{ {vt}2 r = {vv}; v[i * 32 + {k} * 2] = r.x; v[i * 32 + {k} * 2 + 1] = r.y; }}\n");
    }
    src += "    o[i * 16 + 14] = a != b;\n    o[i * 16 + 15] = a == b;\n}\n";
    src
}

fn check_rel(f: &str, vt: &str, pairs: &[(f64, f64)], enc: impl Fn(f64) -> Vec<u8>, classify_normal: impl Fn(f64) -> bool, vbytes: usize) {
    let p = build_with_caps(&rel_kernel(f, vt));
    let n = pairs.len();
    let x: Vec<u8> = pairs.iter().flat_map(|p| enc(p.0)).collect();
    let y: Vec<u8> = pairs.iter().flat_map(|p| enc(p.1)).collect();
    let out = run(&p, "rel", &[Arg::Buf(x), Arg::Buf(y), Arg::Buf(i32s(&vec![7; n * 16])), Arg::Buf(vec![7u8; n * 32 * vbytes])], &[n as u32], &[1]);
    let o = to_i32s(&out[2]);
    let v = decode(&out[3], vbytes, true);
    let mut failures = Vec::new();
    for (i, &(a, b)) in pairs.iter().enumerate() {
        let r = |name: &str, a: f64, b: f64| if name == "isnormal" { classify_normal(a) } else { rel_ref(name, a, b) };
        for (k, name) in REL_NAMES.iter().enumerate() {
            let want = r(name, a, b) as i32;
            if o[i * 16 + k] != want {
                failures.push(format!("{name}(({f}){a}, {b}): got {}, want {want}", o[i * 16 + k]));
            }
            for (c, (p, q)) in [(a, b), (b, a)].into_iter().enumerate() {
                let want = -(r(name, p, q) as i128);
                if v[i * 32 + k * 2 + c] != want {
                    failures.push(format!("{name}(({f}2) lane {c}: {p}, {q}): got {}, want {want}", v[i * 32 + k * 2 + c]));
                }
            }
        }
        for (k, want) in [(14, a != b), (15, a == b)] {
            if o[i * 16 + k] != want as i32 {
                failures.push(format!("({f}) {a} {} {b}: got {}", if k == 14 { "!=" } else { "==" }, o[i * 16 + k]));
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong:\n{}", failures.len(), failures[..failures.len().min(60)].join("\n"));
}

#[test]
fn relational_builtins_of_double_and_half() {
    if device_caps().f64 {
        let specials = [0.0, -0.0, 1.0, -1.5, f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE, 1e-310, -1e-310, f64::MAX, 1e-40];
        let pairs: Vec<(f64, f64)> = specials.iter().flat_map(|a| [0.0, 1.0, f64::NAN, f64::INFINITY, -1e-310].map(|b| (*a, b))).collect();
        check_rel("double", "long", &pairs, |x| x.to_le_bytes().to_vec(), |x| x.is_normal(), 8);
    }
    if device_caps().f16 {
        let specials = [0.0, -0.0, 1.0, -1.5, f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2f64.powi(-14), 2f64.powi(-24), -2f64.powi(-24), 65504.0];
        let pairs: Vec<(f64, f64)> = specials.iter().flat_map(|a| [0.0, 1.0, f64::NAN, f64::INFINITY, -2f64.powi(-24)].map(|b| (*a, b))).collect();
        check_rel("half", "short", &pairs, |x| half_bits(x).to_le_bytes().to_vec(), |x| x.is_finite() && x.abs() >= 2f64.powi(-14), 2);
    }
}

/// A half's value.
fn half_value(h: u16) -> f64 {
    let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
    let (e, m) = ((h >> 10) & 0x1f, (h & 0x3ff) as f64);
    sign * match e {
        0 => m * 2f64.powi(-24),
        31 if m == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + m / 1024.0) * 2f64.powi(e as i32 - 15),
    }
}

/// The half with value `x` (exactly representable; NaNs keep their sign).
fn half_bits(x: f64) -> u16 {
    if x.is_nan() {
        return if x.is_sign_negative() { 0xfe00 } else { 0x7e00 };
    }
    (0..=u16::MAX).find(|h| half_value(*h) == x && half_value(*h).is_sign_negative() == x.is_sign_negative()).expect("representable")
}

// ---------------------------------------------------------------- select, bitselect, any, all

/// (C name, bytes, float) of the element types `select`/`bitselect` take.
const SEL_TYPES: [(&str, usize, bool); 10] = [
    ("char", 1, false),
    ("uchar", 1, false),
    ("short", 2, false),
    ("ushort", 2, false),
    ("int", 4, false),
    ("uint", 4, false),
    ("long", 8, false),
    ("ulong", 8, false),
    ("float", 4, true),
    ("double", 8, true),
];
const WIDTHS: [usize; 5] = [1, 2, 4, 8, 16];

fn int_of(bytes: usize, signed: bool) -> &'static str {
    let i = [1, 2, 4, 8].iter().position(|b| *b == bytes).unwrap() * 2 + !signed as usize;
    INTS[i].0
}

fn select_kernel(t: &str, ct: &str, any_all: bool) -> String {
    let mut src = format!("__kernel void sel(__global const {t}* a, __global const {t}* b, __global const {ct}* c, __global {t}* s, __global {t}* bs, __global int* aa)\n{{\n");
    for (wi, w) in WIDTHS.iter().enumerate() {
        src += &format!("    for (int off = {}; off < {}; off += {w}) {{\n", wi * 16, wi * 16 + 16);
        if *w == 1 {
            src += "        s[off] = select(a[off], b[off], c[off]);\n        bs[off] = bitselect(a[off], b[off], a[off] == a[off] ? b[off] : a[off]);\n";
            if any_all {
                src += "        aa[off] = any(c[off]) * 2 + all(c[off]);\n";
            }
        } else {
            src += &format!(
                "        vstore{w}(select(vload{w}(0, a + off), vload{w}(0, b + off), vload{w}(0, c + off)), 0, s + off);\n        \
                 vstore{w}(bitselect(vload{w}(0, a + off), vload{w}(0, b + off), vload{w}(0, b + off)), 0, bs + off);\n"
            );
            if any_all {
                src += &format!("        aa[off] = any(vload{w}(0, c + off)) * 2 + all(vload{w}(0, c + off));\n");
            }
        }
        src += "    }\n";
    }
    src + "}\n"
}

#[test]
fn select_bitselect_any_all_of_every_type_and_width() {
    let caps = device_caps();
    let mut failures = Vec::new();
    for (t, sz, float) in SEL_TYPES {
        if t == "double" && !caps.f64 {
            continue;
        }
        // One condition signedness per type (lavapipe's compile time): unsigned for the
        // narrow types, whose top bit a 32-bit sign test would miss.
        for signed_c in [!(t == "char" || t == "ushort" || t == "ulong" || t == "double")] {
            if matches!(t, "uchar" | "short" | "uint") {
                continue;
            }
            let ct = int_of(sz, signed_c);
            // any/all take signed integers only.
            let any_all = signed_c && !float;
            let p = build_with_caps(&select_kernel(t, ct, any_all));
            let n = WIDTHS.len() * 16;
            let rnd = |seed| -> Vec<u8> { rand_u32s(n * sz, seed, 256).iter().map(|x| *x as u8).collect() };
            let (a, b) = (rnd(3), rnd(4));
            // Conditions: zero, top bit only, low bits only, all ones, by pattern; for floats
            // `a` and `b` are finite so `a == a` holds and the scalar bitselect uses `b`.
            let mut c = vec![0u8; n * sz];
            for (e, k) in rand_u32s(n, 9, 4).iter().enumerate() {
                let el = &mut c[e * sz..e * sz + sz];
                match k {
                    0 => {}
                    1 => el[sz - 1] = 0x80,
                    2 => el[0] = 0x41,
                    _ => el.fill(0xff),
                }
            }
            let (a, b) = if float {
                // Clear each element's exponent top bit: finite values only.
                let fix = |v: Vec<u8>| -> Vec<u8> {
                    let mut v = v;
                    for e in 0..n {
                        v[e * sz + sz - 1] &= 0xbf;
                    }
                    v
                };
                (fix(a), fix(b))
            } else {
                (a, b)
            };
            let out = run(&p, "sel", &[Arg::Buf(a.clone()), Arg::Buf(b.clone()), Arg::Buf(c.clone()), Arg::Buf(vec![0; n * sz]), Arg::Buf(vec![0; n * sz]), Arg::Buf(i32s(&vec![-7; n]))], &[1], &[1]);
            let aa = to_i32s(&out[5]);
            for (wi, w) in WIDTHS.iter().enumerate() {
                for j in 0..16 / w {
                    let off = wi * 16 + j * w;
                    let mut any = false;
                    let mut all = true;
                    for e in off..off + w {
                        let el = |v: &[u8]| v[e * sz..e * sz + sz].to_vec();
                        let ce = el(&c);
                        let msb = ce[sz - 1] & 0x80 != 0;
                        any |= msb;
                        all &= msb;
                        let pick_b = if *w == 1 { ce.iter().any(|x| *x != 0) } else { msb };
                        let want = if pick_b { el(&b) } else { el(&a) };
                        if el(&out[3]) != want {
                            failures.push(format!("select {t}{w} ({ct} cond {ce:?}) element {e}: got {:?}, want {want:?}", el(&out[3])));
                        }
                        // bitselect(a, b, b) = (a & ~b) | b = a | b.
                        let want: Vec<u8> = el(&a).iter().zip(el(&b)).map(|(x, y)| x | y).collect();
                        if el(&out[4]) != want {
                            failures.push(format!("bitselect {t}{w} element {e}: got {:?}, want {want:?}", el(&out[4])));
                        }
                    }
                    if any_all {
                        // Scalars: any/all of a scalar test its top bit as well.
                        let want = any as i32 * 2 + all as i32;
                        if aa[off] != want {
                            failures.push(format!("any/all {ct}{w} at {off}: got {}, want {want}", aa[off]));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong:\n{}", failures.len(), failures[..failures.len().min(60)].join("\n"));
}

// ---------------------------------------------------------------- integer built-ins

const IB: [&str; 16] = [
    "clz(a)", "ctz(a)", "popcount(a)", "rotate(a, b)", "abs(a)", "abs_diff(a, b)", "add_sat(a, b)", "sub_sat(a, b)",
    "hadd(a, b)", "rhadd(a, b)", "mul_hi(a, b)", "mad_hi(a, b, c)", "max(a, b)", "min(a, b)", "clamp(a, min(b, c), max(b, c))", "mad_sat(a, b, c)",
];

fn int_builtin_ref(k: usize, a: i128, b: i128, c: i128, bytes: usize, signed: bool) -> i128 {
    let bits = bytes as u32 * 8;
    let u = |x: i128| wrap(x, bytes, false);
    let w = |x: i128| wrap(x, bytes, signed);
    let mul_hi = || -> i128 {
        if signed { (a * b) >> bits } else { ((a as u128 * b as u128) >> bits) as i128 }
    };
    match k {
        0 => (bits - (128 - u(a).leading_zeros())) as i128,
        1 => if u(a) == 0 { bits as i128 } else { u(a).trailing_zeros() as i128 },
        2 => u(a).count_ones() as i128,
        3 => {
            let n = u(b) as u32 % bits;
            w((u(a) << n) | (u(a) >> ((bits - n) % bits)) * (n != 0) as i128)
        }
        4 => w(a.abs()),
        5 => w((a - b).abs()),
        6 => sat(a + b, bytes, signed),
        7 => sat(a - b, bytes, signed),
        8 => (a + b) >> 1,
        9 => (a + b + 1) >> 1,
        10 => w(mul_hi()),
        11 => w(mul_hi() + c),
        12 => a.max(b),
        13 => a.min(b),
        14 => a.clamp(b.min(c), b.max(c)),
        _ => sat(a * b + c, bytes, signed),
    }
}

#[test]
fn integer_builtins_of_64_and_narrow_types() {
    let edges = int_edges();
    let mut failures = Vec::new();
    for (t, sz, signed) in INTS {
        if t == "int" || t == "uint" {
            continue;
        }
        // mad_sat of 64-bit integers is refused at build time (see builtins_run).
        let nk = if sz == 8 { 15 } else { 16 };
        let body: String = IB[..nk].iter().enumerate().map(|(k, e)| format!("        o[i * 16 + {k}] = {e};\n")).collect();
        let src = format!(
            "__kernel void ib(__global const {t}* x, int n, __global {t}* o, __global {t}* v)\n{{\n    for (int i = 0; i < n; i++) {{\n        \
             {t} a = x[i], b = x[i + 1], c = x[i + 2];\n{body}        \
             vstore2(rotate(vload2(0, x + i), vload2(0, x + i + 1)) + popcount(vload2(0, x + i)) + mul_hi(vload2(0, x + i), vload2(0, x + i + 2)), i, v);\n    }}\n}}\n"
        );
        let p = build_with_caps(&src);
        let mut xs: Vec<i128> = edges.iter().map(|e| wrap(*e, sz, signed)).collect();
        xs.reverse();
        let n = xs.len() - 3;
        let out = run(&p, "ib", &[Arg::Buf(encode(&xs, sz)), Arg::Val((n as i32).to_le_bytes().to_vec()), Arg::Buf(vec![0; n * 16 * sz]), Arg::Buf(vec![0; n * 2 * sz])], &[1], &[1]);
        let o = decode(&out[2], sz, signed);
        let v = decode(&out[3], sz, signed);
        for i in 0..n {
            let (a, b, c) = (xs[i], xs[i + 1], xs[i + 2]);
            for k in 0..nk {
                let want = wrap(int_builtin_ref(k, a, b, c, sz, signed), sz, signed);
                if o[i * 16 + k] != want {
                    failures.push(format!("{} with {t} a = {a}, b = {b}, c = {c}: got {}, want {want}", IB[k], o[i * 16 + k]));
                }
            }
            for lane in 0..2 {
                let (a, b, c) = (xs[i + lane], xs[i + lane + 1], xs[i + lane + 2]);
                let want = wrap(int_builtin_ref(3, a, b, 0, sz, signed) + int_builtin_ref(2, a, 0, 0, sz, signed) + int_builtin_ref(10, a, c, 0, sz, signed), sz, signed);
                if v[i * 2 + lane] != want {
                    failures.push(format!("{t}2 rotate + popcount + mul_hi lane {lane} of a = {a}, b = {b}, c = {c}: got {}, want {want}", v[i * 2 + lane]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong:\n{}", failures.len(), failures[..failures.len().min(60)].join("\n"));
}

// ---------------------------------------------------------------- switch fall-through

const SWITCH: &str = r#"
__kernel void sw(__global int* o)
{
    int i = get_global_id(0);
    int4 a = (int4)(0);
    int r = 0;
    switch (i % 7) {
    case 0:
        a.x = 1;
        /* no break */
    case 1:
        a.y = 2;
        break;
    case 2:
        r += 100;
    default:
        a.z = 3;
    case 3:
    case 4:
        if (i > 10) break;
        a.w = 4;
    case 5:
        r += 10;
    }
    int s = 0;
    for (int k = 0; k < 3; k++) {
        switch (k + i % 2) {
        case 0: s += 1;
        case 1: s += 2; continue;
        case 2: s += 4;
        }
        s += 1000;
    }
    o[i * 6 + 0] = a.x;
    o[i * 6 + 1] = a.y;
    o[i * 6 + 2] = a.z;
    o[i * 6 + 3] = a.w;
    o[i * 6 + 4] = r;
    o[i * 6 + 5] = s;
}
"#;

#[test]
fn switch_cases_fall_through() {
    let p = build(SWITCH);
    let n = 21usize;
    let out = run(&p, "sw", &[Arg::Buf(i32s(&vec![0; n * 6]))], &[n as u32], &[1]);
    let o = to_i32s(&out[0]);
    for i in 0..n as i32 {
        // The reference: C's fall-through as explicit jumps between labelled blocks.
        let (mut a, mut r) = ([0; 4], 0);
        let mut at = match i % 7 {
            0 => 0,
            1 => 1,
            2 => 2,
            3 | 4 => 4,
            5 => 5,
            _ => 3,
        };
        loop {
            match at {
                0 => a[0] = 1,
                1 => {
                    a[1] = 2;
                    break;
                }
                2 => r += 100,
                3 => a[2] = 3,
                4 => {
                    if i > 10 {
                        break;
                    }
                    a[3] = 4
                }
                5 => r += 10,
                _ => break,
            }
            at += 1;
        }
        let mut s = 0;
        for k in 0..3 {
            let sel = k + i % 2;
            if sel <= 1 {
                if sel == 0 {
                    s += 1;
                }
                s += 2;
                continue;
            }
            if sel == 2 {
                s += 4;
            }
            s += 1000;
        }
        let got = &o[i as usize * 6..i as usize * 6 + 6];
        assert_eq!(got, &[a[0], a[1], a[2], a[3], r, s], "work-item {i}");
    }
}

// ---------------------------------------------------------------- linear ids

#[test]
fn linear_work_item_ids() {
    let p = build("__kernel void k(__global uint* o)\n{\n    uint g = get_global_linear_id();\n    o[g * 2] = g;\n    o[g * 2 + 1] = get_local_linear_id();\n}\n");
    let (gx, gy, lx, ly) = (8u32, 6u32, 4u32, 2u32);
    let out = run(&p, "k", &[Arg::Buf(u32s(&vec![7; (gx * gy * 2) as usize]))], &[gx, gy], &[lx, ly]);
    let o = to_u32s(&out[0]);
    for y in 0..gy {
        for x in 0..gx {
            let g = (y * gx + x) as usize;
            assert_eq!((o[g * 2], o[g * 2 + 1]), (g as u32, (y % ly) * lx + x % lx), "work-item ({x}, {y})");
        }
    }
}

// ---------------------------------------------------------------- logic on vectors, NaN truth

const LOGIC: &str = r#"
__kernel void lg(__global const int* x, __global const float* f, __global int* o)
{
    int4 a = vload4(0, x), b = vload4(1, x);
    int4 c = a && b;
    int4 d = a || b;
    int4 e = a && 1;
    int4 g = 0 || b;
    float4 fa = vload4(0, f);
    int4 h = fa && (float4)(1.0f);
    vstore4(c, 0, o);
    vstore4(d, 1, o);
    vstore4(e, 2, o);
    vstore4(g, 3, o);
    vstore4(h, 4, o);
    float n = f[1];
    o[20] = n ? 1 : 2;
    o[21] = !n;
    o[22] = n && 1;
    if (n) o[23] = 5; else o[23] = 6;
}
"#;

#[test]
fn logic_operators_on_vectors_and_nan_truth() {
    let p = build(LOGIC);
    let x = [1, 0, -1, 0, 1, 1, 0, 0];
    let f = [0.0f32, f32::NAN, -0.0, 2.0];
    let out = run(&p, "lg", &[Arg::Buf(i32s(&x)), Arg::Buf(f32s(&f)), Arg::Buf(i32s(&[7; 24]))], &[1], &[1]);
    let o = to_i32s(&out[2]);
    let t = |c: bool| -(c as i32);
    let mut want = Vec::new();
    want.extend((0..4).map(|i| t(x[i] != 0 && x[4 + i] != 0)));
    want.extend((0..4).map(|i| t(x[i] != 0 || x[4 + i] != 0)));
    want.extend((0..4).map(|i| t(x[i] != 0)));
    want.extend((0..4).map(|i| t(x[4 + i] != 0)));
    // C truth of a float: compares unequal to 0, so NaN is true and -0.0 false.
    want.extend((0..4).map(|i| t(f[i] != 0.0)));
    want.extend([1, 0, 1, 5]);
    assert_eq!(o, want);
}

// ---------------------------------------------------------------- vec_step(expr), float.h

#[test]
fn vec_step_of_expressions_and_float_h_macros() {
    let src = "__kernel void k(__global int* o)\n{\n    float3 f3; int i = 0; char16 c;\n    \
               o[0] = vec_step(f3);\n    o[1] = vec_step(o[0]);\n    o[2] = vec_step(c);\n    o[3] = vec_step(i++);\n    o[4] = i;\n    o[5] = vec_step(f3.xy);\n    \
               o[6] = HALF_DIG * 10000 + HALF_MANT_DIG * 100 + DBL_DIG;\n    o[7] = DBL_MANT_DIG * 10000 + DBL_MAX_EXP;\n    o[8] = HALF_MIN_EXP * 100 + HALF_MAX_EXP;\n}\n";
    let p = build(src);
    let out = run(&p, "k", &[Arg::Buf(i32s(&[0; 9]))], &[1], &[1]);
    // IEEE 754 binary16/binary64: *_DIG = floor((p - 1) log10 2) for p significand bits.
    let dig = |p: f64| ((p - 1.0) * 2f64.log10()).floor() as i32;
    let (half_dig, dbl_dig) = (dig(11.0), dig(53.0));
    assert_eq!(to_i32s(&out[0]), vec![4, 1, 16, 1, 0, 2, half_dig * 10000 + 11 * 100 + dbl_dig, 53 * 10000 + 1024, -13 * 100 + 16]);
}

#[test]
fn vector_cast_of_a_cast() {
    let src = "__kernel void k(__global int* o, __global const float* f)\n{\n    char2 a = (char2)(char)300;\n    int4 b = (int4)(int)f[0];\n    o[0] = a.x; o[1] = a.y; o[2] = b.w;\n}\n";
    let p = build(src);
    let out = run(&p, "k", &[Arg::Buf(i32s(&[0; 3])), Arg::Buf(f32s(&[-2.75]))], &[1], &[1]);
    assert_eq!(to_i32s(&out[0]), vec![300i32 as i8 as i32, 300i32 as i8 as i32, -2.75f32 as i32]);
}

#[test]
fn loop_attributes_are_hints() {
    let src = "__kernel void k(__global int* o)\n{\n    int s = 0;\n    __attribute__((opencl_unroll_hint)) for (int i = 0; i < 5; i++) s += i;\n    \
               int j = 0;\n    __attribute__((opencl_unroll_hint(2))) while (j < 3) j++;\n    __attribute__((aligned(16))) int a = 4;\n    o[0] = s; o[1] = j; o[2] = a;\n}\n";
    let p = build(src);
    let out = run(&p, "k", &[Arg::Buf(i32s(&[0; 3]))], &[1], &[1]);
    assert_eq!(to_i32s(&out[0]), vec![(0..5).sum::<i32>(), 3, 4]);
}

#[test]
fn pointer_null_comparisons_are_refused() {
    // `p == NULL` used to compare p's offset with 0: true for a pointer to a buffer's start.
    assert_eq!(
        build_err("__kernel void k(__global int* o) {\n  __global int* p = o;\n  if (p == NULL) o[1] = 1;\n}"),
        "program.cl:3:9: error: comparing a pointer with a null pointer is not supported (wgcl represents pointers as offsets into a known buffer, with no null value)"
    );
}
