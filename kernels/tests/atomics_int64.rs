//! 64-bit atomics (cl_khr_int64_base_atomics / _extended_atomics, OpenCL 2.0 `atomic_long`)
//! on `__global` and `__local` memory, run on the device against a CPU reference with values
//! of 2^33 scale, so any 32-bit truncation shows; and the exact errors on a device without
//! them. Device tests are skipped (with a note) where the adapter lacks
//! `SHADER_INT64_ATOMIC_ALL_OPS`; lavapipe and NVIDIA's Vulkan driver have it.
mod common;
use common::*;
use wgcl_kernels::{BuildOptions, DeviceCaps};

const INT64: &str = r#"
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable
#if !defined(cl_khr_int64_base_atomics) || !defined(cl_khr_int64_extended_atomics)
#error "a device with 64-bit atomics defines both extension macros"
#endif

/* old[0..n): what atom_inc returned; old[n..2n): what atom_xchg returned. */
__kernel void global_ops(__global long *s, __global ulong *u, __global const long *v, __global long *old)
{
    int i = get_global_id(0);
    int n = get_global_size(0);
    long x = v[i];
    atom_add(&s[0], x);
    atom_sub(s + 1, x);
    atom_min(&s[2], x);
    atom_max(&s[3], x);
    old[i] = atom_inc(&s[4]);
    atom_dec(&s[5]);
    atom_and(&u[0], ~(1UL << (i * 3 % 61)));
    atom_or(&u[1], 1UL << (i * 5 % 63));
    atom_xor(&u[2], (ulong)x);
    atom_min(&u[3], (ulong)x);
    atom_max(&u[4], (ulong)x);
    old[n + i] = (long)atom_xchg(&u[5], (ulong)i + (1UL << 40));
    ulong c = u[6], seen;
    while ((seen = atom_cmpxchg(&u[6], c, c + (1UL << 33))) != c) c = seen;
}

/* Per work-group: a `__local long` argument sum, `__local ulong` unsigned max/min, and a
   2-D `__local int` histogram; then summed into global memory. */
__kernel void local_ops(__global long *sums, __global ulong *ext, __global int *hist,
                        __global const long *v, __local long *ls)
{
    __local ulong mx[2];
    __local int h[4][8];
    int l = get_local_id(0);
    int g = get_group_id(0);
    if (l == 0) { ls[0] = 0; mx[0] = 0; mx[1] = ~0UL; }
    if (l < 32) h[l / 8][l % 8] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    long x = v[get_global_id(0)];
    atom_add(ls, x);
    atom_max(&mx[0], (ulong)x);
    atom_min(&mx[1], (ulong)x);
    atomic_inc(&h[(int)((x >> 33) & 3)][(int)(x & 7)]);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l == 0) {
        sums[g] = ls[0];
        atom_add(&sums[get_num_groups(0)], ls[0]);
        atom_max(&ext[0], mx[0]);
        atom_min(&ext[1], mx[1]);
    }
    if (l < 32) atomic_add(&hist[l], h[l / 8][l % 8]);
}

/* OpenCL 2.0 atomic_long / atomic_ulong. prev[0..n): atomic_exchange's old values;
   prev[n..2n): what a failed compare-exchange found (0 for the one that succeeded). */
__kernel void cl2(__global atomic_long *c, __global atomic_ulong *u, __global const long *v, __global long *prev)
{
    int i = get_global_id(0);
    int n = get_global_size(0);
    long x = v[i];
    atomic_fetch_add(&c[0], x);
    atomic_fetch_sub_explicit(&c[1], x, memory_order_relaxed);
    atomic_fetch_min(&c[2], x);
    atomic_fetch_max_explicit(&c[3], x, memory_order_relaxed, memory_scope_device);
    prev[i] = atomic_exchange(&c[4], (long)i << 35);
    long e = 0x100000000L;
    if (atomic_compare_exchange_strong(&c[5], &e, x)) {
        atomic_fetch_add(&c[6], 1L);
        e = 0;
    }
    prev[n + i] = e;
    atomic_fetch_or(&u[0], 1UL << (i % 64));
    atomic_fetch_xor(&u[1], (ulong)x);
    atomic_fetch_and(&u[2], ~((ulong)(i % 16) << 36));
    atomic_store(&u[3], 0x123456789UL);
    ulong seen = atomic_load(&u[4]);
    while (!atomic_compare_exchange_weak(&u[4], &seen, seen + 0x100000001UL)) {}
}
"#;

fn i64s(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn to_i64s(b: &[u8]) -> Vec<i64> {
    b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect()
}

fn u64s(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn to_u64s(b: &[u8]) -> Vec<u64> {
    b.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect()
}

/// Mixed-sign values of 2^33 scale (their low bits vary too).
fn values(n: usize) -> Vec<i64> {
    (0..n as i64).map(|k| ((k * 7919) % 2001 - 1000) * (1 << 33) + k * 3 + 1).collect()
}

/// The program, or `None` (the test is skipped) on a device without 64-bit atomics.
fn program() -> Option<wgcl_kernels::ProgramModule> {
    if !device_caps().i64_atomics {
        eprintln!("skipped: this device has no 64-bit atomics (SHADER_INT64_ATOMIC_ALL_OPS)");
        return None;
    }
    Some(build_with_caps(INT64))
}

#[test]
fn int64_atomics_on_global_memory() {
    let Some(p) = program() else { return };
    let n = 1000usize;
    let v = values(n);
    let s0 = [1i64 << 40, -(1 << 41), i64::MAX, i64::MIN, 0xFFFF_FFF0, 5];
    let u0 = [u64::MAX, 0, 0x0123_4567_89ab_cdef, u64::MAX, 0, 7, 3];
    // 1000 is not a multiple of 64: the last work-group is partial.
    let args = [Arg::Buf(i64s(&s0)), Arg::Buf(u64s(&u0)), Arg::Buf(i64s(&v)), Arg::Buf(i64s(&vec![0; 2 * n]))];
    let out = run(&p, "global_ops", &args, &[n as u32], &[64]);
    let (s, u, old) = (to_i64s(&out[0]), to_u64s(&out[1]), to_i64s(&out[3]));
    let sum: i64 = v.iter().sum();
    assert!(sum.unsigned_abs() > 1 << 40, "the reference sum needs more than 32 bits: {sum}");
    let (min, max) = (*v.iter().min().unwrap(), *v.iter().max().unwrap());
    assert_eq!(s, [s0[0] + sum, s0[1] - sum, min, max, s0[4] + n as i64, s0[5] - n as i64], "signed add/sub/min/max/inc/dec");
    // atom_inc hands out every value from its start once, across 2^32.
    let mut tickets = old[..n].to_vec();
    tickets.sort();
    assert_eq!(tickets, (s0[4]..s0[4] + n as i64).collect::<Vec<_>>(), "atom_inc old values");
    let mut and = u0[0];
    let mut or = u0[1];
    let mut xor = u0[2];
    for (k, x) in v.iter().enumerate() {
        and &= !(1u64 << (k * 3 % 61));
        or |= 1 << (k * 5 % 63);
        xor ^= *x as u64;
    }
    let umin = v.iter().map(|x| *x as u64).min().unwrap();
    let umax = v.iter().map(|x| *x as u64).max().unwrap();
    assert_eq!(&u[..5], &[and, or, xor, umin, umax], "and/or/xor and unsigned min/max");
    // Exchange: the old values and the final one are the start and every new value once.
    let mut seen: Vec<u64> = old[n..].iter().map(|x| *x as u64).chain([u[5]]).collect();
    seen.sort();
    let want: Vec<u64> = [u0[5]].into_iter().chain((0..n as u64).map(|i| i + (1 << 40))).collect();
    assert_eq!(seen, want, "atom_xchg");
    assert_eq!(u[6], u0[6] + n as u64 * (1 << 33), "atom_cmpxchg loop");
}

#[test]
fn int64_atomics_on_local_memory() {
    let Some(p) = program() else { return };
    for n in [1024usize, 1000] {
        let ls = 64;
        let groups = n.div_ceil(ls);
        let v = values(n);
        let args = [
            Arg::Buf(i64s(&vec![7; groups + 1])),
            Arg::Buf(u64s(&[0, u64::MAX])),
            Arg::Buf(vec![0; 32 * 4]),
            Arg::Buf(i64s(&v)),
            Arg::Local(8),
        ];
        let out = run(&p, "local_ops", &args, &[n as u32], &[ls as u32]);
        let sums = to_i64s(&out[0]);
        let want: Vec<i64> = v.chunks(ls).map(|c| c.iter().sum()).collect();
        assert_eq!(&sums[..groups], &want[..], "per-group __local long sums (n = {n})");
        assert_eq!(sums[groups], 7 + v.iter().sum::<i64>(), "global sum of the group sums (n = {n})");
        let umin = v.iter().map(|x| *x as u64).min().unwrap();
        let umax = v.iter().map(|x| *x as u64).max().unwrap();
        assert_eq!(to_u64s(&out[1]), [umax, umin], "__local ulong max/min (n = {n})");
        let mut hist = [0i32; 32];
        for x in &v {
            hist[(((x >> 33) & 3) * 8 + (x & 7)) as usize] += 1;
        }
        assert_eq!(to_i32s(&out[2]), hist, "2-D __local histogram (n = {n})");
    }
}

#[test]
fn opencl_2_atomic_long() {
    let Some(p) = program() else { return };
    assert_eq!(p.kernel("cl2").unwrap().args[0].type_name, "atomic_long*");
    let n = 200usize;
    let v = values(n);
    let c0 = [-(1i64 << 35), 1 << 34, i64::MAX, i64::MIN, -1, 1 << 32, 0];
    let u0 = [1u64 << 63, 0xdead_beef_0000_0001, u64::MAX, 0, 11];
    let args = [Arg::Buf(i64s(&c0)), Arg::Buf(u64s(&u0)), Arg::Buf(i64s(&v)), Arg::Buf(i64s(&vec![9; 2 * n]))];
    // Also from the specialised WGSL text, the way a browser gets it.
    for specialised in [false, true] {
        let out = run_with(&p, "cl2", &args, &[n as u32], &[32], specialised);
        let (c, u, prev) = (to_i64s(&out[0]), to_u64s(&out[1]), to_i64s(&out[3]));
        let sum: i64 = v.iter().sum();
        let (min, max) = (*v.iter().min().unwrap(), *v.iter().max().unwrap());
        assert_eq!(&c[..4], &[c0[0] + sum, c0[1] - sum, min, max], "fetch_add/sub/min/max");
        let mut seen: Vec<i64> = prev[..n].iter().copied().chain([c[4]]).collect();
        seen.sort();
        let mut want: Vec<i64> = (0..n as i64).map(|i| i << 35).chain([c0[4]]).collect();
        want.sort();
        assert_eq!(seen, want, "atomic_exchange");
        // One compare-exchange finds 2^32; every other finds the winner's value.
        assert_eq!(c[6], 1, "one compare_exchange_strong succeeds");
        let winner = (0..n).find(|&k| prev[n + k] == 0).expect("a winner");
        assert_eq!(c[5], v[winner]);
        assert!((0..n).all(|k| k == winner || prev[n + k] == v[winner]), "failed compare-exchanges report the value found");
        let mut or = u0[0];
        let mut xor = u0[1];
        let mut and = u0[2];
        for (k, x) in v.iter().enumerate() {
            or |= 1 << (k % 64);
            xor ^= *x as u64;
            and &= !(((k % 16) as u64) << 36);
        }
        assert_eq!(u, [or, xor, and, 0x1_2345_6789, u0[4] + n as u64 * 0x1_0000_0001], "ulong fetch ops, store, weak CAS loop");
    }
}

fn parse_and_validate(wgsl: &str) -> naga::valid::ModuleInfo {
    let m = naga::front::wgsl::parse_str(wgsl).unwrap_or_else(|e| panic!("{}", e.emit_to_string(wgsl)));
    wgcl_kernels::validate(&m).unwrap_or_else(|e| panic!("{}", e.message))
}

/// naga's WGSL front end takes back the stored text, its specialisation, and what naga's WGSL
/// writer prints for the specialised module. (The writer is not tried on the unspecialised
/// module: naga 30 prints its override-sized `__local` argument array as text its own front
/// end refuses, whatever the element type; see `ProgramModule::to_wgsl`.)
#[test]
fn int64_atomics_wgsl_round_trips() {
    let Some(p) = program() else { return };
    assert_wgsl_round_trip(&p);
    let wgsl = p.to_wgsl().unwrap();
    for t in ["array<atomic<i64>>", "array<atomic<u64>>", "var<workgroup> wgcl_k1_mx: array<atomic<u64>, 2>;", "array<array<atomic<i32>, 8>, 4>"] {
        assert!(wgsl.contains(t), "{t} in\n{wgsl}");
    }
    let text = p.to_wgsl_specialized(&[("wgcl_arg4_len", 1.0)]).unwrap_or_else(|e| panic!("{}", e.log()));
    let module = naga::front::wgsl::parse_str(&text).unwrap_or_else(|e| panic!("{}", e.emit_to_string(&text)));
    let info = parse_and_validate(&text);
    let written = naga::back::wgsl::write_string(&module, &info, naga::back::wgsl::WriterFlags::empty()).unwrap();
    assert!(written.contains("atomic<i64>") && written.contains("atomicCompareExchangeWeak"), "{written}");
    parse_and_validate(&written);
}

fn err(src: &str, caps: DeviceCaps) -> String {
    wgcl_kernels::opencl_c::build(src, &BuildOptions { caps, ..Default::default() }).map(|_| ()).expect_err("build must fail").log()
}

/// A device with 64-bit integers but not 64-bit atomics.
fn no_atomics() -> DeviceCaps {
    DeviceCaps { i64: true, ..Default::default() }
}

#[test]
fn without_int64_atomics_the_errors_are_precise() {
    assert_eq!(
        err("__kernel void k(__global long *a) {\n  atom_add(a, 1);\n}", no_atomics()),
        "program.cl:2:3: error: `atom_add` on `long`: 64-bit atomics need cl_khr_int64_base_atomics, which this device lacks"
    );
    assert_eq!(
        err("__kernel void k(__global atomic_ulong *a) {\n  atomic_fetch_or(a, 1UL);\n}", no_atomics()),
        "program.cl:2:3: error: `atomic_fetch_or` on `ulong`: 64-bit atomics need cl_khr_int64_base_atomics, which this device lacks"
    );
    assert_eq!(
        err("__kernel void k(__global long *a) {\n  __local long h[4];\n  atom_inc(&h[1]);\n}", no_atomics()),
        "program.cl:3:3: error: `atom_inc` on `long`: 64-bit atomics need cl_khr_int64_base_atomics, which this device lacks"
    );
    // The extension macros are defined only where the extensions are.
    let probe = "#ifdef cl_khr_int64_base_atomics\n#error base\n#endif\n#ifdef cl_khr_int64_extended_atomics\n#error extended\n#endif\n__kernel void k(__global long *a) { a[0] = 1; }";
    wgcl_kernels::opencl_c::build(probe, &BuildOptions { caps: no_atomics(), ..Default::default() }).unwrap_or_else(|e| panic!("{}", e.log()));
    let all = DeviceCaps { i64: true, i64_atomics: true, ..Default::default() };
    assert_eq!(err(probe, all.clone()), "program.cl:2:2: error: #error base");
    // `double` atomics stay refused with them.
    assert_eq!(
        err("__kernel void k(__global double *a) {\n  atomic_xchg(a, 1.0);\n}", DeviceCaps { f64: true, ..all }),
        "program.cl:2:3: error: `atomic_xchg` on `double`: atomics are on `int`/`uint` (`long`/`ulong` with cl_khr_int64_base_atomics), and `float` through compare-and-swap"
    );
}
