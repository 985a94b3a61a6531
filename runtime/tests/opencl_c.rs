//! Every OpenCL C program of the front end's corpus (`kernels/tests/corpus/*.cl`) through
//! the wgcl Rust API: `Program::with_source` + `build`, `Kernel::new`, `set_arg`
//! (`KernelArg::Mem/Bytes/Local`), `enqueue_nd_range`, read back, and the same CPU
//! references as the raw-wgpu harness (`kernels/tests/common/reference.rs`).
//! Float tolerances are stated per test; integer results must match exactly.
mod common;
#[path = "../../kernels/tests/common/reference.rs"]
mod reference;

use std::sync::Arc;

use common::{env, read_all, Env};
use reference::*;
use wgcl::*;

/// `kernels/tests/<dir>/<name>`.
fn source(dir: &str, name: &str) -> String {
    let p = format!("{}/../kernels/tests/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Builds `file` of the corpus.
fn build(env: &Env, file: &str) -> Arc<Program> {
    build_in(env, "corpus", file)
}

/// Builds `kernels/tests/<dir>/<file>`.
fn build_in(env: &Env, dir: &str, file: &str) -> Arc<Program> {
    build_text(env, file, &source(dir, file))
}

/// Builds the OpenCL C `src` (called `name` in a failure).
fn build_text(env: &Env, name: &str, src: &str) -> Arc<Program> {
    let p = Program::with_source(&env.ctx, src).unwrap();
    if let Err(e) = p.build("", None) {
        panic!("{name}: build failed ({e}):\n{}", p.build_log());
    }
    assert_eq!(p.build_status(), BuildStatus::Success);
    p
}

/// A kernel argument for [`launch`].
enum A<'a> {
    Mem(&'a Arc<MemObject>),
    Bytes(Vec<u8>),
    Local(u64),
}

fn set_args(k: &Kernel, args: &[A]) {
    assert_eq!(k.num_args(), args.len(), "argument count of {}", k.name());
    for (i, a) in args.iter().enumerate() {
        let v = match a {
            A::Mem(m) => KernelArg::Mem(Some(m)),
            A::Bytes(b) => KernelArg::Bytes(b),
            A::Local(n) => KernelArg::Local(*n),
        };
        k.set_arg(i, v).unwrap_or_else(|e| panic!("{} arg {i}: {e}", k.name()));
    }
}

/// Sets `args` and enqueues `k` over `global` in groups of `local` (None: NULL local size).
fn launch(q: &Arc<CommandQueue>, k: &Arc<Kernel>, args: &[A], global: &[usize], local: Option<&[usize]>) -> Arc<Event> {
    set_args(k, args);
    let range = NdRange { offset: vec![0; global.len()], global: global.to_vec(), local: local.map(<[usize]>::to_vec) };
    q.enqueue_nd_range(k, &range, &[]).unwrap_or_else(|e| panic!("enqueue {}: {e}", k.name()))
}

fn f32_buf(env: &Env, v: &[f32]) -> Arc<MemObject> {
    env.buffer_with(&f32s(v))
}

fn read_f32(q: &Arc<CommandQueue>, m: &Arc<MemObject>) -> Vec<f32> {
    to_f32s(&read_all(q, m))
}

#[test]
fn vector_add() {
    let env = env();
    let q = env.queue();
    let p = build(&env, "vector_add.cl");
    let k = Kernel::new(&p, "vector_add").unwrap();
    let n = 1000;
    let (a, b) = (rand_f32s(n, 1), rand_f32s(n, 2));
    let (ba, bb, bc) = (f32_buf(&env, &a), f32_buf(&env, &b), env.buffer(n as u64 * 4));
    let ev = launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bc), A::Bytes(u32s(&[n as u32]))], &[1024], Some(&[64]));
    // Exact: one IEEE add per element.
    assert_eq!(read_f32(&q, &bc), reference::vector_add(&a, &b));
    assert_eq!(ev.status(), COMPLETE);
    // NULL local size: the runtime picks one (global 1000 is not a multiple of 64).
    let bc2 = env.buffer(n as u64 * 4);
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bc2), A::Bytes(u32s(&[n as u32]))], &[n], None);
    assert_eq!(read_f32(&q, &bc2), reference::vector_add(&a, &b));
}

#[test]
fn saxpy() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "saxpy.cl"), "saxpy").unwrap();
    let n = 256;
    let (x, y) = (rand_f32s(n, 3), rand_f32s(n, 4));
    let (bx, by) = (f32_buf(&env, &x), f32_buf(&env, &y));
    launch(&q, &k, &[A::Bytes(f32s(&[2.5])), A::Mem(&bx), A::Mem(&by)], &[n], Some(&[32]));
    // A device may fuse the multiply-add: one rounding difference.
    assert_close(&read_f32(&q, &by), &reference::saxpy(2.5, &x, &y), 1e-6);
}

#[test]
fn dot_reduce_local_argument() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "reduce.cl"), "dot_reduce").unwrap();
    let (n, ls) = (1000usize, 64usize);
    let groups = n.div_ceil(ls);
    let (a, b) = (rand_f32s(n, 5), rand_f32s(n, 6));
    let (ba, bb, bp) = (f32_buf(&env, &a), f32_buf(&env, &b), env.buffer(groups as u64 * 4));
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bp), A::Local(ls as u64 * 4), A::Bytes(u32s(&[n as u32]))], &[groups * ls], Some(&[ls]));
    assert_eq!(k.local_mem_size(), ls as u64 * 4);
    let got = read_f32(&q, &bp);
    let want = dot_partials(&a, &b, n, ls);
    for g in 0..groups {
        // Tree order differs from the sequential sum: 64 terms of magnitude <= 1.
        assert!((got[g] - want[g]).abs() < 1e-4, "group {g}: {} vs {}", got[g], want[g]);
    }
}

/// More work-groups than the runtime dispatches at once (2^22 work-items in flight by
/// default, 16,384 groups of 256): the dispatched ones loop over the last 3, and a
/// non-uniform remainder group (another dispatch) loops once.
#[test]
fn vector_add_with_more_groups_than_dispatched() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "vector_add.cl"), "vector_add").unwrap();
    let n = (1 << 22) + 3 * 256 + 5;
    let (a, b) = (rand_f32s(n, 7), rand_f32s(n, 8));
    let (ba, bb, bc) = (f32_buf(&env, &a), f32_buf(&env, &b), env.buffer(n as u64 * 4));
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bc), A::Bytes(u32s(&[n as u32]))], &[n], Some(&[256]));
    assert_eq!(read_f32(&q, &bc), reference::vector_add(&a, &b));
}

#[test]
fn histogram_uchar_buffer_and_atomics() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "histogram.cl"), "histogram").unwrap();
    let n = 1000;
    let data = histogram_input(n);
    let (bd, bh) = (env.buffer_with(&data), env.buffer_with(&u32s(&[0; 16])));
    launch(&q, &k, &[A::Mem(&bd), A::Bytes(u32s(&[n as u32])), A::Mem(&bh)], &[1024], Some(&[64]));
    assert_eq!(to_u32s(&read_all(&q, &bh)), histogram16(&data));
}

#[test]
fn tiled_matmul_reqd_work_group_size() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "matmul_tiled.cl"), "matmul").unwrap();
    assert_eq!(k.max_work_group_size(), 64);
    let n = 32;
    let (a, b) = (rand_f32s(n * n, 7), rand_f32s(n * n, 8));
    let (ba, bb, bc) = (f32_buf(&env, &a), f32_buf(&env, &b), env.buffer((n * n * 4) as u64));
    let args = [A::Mem(&ba), A::Mem(&bb), A::Mem(&bc), A::Bytes(i32s(&[n as i32]))];
    // A local size other than reqd_work_group_size is refused; NULL picks the required one.
    set_args(&k, &args);
    let bad = NdRange { offset: vec![0, 0], global: vec![n, n], local: Some(vec![4, 4]) };
    assert_eq!(common::code(q.enqueue_nd_range(&k, &bad, &[])), -54, "CL_INVALID_WORK_GROUP_SIZE");
    launch(&q, &k, &args, &[n, n], None);
    // 32-term dot products of values in [-1, 1]; summation order and fma differ.
    assert_close(&read_f32(&q, &bc), &reference::matmul(&a, &b, n), 1e-5);
}

#[test]
fn transpose_2d_local_argument() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "transpose.cl"), "transpose").unwrap();
    let (w, h) = (20usize, 13usize);
    let a = rand_f32s(w * h, 9);
    let (ba, bt) = (f32_buf(&env, &a), env.buffer((w * h * 4) as u64));
    // The kernel bounds-checks a global size padded to whole 8x8 tiles (a work-item writes
    // another item's element, so remainder work-groups would leave holes, as in OpenCL).
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bt), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32])), A::Local(8 * 9 * 4)], &[24, 16], Some(&[8, 8]));
    // A copy: exact.
    assert_eq!(read_f32(&q, &bt), reference::transpose(&a, w, h));
}

#[test]
fn struct_by_value_argument() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "struct_params.cl"), "apply").unwrap();
    let bias = [0.5, 1.0, 1.5, 2.0];
    let data = rand_f32s(8 * 4, 10);
    let bd = f32_buf(&env, &data);
    // A by-value argument of the wrong size is refused.
    assert_eq!(common::code(k.set_arg(0, KernelArg::Bytes(&[0; 16]))), -51, "CL_INVALID_ARG_SIZE");
    launch(&q, &k, &[A::Bytes(params_bytes(2.0, -3, bias, 5)), A::Mem(&bd)], &[8], Some(&[8]));
    // Items 5..8 stay untouched; a multiply-add may be fused: 1e-6.
    assert_close(&read_f32(&q, &bd), &struct_apply(2.0, -3, bias, 5, &data), 1e-6);
}

#[test]
fn swizzles_and_saturating_conversions() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "swizzle_convert.cl"), "swz").unwrap();
    let n = 16;
    let mut v = rand_f32s(n * 4, 11);
    v[0] = 1e9; // saturates
    let (bv, bi, bf) = (f32_buf(&env, &v), env.buffer((n * 16) as u64), env.buffer((n * 8) as u64));
    launch(&q, &k, &[A::Mem(&bv), A::Mem(&bi), A::Mem(&bf)], &[n], Some(&[16]));
    let (wi, wf) = swz(&v);
    // Conversions are exact; the dot product may be fused (1e-5).
    assert_eq!(to_i32s(&read_all(&q, &bi)), wi);
    assert_close(&read_f32(&q, &bf), &wf, 1e-5);
}

#[test]
fn helper_functions_with_pointer_arguments() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "helpers_ptr.cl"), "helpers").unwrap();
    let n = 40;
    let a = rand_f32s(n, 12);
    let (ba, bo) = (f32_buf(&env, &a), env.buffer(n as u64 * 4));
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bo), A::Bytes(i32s(&[n as i32]))], &[n], Some(&[8]));
    // Same operations in the same order; 1e-5 for a contracted add.
    assert_close(&read_f32(&q, &bo), &helpers(&a), 1e-5);
}

#[test]
fn non_uniform_ndrange_padding_items_do_not_write() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "nonuniform.cl"), "fill_index").unwrap();
    let out = env.buffer_with(&i32s(&[-1; 128]));
    launch(&q, &k, &[A::Mem(&out)], &[100], Some(&[32]));
    assert_eq!(to_i32s(&read_all(&q, &out)), fill_index(100, 128));
}

#[test]
fn mandelbrot_2d() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "mandelbrot.cl"), "mandelbrot").unwrap();
    let (w, h, max) = (32usize, 24usize, 64);
    let out = env.buffer((w * h * 4) as u64);
    launch(&q, &k, &[A::Mem(&out), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32])), A::Bytes(i32s(&[max]))], &[w, h], Some(&[8, 8]));
    let got = to_u32s(&read_all(&q, &out));
    let mismatches = got.iter().zip(reference::mandelbrot(w, h, max)).filter(|(g, w)| **g != *w).count();
    // Escape counts are chaotic near the set's boundary: a contracted multiply-add may change
    // a few points; 2% of the pixels may differ.
    assert!(mismatches <= w * h / 50, "{mismatches} pixels differ");
}

/// Two-level scan on an out-of-order queue, ordered only by event wait lists; the group
/// totals never leave the device.
#[test]
fn prefix_scan_three_enqueues_ordered_by_events() {
    let env = env();
    let q = env.queue_with(true, false);
    let p = build(&env, "prefix_scan.cl");
    let scan = Kernel::new(&p, "scan_groups").unwrap();
    let scan2 = Kernel::new(&p, "scan_groups").unwrap();
    let add = Kernel::new(&p, "add_offsets").unwrap();
    let (n, ls) = (1000usize, 64usize);
    let groups = n.div_ceil(ls);
    let input = rand_u32s(n, 31, 1000);
    let bin = env.buffer_with(&u32s(&input));
    let (bout, bsums, bscanned, btotal) = (env.buffer(n as u64 * 4), env.buffer(groups as u64 * 4), env.buffer(groups as u64 * 4), env.buffer(4));
    set_args(&scan, &[A::Mem(&bin), A::Mem(&bout), A::Mem(&bsums), A::Local(ls as u64 * 4), A::Bytes(u32s(&[n as u32]))]);
    set_args(&scan2, &[A::Mem(&bsums), A::Mem(&bscanned), A::Mem(&btotal), A::Local(ls as u64 * 4), A::Bytes(u32s(&[groups as u32]))]);
    set_args(&add, &[A::Mem(&bout), A::Mem(&bscanned), A::Bytes(u32s(&[n as u32]))]);
    let r = |g: usize| NdRange { offset: vec![0], global: vec![g], local: Some(vec![ls]) };
    let e1 = q.enqueue_nd_range(&scan, &r(groups * ls), &[]).unwrap();
    let e2 = q.enqueue_nd_range(&scan2, &r(ls), &[e1.clone()]).unwrap();
    let e3 = q.enqueue_nd_range(&add, &r(groups * ls), &[e2.clone()]).unwrap();
    let mut got = vec![0u8; n * 4];
    q.read_buffer_into(&bout, 0, &mut got, &[e3.clone()]).unwrap();
    let mut total = [0u8; 4];
    q.read_buffer_into(&btotal, 0, &mut total, &[e2]).unwrap();
    // Integer sums: exact.
    assert_eq!(to_u32s(&got), exclusive_scan(&input));
    assert_eq!(u32::from_le_bytes(total), input.iter().sum::<u32>());
    assert_eq!(e3.status(), COMPLETE);
}

/// 36 + 36 enqueues of one kernel whose by-value arguments change between enqueues; each
/// command must see the arguments set when it was enqueued.
#[test]
fn bitonic_sort_many_enqueues_with_scalar_arguments() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "bitonic_sort.cl"), "bitonic_step").unwrap();
    let n = 256usize;
    let input: Vec<i32> = rand_u32s(n, 41, 2000).iter().map(|x| *x as i32 - 1000).collect();
    for ascending in [1u32, 0] {
        let data = env.buffer_with(&i32s(&input));
        k.set_arg(0, KernelArg::Mem(Some(&data))).unwrap();
        k.set_arg(3, KernelArg::Bytes(&ascending.to_le_bytes())).unwrap();
        for (stage, pass) in bitonic_passes(n) {
            k.set_arg(1, KernelArg::Bytes(&stage.to_le_bytes())).unwrap();
            k.set_arg(2, KernelArg::Bytes(&pass.to_le_bytes())).unwrap();
            q.enqueue_nd_range(&k, &NdRange::d1(n / 2).with_local(&[32]), &[]).unwrap();
        }
        assert_eq!(to_i32s(&read_all(&q, &data)), sorted(&input, ascending == 1), "ascending = {ascending}");
    }
}

#[test]
fn nbody_float4_with_local_tiles() {
    let env = env();
    let q = env.queue();
    let k = Kernel::new(&build(&env, "nbody.cl"), "nbody_step").unwrap();
    let (n, ls) = (100usize, 32usize);
    let (pos, vel) = nbody_input(n);
    let (dt, eps2) = (0.01f32, 0.01f32);
    let (bp, bv, bnp) = (f32_buf(&env, &pos), f32_buf(&env, &vel), env.buffer((n * 16) as u64));
    // Global 100 (not a multiple of 32): the kernel has barriers, so padding items run them.
    launch(
        &q,
        &k,
        &[A::Mem(&bp), A::Mem(&bv), A::Mem(&bnp), A::Local(ls as u64 * 16), A::Bytes(i32s(&[n as i32])), A::Bytes(f32s(&[dt])), A::Bytes(f32s(&[eps2]))],
        &[n],
        Some(&[ls]),
    );
    let (got_v, got_p) = (read_f32(&q, &bv), read_f32(&q, &bnp));
    let (wv, wp, scale) = nbody_step(&pos, &vel, dt, eps2);
    for i in 0..n {
        // Each of the n terms carries a few ulps of rsqrt/product error: 1e-5 of the sum of
        // the terms' magnitudes (times dt), plus 1e-6 absolute.
        let tol = 1e-5 * scale[i] as f32 + 1e-6;
        for c in 0..3 {
            let j = i * 4 + c;
            assert!((got_v[j] - wv[j]).abs() <= tol, "vel {i}.{c}: {} vs {} (tol {tol})", got_v[j], wv[j]);
            assert!((got_p[j] - wp[j]).abs() <= tol * dt + 1e-6, "pos {i}.{c}: {} vs {}", got_p[j], wp[j]);
        }
        assert_eq!(got_v[i * 4 + 3], vel[i * 4 + 3]);
        assert_eq!(got_p[i * 4 + 3], pos[i * 4 + 3]);
    }
}

#[test]
fn convolution_constant_filter_and_jacobi_stencil() {
    let env = env();
    let q = env.queue();
    let p = build(&env, "convolution.cl");
    let (conv, jac) = (Kernel::new(&p, "convolve2d").unwrap(), Kernel::new(&p, "jacobi5").unwrap());
    let (w, h) = (37usize, 21usize);
    let img = rand_f32s(w * h, 51);
    let filt = conv_filter();
    let (bi, bf, bo, bj) = (f32_buf(&env, &img), f32_buf(&env, &filt), env.buffer((w * h * 4) as u64), env.buffer((w * h * 4) as u64));
    launch(&q, &conv, &[A::Mem(&bi), A::Mem(&bo), A::Mem(&bf), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32]))], &[w, h], Some(&[8, 8]));
    launch(&q, &jac, &[A::Mem(&bi), A::Mem(&bj), A::Bytes(i32s(&[w as i32])), A::Bytes(i32s(&[h as i32]))], &[w, h], None);
    // 25 products of |x| <= 1 with weights summing to 1, possibly fused: 1e-5.
    assert_close(&read_f32(&q, &bo), &convolve2d(&img, &filt, w, h), 1e-5);
    // Same adds in the same order, times 0.25 (exact): 1e-6.
    assert_close(&read_f32(&q, &bj), &jacobi5(&img, w, h), 1e-6);
}

#[test]
fn unions_pun_members_of_different_layouts() {
    let env = env();
    let q = env.queue();
    // Not in the shared corpus (which other front ends' tests enumerate): kernels/tests/programs.
    let p = build_in(&env, "programs", "union_pun.cl");
    let k = Kernel::new(&p, "pun").unwrap();
    let n = 16usize;
    let x: Vec<f32> = rand_f32s(n, 50).iter().map(|v| v * 100.0).collect();
    let words: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(0x0101_0101) ^ 0x8000_0000).collect();
    let (bx, bo, bw) = (f32_buf(&env, &x), env.buffer_with(&u32s(&vec![0; n * 12])), env.buffer_with(&u32s(&words)));
    launch(&q, &k, &[A::Mem(&bx), A::Bytes(u32s(&[0x1122_3344])), A::Mem(&bo), A::Mem(&bw)], &[n], Some(&[8]));
    // Reinterpretations: bit-exact.
    assert_eq!(to_u32s(&read_all(&q, &bo)), union_pun(&x, 0x1122_3344, &words));
}

/// The float atomic-add idiom (compare-and-swap through a `uint*` cast) in `__global` and
/// `__local` memory and an OpenCL 2.0 `atomic_int`, in a non-uniform NDRange: the padding
/// work-items of the remainder work-group run the barriers but change nothing.
#[test]
fn float_atomics_through_pointer_casts() {
    let env = env();
    let q = env.queue();
    let p = build_in(&env, "programs", "float_atomics.cl");
    let k = Kernel::new(&p, "weighted_hist").unwrap();
    let n = 1000usize;
    let bin = rand_u32s(n, 60, 1 << 20);
    // Multiples of 1/4 below 2^8: every partial sum is exact, in any order.
    let w: Vec<f32> = (0..n).map(|i| ((i * 29) % 41) as f32 * 0.25 - 5.0).collect();
    let (bb, bw, bh, bc) = (env.buffer_with(&u32s(&bin)), f32_buf(&env, &w), f32_buf(&env, &[0.0; 16]), env.buffer_with(&i32s(&[0])));
    launch(&q, &k, &[A::Mem(&bb), A::Mem(&bw), A::Bytes(u32s(&[n as u32])), A::Mem(&bh), A::Mem(&bc)], &[n], Some(&[64]));
    let mut want = vec![0f32; 16];
    for (b, x) in bin.iter().zip(&w) {
        want[(b & 15) as usize] += x;
    }
    assert_eq!(read_f32(&q, &bh), want);
    assert_eq!(to_i32s(&read_all(&q, &bc)), [n as i32]);
}

/// 64-bit members of a union (Random123's philox2x64 counters are `ulong`s) are two words,
/// low word first, as on every little-endian OpenCL device.
#[test]
fn unions_with_64_bit_members() {
    let env = env();
    if !env.device.info().i64 {
        eprintln!("skipped: this device has no 64-bit integers");
        return;
    }
    let src = r#"
typedef union { ulong l; uint u[2]; long s; uchar b[8]; } w64;
typedef struct { ulong v[2]; } ctr2x64;
__kernel void pun64(__global const ulong *x, __global ulong *o)
{
    int i = get_global_id(0);
    w64 w;
    w.l = x[i];
    o[i * 5 + 0] = w.u[0];
    o[i * 5 + 1] = w.u[1];
    w.u[1] = 0x80000000u;
    o[i * 5 + 2] = w.l;
    w.b[i % 8] = 0xff;
    o[i * 5 + 3] = (ulong)w.s;
    union { ctr2x64 c; uint4 v; } u;
    u.c.v[0] = x[i];
    u.c.v[1] = ~x[i];
    o[i * 5 + 4] = ((ulong)u.v.w << 32) | u.v.x;
}
"#;
    let p = build_text(&env, "inline source", src);
    let k = Kernel::new(&p, "pun64").unwrap();
    let q = env.queue();
    let n = 16usize;
    let x: Vec<u64> = (0..n as u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x0123_4567_89ab_cdef).collect();
    let bytes = |v: &[u64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (bx, bo) = (env.buffer_with(&bytes(&x)), env.buffer(n as u64 * 40));
    launch(&q, &k, &[A::Mem(&bx), A::Mem(&bo)], &[n], Some(&[8]));
    let got: Vec<u64> = read_all(&q, &bo).chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
    let mut want = Vec::new();
    for (i, &v) in x.iter().enumerate() {
        let hi_set = (v & 0xffff_ffff) | 0x8000_0000_0000_0000;
        let mut b = hi_set.to_le_bytes();
        b[i % 8] = 0xff;
        want.extend([v & 0xffff_ffff, v >> 32, hi_set, u64::from_le_bytes(b), ((!v >> 32) << 32) | (v & 0xffff_ffff)]);
    }
    assert_eq!(got, want);
}

/// Every corpus program builds through the runtime and lists the kernels the test above use.
#[test]
fn every_corpus_program_builds_through_the_runtime() {
    let env = env();
    let dir = format!("{}/../kernels/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    let mut kernels = Vec::new();
    for f in &names {
        let p = build(&env, f);
        kernels.extend(p.kernel_names().unwrap());
        assert!(!p.binary().is_empty(), "{f}: CL_PROGRAM_BINARIES is empty");
    }
    kernels.sort();
    assert_eq!(
        kernels,
        [
            "add_offsets", "apply", "bitonic_step", "convolve2d", "dot_reduce", "fill_index", "helpers", "histogram", "jacobi5", "mandelbrot",
            "matmul", "nbody_step", "saxpy", "scan_groups", "swz", "transpose", "vector_add"
        ]
    );
    assert_eq!(names.len(), 15, "corpus programs: {names:?}");
}

/// `Program::compile` with headers (`clCompileProgram`'s input headers): `#include` finds
/// them, and so does a link of the compiled program; without them the build fails at the
/// include with its position.
#[test]
fn compile_with_headers_then_link() {
    let env = env();
    let q = env.queue();
    let src = "#include \"ops/scale.h\"\n__kernel void k(__global float* a) { size_t i = get_global_id(0); a[i] = SCALE(a[i]); }";
    let headers = vec![("ops/scale.h".to_string(), "#define FACTOR 3.0f\n#define SCALE(x) ((x) * FACTOR)".to_string())];
    let p = Program::with_source(&env.ctx, src).unwrap();
    assert!(p.build("", None).is_err());
    assert_eq!(p.build_log(), "program.cl:1:2: error: header `ops/scale.h` not found (headers come from clCompileProgram's input_headers and -I)");
    p.compile("", &headers, None).unwrap_or_else(|e| panic!("{e}: {}", p.build_log()));
    let linked = Program::link(&env.ctx, &[p.clone()], "").unwrap();
    for prog in [&p, &linked] {
        let k = Kernel::new(prog, "k").unwrap();
        let buf = f32_buf(&env, &[1.0, -2.0, 0.5, 4.0]);
        launch(&q, &k, &[A::Mem(&buf)], &[4], None);
        // Multiplications by 3 of small exact values: exact.
        assert_eq!(read_f32(&q, &buf), [3.0, -6.0, 1.5, 12.0]);
    }
}

/// Through the runtime, in a non-uniform NDRange (its remainder group dispatched apart):
/// `async_work_group_copy` into `__local`, `shuffle`, `as_uchar8`, a `uchar8` buffer and
/// `vload_half`/`vstore_half` on a `__local half*` argument (sized in words).
#[test]
fn async_copy_shuffle_uchar8_and_local_halves_non_uniform() {
    let env = env();
    let q = env.queue();
    let src = "__kernel void front2(__global const uint4 *a, __global uchar8 *b, __global float *f, __local half *h, __local uint4 *tile) {
        int i = get_global_id(0), l = get_local_id(0), ls = get_local_size(0);
        event_t e = async_work_group_copy(tile, a + get_group_id(0) * get_enqueued_local_size(0), (size_t)ls, 0);
        wait_group_events(1, &e);
        uint4 v = shuffle(tile[ls - 1 - l], (uint4)(3, 2, 1, 0));
        b[i] = as_uchar8(v.xy);
        vstore_half((float)(i * 3), l, h);
        barrier(CLK_LOCAL_MEM_FENCE);
        f[i] = vload_half(ls - 1 - l, h);
    }";
    let p = build_text(&env, "inline source", src);
    let k = Kernel::new(&p, "front2").unwrap();
    let (n, ls) = (10usize, 4usize);
    let a: Vec<u32> = (0..n as u32 * 4).map(|v| v.wrapping_mul(0x9e37_79b9)).collect();
    let ba = env.buffer_with(&u32s(&a));
    let bb = env.buffer((n * 8) as u64);
    let bf = env.buffer((n * 4) as u64);
    launch(&q, &k, &[A::Mem(&ba), A::Mem(&bb), A::Mem(&bf), A::Local((ls * 2) as u64), A::Local((ls * 16) as u64)], &[n], Some(&[ls]));
    let (b, f) = (read_all(&q, &bb), read_f32(&q, &bf));
    for i in 0..n {
        let (g, l) = (i / ls, i % ls);
        let real = ls.min(n - g * ls);
        let j = g * ls + real - 1 - l;
        let want: Vec<u8> = [a[j * 4 + 3], a[j * 4 + 2]].iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(&b[i * 8..i * 8 + 8], &want[..], "uchar8 {i}");
        // Small integers are exact halves.
        assert_eq!(f[i], (j * 3) as f32, "__local half {i}");
    }
}

/// 64-bit atomics (cl_khr_int64_base_atomics / _extended_atomics) through the runtime: where
/// the device reports them (`DeviceInfo::i64_atomics`: lavapipe and NVIDIA's Vulkan driver
/// do) the extension macros are defined and sums of 2^33-scale values come out exact; where
/// it does not, the build fails saying so.
#[test]
fn int64_atomics_where_the_device_has_them() {
    let env = env();
    let src = r#"
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable
__kernel void sum64(__global const long *v, __global long *s)
{
    long x = v[get_global_id(0)];
    atom_add(&s[0], x);
    atom_max(&s[1], x);
    atom_xor(&s[2], x);
    long seen = s[3], c;
    while ((c = atom_cmpxchg(&s[3], seen, seen - x)) != seen) seen = c;
}
#if defined(cl_khr_int64_base_atomics) && defined(cl_khr_int64_extended_atomics)
__kernel void macros_defined(__global long *s) { s[0] = 1; }
#endif
"#;
    let p = Program::with_source(&env.ctx, src).unwrap();
    let built = p.build("", None);
    if !env.device.info().i64_atomics {
        assert!(built.is_err(), "a device without 64-bit atomics must refuse atom_add on long");
        assert!(p.build_log().contains("`atom_add` on `long`: 64-bit atomics need cl_khr_int64_base_atomics, which this device lacks"), "{}", p.build_log());
        return;
    }
    if let Err(e) = built {
        panic!("build failed ({e}):\n{}", p.build_log());
    }
    Kernel::new(&p, "macros_defined").expect("the extension macros are defined");
    let k = Kernel::new(&p, "sum64").unwrap();
    let q = env.queue();
    let n = 1000usize;
    let v: Vec<i64> = (0..n as i64).map(|k| ((k * 7919) % 2001 - 900) * (1 << 33) + k).collect();
    let s0 = [1i64 << 40, i64::MIN, 0x5555_5555_5555_5555, 0];
    let bytes = |v: &[i64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (bv, bs) = (env.buffer_with(&bytes(&v)), env.buffer_with(&bytes(&s0)));
    launch(&q, &k, &[A::Mem(&bv), A::Mem(&bs)], &[n], Some(&[64]));
    let got: Vec<i64> = read_all(&q, &bs).chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
    let sum: i64 = v.iter().sum();
    assert!(sum.unsigned_abs() > 1 << 40, "the sum needs more than 32 bits: {sum}");
    let xor = v.iter().fold(s0[2], |a, x| a ^ x);
    assert_eq!(got, [s0[0] + sum, *v.iter().max().unwrap(), xor, -sum]);
}

/// The CTS buffers suite's kernels: a constant stored to `char`/`uchar`/`short`/`ushort`
/// vectors of every width. A vector bound with `let` to a constant expression broke after
/// wgpu's override pass (char8: ExpressionAlreadyInScope; ushort4: naga's SPIR-V writer
/// panicked), so the enqueue failed.
#[test]
fn constant_stored_to_sub_word_vectors() {
    let env = env();
    let q = env.queue();
    let n = 67;
    for (ty, size, val) in [("char", 1usize, 0x77u64), ("uchar", 1, 0x80), ("short", 2, 0xfedc), ("ushort", 2, 0x101), ("int", 4, 0x1234_5678)] {
        for w in [1usize, 2, 3, 4, 8, 16] {
            let vt = if w == 1 { ty.to_string() } else { format!("{ty}{w}") };
            let src = format!("__kernel void k(__global {vt} *dst, __global {vt} *dst2) {{\n int tid = get_global_id(0);\n dst[tid] = ({ty}){val:#x};\n {vt} v = ({ty})0;\n v += ({ty}){val:#x};\n dst2[tid] = v;\n}}\n");
            let k = Kernel::new(&build_text(&env, &vt, &src), "k").unwrap();
            let stride = size * if w == 3 { 4 } else { w };
            let (a, b) = (env.buffer_with(&vec![0u8; n * stride]), env.buffer_with(&vec![0u8; n * stride]));
            launch(&q, &k, &[A::Mem(&a), A::Mem(&b)], &[n], None);
            let elem: Vec<u8> = (0..if w == 3 { 4 } else { w })
                .flat_map(|c| if c < w { val.to_le_bytes()[..size].to_vec() } else { vec![0; size] })
                .collect();
            for (name, m) in [("dst", &a), ("dst2", &b)] {
                let got = read_all(&q, m);
                for i in 0..n {
                    let e = &got[i * stride..(i + 1) * stride];
                    // A 3-component store leaves the 4th component's bytes unspecified.
                    assert_eq!(&e[..w * size], &elem[..w * size], "{vt} {name}[{i}]");
                }
            }
        }
    }
}

/// `__attribute__((...))` after a kernel parameter (CTS api min_max_constant_buffer_size
/// uses `max_constant_size`): accepted and without effect.
#[test]
fn attributes_after_kernel_parameters() {
    let env = env();
    let q = env.queue();
    let src = "__kernel void k(__constant int *c __attribute__((max_constant_size(1024))), __global int *o __attribute__((aligned(16))), int n __attribute__((unused))) {\n o[get_global_id(0)] = c[get_global_id(0)] * n;\n}\n";
    let k = Kernel::new(&build_text(&env, "attrs", src), "k").unwrap();
    let (c, o) = (env.buffer_with(&u32s(&[1, 2, 3, 4])), env.buffer_with(&u32s(&[0; 4])));
    launch(&q, &k, &[A::Mem(&c), A::Mem(&o), A::Bytes(u32s(&[3]))], &[4], None);
    assert_eq!(to_u32s(&read_all(&q, &o)), vec![3, 6, 9, 12]);
}
