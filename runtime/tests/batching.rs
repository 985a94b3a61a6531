//! Large batches: a user event releasing hundreds of commands at once, so that one pump
//! records them into one compute pass per run of dispatches, over several command encoders,
//! and past the engine's bound on encoders in flight (the rest is submitted when a batch
//! retires).
//!
//! Checked: dispatches sharing a pass see each other's writes (kernel after kernel, byte
//! patches and GPU fills after kernels, copies in between), results equal a CPU model of the
//! same commands; every event runs its SUBMITTED, RUNNING, COMPLETE callbacks once, in that
//! order, and has ordered profiling times; a launch that wgpu refuses in such a batch fails
//! alone, and a command waiting for it fails with -14 whichever submission it lands in.
mod common;
use common::*;
use std::sync::{Arc, Mutex};
use wgcl::*;

const INC: &str = "
@group(0) @binding(0) var<storage, read_write> a: array<u32>;
@compute @workgroup_size(64)
fn inc(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x < arrayLength(&a)) { a[g.x] = a[g.x] + 1u; }
}";

const ACC: &str = "
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(64)
fn acc(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x < arrayLength(&dst)) { dst[g.x] = dst[g.x] + src[g.x]; }
}";

const WORDS: usize = 64;
/// Iterations of six commands: enough raw command buffers for more encoders than the
/// engine keeps in flight (32 encoders of 16).
const ITERATIONS: usize = 100;

/// Waits until every command enqueued on `q` so far ended; fails the test after [`TIMEOUT`]
/// instead of hanging (a command held back and never submitted would block `finish`).
fn settle(q: &Arc<CommandQueue>) {
    let m = q.enqueue_marker(&[]).unwrap();
    let (tx, rx) = oneshot();
    m.set_callback(CallbackType::Complete, Box::new(move |_, s| {
        let _ = tx.send(s);
    }));
    q.flush().unwrap();
    assert_eq!(recv(&rx), COMPLETE, "marker after every command");
}

fn words(bytes: &[u8]) -> Vec<u32> {
    bytemuck::cast_slice(bytes).to_vec()
}

#[test]
fn hundreds_of_gated_commands_match_a_cpu_model() {
    let env = env();
    let q = env.queue_with(false, true);
    let inc = Kernel::new(&env.program(INC), "inc").unwrap();
    let acc = Kernel::new(&env.program(ACC), "acc").unwrap();
    let a = env.buffer_with(&[0u8; WORDS * 4]);
    let sum = env.buffer_with(&[0u8; WORDS * 4]);
    let c = env.buffer_with(&[0u8; 300]);
    let d = env.buffer_with(&[0u8; 128]);
    inc.set_arg(0, KernelArg::Mem(Some(&a))).unwrap();
    acc.set_arg(0, KernelArg::Mem(Some(&a))).unwrap();
    acc.set_arg(1, KernelArg::Mem(Some(&sum))).unwrap();
    let range = NdRange::d1(WORDS);

    // The CPU model, updated as each command is enqueued.
    let (mut ma, mut msum, mut mc, mut md) = (vec![0u32; WORDS], vec![0u32; WORDS], vec![0u8; 300], vec![0u8; 128]);
    let gate = env.user_event();
    let mut events = vec![q.enqueue_nd_range(&inc, &range, &[gate.clone()]).unwrap()];
    ma.iter_mut().for_each(|v| *v += 1);
    for i in 0..ITERATIONS {
        let b = i as u8;
        // Kernel after kernel in one pass: `acc` reads what `inc` just wrote.
        events.push(q.enqueue_nd_range(&inc, &range, &[]).unwrap());
        ma.iter_mut().for_each(|v| *v += 1);
        events.push(q.enqueue_nd_range(&acc, &range, &[]).unwrap());
        msum.iter_mut().zip(&ma).for_each(|(s, v)| *s += v);
        // An aligned copy ends the pass.
        let at = (i % 16) * 16;
        events.push(q.enqueue_copy_buffer(&a, &c, 0, at as u64, 16, &[]).unwrap());
        mc[at..at + 16].copy_from_slice(bytemuck::cast_slice(&ma[..4]));
        // A byte patch and a GPU fill: dispatches again.
        let at = (i * 7) % 120;
        events.push(q.enqueue_write_buffer(&d, at as u64, vec![b; 3], &[]).unwrap());
        md[at..at + 3].fill(b);
        let at = (i % 16) * 8;
        events.push(q.enqueue_fill_buffer(&d, &[b, 0xa5], at as u64, 8, &[]).unwrap());
        for k in 0..4 {
            md[at + 2 * k] = b;
            md[at + 2 * k + 1] = 0xa5;
        }
        // An unaligned copy: a copy to a temporary, then a byte patch.
        let (src, dst) = (1 + i % 5, 257 + i % 3);
        events.push(q.enqueue_copy_buffer(&d, &c, src as u64, dst as u64, 5, &[]).unwrap());
        let moved = md[src..src + 5].to_vec();
        mc[dst..dst + 5].copy_from_slice(&moved);
    }
    let orders: Vec<Arc<Mutex<Vec<i32>>>> = events
        .iter()
        .map(|ev| {
            let order = Arc::new(Mutex::new(Vec::new()));
            for ty in [CallbackType::Complete, CallbackType::Running, CallbackType::Submitted] {
                let o = order.clone();
                ev.set_callback(ty, Box::new(move |_, s| o.lock().unwrap().push(s)));
            }
            order
        })
        .collect();
    q.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    settle(&q);
    env.drain_callbacks();

    assert_eq!(words(&read_all(&q, &a)), ma);
    assert_eq!(words(&read_all(&q, &sum)), msum);
    assert_eq!(read_all(&q, &c), mc);
    assert_eq!(read_all(&q, &d), md);
    for (n, (ev, order)) in events.iter().zip(&orders).enumerate() {
        assert_eq!(*order.lock().unwrap(), [SUBMITTED, RUNNING, COMPLETE], "event {n} ({:?})", ev.command_type());
        let t = [ProfilingPoint::Queued, ProfilingPoint::Submit, ProfilingPoint::Start, ProfilingPoint::End, ProfilingPoint::Complete]
            .map(|p| ev.profiling(p).unwrap());
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "event {n}: profiling times out of order: {t:?}");
    }
}

#[test]
fn refused_launch_in_a_large_batch_fails_alone() {
    let env = env();
    let q = env.queue();
    let oq = env.queue_with(true, false);
    let inc = Kernel::new(&env.program(INC), "inc").unwrap();
    // A shader array of 64 words bound to 16: wgpu refuses the dispatch (see faults.rs).
    let fixed = env.program(
        "@group(0) @binding(0) var<storage, read_write> dst: array<u32, 64>;
@compute @workgroup_size(64)
fn fixed(@builtin(global_invocation_id) g: vec3<u32>) {
    dst[g.x] = dst[g.x] + 1u;
}",
    );
    let bad = Kernel::new(&fixed, "fixed").unwrap();
    let small = env.buffer_with(&[0u8; 64]);
    bad.set_arg(0, KernelArg::Mem(Some(&small))).unwrap();
    let a = env.buffer_with(&[0u8; WORDS * 4]);
    let c = env.buffer_with(&[0u8; 256]);
    inc.set_arg(0, KernelArg::Mem(Some(&a))).unwrap();
    let range = NdRange::d1(WORDS);

    let gate = env.user_event();
    let first = q.enqueue_marker(&[gate.clone()]).unwrap();
    let mut others = vec![first];
    let mut refused = None;
    for i in 0..3 * ITERATIONS {
        if i == 10 {
            refused = Some(q.enqueue_nd_range(&bad, &range, &[]).unwrap());
        }
        others.push(q.enqueue_nd_range(&inc, &range, &[]).unwrap());
        others.push(q.enqueue_copy_buffer(&a, &c, 0, ((i % 16) * 16) as u64, 16, &[]).unwrap());
    }
    let refused = refused.unwrap();
    // Flushed last on another queue: it waits for the refused launch, in whatever
    // submission it lands.
    let dependent = oq.enqueue_copy_buffer(&c, &small, 0, 0, 16, &[refused.clone(), gate.clone()]).unwrap();
    q.flush().unwrap();
    oq.flush().unwrap();
    gate.set_user_status(COMPLETE).unwrap();
    settle(&q);
    settle(&oq);

    assert_eq!(refused.status(), -5, "the refused launch (CL_OUT_OF_RESOURCES)");
    assert_eq!(dependent.status(), ERROR_FOR_EVENTS_IN_WAIT_LIST);
    let failed: Vec<_> = others.iter().enumerate().filter(|(_, e)| e.status() != COMPLETE).map(|(n, e)| (n, e.status())).collect();
    assert!(failed.is_empty(), "unrelated commands failed: {failed:?}");
    assert_eq!(words(&read_all(&q, &a)), vec![3 * ITERATIONS as u32; WORDS]);
    assert_eq!(read_all(&q, &small), vec![0u8; 64], "neither the launch nor the copy touched it");
}
