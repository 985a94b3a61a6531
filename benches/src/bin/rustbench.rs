//! Callback latency and throughput through wgcl's Rust API and through raw wgpu, in one run.
//!
//! raw wgpu: submit a trivial dispatch, `on_submitted_work_done` signals the main thread; a
//! helper thread blocks in `device.poll(Wait)`, or (second floor) polls without blocking in a
//! loop, which is what wgcl's completion thread does for a short window on GPUs.
//! wgcl: enqueue the same kernel, a CL_COMPLETE callback signals, flush.
//! Prints p50/p90/p99 and the wgcl/raw ratio. `--quick` for CI-sized runs; `--samples DIR`
//! writes every latency sample for benches/src/bin/latplot.rs; `--live N` sets how many
//! objects are alive in the per-command-cost run (default 100,000; 2,000 with --quick).
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WGSL: &str = "override wgcl_local_size_x: u32 = 64; override wgcl_local_size_y: u32 = 1; override wgcl_local_size_z: u32 = 1;\n@group(0) @binding(0) var<storage, read_write> t: array<i32>;\n@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z) fn tick(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x == 0u) { t[0] = t[0] + 1; } }\n";

fn pct(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    (v[n / 2], v[n * 9 / 10], v[(n * 99 / 100).min(n - 1)])
}

/// The trivial `tick` dispatch through raw wgpu: device, pipeline and bind group, made once.
struct RawTick {
    device: Arc<wgpu::Device>,
    queue: wgpu::Queue,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
}

impl RawTick {
    fn new() -> Self {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .expect("adapter");
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).expect("device");
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor { label: None, source: wgpu::ShaderSource::Wgsl(WGSL.into()) });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: None,
            layout: None,
            module: &module,
            entry_point: Some("tick"),
            compilation_options: Default::default(),
            cache: None,
        });
        let buf = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: 256, usage: wgpu::BufferUsages::STORAGE, mapped_at_creation: false });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[wgpu::BindGroupEntry { binding: 0, resource: buf.as_entire_binding() }],
        });
        RawTick { device: Arc::new(device), queue, pipeline, bind_group }
    }

    /// One dispatch in an encoder and a submission of its own.
    fn submit(&self) {
        let mut enc = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        self.queue.submit([enc.finish()]);
    }
}

/// The same kernel through wgcl's Rust API: a queue and the `tick` kernel with its buffer set
/// (returned too: a kernel does not keep its argument buffers alive).
type WgclTick = (Arc<wgcl::Context>, Arc<wgcl::CommandQueue>, Arc<wgcl::Kernel>, Arc<wgcl::MemObject>);

fn wgcl_tick() -> wgcl::Result<WgclTick> {
    use wgcl::*;
    let device = Platform::get().default_device()?;
    let ctx = Context::new(std::slice::from_ref(&device))?;
    let q = CommandQueue::new(&ctx, &device, QueueProperties::default())?;
    let p = Program::with_source(&ctx, WGSL)?;
    p.build("", None)?;
    let k = Kernel::new(&p, "tick")?;
    let buf = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE), 256, HostInit::None)?;
    k.set_arg(0, KernelArg::Mem(Some(&buf)))?;
    Ok((ctx, q, k, buf))
}

fn raw_wgpu(n: usize, m: usize, spin: bool) -> (Vec<f64>, f64) {
    let raw = RawTick::new();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (device, stop) = (raw.device.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if spin {
                    let _ = device.poll(wgpu::PollType::Poll);
                    std::hint::spin_loop();
                } else {
                    let _ = device.poll(wgpu::PollType::Wait { submission_index: None, timeout: Some(Duration::from_millis(50)) });
                }
            }
        })
    };
    let submit = |done: Option<mpsc::Sender<Instant>>| {
        raw.submit();
        if let Some(tx) = done {
            raw.queue.on_submitted_work_done(move || {
                let _ = tx.send(Instant::now());
            });
        }
    };
    let mut lat = Vec::with_capacity(n);
    for i in 0..n + 10 {
        let (tx, rx) = mpsc::channel();
        let t0 = Instant::now();
        submit(Some(tx));
        let t1 = rx.recv().unwrap();
        if i >= 10 {
            lat.push((t1 - t0).as_secs_f64() * 1e6);
        }
    }
    let (tx, rx) = mpsc::channel();
    let t0 = Instant::now();
    for i in 0..m {
        submit((i == m - 1).then(|| tx.clone()));
    }
    rx.recv().unwrap();
    let rate = m as f64 / t0.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.join().unwrap();
    (lat, rate)
}

fn wgcl_api(n: usize, m: usize) -> wgcl::Result<(Vec<f64>, f64)> {
    use wgcl::*;
    let (_ctx, q, k, _buf) = wgcl_tick()?;
    let range = NdRange::d1(64);
    let mut lat = Vec::with_capacity(n);
    for i in 0..n + 10 {
        let (tx, rx) = mpsc::channel();
        let t0 = Instant::now();
        let ev = q.enqueue_nd_range(&k, &range, &[])?;
        ev.set_callback(CallbackType::Complete, Box::new(move |_, _| {
            let _ = tx.send(Instant::now());
        }));
        q.flush()?;
        let t1 = rx.recv().unwrap();
        if i >= 10 {
            lat.push((t1 - t0).as_secs_f64() * 1e6);
        }
    }
    let (tx, rx) = mpsc::channel();
    let t0 = Instant::now();
    for i in 0..m {
        let ev = q.enqueue_nd_range(&k, &range, &[])?;
        let tx = tx.clone();
        ev.set_callback(CallbackType::Complete, Box::new(move |_, _| {
            if i == m - 1 {
                let _ = tx.send(());
            }
        }));
        if i % 64 == 63 {
            q.flush()?;
        }
    }
    q.flush()?;
    rx.recv().unwrap();
    let rate = m as f64 / t0.elapsed().as_secs_f64();
    Ok((lat, rate))
}

/// Per-command cost (us) of `m` trivial dispatches with `live` extra buffers alive: raw wgpu
/// (an encoder and submit per dispatch, as wgcl's flush-per-64 would do at most) and wgcl's Rust
/// API (enqueue + release the event, flush every 64), with `live` buffers and `live` user events.
/// Best of 3 rounds each, to skip warm-up.
fn live_objects(m: usize, live: usize) -> wgcl::Result<[f64; 4]> {
    use wgcl::*;
    let best = |f: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let t0 = Instant::now();
                f();
                t0.elapsed().as_secs_f64() * 1e6 / m as f64
            })
            .fold(f64::MAX, f64::min)
    };
    // raw wgpu
    let raw = RawTick::new();
    let mut raw_round = || {
        for i in 0..m {
            raw.submit();
            if i % 64 == 63 {
                let _ = raw.device.poll(wgpu::PollType::Poll);
            }
        }
        raw.device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
    };
    let raw0 = best(&mut raw_round);
    let buffer = wgpu::BufferDescriptor { label: None, size: 256, usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false };
    let extra: Vec<wgpu::Buffer> = (0..live).map(|_| raw.device.create_buffer(&buffer)).collect();
    let raw_live = best(&mut raw_round);
    drop(extra);

    // wgcl
    let (ctx, q, k, _buf) = wgcl_tick()?;
    let range = NdRange::d1(64);
    let mut wgcl_round = || {
        for i in 0..m {
            drop(q.enqueue_nd_range(&k, &range, &[]).expect("enqueue"));
            if i % 64 == 63 {
                q.flush().expect("flush");
            }
        }
        q.finish().expect("finish");
    };
    let wgcl0 = best(&mut wgcl_round);
    let bufs: Vec<_> = (0..live).map(|_| MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE), 64, HostInit::None)).collect::<Result<_>>()?;
    let events: Vec<_> = (0..live).map(|_| Event::new_user(&ctx)).collect();
    let wgcl_live = best(&mut wgcl_round);
    drop((bufs, events));
    Ok([raw0, raw_live, wgcl0, wgcl_live])
}

fn write_samples(dir: Option<&str>, name: &str, v: &[f64]) {
    if let Some(dir) = dir {
        let text: String = v.iter().map(|x| format!("{x:.3}\n")).collect();
        std::fs::write(format!("{dir}/{name}__callback_latency.txt"), text).expect("write samples");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let samples = args.iter().position(|a| a == "--samples").and_then(|i| args.get(i + 1)).map(String::as_str);
    let (n, m) = if quick { (100, 1000) } else { (1000, 10000) };
    let (mut raw, raw_rate) = raw_wgpu(n, m, false);
    let (mut spin, _) = raw_wgpu(n, 10, true);
    let (mut wg, wg_rate) = wgcl_api(n, m).expect("wgcl run");
    let (r50, r90, r99) = pct(&mut raw);
    let (s50, s90, s99) = pct(&mut spin);
    let (w50, w90, w99) = pct(&mut wg);
    write_samples(samples, "raw_wgpu_blocking_poll", &raw);
    write_samples(samples, "raw_wgpu_spinning_poll", &spin);
    write_samples(samples, "wgcl_Rust_API", &wg);
    let line = |who: &str, p: (f64, f64, f64)| {
        println!("{:<24} {:<28} n={:<6} p50={:9.1} us  p90={:9.1} us  p99={:9.1} us", who, "callback_latency", n, p.0, p.1, p.2)
    };
    line("raw wgpu (block)", (r50, r90, r99));
    line("raw wgpu (spin)", (s50, s90, s99));
    line("wgcl (Rust API)", (w50, w90, w99));
    println!("{:<24} {:<28} p50 x{:.2}  p99 x{:.2}  (target <= 1.2)", "ratio wgcl/raw(block)", "callback_latency", w50 / r50, w99 / r99);
    println!("{:<24} {:<28} p50 x{:.2}  p99 x{:.2}", "ratio wgcl/raw(spin)", "callback_latency", w50 / s50, w99 / s99);
    println!("{:<24} {:<28} n={:<6} {:9.0} kernels/s", "raw wgpu", "throughput", m, raw_rate);
    println!("{:<24} {:<28} n={:<6} {:9.0} kernels/s  (with a callback each)", "wgcl (Rust API)", "throughput", m, wg_rate);
    println!("{:<24} {:<28} x{:.2}", "ratio wgcl/raw", "throughput", wg_rate / raw_rate);
    let live = args.iter().position(|a| a == "--live").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(if quick { 2000 } else { 100_000 });
    let [raw0, raw_live, wgcl0, wgcl_live] = live_objects(m.min(2000), live).expect("wgcl run");
    let row = |who: &str, n: usize, us: f64, base: f64| {
        println!("{:<24} {:<28} {:9.2} us/command  (x{:.2} of none alive)", who, format!("per_command_live_{n}"), us, us / base)
    };
    row("raw wgpu", 0, raw0, raw0);
    row("raw wgpu", live, raw_live, raw0);
    row("wgcl (Rust API)", 0, wgcl0, wgcl0);
    row("wgcl (Rust API)", 2 * live, wgcl_live, wgcl0);
}
