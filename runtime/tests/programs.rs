//! Programs: non-blocking builds with notify, build logs, release callbacks and their timing.
mod common;
use common::*;
use wgcl::*;

const GOOD: &str = "@group(0) @binding(0) var<storage, read_write> b: array<u32>;\n@compute @workgroup_size(4) fn k(@builtin(global_invocation_id) g: vec3<u32>) { b[g.x] = g.x * 5u; }";

#[test]
fn build_with_notify_returns_before_notify_runs() {
    let env = env();
    let p = Program::with_source(&env.ctx, GOOD).unwrap();
    assert_eq!(p.build_status(), BuildStatus::None);
    let (returned_tx, returned_rx) = std::sync::mpsc::channel::<()>();
    let (tx, rx) = oneshot();
    let p2 = p.clone();
    p.build("-DX=1", Some(Box::new(move || {
        // If build() called us before returning, this would time out and report false.
        let after_return = returned_rx.recv_timeout(TIMEOUT).is_ok();
        tx.send((after_return, p2.build_status(), dispatcher::in_callback())).unwrap();
    })))
    .unwrap();
    let s = p.build_status();
    assert!(s == BuildStatus::InProgress || s == BuildStatus::Success, "{s:?}");
    returned_tx.send(()).unwrap();
    assert_eq!(recv(&rx), (true, BuildStatus::Success, true));
    assert_eq!(p.build_options(), "-DX=1");
    assert_eq!(p.kernel_names().unwrap(), vec!["k".to_string()]);
    assert!(!p.binary().is_empty());
    // The built program runs.
    let q = env.queue();
    let m = env.buffer(32);
    let k = Kernel::new(&p, "k").unwrap();
    k.set_arg(0, KernelArg::Mem(Some(&m))).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(8), &[]).unwrap();
    let got: Vec<u32> = bytemuck::cast_slice(&read_all(&q, &m)).to_vec();
    assert_eq!(got, (0..8).map(|i| i * 5).collect::<Vec<u32>>());
}

#[test]
fn bad_source_fails_with_a_positioned_log() {
    let env = env();
    let p = Program::with_source(&env.ctx, "@compute @workgroup_size(1)\nfn k() { let x = ; }").unwrap();
    let (tx, rx) = oneshot();
    let p2 = p.clone();
    p.build("", Some(Box::new(move || tx.send((p2.build_status(), p2.build_log())).unwrap()))).unwrap();
    let (status, log) = recv(&rx);
    assert_eq!(status, BuildStatus::Error);
    assert_eq!(BuildStatus::Error.code(), -2);
    // `file:line:col: error: ...` with line 2 and a column.
    let pos = log.split(": error").next().unwrap();
    let parts: Vec<&str> = pos.rsplitn(3, ':').collect();
    assert_eq!(parts.len(), 3, "{log}");
    assert_eq!(parts[1], "2", "line in {log}");
    assert!(parts[0].parse::<u32>().unwrap() > 0, "column in {log}");
    assert_eq!(code(Kernel::new(&p, "k")), -45);
    // Blocking build: the error code; the log is kept.
    assert_eq!(code(p.build("", None)), -11);
    assert_eq!(p.build_status(), BuildStatus::Error);
    assert!(p.build_log().contains(":2:"), "{}", p.build_log());
    // An empty source is a valid program (only a NULL one is invalid); it defines no kernel.
    let empty = Program::with_source(&env.ctx, "").unwrap();
    assert_eq!(code(empty.build("", None)), -11);
    assert_eq!(code(Program::with_binary(&env.ctx, b"not wgsl")), -30);
}

#[test]
fn binary_round_trip() {
    let env = env();
    let p = env.program(GOOD);
    let bin = p.binary();
    let p2 = Program::with_binary(&env.ctx, &bin).unwrap();
    assert_eq!(p2.source(), "");
    p2.build("", None).unwrap();
    assert_eq!(p2.kernel_names().unwrap(), vec!["k".to_string()]);
}

#[test]
fn blocking_build_inside_notify_is_refused() {
    let env = env();
    let p = Program::with_source(&env.ctx, GOOD).unwrap();
    let (tx, rx) = oneshot();
    let p2 = p.clone();
    p.build("", Some(Box::new(move || tx.send(code(p2.build("", None))).unwrap()))).unwrap();
    assert_eq!(recv(&rx), -59);
}

#[test]
fn release_callbacks_reverse_order_after_kernels_and_in_flight_commands() {
    let env = env();
    let q = env.queue();
    let log: Log<String> = Log::new();
    let p = env.program(GOOD);
    for i in 0..3 {
        let l = log.clone();
        p.set_release_callback(Box::new(move || l.push(format!("release {i}"))));
    }
    let k = Kernel::new(&p, "k").unwrap();
    let m = env.buffer(16);
    k.set_arg(0, KernelArg::Mem(Some(&m))).unwrap();
    let gate = env.user_event();
    let ev = q.enqueue_nd_range(&k, &NdRange::d1(4), &[gate.clone()]).unwrap();
    let l = log.clone();
    ev.set_callback(CallbackType::Complete, Box::new(move |_, s| l.push(format!("kernel {s}"))));
    q.flush().unwrap();
    drop(p);
    env.drain_callbacks();
    assert_eq!(log.get(), Vec::<String>::new(), "the kernel holds the program");
    drop(k);
    env.drain_callbacks();
    assert_eq!(log.get(), Vec::<String>::new(), "the in-flight command holds the kernel");
    gate.set_user_status(COMPLETE).unwrap();
    assert_eq!(log.wait_len(4), vec!["kernel 0", "release 2", "release 1", "release 0"]);
    env.drain_callbacks();
    assert_eq!(log.len(), 4);
    assert_eq!(read_all(&q, &m), bytemuck::cast_slice::<u32, u8>(&[0, 5, 10, 15]).to_vec());
}

#[test]
fn release_callback_on_a_program_without_kernels() {
    let env = env();
    let log = Log::new();
    let p = Program::with_source(&env.ctx, GOOD).unwrap(); // never built
    let l = log.clone();
    p.set_release_callback(Box::new(move || l.push(1)));
    let p2 = p.clone();
    drop(p);
    env.drain_callbacks();
    assert_eq!(log.len(), 0);
    drop(p2);
    assert_eq!(log.wait_len(1), vec![1]);
}

/// A kernel the application released no longer counts as attached to its program, even
/// while a launch of it is still pending: the program may be rebuilt at once (a rebuild
/// used to be refused with CL_INVALID_OPERATION until the launch's command was dropped,
/// a race the CTS `compiler/multiple_build_program` lost now and then), and the pending
/// launch still runs the build it was enqueued with.
#[test]
fn rebuild_while_a_released_kernels_launch_is_pending() {
    let env = env();
    let src = "__kernel void k(__global uint* b) { b[get_global_id(0)] = get_global_id(0) * SCALE; }";
    let p = Program::with_source(&env.ctx, src).unwrap();
    p.build("-DSCALE=5", None).unwrap();
    let q = env.queue();
    let m = env.buffer(32);
    let gate = env.user_event();
    let k = Kernel::new(&p, "k").unwrap();
    k.set_arg(0, KernelArg::Mem(Some(&m))).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(8), &[gate.clone()]).unwrap();
    q.flush().unwrap();
    drop(k);
    p.build("-DSCALE=7", None).expect("no kernel is attached any more");
    gate.set_user_status(COMPLETE).unwrap();
    let got: Vec<u32> = bytemuck::cast_slice(&read_all(&q, &m)).to_vec();
    assert_eq!(got, (0..8).map(|i| i * 5).collect::<Vec<u32>>(), "the pending launch runs its own build");
    let k = Kernel::new(&p, "k").unwrap();
    k.set_arg(0, KernelArg::Mem(Some(&m))).unwrap();
    q.enqueue_nd_range(&k, &NdRange::d1(8), &[]).unwrap();
    let got: Vec<u32> = bytemuck::cast_slice(&read_all(&q, &m)).to_vec();
    assert_eq!(got, (0..8).map(|i| i * 7).collect::<Vec<u32>>());
}
