//! Kernels: arguments set by index, and their launch as wgpu compute dispatches.
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use wgcl_kernels::{ArgKind, DispatchInfo, KernelArgInfo, KernelInfo, WorkgroupSize};

use crate::command::Recorder;
use crate::engine::{validation_scope, Engine};
use crate::error::{Error, Result};
use crate::memory::MemObject;
use crate::program::{Built, Program};
use crate::queue::NdRange;

/// A value for `clSetKernelArg`.
pub enum KernelArg<'a> {
    /// A buffer (`None`: a NULL `cl_mem`, allowed for buffer arguments).
    Mem(Option<&'a Arc<MemObject>>),
    /// The bytes of a by-value argument.
    Bytes(&'a [u8]),
    /// The size in bytes of a `__local` argument.
    Local(u64),
}

/// What a kernel remembers for one argument. Buffers are held weakly: `clSetKernelArg` does
/// not retain them; an enqueue does, until the command completes.
#[derive(Clone)]
enum ArgValue {
    Mem(Option<Weak<MemObject>>),
    Bytes(Vec<u8>),
    Local(u64),
}

/// Launches remembered per kernel: enough for ping-pong (a stencil alternating two buffers)
/// and a few argument sets in rotation, few enough that a lookup stays a short scan.
const BOUND_CACHE_LEN: usize = 4;

/// `cl_kernel`.
pub struct Kernel {
    program: Arc<Program>,
    built: Arc<Built>,
    info: KernelInfo,
    args: Mutex<Vec<Option<ArgValue>>>,
    /// The wgpu objects of the most recent launches, newest first (see [`Bound`]).
    bound_cache: Mutex<VecDeque<(BoundKey, Arc<Bound>)>>,
    _live: crate::stats::Live,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel").field("name", &self.info.name).finish()
    }
}

/// A kernel enqueue, ready to encode: held by the command until it completes, which keeps
/// the kernel (so its program) and every buffer argument alive.
pub(crate) struct KernelLaunch {
    /// The program and the build the launch uses, not the kernel: a kernel the application
    /// released must stop counting as attached to its program at once (rebuilding right
    /// after `clFinish` is legal), while the program, whose release callbacks come after the
    /// command's COMPLETE callbacks, must outlive the command.
    _program: Arc<Program>,
    built: Arc<Built>,
    _buffers: Vec<Arc<MemObject>>,
    bound: Arc<Bound>,
}

/// The wgpu objects of a launch: shared by launches with the same arguments and geometry
/// (the last [`BOUND_CACHE_LEN`] kept), so re-enqueueing a kernel, also with buffers
/// alternating, creates no wgpu object at all.
struct Bound {
    pipeline: Arc<wgpu::ComputePipeline>,
    dispatches: Vec<(wgpu::BindGroup, [u32; 3])>,
    _uniforms: Option<wgpu::Buffer>,
    /// The printf buffer of a kernel that uses printf. Launches sharing this `Bound` share it:
    /// each zeroes its counter before its dispatches and copies it out after them, in queue
    /// order on the one wgpu queue.
    printf: Option<wgpu::Buffer>,
}

/// What a [`Bound`] was made from. Buffers are compared as `Weak`s: a cached `Weak` keeps
/// the allocation's address from being reused, so equal pointers mean the same object.
struct BoundKey {
    /// The pipeline's address, only compared (the cache entry's `Bound` keeps it alive).
    pipeline: usize,
    buffers: Vec<Option<Weak<MemObject>>>,
    uniform_bytes: Vec<u8>,
    chunks: Vec<Chunk>,
}

/// One dispatch of a launch: `count` work-groups from group `start`, whose real size is
/// `local` (OpenCL's `get_local_size`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Chunk {
    start: [u32; 3],
    count: [u32; 3],
    local: [u32; 3],
}

/// The dispatches of an NDRange of `global` work-items in groups of `local`. Per dimension
/// the whole work-groups form one region and the remainder group of a non-uniform NDRange
/// (OpenCL 2.0) another, so up to 2^3 regions, each dispatched with its real local size in
/// its dispatch block; regions past the device's per-dimension group limit `max` are split.
fn chunks(global: [usize; 3], local: [u32; 3], max: u32) -> Vec<Chunk> {
    let spans: [Vec<(u32, u32, u32)>; 3] = std::array::from_fn(|d| {
        let (whole, rest) = ((global[d] / local[d] as usize) as u32, (global[d] % local[d] as usize) as u32);
        let mut v = Vec::with_capacity(2);
        if whole > 0 {
            v.push((0, whole, local[d]));
        }
        if rest > 0 {
            v.push((whole, 1, rest));
        }
        v
    });
    let mut chunks = Vec::new();
    for z in &spans[2] {
        for y in &spans[1] {
            for x in &spans[0] {
                let region = [x, y, z];
                let count: [u32; 3] = region.map(|r| r.1);
                for gz in (0..count[2]).step_by(max as usize) {
                    for gy in (0..count[1]).step_by(max as usize) {
                        for gx in (0..count[0]).step_by(max as usize) {
                            let at = [gx, gy, gz];
                            chunks.push(Chunk {
                                start: std::array::from_fn(|d| region[d].0 + at[d]),
                                count: std::array::from_fn(|d| (count[d] - at[d]).min(max)),
                                local: region.map(|r| r.2),
                            });
                        }
                    }
                }
            }
        }
    }
    chunks
}

impl BoundKey {
    fn matches(&self, other: &BoundKey) -> bool {
        self.pipeline == other.pipeline
            && self.uniform_bytes == other.uniform_bytes
            && self.chunks == other.chunks
            && self.buffers.len() == other.buffers.len()
            && self.buffers.iter().zip(&other.buffers).all(|(a, b)| match (a, b) {
                (Some(a), Some(b)) => Weak::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            })
    }
}

impl KernelLaunch {
    /// The launch's printf buffer and the program's format table, if the kernel uses printf.
    pub(crate) fn printf(&self) -> Option<(&wgpu::Buffer, &Arc<Vec<wgcl_kernels::printf::PrintfFormat>>)> {
        self.bound.printf.as_ref().map(|b| (b, &self.built.module.printf_formats))
    }

    /// Records the launch's dispatches into the batch's open compute pass.
    pub(crate) fn encode(&self, rec: &mut Recorder) {
        if self.bound.dispatches.is_empty() {
            return;
        }
        let pass = rec.pass();
        pass.set_pipeline(&self.bound.pipeline);
        for (bg, [x, y, z]) in &self.bound.dispatches {
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(*x, *y, *z);
        }
    }
}

/// How many work-groups in x to dispatch for a kernel with virtual work-groups
/// (`KernelInfo::virtual_groups`), each looping over the region's group ids: enough for
/// `WGCL_INVOCATIONS_IN_FLIGHT` work-items (default 2^22; 0 dispatches every group).
/// Starting a work-group costs the GPU more than a loop iteration. On the H200, STREAM copy
/// of 2^28 floats through wgcl moves 2,100 GB/s with every group dispatched and 2,713 GB/s
/// with 2^22 work-items in flight; 2^18..2^21 were in between
/// (benches/results/h200-2026-11-21-s3-virtual-groups.txt).
///
/// On a driver that leaves loops after a number of iterations per invocation
/// ([`Engine::loop_limit`], llvmpipe), every group is dispatched: the loop then runs once per
/// invocation, so a kernel gets the same iteration budget it would have without the runtime's
/// loop (running several groups per invocation multiplied the kernel's own loop count and
/// cut correct kernels short, silently). A CPU gains nothing from fewer groups anyway.
fn groups_in_flight(engine: &Engine, local: [u32; 3]) -> u32 {
    static INVOCATIONS: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let budget = *INVOCATIONS.get_or_init(|| {
        std::env::var("WGCL_INVOCATIONS_IN_FLIGHT").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 22)
    });
    if budget == 0 || engine.loop_limit.is_some() {
        return u32::MAX;
    }
    (budget / local.iter().product::<u32>().max(1)).max(1)
}

fn align(x: u64, a: u64) -> u64 {
    x.div_ceil(a) * a
}

impl Kernel {
    /// `clCreateKernel`.
    pub fn new(program: &Arc<Program>, name: &str) -> Result<Arc<Self>> {
        let built = program.built().ok_or(Error::InvalidProgramExecutable)?;
        let info = built.module.kernel(name).ok_or(Error::InvalidKernelName)?.clone();
        program.live_kernels.fetch_add(1, Ordering::SeqCst);
        let n = info.args.len();
        Ok(Arc::new(Self {
            program: program.clone(),
            built,
            info,
            args: Mutex::new(vec![None; n]),
            bound_cache: Mutex::new(VecDeque::new()),
            _live: crate::stats::Live::new(crate::stats::Kind::Kernel),
        }))
    }

    /// `clCloneKernel`: a new kernel object for the same function with a copy of this one's
    /// argument values (buffers stay unretained, as set); later `set_arg`s on either one do
    /// not affect the other.
    pub fn clone_with_args(&self) -> Result<Arc<Self>> {
        self.program.live_kernels.fetch_add(1, Ordering::SeqCst);
        let args = self.args.lock().clone();
        Ok(Arc::new(Self {
            program: self.program.clone(),
            built: self.built.clone(),
            info: self.info.clone(),
            args: Mutex::new(args),
            bound_cache: Mutex::new(VecDeque::new()),
            _live: crate::stats::Live::new(crate::stats::Kind::Kernel),
        }))
    }

    /// `clCreateKernelsInProgram`.
    pub fn all_in(program: &Arc<Program>) -> Result<Vec<Arc<Self>>> {
        program.kernel_names()?.iter().map(|n| Self::new(program, n)).collect()
    }

    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    pub fn name(&self) -> &str {
        &self.info.name
    }

    pub fn info(&self) -> &KernelInfo {
        &self.info
    }

    pub fn num_args(&self) -> usize {
        self.info.args.len()
    }

    /// The reflected argument `index` (what `set_arg` checks against).
    pub fn arg_info(&self, index: usize) -> Result<&KernelArgInfo> {
        self.info.args.get(index).ok_or(Error::InvalidArgIndex)
    }

    /// `clGetKernelArgInfo`: the spec makes argument information available only when the
    /// program was built with `-cl-kernel-arg-info`.
    pub fn queried_arg_info(&self, index: usize) -> Result<&KernelArgInfo> {
        let info = self.arg_info(index)?;
        if !self.program.build_options().split_whitespace().any(|o| o == "-cl-kernel-arg-info") {
            return Err(Error::KernelArgInfoNotAvailable);
        }
        Ok(info)
    }

    /// `clSetKernelArg`.
    pub fn set_arg(&self, index: usize, value: KernelArg<'_>) -> Result<()> {
        let info = self.arg_info(index)?;
        let v = match (&info.kind, value) {
            (ArgKind::Buffer { .. }, KernelArg::Mem(m)) => {
                if let Some(m) = m {
                    if !Arc::ptr_eq(m.context(), self.program.context()) {
                        return Err(Error::InvalidMemObject);
                    }
                }
                ArgValue::Mem(m.map(Arc::downgrade))
            }
            (ArgKind::Scalar { size, .. }, KernelArg::Bytes(b)) => {
                if b.len() != *size as usize {
                    return Err(Error::InvalidArgSize);
                }
                ArgValue::Bytes(b.to_vec())
            }
            (ArgKind::Local { .. }, KernelArg::Local(size)) => {
                if size == 0 {
                    return Err(Error::InvalidArgSize);
                }
                ArgValue::Local(size)
            }
            (ArgKind::Local { .. }, _) => return Err(Error::InvalidArgValue),
            (_, KernelArg::Local(_)) => return Err(Error::InvalidArgValue),
            (ArgKind::Buffer { .. }, KernelArg::Bytes(_)) => return Err(Error::InvalidArgSize),
            (ArgKind::Scalar { .. }, KernelArg::Mem(_)) => return Err(Error::InvalidArgValue),
        };
        self.args.lock()[index] = Some(v);
        Ok(())
    }

    /// `CL_KERNEL_WORK_GROUP_SIZE`.
    pub fn max_work_group_size(&self) -> usize {
        match &self.info.workgroup_size {
            WorkgroupSize::Fixed(s) => s.iter().product::<u32>() as usize,
            WorkgroupSize::Overridable(_) => self.built.engine.limits.max_compute_invocations_per_workgroup as usize,
        }
    }

    /// `CL_KERNEL_LOCAL_MEM_SIZE`: static workgroup memory plus the `__local` arguments set.
    pub fn local_mem_size(&self) -> u64 {
        let args: u64 = self.args.lock().iter().map(|a| if let Some(ArgValue::Local(s)) = a { *s } else { 0 }).sum();
        self.info.static_local_mem_size + args
    }

    /// The layouts of this kernel in `built` (the program or its read-write variant, whose
    /// reflection says which buffers are read-only).
    fn layout(&self, built: &Built) -> Arc<(wgpu::BindGroupLayout, wgpu::PipelineLayout)> {
        let device = &built.engine.device;
        // The variant reflects the same kernels as the program.
        let info = built.module.kernel(&self.info.name).unwrap_or(&self.info);
        built
            .layouts
            .lock()
            .entry(self.info.entry_point.clone())
            .or_insert_with(|| {
                let mut entries: Vec<wgpu::BindGroupLayoutEntry> = Vec::new();
                let uniform = |binding| wgpu::BindGroupLayoutEntry {
                    binding,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer { ty: wgpu::BufferBindingType::Uniform, has_dynamic_offset: false, min_binding_size: None },
                    count: None,
                };
                for a in &info.args {
                    match a.kind {
                        ArgKind::Buffer { binding, read_only } => entries.push(wgpu::BindGroupLayoutEntry {
                            binding,
                            visibility: wgpu::ShaderStages::COMPUTE,
                            ty: wgpu::BindingType::Buffer { ty: wgpu::BufferBindingType::Storage { read_only }, has_dynamic_offset: false, min_binding_size: None },
                            count: None,
                        }),
                        // By-value arguments may share one binding.
                        ArgKind::Scalar { binding, .. } => {
                            if !entries.iter().any(|e| e.binding == binding) {
                                entries.push(uniform(binding))
                            }
                        }
                        ArgKind::Local { .. } => {}
                    }
                }
                if let Some(b) = self.info.dispatch_binding {
                    entries.push(uniform(b));
                }
                if let Some(b) = self.info.printf_binding {
                    entries.push(wgpu::BindGroupLayoutEntry {
                        binding: b,
                        visibility: wgpu::ShaderStages::COMPUTE,
                        ty: wgpu::BindingType::Buffer { ty: wgpu::BufferBindingType::Storage { read_only: false }, has_dynamic_offset: false, min_binding_size: None },
                        count: None,
                    });
                }
                let bgl = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(&self.info.name), entries: &entries });
                let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                    label: Some(&self.info.name),
                    bind_group_layouts: &[Some(&bgl)],
                    immediate_size: 0,
                });
                Arc::new((bgl, pl))
            })
            .clone()
    }

    fn pipeline(&self, built: &Built, local: [u32; 3], local_lens: &[(String, u32)]) -> Result<Arc<wgpu::ComputePipeline>> {
        let mut key_vals = local.to_vec();
        key_vals.extend(local_lens.iter().map(|(_, n)| *n));
        let key = (self.info.entry_point.clone(), key_vals);
        if let Some(p) = built.pipelines.lock().get(&key) {
            return Ok(p.clone());
        }
        let layout = self.layout(built);
        let mut constants: Vec<(String, f64)> = local_lens.iter().map(|(n, v)| (n.clone(), *v as f64)).collect();
        if let WorkgroupSize::Overridable(names) = &self.info.workgroup_size {
            for (n, v) in names.iter().zip(local) {
                constants.push((n.clone(), v as f64));
            }
        }
        let constants: Vec<(&str, f64)> = constants.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let device = &built.engine.device;
        let (pipeline, error) = validation_scope(device, || device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&self.info.name),
            layout: Some(&layout.1),
            module: &built.shader,
            entry_point: Some(&self.info.entry_point),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                // OpenCL does not zero __local memory; skipping it saves a pass per dispatch.
                zero_initialize_workgroup_memory: false,
            },
            cache: None,
        }));
        if let Some(err) = error {
            return Err(Error::OutOfResources(format!("pipeline creation failed: {err}")));
        }
        let p = Arc::new(pipeline);
        built.pipelines.lock().insert(key, p.clone());
        Ok(p)
    }

    /// Chooses a local size when the application passed none: the fixed one, else for each
    /// dimension the largest divisor of the global size that fits the device's limits.
    fn choose_local(&self, global: &[usize; 3], dims: usize) -> [u32; 3] {
        if let WorkgroupSize::Fixed(s) = self.info.workgroup_size {
            return s;
        }
        let l = &self.built.engine.limits;
        let mut budget = l.max_compute_invocations_per_workgroup.min(256) as usize;
        let maxes = [l.max_compute_workgroup_size_x, l.max_compute_workgroup_size_y, l.max_compute_workgroup_size_z];
        let mut local = [1u32; 3];
        for d in 0..dims {
            let cap = budget.min(maxes[d] as usize).max(1);
            let best = (1..=cap).rev().find(|c| global[d].is_multiple_of(*c)).unwrap_or(1);
            local[d] = best as u32;
            budget /= best;
        }
        local
    }

    /// What a zero-sized NDRange still checks: its dimensions and that every argument is set.
    pub(crate) fn check_empty_launch(&self, range: &NdRange) -> Result<()> {
        let dims = range.global.len();
        if !(1..=3).contains(&dims) {
            return Err(Error::InvalidWorkDimension);
        }
        if range.offset.len() != dims || range.local.as_ref().is_some_and(|l| l.len() != dims) {
            return Err(Error::InvalidValue("offset/local dimensions differ from the global one"));
        }
        if self.args.lock().iter().any(Option::is_none) {
            return Err(Error::InvalidKernelArgs);
        }
        Ok(())
    }

    /// Prepares a launch: validates the geometry and arguments, specialises the pipeline and
    /// builds the bind groups (one per dispatch when the NDRange must be split).
    pub(crate) fn launch(self: &Arc<Self>, engine: &Arc<Engine>, range: &NdRange) -> Result<KernelLaunch> {
        let dims = range.global.len();
        if !(1..=3).contains(&dims) {
            return Err(Error::InvalidWorkDimension);
        }
        if range.offset.len() != dims || range.local.as_ref().is_some_and(|l| l.len() != dims) {
            return Err(Error::InvalidValue("offset/local dimensions differ from the global one"));
        }
        let mut global = [1usize; 3];
        let mut offset = [0usize; 3];
        global[..dims].copy_from_slice(&range.global);
        offset[..dims].copy_from_slice(&range.offset);
        if global.iter().zip(offset).any(|(g, o)| g.checked_add(o).is_none_or(|e| e > u32::MAX as usize)) {
            return Err(Error::InvalidGlobalOffset);
        }
        let l = &engine.limits;
        let local: [u32; 3] = match &range.local {
            Some(loc) => {
                let mut local = [1u32; 3];
                for d in 0..dims {
                    local[d] = loc[d] as u32;
                }
                let maxes = [l.max_compute_workgroup_size_x, l.max_compute_workgroup_size_y, l.max_compute_workgroup_size_z];
                if local.contains(&0) || loc.iter().any(|v| *v > u32::MAX as usize) {
                    return Err(Error::InvalidWorkGroupSize);
                }
                if local.iter().zip(maxes).any(|(v, m)| *v > m) {
                    return Err(Error::InvalidWorkItemSize);
                }
                if local.iter().product::<u32>() > l.max_compute_invocations_per_workgroup {
                    return Err(Error::InvalidWorkGroupSize);
                }
                if let WorkgroupSize::Fixed(f) = self.info.workgroup_size {
                    if f != local {
                        return Err(Error::InvalidWorkGroupSize);
                    }
                }
                local
            }
            None => self.choose_local(&global, dims),
        };
        if let Some(r) = self.info.reqd_work_group_size {
            if r != local {
                return Err(Error::InvalidWorkGroupSize);
            }
        }
        let uniform_ok = (0..3).all(|d| global[d] % local[d] as usize == 0);
        if !uniform_ok
            && (self.info.dispatch_binding.is_none()
                || self.program.build_options().split_whitespace().any(|o| o == "-cl-uniform-work-group-size"))
        {
            // Without the dispatch block the kernel cannot tell the real global size; with
            // -cl-uniform-work-group-size the program asked for uniform groups.
            return Err(Error::InvalidWorkGroupSize);
        }
        let groups: [u32; 3] = std::array::from_fn(|d| global[d].div_ceil(local[d] as usize) as u32);

        // Arguments: upgrade buffers (the launch retains them), collect bytes and local sizes.
        let args = self.args.lock().clone();
        let mut buffers = Vec::new();
        let mut local_lens = Vec::new();
        let mut local_total = self.info.static_local_mem_size;
        for (a, v) in self.info.args.iter().zip(&args) {
            let v = v.as_ref().ok_or(Error::InvalidKernelArgs)?;
            match (&a.kind, v) {
                (ArgKind::Buffer { .. }, ArgValue::Mem(m)) => {
                    buffers.push(match m {
                        Some(w) => Some(w.upgrade().ok_or(Error::InvalidMemObject)?),
                        None => None,
                    });
                }
                (ArgKind::Local { len_override, elem_size }, ArgValue::Local(size)) => {
                    local_total += size;
                    local_lens.push((len_override.clone(), size.div_ceil(*elem_size as u64).max(1) as u32));
                }
                _ => {}
            }
        }
        if local_total > l.max_compute_workgroup_storage_size as u64 {
            return Err(Error::OutOfResources("__local memory exceeds the device's".into()));
        }
        let variant;
        let built: &Built = if self.binds_one_buffer_both_ways(&buffers) {
            variant = self.built.storage_read_write()?;
            &variant
        } else {
            &self.built
        };
        let pipeline = self.pipeline(built, local, &local_lens)?;
        // A driver failing the pipeline may lose the device with it: refuse here rather than
        // bind to a dead device.
        engine.check_alive()?;

        let max = l.max_compute_workgroups_per_dimension.max(1);
        if groups.iter().any(|g| *g > max) && self.info.dispatch_binding.is_none() {
            return Err(Error::InvalidGlobalWorkSize);
        }
        let chunks = chunks(global, local, max);

        // One uniform buffer for by-value arguments and the dispatch blocks.
        let ua = l.min_uniform_buffer_offset_alignment as u64;
        let mut bytes: Vec<u8> = Vec::new();
        // By-value arguments, each at its offset in its binding's block.
        let mut blocks: Vec<(u32, Vec<u8>)> = Vec::new();
        for (a, v) in self.info.args.iter().zip(&args) {
            if let (ArgKind::Scalar { binding, offset, .. }, Some(ArgValue::Bytes(b))) = (&a.kind, v) {
                let i = match blocks.iter().position(|(bb, _)| bb == binding) {
                    Some(i) => i,
                    None => {
                        blocks.push((*binding, Vec::new()));
                        blocks.len() - 1
                    }
                };
                let block = &mut blocks[i].1;
                let (start, end) = (*offset as usize, *offset as usize + b.len());
                if block.len() < end {
                    block.resize(end, 0);
                }
                block[start..end].copy_from_slice(b);
            }
        }
        let mut scalar_at = Vec::new();
        for (binding, block) in &blocks {
            let at = align(bytes.len() as u64, ua);
            bytes.resize(at as usize, 0);
            bytes.extend_from_slice(block);
            bytes.resize(align(bytes.len() as u64, 16) as usize, 0);
            scalar_at.push((*binding, at, align(block.len() as u64, 16)));
        }
        let mut dispatch_at = Vec::new();
        if self.info.dispatch_binding.is_some() {
            for c in &chunks {
                let info = DispatchInfo {
                    global_offset: offset.map(|o| o as u32),
                    work_dim: dims as u32,
                    global_size: global.map(|g| g as u32),
                    local_size: c.local,
                    num_groups: groups,
                    group_offset: c.start,
                    groups_x: c.count[0],
                };
                let at = align(bytes.len() as u64, ua);
                bytes.resize(at as usize, 0);
                bytes.extend_from_slice(bytemuck::cast_slice(&info.to_words()));
                dispatch_at.push(at);
            }
        }
        let key = BoundKey {
            pipeline: Arc::as_ptr(&pipeline) as usize,
            buffers: buffers.iter().map(|b| b.as_ref().map(Arc::downgrade)).collect(),
            uniform_bytes: bytes,
            chunks: chunks.clone(),
        };
        let cached = {
            let mut cache = self.bound_cache.lock();
            let hit = cache.iter().position(|(k, _)| k.matches(&key));
            hit.map(|i| {
                let entry = cache.remove(i).expect("found above");
                let bound = entry.1.clone();
                cache.push_front(entry);
                bound
            })
        };
        let bound = match cached {
            Some(b) => b,
            None => {
                let b = Arc::new(self.bind(engine, built, pipeline, &buffers, &key.uniform_bytes, &chunks, &scalar_at, &dispatch_at));
                let mut cache = self.bound_cache.lock();
                // An entry naming a released buffer can never match again; dropping it lets
                // wgpu free that buffer's memory now rather than when the entry ages out.
                cache.retain(|(k, _)| k.buffers.iter().flatten().all(|w| w.strong_count() > 0));
                cache.push_front((key, b.clone()));
                cache.truncate(BOUND_CACHE_LEN);
                b
            }
        };
        Ok(KernelLaunch { _program: self.program.clone(), built: self.built.clone(), _buffers: buffers.into_iter().flatten().collect(), bound })
    }

    /// True when one wgpu buffer would be bound both read-only and writable by a launch with
    /// `buffers`: the same buffer twice, two sub-buffers of one (overlapping or not: wgpu
    /// tracks usage per buffer), or NULLs (they share one placeholder). OpenCL allows it;
    /// wgpu refuses the dispatch, so such a launch uses the program's read-write variant.
    fn binds_one_buffer_both_ways(&self, buffers: &[Option<Arc<MemObject>>]) -> bool {
        let bound = || {
            let access = self.info.args.iter().filter_map(|a| match a.kind {
                ArgKind::Buffer { read_only, .. } => Some(read_only),
                _ => None,
            });
            access.zip(buffers).map(|(read_only, m)| (read_only, m.as_ref().map(|m| m.wgpu_buffer().0)))
        };
        bound().any(|(read_only, b)| read_only && bound().any(|(ro, other)| !ro && other == b))
    }

    /// Creates the uniform buffer and one bind group per dispatch. Arguments were checked
    /// before, so wgpu validation errors here would be runtime bugs: they go to the
    /// uncaptured-error log and fail the batch at submission, without a per-enqueue scope.
    #[allow(clippy::too_many_arguments)]
    fn bind(
        &self,
        engine: &Arc<Engine>,
        built: &Built,
        pipeline: Arc<wgpu::ComputePipeline>,
        buffers: &[Option<Arc<MemObject>>],
        bytes: &[u8],
        chunks: &[Chunk],
        scalar_at: &[(u32, u64, u64)],
        dispatch_at: &[u64],
    ) -> Bound {
        let uniforms = (!bytes.is_empty()).then(|| {
            // Not `create_buffer_init`: it panics when the buffer is invalid (a lost device);
            // the batch fails instead.
            let buf = engine.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("wgcl kernel args"),
                size: align(bytes.len() as u64, 4),
                usage: wgpu::BufferUsages::UNIFORM,
                mapped_at_creation: true,
            });
            if let Ok(mut view) = buf.slice(..).get_mapped_range_mut() {
                view.slice(..bytes.len()).copy_from_slice(bytes);
            }
            buf.unmap();
            buf
        });
        let layout = self.layout(built);
        let dummy;
        let null_buffer = if buffers.iter().any(Option::is_none) {
            dummy = engine.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("wgcl null arg"),
                size: 256,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            });
            Some(&dummy)
        } else {
            None
        };
        // Zero-initialized by wgpu, so the counter starts at 0.
        let printf = self.info.printf_binding.map(|_| {
            engine.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("wgcl printf"),
                size: crate::printf::PRINTF_BUFFER_SIZE,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        let mut dispatches = Vec::with_capacity(chunks.len());
        for (ci, chunk) in chunks.iter().enumerate() {
            let mut entries = Vec::new();
            let mut bi = 0;
            for a in &self.info.args {
                match a.kind {
                    ArgKind::Buffer { binding, .. } => {
                        let resource = match &buffers[bi] {
                            Some(m) => {
                                let (buf, off) = m.wgpu_buffer();
                                let size = align(m.size(), 4).min(buf.size() - off);
                                wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: buf, offset: off, size: std::num::NonZeroU64::new(size) })
                            }
                            None => null_buffer.expect("dummy made").as_entire_binding(),
                        };
                        entries.push(wgpu::BindGroupEntry { binding, resource });
                        bi += 1;
                    }
                    ArgKind::Scalar { .. } | ArgKind::Local { .. } => {}
                }
            }
            for &(binding, at, size) in scalar_at {
                entries.push(wgpu::BindGroupEntry {
                    binding,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: uniforms.as_ref().expect("uniforms made"),
                        offset: at,
                        size: std::num::NonZeroU64::new(size),
                    }),
                });
            }
            if let Some(b) = self.info.dispatch_binding {
                entries.push(wgpu::BindGroupEntry {
                    binding: b,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: uniforms.as_ref().expect("uniforms made"),
                        offset: dispatch_at[ci],
                        size: std::num::NonZeroU64::new(DispatchInfo::SIZE),
                    }),
                });
            }
            if let (Some(b), Some(buf)) = (self.info.printf_binding, &printf) {
                entries.push(wgpu::BindGroupEntry { binding: b, resource: buf.as_entire_binding() });
            }
            let bg = engine.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some(&self.info.name), layout: &layout.0, entries: &entries });
            let mut count = chunk.count;
            if self.info.virtual_groups {
                count[0] = count[0].min(groups_in_flight(engine, chunk.local));
            }
            dispatches.push((bg, count));
        }
        Bound { pipeline, dispatches, _uniforms: uniforms, printf }
    }
}

/// A kernel counts in its program's `live_kernels` (a rebuild is refused while any does) from
/// creation until it is dropped; launches hold the program, not the kernel, so that is when the
/// application releases it.
impl Drop for Kernel {
    fn drop(&mut self) {
        self.program.live_kernels.fetch_sub(1, Ordering::SeqCst);
    }
}
