//! Device loss (`Device::inject_device_loss`: `wgpu::Device::destroy` + the engine's
//! `mark_lost`) while commands are unflushed, gated, in flight, waited on by a blocked
//! thread and being enqueued and flushed by other threads: every event ends (COMPLETE if it
//! finished before the loss, else negative), every callback fires exactly once, nothing
//! hangs, and later calls return CL_OUT_OF_RESOURCES (-5): enqueues, flush and finish, and
//! creating buffers, sub-buffers, queues and contexts on the lost device.
//!
//! One test in its own binary: the loss is permanent for the process-wide device.
mod common;
use common::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wgcl::*;

/// The final status of `ev`, or a test failure after [`TIMEOUT`] (never a hang).
fn final_status(ev: &Arc<Event>) -> i32 {
    let (tx, rx) = oneshot();
    ev.set_callback(CallbackType::Complete, Box::new(move |_, s| {
        let _ = tx.send(s);
    }));
    rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| panic!("{ev:?} did not end within {TIMEOUT:?}"))
}

/// A kernel slow enough on lavapipe to be in flight when the device goes.
const SLOW: &str = "
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@compute @workgroup_size(64)
fn spin(@builtin(global_invocation_id) g: vec3<u32>) {
    var x = data[g.x];
    for (var i = 0u; i < 200000u; i++) { x = x * 1664525u + 1013904223u; }
    data[g.x] = x;
}";

#[test]
fn device_loss_ends_everything_and_later_calls_fail() {
    let env = env();
    let q = env.queue();
    let oq = env.queue_with(true, false);
    let prog = env.program(SLOW);
    let k = Kernel::new(&prog, "spin").unwrap();
    let buf = env.buffer_with(&[0u8; 64 * 4 * 8]);
    k.set_arg(0, KernelArg::Mem(Some(&buf))).unwrap();

    // Callback bookkeeping: (event, registered callbacks) and how often each one ran.
    let counts = Arc::new(Mutex::new(Vec::<u32>::new()));
    let statuses = Arc::new(Mutex::new(Vec::<i32>::new()));
    let track = |ev: &Arc<Event>| {
        for ty in [CallbackType::Submitted, CallbackType::Running, CallbackType::Complete] {
            let id = {
                let mut c = counts.lock().unwrap();
                c.push(0);
                statuses.lock().unwrap().push(i32::MIN);
                c.len() - 1
            };
            let (c, s) = (counts.clone(), statuses.clone());
            ev.set_callback(ty, Box::new(move |_, st| {
                c.lock().unwrap()[id] += 1;
                s.lock().unwrap()[id] = st;
            }));
        }
    };

    let mut events = Vec::new();
    // In flight: slow kernels.
    for _ in 0..4 {
        let e = q.enqueue_nd_range(&k, &NdRange::d1(64 * 8), &[]).unwrap();
        track(&e);
        events.push(e);
    }
    q.flush().unwrap();
    // Gated in the engine.
    let gate = env.user_event();
    for _ in 0..3 {
        let e = oq.enqueue_write_buffer(&buf, 0, vec![1; 64], &[gate.clone()]).unwrap();
        track(&e);
        events.push(e);
    }
    let (gated_read, gated_out) = oq.enqueue_read_buffer(&buf, 0, 64, &[gate.clone()]).unwrap();
    track(&gated_read);
    events.push(gated_read.clone());
    oq.flush().unwrap();
    // Unflushed in a queue (not in `events`: it ends once something flushes it).
    let unflushed = q.enqueue_marker(&[]).unwrap();
    // Unflushed too, on a queue that is flushed explicitly after the loss.
    let flushed_late_q = env.queue();
    let flushed_late = flushed_late_q.enqueue_write_buffer(&buf, 0, vec![7; 4], &[]).unwrap();
    // A thread blocked in wait on a gated command.
    let blocked = {
        let e = gated_read.clone();
        std::thread::spawn(move || e.wait())
    };
    // Two threads enqueuing and flushing until their calls fail (races the loss).
    let stop = Arc::new(AtomicBool::new(false));
    let hammer_events = Arc::new(Mutex::new(Vec::new()));
    let first_error = Arc::new(Mutex::new(None::<Error>));
    let enqueued = Arc::new(AtomicUsize::new(0));
    let hammers: Vec<_> = (0..2)
        .map(|t| {
            let (ctx, device, stop, evs, err, n, buf) =
                (env.ctx.clone(), env.device.clone(), stop.clone(), hammer_events.clone(), first_error.clone(), enqueued.clone(), buf.clone());
            std::thread::spawn(move || {
                let hq = CommandQueue::new(&ctx, &device, QueueProperties { out_of_order: t == 1, profiling: false }).unwrap();
                while !stop.load(Ordering::SeqCst) {
                    let r = hq.enqueue_write_buffer(&buf, 256, vec![3; 8], &[]).and_then(|e| hq.enqueue_marker(&[e.clone()]).map(|m| (e, m)));
                    match r {
                        Ok((e, m)) => {
                            evs.lock().unwrap().push(e);
                            evs.lock().unwrap().push(m);
                            n.fetch_add(2, Ordering::SeqCst);
                            let _ = hq.flush();
                        }
                        Err(e) => {
                            err.lock().unwrap().get_or_insert(e);
                            break;
                        }
                    }
                }
                let _ = hq.flush();
            })
        })
        .collect();
    while enqueued.load(Ordering::SeqCst) < 200 {
        std::thread::sleep(Duration::from_millis(1));
    }

    env.device.inject_device_loss();

    // Every event ends; the in-flight and pending ones with an error.
    let finals: Vec<i32> = events.iter().map(final_status).collect();
    for (i, s) in finals.iter().enumerate() {
        assert!(*s <= COMPLETE, "event {i}: {s}");
    }
    for (i, s) in finals[4..].iter().enumerate() {
        assert!(*s < 0, "gated/unflushed event {i} ended {s}, want an error");
    }
    // clWaitForEvents flushes the unflushed marker: it fails instead of hanging.
    let (tx, rx) = oneshot();
    let u2 = unflushed.clone();
    std::thread::spawn(move || tx.send(wait_for_events(&[u2])).unwrap());
    assert_eq!(recv(&rx), Err(Error::ExecStatusErrorForEventsInWaitList));
    assert!(final_status(&unflushed) < 0);
    assert!(gated_out.lock().is_empty(), "a failed read delivered data");
    assert!(blocked.join().unwrap().unwrap() < 0, "the blocked waiter got success");
    stop.store(true, Ordering::SeqCst);
    for h in hammers {
        h.join().unwrap();
    }
    let hammered: Vec<Arc<Event>> = std::mem::take(&mut *hammer_events.lock().unwrap());
    let hammer_finals: Vec<i32> = hammered.iter().map(final_status).collect();
    assert!(hammer_finals.iter().all(|s| *s <= COMPLETE));
    if let Some(e) = first_error.lock().unwrap().clone() {
        assert_eq!(e.code(), -5, "{e}");
    }

    // Callbacks: each exactly once; the error status for every type not reached before.
    env.drain_callbacks();
    let counts = counts.lock().unwrap().clone();
    assert!(counts.iter().all(|c| *c == 1), "callback counts {counts:?}");
    for (i, s) in statuses.lock().unwrap().iter().enumerate() {
        let ev_final = finals[i / 3];
        let ty_status = [SUBMITTED, RUNNING, COMPLETE][i % 3];
        assert!(*s == ty_status || *s == ev_final && ev_final < 0, "callback {i}: {s} (event ended {ev_final})");
    }

    // Later calls fail with -5 instead of hanging.
    assert_eq!(code(q.enqueue_marker(&[])), -5);
    assert_eq!(code(oq.enqueue_nd_range(&k, &NdRange::d1(64), &[])), -5);
    assert_eq!(code(MemObject::new_buffer(&env.ctx, MemFlags(MemFlags::READ_WRITE), 64, HostInit::None)), -5);
    let mut dst = [0u8; 16];
    assert_eq!(code(q.read_buffer_into(&buf, 0, &mut dst, &[])), -5);
    assert_eq!(code(oq.enqueue_write_buffer(&buf, 0, vec![0; 4], &[])), -5);
    let sub = MemObject::new_sub_buffer(&buf, MemFlags(MemFlags::READ_WRITE), 0, 64);
    assert_eq!(code(sub), -5, "sub-buffer");
    assert_eq!(code(CommandQueue::new(&env.ctx, &env.device, QueueProperties::default())), -5, "queue");
    assert_eq!(code(Context::new(&[env.device.clone()])), -5, "context");
    // flush hands a command enqueued before the loss over, which then fails, and reports
    // the loss.
    assert_eq!(code(flushed_late_q.flush()), -5, "flush with a command");
    assert!(final_status(&flushed_late) < 0);
    // finish and flush report the loss, without hanging, on both kinds of queue.
    let (tx, rx) = oneshot();
    let (q2, oq2) = (q.clone(), oq.clone());
    std::thread::spawn(move || {
        let r = [q2.flush(), oq2.flush(), q2.finish(), oq2.finish()].map(|r| r.map_err(|e| e.code()));
        tx.send(r).unwrap();
    });
    let finished = recv(&rx);
    assert_eq!(finished, [Err(-5); 4], "flush, flush, finish, finish");
    // A user event gating nothing still works: it is no device object.
    let u = env.user_event();
    u.set_user_status(COMPLETE).unwrap();
    assert_eq!(final_status(&u), COMPLETE);
    gate.set_user_status(COMPLETE).unwrap();
    eprintln!(
        "device_loss: {} tracked events ({:?}), {} hammer events, {} callbacks exactly once; later calls: {finished:?}",
        events.len(),
        finals,
        hammered.len(),
        counts.len()
    );
}
