//! Handles: what a `cl_*` pointer points at, and the registry that validates them.
//!
//! A C handle is the address of a *shell*: one word holding the ICD dispatch pointer
//! (`cl_khr_icd` requires it first). The object itself is an `Arc<`[`Handle<T>`]`>` kept in
//! [`REGISTRY`] under the shell's address, with the app-visible reference count that
//! `clRetain*`/`clRelease*` act on, the handles it retains (so info queries can hand them
//! back), and the object data `T` (usually an `Arc` of the runtime object).
//!
//! Every pointer that comes from C is looked up in the registry before anything is done
//! with it, so NULL, freed, wrong-kind and garbage pointers become the
//! `CL_INVALID_<OBJECT>` code instead of a crash. A successful lookup clones the `Arc`
//! under the registry lock: a concurrent release to zero cannot free the object while the
//! entry point still uses it.
//!
//! Shells come from a slab that never gives memory back, and a released shell is reused
//! only after [`QUARANTINE`] later releases. So a stale handle (used after its last
//! release) still points at a valid dispatch pointer, the ICD loader's call through it
//! lands here, and the lookup fails with `CL_INVALID_*`; and it cannot name a newer object
//! until that many other handles have been released after it. Memory stays bounded: peak
//! live handles plus the quarantine, one word each.
use std::any::Any;
use std::collections::{BTreeMap, VecDeque};
use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::cl::*;
use crate::icd::{dispatch_table, IcdDispatch};

/// What kind of OpenCL object a handle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Platform,
    Device,
    Context,
    Queue,
    Mem,
    Program,
    Kernel,
    Event,
}

impl Kind {
    /// The error a wrong handle of this kind produces.
    pub const fn invalid_code(self) -> cl_int {
        match self {
            Kind::Platform => CL_INVALID_PLATFORM,
            Kind::Device => CL_INVALID_DEVICE,
            Kind::Context => CL_INVALID_CONTEXT,
            Kind::Queue => CL_INVALID_COMMAND_QUEUE,
            Kind::Mem => CL_INVALID_MEM_OBJECT,
            Kind::Program => CL_INVALID_PROGRAM,
            Kind::Kernel => CL_INVALID_KERNEL,
            Kind::Event => CL_INVALID_EVENT,
        }
    }
}

/// The data behind one kind of handle; `C` is its C pointer type (`cl_context`, ...).
pub trait ClObject: Send + Sync + Sized + 'static {
    const KIND: Kind;
    type C;
}

/// An object behind a C handle.
pub struct Handle<T: ClObject> {
    /// The shell address C holds.
    shell: usize,
    /// App-visible reference count; the object leaves the registry when it reaches zero.
    refs: AtomicU32,
    /// Handles this one retained (app-visible counts) so it can hand them back.
    retained: Vec<Retained>,
    pub data: T,
}

/// What a C handle points at; the layout is fixed by `cl_khr_icd`.
#[repr(C)]
struct Shell {
    dispatch: *const IcdDispatch,
}

/// Released shells are reused only after this many later releases.
pub const QUARANTINE: usize = 1 << 16;
/// Shells per slab chunk.
const CHUNK: usize = 1024;

/// Shell memory: chunks that live for the process, and the released shells, oldest first.
struct Slab {
    chunks: Vec<Box<[Shell]>>,
    /// Shells of the last chunk not handed out yet.
    next: usize,
    released: VecDeque<usize>,
}

// SAFETY: a shell only holds the address of the immutable, 'static dispatch table.
unsafe impl Send for Slab {}

static SHELLS: Mutex<Slab> = Mutex::new(Slab { chunks: Vec::new(), next: CHUNK, released: VecDeque::new() });

fn new_shell() -> usize {
    let mut s = SHELLS.lock();
    if s.released.len() > QUARANTINE {
        return s.released.pop_front().expect("longer than the quarantine");
    }
    if s.next == CHUNK {
        let chunk: Box<[Shell]> = (0..CHUNK).map(|_| Shell { dispatch: dispatch_table() }).collect();
        s.chunks.push(chunk);
        s.next = 0;
    }
    let i = s.next;
    s.next += 1;
    let chunk = s.chunks.last().expect("pushed above");
    &chunk[i] as *const Shell as usize
}

/// Live objects: shell address -> kind and the object. (A BTreeMap, not a HashMap: its
/// nodes are referenced by their start address, so leak checkers see the registry as
/// reachable, not "possibly lost".)
static REGISTRY: Mutex<BTreeMap<usize, (Kind, Arc<dyn Any + Send + Sync>)>> = Mutex::new(BTreeMap::new());

/// Process-lifetime handles (platform, root devices), kept here too so that no release
/// can ever end them.
static STATIC_HANDLES: Mutex<Vec<Arc<dyn Any + Send + Sync>>> = Mutex::new(Vec::new());

/// An owned app-visible reference on some handle, released when dropped.
pub struct Retained {
    addr: usize,
    release: fn(usize),
}

impl Drop for Retained {
    fn drop(&mut self) {
        (self.release)(self.addr)
    }
}

impl<T: ClObject> Handle<T> {
    /// Creates a handle with reference count 1 that retains `retained`, and registers it.
    pub fn create(data: T, retained: Vec<Retained>) -> *mut T::C {
        let shell = new_shell();
        let arc = Arc::new(Handle { shell, refs: AtomicU32::new(1), retained, data });
        REGISTRY.lock().insert(shell, (T::KIND, arc));
        shell as *mut T::C
    }

    /// Looks `ptr` up; on success the returned `Arc` keeps the object alive for the caller.
    pub fn get(ptr: *mut T::C) -> Result<Arc<Self>, cl_int> {
        let obj = match REGISTRY.lock().get(&(ptr as usize)) {
            Some((kind, obj)) if *kind == T::KIND => obj.clone(),
            _ => return Err(T::KIND.invalid_code()),
        };
        // One `Kind` belongs to exactly one `T`, so this cannot fail; stay an error if it did.
        obj.downcast::<Self>().map_err(|_| T::KIND.invalid_code())
    }

    /// `clRetain*`.
    pub fn retain(ptr: *mut T::C) -> Result<(), cl_int> {
        let h = Self::get(ptr)?;
        h.refs
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| if c == 0 { None } else { Some(c + 1) })
            .map(|_| ())
            .map_err(|_| T::KIND.invalid_code())
    }

    /// `clRelease*`: at zero the handle leaves the registry, its shell goes to the
    /// quarantine, and the registry's reference is dropped (the object itself goes when the
    /// last in-flight entry point lets go of it).
    pub fn release(ptr: *mut T::C) -> Result<(), cl_int> {
        let h = Self::get(ptr)?;
        let prev = h
            .refs
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| if c == 0 { None } else { Some(c - 1) })
            .map_err(|_| T::KIND.invalid_code())?;
        if prev == 1 {
            let removed = REGISTRY.lock().remove(&(ptr as usize));
            if removed.is_some() {
                SHELLS.lock().released.push_back(ptr as usize);
            }
            // Dropped outside the registry lock: it may release the handles it retained.
            drop(removed);
        }
        drop(h);
        Ok(())
    }

    /// The app-visible reference count (`CL_*_REFERENCE_COUNT`).
    pub fn ref_count(&self) -> cl_uint {
        self.refs.load(Ordering::Acquire)
    }

    /// This handle's C pointer.
    pub fn as_ptr(self: &Arc<Self>) -> *mut T::C {
        self.shell as *mut T::C
    }

    /// Takes one app-visible reference on this handle, given back when the result drops.
    pub fn retained(self: &Arc<Self>) -> Retained {
        self.refs.fetch_add(1, Ordering::AcqRel);
        Retained {
            addr: self.shell,
            release: |addr| {
                let _ = Self::release(addr as *mut T::C);
            },
        }
    }

    /// The handles this one retained, in creation order.
    pub fn retained_addrs(&self) -> impl Iterator<Item = usize> + '_ {
        self.retained.iter().map(|r| r.addr)
    }
}

/// Creates a handle that lives for the whole process (platforms, root devices).
pub fn create_static<T: ClObject>(data: T) -> *mut T::C {
    let ptr = Handle::create(data, Vec::new());
    let h = Handle::<T>::get(ptr).expect("just registered");
    STATIC_HANDLES.lock().push(h);
    ptr
}

/// `true` if `ptr` is a live handle of `kind` (for polymorphic arguments).
pub fn is_kind(ptr: *const c_void, kind: Kind) -> bool {
    REGISTRY.lock().get(&(ptr as usize)).is_some_and(|(k, _)| *k == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dummy(#[allow(dead_code)] u32);
    impl ClObject for Dummy {
        const KIND: Kind = Kind::Event;
        type C = _cl_event;
    }
    struct Other;
    impl ClObject for Other {
        const KIND: Kind = Kind::Mem;
        type C = _cl_event;
    }

    #[test]
    fn validates_and_counts() {
        let p = Handle::create(Dummy(7), Vec::new());
        assert_eq!(Handle::<Dummy>::get(p).unwrap().ref_count(), 1);
        assert_eq!(Handle::<Other>::get(p).err(), Some(CL_INVALID_MEM_OBJECT));
        assert_eq!(Handle::<Dummy>::get(std::ptr::null_mut()).err(), Some(CL_INVALID_EVENT));
        Handle::<Dummy>::retain(p).unwrap();
        Handle::<Dummy>::release(p).unwrap();
        let keep = Handle::<Dummy>::get(p).unwrap();
        Handle::<Dummy>::release(p).unwrap();
        assert_eq!(Handle::<Dummy>::get(p).err(), Some(CL_INVALID_EVENT));
        assert_eq!(Handle::<Dummy>::release(p).err(), Some(CL_INVALID_EVENT));
        assert_eq!(keep.data.0, 7);
    }

    #[test]
    fn retained_parents_are_released_with_the_child() {
        let parent = Handle::create(Dummy(1), Vec::new());
        let ph = Handle::<Dummy>::get(parent).unwrap();
        let child = Handle::create(Dummy(2), vec![ph.retained()]);
        assert_eq!(ph.ref_count(), 2);
        Handle::<Dummy>::release(child).unwrap();
        assert_eq!(ph.ref_count(), 1);
        Handle::<Dummy>::release(parent).unwrap();
        assert!(Handle::<Dummy>::get(parent).is_err());
    }

    /// A released handle's address is not handed out again before the quarantine has
    /// passed, so a stale handle stays invalid instead of naming a newer object.
    #[test]
    fn released_handles_are_not_reused_within_the_quarantine() {
        let stale = Handle::create(Dummy(1), Vec::new());
        Handle::<Dummy>::release(stale).unwrap();
        for _ in 0..1000 {
            let p = Handle::create(Dummy(2), Vec::new());
            assert_ne!(p, stale);
            assert_eq!(Handle::<Dummy>::release(stale).err(), Some(CL_INVALID_EVENT));
            Handle::<Dummy>::release(p).unwrap();
        }
        // The shell still holds the dispatch pointer the ICD loader reads.
        // SAFETY: shells are never freed; `stale` was one.
        assert_eq!(unsafe { (*(stale as *const Shell)).dispatch }, dispatch_table());
    }
}
