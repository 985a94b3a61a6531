#define BINS 16
__kernel void histogram(__global const uchar* data, uint n, __global uint* hist)
{
    __local uint local_hist[BINS];
    uint lid = get_local_id(0);
    if (lid < BINS) local_hist[lid] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    uint i = get_global_id(0);
    if (i < n) atomic_inc(&local_hist[data[i] % BINS]);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < BINS) atomic_add(&hist[lid], local_hist[lid]);
}
