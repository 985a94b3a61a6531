//! The platform (one per process, as OpenCL's ICD model expects) and its devices, one per
//! wgpu adapter.
use std::sync::{Arc, OnceLock};

use crate::engine::Engine;
use crate::error::{Error, Result};

/// `CL_DEVICE_TYPE_*` as far as wgpu can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceType {
    Gpu,
    Cpu,
    Accelerator,
    Default,
}

/// What OpenCL applications query about a device, taken from the wgpu adapter.
#[derive(Clone, Debug)]
pub struct DeviceInfo {
    pub name: String,
    pub vendor: String,
    pub vendor_id: u32,
    pub driver_version: String,
    /// The wgpu backend (Vulkan, Metal, Dx12, Gl, BrowserWebGpu).
    pub backend: String,
    pub device_type: DeviceType,
    /// wgpu does not report compute units; CPU adapters report the host's cores, others 1.
    pub max_compute_units: u32,
    pub max_work_group_size: usize,
    pub max_work_item_sizes: [usize; 3],
    pub max_work_groups_per_dimension: u32,
    pub global_mem_size: u64,
    pub max_mem_alloc_size: u64,
    pub local_mem_size: u64,
    pub max_constant_buffer_size: u64,
    pub max_parameter_size: usize,
    /// Sub-buffer origins and kernel buffer bindings must be aligned to this many bytes.
    pub mem_base_addr_align: u32,
    pub max_storage_buffers: u32,
    pub f16: bool,
    pub f64: bool,
    pub i64: bool,
    /// 64-bit integer atomics (all operations), for cl_khr_int64_base_atomics and
    /// cl_khr_int64_extended_atomics.
    pub i64_atomics: bool,
    pub timestamps: bool,
}

/// One device: a wgpu adapter, and the wgpu device opened on it when first used.
pub struct Device {
    adapter: wgpu::Adapter,
    info: DeviceInfo,
    engine: OnceLock<Result<Arc<Engine>>>,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device").field("name", &self.info.name).finish()
    }
}

/// `CL_DEVICE_MAX_COMPUTE_UNITS`. Libraries size their work by it (work-groups per compute
/// unit, each work-item looping over the rest), so too small a count gives every work-item
/// more work than the device needs.
/// * llvmpipe (lavapipe): the threads it runs shaders on, `LP_NUM_THREADS` or one per CPU,
///   at most `LP_MAX_THREADS` (32); 0 threads runs on the caller's, one unit.
/// * Other CPU devices: the CPU threads.
/// * GPUs: wgpu's adapter info has no multiprocessor count. TODO: ask the native API
///   (NVIDIA: `cuDeviceGetAttribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)` or
///   `nvidia-smi`; AMD: `VK_AMD_shader_core_properties`; Vulkan 1.x has no portable query);
///   until then one unit per GPU, as before.
fn compute_units(a: &wgpu::AdapterInfo, cores: u32) -> u32 {
    if a.name.to_lowercase().contains("llvmpipe") || a.driver.to_lowercase().contains("llvmpipe") {
        let threads = std::env::var("LP_NUM_THREADS").ok().and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(cores);
        return threads.clamp(1, 32);
    }
    match a.device_type {
        wgpu::DeviceType::Cpu => cores.max(1),
        _ => 1,
    }
}

impl Device {
    pub fn info(&self) -> &DeviceInfo {
        &self.info
    }

    /// `clGetDeviceAndHostTimer`: profiling times are taken on the host from
    /// [`crate::clock`] (wgpu reports no start of execution), so the device's timer is that
    /// clock and one reading serves as both timestamps.
    pub fn device_and_host_timer(&self) -> (u64, u64) {
        let t = crate::clock::now_ns();
        (t, t)
    }

    /// `clGetHostTimer`: the clock of [`Device::device_and_host_timer`], in nanoseconds.
    pub fn host_timer(&self) -> u64 {
        crate::clock::now_ns()
    }

    /// The features wgcl asks for when the adapter has them.
    fn wanted_features(adapter: &wgpu::Adapter) -> wgpu::Features {
        let want = wgpu::Features::SHADER_F16
            | wgpu::Features::SHADER_F64
            | wgpu::Features::SHADER_INT64
            | wgpu::Features::SHADER_INT64_ATOMIC_ALL_OPS
            | wgpu::Features::TIMESTAMP_QUERY
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        adapter.features() & want
    }

    fn new(adapter: wgpu::Adapter) -> Self {
        let a = adapter.get_info();
        let l = adapter.limits();
        let f = Self::wanted_features(&adapter);
        let device_type = match a.device_type {
            wgpu::DeviceType::Cpu => DeviceType::Cpu,
            wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::IntegratedGpu | wgpu::DeviceType::VirtualGpu => DeviceType::Gpu,
            wgpu::DeviceType::Other => DeviceType::Accelerator,
        };
        let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
        let max_alloc = l.max_buffer_size.min(l.max_storage_buffer_binding_size);
        let vendor = match a.vendor {
            0x10DE => "NVIDIA Corporation".to_string(),
            0x1002 => "Advanced Micro Devices, Inc.".to_string(),
            0x8086 => "Intel(R) Corporation".to_string(),
            0x106B => "Apple".to_string(),
            0x10005 => "Mesa".to_string(),
            v => format!("vendor 0x{v:x}"),
        };
        let info = DeviceInfo {
            name: a.name.clone(),
            vendor,
            vendor_id: a.vendor,
            driver_version: format!("{} {}", a.driver, a.driver_info).trim().to_string(),
            backend: format!("{:?}", a.backend),
            device_type,
            max_compute_units: compute_units(&a, cores),
            max_work_group_size: l.max_compute_invocations_per_workgroup as usize,
            max_work_item_sizes: [
                l.max_compute_workgroup_size_x as usize,
                l.max_compute_workgroup_size_y as usize,
                l.max_compute_workgroup_size_z as usize,
            ],
            max_work_groups_per_dimension: l.max_compute_workgroups_per_dimension,
            // At most 4x the largest allocation: a full profile's CL_DEVICE_MAX_MEM_ALLOC_SIZE
            // is at least a quarter of it, and an allocation must fit one kernel binding.
            global_mem_size: l.max_buffer_size.max(max_alloc).min(max_alloc.saturating_mul(4)),
            max_mem_alloc_size: max_alloc,
            local_mem_size: l.max_compute_workgroup_storage_size as u64,
            // Program-scope __constant tables live in the shader, where the front end caps them
            // (larger ones are refused at build); __constant arguments are storage buffers.
            max_constant_buffer_size: wgcl_kernels::opencl_c::MAX_PROGRAM_CONSTANT_BYTES.min(max_alloc),
            max_parameter_size: 1024,
            // At least 128 bytes: OpenCL's minimum is the largest built-in type (long16).
            mem_base_addr_align: l.min_storage_buffer_offset_alignment.max(l.min_uniform_buffer_offset_alignment).max(128),
            max_storage_buffers: l.max_storage_buffers_per_shader_stage,
            f16: f.contains(wgpu::Features::SHADER_F16),
            f64: f.contains(wgpu::Features::SHADER_F64),
            i64: f.contains(wgpu::Features::SHADER_INT64),
            i64_atomics: f.contains(wgpu::Features::SHADER_INT64 | wgpu::Features::SHADER_INT64_ATOMIC_ALL_OPS),
            timestamps: f.contains(wgpu::Features::TIMESTAMP_QUERY),
        };
        Self { adapter, info, engine: OnceLock::new() }
    }

    fn device_descriptor(&self) -> wgpu::DeviceDescriptor<'static> {
        wgpu::DeviceDescriptor {
            label: Some("wgcl"),
            required_features: Self::wanted_features(&self.adapter),
            required_limits: self.adapter.limits(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }
    }

    /// The engine (wgpu device, queue and completion thread), opened on first use.
    /// In the browser it must have been opened by [`Platform::init`].
    pub(crate) fn engine(&self) -> Result<Arc<Engine>> {
        #[cfg(target_arch = "wasm32")]
        {
            self.engine.get().cloned().unwrap_or(Err(Error::DeviceNotAvailable))
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.engine
                .get_or_init(|| {
                    let (device, queue) = pollster::block_on(self.adapter.request_device(&self.device_descriptor()))
                        .map_err(|e| Error::OutOfResources(format!("cannot open the device: {e}")))?;
                    Ok(Engine::start(device, queue))
                })
                .clone()
        }
    }

    /// Opens the engine without blocking (the browser's way; works natively too).
    async fn open(&self) -> Result<Arc<Engine>> {
        if let Some(e) = self.engine.get() {
            return e.clone();
        }
        let opened = self
            .adapter
            .request_device(&self.device_descriptor())
            .await
            .map(|(device, queue)| Engine::start(device, queue))
            .map_err(|e| Error::OutOfResources(format!("cannot open the device: {e}")));
        let _ = self.engine.set(opened);
        self.engine.get().cloned().expect("set above")
    }

    /// Destroys the wgpu device, as a lost device would be: every pending and in-flight
    /// command ends with an error and later calls fail. For fault-path tests.
    #[doc(hidden)]
    pub fn inject_device_loss(&self) {
        if let Some(Ok(engine)) = self.engine.get() {
            engine.device.destroy();
            engine.mark_lost("device destroyed (injected fault)".into());
        }
    }
}

/// The wgcl platform: every usable wgpu adapter, in preference order.
pub struct Platform {
    devices: Vec<Arc<Device>>,
}

static PLATFORM: OnceLock<Arc<Platform>> = OnceLock::new();

impl Platform {
    pub const NAME: &'static str = "wgcl";
    pub const VENDOR: &'static str = "wgcl project";
    pub const VERSION: &'static str = "OpenCL 3.0 wgcl 0.1";
    pub const PROFILE: &'static str = "FULL_PROFILE";

    /// The process's platform. Honours `WGPU_BACKEND` (e.g. `vulkan`) and
    /// `WGPU_ADAPTER_NAME` (a case-insensitive substring of the adapter name).
    /// In the browser it is empty until [`Platform::init`] has run.
    pub fn get() -> Arc<Platform> {
        #[cfg(target_arch = "wasm32")]
        {
            PLATFORM.get().cloned().unwrap_or_else(|| Arc::new(Platform { devices: Vec::new() }))
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            PLATFORM.get_or_init(|| Self::from_adapters(Self::native_adapters())).clone()
        }
    }

    /// Finds the adapters and opens their devices without blocking: required once in the
    /// browser before anything else; natively the same as [`Platform::get`] plus opening.
    pub async fn init() -> Result<Arc<Platform>> {
        #[cfg(target_arch = "wasm32")]
        let platform = match PLATFORM.get() {
            Some(p) => p.clone(),
            None => {
                let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
                let adapter = instance
                    .request_adapter(&wgpu::RequestAdapterOptions {
                        power_preference: wgpu::PowerPreference::HighPerformance,
                        ..Default::default()
                    })
                    .await
                    .map_err(|_| Error::DeviceNotFound)?;
                let p = Self::from_adapters(vec![adapter]);
                PLATFORM.get_or_init(|| p).clone()
            }
        };
        #[cfg(not(target_arch = "wasm32"))]
        let platform = Self::get();
        for d in &platform.devices {
            d.open().await?;
        }
        Ok(platform)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn native_adapters() -> Vec<wgpu::Adapter> {
        quiet_device_select_layer();
        let backends_from_env = wgpu::Backends::from_env();
        let enumerate = |backends: wgpu::Backends| {
            let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
            desc.backends = backends;
            let instance = wgpu::Instance::new(desc);
            pollster::block_on(instance.enumerate_adapters(backends))
        };
        // The primary backends first; GL only when they offer nothing (probing GL
        // also makes EGL print noise on headless machines).
        let mut adapters = match backends_from_env {
            Some(b) => enumerate(b),
            None => {
                let primary = enumerate(wgpu::Backends::PRIMARY);
                if primary.is_empty() { enumerate(wgpu::Backends::all()) } else { primary }
            }
        };
        if let Ok(want) = std::env::var("WGPU_ADAPTER_NAME") {
            let want = want.to_lowercase();
            adapters.retain(|a| a.get_info().name.to_lowercase().contains(&want));
        }
        adapters
    }

    fn from_adapters(mut adapters: Vec<wgpu::Adapter>) -> Arc<Platform> {
        adapters.sort_by_key(|a| match a.get_info().device_type {
            wgpu::DeviceType::DiscreteGpu => 0,
            wgpu::DeviceType::IntegratedGpu => 1,
            wgpu::DeviceType::VirtualGpu => 2,
            wgpu::DeviceType::Cpu => 3,
            wgpu::DeviceType::Other => 4,
        });
        let devices = adapters.into_iter().map(|a| Arc::new(Device::new(a))).collect();
        Arc::new(Platform { devices })
    }

    pub fn devices(&self) -> &[Arc<Device>] {
        &self.devices
    }

    /// The first device, or `DeviceNotFound`.
    pub fn default_device(&self) -> Result<Arc<Device>> {
        self.devices.first().cloned().ok_or(Error::DeviceNotFound)
    }
}

/// Mesa's implicit Vulkan layer `VK_LAYER_MESA_device_select` orders devices by the display
/// the process draws on; with no display it still tries Wayland and prints
/// `error: XDG_RUNTIME_DIR is invalid` twice on stderr, from inside our library. A library
/// prints nothing by itself, so when there is no display to select by (and the user did not
/// ask the layer for a device) the layer is switched off through its documented
/// `disable_environment` variable before the Vulkan instance is created. wgcl orders the
/// devices itself ([`Platform::from_adapters`]).
#[cfg(not(target_arch = "wasm32"))]
fn quiet_device_select_layer() {
    let unset = |k: &str| std::env::var_os(k).is_none();
    if unset("WAYLAND_DISPLAY") && unset("DISPLAY") && unset("MESA_VK_DEVICE_SELECT") && unset("NODEVICE_SELECT") {
        std::env::set_var("NODEVICE_SELECT", "1");
    }
}
