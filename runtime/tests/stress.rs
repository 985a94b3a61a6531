//! Stress: thousands of events over several threads, callbacks registered before and after
//! completion and concurrently with status changes; each callback runs exactly once.
mod common;
use common::*;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use wgcl::*;

/// Counts callbacks and lets the test wait for a total.
struct Counter {
    per: Vec<[AtomicU32; 3]>,
    wrong_status: AtomicUsize,
    total: Mutex<usize>,
    cv: Condvar,
}

impl Counter {
    fn new(n: usize) -> Arc<Self> {
        Arc::new(Self {
            per: (0..n).map(|_| [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)]).collect(),
            wrong_status: AtomicUsize::new(0),
            total: Mutex::new(0),
            cv: Condvar::new(),
        })
    }
    fn callback(self: &Arc<Self>, id: usize, ty: CallbackType) -> EventCallback {
        let me = self.clone();
        Box::new(move |_, s| {
            if s != ty.status() {
                me.wrong_status.fetch_add(1, Ordering::SeqCst);
            }
            me.per[id][ty.status() as usize].fetch_add(1, Ordering::SeqCst);
            *me.total.lock().unwrap() += 1;
            me.cv.notify_all();
        })
    }
    fn wait_total(&self, n: usize) {
        let g = self.total.lock().unwrap();
        let (g, to) = self.cv.wait_timeout_while(g, TIMEOUT * 4, |t| *t < n).unwrap();
        assert!(!to.timed_out(), "{} of {n} callbacks", *g);
    }
}

#[test]
fn thousands_of_events_on_four_threads() {
    const THREADS: usize = 4;
    const PER: usize = 2000;
    let env = env();
    let counter = Counter::new(THREADS * PER);
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let (ctx, device, counter) = (env.ctx.clone(), env.device.clone(), counter.clone());
        handles.push(std::thread::spawn(move || {
            let q = CommandQueue::new(&ctx, &device, QueueProperties { out_of_order: t % 2 == 1, profiling: false }).unwrap();
            let buf = MemObject::new_buffer(&ctx, MemFlags(0), 256, HostInit::None).unwrap();
            let mut evs = Vec::with_capacity(PER);
            for i in 0..PER {
                let id = t * PER + i;
                let ev = if i % 10 == 0 {
                    q.enqueue_fill_buffer(&buf, &[(i / 10) as u8], ((i / 10) % 64 * 4) as u64, 4, &[]).unwrap()
                } else {
                    q.enqueue_marker(&[]).unwrap()
                };
                // Before completion (some before the flush, some after).
                ev.set_callback(CallbackType::Complete, counter.callback(id, CallbackType::Complete));
                if i % 50 == 49 {
                    q.flush().unwrap();
                }
                ev.set_callback(CallbackType::Submitted, counter.callback(id, CallbackType::Submitted));
                evs.push(ev);
            }
            q.finish().unwrap();
            // After completion.
            for (i, ev) in evs.iter().enumerate() {
                assert_eq!(ev.status(), COMPLETE);
                ev.set_callback(CallbackType::Running, counter.callback(t * PER + i, CallbackType::Running));
            }
            let mut out = vec![0u8; 256];
            q.read_buffer_into(&buf, 0, &mut out, &[]).unwrap();
            // CPU model of the fills: the last write to each word wins (in-order or not,
            // fills of the same word are ordered only on in-order queues).
            if t % 2 == 0 {
                let mut model = vec![0u8; 256];
                for i in (0..PER).step_by(10) {
                    let w = (i / 10) % 64 * 4;
                    model[w..w + 4].fill((i / 10) as u8);
                }
                assert_eq!(out, model);
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    counter.wait_total(THREADS * PER * 3);
    env.drain_callbacks();
    assert_eq!(counter.wrong_status.load(Ordering::SeqCst), 0);
    for (id, c) in counter.per.iter().enumerate() {
        let got = [c[0].load(Ordering::SeqCst), c[1].load(Ordering::SeqCst), c[2].load(Ordering::SeqCst)];
        assert_eq!(got, [1, 1, 1], "event {id}");
    }
    assert_eq!(*counter.total.lock().unwrap(), THREADS * PER * 3);
}

#[test]
fn callbacks_racing_with_user_status_changes() {
    const N: usize = 2000;
    let env = env();
    let events: Arc<Vec<Arc<Event>>> = Arc::new((0..N).map(|_| env.user_event()).collect());
    let counter = Counter::new(N);
    let fail_count = Arc::new(AtomicUsize::new(0));
    let setter = {
        let events = events.clone();
        std::thread::spawn(move || {
            for (i, e) in events.iter().enumerate() {
                e.set_user_status(if i % 7 == 0 { -1 } else { COMPLETE }).unwrap();
            }
        })
    };
    let registrar = {
        let (events, counter, fails) = (events.clone(), counter.clone(), fail_count.clone());
        std::thread::spawn(move || {
            for (i, e) in events.iter().enumerate() {
                let c = counter.callback(i, CallbackType::Complete);
                let f = fails.clone();
                e.set_callback(CallbackType::Complete, Box::new(move |e, s| {
                    if s < 0 {
                        assert_eq!((s, e.status()), (-1, -1));
                        f.fetch_add(1, Ordering::SeqCst);
                        // Count it under COMPLETE's slot with the expected status.
                        c(e, COMPLETE);
                    } else {
                        c(e, s);
                    }
                }));
            }
        })
    };
    setter.join().unwrap();
    registrar.join().unwrap();
    counter.wait_total(N);
    env.drain_callbacks();
    assert_eq!(counter.wrong_status.load(Ordering::SeqCst), 0);
    assert_eq!(fail_count.load(Ordering::SeqCst), N.div_ceil(7));
    for (id, c) in counter.per.iter().enumerate() {
        assert_eq!(c[0].load(Ordering::SeqCst), 1, "event {id}");
    }
}

#[test]
fn many_gated_chains_across_threads() {
    // 4 threads each build 200 commands gated on one user event, which another thread opens;
    // every command completes exactly once, in queue order for the in-order queues.
    let env = env();
    let gate = env.user_event();
    let mut handles = Vec::new();
    for t in 0..4 {
        let (ctx, device, gate) = (env.ctx.clone(), env.device.clone(), gate.clone());
        handles.push(std::thread::spawn(move || {
            let q = CommandQueue::new(&ctx, &device, QueueProperties::default()).unwrap();
            let log = Log::new();
            let mut last = None;
            for i in 0..200usize {
                let ev = q.enqueue_marker(if i == 0 { std::slice::from_ref(&gate) } else { &[] }).unwrap();
                ev.set_callback(CallbackType::Complete, logger(&log, if i % 2 == 0 { "even" } else { "odd" }));
                last = Some(ev);
            }
            q.flush().unwrap();
            (t, q, log, last.unwrap())
        }));
    }
    let built: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    env.drain_callbacks();
    for (_, _, log, last) in &built {
        assert_eq!(log.len(), 0);
        assert!(last.status() > RUNNING);
    }
    gate.set_user_status(COMPLETE).unwrap();
    for (t, _, log, last) in &built {
        let got = log.wait_len(200);
        let want: Vec<_> = (0..200).map(|i| (if i % 2 == 0 { "even" } else { "odd" }, 0)).collect();
        assert_eq!(got, want, "thread {t}");
        assert_eq!(last.status(), COMPLETE);
    }
}
