/* Float atomics as OpenCL programs write them: a compare-and-swap loop on a `uint*` cast of
   the `float*` (with a union in __global memory, with as_uint/as_float in __local memory),
   next to an OpenCL 2.0 `atomic_int` counter. */
inline void atomic_add_float(volatile __global float *p, float v)
{
    union { uint u; float f; } old, next;
    do {
        old.f = *p;
        next.f = old.f + v;
    } while (atomic_cmpxchg((volatile __global uint *)p, old.u, next.u) != old.u);
}

inline void local_add_float(volatile __local float *p, float v)
{
    float old, next;
    do {
        old = *p;
        next = old + v;
    } while (atomic_cmpxchg((volatile __local uint *)p, as_uint(old), as_uint(next)) != as_uint(old));
}

/* Weighted histogram: per-work-group bins in __local memory, merged into the global bins. */
__kernel void weighted_hist(__global const uint *bin, __global const float *w, uint n,
                            __global float *hist, __global atomic_int *count)
{
    __local float lbins[16];
    int l = get_local_id(0);
    int i = get_global_id(0);
    for (int b = l; b < 16; b += get_local_size(0))
        lbins[b] = 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (i < n) {
        local_add_float(&lbins[bin[i] & 15], w[i]);
        atomic_fetch_add_explicit(count, 1, memory_order_relaxed, memory_scope_device);
    }
    work_group_barrier(CLK_LOCAL_MEM_FENCE, memory_scope_work_group);
    for (int b = l; b < 16; b += get_local_size(0))
        atomic_add_float(&hist[b], lbins[b]);
}
