//! STREAM copy/triad through raw wgpu: the bandwidth floor wgcl's kernels are built on, and
//! what each launch shape costs. Variants, each 10 kernels back to back then one wait:
//! * `chunked`: 1-D dispatches of at most the device's per-dimension group limit (65535),
//!   each kernel split into several dispatches with a group offset (wgcl's launch shape
//!   before 2-D folding);
//! * `folded`: one 2-D dispatch per kernel, the group index linearised in the shader;
//! * `folded+unchecked`: the same with naga's bounds checks off (`create_shader_module_trusted`);
//! * `folded vec4`: 16-byte elements;
//! * `folded wg1024`: workgroups of 1024 instead of 256;
//! * `persistent`: at most 4096 workgroups, each looping over the group ids (a grid-stride
//!   loop over whole workgroups, a lowering any OpenCL kernel allows);
//! * `norobust` variants: on a Vulkan device created without `robustBufferAccess(2)`, the
//!   driver-side bounds checking that wgpu always turns on (OpenCL does not ask for it).
//!
//! Usage: streambench [--quick]
use std::time::Instant;

mod norobust;

const WG: u32 = 256;

fn shader(kind: &str, elem: &str, wg: u32, persistent: bool) -> String {
    let body = match kind {
        "copy" => "c[i] = a[i];",
        _ => "c[i] = a[i] + s.x * b[i];",
    };
    // Persistent: a fixed number of workgroups, each looping over the virtual group ids
    // (`s.fold` holds their count), as an OpenCL runtime could lower any kernel.
    let main = if persistent {
        format!(
            "fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {{
    for (var group = wg.x; group < s.fold; group += nwg.x) {{
        let i = group * {wg}u + l.x;
        if (i < s.n) {{ _ = a[0]; _ = b[0]; {body} }}
    }}
}}"
        )
    } else {
        format!(
            "fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {{
    let group = wg.x + wg.y * s.fold + s.offset;
    let i = group * {wg}u + l.x;
    if (i < s.n) {{ _ = a[0]; _ = b[0]; {body} }}
}}"
        )
    };
    format!(
        "struct P {{ x: f32, fold: u32, offset: u32, n: u32 }}
@group(0) @binding(0) var<storage, read> a: array<{elem}>;
@group(0) @binding(1) var<storage, read> b: array<{elem}>;
@group(0) @binding(2) var<storage, read_write> c: array<{elem}>;
@group(0) @binding(3) var<uniform> s: P;
@compute @workgroup_size({wg})
{main}
"
    )
}

struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
}

fn gpu(robust: bool) -> Option<Gpu> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    }))
    .expect("adapter");
    let desc = wgpu::DeviceDescriptor { required_limits: adapter.limits(), ..Default::default() };
    if robust {
        let (device, queue) = pollster::block_on(adapter.request_device(&desc)).expect("device");
        return Some(Gpu { device, queue });
    }
    let (device, queue) = norobust::vulkan_device_without_robustness(&adapter, &desc)?;
    Some(Gpu { device, queue })
}

/// GB/s (median of `trials`) of `reps` kernels of `kind` over `n` floats.
fn run(g: &Gpu, kind: &str, n: u64, variant: &str, trials: usize, reps: usize) -> f64 {
    let vec4 = variant.contains("vec4");
    let (elem, items) = if vec4 { ("vec4<f32>", n / 4) } else { ("f32", n) };
    let wg = if variant.contains("wg1024") { 1024 } else { WG };
    let persistent = variant.contains("persistent");
    let src = shader(kind, elem, wg, persistent);
    let desc = wgpu::ShaderModuleDescriptor { label: None, source: wgpu::ShaderSource::Wgsl(src.into()) };
    let module = if variant.contains("unchecked") {
        // SAFETY: every index is below `s.n`, the element count of each bound buffer, so the
        // shader stays in bounds without naga's checks.
        unsafe { g.device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked()) }
    } else {
        g.device.create_shader_module(desc)
    };
    let pipeline = g.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: None,
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let storage = |usage| g.device.create_buffer(&wgpu::BufferDescriptor { label: None, size: n * 4, usage, mapped_at_creation: false });
    let (a, b, c) = (storage(wgpu::BufferUsages::STORAGE), storage(wgpu::BufferUsages::STORAGE), storage(wgpu::BufferUsages::STORAGE));
    let groups = items.div_ceil(wg as u64) as u32;
    let max = g.device.limits().max_compute_workgroups_per_dimension;
    // (fold, offset, dispatch size) per dispatch of one kernel.
    let dispatches: Vec<(u32, u32, [u32; 3])> = if persistent {
        // 16 workgroups of 256 per SM-sized slot: enough to fill any current GPU.
        vec![(groups, 0, [groups.min(4096), 1, 1])]
    } else if variant.starts_with("chunked") {
        (0..groups).step_by(max as usize).map(|start| (0, start, [(groups - start).min(max), 1, 1])).collect()
    } else {
        let x = groups.min(max);
        vec![(x, 0, [x, groups.div_ceil(x), 1])]
    };
    let align = g.device.limits().min_uniform_buffer_offset_alignment as usize;
    let mut bytes = vec![0u8; dispatches.len() * align];
    for (k, (fold, offset, _)) in dispatches.iter().enumerate() {
        let words = [3.0f32.to_bits(), *fold, *offset, items as u32];
        for (j, w) in words.iter().enumerate() {
            bytes[k * align + j * 4..k * align + j * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
    }
    let uniforms = g.device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: bytes.len() as u64,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    g.queue.write_buffer(&uniforms, 0, &bytes);
    let groups_bg: Vec<wgpu::BindGroup> = (0..dispatches.len())
        .map(|k| {
            g.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &pipeline.get_bind_group_layout(0),
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: a.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 1, resource: b.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 2, resource: c.as_entire_binding() },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &uniforms, offset: (k * align) as u64, size: std::num::NonZeroU64::new(16) }),
                    },
                ],
            })
        })
        .collect();
    let launch = |reps: usize| {
        let mut enc = g.device.create_command_encoder(&Default::default());
        for _ in 0..reps {
            let mut pass = enc.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            for (bg, (_, _, [x, y, z])) in groups_bg.iter().zip(&dispatches) {
                pass.set_bind_group(0, bg, &[]);
                pass.dispatch_workgroups(*x, *y, *z);
            }
        }
        g.queue.submit([enc.finish()]);
        g.device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
    };
    launch(1);
    let bytes_per = if kind == "copy" { 8.0 } else { 12.0 };
    let mut v: Vec<f64> = (0..trials)
        .map(|_| {
            let t0 = Instant::now();
            launch(reps);
            bytes_per * n as f64 * reps as f64 / t0.elapsed().as_secs_f64() / 1e9
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let g = gpu(true).expect("device");
    let plain = gpu(false);
    if plain.is_none() {
        println!("(no Vulkan device without robust buffer access: norobust variants skipped)");
    }
    let logs: &[u32] = if quick { &[20] } else { &[26, 28] };
    let trials = if quick { 3 } else { 7 };
    for &log in logs {
        for kind in ["copy", "triad"] {
            for variant in ["chunked", "folded", "folded+unchecked", "folded vec4", "folded wg1024", "persistent"] {
                let gbs = run(&g, kind, 1 << log, variant, trials, 10);
                println!("{:<24} {:<28} n={:<6} {:9.1} GB/s (median of {trials} x 10 kernels)", format!("raw wgpu {variant}"), format!("stream_{kind}_2^{log}"), trials, gbs);
            }
            for variant in ["folded", "folded vec4"] {
                let Some(g) = &plain else { continue };
                let gbs = run(g, kind, 1 << log, variant, trials, 10);
                println!("{:<24} {:<28} n={:<6} {:9.1} GB/s (median of {trials} x 10 kernels)", format!("raw wgpu {variant} norobust"), format!("stream_{kind}_2^{log}"), trials, gbs);
            }
        }
    }
}
