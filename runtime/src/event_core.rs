//! The pure core of the event state machine: status, pending callbacks, which callbacks a
//! transition fires, and the per-event hand-off of fired callbacks to the dispatcher FIFO.
//!
//! It holds no lock and starts no thread, so the same code runs in the runtime (inside
//! [`Event`](crate::Event)'s `parking_lot` mutex, handing off to the callback thread) and in
//! the loom model of `runtime/tests/loom_event.rs` (inside a loom mutex, handing off to a
//! loom channel). The caller's glue is always the same three steps:
//!
//! 1. with the event's lock held, call [`Core::register`] or [`Core::transition`];
//! 2. release the lock;
//! 3. if that call returned `claimed == true`, call [`hand_off`] with a `next` that locks
//!    the event and calls [`Core::next_batch`], and a `send` that queues one batch on the
//!    dispatcher FIFO.
//!
//! # Why an outbox
//! Firing is decided under the event's lock, but callbacks must be handed to the FIFO
//! without holding it (on wasm the hand-off may run callbacks inline). Two transitions of
//! one event can happen on two threads (the pump marks SUBMITTED/RUNNING while the
//! completion thread marks COMPLETE; a registration on a reached status fires at once): if
//! each thread sent its own callbacks after unlocking, a COMPLETE callback could reach the
//! FIFO before a SUBMITTED one. So fired callbacks go, in decision order, into the event's
//! outbox, and exactly one thread at a time (the one whose call `claimed` the hand-off)
//! moves outbox batches to the FIFO, until it finds the outbox empty. The FIFO then runs
//! every event's callbacks in the order their statuses were reached.
use crate::event::{CallbackType, COMPLETE};

/// Callbacks to run now, each with the status to pass it, in the order to run them.
pub type Batch<C> = Vec<(C, i32)>;

/// Status, pending callbacks and outbox of one event. `C` is the callback type.
pub struct Core<C> {
    status: i32,
    pending: Vec<(CallbackType, C)>,
    outbox: Vec<Batch<C>>,
    handing_off: bool,
}

impl<C> Core<C> {
    pub fn new(status: i32) -> Self {
        Self { status, pending: Vec::new(), outbox: Vec::new(), handing_off: false }
    }

    pub fn status(&self) -> i32 {
        self.status
    }

    /// Callbacks registered and not fired yet.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// `clSetEventCallback`: a callback for a status already reached or passed fires now
    /// (with the error code if the event failed). Returns `claimed` (see the module docs).
    pub fn register(&mut self, ty: CallbackType, callback: C) -> bool {
        if self.status <= ty.status() {
            let status = if self.status < 0 { self.status } else { ty.status() };
            self.outbox.push(vec![(callback, status)]);
            self.claim()
        } else {
            self.pending.push((ty, callback));
            false
        }
    }

    /// Moves the status forward to `new` (a smaller status, or a negative error from any
    /// non-final one). `None` if that is no forward step (the event reached it already, or
    /// ended); otherwise `Some(claimed)`. The callbacks for every status reached or passed
    /// fire, SUBMITTED first, then RUNNING, then COMPLETE, in registration order within one
    /// status; on an error all pending callbacks fire with the error code.
    pub fn transition(&mut self, new: i32) -> Option<bool> {
        if self.status <= COMPLETE || (new >= 0 && new >= self.status) {
            return None;
        }
        self.status = new;
        let (mut fired, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.pending).into_iter().partition(|(ty, _)| new < 0 || ty.status() >= new);
        self.pending = kept;
        if fired.is_empty() {
            return Some(false);
        }
        // Stable: keeps registration order within one status.
        fired.sort_by_key(|(ty, _)| std::cmp::Reverse(*ty));
        self.outbox.push(fired.into_iter().map(|(ty, cb)| (cb, if new < 0 { new } else { ty.status() })).collect());
        Some(self.claim())
    }

    /// The hand-off is claimed by the first call that fills an outbox nobody is emptying.
    fn claim(&mut self) -> bool {
        if self.handing_off {
            false
        } else {
            self.handing_off = true;
            true
        }
    }

    /// For the claiming thread: the next batch to send, or `None` (and the claim released)
    /// when the outbox is empty.
    pub fn next_batch(&mut self) -> Option<Batch<C>> {
        if self.outbox.is_empty() {
            self.handing_off = false;
            None
        } else {
            Some(self.outbox.remove(0))
        }
    }
}

/// The claiming thread's loop: `next` locks the event and calls [`Core::next_batch`];
/// `send` queues one batch on the FIFO (called without the event's lock).
pub fn hand_off<C>(mut next: impl FnMut() -> Option<Batch<C>>, mut send: impl FnMut(Batch<C>)) {
    while let Some(batch) = next() {
        send(batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{QUEUED, RUNNING, SUBMITTED};

    fn drain(c: &mut Core<&'static str>) -> Vec<(&'static str, i32)> {
        let mut out = Vec::new();
        while let Some(b) = c.next_batch() {
            out.extend(b);
        }
        out
    }

    #[test]
    fn fires_in_status_order_once() {
        let mut c = Core::new(QUEUED);
        assert!(!c.register(CallbackType::Complete, "c1"));
        assert!(!c.register(CallbackType::Submitted, "s"));
        assert!(!c.register(CallbackType::Running, "r"));
        assert!(!c.register(CallbackType::Complete, "c2"));
        assert_eq!(c.transition(RUNNING), Some(true));
        // A second transition while the hand-off is claimed does not claim it again.
        assert_eq!(c.transition(COMPLETE), Some(false));
        assert_eq!(c.transition(COMPLETE), None);
        assert_eq!(c.transition(-5), None);
        assert_eq!(drain(&mut c), vec![("s", SUBMITTED), ("r", RUNNING), ("c1", 0), ("c2", 0)]);
        // Late registration claims again and gets its own status.
        assert!(c.register(CallbackType::Submitted, "late"));
        assert_eq!(drain(&mut c), vec![("late", SUBMITTED)]);
    }

    #[test]
    fn error_fires_everything_with_the_code() {
        let mut c = Core::new(SUBMITTED);
        c.register(CallbackType::Complete, "c");
        c.register(CallbackType::Running, "r");
        assert!(c.register(CallbackType::Submitted, "s"));
        assert_eq!(c.transition(SUBMITTED), None);
        assert_eq!(c.transition(-14), Some(false));
        assert_eq!(drain(&mut c), vec![("s", SUBMITTED), ("r", -14), ("c", -14)]);
        assert!(c.register(CallbackType::Running, "late"));
        assert_eq!(drain(&mut c), vec![("late", -14)]);
        assert_eq!(c.status(), -14);
        assert_eq!(c.pending_len(), 0);
    }
}
