//! Fault paths (device loss is in `device_loss.rs`: it kills the process-wide device).
//!
//! * A user event set to a negative status fails its whole dependency graph, across queues
//!   of both kinds, through kernels, copies, reads and markers, with -14 for dependents and
//!   the user's own code for the user event; implicit queue order does not pass it on;
//!   nothing gated on it touches memory. (`events.rs` covers a linear chain.)
//! * A kernel launch that wgpu refuses at dispatch (a buffer smaller than the shader's
//!   fixed-size array) ends with a negative status, fires its callbacks, fails its
//!   dependents with -14, does not hang the queue, and fails no unrelated command.
//! * A panicking destructor/release callback is contained (`callbacks.rs` covers event
//!   callbacks that panic or block).
mod common;
use common::*;
use std::sync::Arc;
use wgcl::*;

/// The final status of `ev`, or a test failure after [`TIMEOUT`] (never a hang).
fn final_status(ev: &Arc<Event>) -> i32 {
    let (tx, rx) = oneshot();
    ev.set_callback(CallbackType::Complete, Box::new(move |_, s| {
        let _ = tx.send(s);
    }));
    rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| panic!("{ev:?} did not end within {TIMEOUT:?}"))
}

const INC: &str = "
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@compute @workgroup_size(64)
fn inc(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x < arrayLength(&data)) { data[g.x] = data[g.x] + 1u; }
}";

#[test]
fn negative_user_status_fails_the_whole_dependency_graph() {
    let env = env();
    let qa = env.queue(); // in-order
    let qb = env.queue_with(true, true); // out-of-order, profiling
    let prog = env.program(INC);
    let k = Kernel::new(&prog, "inc").unwrap();
    let data = env.buffer_with(&[0u8; 256]);
    let other = env.buffer_with(&[5u8; 256]);
    k.set_arg(0, KernelArg::Mem(Some(&data))).unwrap();
    let gate = env.user_event();
    let ok_gate = env.user_event();
    let log = Log::new();

    // The graph: gate -> k1 (qa) -> copy (qb) -> {read (qa), marker (qb)} -> barrier (qb)
    //            gate + ok_gate -> fill (qb)
    // plus, not in the graph: a write on qa after k1 (implicit order only) and a kernel on
    // qb gated on ok_gate only.
    let k1 = qa.enqueue_nd_range(&k, &NdRange::d1(64), &[gate.clone()]).unwrap();
    let after_k1 = qa.enqueue_write_buffer(&other, 0, vec![9u8; 16], &[]).unwrap();
    let copy = qb.enqueue_copy_buffer(&data, &other, 0, 128, 64, &[k1.clone()]).unwrap();
    let (read, read_out) = qa.enqueue_read_buffer(&data, 0, 64, &[copy.clone()]).unwrap();
    let marker = qb.enqueue_marker(&[copy.clone(), after_k1.clone()]).unwrap();
    let barrier = qb.enqueue_barrier(&[marker.clone()]).unwrap();
    let fill = qb.enqueue_fill_buffer(&other, &[1, 2, 3, 4], 0, 32, &[ok_gate.clone(), gate.clone()]).unwrap();
    let k2 = {
        // A second kernel object on another buffer, gated on ok_gate only.
        let k2k = Kernel::new(&prog, "inc").unwrap();
        let b2 = env.buffer_with(&[0u8; 256]);
        k2k.set_arg(0, KernelArg::Mem(Some(&b2))).unwrap();
        qb.enqueue_nd_range(&k2k, &NdRange::d1(64), &[ok_gate.clone()]).unwrap()
    };
    let failing = [("k1", &k1), ("copy", &copy), ("read", &read), ("marker", &marker), ("barrier", &barrier), ("fill", &fill)];
    for (name, ev) in failing.iter().chain([("after_k1", &after_k1), ("k2", &k2)].iter()) {
        for ty in [CallbackType::Complete, CallbackType::Running, CallbackType::Submitted] {
            ev.set_callback(ty, logger(&log, name));
        }
    }
    gate.set_callback(CallbackType::Complete, logger(&log, "gate"));
    qa.flush().unwrap();
    qb.flush().unwrap();
    env.drain_callbacks();
    // after_k1 is ordered behind k1 on the in-order queue: it waits too.
    assert!(log.get().is_empty(), "{:?}", log.get());

    gate.set_user_status(-1234).unwrap();
    assert_eq!(gate.status(), -1234);
    // Everything in the graph ends now, including the barrier (waits on marker) and the fill
    // (its other gate is still closed, but one failed wait-list event fails it at once).
    for (name, ev) in &failing {
        assert_eq!(final_status(ev), ERROR_FOR_EVENTS_IN_WAIT_LIST, "{name}");
    }
    // Implicit order only: after_k1 runs once k1 ended.
    assert_eq!(final_status(&after_k1), COMPLETE);
    assert_eq!(k2.status(), QUEUED);
    ok_gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(final_status(&k2), COMPLETE);
    qa.finish().unwrap();
    qb.finish().unwrap();
    env.drain_callbacks();

    let got = log.get();
    assert_eq!(got.len(), 1 + 3 * 8, "{got:?}");
    assert_eq!(got.iter().filter(|(n, _)| *n == "gate").collect::<Vec<_>>(), [&("gate", -1234)]);
    for (name, _) in &failing {
        let mine: Vec<i32> = got.iter().filter(|(n, _)| n == name).map(|(_, s)| *s).collect();
        assert_eq!(mine, [-14, -14, -14], "{name}");
    }
    for name in ["after_k1", "k2"] {
        let mine: Vec<i32> = got.iter().filter(|(n, _)| *n == name).map(|(_, s)| *s).collect();
        assert_eq!(mine, [2, 1, 0], "{name}");
    }
    // Nothing gated on the failure touched memory: no increment, no copy, no fill, no read.
    assert!(read_out.lock().is_empty());
    assert_eq!(read_all(&qa, &data), vec![0u8; 256]);
    let mut want_other = vec![5u8; 256];
    want_other[..16].fill(9);
    assert_eq!(read_all(&qa, &other), want_other);
    // Profiling of a failed command is unavailable, not garbage.
    assert_eq!(code(copy.profiling(ProfilingPoint::End)), -7);
    // Late registrations on failed events get the code at once; wait lists report -14.
    barrier.set_callback(CallbackType::Submitted, logger(&log, "late"));
    assert_eq!(log.wait_len(got.len() + 1).last(), Some(&("late", -14)));
    assert_eq!(wait_for_events(&[k2.clone(), barrier.clone()]), Err(Error::ExecStatusErrorForEventsInWaitList));
    let mut dst = [0u8; 4];
    assert_eq!(code(qa.read_buffer_into(&data, 0, &mut dst, &[marker.clone()])), -14);
    // The queues stay usable.
    let m = qb.enqueue_marker(&[]).unwrap();
    qb.flush().unwrap();
    assert_eq!(final_status(&m), COMPLETE);
}

/// wgpu checks a binding's size against the shader's fixed-size storage array only at
/// dispatch (the layout leaves `min_binding_size` open), so a kernel bound to too small a
/// buffer is refused when its batch is encoded. The launch must end with an error (never hang,
/// never report success) with every callback fired once; a command with it in its wait list
/// fails with -14; unrelated commands of the same submission, including the next one of the
/// in-order queue, run.
#[test]
fn kernel_refused_at_dispatch_fails_alone() {
    let env = env();
    let q = env.queue();
    let oq = env.queue_with(true, false);
    let prog = env.program(
        "@group(0) @binding(0) var<storage, read_write> dst: array<u32, 64>;
@compute @workgroup_size(64)
fn fixed(@builtin(global_invocation_id) g: vec3<u32>) {
    dst[g.x] = dst[g.x] + 1u;
}",
    );
    let k = Kernel::new(&prog, "fixed").unwrap();
    // 64 bytes where the shader declares 256: OpenCL does not know array sizes, so this
    // enqueue is legal; wgpu refuses the dispatch.
    let small = env.buffer_with(&[0u8; 64]);
    let side = env.buffer_with(&[0u8; 64]);
    k.set_arg(0, KernelArg::Mem(Some(&small))).unwrap();
    let gate = env.user_event();
    // One batch once the gate opens: a write, the bad launch, a write after it (implicit
    // order only), and on another queue a copy that waits for the launch and a fill that
    // does not.
    let before = q.enqueue_write_buffer(&side, 0, vec![1u8; 16], &[gate.clone()]).unwrap();
    let launch = q.enqueue_nd_range(&k, &NdRange::d1(64), &[]).unwrap();
    let after = q.enqueue_write_buffer(&side, 16, vec![2u8; 16], &[]).unwrap();
    let dependent = oq.enqueue_copy_buffer(&side, &small, 0, 0, 16, &[launch.clone()]).unwrap();
    let unrelated = oq.enqueue_fill_buffer(&side, &[3u8], 32, 16, &[gate.clone()]).unwrap();
    let log = Log::new();
    for ty in [CallbackType::Submitted, CallbackType::Running, CallbackType::Complete] {
        launch.set_callback(ty, logger(&log, "launch"));
        dependent.set_callback(ty, logger(&log, "dependent"));
    }
    q.flush().unwrap();
    oq.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    let status = final_status(&launch);
    assert_eq!(status, -5, "the refused launch (CL_OUT_OF_RESOURCES)");
    assert_eq!(final_status(&dependent), ERROR_FOR_EVENTS_IN_WAIT_LIST);
    let mut got = log.wait_len(6);
    env.drain_callbacks();
    assert_eq!(log.len(), 6);
    got.sort();
    assert_eq!(got, [("dependent", -14), ("dependent", -14), ("dependent", -14), ("launch", -5), ("launch", -5), ("launch", -5)]);
    // Unrelated commands of the same batch are not failed with it.
    let others = [&before, &after, &unrelated].map(final_status);
    assert_eq!(others, [COMPLETE; 3], "launch ended {status}");
    let mut want = vec![0u8; 64];
    want[..16].fill(1);
    want[16..32].fill(2);
    want[32..48].fill(3);
    assert_eq!(read_all(&q, &side), want);
    // Neither the launch nor the failed copy touched `small`.
    assert_eq!(read_all(&q, &small), vec![0u8; 64]);
    // The queue and the kernel stay usable with a buffer of the declared size.
    let big = env.buffer_with(&[0u8; 256]);
    k.set_arg(0, KernelArg::Mem(Some(&big))).unwrap();
    let ok = q.enqueue_nd_range(&k, &NdRange::d1(64), &[]).unwrap();
    q.finish().unwrap();
    assert_eq!(ok.status(), COMPLETE);
    assert_eq!(read_all(&q, &big), bytemuck::cast_slice::<u32, u8>(&[1u32; 64]).to_vec());
}

#[test]
fn panicking_destructor_and_release_callbacks_are_contained() {
    let env = env();
    let log: Log<&'static str> = Log::new();
    {
        let buf = env.buffer(64);
        let l = log.clone();
        buf.set_destructor_callback(Box::new(move || l.push("mem-first-registered")));
        buf.set_destructor_callback(Box::new(|| panic!("destructor boom (expected by the test)")));
        let l = log.clone();
        buf.set_destructor_callback(Box::new(move || l.push("mem-last-registered")));
        let prog = Program::with_source(&env.ctx, INC).unwrap();
        prog.set_release_callback(Box::new(|| panic!("release boom (expected by the test)")));
        let l = log.clone();
        prog.set_release_callback(Box::new(move || l.push("program")));
        // Released inside an event callback, on the callback thread.
        let u = env.user_event();
        u.set_callback(CallbackType::Complete, Box::new(move |_, _| {
            drop(buf);
            drop(prog);
        }));
        u.set_user_status(COMPLETE).unwrap();
    }
    assert_eq!(log.wait_len(3), ["mem-last-registered", "mem-first-registered", "program"]);
    // The callback thread lives on.
    env.drain_callbacks();
}

#[test]
fn arc_arguments_outlive_the_application_release() {
    // The application releases the kernel, program and buffers right after enqueueing:
    // the command keeps them until it completes, then they go (destructor callbacks once).
    let env = env();
    let q = env.queue();
    let log: Log<&'static str> = Log::new();
    let gate = env.user_event();
    let (launch, out) = {
        let prog = env.program(INC);
        let l = log.clone();
        prog.set_release_callback(Box::new(move || l.push("program")));
        let k = Kernel::new(&prog, "inc").unwrap();
        let buf = env.buffer_with(&[0u8; 256]);
        let l = log.clone();
        buf.set_destructor_callback(Box::new(move || l.push("buffer")));
        k.set_arg(0, KernelArg::Mem(Some(&buf))).unwrap();
        let launch = q.enqueue_nd_range(&k, &NdRange::d1(64), &[gate.clone()]).unwrap();
        let (r, out) = q.enqueue_read_buffer(&buf, 0, 16, &[launch.clone()]).unwrap();
        drop(r);
        (launch, out)
    };
    q.flush().unwrap();
    env.drain_callbacks();
    assert!(log.get().is_empty());
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(final_status(&launch), COMPLETE);
    q.finish().unwrap();
    let mut got = log.wait_len(2);
    got.sort();
    assert_eq!(got, ["buffer", "program"]);
    assert_eq!(*out.lock(), bytemuck::cast_slice::<u32, u8>(&[1u32; 4]).to_vec());
    let _: &Arc<Event> = &launch;
}
