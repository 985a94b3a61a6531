// 2D convolution with a (2R+1)^2 filter in __constant memory and clamp-to-edge borders,
// plus a 5-point Jacobi stencil step; both 2D NDRanges.
#define R 2
#define FW (2 * R + 1)

__kernel void convolve2d(__global const float* in, __global float* out, __constant float* filt,
                         int w, int h)
{
    int x = get_global_id(0);
    int y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    float acc = 0.0f;
    for (int dy = -R; dy <= R; ++dy) {
        int yy = clamp(y + dy, 0, h - 1);
        for (int dx = -R; dx <= R; ++dx) {
            int xx = clamp(x + dx, 0, w - 1);
            acc = mad(in[yy * w + xx], filt[(dy + R) * FW + (dx + R)], acc);
        }
    }
    out[y * w + x] = acc;
}

__kernel void jacobi5(__global const float* in, __global float* out, int w, int h)
{
    int x = get_global_id(0);
    int y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    int i = y * w + x;
    if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
        out[i] = in[i];
        return;
    }
    out[i] = 0.25f * (in[i - 1] + in[i + 1] + in[i - w] + in[i + w]);
}
