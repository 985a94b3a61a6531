use std::sync::Arc;
use wgcl::*;

#[test]
fn smoke() {
    let p = Platform::get();
    for d in p.devices() { eprintln!("device: {:?} {:?}", d.info().name, d.info().backend); }
    let device = p.default_device().unwrap();
    let ctx = Context::new(&[device.clone()]).unwrap();
    let q = CommandQueue::new(&ctx, &device, QueueProperties { profiling: true, ..Default::default() }).unwrap();
    let buf = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE), 64, HostInit::None).unwrap();
    let data: Vec<u8> = (0..64).collect();
    let w = q.enqueue_write_buffer(&buf, 0, data.clone(), &[]).unwrap();
    let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
    for ty in [CallbackType::Complete, CallbackType::Running, CallbackType::Submitted] {
        let log = log.clone();
        w.set_callback(ty, Box::new(move |_, s| log.lock().push(s)));
    }
    let mut out = vec![0u8; 64];
    q.read_buffer_into(&buf, 0, &mut out, &[]).unwrap();
    assert_eq!(out, data);
    let prog = Program::with_source(&ctx, "@group(0) @binding(0) var<storage, read_write> b: array<u32>;\n@compute @workgroup_size(4) fn k(@builtin(global_invocation_id) g: vec3<u32>) { b[g.x] = b[g.x] * 2u; }").unwrap();
    prog.build("", None).unwrap();
    let k = Kernel::new(&prog, "k").unwrap();
    k.set_arg(0, KernelArg::Mem(Some(&buf))).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(16), &[]).unwrap();
    q.read_buffer_into(&buf, 0, &mut out, &[]).unwrap();
    let words: &[u32] = bytemuck::cast_slice(&out);
    let expect: Vec<u32> = bytemuck::cast_slice::<u8, u32>(&data).iter().map(|w| w * 2).collect();
    assert_eq!(words, &expect[..]);
    q.finish().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(*log.lock(), vec![2, 1, 0]);
}

/// The async API (the browser's only way to wait) works natively: a gated read resolves to
/// the written bytes once the gate opens, and a failed gate resolves to the error code.
#[test]
fn async_api_resolves_natively() {
    let device = Platform::get().default_device().unwrap();
    let ctx = Context::new(&[device.clone()]).unwrap();
    let q = CommandQueue::new(&ctx, &device, QueueProperties::default()).unwrap();
    let buf = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE), 12, HostInit::None).unwrap();
    let gate = Event::new_user(&ctx);
    q.enqueue_write_buffer(&buf, 0, (10..22).collect(), &[gate.clone()]).unwrap();
    let opener = std::thread::spawn({
        let gate = gate.clone();
        move || gate.set_user_status(COMPLETE).unwrap()
    });
    let data = pollster::block_on(q.read_buffer_async(&buf, 2, 5, &[])).unwrap();
    opener.join().unwrap();
    assert_eq!(data, vec![12, 13, 14, 15, 16]);

    let bad = Event::new_user(&ctx);
    let w = q.enqueue_write_buffer(&buf, 0, vec![0; 4], &[bad.clone()]).unwrap();
    q.flush().unwrap();
    bad.set_user_status(-7).unwrap();
    assert_eq!(pollster::block_on(w.wait_async()), ERROR_FOR_EVENTS_IN_WAIT_LIST);
    assert_eq!(pollster::block_on(bad.wait_async()), -7);
    let platform = pollster::block_on(Platform::init()).unwrap();
    assert!(!platform.devices().is_empty());
}

/// Launches reuse their wgpu objects only while the arguments are the same: after a
/// `set_arg` to another buffer (or the same scalar value again), each launch hits the right
/// buffer with the right value.
#[test]
fn launch_cache_follows_set_arg() {
    let device = Platform::get().default_device().unwrap();
    let ctx = Context::new(&[device.clone()]).unwrap();
    let q = CommandQueue::new(&ctx, &device, QueueProperties::default()).unwrap();
    let src = "@group(0) @binding(0) var<storage, read_write> b: array<u32>;\n@group(0) @binding(1) var<uniform> v: u32;\n@compute @workgroup_size(4) fn k(@builtin(global_invocation_id) g: vec3<u32>) { b[g.x] = b[g.x] + v; }";
    let p = Program::with_source(&ctx, src).unwrap();
    p.build("", None).unwrap();
    let k = Kernel::new(&p, "k").unwrap();
    let read = |m: &std::sync::Arc<MemObject>| {
        let mut out = vec![0u8; 16];
        q.read_buffer_into(m, 0, &mut out, &[]).unwrap();
        bytemuck::cast_slice::<u8, u32>(&out).to_vec()
    };
    let new_buf = || MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE | MemFlags::COPY_HOST_PTR), 16, HostInit::Copy(&[0; 16])).unwrap();
    let (a, b) = (new_buf(), new_buf());
    k.set_arg(0, KernelArg::Mem(Some(&a))).unwrap();
    k.set_arg(1, KernelArg::Bytes(&1u32.to_ne_bytes())).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(4), &[]).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(4), &[]).unwrap();
    k.set_arg(1, KernelArg::Bytes(&10u32.to_ne_bytes())).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(4), &[]).unwrap();
    k.set_arg(0, KernelArg::Mem(Some(&b))).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(4), &[]).unwrap();
    assert_eq!(read(&a), vec![12; 4]);
    assert_eq!(read(&b), vec![10; 4]);
    // A dropped argument buffer, then a new one (possibly at the same address): the launch
    // must use the new one.
    drop(b);
    let c = new_buf();
    k.set_arg(0, KernelArg::Mem(Some(&c))).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(4), &[]).unwrap();
    assert_eq!(read(&c), vec![10; 4]);
    assert_eq!(read(&a), vec![12; 4]);
    // Ping-pong between two argument sets (cached both), then a rotation through more sets
    // than the cache holds: every launch still hits its own buffer with its own value.
    let sets: Vec<_> = (0..6).map(|_| new_buf()).collect();
    for n in [2usize, 6] {
        for _round in 0..3 {
            for (i, m) in sets[..n].iter().enumerate() {
                k.set_arg(0, KernelArg::Mem(Some(m))).unwrap();
                k.set_arg(1, KernelArg::Bytes(&(i as u32 + 1).to_ne_bytes())).unwrap();
                q.enqueue_nd_range(&k, &NdRange::d1(4), &[]).unwrap();
            }
        }
    }
    for (i, m) in sets.iter().enumerate() {
        let rounds = if i < 2 { 6 } else { 3 };
        assert_eq!(read(m), vec![rounds * (i as u32 + 1); 4], "argument set {i}");
    }
}

/// Fills run on the GPU for word-aligned ranges: 1-, 2-, 16- and 128-byte patterns over a
/// large range (many dispatch rows) and inside a sub-buffer, checked byte for byte.
#[test]
fn gpu_fill_matches_cpu_model() {
    let device = Platform::get().default_device().unwrap();
    let align = device.info().mem_base_addr_align as u64;
    let ctx = Context::new(&[device.clone()]).unwrap();
    let q = CommandQueue::new(&ctx, &device, QueueProperties::default()).unwrap();
    let size = (1u64 << 22) + 4 * align;
    let buf = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE | MemFlags::COPY_HOST_PTR), size, HostInit::Copy(&vec![0xEE; size as usize])).unwrap();
    let mut model = vec![0xEEu8; size as usize];
    let cases: [(Vec<u8>, u64, u64); 4] = [
        (vec![0x5A], 4, 1 << 22),
        ((0..2).map(|i| i as u8 + 1).collect(), 64, 4096),
        ((0..16).map(|i| i as u8 * 3).collect(), 16 * 3, 16 * 1000),
        ((0..128).map(|i| 255 - i as u8).collect(), 128 * 2, 128 * 77),
    ];
    for (pattern, offset, len) in &cases {
        q.enqueue_fill_buffer(&buf, pattern, *offset, *len, &[]).unwrap();
        for i in 0..*len as usize {
            model[*offset as usize + i] = pattern[i % pattern.len()];
        }
    }
    let sub = MemObject::new_sub_buffer(&buf, MemFlags(0), 2 * align, 2 * align).unwrap();
    let pat = [9u8, 8, 7, 6];
    q.enqueue_fill_buffer(&sub, &pat, 8, align, &[]).unwrap();
    for i in 0..align as usize {
        model[(2 * align) as usize + 8 + i] = pat[i % 4];
    }
    let mut out = vec![0u8; size as usize];
    q.read_buffer_into(&buf, 0, &mut out, &[]).unwrap();
    let first_bad = out.iter().zip(&model).position(|(a, b)| a != b);
    assert_eq!(first_bad, None, "first differing byte");
}
