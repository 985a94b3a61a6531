//! Host memory that belongs to the application: `CL_MEM_USE_HOST_PTR` regions and the
//! destinations of non-blocking reads, written by the runtime after the call returned.
//!
//! This is the one place where the runtime touches raw pointers; the C boundary creates
//! [`HostPtr`]s with the promise that the region stays valid for as long as the OpenCL spec
//! says the runtime may use it.

/// A region of application memory the runtime may read or write later.
#[derive(Clone, Copy, Debug)]
pub struct HostPtr {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the region is plain bytes owned by the application, which promised (by the OpenCL
// rules for the call that produced it) not to free it while the runtime may use it; the
// runtime accesses it from one thread at a time (the command that uses it).
unsafe impl Send for HostPtr {}
// SAFETY: as above; shared references only copy the pointer value.
unsafe impl Sync for HostPtr {}

impl HostPtr {
    /// # Safety
    /// `ptr` must be valid for reads and writes of `len` bytes until the runtime is done
    /// with it: for a `USE_HOST_PTR` buffer until its destructor callbacks ran, for a read
    /// destination until the read's event is complete.
    pub unsafe fn new(ptr: *mut u8, len: usize) -> Self {
        Self { ptr, len }
    }

    /// Wraps a read-only region (a write's source); the runtime never writes through it.
    ///
    /// # Safety
    /// As [`HostPtr::new`], for reads only.
    pub unsafe fn new_const(ptr: *const u8, len: usize) -> Self {
        Self { ptr: ptr as *mut u8, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// A sub-region (panics if out of range: callers check ranges first).
    pub fn offset(&self, offset: usize, len: usize) -> HostPtr {
        // checked: `offset + len` wrapping in release would pass and make `add` UB.
        assert!(offset.checked_add(len).is_some_and(|end| end <= self.len), "host region out of range");
        // SAFETY: in range of the original region, checked above.
        HostPtr { ptr: unsafe { self.ptr.add(offset) }, len }
    }

    /// Copies the region's bytes out.
    pub fn read(&self, dst: &mut [u8]) {
        assert_eq!(dst.len(), self.len);
        if self.len == 0 {
            return;
        }
        // SAFETY: the constructor's contract makes `ptr..ptr+len` readable; `dst` is a
        // distinct Rust allocation, so the ranges cannot overlap.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr, dst.as_mut_ptr(), self.len) }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.len];
        self.read(&mut v);
        v
    }

    /// Copies `src` into the region.
    pub fn write(&self, src: &[u8]) {
        assert_eq!(src.len(), self.len);
        if self.len == 0 {
            return;
        }
        // SAFETY: the constructor's contract makes `ptr..ptr+len` writable; `src` is runtime
        // memory (a mapped staging buffer or a Vec), distinct from application memory.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr, self.len) }
    }
}
