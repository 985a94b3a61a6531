//! `as_T` reinterpretations that change the component size (through the C bytes, as 32-bit
//! words) and `shuffle`/`shuffle2` with constant and run-time masks, run on the device and
//! compared with a CPU reference. All results are exact bit patterns.
mod common;
use common::*;

const SRC: &str = r#"
__kernel void as_sizes(__global const uint4 *src, __global uint *out)
{
    int i = get_global_id(0);
    uint4 a = src[i];
    __global uint *o = out + i * 32;
    uchar16 b = as_uchar16(a);
    uchar16 r = b.s32107654ba98fedc;
    vstore4(as_uint4(r), 0, o);
    short8 s = as_short8(a);
    o[4] = (uint)(int)s.s1;
    o[5] = (uint)(s.s2 + s.s7);
    char2 c2 = as_char2(s.s3);
    o[6] = (uint)(int)c2.y;
    float f = as_float(b.s4567);
    o[7] = as_uint(f);
    o[8] = as_ushort2(f).y;
    uint8 a8 = (uint8)(a, a.wzyx);
    ushort16 us = as_ushort16(a8);
    o[9] = us.s9;
    o[10] = us.sf;
    vstore8(as_uint8(us), 2, o);
    uchar4 q = as_uchar4((short2)(s.s0, -1));
    o[11] = q.x | (q.y << 8) | (q.z << 16) | (q.w << 24);
    int3 t3 = as_int3(as_float3(a.xyz));
    o[12] = (uint)t3.z;
}
"#;

/// Needs 64-bit integers, doubles and halves on the device.
const SRC64: &str = r#"
__kernel void as_wide(__global const uint4 *src, __global uint *out)
{
    int i = get_global_id(0);
    uint4 a = src[i];
    __global uint *o = out + i * 8;
    ulong2 l = as_ulong2(a);
    uint2 h = as_uint2(l.s1);
    o[0] = h.x;
    o[1] = h.y;
    o[2] = (uint)(l.s0 >> 16);
    float2 f2 = as_float2(l.s0);
    o[3] = as_uint(f2.y);
    long x = as_long(as_uchar8(l.s1).s76543210);
    vstore2(as_uint2(x), 2, o);
    uchar8 u8 = as_uchar8((double)2.5);
    o[6] = u8.s7 | (u8.s6 << 8);
    short8 s = as_short8(a);
    o[7] = as_uint(as_half2(s.s45));
}
"#;

const SHUFFLES: &str = r#"
__kernel void shuffles(__global const uint4 *src, __global uint *out)
{
    int i = get_global_id(0);
    uint4 a = src[i];
    uint4 m = src[i ^ 1];
    __global uint *o = out + i * 48;
    vstore4(shuffle(a, (uint4)(3, 2, 1, 0)), 0, o);
    vstore4(shuffle(a, m), 1, o);
    vstore4(shuffle2(a, a.yzwx + 1u, m), 2, o);
    vstore8(shuffle(a, (uint8)(0, 0, 1, 1, 2, 2, 3, 3)), 2, o);
    uchar16 b = as_uchar16(a);
    uchar16 r = b.sfedcba9876543210;
    vstore4(as_uint4(shuffle2(b, r, as_uchar16(m))), 6, o);
    uint2 p = shuffle(a.xy, (uint2)(1));
    o[28] = p.x;
    o[29] = p.y;
    float4 fs = shuffle(as_float4(a), (uint4)(5, 6, 7, 4));
    vstore4(as_uint4(fs), 8, o);
    uchar2 bb = shuffle(b, (uchar2)(15, 0));
    o[36] = bb.x | (bb.y << 8);
    short8 s = as_short8(a);
    short16 s16 = shuffle2(s, s + (short)1, (ushort16)(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    vstore4(as_uint4(s16.lo), 10, o);
    int4 cmp = a > m;
    vstore2(as_uint2(shuffle(cmp, as_uint2(m.xy))), 22, o);
}
"#;

fn input(n: usize) -> Vec<u32> {
    // Mixed bit patterns: full-range words, so sign bits and every byte are exercised.
    rand_u32s(n * 4, 91, u32::MAX).iter().enumerate().map(|(k, v)| v.wrapping_mul(2654435761).wrapping_add(k as u32 * 0x01030507)).collect()
}

fn bytes_of(a: &[u32]) -> Vec<u8> {
    a.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn shorts_of(a: &[u32]) -> Vec<i16> {
    a.iter().flat_map(|w| [*w as i16, (*w >> 16) as i16]).collect()
}

#[test]
fn as_type_changes_component_size() {
    let p = build(SRC);
    assert_wgsl_round_trip(&p);
    let n = 8;
    let src = input(n);
    let out = to_u32s(&run(&p, "as_sizes", &[Arg::Buf(u32s(&src)), Arg::Buf(u32s(&vec![0; n * 32]))], &[n as u32], &[4])[1]);
    for i in 0..n {
        let a = &src[i * 4..i * 4 + 4];
        let o = &out[i * 32..i * 32 + 32];
        assert_eq!(&o[0..4], &a.iter().map(|w| w.swap_bytes()).collect::<Vec<_>>()[..], "as_uchar16 -> swizzle -> as_uint4 {i}");
        let s = shorts_of(a);
        assert_eq!(o[4], s[1] as i32 as u32, "as_short8 .s1 {i}");
        assert_eq!(o[5], (s[2] as i32 + s[7] as i32) as u32, "short + short {i}");
        assert_eq!(o[6], (s[3] >> 8) as i8 as i32 as u32, "as_char2(short).y {i}");
        assert_eq!(o[7], a[1], "as_float(uchar4) {i}");
        assert_eq!(o[8], a[1] >> 16, "as_ushort2(float).y {i}");
        assert_eq!(o[9], a[3] >> 16, "as_ushort16(uint8).s9 {i}");
        assert_eq!(o[10], a[0] >> 16, "as_ushort16(uint8).sf {i}");
        assert_eq!(&o[16..24], &[a[0], a[1], a[2], a[3], a[3], a[2], a[1], a[0]], "as_uint8(ushort16) {i}");
        assert_eq!(o[11], (a[0] & 0xffff) | 0xffff_0000, "as_uchar4(short2) {i}");
        assert_eq!(o[12], a[2], "as_int3(as_float3(uint3)) {i}");
    }
}

#[test]
fn as_type_with_64_bit_components() {
    let caps = device_caps();
    assert!(caps.i64 && caps.f64 && caps.f16, "this test needs SHADER_INT64, SHADER_F64 and SHADER_F16 (lavapipe has them)");
    let p = build_with_caps(SRC64);
    assert_wgsl_round_trip(&p);
    let n = 4;
    let src = input(n);
    let out = to_u32s(&run(&p, "as_wide", &[Arg::Buf(u32s(&src)), Arg::Buf(u32s(&vec![0; n * 8]))], &[n as u32], &[4])[1]);
    for i in 0..n {
        let a = &src[i * 4..i * 4 + 4];
        let o = &out[i * 8..i * 8 + 8];
        let l0 = a[0] as u64 | (a[1] as u64) << 32;
        let l1 = a[2] as u64 | (a[3] as u64) << 32;
        assert_eq!(&o[0..2], &[a[2], a[3]], "as_uint2(ulong) {i}");
        assert_eq!(o[2], (l0 >> 16) as u32, "as_ulong2(uint4).s0 >> 16 {i}");
        assert_eq!(o[3], a[1], "as_float2(ulong).y {i}");
        let x = l1.swap_bytes();
        assert_eq!(&o[4..6], &[x as u32, (x >> 32) as u32], "as_long(as_uchar8(ulong) reversed) {i}");
        let d = 2.5f64.to_bits();
        assert_eq!(o[6], ((d >> 56) as u32) | (((d >> 48) as u32 & 0xff) << 8), "as_uchar8(double) {i}");
        assert_eq!(o[7], a[2], "as_uint(as_half2(short2)) {i}");
    }
}

#[test]
fn shuffle_and_shuffle2_with_constant_and_run_time_masks() {
    let p = build(SHUFFLES);
    assert_wgsl_round_trip(&p);
    let n = 8;
    let src = input(n);
    let args = || [Arg::Buf(u32s(&src)), Arg::Buf(u32s(&vec![0; n * 48]))];
    let out = to_u32s(&run(&p, "shuffles", &args(), &[n as u32], &[8])[1]);
    // The specialised WGSL text (as a browser gets it) computes the same.
    assert_eq!(to_u32s(&run_with(&p, "shuffles", &args(), &[n as u32], &[8], true)[1]), out);
    for i in 0..n {
        let a = &src[i * 4..i * 4 + 4];
        let m = &src[(i ^ 1) * 4..(i ^ 1) * 4 + 4];
        let o = &out[i * 48..i * 48 + 48];
        assert_eq!(&o[0..4], &[a[3], a[2], a[1], a[0]], "constant mask {i}");
        assert_eq!(&o[4..8], &m.iter().map(|k| a[(k % 4) as usize]).collect::<Vec<_>>()[..], "run-time mask {i}");
        let second: Vec<u32> = [a[1], a[2], a[3], a[0]].iter().map(|v| v.wrapping_add(1)).collect();
        let both: Vec<u32> = a.iter().chain(&second).copied().collect();
        assert_eq!(&o[8..12], &m.iter().map(|k| both[(k % 8) as usize]).collect::<Vec<_>>()[..], "shuffle2 run-time mask {i}");
        assert_eq!(&o[16..24], &[a[0], a[0], a[1], a[1], a[2], a[2], a[3], a[3]], "uint4 -> uint8 {i}");
        let b = bytes_of(a);
        let r: Vec<u8> = b.iter().rev().copied().collect();
        let bm = bytes_of(m);
        let want: Vec<u8> = bm.iter().map(|k| if k % 32 < 16 { b[(k % 16) as usize] } else { r[(k % 16) as usize] }).collect();
        assert_eq!(bytes_of(&o[24..28]), want, "shuffle2 uchar16 run-time mask {i}");
        assert_eq!(&o[28..30], &[a[1], a[1]], "splat mask {i}");
        assert_eq!(&o[32..36], &[a[1], a[2], a[3], a[0]], "mask components modulo n {i}");
        assert_eq!(o[36], b[15] as u32 | (b[0] as u32) << 8, "uchar16 -> uchar2 {i}");
        let s = shorts_of(a);
        let s1: Vec<i16> = s.iter().map(|v| v.wrapping_add(1)).collect();
        let want: Vec<i16> = (0..8).map(|k| s1[7 - k]).collect();
        let got: Vec<i16> = shorts_of(&o[40..44]);
        assert_eq!(got, want, "shuffle2 short8 -> short16 (lo half) {i}");
        let cmp: Vec<u32> = a.iter().zip(m).map(|(x, y)| if x > y { u32::MAX } else { 0 }).collect();
        assert_eq!(&o[44..46], &[cmp[(m[0] % 4) as usize], cmp[(m[1] % 4) as usize]], "shuffle of a comparison {i}");
    }
}

fn err(src: &str) -> String {
    wgcl_kernels::opencl_c::build(src, &Default::default()).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn reinterpretation_and_shuffle_errors_are_precise() {
    assert_eq!(
        err("__kernel void k(__global uint* a) {\n  uchar8 v = (uchar8)(1);\n  a[0] = as_uint4(v).x;\n}"),
        "program.cl:3:10: error: as_uint4: `uchar8` and `uint4` differ in size"
    );
    assert_eq!(
        err("__kernel void k(__global uint* a) {\n  uint4 v = (uint4)(1);\n  a[0] = shuffle(v, (int4)(0)).x;\n}"),
        "program.cl:3:10: error: the mask of `shuffle` must be a `uint` vector of 2, 4, 8 or 16 components, not a `int4`"
    );
    assert_eq!(
        err("__kernel void k(__global uint* a) {\n  uint3 v = (uint3)(1);\n  a[0] = shuffle(v, (uint4)(0)).x;\n}"),
        "program.cl:3:10: error: `shuffle` shuffles a vector of 2, 4, 8 or 16 components, not a `uint3`"
    );
    assert_eq!(
        err("__kernel void k(__global uint* a) {\n  uint4 v = (uint4)(1);\n  a[0] = shuffle2(v, v.xy, (uint4)(0)).x;\n}"),
        "program.cl:3:10: error: `shuffle2` needs two vectors of one type, not `uint4` and `uint2`"
    );
}
