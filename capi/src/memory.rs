//! Buffers and sub-buffers: creation, queries, lifetime and destructor callbacks.
use std::ffi::c_void;
use std::sync::Arc;

use crate::cl::*;
use crate::context::Context;
use crate::handle::{ClObject, Handle, Kind};
use crate::info::InfoOut;
use crate::{guard, guard_create, property_list, ClResult, UserData};

pub struct Mem {
    pub rt: Arc<wgcl::MemObject>,
    pub context: cl_context,
    /// The parent handle of a sub-buffer (`CL_MEM_ASSOCIATED_MEMOBJECT`), else NULL.
    pub parent: cl_mem,
    /// `CL_MEM_PROPERTIES` as given to `clCreateBufferWithProperties`.
    pub properties: Vec<cl_mem_properties>,
}
impl ClObject for Mem {
    const KIND: Kind = Kind::Mem;
    type C = _cl_mem;
}
// SAFETY: the raw handles are addresses of handles this one retains, used only as values.
unsafe impl Send for Mem {}
// SAFETY: as above.
unsafe impl Sync for Mem {}

impl Mem {
    pub fn get(m: cl_mem) -> Result<Arc<Handle<Mem>>, cl_int> {
        Handle::<Mem>::get(m)
    }
}

/// Flags the runtime does not know but the spec defines for buffers.
const KERNEL_RW: cl_mem_flags = CL_MEM_KERNEL_READ_AND_WRITE;

fn create_buffer(
    context: cl_context,
    flags: cl_mem_flags,
    size: usize,
    host_ptr: *mut c_void,
    properties: Vec<cl_mem_properties>,
) -> Result<cl_mem, cl_int> {
    let ctx = Context::get(context)?;
    let flags = flags & !KERNEL_RW;
    let wants_ptr = flags & (CL_MEM_USE_HOST_PTR | CL_MEM_COPY_HOST_PTR) != 0;
    if size == 0 {
        return Err(CL_INVALID_BUFFER_SIZE);
    }
    if wants_ptr == host_ptr.is_null() {
        return Err(CL_INVALID_HOST_PTR);
    }
    let init = if host_ptr.is_null() {
        wgcl::HostInit::None
    } else {
        // SAFETY: the spec makes the application keep `host_ptr` valid for `size` bytes:
        // during this call for COPY_HOST_PTR, and until the buffer's destructor callbacks
        // ran for USE_HOST_PTR, which is the runtime's HostPtr contract.
        wgcl::HostInit::Host(unsafe { wgcl::HostPtr::new(host_ptr as *mut u8, size) })
    };
    let rt = wgcl::MemObject::new_buffer(&ctx.data.rt, wgcl::MemFlags(flags), size as u64, init).cl()?;
    let data = Mem { rt, context, parent: std::ptr::null_mut(), properties };
    Ok(Handle::create(data, vec![ctx.retained()]))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateBuffer(
    context: cl_context,
    flags: cl_mem_flags,
    size: usize,
    host_ptr: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    guard_create(errcode_ret, || create_buffer(context, flags, size, host_ptr, Vec::new()))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateBufferWithProperties(
    context: cl_context,
    properties: *const cl_mem_properties,
    flags: cl_mem_flags,
    size: usize,
    host_ptr: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    guard_create(errcode_ret, || {
        Context::get(context)?;
        // SAFETY: `properties` is NULL or a 0-terminated list (C caller's contract).
        let list = unsafe { property_list(properties) };
        // No buffer properties are supported (3.0 core defines none for buffers).
        if !list.is_empty() {
            return Err(CL_INVALID_PROPERTY);
        }
        create_buffer(context, flags, size, host_ptr, crate::flat_properties(&list, properties.is_null()))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clCreateSubBuffer(
    buffer: cl_mem,
    flags: cl_mem_flags,
    buffer_create_type: cl_buffer_create_type,
    buffer_create_info: *const c_void,
    errcode_ret: *mut cl_int,
) -> cl_mem {
    guard_create(errcode_ret, || {
        let parent = Mem::get(buffer)?;
        if buffer_create_type != CL_BUFFER_CREATE_TYPE_REGION || buffer_create_info.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: for CL_BUFFER_CREATE_TYPE_REGION the info points at a cl_buffer_region.
        let region = unsafe { (buffer_create_info as *const cl_buffer_region).read_unaligned() };
        let rt = wgcl::MemObject::new_sub_buffer(&parent.data.rt, wgcl::MemFlags(flags & !KERNEL_RW), region.origin as u64, region.size as u64)
            .cl()?;
        let ctx = Context::get(parent.data.context)?;
        let data = Mem { rt, context: parent.data.context, parent: buffer, properties: Vec::new() };
        Ok(Handle::create(data, vec![ctx.retained(), parent.retained()]))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clRetainMemObject(memobj: cl_mem) -> cl_int {
    guard(|| Handle::<Mem>::retain(memobj))
}

#[no_mangle]
pub unsafe extern "C" fn clReleaseMemObject(memobj: cl_mem) -> cl_int {
    guard(|| Handle::<Mem>::release(memobj))
}

#[no_mangle]
pub unsafe extern "C" fn clGetMemObjectInfo(
    memobj: cl_mem,
    param_name: cl_mem_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Mem::get(memobj)?;
        let rt = &h.data.rt;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_MEM_TYPE => out.scalar::<cl_mem_object_type>(CL_MEM_OBJECT_BUFFER),
            CL_MEM_FLAGS => out.scalar::<cl_mem_flags>(rt.flags().0),
            CL_MEM_SIZE => out.scalar::<usize>(rt.size() as usize),
            CL_MEM_HOST_PTR => {
                let p = match rt.host_ptr() {
                    Some(p) if rt.flags().has(wgcl::MemFlags::USE_HOST_PTR) => p.as_ptr() as *mut c_void,
                    _ => std::ptr::null_mut(),
                };
                out.scalar(p)
            }
            CL_MEM_MAP_COUNT => out.scalar::<cl_uint>(rt.map_count()),
            CL_MEM_REFERENCE_COUNT => out.scalar(h.ref_count()),
            CL_MEM_CONTEXT => out.scalar(h.data.context),
            CL_MEM_ASSOCIATED_MEMOBJECT => out.scalar(h.data.parent),
            CL_MEM_OFFSET => out.scalar::<usize>(rt.offset() as usize),
            CL_MEM_USES_SVM_POINTER => out.bool(false),
            CL_MEM_PROPERTIES => out.slice(&h.data.properties),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetMemObjectDestructorCallback(
    memobj: cl_mem,
    pfn_notify: Option<unsafe extern "C" fn(memobj: cl_mem, user_data: *mut c_void)>,
    user_data: *mut c_void,
) -> cl_int {
    guard(|| {
        let h = Mem::get(memobj)?;
        let pfn = pfn_notify.ok_or(CL_INVALID_VALUE)?;
        let (addr, ud) = (memobj as usize, UserData(user_data));
        h.data.rt.set_destructor_callback(Box::new(move || {
            let ud = ud;
            // SAFETY: the application registered `pfn` for this call shape; the (no longer
            // valid) handle address is passed for reference only, as the spec says.
            unsafe { pfn(addr as cl_mem, ud.0) }
        }));
        Ok(())
    })
}
