//! Memory objects: buffers and sub-buffers, their host-pointer modes and destructor callbacks.
//!
//! A buffer's storage is one wgpu buffer (size rounded up to 4 bytes, wgpu's copy unit).
//! `CL_MEM_USE_HOST_PTR` keeps the application's region as the object's host storage: the
//! device copy is filled from it at creation and written back to it when the application
//! maps the buffer (the points where OpenCL says the two must agree).
//!
//! Destruction: commands and sub-buffers hold `Arc`s, kernels only `Weak`s (`clSetKernelArg`
//! does not retain). When the last `Arc` goes, [`Drop`] hands the destructor callbacks and the
//! wgpu buffer to the callback thread, which calls the callbacks in reverse order of
//! registration and then frees the storage. After that the runtime never touches a
//! `USE_HOST_PTR` region again.
use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::context::Context;
use crate::dispatcher::{dispatch, run_contained};
use crate::error::{Error, Result};
use crate::host::HostPtr;

/// `cl_mem_flags` bits (the OpenCL values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemFlags(pub u64);

impl MemFlags {
    pub const READ_WRITE: u64 = 1 << 0;
    pub const WRITE_ONLY: u64 = 1 << 1;
    pub const READ_ONLY: u64 = 1 << 2;
    pub const USE_HOST_PTR: u64 = 1 << 3;
    pub const ALLOC_HOST_PTR: u64 = 1 << 4;
    pub const COPY_HOST_PTR: u64 = 1 << 5;
    pub const HOST_WRITE_ONLY: u64 = 1 << 7;
    pub const HOST_READ_ONLY: u64 = 1 << 8;
    pub const HOST_NO_ACCESS: u64 = 1 << 9;
    const ACCESS: u64 = Self::READ_WRITE | Self::WRITE_ONLY | Self::READ_ONLY;
    const HOST_ACCESS: u64 = Self::HOST_WRITE_ONLY | Self::HOST_READ_ONLY | Self::HOST_NO_ACCESS;
    const ALL: u64 = Self::ACCESS | Self::USE_HOST_PTR | Self::ALLOC_HOST_PTR | Self::COPY_HOST_PTR | Self::HOST_ACCESS;

    pub fn has(self, bit: u64) -> bool {
        self.0 & bit != 0
    }

    fn validate(self) -> Result<()> {
        let f = self.0;
        if f & !Self::ALL != 0
            || (f & Self::ACCESS).count_ones() > 1
            || (f & Self::HOST_ACCESS).count_ones() > 1
            || (self.has(Self::USE_HOST_PTR) && (self.has(Self::ALLOC_HOST_PTR) || self.has(Self::COPY_HOST_PTR)))
        {
            return Err(Error::InvalidValue("invalid cl_mem_flags"));
        }
        Ok(())
    }
}

/// One live `clEnqueueMapBuffer` mapping: its host memory and what it covers.
pub(crate) struct Mapping {
    pub offset: u64,
    pub write: bool,
    /// Where the mapping lives for the application.
    pub host: HostPtr,
    /// Runtime-owned memory for the mapping (`None` when it is the USE_HOST_PTR region),
    /// shared by the map's read-back and the unmap: on an out-of-order queue the unmap may
    /// complete first, and the read-back must not then write into freed memory.
    pub storage: Option<Arc<MapStorage>>,
}

/// Host memory for a mapping, 128-byte aligned so any OpenCL type can live in it.
pub(crate) struct MapStorage(Vec<Aligned>);

#[derive(Clone, Copy)]
#[repr(C, align(128))]
struct Aligned([u8; 128]);

impl MapStorage {
    fn new(len: u64) -> Self {
        Self(vec![Aligned([0; 128]); (len as usize).div_ceil(128).max(1)])
    }

    fn host_ptr(&mut self, len: u64) -> HostPtr {
        // SAFETY: the Vec holds at least `len` bytes and is kept (in the mapping, the map's
        // read-back and the unmap command) until no command uses the region any more.
        unsafe { HostPtr::new(self.0.as_mut_ptr() as *mut u8, len as usize) }
    }
}

enum Storage {
    Buffer { buffer: Option<wgpu::Buffer> },
    Sub { parent: Arc<MemObject>, offset: u64 },
}

/// `cl_mem`: a buffer or a sub-buffer.
pub struct MemObject {
    context: Arc<Context>,
    flags: MemFlags,
    size: u64,
    host_ptr: Option<HostPtr>,
    storage: Storage,
    destructors: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    maps: Mutex<HashMap<usize, Mapping>>,
    _live: crate::stats::Live,
}

impl std::fmt::Debug for MemObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemObject").field("size", &self.size).field("flags", &self.flags).finish()
    }
}

/// Where a buffer's initial contents come from.
pub enum HostInit<'a> {
    None,
    /// `CL_MEM_COPY_HOST_PTR` from a Rust slice.
    Copy(&'a [u8]),
    /// `CL_MEM_COPY_HOST_PTR` or `CL_MEM_USE_HOST_PTR` with an application region.
    Host(HostPtr),
}

impl MemObject {
    /// `clCreateBuffer`.
    pub fn new_buffer(context: &Arc<Context>, flags: MemFlags, size: u64, init: HostInit<'_>) -> Result<Arc<Self>> {
        flags.validate()?;
        let wants_ptr = flags.has(MemFlags::USE_HOST_PTR) || flags.has(MemFlags::COPY_HOST_PTR);
        let has_ptr = !matches!(init, HostInit::None);
        if wants_ptr != has_ptr {
            return Err(Error::InvalidHostPtr);
        }
        let device = context.devices()[0].clone();
        let max = device.info().max_mem_alloc_size;
        if size == 0 || size > max {
            return Err(Error::InvalidBufferSize);
        }
        let engine = device.engine()?;
        engine.check_alive()?;
        let padded = size.div_ceil(4) * 4;
        let buffer = engine.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("wgcl buffer"),
            size: padded,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let initial: Option<Vec<u8>> = match &init {
            HostInit::None => None,
            HostInit::Copy(data) => {
                if (data.len() as u64) < size {
                    return Err(Error::InvalidHostPtr);
                }
                Some(data[..size as usize].to_vec())
            }
            HostInit::Host(p) => {
                if (p.len() as u64) < size {
                    return Err(Error::InvalidHostPtr);
                }
                Some(p.offset(0, size as usize).to_vec())
            }
        };
        if let Some(mut data) = initial {
            data.resize(padded as usize, 0);
            // Staged now, applied before the next submission: before any command that can
            // use this buffer, since none can be enqueued before this call returns.
            engine.queue.write_buffer(&buffer, 0, &data);
        }
        let host_ptr = match init {
            HostInit::Host(p) if flags.has(MemFlags::USE_HOST_PTR) => Some(p.offset(0, size as usize)),
            _ => None,
        };
        Ok(Arc::new(Self {
            context: context.clone(),
            flags,
            size,
            host_ptr,
            storage: Storage::Buffer { buffer: Some(buffer) },
            destructors: Mutex::new(Vec::new()),
            maps: Mutex::new(HashMap::new()),
            _live: crate::stats::Live::new(crate::stats::Kind::MemObject),
        }))
    }

    /// `clCreateSubBuffer` with `CL_BUFFER_CREATE_TYPE_REGION`.
    pub fn new_sub_buffer(parent: &Arc<MemObject>, flags: MemFlags, origin: u64, size: u64) -> Result<Arc<Self>> {
        if parent.is_sub_buffer() {
            return Err(Error::InvalidMemObject);
        }
        if flags.has(MemFlags::USE_HOST_PTR) || flags.has(MemFlags::ALLOC_HOST_PTR) || flags.has(MemFlags::COPY_HOST_PTR) {
            return Err(Error::InvalidValue("sub-buffers take no host pointer flags"));
        }
        flags.validate()?;
        let pf = parent.flags;
        // Access flags are inherited when absent; given ones must not widen the parent's.
        let access = flags.0 & MemFlags::ACCESS;
        let host_access = flags.0 & MemFlags::HOST_ACCESS;
        let bad_access = (pf.has(MemFlags::WRITE_ONLY) && access & (MemFlags::READ_WRITE | MemFlags::READ_ONLY) != 0)
            || (pf.has(MemFlags::READ_ONLY) && access & (MemFlags::READ_WRITE | MemFlags::WRITE_ONLY) != 0)
            || (pf.has(MemFlags::HOST_WRITE_ONLY) && host_access & MemFlags::HOST_READ_ONLY != 0)
            || (pf.has(MemFlags::HOST_READ_ONLY) && host_access & MemFlags::HOST_WRITE_ONLY != 0)
            || (pf.has(MemFlags::HOST_NO_ACCESS) && host_access & (MemFlags::HOST_READ_ONLY | MemFlags::HOST_WRITE_ONLY) != 0);
        if bad_access {
            return Err(Error::InvalidValue("sub-buffer flags conflict with the parent's"));
        }
        if size == 0 {
            return Err(Error::InvalidBufferSize);
        }
        if origin.checked_add(size).is_none_or(|end| end > parent.size) {
            return Err(Error::InvalidValue("sub-buffer region out of the parent's range"));
        }
        let device = &parent.context.devices()[0];
        if !origin.is_multiple_of(device.info().mem_base_addr_align as u64) {
            return Err(Error::MisalignedSubBufferOffset);
        }
        device.engine()?.check_alive()?;
        let mut f = flags.0;
        if access == 0 {
            f |= pf.0 & MemFlags::ACCESS;
        }
        if host_access == 0 {
            f |= pf.0 & MemFlags::HOST_ACCESS;
        }
        f |= pf.0 & (MemFlags::USE_HOST_PTR | MemFlags::ALLOC_HOST_PTR | MemFlags::COPY_HOST_PTR);
        Ok(Arc::new(Self {
            context: parent.context.clone(),
            flags: MemFlags(f),
            size,
            host_ptr: parent.host_ptr.map(|p| p.offset(origin as usize, size as usize)),
            storage: Storage::Sub { parent: parent.clone(), offset: origin },
            destructors: Mutex::new(Vec::new()),
            maps: Mutex::new(HashMap::new()),
            _live: crate::stats::Live::new(crate::stats::Kind::MemObject),
        }))
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }

    pub fn flags(&self) -> MemFlags {
        self.flags
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The application's region for `USE_HOST_PTR` objects (`CL_MEM_HOST_PTR`).
    pub fn host_ptr(&self) -> Option<HostPtr> {
        self.host_ptr
    }

    pub fn is_sub_buffer(&self) -> bool {
        matches!(self.storage, Storage::Sub { .. })
    }

    /// The parent of a sub-buffer (`CL_MEM_ASSOCIATED_MEMOBJECT`).
    pub fn parent(&self) -> Option<&Arc<MemObject>> {
        match &self.storage {
            Storage::Sub { parent, .. } => Some(parent),
            Storage::Buffer { .. } => None,
        }
    }

    /// The offset in the parent (`CL_MEM_OFFSET`), 0 for buffers.
    pub fn offset(&self) -> u64 {
        match &self.storage {
            Storage::Sub { offset, .. } => *offset,
            Storage::Buffer { .. } => 0,
        }
    }

    /// `CL_MEM_MAP_COUNT`.
    pub fn map_count(&self) -> u32 {
        self.maps.lock().len() as u32
    }

    /// The wgpu buffer holding the bytes and this object's offset in it.
    pub(crate) fn wgpu_buffer(&self) -> (&wgpu::Buffer, u64) {
        match &self.storage {
            Storage::Buffer { buffer, .. } => (buffer.as_ref().expect("buffer present until drop"), 0),
            Storage::Sub { parent, offset } => {
                let (b, o) = parent.wgpu_buffer();
                (b, o + offset)
            }
        }
    }

    /// `clSetMemObjectDestructorCallback`.
    pub fn set_destructor_callback(&self, callback: Box<dyn FnOnce() + Send>) {
        self.destructors.lock().push(callback);
    }

    /// Checks that `offset..offset+size` lies inside the object.
    pub(crate) fn check_range(&self, offset: u64, size: u64) -> Result<()> {
        match offset.checked_add(size) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(Error::InvalidValue("region out of the buffer's range")),
        }
    }

    /// Records a new mapping and returns its host pointer and its runtime-owned memory.
    pub(crate) fn add_mapping(&self, offset: u64, size: u64, write: bool) -> (HostPtr, Option<Arc<MapStorage>>) {
        let (host, storage) = match self.host_ptr {
            Some(p) => (p.offset(offset as usize, size as usize), None),
            None => {
                let mut s = MapStorage::new(size);
                (s.host_ptr(size), Some(Arc::new(s)))
            }
        };
        self.maps.lock().insert(host.as_ptr() as usize, Mapping { offset, write, host, storage: storage.clone() });
        (host, storage)
    }

    /// Removes the mapping at `ptr` (`clEnqueueUnmapMemObject`).
    pub(crate) fn take_mapping(&self, ptr: usize) -> Result<Mapping> {
        self.maps.lock().remove(&ptr).ok_or(Error::InvalidValue("pointer is not a live mapping of this buffer"))
    }
}

impl Drop for MemObject {
    fn drop(&mut self) {
        let callbacks = std::mem::take(&mut *self.destructors.lock());
        let buffer = match &mut self.storage {
            Storage::Buffer { buffer, .. } => buffer.take(),
            Storage::Sub { .. } => None,
        };
        if callbacks.is_empty() {
            // Nothing to call: free at once (wgpu defers the real free to its own maintenance).
            return;
        }
        dispatch(Box::new(move || {
            for cb in callbacks.into_iter().rev() {
                run_contained(cb);
            }
            drop(buffer);
        }));
    }
}
