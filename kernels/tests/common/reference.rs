//! CPU references and input generators for the corpus kernels (`tests/corpus/*.cl`), shared
//! by the raw-wgpu harness (`kernels/tests/corpus_run.rs`) and the wgcl Rust API test
//! (`runtime/tests/opencl_c.rs`, which includes this file by `#[path]`). No dependencies:
//! plain Rust only.
#![allow(dead_code)]

pub fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
pub fn u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
pub fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
pub fn to_f32s(b: &[u8]) -> Vec<f32> {
    b.chunks(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()
}
pub fn to_u32s(b: &[u8]) -> Vec<u32> {
    b.chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}
pub fn to_i32s(b: &[u8]) -> Vec<i32> {
    b.chunks(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect()
}

/// Element-wise comparison with relative+absolute tolerance `tol`:
/// `|got - want| <= tol * (1 + |want|)`.
pub fn assert_close(got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "element {i}: got {g}, want {w} (tolerance {tol})");
    }
}

/// A deterministic pseudo-random sequence in [-1, 1) (xorshift), so tests need no extra crates.
pub fn rand_f32s(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s % 2000) as f32 / 1000.0 - 1.0
        })
        .collect()
}

/// Deterministic pseudo-random u32s below `bound`.
pub fn rand_u32s(n: usize, seed: u32, bound: u32) -> Vec<u32> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s % bound
        })
        .collect()
}

// ------------------------------------------------------------------ the original 11

pub fn vector_add(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

pub fn saxpy(alpha: f32, x: &[f32], y: &[f32]) -> Vec<f32> {
    x.iter().zip(y).map(|(x, y)| alpha * x + y).collect()
}

/// Per-group partial dot products (groups of `ls` items, `n` real items).
pub fn dot_partials(a: &[f32], b: &[f32], n: usize, ls: usize) -> Vec<f32> {
    (0..n.div_ceil(ls)).map(|g| (g * ls..((g + 1) * ls).min(n)).map(|i| a[i] * b[i]).sum()).collect()
}

pub fn histogram16(data: &[u8]) -> [u32; 16] {
    let mut h = [0u32; 16];
    for d in data {
        h[(*d % 16) as usize] += 1;
    }
    h
}

pub fn histogram_input(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7919) % 251) as u8).collect()
}

pub fn matmul(a: &[f32], b: &[f32], n: usize) -> Vec<f32> {
    let mut c = vec![0f32; n * n];
    for r in 0..n {
        for col in 0..n {
            c[r * n + col] = (0..n).map(|k| a[r * n + k] * b[k * n + col]).sum();
        }
    }
    c
}

/// `out[x * h + y] = in[y * w + x]`.
pub fn transpose(a: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut t = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            t[x * h + y] = a[y * w + x];
        }
    }
    t
}

/// The by-value `Params` struct of struct_params.cl in C layout (48 bytes).
pub fn params_bytes(scale: f32, offset: i32, bias: [f32; 4], count: u32) -> Vec<u8> {
    let mut bytes = vec![0u8; 48];
    bytes[0..4].copy_from_slice(&scale.to_le_bytes());
    bytes[4..8].copy_from_slice(&offset.to_le_bytes());
    bytes[16..32].copy_from_slice(&f32s(&bias));
    bytes[32..36].copy_from_slice(&count.to_le_bytes());
    bytes
}

pub fn struct_apply(scale: f32, offset: i32, bias: [f32; 4], count: usize, data: &[f32]) -> Vec<f32> {
    let mut out = data.to_vec();
    for i in 0..count.min(data.len() / 4) {
        for c in 0..4 {
            out[i * 4 + c] = data[i * 4 + c] * scale + bias[c] + offset as f32;
        }
    }
    out
}

/// swizzle_convert.cl: (ints, floats) per float4 input.
pub fn swz(v: &[f32]) -> (Vec<i32>, Vec<f32>) {
    let n = v.len() / 4;
    let mut gi = vec![0; n * 4];
    let mut gf = vec![0f32; n * 2];
    for i in 0..n {
        let x = &v[i * 4..i * 4 + 4];
        let r = [x[0] * 2.0, x[1] * 2.0, x[1], x[0]];
        for c in 0..4 {
            let f = r[c] * 100.0;
            gi[i * 4 + c] = if f >= i32::MAX as f32 { i32::MAX } else if f <= i32::MIN as f32 { i32::MIN } else { f.round_ties_even() as i32 };
        }
        gf[i * 2] = x[3] + x[1];
        gf[i * 2 + 1] = x[0] * x[1] + x[2] * x[3];
    }
    (gi, gf)
}

pub fn helpers(a: &[f32]) -> Vec<f32> {
    let n = a.len();
    (0..n)
        .map(|i| {
            let b = (i as i32 - 1).clamp(0, n as i32 - 3) as usize;
            let mut x = a[b] + a[b + 1] + a[b + 2];
            let mut y = i as f32;
            if x < y {
                std::mem::swap(&mut x, &mut y);
            }
            x - y
        })
        .collect()
}

/// nonuniform.cl over `global` items into a buffer of `len` initialised to -1.
pub fn fill_index(global: usize, len: usize) -> Vec<i32> {
    (0..len).map(|i| if i < global { i as i32 * 3 + global as i32 } else { -1 }).collect()
}

pub fn mandelbrot(w: usize, h: usize, max: i32) -> Vec<u32> {
    let mut out = vec![0u32; w * h];
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
            out[py * w + px] = it as u32;
        }
    }
    out
}

// ------------------------------------------------------------------ the 4 added ones

/// Exclusive prefix sum (wrapping, as uint arithmetic on the device).
pub fn exclusive_scan(v: &[u32]) -> Vec<u32> {
    let mut acc = 0u32;
    v.iter()
        .map(|x| {
            let r = acc;
            acc = acc.wrapping_add(*x);
            r
        })
        .collect()
}

/// The (stage, pass) sequence a host enqueues bitonic_sort.cl with for `n` (a power of 2)
/// elements: log2(n) * (log2(n) + 1) / 2 passes, each over n / 2 work-items.
pub fn bitonic_passes(n: usize) -> Vec<(u32, u32)> {
    assert!(n.is_power_of_two());
    let stages = n.trailing_zeros();
    let mut v = Vec::new();
    for s in 0..stages {
        for p in 0..=s {
            v.push((s, p));
        }
    }
    v
}

pub fn sorted(v: &[i32], ascending: bool) -> Vec<i32> {
    let mut s = v.to_vec();
    s.sort();
    if !ascending {
        s.reverse();
    }
    s
}

/// N-body bodies: positions in [-1, 1)^3 with masses in [0.5, 1.5), velocities in [-0.1, 0.1).
pub fn nbody_input(n: usize) -> (Vec<f32>, Vec<f32>) {
    let r = rand_f32s(n * 8, 21);
    let mut pos = vec![0f32; n * 4];
    let mut vel = vec![0f32; n * 4];
    for i in 0..n {
        pos[i * 4..i * 4 + 3].copy_from_slice(&r[i * 8..i * 8 + 3]);
        pos[i * 4 + 3] = 1.0 + 0.5 * r[i * 8 + 3];
        for c in 0..3 {
            vel[i * 4 + c] = 0.1 * r[i * 8 + 4 + c];
        }
        vel[i * 4 + 3] = r[i * 8 + 7];
    }
    (pos, vel)
}

/// One step of nbody.cl in f64: (new velocities, new positions, per-body error scale), the
/// scale being `dt * sum_j |term_j|` (what float rounding errors are proportional to).
pub fn nbody_step(pos: &[f32], vel: &[f32], dt: f32, eps2: f32) -> (Vec<f32>, Vec<f32>, Vec<f64>) {
    let n = pos.len() / 4;
    let mut nv = vel.to_vec();
    let mut np = pos.to_vec();
    let mut scale = vec![0f64; n];
    for i in 0..n {
        let mut acc = [0f64; 3];
        let mut mag = 0f64;
        for j in 0..n {
            let d: [f64; 3] = std::array::from_fn(|c| pos[j * 4 + c] as f64 - pos[i * 4 + c] as f64);
            let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + eps2 as f64;
            let s = pos[j * 4 + 3] as f64 / (r2 * r2.sqrt());
            for c in 0..3 {
                acc[c] += d[c] * s;
                mag += (d[c] * s).abs();
            }
        }
        for c in 0..3 {
            let v = vel[i * 4 + c] as f64 + acc[c] * dt as f64;
            nv[i * 4 + c] = v as f32;
            np[i * 4 + c] = (pos[i * 4 + c] as f64 + v * dt as f64) as f32;
        }
        scale[i] = mag * dt as f64;
    }
    (nv, np, scale)
}

/// The 5x5 filter of convolution.cl's tests: positive weights summing to 1.
pub fn conv_filter() -> Vec<f32> {
    let mut f: Vec<f32> = (0..25).map(|i| 1.0 + ((i * 7) % 5) as f32).collect();
    let s: f32 = f.iter().sum();
    f.iter_mut().for_each(|x| *x /= s);
    f
}

/// convolution.cl `convolve2d`: radius 2, clamp-to-edge.
pub fn convolve2d(img: &[f32], filt: &[f32], w: usize, h: usize) -> Vec<f32> {
    let r = 2i32;
    let fw = (2 * r + 1) as usize;
    let mut out = vec![0f32; w * h];
    for y in 0..h as i32 {
        for x in 0..w as i32 {
            let mut acc = 0f32;
            for dy in -r..=r {
                let yy = (y + dy).clamp(0, h as i32 - 1) as usize;
                for dx in -r..=r {
                    let xx = (x + dx).clamp(0, w as i32 - 1) as usize;
                    acc += img[yy * w + xx] * filt[(dy + r) as usize * fw + (dx + r) as usize];
                }
            }
            out[y as usize * w + x as usize] = acc;
        }
    }
    out
}

/// convolution.cl `jacobi5`: borders copied, interior = mean of the 4 neighbours.
pub fn jacobi5(a: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut out = a.to_vec();
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let i = y * w + x;
            out[i] = 0.25 * (a[i - 1] + a[i + 1] + a[i - w] + a[i + w]);
        }
    }
    out
}

/// `union_pun.cl`: 12 words per work-item.
pub fn union_pun(x: &[f32], k: u32, words: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, &xi) in x.iter().enumerate() {
        let iu = i as u32;
        let j = i % 4;
        let bits = xi.to_bits();
        let bytes = bits.to_le_bytes();
        let shorts = [bits as u16 as i16, (bits >> 16) as u16 as i16];
        let mut w = bytes;
        w[j] = 0xab;
        let w = u32::from_le_bytes(w);
        let neg = (-xi).to_bits();
        let neg_s = (neg & 0xffff) | ((-2i16 as u16 as u32) << 16);
        out.extend([
            iu ^ (iu * 3) ^ (iu + 7) ^ 0xdead_beef,
            bits,
            bytes[j] as u32,
            shorts[i % 2] as i32 as u32,
            w,
            neg,
            neg_s,
            k + (k >> 24),
            ((words[i] + 1) & !0xff) | iu,
            1.0f32.to_bits() | 1,
            (-0.0f32).to_bits(),
            iu,
        ]);
    }
    out
}
