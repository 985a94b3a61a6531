// Mandelbrot: one work-item per pixel, RGBA packed into one uint (R in the low byte).
// Arguments: (out, width, height, cx, cy, scale, max_iter).
__kernel void mandelbrot(__global uint* out, uint width, uint height,
                         float cx, float cy, float scale, uint max_iter) {
    uint x = get_global_id(0);
    uint y = get_global_id(1);
    if (x >= width || y >= height) return;
    float x0 = cx + ((float)x - 0.5f * (float)width) * scale;
    float y0 = cy + ((float)y - 0.5f * (float)height) * scale;
    float zx = 0.0f;
    float zy = 0.0f;
    uint i = 0;
    while (i < max_iter && zx * zx + zy * zy < 4.0f) {
        float t = zx * zx - zy * zy + x0;
        zy = 2.0f * zx * zy + y0;
        zx = t;
        i++;
    }
    uint rgba = 0xFF000000u;
    if (i < max_iter) {
        float t = (float)i / (float)max_iter;
        float s = 1.0f - t;
        uint r = (uint)(9.0f * s * t * t * t * 255.0f);
        uint g = (uint)(15.0f * s * s * t * t * 255.0f);
        uint b = (uint)(8.5f * s * s * s * t * 255.0f);
        rgba = rgba | (min(b, 255u) << 16) | (min(g, 255u) << 8) | min(r, 255u);
    }
    out[y * width + x] = rgba;
}
