//! Atomics as OpenCL programs write them, run on the device against a CPU reference: the
//! float atomic-add idiom (a compare-and-swap on a `uint*` cast of a `float*`, with a union or
//! `as_uint`/`as_float`, on `__global` and `__local` memory), OpenCL 2.0 `atomic_*` types and
//! functions, and the exact errors for what stays unsupported. Every value summed is a
//! multiple of 1/4 far below 2^24, so float sums are exact in any order.
mod common;
use common::*;
use wgcl_kernels::{BuildOptions, DeviceCaps};

const FLOAT_CAS: &str = r#"
void atomic_add_f(volatile __global float *p, float v) {
    union { unsigned int u; float f; } old, next;
    do { old.f = *p; next.f = old.f + v; }
    while (atomic_cmpxchg((volatile __global unsigned int *)p, old.u, next.u) != old.u);
}

void atomic_add_lf(volatile __local float *p, float v) {
    float old, next;
    do { old = *p; next = old + v; }
    while (atom_cmpxchg((volatile __local uint *)p, as_uint(old), as_uint(next)) != as_uint(old));
}

/* hist[0..16): global bins; hist[16..24): per-work-group __local argument bins, summed;
   hist[24..32): the same through a kernel-scope __local array; hist[32]: plain reads. */
__kernel void float_hist(__global const float *x, __global const uint *bin, __global float *hist,
                         __local float *lh, __global float *twice)
{
    __local float tile[8];
    int i = get_global_id(0);
    int l = get_local_id(0);
    if (l < 8) { lh[l] = 0.0f; tile[l] = 0.0f; }
    barrier(CLK_LOCAL_MEM_FENCE);
    float v = x[i];
    atomic_add_f(hist + bin[i], v);
    atomic_add_lf(&lh[bin[i] % 8], v);
    atomic_add_lf(tile + bin[i] % 8, 2.0f * v);
    twice[i] = v * 2.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l < 8) {
        atomic_add_f(&hist[16 + l], lh[l]);
        atomic_add_f(&hist[24 + l], tile[l]);
    }
    if (i == 0) hist[32] = hist[33] + 1.0f;
}

/* An `int` buffer counted through `uint*` casts; signed min/max on its words. */
__kernel void int_words(__global int *c, __global const int *v)
{
    int i = get_global_id(0);
    atomic_inc((volatile __global uint *)c);
    atomic_add((volatile __global uint *)&c[1], (uint)v[i]);
    atomic_min(&c[2], v[i]);
    atomic_max(c + 3, v[i]);
    atomic_xchg((__global float *)&c[4], 1.5f);
}
"#;

fn weights(n: usize) -> Vec<f32> {
    (0..n).map(|k| ((k * 37 % 23) as f32 - 11.0) * 0.25).collect()
}

#[test]
fn float_atomic_add_through_pointer_casts() {
    let p = build(FLOAT_CAS);
    assert_wgsl_round_trip(&p);
    let wgsl = p.to_wgsl().unwrap();
    // The buffers reached by casts are words; the plain one keeps its type.
    assert!(wgsl.contains("array<atomic<u32>>"), "{wgsl}");
    assert!(wgsl.contains("array<f32>"), "{wgsl}");
    // 250: the last work-group is partial, and its padding work-items (which run the
    // kernel too, for its barriers) must neither add nor spin forever in the loops.
    for n in [256usize, 250] {
        float_hist_run(&p, n, 32);
    }
}

fn float_hist_run(p: &wgcl_kernels::ProgramModule, n: usize, ls: usize) {
    let x = weights(n);
    let bin: Vec<u32> = rand_u32s(n, 7, 16);
    let mut hist = vec![0f32; 34];
    hist[33] = 41.0;
    let args = [Arg::Buf(f32s(&x)), Arg::Buf(u32s(&bin)), Arg::Buf(f32s(&hist)), Arg::Local(8 * 4), Arg::Buf(f32s(&vec![0.0; n]))];
    let out = run(p, "float_hist", &args, &[n as u32], &[ls as u32]);
    // The specialised WGSL text (as a browser gets it: the `__local` argument's override
    // resolved) computes the same.
    assert_eq!(run_with(p, "float_hist", &args, &[n as u32], &[ls as u32], true), out, "specialised WGSL, {n} work-items");
    let mut want = vec![0f32; 34];
    for k in 0..n {
        want[bin[k] as usize] += x[k];
        want[16 + (bin[k] % 8) as usize] += x[k];
        want[24 + (bin[k] % 8) as usize] += 2.0 * x[k];
    }
    want[32] = 42.0;
    want[33] = 41.0;
    assert_eq!(to_f32s(&out[2]), want, "float bins, {n} work-items");
    assert_eq!(to_f32s(&out[4]), x.iter().map(|v| v * 2.0).collect::<Vec<_>>(), "plain buffer, {n} work-items");
}

#[test]
fn int_buffer_atomics_through_uint_casts() {
    let p = build(FLOAT_CAS);
    let n = 200usize;
    let v: Vec<i32> = (0..n as i32).map(|k| (k * 7919) % 1000 - 500).collect();
    let c = [0, 0, i32::MAX, i32::MIN, 0];
    let out = to_i32s(&run(&p, "int_words", &[Arg::Buf(i32s(&c)), Arg::Buf(i32s(&v))], &[n as u32], &[8])[0]);
    let sum = v.iter().fold(0i32, |a, b| a.wrapping_add(*b));
    assert_eq!(&out[..4], &[n as i32, sum, *v.iter().min().unwrap(), *v.iter().max().unwrap()]);
    assert_eq!(f32::from_bits(out[4] as u32), 1.5, "atomic_xchg of a float through a cast");
}

/// Pointer casts between 32-bit-component element types without atomics, and `atomic_xchg`
/// on a `float` buffer (OpenCL 1.1 allows it) without any cast.
const VIEWS: &str = r#"
__kernel void views(__global float4 *v, __global uint *bits, __global const uint *src,
                    __global float *o, __global float *f)
{
    int i = get_global_id(0);
    __global float *s = (__global float *)v;
    s[4 * i + 3] = (float)i;
    __global uint *u = (__global uint *)(v + i);
    bits[i] = u[2];
    atomic_xchg(&v[i].z, 9.0f);
    __global const float4 *g = (__global const float4 *)src;
    o[i] = g[i].y + 1.0f;
    atomic_xchg(&f[2 * i], f[2 * i + 1]);
}
"#;

#[test]
fn word_views_without_atomics_and_float_xchg() {
    let p = build(VIEWS);
    assert_wgsl_round_trip(&p);
    let n = 16usize;
    let v: Vec<f32> = (0..n * 4).map(|k| k as f32 * 0.5 - 3.0).collect();
    let src: Vec<u32> = (0..n * 4).map(|k| (k as f32 * 1.25).to_bits()).collect();
    let f: Vec<f32> = (0..n * 2).map(|k| k as f32 + 0.75).collect();
    let args = [Arg::Buf(f32s(&v)), Arg::Buf(u32s(&vec![0; n])), Arg::Buf(u32s(&src)), Arg::Buf(f32s(&vec![0.0; n])), Arg::Buf(f32s(&f))];
    let out = run(&p, "views", &args, &[n as u32], &[8]);
    let mut want_v = v.clone();
    for i in 0..n {
        want_v[4 * i + 2] = 9.0;
        want_v[4 * i + 3] = i as f32;
    }
    assert_eq!(to_f32s(&out[0]), want_v, "float4* written through a float* view and a component's address");
    assert_eq!(to_u32s(&out[1]), (0..n).map(|i| v[4 * i + 2].to_bits()).collect::<Vec<_>>(), "bits through a uint* view");
    assert_eq!(to_f32s(&out[3]), (0..n).map(|i| (((4 * i + 1) as f32) * 1.25) + 1.0).collect::<Vec<_>>(), "uint* read as float4*");
    assert_eq!(to_f32s(&out[4]), (0..n * 2).map(|k| f[k | 1]).collect::<Vec<_>>(), "atomic_xchg on float");
}

const OPENCL2: &str = r#"
__kernel void cl2(__global atomic_int *ci, __global atomic_uint *cu, __global atomic_float *cf,
                  __global const int *v, __global int *prev)
{
    __local atomic_int lc;
    __local atomic_float lf;
    int i = get_global_id(0);
    if (get_local_id(0) == 0) {
        atomic_init(&lc, 0);
        atomic_init(&lf, 0.0f);
    }
    work_group_barrier(CLK_LOCAL_MEM_FENCE, memory_scope_work_group);
    int x = v[i];
    atomic_fetch_add(&ci[0], 1);
    atomic_fetch_sub_explicit(&ci[1], x, memory_order_relaxed);
    atomic_fetch_min(&ci[2], x);
    atomic_fetch_max_explicit(&ci[3], x, memory_order_seq_cst, memory_scope_device);
    int cur = atomic_load(&ci[4]);
    while (cur < x && !atomic_compare_exchange_weak(&ci[4], &cur, x)) {}
    prev[i] = atomic_exchange(&ci[5], i);
    atomic_fetch_or(&cu[0], 1u << (i % 32));
    atomic_fetch_xor(&cu[1], (uint)x);
    atomic_fetch_and_explicit(&cu[2], ~(1u << (i % 31)), memory_order_acq_rel);
    uint want = 7u;
    if (atomic_compare_exchange_strong(&cu[3], &want, (uint)i + 100u))
        prev[i] += 1000000;
    atomic_fetch_add(&cf[0], (float)x * 0.5f);
    atomic_fetch_sub(&cf[1], 0.25f);
    atomic_fetch_min(&cf[2], (float)x);
    atomic_fetch_max(&cf[3], (float)x);
    float seen = atomic_load(&cf[5]);
    while (!atomic_compare_exchange_strong_explicit(&cf[5], &seen, seen + 0.75f, memory_order_relaxed, memory_order_relaxed)) {}
    atomic_fetch_add(&lc, 1);
    atomic_fetch_add_explicit(&lf, 0.25f, memory_order_relaxed, memory_scope_work_group);
    work_group_barrier(CLK_LOCAL_MEM_FENCE);
    if (get_local_id(0) == 0) {
        atomic_fetch_add(&ci[6], atomic_load(&lc));
        atomic_store_explicit(&cf[4], atomic_load_explicit(&lf, memory_order_acquire), memory_order_release);
    }
}

__kernel void flags(__global atomic_flag *f, __global atomic_int *won)
{
    int i = get_global_id(0);
    if (!atomic_flag_test_and_set(&f[i % 4]))
        atomic_fetch_add(won, 1);
    if (i < 4)
        atomic_flag_clear_explicit(&f[4 + i], memory_order_release, memory_scope_device);
}
"#;

#[test]
fn opencl_2_atomic_types_and_functions() {
    let p = build(OPENCL2);
    assert_wgsl_round_trip(&p);
    let k = p.kernel("cl2").unwrap();
    assert_eq!(k.args[0].type_name, "atomic_int*");
    let (n, ls) = (96usize, 16usize);
    let v: Vec<i32> = (0..n as i32).map(|k| (k * 53) % 97 - 40).collect();
    let ci = [0, 1000, i32::MAX, i32::MIN, -100, -1, 0];
    let cu = [0u32, 0xdead_beef, u32::MAX, 7];
    let cf = [0.5f32, 2.0, f32::MAX, -f32::MAX, 0.0, 1.0];
    let args = [Arg::Buf(i32s(&ci)), Arg::Buf(u32s(&cu)), Arg::Buf(f32s(&cf)), Arg::Buf(i32s(&v)), Arg::Buf(i32s(&vec![0; n]))];
    let out = run(&p, "cl2", &args, &[n as u32], &[ls as u32]);
    let gi = to_i32s(&out[0]);
    let gu = to_u32s(&out[1]);
    let gf = to_f32s(&out[2]);
    let prev = to_i32s(&out[4]);
    let (min, max) = (*v.iter().min().unwrap(), *v.iter().max().unwrap());
    let sum: i32 = v.iter().sum();
    assert_eq!(&gi[..5], &[n as i32, 1000 - sum, min, max, max], "int fetch ops and compare-exchange max");
    assert_eq!(gi[6], n as i32, "__local atomic_int counts summed");
    // Exchange: the old values are the initial -1 and every index but the last one in.
    let mut seen: Vec<i32> = prev.iter().map(|&p| if p >= 999000 { p - 1000000 } else { p }).chain([gi[5]]).collect();
    seen.sort();
    assert_eq!(seen, (-1..n as i32).collect::<Vec<_>>(), "atomic_exchange tickets");
    // Exactly one work-item found 7 in cu[3].
    let winners: Vec<usize> = (0..n).filter(|&k| prev[k] >= 999000).collect();
    assert_eq!(winners.len(), 1, "one compare_exchange_strong succeeds");
    assert_eq!(gu[3], winners[0] as u32 + 100);
    let mut or = 0u32;
    let mut xor = 0xdead_beefu32;
    let mut and = u32::MAX;
    for (k, x) in v.iter().enumerate() {
        or |= 1 << (k % 32);
        xor ^= *x as u32;
        and &= !(1 << (k % 31));
    }
    assert_eq!(&gu[..3], &[or, xor, and], "uint fetch_or/xor/and");
    let fsum: f32 = v.iter().map(|x| *x as f32 * 0.5).sum();
    assert_eq!(&gf[..6], &[0.5 + fsum, 2.0 - 0.25 * n as f32, min as f32, max as f32, 0.25 * ls as f32, 1.0 + 0.75 * n as f32], "atomic_float");
}

#[test]
fn atomic_flags() {
    let p = build(OPENCL2);
    let out = run(&p, "flags", &[Arg::Buf(i32s(&[0, 1, 0, 0, 1, 1, 1, 1])), Arg::Buf(i32s(&[0]))], &[64], &[16]);
    assert_eq!(to_i32s(&out[0]), [1, 1, 1, 1, 0, 0, 0, 0], "flags set, then cleared");
    assert_eq!(to_i32s(&out[1]), [3], "one winner per flag that was clear");
}

/// Atomics on elements of 2-D and 3-D `__local` arrays (`atomic_inc(&h[i][j])`), and a
/// pointer into a row with a constant index passed to a function.
const LOCAL_2D: &str = r#"
void bump(__local int *row, int j) { atomic_add(row + j, 100); }

__kernel void hist2d(__global const uint *x, __global int *out)
{
    __local int h[4][8];
    __local uint c[2][2][4];
    int l = get_local_id(0);
    if (l < 32) h[l / 8][l % 8] = 0;
    if (l < 16) c[l / 8][(l / 4) % 2][l % 4] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    uint v = x[get_global_id(0)];
    atomic_inc(&h[v / 8 % 4][v % 8]);
    atom_max(&c[v % 2][v / 2 % 2][v % 4], v);
    if (l == 0) bump(&h[3][0], 7);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l < 32) atomic_add(&out[l], h[l / 8][l % 8]);
    if (l < 16) atomic_max(&out[32 + l], (int)c[l / 8][(l / 4) % 2][l % 4]);
}
"#;

#[test]
fn atomics_on_multi_dimensional_local_arrays() {
    let p = build(LOCAL_2D);
    assert_wgsl_round_trip(&p);
    let wgsl = p.to_wgsl().unwrap();
    assert!(wgsl.contains("array<array<atomic<i32>, 8>, 4>") && wgsl.contains("array<array<array<atomic<u32>, 4>, 2>, 2>"), "{wgsl}");
    let (n, ls) = (250usize, 64usize);
    let x = rand_u32s(n, 11, 1000);
    let out = to_i32s(&run(&p, "hist2d", &[Arg::Buf(u32s(&x)), Arg::Buf(i32s(&[0; 48]))], &[n as u32], &[ls as u32])[1]);
    let mut want = [0i32; 48];
    for g in x.chunks(ls) {
        let mut c = [0u32; 16];
        for v in g {
            want[(v / 8 % 4 * 8 + v % 8) as usize] += 1;
            let k = ((v % 2) * 8 + (v / 2 % 2) * 4 + v % 4) as usize;
            c[k] = c[k].max(*v);
        }
        want[31] += 100;
        for (k, m) in c.iter().enumerate() {
            want[32 + k] = want[32 + k].max(*m as i32);
        }
    }
    assert_eq!(out, want);
}

fn err(src: &str) -> String {
    let opts = BuildOptions { caps: DeviceCaps { i64: true, ..Default::default() }, ..Default::default() };
    wgcl_kernels::opencl_c::build(src, &opts).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn atomic_errors_are_precise() {
    // 64-bit atomics: see atomics_int64.rs.
    assert_eq!(
        err("__kernel void k(__global atomic_float *a) {\n  atomic_fetch_and(a, 1.0f);\n}"),
        "program.cl:2:3: error: `atomic_fetch_and` on `float`: atomics are on `int`/`uint` (`long`/`ulong` with cl_khr_int64_base_atomics), and `float` through compare-and-swap"
    );
    assert_eq!(
        err("__kernel void k(__global atomic_int *a) {\n  int x = atomic_load_explicit(a);\n}"),
        "program.cl:2:11: error: `atomic_load_explicit` takes 2 or 3 argument(s), 1 given"
    );
    assert_eq!(
        err("__kernel void k(__global int *a) {\n  atom_fetch_add(a, 1);\n}"),
        "program.cl:2:3: error: `atom_fetch_add` is not supported"
    );
    assert_eq!(
        err("__kernel void k(__global int *a) {\n  atomic_add_explicit(a, 1, memory_order_relaxed);\n}"),
        "program.cl:2:3: error: `atomic_add_explicit` is not supported"
    );
    assert_eq!(
        err("__kernel void k(__constant int *a) {\n  atomic_inc(a);\n}"),
        "program.cl:2:3: error: `atomic_inc` needs a pointer to writable __global or __local memory"
    );
    // A row of a 2-D `__local` array picked by a variable is an expression of the kernel's.
    let rows = "void f(__local int *p) { atomic_inc(p); }\n__kernel void k(__global int *a) {\n  __local int h[2][3];\n  int i = get_local_id(0);\n";
    assert_eq!(
        err(&format!("{rows}  f(&h[i][2]);\n}}")),
        "program.cl:5:5: error: a pointer into a multi-dimensional __local array whose row index is not a constant (`&h[i][j]`) can only be used where it is taken, not stored or passed to a function"
    );
    assert_eq!(
        err(&format!("{rows}  __local int *p = &h[i][0];\n}}")),
        "program.cl:5:20: error: a pointer into a multi-dimensional __local array whose row index is not a constant (`&h[i][j]`) can only be used where it is taken, not stored or passed to a function"
    );
    assert_eq!(
        err("__kernel void k(__global float *a) {\n  __local float h[2][3];\n  atomic_xchg(&h[1][2], 1.0f);\n}"),
        "program.cl:3:3: error: `atomic_xchg` on `float`: float atomics on multi-dimensional __local arrays are not supported"
    );
    // Private memory is not reinterpreted: no atomics reach it.
    assert_eq!(
        err("__kernel void k(__global uint *a) {\n  float x = 1.0f;\n  a[0] = *(uint *)&x;\n}"),
        "program.cl:3:11: error: pointer casts that reinterpret memory (`float*` to `uint*`) are not supported; use vload/vstore or as_type"
    );
}
