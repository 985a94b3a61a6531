//! Every corpus kernel runs on the device wgpu finds (lavapipe here) and is compared with a
//! CPU reference. Float tolerances are stated per test; integer results must match exactly.
mod common;
use common::*;

#[test]
fn vector_add() {
    let p = build(&corpus("vector_add.cl"));
    let n = 1000u32;
    let a = rand_f32s(n as usize, 1);
    let b = rand_f32s(n as usize, 2);
    let out = run(&p, "vector_add", &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&b)), Arg::Buf(f32s(&vec![0.0; n as usize])), Arg::Val(u32s(&[n]))], &[1024], &[64]);
    let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    // Exact: one IEEE add per element.
    assert_close(&to_f32s(&out[2]), &want, 0.0);
}

#[test]
fn saxpy() {
    let p = build(&corpus("saxpy.cl"));
    let n = 256;
    let x = rand_f32s(n, 3);
    let y = rand_f32s(n, 4);
    let out = run(&p, "saxpy", &[Arg::Val(f32s(&[2.5])), Arg::Buf(f32s(&x)), Arg::Buf(f32s(&y))], &[n as u32], &[32]);
    let want: Vec<f32> = x.iter().zip(&y).map(|(x, y)| 2.5 * x + y).collect();
    // A device may fuse the multiply-add: allow one rounding difference.
    assert_close(&to_f32s(&out[2]), &want, 1e-6);
}

#[test]
fn dot_reduce_with_local_memory_and_barriers() {
    let p = build(&corpus("reduce.cl"));
    let n = 1000u32;
    let ls = 64u32;
    let groups = n.div_ceil(ls);
    let a = rand_f32s(n as usize, 5);
    let b = rand_f32s(n as usize, 6);
    let out = run(
        &p,
        "dot_reduce",
        &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&b)), Arg::Buf(f32s(&vec![0.0; groups as usize])), Arg::Local(ls * 4), Arg::Val(u32s(&[n]))],
        &[groups * ls],
        &[ls],
    );
    let partial = to_f32s(&out[2]);
    for g in 0..groups as usize {
        let want: f32 = (g * 64..((g + 1) * 64).min(n as usize)).map(|i| a[i] * b[i]).sum();
        // Tree order differs from the sequential sum: 64 terms of magnitude <= 1.
        assert!((partial[g] - want).abs() < 1e-4, "group {g}: {} vs {want}", partial[g]);
    }
}

#[test]
fn histogram_with_local_and_global_atomics_on_uchar_data() {
    let p = build(&corpus("histogram.cl"));
    let n = 1000usize;
    let data: Vec<u8> = (0..n).map(|i| ((i * 7919) % 251) as u8).collect();
    let out = run(&p, "histogram", &[Arg::Buf(data.clone()), Arg::Val(u32s(&[n as u32])), Arg::Buf(u32s(&[0; 16]))], &[1024], &[64]);
    let mut want = [0u32; 16];
    for d in &data {
        want[(*d % 16) as usize] += 1;
    }
    assert_eq!(to_u32s(&out[2]), want);
}
