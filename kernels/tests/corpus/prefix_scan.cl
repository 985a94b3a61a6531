// Work-efficient (Blelloch) exclusive prefix sum of each work-group's slice in __local
// memory, plus the per-group totals; a second kernel adds the scanned group totals back.
__kernel void scan_groups(__global const uint* in, __global uint* out, __global uint* sums,
                          __local uint* tmp, uint n)
{
    uint lid = get_local_id(0);
    uint gid = get_global_id(0);
    uint m = get_local_size(0);
    tmp[lid] = gid < n ? in[gid] : 0u;
    barrier(CLK_LOCAL_MEM_FENCE);
    uint offset = 1;
    for (uint d = m >> 1; d > 0; d >>= 1) {
        if (lid < d) {
            uint ai = offset * (2 * lid + 1) - 1;
            uint bi = offset * (2 * lid + 2) - 1;
            tmp[bi] += tmp[ai];
        }
        offset <<= 1;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        sums[get_group_id(0)] = tmp[m - 1];
        tmp[m - 1] = 0;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint d = 1; d < m; d <<= 1) {
        offset >>= 1;
        if (lid < d) {
            uint ai = offset * (2 * lid + 1) - 1;
            uint bi = offset * (2 * lid + 2) - 1;
            uint t = tmp[ai];
            tmp[ai] = tmp[bi];
            tmp[bi] += t;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (gid < n)
        out[gid] = tmp[lid];
}

__kernel void add_offsets(__global uint* out, __global const uint* scanned_sums, uint n)
{
    uint gid = get_global_id(0);
    if (gid < n)
        out[gid] += scanned_sums[get_group_id(0)];
}
