//! Idioms of SDK samples that the front end lacked: `async_work_group_copy`/`_strided_copy`
//! with `event_t` and `wait_group_events` (also in the remainder group of a non-uniform
//! NDRange), `prefetch`, a vector condition in `?:`, `hadd`/`rhadd` on signed integers,
//! `asinpi`/`acospi`/`atanpi`/`atan2pi`, `default:` in a switch. Compared with a CPU
//! reference; exact unless a tolerance is stated.
mod common;
use common::*;

const SRC: &str = r#"
__kernel void tiles(__global const float *in, __global float *out, __local float *tile, int n)
{
    int g = get_group_id(0), ls = get_local_size(0), l = get_local_id(0);
    int base = g * get_enqueued_local_size(0);
    event_t e = async_work_group_copy(tile, in + base, (size_t)ls, 0);
    prefetch(in + base, ls);
    wait_group_events(1, &e);
    float v = tile[ls - 1 - l] * 2.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    tile[l] = v;
    event_t evs[1];
    evs[0] = async_work_group_strided_copy(out + base * 2, tile, (size_t)ls, 2, 0);
    wait_group_events(1, evs);
}

__kernel void misc(__global const int4 *a, __global int4 *o, __global float *f)
{
    int i = get_global_id(0);
    int4 x = a[i], y = a[i + 8];
    o[i * 4] = x > y ? x - y : y * 2;
    o[i * 4 + 1] = hadd(x, y);
    o[i * 4 + 2] = rhadd(x, y);
    int s;
    switch (x.x & 3) {
    case 0:
    case 1:
        s = 10;
        break;
    default:
        s = -10;
        break;
    }
    o[i * 4 + 3] = (int4)(s, hadd(x.y, y.y), rhadd(x.z, y.z), 0);
    float t = (float)(x.w % 1000) / 1000.0f;
    f[i * 4] = asinpi(t);
    f[i * 4 + 1] = acospi(t);
    f[i * 4 + 2] = atanpi(t);
    f[i * 4 + 3] = atan2pi(t, 0.5f);
}
"#;

#[test]
fn async_work_group_copies_with_events() {
    let p = build(SRC);
    assert_wgsl_round_trip(&p);
    // 20 work-items in groups of 8: the last group has 4 (get_local_size is its real size).
    let (n, ls) = (20usize, 8usize);
    let input: Vec<f32> = (0..n).map(|k| k as f32 + 0.5).collect();
    let out = to_f32s(
        &run(&p, "tiles", &[Arg::Buf(f32s(&input)), Arg::Buf(f32s(&vec![-1.0; 2 * n])), Arg::Local((ls * 4) as u32), Arg::Val(i32s(&[n as i32]))], &[n as u32], &[ls as u32])[1],
    );
    let mut want = vec![-1.0f32; 2 * n];
    for g in 0..n.div_ceil(ls) {
        let (base, real) = (g * ls, ls.min(n - g * ls));
        for l in 0..real {
            want[(base + l) * 2] = input[base + real - 1 - l] * 2.0;
        }
    }
    assert_eq!(out, want);
}

#[test]
fn vector_conditions_integer_halving_inverse_trig_and_default_labels() {
    let p = build(SRC);
    let n = 8usize;
    let a: Vec<i32> = rand_u32s(n * 8, 41, u32::MAX).iter().map(|v| *v as i32).collect();
    let out = run(&p, "misc", &[Arg::Buf(i32s(&a)), Arg::Buf(i32s(&vec![0; n * 16])), Arg::Buf(f32s(&vec![0.0; n * 4]))], &[n as u32], &[8]);
    let (o, f) = (to_i32s(&out[1]), to_f32s(&out[2]));
    let hadd = |x: i32, y: i32| ((x as i64 + y as i64) >> 1) as i32;
    let rhadd = |x: i32, y: i32| ((x as i64 + y as i64 + 1) >> 1) as i32;
    for i in 0..n {
        let (x, y) = (&a[i * 4..i * 4 + 4], &a[(i + 8) * 4..(i + 8) * 4 + 4]);
        let o = &o[i * 16..i * 16 + 16];
        let sel: Vec<i32> = (0..4).map(|c| if x[c] > y[c] { x[c].wrapping_sub(y[c]) } else { y[c].wrapping_mul(2) }).collect();
        assert_eq!(&o[0..4], &sel[..], "vector ?: {i}");
        assert_eq!(&o[4..8], &(0..4).map(|c| hadd(x[c], y[c])).collect::<Vec<_>>()[..], "hadd {i}");
        assert_eq!(&o[8..12], &(0..4).map(|c| rhadd(x[c], y[c])).collect::<Vec<_>>()[..], "rhadd {i}");
        let s = if x[0] & 3 <= 1 { 10 } else { -10 };
        assert_eq!(&o[12..16], &[s, hadd(x[1], y[1]), rhadd(x[2], y[2]), 0], "switch/default, scalar hadd/rhadd {i}");
        let t = (x[3] % 1000) as f32 / 1000.0;
        let pi = std::f32::consts::PI;
        // WGSL's inverse trigonometry is not correctly rounded (lavapipe's acos is off by up
        // to ~3e-5, which WGSL's accuracy rules allow; OpenCL asks 5 ulp of acospi): 1e-4.
        assert_close(&f[i * 4..i * 4 + 4], &[t.asin() / pi, t.acos() / pi, t.atan() / pi, t.atan2(0.5) / pi], 1e-4);
    }
}

fn err(src: &str) -> String {
    wgcl_kernels::opencl_c::build(src, &Default::default()).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn async_copy_errors_are_precise() {
    assert_eq!(
        err("__kernel void k(__global float* a, __global float* b) {\n  event_t e = async_work_group_copy(a, b, 4, 0);\n  wait_group_events(1, &e);\n}"),
        "program.cl:2:15: error: `async_work_group_copy` copies between `__local` and `__global` (or `__constant`) memory"
    );
    assert_eq!(
        err("__kernel void k(__global float* a, __local int* b) {\n  event_t e = async_work_group_copy(b, a, 4, 0);\n  wait_group_events(1, &e);\n}"),
        "program.cl:2:15: error: `async_work_group_copy` copies between pointers to one type, not `int*` and `float*`"
    );
}
