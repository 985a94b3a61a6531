//! Event callbacks: order, once-only, late registration, failure codes, release while
//! pending, re-entrancy into the API, blocking calls refused, panics contained.
mod common;
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wgcl::*;

#[test]
fn callback_type_from_status() {
    assert_eq!(CallbackType::from_status(0), Ok(CallbackType::Complete));
    assert_eq!(CallbackType::from_status(1), Ok(CallbackType::Running));
    assert_eq!(CallbackType::from_status(2), Ok(CallbackType::Submitted));
    for bad in [5, 3, -1, -14, i32::MAX] {
        assert_eq!(code(CallbackType::from_status(bad)), -30, "{bad}");
    }
    assert_eq!(CallbackType::Submitted.status(), 2);
}

#[test]
fn callbacks_fire_in_status_order_whatever_the_registration_order() {
    let env = env();
    let q = env.queue();
    let gate = env.user_event();
    let m = q.enqueue_marker(&[gate.clone()]).unwrap();
    let log = Log::new();
    m.set_callback(CallbackType::Complete, logger(&log, "m"));
    m.set_callback(CallbackType::Running, logger(&log, "m"));
    m.set_callback(CallbackType::Submitted, logger(&log, "m"));
    q.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    let got: Vec<i32> = log.wait_len(3).into_iter().map(|(_, s)| s).collect();
    assert_eq!(got, vec![2, 1, 0]);
    env.drain_callbacks();
    assert_eq!(log.len(), 3, "each called once");
}

#[test]
fn each_callback_called_once_including_several_per_status() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(64);
    let gate = env.user_event();
    let w = q.enqueue_write_buffer(&buf, 0, vec![1; 64], &[gate.clone()]).unwrap();
    let counts: Arc<Vec<AtomicUsize>> = Arc::new((0..9).map(|_| AtomicUsize::new(0)).collect());
    let log = Log::new();
    for i in 0..9usize {
        let ty = [CallbackType::Submitted, CallbackType::Running, CallbackType::Complete][i % 3];
        let (c, l) = (counts.clone(), log.clone());
        w.set_callback(ty, Box::new(move |_, s| {
            c[i].fetch_add(1, Ordering::SeqCst);
            l.push((i, s));
        }));
    }
    q.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    q.finish().unwrap();
    let got = log.wait_len(9);
    env.drain_callbacks();
    assert!(counts.iter().all(|c| c.load(Ordering::SeqCst) == 1));
    for (i, s) in &got {
        assert_eq!(*s, [2, 1, 0][i % 3], "callback {i} got the status it was registered for");
    }
    // Status order across statuses; registration order within one status.
    let order: Vec<usize> = got.iter().map(|(i, _)| *i).collect();
    assert_eq!(order, vec![0, 3, 6, 1, 4, 7, 2, 5, 8]);
}

#[test]
fn late_registration_is_still_called_with_the_registered_status() {
    let env = env();
    let q = env.queue();
    let m = q.enqueue_marker(&[]).unwrap();
    q.finish().unwrap();
    assert_eq!(m.status(), COMPLETE);
    let log = Log::new();
    m.set_callback(CallbackType::Submitted, logger(&log, "s"));
    m.set_callback(CallbackType::Running, logger(&log, "r"));
    m.set_callback(CallbackType::Complete, logger(&log, "c"));
    assert_eq!(log.wait_len(3), vec![("s", 2), ("r", 1), ("c", 0)]);
    // Registration between steps: a user event is SUBMITTED at creation, so a SUBMITTED
    // callback fires at once and a COMPLETE one waits.
    let u = env.user_event();
    let l2 = Log::new();
    u.set_callback(CallbackType::Submitted, logger(&l2, "u"));
    assert_eq!(l2.wait_len(1), vec![("u", 2)]);
    u.set_callback(CallbackType::Complete, logger(&l2, "u"));
    env.drain_callbacks();
    assert_eq!(l2.len(), 1, "COMPLETE not reached yet");
    u.set_user_status(COMPLETE).unwrap();
    assert_eq!(l2.wait_len(2), vec![("u", 2), ("u", 0)]);
}

#[test]
fn registering_on_a_complete_event_after_queue_release_works() {
    // Regression: callbacks on already-complete events whose queue (and every other holder)
    // is gone must neither crash nor be lost.
    let env = env();
    let ev = {
        let q = env.queue();
        let buf = env.buffer(4);
        let ev = q.enqueue_write_buffer(&buf, 0, vec![1; 4], &[]).unwrap();
        q.finish().unwrap();
        ev
    };
    assert!(ev.queue().is_none(), "the queue is released");
    let log = Log::new();
    for _ in 0..3 {
        ev.set_callback(CallbackType::Complete, logger(&log, "late"));
    }
    let ev2 = ev.clone();
    drop(ev);
    ev2.set_callback(CallbackType::Running, logger(&log, "late"));
    drop(ev2);
    assert_eq!(log.wait_len(4), vec![("late", 0), ("late", 0), ("late", 0), ("late", 1)]);
}

#[test]
fn dropping_the_last_reference_while_callbacks_are_pending() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(16);
    let gate = env.user_event();
    let w = q.enqueue_write_buffer(&buf, 0, vec![2; 16], &[gate.clone()]).unwrap();
    let log = Log::new();
    for ty in [CallbackType::Submitted, CallbackType::Running, CallbackType::Complete] {
        let l = log.clone();
        w.set_callback(ty, Box::new(move |e: &Arc<Event>, s| {
            // The event is usable: query it, clone it, register another callback on it.
            let e2 = e.clone();
            l.push((s, e.command_type(), e2.status() <= s));
            if s == COMPLETE {
                let l = l.clone();
                e.set_callback(CallbackType::Complete, Box::new(move |e, s| l.push((s + 100, e.command_type(), true))));
            }
        }));
    }
    q.flush().unwrap();
    drop(w);
    gate.set_user_status(COMPLETE).unwrap();
    let ty = CommandType::WriteBuffer;
    assert_eq!(log.wait_len(4), vec![(2, ty, true), (1, ty, true), (0, ty, true), (100, ty, true)]);
    assert_eq!(read_all(&q, &buf), vec![2; 16]);
}

#[test]
fn failure_delivers_the_code_to_every_pending_callback() {
    let env = env();
    let q = env.queue();
    let gate = env.user_event();
    let m = q.enqueue_marker(&[gate.clone()]).unwrap();
    let log = Log::new();
    gate.set_callback(CallbackType::Complete, logger(&log, "gate"));
    for ty in [CallbackType::Complete, CallbackType::Running, CallbackType::Submitted] {
        m.set_callback(ty, logger(&log, "m"));
    }
    q.flush().unwrap();
    gate.set_user_status(-42).unwrap();
    let got = log.wait_len(4);
    assert_eq!(got[0], ("gate", -42));
    assert_eq!(got[1..], [("m", -14), ("m", -14), ("m", -14)]);
}

#[test]
fn callbacks_may_call_back_into_the_api() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(32);
    let gate = env.user_event();
    let second_gate = env.user_event();
    let first = q.enqueue_marker(&[gate.clone()]).unwrap();
    let log: Log<String> = Log::new();
    let (q2, buf2, sg, l) = (q.clone(), buf.clone(), second_gate.clone(), log.clone());
    first.set_callback(CallbackType::Complete, Box::new(move |e, s| {
        // Retain / release.
        let held = e.clone();
        drop(held);
        // Set another user event's status.
        sg.set_user_status(COMPLETE).unwrap();
        // Enqueue non-blocking work and flush.
        let w = q2.enqueue_write_buffer(&buf2, 0, vec![6; 32], &[sg.clone()]).unwrap();
        let (r, out) = q2.enqueue_read_buffer(&buf2, 8, 8, &[w.clone()]).unwrap();
        q2.flush().unwrap();
        // Register further callbacks, whose bodies also re-enter.
        let l2 = l.clone();
        r.set_callback(CallbackType::Complete, Box::new(move |r, s| {
            l2.push(format!("read {s} {:?} {}", *out.lock(), r.status()));
        }));
        l.push(format!("first {s}"));
    }));
    q.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(2), vec!["first 0".to_string(), format!("read 0 {:?} 0", vec![6u8; 8])]);
    assert_eq!(second_gate.status(), COMPLETE);
    assert_eq!(read_all(&q, &buf), vec![6; 32]);
}

#[test]
fn blocking_calls_inside_a_callback_return_invalid_operation() {
    let env = env();
    let q = env.queue();
    let buf = env.buffer(16);
    let prog = env.program("@group(0) @binding(0) var<storage, read_write> b: array<u32>;\n@compute @workgroup_size(1) fn k() { b[0] = 1u; }");
    let other = env.queue();
    let pending = other.enqueue_marker(&[env.user_event()]).unwrap(); // never completes
    let m = q.enqueue_marker(&[]).unwrap();
    let (tx, rx) = oneshot();
    let (q2, buf2, p2, pend2) = (q.clone(), buf.clone(), prog.clone(), pending.clone());
    m.set_callback(CallbackType::Complete, Box::new(move |e, _| {
        let mut codes = Vec::new();
        codes.push(code(q2.finish()));
        codes.push(code(wait_for_events(&[e.clone()])));
        codes.push(code(e.wait()));
        codes.push(code(pend2.wait()));
        let mut dst = [0u8; 4];
        codes.push(code(q2.read_buffer_into(&buf2, 0, &mut dst, &[])));
        let src = [1u8; 4];
        let host = unsafe { HostPtr::new_const(src.as_ptr(), 4) };
        codes.push(code(q2.enqueue_write_buffer_host(&buf2, true, 0, host, &[])));
        let dst_host = unsafe { HostPtr::new(dst.as_mut_ptr(), 4) };
        codes.push(code(q2.enqueue_read_buffer_host(&buf2, true, 0, dst_host, &[])));
        codes.push(code(q2.enqueue_map_buffer(&buf2, true, MapFlags { read: true, ..Default::default() }, 0, 4, &[])));
        codes.push(code(p2.build("", None)));
        let kinds_ok = matches!(q2.finish(), Err(Error::InvalidOperation(_)));
        // A non-blocking build from a callback is allowed.
        let (btx, brx) = std::sync::mpsc::channel();
        let nb = p2.build("", Some(Box::new(move || btx.send(()).unwrap()))).is_ok();
        tx.send((codes, kinds_ok, nb, brx)).unwrap();
    }));
    q.flush().unwrap();
    let (codes, kinds_ok, nb, brx) = recv(&rx);
    assert_eq!(codes, vec![-59; 9]);
    assert!(kinds_ok);
    assert!(nb);
    recv(&brx);
    assert_eq!(prog.build_status(), BuildStatus::Success);
    // Outside callbacks the same calls work.
    q.finish().unwrap();
    assert_eq!(m.wait(), Ok(COMPLETE));
    drop(pending);
}

#[test]
fn a_panicking_callback_is_contained() {
    let env = env();
    let q = env.queue();
    let gate = env.user_event();
    let m = q.enqueue_marker(&[gate.clone()]).unwrap();
    let log = Log::new();
    m.set_callback(CallbackType::Submitted, Box::new(|_, _| panic!("boom (expected by the test)")));
    m.set_callback(CallbackType::Complete, Box::new(|_, _| panic!("boom (expected by the test)")));
    m.set_callback(CallbackType::Complete, logger(&log, "after-panic"));
    m.set_callback(CallbackType::Running, logger(&log, "running"));
    q.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(2), vec![("running", 1), ("after-panic", 0)]);
    // Late registrations that panic are contained too, and the thread lives on.
    m.set_callback(CallbackType::Complete, Box::new(|_, _| panic!("late boom (expected by the test)")));
    m.set_callback(CallbackType::Complete, logger(&log, "later"));
    assert_eq!(log.wait_len(3)[2], ("later", 0));
    let m2 = q.enqueue_marker(&[]).unwrap();
    m2.set_callback(CallbackType::Complete, logger(&log, "next"));
    q.flush().unwrap();
    assert_eq!(log.wait_len(4)[3], ("next", 0));
}
