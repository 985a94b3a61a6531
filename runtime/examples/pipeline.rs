//! The wgcl demo: a small pipeline gated by a user event, with a callback on every stage.
//!
//! user event ──► write x ─┐
//!                write y ─┴─► kernel y = a*x + y ──► read y
//!
//! Each command registers SUBMITTED, RUNNING and COMPLETE callbacks; the program prints
//! when each fired, the event timeline (QUEUED, SUBMIT, START, END in µs from the first
//! command) and checks the result against the CPU.
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use wgcl::*;

const N: usize = 1 << 16;

const SAXPY_WGSL: &str = r#"
override wgcl_local_size_x: u32 = 64;
override wgcl_local_size_y: u32 = 1;
override wgcl_local_size_z: u32 = 1;
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> a: f32;
@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)
fn saxpy(@builtin(global_invocation_id) g: vec3<u32>) {
    y[g.x] = a * x[g.x] + y[g.x];
}
"#;

const SAXPY_CL: &str = r#"
__kernel void saxpy(__global const float* x, __global float* y, float a) {
    size_t i = get_global_id(0);
    y[i] = a * x[i] + y[i];
}
"#;

fn main() -> Result<()> {
    let start = Instant::now();
    let t = move || start.elapsed().as_secs_f64() * 1e3;
    let platform = Platform::get();
    let device = platform.default_device()?;
    let info = device.info();
    println!("wgcl demo on {} ({}, {:?})", info.name, info.backend, info.device_type);
    let ctx = Context::new(&[device.clone()])?;
    let queue = CommandQueue::new(&ctx, &device, QueueProperties { profiling: true, out_of_order: false })?;

    // The kernel: OpenCL C when the front end can build it, WGSL otherwise.
    let (program, lang) = {
        let cl = Program::with_source(&ctx, SAXPY_CL)?;
        match cl.build("", None) {
            Ok(()) => (cl, "OpenCL C"),
            Err(_) => {
                println!("  (OpenCL C build failed: {}; using WGSL)", cl.build_log().lines().next().unwrap_or(""));
                let w = Program::with_source(&ctx, SAXPY_WGSL)?;
                w.build("", None)?;
                (w, "WGSL")
            }
        }
    };
    println!("kernel `saxpy` built from {lang}");
    let kernel = Kernel::new(&program, "saxpy")?;

    let x: Vec<f32> = (0..N).map(|i| i as f32 * 0.5).collect();
    let y: Vec<f32> = (0..N).map(|i| (i % 7) as f32).collect();
    let a = 3.0f32;
    let bx = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_ONLY), (N * 4) as u64, HostInit::None)?;
    let by = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE), (N * 4) as u64, HostInit::None)?;
    kernel.set_arg(0, KernelArg::Mem(Some(&bx)))?;
    kernel.set_arg(1, KernelArg::Mem(Some(&by)))?;
    kernel.set_arg(2, KernelArg::Bytes(&a.to_ne_bytes()))?;

    let (tx, rx) = mpsc::channel::<String>();
    let watch = |name: &'static str, ev: &Arc<Event>| {
        for ty in [CallbackType::Submitted, CallbackType::Running, CallbackType::Complete] {
            let tx = tx.clone();
            ev.set_callback(ty, Box::new(move |_, status| {
                let _ = tx.send(format!("{:9.3} ms  callback  {name:<8} {:<9} (status {status})", t(), label(ty.status())));
            }));
        }
    };

    let gate = Event::new_user(&ctx);
    let wx = queue.enqueue_write_buffer(&bx, 0, bytemuck::cast_slice(&x).to_vec(), &[gate.clone()])?;
    let wy = queue.enqueue_write_buffer(&by, 0, bytemuck::cast_slice(&y).to_vec(), &[gate.clone()])?;
    let run = queue.enqueue_nd_range(&kernel, &NdRange::d1(N).with_local(&[64]), &[wx.clone(), wy.clone()])?;
    let (read, out) = queue.enqueue_read_buffer(&by, 0, (N * 4) as u64, &[run.clone()])?;
    let stages = [("write x", &wx), ("write y", &wy), ("saxpy", &run), ("read y", &read)];
    for (name, ev) in stages {
        watch(name, ev);
    }
    queue.flush()?;
    println!("{:9.3} ms  flushed; every command waits for the gate: statuses {:?}", t(), stages.map(|(_, e)| label(e.status())));
    std::thread::sleep(std::time::Duration::from_millis(20));
    println!("{:9.3} ms  opening the gate (clSetUserEventStatus CL_COMPLETE)", t());
    gate.set_user_status(COMPLETE)?;

    // 4 commands x 3 callbacks, delivered on the runtime's callback thread.
    for _ in 0..12 {
        println!("{}", rx.recv_timeout(std::time::Duration::from_secs(60)).expect("a callback"));
    }
    let result: Vec<f32> = bytemuck::cast_slice(&out.lock()).to_vec();
    let bad = (0..N).filter(|&i| (result[i] - (a * x[i] + y[i])).abs() > 1e-3 * (a * x[i] + y[i]).abs().max(1.0)).count();

    println!("\nevent timeline (µs from the first QUEUED):");
    println!("  {:<8} {:>10} {:>10} {:>10} {:>10}", "command", "QUEUED", "SUBMIT", "START", "END");
    let t0 = stages.iter().map(|(_, e)| e.timeline().queued).min().unwrap_or(0);
    for (name, ev) in stages {
        let p = ev.timeline();
        let us = |v: u64| format!("{:.1}", (v.saturating_sub(t0)) as f64 / 1e3);
        println!("  {:<8} {:>10} {:>10} {:>10} {:>10}", name, us(p.queued), us(p.submit), us(p.start), us(p.end));
    }
    println!("\nresult: {} of {N} elements match the CPU reference (y = {a}*x + y)", N - bad);
    if bad > 0 {
        eprintln!("MISMATCH in {bad} elements");
        std::process::exit(1);
    }

    // A failing gate: the whole chain ends with CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST.
    let gate2 = Event::new_user(&ctx);
    let w2 = queue.enqueue_write_buffer(&by, 0, vec![0u8; 16], &[gate2.clone()])?;
    let k2 = queue.enqueue_nd_range(&kernel, &NdRange::d1(N), &[w2.clone()])?;
    let (tx2, rx2) = mpsc::channel();
    for (name, ev) in [("write", &w2), ("saxpy", &k2)] {
        let tx2 = tx2.clone();
        ev.set_callback(CallbackType::Complete, Box::new(move |_, s| { let _ = tx2.send((name, s)); }));
    }
    queue.flush()?;
    gate2.set_user_status(-1000)?;
    for _ in 0..2 {
        let (name, s) = rx2.recv_timeout(std::time::Duration::from_secs(60)).expect("a failure callback");
        println!("failure path: {name} COMPLETE callback got status {s}");
    }
    queue.finish()?;
    println!("done in {:.1} ms", t());
    Ok(())
}

fn label(status: i32) -> &'static str {
    match status {
        QUEUED => "QUEUED",
        SUBMITTED => "SUBMITTED",
        RUNNING => "RUNNING",
        COMPLETE => "COMPLETE",
        _ => "ERROR",
    }
}
