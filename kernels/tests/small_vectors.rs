//! Buffers of 1- and 2-byte vectors (`uchar8/16`, `short2/4/8/16`, `char2`, `char3`, ...),
//! packed in `u32` words in C layout: loads, stores, component stores, and neighbouring
//! work-items storing into one word (`char2`, word-level atomics). Compared byte for byte
//! with a CPU reference.
mod common;
use common::*;

const SRC: &str = r#"
__kernel void small(__global const uchar16 *a, __global uchar8 *b8, __global short4 *s4, __global char2 *c2,
                    __global short16 *s16, __global ushort2 *u2, __global const char3 *c3, __global uchar *bytes)
{
    int i = get_global_id(0);
    uchar16 v = a[i];
    b8[i] = v.lo + v.hi;
    b8[i].s3 = 200;
    b8[i].s76 = (uchar2)(1, 2);
    s4[i] = convert_short4(v.s0123) - (short4)(100);
    s4[i].y += (short)a[i].s9;
    c2[i] = (char2)((char)v.s4, (char)-v.s5);
    s16[i] = convert_short16(v) * (short)(-3);
    u2[i] = (ushort2)(v.s6 * 300, i);
    char3 t = c3[i];
    bytes[i] = t.x + t.y + t.z + c3[i].y;
}

__kernel void neighbours(__global char2 *c2, __global short *s)
{
    int i = get_global_id(0);
    c2[i].y = (char)(i * 3);
    c2[i].x -= (char)i;
    s[i] += (short)(i * 1000);
}
"#;

#[test]
fn one_and_two_byte_vector_buffers() {
    let p = build(SRC);
    assert_wgsl_round_trip(&p);
    let n = 16usize;
    let a: Vec<u8> = rand_u32s(n * 16, 5, 256).iter().map(|v| *v as u8).collect();
    let c3: Vec<u8> = rand_u32s(n * 4, 6, 256).iter().map(|v| *v as u8).collect();
    let args = || {
        [
            Arg::Buf(a.clone()),
            Arg::Buf(vec![0xee; n * 8]),
            Arg::Buf(vec![0xee; n * 8]),
            Arg::Buf(vec![0xee; n * 2]),
            Arg::Buf(vec![0xee; n * 32]),
            Arg::Buf(vec![0xee; n * 4]),
            Arg::Buf(c3.clone()),
            Arg::Buf(vec![0xee; n]),
        ]
    };
    let out = run(&p, "small", &args(), &[n as u32], &[8]);
    assert_eq!(run_with(&p, "small", &args(), &[n as u32], &[8], true), out, "specialised WGSL text");
    for i in 0..n {
        let v = &a[i * 16..i * 16 + 16];
        let mut b8: Vec<u8> = (0..8).map(|k| v[k].wrapping_add(v[k + 8])).collect();
        b8[3] = 200;
        b8[7] = 1;
        b8[6] = 2;
        assert_eq!(&out[1][i * 8..i * 8 + 8], &b8[..], "uchar8 with component stores {i}");
        let mut s4: Vec<i16> = (0..4).map(|k| v[k] as i16 - 100).collect();
        s4[1] += v[9] as i16;
        let want: Vec<u8> = s4.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(&out[2][i * 8..i * 8 + 8], &want[..], "short4 {i}");
        assert_eq!(&out[3][i * 2..i * 2 + 2], &[v[4], (v[5] as i8).wrapping_neg() as u8], "char2 {i}");
        let s16: Vec<u8> = v.iter().flat_map(|x| (*x as i16 * -3).to_le_bytes()).collect();
        assert_eq!(&out[4][i * 32..i * 32 + 32], &s16[..], "short16 {i}");
        let u2: Vec<u8> = [(v[6] as u32 * 300) as u16, i as u16].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(&out[5][i * 4..i * 4 + 4], &u2[..], "ushort2 {i}");
        let t = &c3[i * 4..i * 4 + 3];
        let sum = t.iter().fold(0u8, |s, x| s.wrapping_add(*x)).wrapping_add(t[1]);
        assert_eq!(out[7][i], sum, "char3 loads {i}");
    }
}

#[test]
fn neighbouring_work_items_share_words() {
    let p = build(SRC);
    let n = 64usize;
    let c2: Vec<u8> = (0..n * 2).map(|k| (k * 7) as u8).collect();
    let s: Vec<i16> = (0..n as i16).map(|k| k * 11 - 300).collect();
    let sb: Vec<u8> = s.iter().flat_map(|x| x.to_le_bytes()).collect();
    let out = run(&p, "neighbours", &[Arg::Buf(c2.clone()), Arg::Buf(sb)], &[n as u32], &[16]);
    for i in 0..n {
        let want = [c2[i * 2].wrapping_sub(i as u8), (i * 3) as u8];
        assert_eq!(&out[0][i * 2..i * 2 + 2], &want, "char2 component stores {i}");
        let got = i16::from_le_bytes([out[1][i * 2], out[1][i * 2 + 1]]);
        assert_eq!(got, s[i].wrapping_add((i as i16).wrapping_mul(1000)), "short += {i}");
    }
}
