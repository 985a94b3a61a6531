//! Handles: what a `cl_*` pointer points at, and the registry that validates them.
//!
//! A handle is `Arc::into_raw` of a [`Handle<T>`]: a `#[repr(C)]` box whose first field is
//! the ICD dispatch pointer (`cl_khr_icd` requires it), then the app-visible reference count
//! that `clRetain*`/`clRelease*` act on, the handles it retains (so info queries can hand
//! them back), and the object data `T` (usually an `Arc` of the runtime object).
//!
//! Every pointer that comes from C is looked up in [`REGISTRY`] (address -> kind) before it
//! is dereferenced, so NULL, freed, wrong-kind and garbage pointers become the
//! `CL_INVALID_<OBJECT>` code instead of a crash. A successful lookup clones the `Arc`
//! under the registry lock: a concurrent release to zero cannot free the box while the
//! entry point still uses it.
use std::any::Any;
use std::collections::BTreeMap;
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

/// The box a C handle points at. The layout up to `dispatch` is fixed by `cl_khr_icd`.
#[repr(C)]
pub struct Handle<T: ClObject> {
    dispatch: *const IcdDispatch,
    /// App-visible reference count; the box leaves the registry when it reaches zero.
    refs: AtomicU32,
    /// Handles this one retained (app-visible counts) so it can hand them back.
    retained: Vec<Retained>,
    pub data: T,
}

// SAFETY: `dispatch` points at the immutable, 'static dispatch table; everything else is
// Send + Sync by the `ClObject` bound and atomics.
unsafe impl<T: ClObject> Send for Handle<T> {}
// SAFETY: as above.
unsafe impl<T: ClObject> Sync for Handle<T> {}

/// Live handles: address -> kind. (A BTreeMap, not a HashMap: its nodes are referenced by
/// their start address, so leak checkers see the registry as reachable, not "possibly lost".)
static REGISTRY: Mutex<BTreeMap<usize, Kind>> = Mutex::new(BTreeMap::new());

/// Process-lifetime handles (platform, root devices), kept as `Arc`s so the boxes stay
/// reachable for leak checkers (a handle pointer points inside its allocation).
static STATIC_HANDLES: Mutex<Vec<Arc<dyn Any + Send + Sync>>> = Mutex::new(Vec::new());

fn with_registry<R>(f: impl FnOnce(&mut BTreeMap<usize, Kind>) -> R) -> R {
    f(&mut REGISTRY.lock())
}

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
        let arc = Arc::new(Handle { dispatch: dispatch_table(), refs: AtomicU32::new(1), retained, data });
        let ptr = Arc::into_raw(arc);
        with_registry(|r| r.insert(ptr as usize, T::KIND));
        ptr as *mut T::C
    }

    /// Looks `ptr` up; on success the returned `Arc` keeps the box alive for the caller.
    pub fn get(ptr: *mut T::C) -> Result<Arc<Self>, cl_int> {
        let addr = ptr as usize;
        with_registry(|r| {
            if r.get(&addr) != Some(&T::KIND) {
                return Err(T::KIND.invalid_code());
            }
            let p = addr as *const Self;
            // SAFETY: the registry holds exactly the addresses produced by `Arc::into_raw`
            // in `create` whose registry reference (the one `into_raw` leaked) has not been
            // given back yet (`release` removes the entry under this lock *before* giving the
            // reference back), so the strong count is >= 1 here and `p` is a live `Arc<Self>`.
            // One `Kind` belongs to exactly one `T`, so the type matches too.
            unsafe {
                Arc::increment_strong_count(p);
                Ok(Arc::from_raw(p))
            }
        })
    }

    /// `clRetain*`.
    pub fn retain(ptr: *mut T::C) -> Result<(), cl_int> {
        let h = Self::get(ptr)?;
        h.refs
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| if c == 0 { None } else { Some(c + 1) })
            .map(|_| ())
            .map_err(|_| T::KIND.invalid_code())
    }

    /// `clRelease*`: at zero the handle leaves the registry and its box reference is
    /// dropped (the box itself goes when the last in-flight entry point lets go of it).
    pub fn release(ptr: *mut T::C) -> Result<(), cl_int> {
        let h = Self::get(ptr)?;
        let prev = h
            .refs
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| if c == 0 { None } else { Some(c - 1) })
            .map_err(|_| T::KIND.invalid_code())?;
        if prev == 1 {
            let removed = with_registry(|r| r.remove(&(ptr as usize)).is_some());
            if removed {
                // SAFETY: gives back the reference `create` leaked with `into_raw`; it was
                // still owned by the registry entry we just removed, so this happens once.
                drop(unsafe { Arc::from_raw(ptr as *const Self) });
            }
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
        Arc::as_ptr(self) as *mut T::C
    }

    /// Takes one app-visible reference on this handle, given back when the result drops.
    pub fn retained(self: &Arc<Self>) -> Retained {
        self.refs.fetch_add(1, Ordering::AcqRel);
        Retained {
            addr: Arc::as_ptr(self) as usize,
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
    with_registry(|r| r.get(&(ptr as usize)) == Some(&kind))
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
}
