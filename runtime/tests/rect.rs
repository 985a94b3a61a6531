//! Rectangular transfers (`clEnqueueRead/Write/CopyBufferRect`) against a CPU model, plus the
//! other C-ABI gaps closed with them: migrate commands, kernel clones, OpenCL C binaries.
mod common;
use common::*;
use wgcl::*;

/// The CPU model: copies `region` from `src` (layout `s`) into `dst` (layout `d`), pitches of 0
/// meaning the spec's defaults.
fn model(src: &[u8], s: RectLayout, dst: &mut [u8], d: RectLayout, region: [u64; 3]) {
    let pitch = |l: RectLayout| {
        let row = if l.row_pitch == 0 { region[0] } else { l.row_pitch };
        let slice = if l.slice_pitch == 0 { region[1] * row } else { l.slice_pitch };
        (row, slice)
    };
    let ((sr, ss), (dr, ds)) = (pitch(s), pitch(d));
    for z in 0..region[2] {
        for y in 0..region[1] {
            let so = (s.origin[0] + (s.origin[1] + y) * sr + (s.origin[2] + z) * ss) as usize;
            let o = (d.origin[0] + (d.origin[1] + y) * dr + (d.origin[2] + z) * ds) as usize;
            let n = region[0] as usize;
            dst[o..o + n].copy_from_slice(&src[so..so + n]);
        }
    }
}

fn pattern(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn read_all(q: &std::sync::Arc<CommandQueue>, b: &std::sync::Arc<MemObject>, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    q.read_buffer_into(b, 0, &mut v, &[]).unwrap();
    v
}

/// Geometries: aligned, byte-unaligned (origins, widths, pitches), 3D with slice pitches,
/// default pitches.
fn cases() -> Vec<(RectLayout, RectLayout, [u64; 3])> {
    vec![
        (RectLayout::new([16, 2, 0], 64, 0), RectLayout::new([0, 0, 0], 0, 0), [32, 5, 1]),
        (RectLayout::new([3, 1, 0], 37, 0), RectLayout::new([5, 2, 0], 41, 0), [13, 7, 1]),
        (RectLayout::new([1, 1, 1], 20, 200), RectLayout::new([2, 0, 1], 24, 240), [11, 6, 3]),
        (RectLayout::new([0, 0, 0], 0, 0), RectLayout::new([7, 3, 2], 19, 190), [9, 4, 2]),
    ]
}

#[test]
fn write_rect_matches_model() {
    let env = env();
    let q = env.queue();
    for (i, (buf_l, host_l, region)) in cases().into_iter().enumerate() {
        let size = 2048;
        let init = pattern(size, 100 + i as u32);
        let host = pattern(1024, 200 + i as u32);
        let b = env.buffer_with(&init);
        // SAFETY: `host` lives until the blocking call returns.
        let hp = unsafe { HostPtr::new_const(host.as_ptr(), host.len()) };
        q.enqueue_write_buffer_rect_host(&b, true, buf_l, host_l, region, hp, &[]).unwrap();
        let mut want = init.clone();
        model(&host, host_l, &mut want, buf_l, region);
        assert_eq!(read_all(&q, &b, size), want, "case {i}");
    }
}

#[test]
fn read_rect_matches_model_and_leaves_gaps() {
    let env = env();
    let q = env.queue();
    for (i, (buf_l, host_l, region)) in cases().into_iter().enumerate() {
        let data = pattern(2048, 300 + i as u32);
        let b = env.buffer_with(&data);
        let mut host = vec![0xEEu8; 1024];
        let mut want = host.clone();
        // Non-blocking, completed by finish: the rows land when the event completes.
        // SAFETY: `host` outlives the finish below.
        let hp = unsafe { HostPtr::new(host.as_mut_ptr(), host.len()) };
        let ev = q.enqueue_read_buffer_rect_host(&b, false, buf_l, host_l, region, hp, &[]).unwrap();
        q.finish().unwrap();
        assert_eq!(ev.status(), COMPLETE);
        assert_eq!(ev.command_type(), CommandType::ReadBufferRect);
        model(&data, buf_l, &mut want, host_l, region);
        assert_eq!(host, want, "case {i}: bytes between rows must be untouched");
    }
}

#[test]
fn copy_rect_matches_model_same_and_other_buffer() {
    let env = env();
    let q = env.queue();
    for (i, (s, d, region)) in cases().into_iter().enumerate() {
        let a = pattern(4096, 400 + i as u32);
        let c = pattern(4096, 500 + i as u32);
        let (ba, bc) = (env.buffer_with(&a), env.buffer_with(&c));
        let ev = q.enqueue_copy_buffer_rect(&ba, &bc, s, d, region, &[]).unwrap();
        assert_eq!(ev.command_type(), CommandType::CopyBufferRect);
        let mut want = c.clone();
        model(&a, s, &mut want, d, region);
        assert_eq!(read_all(&q, &bc, 4096), want, "case {i}");
    }
    // Within one buffer: disjoint rows are fine, overlapping ones are refused (-8).
    let a = pattern(4096, 7);
    let b = env.buffer_with(&a);
    let (s, d) = (RectLayout::new([0, 0, 0], 64, 0), RectLayout::new([0, 10, 0], 64, 0));
    q.enqueue_copy_buffer_rect(&b, &b, s, d, [30, 8, 1], &[]).unwrap();
    let mut want = a.clone();
    model(&a, s, &mut want, d, [30, 8, 1]);
    assert_eq!(read_all(&q, &b, 4096), want);
    let overlapping = q.enqueue_copy_buffer_rect(&b, &b, RectLayout::new([0, 0, 0], 64, 0), RectLayout::new([8, 1, 0], 64, 0), [30, 4, 1], &[]);
    assert_eq!(code(overlapping), -8);
    // Row pitch smaller than the width, zero region and out-of-range are -30.
    assert_eq!(code(q.enqueue_copy_buffer_rect(&b, &b, RectLayout::new([0; 3], 8, 0), RectLayout::new([0, 0, 0], 64, 0), [16, 1, 1], &[])), -30);
    assert_eq!(code(q.enqueue_copy_buffer_rect(&b, &b, RectLayout::default(), RectLayout::new([0, 0, 1], 0, 0), [16, 0, 1], &[])), -30);
    assert_eq!(code(q.enqueue_copy_buffer_rect(&b, &b, RectLayout::new([0, 100, 0], 64, 0), RectLayout::default(), [16, 1, 1], &[])), -30);
}

#[test]
fn rect_write_is_ordered_after_its_wait_list() {
    let env = env();
    let q = env.queue_with(true, false);
    let b = env.buffer_with(&[0u8; 512]);
    let gate = env.user_event();
    let host = pattern(64, 9);
    // SAFETY: `host` outlives the finish below.
    let hp = unsafe { HostPtr::new_const(host.as_ptr(), host.len()) };
    let ev = q.enqueue_write_buffer_rect_host(&b, false, RectLayout::new([4, 1, 0], 32, 0), RectLayout::new([0, 0, 0], 8, 0), [8, 8, 1], hp, &[gate.clone()]).unwrap();
    q.flush().unwrap();
    assert!(ev.status() > RUNNING);
    gate.set_user_status(COMPLETE).unwrap();
    q.finish().unwrap();
    let got = read_all(&q, &b, 512);
    let mut want = vec![0u8; 512];
    model(&host, RectLayout::new([0, 0, 0], 8, 0), &mut want, RectLayout::new([4, 1, 0], 32, 0), [8, 8, 1]);
    assert_eq!(got, want);
}

#[test]
fn migrate_reports_its_command_type_and_orders() {
    let env = env();
    let q = env.queue();
    let b = env.buffer(64);
    let gate = env.user_event();
    let ev = q.enqueue_migrate_mem_objects(&[b.clone()], &[gate.clone()]).unwrap();
    assert_eq!(ev.command_type(), CommandType::MigrateMemObjects);
    assert_eq!(ev.command_type().code(), 0x1206);
    q.flush().unwrap();
    assert!(ev.status() > RUNNING);
    gate.set_user_status(COMPLETE).unwrap();
    q.finish().unwrap();
    assert_eq!(ev.status(), COMPLETE);
    assert_eq!(code(q.enqueue_migrate_mem_objects(&[], &[])), -30);
}

const ADD: &str = "__kernel void add(__global int *o, int k) { o[get_global_id(0)] += k; }";

#[test]
fn clone_keeps_arguments_and_is_independent() {
    let env = env();
    let q = env.queue();
    let p = env.program(ADD);
    let k = Kernel::new(&p, "add").unwrap();
    let (b1, b2) = (env.buffer_with(&[0u8; 16]), env.buffer_with(&[0u8; 16]));
    k.set_arg(0, KernelArg::Mem(Some(&b1))).unwrap();
    k.set_arg(1, KernelArg::Bytes(&5i32.to_ne_bytes())).unwrap();
    let c = k.clone_with_args().unwrap();
    assert_eq!(c.name(), "add");
    // The clone runs with the copied arguments...
    q.enqueue_nd_range(&c, &NdRange::d1(4), &[]).unwrap();
    // ...and changing the clone does not change the original.
    c.set_arg(0, KernelArg::Mem(Some(&b2))).unwrap();
    c.set_arg(1, KernelArg::Bytes(&7i32.to_ne_bytes())).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(4), &[]).unwrap();
    q.enqueue_nd_range(&c, &NdRange::d1(4), &[]).unwrap();
    q.finish().unwrap();
    let ints = |v: Vec<u8>| v.chunks(4).map(|c| i32::from_ne_bytes(c.try_into().unwrap())).collect::<Vec<_>>();
    assert_eq!(ints(read_all(&q, &b1, 16)), vec![10; 4]);
    assert_eq!(ints(read_all(&q, &b2, 16)), vec![7; 4]);
    // A clone counts as a kernel attached to the program.
    drop(k);
    assert!(p.build("", None).is_err());
    drop(c);
}

#[test]
fn opencl_c_binary_keeps_argument_info() {
    let env = env();
    let p = env.program("#define K 3\n__kernel void scale(__global float *data, float f) { data[get_global_id(0)] *= f * K; }");
    let bin = p.binary();
    let p2 = Program::with_binary(&env.ctx, &bin).unwrap();
    p2.build("", None).unwrap();
    let k = Kernel::new(&p2, "scale").unwrap();
    assert_eq!(k.num_args(), 2);
    assert_eq!(k.arg_info(0).unwrap().name, "data");
    assert_eq!(k.arg_info(1).unwrap().type_name, "float");
    let q = env.queue();
    let b = env.buffer_with(&bytemuck_f32(&[1.0, 2.0]));
    k.set_arg(0, KernelArg::Mem(Some(&b))).unwrap();
    k.set_arg(1, KernelArg::Bytes(&2f32.to_ne_bytes())).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(2), &[]).unwrap();
    let got = read_all(&q, &b, 8);
    assert_eq!(got, bytemuck_f32(&[6.0, 12.0]));
}

fn bytemuck_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_ne_bytes()).collect()
}
