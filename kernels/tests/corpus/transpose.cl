#define T 8
__kernel void transpose(__global const float* in, __global float* out, int w, int h, __local float* tile)
{
    int x = get_global_id(0), y = get_global_id(1);
    int lx = get_local_id(0), ly = get_local_id(1);
    if (x < w && y < h) tile[ly * (T + 1) + lx] = in[y * w + x];
    barrier(CLK_LOCAL_MEM_FENCE);
    int ox = get_group_id(1) * T + lx;
    int oy = get_group_id(0) * T + ly;
    if (ox < h && oy < w) out[oy * h + ox] = tile[lx * (T + 1) + ly];
}
