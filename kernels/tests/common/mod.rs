//! A small raw-wgpu harness that binds a kernel exactly as the runtime contract says
//! (arguments at their bindings, `DispatchInfo` after them, overrides for the local size and
//! `__local` arguments) and runs it on whatever adapter wgpu finds (lavapipe in CI).
#![allow(dead_code)]
use std::borrow::Cow;
use std::sync::OnceLock;

use wgcl_kernels::{ArgKind, BuildOptions, DeviceCaps, DispatchInfo, ProgramModule, WorkgroupSize};

pub enum Arg {
    /// A `cl_mem` buffer with its initial bytes; read back after the run.
    Buf(Vec<u8>),
    /// By-value argument bytes (C layout).
    Val(Vec<u8>),
    /// `__local` argument of this many bytes.
    Local(u32),
}

struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
}

fn gpu() -> &'static Gpu {
    static G: OnceLock<Gpu> = OnceLock::new();
    G.get_or_init(|| {
        let instance = wgpu::Instance::default();
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
            .expect("no wgpu adapter (install mesa-vulkan-drivers for lavapipe)");
        // The optional shader types the front end can target, where the adapter has them.
        let wanted = wgpu::Features::SHADER_INT64
            | wgpu::Features::SHADER_INT64_ATOMIC_ALL_OPS
            | wgpu::Features::SHADER_F16
            | wgpu::Features::SHADER_F64;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: None,
            required_features: adapter.features() & wanted,
            required_limits: adapter.limits(),
            ..Default::default()
        }))
        .expect("request_device");
        Gpu { device, queue }
    })
}

/// The device's optional types, as the runtime reports them to the front end.
pub fn device_caps() -> DeviceCaps {
    let f = gpu().device.features();
    DeviceCaps {
        f16: f.contains(wgpu::Features::SHADER_F16),
        f64: f.contains(wgpu::Features::SHADER_F64),
        i64: f.contains(wgpu::Features::SHADER_INT64),
        i64_atomics: f.contains(wgpu::Features::SHADER_INT64 | wgpu::Features::SHADER_INT64_ATOMIC_ALL_OPS),
    }
}

/// Builds for a device with the harness device's optional types.
pub fn build_with_caps(src: &str) -> ProgramModule {
    match wgcl_kernels::opencl_c::build(src, &BuildOptions { caps: device_caps(), ..Default::default() }) {
        Ok(p) => p,
        Err(e) => panic!("build failed:\n{}", e.log()),
    }
}

/// The program's WGSL text (naga's WGSL back end) parses and validates again in naga's WGSL
/// front end.
pub fn assert_wgsl_round_trip(p: &ProgramModule) {
    let wgsl = p.to_wgsl().unwrap_or_else(|e| panic!("to_wgsl: {}", e.log()));
    let m = naga::front::wgsl::parse_str(&wgsl).unwrap_or_else(|e| panic!("{}", e.emit_to_string(&wgsl)));
    wgcl_kernels::validate(&m).unwrap_or_else(|e| panic!("{}", e.message));
}

pub fn build(src: &str) -> ProgramModule {
    match wgcl_kernels::opencl_c::build(src, &BuildOptions::default()) {
        Ok(p) => p,
        Err(e) => panic!("build failed:\n{}", e.log()),
    }
}

pub fn corpus(name: &str) -> String {
    let p = format!("{}/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Runs `kernel` over `global` work-items (1-3 dims) in groups of `local`; returns each
/// buffer argument's final bytes (empty for other arguments).
pub fn run(prog: &ProgramModule, kernel: &str, args: &[Arg], global: &[u32], local: &[u32]) -> Vec<Vec<u8>> {
    run_with(prog, kernel, args, global, local, false)
}

/// [`run`], optionally (`specialised`) from the WGSL text of
/// [`ProgramModule::to_wgsl_specialized`] with no pipeline constants, as a browser would.
pub fn run_with(prog: &ProgramModule, kernel: &str, args: &[Arg], global: &[u32], local: &[u32], specialised: bool) -> Vec<Vec<u8>> {
    let g = gpu();
    let d = &g.device;
    let k = prog.kernel(kernel).unwrap_or_else(|| panic!("no kernel {kernel}"));
    assert_eq!(k.args.len(), args.len(), "argument count");
    let dim = global.len();
    let mut gs = [1u32; 3];
    let mut ls = [1u32; 3];
    gs[..dim].copy_from_slice(global);
    ls[..dim].copy_from_slice(local);
    let groups = [0, 1, 2].map(|i| gs[i].div_ceil(ls[i]));
    let mut constants: Vec<(String, f64)> = Vec::new();
    match &k.workgroup_size {
        WorkgroupSize::Overridable(names) => {
            for i in 0..3 {
                constants.push((names[i].clone(), ls[i] as f64));
            }
        }
        WorkgroupSize::Fixed(f) => assert_eq!(*f, ls, "local size must match reqd_work_group_size"),
    }
    let mut buffers = Vec::new();
    // By-value arguments: one uniform block per binding, each argument at its offset.
    let mut blocks: Vec<(u32, Vec<u8>)> = Vec::new();
    for (a, info) in args.iter().zip(&k.args) {
        match (a, &info.kind) {
            (Arg::Buf(bytes), ArgKind::Buffer { .. }) => {
                let size = (bytes.len() as u64).next_multiple_of(4).max(4);
                let b = d.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&info.name),
                    size,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                let mut padded = bytes.clone();
                padded.resize(size as usize, 0);
                g.queue.write_buffer(&b, 0, &padded);
                buffers.push(Some(b));
            }
            (Arg::Val(bytes), ArgKind::Scalar { binding, offset, size }) => {
                assert_eq!(bytes.len() as u32, *size, "by-value size of `{}`", info.name);
                let block = match blocks.iter().position(|(b, _)| b == binding) {
                    Some(i) => &mut blocks[i].1,
                    None => {
                        blocks.push((*binding, Vec::new()));
                        &mut blocks.last_mut().unwrap().1
                    }
                };
                let end = *offset as usize + bytes.len();
                if block.len() < end {
                    block.resize(end, 0);
                }
                block[*offset as usize..end].copy_from_slice(bytes);
                buffers.push(None);
            }
            (Arg::Local(bytes), ArgKind::Local { len_override, elem_size }) => {
                constants.push((len_override.clone(), (bytes / elem_size) as f64));
                buffers.push(None);
            }
            _ => panic!("argument `{}` does not match {:?}", info.name, info.kind),
        }
    }
    let uniform_blocks: Vec<(u32, wgpu::Buffer)> = blocks
        .iter()
        .map(|(binding, block)| {
            let mut padded = block.clone();
            padded.resize(block.len().next_multiple_of(16), 0);
            let b = d.create_buffer(&wgpu::BufferDescriptor {
                label: Some("by-value arguments"),
                size: padded.len() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            g.queue.write_buffer(&b, 0, &padded);
            (*binding, b)
        })
        .collect();
    let scope = d.push_error_scope(wgpu::ErrorFilter::Validation);
    let mut cref: Vec<(&str, f64)> = constants.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let source = if specialised {
        let text = prog.to_wgsl_specialized(&cref).unwrap_or_else(|e| panic!("specialisation failed: {}", e.log()));
        cref.clear();
        wgpu::ShaderSource::Wgsl(Cow::Owned(text))
    } else {
        wgpu::ShaderSource::Naga(Cow::Owned(prog.module.clone()))
    };
    let module = d.create_shader_module(wgpu::ShaderModuleDescriptor { label: Some(kernel), source });
    let pipeline = d.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(kernel),
        layout: None,
        module: &module,
        entry_point: Some(&k.entry_point),
        compilation_options: wgpu::PipelineCompilationOptions { constants: &cref, zero_initialize_workgroup_memory: true },
        cache: None,
    });
    // One dispatch per region, as the runtime does: its own `DispatchInfo` block.
    let mut dispatches = Vec::new();
    for (start, count, real_local) in regions(gs, ls) {
        let di = DispatchInfo { global_offset: [0; 3], work_dim: dim as u32, global_size: gs, local_size: real_local, num_groups: groups, group_offset: start, groups_x: count[0] };
        let dbytes: Vec<u8> = di.to_words().iter().flat_map(|w| w.to_le_bytes()).collect();
        let dbuf = d.create_buffer(&wgpu::BufferDescriptor {
            label: Some("dispatch"),
            size: DispatchInfo::SIZE,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        g.queue.write_buffer(&dbuf, 0, &dbytes);
        let mut entries = Vec::new();
        for (b, info) in buffers.iter().zip(&k.args) {
            if let (Some(b), ArgKind::Buffer { binding, .. }) = (b, &info.kind) {
                entries.push(wgpu::BindGroupEntry { binding: *binding, resource: b.as_entire_binding() });
            }
        }
        for (binding, b) in &uniform_blocks {
            entries.push(wgpu::BindGroupEntry { binding: *binding, resource: b.as_entire_binding() });
        }
        entries.push(wgpu::BindGroupEntry { binding: k.dispatch_binding.unwrap(), resource: dbuf.as_entire_binding() });
        let bg = d.create_bind_group(&wgpu::BindGroupDescriptor { label: None, layout: &pipeline.get_bind_group_layout(0), entries: &entries });
        // Kernels with virtual work-groups get at most 3 work-groups in x, each looping over
        // the others' group ids, so every test also checks that lowering.
        let mut count = count;
        if k.virtual_groups {
            count[0] = count[0].min(3);
        }
        dispatches.push((bg, count));
    }
    let mut enc = d.create_command_encoder(&Default::default());
    {
        let mut pass = enc.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        for (bg, count) in &dispatches {
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(count[0], count[1], count[2]);
        }
    }
    let mut reads = Vec::new();
    for (a, b) in args.iter().zip(&buffers) {
        if let (Arg::Buf(_), Some(b)) = (a, b) {
            let r = d.create_buffer(&wgpu::BufferDescriptor {
                label: None,
                size: b.size(),
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            enc.copy_buffer_to_buffer(b, 0, &r, 0, b.size());
            reads.push(Some(r));
        } else {
            reads.push(None);
        }
    }
    g.queue.submit([enc.finish()]);
    if let Some(e) = pollster::block_on(scope.pop()) {
        panic!("wgpu validation error: {e}\nWGSL:\n{}", prog.to_wgsl().unwrap_or_default());
    }
    let mut out = Vec::new();
    for (a, r) in args.iter().zip(reads) {
        match (a, r) {
            (Arg::Buf(bytes), Some(r)) => {
                r.slice(..).map_async(wgpu::MapMode::Read, |res| res.expect("map"));
                d.poll(wgpu::PollType::Wait { submission_index: None, timeout: None }).expect("poll");
                let v = r.slice(..).get_mapped_range().expect("mapped").to_vec();
                out.push(v[..bytes.len()].to_vec());
            }
            _ => out.push(Vec::new()),
        }
    }
    out
}

/// The regions of an NDRange as the runtime dispatches them (runtime/src/kernel.rs): per
/// dimension the whole work-groups, then the remainder group of a non-uniform range; each is
/// (first group, group count, real local size).
pub fn regions(global: [u32; 3], local: [u32; 3]) -> Vec<([u32; 3], [u32; 3], [u32; 3])> {
    let spans: [Vec<(u32, u32, u32)>; 3] = std::array::from_fn(|d| {
        let (whole, rest) = (global[d] / local[d], global[d] % local[d]);
        [(whole > 0).then_some((0, whole, local[d])), (rest > 0).then_some((whole, 1, rest))].into_iter().flatten().collect()
    });
    let mut out = Vec::new();
    for z in &spans[2] {
        for y in &spans[1] {
            for x in &spans[0] {
                let r = [x, y, z];
                out.push((r.map(|r| r.0), r.map(|r| r.1), r.map(|r| r.2)));
            }
        }
    }
    out
}

pub mod reference;
#[allow(unused_imports)]
pub use reference::*;
