// Dot product: each work-group reduces its slice in __local memory.
__kernel void dot_reduce(__global const float* a, __global const float* b,
                         __global float* partial, __local float* scratch, uint n)
{
    uint gid = get_global_id(0);
    uint lid = get_local_id(0);
    uint lsz = get_local_size(0);
    scratch[lid] = gid < n ? a[gid] * b[gid] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = lsz / 2; s > 0; s >>= 1) {
        if (lid < s)
            scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0)
        partial[get_group_id(0)] = scratch[0];
}
