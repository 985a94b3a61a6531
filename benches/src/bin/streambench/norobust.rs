//! Opening a Vulkan device without robust buffer access.
//!
//! wgpu always enables `robustBufferAccess` (and `robustBufferAccess2` where present) and then
//! leaves buffer bounds to the driver. WebGPU needs that; OpenCL does not: an out-of-bounds
//! access in an OpenCL kernel is undefined behaviour, and vendors' OpenCL drivers do not check.
//! Opening the device through wgpu-hal with those two features off removes the checks from
//! every storage-buffer access. Everything else is exactly what wgpu itself would enable.
//!
//! Measured on the H200 (benches/results/h200-2026-11-21-s3-norobust.txt): no difference, so
//! wgcl keeps wgpu's own device; this stays as the evidence and for other drivers.

use std::ffi::CStr;

use wgpu::hal::{api::Vulkan, vulkan};

/// Opens `adapter`'s device as `request_device(desc)` would, but with `robustBufferAccess`
/// and `robustBufferAccess2` off. `None` when the adapter is not a Vulkan one or the device
/// cannot be created that way (the caller then opens it normally).
pub fn vulkan_device_without_robustness(
    adapter: &wgpu::Adapter,
    desc: &wgpu::DeviceDescriptor<'_>,
) -> Option<(wgpu::Device, wgpu::Queue)> {
    // SAFETY: the hal adapter is only used while `adapter` is alive, inside this function.
    let hal_adapter = unsafe { adapter.as_hal::<Vulkan>() }?;
    let open = open_without_robustness(&hal_adapter, desc)?;
    drop(hal_adapter);
    // SAFETY: `open` was created from this adapter's physical device with the features and
    // limits of `desc` (wgpu's own extension and feature lists, minus robustness).
    unsafe { adapter.create_device_from_hal::<Vulkan>(open, desc) }.ok()
}

fn open_without_robustness(
    hal: &vulkan::Adapter,
    desc: &wgpu::DeviceDescriptor<'_>,
) -> Option<wgpu::hal::OpenDevice<Vulkan>> {
    let features = desc.required_features;
    let extensions: Vec<&'static CStr> = hal.required_device_extensions(features);
    let mut phd = hal.physical_device_features(&extensions, features);
    let priorities = [1.0f32];
    // wgpu-hal opens queue 0 of family 0 (see `vulkan::Adapter::open_with_callback`).
    let queues = [ash::vk::DeviceQueueCreateInfo::default().queue_family_index(0).queue_priorities(&priorities)];
    let names: Vec<*const std::ffi::c_char> = extensions.iter().map(|e| e.as_ptr()).collect();
    let info = ash::vk::DeviceCreateInfo::default().queue_create_infos(&queues).enabled_extension_names(&names);
    let mut info = phd.add_to_device_create(info);
    // SAFETY: `add_to_device_create` points `p_enabled_features` at `phd`'s core features,
    // which outlive `info`; we read a copy and point `info` at the copy instead.
    let mut core = unsafe { *info.p_enabled_features };
    core.robust_buffer_access = ash::vk::FALSE;
    info.p_enabled_features = &core;
    // SAFETY: `p_next` is the chain `add_to_device_create` built from `phd`'s structures, all
    // alive and well formed; only the robustness2 structure is written, in place.
    unsafe {
        let mut next = info.p_next as *mut ash::vk::BaseOutStructure<'_>;
        while !next.is_null() {
            if (*next).s_type == ash::vk::StructureType::PHYSICAL_DEVICE_ROBUSTNESS_2_FEATURES_EXT {
                let r = next as *mut ash::vk::PhysicalDeviceRobustness2FeaturesEXT<'_>;
                (*r).robust_buffer_access2 = ash::vk::FALSE;
            }
            next = (*next).p_next;
        }
    }
    let instance = hal.shared_instance().raw_instance();
    // SAFETY: a valid create-info for this physical device (wgpu's own, minus two features
    // that are never required by the others).
    let raw = unsafe { instance.create_device(hal.raw_physical_device(), &info, None) }.ok()?;
    // SAFETY: `raw` was created from `hal`'s physical device with exactly `extensions` and
    // queue 0 of family 0; wgpu-hal takes ownership and destroys it.
    unsafe {
        hal.device_from_raw(raw, None, &extensions, features, &desc.required_limits, &desc.memory_hints, 0, 0)
    }
    .ok()
}
