//! Kernels: creation, arguments, and their queries.
use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;

use wgcl::kernels::{AccessQualifier, AddressQualifier, ArgKind};

use crate::cl::*;
use crate::handle::{ClObject, Handle, Kind};
use crate::info::InfoOut;
use crate::memory::Mem;
use crate::platform::Device;
use crate::program::Program;
use crate::{guard, guard_create, slice, write_opt, ClResult};

pub struct Kernel {
    pub rt: Arc<wgcl::Kernel>,
    pub program: cl_program,
    pub context: cl_context,
    pub device: cl_device_id,
}
impl ClObject for Kernel {
    const KIND: Kind = Kind::Kernel;
    type C = _cl_kernel;
}
// SAFETY: the raw handles are addresses of retained/static handles, used only as values.
unsafe impl Send for Kernel {}
// SAFETY: as above.
unsafe impl Sync for Kernel {}

impl Kernel {
    pub fn get(k: cl_kernel) -> Result<Arc<Handle<Kernel>>, cl_int> {
        Handle::<Kernel>::get(k)
    }

    fn create(p: &Arc<Handle<Program>>, rt: Arc<wgcl::Kernel>) -> cl_kernel {
        let data = Kernel {
            rt,
            program: p.as_ptr(),
            context: p.data.context,
            device: p.data.devices.first().copied().unwrap_or(std::ptr::null_mut()),
        };
        Handle::create(data, vec![p.retained()])
    }
}

#[no_mangle]
pub unsafe extern "C" fn clCreateKernel(program: cl_program, kernel_name: *const c_char, errcode_ret: *mut cl_int) -> cl_kernel {
    guard_create(errcode_ret, || {
        let p = Program::get(program)?;
        if kernel_name.is_null() {
            return Err(CL_INVALID_VALUE);
        }
        // SAFETY: a NUL-terminated name (checked non-NULL; C contract).
        let name = unsafe { CStr::from_ptr(kernel_name) }.to_str().map_err(|_| CL_INVALID_KERNEL_NAME)?;
        if p.data.rt.build_status() != wgcl::BuildStatus::Success {
            return Err(CL_INVALID_PROGRAM_EXECUTABLE);
        }
        let rt = wgcl::Kernel::new(&p.data.rt, name).cl()?;
        Ok(Kernel::create(&p, rt))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clCreateKernelsInProgram(
    program: cl_program,
    num_kernels: cl_uint,
    kernels: *mut cl_kernel,
    num_kernels_ret: *mut cl_uint,
) -> cl_int {
    guard(|| {
        let p = Program::get(program)?;
        if p.data.rt.build_status() != wgcl::BuildStatus::Success {
            return Err(CL_INVALID_PROGRAM_EXECUTABLE);
        }
        let names = p.data.rt.kernel_names().cl()?;
        if !kernels.is_null() && (num_kernels as usize) < names.len() {
            return Err(CL_INVALID_VALUE);
        }
        if !kernels.is_null() {
            let all = wgcl::Kernel::all_in(&p.data.rt).cl()?;
            for (i, k) in all.into_iter().enumerate() {
                // SAFETY: `kernels` has room for `num_kernels` >= names.len() handles.
                unsafe { kernels.add(i).write_unaligned(Kernel::create(&p, k)) };
            }
        }
        // SAFETY: NULL or writable (C contract).
        unsafe { write_opt(num_kernels_ret, names.len() as cl_uint) };
        Ok(())
    })
}

/// A new kernel with a copy of the source kernel's argument values.
#[no_mangle]
pub unsafe extern "C" fn clCloneKernel(source_kernel: cl_kernel, errcode_ret: *mut cl_int) -> cl_kernel {
    guard_create(errcode_ret, || {
        let k = Kernel::get(source_kernel)?;
        let p = Program::get(k.data.program)?;
        let rt = k.data.rt.clone_with_args().cl()?;
        Ok(Kernel::create(&p, rt))
    })
}

#[no_mangle]
pub unsafe extern "C" fn clRetainKernel(kernel: cl_kernel) -> cl_int {
    guard(|| Handle::<Kernel>::retain(kernel))
}

#[no_mangle]
pub unsafe extern "C" fn clReleaseKernel(kernel: cl_kernel) -> cl_int {
    guard(|| Handle::<Kernel>::release(kernel))
}

#[no_mangle]
pub unsafe extern "C" fn clSetKernelArg(kernel: cl_kernel, arg_index: cl_uint, arg_size: usize, arg_value: *const c_void) -> cl_int {
    guard(|| {
        let k = Kernel::get(kernel)?;
        let info = k.data.rt.arg_info(arg_index as usize).cl()?;
        match &info.kind {
            ArgKind::Buffer { .. } => {
                if arg_size != std::mem::size_of::<cl_mem>() {
                    return Err(CL_INVALID_ARG_SIZE);
                }
                // SAFETY: for a buffer argument `arg_value` is NULL or points at a cl_mem.
                let m = if arg_value.is_null() { std::ptr::null_mut() } else { unsafe { (arg_value as *const cl_mem).read_unaligned() } };
                if m.is_null() {
                    return k.data.rt.set_arg(arg_index as usize, wgcl::KernelArg::Mem(None)).cl();
                }
                let mem = Mem::get(m).map_err(|_| CL_INVALID_MEM_OBJECT)?;
                k.data.rt.set_arg(arg_index as usize, wgcl::KernelArg::Mem(Some(&mem.data.rt))).cl()
            }
            ArgKind::Local { .. } => {
                if !arg_value.is_null() {
                    return Err(CL_INVALID_ARG_VALUE);
                }
                k.data.rt.set_arg(arg_index as usize, wgcl::KernelArg::Local(arg_size as u64)).cl()
            }
            ArgKind::Scalar { size, .. } => {
                if arg_value.is_null() {
                    return Err(CL_INVALID_ARG_VALUE);
                }
                // Checked before `arg_value` is read: a wrong size must not make us read (or
                // slice) more memory than the application has.
                if arg_size != *size as usize {
                    return Err(CL_INVALID_ARG_SIZE);
                }
                // SAFETY: `arg_value` points at `arg_size` bytes (C contract); copied now.
                let bytes = unsafe { slice(arg_value as *const u8, arg_size) };
                k.data.rt.set_arg(arg_index as usize, wgcl::KernelArg::Bytes(bytes)).cl()
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetKernelInfo(
    kernel: cl_kernel,
    param_name: cl_kernel_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let k = Kernel::get(kernel)?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_KERNEL_FUNCTION_NAME => out.string(k.data.rt.name()),
            CL_KERNEL_NUM_ARGS => out.scalar(k.data.rt.num_args() as cl_uint),
            CL_KERNEL_REFERENCE_COUNT => out.scalar(k.ref_count()),
            CL_KERNEL_CONTEXT => out.scalar(k.data.context),
            CL_KERNEL_PROGRAM => out.scalar(k.data.program),
            CL_KERNEL_ATTRIBUTES => out.string(&k.data.rt.info().attributes),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetKernelArgInfo(
    kernel: cl_kernel,
    arg_index: cl_uint,
    param_name: cl_kernel_arg_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let k = Kernel::get(kernel)?;
        let a = k.data.rt.queried_arg_info(arg_index as usize).cl()?;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_KERNEL_ARG_ADDRESS_QUALIFIER => out.scalar::<cl_kernel_arg_address_qualifier>(match a.address_qualifier {
                AddressQualifier::Global => CL_KERNEL_ARG_ADDRESS_GLOBAL,
                AddressQualifier::Local => CL_KERNEL_ARG_ADDRESS_LOCAL,
                AddressQualifier::Constant => CL_KERNEL_ARG_ADDRESS_CONSTANT,
                AddressQualifier::Private => CL_KERNEL_ARG_ADDRESS_PRIVATE,
            }),
            CL_KERNEL_ARG_ACCESS_QUALIFIER => out.scalar::<cl_kernel_arg_access_qualifier>(match a.access_qualifier {
                AccessQualifier::ReadOnly => CL_KERNEL_ARG_ACCESS_READ_ONLY,
                AccessQualifier::WriteOnly => CL_KERNEL_ARG_ACCESS_WRITE_ONLY,
                AccessQualifier::ReadWrite => CL_KERNEL_ARG_ACCESS_READ_WRITE,
                AccessQualifier::None => CL_KERNEL_ARG_ACCESS_NONE,
            }),
            CL_KERNEL_ARG_TYPE_NAME => out.string(&a.type_name),
            CL_KERNEL_ARG_TYPE_QUALIFIER => {
                let q = &a.type_qualifiers;
                let mut bits: cl_kernel_arg_type_qualifier = CL_KERNEL_ARG_TYPE_NONE as cl_kernel_arg_type_qualifier;
                if q.is_const {
                    bits |= CL_KERNEL_ARG_TYPE_CONST;
                }
                if q.is_restrict {
                    bits |= CL_KERNEL_ARG_TYPE_RESTRICT;
                }
                if q.is_volatile {
                    bits |= CL_KERNEL_ARG_TYPE_VOLATILE;
                }
                out.scalar(bits)
            }
            CL_KERNEL_ARG_NAME => out.string(&a.name),
            _ => Err(CL_INVALID_VALUE),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn clGetKernelWorkGroupInfo(
    kernel: cl_kernel,
    device: cl_device_id,
    param_name: cl_kernel_work_group_info,
    param_value_size: usize,
    param_value: *mut c_void,
    param_value_size_ret: *mut usize,
) -> cl_int {
    guard(|| {
        let k = Kernel::get(kernel)?;
        // NULL is allowed when the kernel's program has a single device.
        if !device.is_null() {
            Device::get(device)?;
            if device != k.data.device {
                return Err(CL_INVALID_DEVICE);
            }
        }
        let rt = &k.data.rt;
        // SAFETY: the standard clGet*Info contract on the three out-parameters.
        let out = unsafe { InfoOut::new(param_value_size, param_value, param_value_size_ret) };
        match param_name {
            CL_KERNEL_WORK_GROUP_SIZE => out.scalar::<usize>(rt.max_work_group_size()),
            CL_KERNEL_COMPILE_WORK_GROUP_SIZE => {
                let s = rt.info().reqd_work_group_size.unwrap_or([0; 3]);
                out.slice::<usize>(&[s[0] as usize, s[1] as usize, s[2] as usize])
            }
            CL_KERNEL_LOCAL_MEM_SIZE => out.scalar::<cl_ulong>(rt.local_mem_size()),
            CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE => out.scalar::<usize>(1),
            CL_KERNEL_PRIVATE_MEM_SIZE => out.scalar::<cl_ulong>(0),
            // Only for custom devices and built-in kernels.
            _ => Err(CL_INVALID_VALUE),
        }
    })
}
