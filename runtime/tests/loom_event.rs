//! Model checking (loom) of the event state machine, its callback hand-off and the
//! release/destructor pattern.
//!
//! Run: `scripts/test-extra.sh` (or `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test
//! -p wgcl --release --test loom_event`). Without `--cfg loom` this file is empty.
//!
//! # What is the runtime's code and what is a model
//! * The state machine is the runtime's own [`wgcl::event_core::Core`] and
//!   [`wgcl::event_core::hand_off`], unchanged. [`Ev`] is a copy of the glue in
//!   `runtime/src/event.rs` (`Event::set_callback`, `Event::transition`,
//!   `Event::hand_off_callbacks`: lock, call the core, unlock, hand off if claimed) with
//!   loom's `Mutex`/`Arc` for `parking_lot`/std ones.
//! * The dispatcher (`runtime/src/dispatcher.rs`: one thread draining an mpsc FIFO) is
//!   modelled by [`Fifo`], a loom-mutexed queue and a consumer thread.
//! * The destructor pattern of `MemObject`/`Program`/`Context` (`Drop` takes the callback
//!   list and dispatches one job that calls them in reverse order, then frees the storage;
//!   a sub-buffer holds an `Arc` of its parent, every object one of its context) is modelled
//!   faithfully by [`Obj`].
//!
//! # What is checked, in every interleaving
//! * Each callback runs exactly once, with the right status.
//! * Callbacks run in exactly the order their firing was decided under the event's lock,
//!   which an independent oracle ([`Oracle`]) recomputes: hence status order per event
//!   (SUBMITTED, RUNNING, COMPLETE) for callbacks registered before, and late registrations
//!   after everything decided before them.
//! * No callback runs after the event was destroyed, and the event is destroyed once the
//!   last reference (the application's or a pending job's) is gone: no leak.
//! * Destructor callbacks run once each, only after the object's last reference is gone,
//!   in reverse registration order, before the storage is freed, children before parents.
//!
//! `old_algorithm_reorders_callbacks` models the algorithm before `event_core` (each thread
//! dispatched its own fired callbacks after unlocking) and must fail: it shows the checker
//! finds the reordering that the outbox fixes.
#![cfg(loom)]

use std::collections::VecDeque;

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use wgcl::event_core::{hand_off, Batch, Core};
use wgcl::{CallbackType, COMPLETE, QUEUED, RUNNING, SUBMITTED};

type Job = Box<dyn FnOnce() + Send>;

/// The dispatcher: one FIFO, drained by one consumer thread.
#[derive(Default)]
struct Fifo {
    q: Mutex<VecDeque<Job>>,
}

impl Fifo {
    fn dispatch(&self, job: Job) {
        self.q.lock().unwrap().push_back(job);
    }

    /// The callback thread: runs jobs until `done()` says everything expected ran.
    fn consume(&self, done: impl Fn() -> bool) {
        loop {
            let job = self.q.lock().unwrap().pop_front();
            match job {
                Some(job) => job(),
                None if done() => return,
                None => thread::yield_now(),
            }
        }
    }

    /// After every thread joined: runs what is left (a duplicate would show up in the log).
    fn drain(&self) {
        while let Some(job) = {
            let j = self.q.lock().unwrap().pop_front();
            j
        } {
            job();
        }
    }
}

/// What each callback records: (callback id, status it was given).
type Log = Arc<Mutex<Vec<(usize, i32)>>>;

/// An independent re-statement of the firing rules, updated under the event's lock with each
/// core call: the order in which callbacks must reach the FIFO.
#[derive(Default)]
struct Oracle {
    status: i32,
    pending: Vec<(usize, CallbackType)>,
    decided: Vec<(usize, i32)>,
}

impl Oracle {
    fn register(&mut self, id: usize, ty: CallbackType) {
        if self.status <= ty.status() {
            let s = if self.status < 0 { self.status } else { ty.status() };
            self.decided.push((id, s));
        } else {
            self.pending.push((id, ty));
        }
    }

    fn transition(&mut self, new: i32) -> bool {
        let forward = self.status > COMPLETE && (new < 0 || new < self.status);
        if !forward {
            return false;
        }
        self.status = new;
        let mut fired: Vec<_> = self.pending.iter().copied().filter(|(_, ty)| new < 0 || ty.status() >= new).collect();
        self.pending.retain(|(_, ty)| !(new < 0 || ty.status() >= new));
        fired.sort_by_key(|(_, ty)| std::cmp::Reverse(*ty));
        self.decided.extend(fired.into_iter().map(|(id, ty)| (id, if new < 0 { new } else { ty.status() })));
        true
    }
}

type Cb = Box<dyn FnOnce(&Arc<Ev>, i32) + Send>;

struct EvState {
    core: Core<Cb>,
    oracle: Oracle,
}

/// `wgcl::Event` reduced to its state machine, with the runtime's glue.
struct Ev {
    state: Mutex<EvState>,
    fifo: Arc<Fifo>,
    destroyed: Arc<AtomicBool>,
}

impl Drop for Ev {
    fn drop(&mut self) {
        assert!(!self.destroyed.swap(true, Ordering::SeqCst), "event destroyed twice");
    }
}

impl Ev {
    fn new(status: i32, fifo: &Arc<Fifo>) -> (Arc<Ev>, Arc<AtomicBool>) {
        let destroyed = Arc::new(AtomicBool::new(false));
        let ev = Arc::new(Ev {
            state: Mutex::new(EvState { core: Core::new(status), oracle: Oracle { status, ..Default::default() } }),
            fifo: fifo.clone(),
            destroyed: destroyed.clone(),
        });
        (ev, destroyed)
    }

    fn status(&self) -> i32 {
        self.state.lock().unwrap().core.status()
    }

    fn decided(&self) -> Vec<(usize, i32)> {
        self.state.lock().unwrap().oracle.decided.clone()
    }
}

/// The glue (on `Arc<Ev>`: loom's `Arc` cannot be a `self` type).
trait Glue {
    fn set_callback(&self, id: usize, ty: CallbackType, callback: Cb);
    fn hand_off_callbacks(&self);
    fn transition(&self, new: i32) -> bool;
}

impl Glue for Arc<Ev> {
    /// `Event::set_callback`.
    fn set_callback(&self, id: usize, ty: CallbackType, callback: Cb) {
        let claimed = {
            let mut st = self.state.lock().unwrap();
            st.oracle.register(id, ty);
            st.core.register(ty, callback)
        };
        if claimed {
            self.hand_off_callbacks();
        }
    }

    /// `Event::hand_off_callbacks`.
    fn hand_off_callbacks(&self) {
        hand_off(
            || self.state.lock().unwrap().core.next_batch(),
            |batch: Batch<Cb>| {
                let event = self.clone();
                self.fifo.dispatch(Box::new(move || {
                    for (cb, status) in batch {
                        cb(&event, status);
                    }
                }));
            },
        );
    }

    /// `Event::transition`.
    fn transition(&self, new: i32) -> bool {
        let claimed = {
            let mut st = self.state.lock().unwrap();
            let accepted = st.core.transition(new);
            assert_eq!(accepted.is_some(), st.oracle.transition(new), "core and oracle disagree on {new}");
            match accepted {
                None => return false,
                Some(c) => c,
            }
        };
        if claimed {
            self.hand_off_callbacks();
        }
        true
    }
}

/// A callback that logs `(id, status)` and checks the event is alive.
fn logging(log: &Log, id: usize) -> Cb {
    let log = log.clone();
    Box::new(move |ev: &Arc<Ev>, status| {
        assert!(!ev.destroyed.load(Ordering::SeqCst), "callback {id} ran after destruction");
        log.lock().unwrap().push((id, status));
    })
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    b.check(move || {
        r.fetch_add(1, Relaxed);
        f()
    });
    eprintln!("loom: {} interleavings explored (preemption bound {:?})", runs.load(Relaxed), b.preemption_bound);
}

/// Common end of a scenario: the log is exactly the oracle's decision order, each id once.
fn check_log(log: &Log, decided: &[(usize, i32)], expected: usize) {
    let got = log.lock().unwrap().clone();
    assert_eq!(got, decided, "callbacks ran out of decision order");
    let mut ids: Vec<usize> = got.iter().map(|(id, _)| *id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "a callback ran twice: {got:?}");
    assert_eq!(got.len(), expected, "a callback was lost: {got:?}");
}

/// The pump marks SUBMITTED then RUNNING while the completion thread marks COMPLETE (what
/// `Engine::pump_once` and `Engine::retire_completed` do for one command), while the
/// application registers more callbacks and drops its last reference.
#[test]
fn pump_completion_and_registration_race() {
    model(|| {
        let fifo = Arc::new(Fifo::default());
        let log: Log = Arc::default();
        let (ev, destroyed) = Ev::new(QUEUED, &fifo);
        ev.set_callback(0, CallbackType::Complete, logging(&log, 0));
        ev.set_callback(1, CallbackType::Submitted, logging(&log, 1));
        ev.set_callback(2, CallbackType::Running, logging(&log, 2));
        let oracle_view = ev.clone();
        let pump = {
            let ev = ev.clone();
            thread::spawn(move || {
                ev.transition(SUBMITTED);
                ev.transition(RUNNING);
            })
        };
        let completion = {
            let ev = ev.clone();
            thread::spawn(move || {
                assert!(ev.transition(COMPLETE));
            })
        };
        let consumer = {
            let (fifo, log) = (fifo.clone(), log.clone());
            thread::spawn(move || fifo.consume(|| log.lock().unwrap().len() == 5))
        };
        // The application: two more registrations, then its release.
        ev.set_callback(3, CallbackType::Complete, logging(&log, 3));
        ev.set_callback(4, CallbackType::Submitted, logging(&log, 4));
        drop(ev);
        pump.join().unwrap();
        completion.join().unwrap();
        consumer.join().unwrap();
        fifo.drain();
        assert_eq!(oracle_view.status(), COMPLETE);
        let decided = oracle_view.decided();
        drop(oracle_view);
        check_log(&log, &decided, 5);
        assert!(destroyed.load(Ordering::SeqCst), "event leaked");
    });
}

/// A user event: `set_user_status(COMPLETE)` races a device loss (`mark_lost` failing it with
/// -5) and a registration; a callback registers another callback from the callback thread
/// and drops the reference it was given. Exactly one final status wins.
#[test]
fn error_races_completion_and_callbacks_reenter() {
    model(|| {
        let fifo = Arc::new(Fifo::default());
        let log: Log = Arc::default();
        let (ev, destroyed) = Ev::new(SUBMITTED, &fifo);
        ev.set_callback(0, CallbackType::Running, logging(&log, 0));
        {
            let log = log.clone();
            ev.set_callback(
                1,
                CallbackType::Complete,
                Box::new(move |e: &Arc<Ev>, status| {
                    assert!(!e.destroyed.load(Ordering::SeqCst));
                    log.lock().unwrap().push((1, status));
                    // Re-entry from the callback thread: a late registration on itself.
                    e.set_callback(2, CallbackType::Complete, logging(&log, 2));
                    drop(e.clone());
                }),
            );
        }
        let view = ev.clone();
        let setter = {
            let ev = ev.clone();
            thread::spawn(move || ev.transition(COMPLETE))
        };
        let lost = {
            let ev = ev.clone();
            thread::spawn(move || ev.transition(-5))
        };
        let consumer = {
            let (fifo, log) = (fifo.clone(), log.clone());
            thread::spawn(move || fifo.consume(|| log.lock().unwrap().len() == 4))
        };
        ev.set_callback(3, CallbackType::Submitted, logging(&log, 3));
        drop(ev);
        let won = (setter.join().unwrap(), lost.join().unwrap());
        consumer.join().unwrap();
        fifo.drain();
        let fin = view.status();
        assert!(matches!((won, fin), ((true, false), COMPLETE) | ((false, true), -5)), "{won:?} {fin}");
        let decided = view.decided();
        drop(view);
        check_log(&log, &decided, 4);
        for (id, s) in log.lock().unwrap().iter() {
            let want = match id {
                // Registered on a SUBMITTED event: SUBMITTED, or the code if it failed first.
                3 if *s == SUBMITTED => SUBMITTED,
                0 if fin == COMPLETE => RUNNING,
                _ => fin,
            };
            assert_eq!(*s, want, "callback {id}");
        }
        assert!(destroyed.load(Ordering::SeqCst), "event leaked");
    });
}

/// The algorithm before `event_core`: decide under the lock, dispatch after unlocking, each
/// thread on its own. loom finds an interleaving where COMPLETE's callback reaches the FIFO
/// before SUBMITTED's.
#[test]
#[should_panic(expected = "out of order")]
fn old_algorithm_reorders_callbacks() {
    struct Old {
        st: Mutex<(i32, Vec<(CallbackType, usize)>)>,
        fifo: Arc<Fifo>,
        log: Log,
    }
    impl Old {
        fn transition(&self, new: i32) {
            let fired = {
                let mut st = self.st.lock().unwrap();
                if st.0 <= COMPLETE || (new >= 0 && new >= st.0) {
                    return;
                }
                st.0 = new;
                let (mut fired, kept): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut st.1).into_iter().partition(|(ty, _)| new < 0 || ty.status() >= new);
                st.1 = kept;
                fired.sort_by_key(|(ty, _)| std::cmp::Reverse(*ty));
                fired
            };
            if !fired.is_empty() {
                let log = self.log.clone();
                self.fifo.dispatch(Box::new(move || {
                    for (ty, id) in fired {
                        log.lock().unwrap().push((id, ty.status()));
                    }
                }));
            }
        }
    }
    model(|| {
        let fifo = Arc::new(Fifo::default());
        let log: Log = Arc::default();
        let ev = Arc::new(Old {
            st: Mutex::new((QUEUED, vec![(CallbackType::Complete, 0), (CallbackType::Submitted, 1)])),
            fifo: fifo.clone(),
            log: log.clone(),
        });
        let pump = {
            let ev = ev.clone();
            thread::spawn(move || ev.transition(SUBMITTED))
        };
        ev.transition(COMPLETE);
        pump.join().unwrap();
        fifo.drain();
        let got = log.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert!(got == [(1, SUBMITTED), (0, COMPLETE)], "out of order: {got:?}");
    });
}

// ---- The release / destructor pattern ----

/// Storage freed after the destructor callbacks (the wgpu buffer, the built program).
struct Storage(Arc<AtomicBool>);

impl Drop for Storage {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// `MemObject`/`Program`/`Context`: destructor callbacks, storage, an `Arc` of the parent.
struct Obj {
    destructors: Mutex<Vec<Job>>,
    storage: Option<Storage>,
    _parent: Option<Arc<Obj>>,
    fifo: Arc<Fifo>,
    /// Set when the last reference went (loom's `Arc` has no `Weak`).
    dropped: Arc<AtomicBool>,
}

impl Drop for Obj {
    fn drop(&mut self) {
        assert!(!self.dropped.swap(true, Ordering::SeqCst), "object dropped twice");
        let callbacks = std::mem::take(&mut *self.destructors.lock().unwrap());
        let storage = self.storage.take();
        if callbacks.is_empty() {
            return;
        }
        self.fifo.dispatch(Box::new(move || {
            for cb in callbacks.into_iter().rev() {
                cb();
            }
            drop(storage);
        }));
    }
}

/// A parent (a buffer) and a child (its sub-buffer) released on two threads while a third
/// registers destructor callbacks; the callback thread runs concurrently.
#[test]
fn destructor_callbacks_once_after_last_reference() {
    model(|| {
        let fifo = Arc::new(Fifo::default());
        let log: Arc<Mutex<Vec<&'static str>>> = Arc::default();
        let parent_freed = Arc::new(AtomicBool::new(false));
        let child_freed = Arc::new(AtomicBool::new(false));
        let (parent_dropped, child_dropped) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let parent = Arc::new(Obj {
            destructors: Mutex::new(Vec::new()),
            storage: Some(Storage(parent_freed.clone())),
            _parent: None,
            fifo: fifo.clone(),
            dropped: parent_dropped.clone(),
        });
        let child = Arc::new(Obj {
            destructors: Mutex::new(Vec::new()),
            storage: Some(Storage(child_freed.clone())),
            _parent: Some(parent.clone()),
            fifo: fifo.clone(),
            dropped: child_dropped.clone(),
        });
        let cb = |name: &'static str, freed: &Arc<AtomicBool>, dropped: &Arc<AtomicBool>| -> Job {
            let (log, freed, dropped) = (log.clone(), freed.clone(), dropped.clone());
            Box::new(move || {
                assert!(dropped.load(Ordering::SeqCst), "{name} ran while the object is alive");
                assert!(!freed.load(Ordering::SeqCst), "{name} ran after the storage was freed");
                log.lock().unwrap().push(name);
            })
        };
        parent.destructors.lock().unwrap().push(cb("parent-1", &parent_freed, &parent_dropped));
        let registrar = {
            let child = child.clone();
            let (c1, c2) = (cb("child-1", &child_freed, &child_dropped), cb("child-2", &child_freed, &child_dropped));
            thread::spawn(move || {
                child.destructors.lock().unwrap().push(c1);
                child.destructors.lock().unwrap().push(c2);
                drop(child);
            })
        };
        let releaser = {
            let (parent, child) = (parent.clone(), child.clone());
            thread::spawn(move || {
                drop(child);
                drop(parent);
            })
        };
        let consumer = {
            let (fifo, log) = (fifo.clone(), log.clone());
            thread::spawn(move || fifo.consume(|| log.lock().unwrap().len() == 3))
        };
        drop(child);
        drop(parent);
        registrar.join().unwrap();
        releaser.join().unwrap();
        consumer.join().unwrap();
        fifo.drain();
        assert_eq!(*log.lock().unwrap(), ["child-2", "child-1", "parent-1"]);
        assert!(parent_freed.load(Ordering::SeqCst) && child_freed.load(Ordering::SeqCst));
        assert!(parent_dropped.load(Ordering::SeqCst) && child_dropped.load(Ordering::SeqCst));
    });
}
