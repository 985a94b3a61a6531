// Mandelbrot in WGSL (the fallback when the OpenCL C default cannot be built here).
// Argument i is @binding(i): (out, width, height, cx, cy, scale, max_iter).
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<uniform> width: u32;
@group(0) @binding(2) var<uniform> height: u32;
@group(0) @binding(3) var<uniform> cx: f32;
@group(0) @binding(4) var<uniform> cy: f32;
@group(0) @binding(5) var<uniform> scale: f32;
@group(0) @binding(6) var<uniform> max_iter: u32;

@compute @workgroup_size(8, 8, 1)
fn mandelbrot(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x >= width || g.y >= height) { return; }
    let x0 = cx + (f32(g.x) - 0.5 * f32(width)) * scale;
    let y0 = cy + (f32(g.y) - 0.5 * f32(height)) * scale;
    var zx = 0.0;
    var zy = 0.0;
    var i = 0u;
    while (i < max_iter && zx * zx + zy * zy < 4.0) {
        let t = zx * zx - zy * zy + x0;
        zy = 2.0 * zx * zy + y0;
        zx = t;
        i++;
    }
    var rgba = 0xFF000000u;
    if (i < max_iter) {
        let t = f32(i) / f32(max_iter);
        let s = 1.0 - t;
        let r = u32(9.0 * s * t * t * t * 255.0);
        let gg = u32(15.0 * s * s * t * t * 255.0);
        let b = u32(8.5 * s * s * s * t * 255.0);
        rgba = rgba | (min(b, 255u) << 16u) | (min(gg, 255u) << 8u) | min(r, 255u);
    }
    out[g.y * width + g.x] = rgba;
}
