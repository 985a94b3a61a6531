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

#[test]
fn tiled_matmul_with_reqd_work_group_size() {
    let p = build(&corpus("matmul_tiled.cl"));
    assert_eq!(p.kernel("matmul").unwrap().reqd_work_group_size, Some([8, 8, 1]));
    let n = 32usize;
    let a = rand_f32s(n * n, 7);
    let b = rand_f32s(n * n, 8);
    let out = run(&p, "matmul", &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&b)), Arg::Buf(f32s(&vec![0.0; n * n])), Arg::Val(i32s(&[n as i32]))], &[n as u32, n as u32], &[8, 8]);
    let mut want = vec![0f32; n * n];
    for r in 0..n {
        for c in 0..n {
            want[r * n + c] = (0..n).map(|k| a[r * n + k] * b[k * n + c]).sum();
        }
    }
    // 32-term dot products of values in [-1, 1]; summation order and fma differ.
    assert_close(&to_f32s(&out[2]), &want, 1e-5);
}

#[test]
fn transpose_through_local_memory_non_multiple_size() {
    let p = build(&corpus("transpose.cl"));
    let (w, h) = (20usize, 13usize);
    let a = rand_f32s(w * h, 9);
    let out = run(
        &p,
        "transpose",
        &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&vec![0.0; w * h])), Arg::Val(i32s(&[w as i32])), Arg::Val(i32s(&[h as i32])), Arg::Local(8 * 9 * 4)],
        &[24, 16],
        &[8, 8],
    );
    let got = to_f32s(&out[1]);
    for y in 0..h {
        for x in 0..w {
            assert_eq!(got[x * h + y], a[y * w + x], "({x},{y})");
        }
    }
}

#[test]
fn struct_by_value_argument_with_c_layout() {
    let p = build(&corpus("struct_params.cl"));
    let k = p.kernel("apply").unwrap();
    // C layout: scale@0, offset@4, bias@16 (float4 aligned 16), count@32, size 48.
    assert_eq!(k.args[0].kind, wgcl_kernels::ArgKind::Scalar { binding: 0, size: 48 });
    assert_eq!(k.args[0].type_name, "Params");
    let mut bytes = vec![0u8; 48];
    bytes[0..4].copy_from_slice(&2.0f32.to_le_bytes());
    bytes[4..8].copy_from_slice(&(-3i32).to_le_bytes());
    bytes[16..32].copy_from_slice(&f32s(&[0.5, 1.0, 1.5, 2.0]));
    bytes[32..36].copy_from_slice(&5u32.to_le_bytes());
    let data = rand_f32s(8 * 4, 10);
    let out = run(&p, "apply", &[Arg::Val(bytes), Arg::Buf(f32s(&data))], &[8], &[8]);
    let got = to_f32s(&out[1]);
    for i in 0..8 {
        for c in 0..4 {
            let want = if i < 5 { data[i * 4 + c] * 2.0 + [0.5, 1.0, 1.5, 2.0][c] - 3.0 } else { data[i * 4 + c] };
            assert!((got[i * 4 + c] - want).abs() < 1e-6, "{i}.{c}: {} vs {want}", got[i * 4 + c]);
        }
    }
}

#[test]
fn swizzles_and_saturating_conversions() {
    let p = build(&corpus("swizzle_convert.cl"));
    let n = 16usize;
    let mut v = rand_f32s(n * 4, 11);
    v[0] = 1e9; // saturates
    let out = run(&p, "swz", &[Arg::Buf(f32s(&v)), Arg::Buf(i32s(&vec![0; n * 4])), Arg::Buf(f32s(&vec![0.0; n * 2]))], &[n as u32], &[16]);
    let gi = to_i32s(&out[1]);
    let gf = to_f32s(&out[2]);
    for i in 0..n {
        let x = &v[i * 4..i * 4 + 4];
        let r = [x[0] * 2.0, x[1] * 2.0, x[1], x[0]];
        for c in 0..4 {
            let f = r[c] * 100.0;
            let want = if f >= i32::MAX as f32 { i32::MAX } else { f.round_ties_even() as i32 };
            assert_eq!(gi[i * 4 + c], want, "int {i}.{c} from {f}");
        }
        let h = [x[2] + x[0], x[3] + x[1]];
        assert!((gf[i * 2] - h[1]).abs() < 1e-6);
        let d = x[0] * x[1] + x[2] * x[3];
        assert!((gf[i * 2 + 1] - d).abs() < 1e-5 * (1.0 + d.abs()));
    }
}

#[test]
fn helpers_with_pointer_arguments() {
    let p = build(&corpus("helpers_ptr.cl"));
    let n = 40usize;
    let a = rand_f32s(n, 12);
    let out = run(&p, "helpers", &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&vec![0.0; n])), Arg::Val(i32s(&[n as i32]))], &[n as u32], &[8]);
    let got = to_f32s(&out[1]);
    for i in 0..n {
        let b = (i as i32 - 1).clamp(0, n as i32 - 3) as usize;
        let mut x = a[b] + a[b + 1] + a[b + 2];
        let mut y = i as f32;
        if x < y {
            std::mem::swap(&mut x, &mut y);
        }
        assert!((got[i] - (x - y)).abs() < 1e-5, "{i}: {} vs {}", got[i], x - y);
    }
}

#[test]
fn non_uniform_global_size_padding_items_do_not_write() {
    let p = build(&corpus("nonuniform.cl"));
    // 100 work-items in groups of 32: the harness dispatches 128, DispatchInfo says 100.
    let out = run(&p, "fill_index", &[Arg::Buf(i32s(&vec![-1; 128]))], &[100], &[32]);
    let got = to_i32s(&out[0]);
    for (i, g) in got.iter().enumerate() {
        let want = if i < 100 { i as i32 * 3 + 100 } else { -1 };
        assert_eq!(*g, want, "element {i}");
    }
}

#[test]
fn mandelbrot_2d() {
    let p = build(&corpus("mandelbrot.cl"));
    let (w, h, max) = (32usize, 24usize, 64);
    let out = run(&p, "mandelbrot", &[Arg::Buf(u32s(&vec![0; w * h])), Arg::Val(i32s(&[w as i32])), Arg::Val(i32s(&[h as i32])), Arg::Val(i32s(&[max]))], &[w as u32, h as u32], &[8, 8]);
    let got = to_u32s(&out[0]);
    let mut mismatches = 0;
    for py in 0..h {
        for px in 0..w {
            let x0 = -2.0f32 + 3.0 * px as f32 / w as f32;
            let y0 = -1.5f32 + 3.0 * py as f32 / h as f32;
            let (mut x, mut y, mut it) = (0f32, 0f32, 0);
            while x * x + y * y <= 4.0 && it < max {
                let xt = x * x - y * y + x0;
                y = 2.0 * x * y + y0;
                x = xt;
                it += 1;
            }
            if got[py * w + px] != it as u32 {
                mismatches += 1;
            }
        }
    }
    // Escape counts are chaotic near the set's boundary: a contracted multiply-add on the
    // device can change a few points; allow 2% of the pixels to differ.
    assert!(mismatches <= w * h / 50, "{mismatches} pixels differ");
}
