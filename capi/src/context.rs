//! Contexts: `clCreateContext*`, their queries, lifetime and destructor callbacks.
use std::ffi::{c_char, c_void};
use std::sync::Arc;

use crate::cl::*;
use crate::handle::{ClObject, Handle, Kind};
use crate::info::InfoOut;
use crate::platform::{device_list, devices_of_type, platform_handle, Device, Platform};
use crate::{flat_properties, guard, guard_create, property_list, ClResult, UserData};

/// The error-notify function given to `clCreateContext`, with its user data.
#[derive(Clone, Copy)]
pub struct ErrorNotify {
    pfn: unsafe extern "C" fn(*const c_char, *const c_void, usize, *mut c_void),
    user_data: UserData,
}

impl ErrorNotify {
    /// Reports an error the way `pfn_notify` expects (no private info).
    pub fn report(&self, message: &str) {
        let text = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
        // SAFETY: the application registered `pfn` for exactly this call shape; `text` lives
        // across the call.
        unsafe { (self.pfn)(text.as_ptr(), std::ptr::null(), 0, self.user_data.0) }
    }
}

pub struct Context {
    pub rt: Arc<wgcl::Context>,
    pub devices: Vec<cl_device_id>,
    pub properties: Vec<cl_context_properties>,
    pub notify: Option<ErrorNotify>,
}
impl ClObject for Context {
    const KIND: Kind = Kind::Context;
    type C = _cl_context;
}
// SAFETY: device handles are static process-lifetime addresses used only as values.
unsafe impl Send for Context {}
// SAFETY: as above.
unsafe impl Sync for Context {}

impl Context {
    pub fn get(c: cl_context) -> Result<Arc<Handle<Context>>, cl_int> {
        Handle::<Context>::get(c)
    }
}

/// Checks a `cl_context_properties` list; returns it as pairs.
///
/// # Safety
/// `properties` must be NULL or a 0-terminated list.
unsafe fn context_properties(properties: *const cl_context_properties) -> Result<Vec<(isize, isize)>, cl_int> {
    // SAFETY: the caller's contract.
    let props = unsafe { property_list(properties) };
    for (i, (name, value)) in props.iter().enumerate() {
        if props[..i].iter().any(|(n, _)| n == name) {
            return Err(CL_INVALID_PROPERTY);
        }
        match *name as cl_uint {
            CL_CONTEXT_PLATFORM => {
                if *value as cl_platform_id != platform_handle() {
                    return Err(CL_INVALID_PLATFORM);
                }
            }
            CL_CONTEXT_INTEROP_USER_SYNC => {
                if *value != 0 && *value != 1 {
                    return Err(CL_INVALID_PROPERTY);
                }
            }
            _ => return Err(CL_INVALID_PROPERTY),
        }
    }
    Ok(props)
}

type ContextNotifyFn = Option<unsafe extern "C" fn(*const c_char, *const c_void, usize, *mut c_void)>;

fn make_context(
    properties: *const cl_context_properties,
    devices: Vec<cl_device_id>,
    pfn_notify: ContextNotifyFn,
    user_data: *mut c_void,
) -> Result<*mut _cl_context, cl_int> {
    // SAFETY: `properties` comes straight from the C caller (NULL or 0-terminated).
    let props = unsafe { context_properties(properties)? };
    let rt_devices: Vec<_> = devices.iter().map(|d| Device::get(*d).map(|h| h.data.rt.clone())).collect::<Result<_, _>>()?;
    let rt = wgcl::Context::new(&rt_devices).cl()?;
    let notify = pfn_notify.map(|pfn| ErrorNotify { pfn, user_data: UserData(user_data) });
    let data = Context { rt, devices, properties: flat_properties(&props, properties.is_null()), notify };
    Ok(Handle::create(data, Vec::new()))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateContext(
    properties: *const cl_context_properties,
    num_devices: cl_uint,
    devices: *const cl_device_id,
    pfn_notify: Option<unsafe extern "C" fn(errinfo: *const c_char, private_info: *const c_void, cb: usize, user_data: *mut c_void)>,
    user_data: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_context {
    guard_create(errcode_ret, || {
        if pfn_notify.is_none() && !user_data.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: `devices` is NULL or holds `num_devices` handles (C caller's contract).
        let list = unsafe { device_list(devices, num_devices)? };
        let handles = list.iter().map(|h| h.as_ptr()).collect();
        make_context(properties, handles, pfn_notify, user_data)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clCreateContextFromType(
    properties: *const cl_context_properties,
    device_type: cl_device_type,
    pfn_notify: Option<unsafe extern "C" fn(errinfo: *const c_char, private_info: *const c_void, cb: usize, user_data: *mut c_void)>,
    user_data: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_context {
    guard_create(errcode_ret, || {
        if pfn_notify.is_none() && !user_data.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: as in clCreateContext.
        let props = unsafe { context_properties(properties)? };
        let platform = props
            .iter()
            .find(|(n, _)| *n as cl_uint == CL_CONTEXT_PLATFORM)
            .map(|(_, v)| *v as cl_platform_id)
            .unwrap_or(std::ptr::null_mut());
        Platform::get_handle(platform)?;
        // One device per context is what the runtime runs on: DEFAULT/ALL pick the first.
        let mut devices = devices_of_type(platform, device_type)?;
        devices.truncate(1);
        make_context(properties, devices, pfn_notify, user_data)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clRetainContext(context: cl_context) -> cl_int {
    guard(|| Handle::<Context>::retain(context))
}

#[no_mangle]
pub unsafe extern "C" fn clReleaseContext(context: cl_context) -> cl_int {
    guard(|| Handle::<Context>::release(context))
}

#[no_mangle]
pub unsafe extern "C" fn clGetContextInfo(
    context: cl_context,
    param_name: cl_context_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Context::get(context)?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_CONTEXT_REFERENCE_COUNT => out.scalar(h.ref_count()),
            CL_CONTEXT_NUM_DEVICES => out.scalar(h.data.devices.len() as cl_uint),
            CL_CONTEXT_DEVICES => out.slice(&h.data.devices),
            CL_CONTEXT_PROPERTIES => out.slice(&h.data.properties),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetContextDestructorCallback(
    context: cl_context,
    pfn_notify: Option<unsafe extern "C" fn(context: cl_context, user_data: *mut c_void)>,
    user_data: *mut c_void,
) -> cl_int {
    guard(|| {
        let h = Context::get(context)?;
        let pfn = pfn_notify.ok_or(CL_INVALID_VALUE)?;
        let (addr, ud) = (context as usize, UserData(user_data));
        h.data.rt.set_destructor_callback(Box::new(move || {
            let ud = ud;
            // SAFETY: the application registered `pfn` for this call shape; the context
            // address is passed for reference only, as the spec says.
            unsafe { pfn(addr as cl_context, ud.0) }
        }));
        Ok(())
    })
}
