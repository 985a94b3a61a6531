//! WGSL kernels: NDRange geometry in 1-3 dimensions with global offsets and explicit or
//! NULL local sizes, `__local` arguments, by-value arguments, and the launch errors.
//! OpenCL C kernels: `get_local_size` in the remainder work-groups of non-uniform NDRanges,
//! and one buffer (or sub-buffers of one) bound as a `const` input and an output at once.
mod common;
use common::*;
use std::sync::Arc;
use wgcl::kernels::DispatchInfo;
use wgcl::*;

fn geometry_src() -> String {
    format!(
        "{}
override wgcl_local_size_x: u32 = 1;
override wgcl_local_size_y: u32 = 1;
override wgcl_local_size_z: u32 = 1;
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read_write> lids: array<u32>;
@group(0) @binding(2) var<uniform> dims: vec4<u32>;
@group(0) @binding(3) var<uniform> wgcl_dispatch: WgclDispatch;
@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)
fn geo(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>) {{
    // The enqueued local size (the workgroup size); wgcl_dispatch.local_size is the real one.
    let ls = vec3<u32>(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z);
    let g0 = (wg + wgcl_dispatch.group_offset) * ls + lid;
    if (any(g0 >= wgcl_dispatch.global_size)) {{ return; }}
    let g = g0 + wgcl_dispatch.global_offset;
    let idx = g.x + g.y * dims.x + g.z * dims.x * dims.y;
    out[idx] = g.x + 100u * g.y + 10000u * g.z + 1u + dims.w;
    lids[idx] = lid.x + 16u * lid.y + 256u * lid.z + 1u + 1000000u * wgcl_dispatch.work_dim;
}}
",
        DispatchInfo::WGSL
    )
}

/// Runs the geometry kernel and compares with the CPU model of what each work-item writes.
fn run_geometry(env: &Env, q: &Arc<CommandQueue>, k: &Arc<Kernel>, offset: &[usize], global: &[usize], local: Option<&[usize]>) {
    let d = global.len();
    let mut ext = [1usize; 3];
    let mut off = [0usize; 3];
    let mut gl = [1usize; 3];
    for i in 0..d {
        ext[i] = offset[i] + global[i] + 1; // one untouched cell past the end
        off[i] = offset[i];
        gl[i] = global[i];
    }
    let n = ext.iter().product::<usize>();
    let out = env.buffer((n * 4) as u64);
    let lids = env.buffer((n * 4) as u64);
    let salt = 7u32;
    let dims = [ext[0] as u32, ext[1] as u32, ext[2] as u32, salt];
    k.set_arg(0, KernelArg::Mem(Some(&out))).unwrap();
    k.set_arg(1, KernelArg::Mem(Some(&lids))).unwrap();
    k.set_arg(2, KernelArg::Bytes(bytemuck::cast_slice(&dims))).unwrap();
    let range = NdRange { offset: offset.to_vec(), global: global.to_vec(), local: local.map(|l| l.to_vec()) };
    let ev = q.enqueue_nd_range(k, &range, &[]).unwrap();
    assert_eq!(ev.command_type(), CommandType::NdRangeKernel);
    let got_out: Vec<u32> = bytemuck::cast_slice(&read_all(q, &out)).to_vec();
    let got_lids: Vec<u32> = bytemuck::cast_slice(&read_all(q, &lids)).to_vec();
    assert_eq!(ev.status(), COMPLETE);
    let mut want_out = vec![0u32; n];
    let mut want_lids = vec![0u32; n];
    for z in off[2]..off[2] + gl[2] {
        for y in off[1]..off[1] + gl[1] {
            for x in off[0]..off[0] + gl[0] {
                let idx = x + y * ext[0] + z * ext[0] * ext[1];
                want_out[idx] = (x + 100 * y + 10000 * z + 1) as u32 + salt;
                if let Some(l) = local {
                    let mut lid = [0usize; 3];
                    let p = [x - off[0], y - off[1], z - off[2]];
                    for i in 0..d {
                        lid[i] = p[i] % l[i];
                    }
                    want_lids[idx] = (lid[0] + 16 * lid[1] + 256 * lid[2] + 1 + 1_000_000 * d) as u32;
                }
            }
        }
    }
    let what = format!("offset {offset:?} global {global:?} local {local:?}");
    assert_eq!(got_out, want_out, "{what}");
    if local.is_some() {
        assert_eq!(got_lids, want_lids, "{what}");
    } else {
        // NULL local size: every covered item ran once with some local id and dimension.
        for i in 0..n {
            assert_eq!(got_lids[i] != 0, want_out[i] != 0, "{what}: item {i}");
            if got_lids[i] != 0 {
                assert_eq!(got_lids[i] / 1_000_000, d as u32, "{what}: work_dim");
            }
        }
    }
}

#[test]
fn ndrange_1d_2d_3d_with_offsets_and_local_sizes() {
    let env = env();
    let q = env.queue();
    let p = env.program(&geometry_src());
    let k = Kernel::new(&p, "geo").unwrap();
    assert_eq!(k.num_args(), 3, "wgcl_dispatch is not an argument");
    assert_eq!(k.name(), "geo");
    run_geometry(&env, &q, &k, &[5], &[37], None);
    run_geometry(&env, &q, &k, &[3], &[64], Some(&[16]));
    run_geometry(&env, &q, &k, &[0], &[10], Some(&[4])); // non-uniform: last group partial
    run_geometry(&env, &q, &k, &[2, 3], &[8, 6], Some(&[4, 2]));
    run_geometry(&env, &q, &k, &[1, 0], &[5, 7], None);
    run_geometry(&env, &q, &k, &[0, 4], &[6, 3], Some(&[3, 3]));
    run_geometry(&env, &q, &k, &[1, 2, 3], &[4, 3, 2], Some(&[2, 3, 1]));
    run_geometry(&env, &q, &k, &[0, 0, 0], &[3, 3, 3], None);
    run_geometry(&env, &q, &k, &[2, 1, 1], &[5, 2, 3], Some(&[1, 2, 3]));
}

const REDUCE: &str = "
override wgcl_local_size_x: u32 = 64;
override wgcl_local_size_y: u32 = 1;
override wgcl_local_size_z: u32 = 1;
override wgcl_arg2_len: u32 = 1;
@group(0) @binding(0) var<storage, read> inp: array<u32>;
@group(0) @binding(1) var<storage, read_write> sums: array<u32>;
var<workgroup> scratch: array<u32, wgcl_arg2_len>;
@group(0) @binding(3) var<uniform> scale: u32;
@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)
fn reduce(@builtin(global_invocation_id) g: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>) {
    scratch[l.x] = inp[g.x];
    workgroupBarrier();
    var s = wgcl_local_size_x / 2u;
    while (s > 0u) {
        if (l.x < s) {
            scratch[l.x] = scratch[l.x] + scratch[l.x + s];
        }
        workgroupBarrier();
        s = s / 2u;
    }
    if (l.x == 0u) {
        sums[w.x] = scratch[0] * scale;
    }
}
";

#[test]
fn local_memory_reduction_with_barriers() {
    let env = env();
    let q = env.queue();
    let p = env.program(REDUCE);
    let k = Kernel::new(&p, "reduce").unwrap();
    assert_eq!(k.num_args(), 4);
    let n = 1024usize;
    let data: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2654435761) % 1000).collect();
    let inp = env.buffer_with(bytemuck::cast_slice(&data));
    for (local, scale) in [(64usize, 3u32), (16, 1), (256, 2)] {
        let groups = n / local;
        let sums = env.buffer((groups * 4) as u64);
        k.set_arg(0, KernelArg::Mem(Some(&inp))).unwrap();
        k.set_arg(1, KernelArg::Mem(Some(&sums))).unwrap();
        k.set_arg(2, KernelArg::Local((local * 4) as u64)).unwrap();
        k.set_arg(3, KernelArg::Bytes(&scale.to_le_bytes())).unwrap();
        assert_eq!(k.local_mem_size(), (local * 4) as u64);
        q.enqueue_nd_range(&k, &NdRange::d1(n).with_local(&[local]), &[]).unwrap();
        let got: Vec<u32> = bytemuck::cast_slice(&read_all(&q, &sums)).to_vec();
        let want: Vec<u32> = data.chunks(local).map(|c| c.iter().sum::<u32>() * scale).collect();
        assert_eq!(got, want, "local {local}");
    }
}

const AXPY: &str = "
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> a: f32;
@compute @workgroup_size(64)
fn axpy(@builtin(global_invocation_id) g: vec3<u32>) {
    y[g.x] = a * x[g.x] + y[g.x];
}
";

#[test]
fn by_value_scalar_args_and_fixed_work_group_size() {
    let env = env();
    let q = env.queue();
    let p = env.program(AXPY);
    let k = Kernel::new(&p, "axpy").unwrap();
    assert_eq!(k.max_work_group_size(), 64);
    let n = 256;
    let xs: Vec<f32> = (0..n).map(|i| (i % 17) as f32 - 8.0).collect();
    let ys: Vec<f32> = (0..n).map(|i| (i % 5) as f32 * 0.5).collect();
    let x = env.buffer_with(bytemuck::cast_slice(&xs));
    let y = env.buffer_with(bytemuck::cast_slice(&ys));
    k.set_arg(0, KernelArg::Mem(Some(&x))).unwrap();
    k.set_arg(1, KernelArg::Mem(Some(&y))).unwrap();
    k.set_arg(2, KernelArg::Bytes(&2.5f32.to_le_bytes())).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(n), &[]).unwrap(); // NULL local: the fixed 64
    k.set_arg(2, KernelArg::Bytes(&(-1.0f32).to_le_bytes())).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(n).with_local(&[64]), &[]).unwrap();
    let got: Vec<f32> = bytemuck::cast_slice(&read_all(&q, &y)).to_vec();
    // Values are exact in f32 (small multiples of 0.5), so FMA or not gives the same.
    let want: Vec<f32> = xs.iter().zip(&ys).map(|(x, y)| -1.0 * x + (2.5 * x + y)).collect();
    assert_eq!(got, want);
    // Another local size for a fixed-size kernel.
    assert_eq!(code(q.enqueue_nd_range(&k, &NdRange::d1(n).with_local(&[32]), &[])), -54);
    assert_eq!(q.enqueue_nd_range(&k, &NdRange::d1(n).with_local(&[128]), &[]).unwrap_err(), Error::InvalidWorkGroupSize);
    // A global size the fixed size does not divide, with no wgcl_dispatch block to guard it.
    assert_eq!(code(q.enqueue_nd_range(&k, &NdRange::d1(100), &[])), -54);
    // Enqueue a task (one work-item) on a kernel of size 64: refused (fixed size).
    assert_eq!(code(q.enqueue_task(&k, &[])), -54);
}

#[test]
fn argument_errors() {
    let env = env();
    let q = env.queue();
    let p = env.program(REDUCE);
    let k = Kernel::new(&p, "reduce").unwrap();
    let m = env.buffer(64);
    // Unset arguments.
    assert_eq!(q.enqueue_nd_range(&k, &NdRange::d1(64), &[]).unwrap_err(), Error::InvalidKernelArgs);
    k.set_arg(0, KernelArg::Mem(Some(&m))).unwrap();
    k.set_arg(1, KernelArg::Mem(Some(&m))).unwrap();
    k.set_arg(2, KernelArg::Local(256)).unwrap();
    assert_eq!(code(q.enqueue_nd_range(&k, &NdRange::d1(64), &[])), -52, "arg 3 unset");
    // Index out of range.
    assert_eq!(code(k.set_arg(4, KernelArg::Bytes(&[0; 4]))), -49);
    assert_eq!(k.set_arg(usize::MAX, KernelArg::Mem(None)).unwrap_err(), Error::InvalidArgIndex);
    assert_eq!(code(k.arg_info(4)), -49);
    // Sizes and kinds.
    assert_eq!(code(k.set_arg(3, KernelArg::Bytes(&[0; 2]))), -51);
    assert_eq!(code(k.set_arg(3, KernelArg::Bytes(&[0; 8]))), -51);
    assert_eq!(code(k.set_arg(2, KernelArg::Local(0))), -51);
    assert_eq!(code(k.set_arg(2, KernelArg::Bytes(&[0; 4]))), -50);
    assert_eq!(code(k.set_arg(3, KernelArg::Mem(Some(&m)))), -50);
    assert_eq!(code(k.set_arg(0, KernelArg::Local(4))), -50);
    assert_eq!(code(k.set_arg(0, KernelArg::Bytes(&[0; 8]))), -51);
    // A buffer of another context.
    let other = Context::new(&[env.device.clone()]).unwrap();
    let om = MemObject::new_buffer(&other, MemFlags(0), 64, HostInit::None).unwrap();
    assert_eq!(code(k.set_arg(0, KernelArg::Mem(Some(&om)))), -38);
    // After failed sets, the earlier values stand; set the last one and it runs.
    k.set_arg(3, KernelArg::Bytes(&1u32.to_le_bytes())).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(64).with_local(&[64]), &[]).unwrap();
    q.finish().unwrap();
}

#[test]
fn work_dimension_and_geometry_errors() {
    let env = env();
    let q = env.queue();
    let p = env.program(&geometry_src());
    let k = Kernel::new(&p, "geo").unwrap();
    let m = env.buffer(64);
    k.set_arg(0, KernelArg::Mem(Some(&m))).unwrap();
    k.set_arg(1, KernelArg::Mem(Some(&m))).unwrap();
    k.set_arg(2, KernelArg::Bytes(&[0; 16])).unwrap();
    let r0 = NdRange { offset: vec![], global: vec![], local: None };
    assert_eq!(code(q.enqueue_nd_range(&k, &r0, &[])), -53);
    let r4 = NdRange { offset: vec![0; 4], global: vec![1; 4], local: None };
    assert_eq!(q.enqueue_nd_range(&k, &r4, &[]).unwrap_err(), Error::InvalidWorkDimension);
    let zero_local = NdRange::d1(4).with_local(&[0]);
    assert_eq!(code(q.enqueue_nd_range(&k, &zero_local, &[])), -54);
    let max_inv = env.device.info().max_work_group_size;
    let too_big = NdRange { offset: vec![0, 0], global: vec![1024, 1024], local: Some(vec![max_inv.min(256), 256]) };
    let c = code(q.enqueue_nd_range(&k, &too_big, &[]));
    assert!(c == -54 || c == -55, "{c}");
    let off = NdRange::d1(16).with_offset(&[u32::MAX as usize]);
    assert_eq!(code(q.enqueue_nd_range(&k, &off, &[])), -56);
    let mismatched = NdRange { offset: vec![0], global: vec![4, 4], local: None };
    assert_eq!(code(q.enqueue_nd_range(&k, &mismatched, &[])), -30);
    q.finish().unwrap();
}

#[test]
fn kernel_creation_errors_and_names() {
    let env = env();
    let src = format!("{AXPY}\n@compute @workgroup_size(1) fn second() {{ y[0] = 1.0; }}");
    let p = Program::with_source(&env.ctx, &src).unwrap();
    assert_eq!(code(Kernel::new(&p, "axpy")), -45, "not built");
    p.build("", None).unwrap();
    let mut names = p.kernel_names().unwrap();
    names.sort();
    assert_eq!(names, vec!["axpy".to_string(), "second".to_string()]);
    assert_eq!(code(Kernel::new(&p, "nope")), -46);
    let all = Kernel::all_in(&p).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(code(p.build("", None)), -59, "kernels attached");
    drop(all);
    p.build("", None).unwrap();
}

/// Each work-item writes get_local_size(0/1) and get_enqueued_local_size(0/1) at its
/// position relative to the global offset.
const SIZES: &str = "
__kernel void sizes(__global uint* out, uint w) {
    size_t x = get_global_id(0) - get_global_offset(0), y = get_global_id(1) - get_global_offset(1);
    size_t i = (y * w + x) * 4;
    out[i] = get_local_size(0);
    out[i + 1] = get_local_size(1);
    out[i + 2] = get_enqueued_local_size(0);
    out[i + 3] = get_enqueued_local_size(1);
}";

/// OpenCL 2.0: in a non-uniform NDRange, get_local_size is the remainder in the last
/// work-group of a dimension and the enqueued size elsewhere; get_enqueued_local_size is
/// the enqueued size everywhere.
#[test]
fn get_local_size_in_remainder_work_groups() {
    let env = env();
    let q = env.queue();
    let p = env.program(SIZES);
    let k = Kernel::new(&p, "sizes").unwrap();
    let cases: [(&[usize], &[usize], &[usize]); 5] = [
        (&[0], &[100], &[32]),
        (&[0], &[5], &[8]), // a remainder group only
        (&[0, 0], &[37, 10], &[8, 4]),
        (&[3, 1], &[37, 10], &[8, 4]),
        (&[0, 0], &[16, 7], &[4, 3]), // uniform in x, not in y
    ];
    for (offset, global, local) in cases {
        let (w, h) = (global[0], global.get(1).copied().unwrap_or(1));
        let out = env.buffer((w * h * 16) as u64);
        k.set_arg(0, KernelArg::Mem(Some(&out))).unwrap();
        k.set_arg(1, KernelArg::Bytes(&(w as u32).to_ne_bytes())).unwrap();
        let range = NdRange { offset: offset.to_vec(), global: global.to_vec(), local: Some(local.to_vec()) };
        q.enqueue_nd_range(&k, &range, &[]).unwrap();
        let got: Vec<u32> = bytemuck::cast_slice(&read_all(&q, &out)).to_vec();
        let (lx, ly) = (local[0], local.get(1).copied().unwrap_or(1));
        // The spec's value: the enqueued size, or what is left in the last group.
        let size = |id: usize, g: usize, l: usize| if id / l == g / l { g % l } else { l };
        let mut want = Vec::with_capacity(w * h * 4);
        for y in 0..h {
            for x in 0..w {
                want.extend([size(x, w, lx), size(y, h, ly), lx, ly].map(|v| v as u32));
            }
        }
        assert_eq!(got, want, "offset {offset:?} global {global:?} local {local:?}");
    }
}

/// get_local_size bounding a loop after a barrier in the remainder group (the shape of
/// nbody.cl's tile loop): group sums against a CPU reference.
#[test]
fn get_local_size_bounds_a_barrier_loop_in_the_remainder_group() {
    let env = env();
    let q = env.queue();
    let p = env.program(
        "__kernel void group_sums(__global const uint* in, __global uint* out, __local uint* tile) {
    size_t l = get_local_id(0);
    tile[l] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l == 0) {
        uint s = 0;
        for (size_t j = 0; j < get_local_size(0); j++) s += tile[j];
        out[get_group_id(0)] = s;
    }
}",
    );
    let k = Kernel::new(&p, "group_sums").unwrap();
    let (n, ls) = (1000usize, 64usize);
    let input: Vec<u32> = (0..n as u32).map(|i| i * 3 + 1).collect();
    let inp = env.buffer_with(bytemuck::cast_slice(&input));
    let groups = n.div_ceil(ls);
    let out = env.buffer((groups * 4) as u64);
    k.set_arg(0, KernelArg::Mem(Some(&inp))).unwrap();
    k.set_arg(1, KernelArg::Mem(Some(&out))).unwrap();
    k.set_arg(2, KernelArg::Local((ls * 4) as u64)).unwrap();
    q.enqueue_nd_range(&k, &NdRange { offset: vec![0], global: vec![n], local: Some(vec![ls]) }, &[]).unwrap();
    let got: Vec<u32> = bytemuck::cast_slice(&read_all(&q, &out)).to_vec();
    let want: Vec<u32> = input.chunks(ls).map(|c| c.iter().sum()).collect();
    assert_eq!(got, want);
}

/// `b[i] = a[i + shift] * 2 + 1` with `a` a `const` input: exact in f32 for these values.
const SCALE: &str = "
__kernel void scale(const __global float* a, __global float* b, int shift) {
    size_t i = get_global_id(0);
    b[i] = a[i + shift] * 2.0f + 1.0f;
}";

/// OpenCL allows one buffer to be a kernel's `const __global` input and its output, and
/// two sub-buffers of one buffer (overlapping or not) to be; wgpu refuses a dispatch that
/// binds one buffer read-only and writable, so these launches use a read-write variant of
/// the program. Results against a CPU reference (exact: small integers and halves).
#[test]
fn const_input_aliasing_an_output_buffer() {
    let env = env();
    let q = env.queue();
    let p = env.program(SCALE);
    let k = Kernel::new(&p, "scale").unwrap();
    let n = 256usize;
    let align = env.device.info().mem_base_addr_align as usize;
    let parent_len = (2 * align).max(8 * n) / 4 + 2 * n;
    let init: Vec<f32> = (0..parent_len).map(|i| (i % 97) as f32 * 0.5).collect();
    let run = |a: &Arc<MemObject>, b: &Arc<MemObject>, shift: i32| {
        k.set_arg(0, KernelArg::Mem(Some(a))).unwrap();
        k.set_arg(1, KernelArg::Mem(Some(b))).unwrap();
        k.set_arg(2, KernelArg::Bytes(&shift.to_ne_bytes())).unwrap();
        let ev = q.enqueue_nd_range(&k, &NdRange::d1(n), &[]).unwrap();
        q.finish().unwrap();
        assert_eq!(ev.status(), COMPLETE);
    };
    let floats = |m: &Arc<MemObject>| -> Vec<f32> { bytemuck::cast_slice(&read_all(&q, m)).to_vec() };
    let f = |x: f32| x * 2.0 + 1.0;

    // One buffer as both arguments.
    let buf = env.buffer_with(bytemuck::cast_slice(&init[..n]));
    run(&buf, &buf, 0);
    assert_eq!(floats(&buf), init[..n].iter().map(|x| f(*x)).collect::<Vec<_>>(), "same buffer");

    // Overlapping sub-buffers: b starts `align` bytes into a; a[i + shift] is b[i]'s element.
    let parent = env.buffer_with(bytemuck::cast_slice(&init));
    let rw = MemFlags(MemFlags::READ_WRITE);
    let shift = align / 4;
    let a = MemObject::new_sub_buffer(&parent, rw, 0, ((shift + n) * 4) as u64).unwrap();
    let b = MemObject::new_sub_buffer(&parent, rw, align as u64, (n * 4) as u64).unwrap();
    run(&a, &b, shift as i32);
    let mut want = init.clone();
    for x in &mut want[shift..shift + n] {
        *x = f(*x);
    }
    assert_eq!(floats(&parent), want, "overlapping sub-buffers");

    // Disjoint sub-buffers of one buffer (wgpu tracks usage per buffer, not per range).
    let parent = env.buffer_with(bytemuck::cast_slice(&init));
    let b_at = (n * 4).div_ceil(align) * align;
    let a = MemObject::new_sub_buffer(&parent, rw, 0, (n * 4) as u64).unwrap();
    let b = MemObject::new_sub_buffer(&parent, rw, b_at as u64, (n * 4) as u64).unwrap();
    run(&a, &b, 0);
    let mut want = init.clone();
    for i in 0..n {
        want[b_at / 4 + i] = f(init[i]);
    }
    assert_eq!(floats(&parent), want, "disjoint sub-buffers");

    // The same kernel object without aliasing again: the plain pipeline, right results.
    let (src, dst) = (env.buffer_with(bytemuck::cast_slice(&init[..n])), env.buffer((n * 4) as u64));
    run(&src, &dst, 0);
    assert_eq!(floats(&dst), init[..n].iter().map(|x| f(*x)).collect::<Vec<_>>(), "no alias");
    assert_eq!(floats(&src), init[..n].to_vec(), "the input is untouched");

    // A WGSL program's `var<storage, read>` is aliased the same way.
    let p = env.program(
        "@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(64)
fn inc(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x < arrayLength(&dst)) { dst[g.x] = src[g.x] + 1u; }
}",
    );
    let k = Kernel::new(&p, "inc").unwrap();
    let buf = env.buffer_with(bytemuck::cast_slice(&[41u32; 64]));
    k.set_arg(0, KernelArg::Mem(Some(&buf))).unwrap();
    k.set_arg(1, KernelArg::Mem(Some(&buf))).unwrap();
    let ev = q.enqueue_nd_range(&k, &NdRange::d1(64), &[]).unwrap();
    q.finish().unwrap();
    assert_eq!(ev.status(), COMPLETE);
    assert_eq!(read_all(&q, &buf), bytemuck::cast_slice::<u32, u8>(&[42u32; 64]).to_vec());
}
