//! 8- and 16-component vectors (arrays of 4-vectors in WGSL): vload/vstore, literals,
//! swizzles (`.sN`, `.lo/.hi/.even/.odd`), operators, component-wise built-ins, conversions
//! and `as_` reinterpretations, run on the device and compared with a CPU reference.
//! Results are exact except where a tolerance is stated.
mod common;
use common::*;
use wgcl_kernels::{opencl_c, BuildOptions};

const SRC: &str = r#"
__kernel void wide(__global const float *x, __global const int *y, __global float *fo, __global int *io, __global uchar *bo, float8 k)
{
    int i = get_global_id(0);
    float16 a = vload16(i, x);
    int16 b = vload16(i, y);
    float8 lo = a.lo, hi = a.hi;
    __global float *f = fo + i * 64;
    vstore8(lo * hi + k, 0, f);
    vstore8(fmax(lo, hi) - sqrt(fabs(lo)), 1, f);
    vstore8(clamp(-lo * 4.0f, -1.0f, 1.0f), 2, f);
    int8 lt = lo < hi;
    vstore8(select(lo, hi, lt), 3, f);
    float16 lit = (float16)(lo.s0, lo.s1, (float2)(1.0f, 2.0f), hi.even, (float4)(3.0f), lo.s7, hi.odd.s3, (float2)(5.0f, 6.0f));
    vstore16(lit, 2, f);
    float8 w = lo;
    w.s3 = 9.0f;
    w.hi = hi.lo;
    w.odd = (float4)(-1.0f);
    vstore8(w, 6, f);
    float8 t = (i % 2) ? lo : hi;
    vstore8(t, 7, f);

    __global int *o = io + i * 80;
    vstore16(b * 3 - (b >> 2) ^ (int16)(7), 0, o);
    vstore16(convert_int16_sat(a * 1000.0f), 1, o);
    vstore16(as_int16(as_uint16(a) ^ (uint16)(0x80000000u)), 2, o);
    vstore8(isless(lo, hi), 6, o);
    vstore8(lt, 7, o);
    int8 cnt = (int8)(0, 1, 2, 3, 4, 5, 6, 7);
    cnt++;
    vstore8(cnt + (int8)(i), 8, o);
    o[72] = any(lt) + 2 * all(b > (int16)(-100000)) + 4 * all(lt);
    o[73] = min(b, 3).sf;
    o[74] = (b.s0123 == b.lo.lo).w;

    uchar16 u = convert_uchar16_sat(b);
    vstore16(u, i, bo);
}

typedef struct { float8 v; int n; } S8;

__kernel void wbuf(__global float8 *p, __global int16 *q)
{
    int i = get_global_id(0);
    S8 s;
    s.v = p[i];
    s.n = i;
    s.v.s7 = (float)s.n;
    p[i] = s.v * 2.0f;
    q[i] = q[i].sfedcba9876543210 + (int16)(i);
}
"#;

#[test]
fn wide_vectors_run_component_wise() {
    let p = opencl_c::build(SRC, &BuildOptions::default()).unwrap_or_else(|e| panic!("{}", e.log()));
    let n = 8usize;
    let x = rand_f32s(n * 16, 71);
    let y: Vec<i32> = rand_u32s(n * 16, 72, 1000).iter().map(|v| *v as i32 - 300).collect();
    let k: Vec<f32> = (0..8).map(|c| c as f32 * 0.25).collect();
    let out = run(
        &p,
        "wide",
        &[Arg::Buf(f32s(&x)), Arg::Buf(i32s(&y)), Arg::Buf(f32s(&vec![0.0; n * 64])), Arg::Buf(i32s(&vec![0; n * 80])), Arg::Buf(vec![0; n * 16]), Arg::Val(f32s(&k))],
        &[n as u32],
        &[8],
    );
    // The WGSL text parses and validates again, and the specialised text (as a browser gets
    // it) computes the same bytes.
    let wgsl = p.to_wgsl().unwrap();
    let m = naga::front::wgsl::parse_str(&wgsl).unwrap_or_else(|e| panic!("{}", e.emit_to_string(&wgsl)));
    wgcl_kernels::validate(&m).unwrap_or_else(|e| panic!("{}", e.message));
    let args2 = [Arg::Buf(f32s(&x)), Arg::Buf(i32s(&y)), Arg::Buf(f32s(&vec![0.0; n * 64])), Arg::Buf(i32s(&vec![0; n * 80])), Arg::Buf(vec![0; n * 16]), Arg::Val(f32s(&k))];
    assert_eq!(run_with(&p, "wide", &args2, &[n as u32], &[8], true), out);
    let fo = to_f32s(&out[2]);
    let io = to_i32s(&out[3]);
    for i in 0..n {
        let a = &x[i * 16..i * 16 + 16];
        let b = &y[i * 16..i * 16 + 16];
        let (lo, hi) = (&a[..8], &a[8..]);
        let f = &fo[i * 64..i * 64 + 64];
        let lt: Vec<bool> = (0..8).map(|c| lo[c] < hi[c]).collect();
        // A multiply-add may be fused on the device: 1e-6.
        assert_close(&f[0..8], &(0..8).map(|c| lo[c] * hi[c] + k[c]).collect::<Vec<_>>(), 1e-6);
        // sqrt: within 1 ulp-scale relative error.
        assert_close(&f[8..16], &(0..8).map(|c| lo[c].max(hi[c]) - lo[c].abs().sqrt()).collect::<Vec<_>>(), 1e-6);
        assert_eq!(&f[16..24], &(0..8).map(|c| (-lo[c] * 4.0).clamp(-1.0, 1.0)).collect::<Vec<_>>()[..], "clamp {i}");
        assert_eq!(&f[24..32], &(0..8).map(|c| if lt[c] { hi[c] } else { lo[c] }).collect::<Vec<_>>()[..], "select {i}");
        let even: Vec<f32> = (0..8).step_by(2).map(|c| hi[c]).collect();
        let mut lit = vec![lo[0], lo[1], 1.0, 2.0];
        lit.extend(&even);
        lit.extend([3.0; 4]);
        lit.extend([lo[7], hi[7], 5.0, 6.0]);
        assert_eq!(&f[32..48], &lit[..], "literal {i}");
        let mut w: Vec<f32> = lo.to_vec();
        w[3] = 9.0;
        w[4..8].copy_from_slice(&hi[..4]);
        for c in (1..8).step_by(2) {
            w[c] = -1.0;
        }
        assert_eq!(&f[48..56], &w[..], "swizzle stores {i}");
        assert_eq!(&f[56..64], if i % 2 == 1 { lo } else { hi }, "?: {i}");

        let o = &io[i * 80..i * 80 + 80];
        assert_eq!(&o[0..16], &b.iter().map(|v| (v * 3 - (v >> 2)) ^ 7).collect::<Vec<_>>()[..], "int16 ops {i}");
        assert_eq!(&o[16..32], &a.iter().map(|v| (v * 1000.0) as i32).collect::<Vec<_>>()[..], "convert_int16_sat {i}");
        assert_eq!(&o[32..48], &a.iter().map(|v| (v.to_bits() ^ 0x8000_0000) as i32).collect::<Vec<_>>()[..], "as_uint16/as_int16 {i}");
        let m1: Vec<i32> = lt.iter().map(|&l| if l { -1 } else { 0 }).collect();
        assert_eq!(&o[48..56], &m1[..], "isless {i}");
        assert_eq!(&o[56..64], &m1[..], "< {i}");
        assert_eq!(&o[64..72], &(0..8).map(|c| c + 1 + i as i32).collect::<Vec<_>>()[..], "++ {i}");
        let any = lt.iter().any(|&l| l) as i32;
        let all_b = b.iter().all(|&v| v > -100000) as i32;
        let all_lt = lt.iter().all(|&l| l) as i32;
        assert_eq!(o[72], any + 2 * all_b + 4 * all_lt, "any/all {i}");
        assert_eq!(o[73], b[15].min(3), "min(int16, int).sf {i}");
        assert_eq!(o[74], -1, "vector == of swizzles {i}");
        let want_u: Vec<u8> = b.iter().map(|v| (*v).clamp(0, 255) as u8).collect();
        assert_eq!(&out[4][i * 16..i * 16 + 16], &want_u[..], "convert_uchar16_sat + vstore16 to uchar {i}");
    }
}

#[test]
fn wide_vector_buffers_and_struct_members() {
    let p = opencl_c::build(SRC, &BuildOptions::default()).unwrap_or_else(|e| panic!("{}", e.log()));
    let n = 4usize;
    let x = rand_f32s(n * 8, 73);
    let q: Vec<i32> = (0..n as i32 * 16).collect();
    let out = run(&p, "wbuf", &[Arg::Buf(f32s(&x)), Arg::Buf(i32s(&q))], &[n as u32], &[4]);
    let (got_p, got_q) = (to_f32s(&out[0]), to_i32s(&out[1]));
    for i in 0..n {
        let mut v = x[i * 8..i * 8 + 8].to_vec();
        v[7] = i as f32;
        // Doubling is exact.
        assert_eq!(&got_p[i * 8..i * 8 + 8], &v.iter().map(|a| a * 2.0).collect::<Vec<_>>()[..], "float8 buffer {i}");
        let want: Vec<i32> = (0..16).map(|c| q[i * 16 + 15 - c] + i as i32).collect();
        assert_eq!(&got_q[i * 16..i * 16 + 16], &want[..], "int16 buffer, reversed swizzle {i}");
    }
}

fn err(src: &str) -> String {
    opencl_c::build(src, &BuildOptions::default()).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn wide_vector_limits_are_precise_errors() {
    assert_eq!(
        err("__kernel void k(__global float* a) {\n  float8 v = vload8(0, a);\n  a[0] = dot(v, v);\n}"),
        "program.cl:3:10: error: `dot` takes vectors of 2, 3 or 4 components"
    );
    assert_eq!(
        err("__kernel void k(__global uint* a) {\n  uchar16 v = (uchar16)(1);\n  vstore8(as_uint8(v), 0, a);\n}"),
        "program.cl:3:11: error: as_uint8: `uchar16` and `uint8` differ in size"
    );
    assert_eq!(
        err("__kernel void k(__global float8* a) {\n  float8 v = a[0];\n  float4 w = v;\n}"),
        "program.cl:3:14: error: cannot convert `float8` to `float4`: different sizes"
    );
}
