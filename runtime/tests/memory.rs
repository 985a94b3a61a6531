//! Buffers against a CPU model: flags, host pointers, sub-buffers, read/write/copy/fill at
//! any alignment, map/unmap; destructor callbacks and their timing rules.
mod common;
use common::*;
use std::sync::{Arc, Mutex};
use wgcl::*;

fn flags(f: u64) -> MemFlags {
    MemFlags(f)
}

#[test]
fn flag_validation() {
    let env = env();
    let ctx = &env.ctx;
    for ok in [MemFlags::READ_WRITE, MemFlags::READ_ONLY, MemFlags::WRITE_ONLY, 0, MemFlags::ALLOC_HOST_PTR, MemFlags::READ_ONLY | MemFlags::HOST_READ_ONLY] {
        let m = MemObject::new_buffer(ctx, flags(ok), 8, HostInit::None).unwrap();
        assert_eq!((m.flags(), m.size(), m.is_sub_buffer(), m.map_count()), (flags(ok), 8, false, 0));
    }
    let bad = [
        MemFlags::READ_WRITE | MemFlags::READ_ONLY,
        MemFlags::READ_WRITE | MemFlags::WRITE_ONLY,
        MemFlags::READ_ONLY | MemFlags::WRITE_ONLY,
        MemFlags::HOST_READ_ONLY | MemFlags::HOST_WRITE_ONLY,
        MemFlags::HOST_NO_ACCESS | MemFlags::HOST_READ_ONLY,
        1 << 40,
    ];
    for f in bad {
        assert_eq!(code(MemObject::new_buffer(ctx, flags(f), 8, HostInit::None)), -30, "{f:#x}");
    }
    let data = [0u8; 8];
    assert_eq!(code(MemObject::new_buffer(ctx, flags(MemFlags::USE_HOST_PTR | MemFlags::COPY_HOST_PTR), 8, HostInit::Copy(&data))), -30);
    let mut v = vec![0u8; 8];
    let hp = unsafe { HostPtr::new(v.as_mut_ptr(), 8) };
    assert_eq!(code(MemObject::new_buffer(ctx, flags(MemFlags::USE_HOST_PTR | MemFlags::ALLOC_HOST_PTR), 8, HostInit::Host(hp))), -30);
    // Host pointer presence must match the flags.
    assert_eq!(MemObject::new_buffer(ctx, flags(MemFlags::USE_HOST_PTR), 8, HostInit::None).unwrap_err(), Error::InvalidHostPtr);
    assert_eq!(MemObject::new_buffer(ctx, flags(MemFlags::COPY_HOST_PTR), 8, HostInit::None).unwrap_err(), Error::InvalidHostPtr);
    assert_eq!(code(MemObject::new_buffer(ctx, flags(MemFlags::READ_WRITE), 8, HostInit::Copy(&data))), -37);
    assert_eq!(code(MemObject::new_buffer(ctx, flags(MemFlags::COPY_HOST_PTR), 16, HostInit::Copy(&data))), -37, "host data too short");
    assert_eq!(code(MemObject::new_buffer(ctx, flags(MemFlags::READ_WRITE), 0, HostInit::None)), -61);
    let max = env.device.info().max_mem_alloc_size;
    assert_eq!(code(MemObject::new_buffer(ctx, flags(MemFlags::READ_WRITE), max + 1, HostInit::None)), -61);
}

#[test]
fn host_access_flags_are_enforced() {
    let env = env();
    let q = env.queue();
    let ro = MemObject::new_buffer(&env.ctx, flags(MemFlags::HOST_READ_ONLY), 8, HostInit::None).unwrap();
    let wo = MemObject::new_buffer(&env.ctx, flags(MemFlags::HOST_WRITE_ONLY), 8, HostInit::None).unwrap();
    let na = MemObject::new_buffer(&env.ctx, flags(MemFlags::HOST_NO_ACCESS), 8, HostInit::None).unwrap();
    assert_eq!(code(q.enqueue_write_buffer(&ro, 0, vec![1; 8], &[])), -59);
    assert_eq!(code(q.enqueue_write_buffer(&na, 0, vec![1; 8], &[])), -59);
    assert_eq!(code(q.enqueue_read_buffer(&wo, 0, 8, &[])), -59);
    assert_eq!(code(q.enqueue_read_buffer(&na, 0, 8, &[])), -59);
    let r = MapFlags { read: true, ..Default::default() };
    let w = MapFlags { write: true, ..Default::default() };
    assert_eq!(code(q.enqueue_map_buffer(&wo, true, r, 0, 8, &[])), -59);
    assert_eq!(code(q.enqueue_map_buffer(&ro, true, w, 0, 8, &[])), -59);
    // The allowed directions work.
    q.enqueue_write_buffer(&wo, 0, vec![3; 8], &[]).unwrap();
    assert_eq!(read_all(&q, &ro), vec![0; 8]);
}

#[test]
fn every_access_flag_round_trips_data() {
    let env = env();
    let q = env.queue();
    for f in [MemFlags::READ_WRITE, MemFlags::READ_ONLY, MemFlags::WRITE_ONLY, MemFlags::ALLOC_HOST_PTR] {
        let m = MemObject::new_buffer(&env.ctx, flags(f), 13, HostInit::None).unwrap();
        q.enqueue_write_buffer(&m, 0, bytes(13, 4), &[]).unwrap();
        assert_eq!(read_all(&q, &m), bytes(13, 4), "{f:#x}");
    }
}

#[test]
fn copy_host_ptr_copies_at_creation() {
    let env = env();
    let q = env.queue();
    let mut src = bytes(37, 2);
    let m = MemObject::new_buffer(&env.ctx, flags(MemFlags::COPY_HOST_PTR | MemFlags::READ_ONLY), 37, HostInit::Copy(&src)).unwrap();
    src.fill(0);
    assert_eq!(read_all(&q, &m), bytes(37, 2));
    // Through a HostPtr too (the C API's path), including ALLOC | COPY.
    let v = bytes(21, 7);
    let hp = unsafe { HostPtr::new_const(v.as_ptr(), v.len()) };
    let m2 = MemObject::new_buffer(&env.ctx, flags(MemFlags::COPY_HOST_PTR | MemFlags::ALLOC_HOST_PTR), 21, HostInit::Host(hp)).unwrap();
    assert!(m2.host_ptr().is_none(), "COPY_HOST_PTR does not keep the pointer");
    drop(v);
    assert_eq!(read_all(&q, &m2), bytes(21, 7));
}

#[test]
fn use_host_ptr_map_returns_the_host_region() {
    let env = env();
    let q = env.queue();
    let mut host = bytes(64, 1);
    let hp = unsafe { HostPtr::new(host.as_mut_ptr(), 64) };
    let m = MemObject::new_buffer(&env.ctx, flags(MemFlags::USE_HOST_PTR | MemFlags::READ_WRITE), 64, HostInit::Host(hp)).unwrap();
    assert_eq!(m.host_ptr().unwrap().as_ptr(), host.as_mut_ptr());
    assert_eq!(read_all(&q, &m), bytes(64, 1), "initial contents come from the host region");
    q.enqueue_write_buffer(&m, 8, vec![0xAB; 16], &[]).unwrap();
    let (ev, p) = q.enqueue_map_buffer(&m, true, MapFlags { read: true, ..Default::default() }, 4, 32, &[]).unwrap();
    assert_eq!(ev.status(), COMPLETE);
    assert_eq!(ev.command_type(), CommandType::MapBuffer);
    assert_eq!(p.as_ptr() as usize, host.as_ptr() as usize + 4, "map returns the USE_HOST_PTR region");
    assert_eq!(p.len(), 32);
    let mut want = bytes(64, 1);
    want[8..24].fill(0xAB);
    assert_eq!(p.to_vec(), want[4..36].to_vec());
    assert_eq!(m.map_count(), 1);
    q.enqueue_unmap(&m, p.as_ptr() as usize, &[]).unwrap();
    assert_eq!(m.map_count(), 0);
    q.finish().unwrap();
    // Map for writing: the app writes the host region, unmap makes the device see it.
    let (_, p) = q.enqueue_map_buffer(&m, true, MapFlags { write: true, ..Default::default() }, 0, 8, &[]).unwrap();
    assert_eq!(p.as_ptr(), m.host_ptr().unwrap().as_ptr());
    p.write(&[9; 8]);
    q.enqueue_unmap(&m, p.as_ptr() as usize, &[]).unwrap();
    want[..8].fill(9);
    assert_eq!(read_all(&q, &m), want);
    drop(m);
    q.finish().unwrap();
    drop(host);
}

#[test]
fn map_and_unmap_against_a_cpu_model() {
    let env = env();
    let q = env.queue();
    let mut model = bytes(100, 3);
    let m = env.buffer_with(&model);
    assert_eq!(code(q.enqueue_map_buffer(&m, true, MapFlags { read: true, ..Default::default() }, 90, 11, &[])), -30);
    assert_eq!(code(q.enqueue_map_buffer(&m, true, MapFlags { read: true, ..Default::default() }, 0, 0, &[])), -30);
    assert_eq!(code(q.enqueue_map_buffer(&m, true, MapFlags { read: true, invalidate: true, ..Default::default() }, 0, 4, &[])), -30);
    // Read mapping of an unaligned region.
    let (_, r) = q.enqueue_map_buffer(&m, true, MapFlags { read: true, ..Default::default() }, 3, 17, &[]).unwrap();
    assert_eq!(r.to_vec(), model[3..20].to_vec());
    // Write mapping, non-blocking: valid once its event completes.
    let (ev, w) = q.enqueue_map_buffer(&m, false, MapFlags { read: true, write: true, ..Default::default() }, 41, 13, &[]).unwrap();
    assert_eq!(wait_for_events(&[ev]), Ok(()));
    assert_eq!(w.to_vec(), model[41..54].to_vec());
    assert_eq!(m.map_count(), 2);
    let new: Vec<u8> = (0..13).map(|i| 200 + i).collect();
    w.write(&new);
    model[41..54].copy_from_slice(&new);
    // Invalidate-region mapping: whatever the host writes replaces the region.
    let (_, inv) = q.enqueue_map_buffer(&m, true, MapFlags { invalidate: true, ..Default::default() }, 96, 4, &[]).unwrap();
    inv.write(&[1, 2, 3, 4]);
    model[96..100].copy_from_slice(&[1, 2, 3, 4]);
    assert_eq!(m.map_count(), 3);
    assert_eq!(code(q.enqueue_unmap(&m, 12345, &[])), -30, "not a mapping");
    let u1 = q.enqueue_unmap(&m, w.as_ptr() as usize, &[]).unwrap();
    assert_eq!(u1.command_type(), CommandType::UnmapMemObject);
    assert_eq!(code(q.enqueue_unmap(&m, w.as_ptr() as usize, &[])), -30, "already unmapped");
    q.enqueue_unmap(&m, inv.as_ptr() as usize, &[]).unwrap();
    q.enqueue_unmap(&m, r.as_ptr() as usize, &[]).unwrap();
    assert_eq!(m.map_count(), 0);
    assert_eq!(read_all(&q, &m), model);
}

#[test]
fn unaligned_write_and_read_blocking_and_not() {
    let env = env();
    let q = env.queue();
    let mut model = bytes(32, 50);
    let m = env.buffer_with(&model);
    // Non-blocking write of 7 bytes at offset 3, from runtime-owned bytes.
    q.enqueue_write_buffer(&m, 3, vec![0xC1; 7], &[]).unwrap();
    model[3..10].fill(0xC1);
    // Blocking write of 5 bytes at offset 13 from application memory.
    let src = [1u8, 2, 3, 4, 5];
    let hp = unsafe { HostPtr::new_const(src.as_ptr(), 5) };
    let ev = q.enqueue_write_buffer_host(&m, true, 13, hp, &[]).unwrap();
    assert_eq!(ev.status(), COMPLETE, "blocking write returned after completion");
    model[13..18].copy_from_slice(&src);
    // Non-blocking read of 5 bytes at offset 1 into application memory.
    let mut dst = [0u8; 5];
    let dp = unsafe { HostPtr::new(dst.as_mut_ptr(), 5) };
    let r = q.enqueue_read_buffer_host(&m, false, 1, dp, &[]).unwrap();
    assert_eq!(wait_for_events(&[r]), Ok(()));
    assert_eq!(dst.to_vec(), model[1..6].to_vec());
    // Blocking read of 3 bytes at offset 30 (the padded tail).
    let mut tail = [0u8; 3];
    let tp = unsafe { HostPtr::new(tail.as_mut_ptr(), 3) };
    q.enqueue_read_buffer_host(&m, true, 29, tp, &[]).unwrap();
    assert_eq!(tail.to_vec(), model[29..32].to_vec());
    // Single bytes at every offset.
    for off in 0..32u64 {
        q.enqueue_write_buffer(&m, off, vec![off as u8 ^ 0x5A], &[]).unwrap();
        model[off as usize] = off as u8 ^ 0x5A;
    }
    let (ev, out) = q.enqueue_read_buffer(&m, 7, 11, &[]).unwrap();
    q.finish().unwrap();
    assert_eq!(ev.status(), COMPLETE);
    assert_eq!(*out.lock(), model[7..18].to_vec());
    assert_eq!(read_all(&q, &m), model);
    // Out of range.
    assert_eq!(code(q.enqueue_write_buffer(&m, 30, vec![0; 3], &[])), -30);
    assert_eq!(code(q.enqueue_read_buffer(&m, 33, 0, &[])), -30);
    assert_eq!(code(q.enqueue_read_buffer(&m, u64::MAX, 2, &[])), -30);
}

#[test]
fn copies_aligned_unaligned_within_one_buffer_and_overlap() {
    let env = env();
    let q = env.queue();
    let mut ma = bytes(64, 10);
    let mut mb = bytes(64, 99);
    let a = env.buffer_with(&ma);
    let b = env.buffer_with(&mb);
    // Aligned between buffers.
    let ev = q.enqueue_copy_buffer(&a, &b, 8, 16, 24, &[]).unwrap();
    assert_eq!(ev.command_type(), CommandType::CopyBuffer);
    mb[16..40].copy_from_slice(&ma[8..32]);
    // Unaligned between buffers.
    q.enqueue_copy_buffer(&a, &b, 1, 6, 9, &[]).unwrap();
    mb[6..15].copy_from_slice(&ma[1..10]);
    q.enqueue_copy_buffer(&a, &b, 4, 45, 8, &[]).unwrap();
    mb[45..53].copy_from_slice(&ma[4..12]);
    // Within one buffer, non-overlapping (aligned and unaligned).
    q.enqueue_copy_buffer(&a, &a, 0, 32, 16, &[]).unwrap();
    ma.copy_within(0..16, 32);
    q.enqueue_copy_buffer(&a, &a, 3, 53, 10, &[]).unwrap();
    ma.copy_within(3..13, 53);
    // Adjacent, touching but not overlapping.
    q.enqueue_copy_buffer(&b, &b, 0, 5, 5, &[]).unwrap();
    mb.copy_within(0..5, 5);
    assert_eq!(read_all(&q, &a), ma);
    assert_eq!(read_all(&q, &b), mb);
    // Overlapping regions of one buffer.
    assert_eq!(q.enqueue_copy_buffer(&a, &a, 0, 4, 8, &[]).unwrap_err(), Error::MemCopyOverlap);
    assert_eq!(code(q.enqueue_copy_buffer(&a, &a, 10, 3, 8, &[])), -8);
    assert_eq!(code(q.enqueue_copy_buffer(&a, &a, 5, 5, 1, &[])), -8);
    assert_eq!(code(q.enqueue_copy_buffer(&a, &b, 60, 0, 5, &[])), -30);
    assert_eq!(code(q.enqueue_copy_buffer(&a, &b, 0, 60, 5, &[])), -30);
}

#[test]
fn fill_with_every_pattern_size() {
    let env = env();
    let q = env.queue();
    let mut model = bytes(512, 77);
    let m = env.buffer_with(&model);
    for (i, psize) in [1usize, 2, 4, 8, 16, 32].into_iter().enumerate() {
        let pattern: Vec<u8> = (0..psize).map(|j| (i * 40 + j + 1) as u8).collect();
        let off = psize * (i + 1);
        let size = psize * 3;
        let ev = q.enqueue_fill_buffer(&m, &pattern, off as u64, size as u64, &[]).unwrap();
        assert_eq!(ev.command_type(), CommandType::FillBuffer);
        for k in 0..size {
            model[off + k] = pattern[k % psize];
        }
    }
    // Zero pattern (the clear fast path) and an unaligned one-byte fill.
    q.enqueue_fill_buffer(&m, &[0, 0, 0, 0], 400, 40, &[]).unwrap();
    model[400..440].fill(0);
    q.enqueue_fill_buffer(&m, &[0], 441, 5, &[]).unwrap();
    model[441..446].fill(0);
    q.enqueue_fill_buffer(&m, &[0xEE], 447, 3, &[]).unwrap();
    model[447..450].fill(0xEE);
    assert_eq!(read_all(&q, &m), model);
    for (pat, off, size) in [(vec![1u8; 3], 0u64, 6u64), (vec![], 0, 4), (vec![1; 4], 2, 4), (vec![1; 4], 0, 6), (vec![1; 256], 0, 256), (vec![1; 4], 512, 4)] {
        assert_eq!(code(q.enqueue_fill_buffer(&m, &pat, off, size, &[])), -30, "{} {off} {size}", pat.len());
    }
}

#[test]
fn sub_buffers() {
    let env = env();
    let q = env.queue();
    let align = env.device.info().mem_base_addr_align as u64;
    assert!(align >= 4 && align.is_power_of_two(), "{align}");
    let size = align * 4;
    let mut model = bytes(size as usize, 5);
    let parent = env.buffer_with(&model);
    let sub = MemObject::new_sub_buffer(&parent, flags(0), align, align + 10).unwrap();
    assert!(sub.is_sub_buffer());
    // Access flags and the parent's host-pointer flags are inherited.
    assert_eq!((sub.offset(), sub.size(), sub.flags()), (align, align + 10, flags(MemFlags::READ_WRITE | MemFlags::COPY_HOST_PTR)));
    assert!(Arc::ptr_eq(sub.parent().unwrap(), &parent));
    assert_eq!(read_all(&q, &sub), model[align as usize..(2 * align + 10) as usize].to_vec());
    q.enqueue_write_buffer(&sub, 3, vec![0xD0; 9], &[]).unwrap();
    model[(align + 3) as usize..(align + 12) as usize].fill(0xD0);
    q.enqueue_fill_buffer(&sub, &[7, 8], align, 10, &[]).unwrap();
    for k in 0..10 {
        model[(2 * align) as usize + k] = [7, 8][k % 2];
    }
    assert_eq!(read_all(&q, &parent), model);
    // Copies between a sub-buffer and its parent overlap only if the regions do.
    assert_eq!(code(q.enqueue_copy_buffer(&parent, &sub, align, 0, 4, &[])), -8);
    q.enqueue_copy_buffer(&parent, &sub, 0, 20, 8, &[]).unwrap();
    model.copy_within(0..8, (align + 20) as usize);
    assert_eq!(read_all(&q, &parent), model);
    // Errors.
    assert_eq!(code(MemObject::new_sub_buffer(&parent, flags(0), align / 2, 4)), -13);
    assert_eq!(code(MemObject::new_sub_buffer(&parent, flags(0), align + 1, 4)), -13);
    assert_eq!(code(MemObject::new_sub_buffer(&parent, flags(0), 3 * align, align + 1)), -30);
    assert_eq!(code(MemObject::new_sub_buffer(&parent, flags(0), 5 * align, 4)), -30);
    assert_eq!(code(MemObject::new_sub_buffer(&parent, flags(0), u64::MAX - 3, 8)), -30);
    assert_eq!(code(MemObject::new_sub_buffer(&parent, flags(0), 0, 0)), -61);
    assert_eq!(code(MemObject::new_sub_buffer(&sub, flags(0), 0, 4)), -38);
    assert_eq!(code(MemObject::new_sub_buffer(&parent, flags(MemFlags::USE_HOST_PTR), 0, 4)), -30);
    let ro = MemObject::new_buffer(&env.ctx, flags(MemFlags::READ_ONLY), size, HostInit::None).unwrap();
    assert_eq!(code(MemObject::new_sub_buffer(&ro, flags(MemFlags::READ_WRITE), 0, 4)), -30);
    let ro_sub = MemObject::new_sub_buffer(&ro, flags(0), 0, 4).unwrap();
    assert_eq!(ro_sub.flags(), flags(MemFlags::READ_ONLY), "access flags are inherited");
}

// ---- destructor callbacks ----

#[test]
fn destructors_run_in_reverse_registration_order() {
    let env = env();
    let log = Log::new();
    let m = env.buffer(16);
    for i in 0..4 {
        let l = log.clone();
        m.set_destructor_callback(Box::new(move || l.push(i)));
    }
    let m2 = m.clone();
    drop(m);
    env.drain_callbacks();
    assert_eq!(log.len(), 0, "a reference remains");
    drop(m2);
    assert_eq!(log.wait_len(4), vec![3, 2, 1, 0]);
    env.drain_callbacks();
    assert_eq!(log.len(), 4);
}

#[test]
fn destructor_waits_for_in_flight_commands() {
    let env = env();
    let q = env.queue();
    let log: Log<&'static str> = Log::new();
    let m = env.buffer_with(&bytes(32, 3));
    let l = log.clone();
    m.set_destructor_callback(Box::new(move || l.push("destructor")));
    let gate = env.user_event();
    let (r, out) = q.enqueue_read_buffer(&m, 0, 32, &[gate.clone()]).unwrap();
    let l = log.clone();
    r.set_callback(CallbackType::Complete, Box::new(move |_, _| l.push("read complete")));
    q.flush().unwrap();
    drop(m);
    env.drain_callbacks();
    assert_eq!(log.get(), Vec::<&str>::new(), "the gated read still uses the buffer");
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(2), vec!["read complete", "destructor"]);
    assert_eq!(*out.lock(), bytes(32, 3));
}

#[test]
fn destructor_waits_for_commands_on_a_sub_buffer_and_kernels() {
    let env = env();
    let q = env.queue();
    let log: Log<&'static str> = Log::new();
    let align = env.device.info().mem_base_addr_align as u64;
    let parent = env.buffer(2 * align);
    let l = log.clone();
    parent.set_destructor_callback(Box::new(move || l.push("parent")));
    let sub = MemObject::new_sub_buffer(&parent, flags(0), align, 16).unwrap();
    let l = log.clone();
    sub.set_destructor_callback(Box::new(move || l.push("sub")));
    let prog = env.program("@group(0) @binding(0) var<storage, read_write> b: array<u32>;\n@compute @workgroup_size(4) fn k(@builtin(global_invocation_id) g: vec3<u32>) { b[g.x] = g.x + 40u; }");
    let k = Kernel::new(&prog, "k").unwrap();
    k.set_arg(0, KernelArg::Mem(Some(&sub))).unwrap();
    let gate = env.user_event();
    let kev = q.enqueue_nd_range(&k, &NdRange::d1(4), &[gate.clone()]).unwrap();
    let l = log.clone();
    kev.set_callback(CallbackType::Complete, Box::new(move |_, _| l.push("kernel complete")));
    q.flush().unwrap();
    drop(parent);
    env.drain_callbacks();
    assert_eq!(log.get(), Vec::<&str>::new(), "the sub-buffer holds the parent");
    drop(sub);
    env.drain_callbacks();
    assert_eq!(log.get(), Vec::<&str>::new(), "the gated kernel holds the sub-buffer");
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(3), vec!["kernel complete", "sub", "parent"]);
    assert_eq!(kev.status(), COMPLETE);
}

#[test]
fn use_host_ptr_region_is_never_written_after_the_destructor() {
    let env = env();
    let q = env.queue();
    // The host region lives in a Box the destructor callback overwrites and frees; a copy of
    // what it saw lets the test check the runtime wrote it before, and never after.
    let region: Arc<Mutex<Option<Box<[u8; 64]>>>> = Arc::new(Mutex::new(Some(Box::new([0x11; 64]))));
    let ptr = region.lock().unwrap().as_mut().unwrap().as_mut_ptr();
    let hp = unsafe { HostPtr::new(ptr, 64) };
    let m = MemObject::new_buffer(&env.ctx, flags(MemFlags::USE_HOST_PTR), 64, HostInit::Host(hp)).unwrap();
    q.enqueue_write_buffer(&m, 0, vec![0x22; 64], &[]).unwrap();
    let gate = env.user_event();
    // A gated read-mapping writes the host region when it runs.
    let (map_ev, p) = q.enqueue_map_buffer(&m, false, MapFlags { read: true, ..Default::default() }, 0, 64, &[gate.clone()]).unwrap();
    assert_eq!(p.as_ptr(), ptr);
    let seen: Log<Vec<u8>> = Log::new();
    let (r2, s2) = (region.clone(), seen.clone());
    m.set_destructor_callback(Box::new(move || {
        let mut g = r2.lock().unwrap();
        let mut b = g.take().expect("region present");
        s2.push(b.to_vec());
        b.fill(0x33);
        drop(b); // freed here: the runtime must never touch it again
    }));
    // A second region for a buffer whose destructor only overwrites (kept alive to check it).
    let mut keep = vec![0x44u8; 32];
    let hp2 = unsafe { HostPtr::new(keep.as_mut_ptr(), 32) };
    let m2 = MemObject::new_buffer(&env.ctx, flags(MemFlags::USE_HOST_PTR), 32, HostInit::Host(hp2)).unwrap();
    let q2 = env.queue(); // `q` is blocked behind the gated map
    q2.enqueue_write_buffer(&m2, 0, vec![0x55; 32], &[]).unwrap();
    let (_, p2) = q2.enqueue_map_buffer(&m2, true, MapFlags { read: true, write: true, ..Default::default() }, 0, 32, &[]).unwrap();
    let keep_ptr = keep.as_mut_ptr() as usize;
    let (tx, rx) = oneshot();
    m2.set_destructor_callback(Box::new(move || {
        let p = unsafe { HostPtr::new(keep_ptr as *mut u8, 32) };
        p.write(&[0x66; 32]);
        tx.send(()).unwrap();
    }));
    assert_eq!(p2.to_vec(), vec![0x55; 32]);
    q2.enqueue_unmap(&m2, p2.as_ptr() as usize, &[]).unwrap();
    q2.flush().unwrap();
    q.flush().unwrap();
    drop(m);
    drop(m2);
    env.drain_callbacks();
    assert!(seen.get().is_empty(), "the gated map still uses the buffer");
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(seen.wait_len(1), vec![vec![0x22; 64]], "the map wrote the region before the destructor");
    assert_eq!(map_ev.status(), COMPLETE);
    recv(&rx);
    q.finish().unwrap();
    q2.finish().unwrap();
    env.drain_callbacks();
    assert!(region.lock().unwrap().is_none());
    assert_eq!(keep, vec![0x66; 32], "no write after the destructor");
}

#[test]
fn kernel_args_do_not_retain_buffers() {
    let env = env();
    let q = env.queue();
    let prog = env.program("@group(0) @binding(0) var<storage, read_write> b: array<u32>;\n@compute @workgroup_size(1) fn k() { b[0] = 7u; }");
    let k = Kernel::new(&prog, "k").unwrap();
    let m = env.buffer(16);
    let (tx, rx) = oneshot();
    m.set_destructor_callback(Box::new(move || tx.send(()).unwrap()));
    k.set_arg(0, KernelArg::Mem(Some(&m))).unwrap();
    drop(m);
    recv(&rx);
    assert_eq!(code(q.enqueue_nd_range(&k, &NdRange::d1(1), &[])), -38);
    assert_eq!(q.enqueue_task(&k, &[]).unwrap_err(), Error::InvalidMemObject);
    // Setting a live buffer makes the kernel usable again.
    let m2 = env.buffer(16);
    k.set_arg(0, KernelArg::Mem(Some(&m2))).unwrap();
    q.enqueue_task(&k, &[]).unwrap();
    assert_eq!(read_all(&q, &m2)[..4], 7u32.to_le_bytes());
}

#[test]
fn context_destructor_runs_after_everything_is_gone() {
    let env = env();
    let ctx = Context::new(&[env.device.clone()]).unwrap();
    let log = Log::new();
    for i in 0..3 {
        let l = log.clone();
        ctx.set_destructor_callback(Box::new(move || l.push(i)));
    }
    let q = CommandQueue::new(&ctx, &env.device, QueueProperties::default()).unwrap();
    let m = MemObject::new_buffer(&ctx, flags(0), 8, HostInit::None).unwrap();
    let p = Program::with_source(&ctx, "@group(0) @binding(0) var<storage, read_write> b: array<u32>;\n@compute @workgroup_size(1) fn k() { b[0] = 1u; }").unwrap();
    p.build("", None).unwrap();
    let k = Kernel::new(&p, "k").unwrap();
    let ev = q.enqueue_write_buffer(&m, 0, vec![1; 8], &[]).unwrap();
    let u = Event::new_user(&ctx);
    q.finish().unwrap();
    drop(ctx);
    let check = |what: &str| {
        drain_callbacks(&env.ctx);
        assert_eq!(log.len(), 0, "{what} still holds the context");
    };
    drop(q);
    check("buffer/program/kernel/events");
    drop(m);
    check("program/kernel/events");
    drop(p);
    check("kernel/events");
    drop(k);
    check("events");
    drop(ev);
    check("user event");
    drop(u);
    assert_eq!(log.wait_len(3), vec![2, 1, 0]);
}
