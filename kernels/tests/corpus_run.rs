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
    let want = common::reference::vector_add(&a, &b);
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
    let want = common::reference::saxpy(2.5, &x, &y);
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
    let want = dot_partials(&a, &b, n as usize, ls as usize);
    for g in 0..groups as usize {
        // Tree order differs from the sequential sum: 64 terms of magnitude <= 1.
        assert!((partial[g] - want[g]).abs() < 1e-4, "group {g}: {} vs {}", partial[g], want[g]);
    }
}

#[test]
fn histogram_with_local_and_global_atomics_on_uchar_data() {
    let p = build(&corpus("histogram.cl"));
    let n = 1000usize;
    let data = histogram_input(n);
    let out = run(&p, "histogram", &[Arg::Buf(data.clone()), Arg::Val(u32s(&[n as u32])), Arg::Buf(u32s(&[0; 16]))], &[1024], &[64]);
    assert_eq!(to_u32s(&out[2]), histogram16(&data));
}

#[test]
fn tiled_matmul_with_reqd_work_group_size() {
    let p = build(&corpus("matmul_tiled.cl"));
    assert_eq!(p.kernel("matmul").unwrap().reqd_work_group_size, Some([8, 8, 1]));
    let n = 32usize;
    let a = rand_f32s(n * n, 7);
    let b = rand_f32s(n * n, 8);
    let out = run(&p, "matmul", &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&b)), Arg::Buf(f32s(&vec![0.0; n * n])), Arg::Val(i32s(&[n as i32]))], &[n as u32, n as u32], &[8, 8]);
    let want = matmul(&a, &b, n);
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
    // A copy: exact.
    assert_eq!(to_f32s(&out[1]), transpose(&a, w, h));
}

#[test]
fn struct_by_value_argument_with_c_layout() {
    let p = build(&corpus("struct_params.cl"));
    let k = p.kernel("apply").unwrap();
    // C layout: scale@0, offset@4, bias@16 (float4 aligned 16), count@32, size 48.
    assert_eq!(k.args[0].kind, wgcl_kernels::ArgKind::Scalar { binding: 0, offset: 0, size: 48 });
    assert_eq!(k.args[0].type_name, "Params");
    let bias = [0.5, 1.0, 1.5, 2.0];
    let bytes = params_bytes(2.0, -3, bias, 5);
    let data = rand_f32s(8 * 4, 10);
    let out = run(&p, "apply", &[Arg::Val(bytes), Arg::Buf(f32s(&data))], &[8], &[8]);
    // Items 5..8 stay untouched; a multiply-add may be fused: 1e-6.
    assert_close(&to_f32s(&out[1]), &struct_apply(2.0, -3, bias, 5, &data), 1e-6);
}

#[test]
fn swizzles_and_saturating_conversions() {
    let p = build(&corpus("swizzle_convert.cl"));
    let n = 16usize;
    let mut v = rand_f32s(n * 4, 11);
    v[0] = 1e9; // saturates
    let out = run(&p, "swz", &[Arg::Buf(f32s(&v)), Arg::Buf(i32s(&vec![0; n * 4])), Arg::Buf(f32s(&vec![0.0; n * 2]))], &[n as u32], &[16]);
    let (wi, wf) = swz(&v);
    // Conversions are exact; the dot product may be fused (1e-5).
    assert_eq!(to_i32s(&out[1]), wi);
    assert_close(&to_f32s(&out[2]), &wf, 1e-5);
}

#[test]
fn helpers_with_pointer_arguments() {
    let p = build(&corpus("helpers_ptr.cl"));
    let n = 40usize;
    let a = rand_f32s(n, 12);
    let out = run(&p, "helpers", &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&vec![0.0; n])), Arg::Val(i32s(&[n as i32]))], &[n as u32], &[8]);
    // Same operations in the same order; 1e-5 for a contracted add.
    assert_close(&to_f32s(&out[1]), &helpers(&a), 1e-5);
}

#[test]
fn non_uniform_global_size_padding_items_do_not_write() {
    let p = build(&corpus("nonuniform.cl"));
    // 100 work-items in groups of 32: three whole groups and a remainder group of 4, each
    // region dispatched apart as the runtime does.
    let out = run(&p, "fill_index", &[Arg::Buf(i32s(&vec![-1; 128]))], &[100], &[32]);
    assert_eq!(to_i32s(&out[0]), fill_index(100, 128));
}

/// `get_local_size` in the remainder groups of a 2-D non-uniform NDRange is the real size
/// (OpenCL 2.0), `get_enqueued_local_size` the enqueued one; ids and group counts hold.
#[test]
fn nonuniform_2d_local_sizes_per_region() {
    let src = "__kernel void sizes(__global uint* out) {
        uint i = get_global_id(1) * get_global_size(0) + get_global_id(0);
        out[i * 4] = get_local_size(0) * 100u + get_local_size(1);
        out[i * 4 + 1] = get_enqueued_local_size(0) * 100u + get_enqueued_local_size(1);
        out[i * 4 + 2] = get_group_id(0) * 100u + get_group_id(1);
        out[i * 4 + 3] = (get_local_id(0) * 100u + get_local_id(1)) * 100u + get_num_groups(0) * 10u + get_num_groups(1);
    }";
    let p = build(src);
    let (gx, gy, lx, ly) = (10u32, 7u32, 4u32, 3u32);
    let out = to_u32s(&run(&p, "sizes", &[Arg::Buf(u32s(&vec![0; (gx * gy * 4) as usize]))], &[gx, gy], &[lx, ly])[0]);
    for y in 0..gy {
        for x in 0..gx {
            let i = ((y * gx + x) * 4) as usize;
            let real = |g: u32, l: u32, id: u32| if id / l == g / l { g % l } else { l };
            assert_eq!(out[i], real(gx, lx, x) * 100 + real(gy, ly, y), "get_local_size at ({x}, {y})");
            assert_eq!(out[i + 1], lx * 100 + ly, "get_enqueued_local_size at ({x}, {y})");
            assert_eq!(out[i + 2], (x / lx) * 100 + y / ly, "get_group_id at ({x}, {y})");
            assert_eq!(out[i + 3], ((x % lx) * 100 + y % ly) * 100 + 3 * 10 + 3, "get_local_id/get_num_groups at ({x}, {y})");
        }
    }
}

#[test]
fn mandelbrot_2d() {
    let p = build(&corpus("mandelbrot.cl"));
    let (w, h, max) = (32usize, 24usize, 64);
    let out = run(&p, "mandelbrot", &[Arg::Buf(u32s(&vec![0; w * h])), Arg::Val(i32s(&[w as i32])), Arg::Val(i32s(&[h as i32])), Arg::Val(i32s(&[max]))], &[w as u32, h as u32], &[8, 8]);
    let got = to_u32s(&out[0]);
    let want = mandelbrot(w, h, max);
    let mismatches = got.iter().zip(&want).filter(|(g, w)| g != w).count();
    // Escape counts are chaotic near the set's boundary: a contracted multiply-add on the
    // device can change a few points; allow 2% of the pixels to differ.
    assert!(mismatches <= w * h / 50, "{mismatches} pixels differ");
}

#[test]
fn prefix_scan_two_levels_with_local_memory_and_barriers() {
    let p = build(&corpus("prefix_scan.cl"));
    let (n, ls) = (1000usize, 64usize);
    let groups = n.div_ceil(ls);
    let input = rand_u32s(n, 31, 1000);
    // Level 1: each group scans its slice and reports its total.
    let out = run(
        &p,
        "scan_groups",
        &[Arg::Buf(u32s(&input)), Arg::Buf(u32s(&vec![0; n])), Arg::Buf(u32s(&vec![0; groups])), Arg::Local((ls * 4) as u32), Arg::Val(u32s(&[n as u32]))],
        &[(groups * ls) as u32],
        &[ls as u32],
    );
    let partial = out[1].clone();
    let sums = to_u32s(&out[2]);
    // Level 2: one group scans the group totals (16 <= 64).
    let out2 = run(
        &p,
        "scan_groups",
        &[Arg::Buf(u32s(&sums)), Arg::Buf(u32s(&vec![0; groups])), Arg::Buf(u32s(&[0])), Arg::Local((ls * 4) as u32), Arg::Val(u32s(&[groups as u32]))],
        &[ls as u32],
        &[ls as u32],
    );
    assert_eq!(to_u32s(&out2[2]), [sums.iter().sum::<u32>()]);
    let out3 = run(&p, "add_offsets", &[Arg::Buf(partial), Arg::Buf(out2[1].clone()), Arg::Val(u32s(&[n as u32]))], &[(groups * ls) as u32], &[ls as u32]);
    // Integer sums: exact.
    assert_eq!(to_u32s(&out3[0]), exclusive_scan(&input));
}

#[test]
fn bitonic_sort_many_enqueues_with_scalar_arguments() {
    let p = build(&corpus("bitonic_sort.cl"));
    let n = 256usize;
    let input: Vec<i32> = rand_u32s(n, 41, 2000).iter().map(|x| *x as i32 - 1000).collect();
    for ascending in [1u32, 0] {
        let mut data = i32s(&input);
        for (stage, pass) in bitonic_passes(n) {
            let out = run(&p, "bitonic_step", &[Arg::Buf(data), Arg::Val(u32s(&[stage])), Arg::Val(u32s(&[pass])), Arg::Val(u32s(&[ascending]))], &[(n / 2) as u32], &[32]);
            data = out[0].clone();
        }
        assert_eq!(to_i32s(&data), sorted(&input, ascending == 1), "ascending = {ascending}");
    }
}

#[test]
fn nbody_float4_with_local_tiles() {
    let p = build(&corpus("nbody.cl"));
    // 100 bodies in groups of 32: the last tile is partial and 28 padding items run.
    let (n, ls) = (100usize, 32usize);
    let (pos, vel) = nbody_input(n);
    let (dt, eps2) = (0.01f32, 0.01f32);
    let global = n; // non-uniform: a remainder group of 4
    let out = run(
        &p,
        "nbody_step",
        &[
            Arg::Buf(f32s(&pos)),
            Arg::Buf(f32s(&vel)),
            Arg::Buf(f32s(&vec![0.0; n * 4])),
            Arg::Local((ls * 16) as u32),
            Arg::Val(i32s(&[n as i32])),
            Arg::Val(f32s(&[dt])),
            Arg::Val(f32s(&[eps2])),
        ],
        &[global as u32],
        &[ls as u32],
    );
    check_nbody(&pos, &vel, &to_f32s(&out[1]), &to_f32s(&out[2]), dt, eps2);
}

/// Tolerance: each of the n terms carries a few ulps of rsqrt/product error, so the error
/// bound is 1e-5 of the sum of the terms' magnitudes (times dt), plus 1e-6 absolute.
fn check_nbody(pos: &[f32], vel: &[f32], got_vel: &[f32], got_pos: &[f32], dt: f32, eps2: f32) {
    let (wv, wp, scale) = nbody_step(pos, vel, dt, eps2);
    for i in 0..pos.len() / 4 {
        let tol = 1e-5 * scale[i] as f32 + 1e-6;
        for c in 0..3 {
            let k = i * 4 + c;
            assert!((got_vel[k] - wv[k]).abs() <= tol, "vel {i}.{c}: {} vs {} (tol {tol})", got_vel[k], wv[k]);
            assert!((got_pos[k] - wp[k]).abs() <= tol * dt + 1e-6, "pos {i}.{c}: {} vs {}", got_pos[k], wp[k]);
        }
        // Untouched components: exact.
        assert_eq!(got_vel[i * 4 + 3], vel[i * 4 + 3]);
        assert_eq!(got_pos[i * 4 + 3], pos[i * 4 + 3]);
    }
}

#[test]
fn convolution_and_stencil_2d() {
    let p = build(&corpus("convolution.cl"));
    let (w, h) = (37usize, 21usize);
    let img = rand_f32s(w * h, 51);
    let filt = conv_filter();
    let out = run(
        &p,
        "convolve2d",
        &[Arg::Buf(f32s(&img)), Arg::Buf(f32s(&vec![0.0; w * h])), Arg::Buf(f32s(&filt)), Arg::Val(i32s(&[w as i32])), Arg::Val(i32s(&[h as i32]))],
        &[40, 24],
        &[8, 8],
    );
    // 25 products of |x| <= 1 with weights summing to 1, possibly fused: 1e-5.
    assert_close(&to_f32s(&out[1]), &convolve2d(&img, &filt, w, h), 1e-5);
    let out = run(&p, "jacobi5", &[Arg::Buf(f32s(&img)), Arg::Buf(f32s(&vec![0.0; w * h])), Arg::Val(i32s(&[w as i32])), Arg::Val(i32s(&[h as i32]))], &[w as u32, h as u32], &[8, 4]);
    // Same adds in the same order, times 0.25 (exact): 1e-6.
    assert_close(&to_f32s(&out[1]), &jacobi5(&img, w, h), 1e-6);
}

/// The browser path: WGSL text with the overrides replaced by constants
/// (`ProgramModule::to_wgsl_specialized`), compiled by wgpu from text with no pipeline
/// constants, gives the same results (`__local` arguments, fixed and chosen local sizes).
#[test]
fn specialised_wgsl_text_runs() {
    let p = build(&corpus("reduce.cl"));
    let (n, ls) = (1000u32, 64u32);
    let groups = n.div_ceil(ls);
    let (a, b) = (rand_f32s(n as usize, 5), rand_f32s(n as usize, 6));
    let args = [Arg::Buf(f32s(&a)), Arg::Buf(f32s(&b)), Arg::Buf(f32s(&vec![0.0; groups as usize])), Arg::Local(ls * 4), Arg::Val(u32s(&[n]))];
    let naga_ir = run(&p, "dot_reduce", &args, &[groups * ls], &[ls]);
    let text = run_with(&p, "dot_reduce", &args, &[groups * ls], &[ls], true);
    // The same shader compiled two ways: bit-identical on one device.
    assert_eq!(text[2], naga_ir[2]);

    let p = build(&corpus("matmul_tiled.cl"));
    let n = 16usize;
    let (a, b) = (rand_f32s(n * n, 7), rand_f32s(n * n, 8));
    let out = run_with(&p, "matmul", &[Arg::Buf(f32s(&a)), Arg::Buf(f32s(&b)), Arg::Buf(f32s(&vec![0.0; n * n])), Arg::Val(i32s(&[n as i32]))], &[n as u32, n as u32], &[8, 8], true);
    // 16-term dot products of values in [-1, 1]; summation order and fma differ.
    assert_close(&to_f32s(&out[2]), &common::reference::matmul(&a, &b, n), 1e-5);

    let p = build(&corpus("nbody.cl"));
    let (n, ls) = (64usize, 16usize);
    let (pos, vel) = nbody_input(n);
    let out = run_with(
        &p,
        "nbody_step",
        &[Arg::Buf(f32s(&pos)), Arg::Buf(f32s(&vel)), Arg::Buf(f32s(&vec![0.0; n * 4])), Arg::Local((ls * 16) as u32), Arg::Val(i32s(&[n as i32])), Arg::Val(f32s(&[0.01])), Arg::Val(f32s(&[0.01]))],
        &[n as u32],
        &[ls as u32],
        true,
    );
    check_nbody(&pos, &vel, &to_f32s(&out[1]), &to_f32s(&out[2]), 0.01, 0.01);
}

#[test]
fn unions_pun_members_of_different_layouts() {
    // In kernels/tests/programs, not the shared corpus that other crates' tests enumerate.
    let src = std::fs::read_to_string(format!("{}/tests/programs/union_pun.cl", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let p = build(&src);
    // Its WGSL text parses and validates again.
    let wgsl = p.to_wgsl().unwrap();
    let m = naga::front::wgsl::parse_str(&wgsl).unwrap_or_else(|e| panic!("{}", e.emit_to_string(&wgsl)));
    wgcl_kernels::validate(&m).unwrap_or_else(|e| panic!("{}", e.message));
    let n = 16usize;
    let x: Vec<f32> = rand_f32s(n, 50).iter().map(|v| v * 100.0).collect();
    let k = 0x1122_3344u32;
    let words: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(0x0101_0101) ^ 0x8000_0000).collect();
    let out = run(&p, "pun", &[Arg::Buf(f32s(&x)), Arg::Val(u32s(&[k])), Arg::Buf(u32s(&vec![0; n * 12])), Arg::Buf(u32s(&words))], &[n as u32], &[8]);
    let got = to_u32s(&out[2]);
    // Bit-exact: every word is a reinterpretation, as on a little-endian OpenCL device.
    assert_eq!(got, union_pun(&x, k, &words));
    let got_words = to_u32s(&out[3]);
    for i in 0..n {
        assert_eq!(got_words[i], ((words[i] + 1) & !0xff) | i as u32, "words[{i}]");
    }
}
