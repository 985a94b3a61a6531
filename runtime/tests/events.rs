//! Event state machine: statuses, user events, error propagation, markers/barriers, wait
//! lists, finish and profiling.
mod common;
use common::*;
use std::sync::Arc;
use wgcl::*;

#[test]
fn status_constants_are_the_opencl_values() {
    assert_eq!((COMPLETE, RUNNING, SUBMITTED, QUEUED, ERROR_FOR_EVENTS_IN_WAIT_LIST), (0, 1, 2, 3, -14));
    assert_eq!(Error::ExecStatusErrorForEventsInWaitList.code(), -14);
}

#[test]
fn gated_command_is_not_running_until_its_gate_opens() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(16);
    let gate = env.user_event();
    let w = q.enqueue_write_buffer(&buf, 0, vec![7; 16], &[gate.clone()]).unwrap();
    assert_eq!(w.status(), QUEUED, "enqueued, not flushed");
    assert_eq!(w.command_type(), CommandType::WriteBuffer);
    q.flush().unwrap();
    let s = w.status();
    assert!(s == QUEUED || s == SUBMITTED, "wait list incomplete: QUEUED or SUBMITTED, got {s}");
    // Statuses seen through callbacks for every step.
    let log = Log::new();
    for ty in [CallbackType::Submitted, CallbackType::Running, CallbackType::Complete] {
        w.set_callback(ty, logger(&log, "w"));
    }
    env.drain_callbacks();
    assert_eq!(log.len(), 0, "no step reached while gated");
    let s = w.status();
    assert!(s == QUEUED || s == SUBMITTED, "still gated after drain: {s}");
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(3), vec![("w", 2), ("w", 1), ("w", 0)]);
    assert_eq!(w.status(), COMPLETE);
    assert_eq!(read_all(&q, &buf), vec![7; 16]);
}

#[test]
fn status_moves_only_forward() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(1 << 16);
    let gate = env.user_event();
    let evs: Vec<Arc<Event>> = (0..20)
        .map(|i| q.enqueue_fill_buffer(&buf, &[i as u8], 0, 1 << 16, if i == 0 { std::slice::from_ref(&gate) } else { &[] }).unwrap())
        .collect();
    q.flush().unwrap();
    // A poller records every status it sees; each sequence must be non-increasing and end at 0.
    let watched = evs.clone();
    let poller = std::thread::spawn(move || {
        let mut seen: Vec<Vec<i32>> = vec![Vec::new(); watched.len()];
        loop {
            let mut done = true;
            for (i, e) in watched.iter().enumerate() {
                let s = e.status();
                if seen[i].last() != Some(&s) {
                    seen[i].push(s);
                }
                done &= s <= COMPLETE;
            }
            if done {
                return seen;
            }
            std::thread::yield_now();
        }
    });
    gate.set_user_status(COMPLETE).unwrap();
    q.finish().unwrap();
    let seen = poller.join().unwrap();
    for (i, s) in seen.iter().enumerate() {
        assert!(s.windows(2).all(|w| w[0] > w[1]), "event {i}: statuses went backwards: {s:?}");
        assert!(s.iter().all(|v| (0..=3).contains(v)), "event {i}: {s:?}");
        assert_eq!(*s.last().unwrap(), COMPLETE, "event {i}");
    }
    assert_eq!(read_all(&q, &buf)[..4], [19, 19, 19, 19]);
}

#[test]
fn user_event_rules() {
    let env = env();
    let u = env.user_event();
    assert_eq!(u.status(), SUBMITTED, "user events start CL_SUBMITTED");
    assert_eq!(u.command_type(), CommandType::User);
    assert!(u.is_user() && u.queue().is_none());
    assert_eq!(code(u.set_user_status(RUNNING)), -30);
    assert_eq!(code(u.set_user_status(SUBMITTED)), -30);
    assert_eq!(code(u.set_user_status(QUEUED)), -30);
    assert_eq!(code(u.set_user_status(7)), -30);
    assert_eq!(u.status(), SUBMITTED, "a refused status changes nothing");
    u.set_user_status(COMPLETE).unwrap();
    assert_eq!(u.status(), COMPLETE);
    assert!(matches!(u.set_user_status(COMPLETE), Err(Error::InvalidOperation(_))));
    assert_eq!(code(u.set_user_status(-5)), -59);
    assert_eq!(u.status(), COMPLETE);

    let f = env.user_event();
    f.set_user_status(-1234).unwrap();
    assert_eq!(f.status(), -1234);
    assert_eq!(code(f.set_user_status(COMPLETE)), -59);

    // set_user_status on a command's event.
    let q = env.queue();
    let m = q.enqueue_marker(&[]).unwrap();
    assert_eq!(m.set_user_status(COMPLETE), Err(Error::InvalidEvent));
    q.finish().unwrap();
    assert_eq!(code(m.set_user_status(-1)), -58);
}

#[test]
fn failure_propagates_down_a_chain() {
    let env = env();
    let q = env.queue_with(true, false);
    let buf = env.buffer(64);
    let a = env.user_event();
    let b = q.enqueue_write_buffer(&buf, 0, vec![1; 64], &[a.clone()]).unwrap();
    let c = q.enqueue_marker(&[b.clone()]).unwrap();
    let d = q.enqueue_fill_buffer(&buf, &[9], 0, 64, &[c.clone()]).unwrap();
    let log = Log::new();
    a.set_callback(CallbackType::Running, logger(&log, "a-running"));
    a.set_callback(CallbackType::Complete, logger(&log, "a"));
    for ty in [CallbackType::Submitted, CallbackType::Running, CallbackType::Complete] {
        b.set_callback(ty, logger(&log, "b"));
    }
    c.set_callback(CallbackType::Complete, logger(&log, "c"));
    d.set_callback(CallbackType::Complete, logger(&log, "d"));
    q.flush().unwrap();
    env.drain_callbacks();
    assert_eq!(log.len(), 0);
    a.set_user_status(-5).unwrap();
    let mut got = log.wait_len(7);
    got.sort();
    let mut want = vec![("a-running", -5), ("a", -5), ("b", -14), ("b", -14), ("b", -14), ("c", -14), ("d", -14)];
    want.sort();
    assert_eq!(got, want);
    assert_eq!((a.status(), b.status(), c.status(), d.status()), (-5, -14, -14, -14));
    assert_eq!(wait_for_events(&[d.clone()]), Err(Error::ExecStatusErrorForEventsInWaitList));
    assert_eq!(wait_for_events(&[b.clone(), c.clone()]), Err(Error::ExecStatusErrorForEventsInWaitList));
    assert_eq!(d.wait(), Ok(-14));
    // Blocking calls gated on a failed event report -14.
    let mut out = vec![0u8; 64];
    assert_eq!(q.read_buffer_into(&buf, 0, &mut out, &[c.clone()]).map(|_| ()), Err(Error::ExecStatusErrorForEventsInWaitList));
    let src = vec![3u8; 8];
    let host = unsafe { HostPtr::new_const(src.as_ptr(), src.len()) };
    assert_eq!(code(q.enqueue_write_buffer_host(&buf, true, 0, host, &[b.clone()])), -14);
    // Callbacks registered after the failure get the code at once.
    c.set_callback(CallbackType::Submitted, logger(&log, "late"));
    assert_eq!(log.wait_len(8)[7], ("late", -14));
    // The buffer was never written by the failed commands.
    q.finish().unwrap();
    assert_eq!(read_all(&q, &buf), vec![0; 64]);
}

#[test]
fn in_order_failure_orders_but_does_not_fail_later_commands() {
    // The wait list passes a failure on; the queue's implicit order only delays: c waits for
    // b to end, then runs, whether b had failed before c was enqueued or not.
    let env = env();
    let q = env.queue();
    let buf = env.buffer(8);
    let a = env.user_event();
    let b = q.enqueue_write_buffer(&buf, 0, vec![1; 8], &[a.clone()]).unwrap();
    let c = q.enqueue_write_buffer(&buf, 0, vec![2; 8], &[]).unwrap(); // implicitly after b
    let d = q.enqueue_write_buffer(&buf, 0, vec![9; 8], &[b.clone()]).unwrap(); // b in its wait list
    q.flush().unwrap();
    assert_eq!(c.status(), QUEUED, "c must wait for b to end");
    a.set_user_status(-3).unwrap();
    assert_eq!(b.wait(), Ok(-14));
    assert_eq!(c.wait(), Ok(COMPLETE));
    assert_eq!(d.wait(), Ok(-14));
    assert_eq!(q.finish(), Ok(()));
    assert_eq!(read_all(&q, &buf), vec![2; 8], "c ran, b and d did not");
    let w = q.enqueue_write_buffer(&buf, 0, vec![3; 8], &[]).unwrap();
    assert_eq!(read_all(&q, &buf), vec![3; 8]);
    assert_eq!(w.status(), COMPLETE);
}

#[test]
fn gated_commands_submit_with_no_further_app_call() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(32);
    let gate = env.user_event();
    let w = q.enqueue_write_buffer(&buf, 0, bytes(32, 1), &[gate.clone()]).unwrap();
    let (r, out) = q.enqueue_read_buffer(&buf, 4, 20, &[]).unwrap();
    let (tx, rx) = oneshot();
    r.set_callback(CallbackType::Complete, Box::new(move |_, s| tx.send(s).unwrap()));
    q.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(recv(&rx), COMPLETE);
    assert_eq!(w.status(), COMPLETE);
    assert_eq!(*out.lock(), bytes(32, 1)[4..24].to_vec());
}

#[test]
fn markers_and_barriers_in_order_queue() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(16);
    let gate = env.user_event();
    let w = q.enqueue_write_buffer(&buf, 0, vec![5; 16], &[gate.clone()]).unwrap();
    let m = q.enqueue_marker(&[]).unwrap();
    assert_eq!(m.command_type(), CommandType::Marker);
    let seen = Log::new();
    let w2 = w.clone();
    let s2 = seen.clone();
    m.set_callback(CallbackType::Complete, Box::new(move |_, s| s2.push((s, w2.status()))));
    let b = q.enqueue_barrier(&[]).unwrap();
    assert_eq!(b.command_type(), CommandType::Barrier);
    q.flush().unwrap();
    env.drain_callbacks();
    assert_eq!(seen.len(), 0);
    assert!(m.status() > RUNNING && b.status() > RUNNING);
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(seen.wait_len(1), vec![(COMPLETE, COMPLETE)], "marker completes after the write");
    assert_eq!(b.wait(), Ok(COMPLETE));
}

#[test]
fn out_of_order_queue_completes_in_gate_order_and_barrier_waits_for_both() {
    let env = env();
    let q = env.queue_with(true, false);
    let (b1, b2) = (env.buffer(16), env.buffer(16));
    let (u1, u2) = (env.user_event(), env.user_event());
    let c1 = q.enqueue_write_buffer(&b1, 0, vec![1; 16], &[u1.clone()]).unwrap();
    let c2 = q.enqueue_write_buffer(&b2, 0, vec![2; 16], &[u2.clone()]).unwrap();
    let bar = q.enqueue_barrier(&[]).unwrap();
    let after = q.enqueue_fill_buffer(&b1, &[3], 0, 8, &[]).unwrap(); // after the barrier
    let log = Log::new();
    c1.set_callback(CallbackType::Complete, logger(&log, "c1"));
    c2.set_callback(CallbackType::Complete, logger(&log, "c2"));
    let (c1b, c2b) = (c1.clone(), c2.clone());
    let l2 = log.clone();
    bar.set_callback(CallbackType::Complete, Box::new(move |_, s| {
        assert_eq!((c1b.status(), c2b.status()), (COMPLETE, COMPLETE));
        l2.push(("barrier", s));
    }));
    q.flush().unwrap();
    u2.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(1), vec![("c2", 0)]);
    assert!(c1.status() > RUNNING, "c1's gate is closed");
    assert!(bar.status() > RUNNING, "the barrier waits for c1 too");
    assert!(after.status() > RUNNING, "later commands wait for the barrier");
    u1.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(3), vec![("c2", 0), ("c1", 0), ("barrier", 0)]);
    q.finish().unwrap();
    assert_eq!(after.status(), COMPLETE);
    let mut want = vec![1u8; 16];
    want[..8].fill(3);
    assert_eq!(read_all(&q, &b1), want);
    assert_eq!(read_all(&q, &b2), vec![2; 16]);
}

#[test]
fn out_of_order_marker_with_wait_list_waits_only_for_its_list() {
    let env = env();
    let q = env.queue_with(true, false);
    let (b1, b2) = (env.buffer(4), env.buffer(4));
    let (u1, u2) = (env.user_event(), env.user_event());
    let c1 = q.enqueue_write_buffer(&b1, 0, vec![1; 4], &[u1.clone()]).unwrap();
    let c2 = q.enqueue_write_buffer(&b2, 0, vec![2; 4], &[u2.clone()]).unwrap();
    let m = q.enqueue_marker(&[c1.clone()]).unwrap();
    q.flush().unwrap();
    u1.set_user_status(COMPLETE).unwrap();
    assert_eq!(m.wait(), Ok(COMPLETE));
    assert_eq!(c1.status(), COMPLETE);
    assert!(c2.status() > RUNNING, "c2 still gated");
    u2.set_user_status(COMPLETE).unwrap();
    q.finish().unwrap();
    assert_eq!(c2.status(), COMPLETE);
}

#[test]
fn wait_lists_across_two_queues() {
    let env = env();
    let (q1, q2) = (env.queue(), env.queue_with(true, false));
    let buf = env.buffer(64);
    let gate = env.user_event();
    let w = q1.enqueue_write_buffer(&buf, 0, bytes(64, 9), &[gate.clone()]).unwrap();
    let (r, out) = q2.enqueue_read_buffer(&buf, 0, 64, &[w.clone()]).unwrap();
    q1.flush().unwrap();
    q2.flush().unwrap();
    env.drain_callbacks();
    assert!(r.status() > RUNNING, "read waits for q1's gated write");
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(r.wait(), Ok(COMPLETE));
    assert_eq!(w.status(), COMPLETE);
    assert_eq!(*out.lock(), bytes(64, 9));
}

/// A blocking read on one queue whose wait list holds a command never flushed on another
/// queue: the blocking call flushes that queue too (as clWaitForEvents does) instead of
/// waiting forever. The read runs on a thread so that a regression fails instead of hanging.
#[test]
fn blocking_read_flushes_the_queues_of_its_wait_list() {
    let env = env();
    let (q1, q2) = (env.queue(), env.queue());
    let buf = env.buffer(64);
    let w = q1.enqueue_write_buffer(&buf, 0, bytes(64, 7), &[]).unwrap();
    assert_eq!(w.status(), QUEUED, "not flushed yet");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = vec![0u8; 64];
        let r = q2.read_buffer_into(&buf, 0, &mut out, &[w]);
        let _ = tx.send((r.map(|_| ()), out));
    });
    let (r, out) = rx.recv_timeout(std::time::Duration::from_secs(120)).expect("the blocking read hung");
    assert_eq!(r, Ok(()));
    assert_eq!(out, bytes(64, 7));
    drop(q1);
}

#[test]
fn wait_for_events_rules() {
    let env = env();
    let q = env.queue();
    assert_eq!(code(wait_for_events(&[])), -30);
    let other = Context::new(&[env.device.clone()]).unwrap();
    let (a, b) = (env.user_event(), Event::new_user(&other));
    assert_eq!(wait_for_events(&[a.clone(), b.clone()]), Err(Error::InvalidContext));
    // wait_for_events flushes the events' queues itself.
    let buf = env.buffer(8);
    let w = q.enqueue_write_buffer(&buf, 0, vec![4; 8], &[]).unwrap();
    let m = q.enqueue_marker(&[]).unwrap();
    assert_eq!(wait_for_events(&[w.clone(), m.clone()]), Ok(()));
    assert_eq!((w.status(), m.status()), (COMPLETE, COMPLETE));
    // Waiting on a user event set from another thread.
    let a2 = a.clone();
    let t = std::thread::spawn(move || a2.set_user_status(COMPLETE).unwrap());
    assert_eq!(wait_for_events(&[a.clone()]), Ok(()));
    t.join().unwrap();
}

#[test]
fn finish_completes_everything_in_both_queue_kinds() {
    let env = env();
    for ooo in [false, true] {
        let q = env.queue_with(ooo, false);
        let buf = env.buffer(256);
        let evs: Vec<_> = (0..16u8).map(|i| q.enqueue_fill_buffer(&buf, &[i], i as u64 * 16, 16, &[]).unwrap()).collect();
        q.finish().unwrap();
        assert!(evs.iter().all(|e| e.status() == COMPLETE), "ooo={ooo}");
        let want: Vec<u8> = (0..256).map(|i| (i / 16) as u8).collect();
        assert_eq!(read_all(&q, &buf), want, "ooo={ooo}");
    }
}

#[test]
fn profiling_times_are_ordered() {
    let env = env();
    let q = env.queue_with(false, true);
    let buf = env.buffer(4096);
    let gate = env.user_event();
    let w = q.enqueue_write_buffer(&buf, 0, vec![1; 4096], &[gate.clone()]).unwrap();
    q.flush().unwrap();
    assert_eq!(code(w.profiling(ProfilingPoint::Queued)), -7, "not available before completion");
    assert_eq!(w.profiling(ProfilingPoint::End), Err(Error::ProfilingInfoNotAvailable));
    gate.set_user_status(COMPLETE).unwrap();
    let r = q.enqueue_fill_buffer(&buf, &[1, 2, 3, 4], 0, 4096, &[]).unwrap();
    q.finish().unwrap();
    for e in [&w, &r] {
        let t: Vec<u64> = [ProfilingPoint::Queued, ProfilingPoint::Submit, ProfilingPoint::Start, ProfilingPoint::End, ProfilingPoint::Complete]
            .into_iter()
            .map(|p| e.profiling(p).unwrap())
            .collect();
        assert!(t[0] > 0, "{t:?}");
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "queued <= submit <= start <= end <= complete: {t:?}");
    }
    // The gated command was submitted only after the gate opened.
    assert!(w.profiling(ProfilingPoint::Submit).unwrap() >= w.profiling(ProfilingPoint::Queued).unwrap());
    // User events and queues without profiling: not available.
    assert_eq!(code(gate.profiling(ProfilingPoint::Queued)), -7);
    let q2 = env.queue();
    let m = q2.enqueue_marker(&[]).unwrap();
    q2.finish().unwrap();
    assert_eq!(code(m.profiling(ProfilingPoint::Start)), -7);
}

/// A command may be RUNNING only once every event of its wait list is COMPLETE, also when
/// they share a submission (CTS events `waitlists`: a read with a two-event wait list was
/// RUNNING while the second event still ran). The callback thread runs callbacks in the
/// order the statuses were reached, so the log orders the transitions.
#[test]
fn wait_list_in_the_same_batch_is_complete_before_running() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(1 << 20);
    let gate = env.user_event();
    let a = q.enqueue_write_buffer(&buf, 0, vec![1; 1 << 20], &[gate.clone()]).unwrap();
    let b = q.enqueue_write_buffer(&buf, 0, vec![2; 1 << 20], &[a.clone()]).unwrap();
    let (c, out) = q.enqueue_read_buffer(&buf, 0, 1 << 20, &[a.clone(), b.clone()]).unwrap();
    let log = Log::new();
    for (ev, tag) in [(&a, "a"), (&b, "b"), (&c, "c")] {
        for ty in [CallbackType::Running, CallbackType::Complete] {
            ev.set_callback(ty, logger(&log, tag));
        }
    }
    // `c`'s wait list as seen when it is reported RUNNING.
    let (tx, rx) = oneshot();
    let deps = [a.clone(), b.clone()];
    c.set_callback(CallbackType::Running, Box::new(move |_, _| tx.send(deps.iter().map(|d| d.status()).collect::<Vec<_>>()).unwrap()));
    q.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(recv(&rx), vec![COMPLETE, COMPLETE]);
    let got = log.wait_len(6);
    let at = |e: (&str, i32)| got.iter().position(|g| *g == e).unwrap_or_else(|| panic!("{e:?} in {got:?}"));
    assert!(at(("a", COMPLETE)) < at(("b", RUNNING)), "{got:?}");
    assert!(at(("b", COMPLETE)) < at(("c", RUNNING)), "{got:?}");
    assert_eq!(*out.lock(), vec![2; 1 << 20]);
}
