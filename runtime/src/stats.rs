//! Live-object counters for leak tests: each runtime object holds a [`Live`] token that
//! counts it in at construction and out when the object is dropped. Relaxed atomics only:
//! the counts are exact once the threads that touched the objects synchronised with the
//! reader (joined, or a callback observed), which is all the tests need.
use std::sync::atomic::{AtomicIsize, Ordering};

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Event = 0,
    MemObject = 1,
    Program = 2,
    Kernel = 3,
    Queue = 4,
    Context = 5,
}

static COUNTS: [AtomicIsize; 6] = [const { AtomicIsize::new(0) }; 6];

/// A counted object's token (a field of the object).
pub(crate) struct Live(Kind);

impl Live {
    pub(crate) fn new(kind: Kind) -> Self {
        COUNTS[kind as usize].fetch_add(1, Ordering::Relaxed);
        Live(kind)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        COUNTS[self.0 as usize].fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many runtime objects of each kind exist now (process-wide).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveCounts {
    pub events: isize,
    pub mem_objects: isize,
    pub programs: isize,
    pub kernels: isize,
    pub queues: isize,
    pub contexts: isize,
}

impl LiveCounts {
    /// Every count is zero.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

/// The live-object counters (for leak tests; not part of the API).
#[doc(hidden)]
pub fn live_objects() -> LiveCounts {
    let c = |k: Kind| COUNTS[k as usize].load(Ordering::Relaxed);
    LiveCounts {
        events: c(Kind::Event),
        mem_objects: c(Kind::MemObject),
        programs: c(Kind::Program),
        kernels: c(Kind::Kernel),
        queues: c(Kind::Queue),
        contexts: c(Kind::Context),
    }
}
