//! The launch path with sizes and geometries real libraries use: a work-efficient prefix scan
//! over several launches (per-block scans in `__local` memory with recursively scanned block
//! sums, and the single-buffer Blelloch up-sweep/down-sweep with `stride` arguments), a
//! matrix-vector product with long rows, each against a CPU reference, exact.
//!
//! llvmpipe (lavapipe) leaves a loop after 65,535 loop-header executions per invocation,
//! over all the invocation's loops, silently. The runtime's loop over virtual work-groups
//! must not multiply a kernel's iterations there: this file runs with few work-items in
//! flight (`WGCL_INVOCATIONS_IN_FLIGHT=64`, set before the first launch), where every
//! invocation would otherwise loop over hundreds of work-groups.
mod common;
use common::*;
use std::sync::Arc;
use wgcl::*;

/// The environment, with `WGCL_INVOCATIONS_IN_FLIGHT=64` set before any launch (the runtime
/// reads it once per process; every test here calls this first).
fn env() -> Env {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("WGCL_INVOCATIONS_IN_FLIGHT", "64"));
    common::env()
}

fn is_llvmpipe(env: &Env) -> bool {
    env.device.info().name.to_lowercase().contains("llvmpipe")
}

fn build_cl(env: &Env, src: &str) -> Arc<Program> {
    let p = Program::with_source(&env.ctx, src).unwrap();
    if let Err(e) = p.build("", None) {
        panic!("build failed ({e}):\n{}", p.build_log());
    }
    p
}

fn run(q: &Arc<CommandQueue>, k: &Arc<Kernel>, global: usize, local: Option<usize>) {
    let range = NdRange { offset: vec![0], global: vec![global], local: local.map(|l| vec![l]) };
    q.enqueue_nd_range(k, &range, &[]).unwrap_or_else(|e| panic!("enqueue {}: {e}", k.name()));
}

fn int_arg(k: &Kernel, i: usize, v: i32) {
    k.set_arg(i, KernelArg::Bytes(&v.to_ne_bytes())).unwrap();
}

fn mem_arg(k: &Kernel, i: usize, m: &Arc<MemObject>) {
    k.set_arg(i, KernelArg::Mem(Some(m))).unwrap();
}

fn first_mismatch<T: PartialEq + std::fmt::Debug>(got: &[T], want: &[T]) -> Option<String> {
    assert_eq!(got.len(), want.len());
    let i = got.iter().zip(want).position(|(a, b)| a != b)?;
    let bad = got.iter().zip(want).filter(|(a, b)| a != b).count();
    Some(format!("first mismatch at {i} of {}: got {:?}, want {:?} ({bad} wrong)", got.len(), got[i], want[i]))
}

const BLOCK_SCAN: &str = r#"
#define ITEMS 4
// Each work-item scans `items` (at most ITEMS; an argument, so no loop is unrolled) consecutive elements, the work-group's totals are scanned in
// __local memory; the last work-item writes the block's sum.
__kernel void scan_block(__global const TYPE* in, __global TYPE* out, __global TYPE* sums, __local TYPE* tmp, int n, int items) {
    int lid = get_local_id(0);
    int ls = get_local_size(0);
    int base = get_global_id(0) * items;
    TYPE v[ITEMS];
    TYPE run = 0;
    for (int i = 0; i < items; i++) {
        run += base + i < n ? in[base + i] : 0;
        v[i] = run;
    }
    tmp[lid] = run;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = 1; off < ls; off <<= 1) {
        TYPE t = lid >= off ? tmp[lid - off] : 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        tmp[lid] += t;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    TYPE before = tmp[lid] - run;
    for (int i = 0; i < items; i++)
        if (base + i < n) out[base + i] = v[i] + before;
    if (lid == ls - 1) sums[get_group_id(0)] = tmp[lid];
}
// Adds the scanned sums of the blocks before to each block (ITEMS elements per work-item).
__kernel void add_sums(__global TYPE* out, __global const TYPE* sums, int n, int items) {
    int g = get_group_id(0);
    int base = get_global_id(0) * items;
    if (g > 0)
        for (int i = 0; i < items; i++)
            if (base + i < n) out[base + i] += sums[g - 1];
}
"#;

/// Inclusive scan of `input` by per-block scans of `LS` x 4 items, the block sums scanned
/// the same way (recursively), then added back.
fn block_scan<T: bytemuck::Pod>(env: &Env, q: &Arc<CommandQueue>, p: &Arc<Program>, input: &Arc<MemObject>, n: usize) -> Arc<MemObject> {
    const LS: usize = 64;
    const ITEMS: usize = 4;
    let size = std::mem::size_of::<T>();
    let out = env.buffer((n * size) as u64);
    let groups = n.div_ceil(LS * ITEMS);
    let sums = env.buffer((groups.max(1) * size) as u64);
    let k = Kernel::new(p, "scan_block").unwrap();
    mem_arg(&k, 0, input);
    mem_arg(&k, 1, &out);
    mem_arg(&k, 2, &sums);
    k.set_arg(3, KernelArg::Local((LS * size) as u64)).unwrap();
    int_arg(&k, 4, n as i32);
    int_arg(&k, 5, ITEMS as i32);
    run(q, &k, groups * LS, Some(LS));
    if groups > 1 {
        let scanned = block_scan::<T>(env, q, p, &sums, groups);
        let a = Kernel::new(p, "add_sums").unwrap();
        mem_arg(&a, 0, &out);
        mem_arg(&a, 1, &scanned);
        int_arg(&a, 2, n as i32);
        int_arg(&a, 3, ITEMS as i32);
        run(q, &a, groups * LS, Some(LS));
        q.finish().unwrap();
    }
    out
}

#[test]
fn block_scan_4m_ints_and_2m_longs() {
    let env = env();
    let q = env.queue();
    let n = 1 << 22;
    let p = build_cl(&env, &BLOCK_SCAN.replace("TYPE", "int"));
    let input: Vec<i32> = (0..n).map(|i| (i as i32 * 7) % 13 - 5).collect();
    let want: Vec<i32> = input.iter().scan(0i32, |s, v| { *s = s.wrapping_add(*v); Some(*s) }).collect();
    let inb = env.buffer_with(bytemuck::cast_slice(&input));
    let out = block_scan::<i32>(&env, &q, &p, &inb, n);
    let got: Vec<i32> = bytemuck::cast_slice(&read_all(&q, &out)).to_vec();
    if let Some(m) = first_mismatch(&got, &want) {
        panic!("int block scan: {m}");
    }

    let n = 1 << 21;
    let p = build_cl(&env, &BLOCK_SCAN.replace("TYPE", "long"));
    let input: Vec<i64> = (0..n).map(|i| (i as i64 * 7) % 13 - 5 + ((i as i64 % 3) << 33)).collect();
    let want: Vec<i64> = input.iter().scan(0i64, |s, v| { *s = s.wrapping_add(*v); Some(*s) }).collect();
    let inb = env.buffer_with(bytemuck::cast_slice(&input));
    let out = block_scan::<i64>(&env, &q, &p, &inb, n);
    let got: Vec<i64> = bytemuck::cast_slice(&read_all(&q, &out)).to_vec();
    if let Some(m) = first_mismatch(&got, &want) {
        panic!("long block scan: {m}");
    }
}

const BLELLOCH: &str = r#"
__kernel void upsweep(__global TYPE* a, int stride) {
    size_t i = get_global_id(0);
    size_t idx = (i + 1) * 2 * stride - 1;
    a[idx] += a[idx - stride];
}
__kernel void downsweep(__global TYPE* a, int stride) {
    size_t i = get_global_id(0);
    size_t idx = (i + 1) * 2 * stride - 1;
    TYPE t = a[idx - stride];
    a[idx - stride] = a[idx];
    a[idx] += t;
}
"#;

/// Exclusive scan in place: up-sweep with strides 1, 2, 4... (n / 2stride work-items), the
/// last element cleared, then the down-sweep back down.
fn blelloch<T: bytemuck::Pod>(env: &Env, q: &Arc<CommandQueue>, p: &Arc<Program>, a: &Arc<MemObject>, n: usize, local: Option<usize>) {
    let _ = env;
    let size = std::mem::size_of::<T>();
    let up = Kernel::new(p, "upsweep").unwrap();
    let down = Kernel::new(p, "downsweep").unwrap();
    mem_arg(&up, 0, a);
    mem_arg(&down, 0, a);
    let mut stride = 1;
    while stride < n {
        int_arg(&up, 1, stride as i32);
        let g = n / (2 * stride);
        run(q, &up, g, local.map(|l| l.min(g)));
        stride *= 2;
    }
    q.enqueue_fill_buffer(a, &vec![0u8; size], ((n - 1) * size) as u64, size as u64, &[]).unwrap();
    stride = n / 2;
    while stride >= 1 {
        int_arg(&down, 1, stride as i32);
        let g = n / (2 * stride);
        run(q, &down, g, local.map(|l| l.min(g)));
        stride /= 2;
    }
    q.finish().unwrap();
}

#[test]
fn blelloch_scan_4m_ints_and_2m_longs() {
    let env = env();
    let q = env.queue();
    for local in [None, Some(64)] {
        let n = 1 << 22;
        let p = build_cl(&env, &BLELLOCH.replace("TYPE", "int"));
        let input: Vec<i32> = (0..n).map(|i| (i as i32 * 7) % 13 - 5).collect();
        let want: Vec<i32> = input.iter().scan(0i32, |s, v| { let r = *s; *s = s.wrapping_add(*v); Some(r) }).collect();
        let a = env.buffer_with(bytemuck::cast_slice(&input));
        blelloch::<i32>(&env, &q, &p, &a, n, local);
        let got: Vec<i32> = bytemuck::cast_slice(&read_all(&q, &a)).to_vec();
        if let Some(m) = first_mismatch(&got, &want) {
            panic!("int Blelloch scan (local {local:?}): {m}");
        }

        let n = 1 << 21;
        let p = build_cl(&env, &BLELLOCH.replace("TYPE", "long"));
        let input: Vec<i64> = (0..n).map(|i| (i as i64 * 7) % 13 - 5 + ((i as i64 % 3) << 33)).collect();
        let want: Vec<i64> = input.iter().scan(0i64, |s, v| { let r = *s; *s = s.wrapping_add(*v); Some(r) }).collect();
        let a = env.buffer_with(bytemuck::cast_slice(&input));
        blelloch::<i64>(&env, &q, &p, &a, n, local);
        let got: Vec<i64> = bytemuck::cast_slice(&read_all(&q, &a)).to_vec();
        if let Some(m) = first_mismatch(&got, &want) {
            panic!("long Blelloch scan (local {local:?}): {m}");
        }
    }
}


#[test]
fn loop_limit_of_the_driver() {
    // What the runtime works around: on llvmpipe a kernel's loops stop, without an error,
    // after 65,535 loop-header executions per invocation. Elsewhere they run to the end.
    let env = env();
    let q = env.queue();
    let p = build_cl(&env, r#"
__kernel void count(__global int* out, int n) {
    int c = 0;
    for (int i = 0; i < n; i++) c += 1;
    out[get_global_id(0)] = c;
}
"#);
    let out = env.buffer(4 * 64);
    let k = Kernel::new(&p, "count").unwrap();
    mem_arg(&k, 0, &out);
    for n in [65_535, 100_000] {
        int_arg(&k, 1, n);
        run(&q, &k, 64, None);
        let got: Vec<i32> = bytemuck::cast_slice(&read_all(&q, &out)).to_vec();
        let want = if is_llvmpipe(&env) { n.min(65_535) } else { n };
        assert_eq!(got, vec![want; 64], "n = {n}");
    }
}

#[test]
fn matrix_vector_product_with_long_rows() {
    // One work-item per row, each looping over 2,048 columns; 4,096 rows in groups of 64 are
    // 64 work-groups, one in flight with this file's budget: 64 groups per invocation would
    // be 64 x 2,049 loop iterations, which llvmpipe cut short (rows past the cut stayed 0).
    let env = env();
    let q = env.queue();
    let p = build_cl(&env, r#"
__kernel void matvec(__global const int* a, __global const int* x, __global int* y, int cols) {
    int row = get_global_id(0);
    int s = 0;
    for (int j = 0; j < cols; j++) s += a[row * cols + j] * x[j];
    y[row] = s;
}
"#);
    let (rows, cols) = (4096usize, 2048usize);
    let a: Vec<i32> = (0..rows * cols).map(|i| ((i * 2_654_435_761) >> 7) as i32 % 17 - 8).collect();
    let x: Vec<i32> = (0..cols).map(|j| (j as i32 * 5) % 11 - 5).collect();
    let want: Vec<i32> = (0..rows).map(|r| (0..cols).map(|j| a[r * cols + j] * x[j]).sum()).collect();
    let ab = env.buffer_with(bytemuck::cast_slice(&a));
    let xb = env.buffer_with(bytemuck::cast_slice(&x));
    let yb = env.buffer((rows * 4) as u64);
    let k = Kernel::new(&p, "matvec").unwrap();
    mem_arg(&k, 0, &ab);
    mem_arg(&k, 1, &xb);
    mem_arg(&k, 2, &yb);
    int_arg(&k, 3, cols as i32);
    run(&q, &k, rows, Some(64));
    let got: Vec<i32> = bytemuck::cast_slice(&read_all(&q, &yb)).to_vec();
    if let Some(m) = first_mismatch(&got, &want) {
        panic!("matvec: {m}");
    }
}

#[test]
fn compute_units_of_llvmpipe_are_its_threads() {
    let env = env();
    if !is_llvmpipe(&env) {
        return;
    }
    let cpus = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
    let want = std::env::var("LP_NUM_THREADS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(cpus).clamp(1, 32);
    assert_eq!(env.device.info().max_compute_units, want);
}

/// A program with a `__constant int table[n]` (program scope, initialized) read by a kernel.
fn table_src(n: usize) -> String {
    let vals: Vec<String> = (0..n).map(|i| ((i * 7919) % 1000).to_string()).collect();
    format!(
        "__constant int table[{n}] = {{{}}};\n__kernel void look(__global const int* idx, __global int* out) {{\n    int i = get_global_id(0);\n    out[i] = table[idx[i]];\n}}\n",
        vals.join(",")
    )
}

const PLUS_ONE: &str = "__kernel void plus_one(__global int* a) { int i = get_global_id(0); a[i] = a[i] + 1; }";

/// A normal kernel on `env`, exact.
fn plus_one_works(env: &Env) {
    let q = env.queue();
    let p = build_cl(env, PLUS_ONE);
    let k = Kernel::new(&p, "plus_one").unwrap();
    let input: Vec<i32> = (0..1024).collect();
    let a = env.buffer_with(bytemuck::cast_slice(&input));
    mem_arg(&k, 0, &a);
    run(&q, &k, 1024, None);
    let got: Vec<i32> = bytemuck::cast_slice(&read_all(&q, &a)).to_vec();
    assert_eq!(got, (1..1025).collect::<Vec<i32>>());
}

/// Runs `look` of [`table_src`]`(n)` and compares with the table, exact.
fn table_lookup_works(env: &Env, p: &Arc<Program>, n: usize) {
    let q = env.queue();
    let k = Kernel::new(p, "look").unwrap();
    let idx: Vec<i32> = (0..256).map(|i| ((i * 389) % n) as i32).collect();
    let ib = env.buffer_with(bytemuck::cast_slice(&idx));
    let ob = env.buffer(256 * 4);
    mem_arg(&k, 0, &ib);
    mem_arg(&k, 1, &ob);
    run(&q, &k, 256, None);
    let got: Vec<i32> = bytemuck::cast_slice(&read_all(&q, &ob)).to_vec();
    let want: Vec<i32> = idx.iter().map(|&i| ((i as usize * 7919) % 1000) as i32).collect();
    assert_eq!(got, want);
}

#[test]
fn a_400kb_constant_table_is_refused_at_build_and_breaks_nothing() {
    // The table was a private array in the shader; lavapipe failed its pipeline and lost the
    // device, so every later call of the process failed (a new context too).
    let env = env();
    let limit = env.device.info().max_constant_buffer_size;
    assert_eq!(limit, 64 * 1024, "CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE");
    let p = Program::with_source(&env.ctx, &table_src(100_000)).unwrap();
    assert_eq!(code(p.build("", None)), -11, "CL_BUILD_PROGRAM_FAILURE");
    assert!(p.build_log().contains("exceeds CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE"), "{}", p.build_log());
    plus_one_works(&env);
    plus_one_works(&common::env());
    // A small table still builds and runs, exact. (One near the limit builds too, but lavapipe
    // takes minutes to compile its private-array initializer; 1,000 ints already 80 s.)
    let n = 64;
    table_lookup_works(&env, &build_cl(&env, &table_src(n)), n);
    plus_one_works(&env);
}
