//! Programs: creation from source/binary, build/compile/link with notify, queries, release
//! callbacks.
//!
//! wgcl programs are single-device (the context's device); binaries are WGSL text.
//! `clCompileProgram` builds the program in place and marks it as a compiled object;
//! `clLinkProgram` hands the inputs to the runtime, which joins and builds their sources.
use std::ffi::{c_char, c_void, CStr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::cl::*;
use crate::context::Context;
use crate::handle::{ClObject, Handle, Kind};
use crate::info::InfoOut;
use crate::{guard, guard_create, slice, write_opt, ClResult, UserData};

pub struct Program {
    pub rt: Arc<wgcl::Program>,
    pub context: cl_context,
    pub devices: Vec<cl_device_id>,
    /// Built by `clCompileProgram` (binary type COMPILED_OBJECT) rather than a build/link.
    compiled_only: AtomicBool,
}
impl ClObject for Program {
    const KIND: Kind = Kind::Program;
    type C = _cl_program;
}
// SAFETY: the raw handles are addresses of retained/static handles, used only as values.
unsafe impl Send for Program {}
// SAFETY: as above.
unsafe impl Sync for Program {}

impl Program {
    pub fn get(p: cl_program) -> Result<Arc<Handle<Program>>, cl_int> {
        Handle::<Program>::get(p)
    }

    fn create(ctx: &Arc<Handle<Context>>, rt: Arc<wgcl::Program>) -> cl_program {
        let data = Program { rt, context: ctx.as_ptr(), devices: ctx.data.devices.clone(), compiled_only: AtomicBool::new(false) };
        Handle::create(data, vec![ctx.retained()])
    }

    /// Checks a `(num_devices, device_list)` pair against the program's devices.
    unsafe fn check_devices(&self, n: cl_uint, list: *const cl_device_id) -> Result<(), cl_int> {
        if list.is_null() != (n == 0) {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: the caller's contract: `list` holds `n` handles.
        for d in unsafe { slice(list, n as usize) } {
            if !self.devices.contains(d) {
                return Err(CL_INVALID_DEVICE);
            }
        }
        Ok(())
    }
}

/// Reads an optional C options string.
unsafe fn options(p: *const c_char) -> Result<String, cl_int> {
    if p.is_null() {
        return Ok(String::new());
    }
    // SAFETY: the caller's contract: a NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_str().map(str::to_owned).map_err(|_| CL_INVALID_BUILD_OPTIONS)
}

type ProgramNotifyFn = Option<unsafe extern "C" fn(program: cl_program, user_data: *mut c_void)>;

/// Wraps a build notify function; it keeps the program handle alive until it ran.
/// (A new build may begin as soon as the previous one ended, before its notification ran:
/// the spec refuses a build only while another is in progress, which the runtime checks.)
fn notify_closure(h: &Arc<Handle<Program>>, pfn: ProgramNotifyFn, user_data: *mut c_void) -> Option<Box<dyn FnOnce() + Send>> {
    let pfn = pfn?;
    let keep = h.retained();
    let (addr, ud) = (h.as_ptr() as usize, UserData(user_data));
    Some(Box::new(move || {
        let ud = ud;
        // SAFETY: the application registered `pfn` for this call shape; the handle is
        // alive (retained by `keep`) during the call.
        unsafe { pfn(addr as cl_program, ud.0) };
        drop(keep);
    }))
}

#[no_mangle]
pub unsafe extern "C" fn clCreateProgramWithSource(
    context: cl_context,
    count: cl_uint,
    strings: *mut *const c_char,
    lengths: *const usize,
    errcode_ret: *mut cl_int,
) -> cl_program {
    guard_create(errcode_ret, || {
        let ctx = Context::get(context)?;
        if count == 0 || strings.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: `strings` (and `lengths` if non-NULL) hold `count` entries (C contract).
        let (strs, lens) = unsafe { (slice(strings as *const *const c_char, count as usize), slice(lengths, count as usize)) };
        let mut source = Vec::new();
        for (i, s) in strs.iter().enumerate() {
            if s.is_null() {
                return Err(CL_INVALID_VALUE);
            }
            match lens.get(i).copied().unwrap_or(0) {
                // SAFETY: a zero/absent length means a NUL-terminated string.
                0 => source.extend_from_slice(unsafe { CStr::from_ptr(*s) }.to_bytes()),
                // SAFETY: otherwise the string has exactly `n` bytes.
                n => source.extend_from_slice(unsafe { slice(*s as *const u8, n) }),
            }
        }
        // Invalid UTF-8 is not an error here: a comment may hold any bytes. Elsewhere the
        // replacement character is an unexpected character, reported with its position.
        let source = String::from_utf8_lossy(&source).into_owned();
        let rt = wgcl::Program::with_source(&ctx.data.rt, &source).cl()?;
        Ok(Program::create(&ctx, rt))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clCreateProgramWithBinary(
    context: cl_context,
    num_devices: cl_uint,
    device_list: *const cl_device_id,
    lengths: *const usize,
    binaries: *mut *const u8,
    binary_status: *mut cl_int,
    errcode_ret: *mut cl_int,
) -> cl_program {
    guard_create(errcode_ret, || {
        let ctx = Context::get(context)?;
        if num_devices == 0 || device_list.is_null() || lengths.is_null() || binaries.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        let n = num_devices as usize;
        // SAFETY: the three arrays hold `num_devices` entries (C contract).
        let (devs, lens, bins) = unsafe { (slice(device_list, n), slice(lengths, n), slice(binaries as *const *const u8, n)) };
        for d in devs {
            if !ctx.data.devices.contains(d) {
                return Err(CL_INVALID_DEVICE);
            }
        }
        if lens.iter().zip(bins).any(|(l, b)| *l == 0 || b.is_null()) {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: binaries[0] has lens[0] bytes (C contract). One device: one binary.
        let bytes = unsafe { slice(bins[0], lens[0]) };
        let result = wgcl::Program::with_binary(&ctx.data.rt, bytes).map_err(|_| CL_INVALID_BINARY);
        let status = if result.is_ok() { CL_SUCCESS } else { CL_INVALID_BINARY };
        if !binary_status.is_null() {
            for i in 0..n {
                // SAFETY: `binary_status` is NULL (checked) or holds `num_devices` entries.
                unsafe { binary_status.add(i).write_unaligned(status) };
            }
        }
        Ok(Program::create(&ctx, result?))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clRetainProgram(program: cl_program) -> cl_int {
    guard(|| Handle::<Program>::retain(program))
}

#[no_mangle]
pub unsafe extern "C" fn clReleaseProgram(program: cl_program) -> cl_int {
    guard(|| Handle::<Program>::release(program))
}

#[no_mangle]
pub unsafe extern "C" fn clBuildProgram(
    program: cl_program,
    num_devices: cl_uint,
    device_list: *const cl_device_id,
    options: *const c_char,
    pfn_notify: Option<unsafe extern "C" fn(program: cl_program, user_data: *mut c_void)>,
    user_data: *mut c_void,
) -> cl_int {
    guard(|| {
        let h = Program::get(program)?;
        // SAFETY: C contract on the device list and options string.
        let opts = unsafe {
            h.data.check_devices(num_devices, device_list)?;
            self::options(options)?
        };
        if pfn_notify.is_none() && !user_data.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        h.data.rt.build(&opts, notify_closure(&h, pfn_notify, user_data)).cl()?;
        h.data.compiled_only.store(false, Ordering::Release);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clCompileProgram(
    program: cl_program,
    num_devices: cl_uint,
    device_list: *const cl_device_id,
    options: *const c_char,
    num_input_headers: cl_uint,
    input_headers: *const cl_program,
    header_include_names: *mut *const c_char,
    pfn_notify: Option<unsafe extern "C" fn(program: cl_program, user_data: *mut c_void)>,
    user_data: *mut c_void,
) -> cl_int {
    guard(|| {
        let h = Program::get(program)?;
        // SAFETY: C contract on the device list and options string.
        let opts = unsafe {
            h.data.check_devices(num_devices, device_list)?;
            self::options(options).map_err(|_| CL_INVALID_COMPILER_OPTIONS)?
        };
        if pfn_notify.is_none() && !user_data.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        if (num_input_headers == 0) != (input_headers.is_null() && header_include_names.is_null()) {
            return Err(CL_INVALID_VALUE);
        }
        if num_input_headers != 0 && (input_headers.is_null() || header_include_names.is_null()) {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: `input_headers` and `header_include_names` hold `num_input_headers` entries
        // (C contract), each name NUL-terminated.
        let (progs, names) = unsafe {
            (slice(input_headers, num_input_headers as usize), slice(header_include_names as *const *const c_char, num_input_headers as usize))
        };
        let mut headers = Vec::with_capacity(progs.len());
        for (p, n) in progs.iter().zip(names) {
            let hp = Program::get(*p)?;
            if n.is_null() {
                return Err(CL_INVALID_VALUE);
            }
            // SAFETY: checked non-NULL; NUL-terminated (C contract).
            let name = unsafe { CStr::from_ptr(*n) }.to_string_lossy().into_owned();
            headers.push((name, hp.data.rt.source().to_string()));
        }
        h.data.rt.compile(&opts, &headers, notify_closure(&h, pfn_notify, user_data)).map_err(|e| match e.code() {
            CL_BUILD_PROGRAM_FAILURE => CL_COMPILE_PROGRAM_FAILURE,
            CL_INVALID_BUILD_OPTIONS => CL_INVALID_COMPILER_OPTIONS,
            c => c,
        })?;
        h.data.compiled_only.store(true, Ordering::Release);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clLinkProgram(
    context: cl_context,
    num_devices: cl_uint,
    device_list: *const cl_device_id,
    options: *const c_char,
    num_input_programs: cl_uint,
    input_programs: *const cl_program,
    pfn_notify: Option<unsafe extern "C" fn(program: cl_program, user_data: *mut c_void)>,
    user_data: *mut c_void,
    errcode_ret: *mut cl_int,
) -> cl_program {
    guard_create(errcode_ret, || {
        let ctx = Context::get(context)?;
        if device_list.is_null() != (num_devices == 0) || num_input_programs == 0 || input_programs.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        if pfn_notify.is_none() && !user_data.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: the lists hold the given number of handles (C contract).
        let (devs, inputs) = unsafe { (slice(device_list, num_devices as usize), slice(input_programs, num_input_programs as usize)) };
        if devs.iter().any(|d| !ctx.data.devices.contains(d)) {
            return Err(CL_INVALID_DEVICE);
        }
        let inputs: Vec<_> = inputs.iter().map(|p| Program::get(*p).map(|h| h.data.rt.clone())).collect::<Result<_, _>>()?;
        // SAFETY: a NUL-terminated options string or NULL (C contract).
        let opts = unsafe { self::options(options).map_err(|_| CL_INVALID_LINKER_OPTIONS)? };
        let rt = wgcl::Program::link(&ctx.data.rt, &inputs, &opts).cl()?;
        let p = Program::create(&ctx, rt);
        // The link ran synchronously; the notification follows on the callback thread, as
        // every callback does (never inside the API call that registered it).
        let h = Program::get(p)?;
        if let Some(f) = notify_closure(&h, pfn_notify, user_data) {
            wgcl::dispatcher::dispatch(f);
        }
        Ok(p)
    })
}

#[no_mangle]
pub unsafe extern "C" fn clSetProgramReleaseCallback(
    program: cl_program,
    pfn_notify: Option<unsafe extern "C" fn(program: cl_program, user_data: *mut c_void)>,
    user_data: *mut c_void,
) -> cl_int {
    guard(|| {
        let h = Program::get(program)?;
        let pfn = pfn_notify.ok_or(CL_INVALID_VALUE)?;
        let (addr, ud) = (program as usize, UserData(user_data));
        h.data.rt.set_release_callback(Box::new(move || {
            let ud = ud;
            // SAFETY: the application registered `pfn` for this call shape; the (no longer
            // valid) handle address is passed for reference only, as the spec says.
            unsafe { pfn(addr as cl_program, ud.0) }
        }));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetProgramInfo(
    program: cl_program,
    param_name: cl_program_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Program::get(program)?;
        let rt = &h.data.rt;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        let built = rt.build_status() == wgcl::BuildStatus::Success;
        match param_name {
            CL_PROGRAM_REFERENCE_COUNT => out.scalar(h.ref_count()),
            CL_PROGRAM_CONTEXT => out.scalar(h.data.context),
            CL_PROGRAM_NUM_DEVICES => out.scalar(h.data.devices.len() as cl_uint),
            CL_PROGRAM_DEVICES => out.slice(&h.data.devices),
            CL_PROGRAM_SOURCE => out.string(rt.source()),
            CL_PROGRAM_IL => out.bytes(&[]),
            CL_PROGRAM_BINARY_SIZES => {
                let n = rt.binary().len();
                out.slice(&vec![n; h.data.devices.len()])
            }
            CL_PROGRAM_BINARIES => {
                // An array of application buffers, one per device; NULL entries are skipped.
                let bin = rt.binary();
                let n = h.data.devices.len();
                let ptrs: Vec<*mut u8> = if param_value.is_null() {
                    vec![std::ptr::null_mut(); n]
                } else {
                    if param_value_size < n * std::mem::size_of::<*mut u8>() {
                        return Err(CL_INVALID_VALUE);
                    }
                    // SAFETY: checked above: `param_value` holds `n` pointers.
                    unsafe { slice(param_value as *const *mut u8, n) }.to_vec()
                };
                for p in ptrs.iter().filter(|p| !p.is_null()) {
                    // SAFETY: each non-NULL entry points at CL_PROGRAM_BINARY_SIZES bytes.
                    unsafe { std::ptr::copy_nonoverlapping(bin.as_ptr(), *p, bin.len()) };
                }
                // SAFETY: as above; only the size is reported through InfoOut.
                unsafe { write_opt(param_value_size_ret, n * std::mem::size_of::<*mut u8>()) };
                Ok(())
            }
            CL_PROGRAM_NUM_KERNELS if built => out.scalar::<usize>(rt.kernel_names().cl()?.len()),
            CL_PROGRAM_KERNEL_NAMES if built => out.string(&rt.kernel_names().cl()?.join(";")),
            CL_PROGRAM_NUM_KERNELS | CL_PROGRAM_KERNEL_NAMES => Err(CL_INVALID_PROGRAM_EXECUTABLE),
            CL_PROGRAM_SCOPE_GLOBAL_CTORS_PRESENT | CL_PROGRAM_SCOPE_GLOBAL_DTORS_PRESENT => out.bool(false),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetProgramBuildInfo(
    program: cl_program,
    device: cl_device_id,
    param_name: cl_program_build_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let h = Program::get(program)?;
        crate::platform::Device::get(device)?;
        if !h.data.devices.contains(&device) {
            return Err(CL_INVALID_DEVICE);
        }
        let rt = &h.data.rt;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        let status = rt.build_status();
        match param_name {
            CL_PROGRAM_BUILD_STATUS => out.scalar::<cl_build_status>(status.code()),
            CL_PROGRAM_BUILD_OPTIONS => out.string(&rt.build_options()),
            CL_PROGRAM_BUILD_LOG => out.string(&rt.build_log()),
            CL_PROGRAM_BINARY_TYPE => out.scalar::<cl_program_binary_type>(match status {
                wgcl::BuildStatus::Success if h.data.compiled_only.load(Ordering::Acquire) => CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT,
                wgcl::BuildStatus::Success => CL_PROGRAM_BINARY_TYPE_EXECUTABLE,
                _ => CL_PROGRAM_BINARY_TYPE_NONE,
            }),
            CL_PROGRAM_BUILD_GLOBAL_VARIABLE_TOTAL_SIZE => out.scalar::<usize>(0),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}
